"""The partnership agreement: drafting from the clause library, versions, approval, Word file."""

from flask import Blueprint

bp = Blueprint("agreements", __name__, url_prefix="/agreements")

from app.agreements import views  # noqa: E402,F401
