"""The coordinator's start page: what needs attention today, in a fixed number of queries."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import Select, case, func, select, true, union_all

from app.access import scoped_projects
from app.candidates.models import Candidate, Conversation, ConversationKind
from app.extensions import db
from app.meetings.models import Meeting
from app.models import Organisation, Phase, Project, Rung
from app.openings.models import Opening, OpeningStatus
from app.placements.counting import Progress
from app.placements.models import Placement
from app.placements.progress import projects_counted, with_approved_version

# Weeks a running placement may go without a retention conversation (config RETENTION_WEEKS).
DEFAULT_RETENTION_WEEKS = 4
MEETING_DAYS = 14
# Each section of the start page shows this many rows at most (the most urgent first), so its
# cost does not grow with the portfolio; the section says when there are more.
SECTION_LIMIT = 20
# The sections, in the page's order: (name, element id). Each is loaded from
# /dashboard/<name> after the page (app/core/views.py).
SECTIONS = (
    ("active", "active-projects"),
    ("retention", "retention-due"),
    ("meetings", "upcoming-meetings"),
    ("openings", "open-openings"),
)


@dataclass(frozen=True)
class ActiveProject:
    id: int
    name: str
    phase: Phase
    progress: Progress


@dataclass(frozen=True)
class RetentionDue:
    placement_id: int
    candidate_id: int
    name: str
    project_id: int
    project: str
    company: str
    rung: Rung
    start: date
    last_conversation: date | None


def phase_counts_and_recent(
    projects: Select, limit: int = 5
) -> tuple[dict[str, int], list[Project]]:
    """`projects` (a select of the projects a user may see) counted by phase, and the `limit`
    most recently updated of them, in one query: the counts ride along on every recent row
    (no project means no row, and every count is 0 then)."""
    scoped = projects.subquery()
    counts = select(
        *(
            func.count(case((scoped.c.phase == phase.value, 1))).label(phase.value)
            for phase in Phase
        )
    ).subquery()
    rows = db.session.execute(
        projects.join(counts, true())
        .add_columns(*counts.c)
        .order_by(Project.updated_at.desc(), Project.id.desc())
        .limit(limit)
    ).all()
    if not rows:
        return {}, []
    first = rows[0]._mapping
    return {phase.value: first[counts.c[phase.value]] for phase in Phase}, [row[0] for row in rows]


def active_projects(user, today: date) -> list[ActiveProject]:
    """Awarded and running projects with their progress: one query (the projects with their
    approved agreements) when their counts are cached, plus one for the placements' facts of
    those that changed since they were last counted."""
    rows = db.session.execute(
        with_approved_version(
            scoped_projects(user).where(Project.phase.in_((Phase.AWARDED, Phase.EXECUTION)))
        )
        .order_by(Project.updated_at.desc(), Project.id.desc())
        .limit(SECTION_LIMIT + 1)
    ).all()
    counted = projects_counted([(project, approved) for project, approved in rows], today)
    return [
        ActiveProject(p.id, p.name, p.phase_enum, counted[p.id].progress) for p, _approved in rows
    ]


def running_placement_ids(today: date):
    """The ids of the placements still running today, found through the actual-end index
    (two index ranges, instead of scanning every placement that ever started)."""
    return union_all(
        select(Placement.id).where(Placement.actual_end.is_(None)),
        select(Placement.id).where(Placement.actual_end >= today),
    )


def retention_due(today: date, weeks: int) -> list[RetentionDue]:
    """Running placements whose latest retention conversation (or, without one, their start)
    lies more than `weeks` weeks back; the longest-waiting first."""
    last = (
        select(func.max(Conversation.held_on))
        .where(
            Conversation.candidate_id == Placement.candidate_id,
            Conversation.kind == ConversationKind.RETENTION,
            Conversation.held_on >= Placement.start_date,
            Conversation.held_on <= today,
        )
        .correlate(Placement)
        .scalar_subquery()
    )
    since = func.coalesce(last, Placement.start_date)
    cutoff = today - timedelta(weeks=weeks)
    # Cheap test first (an index seek per placement): no retention conversation since the
    # cutoff. Only the placements that pass it get their latest conversation looked up.
    recent = (
        select(Conversation.id)
        .where(
            Conversation.candidate_id == Placement.candidate_id,
            Conversation.kind == ConversationKind.RETENTION,
            Conversation.held_on >= cutoff,
            Conversation.held_on <= today,
        )
        .correlate(Placement)
        .exists()
    )
    rows = db.session.execute(
        select(
            Placement.id,
            Candidate.id,
            Candidate.first_name,
            Candidate.last_name,
            Project.id,
            Project.name,
            Organisation.name,
            Placement.rung,
            Placement.start_date,
            last,
        )
        .join(Candidate, Candidate.id == Placement.candidate_id)
        .join(Project, Project.id == Placement.project_id)
        .join(Organisation, Organisation.id == Placement.company_id)
        .where(
            Placement.id.in_(running_placement_ids(today)),
            Placement.start_date < cutoff,
            ~recent,
            Candidate.anonymised_at.is_(None),  # an erased person is no one to call
        )
        .order_by(since, Placement.id)
        .limit(SECTION_LIMIT + 1)
    )
    return [
        RetentionDue(pid, cid, f"{a} {b}".strip(), prid, name, company, Rung(rung), start, held)
        for pid, cid, a, b, prid, name, company, rung, start, held in rows
    ]


def upcoming_meetings(now: datetime, days: int = MEETING_DAYS) -> list[tuple[Meeting, str]]:
    """Meetings in the coming `days` days, with their project's name, soonest first."""
    return db.session.execute(
        select(Meeting, Project.name)
        .join(Project, Project.id == Meeting.project_id)
        .where(
            Meeting.starts_at >= now,
            Meeting.starts_at < now + timedelta(days=days),
            ~Meeting.cancelled,
        )
        .order_by(Meeting.starts_at)
        .limit(SECTION_LIMIT + 1)
    ).all()


def open_openings() -> list[tuple[Opening, str, str]]:
    """Openings not matched yet, with project and company names, the earliest start first."""
    return db.session.execute(
        select(Opening, Project.name, Organisation.name)
        .join(Project, Project.id == Opening.project_id)
        .join(Organisation, Organisation.id == Opening.company_id)
        .where(Opening.status == OpeningStatus.OPEN)
        .order_by(Opening.expected_start, Opening.id)
        .limit(SECTION_LIMIT + 1)
    ).all()
