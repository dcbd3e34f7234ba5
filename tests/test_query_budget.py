"""Every GET page in the url_map has a statement budget, for every role that may open it.

A new GET route without a budget here fails the test, so no page is added without deciding
what it may cost. The budgets are ceilings at the world's size (tests/world.py); that they stay
flat as the data grows is shown page by page in test_query_counts.py.
"""

from __future__ import annotations

from app.access import PUBLIC, SIGNED_IN, access_rule_for
from app.extensions import db
from app.models import Role, User
from tests.querycount import measure
from tests.world import build_url, build_world, sign_in, variables

# endpoint -> the most statements one GET may issue (the user's load and any audit write
# included). The house rule is about three round trips; where a page needs more, it says why.
BUDGET: dict[str, int] = {
    "admin.coefficient": 3,
    "admin.new_organisation": 1,
    "admin.new_user": 2,
    "admin.organisation": 3,
    "admin.organisations": 3,
    "admin.users": 3,
    "agreements.compare": 3,
    "agreements.confirm_approval": 6,  # the version, the latest, the one in force, the org
    # A kept file: the user, the project, the version without its words; building the file
    # reads the words too (tests/test_agreements.py checks a kept file does not).
    "agreements.docx": 4,
    # The draft, the latest version, the project's companies, and the calculator's coefficient.
    "agreements.draft": 6,  # + the working copy and the comment threads (the latest read once)
    "agreements.overview": 7,
    # The project and the two versions (the later with its author).
    "agreements.redline": 5,
    "agreements.redline_standard": 4,
    "agreements.text": 3,
    "agreements.version": 6,  # + the latest version (only it is approved) and the comments
    "audit.index": 5,
    "auth.change_password": 1,
    "auth.confirm": 1,
    # A signed-in user is sent on (to the password change); anonymous pays nothing.
    "auth.forgot_password": 1,
    "auth.login": 1,
    # Without a valid token: the user's load, then a redirect to ask for a new link.
    "auth.set_password": 2,
    "candidates.detail": 11,
    "candidates.edit": 4,
    "candidates.index": 2,
    "candidates.new": 3,
    "core.dashboard_active": 3,
    "core.dashboard_meetings": 2,
    "core.dashboard_openings": 2,
    "core.dashboard_retention": 2,
    # Its own SELECT 1: a public route reads the session's clocks from the cookie, never the user.
    "core.healthz": 1,
    # The user, the phase counts with the recent projects, the inbox (app/core/inbox.py).
    "core.home": 3,
    # Before an erasure the page looks for the person in every free-text table (minutes,
    # agendas, action items, Q&A, report comments): one read each.
    "gdpr.erase_page": 13,
    "gdpr.export_docx": 12,
    "gdpr.export_json": 12,
    "gdpr.index": 1,
    "gdpr.retention": 2,
    "imports.index": 1,
    # The user, the newest 100 mails, and the count per status.
    "mail.outbox_page": 3,
    # The user and the kinds they switched off.
    "mail.settings": 2,
    "meetings.briefing": 11,
    "meetings.index": 5,
    "meetings.kickoff_ics": 4,
    # The page also reads the latest version, to say whether a draft waits for approval.
    "meetings.kickoff_page": 7,
    "meetings.meeting_ics": 5,
    "meetings.meeting_page": 12,
    "meetings.minutes_docx": 9,
    "meetings.series_ics": 4,
    "openings.index": 4,
    "placements.candidate_options": 2,
    "placements.company_options": 2,
    "placements.new": 2,
    "placements.openings": 2,
    "placements.progress": 3,
    "placements.training": 2,
    "projects.area_options": 4,
    # The project, the two versions that matter, the meetings (app/projects/queries.py), and the
    # progress the first time after a change: 4-5 for clients and contractors. Staff add the
    # contractors' people and the company choices of the award forms.
    "projects.detail": 8,
    "projects.edit": 9,
    "projects.index": 3,
    "projects.new": 4,
    "projects.progress_json": 3,
    "reports.aarsvaerk_page": 4,
    "reports.aarsvaerk_xlsx": 7,  # + the approved agreements' årsværk targets, one query
    "reports.index": 3,
    # The user, the projects in scope (with their clients) and the persons in training.
    "reports.lbf_page": 4,
    # As the page, plus the export's audit event.
    "reports.lbf_xlsx": 6,
    "reports.placements_export": 4,
    "reports.portfolio_xlsx": 7,
    "reports.project_docx": 11,
    "reports.project_page": 3,
    "reports.project_xlsx": 11,
}
# The old addresses of a project's parts (app/legacy_views.py) only redirect: at most the
# signed-in user's load, whatever the page they lead to costs.
REDIRECT_BUDGET = 1


def budget_of(endpoint: str) -> int | None:
    return REDIRECT_BUDGET if endpoint.startswith("legacy.") else BUDGET.get(endpoint)


ROLES = {
    "coordinator": Role.COORDINATOR,
    "admin": Role.ADMIN,
    "client_a": Role.CLIENT,
    "contractor_a": Role.CONTRACTOR,
}


def _get_rules(app):
    for rule in sorted(app.url_map.iter_rules(), key=lambda r: r.endpoint):
        if rule.endpoint != "static" and "GET" in rule.methods:
            yield rule


def _admitted(rule_access, role) -> bool:
    return rule_access in (PUBLIC, SIGNED_IN) or role in rule_access


def test_every_get_page_stays_within_its_budget_for_every_role(app, ctx, client, capsys):
    world = build_world()
    values = dict(world.sides["A"].ids)
    user_ids = {name: world.user(name).id for name in ROLES}
    missing = [rule.endpoint for rule in _get_rules(app) if budget_of(rule.endpoint) is None]
    over, seen = [], {}
    for rule in _get_rules(app):
        rule_access = access_rule_for(app, rule.endpoint)
        url = build_url(rule, values) if variables(rule) else rule.rule
        for name, role in ROLES.items():
            if not _admitted(rule_access, role):
                continue
            sign_in(client, db.session.get(User, user_ids[name]))
            statements, response = measure(client, url, expect=None)
            # The user's own object: an answer (a page, a file, a redirect, or a refusal on
            # purpose, see OWN_REFUSED in test_access_matrix), never a 404 or an error.
            assert response.status_code in (200, 302, 303, 308, 403), (
                url,
                name,
                response.status_code,
            )
            seen[(rule.endpoint, name)] = len(statements)
            if statements.badge > 1:
                over.append(f"{rule.endpoint} as {name}: the inbox count {statements.badge} > 1")
            limit = budget_of(rule.endpoint)
            if limit is not None and len(statements) > limit:
                over.append(f"{rule.endpoint} as {name}: {len(statements)} > {limit}\n{statements}")
    with capsys.disabled():
        for (endpoint, name), count in sorted(seen.items()):
            print(f"{endpoint:40} {name:14} {count}")
    assert missing == [], f"GET routes without a statement budget: {missing}"
    assert over == [], "\n".join(over)
