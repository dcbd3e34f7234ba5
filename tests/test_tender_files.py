"""The other files to the agreement's standard (issue 14): the kickoff briefing's contacts, the
GDPR subject export's Article 15 information, and workbooks that print well."""

from __future__ import annotations

import io
import re

import docx
import openpyxl
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


def _check_prints_well(book) -> None:
    """Every sheet: A4 fitted to one page wide, the header row repeated and frozen."""
    for sheet in book.worksheets:
        setup = sheet.page_setup
        assert sheet.sheet_properties.pageSetUpPr.fitToPage, sheet.title
        assert (int(setup.fitToWidth), int(setup.fitToHeight)) == (1, 0), sheet.title
        rows = sheet.print_title_rows
        assert rows, sheet.title
        header = int(rows.split(":")[0].lstrip("$"))
        assert sheet.freeze_panes == f"A{header + 1}" or sheet.freeze_panes.endswith(
            str(header + 1)
        ), sheet.title
        assert sheet.cell(header, 1).font.bold, sheet.title


def _totals_are_table_rows(sheet) -> list:
    """Each table with a totals row: the totals row is the table's last row, outside the data
    that sorting and filtering touch. Returns the totals rows' cells."""
    found = []
    for table in sheet.tables.values():
        if not table.totalsRowCount:
            continue
        last = int(re.search(r"(\d+)$", table.ref).group(1))
        cells = sheet[last]
        assert str(cells[0].value).startswith("I alt"), sheet.title
        formulas = [c for c in cells if str(c.value).startswith("=SUBTOTAL(109,")]
        assert formulas and all(c.data_type == "f" for c in formulas), sheet.title
        found.append(cells)
    return found


def test_workbooks_print_well_and_keep_totals_apart(client, login, make):
    project, coordinator, _contractor = _awarded_project(make)
    login(coordinator)
    books = {
        name: openpyxl.load_workbook(io.BytesIO(client.get(url).data))
        for name, url in (
            ("project", url_for("reports.project_xlsx", project_id=project.id)),
            ("portfolio", url_for("reports.portfolio_xlsx")),
            ("aarsvaerk", url_for("reports.aarsvaerk_xlsx")),
        )
    }
    for book in books.values():
        _check_prints_well(book)
    assert _totals_are_table_rows(books["project"]["Pr. trin"])
    assert _totals_are_table_rows(books["portfolio"]["Portefølje"])
    for title in ("Pr. byggesag", "Årsværk", "Pr. år"):
        _totals_are_table_rows(books["aarsvaerk"][title])


def test_the_aarsvaerk_workbook_shows_the_target_beside_the_achieved_figure(client, login, make):
    assoc = make.association("Vestbo", areas=["Gellerupparken"])
    project = make.project(assoc, "Helhedsplan Gellerup", Phase.AWARDED, main=make.company())
    plain = make.project(assoc, "Uden årsværk", Phase.AWARDED, main=make.company())
    coordinator = make.user(Role.COORDINATOR)
    approver = make.user(Role.CLIENT, assoc)
    for target, with_clause in ((project, True), (plain, False)):
        draft = default_draft(agreements.library(), **agreements.project_values(target))
        draft.values["apprentice_aarsvaerk"] = 3
        for choice in draft.clauses:
            if choice.key == "aarsvaerk":
                choice.enabled = with_clause
        agreements.approve(agreements.save_version(target, draft, coordinator, 0), approver)
    login(coordinator)
    book = openpyxl.load_workbook(io.BytesIO(client.get(url_for("reports.aarsvaerk_xlsx")).data))
    sheet = book["Pr. byggesag"]
    values = list(sheet.iter_rows(values_only=True))
    header = next(i for i, row in enumerate(values) if row[0] == "Byggesag")
    assert values[header][2:4] == ("Mål (årsværk)", "Opnået (årsværk)")
    rows = {row[0]: row for row in values[header + 1 :] if row[0]}
    assert rows["Helhedsplan Gellerup"][2:5] == (3, 0, 3)
    assert rows["Uden årsværk"][2] is None  # no årsværk clause, no target
