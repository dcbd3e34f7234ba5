"""`flask backup` and `flask restore`: a round trip on SQLite, refusals, and PostgreSQL's refusal.

These tests make their own SQLite files in tmp_path, whatever database the session runs on.
"""

from __future__ import annotations

import sqlite3
from contextlib import closing
from pathlib import Path

import pytest
from flask_migrate import upgrade
from sqlalchemy import func, select, text

from app import create_app
from app.demo import load_demo
from app.extensions import db


@pytest.fixture
def sqlite_app(tmp_path):
    """Make an app on its own SQLite file in tmp_path: migrated, and with the demo data if asked."""
    made = []

    def _make(name: str, demo: bool = False):
        app = create_app(
            {
                "TESTING": True,
                "SECRET_KEY": "backup-test",
                "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / name}",
            }
        )
        made.append(app)
        with app.app_context():
            upgrade()
            if demo:
                load_demo()
            db.session.remove()
        return app

    yield _make
    for app in made:
        with app.app_context():
            db.session.remove()
            db.engine.dispose()


def invoke(app, *args, **kwargs):
    return app.test_cli_runner().invoke(args=[str(a) for a in args], **kwargs)


def snapshot(app) -> dict[str, tuple[int, list]]:
    """Every table (Alembic's included): its row count and its rows, in a stable order."""
    with app.app_context(), db.engine.connect() as conn:
        names = [t.name for t in db.metadata.sorted_tables] + ["alembic_version"]
        result = {}
        for name in names:
            count = conn.scalar(select(func.count()).select_from(text(name)))
            rows = sorted(repr(tuple(row)) for row in conn.execute(text(f"SELECT * FROM {name}")))
            result[name] = (count, rows)
        db.engine.dispose()
        return result


def integrity(path: Path) -> str:
    with closing(sqlite3.connect(path)) as conn:
        return conn.execute("PRAGMA integrity_check").fetchone()[0]


def test_backup_then_restore_into_an_empty_database_gives_identical_tables(sqlite_app, tmp_path):
    live = sqlite_app("live.sqlite", demo=True)
    before = snapshot(live)
    assert before["candidates"][0] > 0 and before["conversations"][0] > 0
    assert before["agreement_versions"][0] > 0 and before["users"][0] == 4

    result = invoke(live, "backup", tmp_path / "copy.sqlite")
    assert result.exit_code == 0, result.output
    assert "integrity ok" in result.output
    assert integrity(tmp_path / "copy.sqlite") == "ok"
    assert (tmp_path / "copy.sqlite").stat().st_mode & 0o077 == 0  # personal data: owner only

    fresh = sqlite_app("fresh.sqlite")
    assert snapshot(fresh)["candidates"][0] == 0
    result = invoke(fresh, "restore", "--yes", tmp_path / "copy.sqlite")
    assert result.exit_code == 0, result.output
    assert snapshot(fresh) == before
    assert integrity(tmp_path / "fresh.sqlite") == "ok"


def test_restore_puts_a_changed_database_back_as_it_was(sqlite_app, tmp_path):
    live = sqlite_app("live.sqlite", demo=True)
    before = snapshot(live)
    assert invoke(live, "backup", tmp_path / "copy.sqlite").exit_code == 0
    with live.app_context():
        db.session.execute(text("DELETE FROM conversations"))
        db.session.execute(text("UPDATE users SET name = 'Changed'"))
        db.session.commit()
        db.session.remove()
    assert snapshot(live) != before

    declined = invoke(live, "restore", tmp_path / "copy.sqlite", input="n\n")
    assert declined.exit_code != 0
    assert snapshot(live)["conversations"][0] == 0

    result = invoke(live, "restore", tmp_path / "copy.sqlite", input="y\n")
    assert result.exit_code == 0, result.output
    assert snapshot(live) == before


def test_backup_copies_a_consistent_snapshot_while_a_write_is_open(sqlite_app, tmp_path):
    live = sqlite_app("live.sqlite", demo=True)
    with closing(sqlite3.connect(tmp_path / "live.sqlite", isolation_level=None)) as writer:
        writer.execute("BEGIN IMMEDIATE")  # holds the write lock, as a busy worker would
        writer.execute("UPDATE users SET name = 'Half-way'")
        result = invoke(live, "backup", tmp_path / "copy.sqlite")
        writer.execute("COMMIT")
    assert result.exit_code == 0, result.output
    with closing(sqlite3.connect(tmp_path / "copy.sqlite")) as copy:
        names = {row[0] for row in copy.execute("SELECT name FROM users")}
    assert "Half-way" not in names and "Karen Koordinator" in names


def _garbage(path: Path, good: Path) -> None:
    path.write_bytes(b"This is not a database, just some text.\n" * 200)


def _damaged(path: Path, good: Path) -> None:
    data = bytearray(good.read_bytes())
    page = 4096
    for offset in range(2 * page, min(len(data), 12 * page), page):
        data[offset : offset + 64] = b"\xff" * 64  # scribble over the page headers
    path.write_bytes(bytes(data))


def _foreign(path: Path, good: Path) -> None:
    with closing(sqlite3.connect(path)) as conn:
        conn.execute("CREATE TABLE recipes (id INTEGER PRIMARY KEY, name TEXT)")
        conn.execute("INSERT INTO recipes (name) VALUES ('Æbleskiver')")
        conn.commit()


def _other_revision(path: Path, good: Path) -> None:
    path.write_bytes(good.read_bytes())
    with closing(sqlite3.connect(path)) as conn:
        conn.execute("UPDATE alembic_version SET version_num = '0123456789ab'")
        conn.commit()


def _missing(path: Path, good: Path) -> None:
    pass


@pytest.mark.parametrize(
    ("make_file", "reason"),
    [
        (_garbage, "not a usable SQLite database"),
        (_damaged, ""),
        (_foreign, "no alembic_version"),
        (_other_revision, "is at migration 0123456789ab"),
        (_missing, "does not exist"),
    ],
    ids=["garbage", "damaged", "foreign", "other-revision", "missing"],
)
def test_restore_refuses_a_file_that_is_not_a_sound_backup(sqlite_app, tmp_path, make_file, reason):
    live = sqlite_app("live.sqlite", demo=True)
    assert invoke(live, "backup", tmp_path / "good.sqlite").exit_code == 0
    before = snapshot(live)
    bad = tmp_path / "bad.sqlite"
    make_file(bad, tmp_path / "good.sqlite")

    result = invoke(live, "restore", "--yes", bad)
    assert result.exit_code != 0
    assert "Nothing was restored" in result.output and reason in result.output
    assert snapshot(live) == before
    assert integrity(tmp_path / "live.sqlite") == "ok"


def test_backup_will_not_overwrite_a_file_or_the_database_itself(sqlite_app, tmp_path):
    live = sqlite_app("live.sqlite", demo=True)
    existing = tmp_path / "existing.sqlite"
    existing.write_text("keep me")
    result = invoke(live, "backup", existing)
    assert result.exit_code != 0 and "--force" in result.output
    assert existing.read_text() == "keep me"
    assert invoke(live, "backup", "--force", existing).exit_code == 0
    assert integrity(existing) == "ok"
    result = invoke(live, "backup", "--force", tmp_path / "live.sqlite")
    assert result.exit_code != 0 and "live database itself" in result.output
    assert integrity(tmp_path / "live.sqlite") == "ok"


@pytest.fixture
def postgres_app(app, database_url):
    if not database_url.startswith("postgresql"):
        pytest.skip("the session's database is SQLite; the PostgreSQL refusal needs PostgreSQL")
    return app


@pytest.mark.parametrize(
    ("command", "tool"),
    [("backup", "pg_dump"), ("restore", "pg_restore")],
    ids=["backup", "restore"],
)
def test_on_postgresql_the_commands_point_to_pg_dump(postgres_app, tmp_path, command, tool):
    target = tmp_path / "copy.sqlite"
    if command == "restore":
        target.write_bytes(b"")
    result = invoke(postgres_app, command, target, "--yes" if command == "restore" else "--force")
    assert result.exit_code != 0
    assert "SQLite only" in result.output and tool in result.output
    if command == "backup":
        assert not target.exists()
