"""Candidates: coordinators only; search; eligibility; conversations; consent; sensitive notes
opened on purpose and every opening logged."""

import re

import pytest
from sqlalchemy import select

from app.audit.models import AuditEvent
from app.candidates.models import Candidate, Consent, Conversation, SensitiveNote
from app.clock import local_today
from app.extensions import db
from app.models import Role

HX = {"HX-Request": "true"}


def candidate(make, first="Mads", last="Holm", area="Gellerupparken", **fields):
    return make.resident(first, last, area, **fields)


def form(**changes):
    data = {
        "first_name": "Ahmed",
        "last_name": "Yousef",
        "phone": "28 44 55 66",
        "email": "",
        "address": "",
        "association_id": "0",
        "area_id": "0",
        "referral_source": "job_centre",
        "referral_contact": "",
        "trades": "",
        "certificates": "",
        "driving_licence": "",
        "languages": "",
        "wishes": "",
        "availability": "",
    }
    data.update(changes)
    return data


def test_register_a_candidate_in_a_housing_area(client, make, coordinator):
    assoc = make.association("Vestbo", areas=["Toveshøj"])
    response = client.post(
        "/candidates/new",
        data=form(association_id=assoc.id, area_id=assoc.areas[0].id, trades="Pladsmand"),
    )
    assert response.status_code == 303
    person = db.session.scalar(select(Candidate))
    assert (person.name, person.area.name, person.eligible) == ("Ahmed Yousef", "Toveshøj", True)
    assert db.session.scalar(select(AuditEvent.action)) == "create_candidate"


def test_invalid_candidate_answers_422_beside_the_fields(client, make, coordinator):
    other = make.association(areas=["Bispehaven"])
    mine = make.association(areas=["Toveshøj"])
    response = client.post(
        "/candidates/new",
        headers=HX,
        data=form(first_name="", email="nope", association_id=mine.id, area_id=other.areas[0].id),
    )
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    for field in ("first_name", "email", "area_id"):
        assert f'id="{field}-error"' in html
    assert db.session.scalar(select(Candidate)) is None


def test_a_candidate_outside_social_housing_is_flagged(client, make, coordinator):
    client.post("/candidates/new", data=form())
    person = db.session.scalar(select(Candidate))
    assert not person.eligible
    html = client.get(f"/candidates/{person.id}").get_data(as_text=True)
    assert 'class="flash flash-error"' in html
    assert f"/placements/new?candidate_id={person.id}" not in html


def test_search_by_name_area_and_skills(client, make, coordinator):
    candidate(make, "Mads", "Holm", "Gellerupparken", trades="Lager")
    candidate(make, "Ahmed", "Yousef", "Toveshøj", certificates="Teleskoplæsser")

    def found(q):
        html = client.get("/candidates/", query_string={"q": q}, headers=HX).get_data(as_text=True)
        return {n for n in ("Mads Holm", "Ahmed Yousef") if n in html}

    assert found("mads holm") == {"Mads Holm"}
    assert found("toveshøj") == {"Ahmed Yousef"}
    assert found("teleskop") == {"Ahmed Yousef"}
    assert found("lager") == {"Mads Holm"}
    assert found("zzz") == set()
    # Each row shows the trades and certificates there are, joined.
    candidate(make, "Ida", "Berg", "Toveshøj", trades="Tømrer", certificates="Kran")
    rows = client.get("/candidates/", headers=HX).get_data(as_text=True)
    cells = re.findall(r'<td class="hide-sm">([^<]*)</td>', rows)
    assert sorted(cells) == ["Lager", "Teleskoplæsser", "Tømrer · Kran"]


def test_edit_refuses_a_stale_version_and_keeps_the_text(client, make, coordinator):
    person = candidate(make)
    first = client.post(
        f"/candidates/{person.id}/edit",
        data=form(first_name="Mads", last_name="Holm-Jensen", version="1"),
    )
    assert first.status_code == 303
    stale = client.post(
        f"/candidates/{person.id}/edit",
        data=form(first_name="Mads", last_name="Andersen", version="1"),
    )
    assert stale.status_code == 409
    assert 'value="Andersen"' in stale.get_data(as_text=True)
    db.session.refresh(person)
    assert person.last_name == "Holm-Jensen"


def test_conversations_are_logged_inline(client, make, coordinator):
    person = candidate(make)
    response = client.post(
        f"/candidates/{person.id}/conversations",
        headers=HX,
        data={"held_on": "2026-03-09", "kind": "pre_match", "notes": "Første"},
    )
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "<html" not in html and 'id="conversations"' in html and "Første" in html
    bad = client.post(
        f"/candidates/{person.id}/conversations",
        headers=HX,
        data={"held_on": "", "kind": "nonsense"},
    )
    assert bad.status_code == 422
    assert db.session.scalar(select(Conversation.kind)) == "pre_match"


def test_consent_is_recorded_and_withdrawn(client, make, coordinator):
    person = candidate(make)
    client.post(
        f"/candidates/{person.id}/consents", data={"purpose": "employers", "given_on": "2026-03-01"}
    )
    consent = db.session.scalar(select(Consent))
    assert consent.recorded_by.name == "Karen Koordinator"
    client.post(f"/candidates/{person.id}/consents/{consent.id}/withdraw")
    db.session.refresh(consent)
    assert consent.withdrawn_on == local_today()


def test_sensitive_notes_show_only_when_opened_and_every_opening_is_logged(
    client, make, coordinator
):
    person = candidate(make)
    db.session.add(SensitiveNote(candidate_id=person.id, text="CANARY-helbred-1234"))
    db.session.commit()
    page = client.get(f"/candidates/{person.id}").get_data(as_text=True)
    assert "CANARY-helbred-1234" not in page
    opened = client.post(f"/candidates/{person.id}/sensitive", headers=HX)
    assert opened.status_code == 200 and "CANARY-helbred-1234" in opened.get_data(as_text=True)
    assert opened.headers["Cache-Control"] == "no-store"
    events = db.session.scalars(
        select(AuditEvent).where(AuditEvent.action == "open_sensitive_notes")
    ).all()
    assert [(e.user_id, e.candidate_id) for e in events] == [(coordinator.id, person.id)]
    assert all("CANARY" not in (e.target or "") for e in db.session.scalars(select(AuditEvent)))
    added = client.post(
        f"/candidates/{person.id}/sensitive/notes", headers=HX, data={"text": "Ny note"}
    )
    assert added.status_code == 200
    empty = client.post(f"/candidates/{person.id}/sensitive/notes", headers=HX, data={"text": ""})
    assert empty.status_code == 422


@pytest.mark.parametrize("role", [Role.CLIENT, Role.CONTRACTOR])
def test_candidates_are_for_coordinators_only(client, make, login, role):
    person = candidate(make)
    db.session.add(SensitiveNote(candidate_id=person.id, text="CANARY-5678"))
    db.session.commit()
    login(make.user(role))
    for url in (
        "/candidates/",
        f"/candidates/{person.id}",
        "/candidates/new",
        f"/candidates/{person.id}/edit",
    ):
        response = client.get(url)
        assert response.status_code == 403, url
        assert b"Mads" not in response.data
    for url in (
        f"/candidates/{person.id}/sensitive",
        f"/candidates/{person.id}/conversations",
        f"/candidates/{person.id}/consents",
        f"/candidates/{person.id}/sensitive/notes",
    ):
        response = client.post(url, data={"text": "x"})
        assert response.status_code == 403 and b"CANARY" not in response.data


def test_anonymous_users_are_sent_to_sign_in(client, make):
    person = candidate(make)
    response = client.get(f"/candidates/{person.id}")
    assert response.status_code == 302 and "/auth/login" in response.headers["Location"]


def test_viewing_a_candidate_is_logged(client, make, coordinator):
    person = candidate(make)
    client.get(f"/candidates/{person.id}")
    assert (
        db.session.scalar(
            select(AuditEvent.candidate_id).where(AuditEvent.action == "view_candidate")
        )
        == person.id
    )
