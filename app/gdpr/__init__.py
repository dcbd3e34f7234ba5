"""GDPR tools for the candidates' data: export of everything held, erasure, the retention rule."""

from flask import Blueprint

bp = Blueprint("gdpr", __name__, url_prefix="/gdpr")

from app.gdpr import views  # noqa: E402,F401
