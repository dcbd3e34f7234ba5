"""A project's progress against its agreement, as JSON (`/projects/<id>/progress.json`)."""

from __future__ import annotations

from flask import jsonify

from app.access import get_project_or_404, signed_in
from app.clock import local_today
from app.placements.progress_data import progress_payload, project_overview
from app.projects.blueprint import bp


@bp.route("/<int:project_id>/progress.json")
@signed_in
def progress_json(project_id: int):
    """Return the project's counted courses and apprenticeships against its targets."""
    project = get_project_or_404(project_id)
    today = local_today()
    response = jsonify(progress_payload(project_overview(project, today)))
    response.headers["Cache-Control"] = "private, no-store"
    return response
