"""The meetings blueprint. Only the application factory imports this module and the views;
the package itself stays free of Flask.
Its routes sit under their project: `/projects/<id>/kickoff…` and
`/projects/<id>/meetings/…`."""

from flask import Blueprint

bp = Blueprint("meetings", __name__, url_prefix="/projects/<int:project_id>")
