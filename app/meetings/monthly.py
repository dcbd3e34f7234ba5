"""The monthly follow-up meetings: the series, its dates, the agenda built from the data,
action items that carry over, and the minutes as a Word document."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from dateutil.rrule import MONTHLY, rrule, weekday
from sqlalchemy import or_, select
from sqlalchemy.orm import joinedload

from app.agreements.model import AgreementDocument, Bullets, Paragraph, Section, SubHeading
from app.extensions import db
from app.meetings.calendar import COPENHAGEN, aware, local
from app.meetings.models import ActionItem, Meeting, MeetingKind, MeetingSeries
from app.models import Project, Rung, utcnow
from app.openings.models import Opening, OpeningStatus
from app.placements.models import Placement

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


def move(meeting: Meeting, starts_at: datetime, place: str) -> None:
    meeting.starts_at = starts_at
    meeting.place = place
    meeting.sequence += 1
    db.session.commit()


def set_cancelled(meeting: Meeting, cancelled: bool) -> None:
    meeting.cancelled = cancelled
    meeting.sequence += 1
    db.session.commit()


# --- the agenda, built from the data --------------------------------------------------------


@dataclass(frozen=True)
class Agenda:
    placements: list[Placement]
    openings: list[Opening]
    open_items: list[ActionItem]
    items_here: list[ActionItem]
    questions: tuple[str, ...]


def agenda(meeting: Meeting) -> Agenda:
    """What the meeting is about, as of its own date: the placements running then, the
    openings still open, and the action items not done before it."""
    on = local(meeting.starts_at).date()
    placements = db.session.scalars(
        select(Placement)
        .where(
            Placement.project_id == meeting.project_id,
            Placement.start_date <= on + timedelta(days=31),
            or_(Placement.actual_end.is_(None), Placement.actual_end >= on - timedelta(days=31)),
        )
        .options(joinedload(Placement.candidate), joinedload(Placement.company))
        .order_by(Placement.company_id, Placement.start_date)
    ).all()
    openings = db.session.scalars(
        select(Opening)
        .where(Opening.project_id == meeting.project_id, Opening.status == OpeningStatus.OPEN)
        .options(joinedload(Opening.company))
        .order_by(Opening.expected_start)
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
    return Agenda(list(placements), list(openings), open_items, here, STANDING_QUESTIONS)


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
    db.session.commit()
    return item


def set_done(item: ActionItem, meeting: Meeting, done: bool) -> None:
    item.done_at = utcnow() if done else None
    item.done_in_meeting_id = meeting.id if done else None
    db.session.commit()


# --- minutes as a Word document --------------------------------------------------------------


def minutes_document(meeting: Meeting, progress) -> AgreementDocument:
    """The minutes: time and place, attendance, the agenda as it stood, minutes, action items.
    Residents appear by initials: the minutes go to contractors and the client."""
    from app.agreements import danish

    start = local(meeting.starts_at)
    project = meeting.project
    data = agenda(meeting)
    present = [p.name for p in meeting.participants if p.attended]
    absent = [p.name for p in meeting.participants if p.attended is False]
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
            "Ansættelser lige nu",
            (
                Bullets(
                    tuple(
                        f"{p.candidate.initials} – {RUNG_DA[Rung(p.rung)]} hos {p.company.name}"
                        for p in data.placements
                    )
                    or ("Ingen",)
                ),
            ),
        ),
        (
            "openings",
            "Ledige stillinger",
            (
                Bullets(
                    tuple(
                        f"{o.company.name}: {o.trade or o.function}, forventet start "
                        f"{danish.format_date(o.expected_start)}"
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


RUNG_DA = {
    Rung.INTERNSHIP: "virksomhedspraktik",
    Rung.WAGE_SUBSIDY: "løntilskud",
    Rung.ORDINARY: "ordinær ansættelse",
    Rung.APPRENTICESHIP: "læreplads",
}
