"""Candidates: registration, consent, sensitive notes and the conversation log."""

from flask import Blueprint

bp = Blueprint("candidates", __name__, url_prefix="/candidates")

from app.candidates import models, views  # noqa: E402,F401
