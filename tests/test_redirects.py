"""The old addresses of a project's parts redirect permanently to their new place under
`/projects/<id>/…` (for one release, app/legacy_views.py).

The expected new address is written out here from the README's table, independently of the
app's own mapping. The redirect is blind: every identity gets the same answer for its own
project, another's and a missing one; the new address then applies access as before.
"""

from __future__ import annotations

import re

import pytest
from sqlalchemy import func, select

from app.extensions import db
from app.meetings.models import KickoffQuestion
from tests.world import MISSING_ID, build_url, build_world, sign_in

IDENTITIES = (
    "anonymous",
    "coordinator",
    "admin",
    "client_a",
    "client_b",
    "contractor_a",
    "contractor_b",
)
QUERY = "status=open&q=%C3%B8restad&page=2"

# The README's table: old address -> new address (applied to a concrete path).
TABLE = (
    (r"^/agreements/(\d+)", r"/projects/\1/agreement"),
    (r"^/meetings/(\d+)/kickoff", r"/projects/\1/kickoff"),
    (r"^/meetings/(\d+)/m/(\d+)", r"/projects/\1/meetings/\2"),
    (r"^/meetings/(\d+)/", r"/projects/\1/meetings/"),
    (r"^/openings/(\d+)", r"/projects/\1/openings"),
    (r"^/placements/progress/(\d+)$", r"/projects/\1/progress"),
    (r"^/reports/project/(\d+)", r"/projects/\1/report"),
)


# Routes added after the move never had an old address.
NEW_SINCE_THE_MOVE = frozenset({"agreements.redline", "agreements.redline_standard"})


def new_address(old: str) -> str:
    for pattern, replacement in TABLE:
        new, done = re.subn(pattern, replacement, old)
        if done:
            return new
    raise AssertionError(f"{old} is not an old address in the README's table")


def legacy_rules(app):
    return sorted(
        (rule for rule in app.url_map.iter_rules() if rule.endpoint.startswith("legacy.")),
        key=lambda rule: (rule.rule, rule.endpoint),
    )


def id_sets(world) -> dict[str, dict]:
    return {
        "A's": dict(world.sides["A"].ids),
        "B's": dict(world.sides["B"].ids),
        "missing": {name: MISSING_ID for name in world.sides["A"].ids},
    }


# Routes added under /projects/<id>/ after the move: they never had an old address.
BORN_AFTER_THE_MOVE = {
    "agreements.confirm_approval",
    "agreements.autosave",
    "agreements.discard",
    "agreements.comment",
    "agreements.reply",
    "agreements.resolve",
    "agreements.reopen",
} | NEW_SINCE_THE_MOVE


def test_every_moved_page_keeps_its_old_address(app):
    """Every route of a project's part now under /projects/<id>/ has its old address, and the
    old addresses named in the issue are among them."""
    moved_blueprints = ("agreements.", "meetings.", "openings.", "placements.", "reports.")
    moved = {
        rule.endpoint
        for rule in app.url_map.iter_rules()
        if rule.endpoint.startswith(moved_blueprints)
        and rule.rule.startswith("/projects/<int:project_id>/")
        and rule.endpoint not in BORN_AFTER_THE_MOVE
    }
    old = {rule.rule for rule in legacy_rules(app)}
    targets = {
        app.url_map.bind("localhost").match(new_address(build_url(rule, _ones(rule))), m)[0]
        for rule in legacy_rules(app)
        for m in rule.methods - {"HEAD", "OPTIONS"}
    }
    assert moved and targets == moved
    for named in (
        "/agreements/<int:project_id>",
        "/meetings/<int:project_id>/",
        "/openings/<int:project_id>",
        "/placements/progress/<int:project_id>",
        "/reports/project/<int:project_id>",
    ):
        assert named in old, named


def _ones(rule) -> dict:
    return {name: 1 for name in rule.arguments}


def test_every_old_address_redirects_the_same_for_everyone(app, ctx):
    """GET and POST, for every identity, on its own project, another's and a missing one: a 308
    to the new address with the query string, the same answer for all."""
    world = build_world()
    client = app.test_client()
    checked = 0
    for rule in legacy_rules(app):
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            answers = set()
            for label, values in id_sets(world).items():
                old = build_url(rule, values)
                expected = f"{new_address(old)}?{QUERY}"
                for identity in IDENTITIES:
                    sign_in(client, world.user(identity))
                    response = client.open(f"{old}?{QUERY}", method=method)
                    where = f"{method} {old} as {identity} ({label} project)"
                    assert response.status_code == 308, where
                    assert response.headers["Location"] == expected, where
                    answers.add((label, response.status_code, response.get_data()))
                    checked += 1
            # The body does not depend on who asks (three id sets: three answers).
            assert len(answers) == len(id_sets(world)), (rule.rule, method)
    assert checked >= 44 * len(IDENTITIES) * 3  # 44 old addresses at the move


def test_an_id_no_database_holds_is_the_same_404_for_everyone(app, ctx):
    world = build_world()
    client = app.test_client()
    for identity in IDENTITIES:
        sign_in(client, world.user(identity))
        assert client.get(f"/agreements/{10**20}").status_code == 404


@pytest.mark.parametrize(
    "old",
    [
        "/agreements/{project_id}",
        "/agreements/{project_id}/v{number}",
        "/meetings/{project_id}/",
        "/meetings/{project_id}/kickoff",
        "/meetings/{project_id}/m/{meeting_id}",
        "/openings/{project_id}",
        "/placements/progress/{project_id}",
        "/reports/project/{project_id}",
        "/reports/project/{project_id}.xlsx",
    ],
)
def test_the_new_address_applies_access_as_before(app, ctx, old):
    """Following the redirect: a client sees its own project's part, gets the same 404 for
    another's as for a missing one, and an anonymous visitor is sent to sign in."""
    world = build_world()
    client = app.test_client()
    a, b = world.sides["A"].ids, world.sides["B"].ids
    own, theirs = old.format(**a), old.format(**b)
    missing = old.format(**{name: MISSING_ID for name in a})

    def follow(url):
        first = client.get(url)
        assert first.status_code == 308, url
        return client.get(first.headers["Location"])

    sign_in(client, world.coordinator)
    assert follow(own).status_code == 200
    assert follow(theirs).status_code == 200  # staff see both sides
    sign_in(client, world.user("client_a"))
    assert follow(own).status_code == 200
    refused = follow(theirs)
    assert refused.status_code == follow(missing).status_code == 404
    assert "zqb-" not in refused.get_data(as_text=True).lower()
    sign_in(client, None)
    to_sign_in = follow(own)
    assert to_sign_in.status_code == 302
    assert to_sign_in.headers["Location"].startswith("/auth/login")
    assert "zqa-" not in to_sign_in.get_data(as_text=True).lower()


def test_a_form_posted_to_an_old_address_still_arrives(app, ctx):
    """A page opened before the move posts to the old address: the 308 keeps the method and
    the body, so the question reaches the kickoff meeting."""
    world = build_world()
    client = app.test_client()
    project_id = world.sides["A"].ids["project_id"]
    sign_in(client, world.user("contractor_a"))

    def questions() -> int:
        return db.session.scalar(
            select(func.count(KickoffQuestion.id)).where(KickoffQuestion.project_id == project_id)
        )

    before = questions()
    form = {"question": "Hvornår starter stilladset?"}
    moved = client.post(f"/meetings/{project_id}/kickoff/questions", data=form)
    assert moved.status_code == 308 and questions() == before  # the redirect itself saves nothing
    # A browser repeats a 308 with the same method and body (Werkzeug's test client cannot: the
    # first request consumed the body), so the test does what the browser does.
    response = client.post(moved.headers["Location"], data=form, follow_redirects=True)
    assert response.status_code == 200
    assert response.request.path == f"/projects/{project_id}/kickoff"
    assert "Hvornår starter stilladset?" in response.get_data(as_text=True)
    assert questions() == before + 1
