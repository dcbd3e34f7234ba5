"""Sign-in, sign-out and password change."""

from flask import Blueprint
from flask_babel import lazy_gettext as _l

from app.extensions import db, login_manager

bp = Blueprint("auth", __name__, url_prefix="/auth")


def init_app(app):
    login_manager.login_view = "auth.login"
    login_manager.login_message = _l("Please sign in to see this page.")
    login_manager.login_message_category = "info"
    # Signing out ends every session; a session with an old version number is rejected.
    login_manager.user_loader(load_user)


def load_user(user_id: str):
    from app.models import User

    try:
        raw_id, raw_version = user_id.split(":", 1)
        uid, version = int(raw_id), int(raw_version)
    except ValueError:
        return None
    user = db.session.get(User, uid)
    if user is None or not user.active or user.session_version != version:
        return None
    return user


from app.auth import views  # noqa: E402,F401
