"""Projects (byggesager): list, search, detail, inline create and edit."""

from flask import Blueprint

bp = Blueprint("projects", __name__, url_prefix="/projects")

from app.projects import award, progress, views  # noqa: E402,F401
