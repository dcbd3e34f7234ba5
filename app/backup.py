"""`flask backup FILE` and `flask restore FILE`: online copies of the SQLite database.

SQLite's online backup API copies a consistent snapshot while the app keeps serving (in WAL mode
readers never block writers). PostgreSQL has its own tools, pg_dump and pg_restore; these
commands refuse there and say so.
"""

from __future__ import annotations

import os
import sqlite3
from contextlib import closing
from pathlib import Path

import click
from alembic.script import ScriptDirectory
from flask import current_app
from flask.cli import with_appcontext

from app.extensions import db

POSTGRES_HINT = (
    "{command} works on SQLite only. This database is PostgreSQL: use its own tools, e.g.\n"
    '  pg_dump --format=custom --file=bygop.dump "$DATABASE_URL"\n'
    '  pg_restore --clean --if-exists --no-owner --dbname="$DATABASE_URL" bygop.dump\n'
    "(see 'Load and durability' in README.md)."
)


class Refused(Exception):
    """The file cannot be restored; the message says why."""


def sqlite_path(command: str) -> Path:
    """The live database file, or a ClickException when the database is not a SQLite file."""
    url = db.engine.url
    if url.get_backend_name() != "sqlite":
        raise click.ClickException(POSTGRES_HINT.format(command=command))
    if not url.database or url.database == ":memory:":
        raise click.ClickException("The SQLite database is in memory; there is no file to copy.")
    return Path(url.database).resolve()


def migration_heads() -> set[str]:
    config = current_app.extensions["migrate"].migrate.get_config()
    return set(ScriptDirectory.from_config(config).get_heads())


def backup_to(source: Path, target: Path) -> None:
    """Copy `source` to `target` in one step of the backup API: one consistent snapshot, while
    other connections go on writing (WAL). The copy is written next to the target and renamed
    into place, so a half-written file never carries the target's name."""
    partial = target.with_name(target.name + ".partial")
    partial.unlink(missing_ok=True)
    # Personal data: only the owner may read the copy.
    partial.touch(mode=0o600)
    try:
        with closing(sqlite3.connect(source)) as src, closing(sqlite3.connect(partial)) as dst:
            src.backup(dst)  # pages=-1: everything in one step, from one read snapshot
            # A single self-contained file, with no -wal beside it.
            dst.execute("PRAGMA journal_mode=DELETE")
        os.replace(partial, target)
    finally:
        partial.unlink(missing_ok=True)


def check_backup(path: Path, heads: set[str]) -> None:
    """Raise Refused unless `path` is a sound SQLite database of this app at the current head."""
    if not path.is_file():
        raise Refused(f"{path} does not exist.")
    try:
        with closing(sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)) as conn:
            result = [row[0] for row in conn.execute("PRAGMA integrity_check")]
            if result != ["ok"]:
                raise Refused(f"{path} failed the integrity check: {'; '.join(result[:5])}")
            has_versions = conn.execute(
                "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'alembic_version'"
            ).fetchone()
            if not has_versions:
                raise Refused(f"{path} is not a Byg Op database (it has no alembic_version).")
            revisions = {row[0] for row in conn.execute("SELECT version_num FROM alembic_version")}
    except sqlite3.DatabaseError as error:
        raise Refused(f"{path} is not a usable SQLite database: {error}") from error
    if revisions != heads:
        raise Refused(
            f"{path} is at migration {', '.join(sorted(revisions)) or 'none'}, but this app is "
            f"at {', '.join(sorted(heads))}. Restore it with the app version that wrote it, "
            "then run 'flask db upgrade'."
        )


def restore_from(backup: Path, target: Path) -> None:
    """Replace the contents of `target` with `backup`, through the backup API (which takes the
    write lock on `target`, so running workers see either the old or the new database)."""
    db.engine.dispose()  # our own pooled connections must not hold the old pages
    with (
        closing(sqlite3.connect(f"{backup.resolve().as_uri()}?mode=ro", uri=True)) as src,
        closing(sqlite3.connect(target, timeout=30)) as dst,
    ):
        src.backup(dst)
        result = dst.execute("PRAGMA integrity_check").fetchone()[0]
    if result != "ok":
        raise click.ClickException(f"The restored database failed the integrity check: {result}")


@click.command("backup")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--force", is_flag=True, help="Overwrite FILE if it exists.")
@with_appcontext
def backup_command(file: Path, force: bool):
    """Copy the SQLite database to FILE while the app keeps running (PostgreSQL: use pg_dump)."""
    source = sqlite_path("flask backup")
    if file.resolve() == source:
        raise click.ClickException("FILE is the live database itself; choose another file.")
    if file.exists() and not force:
        raise click.ClickException(f"{file} exists; choose another name or add --force.")
    if not file.parent.is_dir():
        raise click.ClickException(f"The folder {file.parent} does not exist.")
    backup_to(source, file)
    try:
        check_backup(file, migration_heads())
    except Refused as refused:
        raise click.ClickException(f"The backup is not usable: {refused}") from refused
    click.echo(f"Backed up {source} to {file} ({file.stat().st_size:,} bytes, integrity ok).")


@click.command("restore")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--yes", is_flag=True, help="Do not ask before replacing the database.")
@with_appcontext
def restore_command(file: Path, yes: bool):
    """Replace the SQLite database with the backup in FILE (PostgreSQL: use pg_restore)."""
    target = sqlite_path("flask restore")
    if file.resolve() == target:
        raise click.ClickException("FILE is the live database itself.")
    try:
        check_backup(file, migration_heads())
    except Refused as refused:
        raise click.ClickException(f"Nothing was restored. {refused}") from refused
    if not yes:
        click.confirm(f"Replace everything in {target} with {file}?", abort=True)
    restore_from(file, target)
    click.echo(f"Restored {target} from {file} (integrity ok).")


def init_app(app):
    app.cli.add_command(backup_command)
    app.cli.add_command(restore_command)
