"""The yearly report to Landsbyggefonden (Lærlingeindberetning), prefilled from the placements.

Per housing organisation and project, for one calendar year: apprentice årsværk, other trainee
årsværk (placements marked as training), the trades budget and the build phase's start and end.
Each årsværk figure carries the placements behind it (`app.reports.aarsvaerk.training_year`).
Residents appear by initials only, for every role: the report goes to LBF, which needs no names.
Two queries, whatever the number of projects or placements.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date

from sqlalchemy import or_, select
from sqlalchemy.orm import selectinload

from app.access import scoped_projects
from app.candidates.models import Candidate, initials_of
from app.enums import TrainingScheme
from app.extensions import db
from app.models import Organisation, Project, Rung
from app.placements.models import Placement
from app.reports.aarsvaerk import PlacementShare, TrainingPeriod, training_year

# LBF wants the report for the previous year by 29 September.
DEADLINE_DAY, DEADLINE_MONTH = 29, 9


@dataclass(frozen=True)
class TraceRow:
    """One placement behind a figure, as the report shows it."""

    share: PlacementShare
    initials: str
    rung: Rung
    scheme: TrainingScheme | None
    company: str


@dataclass(frozen=True)
class ProjectLine:
    project: Project
    apprentices: tuple[TraceRow, ...]
    others: tuple[TraceRow, ...]

    @property
    def apprentice_aarsvaerk(self) -> float:
        return sum(row.share.aarsvaerk for row in self.apprentices)

    @property
    def other_aarsvaerk(self) -> float:
        return sum(row.share.aarsvaerk for row in self.others)


@dataclass(frozen=True)
class OrganisationBlock:
    organisation: Organisation
    lines: tuple[ProjectLine, ...]

    @property
    def apprentice_aarsvaerk(self) -> float:
        return sum(line.apprentice_aarsvaerk for line in self.lines)

    @property
    def other_aarsvaerk(self) -> float:
        return sum(line.other_aarsvaerk for line in self.lines)


def deadline(year: int) -> date:
    """The day the report on `year` is due."""
    return date(year + 1, DEADLINE_MONTH, DEADLINE_DAY)


def default_year(today: date) -> int:
    """The year to report on: the previous one."""
    return today.year - 1


def _in_year(project: Project, year: int) -> bool:
    start, end = project.execution_start, project.execution_end
    if start is None:
        return False
    return start <= date(year, 12, 31) and (end is None or end >= date(year, 1, 1))


def lbf_report(user, year: int, today: date) -> list[OrganisationBlock]:
    """The report for `year` over the projects `user` may see: those whose build phase touches
    the year or that have persons in training in it, grouped by housing organisation."""
    projects = list(
        db.session.scalars(
            scoped_projects(user)
            .options(selectinload(Project.client))
            .order_by(Project.name, Project.id)
        )
    )
    ids = [project.id for project in projects]
    rows = []
    if ids:
        rows = db.session.execute(
            select(
                Placement.id,
                Placement.project_id,
                Placement.candidate_id,
                Placement.rung,
                Placement.training_scheme,
                Placement.start_date,
                Placement.actual_end,
                Placement.hours_per_week,
                Candidate.first_name,
                Candidate.last_name,
                Organisation.name,
            )
            .join(Candidate, Candidate.id == Placement.candidate_id)
            .join(Organisation, Organisation.id == Placement.company_id)
            .where(
                Placement.project_id.in_(ids),
                or_(Placement.rung == Rung.APPRENTICESHIP, Placement.training),
                Placement.start_date <= date(year, 12, 31),
            )
        ).all()
    periods, about = [], {}
    for pid, project_id, cid, rung, scheme, start, end, hours, first, last, company in rows:
        apprentice = Rung(rung) == Rung.APPRENTICESHIP
        periods.append(TrainingPeriod(pid, project_id, cid, apprentice, start, end, hours))
        about[pid] = (
            initials_of(f"{first} {last}"),
            Rung(rung),
            None if apprentice or scheme is None else TrainingScheme(scheme),
            company,
        )
    figures = training_year(periods, year, today)

    def trace(shares) -> tuple[TraceRow, ...]:
        return tuple(TraceRow(share, *about[share.period.placement_id]) for share in shares)

    by_org: dict[int, list[ProjectLine]] = defaultdict(list)
    orgs: dict[int, Organisation] = {}
    for project in projects:
        year_figures = figures.get(project.id)
        if year_figures is None and not _in_year(project, year):
            continue
        orgs[project.client_id] = project.client
        by_org[project.client_id].append(
            ProjectLine(
                project,
                trace(year_figures.apprentices) if year_figures else (),
                trace(year_figures.others) if year_figures else (),
            )
        )
    return [
        OrganisationBlock(orgs[org_id], tuple(lines))
        for org_id, lines in sorted(by_org.items(), key=lambda item: orgs[item[0]].name)
    ]
