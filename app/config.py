"""Configuration: defaults here, then the environment, then the mapping given to create_app."""

import os
import secrets
from pathlib import Path

from app.filemodes import FILE_MODE, make_folder, narrow, write_new_file


def _secret_key(instance_path: Path) -> str:
    """Return SECRET_KEY from the environment, or one generated once into instance/."""
    if os.environ.get("SECRET_KEY"):
        return os.environ["SECRET_KEY"]
    key_file = instance_path / "secret_key"
    if not key_file.exists():
        make_folder(instance_path)
        try:
            write_new_file(key_file, secrets.token_hex(32))  # 0600 from its first byte
        except FileExistsError:  # another worker wrote it first: use theirs
            pass
    narrow(key_file, FILE_MODE)
    return key_file.read_text().strip()


def _database_url(instance_path: Path) -> str:
    url = os.environ.get("DATABASE_URL") or f"sqlite:///{instance_path / 'bygop.sqlite'}"
    # Heroku-style URLs name the old driver; we use psycopg 3.
    if url.startswith("postgres://"):
        url = "postgresql://" + url.removeprefix("postgres://")
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url.removeprefix("postgresql://")
    return url


class Config:
    # No pre-ping on every checkout: app.factory.ping_idle_connections pings the connections
    # that waited in the pool (a round trip saved on every request under load).
    SQLALCHEMY_ENGINE_OPTIONS: dict = {}
    BABEL_DEFAULT_LOCALE = "da"
    BABEL_DEFAULT_TIMEZONE = "Europe/Copenhagen"
    LANGUAGES = ("da", "en")
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    REMEMBER_COOKIE_HTTPONLY = True
    REMEMBER_COOKIE_SAMESITE = "Lax"
    WTF_CSRF_TIME_LIMIT = None  # the token lives as long as the session
    PAGE_SIZE = 50
    # The candidate search counts its matches up to this many (or to the page asked for);
    # beyond, it says "more than N": a count that never reads every match.
    SEARCH_COUNT_CAP = 500
    # Sessions end after this long without a request, and this long after signing in.
    SESSION_IDLE_MINUTES = 30
    SESSION_MAX_HOURS = 12
    # Sensitive notes and exports with candidate data need the password within this long.
    FRESH_MINUTES = 15
    # Failed sign-ins: per email address and per client IP within the window (0 = no limit),
    # then locked for LOGIN_LOCKOUT_MINUTES. Counted in the database, or in Redis if set.
    LOGIN_MAX_FAILURES = 5
    LOGIN_IP_MAX_FAILURES = 20
    LOGIN_FAILURE_WINDOW_MINUTES = 15
    LOGIN_LOCKOUT_MINUTES = 15
    REDIS_URL = None
    # Audit events are deleted by `flask audit prune` after this many days.
    AUDIT_RETENTION_DAYS = 1825
    # Candidates with no activity for this many months are listed for anonymisation.
    GDPR_RETENTION_MONTHS = 24
    # Weeks a running placement may go without a retention conversation (start page).
    RETENTION_WEEKS = 4
    # Conversations before a match that a placement needs.
    MIN_PRE_MATCH = 1
    # Reverse proxies in front of the app (sets the client address from X-Forwarded-For).
    PROXY_HOPS = 0
    # E-mail (app/mail): with no MAIL_SERVER, mail is written to the console log instead.
    MAIL_SERVER = None
    MAIL_PORT = 25
    MAIL_USE_TLS = False
    MAIL_USE_SSL = False
    MAIL_USERNAME = None
    MAIL_PASSWORD = None
    MAIL_DEFAULT_SENDER = "Byg Op <byg-op@localhost>"
    MAIL_TIMEOUT = 20
    # Links in mail: the product's address as users reach it (e.g. https://bygop.example.dk).
    PUBLIC_BASE_URL = None
    # A failed delivery is retried after 1, 2, 4 ... minutes (at most MAIL_MAX_BACKOFF_MINUTES
    # apart), MAIL_MAX_ATTEMPTS times in all; then it stays in the outbox as failed.
    MAIL_MAX_ATTEMPTS = 10
    MAIL_MAX_BACKOFF_MINUTES = 240
    # A set-password link works once, for this many hours.
    SET_PASSWORD_HOURS = 72

    @staticmethod
    def from_environment(instance_path: Path) -> dict:
        secure = os.environ.get("SESSION_COOKIE_SECURE", "") == "1"
        settings = {
            "SECRET_KEY": _secret_key(instance_path),
            "SQLALCHEMY_DATABASE_URI": _database_url(instance_path),
            "SESSION_COOKIE_SECURE": secure,
            "REMEMBER_COOKIE_SECURE": secure,
        }
        for name in INTEGER_SETTINGS:
            if os.environ.get(name):
                settings[name] = int(os.environ[name])
        if os.environ.get("REDIS_URL"):
            settings["REDIS_URL"] = os.environ["REDIS_URL"]
        for name in TEXT_SETTINGS:
            if os.environ.get(name):
                settings[name] = os.environ[name]
        for name in FLAG_SETTINGS:
            if os.environ.get(name):
                settings[name] = os.environ[name].strip().lower() in ("1", "true", "yes", "on")
        return settings


# Settings that may be overridden from the environment.
INTEGER_SETTINGS = (
    "SESSION_IDLE_MINUTES",
    "SESSION_MAX_HOURS",
    "FRESH_MINUTES",
    "LOGIN_MAX_FAILURES",
    "LOGIN_IP_MAX_FAILURES",
    "LOGIN_FAILURE_WINDOW_MINUTES",
    "LOGIN_LOCKOUT_MINUTES",
    "AUDIT_RETENTION_DAYS",
    "GDPR_RETENTION_MONTHS",
    "RETENTION_WEEKS",
    "MIN_PRE_MATCH",
    "PROXY_HOPS",
    "SEARCH_COUNT_CAP",
    "MAIL_PORT",
    "MAIL_TIMEOUT",
    "MAIL_MAX_ATTEMPTS",
    "MAIL_MAX_BACKOFF_MINUTES",
    "SET_PASSWORD_HOURS",
)
TEXT_SETTINGS = (
    "MAIL_SERVER",
    "MAIL_USERNAME",
    "MAIL_PASSWORD",
    "MAIL_DEFAULT_SENDER",
    "PUBLIC_BASE_URL",
)
FLAG_SETTINGS = ("MAIL_USE_TLS", "MAIL_USE_SSL")
