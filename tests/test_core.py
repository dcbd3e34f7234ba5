"""Start page, health check, language switch, error pages and formats."""

from datetime import date

from sqlalchemy.exc import OperationalError

from app.extensions import db
from app.models import Phase, Role


def test_healthz_reports_ok_when_the_database_answers(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.get_json() == {"status": "ok", "database": "ok"}


def test_healthz_answers_503_when_the_database_does_not(client, monkeypatch):
    def broken(*args, **kwargs):
        raise OperationalError("SELECT 1", {}, Exception("connection refused"))

    monkeypatch.setattr(db.session, "connection", broken)
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


def test_connections_to_a_database_server_are_pinged_before_use_and_sqlites_are_not(app, tmp_path):
    """A server may drop a pooled connection (a restart, a timeout): the pool pings it on
    checkout and opens a new one instead of failing the request. SQLite has no server, and the
    ping would be a wasted statement on every request."""
    from app import create_app

    server = create_app(
        {"TESTING": True, "SQLALCHEMY_DATABASE_URI": "postgresql+psycopg://nobody@127.0.0.1/none"},
        instance_path=str(tmp_path / "pg"),
    )
    assert server.config["SQLALCHEMY_ENGINE_OPTIONS"]["pool_pre_ping"] is True
    sqlite = create_app(
        {"TESTING": True, "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'x.sqlite'}"},
        instance_path=str(tmp_path / "lite"),
    )
    assert "pool_pre_ping" not in sqlite.config["SQLALCHEMY_ENGINE_OPTIONS"]
    with app.app_context():
        assert db.engine.pool._pre_ping is (db.engine.dialect.name != "sqlite")
