"""The monthly follow-up meetings: the series, its dates, the agenda built from the data,
action items that carry over, and the minutes as a Word document."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from dateutil.rrule import MONTHLY, rrule, weekday
from sqlalchemy import or_, select
from sqlalchemy.orm import joinedload

from app.agreements.document_model import AgreementDocument, Bullets, Paragraph, Section, SubHeading
from app.extensions import db
from app.meetings.calendar import COPENHAGEN, aware, local
from app.meetings.models import ActionItem, Meeting, MeetingKind, MeetingSeries, MinutesFile
from app.models import Project, Role, utcnow
from app.openings.models import Opening, OpeningStatus
from app.placements.models import Placement

# A meeting is still coming until this long after its start: through its working day it
# stays the next meeting (the one the coordinator is running), and then it is a past one.
STILL_COMING = timedelta(hours=12)

# The questions the contractors are asked at every monthly meeting.
STANDING_QUESTIONS = (
    "Hvor mange fra boligområderne er ansat hos jer lige nu?",
    "Hvor mange lærlinge har I lige nu?",
    "Hvor mange er i løntilskud eller praktik lige nu?",
    "Er der plads til flere, og hvornår?",
    "Hvordan går det med dem, der er startet?",
    "Er der problemer, vi skal tage fat i?",
    "Gode historier siden sidst?",
)


def occurrences(series: MeetingSeries) -> list[datetime]:
    """Every start in the series, as aware datetimes in UTC."""
    nth = -1 if series.week_of_month == 5 else series.week_of_month
    hour, minute = (int(part) for part in series.start_time.split(":"))
    rule = rrule(
        MONTHLY,
        dtstart=datetime.combine(series.first_date, time(hour, minute)),
        until=datetime.combine(series.last_date, time(23, 59)),
        byweekday=weekday(series.weekday)(nth),
    )
    return [moment.replace(tzinfo=COPENHAGEN).astimezone(UTC) for moment in rule]


def is_coming(starts_at: datetime, now: datetime) -> bool:
    """Whether a meeting starting at `starts_at` is still a coming one at `now` (aware
    moments; a naive one is UTC): until `STILL_COMING` after its start."""
    starts_at = starts_at if starts_at.tzinfo else starts_at.replace(tzinfo=UTC)
    return starts_at >= now - STILL_COMING


def series_for(project: Project) -> MeetingSeries | None:
    return db.session.scalar(select(MeetingSeries).where(MeetingSeries.project_id == project.id))


def monthly_meetings(project: Project) -> list[Meeting]:
    return list(
        db.session.scalars(
            select(Meeting)
            .where(Meeting.project_id == project.id, Meeting.kind == MeetingKind.MONTHLY)
            .order_by(Meeting.starts_at)
        )
    )


def save_series(project: Project, series: MeetingSeries | None, **fields) -> MeetingSeries:
    """Create or change the series. Meetings held, with minutes, moved or cancelled stay as
    they are; the other coming ones are laid out again from the new rule."""
    if series is None:
        series = MeetingSeries(project_id=project.id)
        db.session.add(series)
    else:
        series.sequence += 1
    for name, value in fields.items():
        setattr(series, name, value)
    db.session.flush()
    now = utcnow()
    kept = []
    for meeting in monthly_meetings(project):
        untouched = (
            not meeting.minutes
            and not meeting.cancelled
            and (
                meeting.original_start is None
                or aware(meeting.starts_at) == aware(meeting.original_start)
            )
        )
        if aware(meeting.starts_at) >= now and untouched:
            db.session.delete(meeting)
        else:
            kept.append(meeting)
    db.session.flush()  # free the deleted meetings' UIDs before their dates are laid out again
    taken = {local(m.original_start or m.starts_at).date() for m in kept}
    for start in occurrences(series):
        if start >= now and local(start).date() not in taken:
            db.session.add(
                Meeting(
                    project_id=project.id,
                    kind=MeetingKind.MONTHLY,
                    series_id=series.id,
                    starts_at=start,
                    original_start=start,
                    duration_minutes=series.duration_minutes,
                    place=series.place,
                    uid=f"{series.uid}-{start:%Y%m%d}",
                )
            )
    db.session.commit()
    return series


def _changed(meeting: Meeting) -> None:
    """Raise the meeting's SEQUENCE and its series' (the series' file holds every meeting)."""
    meeting.sequence += 1
    if meeting.series_id is not None:
        series = db.session.get(MeetingSeries, meeting.series_id)
        if series is not None:
            series.sequence += 1


def move(meeting: Meeting, starts_at: datetime, place: str) -> None:
    meeting.starts_at = starts_at
    meeting.place = place
    _changed(meeting)
    db.session.flush()
    _notify().meeting_changed(meeting, "moved")  # the participants' calendars follow
    db.session.commit()


def set_cancelled(meeting: Meeting, cancelled: bool) -> None:
    meeting.cancelled = cancelled
    _changed(meeting)
    db.session.flush()
    _notify().meeting_changed(meeting, "cancelled" if cancelled else "planned")
    db.session.commit()


def _notify():
    from app.mail import notify  # the mails build on meetings, not the other way

    return notify


# --- the agenda, built from the data --------------------------------------------------------


@dataclass(frozen=True)
class Agenda:
    on: date  # the meeting's own (local) date: everything below is as of that day
    placements: list[Placement]  # running on that day
    coming: list[Placement]  # starting after it
    openings: list[Opening]
    open_items: list[ActionItem]
    items_here: list[ActionItem]
    questions: tuple[str, ...]


def meeting_date(meeting: Meeting) -> date:
    return local(meeting.starts_at).date()


def agenda(meeting: Meeting) -> Agenda:
    """What the meeting is about, as of its own date: the placements running that day (an
    ended one is not current; one that starts later is coming), the openings reported by
    the end of that day and not yet matched or withdrawn then, and the action items not done
    before it."""
    on = meeting_date(meeting)
    day_end = datetime.combine(on + timedelta(days=1), time(0), COPENHAGEN).astimezone(UTC)
    rows = db.session.scalars(
        select(Placement)
        .where(
            Placement.project_id == meeting.project_id,
            or_(Placement.actual_end.is_(None), Placement.actual_end >= on),
        )
        .options(joinedload(Placement.candidate), joinedload(Placement.company))
        .order_by(Placement.company_id, Placement.start_date, Placement.id)
    ).all()
    openings = db.session.scalars(
        select(Opening)
        .where(
            Opening.project_id == meeting.project_id,
            Opening.created_at < day_end,
            # Still open, or closed only after the meeting's day (open when it was held).
            or_(Opening.status == OpeningStatus.OPEN, Opening.updated_at >= day_end),
        )
        .options(joinedload(Opening.company))
        .order_by(Opening.expected_start, Opening.id)
    ).all()
    items = db.session.scalars(
        select(ActionItem)
        .where(ActionItem.project_id == meeting.project_id)
        .order_by(ActionItem.due_on.is_(None), ActionItem.due_on, ActionItem.id)
    ).all()
    earlier = set(
        db.session.scalars(
            select(Meeting.id).where(
                Meeting.project_id == meeting.project_id, Meeting.starts_at < meeting.starts_at
            )
        )
    )
    open_items = [
        i
        for i in items
        if i.meeting_id in earlier and (i.done_at is None or i.done_in_meeting_id == meeting.id)
    ]
    here = [i for i in items if i.meeting_id == meeting.id]
    return Agenda(
        on=on,
        placements=[p for p in rows if p.start_date <= on],
        coming=sorted((p for p in rows if p.start_date > on), key=lambda p: (p.start_date, p.id)),
        openings=list(openings),
        open_items=open_items,
        items_here=here,
        questions=STANDING_QUESTIONS,
    )


def meeting_progress(meeting: Meeting):
    """The project's progress counted as of the meeting's date."""
    from app.placements.progress_data import project_progress

    return project_progress(meeting.project, today=meeting_date(meeting))


def add_item(meeting: Meeting, text: str, owner: str, due_on: date | None, user) -> ActionItem:
    item = ActionItem(
        project_id=meeting.project_id,
        meeting_id=meeting.id,
        text=text.strip(),
        owner=owner.strip(),
        due_on=due_on,
        created_by_id=user.id,
    )
    db.session.add(item)
    db.session.flush()
    _notify().action_item(item)  # the owner hears of it, in the same transaction
    db.session.commit()
    return item


def set_done(item: ActionItem, meeting: Meeting, done: bool) -> None:
    item.done_at = utcnow() if done else None
    item.done_in_meeting_id = meeting.id if done else None
    db.session.commit()


# --- minutes as a Word document --------------------------------------------------------------

# Who may read which placements in the minutes: everyone's people (staff and the client), or a
# contractor's own company only. The Word file applies exactly the minutes page's scope.
ALL = "all"
NO_COMPANY = "company-none"


def scope_of(user) -> str:
    """The reader scope of `user` for a meeting's minutes."""
    if user.is_staff or user.role == Role.CLIENT:
        return ALL
    return f"company-{user.organisation_id}" if user.organisation_id else NO_COMPANY


def in_scope(placements, scope: str) -> list[Placement]:
    if scope == ALL:
        return list(placements)
    return [p for p in placements if f"company-{p.company_id}" == scope]


def danish_label(value) -> str:
    """The Danish label the page shows for an enum value (rung, job function)."""
    from flask_babel import force_locale, gettext

    with force_locale("da"):
        return gettext(value.label)


def minutes_document(meeting: Meeting, progress, scope: str = ALL) -> AgreementDocument:
    """The minutes: time and place, attendance, the agenda as it stood on the meeting's date,
    minutes, action items. Residents appear by initials (the minutes go to contractors and the
    client), and only those the reader's `scope` may see."""
    from app.agreements import danish

    start = local(meeting.starts_at)
    project = meeting.project
    data = agenda(meeting)
    present = [p.name for p in meeting.participants if p.attended]
    absent = [p.name for p in meeting.participants if p.attended is False]

    def person(p: Placement) -> str:
        return (
            f"{p.candidate.initials} – {danish_label(p.rung_enum)} hos {p.company.name}, "
            f"fra {danish.format_date(p.start_date)}"
            + (f" til {danish.format_date(p.actual_end)}" if p.actual_end else "")
        )

    coming = in_scope(data.coming, scope)
    sections = [
        (
            "meeting",
            "Mødet",
            (
                Paragraph(
                    f"{danish.format_date(start.date())} kl. {start:%H.%M}"
                    + (f", {meeting.place}" if meeting.place else "")
                    + "."
                ),
                SubHeading("Til stede"),
                Bullets(tuple(present) or ("Ikke registreret",)),
                *((SubHeading("Afbud"), Bullets(tuple(absent))) if absent else ()),
            ),
        ),
        (
            "progress",
            "Fremdrift",
            (
                Paragraph(
                    f"Pr. {danish.format_date(data.on)}: "
                    f"{progress.courses_counted} beskæftigelsesforløb og "
                    f"{progress.apprenticeships_counted} lærepladser er talt med"
                    + (
                        f" af målet på {progress.targets.courses}"
                        f" og {progress.targets.apprenticeships}."
                        if progress.targets
                        else "."
                    )
                ),
            ),
        ),
        (
            "placements",
            "Ansættelser på mødedagen",
            (
                Bullets(tuple(person(p) for p in in_scope(data.placements, scope)) or ("Ingen",)),
                *(
                    (SubHeading("Kommende"), Bullets(tuple(person(p) for p in coming)))
                    if coming
                    else ()
                ),
            ),
        ),
        (
            "openings",
            "Ledige stillinger",
            (
                Bullets(
                    tuple(
                        f"{o.company.name}: {danish_label(o.function_enum)}"
                        + (f" ({o.trade})" if o.trade else "")
                        + f", forventet start {danish.format_date(o.expected_start)}"
                        for o in data.openings
                    )
                    or ("Ingen meldt",)
                ),
            ),
        ),
        (
            "minutes",
            "Referat",
            tuple(
                Paragraph(par.strip())
                for par in (meeting.minutes or "").split("\n\n")
                if par.strip()
            )
            or (Paragraph("Intet referat skrevet."),),
        ),
        (
            "actions",
            "Opgaver",
            (
                Bullets(
                    tuple(
                        f"{i.text}"
                        + (f" – {i.owner}" if i.owner else "")
                        + (f", senest {danish.format_date(i.due_on)}" if i.due_on else "")
                        + (" (udført)" if i.done_at else "")
                        for i in [*data.open_items, *data.items_here]
                    )
                    or ("Ingen",)
                ),
            ),
        ),
    ]
    return AgreementDocument(
        title="Referat af opfølgningsmøde",
        subtitle=f"{project.name}, {danish.format_date(start.date())}",
        header=f"Referat – {project.name}",
        sections=tuple(
            Section(n, key, title, blocks) for n, (key, title, blocks) in enumerate(sections, 1)
        ),
    )


def render_minutes(meeting: Meeting, scope: str) -> bytes:
    """The minutes as .docx bytes for one reader scope, from the data as of the meeting."""
    from app.agreements.docx_writer import to_docx

    doc = minutes_document(meeting, meeting_progress(meeting), scope)
    return to_docx(
        doc, title=doc.title, subject="Referat", author="Byg Op", project_name=meeting.project.name
    )


def freeze_scopes(meeting: Meeting) -> list[str]:
    """Every scope a reader of this meeting's minutes can have: everyone's, each company of
    the project or with a placement on it, and a company with no one on the list."""
    companies = {pc.company_id for pc in meeting.project.companies}
    companies |= set(
        db.session.scalars(
            select(Placement.company_id).where(Placement.project_id == meeting.project_id)
        )
    )
    return [ALL, *(f"company-{c}" for c in sorted(companies)), NO_COMPANY]


def minutes_file(meeting: Meeting, scope: str) -> bytes:
    """The Word file for `scope`: the frozen one once the minutes are final, else fresh.

    A company that joined the project after the minutes were marked final had no one on
    them, so it gets the frozen file without anyone's people."""
    if meeting.minutes_final_at is None:
        return render_minutes(meeting, scope)
    files = {f.scope: f.data for f in meeting.minutes_files}
    return files.get(scope, files[NO_COMPANY])


def mark_final(meeting: Meeting, user) -> None:
    """Freeze the minutes: store one Word file per reader scope, byte for byte."""
    meeting.minutes_files.clear()
    db.session.flush()
    for scope in freeze_scopes(meeting):
        meeting.minutes_files.append(MinutesFile(scope=scope, data=render_minutes(meeting, scope)))
    meeting.minutes_final_at = utcnow()
    meeting.minutes_final_by_id = user.id
    db.session.commit()


def reopen(meeting: Meeting) -> None:
    """Take the minutes back to draft: the frozen files go; the next download is fresh."""
    meeting.minutes_files.clear()
    meeting.minutes_final_at = None
    meeting.minutes_final_by_id = None
    db.session.commit()
