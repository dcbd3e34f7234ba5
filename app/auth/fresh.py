"""Sensitive actions need a recently entered password, not only a valid session."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import TypeVar

from flask import current_app, session, url_for

from app.auth.sessions import AUTH_AT, now
from app.auth.urls import current_page
from app.web import redirect_after_write

F = TypeVar("F", bound=Callable)


def is_fresh() -> bool:
    """True if the password was entered within the last FRESH_MINUTES."""
    entered = session.get(AUTH_AT)
    if not isinstance(entered, int):
        return False
    age = now() - entered
    return -60 <= age <= current_app.config["FRESH_MINUTES"] * 60


def confirm_url() -> str:
    target = current_page()
    return url_for("auth.confirm", next=target) if target else url_for("auth.confirm")


def fresh_required(view: F) -> F:
    """Let the view run only if the password was entered recently; otherwise send the user to
    /auth/confirm, which comes back here (a GET, e.g. a download) or to the page they were on
    (a POST or htmx request, which cannot be replayed)."""

    @wraps(view)
    def wrapped(*args, **kwargs):
        if is_fresh():
            return view(*args, **kwargs)
        return redirect_after_write(confirm_url())  # htmx: HX-Redirect; else a 303

    return wrapped  # type: ignore[return-value]
