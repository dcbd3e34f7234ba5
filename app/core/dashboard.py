"""The coordinator's start page: what needs attention today, in a fixed number of queries."""

from __future__ import annotations

import functools
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import NamedTuple

from sqlalchemy import Select, bindparam, case, func, select, true, union_all

from app.access import project_scope_kind, scoped_projects, scoped_projects_of
from app.agreements.models import AgreementVersion
from app.candidates.models import Candidate, Conversation, ConversationKind
from app.extensions import constant, day_param, db
from app.meetings.models import Meeting
from app.models import Organisation, Phase, Project, Rung
from app.openings.models import Opening, OpeningStatus
from app.placements.counting import Progress
from app.placements.models import Placement
from app.placements.progress_data import (
    WITHOUT_DOCUMENT,
    approved_version_id,
    projects_counted,
)
from app.reads import column_result, column_rows

# Weeks a running placement may go without a retention conversation (config RETENTION_WEEKS).
DEFAULT_RETENTION_WEEKS = 4
MEETING_DAYS = 14
# Each section of the start page shows this many rows at most (the most urgent first), so its
# cost does not grow with the portfolio; the section says when there are more.
SECTION_LIMIT = 20
# A section's limit, written into its statements' text (`constant`).
ROWS_ASKED = constant(SECTION_LIMIT + 1)
# The sections, in the page's order: (name, element id). Each is loaded from
# /dashboard/<name> after the page (app/core/views.py).
SECTIONS = (
    ("active", "active-projects"),
    ("retention", "retention-due"),
    ("meetings", "upcoming-meetings"),
    ("openings", "open-openings"),
)


class RecentProject(NamedTuple):
    """A recently updated project as the start page lists it: plain columns, no ORM object."""

    id: int
    name: str
    phase: Phase
    updated_at: datetime


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


def phase_counts_and_recent(user, limit: int = 5) -> tuple[dict[str, int], list[RecentProject]]:
    """The projects `user` may see counted by phase, and the `limit` most recently updated of
    them (the columns the start page shows), in one query: the counts ride along on every
    recent row (no project means no row, and every count is 0 then)."""
    statement = _phase_counts_statement(project_scope_kind(user), limit)
    rows = column_rows(statement, {"organisation_id": user.organisation_id})
    if not rows:
        return {}, []
    first = rows[0]._mapping
    counts = {phase.value: first[phase.value] for phase in Phase}
    return counts, [RecentProject(*row[: len(RecentProject._fields)]) for row in rows]


@functools.lru_cache(maxsize=16)
def _phase_counts_statement(scope: str, limit: int):
    """phase_counts_and_recent's statement, built once per scope kind (app/access.py) and
    limit, with the organisation as a bind parameter: building it cost more than running it.
    The limit and the count's 1 are constants in its text (`constant`)."""
    projects = scoped_projects_of(scope, bindparam("organisation_id"))
    scoped = projects.subquery()
    counts = select(
        *(
            func.count(case((scoped.c.phase == phase.value, constant(1)))).label(phase.value)
            for phase in Phase
        )
    ).subquery()
    order = (Project.updated_at.desc(), Project.id.desc())
    # The recent ones picked first, by themselves: walked from the (updated_at, id) index and
    # stopped at `limit`, not sorted from every project beside the counts.
    recent = projects.with_only_columns(Project.id).order_by(*order).limit(constant(limit))
    return (
        projects.with_only_columns(*(getattr(Project, name) for name in RecentProject._fields))
        .where(Project.id.in_(recent))
        .join(counts, true())
        .add_columns(*counts.c)
        .order_by(*order)
    )


def _active_statement(scope: Select):
    order = (Project.updated_at.desc(), Project.id.desc())
    # The projects shown, each with the id of its agreement in force (looked up from the
    # index for these rows only); then the projects and those versions by their keys, so the
    # versions are found by id, not matched against every version (PostgreSQL had hashed
    # them all to join on the looked-up id). A version's document is not read.
    shown = (
        scope.with_only_columns(Project.id.label("id"), approved_version_id().label("approved"))
        .where(Project.phase.in_((Phase.AWARDED, Phase.EXECUTION)))
        .order_by(*order)
        .limit(ROWS_ASKED)
        .subquery("shown")
    )
    return (
        select(Project, AgreementVersion)
        .join(shown, shown.c.id == Project.id)
        .outerjoin(AgreementVersion, AgreementVersion.id == shown.c.approved)
        .options(*WITHOUT_DOCUMENT)
        .order_by(*order)
    )


@functools.lru_cache(maxsize=1)
def _active_statement_for_staff():
    """Staff see every project: their statement has no values, so it is built once."""
    return _active_statement(select(Project))


def active_projects(user, today: date) -> list[ActiveProject]:
    """Awarded and running projects with their progress: one query (the projects with their
    approved agreements) when their counts are cached, plus one for the placements' facts of
    those that changed since they were last counted."""
    if user.is_staff:
        statement = _active_statement_for_staff()
    else:
        statement = _active_statement(scoped_projects(user))
    rows = db.session.execute(statement).all()
    counted = projects_counted([(project, approved) for project, approved in rows], today)
    return [ActiveProject(p.id, p.name, p.phase_enum, counted[p.id].progress) for p, _a in rows]


@functools.lru_cache(maxsize=1)
def _retention_statement():
    """retention_due's statement, built once per process (building it cost more than running
    it): the day and the cutoff are filled in when it runs, into its text (`day_param`)."""
    cutoff, today = day_param("cutoff"), day_param("today")
    listed = Candidate.anonymised_at.is_(None)  # an erased person is no one to call

    def waiting(running):
        return (
            select(Placement.id, Placement.retention_since)
            .join(Candidate, Candidate.id == Placement.candidate_id)
            .where(running, Placement.retention_since < cutoff, listed)
            .order_by(Placement.retention_since, Placement.id)
            .limit(ROWS_ASKED)
            .subquery()
        )

    open_ended, ending_later = (
        waiting(Placement.actual_end.is_(None)),
        waiting(Placement.actual_end >= today),
    )
    due = union_all(select(open_ended), select(ending_later)).subquery()
    last = (
        select(func.max(Conversation.held_on))
        .where(
            Conversation.candidate_id == Placement.candidate_id,
            Conversation.kind == ConversationKind.RETENTION,
            Conversation.held_on >= Placement.start_date,
        )
        .correlate(Placement)
        .scalar_subquery()
    )
    return (
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
        .join(due, due.c.id == Placement.id)
        .join(Candidate, Candidate.id == Placement.candidate_id)
        .join(Project, Project.id == Placement.project_id)
        .join(Organisation, Organisation.id == Placement.company_id)
        .order_by(due.c.retention_since, Placement.id)
        .limit(ROWS_ASKED)
    )


def retention_due(today: date, weeks: int) -> list[RetentionDue]:
    """Running placements whose latest retention conversation (or, without one, their start)
    lies more than `weeks` weeks back; the longest-waiting first.

    `Placement.retention_since` holds that day, kept on every write, so the open-ended
    placements are read in their waiting order from the (actual_end, retention_since)
    index and the walk stops at the section's limit; those with an end date still to come
    are few, and sorted. Only the rows shown get their latest conversation's day looked up
    (to say whether there was one)."""
    rows = column_result(
        _retention_statement(), {"cutoff": today - timedelta(weeks=weeks), "today": today}
    )
    return [
        RetentionDue(pid, cid, f"{a} {b}".strip(), prid, name, company, Rung(rung), start, held)
        for pid, cid, a, b, prid, name, company, rung, start, held in rows
    ]


@functools.lru_cache(maxsize=1)
def _meetings_statement():
    now, until = bindparam("now"), bindparam("until")
    return (
        select(Meeting, Project.name)
        .join(Project, Project.id == Meeting.project_id)
        .where(Meeting.starts_at >= now, Meeting.starts_at < until, ~Meeting.cancelled)
        .order_by(Meeting.starts_at)
        .limit(ROWS_ASKED)
    )


def upcoming_meetings(now: datetime, days: int = MEETING_DAYS) -> list[tuple[Meeting, str]]:
    """Meetings in the coming `days` days, with their project's name, soonest first."""
    values = {"now": now, "until": now + timedelta(days=days)}
    return db.session.execute(_meetings_statement(), values).all()


@functools.lru_cache(maxsize=1)
def _openings_statement():
    return (
        select(Opening, Project.name, Organisation.name)
        .join(Project, Project.id == Opening.project_id)
        .join(Organisation, Organisation.id == Opening.company_id)
        .where(Opening.status == OpeningStatus.OPEN)
        .order_by(Opening.expected_start, Opening.id)
        .limit(ROWS_ASKED)
    )


def open_openings() -> list[tuple[Opening, str, str]]:
    """Openings not matched yet, with project and company names, the earliest start first.
    (The sections' statements are built once per process: building them cost more than
    running them.)"""
    return db.session.execute(_openings_statement()).all()
