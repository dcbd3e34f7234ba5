"""The access matrix: every route × every method × every identity × own/another's/missing object.

The expectation comes from the rule each endpoint declares (`app.access.access_rule_for`):
anonymous → sign in; a role the rule does not admit → 403; an admitted role asking for another
association's or company's object, or for one that does not exist → 404, and the two answers are
identical; an admitted role asking for its own object → an answer (never 403/404). Never a 5xx,
and never a string planted on the other side (or a resident's personal data for a client or a
contractor) in any answer.

A new route with a URL variable this file does not know fails the test until the variable is
added to `tests/world.py` (`Side.ids`), so no route escapes the matrix.
"""

from __future__ import annotations

import re

import pytest
from flask import Flask

from app.access import PUBLIC, SIGNED_IN, access_rule_for
from app.extensions import db
from app.models import STAFF_ROLES, Role
from tests.world import (
    IDENTITIES,
    MISSING_ID,
    MISSING_NUMBER,
    SKIP_ENDPOINTS,
    Identity,
    build_url,
    build_world,
    other_side,
    response_text,
    sign_in,
    variables,
    wipe,
)

# The old addresses of a project's parts (app/legacy_views.py) answer everyone the same blind
# redirect, whatever the id: tests/test_redirects.py checks that, and that following it gives
# the answer of the new address, which this matrix checks.
REDIRECTS = "legacy."
OUT_OF_RANGE = 10**20  # an id no database integer holds


# Admitted by the endpoint's rule, yet refused on the user's own object by a check in the view,
# on purpose (documented in the view's module).
OWN_REFUSED = {
    # The progress report is the client's; contractors follow the progress page instead.
    ("reports.project_page", Role.CONTRACTOR): 403,
    ("reports.project_docx", Role.CONTRACTOR): 403,
    ("reports.project_xlsx", Role.CONTRACTOR): 403,
}

# Signing out sends the user to the sign-in page, as it should.
SIGNS_OUT = {"auth.logout"}

# Answers to an admitted user's POST with an empty form: done, redirected, or refused as invalid
# (400 a missing field of a button form, 409 a stale version or a finished step, 422 invalid).
POST_OK = {400, 409, 422}


def admitted(rule, role: Role | None) -> bool:
    if rule == PUBLIC:
        return True
    if role is None:
        return False
    return rule == SIGNED_IN or role in rule


def ids_for(side: str, world) -> dict:
    return dict(world.sides[side].ids)


def missing_ids(world) -> dict:
    values = {name: MISSING_ID for name in world.sides["A"].ids}
    values["number"] = MISSING_NUMBER
    return values


def check_known_variables(app: Flask, world) -> None:
    known = set(world.sides["A"].ids)
    for rule in app.url_map.iter_rules():
        if rule.endpoint in SKIP_ENDPOINTS:
            continue
        unknown = [name for name in variables(rule) if name not in known]
        assert not unknown, (
            f"{rule.rule} ({rule.endpoint}) has URL variable(s) {unknown} the access matrix "
            "does not know: add an own and another's object for each to Side.ids in "
            "tests/world.py (and MISSING in missing_ids if it is not a plain id)."
        )


def variants(rule, identity: Identity, world, rule_access):
    """(label, values, expectation) for each object this identity tries on this route."""
    names = variables(rule)
    own = ids_for(identity.own, world)
    if not admitted(rule_access, identity.role):
        yield "own", own, "refused"
        if names:
            yield "missing", missing_ids(world), "refused"
        return
    yield "own", own, "own"
    if not names:
        return
    if identity.other is not None:
        yield "another's", ids_for(identity.other, world), "404"
    yield "missing", missing_ids(world), "404"
    yield "out-of-range", {name: OUT_OF_RANGE for name in missing_ids(world)}, "404"
    # A nested object of the other side (or a missing one) under the user's own parent.
    opposite = ids_for(identity.other or other_side(identity.own), world)
    for position, name in enumerate(names):
        if position == 0:
            continue
        if name != "number":
            yield f"another's {name}", {**own, name: opposite[name]}, "404"
        yield f"missing {name}", {**own, name: missing_ids(world)[name]}, "404"


def normalised(body: str, url: str) -> str:
    """The body without the echoed address, so two 404s for different URLs compare equal."""
    return body.replace(url, "<URL>")


class Matrix:
    def __init__(self, app, world):
        self.app = app
        self.world = world
        self.clients = {}
        self.cases = 0
        self.sightings = 0  # own-object answers that show own-side data: the world is visible
        self.failures: list[str] = []

    def client(self, identity: Identity):
        if identity.name not in self.clients:
            self.clients[identity.name] = self.app.test_client()
        return self.clients[identity.name]

    def fail(self, message: str) -> None:
        self.failures.append(message)

    def request(self, identity: Identity, method: str, url: str):
        client = self.client(identity)
        sign_in(client, self.world.user(identity.name))
        self.cases += 1
        return client.open(url, method=method, data={} if method != "GET" else None)

    def run(self, rule, method: str, identity: Identity) -> None:
        rule_access = access_rule_for(self.app, rule.endpoint)
        assert rule_access is not None, f"{rule.endpoint} has no access rule"
        where = f"{method} {rule.rule} [{rule.endpoint}] as {identity.name}"
        bodies_404: list[tuple[str, str, str]] = []
        # Refusals first, own objects last: a POST on one's own object may change the world.
        for label, values, expect in sorted(
            variants(rule, identity, self.world, rule_access), key=lambda v: v[2] == "own"
        ):
            url = build_url(rule, values)
            try:
                response = self.request(identity, method, url)
            except Exception as error:  # TESTING propagates what would be a 500
                self.fail(f"server error: {where} on {label} object ({url}): {error!r}")
                db.session.rollback()
                continue
            status = response.status_code
            case = f"{where} on {label} object ({url}): {status}"
            body = response_text(response)
            if status >= 500:
                self.fail(f"server error: {case}")
                continue
            self.check_leaks(identity, body, case)
            if expect == "refused":
                if identity.role is None:
                    location = response.headers.get("Location", "")
                    if status != 302 or not location.startswith("/auth/login"):
                        self.fail(f"anonymous not sent to sign in: {case}")
                elif status != 403:
                    self.fail(f"role not admitted but not 403: {case}")
            elif expect == "404":
                if status != 404:
                    self.fail(f"expected 404: {case}")
                else:
                    bodies_404.append((label, url, normalised(body, url)))
            else:
                self.check_own(rule, method, identity, response, case)
                self.sightings += f"zq{identity.own.lower()}-" in body.lower()
        if bodies_404:
            reference_label, _url, reference = next(
                (b for b in bodies_404 if b[0] == "missing"), bodies_404[0]
            )
            for label, url, body in bodies_404:
                if body != reference:
                    self.fail(
                        f"{where}: the 404 for the {label} object ({url}) differs from the one "
                        f"for the {reference_label} object: out of scope must look like missing"
                    )

    def check_own(self, rule, method, identity, response, case) -> None:
        status = response.status_code
        refused = OWN_REFUSED.get((rule.endpoint, identity.role))
        if refused is not None:
            if status != refused:
                self.fail(f"expected {refused} (refused in the view): {case}")
            return
        if status in (403, 404):
            self.fail(f"own object refused: {case}")
        elif method == "GET" and not 200 <= status < 400:
            self.fail(f"own object not shown: {case}")
        elif method != "GET" and not (200 <= status < 400 or status in POST_OK):
            self.fail(f"unexpected answer to an empty form: {case}")
        location = response.headers.get("Location", "")
        signs_out = rule.endpoint in SIGNS_OUT
        if identity.role is not None and location.startswith("/auth/login") and not signs_out:
            self.fail(f"signed-in user sent to sign in: {case}")

    def check_leaks(self, identity: Identity, body: str, case: str) -> None:
        lowered = body.lower()
        for token in self.world.forbidden(identity.name):
            if token in lowered:
                at = lowered.index(token)
                context = body[max(at - 80, 0) : at + 80].replace("\n", " ")
                self.fail(f"LEAK of {token!r}: {case} … {context} …")


def _rules(app: Flask, method_filter):
    rules = sorted(app.url_map.iter_rules(), key=lambda r: (r.rule, r.endpoint))
    for rule in rules:
        if rule.endpoint in SKIP_ENDPOINTS or rule.endpoint.startswith(REDIRECTS):
            continue
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            if method_filter(method):
                yield rule, method


def test_every_route_every_method_every_identity(app, ctx, capsys):
    world = build_world()
    check_known_variables(app, world)
    matrix = Matrix(app, world)

    # Reads first, all on one world.
    for rule, method in _rules(app, lambda m: m == "GET"):
        for identity in IDENTITIES:
            matrix.run(rule, method, identity)
    # Each write on a world of its own, so no write can spoil the cases after it.
    for rule, method in _rules(app, lambda m: m != "GET"):
        wipe()
        matrix.world = build_world()
        for identity in IDENTITIES:
            matrix.run(rule, method, identity)

    with capsys.disabled():
        print(
            f"\naccess matrix: {matrix.cases} cases, {len(matrix.failures)} failures/leaks "
            f"({matrix.sightings} own answers showing own data)"
        )
    assert matrix.failures == [], "\n".join(matrix.failures)
    assert matrix.cases > 1200
    assert matrix.sightings > 150, "the world's data hardly shows: is the matrix checking anything?"


def test_the_leak_check_finds_a_planted_leak(app, ctx):
    """The matrix's leak check is not vacuous: another side's string, a resident's name for a
    client, another company's resident for a contractor, a sensitive note: all flagged."""
    world = build_world()
    matrix = Matrix(app, world)
    who = {identity.name: identity for identity in IDENTITIES}
    first, last = world.sides["A"].names["sub"]
    own_first, _own_last = world.sides["A"].names["main"]
    matrix.check_leaks(who["client_a"], "<td>ZQB-Projekt</td>", "client_a sees B")
    matrix.check_leaks(who["client_a"], f"<td>{own_first}</td>", "client_a sees a name")
    matrix.check_leaks(who["contractor_a"], f"<td>{first} {last}</td>", "sees the sub's")
    matrix.check_leaks(who["contractor_a"], "ZQA-HEMMELIG-HelbredAli", "contractor_a sees a note")
    matrix.check_leaks(who["anonymous"], "ZQA-Projekt", "anonymous sees a project")
    assert len(matrix.failures) >= 5, matrix.failures
    matrix.failures.clear()
    matrix.check_leaks(who["contractor_a"], f"<td>{own_first}</td>", "contractor_a sees its own")
    matrix.check_leaks(who["coordinator"], "ZQB-HEMMELIG-HelbredAli", "staff see everything")
    assert matrix.failures == []


def test_query_arguments_are_scoped_too(app, ctx):
    """Object ids in query arguments follow the same scope as those in the path."""
    world = build_world()
    client = app.test_client()
    a, b = world.sides["A"].ids, world.sides["B"].ids
    for identity in ("client_a", "contractor_a"):
        sign_in(client, world.user(identity))
        own = client.get(f"/reports/placements.csv?project={a['project_id']}")
        assert own.status_code == 200
        theirs = client.get(f"/reports/placements.csv?project={b['project_id']}")
        missing = client.get(f"/reports/placements.csv?project={MISSING_ID}")
        assert theirs.status_code == missing.status_code == 404
        assert "zqb-" not in response_text(theirs).lower()
        listed = client.get(f"/projects/?client_id={world.sides['B'].ids['org_id']}")
        assert listed.status_code == 200
        assert "zqb-" not in listed.get_data(as_text=True).lower()


@pytest.mark.parametrize("role", sorted(STAFF_ROLES))
def test_staff_own_every_object(app, ctx, role):
    """Staff see both sides: the matrix treats A (coordinator) and B (admin) as own; here the
    other way round, on the main pages."""
    world = build_world()
    client = app.test_client()
    sign_in(client, world.coordinator if role == Role.COORDINATOR else world.admin)
    side = world.sides["B" if role == Role.COORDINATOR else "A"].ids
    for url in (
        f"/projects/{side['project_id']}",
        f"/projects/{side['project_id']}/meetings/{side['meeting_id']}",
        f"/candidates/{side['candidate_id']}",
        f"/projects/{side['project_id']}/agreement/v{side['number']}",
    ):
        assert client.get(url).status_code == 200, url


def test_the_matrix_knows_every_variable(app, ctx):
    check_known_variables(app, build_world())
    db.session.remove()


def test_a_route_with_an_unknown_variable_fails_the_matrix(app, ctx):
    from app import create_app

    probe = create_app({k: app.config[k] for k in ("SQLALCHEMY_DATABASE_URI", "SECRET_KEY")})
    probe.add_url_rule("/__probe/<int:widget_id>", "probe", lambda widget_id: "")
    world = build_world()
    with pytest.raises(AssertionError, match=re.escape("widget_id")):
        check_known_variables(probe, world)
    with probe.app_context():
        db.engine.dispose()
