"""The agreements blueprint. Only the application factory imports this module and the views;
the package itself stays free of Flask.
Its routes sit under their project: `/projects/<id>/agreement/…`."""

from flask import Blueprint

bp = Blueprint("agreements", __name__, url_prefix="/projects/<int:project_id>/agreement")
