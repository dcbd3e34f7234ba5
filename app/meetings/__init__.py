"""Meetings: the kickoff meeting with its Q&A and briefing, and the monthly follow-ups."""

from flask import Blueprint

bp = Blueprint("meetings", __name__, url_prefix="/meetings")

from app.meetings import models, monthly_views, views  # noqa: E402,F401
