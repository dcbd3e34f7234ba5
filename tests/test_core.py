"""Start page, health check, language switch, error pages and formats."""

from datetime import date

import pytest
from sqlalchemy import text
from sqlalchemy.exc import OperationalError, ProgrammingError

from app.enums import OrganisationKind
from app.extensions import db
from app.models import Organisation, Phase, Role


def test_healthz_reports_ok_when_the_database_answers(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.get_json() == {"status": "ok", "database": "ok"}


def test_healthz_answers_503_when_the_database_does_not(app, client, monkeypatch):
    def broken(*args, **kwargs):
        raise OperationalError("SELECT 1", {}, Exception("connection refused"))

    with app.app_context():
        monkeypatch.setattr(db.engine, "connect", broken)
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.get_json()["status"] == "error"


def test_the_interface_is_danish_by_default_and_switches_to_english(client):
    page = client.get("/auth/login")
    html = page.get_data(as_text=True)
    assert '<html lang="da">' in html
    assert "Log ind" in html
    assert page.headers["Content-Language"] == "da"
    response = client.post("/language", data={"lang": "en", "next": "/auth/login"})
    assert response.status_code == 303
    assert response.headers["Location"] == "/auth/login"
    page = client.get("/auth/login")
    html = page.get_data(as_text=True)
    assert '<html lang="en">' in html
    assert "Sign in" in html
    assert page.headers["Content-Language"] == "en"
    client.post("/language", data={"lang": "da", "next": "//evil.example"})
    page = client.get("/auth/login")
    assert "Log ind" in page.get_data(as_text=True)
    assert page.headers["Content-Language"] == "da"


def test_404_page_is_in_danish(client, make, login):
    login(make.user())
    response = client.get("/no/such/page")
    assert response.status_code == 404
    assert "Siden blev ikke fundet" in response.get_data(as_text=True)


def test_500_page_shows_no_traceback(app, client, make, login, monkeypatch):
    login(make.user())
    app.config["PROPAGATE_EXCEPTIONS"] = False
    try:
        from app.core import views

        def explode(*args, **kwargs):
            raise RuntimeError("secret internals")

        monkeypatch.setattr(views.dashboard, "phase_counts_and_recent", explode)
        response = client.get("/")
    finally:
        app.config["PROPAGATE_EXCEPTIONS"] = None
    assert response.status_code == 500
    html = response.get_data(as_text=True)
    assert "Der gik noget galt hos os" in html
    assert "secret internals" not in html and "Traceback" not in html


def test_dates_are_shown_in_danish_format(client, make, login):
    login(make.user(Role.COORDINATOR))
    project = make.project(
        phase=Phase.EXECUTION, execution_start=date(2027, 3, 1), execution_end=date(2028, 5, 31)
    )
    html = client.get(f"/projects/{project.id}").get_data(as_text=True)
    assert "1. marts 2027" in html
    assert "31. maj 2028" in html


def test_home_counts_projects_by_phase(client, make, login):
    login(make.user(Role.COORDINATOR))
    make.project(phase=Phase.TENDER)
    make.project(phase=Phase.TENDER)
    make.project(phase=Phase.AWARDED, main=make.company())
    html = client.get("/").get_data(as_text=True)
    assert '<span class="count">2</span>\n      <span>Udbud</span>' in html
    assert '<span class="count">1</span>\n      <span>Tildelt</span>' in html


def test_security_headers_are_set(client):
    response = client.get("/auth/login")
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert "frame-ancestors 'none'" in response.headers["Content-Security-Policy"]
    assert "script-src 'self'" in response.headers["Content-Security-Policy"]


def test_download_names_never_carry_path_characters(app):
    from urllib.parse import unquote

    from app.web import download

    with app.test_request_context():
        response = download(b"x", "text/plain", 'Referat - Blok 4/7: "Øst" - 2027.docx')
    disposition = unquote(response.headers["Content-Disposition"])
    assert "filename*=UTF-8''Referat - Blok 47 Øst - 2027.docx" in disposition
    assert "/" not in disposition.split("filename=")[1]


def _healthz(client) -> int:
    """GET /healthz as a server's request: the session (and its connection) given back first,
    which the tests' open application context would otherwise keep between requests."""
    db.session.remove()
    return client.get("/healthz").status_code


def test_only_a_pooled_connection_that_waited_is_pinged_and_never_on_sqlite(
    app, client, monkeypatch
):
    """A connection given back a moment ago is handed out without a ping (a round trip saved
    on every request under load); one that waited longer than PING_IDLE_SECONDS is pinged.
    SQLite has no server and is never pinged."""
    from app import factory

    pings = []
    with app.app_context():
        dialect = db.engine.dialect
    original = dialect.do_ping
    monkeypatch.setattr(dialect, "do_ping", lambda conn: pings.append(1) or original(conn))
    monkeypatch.setattr(factory, "PING_IDLE_SECONDS", 3600)
    for _ in range(3):
        assert _healthz(client) == 200
    assert pings == []
    monkeypatch.setattr(factory, "PING_IDLE_SECONDS", 0)
    assert _healthz(client) == 200
    assert len(pings) == (0 if dialect.name == "sqlite" else 1)


def test_healthz_discards_a_connection_its_query_failed_on(app, client, monkeypatch):
    """/healthz sends its SELECT 1 to the driver's cursor, past SQLAlchemy's execution (which
    would invalidate a failing connection itself): a connection the query failed on is
    invalidated, never given back to the pool for the next request."""
    from sqlalchemy import event
    from sqlalchemy.pool.base import _ConnectionFairy

    with app.app_context():
        engine = db.engine
        error = engine.dialect.loaded_dbapi.OperationalError

    class FailingCursor:
        def execute(self, statement):
            raise error("server closed the connection unexpectedly")

        def close(self):
            pass

    invalidated = []

    def remember(dbapi_connection, record, exception):
        invalidated.append(dbapi_connection)

    event.listen(engine, "invalidate", remember)
    try:
        assert _healthz(client) == 200
        assert invalidated == []
        with monkeypatch.context() as patch:
            patch.setattr(_ConnectionFairy, "cursor", lambda self, *a, **k: FailingCursor())
            assert _healthz(client) == 503
        assert len(invalidated) == 1
        assert _healthz(client) == 200  # a fresh connection
        assert len(invalidated) == 1
    finally:
        event.remove(engine, "invalidate", remember)


def test_a_connection_the_server_dropped_is_replaced_when_it_is_handed_out(app, monkeypatch):
    """PostgreSQL restarts or drops idle connections: a pooled connection that waited is
    pinged, found dead and replaced, and the request never sees it. (No open application
    context here: each request gives its connection back at its end, as on a server.)"""
    import psycopg
    import pytest

    from app import factory

    with app.app_context():
        if db.engine.dialect.name != "postgresql":
            pytest.skip("SQLite has no server to drop a connection")
        url = db.engine.url.set(drivername="postgresql").render_as_string(hide_password=False)
    client = app.test_client()

    def drop_the_pooled_connection():
        """Terminate the one connection in the app's pool (not those of other engines)."""
        monkeypatch.setattr(factory, "PING_IDLE_SECONDS", 3600)
        with app.app_context(), db.engine.connect() as connection:
            pid = connection.exec_driver_sql("SELECT pg_backend_pid()").scalar()
        with psycopg.connect(url, autocommit=True) as admin:
            admin.execute("SELECT pg_terminate_backend(%s)", (pid,))

    with app.app_context():
        db.engine.dispose()  # the pool starts empty: the next request leaves one connection
    assert client.get("/healthz").status_code == 200  # a connection waits in the pool
    drop_the_pooled_connection()
    monkeypatch.setattr(factory, "PING_IDLE_SECONDS", 0)  # it waited "long enough"
    assert client.get("/healthz").status_code == 200
    # Without the ping (a connection given back a moment ago) the dead one reaches the
    # request: /healthz says so, and the pool opens new connections from then on.
    drop_the_pooled_connection()
    assert client.get("/healthz").status_code == 503
    assert client.get("/healthz").status_code == 200


def _postgresql_only():
    import pytest

    if db.engine.dialect.name != "postgresql":
        pytest.skip("psycopg's prepared statements and their ROLLBACK are PostgreSQL's")


def test_a_request_that_wrote_nothing_keeps_the_prepared_statements(app):
    """psycopg forgets its prepared statements on ROLLBACK: a read-only request ends in
    COMMIT (the app's teardown), so PostgreSQL plans a page's statements once per connection,
    not on every request. Without it, every request's ROLLBACK threw them away."""
    from app.factory import end_read_only_transaction

    assert end_read_only_transaction in app.teardown_request_funcs[None]
    statement = text("SELECT count(*) FROM organisations WHERE name <> :name")

    def prepared_after_requests(end_of_request) -> int:
        with app.app_context():
            db.engine.dispose()  # one connection, used by every "request" below
        for _ in range(7):  # psycopg prepares a statement on its 6th run on a connection
            with app.app_context():
                db.session.execute(statement, {"name": "x"}).scalar()
                end_of_request()
                db.session.remove()  # as Flask-SQLAlchemy's teardown: rolls back what is open
        with app.app_context():
            count = db.session.execute(text("SELECT count(*) FROM pg_prepared_statements"))
            found = count.scalar()
            db.session.remove()
            return found

    with app.app_context():
        _postgresql_only()
    assert prepared_after_requests(lambda: None) == 0
    assert prepared_after_requests(end_read_only_transaction) > 0


def test_a_transaction_that_wrote_is_rolled_back_and_one_that_read_is_committed(ctx):
    from psycopg.pq import TransactionStatus

    from app.factory import end_read_only_transaction

    _postgresql_only()

    def open_transaction() -> bool:
        driver = db.session.connection().connection.driver_connection
        return driver.info.transaction_status != TransactionStatus.IDLE

    org = Organisation(name="Ikke gemt", kind=OrganisationKind.ASSOCIATION)
    db.session.execute(text("SELECT count(*) FROM organisations"))
    end_read_only_transaction()
    assert not open_transaction()  # read only: committed
    db.session.add(Organisation(name="Skrevet", kind=OrganisationKind.ASSOCIATION))
    db.session.flush()  # written, not committed
    end_read_only_transaction()
    assert open_transaction()  # it wrote: left to the rollback
    db.session.rollback()
    db.session.add(org)  # pending, not flushed: left to the rollback too
    db.session.execute(text("SELECT 1"))
    end_read_only_transaction()
    assert open_transaction()
    db.session.rollback()
    names = db.session.execute(text("SELECT name FROM organisations")).scalars().all()
    assert "Skrevet" not in names and "Ikke gemt" not in names
    # A transaction an error left failed (a view caught it and answered 4xx): left alone,
    # and the teardown does not fail.
    with pytest.raises(ProgrammingError):
        db.session.execute(text("SELECT no_such_column FROM organisations"))
    end_read_only_transaction()
    db.session.rollback()
    assert db.session.execute(text("SELECT 1")).scalar() == 1
