"""`flask gdpr retention [--months N] [--apply]`: the retention rule from a shell or cron."""

import click
from flask import current_app
from flask.cli import AppGroup

from app.clock import local_today
from app.extensions import db
from app.gdpr import service

gdpr_cli = AppGroup("gdpr", help="GDPR tools for the candidates' data.")


@gdpr_cli.command("retention")
@click.option(
    "--months",
    type=click.IntRange(min=1, max=service.MAX_RETENTION_MONTHS),
    default=None,
    help="Months without activity (default: GDPR_RETENTION_MONTHS, else 24).",
)
@click.option("--apply", is_flag=True, help="Anonymise them (all in one transaction).")
def retention(months: int | None, apply: bool):
    """List the candidates with no activity for MONTHS months; with --apply, anonymise them.

    Lists id, initials and the date of the last activity (names stay out of cron logs; the
    web page /gdpr/retention shows them to staff)."""
    if months is None:
        months = int(
            current_app.config.get("GDPR_RETENTION_MONTHS", service.DEFAULT_RETENTION_MONTHS)
        )
    cutoff, candidates = service.inactive_candidates(months, local_today())
    for item in candidates:
        click.echo(f"{item.candidate_id:>6}  {item.last_activity.isoformat()}  {item.initials}")
    click.echo(
        f"{len(candidates)} candidates with no activity since {cutoff.isoformat()} "
        f"({months} months)."
    )
    if not apply:
        click.echo("Dry run: nothing was changed. Add --apply to anonymise them.")
        return
    try:
        erased = service.erase([item.candidate_id for item in candidates], reason="retention")
        db.session.commit()
    except Exception:
        db.session.rollback()
        raise
    service.scrub_free_space()
    click.echo(f"Anonymised {len(erased)} candidates.")


def init_app(app):
    app.cli.add_command(gdpr_cli)
