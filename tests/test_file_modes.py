"""The instance folder, the SQLite database with its -wal and -shm, and the secret key are the
owner's only (0700 and 0600); SQLite zeroes deleted values (secure_delete) on every connection."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest
from flask_migrate import upgrade
from sqlalchemy import text

from app import create_app
from app.extensions import db
from app.models import Role
from tests.factories import Factories


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


@pytest.fixture
def fresh_app(tmp_path, monkeypatch):
    """An app with a new instance folder, its own secret key and its own SQLite database."""
    monkeypatch.delenv("SECRET_KEY", raising=False)
    monkeypatch.delenv("DATABASE_URL", raising=False)
    instance = tmp_path / "instance"

    def make():
        app = create_app({"TESTING": True}, instance_path=str(instance))
        return app, instance

    made = []

    def factory():
        app, folder = make()
        made.append(app)
        return app, folder

    yield factory
    for app in made:
        with app.app_context():
            db.session.remove()
            db.engine.dispose()


def _write_something(app) -> None:
    with app.app_context():
        upgrade()
        Factories().user(Role.COORDINATOR, name="Mode Tester")
        db.session.remove()


@pytest.fixture
def usual_umask():
    """The usual umask, 022, which would leave new files readable by everyone."""
    previous = os.umask(0o022)
    yield
    os.umask(previous)


def test_a_new_instance_is_owner_only_after_a_write(fresh_app, usual_umask):
    app, instance = fresh_app()
    _write_something(app)
    database = instance / "bygop.sqlite"
    with app.app_context():
        with db.engine.connect() as conn:  # an open connection keeps the -wal and -shm
            conn.execute(text("SELECT count(*) FROM users")).scalar()
            assert _mode(instance) == 0o700
            assert _mode(instance / "secret_key") == 0o600
            for path in (database, Path(f"{database}-wal"), Path(f"{database}-shm")):
                assert path.exists(), path
                assert _mode(path) == 0o600, f"{path.name}: {oct(_mode(path))}"


def test_files_left_readable_by_an_older_start_are_narrowed(fresh_app, tmp_path, usual_umask):
    instance = tmp_path / "instance"
    instance.mkdir(mode=0o755)
    os.chmod(instance, 0o755)
    key = instance / "secret_key"
    key.write_text("an old key")
    database = instance / "bygop.sqlite"
    database.touch()
    wal = Path(f"{database}-wal")
    wal.touch()
    for path in (key, database, wal):
        os.chmod(path, 0o644)
    fresh_app()
    assert _mode(instance) == 0o700
    for path in (key, database, wal):
        assert _mode(path) == 0o600, path.name
    assert key.read_text() == "an old key"  # narrowed, not replaced


def test_every_sqlite_connection_has_secure_delete(fresh_app):
    app, _ = fresh_app()
    with app.app_context():
        for _ in range(2):
            with db.engine.connect() as conn:
                assert conn.execute(text("PRAGMA secure_delete")).scalar() == 1
                assert conn.execute(text("PRAGMA journal_mode")).scalar() == "wal"


def test_the_connect_hook_turns_secure_delete_on_even_where_sqlite_defaults_to_off(tmp_path):
    """Some SQLite builds default to secure_delete=ON, others OFF: the hook must not rely on it."""
    import sqlite3

    from app.factory import _sqlite_pragmas

    connection = sqlite3.connect(tmp_path / "plain.sqlite")
    try:
        connection.execute("PRAGMA secure_delete=OFF")
        assert connection.execute("PRAGMA secure_delete").fetchone() == (0,)
        _sqlite_pragmas(connection, None)
        assert connection.execute("PRAGMA secure_delete").fetchone() == (1,)
    finally:
        connection.close()
