"""The kickoff meeting's pages: plan it, its participants, questions and minutes, its .ics and
the contractor briefing (the monthly meetings are in monthly_views.py)."""

from datetime import UTC, datetime

from flask import abort, flash, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy.orm.exc import StaleDataError

from app.access import get_project_or_404, roles, signed_in, staff_only
from app.agreements import service as agreements
from app.agreements.docx_writer import to_docx
from app.extensions import db
from app.forms import EmptyForm
from app.meetings import kickoff
from app.meetings.blueprint import bp
from app.meetings.calendar import calendar, local, meeting_event
from app.meetings.forms import AnswerForm, MeetingForm, MinutesForm, ParticipantForm, QuestionForm
from app.meetings.models import PARTICIPANT_SIDES, KickoffQuestion, MeetingParticipant
from app.models import STAFF_ROLES, Project, Role
from app.web import download, redirect_after_write, render

ASKERS = (*STAFF_ROLES, Role.CONTRACTOR)
TEMPLATE = "meetings/kickoff.html"


def _page(project: Project, status: int = 200, block: str | None = None, **forms):
    """Render the kickoff page (or one block of it) with every form it shows."""
    meeting = kickoff.kickoff_meeting(project)
    if meeting is not None and "meeting_form" not in forms:
        start = local(meeting.starts_at)
        forms["meeting_form"] = MeetingForm(
            formdata=None,
            date=start.date(),
            time=start.time(),
            duration_minutes=meeting.duration_minutes,
            place=meeting.place,
            agenda=meeting.agenda,
        )
    if meeting is not None and "minutes_form" not in forms:
        forms["minutes_form"] = MinutesForm(formdata=None, obj=meeting)
        forms["minutes_form"].version.data = str(meeting.version)
    stored = kickoff.questions(project)
    context = dict(
        project=project,
        meeting=meeting,
        agreement_approved=agreements.approved_version(project) is not None,
        sees_drafts=current_user.is_staff
        or (current_user.role == Role.CLIENT and current_user.organisation_id == project.client_id),
        questions=stored,
        # Before the meeting is planned, contractors still see the standard answers.
        preview_answers=[]
        if any(q.is_standard for q in stored)
        else kickoff.standard_answers(project),
        agenda_items=[
            line for line in (meeting.agenda if meeting else "").splitlines() if line.strip()
        ],
        sides=PARTICIPANT_SIDES,
        meeting_form=forms.pop("meeting_form", None) or MeetingForm(formdata=None),
        participant_form=forms.pop("participant_form", None) or ParticipantForm(formdata=None),
        question_form=forms.pop("question_form", None) or QuestionForm(formdata=None),
        answer_form=AnswerForm(formdata=None),
        minutes_form=forms.pop("minutes_form", None),
        action_form=EmptyForm(),
        can_ask=current_user.is_staff or current_user.role == Role.CONTRACTOR,
        **forms,
    )
    return render(TEMPLATE, block=block, status=status, **context)


@bp.get("/kickoff")
@signed_in
def kickoff_page(project_id: int):
    """Show the kickoff meeting: time and place, agenda, people, Q&A and minutes."""
    return _page(get_project_or_404(project_id))


@bp.post("/kickoff")
@staff_only
def plan_kickoff(project_id: int):
    """Plan the kickoff meeting, or move it; the calendar entry keeps its UID."""
    project = get_project_or_404(project_id)
    meeting = kickoff.kickoff_meeting(project)
    form = MeetingForm()
    if form.validate_on_submit():
        starts_at = form.starts_at().astimezone(UTC)
        changed = meeting is None or starts_at != _utc(meeting.starts_at)
        if changed and starts_at < datetime.now(UTC):
            form.date.errors.append(_("The meeting cannot be in the past. Choose a later time."))
        else:
            duration, place = form.duration_minutes.data, (form.place.data or "").strip()
            if meeting is None:
                kickoff.plan(project, starts_at, duration, place, form.agenda.data, current_user)
                flash(_("The kickoff meeting is planned."), "success")
            else:
                kickoff.reschedule(meeting, starts_at, duration, place, form.agenda.data or "")
                flash(_("The kickoff meeting was updated."), "success")
            return redirect_after_write(url_for("meetings.kickoff_page", project_id=project.id))
    return _page(project, status=422, block="meeting", meeting_form=form)


def _utc(moment: datetime) -> datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


@bp.get("/kickoff.ics")
@signed_in
def kickoff_ics(project_id: int):
    """The kickoff meeting as a calendar invitation."""
    project = get_project_or_404(project_id)
    meeting = kickoff.kickoff_meeting(project)
    if meeting is None:
        abort(404)
    event = meeting_event(
        meeting,
        summary=f"Opstartsmøde: {project.name}",
        description="\n".join(f"- {line}" for line in meeting.agenda.splitlines() if line.strip()),
    )
    return download(calendar(event), "text/calendar", "opstartsmøde.ics")


@bp.post("/kickoff/participants")
@staff_only
def add_participant(project_id: int):
    """Add a participant to the kickoff meeting."""
    project = get_project_or_404(project_id)
    meeting = kickoff.kickoff_meeting(project) or abort(404)
    form = ParticipantForm()
    if not form.validate_on_submit():
        return _page(project, status=422, block="participants", participant_form=form)
    meeting.participants.append(
        MeetingParticipant(
            name=form.name.data.strip(),
            side=form.side.data,
            email=(form.email.data or "").strip().lower(),
        )
    )
    db.session.commit()
    return _after(project, "participants")


@bp.post("/kickoff/participants/<int:participant_id>/remove")
@staff_only
def remove_participant(project_id: int, participant_id: int):
    """Remove a participant from the kickoff meeting."""
    project = get_project_or_404(project_id)
    meeting = kickoff.kickoff_meeting(project) or abort(404)
    person = next((p for p in meeting.participants if p.id == participant_id), None) or abort(404)
    meeting.participants.remove(person)
    db.session.commit()
    return _after(project, "participants")


@bp.post("/kickoff/questions")
@roles(*ASKERS)
def ask_question(project_id: int):
    """Send a question for the kickoff meeting (contractors and coordinators)."""
    project = get_project_or_404(project_id)
    form = QuestionForm()
    if not form.validate_on_submit():
        return _page(project, status=422, block="qa", question_form=form)
    kickoff.ask(project, form.question.data, current_user)
    flash(_("Your question was sent. The answer will appear here."), "success")
    return _after(project, "qa")


def _question(project: Project, question_id: int) -> KickoffQuestion:
    question = db.session.get(KickoffQuestion, question_id)
    if question is None or question.project_id != project.id:
        abort(404)
    return question


@bp.post("/kickoff/questions/<int:question_id>/answer")
@staff_only
def answer_question(project_id: int, question_id: int):
    """Answer a question, or change the answer."""
    project = get_project_or_404(project_id)
    question = _question(project, question_id)
    form = AnswerForm()
    if not form.validate_on_submit():
        return _page(project, status=422, block="qa")
    kickoff.answer(question, form.answer.data or "", current_user)
    return _after(project, "qa")


@bp.post("/kickoff/questions/<int:question_id>/move")
@staff_only
def move_question(project_id: int, question_id: int):
    """Move a question up or down the list."""
    project = get_project_or_404(project_id)
    question = _question(project, question_id)  # an unknown question is 404, whatever the form
    direction = request.form.get("direction")
    if direction not in ("up", "down"):
        abort(400)
    kickoff.move(project, question, direction)
    return _after(project, "qa")


@bp.post("/kickoff/questions/<int:question_id>/discussed")
@staff_only
def mark_discussed(project_id: int, question_id: int):
    """Mark a question discussed at the meeting (or not)."""
    project = get_project_or_404(project_id)
    question = _question(project, question_id)
    question.discussed = request.form.get("discussed") == "1"
    db.session.commit()
    return _after(project, "qa")


@bp.post("/kickoff/minutes")
@staff_only
def save_minutes(project_id: int):
    """Save the minutes and decisions; a stale version is refused with the text kept."""
    project = get_project_or_404(project_id)
    meeting = kickoff.kickoff_meeting(project) or abort(404)
    form = MinutesForm()
    if not form.validate_on_submit():
        return _page(project, status=422, block="minutes", minutes_form=form)
    if form.version.data != str(meeting.version):
        return _minutes_conflict(project, meeting, form)
    meeting.minutes, meeting.decisions = form.minutes.data or "", form.decisions.data or ""
    try:
        db.session.commit()
    except StaleDataError:
        db.session.rollback()
        return _minutes_conflict(project, kickoff.kickoff_meeting(project), form)
    flash(_("The minutes were saved."), "success")
    return _after(project, "minutes")


def _minutes_conflict(project, meeting, form):
    form.version.data = str(meeting.version)
    return _page(project, status=409, block="minutes", minutes_form=form, minutes_conflict=True)


@bp.get("/kickoff/briefing.docx")
@signed_in
def briefing(project_id: int):
    """The kickoff briefing for the contractor as a Word file."""
    project = get_project_or_404(project_id)
    doc = kickoff.briefing(project)
    data = to_docx(
        doc,
        title=f"Opstartsbriefing – {project.name}",
        subject="Opstartsbriefing",
        author="Byg Op",
        project_name=project.name,
    )
    return download(
        data,
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        f"Opstartsbriefing - {project.name}.docx",
    )


def _after(project: Project, block: str):
    """After a write: the updated block for htmx, the page again without JavaScript."""
    if request.htmx:
        return _page(project, block=block)
    return redirect_after_write(
        url_for("meetings.kickoff_page", project_id=project.id) + f"#{block}"
    )
