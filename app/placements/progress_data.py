"""Progress from the database: load the facts and targets, let `counting` do the counting.

A thin adapter: one query for the placements' facts (columns, not ORM objects) and one for the
approved agreement, for one project or for many at once (the start page), so the number of
queries does not grow with the number of projects. Pages that load the project anyway fetch
its approved agreement in the same query (`with_approved_version`). What is counted is kept in
each worker's cache (`progress_cache`), keyed by what it is counted from, so a page asks for
the placements' facts only the first time after they (or the agreement, or the day) change.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from functools import cache

from sqlalchemy import Select, func, select
from sqlalchemy.orm import aliased, defer

from app.agreements import service as agreements
from app.agreements.models import AgreementVersion
from app.clock import local_today
from app.extensions import db
from app.models import Project
from app.placements import counting, progress_cache
from app.placements.counting import PlacementFact, Progress, Targets
from app.placements.models import Placement
from app.placements.progress_cache import Counted
from app.placements.rules import Durations

FACT_COLUMNS = (
    Placement.candidate_id,
    Placement.rung,
    Placement.start_date,
    Placement.actual_end,
    Placement.outcome,
    Placement.company_id,
)


def fact_of(row) -> PlacementFact:
    """A placement fact from a row of `FACT_COLUMNS` (in that order)."""
    candidate_id, rung, start, end, outcome, company_id = row
    return PlacementFact(candidate_id, rung, start, end, outcome, company_id)


def targets_of(version: AgreementVersion | None) -> Targets | None:
    """The targets of an approved agreement version (None without one), from its columns:
    the document need not be loaded."""
    if version is None:
        return None
    return counting.make_targets(
        version.apprenticeships_min,
        version.courses_min,
        version.count_rule,
        Durations.from_values(version.ladder),
    )


def project_facts(project_id: int) -> list[PlacementFact]:
    rows = db.session.execute(
        select(*FACT_COLUMNS)
        .where(Placement.project_id == project_id)
        .order_by(Placement.start_date, Placement.id)
    )
    return [fact_of(row) for row in rows]


@dataclass(frozen=True)
class ProjectProgress:
    """Everything the progress page shows, counted once."""

    project: Project
    progress: Progress
    series: list[tuple[date, int]]
    forecast: int | None
    gain: tuple[int, int, int]
    today: date


_LOAD = object()


def counted(
    project: Project,
    approved: AgreementVersion | None,
    today: date,
    facts: list[PlacementFact] | None = None,
) -> Counted:
    """The project's placements counted against `approved` as of `today`: from this worker's
    cache when nothing it is counted from has changed, else counted (from `facts` when the
    caller has loaded them, else from one query) and cached."""
    k = progress_cache.key(project, approved, today)
    hit = progress_cache.cache.get(k)
    if hit is not None:
        return hit
    if facts is None:
        facts = project_facts(project.id)
    targets = targets_of(approved)
    phase = progress_cache.phase_of(project)
    return progress_cache.cache.put(k, progress_cache.count_all(facts, targets, today, phase))


def cached_overview(
    project: Project, approved: AgreementVersion | None, today: date
) -> ProjectProgress | None:
    """The overview if this worker has it counted already, else None (no query either way)."""
    hit = progress_cache.cache.get(progress_cache.key(project, approved, today))
    return None if hit is None else _overview(project, hit, today)


def _overview(project: Project, c: Counted, today: date) -> ProjectProgress:
    return ProjectProgress(
        project=project,
        progress=c.progress,
        series=c.series,
        forecast=counting.forecast(c.series, project.execution_start, project.execution_end, today),
        gain=c.gain,
        today=today,
    )


def project_progress(project: Project, today: date | None = None, approved=_LOAD) -> Progress:
    """The project's progress against its approved agreement, as of `today`; pass `approved`
    (the approved version, or None) when the caller has loaded it already."""
    today = today or local_today()
    if approved is _LOAD:
        approved = agreements.approved_version(project)
    return counted(project, approved, today).progress


def project_overview(
    project: Project,
    today: date | None = None,
    approved=_LOAD,
    facts: list[PlacementFact] | None = None,
) -> ProjectProgress:
    """Progress plus the cumulative series, the forecast and the societal gain; pass
    `approved` (the approved version, or None) and `facts` when the caller has loaded them."""
    today = today or local_today()
    if approved is _LOAD:
        approved = agreements.approved_version(project)
    return _overview(project, counted(project, approved, today, facts), today)


@cache
def approved_version_id():
    """The id of the agreement in force for the enclosing query's project, as a correlated
    subquery (same choice as `agreements.approved_version`). Built once: a statement is
    immutable, and building this one costs more than running it."""
    version = aliased(AgreementVersion)
    return (
        select(version.id)
        .where(version.project_id == Project.id, version.approved_at.is_not(None))
        .order_by(version.approved_at.desc(), version.number.desc())
        .limit(1)
        .correlate(Project)
        .scalar_subquery()
    )


# Loader options for agreement versions read to count against: the document and its whole
# draft (kilobytes of JSON each) are not read, and touching them raises.
WITHOUT_DOCUMENT = (
    defer(AgreementVersion.text, raiseload=True),
    defer(AgreementVersion.content, raiseload=True),
)


def with_approved_version(projects: Select) -> Select:
    """A select of projects with each one's approved version (or None) as a second column, so
    a page needs no separate query for the agreement in force."""
    return projects.outerjoin_from(
        Project, AgreementVersion, AgreementVersion.id == approved_version_id()
    ).add_columns(AgreementVersion)


def approved_versions(project_ids: Iterable[int]) -> dict[int, AgreementVersion]:
    """The agreement in force for each project, in one query (same choice as
    `agreements.approved_version`: the latest approval, then the highest number), without
    its document: `content` and `text` are deferred and never loaded (counting needs the
    targets and the ladder, which are columns)."""
    ids = list(project_ids)
    if not ids:
        return {}
    ranked = (
        select(
            AgreementVersion.id,
            func.row_number()
            .over(
                partition_by=AgreementVersion.project_id,
                order_by=(AgreementVersion.approved_at.desc(), AgreementVersion.number.desc()),
            )
            .label("rank"),
        )
        .where(AgreementVersion.project_id.in_(ids), AgreementVersion.approved_at.is_not(None))
        .subquery()
    )
    versions = db.session.scalars(
        select(AgreementVersion)
        .join(ranked, ranked.c.id == AgreementVersion.id)
        .where(ranked.c.rank == 1)
        .options(*WITHOUT_DOCUMENT)
    )
    return {version.project_id: version for version in versions}


def projects_progress(
    projects: Iterable[Project], today: date | None = None
) -> dict[int, Progress]:
    """Progress for many projects with two queries at most, whatever their number."""
    today = today or local_today()
    projects = list(projects)
    versions = approved_versions(project.id for project in projects)
    both = [(project, versions.get(project.id)) for project in projects]
    return {pid: c.progress for pid, c in projects_counted(both, today).items()}


def projects_counted(
    projects: Iterable[tuple[Project, AgreementVersion | None]], today: date
) -> dict[int, Counted]:
    """Many projects (each with its approved version or None) counted as of `today`: from
    this worker's cache, and the rest from one query for all their placements."""
    result: dict[int, Counted] = {}
    missing: list[tuple[Project, AgreementVersion | None]] = []
    for project, approved in projects:
        hit = progress_cache.cache.get(progress_cache.key(project, approved, today))
        if hit is None:
            missing.append((project, approved))
        else:
            result[project.id] = hit
    if missing:
        facts = facts_by_project(project.id for project, _approved in missing)
        for project, approved in missing:
            result[project.id] = counted(project, approved, today, facts.get(project.id, []))
    return result


def facts_by_project(project_ids: Iterable[int]) -> dict[int, list[PlacementFact]]:
    """The placements' facts of many projects in one query, by project id."""
    ids = list(project_ids)
    facts: dict[int, list[PlacementFact]] = defaultdict(list)
    if not ids:
        return facts
    rows = db.session.execute(
        select(Placement.project_id, *FACT_COLUMNS).where(Placement.project_id.in_(ids))
    )
    for project_id, *rest in rows:
        facts[project_id].append(fact_of(rest))
    return facts


def progress_payload(overview: ProjectProgress) -> dict:
    """The JSON of `/projects/<id>/progress.json` and `flask progress --json`: every figure
    the progress page and the CLI text show."""
    project, today = overview.project, overview.today
    end = project.execution_end
    return {
        "project": {"id": project.id, "name": project.name},
        "as_of": today.isoformat(),
        **overview.progress.as_dict(),
        "forecast": {
            "courses": overview.forecast,
            "by": end.isoformat() if end else None,
            "ended": end is not None and today >= end,
            "method": "straight line at the pace so far",
        },
        "societal_gain": counting.gain_as_dict(overview.gain),
    }
