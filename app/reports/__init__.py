"""Reports and exports: progress for the client, the portfolio, placements, apprentice årsværk."""

from flask import Blueprint

bp = Blueprint("reports", __name__, url_prefix="/reports")

from app.reports import models, views  # noqa: E402,F401
