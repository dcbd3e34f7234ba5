"""The addresses a project's parts had before they moved under `/projects/<id>/…` (November
2026): each answers a permanent redirect to its new address. For one release only: delete this
module, its line in the factory and tests/test_redirects.py in the release after.

Every old address answers 308 (permanent, and the method and body are kept, so a page opened
before the move still posts its forms) to the new address of the same endpoint, with the query
string. The redirect is blind: it fills the new pattern from the old one and reads nothing, so
every user, signed in or not, gets the same answer for any id; the new address then applies its
access rule and scope as before. Only the factory imports this module.
"""

from __future__ import annotations

import re

from flask import Blueprint, redirect, request, url_for

from app.access import public

bp = Blueprint("legacy", __name__)

# The old rule -> the endpoint that now serves it (endpoint names did not change, only rules).
MOVED: tuple[tuple[str, str], ...] = (
    ("/agreements/<int:project_id>", "agreements.overview"),
    ("/agreements/<int:project_id>/draft", "agreements.draft"),
    ("/agreements/<int:project_id>/preview", "agreements.preview"),
    ("/agreements/<int:project_id>/v<int:number>", "agreements.version"),
    ("/agreements/<int:project_id>/v<int:number>.docx", "agreements.docx"),
    ("/agreements/<int:project_id>/v<int:number>.txt", "agreements.text"),
    ("/agreements/<int:project_id>/v<int:number>/approve", "agreements.approve"),
    ("/agreements/<int:project_id>/compare", "agreements.compare"),
    ("/meetings/<int:project_id>/kickoff", "meetings.kickoff_page"),
    ("/meetings/<int:project_id>/kickoff", "meetings.plan_kickoff"),
    ("/meetings/<int:project_id>/kickoff.ics", "meetings.kickoff_ics"),
    ("/meetings/<int:project_id>/kickoff/participants", "meetings.add_participant"),
    (
        "/meetings/<int:project_id>/kickoff/participants/<int:participant_id>/remove",
        "meetings.remove_participant",
    ),
    ("/meetings/<int:project_id>/kickoff/questions", "meetings.ask_question"),
    (
        "/meetings/<int:project_id>/kickoff/questions/<int:question_id>/answer",
        "meetings.answer_question",
    ),
    (
        "/meetings/<int:project_id>/kickoff/questions/<int:question_id>/move",
        "meetings.move_question",
    ),
    (
        "/meetings/<int:project_id>/kickoff/questions/<int:question_id>/discussed",
        "meetings.mark_discussed",
    ),
    ("/meetings/<int:project_id>/kickoff/minutes", "meetings.save_minutes"),
    ("/meetings/<int:project_id>/kickoff/briefing.docx", "meetings.briefing"),
    ("/meetings/<int:project_id>/", "meetings.index"),
    ("/meetings/<int:project_id>/series", "meetings.save_series"),
    ("/meetings/<int:project_id>/series.ics", "meetings.series_ics"),
    ("/meetings/<int:project_id>/m/<int:meeting_id>", "meetings.meeting_page"),
    ("/meetings/<int:project_id>/m/<int:meeting_id>.ics", "meetings.meeting_ics"),
    ("/meetings/<int:project_id>/m/<int:meeting_id>/move", "meetings.move_meeting"),
    ("/meetings/<int:project_id>/m/<int:meeting_id>/cancel", "meetings.cancel_meeting"),
    ("/meetings/<int:project_id>/m/<int:meeting_id>/minutes", "meetings.autosave_minutes"),
    ("/meetings/<int:project_id>/m/<int:meeting_id>/attendance", "meetings.attendance"),
    (
        "/meetings/<int:project_id>/m/<int:meeting_id>/participants",
        "meetings.add_monthly_participant",
    ),
    ("/meetings/<int:project_id>/m/<int:meeting_id>/actions", "meetings.add_action"),
    (
        "/meetings/<int:project_id>/m/<int:meeting_id>/actions/<int:item_id>/done",
        "meetings.action_done",
    ),
    ("/meetings/<int:project_id>/m/<int:meeting_id>/final", "meetings.mark_final"),
    ("/meetings/<int:project_id>/m/<int:meeting_id>/reopen", "meetings.reopen_minutes"),
    ("/meetings/<int:project_id>/m/<int:meeting_id>/minutes.docx", "meetings.minutes_docx"),
    ("/openings/<int:project_id>", "openings.index"),
    ("/openings/<int:project_id>", "openings.report"),
    ("/openings/<int:project_id>/<int:opening_id>/status", "openings.change_status"),
    ("/openings/<int:project_id>/<int:opening_id>/withdraw", "openings.withdraw"),
    ("/placements/progress/<int:project_id>", "placements.progress"),
    ("/reports/project/<int:project_id>", "reports.project_page"),
    ("/reports/project/<int:project_id>/narrative", "reports.save_narrative"),
    ("/reports/project/<int:project_id>.docx", "reports.project_docx"),
    ("/reports/project/<int:project_id>.xlsx", "reports.project_xlsx"),
)


def moved_to(endpoint: str):
    """The view of an old address: a 308 to `endpoint` with the same URL values and query."""

    @public  # blind: the same answer for everyone; the new address checks access
    def view(**values):
        target = url_for(endpoint, **values)
        if request.query_string:
            target += "?" + request.query_string.decode("latin-1")
        return redirect(target, 308)

    return view


@bp.record
def _register(state) -> None:
    """Add each old rule with the methods its endpoint answers now (so registered after the
    feature blueprints). An old rule whose variables differ from the new one's fails at start."""
    for old, endpoint in MOVED:
        rules = list(state.app.url_map.iter_rules(endpoint))  # KeyError: no such endpoint
        methods = sorted(set().union(*(rule.methods for rule in rules)) - {"HEAD", "OPTIONS"})
        if {frozenset(rule.arguments) for rule in rules} != {frozenset(_arguments(old))}:
            raise ValueError(f"{old} and {endpoint} take different URL values")
        name = endpoint.replace(".", "_")  # legacy.agreements_overview
        state.add_url_rule(old, name, moved_to(endpoint), methods=methods)


def _arguments(rule: str) -> set[str]:
    """The variable names of a rule string (`<int:project_id>` -> project_id)."""
    return {match.split(":")[-1] for match in re.findall(r"<([^>]+)>", rule)}
