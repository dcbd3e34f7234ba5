"""The reports blueprint. Only the application factory imports this module and the views;
the package itself stays free of Flask.
No url_prefix: a project's report sits under its project (`/projects/<id>/report…`), the
reports across projects under `/reports/`."""

from flask import Blueprint

bp = Blueprint("reports", __name__)
