"""The placements blueprint. Only the application factory imports this module and the views;
the package itself stays free of Flask.
No url_prefix: the progress page sits under its project (`/projects/<id>/progress`), the
other routes under `/placements/`."""

from flask import Blueprint

bp = Blueprint("placements", __name__)
