"""The openings blueprint. Only the application factory imports this module and the views;
the package itself stays free of Flask."""

from flask import Blueprint

bp = Blueprint("openings", __name__, url_prefix="/openings")
