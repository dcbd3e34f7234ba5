"""The projects blueprint. Only the application factory imports this module and the views;
the package itself stays free of Flask."""

from flask import Blueprint

bp = Blueprint("projects", __name__, url_prefix="/projects")
