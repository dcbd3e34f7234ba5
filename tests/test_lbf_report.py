"""Persons in training marked per placement, and the yearly apprentice report to LBF: the
figures computed by hand, traced to their placements, as a page and a workbook, per role."""

import io
from datetime import date

import openpyxl
import pytest
from flask import url_for
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from app.audit.models import AuditEvent
from app.clock import local_today
from app.extensions import db
from app.models import Phase, Role, Rung
from app.placements.models import Placement, TrainingScheme
from app.reports.aarsvaerk import TrainingPeriod, training_year
from app.reports.lbf import deadline
from tests.factories import Factories
from tests.xlsx_helpers import date_cells

YEAR = 2025
TODAY = date(2026, 11, 30)


def hand(days: int, hours_per_week: int = 37) -> float:
    """Årsværk by the README's method: days × hours per week / 7 ÷ 1,924."""
    return days * hours_per_week / 7 / 1924


def place(project, candidate, company, rung, start, end=None, **kw) -> Placement:
    return Factories().placement(candidate, project, company, rung, start, end, **kw)


@pytest.fixture
def site(make):
    """Association A's project with three persons in training in 2025 (one across New Year,
    one still running, one part-time and marked as training) and one not in training;
    association B's project with one apprentice."""
    a, b = make.association("Vestbo"), make.association("Østbo")
    firm_a, firm_b = make.company("Murer A/S"), make.company("Tømrer ApS")
    project = make.project(
        a,
        "Helhedsplan Gellerup",
        Phase.EXECUTION,
        main=firm_a,
        execution_start=date(2024, 6, 1),
        execution_end=date(2026, 6, 30),
        trades_budget=80_000_000,
        lbf_supported=True,
    )
    other = make.project(b, "Skovgårdsparken", Phase.EXECUTION, main=firm_b)
    mads, sara = make.candidate("Mads", "Holm", a), make.candidate("Sara", "Berg", a)
    ali, ole = make.candidate("Ali", "Demir", a), make.candidate("Ole", "Lund", a)
    per = make.candidate("Per", "Dal", b)
    across = place(project, mads, firm_a, Rung.APPRENTICESHIP, date(2024, 11, 1), date(2025, 2, 28))
    running = place(project, sara, firm_a, Rung.APPRENTICESHIP, date(2025, 3, 1))
    part_time = place(
        project,
        ali,
        firm_a,
        Rung.WAGE_SUBSIDY,
        date(2025, 5, 1),
        date(2025, 7, 31),
        training=True,
        training_scheme=TrainingScheme.AMU,
        hours_per_week=20,
    )
    place(project, ole, firm_a, Rung.ORDINARY, date(2025, 1, 1), date(2025, 12, 31))
    place(other, per, firm_b, Rung.APPRENTICESHIP, date(2025, 8, 1))
    return dict(
        a=a,
        b=b,
        project=project,
        other=other,
        firm_a=firm_a,
        across=across,
        running=running,
        part_time=part_time,
    )


# Computed by hand for 2025: the apprentice across New Year has 31 + 28 = 59 days in 2025; the
# running one 1 March – 31 December = 306 days; the part-time trainee 1 May – 31 July = 92 days
# at 20 hours a week. The ordinary employment is not training and does not count.
APPRENTICE_2025 = hand(59) + hand(306)  # 365 days × 37/7 ÷ 1,924 = 1.0027
OTHER_2025 = hand(92, 20)  # 92 × 20/7 ÷ 1,924 = 0.1366


def test_a_year_computed_by_hand(site, ctx):
    periods = [
        TrainingPeriod(1, 1, 1, True, date(2024, 11, 1), date(2025, 2, 28)),
        TrainingPeriod(2, 1, 2, True, date(2025, 3, 1), None),
        TrainingPeriod(3, 1, 3, False, date(2025, 5, 1), date(2025, 7, 31), 20),
    ]
    year = training_year(periods, YEAR, TODAY)[1]
    assert [s.days for s in year.apprentices] == [59, 306]
    assert year.apprentice_aarsvaerk == pytest.approx(1.00274, abs=1e-5)
    assert year.apprentice_aarsvaerk == pytest.approx(APPRENTICE_2025)
    assert [s.days for s in year.others] == [92]
    assert year.other_aarsvaerk == pytest.approx(0.13662, abs=1e-5)
    # The year before: only November and December of the placement across New Year.
    before = training_year(periods, 2024, TODAY)[1]
    assert before.apprentice_aarsvaerk == pytest.approx(hand(61)) and before.others == ()
    # Counted up to today, never ahead: on 31 March 2025 the running one has 31 days.
    early = training_year(periods, YEAR, date(2025, 3, 31))[1]
    assert [s.days for s in early.apprentices] == [59, 31]


def test_overlapping_placements_of_one_person_count_each_day_once():
    periods = [
        TrainingPeriod(1, 1, 7, True, date(2025, 1, 1), date(2025, 1, 31)),
        TrainingPeriod(2, 1, 7, True, date(2025, 1, 15), date(2025, 2, 14)),
    ]
    year = training_year(periods, YEAR, TODAY)[1]
    assert [s.days for s in year.apprentices] == [31, 14]  # 15–31 January counted once
    assert year.apprentice_aarsvaerk == pytest.approx(hand(45))


def _row(html: str, project_id: int) -> str:
    return html.split(f'data-project="{project_id}"', 1)[1].split("</tr>", 1)[0]


def test_the_report_page_shows_the_figures_and_the_placements_behind_them(
    client, site, coordinator
):
    response = client.get(url_for("reports.lbf_page", year=YEAR))
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    row = _row(html, site["project"].id)
    assert '<td class="num" data-field="apprentice">1,00</td>' in row
    assert '<td class="num" data-field="other">0,14</td>' in row
    assert "80.000.000 kr." in row
    assert "<td>1. jun. 2024</td>" in row and "<td>30. jun. 2026</td>" in row
    trace = html.split(f'data-project="{site["project"].id}"', 1)[1].split("</details>", 1)[0]
    for placement in (site["across"], site["running"], site["part_time"]):
        assert f'data-placement="{placement.id}"' in trace
    assert "M.H." in trace and "A.D." in trace and "O.L." not in trace  # not training
    assert "Sara" not in html and "Holm" not in html  # initials only, for every role
    assert "29. september 2026" in html  # the deadline for 2025
    assert "1.924" in html  # the method stated beside the figures


def test_the_workbook_follows_the_order_of_lbfs_form(client, site, coordinator):
    response = client.get(url_for("reports.lbf_xlsx", year=YEAR))
    assert response.status_code == 200
    assert response.mimetype.endswith("spreadsheetml.sheet")
    book = openpyxl.load_workbook(io.BytesIO(response.data))
    sheet = book["Indberetning"]
    rows = [list(r) for r in sheet.iter_rows(values_only=True)]
    header_at = next(i for i, r in enumerate(rows) if r[0] == "Boligorganisation")
    assert rows[header_at][:7] == [
        "Boligorganisation",
        "Byggesag",
        "Lærlinge (årsværk)",
        "Øvrige personer i oplæring (årsværk)",
        "Håndværkerudgifter i alt (kr.)",
        "Byggeperiode, start",
        "Byggeperiode, slut",
    ]
    line = next(r for r in rows[header_at + 1 :] if r[1] == "Helhedsplan Gellerup")
    assert line[0] == "Vestbo"
    assert line[2] == pytest.approx(round(APPRENTICE_2025, 2))
    assert line[3] == pytest.approx(round(OTHER_2025, 2))
    assert line[4] == 80_000_000
    assert line[5].date() == date(2024, 6, 1) and line[6].date() == date(2026, 6, 30)
    dates = date_cells(book)  # real date cells shown dd-mm-yyyy, no date as text
    labels = {
        sheet.cell(c.row, 1).value: c.value.date()
        for c in dates
        if c.parent is sheet and c.row <= header_at
    }
    assert labels == {"Opgjort pr.": local_today(), "Frist for indberetning": deadline(YEAR)}
    basis = [list(r) for r in book["Grundlag"].iter_rows(min_row=2, values_only=True)]
    ours = [r for r in basis if r[1] == "Helhedsplan Gellerup"]
    assert sorted(r[9] for r in ours) == [59, 92, 306]
    assert sum(r[12] for r in ours if r[2] == "Lærling") == pytest.approx(APPRENTICE_2025, 1e-3)
    assert any(r[5] == "Arbejdsmarkedsuddannelse (AMU)" and r[10] == 20 for r in ours)
    assert "Holm" not in str(basis) and "Sara" not in str(basis)


def test_a_client_sees_only_its_own_organisations_projects(client, make, login, site):
    login(make.user(Role.CLIENT, site["a"]))
    html = client.get(url_for("reports.lbf_page", year=YEAR)).get_data(as_text=True)
    assert "Helhedsplan Gellerup" in html and "Skovgårdsparken" not in html and "Østbo" not in html
    book = openpyxl.load_workbook(
        io.BytesIO(client.get(url_for("reports.lbf_xlsx", year=YEAR)).data)
    )
    text = str([list(r) for ws in book for r in ws.iter_rows(values_only=True)])
    assert "Helhedsplan Gellerup" in text and "Skovgårdsparken" not in text


def test_a_coordinator_sees_every_organisation(client, site, coordinator):
    html = client.get(url_for("reports.lbf_page", year=YEAR)).get_data(as_text=True)
    assert "Vestbo" in html and "Østbo" in html and "Skovgårdsparken" in html


def test_contractors_get_no_report(client, make, login, site):
    login(make.user(Role.CONTRACTOR, site["firm_a"]))
    assert client.get(url_for("reports.lbf_page", year=YEAR)).status_code == 403
    assert client.get(url_for("reports.lbf_xlsx", year=YEAR)).status_code == 403


def test_a_year_that_is_not_a_year_is_refused_beside_the_field(client, site, coordinator):
    response = client.get(url_for("reports.lbf_page", year="20x5"))
    assert response.status_code == 422
    assert 'id="year-error"' in response.get_data(as_text=True)
    assert client.get(url_for("reports.lbf_xlsx", year="3000")).status_code == 400


def test_the_previous_year_is_the_default(client, site, coordinator):
    from app.clock import local_today

    html = client.get(url_for("reports.lbf_page")).get_data(as_text=True)
    assert f'<option value="{local_today().year - 1}" selected>' in html


# --- the training mark ------------------------------------------------------------------------


def test_a_coordinator_marks_a_placement_as_training_with_its_scheme(client, site, coordinator):
    placement = site["part_time"]
    placement.training, placement.training_scheme = False, None
    db.session.commit()
    url = url_for("placements.training", placement_id=placement.id)
    page = client.get(url).get_data(as_text=True)
    assert "sikkerhedsinstruktion" in page.lower()  # what counts as training, in the product
    response = client.post(
        url,
        data={
            "version": str(placement.version),
            "training": "y",
            "scheme": "fgu",
            "hours_per_week": "25",
        },
    )
    assert response.status_code == 303
    db.session.refresh(placement)
    assert placement.training and placement.training_scheme == TrainingScheme.FGU
    assert placement.hours_per_week == 25
    assert db.session.scalar(select(AuditEvent.id).where(AuditEvent.action == "placement_training"))
    detail = client.get(url_for("candidates.detail", candidate_id=placement.candidate_id))
    assert "I oplæring: Forberedende grunduddannelse (FGU)" in detail.get_data(as_text=True)


def test_training_without_a_scheme_or_hours_out_of_range_is_refused(client, site, coordinator):
    placement = site["part_time"]
    url = url_for("placements.training", placement_id=placement.id)
    no_scheme = client.post(
        url, data={"version": str(placement.version), "training": "y", "hours_per_week": "37"}
    )
    assert no_scheme.status_code == 422
    assert "Angiv den ordning" in no_scheme.get_data(as_text=True)
    zero = client.post(
        url,
        data={
            "version": str(placement.version),
            "training": "y",
            "scheme": "amu",
            "hours_per_week": "0",
        },
    )
    assert zero.status_code == 422 and "1 til 37" in zero.get_data(as_text=True)
    db.session.refresh(placement)
    assert placement.hours_per_week == 20 and placement.training_scheme == TrainingScheme.AMU


def test_an_apprenticeship_is_always_training(client, site, coordinator):
    placement = site["running"]
    url = url_for("placements.training", placement_id=placement.id)
    assert 'id="training-apprenticeship"' in client.get(url).get_data(as_text=True)
    response = client.post(
        url, data={"version": str(placement.version), "training": "y", "hours_per_week": "30"}
    )
    assert response.status_code == 303
    db.session.refresh(placement)
    assert placement.counts_as_training and placement.training_scheme is None
    assert placement.hours_per_week == 30


def test_the_schema_refuses_training_without_a_scheme(site, ctx):
    placement = site["part_time"]
    placement.training_scheme = None
    with pytest.raises(IntegrityError):
        db.session.commit()
    db.session.rollback()


@pytest.mark.parametrize("role", [Role.CLIENT, Role.CONTRACTOR])
def test_only_staff_mark_training(client, make, login, site, role):
    login(make.user(role, site["a"] if role == Role.CLIENT else site["firm_a"]))
    url = url_for("placements.training", placement_id=site["part_time"].id)
    assert client.get(url).status_code == 403
    assert client.post(url, data={"training": "y", "scheme": "eud"}).status_code == 403
