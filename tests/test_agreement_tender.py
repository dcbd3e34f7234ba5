"""A tender-ready agreement (issue 14): every generated variant is opened and checked, then
converted by LibreOffice; version marks, byte-identical approved files and the CLI flag."""

from __future__ import annotations

import datetime as dt
import io
import re
import shutil
import subprocess
import zipfile
from dataclasses import replace

import docx
import pytest
from flask import url_for

from app.agreements import service
from app.agreements.document import FSI, PDI, default_draft, render, validate_draft
from app.agreements.document_model import to_text
from app.agreements.docx_writer import to_docx
from app.agreements.library import load_library
from app.agreements.samples import DEMO_VALUES
from app.clock import TIMEZONE
from app.models import Phase, Role
from tests import agreement_checker as checker

STAMP = dt.datetime(2026, 12, 3, 9, 30, tzinfo=dt.UTC)
CONTACTS = {
    "client_contact_name": "Anne Bygherre",
    "client_contact_role": "projektleder",
    "client_contact_phone": "11 22 33 44",
    "client_contact_email": "anne@vestbo.dk",
    "contractor_contact_name": "Bo Entreprenør",
    "contractor_contact_role": "byggeleder",
    "contractor_contact_phone": "55 66 77 88",
    "contractor_contact_email": "bo@byg.dk",
    "main_contractor_name": "Byg og Anlæg A/S",
    "contract_appendix": "B.7",
}
# name -> (values, every optional clause on?, version mark, draft?)
VARIANTS = {
    "default": ({}, False, "", False),
    "all_optional": (CONTACTS, True, "UDKAST – version 2 – 01.12.2026", True),
    "best_effort": ({"consequence": "best_effort"}, False, "", False),
    "penalty": (
        {"consequence": "penalty", "precedence": "agreement", "data_controller": "client"},
        True,
        "Version 3 – godkendt af Anne Bygherre, Boligforeningen Skovparken, den 03.12.2026 – "
        "fingeraftryk 1A2B-3C4D",
        False,
    ),
    "targets_0_5": ({"apprenticeships_min": 0, "courses_min": 5}, True, "", False),
    "targets_1_1": ({"apprenticeships_min": 1, "courses_min": 1}, False, "", True),
    "targets_2_9": ({"apprenticeships_min": 2, "courses_min": 9}, True, "", False),
}


@pytest.fixture(scope="module")
def library():
    return load_library()


def build(library, name):
    values, all_on, status, draft_mark = VARIANTS[name]
    draft = default_draft(library, **(DEMO_VALUES | values))
    if all_on:
        for choice in draft.clauses:
            choice.enabled = True
    assert validate_draft(library, draft) == {}
    doc = replace(render(library, draft), status=status, draft=draft_mark)
    return doc, to_docx(doc, timestamp=STAMP)


@pytest.mark.parametrize("name", VARIANTS)
def test_each_agreement_variant_passes_the_checker(library, name):
    doc, data = build(library, name)
    checker.check_agreement(data, doc)
    assert to_docx(doc, timestamp=STAMP) == data  # same input, same bytes


def test_every_optional_clause_and_the_new_clauses_are_in_the_full_agreement(library):
    doc, _ = build(library, "all_optional")
    keys = [section.key for section in doc.sections]
    assert set(keys) == set(library.keys)
    text = to_text(doc)
    assert "bilag B.7 til entreprisekontrakten" in text
    assert "almen bolig under en almen boligforening i Aarhus Kommune" in text
    assert "personer under oplæring" in text and "frivilligt partnerskab" in text
    assert "Senest 4 uger efter, at kontrakten er tildelt" in text
    assert "Anne Bygherre, projektleder, Boligforeningen Skovparken, tlf. 11 22 33 44" in text
    assert "Bo Entreprenør, byggeleder, Byg og Anlæg A/S" in text
    assert "Sted og dato: " in text
    # The personal data clause no longer says that only the coordinator has access and then
    # hands data to the contractors.
    assert "Kun Byg Op har adgang" not in text
    assert "kun de oplysninger om en kandidat, som et match kræver" in text


def test_consequence_variants(library):
    best, _ = build(library, "best_effort")
    penalty, _ = build(library, "penalty")
    best_text, penalty_text = to_text(best), to_text(penalty)
    assert "bestræbelsesforpligtelse" in best_text and "bod" not in best_text.split()
    assert "10.000 kr. for hvert beskæftigelsesforløb og 25.000 kr. for hver læreplads" in (
        penalty_text
    )
    assert "inden for 3 uger" in penalty_text  # the mutuality exemption
    for text in (best_text, penalty_text):
        assert "Ved afleveringen af byggeriet laver Byg Op en slutopgørelse" in text
    # Cross-references carry the numbers of the cited paragraphs in both.
    section = next(s for s in penalty.sections if s.key == "consequences")
    targets = next(s for s in penalty.sections if s.key == "targets")
    assert f"måltallene i pkt. {targets.number}.1" in penalty_text
    assert section.blocks[0].number == f"{section.number}.1"


def test_odd_targets_read_correctly(library):
    zero, _ = build(library, "targets_0_5")
    one, _ = build(library, "targets_1_1")
    assert "ingen lærepladser" in to_text(zero)
    assert "og 1 læreplads" in to_text(one) or "1 læreplads" in to_text(one)
    assert "måltallene på 5 beskæftigelsesforløb og 0 lærepladser" in to_text(zero)


def test_right_to_left_names_are_isolated_so_dates_keep_their_place(library):
    draft = default_draft(library, **(DEMO_VALUES | {"client_name": "شركة البناء"}))
    doc = render(library, draft)
    data = to_docx(doc, timestamp=STAMP)
    text = "\n".join(p.text for p in docx.Document(io.BytesIO(data)).paragraphs)
    assert f"{FSI}شركة البناء{PDI} som bygherre" in text
    assert f"{FSI}شركة البناء{PDI}" in to_text(doc)


def test_core_properties_carry_the_given_time(library):
    _, data = build(library, "default")
    core = zipfile.ZipFile(io.BytesIO(data)).read("docProps/core.xml").decode("utf-8")
    assert ">2026-12-03T09:30:00Z</dcterms:created>" in core
    assert ">2026-12-03T09:30:00Z</dcterms:modified>" in core


# --- LibreOffice -----------------------------------------------------------------------------

needs_office = pytest.mark.skipif(
    checker.soffice() is None or shutil.which("pdftotext") is None,
    reason="LibreOffice and poppler-utils are needed",
)


@needs_office
def test_libreoffice_converts_every_variant_with_a_stable_page_count(library, tmp_path):
    files = {}
    for name in VARIANTS:
        doc, data = build(library, name)
        path = tmp_path / f"{name}.docx"
        path.write_bytes(data)
        files[name] = (doc, path)
    paths = [path for _, path in files.values()]
    checker.convert(paths, tmp_path / "first")
    checker.convert(paths, tmp_path / "second")
    carlito = (
        "Carlito" in subprocess.run(["fc-match", "Calibri"], capture_output=True, text=True).stdout
    )
    for name, (doc, _) in files.items():
        first = tmp_path / "first" / f"{name}.pdf"
        second = tmp_path / "second" / f"{name}.pdf"
        pages = checker.page_count(first)
        assert pages == checker.page_count(second), name
        assert 3 <= pages <= 8, (name, pages)
        if carlito:  # metric-compatible: laid out as Word lays out Calibri
            assert "Carlito" in checker.pdf_fonts(first), name
        headings = {section.heading for section in doc.sections}
        texts = checker.pdf_pages(first)
        for number, page in enumerate(texts, start=1):
            lines = [line.strip() for line in page.splitlines() if line.strip()]
            lines = [line for line in lines if not re.fullmatch(r"Side \d+ af \d+", line)]
            assert lines, (name, number)
            last = re.sub(r"\s+", " ", lines[-1])
            assert last not in headings, (name, number, last)
        # The signature block is on the same page as the last clause's heading.
        final = texts[-1]
        assert doc.sections[-1].heading in re.sub(r"[ \t]+", " ", final), name
        assert "Underskrift" in final
        # Cross-references show the numbers LibreOffice computes from the bookmarks too.
        everything = re.sub(r"\s+", " ", "".join(texts))
        for paragraph in (b for s in doc.sections for b in s.blocks if hasattr(b, "refs")):
            for start, end, _ in paragraph.refs:
                assert f"pkt. {paragraph.text[start:end]}" in everything, name


# --- saved versions: marks, identical downloads, the CLI -------------------------------------


@pytest.fixture
def project(make):
    assoc = make.association("Boligforeningen Vestbo", areas=["Gellerupparken"])
    project = make.project(assoc, "Helhedsplan Gellerup", Phase.TENDER)
    project.areas = list(assoc.areas)
    return project


def _save(project, author):
    draft = default_draft(load_library(), **service.project_values(project))
    return service.save_version(project, draft, author, 0)


def test_a_draft_version_is_marked_and_watermarked(client, make, login, project, coordinator):
    version = _save(project, coordinator)
    data = client.get(url_for("agreements.docx", project_id=project.id, number=1)).data
    doc = service.document_for(version)
    checker.check_agreement(data, doc)
    local = version.created_at
    if local.tzinfo is None:
        local = local.replace(tzinfo=dt.UTC)
    day = local.astimezone(TIMEZONE).strftime("%d.%m.%Y")
    header = "\n".join(
        p.text for p in docx.Document(io.BytesIO(data)).sections[0].header.paragraphs
    )
    assert f"UDKAST – version 1 – {day}" in header
    text = client.get(url_for("agreements.text", project_id=project.id, number=1)).text
    assert text.startswith(f"UDKAST – version 1 – {day}\n")
    page = client.get(url_for("agreements.version", project_id=project.id, number=1)).text
    assert f"UDKAST – version 1 – {day}" in page


def test_an_approved_version_downloads_byte_identically(client, make, login, project, coordinator):
    version = _save(project, coordinator)
    approver = make.user(Role.CLIENT, project.client, name="Anne Bygherre")
    service.approve(version, approver)
    url = url_for("agreements.docx", project_id=project.id, number=1)
    first, second = client.get(url).data, client.get(url).data
    assert first == second
    doc = service.document_for(version)
    assert not doc.draft
    checker.check_agreement(first, doc)
    header = "\n".join(
        p.text for p in docx.Document(io.BytesIO(first)).sections[0].header.paragraphs
    )
    mark = re.search(
        r"Version 1 – godkendt af Anne Bygherre, Boligforeningen Vestbo, den "
        r"\d\d\.\d\d\.\d{4} – fingeraftryk ([0-9A-F]{4}-[0-9A-F]{4})",
        header,
    )
    assert mark and mark.group(1) == service.fingerprint(version)
    approved = version.approved_at
    if approved.tzinfo is None:
        approved = approved.replace(tzinfo=dt.UTC)
    core = zipfile.ZipFile(io.BytesIO(first)).read("docProps/core.xml").decode("utf-8")
    stamp = approved.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    assert f">{stamp}</dcterms:created>" in core and f">{stamp}</dcterms:modified>" in core
    text = client.get(url_for("agreements.text", project_id=project.id, number=1)).text
    assert text.splitlines()[0] == doc.status


def test_cli_renders_the_approved_version_unless_a_draft_is_asked_for(
    runner, make, project, coordinator, tmp_path
):
    first = _save(project, coordinator)
    service.approve(first, make.user(Role.CLIENT, project.client))
    _save_next = default_draft(load_library(), **service.project_values(project))
    service.save_version(project, _save_next, coordinator, 1)
    out = tmp_path / "aftale.docx"
    args = ["agreements", "render", "--project", str(project.id), "--output", str(out)]
    result = runner.invoke(args=args)
    assert result.exit_code == 0, result.output
    assert "v1" in result.output
    header = "\n".join(p.text for p in docx.Document(str(out)).sections[0].header.paragraphs)
    assert "Version 1 – godkendt af" in header
    result = runner.invoke(args=[*args, "--draft"])
    assert result.exit_code == 0, result.output
    header = "\n".join(p.text for p in docx.Document(str(out)).sections[0].header.paragraphs)
    assert "UDKAST – version 2" in header


def test_a_reference_to_a_missing_or_optional_clause_is_reported_with_its_line(tmp_path):
    shutil.copytree(load_library.__defaults__[0], tmp_path / "lib")
    clause = tmp_path / "lib" / "clauses" / "135_changes.clause"
    lines = clause.read_text(encoding="utf-8").split("\n")
    lines.append("Se pkt. [[ref:aarsvaerk.1]].")  # optional: may be switched off
    clause.write_text("\n".join(lines), encoding="utf-8")
    library = load_library(tmp_path / "lib")
    assert "changes" not in library.keys
    assert [str(e) for e in library.errors] == [
        f"135_changes.clause:{len(lines)}: [[ref:aarsvaerk.1]] must name a required clause "
        "of the library"
    ]
