"""Access control: every route has a rule, and every role sees exactly its own projects."""

import re

import pytest
from flask import Flask

from app import create_app
from app.access import PUBLIC, access_rule_for
from app.extensions import db
from app.models import Phase, Role


def test_every_route_declares_an_access_rule(app: Flask):
    missing = [
        rule.rule
        for rule in app.url_map.iter_rules()
        if access_rule_for(app, rule.endpoint) is None
    ]
    assert missing == [], f"routes without an access rule: {missing}"
    print(f"checked {len(list(app.url_map.iter_rules()))} routes")


def test_a_route_without_a_rule_is_denied(app: Flask, make):
    # A separate app, so the probe route does not leak into the other tests' url_map.
    probe_app = create_app({k: app.config[k] for k in ("SQLALCHEMY_DATABASE_URI", "SECRET_KEY")})
    probe_app.add_url_rule("/__no_rule", "no_rule_probe", lambda: "secret")
    admin = make.user(Role.ADMIN)
    client = probe_app.test_client()
    with client.session_transaction() as session:
        session["_user_id"] = admin.get_id()
    response = client.get("/__no_rule")
    with probe_app.app_context():
        db.engine.dispose()
    assert response.status_code == 403
    assert b"secret" not in response.data


def _get_routes(app):
    """Every GET route with its URL, filling each variable part with 1."""
    for rule in app.url_map.iter_rules():
        if "GET" not in rule.methods or rule.endpoint == "static":
            continue
        yield rule.endpoint, re.sub(r"<[^>]+>", "1", rule.rule)


def test_anonymous_users_are_sent_to_sign_in_for_every_non_public_page(app, client):
    checked = 0
    for endpoint, url in _get_routes(app):
        if access_rule_for(app, endpoint) == PUBLIC:
            continue
        response = client.get(url)
        assert response.status_code == 302, url
        assert response.headers["Location"].startswith("/auth/login"), url
        checked += 1
    assert checked >= 8


@pytest.mark.parametrize("role", [Role.CLIENT, Role.CONTRACTOR, Role.COORDINATOR])
def test_admin_pages_are_forbidden_to_other_roles(client, make, login, role):
    login(make.user(role))
    for url in ("/admin/users", "/admin/users/new", "/admin/organisations"):
        assert client.get(url).status_code == 403, url
    assert client.post("/admin/users/new", data={"email": "x@y.dk"}).status_code == 403


@pytest.mark.parametrize("role", [Role.CLIENT, Role.CONTRACTOR])
def test_project_editing_is_staff_only(client, make, login, role):
    user = make.user(role)
    project = make.project(
        client=user.organisation if role == Role.CLIENT else None,
        phase=Phase.AWARDED,
        main=user.organisation if role == Role.CONTRACTOR else make.company(),
    )
    login(user)
    assert client.get(f"/projects/{project.id}").status_code == 200
    assert client.get(f"/projects/{project.id}/edit").status_code == 403
    assert client.post(f"/projects/{project.id}/edit", data={"name": "x"}).status_code == 403
    assert client.get("/projects/new").status_code == 403


@pytest.fixture
def world(make):
    """Two associations and two companies with projects between them."""
    assoc_a, assoc_b = make.association("Forening A"), make.association("Forening B")
    main_a, sub_a, main_b = (
        make.company("Firma A"),
        make.company("Under A"),
        make.company("Firma B"),
    )
    return {
        "assoc_a": assoc_a,
        "assoc_b": assoc_b,
        "main_a": main_a,
        "sub_a": sub_a,
        "main_b": main_b,
        "a_awarded": make.project(assoc_a, "Sag A1", Phase.AWARDED, main=main_a, subs=[sub_a]),
        "a_tender": make.project(assoc_a, "Sag A2", Phase.TENDER),
        "b_execution": make.project(assoc_b, "Sag B1", Phase.EXECUTION, main=main_b),
    }


def _visible_names(client) -> set[str]:
    html = client.get("/projects/").get_data(as_text=True)
    return {name for name in ("Sag A1", "Sag A2", "Sag B1") if name in html}


@pytest.mark.parametrize(
    "who, expected",
    [
        ("coordinator", {"Sag A1", "Sag A2", "Sag B1"}),
        ("admin", {"Sag A1", "Sag A2", "Sag B1"}),
        ("client_a", {"Sag A1", "Sag A2"}),
        ("client_b", {"Sag B1"}),
        ("main_a", {"Sag A1"}),
        ("sub_a", {"Sag A1"}),
        ("main_b", {"Sag B1"}),
    ],
)
def test_each_role_sees_exactly_its_own_projects(client, make, login, world, who, expected):
    users = {
        "coordinator": lambda: make.user(Role.COORDINATOR),
        "admin": lambda: make.user(Role.ADMIN),
        "client_a": lambda: make.user(Role.CLIENT, world["assoc_a"]),
        "client_b": lambda: make.user(Role.CLIENT, world["assoc_b"]),
        "main_a": lambda: make.user(Role.CONTRACTOR, world["main_a"]),
        "sub_a": lambda: make.user(Role.CONTRACTOR, world["sub_a"]),
        "main_b": lambda: make.user(Role.CONTRACTOR, world["main_b"]),
    }
    login(users[who]())
    assert _visible_names(client) == expected
    # Detail pages follow the same scope; another's project answers exactly like a missing one.
    for key, project in world.items():
        if not key.startswith(("a_", "b_")):
            continue
        response = client.get(f"/projects/{project.id}")
        if project.name in expected:
            assert response.status_code == 200
        else:
            missing = client.get("/projects/999999")
            assert response.status_code == missing.status_code == 404
            # The pages differ only in the address echoed back to the language switch.
            assert response.get_data(as_text=True).replace(f"/projects/{project.id}", "") == (
                missing.get_data(as_text=True).replace("/projects/999999", "")
            )


def test_home_counts_only_projects_in_scope(client, make, login, world):
    login(make.user(Role.CLIENT, world["assoc_b"]))
    html = client.get("/").get_data(as_text=True)
    assert "Sag B1" in html
    assert "Sag A1" not in html and "Sag A2" not in html
