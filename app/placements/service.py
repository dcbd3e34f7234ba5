"""Placements for the web layer: create, end, move up a rung, and draw a candidate's journey.

Every write of a placement or a retention conversation goes through this module, which keeps
what depends on it in the same transaction: the placement's `retention_since`
(`retention.refresh`) and its project's `progress_stamp` (`progress_cache.touch`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from flask import current_app
from sqlalchemy import func, select

from app.agreements import service as agreements
from app.agreements.variables import Message
from app.bulk import insert_rows
from app.candidates.models import Candidate, Conversation, ConversationKind
from app.clock import local_today
from app.extensions import db
from app.i18n import N_
from app.models import Project, ProjectCompany, Rung
from app.openings.models import Opening, OpeningStatus
from app.placements import counting, progress_cache, retention
from app.placements.counting import Targets
from app.placements.models import Outcome, Placement
from app.placements.progress_data import targets_of
from app.placements.rules import (
    DEFAULT_MIN_PRE_MATCH,
    Durations,
    Period,
    phase_warning,
    refusals,
)


class Refused(Exception):
    """The placement breaks a rule; `problems` maps form fields to messages."""

    def __init__(self, problems):
        super().__init__("placement refused")
        self.problems = problems


def durations_for(project: Project) -> Durations:
    version = agreements.approved_version(project)
    return Durations.from_values(version.content.get("values") if version else None)


def targets_for(project: Project) -> Targets | None:
    """The targets and counting rule of the project's approved agreement (None without one)."""
    return targets_of(agreements.approved_version(project))


def start_warnings(project: Project, start: date) -> list[Message]:
    """Why a placement starting on `start` will not count, for the form to confirm."""
    warning = phase_warning(start, project.execution_start, project.execution_end)
    return [warning] if warning else []


def end_warnings(placement: Placement, end_on: date, next_rung: bool = False) -> list[Message]:
    """Why ending `placement` on `end_on` (and, with `next_rung`, starting the next rung the
    day after) means a rung will not count; the coordinator confirms before it is saved."""
    warnings = []
    day = counting.ends_too_soon(
        placement.rung, placement.start_date, end_on, targets_for(placement.project)
    )
    if day is not None:
        warnings.append(
            Message(
                N_(
                    "Ended on %(end)s, this rung will not count towards the agreement: under its "
                    "minimum-duration rule it must last until %(day)s."
                ),
                {"end": end_on.strftime("%d.%m.%Y"), "day": day.strftime("%d.%m.%Y")},
            )
        )
    if next_rung and end_on >= placement.start_date:
        warnings += start_warnings(placement.project, end_on + timedelta(days=1))
    return warnings


def min_pre_match() -> int:
    return int(current_app.config.get("MIN_PRE_MATCH", DEFAULT_MIN_PRE_MATCH))


def pre_match_count(candidate_id: int) -> int:
    return db.session.scalar(
        select(func.count(Conversation.id)).where(
            Conversation.candidate_id == candidate_id,
            Conversation.kind == ConversationKind.PRE_MATCH,
        )
    )


def periods(candidate_id: int, exclude: int | None = None) -> list[Period]:
    query = select(Placement.id, Placement.start_date, Placement.actual_end).where(
        Placement.candidate_id == candidate_id
    )
    if exclude is not None:
        query = query.where(Placement.id != exclude)
    return [Period(*row) for row in db.session.execute(query)]


def company_on_project(project_id: int, company_id: int | None) -> bool:
    if not company_id:
        return False
    return (
        db.session.scalar(
            select(ProjectCompany.id).where(
                ProjectCompany.project_id == project_id, ProjectCompany.company_id == company_id
            )
        )
        is not None
    )


def check(
    candidate: Candidate,
    project: Project,
    company_id: int | None,
    start: date | None,
    planned_end: date | None,
    actual_end: date | None = None,
    exclude: int | None = None,
):
    return refusals(
        eligible=candidate.eligible,
        pre_match_conversations=pre_match_count(candidate.id),
        company_on_project=company_on_project(project.id, company_id),
        start=start,
        planned_end=planned_end,
        actual_end=actual_end,
        others=periods(candidate.id, exclude),
        min_pre_match=min_pre_match(),
    )


def create(
    candidate: Candidate,
    project: Project,
    company_id: int,
    rung: Rung,
    start: date,
    planned_end: date | None,
    user,
    opening: Opening | None = None,
    previous: Placement | None = None,
) -> Placement:
    """Create a placement if every rule allows it; a reported opening becomes matched."""
    if planned_end is None:
        planned_end = durations_for(project).planned_end(rung, start)
    problems = check(candidate, project, company_id, start, planned_end)
    if problems:
        raise Refused(problems)
    placement = Placement(
        candidate_id=candidate.id,
        project_id=project.id,
        company_id=company_id,
        rung=Rung(rung),
        start_date=start,
        planned_end=planned_end,
        opening_id=opening.id if opening else None,
        previous_id=previous.id if previous else None,
        created_by_id=user.id,
    )
    insert([placement])
    if opening is not None:
        opening.status = OpeningStatus.MATCHED
    return placement


def insert(placements: list[Placement]) -> list[Placement]:
    """Add placements as they are (the caller checked the rules: `create()`, the import) and
    keep what depends on them: each one's retention day (from its candidate's retention
    conversations since its start) and its project's progress stamp. Flushes."""
    for placement in placements:
        # NOT NULL: a first value, recomputed below once the row exists.
        placement.retention_since = placement.start_date
    db.session.add_all(placements)
    db.session.flush()
    retention.refresh(db.session, placements=[p.id for p in placements])
    progress_cache.touch(db.session, [p.project_id for p in placements])
    return placements


def insert_many(rows: list[dict]) -> None:
    """`insert()` for placements given as column values (the import): a COPY or multi-row
    INSERT (`app.bulk`) instead of an object each, then the same derived columns: the
    retention day of every placement of these candidates and these projects' progress stamps."""
    if not rows:
        return
    for row in rows:
        row["retention_since"] = row["start_date"]  # NOT NULL: recomputed below
    insert_rows(db.session.connection(), Placement.__table__, rows)
    retention.refresh(db.session, candidates=[row["candidate_id"] for row in rows])
    progress_cache.touch(db.session, [row["project_id"] for row in rows])


def record_conversation(
    candidate: Candidate, held_on: date, kind: ConversationKind, notes: str = "", user=None
) -> Conversation:
    """Log a conversation in the candidate's samtaleforløb. A retention conversation also
    moves the retention day of the candidate's placements (the start page's list)."""
    conversation = Conversation(
        held_on=held_on,
        kind=ConversationKind(kind),
        notes=notes,
        created_by_id=getattr(user, "id", None),
    )
    candidate.conversations.append(conversation)
    if conversation.kind == ConversationKind.RETENTION:
        db.session.flush()
        retention.refresh(db.session, candidates=[candidate.id])
    return conversation


def end(placement: Placement, actual_end: date, outcome: Outcome, reason: str = "") -> None:
    """End a placement with its outcome; the end must fall between its start and the next."""
    problems: dict[str, list[Message]] = {}
    if actual_end < placement.start_date:
        problems["actual_end"] = [Message(N_("The end cannot be before the start."))]
    later = (
        p for p in periods(placement.candidate_id, placement.id) if p.start > placement.start_date
    )
    if any(p.start <= actual_end for p in later):
        problems.setdefault("actual_end", []).append(
            Message(N_("The candidate's next placement starts on or before this end date."))
        )
    if problems:
        raise Refused(problems)
    placement.actual_end = actual_end
    placement.outcome = Outcome(outcome)
    placement.outcome_reason = reason.strip()
    progress_cache.touch(db.session, [placement.project_id])


def next_rung(placement: Placement, end_on: date, user) -> Placement:
    """End this placement (moved to the next rung) and start the next rung the day after."""
    current = Rung(placement.rung)
    if current == Rung.APPRENTICESHIP:
        raise Refused({"rung": [Message(N_("An apprenticeship is the top of the ladder."))]})
    following = list(Rung)[current.step]
    end(placement, end_on, Outcome.NEXT_RUNG)
    db.session.flush()
    return create(
        placement.candidate,
        placement.project,
        placement.company_id,
        following,
        end_on + timedelta(days=1),
        None,
        user,
        previous=placement,
    )


# --- the journey, drawn as the ladder ------------------------------------------------------


@dataclass(frozen=True)
class Bar:
    x: float
    y: float
    width: float
    rung: Rung
    label: str
    start: date
    end: date | None
    running: bool


LANE = 44  # height of one rung's lane in the drawing
LEFT = 180  # room for the rung names
WIDTH = 760


def journey(placements: list[Placement], today: date | None = None) -> dict | None:
    """Coordinates for an SVG of the ladder: one lane per rung (lowest at the bottom), one bar
    per placement from its start to its end (or today), steps joining the bars in order."""
    if not placements:
        return None
    today = today or local_today()
    first = min(p.start_date for p in placements)
    last = max(max(p.actual_end or today, p.start_date) for p in placements)
    days = max((last - first).days, 30)
    scale = (WIDTH - LEFT - 20) / days
    rungs = list(Rung)
    bars = []
    for p in sorted(placements, key=lambda p: p.start_date):
        rung = Rung(p.rung)
        stop = p.actual_end or today
        x = LEFT + (p.start_date - first).days * scale
        width = max((stop - p.start_date).days * scale, 6)
        y = (len(rungs) - rung.step) * LANE + 8
        bars.append(
            Bar(x, y, width, rung, p.company.name, p.start_date, p.actual_end, p.actual_end is None)
        )
    steps = [(a.x + a.width, a.y + 14, b.x, b.y + 14) for a, b in zip(bars, bars[1:], strict=False)]
    ticks = []
    year, month = first.year, first.month
    while date(year, month, 1) <= last:
        tick = date(year, month, 1)
        if tick >= first:
            ticks.append((LEFT + (tick - first).days * scale, tick))
        month += 3
        if month > 12:
            year, month = year + 1, month - 12
    return {
        "width": WIDTH,
        "height": len(rungs) * LANE + 40,
        "lanes": [(r, (len(rungs) - r.step) * LANE) for r in rungs],
        "bars": bars,
        "steps": steps,
        "ticks": ticks,
        "left": LEFT,
        "lane": LANE,
    }
