"""Sessions and headers: lockout after failed sign-ins, idle and absolute timeouts, a fresh
password for sensitive actions, password rules, cookie flags and security headers."""

from __future__ import annotations

import time
from datetime import timedelta
from urllib.parse import parse_qs, urlsplit

import pytest
from flask_migrate import upgrade
from sqlalchemy import select, text, update

from app import create_app
from app.audit.models import AuditEvent
from app.auth import sessions
from app.auth.models import LoginFailure
from app.auth.passwords import common_passwords, password_problems
from app.auth.privacy import PERSONAL_DATA_ENDPOINTS
from app.auth.throttle import DatabaseCounter, Limit, RedisCounter
from app.candidates.models import SensitiveNote
from app.extensions import db
from app.models import Role, User, utcnow
from tests.factories import PASSWORD
from tests.querycount import measure

HX = {"HX-Request": "true"}
EMAIL = "karen@bygop.dk"


def _sign_in(client, email, password, next_url=""):
    return client.post("/auth/login", data={"email": email, "password": password, "next": next_url})


def _events(action: str) -> list[AuditEvent]:
    db.session.expire_all()
    return db.session.scalars(
        select(AuditEvent).where(AuditEvent.action == action).order_by(AuditEvent.id)
    ).all()


def _failure_rows() -> list[LoginFailure]:
    db.session.expire_all()
    return db.session.scalars(select(LoginFailure)).all()


def _shift_session(client, **ago_seconds):
    """Move the session's clocks back: _shift_session(client, seen_at=31 * 60)."""
    with client.session_transaction() as session:
        for key, seconds in ago_seconds.items():
            session[key] = int(time.time()) - seconds


@pytest.fixture
def second_app(app, database_url):
    """Another instance of the app (another server) on the same database."""
    other = create_app(
        {
            "TESTING": True,
            "SECRET_KEY": app.config["SECRET_KEY"],
            "SQLALCHEMY_DATABASE_URI": database_url,
            "WTF_CSRF_ENABLED": False,
            "SERVER_NAME": "localhost",
        }
    )
    yield other
    with other.app_context():
        db.session.remove()
        db.engine.dispose()


# --- lockout after failed sign-ins ---------------------------------------------------------------


def test_five_wrong_passwords_lock_the_account_even_for_the_right_one(client, make):
    user = make.user(email=EMAIL)
    statuses = [_sign_in(client, EMAIL, f"wrong {n}").status_code for n in range(5)]
    assert statuses == [401, 401, 401, 401, 429]
    locked = _sign_in(client, EMAIL, PASSWORD)
    assert locked.status_code == 429
    assert 'role="alert"' in locked.get_data(as_text=True)
    assert 14 * 60 <= int(locked.headers["Retry-After"]) <= 15 * 60
    assert client.get("/projects/").status_code == 302  # still signed out
    failed = _events("sign_in_failed")
    assert [e.user_id for e in failed] == [user.id] * 5
    assert [(e.user_id, e.target) for e in _events("sign_in_locked")] == [(user.id, "account")]
    assert _events("sign_in") == []
    # No email, in the log or in the counters.
    assert all("@" not in e.target for e in db.session.scalars(select(AuditEvent)))
    assert all(EMAIL not in row.key and "karen" not in row.key for row in _failure_rows())


def test_an_unknown_email_is_locked_exactly_like_an_existing_one(client, make):
    make.user(email=EMAIL)
    known = [_sign_in(client, EMAIL, "wrong") for _ in range(6)]
    unknown = [_sign_in(client, "nobody@bygop.dk", "wrong") for _ in range(6)]
    assert [r.status_code for r in known] == [r.status_code for r in unknown]
    assert unknown[-1].status_code == 429
    for k, u in zip(known, unknown, strict=True):
        k_html = k.get_data(as_text=True).replace(EMAIL, "X")
        assert k_html == u.get_data(as_text=True).replace("nobody@bygop.dk", "X")
    # The unknown address leaves no user id in the log.
    assert {e.user_id for e in _events("sign_in_failed")[5:]} == {None}


def test_the_lock_ends_after_the_lockout_and_success_clears_the_count(client, make, app):
    make.user(email=EMAIL)
    for _ in range(5):
        _sign_in(client, EMAIL, "wrong")
    assert _sign_in(client, EMAIL, PASSWORD).status_code == 429
    db.session.execute(update(LoginFailure).values(locked_until=utcnow() - timedelta(seconds=1)))
    db.session.commit()
    assert _sign_in(client, EMAIL, PASSWORD).status_code == 303
    assert len(_failure_rows()) == 1  # only the IP's count is left
    client.post("/auth/logout")
    # Four more failures after a success do not lock: the count started again.
    assert [_sign_in(client, EMAIL, "wrong").status_code for _ in range(4)] == [401] * 4


def test_failures_older_than_the_window_are_forgotten(client, make):
    make.user(email=EMAIL)
    for _ in range(4):
        _sign_in(client, EMAIL, "wrong")
    db.session.execute(update(LoginFailure).values(first_at=utcnow() - timedelta(minutes=16)))
    db.session.commit()
    assert _sign_in(client, EMAIL, "wrong").status_code == 401  # a new window: 1 of 5
    assert {row.failures for row in _failure_rows()} == {1}


def test_too_many_failures_from_one_ip_answer_429_for_every_address(client, make, monkeypatch, app):
    monkeypatch.setitem(app.config, "LOGIN_IP_MAX_FAILURES", 3)
    make.user(email=EMAIL)
    statuses = [_sign_in(client, f"guess{n}@bygop.dk", "wrong").status_code for n in range(3)]
    assert statuses == [401, 401, 429]
    assert _sign_in(client, EMAIL, PASSWORD).status_code == 429
    assert [(e.user_id, e.target) for e in _events("sign_in_locked")] == [(None, "address")]
    # Another client address is not affected.
    other = app.test_client()
    response = other.post(
        "/auth/login",
        data={"email": EMAIL, "password": PASSWORD},
        environ_base={"REMOTE_ADDR": "10.0.0.7"},
    )
    assert response.status_code == 303


def test_limits_come_from_the_config_and_zero_switches_one_off(client, make, monkeypatch, app):
    assert app.config["LOGIN_MAX_FAILURES"] == 5
    assert app.config["LOGIN_IP_MAX_FAILURES"] == 20
    assert app.config["LOGIN_LOCKOUT_MINUTES"] == 15
    monkeypatch.setitem(app.config, "LOGIN_MAX_FAILURES", 0)
    monkeypatch.setitem(app.config, "LOGIN_IP_MAX_FAILURES", 0)
    make.user(email=EMAIL)
    assert [_sign_in(client, EMAIL, "wrong").status_code for _ in range(6)] == [401] * 6
    assert _sign_in(client, EMAIL, PASSWORD).status_code == 303


def test_the_lockout_is_shared_between_two_app_instances(client, make, second_app):
    user = make.user(email=EMAIL)
    other = second_app.test_client()
    for _ in range(3):
        assert _sign_in(client, EMAIL, "wrong").status_code == 401
    assert _sign_in(other, EMAIL, "wrong").status_code == 401
    assert _sign_in(other, EMAIL, "wrong").status_code == 429  # the fifth, on the other server
    assert _sign_in(client, EMAIL, PASSWORD).status_code == 429
    assert _sign_in(other, EMAIL, PASSWORD).status_code == 429
    assert [e.user_id for e in _events("sign_in_failed")] == [user.id] * 5


class FakeRedis:
    """Just enough of redis-py for RedisCounter (expiry is not simulated)."""

    def __init__(self):
        self.data, self.ttl = {}, {}

    def set(self, key, value, ex=None, nx=False):
        if nx and key in self.data:
            return None
        self.data[key], self.ttl[key] = value, ex
        return True

    def incr(self, key):
        self.data[key] = int(self.data.get(key, 0)) + 1
        return self.data[key]

    def delete(self, *keys):
        for key in keys:
            self.data.pop(key, None)
            self.ttl.pop(key, None)

    def pttl(self, key):
        return self.ttl[key] * 1000 if key in self.data else -2


@pytest.mark.parametrize("counter", [DatabaseCounter, lambda: RedisCounter(FakeRedis())])
def test_both_counter_stores_lock_at_the_limit_and_clear(ctx, counter):
    store, now = counter(), utcnow()
    limit = Limit(3, timedelta(minutes=15), timedelta(minutes=10))
    assert [store.fail("k", limit, now) for _ in range(3)] == [False, False, True]
    until = store.locked_until(["other", "k"], now)
    assert until is not None and timedelta(minutes=9) < until - now <= timedelta(minutes=10)
    assert store.locked_until(["other"], now) is None
    store.clear("k")
    assert store.locked_until(["k"], now) is None
    assert store.fail("k", limit, now) is False


def test_sign_in_is_logged_with_the_user_id(client, make):
    user = make.user(email=EMAIL)
    assert _sign_in(client, EMAIL, PASSWORD).status_code == 303
    assert [(e.user_id, e.target) for e in _events("sign_in")] == [(user.id, "")]


# --- idle and absolute timeouts -----------------------------------------------------------------


def test_a_fresh_sign_in_starts_the_session_clocks(client, make):
    make.user(email=EMAIL)
    before = int(time.time())
    _sign_in(client, EMAIL, PASSWORD)
    with client.session_transaction() as session:
        for key in (sessions.SIGNED_IN_AT, sessions.SEEN_AT, sessions.AUTH_AT):
            assert before <= session[key] <= int(time.time())


def test_an_idle_session_is_signed_out_with_a_message(client, make, login):
    login(make.user())
    _shift_session(client, seen_at=31 * 60)
    response = client.get("/projects/?phase=tender")
    assert response.status_code == 302
    location = urlsplit(response.headers["Location"])
    assert location.path == "/auth/login"
    assert parse_qs(location.query)["next"] == ["/projects/?phase=tender"]
    with client.session_transaction() as session:
        assert "_user_id" not in session and sessions.SIGNED_IN_AT not in session
        assert session["_flashes"][0][0] == "info"
    assert client.get("/projects/").status_code == 302  # stays signed out


def test_activity_keeps_the_session_alive(client, make, login):
    login(make.user())
    _shift_session(client, seen_at=29 * 60)
    assert client.get("/projects/").status_code == 200
    with client.session_transaction() as session:
        assert int(time.time()) - session[sessions.SEEN_AT] < 5  # seen again just now


def test_a_public_route_keeps_the_clocks_without_loading_the_user(client, make, login):
    """/healthz and the other public routes read the session's clocks from the cookie alone:
    no statement loads the user, and an idle session still ends there. (The health check's
    own SELECT 1 goes to the driver's cursor, past SQLAlchemy, so nothing is seen here;
    tests/test_core.py shows it is asked and its failure answered.)"""
    login(make.user())
    seen, response = measure(client, "/healthz")
    assert seen.sql == [], str(seen)
    assert response.get_json() == {"status": "ok", "database": "ok"}
    _shift_session(client, seen_at=2 * 60)
    client.get("/healthz")
    with client.session_transaction() as session:
        assert int(time.time()) - session[sessions.SEEN_AT] < 5  # seen again just now
    _shift_session(client, seen_at=31 * 60)
    assert client.get("/healthz").status_code == 302
    with client.session_transaction() as session:
        assert "_user_id" not in session
    assert client.get("/projects/").status_code == 302  # signed out everywhere


def test_a_disabled_users_session_opens_no_page_even_after_a_public_route(client, make, login):
    user = make.user()
    login(user)
    assert client.get("/healthz").status_code == 200
    db.session.execute(update(User).where(User.id == user.id).values(active=False))
    db.session.commit()
    assert client.get("/healthz").status_code == 200  # public: the user is not read here
    response = client.get("/projects/")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/auth/login")


def test_the_session_ends_after_the_absolute_limit_even_when_active(client, make, login):
    login(make.user())
    _shift_session(client, signed_in_at=12 * 3600 + 60, seen_at=10)
    response = client.get("/projects/")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/auth/login")
    assert client.get("/projects/").status_code == 302


def test_timeouts_come_from_the_config(client, make, login, monkeypatch, app):
    assert (app.config["SESSION_IDLE_MINUTES"], app.config["SESSION_MAX_HOURS"]) == (30, 12)
    monkeypatch.setitem(app.config, "SESSION_IDLE_MINUTES", 5)
    login(make.user())
    _shift_session(client, seen_at=6 * 60)
    assert client.get("/projects/").status_code == 302


def test_a_session_without_the_clocks_starts_them_but_is_not_fresh(client, make, person):
    user = make.user(Role.COORDINATOR)
    with client.session_transaction() as session:
        session["_user_id"] = user.get_id()  # as made before the clocks existed
    assert client.get("/projects/").status_code == 200
    with client.session_transaction() as session:
        assert int(time.time()) - session[sessions.SIGNED_IN_AT] < 5
        assert sessions.AUTH_AT not in session
    assert client.post(f"/candidates/{person.id}/sensitive").status_code == 303


def test_the_migration_signs_everyone_out_once(tmp_path):
    # Sessions from before the clocks cannot be told apart from new ones, so the migration
    # that introduced them bumps every session version.
    fresh = create_app(
        {"TESTING": True, "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'm.sqlite'}"}
    )
    with fresh.app_context():
        upgrade(revision="ece63e1502f8")  # the revision before login_failures
        db.session.execute(
            text(
                "INSERT INTO users (email, name, password_hash, role, active, session_version,"
                " created_at) VALUES ('a@b.dk', 'A', 'x', 'coordinator', 1, 3, '2026-01-01')"
            )
        )
        db.session.commit()
        upgrade(revision="27723f87f24e")
        assert db.session.scalar(text("SELECT session_version FROM users")) == 4
        db.session.remove()
        db.engine.dispose()


# --- a fresh password for sensitive actions ----------------------------------------------------


@pytest.fixture
def person(make):
    person = make.resident("Mads", "Holm", area=None)
    make.sensitive_note(person, "CANARY-helbred-42")
    return person


def test_opening_sensitive_notes_with_a_stale_password_asks_for_it_again(
    client, make, login, person
):
    coordinator = login(make.user(Role.COORDINATOR, email=EMAIL))
    _shift_session(client, auth_at=16 * 60)
    page = f"/candidates/{person.id}"
    stale = client.post(f"{page}/sensitive", headers={"Referer": f"http://localhost{page}"})
    assert stale.status_code == 303
    location = urlsplit(stale.headers["Location"])
    assert location.path == "/auth/confirm"
    assert parse_qs(location.query)["next"] == [page]
    assert _events("open_sensitive_notes") == []  # nothing was opened

    form = client.get(stale.headers["Location"])
    assert form.status_code == 200
    assert coordinator.email in form.get_data(as_text=True)
    wrong = client.post("/auth/confirm", data={"password": "wrong", "next": page})
    assert wrong.status_code == 401
    assert [(e.user_id, e.target) for e in _events("sign_in_failed")] == [
        (coordinator.id, "confirm")
    ]
    confirmed = client.post("/auth/confirm", data={"password": PASSWORD, "next": page})
    assert confirmed.status_code == 303 and confirmed.headers["Location"] == page
    assert [e.user_id for e in _events("password_confirmed")] == [coordinator.id]

    opened = client.post(f"{page}/sensitive", headers=HX)
    assert opened.status_code == 200
    assert "CANARY-helbred-42" in opened.get_data(as_text=True)
    assert len(_events("open_sensitive_notes")) == 1


def test_a_stale_htmx_request_gets_hx_redirect_to_confirm(client, make, login, person):
    login(make.user(Role.COORDINATOR))
    _shift_session(client, auth_at=16 * 60)
    page = f"/candidates/{person.id}"
    response = client.post(
        f"{page}/sensitive/notes",
        data={"text": "Ny note"},
        headers={**HX, "HX-Current-URL": f"http://localhost{page}"},
    )
    assert response.status_code == 204
    location = urlsplit(response.headers["HX-Redirect"])
    assert location.path == "/auth/confirm"
    assert parse_qs(location.query)["next"] == [page]
    assert db.session.scalars(select(SensitiveNote.text)).all() == ["CANARY-helbred-42"]


def test_a_fresh_password_lets_sensitive_actions_through(client, make, login, person):
    login(make.user(Role.COORDINATOR))
    _shift_session(client, auth_at=14 * 60)
    added = client.post(
        f"/candidates/{person.id}/sensitive/notes", data={"text": "Ny note"}, headers=HX
    )
    assert added.status_code == 200
    assert "Ny note" in db.session.scalars(select(SensitiveNote.text)).all()


EXPORTS = [
    "/projects/{id}/report.docx",
    "/projects/{id}/report.xlsx",
    "/reports/placements.csv",
    "/reports/portfolio.xlsx",
    "/reports/aarsvaerk.xlsx",
]


@pytest.mark.parametrize("url", EXPORTS)
def test_exports_with_candidate_data_need_a_fresh_password_then_download(client, make, login, url):
    login(make.user(Role.COORDINATOR))
    url = url.format(id=make.project().id)
    _shift_session(client, auth_at=16 * 60)
    stale = client.get(url)
    assert stale.status_code == 303
    assert "Content-Disposition" not in stale.headers
    location = urlsplit(stale.headers["Location"])
    assert location.path == "/auth/confirm"
    next_url = parse_qs(location.query)["next"][0]
    assert next_url == url
    confirmed = client.post("/auth/confirm", data={"password": PASSWORD, "next": next_url})
    assert confirmed.headers["Location"] == url  # straight back to the download
    download = client.get(url)
    assert download.status_code == 200
    assert download.headers["Content-Disposition"].startswith("attachment")


def test_freshness_comes_from_the_config(client, make, login, monkeypatch, app, person):
    assert app.config["FRESH_MINUTES"] == 15
    monkeypatch.setitem(app.config, "FRESH_MINUTES", 60)
    login(make.user(Role.COORDINATOR))
    _shift_session(client, auth_at=30 * 60)
    assert client.post(f"/candidates/{person.id}/sensitive", headers=HX).status_code == 200


def test_confirming_the_password_is_rate_limited_too(client, make, login):
    login(make.user(email=EMAIL))
    statuses = [
        client.post("/auth/confirm", data={"password": "wrong"}).status_code for _ in range(5)
    ]
    assert statuses == [401, 401, 401, 401, 429]
    assert client.post("/auth/confirm", data={"password": PASSWORD}).status_code == 429


def test_confirm_needs_a_signed_in_user(client):
    response = client.get("/auth/confirm?next=/candidates/")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/auth/login")


def test_an_empty_confirm_form_answers_422(client, make, login):
    login(make.user())
    assert client.post("/auth/confirm", data={}).status_code == 422


# --- password rules ----------------------------------------------------------------------------


def test_the_common_password_list_has_thousands_including_danish_ones():
    words = common_passwords()
    assert len(words) > 3000
    for word in ("sommer2024", "password1234", "qwertyuiop", "123456789012", "velkommen2025"):
        assert word in words


@pytest.mark.parametrize(
    ("password", "ok"),
    [
        ("sommer2024", False),
        ("Sommer2024", False),  # case does not help
        ("QWERTYUIOP", False),
        ("short", False),
        ("karen@bygop.dk", False),
        ("KAREN@bygop.dk", False),
        ("karen.jensen", True),
        ("a much longer passphrase", True),
    ],
)
def test_password_rules(password, ok):
    assert (password_problems(password, "Karen@BygOp.dk") == []) is ok


def _change(client, new):
    return client.post(
        "/auth/password",
        data={"current_password": PASSWORD, "new_password": new, "repeat_password": new},
    )


@pytest.mark.parametrize("new", ["sommer2024", "password1234", EMAIL])
def test_a_common_or_obvious_password_is_refused_on_change(client, make, login, new):
    login(make.user(email=EMAIL))
    response = _change(client, new)
    assert response.status_code == 422
    assert 'aria-invalid="true"' in response.get_data(as_text=True)
    assert _events("password_changed") == []


def test_a_password_change_is_logged_and_refreshes_the_password_clock(client, make, login):
    user = login(make.user(email=EMAIL))
    _shift_session(client, auth_at=60 * 60)
    assert _change(client, "a much longer passphrase").status_code == 303
    assert [e.user_id for e in _events("password_changed")] == [user.id]
    with client.session_transaction() as session:
        assert int(time.time()) - session[sessions.AUTH_AT] < 5


def test_guessing_the_current_password_on_the_change_form_is_rate_limited(client, make, login):
    login(make.user(email=EMAIL))
    wrong = {"current_password": "wrong", "new_password": "x" * 12, "repeat_password": "x" * 12}
    statuses = [client.post("/auth/password", data=wrong).status_code for _ in range(5)]
    assert statuses == [422, 422, 422, 422, 429]
    assert _change(client, "a much longer passphrase").status_code == 429


@pytest.mark.parametrize(
    ("password", "created"),
    [("sommer2024", False), ("short", False), ("ny@bygop.dk", False), ("lang og sikker", True)],
)
def test_the_cli_applies_the_password_rules(app, ctx, password, created):
    result = app.test_cli_runner().invoke(
        args=["users", "create", "--email", "ny@bygop.dk", "--role", "coordinator"]
        + ["--password", password]
    )
    assert (result.exit_code == 0) is created, result.output
    db.session.expire_all()
    exists = db.session.scalar(select(User.id).where(User.email == "ny@bygop.dk")) is not None
    assert exists is created


# --- cookies and headers -----------------------------------------------------------------------


def _session_cookie(response) -> str:
    return next(c for c in response.headers.getlist("Set-Cookie") if c.startswith("session="))


def test_the_session_cookie_is_httponly_and_samesite_lax(client, make):
    make.user(email=EMAIL)
    cookie = _session_cookie(_sign_in(client, EMAIL, PASSWORD))
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie
    assert "Secure" not in cookie  # SESSION_COOKIE_SECURE is off in tests


def test_the_session_cookie_is_secure_when_configured(second_app, make):
    second_app.config["SESSION_COOKIE_SECURE"] = True
    make.user(email=EMAIL)
    cookie = _session_cookie(_sign_in(second_app.test_client(), EMAIL, PASSWORD))
    assert "Secure" in cookie and "HttpOnly" in cookie and "SameSite=Lax" in cookie


@pytest.mark.parametrize(("value", "secure"), [("1", True), ("", False)])
def test_session_cookie_secure_sets_the_remember_cookie_alike(monkeypatch, tmp_path, value, secure):
    monkeypatch.setenv("SESSION_COOKIE_SECURE", value)
    monkeypatch.setenv("SECRET_KEY", "x")
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'unused.sqlite'}")
    config = create_app().config
    assert config["SESSION_COOKIE_SECURE"] is secure
    assert config["REMEMBER_COOKIE_SECURE"] is secure
    assert config["REMEMBER_COOKIE_HTTPONLY"] is True


@pytest.mark.parametrize(
    "url", ["/candidates/{id}", "/candidates/", "/imports/", "/reports/", "/placements/openings"]
)
def test_pages_with_personal_data_are_not_stored_nor_kept_in_htmx_history(
    client, make, login, person, url
):
    login(make.user(Role.COORDINATOR))
    response = client.get(url.format(id=person.id))
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-store"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] == "same-origin"
    csp = response.headers["Content-Security-Policy"]
    assert "frame-ancestors 'none'" in csp and "script-src 'self'" in csp
    assert "unsafe-inline" not in csp
    assert 'hx-history="false"' in response.get_data(as_text=True)


def test_pages_without_personal_data_may_be_cached_and_kept_in_history(client, make, login):
    assert "no-store" not in client.get("/healthz").headers.get("Cache-Control", "")
    login(make.user(Role.COORDINATOR))
    response = client.get("/projects/")
    assert "no-store" not in response.headers.get("Cache-Control", "")
    assert "hx-history" not in response.get_data(as_text=True)
    assert response.headers["X-Content-Type-Options"] == "nosniff"


def test_every_endpoint_named_as_holding_personal_data_exists(app):
    assert PERSONAL_DATA_ENDPOINTS <= set(app.view_functions)


@pytest.mark.parametrize("kind", ["json", "docx"])
def test_the_gdpr_export_needs_a_fresh_password(client, make, login, person, kind):
    login(make.user(Role.COORDINATOR))
    url = f"/gdpr/candidates/{person.id}/export.{kind}"
    _shift_session(client, auth_at=16 * 60)
    stale = client.get(url)
    assert stale.status_code == 303
    assert urlsplit(stale.headers["Location"]).path == "/auth/confirm"
    client.post("/auth/confirm", data={"password": PASSWORD, "next": url})
    assert client.get(url).headers["Content-Disposition"].startswith("attachment")
