"""Admin: users (create, disable, re-enable; also from the CLI) and organisations."""

import re

import pytest
from sqlalchemy import select

from app.extensions import db
from app.models import HousingArea, Organisation, Role, User

HX = {"HX-Request": "true"}


@pytest.fixture
def admin(make, login):
    return login(make.user(Role.ADMIN, name="Anna Admin"))


def test_users_page_lists_users(client, make, admin):
    make.user(Role.CLIENT, name="Birgitte Bygherre")
    html = client.get("/admin/users").get_data(as_text=True)
    assert "Birgitte Bygherre" in html and "Anna Admin" in html


def test_create_a_client_user_shows_the_password_once_and_it_works(app, client, make, admin):
    assoc = make.association("Vestbo")
    response = client.post(
        "/admin/users/new",
        data={
            "email": "Ny@Vestbo.dk",
            "name": "Ny Bruger",
            "role": "client",
            "organisation_id": assoc.id,
        },
        headers=HX,
    )
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    password = re.search(r"<code>([^<]+)</code>", html).group(1)
    user = db.session.scalar(select(User).where(User.email == "ny@vestbo.dk"))
    assert user.organisation_id == assoc.id and user.role == "client"
    assert password not in client.get("/admin/users").get_data(as_text=True)
    fresh = app.test_client()
    signed_in = fresh.post("/auth/login", data={"email": "ny@vestbo.dk", "password": password})
    assert signed_in.status_code == 303


@pytest.mark.parametrize(
    "role, org_kind, message",
    [
        ("client", None, "En bygherrebruger hører til en boligforening."),
        ("client", "company", "En bygherrebruger hører til en boligforening."),
        ("contractor", "association", "En entreprenørbruger hører til en virksomhed."),
        ("coordinator", "association", "Medarbejdere hører ikke til en organisation."),
    ],
)
def test_role_and_organisation_must_fit(client, make, admin, role, org_kind, message):
    org = {"company": make.company, "association": make.association}.get(org_kind)
    org_id = org().id if org else 0
    response = client.post(
        "/admin/users/new",
        data={"email": "x@y.dk", "name": "X", "role": role, "organisation_id": org_id},
    )
    assert response.status_code == 422
    assert message in response.get_data(as_text=True)
    assert db.session.scalar(select(User).where(User.email == "x@y.dk")) is None


def test_duplicate_email_and_bad_email_are_refused(client, make, admin):
    make.user(email="taken@bygop.dk")
    for email, message in (
        ("TAKEN@bygop.dk", "Der findes allerede en bruger med denne e-mailadresse."),
        ("not-an-email", "Skriv en gyldig e-mailadresse"),
    ):
        response = client.post(
            "/admin/users/new",
            data={"email": email, "name": "X", "role": "coordinator", "organisation_id": 0},
        )
        assert response.status_code == 422
        assert message in response.get_data(as_text=True)


def test_mass_assignment_of_extra_fields_changes_nothing(client, make, admin):
    client.post(
        "/admin/users/new",
        data={
            "email": "plain@bygop.dk",
            "name": "Plain",
            "role": "coordinator",
            "organisation_id": 0,
            "active": "false",
            "session_version": "99",
            "password_hash": "x",
        },
    )
    user = db.session.scalar(select(User).where(User.email == "plain@bygop.dk"))
    assert user.active is True and user.session_version == 1 and user.password_hash != "x"


def test_disable_signs_the_user_out_and_enable_lets_them_back(app, client, make, admin):
    victim = make.user(Role.COORDINATOR, email="v@bygop.dk")
    theirs = app.test_client()
    with theirs.session_transaction() as session:
        session["_user_id"] = victim.get_id()
    assert theirs.get("/projects/").status_code == 200
    response = client.post(f"/admin/users/{victim.id}/disable")
    assert response.status_code == 303
    assert theirs.get("/projects/").status_code == 302
    html = client.get("/admin/users").get_data(as_text=True)
    assert "er deaktiveret" in html
    client.post(f"/admin/users/{victim.id}/enable")
    db.session.refresh(victim)
    assert victim.active


def test_an_admin_cannot_disable_themselves(client, admin):
    client.post(f"/admin/users/{admin.id}/disable")
    db.session.refresh(admin)
    assert admin.active


def test_cli_creates_users(runner, make):
    assoc = make.association("Vestbo")
    result = runner.invoke(
        args=[
            "users",
            "create",
            "--email",
            "cli@vestbo.dk",
            "--role",
            "client",
            "--organisation",
            "vestbo",
            "--password",
            "long enough password",
        ]
    )
    assert result.exit_code == 0, result.output
    user = db.session.scalar(select(User).where(User.email == "cli@vestbo.dk"))
    assert user.organisation_id == assoc.id and user.check_password("long enough password")

    refused = runner.invoke(
        args=[
            "users",
            "create",
            "--email",
            "c2@x.dk",
            "--role",
            "contractor",
            "--password",
            "x" * 12,
        ]
    )
    assert refused.exit_code != 0 and "--organisation" in refused.output
    assert runner.invoke(args=["users", "disable", "cli@vestbo.dk"]).exit_code == 0
    db.session.refresh(user)
    assert not user.active
    assert "cli@vestbo.dk" in runner.invoke(args=["users", "list"]).output


def test_create_an_association_and_add_areas(client, admin):
    response = client.post(
        "/admin/organisations/new", data={"kind": "association", "name": "Lystrupbo", "active": "y"}
    )
    assert response.status_code == 303
    org = db.session.scalar(select(Organisation).where(Organisation.name == "Lystrupbo"))
    added = client.post(f"/admin/organisations/{org.id}/areas", data={"name": "Elev"}, headers=HX)
    assert added.status_code == 200 and "Elev" in added.get_data(as_text=True)
    duplicate = client.post(
        f"/admin/organisations/{org.id}/areas", data={"name": "elev"}, headers=HX
    )
    assert duplicate.status_code == 422
    assert db.session.scalars(select(HousingArea.name)).all() == ["Elev"]


def test_organisation_validation(client, make, admin):
    make.company("Nordbyg A/S")
    response = client.post(
        "/admin/organisations/new", data={"kind": "company", "name": "nordbyg a/s", "cvr": "12"}
    )
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "findes allerede" in html and "8 cifre" in html


def test_edit_an_organisation(client, make, admin):
    firm = make.company("Gammelt navn")
    response = client.post(
        f"/admin/organisations/{firm.id}", data={"name": "Nyt navn", "cvr": "12345678"}
    )
    assert response.status_code == 303
    db.session.refresh(firm)
    assert (firm.name, firm.cvr, firm.active) == ("Nyt navn", "12345678", False)
