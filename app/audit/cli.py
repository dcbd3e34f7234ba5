"""`flask audit prune [--dry-run]`: delete audit events past their retention period."""

from __future__ import annotations

from datetime import timedelta

import click
from flask import current_app
from flask.cli import AppGroup
from sqlalchemy import func, select

from app.audit import log as audit
from app.audit.log import DEFAULT_RETENTION_DAYS
from app.audit.models import AuditEvent, delete_events_before
from app.extensions import db
from app.models import utcnow

audit_cli = AppGroup("audit", help="The audit log of access to candidate data.")


def retention_days() -> int:
    """AUDIT_RETENTION_DAYS from the config (default five years); at least one day."""
    value = current_app.config.get("AUDIT_RETENTION_DAYS", DEFAULT_RETENTION_DAYS)
    try:
        days = int(value)
    except (TypeError, ValueError):
        message = f"AUDIT_RETENTION_DAYS must be a number of days, not {value!r}."
        raise click.ClickException(message) from None
    if days < 1:
        raise click.ClickException("AUDIT_RETENTION_DAYS must be at least 1.")
    return days


@audit_cli.command("prune")
@click.option("--dry-run", is_flag=True, help="Count the events that would go; delete nothing.")
def prune(dry_run: bool):
    """Delete audit events older than AUDIT_RETENTION_DAYS, in one statement.

    The prune itself is logged (how many, older than when), as the system."""
    days = retention_days()
    cutoff = utcnow() - timedelta(days=days)
    when = cutoff.strftime("%Y-%m-%d %H:%M UTC")
    if dry_run:
        count = db.session.scalar(select(func.count(AuditEvent.id)).where(AuditEvent.at < cutoff))
        click.echo(f"{count} audit events older than {when} ({days} days) would be deleted.")
        return
    count = delete_events_before(cutoff)
    audit.record("audit_pruned", target=f"count:{count} before:{cutoff.date().isoformat()}")
    db.session.commit()
    click.echo(f"Deleted {count} audit events older than {when} ({days} days).")


def init_app(app) -> None:
    app.cli.add_command(audit_cli)
