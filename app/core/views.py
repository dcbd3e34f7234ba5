from flask import current_app, jsonify, redirect, request, session, url_for
from flask_login import current_user
from sqlalchemy import text

from app.access import public, scoped_projects, signed_in
from app.auth.views import safe_next
from app.core import bp, dashboard
from app.extensions import db
from app.models import Phase, utcnow
from app.openings.forms import local_today
from app.openings.models import JobFunction
from app.web import render


@bp.route("/")
@signed_in
def home():
    """Show the user's projects counted by phase, with the newest first; coordinators also get
    what needs attention: active projects' progress, overdue retention conversations, coming
    meetings and unmatched openings."""
    counts, recent = dashboard.phase_counts_and_recent(scoped_projects(current_user))
    context = dict(counts=counts, phases=list(Phase), recent=recent)
    if current_user.is_staff:
        context.update(staff_dashboard())
    return render("core/home.html", **context)


def staff_dashboard() -> dict:
    """The coordinator's sections of the start page, in a fixed number of queries: two for
    the active projects' progress, one each for retention, meetings and openings."""
    today = local_today()
    weeks = current_app.config.get("RETENTION_WEEKS", dashboard.DEFAULT_RETENTION_WEEKS)
    sections = dict(
        active=dashboard.active_projects(current_user, today),
        retention=dashboard.retention_due(today, weeks),
        meetings=dashboard.upcoming_meetings(utcnow()),
        openings=dashboard.open_openings(),
    )
    limit = dashboard.SECTION_LIMIT
    return dict(
        **{name: rows[:limit] for name, rows in sections.items()},
        more={name for name, rows in sections.items() if len(rows) > limit},
        retention_weeks=weeks,
        meeting_days=dashboard.MEETING_DAYS,
        JobFunction=JobFunction,
    )


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
        db.session.execute(text("SELECT 1"))
    except Exception:  # any database failure means "not healthy", never a 500
        db.session.rollback()
        return jsonify(status="error", database="unavailable"), 503
    return jsonify(status="ok", database="ok")
