"""Session lifetime: an idle timeout, an absolute timeout, and when the password was last given.

The signed session cookie carries three times (seconds since the epoch):
- SIGNED_IN_AT: when the user signed in; after SESSION_MAX_HOURS the session ends.
- SEEN_AT: the last request; after SESSION_IDLE_MINUTES without one the session ends.
- AUTH_AT: when the password was last entered (sign-in or /auth/confirm); sensitive actions
  demand that this is recent (see app.auth.fresh).
A session without the first two (made before they existed; the migration that added them
signed everyone out, so only code that signs in without mark_signed_in() makes one) starts
its clocks on the next request, but is not fresh.
"""

from __future__ import annotations

import time
from collections.abc import MutableMapping

from flask import current_app, flash, redirect, request, session, url_for
from flask_babel import ngettext
from flask_login import logout_user

from app.auth.urls import current_page
from app.web import redirect_after_write

SIGNED_IN_AT = "signed_in_at"
SEEN_AT = "seen_at"
AUTH_AT = "auth_at"
# Rewrite the cookie for the last-seen time at most this often.
SEEN_RESOLUTION = 60


def now() -> int:
    return int(time.time())


def mark_signed_in(store: MutableMapping | None = None) -> None:
    """Start the clocks of a new sign-in (the password was just entered)."""
    store = session if store is None else store
    store[SIGNED_IN_AT] = store[SEEN_AT] = store[AUTH_AT] = now()


def mark_password_entered() -> None:
    """The password was entered again: sensitive actions are allowed for a while."""
    session[AUTH_AT] = now()


def forget() -> None:
    for key in (SIGNED_IN_AT, SEEN_AT, AUTH_AT):
        session.pop(key, None)


def expiry_message() -> str | None:
    """Why this session must end now, or None while it is still valid."""
    config, t = current_app.config, now()
    signed_in_at, seen_at = session[SIGNED_IN_AT], session[SEEN_AT]
    if t - signed_in_at > config["SESSION_MAX_HOURS"] * 3600:
        return ngettext(
            "You are signed out because you have been signed in for more than %(num)d hour.",
            "You are signed out because you have been signed in for more than %(num)d hours.",
            config["SESSION_MAX_HOURS"],
        )
    if t - seen_at > config["SESSION_IDLE_MINUTES"] * 60:
        return ngettext(
            "You are signed out because you have been inactive for more than %(num)d minute.",
            "You are signed out because you have been inactive for more than %(num)d minutes.",
            config["SESSION_IDLE_MINUTES"],
        )
    return None


# Flask-Login's key for the signed-in user in the session cookie.
USER_ID_KEY = "_user_id"


def enforce_timeouts():
    """Before each request: sign out an expired session, else note that the user was seen.

    The clocks are in the signed cookie, so this reads the cookie only: the user is loaded from
    the database when a route's access rule or page asks for `current_user` (every route that is
    not public does, app/access.py), not for the public ones (/healthz, the sign-in page)."""
    if request.endpoint == "static" or USER_ID_KEY not in session:
        return None
    for key in (SIGNED_IN_AT, SEEN_AT):
        if not isinstance(session.get(key), int):
            session[key] = now()
    message = expiry_message()
    if message is None:
        if now() - session[SEEN_AT] >= SEEN_RESOLUTION:
            session[SEEN_AT] = now()
        return None
    logout_user()
    forget()
    flash(message, "info")
    target = current_page()
    login = url_for("auth.login", next=target) if target else url_for("auth.login")
    if request.htmx:
        return redirect_after_write(login)
    return redirect(login)
