"""Openings: contractors report job and apprenticeship openings; coordinators match them."""

from flask import Blueprint

bp = Blueprint("openings", __name__, url_prefix="/openings")

from app.openings import models, views  # noqa: E402,F401
