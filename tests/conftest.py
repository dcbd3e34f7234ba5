"""Test fixtures: one app per session on SQLite (default) or PostgreSQL (TEST_DATABASE_URL).

The schema is built by running the real Alembic migrations once; every test starts from
empty tables.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from flask import g
from flask_babel import refresh as refresh_babel
from flask_migrate import upgrade
from sqlalchemy import create_engine, text

from app import create_app
from app.agreements import service as agreement_service
from app.auth.sessions import mark_signed_in
from app.extensions import db
from app.models import Role
from tests.factories import Factories


def _database_url(tmp_root: Path) -> str:
    url = os.environ.get("TEST_DATABASE_URL")
    if not url:
        return f"sqlite:///{tmp_root / 'test.sqlite'}"
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url.removeprefix("postgresql://")
    return url


def _reset_postgres(url: str) -> None:
    engine = create_engine(url)
    with engine.begin() as conn:
        conn.execute(text("DROP SCHEMA public CASCADE"))
        conn.execute(text("CREATE SCHEMA public"))
    engine.dispose()


@pytest.fixture(scope="session")
def database_url(tmp_path_factory) -> str:
    url = _database_url(tmp_path_factory.mktemp("db"))
    if url.startswith("postgresql"):
        _reset_postgres(url)
    return url


@pytest.fixture(scope="session")
def app(database_url, tmp_path_factory):
    app = create_app(
        {
            "TESTING": True,
            "SECRET_KEY": "test-secret",
            "SQLALCHEMY_DATABASE_URI": database_url,
            "WTF_CSRF_ENABLED": False,
            "SERVER_NAME": "localhost",
        }
    )
    with app.app_context():
        upgrade()  # the real migrations, on the database under test

    @app.teardown_request
    def _forget_signed_in_user(exc):
        # Tests hold an app context open, so `g` outlives a request; Flask-Login caches the
        # user there. Forget it, as a real server does between requests.
        g.pop("_login_user", None)
        refresh_babel()  # likewise the locale Flask-Babel caches per context

    yield app
    with app.app_context():
        db.engine.dispose()


# After DELETE, PostgreSQL's sequences start again at 1, as TRUNCATE ... RESTART IDENTITY did
# (and as SQLite's rowids do once a table is empty).
_RESTART_SEQUENCES = (
    "SELECT setval(c.oid, 1, false) FROM pg_class c"
    " WHERE c.relkind = 'S' AND c.relnamespace = current_schema()::regnamespace"
)


@pytest.fixture(autouse=True)
def _clean_tables(request):
    """Empty every table after each test that used the database: DELETE, children first, on
    both databases; on PostgreSQL in one round trip. (Its TRUNCATE of every table took
    150-250 ms, as it makes new files for each table and index: minutes of a CI run.)"""
    yield
    if "app" not in request.fixturenames:
        return
    app = request.getfixturevalue("app")
    with app.app_context():
        db.session.remove()
        empty_tables()
    # Ids start again in the next test: a Word file kept by a version's id would belong to
    # another test's version 1.
    agreement_service.forget_docx_files()


def empty_tables() -> None:
    """Delete every row of every table (in an application context), ids starting again."""
    tables = [t.name for t in reversed(db.metadata.sorted_tables)]
    with db.engine.begin() as conn:
        if db.engine.dialect.name == "postgresql":
            deletes = "; ".join(f"DELETE FROM {name}" for name in tables)
            conn.exec_driver_sql(f"{deletes}; {_RESTART_SEQUENCES}")
        else:
            for name in tables:
                conn.execute(text(f"DELETE FROM {name}"))


@pytest.fixture
def ctx(app):
    """An application context, for tests that use the models directly."""
    with app.app_context():
        yield
        db.session.remove()


@pytest.fixture
def client(app, ctx):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


@pytest.fixture
def make(ctx) -> Factories:
    return Factories()


@pytest.fixture
def login(client):
    """Sign `user` in on the test client (the password check is tested in test_auth)."""

    def _login(user):
        with client.session_transaction() as session:
            session["_user_id"] = user.get_id()
            session["_fresh"] = True
            mark_signed_in(session)  # signed in, seen and password entered: now
        return user

    return _login


HTMX = {"HX-Request": "true"}


@pytest.fixture
def coordinator(make, login):
    """A coordinator, signed in on `client`: the role most tests act as."""
    return login(make.user(Role.COORDINATOR, name="Karen Koordinator", email="karen@bygop.dk"))


@pytest.fixture
def htmx_headers():
    return dict(HTMX)
