"""Byg Op intranet: the application factory."""

from __future__ import annotations

import logging
from pathlib import Path

from flask import Flask, has_request_context, request, session
from flask_babel import get_locale
from sqlalchemy import event
from sqlalchemy.engine import Engine

from app.config import Config
from app.extensions import babel, csrf, db, htmx, include_object, login_manager, migrate
from app.filemodes import make_folder, prepare_sqlite_file, sqlite_database_path

MIGRATIONS_DIR = str(Path(__file__).parent / "migrations")


def select_locale() -> str:
    """Danish unless the user chose English with the language switch."""
    if not has_request_context():  # the CLI and background work speak Danish
        return "da"
    lang = session.get("lang")
    if lang in ("da", "en"):
        return lang
    return "da"


def create_app(config: dict | None = None, instance_path: str | None = None) -> Flask:
    """Create and configure the app: Config defaults, then the environment, then `config`."""
    app = Flask(
        __name__,
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

    db.init_app(app)
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
    logging.getLogger(__name__).setLevel(logging.INFO)

    from app import (
        access,
        admin,
        agreements,
        audit,
        auth,
        backup,
        candidates,
        cli,
        core,
        errors,
        gdpr,
        imports,
        meetings,
        openings,
        placements,
        projects,
        reports,
        templating,
    )
    from app.agreements import cli as agreements_cli
    from app.agreements import service as agreements_service
    from app.audit import cli as audit_cli
    from app.audit import models as _audit_models  # noqa: F401
    from app.auth.privacy import forbid_storing
    from app.gdpr import cli as gdpr_cli
    from app.imports import cli as imports_cli
    from app.meetings import kickoff as kickoff_service
    from app.placements import cli as placements_cli

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
    app.register_blueprint(core.bp)
    app.register_blueprint(auth.bp)
    app.register_blueprint(projects.bp)
    app.register_blueprint(admin.bp)
    app.register_blueprint(agreements.bp)
    app.register_blueprint(meetings.bp)
    app.register_blueprint(openings.bp)
    app.register_blueprint(candidates.bp)
    app.register_blueprint(placements.bp)
    app.register_blueprint(reports.bp)
    app.register_blueprint(imports.bp)
    app.register_blueprint(gdpr.bp)
    app.register_blueprint(audit.bp)

    @app.after_request
    def security_headers(response):
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("X-Frame-Options", "DENY")
        response.headers.setdefault("Referrer-Policy", "same-origin")
        response.headers.setdefault(
            "Content-Security-Policy",
            "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
            "frame-ancestors 'none'; form-action 'self'; base-uri 'self'",
        )
        response.headers["Content-Language"] = str(get_locale() or "da")
        forbid_storing(response)  # Cache-Control: no-store on pages with personal data
        if request.endpoint != "static":
            response.vary.add("Cookie")
        return response

    return app


@event.listens_for(Engine, "connect")
def _sqlite_pragmas(dbapi_connection, connection_record):
    """SQLite: WAL for concurrent readers, a busy timeout instead of 'database is locked', and
    secure_delete, so deleted and overwritten values are zeroed in the file, not left in its
    free space (GDPR erasure). On every connection: these settings do not persist."""
    import sqlite3

    if isinstance(dbapi_connection, sqlite3.Connection):
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA secure_delete=ON")
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA busy_timeout=5000")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.close()


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
