from flask import current_app, g, jsonify, redirect, request, session, url_for
from flask_login import current_user
from jinja2_fragments.flask import render_block
from markupsafe import Markup

from app.access import public, signed_in, staff_only
from app.auth.urls import safe_next
from app.clock import local_today
from app.core import dashboard, inbox
from app.core.blueprint import bp
from app.extensions import db
from app.models import Phase, Rung, utcnow
from app.openings.models import JobFunction
from app.web import render


@bp.route("/")
@signed_in
def home():
    """Show the user's projects counted by phase, with the newest first. For coordinators the
    page also holds the sections of what needs attention today, each loaded by htmx from its
    own route below (so each answers in a few queries, and they load side by side). A browser
    without JavaScript is sent (a <noscript> refresh) to `?js=off`, where the server renders
    the sections into the page itself."""
    counts, recent = dashboard.phase_counts_and_recent(current_user)
    waiting = inbox.inbox(
        db.session, inbox.Reader.of(current_user), local_today(), utcnow(), **_inbox_settings()
    )
    g.inbox_total = waiting.total  # the navigation's count, without asking again
    inline = {}
    if current_user.is_staff and request.args.get("js") == "off":
        inline = {name: Markup(_section_html(name)) for name, _ in dashboard.SECTIONS}
    return render(
        "core/home.html",
        counts=counts,
        waiting=waiting,
        window_days=inbox.WINDOW_DAYS,
        JobFunction=JobFunction,
        Rung=Rung,
        phases=list(Phase),
        recent=recent,
        sections=dashboard.SECTIONS,
        meeting_days=dashboard.MEETING_DAYS,
        inline_sections=inline,
    )


def _inbox_settings() -> dict:
    weeks = current_app.config.get("RETENTION_WEEKS", dashboard.DEFAULT_RETENTION_WEEKS)
    return {"retention_weeks": weeks}


def inbox_total() -> int:
    """How many items wait for the signed-in user (the navigation's badge): one statement,
    asked at most once per request, and not at all when the start page counted them."""
    if "inbox_total" not in g:
        g.inbox_total = inbox.total(
            db.session,
            inbox.Reader.of(current_user),
            local_today(),
            utcnow(),
            tag=inbox.BADGE_TAG,
            **_inbox_settings(),
        )
    return g.inbox_total


@bp.teardown_app_request
def _forget_inbox_total(exc):
    # `g` lives as long as the application context: per request on a server, but a test (or
    # a CLI command) may hold one context over many requests.
    g.pop("inbox_total", None)


@bp.app_context_processor
def inject_inbox_total():
    """`inbox_total()` for base.html: called only where the navigation is drawn (a whole
    page for a signed-in user), so an htmx fragment or a file download costs nothing."""
    return {"inbox_total": inbox_total}


def _section_data(name: str) -> tuple[list, dict]:
    """The rows of one start-page section and what else its template needs."""
    if name == "active":
        return dashboard.active_projects(current_user, local_today()), {}
    if name == "retention":
        weeks = current_app.config.get("RETENTION_WEEKS", dashboard.DEFAULT_RETENTION_WEEKS)
        return dashboard.retention_due(local_today(), weeks), {"retention_weeks": weeks}
    if name == "meetings":
        return dashboard.upcoming_meetings(utcnow()), {"meeting_days": dashboard.MEETING_DAYS}
    return dashboard.open_openings(), {"JobFunction": JobFunction}


def _section_context(name: str) -> dict:
    rows, context = _section_data(name)
    limit = dashboard.SECTION_LIMIT
    return {"section": name, "rows": rows[:limit], "more": len(rows) > limit, **context}


def _section_html(name: str) -> str:
    return render_block("core/dashboard.html", name, **_section_context(name))


def _section(name: str):
    """One section of the start page: its block for htmx, else a page of its own."""
    return render("core/dashboard.html", block=name, **_section_context(name))


@bp.route("/dashboard/active")
@staff_only
def dashboard_active():
    """Awarded and running projects with their progress against the agreement."""
    return _section("active")


@bp.route("/dashboard/retention")
@staff_only
def dashboard_retention():
    """Running placements whose retention conversation is overdue, longest waiting first."""
    return _section("retention")


@bp.route("/dashboard/meetings")
@staff_only
def dashboard_meetings():
    """Meetings in the coming days, soonest first."""
    return _section("meetings")


@bp.route("/dashboard/openings")
@staff_only
def dashboard_openings():
    """Openings the contractors reported that no one is matched to yet."""
    return _section("openings")


@bp.route("/language", methods=["POST"])
@public
def set_language():
    """Switch the interface language and go back to the page the user was on."""
    lang = request.form.get("lang")
    if lang in ("da", "en"):
        session["lang"] = lang
    return redirect(safe_next(request.form.get("next")) or url_for("core.home"), code=303)


@bp.route("/healthz")
@public
def healthz():
    """Report whether the app and its database answer (for load balancers and monitoring)."""
    try:
        # On a pooled connection of its own outside a transaction: a health check reads
        # nothing, and on PostgreSQL BEGIN and ROLLBACK would be two more round trips on the
        # route a load balancer asks every few seconds. (The request's session has no
        # connection here: public routes read nothing.) The pool's checkout still pings a
        # connection that waited; the query itself goes to the driver's cursor, without
        # SQLAlchemy's execution context and result (0.07-0.1 ms of CPU a request on
        # PostgreSQL), and a connection that fails it is discarded, not given back.
        with db.engine.connect() as connection:
            connection.execution_options(isolation_level="AUTOCOMMIT")
            try:
                cursor = connection.connection.cursor()
                cursor.execute("SELECT 1")
                cursor.fetchone()
                cursor.close()
            except Exception:
                connection.invalidate()
                raise
    except Exception:  # any database failure means "not healthy", never a 500
        db.session.rollback()
        return jsonify(status="error", database="unavailable"), 503
    return jsonify(status="ok", database="ok")
