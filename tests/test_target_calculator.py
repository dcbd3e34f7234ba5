"""The target calculator: training årsværk from the trades budget, beside the drafted targets;
the admin's coefficient; the project's budget; and the årsværk clause that uses the figures."""

from datetime import date
from decimal import Decimal

import pytest
from flask import url_for
from sqlalchemy import select

from app.audit.models import AuditEvent
from app.extensions import db
from app.models import Phase, Role, TrainingCoefficient
from app.training import (
    DEFAULT_COEFFICIENT,
    calculate,
    danish_decimal,
    parse_coefficient,
    parse_kroner,
)
from tests.forms import read_form
from tests.querycount import measure

HX = {"HX-Request": "true"}
FTE_PER_DAY = 37 / 7 / 1924


# --- the arithmetic ---------------------------------------------------------------------------


def test_without_a_budget_nothing_is_required_and_nothing_suggested():
    calc = calculate(None, DEFAULT_COEFFICIENT, date(2026, 1, 1), date(2026, 12, 31), 2, 8)
    assert calc.required is None and calc.at_once is None
    assert calc.suggested_apprenticeships is None and not calc.short
    # The drafted target's own årsværk are still known from the phase.
    assert calc.covered == pytest.approx(2 * 365 * FTE_PER_DAY)


def test_a_budget_of_zero_asks_for_nothing_and_is_never_short():
    calc = calculate(0, DEFAULT_COEFFICIENT, date(2026, 1, 1), date(2026, 12, 31), 0, 0)
    assert calc.required == 0 and calc.at_once == 0 and calc.at_once_whole == 0
    assert calc.suggested_apprenticeships == 0 and not calc.short


def test_a_phase_shorter_than_a_year():
    # DKK 50 million × 0.06 = 3 training årsværk, over a phase of 184 days.
    calc = calculate(50_000_000, Decimal("0.06"), date(2026, 3, 1), date(2026, 8, 31), 2, 8)
    assert calc.required == pytest.approx(3.0)
    assert calc.phase_days == 184
    per_person = 184 * FTE_PER_DAY  # 0.5055 årsværk
    assert calc.per_person == pytest.approx(per_person)
    assert calc.at_once == pytest.approx(3.0 / per_person)  # 5.93 …
    assert calc.at_once_whole == 6
    assert calc.covered == pytest.approx(2 * per_person)
    assert calc.short and calc.shortfall == pytest.approx(3.0 - 2 * per_person)
    # Six apprenticeships, each reached by a full climb: 24 courses.
    assert (calc.suggested_apprenticeships, calc.suggested_courses) == (6, 24)


def test_a_phase_across_three_years():
    # 1 July 2026 – 30 June 2028: 731 days, touching 2026, 2027 and 2028.
    calc = calculate(100_000_000, Decimal("0.06"), date(2026, 7, 1), date(2028, 6, 30), 2, 8)
    assert calc.phase_days == 731
    assert calc.required == pytest.approx(6.0)
    assert calc.at_once == pytest.approx(6.0 / (731 * FTE_PER_DAY))  # 2.99 …
    assert calc.at_once_whole == 3
    assert calc.short
    enough = calculate(100_000_000, Decimal("0.06"), date(2026, 7, 1), date(2028, 6, 30), 3, 12)
    assert not enough.short and enough.suggested_apprenticeships == 3
    # A higher courses target is never lowered by the suggestion.
    assert calculate(100_000_000, Decimal("0.06"), date(2026, 7, 1), date(2028, 6, 30), 3, 20)
    assert (
        calculate(
            100_000_000, Decimal("0.06"), date(2026, 7, 1), date(2028, 6, 30), 3, 20
        ).suggested_courses
        == 20
    )


def test_an_apprenticeship_counts_at_most_its_usual_length_in_a_long_phase():
    # A six-year phase: each apprenticeship gives four years, not six.
    calc = calculate(100_000_000, Decimal("0.06"), date(2026, 1, 1), date(2031, 12, 31), 1)
    four_years = (date(2030, 1, 1) - date(2026, 1, 1)).days
    assert calc.per_apprenticeship == pytest.approx(four_years * FTE_PER_DAY)
    assert calc.per_person > calc.per_apprenticeship


@pytest.mark.parametrize(
    ("raw", "value"),
    [
        ("45.000.000", 45_000_000),
        ("45000000", 45_000_000),
        ("45 000 000 kr.", 45_000_000),
        ("0", 0),
        ("", None),
        (None, None),
    ],
)
def test_whole_kroner_are_read_the_danish_way(raw, value):
    assert parse_kroner(raw) == (value, None)


@pytest.mark.parametrize("raw", ["12,50", "-5", "fem mio", "1.2.3", "200000000000"])
def test_other_amounts_are_refused_with_a_reason(raw):
    value, problem = parse_kroner(raw)
    assert value is None and problem


def test_the_coefficient_reads_a_comma_or_a_point():
    assert parse_coefficient("0,06") == (Decimal("0.06"), None)
    assert parse_coefficient("0.075") == (Decimal("0.075"), None)
    assert parse_coefficient("-1")[1] and parse_coefficient("")[1] and parse_coefficient("11")[1]
    assert danish_decimal(Decimal("0.06")) == "0,06" and danish_decimal(1234.56, 1) == "1.234,6"


# --- the draft form ---------------------------------------------------------------------------


@pytest.fixture
def project(make):
    assoc = make.association("Boligforeningen Vestbo", areas=["Gellerupparken"])
    return make.project(
        assoc,
        "Helhedsplan Gellerup",
        Phase.TENDER,
        execution_start=date(2027, 1, 1),
        execution_end=date(2028, 12, 31),
        trades_budget=100_000_000,
    )


def editor_form(client, project, **changes) -> dict:
    html = client.get(url_for("agreements.draft", project_id=project.id)).get_data(as_text=True)
    data = read_form(html, "editor")
    data.update(changes)
    return data


def test_the_draft_form_shows_the_calculator_beside_the_targets(client, project, coordinator):
    html = client.get(url_for("agreements.draft", project_id=project.id)).get_data(as_text=True)
    assert 'value="100.000.000"' in html or 'value="100000000"' in html
    calculator = html.split('id="calculator"', 1)[1].split("</section>", 1)[0]
    # 100 million × 0.06 = 6,0 training årsværk; 731 days: 2,99 → about 3 at once.
    assert "<strong>6,0</strong>" in calculator
    assert "<strong>3,0</strong>" in calculator
    assert "calc-short" in calculator and "rækker ikke" in calculator
    assert "Bygherreforeningen" in calculator  # the source, stated beside the figure
    # Not LBF-supported: no compliance wording, no badge.
    assert "LBF" not in calculator and "status-short" not in calculator
    # Beside the targets: after the targets' fieldset, before the clauses.
    assert html.index("v_apprenticeships_min") < html.index('id="calculator"')
    assert html.index('id="calculator"') < html.index('id="clauses-heading"')


def test_an_lbf_supported_project_gets_the_lbf_note_and_the_badge(client, project, coordinator):
    project.lbf_supported = True
    db.session.commit()
    html = client.get(url_for("agreements.draft", project_id=project.id)).get_data(as_text=True)
    calculator = html.split('id="calculator"', 1)[1].split("</section>", 1)[0]
    assert "14 %" in calculator and "status-short" in calculator


def test_the_calculator_follows_the_typing(client, project, coordinator):
    form = editor_form(client, project, v_trades_budget="50.000.000", v_apprenticeships_min="3")
    response = client.post(
        url_for("agreements.preview", project_id=project.id), data=form, headers=HX
    )
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "<html" not in html
    calculator = html.split('<section id="calculator"', 1)[1]
    assert 'hx-swap-oob="true"' in calculator.split(">", 1)[0]
    assert "<strong>3,0</strong>" in calculator  # 50 million × 0.06
    assert 'id="calc-verdict"' in calculator and "status-short" not in calculator
    # 3 apprenticeships over 731 days cover 6,0 ≥ 3,0: no shortfall stated.
    assert "calc-short" not in calculator


def test_a_budget_of_none_says_what_to_enter(client, project, coordinator):
    form = editor_form(client, project, v_trades_budget="")
    html = client.post(
        url_for("agreements.preview", project_id=project.id), data=form, headers=HX
    ).get_data(as_text=True)
    assert 'id="calc-no-budget"' in html


def test_a_wrong_budget_is_refused_beside_the_field_in_danish(client, project, coordinator):
    form = editor_form(client, project, v_trades_budget="12,5 mio")
    response = client.post(url_for("agreements.draft", project_id=project.id), data=form)
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert 'id="v_trades_budget-error"' in html and "hele kroner" in html


def test_the_suggestion_fills_the_targets_without_saving(client, project, coordinator):
    form = editor_form(client, project, suggest="1")
    response = client.post(
        url_for("agreements.draft", project_id=project.id), data=form, headers=HX
    )
    assert response.status_code == 200
    values = read_form(response.get_data(as_text=True), "editor")
    assert values["v_apprenticeships_min"] == "3" and values["v_courses_min"] == "12"
    assert values["v_apprentice_aarsvaerk"] == "6"
    from app.agreements.models import AgreementVersion

    assert db.session.scalar(select(AgreementVersion.id)) is None


def test_without_javascript_recalculate_renders_the_whole_page(client, project, coordinator):
    form = editor_form(client, project, v_apprenticeships_min="4", v_courses_min="16")
    form["calculate"] = "1"
    response = client.post(url_for("agreements.draft", project_id=project.id), data=form)
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "<html" in html and 'id="calculator"' in html and "calc-short" not in html


def test_the_aarsvaerk_clause_states_the_figures_and_their_source(client, project, coordinator):
    form = editor_form(client, project, on_aarsvaerk="1")
    html = client.post(
        url_for("agreements.preview", project_id=project.id), data=form, headers=HX
    ).get_data(as_text=True)
    preview = html.split('id="preview"', 1)[1].split("</aside>", 1)[0]
    assert "100.000.000 kr." in preview and "6,0 oplæringsårsværk" in preview
    assert "0,06 oplæringsårsværk pr. mio. kr." in preview
    assert "tre lærlinge ansat samtidig" in preview
    assert "Bygherreforeningens omregningsfaktor" in preview


def test_the_aarsvaerk_clause_without_a_budget_leaves_the_calculation_out(
    client, project, coordinator
):
    form = editor_form(client, project, on_aarsvaerk="1", v_trades_budget="")
    html = client.post(
        url_for("agreements.preview", project_id=project.id), data=form, headers=HX
    ).get_data(as_text=True)
    preview = html.split('id="preview"', 1)[1].split("</aside>", 1)[0]
    assert "Lærepladser opgjort i årsværk" in preview
    assert "håndværkerudgifter" not in preview


def test_a_contractor_cannot_open_the_calculator(client, make, login, project):
    login(make.user(Role.CONTRACTOR, make.company()))
    assert client.get(url_for("agreements.draft", project_id=project.id)).status_code in (403, 404)


# --- the coefficient ----------------------------------------------------------------------------


def test_an_admin_sets_the_coefficient_and_the_calculator_uses_it(client, make, login, project):
    coordinator = make.user(Role.COORDINATOR)
    login(coordinator)
    url = url_for("agreements.draft", project_id=project.id)
    with_default, _response = measure(client, url)
    admin = login(make.user(Role.ADMIN))
    page = client.get(url_for("admin.coefficient")).get_data(as_text=True)
    assert "0,06" in page and "Bygherreforeningen" in page
    response = client.post(
        url_for("admin.coefficient"),
        data={"per_million": "0,1", "source": "LBF-modellen for Helhedsplan Gellerup, 2027"},
    )
    assert response.status_code == 303
    row = db.session.scalar(select(TrainingCoefficient))
    assert row.per_million == pytest.approx(0.1) and row.set_by_id == admin.id
    assert db.session.scalar(select(AuditEvent.id).where(AuditEvent.action == "coefficient_set"))
    login(coordinator)
    statements, response = measure(client, url)
    # The coefficient in force costs the same one statement as the default: its author (named
    # nowhere on this page) is read with it, not looked up afterwards.
    assert len(statements) == len(with_default)
    html = response.get_data(as_text=True)
    calculator = html.split('id="calculator"', 1)[1].split("</section>", 1)[0]
    assert "<strong>10,0</strong>" in calculator  # 100 million × 0.1
    assert "standard" not in calculator.lower() and "default" not in calculator
    assert "LBF-modellen for Helhedsplan Gellerup" in calculator
    assert "Bygherreforeningen" not in calculator


def test_a_wrong_coefficient_is_refused_beside_the_field(client, make, login):
    login(make.user(Role.ADMIN))
    response = client.post(url_for("admin.coefficient"), data={"per_million": "-1", "source": ""})
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert 'id="per_million-error"' in html and 'id="source-error"' in html
    assert db.session.scalar(select(TrainingCoefficient.id)) is None


@pytest.mark.parametrize("role", [Role.COORDINATOR, Role.CLIENT, Role.CONTRACTOR])
def test_only_an_admin_may_set_the_coefficient(client, make, login, role):
    org = make.company() if role == Role.CONTRACTOR else make.association()
    login(make.user(role, None if role == Role.COORDINATOR else org))
    assert client.get(url_for("admin.coefficient")).status_code == 403
    response = client.post(url_for("admin.coefficient"), data={"per_million": "1", "source": "x"})
    assert response.status_code == 403
    assert db.session.scalar(select(TrainingCoefficient.id)) is None


# --- the project's budget -------------------------------------------------------------------


def test_the_project_form_takes_the_budget_in_danish_and_refuses_ore(client, project, coordinator):
    url = url_for("projects.edit", project_id=project.id)
    assert 'value="100.000.000"' in client.get(url).get_data(as_text=True)

    def form(**changes):
        db.session.refresh(project)
        return {
            "name": project.name,
            "client_id": str(project.client_id),
            "phase": "tender",
            "execution_start": "2027-01-01",
            "execution_end": "2028-12-31",
            "main_contractor_id": "0",
            "version": str(project.version),
            **changes,
        }

    bad = client.post(url, data=form(trades_budget="45.000.000,50"))
    assert bad.status_code == 422
    assert 'id="trades_budget-error"' in bad.get_data(as_text=True)
    db.session.refresh(project)
    assert project.trades_budget == 100_000_000  # nothing saved
    good = client.post(url, data=form(trades_budget="45.000.000", lbf_supported="y"))
    assert good.status_code == 303
    db.session.refresh(project)
    assert project.trades_budget == 45_000_000 and project.lbf_supported
    assert client.post(url, data=form(trades_budget="")).status_code == 303
    db.session.refresh(project)
    assert project.trades_budget is None and not project.lbf_supported
