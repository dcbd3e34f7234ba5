"""The audit blueprint. Only the application factory imports this module and the views."""

from flask import Blueprint

bp = Blueprint("audit", __name__, url_prefix="/audit")
