"""Reports and exports: the client's progress report (.docx, .xlsx), the portfolio, the placements
CSV and the apprentice årsværk; figures equal the counting module's, and nobody sees more than
their role allows."""

from __future__ import annotations

import csv
import io
import os
import re
import shutil
import subprocess
import zipfile
from datetime import date, timedelta

import docx
import openpyxl
import pytest
from docx.oxml.ns import qn
from PIL import Image
from sqlalchemy import event, select

from app.agreements.document_model import (
    AgreementDocument,
    Paragraph,
    Picture,
    Section,
    Table,
    to_text,
)
from app.agreements.docx_writer import to_docx
from app.clock import local_today
from app.extensions import db
from app.models import Phase, Role, Rung
from app.placements import counting
from app.placements.models import Placement
from app.placements.progress_data import project_facts, project_progress, projects_progress
from app.reports import aarsvaerk as av
from app.reports import chart
from app.reports import data as report_data
from app.reports.models import ReportNarrative
from tests.factories import add_candidate, add_placement
from tests.sites import docx_text, other_project, progress_site, xlsx_text
from tests.xlsx_helpers import date_cells, row_values, value_of

TODAY = local_today()  # the app's day (Copenhagen), not the machine's
CANARY = "KANARIEFUGL-7f3a"
NAMES = ("Mads", "Mikkelsen", "Ahmed", "Hassan", "Sara", "Sørensen")
PHONE = "12 34 56 78"


def days_ago(n: int) -> date:
    return TODAY - timedelta(days=n)


@pytest.fixture
def site(make):
    """A running project: Mads climbs three rungs and Ahmed one at the main contractor, Sara
    is an apprentice at the subcontractor; secrets wait in a sensitive note, a conversation and
    an outcome reason."""
    site = progress_site(make, retention_note=CANARY)
    mads, ahmed = site["mads"], site["ahmed"]
    ended = db.session.scalar(select(Placement).where(Placement.candidate_id == ahmed.id))
    ended.outcome_reason = f"Årsag {CANARY}"
    mads.email, mads.address = f"mads-{CANARY}@example.dk", f"Vej {CANARY}"
    db.session.commit()
    make.sensitive_note(ahmed, f"Helbred {CANARY}")
    return site


def reader(response):
    assert response.status_code == 200, response.status_code
    return io.BytesIO(response.data)


def document_of(response):
    assert response.mimetype.endswith("wordprocessingml.document")
    return docx.Document(reader(response))


def workbook_of(response):
    assert response.mimetype.endswith("spreadsheetml.sheet")
    return openpyxl.load_workbook(reader(response))


def csv_rows(response) -> list[list[str]]:
    assert response.status_code == 200
    assert response.data.startswith(b"\xef\xbb\xbf")  # the BOM Danish Excel needs for UTF-8
    text = response.data.decode("utf-8-sig")
    return list(csv.reader(io.StringIO(text), delimiter=";"))


def table_with(document, first_header: str):
    return next(t for t in document.tables if t.rows[0].cells[0].text == first_header)


def rows_by_label(sheet) -> dict:
    return {row[0]: row[1:] for row in sheet.iter_rows(values_only=True) if row and row[0]}


# --- access ------------------------------------------------------------------------------------

PROJECT_URLS = ("/projects/{id}/report", "/projects/{id}/report.docx", "/projects/{id}/report.xlsx")
GLOBAL_URLS = (
    "/reports/",
    "/reports/portfolio.xlsx",
    "/reports/aarsvaerk",
    "/reports/aarsvaerk.xlsx",
)
CSV_URL = "/reports/placements.csv"


def test_anonymous_users_are_sent_to_sign_in(client, site):
    urls = [u.format(id=site["project"].id) for u in PROJECT_URLS] + [*GLOBAL_URLS, CSV_URL]
    for url in urls:
        response = client.get(url)
        assert response.status_code == 302, url
        assert response.headers["Location"].startswith("/auth/login")
    response = client.post(f"/projects/{site['project'].id}/report/narrative", data={})
    assert response.status_code == 302


@pytest.mark.parametrize("role", [Role.COORDINATOR, Role.ADMIN])
def test_staff_may_have_everything(client, login, make, site, role):
    login(make.user(role))
    for url in [u.format(id=site["project"].id) for u in PROJECT_URLS] + [*GLOBAL_URLS, CSV_URL]:
        assert client.get(url).status_code == 200, url


def test_the_projects_client_may_have_its_reports(client, login, make, site):
    login(make.user(Role.CLIENT, site["assoc"]))
    for url in [u.format(id=site["project"].id) for u in PROJECT_URLS] + [*GLOBAL_URLS, CSV_URL]:
        assert client.get(url).status_code == 200, url
    assert client.get(f"{CSV_URL}?project={site['project'].id}").status_code == 200
    # Reading the comment is fine; writing it is the coordinators' job.
    url = f"/projects/{site['project'].id}/report/narrative"
    assert client.post(url, data={"text": "x", "version": "0"}).status_code == 403


def test_another_client_gets_404_for_the_project(client, login, make, site):
    login(make.user(Role.CLIENT))
    for url in [u.format(id=site["project"].id) for u in PROJECT_URLS]:
        assert client.get(url).status_code == 404, url
    assert client.get(f"{CSV_URL}?project={site['project'].id}").status_code == 404
    assert client.get("/projects/999999/report").status_code == 404


def test_contractors_do_not_get_the_clients_report(client, login, make, site):
    """Decision: the progress report is the client's; a contractor on the project gets 403,
    one outside it 404; portfolio and årsværk are refused; the CSV is its own placements."""
    login(make.user(Role.CONTRACTOR, site["main"]))
    for url in [u.format(id=site["project"].id) for u in PROJECT_URLS]:
        assert client.get(url).status_code == 403, url
    for url in GLOBAL_URLS[1:]:
        assert client.get(url).status_code == 403, url
    assert client.get("/reports/").status_code == 200
    assert client.get(f"{CSV_URL}?project={site['project'].id}").status_code == 200

    login(make.user(Role.CONTRACTOR))
    for url in [u.format(id=site["project"].id) for u in PROJECT_URLS]:
        assert client.get(url).status_code == 404, url
    assert client.get(f"{CSV_URL}?project={site['project'].id}").status_code == 404


def test_the_progress_page_links_to_the_report_for_staff_and_clients(client, login, make, site):
    project = site["project"]
    link = f'href="/projects/{project.id}/report"'
    login(site["coordinator"])
    assert link in client.get(f"/projects/{project.id}/progress").get_data(as_text=True)
    login(make.user(Role.CLIENT, site["assoc"]))
    assert link in client.get(f"/projects/{project.id}/progress").get_data(as_text=True)
    login(make.user(Role.CONTRACTOR, site["main"]))
    assert link not in client.get(f"/projects/{project.id}/progress").get_data(as_text=True)


def test_the_index_lists_the_projects_in_scope(client, login, make, site):
    other = other_project(make, site["coordinator"])
    login(make.user(Role.CLIENT, site["assoc"]))
    html = client.get("/reports/").get_data(as_text=True)
    assert f'href="/projects/{site["project"].id}/report"' in html
    assert f"/projects/{other.id}/report" not in html
    assert 'href="/reports/portfolio.xlsx"' in html and 'href="/reports/aarsvaerk"' in html
    login(make.user(Role.CONTRACTOR, site["main"]))
    html = client.get("/reports/").get_data(as_text=True)
    assert 'href="/reports/placements.csv"' in html
    assert "portfolio.xlsx" not in html and "/report.docx" not in html and '/report"' not in html


# --- the Word report ---------------------------------------------------------------------------


def test_the_word_report_has_headings_tables_chart_and_initials(client, login, make, site):
    project = site["project"]
    login(make.user(Role.CLIENT, site["assoc"]))
    response = client.get(f"/projects/{project.id}/report.docx")
    assert "attachment" in response.headers["Content-Disposition"]
    document = document_of(response)
    progress = project_progress(project)

    assert document.paragraphs[0].text == "Fremdriftsrapport"
    assert document.paragraphs[0].style.name == "Title"
    assert len([p for p in document.paragraphs if p.style.name == "Heading 2"]) >= 6
    assert len(document.inline_shapes) == 1  # the chart, as a picture
    assert document.inline_shapes[0].width > 0

    # Per rung: started, counted, completed, as counted.
    rungs = table_with(document, "Trin")
    for row, rung in zip(rungs.rows[1:5], Rung, strict=True):
        c = progress.per_rung[rung]
        assert [cell.text for cell in row.cells[1:]] == [
            str(c.started),
            str(c.counted),
            str(c.completed),
        ]
    assert [c.text for c in rungs.rows[5].cells[1:]] == [
        str(progress.courses_started),
        str(progress.courses_counted),
        str(progress.courses_completed),
    ]
    # Targets against counted.
    targets = table_with(document, "")
    courses, apprenticeships = (r.cells for r in targets.rows[1:3])
    assert [c.text for c in courses[1:]] == [
        str(progress.targets.courses),
        str(progress.courses_started),
        str(progress.courses_counted),
        str(progress.courses_completed),
    ]
    assert apprenticeships[1].text == str(progress.targets.apprenticeships)
    assert apprenticeships[3].text == str(progress.apprenticeships_counted)

    # Per company: counted by the counting module over that company's placements.
    facts = project_facts(project.id)
    companies = table_with(document, "Virksomhed")
    by_name = {row.cells[0].text: [c.text for c in row.cells[1:]] for row in companies.rows[1:]}
    for company in (site["main"], site["sub"]):
        mine = counting.count(
            [f for f in facts if f.company_id == company.id], progress.targets, TODAY
        )
        assert by_name[company.name] == [
            *(str(mine.per_rung[r].counted) for r in Rung),
            str(mine.courses_counted),
        ]

    text = docx_text(document)
    journeys = table_with(document, "Nr.")
    assert {row.cells[1].text for row in journeys.rows[1:]} == {"M.M.", "A.H.", "S.S."}
    assert len(journeys.rows) == 1 + 5
    # Dates as dd.mm.yyyy; a placement still running says so.
    starts = sorted(f.start for f in facts if f.start <= TODAY)
    shown = [row.cells[4].text for row in journeys.rows[1:]]
    assert sorted(shown, key=lambda s: s[6:] + s[3:5] + s[:2]) == [
        f"{d.day:02d}.{d.month:02d}.{d.year}" for d in starts
    ]
    assert all(
        re.fullmatch(r"\d\d\.\d\d\.\d{4}|i gang", row.cells[5].text) for row in journeys.rows[1:]
    )
    for secret in (*NAMES, CANARY, PHONE, "Koordinator"):
        assert secret not in text
    assert "KORA" in text and "skøn" in text


def test_the_word_report_is_danish_with_properties(client, login, site):
    login(site["coordinator"])
    document = document_of(client.get(f"/projects/{site['project'].id}/report.docx"))
    core = document.core_properties
    assert core.title == "Fremdriftsrapport – Helhedsplan Gellerup"
    assert core.author == "Byg Op" and core.language == "da-DK"
    assert "Helhedsplan Gellerup" in core.keywords
    lang = document.styles["Normal"].element.rPr.find(qn("w:lang"))
    assert lang.get(qn("w:val")) == "da-DK"
    assert (
        "Fremdriftsrapport – Helhedsplan Gellerup" in document.sections[0].header.paragraphs[0].text
    )


def test_the_word_package_embeds_the_png_cleanly(client, login, site):
    login(site["coordinator"])
    data = client.get(f"/projects/{site['project'].id}/report.docx").data
    package = zipfile.ZipFile(io.BytesIO(data))
    names = package.namelist()
    assert package.testzip() is None and len(names) == len(set(names))
    assert "word/media/image1.png" in names
    assert 'Extension="png"' in package.read("[Content_Types].xml").decode()
    image = Image.open(io.BytesIO(package.read("word/media/image1.png")))
    assert image.format == "PNG" and image.width > image.height > 300


def test_the_word_chart_follows_a_new_placement_at_once(client, login, site):
    """The chart is kept per worker; a placement saved since the last download still shows."""
    login(site["coordinator"])
    url = f"/projects/{site['project'].id}/report.docx"

    def chart_png():
        package = zipfile.ZipFile(io.BytesIO(client.get(url).data))
        return package.read("word/media/image1.png")

    before = chart_png()
    assert chart_png() == before  # the same counts draw the same chart
    person = add_candidate("Ny", "Person", site["assoc"])
    add_placement(person, site["project"], site["sub"], "internship", days_ago(20))
    assert chart_png() != before


def test_the_word_chart_speaks_the_readers_language(client, login, site):
    """A reader who chose English gets the chart with English words, dates and numbers
    ("Counted courses", "1 Jul 2026"); the Danish reader's chart is not handed out to them,
    although the counts are the same (the language is part of the chart's cache key)."""
    from app.reports import word

    login(site["coordinator"])
    url = f"/projects/{site['project'].id}/report.docx"

    def chart_png():
        package = zipfile.ZipFile(io.BytesIO(client.get(url).data))
        return package.read("word/media/image1.png")

    danish = chart_png()
    client.post("/language", data={"lang": "en"})
    english = chart_png()
    assert english != danish
    client.post("/language", data={"lang": "da"})
    assert chart_png() == danish

    report = report_data.project_report(site["project"])
    overview, t = report.overview, report.progress.targets
    drawn = dict(
        today=overview.today,
        start=site["project"].execution_start,
        end=site["project"].execution_end,
        target=t.courses if t else None,
        forecast=overview.forecast,
    )
    english_words = chart.ChartLabels(
        y_axis="Counted courses",
        counted="Counted courses",
        target="Target",
        pace="At this pace",
        today="Today",
    )
    expected = chart.progress_chart(
        list(overview.series), labels=english_words, locale="en", **drawn
    )
    assert english == expected == word.report_chart(report, "en")


def test_a_project_without_agreement_or_placements_still_gets_a_report(client, login, make):
    project = make.project(phase=Phase.AWARDED, main=make.company())
    login(make.user(Role.COORDINATOR))
    document = document_of(client.get(f"/projects/{project.id}/report.docx"))
    assert len(document.inline_shapes) == 1
    assert table_with(document, "").rows[1].cells[1].text == "–"
    book = workbook_of(client.get(f"/projects/{project.id}/report.xlsx"))
    assert value_of(book["Pr. trin"], book["Pr. trin"]["C6"]) == 0


def _soffice():
    return shutil.which("soffice") or shutil.which("libreoffice")


def test_libreoffice_converts_the_word_report_to_pdf(client, login, site, tmp_path):
    binary = _soffice()
    if binary is None:
        if os.environ.get("CI"):
            pytest.fail("LibreOffice (soffice) is required when CI is set")
        pytest.skip("LibreOffice (soffice) is not installed; apt install libreoffice-writer-nogui")
    login(site["coordinator"])
    source = tmp_path / "rapport.docx"
    source.write_bytes(client.get(f"/projects/{site['project'].id}/report.docx").data)
    result = subprocess.run(
        [
            binary,
            f"-env:UserInstallation=file://{tmp_path / 'profile'}",
            "--headless",
            "--convert-to",
            "pdf",
            "--outdir",
            str(tmp_path),
            str(source),
        ],
        capture_output=True,
        timeout=180,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    pdf = (tmp_path / "rapport.pdf").read_bytes()
    assert 1 <= len(re.findall(rb"/Type\s*/Page(?!s)", pdf)) <= 6
    assert b"/Subtype /Image" in pdf or b"/Subtype/Image" in pdf  # the chart survived


# --- the Excel report --------------------------------------------------------------------------


def test_the_excel_report_has_the_counted_figures(client, login, make, site):
    project = site["project"]
    login(make.user(Role.CLIENT, site["assoc"]))
    book = workbook_of(client.get(f"/projects/{project.id}/report.xlsx"))
    p = project_progress(project)
    assert book.properties.language == "da-DK"
    assert book.sheetnames == [
        "Status",
        "Pr. trin",
        "Pr. virksomhed",
        "Beboernes forløb",
        "Udvikling",
    ]

    status = rows_by_label(book["Status"])
    assert status["Beskæftigelsesforløb"][:4] == (
        p.targets.courses,
        p.courses_started,
        p.courses_counted,
        p.courses_completed,
    )
    assert status["Lærepladser"][:4] == (
        p.targets.apprenticeships,
        p.apprenticeships_started,
        p.apprenticeships_counted,
        p.apprenticeships_completed,
    )
    assert status["Beboere på stigen"][0] == p.residents
    assert "KORA" in xlsx_text(book)

    rows = list(book["Pr. trin"].iter_rows(min_row=2, values_only=True))
    for row, rung in zip(rows[:4], Rung, strict=True):
        c = p.per_rung[rung]
        assert row[1:] == (c.started, c.counted, c.completed)
    totals = row_values(book["Pr. trin"], 6)
    assert totals[1:] == (p.courses_started, p.courses_counted, p.courses_completed)

    journeys = list(book["Beboernes forløb"].iter_rows(min_row=2, values_only=True))
    assert sorted({row[1] for row in journeys}) == ["A.H.", "M.M.", "S.S."]
    series = list(book["Udvikling"].iter_rows(min_row=2, values_only=True))
    assert series[-1][1] == p.courses_counted
    text = xlsx_text(book)
    for secret in (*NAMES, CANARY, PHONE):
        assert secret not in text


def test_the_excel_report_writes_dates_as_date_cells_shown_the_danish_way(
    client, login, make, site
):
    """Each date is a real date cell (Excel can sort and filter it) with the format
    dd-mm-yyyy, never text: the as-of day, the execution period, every journey's start
    and the development sheet's days."""
    project = site["project"]
    login(make.user(Role.CLIENT, site["assoc"]))
    book = workbook_of(client.get(f"/projects/{project.id}/report.xlsx"))
    dates = date_cells(book)
    status = rows_by_label(book["Status"])
    assert status["Opgjort pr."][0].date() == TODAY
    assert status["Udførelse start"][0].date() == project.execution_start
    assert status["Udførelse slut"][0].date() == project.execution_end
    assert book["Status"]["B2"] in dates
    starts = [row[4] for row in book["Beboernes forløb"].iter_rows(min_row=2)]
    assert starts and all(cell in dates for cell in starts)
    days = [row[0] for row in book["Udvikling"].iter_rows(min_row=2)]
    assert days and all(cell in dates for cell in days)


def test_a_formula_in_a_name_stays_text_in_excel(client, login, make, site):
    site["main"].name = '=HYPERLINK("http://evil")'
    db.session.commit()
    login(site["coordinator"])
    book = workbook_of(client.get(f"/projects/{site['project'].id}/report.xlsx"))
    cell = book["Pr. virksomhed"]["A2"]
    assert cell.value.startswith("=HYPERLINK") and cell.data_type == "s"


# --- the portfolio -----------------------------------------------------------------------------


def portfolio_rows(book) -> dict:
    sheet = book["Portefølje"]
    values = list(sheet.iter_rows(values_only=True))
    header = next(i for i, row in enumerate(values) if row[0] == "Byggesag")
    rows = {}
    for row in values[header + 1 :]:
        if not row[0]:
            break
        rows[row[0]] = row
    return rows


def test_the_portfolio_has_one_counted_row_per_project_and_a_total(client, login, make, site):
    other = other_project(make, site["coordinator"])
    login(site["coordinator"])
    book = workbook_of(client.get("/reports/portfolio.xlsx"))
    rows = portfolio_rows(book)
    progress = projects_progress([site["project"], other])
    for project in (site["project"], other):
        row, p = rows[project.name], progress[project.id]
        assert row[1] == project.client.name
        assert row[3:8] == (
            p.targets.courses,
            p.targets.apprenticeships,
            p.courses_counted,
            p.apprenticeships_counted,
            p.residents,
        )
        persons, low, high = counting.societal_gain(project_facts(project.id), TODAY)
        assert row[9:12] == (persons, low, high)
    # Mads's ordinary employment has lasted 100 days, Ole's 121: one person each (≥ 98).
    assert rows["Helhedsplan Gellerup"][9] == 1 and rows[other.name][9] == 1
    sheet = book["Portefølje"]
    total_row = next(r for r in sheet.iter_rows() if r[0].value == "I alt (2 byggesager)")
    total = tuple(value_of(sheet, cell) for cell in total_row)
    assert total[5] == sum(p.courses_counted for p in progress.values())
    assert total[10:12] == (244_000, 272_000)
    text = xlsx_text(book)
    assert "KORA" in text and "skøn" in text and "122.000–136.000" in text
    (as_of,) = date_cells(book)  # the as-of day, a real date beside its label
    assert sheet["A2"].value == "Opgjort pr." and as_of.coordinate == "B2"
    assert as_of.value.date() == TODAY


def test_a_client_sees_only_its_own_projects_in_the_portfolio(client, login, make, site):
    other = other_project(make, site["coordinator"])
    login(make.user(Role.CLIENT, site["assoc"]))
    rows = portfolio_rows(workbook_of(client.get("/reports/portfolio.xlsx")))
    assert "Helhedsplan Gellerup" in rows and other.name not in rows
    assert "I alt (1 byggesag)" in rows


def test_the_portfolio_is_streamed_and_holds_every_project(client, login, make, site):
    """The download arrives in pieces (built in write-only mode, never whole in memory) and
    is still an ordinary workbook with every project, its table and its totals."""
    coordinator = login(site["coordinator"])
    names = ["Helhedsplan Gellerup"] + [
        other_project(make, coordinator, f"Etape {i}").name for i in range(12)
    ]
    response = client.get("/reports/portfolio.xlsx", buffered=False)
    assert response.status_code == 200 and response.is_streamed
    pieces = list(response.response)
    response.close()
    book = openpyxl.load_workbook(io.BytesIO(b"".join(pieces)))
    rows = portfolio_rows(book)
    assert sorted(name for name in rows if not name.startswith("I alt")) == sorted(names)
    assert "I alt (13 byggesager)" in rows
    sheet = book["Portefølje"]
    (table,) = sheet.tables.values()
    assert table.ref == "A4:L18" and table.totalsRowCount == 1
    assert sheet.freeze_panes == "B5" and sheet.print_title_rows == "$4:$4"
    assert sheet["A4"].font.bold and sheet.column_dimensions["A"].width == 34


def count_statements(client, url: str) -> int:
    statements = []
    db.session.expire_all()

    def record(conn, cursor, statement, *args):
        statements.append(statement)

    event.listen(db.engine, "before_cursor_execute", record)
    try:
        assert client.get(url).status_code == 200
    finally:
        event.remove(db.engine, "before_cursor_execute", record)
    return len(statements)


def test_the_word_report_needs_the_same_queries_for_few_and_many_placements(
    client, login, make, site
):
    login(site["coordinator"])
    url = f"/projects/{site['project'].id}/report.docx"
    few = count_statements(client, url)
    for i in range(8):
        person = add_candidate(f"Person{i}", "Test", site["assoc"])
        add_placement(person, site["project"], site["sub"], "internship", days_ago(40 + i))
    assert count_statements(client, url) == few <= 12


def test_the_portfolio_needs_the_same_queries_for_2_and_12_projects(client, login, make, site):
    coordinator = login(site["coordinator"])
    other_project(make, coordinator, "A")
    few = count_statements(client, "/reports/portfolio.xlsx")
    for i in range(10):
        other_project(make, coordinator, f"P{i}")
    many = count_statements(client, "/reports/portfolio.xlsx")
    assert few == many <= 10
    assert count_statements(client, "/reports/aarsvaerk") <= 8
    assert count_statements(client, CSV_URL) <= 6


# --- the placements CSV ------------------------------------------------------------------------


def test_the_csv_is_streamed_in_pieces_that_add_up_to_every_row(client, login, site):
    coordinator = login(site["coordinator"])
    response = client.get(CSV_URL, buffered=False)
    assert response.status_code == 200 and response.is_streamed
    # A server closes the view's session when the view returns, before the file is sent (the
    # test's own app context would keep it open): the rows are read in a session of their own.
    coordinator_id = coordinator.id
    db.session.remove()
    whole = b"".join(response.response)
    response.close()
    from app.models import User
    from app.reports import data
    from app.reports.csv_export import placements_csv

    coordinator = db.session.get(User, coordinator_id)
    rows = list(data.export_rows(coordinator))
    assert len(rows) >= 3
    pieces = list(placements_csv(rows, coordinator, batch=1))
    assert len(pieces) == len(rows) + 1  # the header, then one piece per row
    assert b"".join(pieces) == whole
    assert whole.startswith("\ufeffByggesag;".encode())


def test_staff_get_names_and_all_placements(client, login, make, site):
    other_project(make, site["coordinator"])
    login(site["coordinator"])
    response = client.get(CSV_URL)
    assert response.mimetype == "text/csv"
    rows = csv_rows(response)
    assert rows[0] == [
        "Byggesag",
        "Bygherre",
        "Navn",
        "Trin",
        "Virksomhed",
        "Startdato",
        "Planlagt slutdato",
        "Slutdato",
        "Udfald",
    ]
    assert len(rows) == 1 + 6
    assert {"Mads Mikkelsen", "Ahmed Hassan", "Sara Sørensen"} <= {r[2] for r in rows[1:]}
    mads_first = next(r for r in rows[1:] if r[2] == "Mads Mikkelsen")
    assert mads_first[5] == days_ago(200).isoformat()
    assert mads_first[8]  # the outcome's Danish label
    only = csv_rows(client.get(f"{CSV_URL}?project={site['project'].id}"))
    assert len(only) == 1 + 5


def test_clients_get_initials_of_their_projects_only(client, login, make, site):
    other_project(make, site["coordinator"])
    login(make.user(Role.CLIENT, site["assoc"]))
    rows = csv_rows(client.get(CSV_URL))
    assert rows[0] == ["Byggesag", "Initialer", "Trin", "Virksomhed", "Startdato", "Slutdato"]
    assert len(rows) == 1 + 5
    assert {r[0] for r in rows[1:]} == {"Helhedsplan Gellerup"}
    assert {r[1] for r in rows[1:]} == {"M.M.", "A.H.", "S.S."}


def test_contractors_get_name_and_rung_of_their_own_placements(client, login, make, site):
    login(make.user(Role.CONTRACTOR, site["sub"]))
    rows = csv_rows(client.get(CSV_URL))
    assert rows[0] == ["Byggesag", "Navn", "Trin"]
    assert rows[1:] == [["Helhedsplan Gellerup", "Sara Sørensen", "Læreplads"]]
    login(make.user(Role.CONTRACTOR, site["main"]))
    rows = csv_rows(client.get(CSV_URL))
    assert len(rows) == 1 + 4 and "Sara Sørensen" not in {r[1] for r in rows}
    login(make.user(Role.CONTRACTOR))
    assert csv_rows(client.get(CSV_URL)) == [["Byggesag", "Navn", "Trin"]]


def test_a_formula_in_the_csv_is_neutralised(client, login, site):
    site["mads"].first_name = "=cmd|' /C calc'!A0"
    db.session.commit()
    login(site["coordinator"])
    names = {r[2] for r in csv_rows(client.get(CSV_URL))[1:]}
    assert "'=cmd|' /C calc'!A0 Mikkelsen" in names


# --- the canary -------------------------------------------------------------------------------


@pytest.mark.parametrize("role", [Role.COORDINATOR, Role.ADMIN, Role.CLIENT, Role.CONTRACTOR])
def test_no_sensitive_text_in_any_export_for_any_role(client, login, make, site, role):
    organisation = {Role.CLIENT: site["assoc"], Role.CONTRACTOR: site["main"]}.get(role)
    login(make.user(role, organisation))
    project = site["project"]
    urls = [u.format(id=project.id) for u in PROJECT_URLS] + [*GLOBAL_URLS, CSV_URL]
    seen = 0
    for url in urls:
        response = client.get(url)
        if response.status_code != 200:
            continue
        seen += 1
        if url.endswith(".docx"):
            text = docx_text(document_of(response))
        elif url.endswith(".xlsx"):
            text = xlsx_text(workbook_of(response))
        else:
            text = response.data.decode("utf-8-sig")
        assert CANARY not in text, url
        assert PHONE not in text, url
    assert seen >= 2


# --- the narrative -----------------------------------------------------------------------------


def narrative_url(project) -> str:
    return f"/projects/{project.id}/report/narrative"


def test_a_coordinator_writes_the_comment_and_it_reaches_both_files(client, login, make, site):
    project = site["project"]
    login(site["coordinator"])
    html = client.get(f"/projects/{project.id}/report").get_data(as_text=True)
    assert 'name="version" type="hidden" value="0"' in html
    response = client.post(
        narrative_url(project), data={"text": "Godt i gang.\n\nTo nye i praktik.", "version": "0"}
    )
    assert response.status_code == 303
    saved = db.session.get(ReportNarrative, project.id)
    assert saved.text == "Godt i gang.\n\nTo nye i praktik." and saved.version == 1
    assert saved.updated_by_id == site["coordinator"].id

    document = document_of(client.get(f"/projects/{project.id}/report.docx"))
    paragraphs = [p.text for p in document.paragraphs]
    assert "Godt i gang." in paragraphs and "To nye i praktik." in paragraphs
    book = workbook_of(client.get(f"/projects/{project.id}/report.xlsx"))
    assert "To nye i praktik." in xlsx_text(book)

    login(make.user(Role.CLIENT, site["assoc"]))
    html = client.get(f"/projects/{project.id}/report").get_data(as_text=True)
    assert "To nye i praktik." in html and "<textarea" not in html


def test_an_htmx_save_answers_with_the_fragment(client, login, site, htmx_headers):
    project = site["project"]
    login(site["coordinator"])
    response = client.post(
        narrative_url(project), data={"text": "Første", "version": "0"}, headers=htmx_headers
    )
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "<html" not in html and 'id="narrative"' in html
    assert 'value="1"' in html and "HX-Trigger" not in response.headers
    assert "Vary" in response.headers


def test_a_stale_save_is_refused_with_409_and_the_text_kept(client, login, site, htmx_headers):
    project = site["project"]
    login(site["coordinator"])
    client.post(narrative_url(project), data={"text": "Kollegas tekst", "version": "0"})
    # A second coordinator started from the empty comment (version 0) and saves later.
    response = client.post(
        narrative_url(project), data={"text": "Min tekst", "version": "0"}, headers=htmx_headers
    )
    assert response.status_code == 409
    html = response.get_data(as_text=True)
    assert 'id="narrative"' in html and 'role="alert"' in html
    assert re.search(r">\s*Min tekst</textarea>", html)  # my text kept in the form
    assert "Kollegas tekst" in html  # theirs shown to compare
    assert 'name="version" type="hidden" value="1"' in html  # saving again overwrites
    assert db.session.get(ReportNarrative, project.id).text == "Kollegas tekst"

    response = client.post(narrative_url(project), data={"text": "Min tekst", "version": "1"})
    assert response.status_code == 303
    db.session.expire_all()
    assert db.session.get(ReportNarrative, project.id).text == "Min tekst"
    stale = client.post(narrative_url(project), data={"text": "Gammel", "version": "1"})
    assert stale.status_code == 409


def test_a_too_long_comment_answers_422(client, login, site, htmx_headers):
    login(site["coordinator"])
    response = client.post(
        narrative_url(site["project"]),
        data={"text": "x" * 10_001, "version": "0"},
        headers=htmx_headers,
    )
    assert response.status_code == 422
    assert 'aria-invalid="true"' in response.get_data(as_text=True)
    assert db.session.get(ReportNarrative, site["project"].id) is None


# --- årsværk -----------------------------------------------------------------------------------


def test_aarsvaerk_for_a_hand_computed_apprenticeship():
    period = av.ApprenticeshipPeriod(1, 7, date(2026, 7, 1), date(2027, 6, 30))
    rows = av.aarsvaerk([period], today=date(2028, 1, 1))
    assert [(r.year, r.days) for r in rows] == [(2026, 184), (2027, 181)]
    first = rows[0]
    assert first.hours == pytest.approx(184 * 37 / 7)  # 972.57 hours
    assert first.aarsvaerk == pytest.approx(184 * 37 / 7 / 1924)  # 0.5055 årsværk
    assert first.apprentices == 1
    assert rows[1].aarsvaerk == pytest.approx(181 * 37 / 7 / 1924)


def test_aarsvaerk_a_whole_year_and_the_rules_at_the_edges():
    # 365 days × 37/7 = 1929.3 hours: a full year is a little over one årsværk.
    whole = av.aarsvaerk(
        [av.ApprenticeshipPeriod(1, 1, date(2025, 1, 1), None)], date(2025, 12, 31)
    )
    assert whole[0].days == 365 and whole[0].aarsvaerk == pytest.approx(365 * 37 / 7 / 1924)
    # Running placements count up to today, never ahead; future ones not at all.
    running = av.aarsvaerk(
        [
            av.ApprenticeshipPeriod(1, 1, date(2026, 11, 1), None),
            av.ApprenticeshipPeriod(1, 2, date(2026, 11, 1), date(2027, 3, 1)),
            av.ApprenticeshipPeriod(1, 3, date(2026, 12, 1), None),
        ],
        date(2026, 11, 10),
    )
    assert [(r.year, r.days, r.apprentices) for r in running] == [(2026, 20, 2)]
    # Overlapping placements of one person count once; two projects apart.
    overlap = av.aarsvaerk(
        [
            av.ApprenticeshipPeriod(1, 1, date(2026, 1, 1), date(2026, 1, 31)),
            av.ApprenticeshipPeriod(1, 1, date(2026, 1, 20), date(2026, 2, 9)),
            av.ApprenticeshipPeriod(2, 1, date(2026, 1, 1), date(2026, 1, 10)),
        ],
        date(2027, 1, 1),
    )
    assert [(r.project_id, r.days) for r in overlap] == [(1, 40), (2, 10)]
    totals = av.totals_per_year(overlap)
    assert [(t.year, t.days, t.apprentices) for t in totals] == [(2026, 50, 2)]


def test_the_aarsvaerk_page_and_workbook_show_the_computed_figures(client, login, make, site):
    project = site["project"]
    ole = add_candidate("Ole", "Lærling", site["assoc"])
    add_placement(ole, project, site["sub"], "apprenticeship", date(2024, 7, 1), date(2025, 6, 30))
    other = other_project(make, site["coordinator"])
    person = add_candidate("Eva", "Andersen", other.client)
    add_placement(person, other, other.main_contractor, "apprenticeship", date(2024, 1, 1))

    login(make.user(Role.CLIENT, site["assoc"]))
    html = client.get("/reports/aarsvaerk").get_data(as_text=True)
    assert f'data-project="{project.id}" data-year="2024"' in html
    assert f'data-project="{other.id}"' not in html  # another association's project
    assert 'id="aarsvaerk-method"' in html

    book = workbook_of(client.get("/reports/aarsvaerk.xlsx"))
    sheet = book["Årsværk"]
    values = list(sheet.iter_rows(values_only=True))
    header = next(i for i, row in enumerate(values) if row and row[0] == "År")
    rows = {(r[0], r[1]): r for r in values[header + 1 :] if r and r[0]}
    row_2024 = rows[(2024, "Helhedsplan Gellerup")]
    assert row_2024[3:7] == (
        1,
        184,
        pytest.approx(184 * 37 / 7),
        pytest.approx(184 * 37 / 7 / 1924),
    )
    assert rows[(2025, "Helhedsplan Gellerup")][4] == 181
    # Sara's apprenticeship, running for 31 days up to today (perhaps across New Year).
    for year, days in av.days_per_year(days_ago(30), TODAY).items():
        assert rows[(year, "Helhedsplan Gellerup")][3:5] == (1, days)
    method = xlsx_text(book)
    assert "37" in method and "1.924" in method and "datoer" in method
    assert [cell.value.date() for cell in date_cells(book)] == [TODAY, TODAY]  # "Opgjort pr."
    assert all(name[1] != other.name for name in rows)


# --- the building blocks -----------------------------------------------------------------------


def test_the_chart_is_a_png_even_without_dejavu(monkeypatch, tmp_path):
    series = [(date(2026, 3, 1), 1), (date(2026, 5, 10), 3)]
    kwargs = dict(today=date(2026, 11, 26), start=date(2026, 1, 1), end=date(2027, 12, 31))
    png = chart.progress_chart(series, target=8, forecast=6, **kwargs)
    monkeypatch.setattr(chart, "FONT_DIR", tmp_path)
    fallback = chart.progress_chart(series, target=8, forecast=6, **kwargs)
    for data in (png, fallback):
        image = Image.open(io.BytesIO(data))
        assert image.format == "PNG" and image.size == (chart.WIDTH, chart.HEIGHT)
    assert chart.short_date(date(2026, 7, 1)) == "1. jul. 2026"
    assert chart.short_date(date(2026, 7, 1), "en") == "1 Jul 2026"
    assert chart.month_label(date(2026, 5, 1), "en") == "May 2026"
    assert (chart.number(1250), chart.number(1250, "en")) == ("1.250", "1,250")
    # Nothing counted and no target still draws axes.
    assert Image.open(io.BytesIO(chart.progress_chart([], today=date(2026, 1, 1)))).width


@pytest.mark.parametrize(
    "locale, today, target",
    [
        ("da", date(2026, 12, 2), 24),
        ("en", date(2026, 12, 2), 24),
        # The target at the top of the scale and today on the first day: the two labels
        # meet above the plot.
        ("da", date(2026, 3, 1), 30),
    ],
)
def test_the_charts_png_shows_the_colours_it_drew(locale, today, target):
    """The PNG, made from kept parts with its lines drawn in palette indices, shows the
    chart `draw_chart` draws whole, in a fixed palette (the inks and their blends with white,
    for the text's edges): the background stays pure white, the strong inks keep their exact
    colour, and no pixel moves by more than a few levels of 255."""
    from PIL import ImageChops

    series = [(date(2026, 3, 1) + timedelta(days=20 * i), i + 1) for i in range(14)]
    kwargs = dict(today=today, start=date(2026, 3, 1), end=date(2028, 6, 30))
    drawn = chart.draw_chart(series, target=target, forecast=30, locale=locale, **kwargs)
    png = chart.progress_chart(series, target=target, forecast=30, locale=locale, **kwargs)
    shown = Image.open(io.BytesIO(png))
    assert shown.mode == "P" and len(png) < 40_000
    shown = shown.convert("RGB")
    difference = ImageChops.difference(drawn, shown)
    assert max(high for _low, high in difference.getextrema()) <= 8
    assert shown.getpixel((5, 5)) == (255, 255, 255)
    colours = {colour for _count, colour in shown.getcolors(1 << 16)}
    assert {chart.LINE, chart.TARGET, chart.AXIS, chart.TEXT} <= colours


def test_a_chart_made_from_kept_parts_is_the_chart_made_afresh():
    """Charts with the same dates and scale share their drawn frame; drawing one chart's
    lines never marks the frame the next one starts from."""
    kwargs = dict(today=date(2026, 9, 1), start=date(2026, 3, 1), end=date(2027, 6, 30))
    slow = [(date(2026, 4, 1), 1), (date(2026, 8, 1), 2)]
    fast = [(date(2026, 4, 1) + timedelta(days=10 * i), i + 1) for i in range(9)]
    chart._frame_image.cache_clear()
    first = chart.progress_chart(slow, target=10, forecast=5, **kwargs)
    second = chart.progress_chart(fast, target=10, forecast=9, **kwargs)
    assert chart._frame_image.cache_info().hits == 1  # the second reused the first's frame
    assert first != second
    chart._frame_image.cache_clear()
    assert chart.progress_chart(fast, target=10, forecast=9, **kwargs) == second
    assert chart.progress_chart(slow, target=10, forecast=5, **kwargs) == first


def test_the_writer_renders_generic_tables_and_pictures():
    png = chart.progress_chart([], today=date(2026, 1, 1), target=2)
    doc = AgreementDocument(
        title="T",
        subtitle="S",
        header="H",
        sections=(
            Section(
                1,
                "a",
                "Tal",
                (
                    Table(
                        ("Navn", "Antal"),
                        (("<w:p>", "1"), ('A\tB\x01 & "c"\x0b', "2"), ("Ålborg", "3")),
                        total=("I alt", "1"),
                        numeric=frozenset({1}),
                    ),
                    Picture(png, description="Kurve", caption="Figur 1"),
                    Paragraph("Slut"),
                ),
            ),
        ),
    )
    document = docx.Document(io.BytesIO(to_docx(doc)))
    table = document.tables[0]
    assert [[c.text for c in row.cells] for row in table.rows] == [
        ["Navn", "Antal"],
        ["<w:p>", "1"],
        ['A\tB & "c"\n', "2"],  # the control character dropped, the tab and break kept
        ["Ålborg", "3"],
        ["I alt", "1"],
    ]
    assert table.rows[1].cells[1].paragraphs[0].alignment == 2  # right-aligned figure
    assert len(document.inline_shapes) == 1
    assert document.inline_shapes[0].width == int(16 * 360_000)
    assert any(p.style.name == "Caption" and p.text == "Figur 1" for p in document.paragraphs)
    assert "Figur 1" in to_text(doc)
