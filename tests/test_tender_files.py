"""The other files to the agreement's standard (issue 14): the kickoff briefing's contacts, the
GDPR subject export's Article 15 information, and workbooks that print well."""

from __future__ import annotations

import io

import docx
from flask import url_for

from app.agreements import service as agreements
from app.agreements.document import default_draft
from app.models import Phase, Role


def _awarded_project(make):
    assoc = make.association("Vestbo", areas=["Gellerupparken"])
    main = make.company("Nordbyg A/S")
    project = make.project(assoc, "Helhedsplan Gellerup", Phase.AWARDED, main=main)
    coordinator = make.user(Role.COORDINATOR, name="Karen Koordinator")
    client_user = make.user(Role.CLIENT, assoc, name="Birgitte Bygherre", email="b@vestbo.dk")
    contractor = make.user(Role.CONTRACTOR, main, name="Erik Entreprenør", email="e@nordbyg.dk")
    draft = default_draft(agreements.library(), **agreements.project_values(project))
    draft.values.update(
        client_contact_name="Birgitte Bygherre",
        client_contact_role="projektleder",
        client_contact_phone="11 22 33 44",
    )
    version = agreements.save_version(project, draft, coordinator, 0)
    agreements.approve(version, client_user)
    return project, coordinator, contractor


def test_the_briefing_lists_each_contact_once_with_role_and_organisation(client, login, make):
    project, coordinator, contractor = _awarded_project(make)
    login(coordinator)
    client.post(
        url_for("meetings.plan_kickoff", project_id=project.id),
        data={"date": "2031-03-04", "time": "09:30", "duration_minutes": "90", "place": "Skurvogn"},
    )
    login(contractor)
    response = client.get(url_for("meetings.briefing", project_id=project.id))
    assert response.status_code == 200
    document = docx.Document(io.BytesIO(response.data))
    paragraphs = [p.text for p in document.paragraphs]
    start = paragraphs.index("Kontakter")
    contacts = [p for p in paragraphs[start + 1 :] if p]
    assert len([c for c in contacts if c.startswith("Birgitte Bygherre")]) == 1
    assert "Birgitte Bygherre – projektleder, Vestbo (11 22 33 44)" in contacts
    assert "Erik Entreprenør – entreprenør, Nordbyg A/S (e@nordbyg.dk)" in contacts
    assert any(c.startswith("Karen Koordinator – koordinerende enhed") for c in contacts)
    names = [c.split(" – ")[0] for c in contacts]
    assert len(names) == len(set(names))


def test_the_gdpr_export_states_what_article_15_requires(app, client, make, coordinator):
    person = make.candidate()
    app.config["GDPR_RETENTION_MONTHS"] = 18
    try:
        data = client.get(url_for("gdpr.export_json", candidate_id=person.id)).get_json()
        response = client.get(url_for("gdpr.export_docx", candidate_id=person.id))
    finally:
        app.config.pop("GDPR_RETENTION_MONTHS")
    info = data["information"]
    assert info["purposes"] and info["recipients"] and info["legal_basis"]
    assert "18 måneder" in info["retention"]
    rights = " ".join(info["rights"])
    for article in ("artikel 16", "artikel 17", "artikel 21"):
        assert article in rights
    assert "Datatilsynet" in info["complaint"]
    document = docx.Document(io.BytesIO(response.data))
    body = "\n".join(p.text for p in document.paragraphs)
    for heading in (
        "Formål",
        "Retsgrundlag",
        "Hvem får oplysningerne",
        "Hvor længe oplysningerne gemmes",
        "Dine rettigheder",
    ):
        assert heading in body
    assert "18 måneder" in body and "indsigelse" in body and "Datatilsynet" in body
    assert "rettet" in body and "slettet" in body
