"""The auth blueprint and its set-up (user loader, throttle, timeouts). Only the application
factory imports this module and the views; the package itself stays free of Flask."""

from flask import Blueprint
from flask_babel import lazy_gettext as _l

from app.extensions import db, login_manager

bp = Blueprint("auth", __name__, url_prefix="/auth")


def init_app(app):
    from app.auth import privacy, sessions, throttle

    login_manager.login_view = "auth.login"
    login_manager.login_message = _l("Please sign in to see this page.")
    login_manager.login_message_category = "info"
    # Signing out ends every session; a session with an old version number is rejected.
    login_manager.user_loader(load_user)
    throttle.init_app(app)
    app.before_request(sessions.enforce_timeouts)

    @app.context_processor
    def inject_no_history():
        # Pages with personal data stay out of htmx's history snapshot (hx-history="false").
        return {"no_history": privacy.shows_personal_data()}


_USER_BY_ID = None


def _user_by_id():
    """The user with its organisation, by id: built once per process, since building the
    statement (and its joinedload option) cost more than running it on every request."""
    global _USER_BY_ID
    if _USER_BY_ID is None:
        from sqlalchemy import bindparam, select
        from sqlalchemy.orm import joinedload

        from app.models import User

        _USER_BY_ID = (
            select(User).options(joinedload(User.organisation)).where(User.id == bindparam("uid"))
        )
    return _USER_BY_ID


def load_user(user_id: str):
    try:
        raw_id, raw_version = user_id.split(":", 1)
        uid, version = int(raw_id), int(raw_version)
    except ValueError:
        return None
    # The organisation comes along: every page's header names it (no second query). Read from
    # the database on every request: a disabled user or an ended session is refused at once.
    user = db.session.execute(_user_by_id(), {"uid": uid}).unique().scalar_one_or_none()
    if user is None or not user.active or user.session_version != version:
        return None
    return user
