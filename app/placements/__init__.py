"""Placements: matches and the ladder, counted against the agreement."""

from flask import Blueprint

bp = Blueprint("placements", __name__, url_prefix="/placements")

from app.placements import models, progress_views, retention, views  # noqa: E402,F401
