"""Pages with personal data must not linger in caches or in htmx's history snapshot.

One rule, used by the response header (`Cache-Control: no-store`, set in the app's
after-request hook) and by base.html (`hx-history="false"` on <body>).
"""

from __future__ import annotations

from flask import request

# Every endpoint of these blueprints shows or exports personal data.
PERSONAL_DATA_BLUEPRINTS = frozenset(
    {"candidates", "placements", "reports", "imports", "gdpr", "audit"}
)
# ...and these endpoints of other blueprints: the monthly meetings (participants, attendance,
# minutes about placements), the project's progress and the residents due a conversation.
PERSONAL_DATA_ENDPOINTS = frozenset(
    {
        "meetings.index",
        "meetings.save_series",
        "meetings.series_ics",
        "meetings.meeting_page",
        "meetings.meeting_ics",
        "meetings.move_meeting",
        "meetings.cancel_meeting",
        "meetings.autosave_minutes",
        "meetings.attendance",
        "meetings.add_monthly_participant",
        "meetings.add_action",
        "meetings.action_done",
        "meetings.minutes_docx",
        "projects.progress_json",
        "core.dashboard_retention",  # the start page's overdue retention conversations
        "core.home",  # its inbox: residents due a conversation (staff), initials (contractors)
    }
)


def shows_personal_data() -> bool:
    """True if the current request's page holds personal data."""
    return (
        request.blueprint in PERSONAL_DATA_BLUEPRINTS or request.endpoint in PERSONAL_DATA_ENDPOINTS
    )


def forbid_storing(response):
    """Tell browsers and proxies not to keep a copy of a page with personal data."""
    if shows_personal_data():
        response.headers["Cache-Control"] = "no-store"
    return response
