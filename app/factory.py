"""The application factory: the one place that imports the blueprints and the views."""

from __future__ import annotations

import importlib
import logging
import time
from functools import cached_property
from pathlib import Path

from babel import Locale
from flask import Flask, has_request_context, request, session
from flask.sessions import SecureCookieSessionInterface
from sqlalchemy import event
from sqlalchemy.engine import Engine
from sqlalchemy.exc import DisconnectionError

from app.config import Config
from app.extensions import babel, csrf, db, htmx, include_object, login_manager, migrate
from app.filemodes import make_folder, prepare_sqlite_file, sqlite_database_path
from app.search import register_sqlite

MIGRATIONS_DIR = str(Path(__file__).parent / "migrations")

# Every feature package, in registration order. A package's __init__ stays empty: its blueprint
# lives in `blueprint.py` and its routes in its view modules, which only this factory imports,
# so that importing a domain module (app.placements.counting) loads no Flask and no views.
BLUEPRINTS = (
    "core",
    "auth",
    "projects",
    "admin",
    "agreements",
    "meetings",
    "openings",
    "candidates",
    "placements",
    "reports",
    "imports",
    "gdpr",
    "audit",
    "mail",
)
MODEL_MODULES = (
    "app.models",
    "app.auth.models",
    "app.audit.models",
    "app.agreements.models",
    "app.meetings.models",
    "app.openings.models",
    "app.candidates.models",
    "app.placements.models",
    "app.reports.models",
    "app.mail.models",
)
VIEW_MODULES = (
    "app.core.views",
    "app.auth.views",
    "app.auth.reset_views",
    "app.projects.views",
    "app.projects.award_views",
    "app.projects.progress_json_views",
    "app.admin.views",
    "app.agreements.views",
    "app.agreements.redline_views",
    "app.agreements.comment_views",
    "app.meetings.kickoff_views",
    "app.meetings.monthly_views",
    "app.openings.views",
    "app.candidates.views",
    "app.placements.views",
    "app.placements.progress_views",
    "app.reports.views",
    "app.imports.views",
    "app.gdpr.views",
    "app.audit.views",
    "app.mail.views",
    "app.legacy_views",
)


# Parsed once: Flask-Babel takes a Locale as it is, where a string is parsed on every request.
LOCALES = {"da": Locale.parse("da"), "en": Locale.parse("en")}
# The same on every response (setdefault: a view may set its own).
SECURITY_HEADERS = (
    ("X-Content-Type-Options", "nosniff"),
    ("X-Frame-Options", "DENY"),
    ("Referrer-Policy", "same-origin"),
    (
        "Content-Security-Policy",
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
        "frame-ancestors 'none'; form-action 'self'; base-uri 'self'",
    ),
)


def request_language() -> str:
    """The request's language code: Danish unless the user chose English with the language
    switch."""
    lang = session.get("lang")
    return lang if isinstance(lang, str) and lang in LOCALES else "da"


def select_locale() -> Locale:
    """Flask-Babel's locale: the request's language; Danish in the CLI and background work."""
    return LOCALES[request_language()] if has_request_context() else LOCALES["da"]


class SessionInterface(SecureCookieSessionInterface):
    """Flask's signed cookie session, with its serializer built once per key instead of on
    every request (the same key, salt, digest and fallback keys: the same cookies)."""

    def get_signing_serializer(self, app: Flask):
        key = (app.secret_key, tuple(app.config.get("SECRET_KEY_FALLBACKS") or ()))
        cached = getattr(self, "_serializer", None)
        if cached is None or cached[0] != key:
            cached = self._serializer = (key, super().get_signing_serializer(app))
        return cached[1]


class App(Flask):
    """Flask, with its check of whether a hook or view is a coroutine function made once per
    function: Flask asks `inspect` for each of a dozen hooks on every request, and the answer
    never changes."""

    def ensure_sync(self, func):
        try:
            return self._sync_functions[func]
        except KeyError:
            made = self._sync_functions[func] = super().ensure_sync(func)
            return made
        except TypeError:  # not hashable: asked every time
            return super().ensure_sync(func)

    @cached_property
    def _sync_functions(self) -> dict:
        return {}


def create_app(config: dict | None = None, instance_path: str | None = None) -> Flask:
    """Create and configure the app: Config defaults, then the environment, then `config`."""
    app = App(
        "app",  # the package's name: the app's name, logger and instance folder
        instance_path=instance_path,
        instance_relative_config=True,
        template_folder="../templates",
        static_folder="../static",
    )
    app.config.from_object(Config)
    app.config.update(Config.from_environment(Path(app.instance_path)))
    if config:
        app.config.update(config)
    # Personal data and the session key: the instance folder 0700, the files in it 0600.
    make_folder(Path(app.instance_path))
    if database := sqlite_database_path(app.config["SQLALCHEMY_DATABASE_URI"]):
        prepare_sqlite_file(database)

    if app.config["PROXY_HOPS"]:
        # Behind a reverse proxy: trust its X-Forwarded-For/-Proto, so the login limits count
        # real client addresses and cookies know the request came over HTTPS.
        from werkzeug.middleware.proxy_fix import ProxyFix

        hops = app.config["PROXY_HOPS"]
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops)

    app.session_interface = SessionInterface()
    db.init_app(app)
    with app.app_context():
        for engine in db.engines.values():
            ping_idle_connections(engine)
    app.teardown_request(end_read_only_transaction)
    migrate.init_app(
        app,
        db,
        directory=MIGRATIONS_DIR,
        render_as_batch=True,
        compare_type=True,
        include_object=include_object,
    )
    login_manager.init_app(app)
    csrf.init_app(app)
    htmx.init_app(app)
    babel.init_app(app, locale_selector=select_locale)
    logging.getLogger("app").setLevel(logging.INFO)

    from app import access, backup, cli, errors, hooks, templating
    from app.agreements import cli as agreements_cli
    from app.agreements import service as agreements_service
    from app.audit import cli as audit_cli
    from app.auth import blueprint as auth
    from app.auth.privacy import forbid_storing
    from app.gdpr import cli as gdpr_cli
    from app.imports import cli as imports_cli
    from app.mail import cli as mail_cli
    from app.mail import outbox as mail_outbox
    from app.meetings import kickoff as kickoff_service
    from app.placements import cli as placements_cli

    for module in MODEL_MODULES + VIEW_MODULES:
        importlib.import_module(module)
    hooks.init_app(app)  # the ORM event listeners, all of them (app/hooks.py)

    app.before_request(access.enforce_access)
    app.before_request(access.refuse_impossible_ids)
    app.before_request(access.refuse_nul_bytes)
    auth.init_app(app)
    templating.init_app(app)
    errors.init_app(app)
    cli.init_app(app)
    backup.init_app(app)
    agreements_cli.init_app(app)
    imports_cli.init_app(app)
    gdpr_cli.init_app(app)
    placements_cli.init_app(app)
    audit_cli.init_app(app)
    agreements_service.init_app(app)
    kickoff_service.init_app(app)
    mail_outbox.init_app(app)
    mail_cli.init_app(app)
    for name in BLUEPRINTS:
        app.register_blueprint(importlib.import_module(f"app.{name}.blueprint").bp)
    # Last: the old addresses of a project's parts redirect to the new ones (for one release).
    app.register_blueprint(importlib.import_module("app.legacy_views").bp)

    @app.after_request
    def security_headers(response):
        headers = response.headers
        # Added where a view did not set its own (as setdefault would, with one pass over the
        # header list: this runs on every answer).
        present = {name.lower() for name, _value in headers}
        headers.extend(
            [(name, value) for name, value in SECURITY_HEADERS if name.lower() not in present]
        )
        # The language the page was rendered in (select_locale's), without Flask-Babel's
        # context lookups and the Locale's string.
        headers["Content-Language"] = request_language()
        forbid_storing(response)  # Cache-Control: no-store on pages with personal data
        if request.endpoint != "static":
            if "vary" in present:
                response.vary.add("Cookie")
            else:
                headers["Vary"] = "Cookie"
        return response

    return app


# A pooled connection that waited longer than this is pinged before it is handed out.
PING_IDLE_SECONDS = 1.0
_CHECKED_IN = "bygop_checked_in"  # in the pool's record: (id of the DBAPI connection, when)


def ping_idle_connections(engine) -> None:
    """A database server may drop a pooled connection (a restart, an idle timeout, a
    firewall): such a connection is pinged when it is checked out, and replaced if the ping
    fails, so the request gets a working one. Only one that waited in the pool longer than
    PING_IDLE_SECONDS is pinged: one given back a moment ago (under load, all of them) was
    working then, and a ping is a round trip on every request (HikariCP's "alive bypass
    window" does the same, with 500 ms). A new connection needs no ping. SQLite has no server:
    nothing is pinged there."""
    if engine.dialect.name == "sqlite":
        return
    dialect = engine.dialect

    def checked_in(dbapi_connection, record):
        record.info[_CHECKED_IN] = (id(dbapi_connection), time.monotonic())

    def checkout(dbapi_connection, record, _proxy):
        last = record.info.get(_CHECKED_IN)
        if last is None or last[0] != id(dbapi_connection):  # a new connection
            return
        if time.monotonic() - last[1] < PING_IDLE_SECONDS:
            return
        try:
            dialect.do_ping(dbapi_connection)
        except Exception as error:  # whatever went wrong, this connection is not usable
            raise DisconnectionError(f"the pooled connection failed its ping: {error}") from error

    event.listen(engine, "checkin", checked_in)
    event.listen(engine, "checkout", checkout)


def end_read_only_transaction(_error=None) -> None:
    """PostgreSQL, at the end of a request: a transaction that wrote nothing is committed
    rather than rolled back. psycopg forgets every prepared statement on ROLLBACK, so with
    each request ending in one, no statement was ever prepared, and PostgreSQL planned every
    statement of every request anew (the inbox: 8-20 ms of planning on each start page). A
    COMMIT of a transaction that wrote nothing ends it as a ROLLBACK would. What wrote is
    asked of the database itself (`txid_current_if_assigned()` is NULL until a transaction
    writes or locks a row, COPY included), and a session with changes not yet flushed, or a
    request that failed, is left to the rollback as before."""
    session = db.session()  # the request's own Session (the registry does not proxy all)
    if _error is not None or not session.in_transaction():
        return
    if session.get_bind().dialect.name != "postgresql":
        return
    if session.new or session.dirty or session.deleted:
        return
    # On the driver's connection, under SQLAlchemy: the session's own rollback, which follows
    # in Flask-SQLAlchemy's teardown, then finds no transaction and sends nothing. Like the
    # pool's reset, neither statement is one of the page's (tests/querycount.py).
    from psycopg.pq import TransactionStatus

    driver = session.connection().connection.driver_connection
    if driver.info.transaction_status != TransactionStatus.INTRANS:  # failed, or none open
        return
    try:
        with driver.cursor() as cursor:
            cursor.execute("SELECT txid_current_if_assigned()")
            wrote = cursor.fetchone()[0] is not None
        if not wrote:
            driver.commit()
    except Exception:  # noqa: BLE001 - a teardown never fails the answer: left to the rollback
        logging.getLogger("app").warning("Could not end a read-only transaction", exc_info=True)


# Connection settings, not data rules (app/hooks.py holds the ORM listeners).
@event.listens_for(Engine, "connect")
def _sqlite_pragmas(dbapi_connection, connection_record):
    """SQLite: WAL for concurrent readers, a busy timeout instead of 'database is locked', and
    secure_delete, so deleted and overwritten values are zeroed in the file, not left in its
    free space (GDPR erasure). On every connection: these settings do not persist.

    The page cache stays at SQLite's default (2 MiB). A 16 MiB one made a rare name's lookup
    at national scale faster on a connection alone (6.7-11.0 -> 3.2-7.4 ms) but slower when
    another connection wrote between two lookups (8.1-12.0 -> 10.2-15.8 ms), in each of seven
    runs: in WAL mode a connection drops its whole cache when the database changed since its
    last read, and here every search and view writes an audit row (bench/RESULTS.md, 3
    December, third session)."""
    import sqlite3

    if isinstance(dbapi_connection, sqlite3.Connection):
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA secure_delete=ON")
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA busy_timeout=5000")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.close()
        register_sqlite(dbapi_connection)  # the search's Unicode-aware fold (app.search)


@event.listens_for(Engine, "do_execute")
def _plan_for_the_values(cursor, statement, parameters, context):
    """psycopg prepares a statement run 5 times on a connection, and PostgreSQL may then plan
    it once for any parameters. A statement with the execution option `plan_for_values=True`
    is never prepared, so it is planned for its values (the candidate search: the best plan
    for "%b%" is not the best for "%mette%")."""
    if context.execution_options.get("plan_for_values") and context.dialect.driver == "psycopg":
        cursor.execute(statement, parameters, prepare=False)
        return True
    return None
