"""The progress page of one project: targets against achieved, over time, and who is on the
ladder, shown to each role only as far as it may see."""

from __future__ import annotations

import functools
from collections import namedtuple
from dataclasses import dataclass
from datetime import date

from flask import abort, current_app
from flask_babel import ngettext
from flask_login import current_user
from sqlalchemy import Integer, bindparam, func, select

from app.access import project_scope_kind, scoped_projects_of, signed_in
from app.candidates.models import Candidate, initials_of
from app.clock import local_today
from app.extensions import db
from app.models import Organisation, Project, Role, Rung
from app.pagination import Page, page_rows
from app.placements import progress_cache
from app.placements.blueprint import bp
from app.placements.counting import (
    GAIN_HIGH_DKK,
    GAIN_LOW_DKK,
    GAIN_MIN_DAYS,
    ExecutionPhase,
    Targets,
)
from app.placements.models import Outcome, Placement
from app.placements.progress_cache import phase_of
from app.placements.progress_data import (
    FACT_COLUMNS,
    WITHOUT_DOCUMENT,
    cached_overview,
    fact_of,
    project_overview,
    with_approved_version,
)
from app.placements.rules import Span
from app.templating import current_locale_name
from app.web import page_arg, render

# The chart's drawing area, in SVG user units.
CHART_WIDTH, CHART_HEIGHT = 640, 240
PAD_LEFT, PAD_RIGHT, PAD_TOP, PAD_BOTTOM = 40, 20, 16, 28


@dataclass(frozen=True)
class PersonRow:
    """One placement as the current user may see it: a display name, never more than needed."""

    who: str
    rung: Rung
    company: str | None = None
    start: date | None = None
    end: date | None = None
    outcome: Outcome | None = None
    planned_end: date | None = None
    status: str | None = None  # "running", "ended" or "not_started" (for contractors)
    outside_phase: str | None = None  # why it is not counted: the phase "before"/"after" it


def status_of(start: date, end: date | None, today: date) -> str:
    """Whether a placement is still running on `today`, has ended, or has not started."""
    if start > today:
        return "not_started"
    return "running" if end is None or end >= today else "ended"


def minimum_labels(targets: Targets | None) -> dict[Rung, str]:
    """Each rung's minimum duration in words, for the per-rung table."""
    if targets is None:
        return {}
    locale = current_locale_name()
    return {rung: span_label(targets.minimums.get(rung, Span()), locale) for rung in Rung}


@functools.lru_cache(maxsize=256)
def span_label(span: Span, locale: str) -> str:
    """A minimum duration in words: "3 months", "4 weeks", or a dash for none; made once per
    duration and language (`locale` is the request's, which ngettext translates into)."""
    if span.months:
        return ngettext("%(num)d month", "%(num)d months", span.months)
    if span.weeks:
        return ngettext("%(num)d week", "%(num)d weeks", span.weeks)
    return "–"


@bp.route("/projects/<int:project_id>/progress")
@signed_in
def progress(project_id: int):
    """Show the project's progress against its agreement, over time and by rung, and a page
    of the placements on its ladder (the newest first).

    Three queries whatever the project's size: the user; the project with its approved
    agreement; and either one page of the placements (when this worker has the project's
    placements counted already: see `progress_cache`) or, the first time after a change,
    all of them, to count them and show the page from the same rows."""
    project, approved = _project_or_404(project_id)
    today = local_today()
    per_page = current_app.config["PAGE_SIZE"]
    page = page_arg()
    overview = cached_overview(project, approved, today)
    if overview is None:
        ladder = ladder_rows(project.id)
        facts = [fact_of(row[: len(FACT_COLUMNS)]) for row in ladder]
        overview = project_overview(project, today, approved=approved, facts=facts)
        visible = [row for row in reversed(ladder) if row.first_name is not None]
        rows = visible[(page - 1) * per_page : page * per_page]
        total = len(visible)
    else:
        found = ladder_page(project.id, page, per_page)
        rows, total = found.items, found.total
    return render(
        "placements/progress.html",
        project=project,
        overview=overview,
        p=overview.progress,
        # Drawn only when the kept figures are rendered, once per key and language.
        draw_chart=functools.partial(
            chart, overview, project.execution_start, project.execution_end
        ),
        kept_figures=progress_cache.figures,
        figures_key=progress_cache.key(project, approved, today),
        people=Page(
            items=people_on_ladder(rows, phase_of(project), today),
            page=page,
            per_page=per_page,
            total=total,
        ),
        minimums=minimum_labels(overview.progress.targets),
        rungs=list(Rung),
        gain_low=GAIN_LOW_DKK,
        gain_high=GAIN_HIGH_DKK,
        gain_weeks=GAIN_MIN_DAYS // 7,
    )


@functools.lru_cache(maxsize=8)
def _project_statement(scope: str):
    """`_project_or_404`'s statement, built once per scope kind (app/access.py) with the
    project and the organisation as bind parameters: building it cost more than running it."""
    projects = scoped_projects_of(scope, bindparam("organisation_id"))
    projects = projects.where(Project.id == bindparam("project_id"))
    return with_approved_version(projects).options(*WITHOUT_DOCUMENT)


def _project_or_404(project_id: int):
    """The project, if in the user's scope, with its approved agreement version (or None), in
    one query; 404 otherwise, exactly like `get_project_or_404`. The version's document and
    its whole draft (kilobytes of JSON) are not read: the page counts from the targets and the
    ladder, which are columns."""
    values = {"project_id": project_id, "organisation_id": current_user.organisation_id}
    row = db.session.execute(_project_statement(project_scope_kind(current_user)), values).first()
    if row is None:
        abort(404)
    return row


def _visible():
    """Whom the current user may see on the ladder: a contractor only its own company's
    people (the others' names are not even loaded)."""
    visible = Candidate.id == Placement.candidate_id
    if current_user.role == Role.CONTRACTOR:
        visible &= Placement.company_id == current_user.organisation_id
    return visible


PERSON_COLUMNS = (
    Candidate.first_name,
    Candidate.last_name,
    Organisation.name.label("company_name"),
    Placement.planned_end,
)


def ladder_rows(project_id: int):
    """Every placement on the project, oldest first, in one query: its facts (every placement
    counts towards progress) and the person's name where the user may see it (None
    elsewhere)."""
    return db.session.execute(
        select(*FACT_COLUMNS, *PERSON_COLUMNS)
        .outerjoin_from(Placement, Candidate, _visible())
        .join_from(Placement, Organisation, Organisation.id == Placement.company_id)
        .where(Placement.project_id == project_id)
        .order_by(Placement.start_date, Placement.id)
    ).all()


# A row of `ladder_rows`, or of a page of them (`paginate` gives plain tuples).
LadderRow = namedtuple("LadderRow", [c.key for c in (*FACT_COLUMNS, *PERSON_COLUMNS)])


@functools.lru_cache(maxsize=2)
def _ladder_page_statements(own_company_only: bool):
    """A page of the ladder (with the total as its last column) and the count alone, built
    once per process for each kind of reader; the values are bind parameters.

    The page's placements are picked from the project's index in start order
    (`ix_placements_project_start`) before anything is joined, and the total is counted from
    that index alone: only the page's rows are read, joined to their person and company and
    sorted, whatever the project's size. Every placement has its person (`candidate_id` is
    NOT NULL, a foreign key), so the join drops none and the count needs no join."""
    mine = Placement.project_id == bindparam("project_id")
    if own_company_only:
        mine &= Placement.company_id == bindparam("company_id")
    newest_first = (Placement.start_date.desc(), Placement.id.desc())
    shown = (
        select(Placement.id)
        .where(mine)
        .order_by(*newest_first)
        .limit(bindparam("limit", type_=Integer))
        .offset(bindparam("offset", type_=Integer))
        .subquery("shown")
    )
    count = select(func.count()).select_from(Placement).where(mine)
    page = (
        select(*FACT_COLUMNS, *PERSON_COLUMNS, count.scalar_subquery().label("total"))
        .join_from(shown, Placement, Placement.id == shown.c.id)
        .join_from(Placement, Candidate, Candidate.id == Placement.candidate_id)
        .join_from(Placement, Organisation, Organisation.id == Placement.company_id)
        .order_by(*newest_first)
    )
    return page, count


def ladder_page(project_id: int, page: int, per_page: int) -> Page:
    """One page of the placements the user may see, the newest first, and their total."""
    contractor = current_user.role == Role.CONTRACTOR
    listing, count = _ladder_page_statements(contractor)
    values = {
        "project_id": project_id,
        "company_id": current_user.organisation_id if contractor else None,
        "limit": per_page,
        "offset": (page - 1) * per_page,
    }
    found, total = page_rows(listing, count, values, page)
    items = [LadderRow(*row[:-1]) for row in found]
    return Page(items=items, page=page, per_page=per_page, total=total)


def people_on_ladder(rows, phase: ExecutionPhase, today: date) -> list[PersonRow]:
    """The rows as each role may see them: full names for staff, initials for the client,
    and for a contractor (only its own company's rows reach here) name, rung, start, planned
    end and whether it still runs. Each says when it starts outside the execution phase."""
    role, staff = current_user.role, current_user.is_staff  # read once, not once per row
    people = []
    for row in rows:
        name = f"{row.first_name} {row.last_name}".strip()
        rung = Rung(row.rung)
        outside = phase.place(row.start_date)
        if staff:
            outcome = Outcome(row.outcome) if row.outcome else None
            people.append(
                PersonRow(
                    name,
                    rung,
                    row.company_name,
                    row.start_date,
                    row.actual_end,
                    outcome,
                    outside_phase=outside,
                )
            )
        elif role == Role.CLIENT:
            initials = initials_of(name)  # never the name: clients see initials only
            people.append(
                PersonRow(
                    initials,
                    rung,
                    row.company_name,
                    row.start_date,
                    row.actual_end,
                    outside_phase=outside,
                )
            )
        elif role == Role.CONTRACTOR:
            # The rung, the dates agreed with the company and whether it still runs; not the
            # actual end, the outcome or anything else about the person.
            people.append(
                PersonRow(
                    name,
                    rung,
                    start=row.start_date,
                    planned_end=row.planned_end,
                    status=status_of(row.start_date, row.actual_end, today),
                    outside_phase=outside,
                )
            )
    return people


def chart(overview, start: date | None, end: date | None) -> dict | None:
    """Coordinates for the cumulative chart (a step line), the target and the forecast."""
    series, today = overview.series, overview.today
    targets = overview.progress.targets
    target = targets.courses if targets else None
    if not series and not target:
        return None
    first = min([d for d in (start, series[0][0] if series else None, today) if d])
    last = max([d for d in (end, today) if d])
    span = max((last - first).days, 1)
    current = series[-1][1] if series else 0
    top = max(target or 0, current, overview.forecast or 0, 1)
    inner_w = CHART_WIDTH - PAD_LEFT - PAD_RIGHT
    inner_h = CHART_HEIGHT - PAD_TOP - PAD_BOTTOM

    def x(day: date) -> float:
        return round(PAD_LEFT + inner_w * (day - first).days / span, 1)

    def y(value: float) -> float:
        return round(PAD_TOP + inner_h * (1 - value / top), 1)

    points = [(x(first), y(0))]
    total = 0
    for day, value in series:
        points.append((x(day), y(total)))
        points.append((x(day), y(value)))
        total = value
    points.append((x(today), y(total)))
    result = {
        "width": CHART_WIDTH,
        "height": CHART_HEIGHT,
        "left": PAD_LEFT,
        "right": CHART_WIDTH - PAD_RIGHT,
        "bottom": y(0),
        "top_y": y(top),
        "top": top,
        "path": "M " + " L ".join(f"{px} {py}" for px, py in points),
        "today_x": x(today),
        "first": first,
        "last": last,
        "current": current,
        "target": target,
        "target_y": y(target) if target else None,
        "forecast": None,
    }
    if overview.forecast is not None and end is not None and end > today:
        result["forecast"] = {
            "x1": x(today),
            "y1": y(current),
            "x2": x(end),
            "y2": y(overview.forecast),
        }
    return result
