"""Award: name the main contractor, add subcontractors, invite the contractor's people."""

import re

import pytest
from sqlalchemy import select

from app.agreements import service as agreements
from app.agreements.document import default_draft
from app.extensions import db
from app.models import Organisation, Phase, Role, User

HX = {"HX-Request": "true"}


def test_award_a_tendered_project(client, make, coordinator):
    project, firm = make.project(phase=Phase.TENDER), make.company("Nordbyg A/S")
    response = client.post(
        f"/projects/{project.id}/award",
        data={
            "main_contractor_id": firm.id,
            "execution_start": "2027-02-01",
            "execution_end": "2028-06-30",
        },
    )
    assert response.status_code == 303
    db.session.refresh(project)
    assert project.phase == Phase.AWARDED and project.main_contractor.id == firm.id
    again = client.post(f"/projects/{project.id}/award", data={"main_contractor_id": firm.id})
    assert again.status_code == 409


def test_award_needs_a_main_contractor(client, make, coordinator):
    project = make.project(phase=Phase.TENDER)
    response = client.post(
        f"/projects/{project.id}/award", data={"main_contractor_id": 0}, headers=HX
    )
    assert response.status_code == 422
    assert 'id="main_contractor_id-error"' in response.get_data(as_text=True)
    db.session.refresh(project)
    assert project.phase == Phase.TENDER


def test_subcontractors_join_later_existing_or_new(client, make, coordinator):
    firm, existing = make.company(), make.company("Kystens VVS ApS")
    project = make.project(phase=Phase.AWARDED, main=firm)
    assert (
        client.post(
            f"/projects/{project.id}/subcontractors", data={"sub-company_id": existing.id}
        ).status_code
        == 303
    )
    assert (
        client.post(
            f"/projects/{project.id}/subcontractors",
            data={"sub-company_id": 0, "sub-new_company": "Ny Stillads ApS"},
        ).status_code
        == 303
    )
    db.session.refresh(project)
    assert {c.name for c in project.subcontractors} == {"Kystens VVS ApS", "Ny Stillads ApS"}
    assert db.session.scalar(select(Organisation).where(Organisation.name == "Ny Stillads ApS"))
    neither = client.post(f"/projects/{project.id}/subcontractors", data={"sub-company_id": 0})
    assert neither.status_code == 422
    twice = client.post(
        f"/projects/{project.id}/subcontractors",
        data={"sub-company_id": 0, "sub-new_company": "ny stillads aps"},
    )
    assert twice.status_code == 422


def test_invite_creates_a_contractor_sign_in_shown_once(app, client, make, coordinator):
    firm = make.company("Nordbyg A/S")
    project = make.project(phase=Phase.AWARDED, main=firm, name="Bispehaven")
    response = client.post(
        f"/projects/{project.id}/invite",
        data={
            "invite-name": "Erik Entreprenør",
            "invite-email": "Erik@Nordbyg.dk",
            "invite-company_id": firm.id,
        },
        headers=HX,
    )
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    password = re.search(r"<code>([^<]+)</code>", html).group(1)
    user = db.session.scalar(select(User).where(User.email == "erik@nordbyg.dk"))
    assert user.role == Role.CONTRACTOR and user.organisation_id == firm.id
    assert password not in client.get(f"/projects/{project.id}").get_data(as_text=True)
    theirs = app.test_client()
    assert (
        theirs.post(
            "/auth/login", data={"email": "erik@nordbyg.dk", "password": password}
        ).status_code
        == 303
    )
    assert "Bispehaven" in theirs.get("/projects/").get_data(as_text=True)


def test_invite_refuses_a_taken_email_and_a_company_off_the_project(client, make, coordinator):
    firm, stranger = make.company(), make.company()
    project = make.project(phase=Phase.AWARDED, main=firm)
    make.user(email="taken@x.dk")
    taken = client.post(
        f"/projects/{project.id}/invite",
        data={"invite-name": "X", "invite-email": "taken@x.dk", "invite-company_id": firm.id},
    )
    assert taken.status_code == 422
    off = client.post(
        f"/projects/{project.id}/invite",
        data={"invite-name": "X", "invite-email": "new@x.dk", "invite-company_id": stranger.id},
    )
    assert off.status_code == 422
    assert db.session.scalar(select(User).where(User.email == "new@x.dk")) is None


@pytest.mark.parametrize("role", [Role.CLIENT, Role.CONTRACTOR])
def test_award_tools_are_for_coordinators_only(client, make, login, role):
    firm = make.company()
    user = make.user(role, firm if role == Role.CONTRACTOR else None)
    project = make.project(
        client=user.organisation if role == Role.CLIENT else None, phase=Phase.AWARDED, main=firm
    )
    login(user)
    html = client.get(f"/projects/{project.id}").get_data(as_text=True)
    assert 'id="award"' not in html
    for url, data in (
        ("award", {"main_contractor_id": firm.id}),
        ("subcontractors", {"sub-new_company": "X"}),
        ("invite", {"invite-name": "x", "invite-email": "x@y.dk", "invite-company_id": firm.id}),
    ):
        assert client.post(f"/projects/{project.id}/{url}", data=data).status_code == 403


def test_contractor_sees_its_duties_and_the_partnership_at_a_glance(client, make, login):
    firm = make.company()
    project = make.project(phase=Phase.AWARDED, main=firm)
    coordinator = make.user(Role.COORDINATOR)
    draft = default_draft(agreements.library(), **agreements.project_values(project))
    version = agreements.save_version(project, draft, coordinator, 0)
    agreements.approve(version, make.user(Role.CLIENT, project.client))
    login(make.user(Role.CONTRACTOR, firm))
    html = client.get(f"/projects/{project.id}").get_data(as_text=True)
    assert 'id="duties"' in html
    assert "underentreprenører" in html  # one of the main contractor's duties
    assert (
        f"/projects/{project.id}/agreement" in html and f"/projects/{project.id}/meetings/" in html
    )
    assert f"/projects/{project.id}/openings" in html
