"""`flask progress --project <id>`: a project's progress against its agreement, in the terminal."""

from __future__ import annotations

import json

import click
from flask.cli import with_appcontext

from app.extensions import db
from app.models import Project, Rung
from app.placements.counting import GAIN_MIN_DAYS
from app.placements.progress_data import progress_payload, project_overview


@click.command("progress")
@with_appcontext
@click.option("--project", "project_id", required=True, type=int, help="The project's id.")
@click.option("--json", "as_json", is_flag=True, help="Print the JSON of progress.json.")
@click.option(
    "--today",
    type=click.DateTime(formats=["%Y-%m-%d"]),
    default=None,
    help="Count as of this day (YYYY-MM-DD); default today.",
)
def progress_command(project_id: int, as_json: bool, today):
    """Print a project's courses and apprenticeships counted against its targets."""
    project = db.session.get(Project, project_id)
    if project is None:
        raise click.ClickException(f"No project with the id {project_id}.")
    overview = project_overview(project, today.date() if today else None)
    p = overview.progress
    if as_json:
        payload = progress_payload(overview)
        click.echo(json.dumps(payload, ensure_ascii=False, indent=2))
        return
    t = p.targets
    courses_of = _of(t.courses if t else None)
    apprenticeships_of = _of(t.apprenticeships if t else None)
    click.echo(f"{project.name} (project {project.id}), as of {overview.today.isoformat()}")
    if t:
        click.echo(
            f"Agreement: {t.apprenticeships} apprenticeships, {t.courses} courses, "
            f"counted {'when started' if t.count_rule == 'started' else 'after minimum duration'}"
        )
    else:
        click.echo("Agreement: none approved (counting every rung from its start)")
    click.echo(
        f"Courses:         {p.courses_counted} counted{courses_of}, "
        f"{p.courses_started} started, {p.courses_completed} completed"
    )
    click.echo(
        f"Apprenticeships: {p.apprenticeships_counted} counted{apprenticeships_of}, "
        f"{p.apprenticeships_started} started, {p.apprenticeships_completed} completed"
    )
    for rung in Rung:
        c = p.per_rung[rung]
        click.echo(
            f"  {rung.step}. {rung.value:<15} {c.started} started, {c.counted} counted, "
            f"{c.completed} completed"
        )
    click.echo(f"Residents:       {p.residents}")
    if p.outside_phase.total:
        click.echo(
            f"Outside phase:   {p.outside_phase.total} placements not counted "
            f"({p.outside_phase.before} start before {_day(project.execution_start)}, "
            f"{p.outside_phase.after} after {_day(project.execution_end)})"
        )
    click.echo(f"Fulfilled:       {'yes' if p.fulfilled else 'no'}")
    if overview.forecast is not None and project.execution_end:
        end = project.execution_end.isoformat()
        if overview.today >= project.execution_end:
            click.echo(f"Forecast:        {overview.forecast} courses counted by the end, {end}")
        else:
            click.echo(f"Forecast:        {overview.forecast} courses by {end}")
    else:
        click.echo("Forecast:        none yet")
    persons, low, high = overview.gain
    click.echo(
        f"Societal gain:   {persons} persons with >= {GAIN_MIN_DAYS // 7} weeks of ordinary "
        f"employment, {low:,}-{high:,} DKK a year (estimate, KORA)"
    )


def _day(day) -> str:
    return day.isoformat() if day else "-"


def _of(target: int | None) -> str:
    return "" if target is None else f" of {target}"


def init_app(app) -> None:
    app.cli.add_command(progress_command)
