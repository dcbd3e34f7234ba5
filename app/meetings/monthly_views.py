"""The monthly follow-up meetings: the series, one page per meeting to run it from, the
calendar files and the minutes in Word."""

from datetime import UTC, datetime, timedelta

from flask import abort, flash, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy.orm.exc import StaleDataError

from app.access import get_project_or_404, roles, signed_in, staff_only
from app.clock import local_today
from app.extensions import db
from app.forms import EmptyForm
from app.meetings import kickoff, monthly
from app.meetings.blueprint import bp
from app.meetings.calendar import COPENHAGEN, calendar, local, meeting_event, series_events
from app.meetings.forms import (
    ActionItemForm,
    MinutesForm,
    MonthlyParticipantForm,
    MoveForm,
    SeriesForm,
)
from app.meetings.models import ActionItem, Meeting, MeetingKind, MeetingParticipant
from app.models import Project, Role, User, utcnow
from app.web import download, redirect_after_write, render

SUMMARY = "Opfølgningsmøde: {}"


@bp.get("/meetings/")
@signed_in
def index(project_id: int):
    """The project's meetings: the kickoff, the monthly series and each monthly meeting."""
    project = get_project_or_404(project_id)
    return _index(project)


def _index(project: Project, status: int = 200, form: SeriesForm | None = None):
    series = monthly.series_for(project)
    if form is None:
        if series is not None:
            hour, minute = (int(x) for x in series.start_time.split(":"))
            form = SeriesForm(formdata=None, obj=series)
            form.start_time.data = datetime.min.time().replace(hour=hour, minute=minute)
        else:
            start = max(project.execution_start or local_today(), local_today())
            end = project.execution_end or start + timedelta(days=365)
            form = SeriesForm(formdata=None, first_date=start, last_date=end)
            form.start_time.data = datetime.min.time().replace(hour=8, minute=30)
    meetings = monthly.monthly_meetings(project)
    now = utcnow()
    upcoming = [m for m in meetings if monthly.is_coming(m.starts_at, now)]
    return render(
        "meetings/index.html",
        block="series",
        status=status,
        project=project,
        series=series,
        form=form,
        kickoff_meeting=kickoff.kickoff_meeting(project),
        upcoming=upcoming,
        past=[m for m in meetings if m not in upcoming][::-1],
    )


@bp.post("/meetings/series")
@staff_only
def save_series(project_id: int):
    """Set the monthly rhythm; the coming meetings are laid out from it."""
    project = get_project_or_404(project_id)
    form = SeriesForm()
    if not form.validate_on_submit():
        return _index(project, status=422, form=form)
    series = monthly.save_series(
        project,
        monthly.series_for(project),
        weekday=form.weekday.data,
        week_of_month=form.week_of_month.data,
        start_time=form.start_time.data.strftime("%H:%M"),
        duration_minutes=form.duration_minutes.data,
        place=(form.place.data or "").strip(),
        first_date=form.first_date.data,
        last_date=form.last_date.data,
    )
    _invite_people(project, series)
    flash(_("The monthly meetings are planned."), "success")
    return redirect_after_write(url_for("meetings.index", project_id=project.id))


def _invite_people(project: Project, series) -> None:
    """Put the coordinator and the contractors' people on every meeting without participants."""
    company_ids = [pc.company_id for pc in project.companies]
    people = (
        db.session.query(User)
        .filter(User.active, User.role == Role.CONTRACTOR, User.organisation_id.in_(company_ids))
        .all()
        if company_ids
        else []
    )
    for meeting in monthly.monthly_meetings(project):
        if meeting.participants or meeting.series_id != series.id:
            continue
        meeting.participants.append(
            MeetingParticipant(name=current_user.name, side="coordinator", email=current_user.email)
        )
        for person in people:
            meeting.participants.append(
                MeetingParticipant(
                    name=person.name,
                    side="contractor",
                    email=person.email,
                    organisation_id=person.organisation_id,
                )
            )
    db.session.commit()


@bp.get("/meetings/series.ics")
@signed_in
def series_ics(project_id: int):
    """The whole monthly series as one calendar file (a recurring event)."""
    project = get_project_or_404(project_id)
    series = monthly.series_for(project) or abort(404)
    events = series_events(series, monthly.monthly_meetings(project), SUMMARY.format(project.name))
    return _ics(calendar(*events), "opfoelgningsmoeder.ics")


def _ics(data: bytes, filename: str):
    return download(data, "text/calendar", filename)


def _meeting(project: Project, meeting_id: int) -> Meeting:
    meeting = db.session.get(Meeting, meeting_id)
    if meeting is None or meeting.project_id != project.id or meeting.kind != MeetingKind.MONTHLY:
        abort(404)
    return meeting


def _visible_placements(placements):
    """Coordinators and the client see everyone; a contractor only its own company's people
    (the same scope the minutes' Word file applies)."""
    return monthly.in_scope(placements, monthly.scope_of(current_user))


def _page(project: Project, meeting: Meeting, status: int = 200, block: str | None = None, **extra):
    data = monthly.agenda(meeting)
    meetings = monthly.monthly_meetings(project)
    position = next(i for i, m in enumerate(meetings) if m.id == meeting.id)
    start = local(meeting.starts_at)
    extra.setdefault(
        "move_form",
        MoveForm(formdata=None, date=start.date(), time=start.time(), place=meeting.place),
    )
    extra.setdefault("item_form", ActionItemForm(formdata=None))
    extra.setdefault("minutes_form", MinutesForm(formdata=None, obj=meeting))
    extra["minutes_form"].version.data = str(meeting.version)
    participant_form = extra.pop("participant_form", None) or MonthlyParticipantForm(formdata=None)
    participant_form.organisation_id.choices = [(0, _("Coordinating unit or other"))] + [
        (pc.company_id, pc.company.name) for pc in project.companies
    ]
    response = render(
        "meetings/monthly.html",
        block=block,
        status=status,
        project=project,
        meeting=meeting,
        agenda=data,
        placements=_visible_placements(data.placements),
        coming=_visible_placements(data.coming),
        progress=monthly.meeting_progress(meeting),
        previous=meetings[position - 1] if position > 0 else None,
        following=meetings[position + 1] if position + 1 < len(meetings) else None,
        participant_form=participant_form,
        action_form=EmptyForm(),
        **extra,
    )
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.get("/meetings/<int:meeting_id>")
@signed_in
def meeting_page(project_id: int, meeting_id: int):
    """Run the monthly meeting from one page: agenda from the data, people, minutes, actions."""
    project = get_project_or_404(project_id)
    return _page(project, _meeting(project, meeting_id))


@bp.get("/meetings/<int:meeting_id>.ics")
@signed_in
def meeting_ics(project_id: int, meeting_id: int):
    """One monthly meeting as a calendar file (an instance of the series)."""
    project = get_project_or_404(project_id)
    meeting = _meeting(project, meeting_id)
    # An event of its own (its own UID, no RECURRENCE-ID), so that any calendar program can
    # import it without the series' file.
    event = meeting_event(meeting, SUMMARY.format(project.name))
    return _ics(calendar(event), f"opfoelgningsmoede-{local(meeting.starts_at):%Y-%m-%d}.ics")


@bp.post("/meetings/<int:meeting_id>/move")
@staff_only
def move_meeting(project_id: int, meeting_id: int):
    """Move one meeting to another day or time; the calendar entry follows."""
    project = get_project_or_404(project_id)
    meeting = _meeting(project, meeting_id)
    form = MoveForm()
    if form.validate_on_submit():
        starts_at = datetime.combine(form.date.data, form.time.data, COPENHAGEN).astimezone(UTC)
        if starts_at < datetime.now(UTC):
            form.date.errors.append(_("The meeting cannot be in the past. Choose a later time."))
        else:
            monthly.move(meeting, starts_at, (form.place.data or "").strip())
            flash(_("The meeting was moved."), "success")
            return redirect_after_write(
                url_for("meetings.meeting_page", project_id=project.id, meeting_id=meeting.id)
            )
    return _page(project, meeting, status=422, block="header", move_form=form)


@bp.post("/meetings/<int:meeting_id>/cancel")
@staff_only
def cancel_meeting(project_id: int, meeting_id: int):
    """Cancel one meeting of the series, or take the cancellation back."""
    project = get_project_or_404(project_id)
    meeting = _meeting(project, meeting_id)
    if not EmptyForm().validate_on_submit():
        abort(400)
    monthly.set_cancelled(meeting, not meeting.cancelled)
    flash(
        _("The meeting is cancelled.") if meeting.cancelled else _("The meeting is on again."),
        "success",
    )
    return redirect_after_write(
        url_for("meetings.meeting_page", project_id=project.id, meeting_id=meeting.id)
    )


@bp.post("/meetings/<int:meeting_id>/minutes")
@staff_only
def autosave_minutes(project_id: int, meeting_id: int):
    """Save the minutes as they are typed; a save based on an older version is refused."""
    project = get_project_or_404(project_id)
    meeting = _meeting(project, meeting_id)
    form = MinutesForm()
    if meeting.minutes_final_at is not None:
        return _page(project, meeting, status=409, block="minutes_status", minutes_form=form)
    if not form.validate_on_submit():
        return _page(project, meeting, status=422, block="minutes_status", minutes_form=form)
    if form.version.data != str(meeting.version):
        return _page(
            project, meeting, status=409, block="minutes_status", conflict=True, minutes_form=form
        )
    meeting.minutes = form.minutes.data or ""
    try:
        db.session.commit()
    except StaleDataError:
        db.session.rollback()
        meeting = _meeting(project, meeting_id)
        return _page(
            project, meeting, status=409, block="minutes_status", conflict=True, minutes_form=form
        )
    if not request.htmx:
        flash(_("The minutes were saved."), "success")
        return redirect_after_write(
            url_for("meetings.meeting_page", project_id=project.id, meeting_id=meeting.id)
        )
    return _page(project, meeting, block="minutes_status", saved_at=utcnow())


@bp.post("/meetings/<int:meeting_id>/attendance")
@staff_only
def attendance(project_id: int, meeting_id: int):
    """Record who came."""
    project = get_project_or_404(project_id)
    meeting = _meeting(project, meeting_id)
    _refuse_if_final(meeting)
    try:
        person_id = int(request.form.get("participant_id", ""))
    except ValueError:
        abort(400)
    person = next((p for p in meeting.participants if p.id == person_id), None) or abort(404)
    person.attended = request.form.get("attended") == "1"
    db.session.commit()
    return _after(project, meeting, "people")


@bp.post("/meetings/<int:meeting_id>/participants")
@staff_only
def add_monthly_participant(project_id: int, meeting_id: int):
    """Add someone to this meeting, from one of the project's companies or elsewhere."""
    project = get_project_or_404(project_id)
    meeting = _meeting(project, meeting_id)
    _refuse_if_final(meeting)
    form = MonthlyParticipantForm()
    form.organisation_id.choices = [(0, "")] + [(pc.company_id, "") for pc in project.companies]
    if not form.validate_on_submit():
        return _page(project, meeting, status=422, block="people", participant_form=form)
    org = form.organisation_id.data or None
    meeting.participants.append(
        MeetingParticipant(
            name=form.name.data.strip(), side="contractor" if org else "other", organisation_id=org
        )
    )
    db.session.commit()
    return _after(project, meeting, "people")


@bp.post("/meetings/<int:meeting_id>/actions")
@staff_only
def add_action(project_id: int, meeting_id: int):
    """Add an action item; it stays on the agenda until it is done."""
    project = get_project_or_404(project_id)
    meeting = _meeting(project, meeting_id)
    _refuse_if_final(meeting)
    form = ActionItemForm()
    if not form.validate_on_submit():
        return _page(project, meeting, status=422, block="actions", item_form=form)
    monthly.add_item(meeting, form.text.data, form.owner.data or "", form.due_on.data, current_user)
    return _after(project, meeting, "actions")


@bp.post("/meetings/<int:meeting_id>/actions/<int:item_id>/done")
@staff_only
def action_done(project_id: int, meeting_id: int, item_id: int):
    """Mark an action item done at this meeting (or not done after all)."""
    project = get_project_or_404(project_id)
    meeting = _meeting(project, meeting_id)
    _refuse_if_final(meeting)
    item = db.session.get(ActionItem, item_id)
    if item is None or item.project_id != project.id:
        abort(404)
    monthly.set_done(item, meeting, request.form.get("done") == "1")
    return _after(project, meeting, "actions")


def _after(project: Project, meeting: Meeting, block: str):
    if request.htmx:
        return _page(project, meeting, block=block)
    page = url_for("meetings.meeting_page", project_id=project.id, meeting_id=meeting.id)
    return redirect_after_write(f"{page}#{block}")


def _refuse_if_final(meeting: Meeting) -> None:
    """Final minutes are a record: nothing on them changes until a coordinator reopens them."""
    if meeting.minutes_final_at is not None:
        abort(409)


@bp.post("/meetings/<int:meeting_id>/final")
@staff_only
def mark_final(project_id: int, meeting_id: int):
    """Mark the minutes final: the Word file is frozen from now on."""
    project = get_project_or_404(project_id)
    meeting = _meeting(project, meeting_id)
    if not EmptyForm().validate_on_submit():
        abort(400)
    if meeting.minutes_final_at is None:
        monthly.mark_final(meeting, current_user)
    flash(_("The minutes are final. The Word file will not change."), "success")
    return redirect_after_write(
        url_for("meetings.meeting_page", project_id=project.id, meeting_id=meeting.id)
    )


@bp.post("/meetings/<int:meeting_id>/reopen")
@roles(Role.COORDINATOR)
def reopen_minutes(project_id: int, meeting_id: int):
    """Reopen final minutes (coordinators only); the Word file is made afresh from the data."""
    project = get_project_or_404(project_id)
    meeting = _meeting(project, meeting_id)
    if not EmptyForm().validate_on_submit():
        abort(400)
    if meeting.minutes_final_at is not None:
        monthly.reopen(meeting)
    flash(_("The minutes are open for changes again."), "success")
    return redirect_after_write(
        url_for("meetings.meeting_page", project_id=project.id, meeting_id=meeting.id)
    )


@bp.get("/meetings/<int:meeting_id>/minutes.docx")
@signed_in
def minutes_docx(project_id: int, meeting_id: int):
    """The minutes as a Word file, as of the meeting's date and for the reader's scope;
    frozen byte for byte once the minutes are final."""
    project = get_project_or_404(project_id)
    meeting = _meeting(project, meeting_id)
    data = monthly.minutes_file(meeting, monthly.scope_of(current_user))
    return download(
        data,
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        f"Referat - {project.name} - {local(meeting.starts_at):%Y-%m-%d}.docx",
    )
