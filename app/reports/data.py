"""What the reports read from the database: thin loaders around the counting module.

Every figure is counted by `app.placements.counting` (through `progress_data.project_overview` and
`progress_data.projects_progress`, or `counting.count()` on a subset of the same facts); nothing
here counts on its own. Each loader runs a fixed number of queries, whatever the number of
projects or placements.
"""

from __future__ import annotations

import functools
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date

from sqlalchemy import Date, bindparam, select
from sqlalchemy.orm import Session, aliased, selectinload

from app.access import project_scope_clause, scoped_projects
from app.candidates.models import Candidate, initials_of
from app.enums import CompanyRole
from app.extensions import db
from app.models import Organisation, Project, ProjectCompany, Role, Rung
from app.placements import counting
from app.placements.counting import PlacementFact, Progress
from app.placements.models import Placement
from app.placements.progress_cache import phase_of
from app.placements.progress_data import (
    ProjectProgress,
    approved_version_id,
    approved_versions,
    project_facts,
    project_overview,
    projects_counted,
)
from app.reports.aarsvaerk import ApprenticeshipPeriod
from app.reports.models import ReportNarrative


@dataclass(frozen=True)
class CompanyProgress:
    name: str
    progress: Progress  # counted over this company's placements only


@dataclass(frozen=True)
class JourneyStep:
    """One placement of one person, as the client may see it: initials, never the name."""

    person: int  # 1, 2, ... in the order the people started; tells apart equal initials
    initials: str
    rung: Rung
    company: str
    start: date
    end: date | None


@dataclass(frozen=True)
class ProjectReport:
    overview: ProjectProgress
    companies: list[CompanyProgress]
    journeys: list[JourneyStep]
    narrative: str

    @property
    def project(self) -> Project:
        return self.overview.project

    @property
    def progress(self) -> Progress:
        return self.overview.progress


def narrative_of(project: Project) -> ReportNarrative | None:
    return db.session.get(ReportNarrative, project.id)


# One row per placement the report shows (started by `today`), read as plain columns: the
# person's name (for the initials), the rung, the dates and the company's name.
JOURNEY_COLUMNS = (
    Placement.candidate_id,
    Candidate.first_name,
    Candidate.last_name,
    Placement.rung,
    Placement.start_date,
    Placement.actual_end,
    Placement.company_id,
    Organisation.name,
)


@dataclass(frozen=True)
class ReportSources:
    """What a project's progress report is made of, read lean in two queries, so that a
    finished report can be kept per worker with this as its key (`app.reports.word`).

    - the project's own columns (name, phase, execution dates) and its `progress_stamp`,
      which every placement write and approval replaces (so the counts, the series, the
      forecast, the gain and the per-company counts are covered, as in `progress_cache`);
    - `heading`: the client's and the main contractor's names, the coordinator's comment
      (text and version) and the id of the agreement version in force;
    - `rows`: every started placement with its person's name, rung, dates and company name,
      i.e. the journeys table and the companies' names as the report shows them, so a
      renamed company or person (or an erasure) gives another key;
    - the day.
    Equal sources make the same document; anything the document shows that changes makes
    them unequal."""

    project_id: int
    stamp: str
    version: int
    name: str
    phase: str
    execution: tuple[date | None, date | None]
    today: date
    heading: tuple
    rows: tuple[tuple, ...]

    @property
    def narrative(self) -> str:
        return self.heading[2] or ""


@functools.cache
def _sources_statements():
    """The two statements of `report_sources`, built once (building them costs more than
    running them); the project and the day are bound at each execution."""
    client = aliased(Organisation)
    main = aliased(Organisation)
    main_name = (
        select(main.name)
        .join(ProjectCompany, ProjectCompany.company_id == main.id)
        .where(ProjectCompany.project_id == Project.id, ProjectCompany.role == CompanyRole.MAIN)
        .order_by(ProjectCompany.id)
        .limit(1)
        .correlate(Project)
        .scalar_subquery()
    )
    heading = (
        select(
            client.name,
            main_name,
            ReportNarrative.text,
            ReportNarrative.version,
            approved_version_id(),
        )
        .select_from(Project)
        .join(client, client.id == Project.client_id)
        .outerjoin(ReportNarrative, ReportNarrative.project_id == Project.id)
        .where(Project.id == bindparam("project_id"))
    )
    rows = (
        select(*JOURNEY_COLUMNS)
        .join(Candidate, Candidate.id == Placement.candidate_id)
        .join(Organisation, Organisation.id == Placement.company_id)
        .where(
            Placement.project_id == bindparam("project_id"),
            Placement.start_date <= bindparam("today", type_=Date),
        )
        .order_by(Placement.start_date, Placement.id)
    )
    return heading, rows


def report_sources(project: Project, today: date) -> ReportSources:
    """The project's `ReportSources` as of `today`: two queries, whatever its size."""
    heading, rows = _sources_statements()
    params = {"project_id": project.id, "today": today}
    return ReportSources(
        project_id=project.id,
        stamp=project.progress_stamp,
        version=project.version,
        name=project.name,
        phase=str(project.phase),
        execution=(project.execution_start, project.execution_end),
        today=today,
        heading=tuple(db.session.execute(heading, params).one()),
        rows=tuple(tuple(row) for row in db.session.execute(rows, params)),
    )


def project_report(
    project: Project, today: date | None = None, sources: ReportSources | None = None
) -> ProjectReport:
    """Everything the client's progress report shows, counted by the counting module (pass
    `sources` when the caller has read them for the same day)."""
    facts = project_facts(project.id)  # counted from once more below, per company
    overview = project_overview(project, today, facts=facts)
    targets, today = overview.progress.targets, overview.today
    if sources is None or sources.today != today:
        sources = report_sources(project, today)
    phase = phase_of(project)

    names = {company_id: name for *_, company_id, name in sources.rows}
    by_company: dict[int, list[PlacementFact]] = defaultdict(list)
    for fact in facts:
        by_company[fact.company_id].append(fact)
    companies = sorted(
        (
            CompanyProgress(names[cid], counting.count(company_facts, targets, today, phase))
            for cid, company_facts in by_company.items()
            if cid in names  # a company with only future placements has nothing to show yet
        ),
        key=lambda c: (-c.progress.courses_counted, c.name),
    )

    numbers: dict[int, int] = {}
    initials: dict[int, str] = {}
    journeys = []
    for candidate_id, first, last, rung, start, end, _company_id, company in sources.rows:
        if candidate_id not in numbers:
            numbers[candidate_id] = len(numbers) + 1
            initials[candidate_id] = initials_of(f"{first} {last}".strip())
        person = numbers[candidate_id]
        journeys.append(
            JourneyStep(person, initials[candidate_id], Rung(rung), company, start, end)
        )
    journeys.sort(key=lambda step: (step.person, step.start))
    return ProjectReport(overview, companies, journeys, sources.narrative)


# --- the portfolio ------------------------------------------------------------------------------


@dataclass(frozen=True)
class PortfolioRow:
    project: Project
    progress: Progress
    gain: tuple[int, int, int]  # (persons, low DKK, high DKK) a year, KORA's estimate


def portfolio_projects(user) -> list[Project]:
    return list(
        db.session.scalars(
            scoped_projects(user)
            .options(selectinload(Project.client))
            .order_by(Project.name, Project.id)
        )
    )


def portfolio(projects: list[Project], today: date) -> list[PortfolioRow]:
    """One row per project: its counted progress and societal gain, from this worker's cache
    (`progress_cache`, which keeps both) or counted in one query for the projects that changed;
    the agreements in force are read without their documents. A fixed number of queries."""
    versions = approved_versions(project.id for project in projects)
    counted = projects_counted([(project, versions.get(project.id)) for project in projects], today)
    return [PortfolioRow(p, counted[p.id].progress, counted[p.id].gain) for p in projects]


# --- placements for the CSV export ---------------------------------------------------------------


EXPORT_BATCH = 1000  # rows read from the database at a time


@dataclass(frozen=True)
class ExportRow:
    project: str
    client: str
    candidate: Candidate
    rung: Rung
    company: str
    start: date
    planned_end: date | None
    actual_end: date | None
    outcome: str | None


def export_rows(user, project_id: int | None = None) -> Iterator[ExportRow]:
    """The placements `user` may export: projects in scope, and for a contractor only its own
    company's placements. The caller decides which columns each role gets. An iterator: the
    query runs when the first row is asked for and is read in batches (a server-side cursor on
    PostgreSQL), so a download of any size holds one batch in memory."""
    client = aliased(Organisation)
    company = aliased(Organisation)
    query = (
        select(Placement, Candidate, Project.name, client.name, company.name)
        .join(Candidate, Candidate.id == Placement.candidate_id)
        .join(Project, Project.id == Placement.project_id)
        .join(client, client.id == Project.client_id)
        .join(company, company.id == Placement.company_id)
        .order_by(Project.name, Project.id, Placement.start_date, Placement.id)
    )
    clause = project_scope_clause(user)
    if clause is not None:
        query = query.where(clause)
    if user.role == Role.CONTRACTOR:
        query = query.where(Placement.company_id == user.organisation_id)
    if project_id is not None:
        query = query.where(Placement.project_id == project_id)
    return _export_rows(db.engine, query)  # the query is built now, while `user` is loaded


def _export_rows(engine, query) -> Iterator[ExportRow]:
    # Runs while the file is sent, after the view returned and its request ended: in a database
    # session of its own, without Flask (a download abandoned halfway just closes it).
    with Session(engine) as session:
        result = session.execute(query.execution_options(yield_per=EXPORT_BATCH))
        yield from (
            ExportRow(
                project=project_name,
                client=client_name,
                candidate=candidate,
                rung=Rung(placement.rung),
                company=company_name,
                start=placement.start_date,
                planned_end=placement.planned_end,
                actual_end=placement.actual_end,
                outcome=placement.outcome,
            )
            for placement, candidate, project_name, client_name, company_name in result
        )


# --- apprentices for the årsværk ---------------------------------------------------------------


def apprenticeship_periods(projects: list[Project]) -> list[ApprenticeshipPeriod]:
    ids = [project.id for project in projects]
    if not ids:
        return []
    rows = db.session.execute(
        select(
            Placement.project_id, Placement.candidate_id, Placement.start_date, Placement.actual_end
        ).where(Placement.project_id.in_(ids), Placement.rung == Rung.APPRENTICESHIP)
    )
    return [ApprenticeshipPeriod(*row) for row in rows]


def aarsvaerk_targets(projects: dict[int, Project]) -> dict[int, int | None]:
    """The apprentice årsværk each project's approved agreement requires, in one query: the
    value of ``apprentice_aarsvaerk`` when the agreement's årsværk clause is switched on, else
    None (also when nothing is approved)."""
    from app.agreements.models import AgreementVersion  # reports read agreements, not back

    targets: dict[int, int | None] = dict.fromkeys(projects)
    if not projects:
        return targets
    versions = db.session.execute(
        select(AgreementVersion.project_id, AgreementVersion.content)
        .where(
            AgreementVersion.project_id.in_(list(projects)),
            AgreementVersion.approved_at.is_not(None),
        )
        .order_by(AgreementVersion.approved_at, AgreementVersion.number)
    ).all()
    for project_id, content in versions:  # the latest approval wins
        enabled = any(
            c.get("key") == "aarsvaerk" and c.get("enabled") for c in content.get("clauses", [])
        )
        value = content.get("values", {}).get("apprentice_aarsvaerk")
        targets[project_id] = value if enabled and isinstance(value, int) else None
    return targets
