"""`flask import placements FILE [--dry-run]`: the web import's check and save, from a shell."""

from pathlib import Path

import click
from flask import current_app
from flask.cli import AppGroup
from flask_babel import force_locale, gettext
from sqlalchemy import func, select

from app.extensions import db
from app.imports import importer
from app.imports.reader import MAX_UPLOAD_BYTES
from app.models import STAFF_ROLES, User

import_cli = AppGroup("import", help="Import existing data from CSV or XLSX files.")


@import_cli.command("placements")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--dry-run", is_flag=True, help="Check the file and print its errors; save nothing.")
@click.option("--user", "email", default=None, help="Staff user to record as having imported.")
def import_placements(file: Path, dry_run: bool, email: str | None):
    """Import candidates and placements from FILE, one placement per row (columns: README).

    Prints every row's errors and a summary. Exits with status 1 and saves nothing when any
    row has an error; otherwise saves everything in one transaction."""
    # No request, so no user's language: messages and stored notes use the default one.
    with force_locale(current_app.config.get("BABEL_DEFAULT_LOCALE", "da")):
        _import(file, dry_run, email)


def _import(file: Path, dry_run: bool, email: str | None) -> None:
    user = None
    if email:
        user = db.session.scalar(select(User).where(func.lower(User.email) == email.lower()))
        if user is None or user.role not in STAFF_ROLES:
            raise click.ClickException(f"No coordinator or administrator with the email {email}.")
    # The size before the bytes: a huge file is refused without being read into memory.
    if file.stat().st_size > MAX_UPLOAD_BYTES:
        raise click.ClickException(f"The file is larger than {MAX_UPLOAD_BYTES // 2**20} MB.")
    data = file.read_bytes()
    report = importer.check(data, file.name)
    for message in report.file_errors:
        click.echo(f"{file.name}: {message.format(gettext)}", err=True)
    for row in report.rows:
        for column, messages in row.errors.items():
            for message in messages:
                click.echo(f"Row {row.number}, {column}: {message.format(gettext)}", err=True)
        for column, messages in row.warnings.items():
            for message in messages:
                click.echo(f"Row {row.number}, {column} (warning): {message.format(gettext)}")
    click.echo(
        f"{report.new_candidates} new candidates, {report.placements} placements, "
        f"{report.rows_with_errors} rows with errors, {report.rows_with_warnings} with warnings."
    )
    if not report.ok:
        click.echo("Nothing was saved.", err=True)
        raise SystemExit(1)
    if dry_run:
        click.echo("Dry run: nothing was saved.")
        return
    new_candidates, placements = importer.save(report, user)
    click.echo(f"Imported {placements} placements and {new_candidates} new candidates.")


def init_app(app):
    app.cli.add_command(import_cli)
