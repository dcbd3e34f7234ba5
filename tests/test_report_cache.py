"""The progress report's .docx is kept per worker (app/reports/word.py, `cached_report_docx`),
keyed by everything it is made of (`data.ReportSources`) and the reader's language. Each
input the document shows is changed here once, and the next download must be built anew and
show the change; the same inputs hand out the kept file without building it again."""

from __future__ import annotations

import io
import zipfile
from datetime import timedelta

import docx
import openpyxl
import pytest
from sqlalchemy import event, select

from app.agreements.danish import format_date
from app.agreements.models import AgreementVersion
from app.extensions import db
from app.gdpr import service as gdpr
from app.models import Phase, ProjectCompany, Role, utcnow
from app.placements import progress_cache
from app.reports import excel, word
from app.reports import views as report_views
from app.reports.models import ReportNarrative
from tests.factories import TODAY, add_candidate, add_placement, days_ago
from tests.sites import docx_text, other_project, progress_site, xlsx_text


@pytest.fixture
def site(make):
    return progress_site(make)


@pytest.fixture
def builds(monkeypatch):
    """Count the reports actually built (laid out and zipped), as opposed to handed out."""
    calls = []
    real = word.report_docx

    def counted(report, locale="da"):
        calls.append(locale)
        return real(report, locale)

    monkeypatch.setattr(word, "report_docx", counted)
    word.forget_documents()
    return calls


def download(client, project):
    response = client.get(f"/projects/{project.id}/report.docx")
    assert response.status_code == 200
    return response.data


def text_of(data: bytes) -> str:
    document = docx.Document(io.BytesIO(data))
    return docx_text(document) + "\n" + document.core_properties.title


def test_the_same_sources_hand_out_the_kept_file(client, login, site, builds):
    login(site["coordinator"])
    first = download(client, site["project"])
    assert download(client, site["project"]) == first
    assert download(client, site["project"]) == first
    assert builds == ["da"]


def _new_placement(site, make, monkeypatch):
    person = add_candidate("Nina", "Nielsen", site["assoc"])
    add_placement(person, site["project"], site["sub"], "internship", days_ago(3))
    return "N.N."


def _person_renamed(site, make, monkeypatch):
    site["mads"].first_name = "Jens"
    db.session.commit()
    return "J.M."


def _person_erased(site, make, monkeypatch):
    gdpr.erase([site["ahmed"].id], reason="test")
    db.session.commit()
    return "\nA.\n"  # the journeys table's cell: "Anonymiseret" has the initials "A."


def _company_renamed(site, make, monkeypatch):
    site["sub"].name = "Omdøbt Entreprise ApS"
    db.session.commit()
    return "Omdøbt Entreprise ApS"


def _client_renamed(site, make, monkeypatch):
    site["assoc"].name = "Boligselskabet Nyt Navn"
    db.session.commit()
    return "Bygherre: Boligselskabet Nyt Navn."


def _main_contractor_replaced(site, make, monkeypatch):
    other = make.company("Ny Hovedentreprenør A/S")
    link = db.session.scalar(
        select(ProjectCompany).where(
            ProjectCompany.project_id == site["project"].id,
            ProjectCompany.company_id == site["main"].id,
        )
    )
    link.company_id = other.id
    db.session.commit()
    return "Hovedentreprenør: Ny Hovedentreprenør A/S."


def _project_renamed(site, make, monkeypatch):
    site["project"].rename("Helhedsplan Nyt Navn", site["project"].address)
    db.session.commit()
    return "Fremdriftsrapport – Helhedsplan Nyt Navn"


def _phase_changed(site, make, monkeypatch):
    site["project"].phase = Phase.COMPLETED
    db.session.commit()
    return f"Fase: {word.danish_label(Phase.COMPLETED)}."


def _execution_end_moved(site, make, monkeypatch):
    end = TODAY + timedelta(days=123)
    site["project"].execution_end = end
    db.session.commit()
    return f"slutter {format_date(end)}"


def _narrative_written(site, make, monkeypatch):
    db.session.add(ReportNarrative(project_id=site["project"].id, text="Ny kommentar her."))
    db.session.commit()
    return "Ny kommentar her."


def _agreement_approved(site, make, monkeypatch):
    db.session.add(
        AgreementVersion(
            project_id=site["project"].id,
            number=2,
            content={"values": {"apprenticeships_min": 3, "courses_min": 47}},
            text="",
            apprenticeships_min=3,
            courses_min=47,
            count_rule="started",
            ladder={},
            author_id=site["coordinator"].id,
            approved_at=utcnow() + timedelta(seconds=1),
            approved_by_id=site["coordinator"].id,
        )
    )
    db.session.commit()
    return "af 47 beskæftigelsesforløb"


def _next_day(site, make, monkeypatch):
    tomorrow = TODAY + timedelta(days=1)
    monkeypatch.setattr(report_views, "local_today", lambda: tomorrow)
    return f"Status pr. {format_date(tomorrow)}"


CHANGES = [
    _new_placement,
    _person_renamed,
    _person_erased,
    _company_renamed,
    _client_renamed,
    _main_contractor_replaced,
    _project_renamed,
    _phase_changed,
    _execution_end_moved,
    _narrative_written,
    _agreement_approved,
    _next_day,
]


@pytest.mark.parametrize("change", CHANGES, ids=lambda f: f.__name__.strip("_"))
def test_a_changed_input_builds_the_report_anew(
    client, login, make, site, builds, monkeypatch, change
):
    login(site["coordinator"])
    before = download(client, site["project"])
    assert download(client, site["project"]) == before and len(builds) == 1
    shown = change(site, make, monkeypatch)
    after = download(client, site["project"])
    assert len(builds) == 2
    assert shown not in text_of(before)
    assert shown in text_of(after)


def test_an_edited_comment_builds_the_report_anew(client, login, site, builds):
    login(site["coordinator"])
    _narrative_written(site, None, None)
    assert "Ny kommentar her." in text_of(download(client, site["project"]))
    narrative = db.session.get(ReportNarrative, site["project"].id)
    narrative.text = "Rettet kommentar."
    db.session.commit()
    after = text_of(download(client, site["project"]))
    assert "Rettet kommentar." in after and "Ny kommentar her." not in after
    assert len(builds) == 2


def test_each_language_has_its_own_kept_file(client, login, site, builds):
    login(site["coordinator"])

    def chart():
        package = zipfile.ZipFile(io.BytesIO(download(client, site["project"])))
        return package.read("word/media/image1.png")

    danish = chart()
    client.post("/language", data={"lang": "en"})
    english = chart()
    client.post("/language", data={"lang": "da"})
    assert english != danish and chart() == danish
    assert builds == ["da", "en"]


# --- the portfolio .xlsx -------------------------------------------------------------------------
# Kept per worker by the day and every line it shows (`excel.PortfolioLine`).

PORTFOLIO = "/reports/portfolio.xlsx"


@pytest.fixture
def writes(monkeypatch):
    """Count the portfolio workbooks actually written, as opposed to handed out kept."""
    calls = []
    real = excel._portfolio_book

    def counted(lines, today):
        calls.append(len(lines))
        return real(lines, today)

    monkeypatch.setattr(excel, "_portfolio_book", counted)
    excel.forget_portfolios()
    return calls


def portfolio(client) -> bytes:
    response = client.get(PORTFOLIO)
    assert response.status_code == 200
    return response.data


def portfolio_text(data: bytes) -> str:
    book = openpyxl.load_workbook(io.BytesIO(data))
    return xlsx_text(book)


def test_the_same_portfolio_hands_out_the_kept_file(client, login, site, writes):
    login(site["coordinator"])
    first = portfolio(client)
    assert portfolio(client) == first and portfolio(client) == first
    assert writes == [1]


def test_an_abandoned_portfolio_download_keeps_nothing(client, login, site, writes):
    login(site["coordinator"])
    response = client.get(PORTFOLIO, buffered=False)
    next(iter(response.response))
    response.close()
    portfolio(client)
    assert writes == [1, 1]  # written again: the half-sent file was not kept


def _other_project_added(site, make, monkeypatch):
    return other_project(make, site["coordinator"], "Tilføjet Afdeling").name


PORTFOLIO_CHANGES = [
    (_new_placement, "6"),  # 6 courses counted instead of 5
    (_client_renamed, "Boligselskabet Nyt Navn"),
    (_project_renamed, "Helhedsplan Nyt Navn"),
    (_phase_changed, word.danish_label(Phase.COMPLETED)),
    (_agreement_approved, "47"),
    (_other_project_added, "Tilføjet Afdeling"),
]


@pytest.mark.parametrize(
    ("change", "shown"),
    PORTFOLIO_CHANGES,
    ids=[f.__name__.strip("_") for f, _ in PORTFOLIO_CHANGES],
)
def test_a_changed_figure_writes_the_portfolio_anew(
    client, login, make, site, writes, monkeypatch, change, shown
):
    login(site["coordinator"])
    before = portfolio(client)
    assert portfolio(client) == before and len(writes) == 1
    change(site, make, monkeypatch)
    after = portfolio(client)
    assert len(writes) == 2
    assert f"\n{shown}\n" not in portfolio_text(before)
    assert f"\n{shown}\n" in portfolio_text(after)


def test_the_next_day_writes_the_portfolio_anew(client, login, site, writes, monkeypatch):
    login(site["coordinator"])
    portfolio(client)
    tomorrow = TODAY + timedelta(days=1)
    monkeypatch.setattr(report_views, "local_today", lambda: tomorrow)
    book = openpyxl.load_workbook(io.BytesIO(portfolio(client)))
    assert book["Portefølje"]["B2"].value.date() == tomorrow
    assert len(writes) == 2


def test_each_reader_gets_the_portfolio_of_their_own_scope(client, login, make, site, writes):
    other = other_project(make, site["coordinator"])
    login(site["coordinator"])
    assert other.name in portfolio_text(portfolio(client))
    login(make.user(Role.CLIENT, site["assoc"]))
    assert other.name not in portfolio_text(portfolio(client))
    assert writes == [2, 1]


def test_the_portfolio_counts_without_reading_an_agreement_document(client, login, make, site):
    """The agreements in force are read for their targets and ladder, which are columns:
    counting every project afresh reads no version's document (kilobytes of JSON each)."""
    other_project(make, site["coordinator"])
    login(site["coordinator"])
    progress_cache.cache.clear()
    sent = []

    def statement(conn, cursor, sql, *args):
        sent.append(" ".join(sql.split()))

    event.listen(db.engine, "before_cursor_execute", statement)
    try:
        text = portfolio_text(portfolio(client))  # the body read too: it is streamed
    finally:
        event.remove(db.engine, "before_cursor_execute", statement)
    versions = [s for s in sent if "FROM agreement_versions" in s]
    assert versions, sent  # the agreements in force were read, and counted from
    assert not [s for s in versions if "agreement_versions.content" in s], versions
    assert not [s for s in versions if "agreement_versions.text" in s], versions
    assert site["project"].name in text
