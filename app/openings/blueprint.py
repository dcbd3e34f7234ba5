"""The openings blueprint. Only the application factory imports this module and the views;
the package itself stays free of Flask.
Its routes sit under their project: `/projects/<id>/openings/…`."""

from flask import Blueprint

bp = Blueprint("openings", __name__, url_prefix="/projects/<int:project_id>/openings")
