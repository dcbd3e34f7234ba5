"""The projects' reads: the list, and the project page in few statements, whatever it holds.

The page shows the project with its client, companies and areas, the agreement (the version
in force and the latest one), the openings by status, the kickoff and the coming meetings. They
come in three statements: the project with everything it owns and its opening counts; the two
versions that matter; the meetings that matter.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import NamedTuple

from sqlalchemy import Integer, String, bindparam, func, or_, select
from sqlalchemy.orm import joinedload

from app.access import project_scope_kind, scoped_projects, scoped_projects_of
from app.agreements.comments import open_count_clause
from app.agreements.models import AgreementVersion
from app.enums import CompanyRole, MeetingKind, OpeningStatus, OrganisationKind, Phase
from app.extensions import constant, db
from app.meetings.models import Meeting
from app.models import Organisation, Project, ProjectCompany, utcnow
from app.openings.models import Opening
from app.pagination import Page, page_rows
from app.reads import column_rows
from app.search import like_pattern

UPCOMING = 5  # coming meetings shown on the page


@dataclass(frozen=True)
class ProjectHub:
    project: Project
    openings: dict[str, int]  # status -> count
    approved: AgreementVersion | None  # the version in force
    latest: AgreementVersion | None  # the newest version, approved or not
    kickoff: Meeting | None
    upcoming: list[Meeting]
    open_comments: int = 0  # open comment threads on the agreement's clauses


def _openings_with(status: OpeningStatus):
    return (
        select(func.count(Opening.id))
        .where(Opening.project_id == Project.id, Opening.status == status)
        .correlate(Project)
        .scalar_subquery()
    )


def project_with_counts(project_id: int, user) -> tuple[Project, dict[str, int]] | None:
    """The project in the user's scope, with its client, companies and areas loaded, and its
    openings counted by status: one statement. None when it is not in scope."""
    row = (
        db.session.execute(
            scoped_projects(user)
            .add_columns(
                _openings_with(OpeningStatus.OPEN).label("open"),
                _openings_with(OpeningStatus.MATCHED).label("matched"),
            )
            .where(Project.id == project_id)
            .options(
                joinedload(Project.client),
                joinedload(Project.areas),
                joinedload(Project.companies).joinedload(ProjectCompany.company),
            )
        )
        .unique()
        .first()
    )
    if row is None:
        return None
    project, open_, matched = row
    return project, {OpeningStatus.OPEN: open_, OpeningStatus.MATCHED: matched}


def hub(project: Project, openings: dict[str, int]) -> ProjectHub:
    """The agreement and meetings around `project`: two statements."""
    latest_id = (
        select(AgreementVersion.id)
        .where(AgreementVersion.project_id == project.id)
        .order_by(AgreementVersion.number.desc())
        .limit(1)
        .scalar_subquery()
    )
    # The version in force: the same choice as agreements.service.approved_version.
    approved_id = (
        select(AgreementVersion.id)
        .where(AgreementVersion.project_id == project.id, AgreementVersion.approved_at.is_not(None))
        .order_by(AgreementVersion.approved_at.desc(), AgreementVersion.number.desc())
        .limit(1)
        .scalar_subquery()
    )
    rows = db.session.execute(
        select(
            AgreementVersion,
            (AgreementVersion.id == approved_id).label("in_force"),
            open_count_clause(project.id).label("open_comments"),
        ).where(AgreementVersion.id.in_([latest_id, approved_id]))
    ).all()
    latest = max((version for version, _, _ in rows), key=lambda v: v.number, default=None)
    approved = next((version for version, in_force, _ in rows if in_force), None)
    open_comments = rows[0].open_comments if rows else 0  # no version: no comments either
    # The kickoff (one per project, whenever it is) and the coming meetings, in one read.
    meetings = db.session.scalars(
        select(Meeting)
        .where(
            Meeting.project_id == project.id,
            or_(
                Meeting.kind == MeetingKind.KICKOFF,
                (Meeting.starts_at >= utcnow()) & ~Meeting.cancelled,
            ),
        )
        .order_by(Meeting.starts_at)
        .limit(UPCOMING + 1)  # a past kickoff sorts first
    ).all()
    now = utcnow()
    upcoming = [m for m in meetings if not m.cancelled and _aware(m.starts_at) >= now]
    return ProjectHub(
        project=project,
        openings=openings,
        approved=approved,
        latest=latest,
        kickoff=next((m for m in meetings if m.kind == MeetingKind.KICKOFF), None),
        upcoming=upcoming[:UPCOMING],
        open_comments=open_comments,
    )


def _aware(moment: datetime) -> datetime:
    """SQLite hands back naive datetimes for timezone-aware columns; they are UTC."""
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


class ProjectRow(NamedTuple):
    """A project as the list shows it. A named tuple: the list's kept rows are looked up by
    it (`kept_rows`, app/templating.py), and a tuple is hashed and compared in C, where a
    frozen dataclass builds a tuple of its fields in Python for each."""

    COLUMNS = (
        Project.id,
        Project.name,
        Project.address,
        Project.phase,
        Project.execution_start,
        Project.execution_end,
    )

    id: int
    name: str
    address: str
    phase: str
    execution_start: date | None
    execution_end: date | None
    client_name: str
    main_contractor: str | None

    @property
    def phase_enum(self) -> Phase:
        return Phase(self.phase)


def associations(user):
    """The associations among the clients of the projects the user may see (the filter), as
    (id, name) rows: a list to choose from, not objects to edit."""
    statement = _associations_statement(project_scope_kind(user))
    return column_rows(statement, {"organisation_id": user.organisation_id})


@functools.lru_cache(maxsize=8)
def _associations_statement(scope: str):
    """`associations`' statement, built once per scope kind with the organisation as a bind
    parameter (building it cost twenty times as much as running it)."""
    projects = scoped_projects_of(scope, bindparam("organisation_id"))
    return (
        select(Organisation.id, Organisation.name)
        .where(Organisation.kind == constant(OrganisationKind.ASSOCIATION.value))
        .where(Organisation.id.in_(projects.with_only_columns(Project.client_id)))
        .order_by(Organisation.name)
    )


def project_list(
    user,
    page: int,
    per_page: int,
    q: str = "",
    phase: str = "",
    client_id: int | None = None,
    cap: int = 500,
) -> Page:
    """A page of the projects `user` may see, filtered and searched: one statement. Plain
    columns, not ORM objects: a list reads fifty rows and edits none.

    As the candidate search does, the matches are taken in name order (from the (phase, name,
    id) or (name, id) index) and counted up to `cap` (or to the end of the page asked for, if
    further), so a filter matching thousands of projects costs what one matching a page does;
    past the cap the page says "more than N". Only the page's rows are then joined to their
    client's and main contractor's names."""
    bound = max(cap, page * per_page)
    scope = project_scope_kind(user)
    listing, count = _list_statements(
        scope, bool(q), phase in set(Phase), bool(client_id), db.engine.dialect.name
    )
    values = {
        "organisation_id": user.organisation_id,
        "pattern": like_pattern(q) if q else "",
        "phase": phase,
        "client_id": client_id,
        "bound_plus": bound + 1,
        "per_page": per_page,
        "offset": (page - 1) * per_page,
    }
    rows, total = page_rows(listing, count, values, page)
    items = [ProjectRow(*row[:-1]) for row in rows]
    return Page(
        items=items, page=page, per_page=per_page, total=min(total, bound), more=total > bound
    )


@functools.lru_cache(maxsize=64)
def _list_statements(scope: str, with_q: bool, with_phase: bool, with_client: bool, dialect: str):
    """`project_list`'s page statement and its count, built once per process for each scope
    kind, set of filters and database; every value is a bind parameter (`project_list` fills
    them in). The limits stay parameters: written into the text, they made PostgreSQL's kept
    plan for this statement twice as slow."""
    query = scoped_projects_of(scope, bindparam("organisation_id", type_=Integer))
    if with_q:
        # The name and address, folded when they were written (`Project.rename`).
        query = query.where(
            Project.search_text.like(bindparam("pattern", type_=String), escape="\\")
        )
    if with_phase:
        query = query.where(Project.phase == bindparam("phase"))
    if with_client:
        query = query.where(Project.client_id == bindparam("client_id", type_=Integer))
    # The page and the count of the matches up to the bound, in one statement; its shape is
    # each database's fastest (both measured at the national size, 1,723 matches).
    # PostgreSQL plans the kept statement for any search term and expects a handful of
    # matches, so it finds them all once (a bitmap scan and a top-N sort), materialises the
    # first bound + 1 and counts them with a window. SQLite does that window by copying every
    # column of those rows and sorting them again (0.68 ms), where two walks of the (phase,
    # name, id) index that stop early, the page's and an uncorrelated subquery's count, cost
    # 0.21 ms; on PostgreSQL the kept plan for that shape did the scan and the sort twice
    # (0.6 ms more).
    order = (Project.name, Project.id)
    bound_plus = bindparam("bound_plus", type_=Integer)
    per_page = bindparam("per_page", type_=Integer)
    offset = bindparam("offset", type_=Integer)
    if dialect == "postgresql":
        bounded = (
            query.with_only_columns(*ProjectRow.COLUMNS, Project.client_id)
            .order_by(*order)
            .limit(bound_plus)
            .cte("bounded", nesting=True)
            .prefix_with("MATERIALIZED")
        )
        count = select(func.count()).select_from(bounded)
        on_page = (
            select(bounded, func.count().over().label("total"))
            .order_by(bounded.c.name, bounded.c.id)
            .limit(per_page)
            .offset(offset)
            .subquery("page_rows")
        )
    else:
        bounded = query.with_only_columns(Project.id).order_by(*order).limit(bound_plus)
        count = select(func.count()).select_from(bounded.subquery("bounded"))
        on_page = (
            query.with_only_columns(
                *ProjectRow.COLUMNS, Project.client_id, count.scalar_subquery().label("total")
            )
            .order_by(*order)
            .limit(per_page)
            .offset(offset)
            .subquery("page_rows")
        )
    main_contractor = (
        select(Organisation.name)
        .join(ProjectCompany, ProjectCompany.company_id == Organisation.id)
        .where(
            ProjectCompany.project_id == on_page.c.id,
            ProjectCompany.role == constant(CompanyRole.MAIN.value),
        )
        .correlate(on_page)
        .scalar_subquery()
    )
    columns = [on_page.c[column.key] for column in ProjectRow.COLUMNS]
    listing = (
        select(*columns, Organisation.name, main_contractor, on_page.c.total)
        .join_from(on_page, Organisation, Organisation.id == on_page.c.client_id)
        .order_by(on_page.c.name, on_page.c.id)
    )
    return listing, count
