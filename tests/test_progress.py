"""Progress against the agreement: the page, the JSON, the CLI, the start page, and who sees
which person."""

from __future__ import annotations

import json
import re
from datetime import timedelta

import pytest
from sqlalchemy import event

from app.agreements.models import AgreementVersion
from app.core.inbox import BADGE_TAG
from app.extensions import db
from app.models import Phase, Role, utcnow
from app.placements.models import Placement
from tests.factories import TODAY, add_candidate, add_placement, approve_agreement, days_ago
from tests.sites import progress_page as page
from tests.sites import progress_site


@pytest.fixture
def site(make):
    return progress_site(make)


DASHBOARD_SECTIONS = ("active", "retention", "meetings", "openings")


def start_page(client) -> str:
    """The start page as a coordinator's browser shows it: the page, then each section that
    htmx loads into it (each swapped for its placeholder)."""
    response = client.get("/")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    for name in DASHBOARD_SECTIONS:
        url = f"/dashboard/{name}"
        placeholder = re.search(rf'<section id="[\w-]+" hx-get="{url}".*?</section>', html, re.S)
        assert placeholder, f"no placeholder loading {url}"
        fragment = client.get(url, headers={"HX-Request": "true"})
        assert fragment.status_code == 200, url
        html = html.replace(placeholder.group(0), fragment.get_data(as_text=True))
    return html


# --- access -------------------------------------------------------------------------------


def test_anonymous_users_are_sent_to_sign_in(client, site):
    project = site["project"]
    for url in (f"/projects/{project.id}/progress", f"/projects/{project.id}/progress.json"):
        response = client.get(url)
        assert response.status_code == 302
        assert response.headers["Location"].startswith("/auth/login")


@pytest.mark.parametrize("role", [Role.COORDINATOR, Role.ADMIN])
def test_staff_see_the_figures_and_full_names(client, login, make, site, role):
    login(make.user(role))
    response = page(client, site["project"])
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    for name in ("Mads Mikkelsen", "Ahmed Hassan", "Sara Sørensen"):
        assert name in html
    assert "Hemmelig note" not in html and "12 34 56 78" not in html
    # Courses: Mads 3 rungs, Ahmed 1, Sara 1 = 5 of 8; apprenticeships 1 of 2.
    assert re.search(r'<progress value="5" max="8"', html)
    assert re.search(r'<progress value="1" max="2"', html)
    assert 'data-counted="5"' in html


def test_the_page_is_server_rendered_svg_without_inline_styles_or_scripts(client, login, site):
    login(site["coordinator"])
    html = page(client, site["project"]).get_data(as_text=True)
    assert "<svg" in html and 'class="chart-line"' in html and 'class="chart-target"' in html
    assert "style=" not in html
    scripts = re.findall(r"<script[^>]*>", html)
    assert scripts == [
        '<script src="/static/vendor/htmx.min.js" defer>',
        '<script src="/static/js/app.js" defer>',
    ]  # files from the app's own origin only, nothing inline
    # Per-rung table: one row per rung, in ladder order.
    assert re.findall(r'data-rung="(\w+)"', html) == [
        "internship",
        "wage_subsidy",
        "ordinary",
        "apprenticeship",
    ]
    assert "KORA" in html
    assert 'id="progress-forecast"' in html


def test_the_client_sees_initials_only(client, login, make, site):
    login(make.user(Role.CLIENT, site["assoc"]))
    response = page(client, site["project"])
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    for full in ("Mads", "Mikkelsen", "Ahmed", "Hassan", "Sara", "Sørensen"):
        assert full not in html
    for initials in ("M.M.", "A.H.", "S.S."):
        assert initials in html
    assert "Hemmelig note" not in html and "12 34 56 78" not in html
    assert client.get(f"/projects/{site['project'].id}/progress.json").status_code == 200


def test_a_contractor_sees_only_its_own_companys_placements(client, login, make, site):
    login(make.user(Role.CONTRACTOR, site["sub"]))
    html = page(client, site["project"]).get_data(as_text=True)
    assert "Sara Sørensen" in html
    for other in ("Mads", "Mikkelsen", "Ahmed", "Hassan", "Hovedentreprenør"):
        assert other not in html
    assert "Hemmelig note" not in html and "12 34 56 78" not in html

    login(make.user(Role.CONTRACTOR, site["main"]))
    html = page(client, site["project"]).get_data(as_text=True)
    assert "Mads Mikkelsen" in html and "Ahmed Hassan" in html
    assert "Sara" not in html and "Underentreprenør" not in html


@pytest.mark.parametrize("role", [Role.CLIENT, Role.CONTRACTOR])
def test_other_clients_and_contractors_get_404(client, login, make, site, role):
    login(make.user(role))
    project = site["project"]
    assert page(client, project).status_code == 404
    assert client.get(f"/projects/{project.id}/progress.json").status_code == 404
    assert client.get("/projects/999999/progress").status_code == 404


# --- counting from the database ---------------------------------------------------------------


def test_json_gives_the_counts_and_the_project(client, login, site):
    login(site["coordinator"])
    project = site["project"]
    response = client.get(f"/projects/{project.id}/progress.json")
    assert response.status_code == 200
    data = response.get_json()
    assert data["project"] == {"id": project.id, "name": "Helhedsplan Gellerup"}
    assert data["as_of"] == TODAY.isoformat()
    assert (data["courses_started"], data["courses_counted"], data["courses_completed"]) == (
        5,
        5,
        2,
    )
    assert (data["apprenticeships_started"], data["apprenticeships_counted"]) == (1, 1)
    assert data["residents"] == 3
    assert data["fulfilled"] is False
    assert data["targets"]["courses"] == 8 and data["targets"]["count_rule"] == "started"
    assert rung_of(data, "wage_subsidy") == {"started": 2, "completed": 1, "counted": 2}


def rung_of(data: dict, rung: str) -> dict:
    """One rung's counts from the JSON's per-rung list."""
    (entry,) = [r for r in data["per_rung"] if r["rung"] == rung]
    return {k: entry[k] for k in ("started", "completed", "counted")}


def test_json_and_cli_carry_the_gain_the_forecast_and_the_rungs_in_ladder_order(
    client, login, runner, site
):
    project = site["project"]
    # Mads has held his ordinary job for 100 days (at least 14 weeks): one person.
    login(site["coordinator"])
    response = client.get(f"/projects/{project.id}/progress.json")
    data = response.get_json()
    assert data["societal_gain"] == {
        "persons": 1,
        "low_dkk": 122_000,
        "high_dkk": 136_000,
        "min_weeks": 14,
        "per_person_dkk": {"low": 122_000, "high": 136_000},
        "source": "KORA",
        "estimate": True,
    }
    # The page says the same.
    html = page(client, project).get_data(as_text=True)
    assert "122.000–136.000 kr." in html and "KORA" in html
    # 5 courses counted over 300 days, 300 days left: the page and the JSON give 9.
    assert data["forecast"]["courses"] == 9
    assert data["forecast"]["by"] == project.execution_end.isoformat()
    assert "9 courses by" in runner.invoke(args=["progress", "--project", str(project.id)]).output
    assert data["execution_phase"] == {
        "start": project.execution_start.isoformat(),
        "end": project.execution_end.isoformat(),
    }
    ladder = ["internship", "wage_subsidy", "ordinary", "apprenticeship"]
    assert [r["rung"] for r in data["per_rung"]] == ladder
    assert [m["rung"] for m in data["targets"]["minimums"]] == ladder
    # In the bytes sent, too (an encoder that sorts keys must not reorder the ladder).
    body = response.get_data(as_text=True)
    positions = [
        body.index(f'"rung": "{r}"') if f'"rung": "{r}"' in body else body.index(f'"rung":"{r}"')
        for r in ladder
    ]
    assert positions == sorted(positions)
    cli = runner.invoke(args=["progress", "--project", str(project.id), "--json"]).output
    cli_positions = [cli.index(f'"rung": "{r}"') for r in ladder]
    assert cli_positions == sorted(cli_positions)


def test_the_minimum_duration_rule_uses_the_agreements_durations(client, login, make, site):
    project = site["project"]
    db.session.query(AgreementVersion).delete()
    db.session.commit()
    # Ahmed's wage subsidy has run 151 days; with a six months' minimum it does not count yet.
    approve_agreement(project, site["coordinator"], rule="min_duration", wage_subsidy_months=6)
    login(site["coordinator"])
    data = client.get(f"/projects/{project.id}/progress.json").get_json()
    assert data["targets"]["minimums"][1] == {"rung": "wage_subsidy", "months": 6, "weeks": 0}
    assert rung_of(data, "wage_subsidy") == {"started": 2, "completed": 1, "counted": 0}
    html = page(client, project).get_data(as_text=True)
    assert "6 måneder" in html and "4 uger" in html
    # Ordinary employment 100 days < 4 months; the internship (41 days) and the
    # apprenticeship (counts when started) count.
    assert data["courses_counted"] == 2


def test_a_project_without_an_approved_agreement_has_no_targets(client, login, make):
    project = make.project(phase=Phase.AWARDED, main=make.company())
    login(make.user(Role.COORDINATOR))
    data = client.get(f"/projects/{project.id}/progress.json").get_json()
    assert data["targets"] is None and data["fulfilled"] is False
    assert page(client, project).status_code == 200


def test_the_cli_prints_the_same_figures_and_the_same_json(app, client, login, runner, site):
    project = site["project"]
    result = runner.invoke(args=["progress", "--project", str(project.id), "--json"])
    assert result.exit_code == 0, result.output
    login(site["coordinator"])
    assert json.loads(result.output) == client.get(f"/projects/{project.id}/progress.json").json
    text = runner.invoke(args=["progress", "--project", str(project.id)])
    assert text.exit_code == 0
    assert "5 counted of 8" in text.output and "1 counted of 2" in text.output
    missing = runner.invoke(args=["progress", "--project", "999999"])
    assert missing.exit_code != 0 and "999999" in missing.output


def test_the_project_page_links_to_progress(client, login, site):
    login(site["coordinator"])
    project = site["project"]
    html = client.get(f"/projects/{project.id}").get_data(as_text=True)
    card = html[html.index('id="hub-progress"') - 200 :]
    assert f'href="/projects/{project.id}/progress"' in card[:400]
    assert "5" in card[:800] and "8" in card[:800]


# --- the coordinator's start page -----------------------------------------------------------


def test_the_start_page_shows_what_needs_attention(client, login, make, site):
    project = site["project"]
    # Ahmed: running wage subsidy since 150 days, no retention conversation: due.
    # Mads: a retention conversation 10 days ago: not due. Sara: started 30 days ago: due.
    make.meeting(project, starts_at=utcnow() + timedelta(days=3), place="Skurvognen")
    make.meeting(project, starts_at=utcnow() + timedelta(days=30))
    reporter = make.contractor(site["main"])
    make.opening(project, site["main"], reporter, expected_start=TODAY + timedelta(days=20))
    make.opening(project, site["main"], reporter, "painter", expected_start=TODAY, status="matched")
    login(site["coordinator"])
    html = start_page(client)

    active = section(html, "active-projects")
    assert "Helhedsplan Gellerup" in active
    assert f'href="/projects/{project.id}/progress"' in active
    assert '<progress class="small-progress" value="5" max="8"' in active

    due = section(html, "retention-due")
    assert "Ahmed Hassan" in due and "Sara Sørensen" in due
    assert "Mads" not in due

    meetings = section(html, "upcoming-meetings")
    assert "Skurvognen" in meetings and meetings.count("<li>") == 1

    openings = section(html, "open-openings")
    assert openings.count("<li>") == 1 and "Hovedentreprenør A/S" in openings


def test_retention_weeks_come_from_the_config(app, client, login, site):
    app.config["RETENTION_WEEKS"] = 52
    try:
        login(site["coordinator"])
        due = section(start_page(client), "retention-due")
    finally:
        app.config.pop("RETENTION_WEEKS")
    assert "Ahmed" not in due and "Sara" not in due


@pytest.mark.parametrize("role", [Role.CLIENT, Role.CONTRACTOR])
def test_other_roles_keep_the_plain_start_page(client, login, make, site, role):
    org = site["assoc"] if role == Role.CLIENT else site["main"]
    login(make.user(role, org))
    html = client.get("/").get_data(as_text=True)
    assert client.get("/").status_code == 200
    for section_id in ("active-projects", "retention-due", "upcoming-meetings", "open-openings"):
        assert f'id="{section_id}"' not in html
    assert "Ahmed" not in html and "/dashboard/" not in html
    for name in DASHBOARD_SECTIONS:  # nor can they ask for the sections themselves
        for headers in ({}, {"HX-Request": "true"}):
            refused = client.get(f"/dashboard/{name}", headers=headers)
            assert refused.status_code in (403, 404)
            assert "Ahmed" not in refused.get_data(as_text=True)


def test_the_page_itself_holds_no_names_and_the_retention_section_is_not_stored(
    client, login, site
):
    """The names are only in the retention section, which no browser or proxy may keep."""
    login(site["coordinator"])
    home = client.get("/")
    assert "Ahmed" not in home.get_data(as_text=True)
    assert 'hx-trigger="load"' in home.get_data(as_text=True)
    due = client.get("/dashboard/retention", headers={"HX-Request": "true"})
    assert "Ahmed Hassan" in due.get_data(as_text=True)
    assert due.headers["Cache-Control"] == "no-store"


def test_a_section_opened_without_htmx_is_a_page_of_its_own(client, login, site):
    login(site["coordinator"])
    fragment = client.get("/dashboard/retention", headers={"HX-Request": "true"})
    assert fragment.get_data(as_text=True).lstrip().startswith('<section id="retention-due"')
    plain = client.get("/dashboard/retention").get_data(as_text=True)
    assert "<html" in plain and 'id="retention-due"' in plain and "Ahmed Hassan" in plain
    assert plain.count("<section") == 1  # only this section, not the others


def populate(make, n: int, coordinator) -> None:
    """`n` running projects, each with an approved agreement, a resident on the ladder, a
    meeting and an opening."""
    for i in range(n):
        main = make.company()
        project = make.project(phase=Phase.EXECUTION, main=main)
        approve_agreement(project, coordinator)
        person = add_candidate(f"Person{i}", "Test", project.client)
        add_placement(person, project, main, "internship", days_ago(60 + i))
        make.meeting(project, starts_at=utcnow() + timedelta(days=2))
        make.opening(project, main, coordinator, expected_start=TODAY)


def count_statements(client, url: str) -> int:
    statements = []
    # The test shares the request's session: start each count from a cold identity map.
    db.session.expire_all()

    def record(conn, cursor, statement, *args):
        if BADGE_TAG not in statement:  # the navigation's count: see tests/querycount.py
            statements.append(statement)

    event.listen(db.engine, "before_cursor_execute", record)
    try:
        response = client.get(url)
    finally:
        event.remove(db.engine, "before_cursor_execute", record)
    assert response.status_code == 200
    return len(statements)


def test_the_start_page_needs_the_same_queries_for_2_and_20_projects(client, login, make):
    coordinator = login(make.user(Role.COORDINATOR))
    populate(make, 2, coordinator)
    urls = ["/", *(f"/dashboard/{name}" for name in DASHBOARD_SECTIONS)]
    few = [count_statements(client, url) for url in urls]
    assert section(start_page(client), "retention-due").count("<li") == 2
    populate(make, 18, coordinator)
    many = [count_statements(client, url) for url in urls]
    html = start_page(client)
    assert section(html, "active-projects").count("<progress") == 20
    assert section(html, "retention-due").count("<li") == 20
    assert few == many
    assert max(many) <= 3


def test_the_progress_page_needs_the_same_queries_for_few_and_many_placements(
    client, login, make, site
):
    login(site["coordinator"])
    few = count_statements(client, f"/projects/{site['project'].id}/progress")
    for i in range(20):
        person = add_candidate(f"Extra{i}", "Test", site["assoc"])
        add_placement(person, site["project"], site["main"], "internship", days_ago(5))
    assert count_statements(client, f"/projects/{site['project'].id}/progress") == few


def section(html: str, section_id: str) -> str:
    start = html.index(f'<section id="{section_id}"')
    return html[start : html.index("</section>", start)]


# --- the execution phase and what contractors see ----------------------------------------------


def test_placements_outside_the_execution_phase_are_shown_but_not_counted(
    client, login, make, site
):
    project = site["project"]
    early = add_candidate("Erik", "Før", site["assoc"])
    late = add_candidate("Lise", "Efter", site["assoc"])
    add_placement(early, project, site["main"], "internship", days_ago(310), days_ago(280))
    project.execution_end = days_ago(1)
    db.session.commit()
    add_placement(late, project, site["main"], "internship", TODAY)
    login(site["coordinator"])
    data = client.get(f"/projects/{project.id}/progress.json").get_json()
    assert data["courses_counted"] == 5 and data["residents"] == 3
    assert data["outside_phase"] == {"before": 1, "after": 1}
    html = page(client, project).get_data(as_text=True)
    notice = html.split('id="progress-outside-phase"')[1].split("</p>")[0]
    assert "2 forløb starter uden for udførelsesfasen og tælles ikke med" in notice
    assert "1 starter, før fasen begynder" in notice and "1 starter, efter fasen sluttede" in notice
    assert re.findall(r'data-outside-phase="(\w+)"', html) == ["after", "before"]
    assert "Tælles ikke: starter før udførelsesfasen" in html


def test_a_contractor_sees_rung_start_planned_end_and_whether_it_runs(client, login, make, site):
    project = site["project"]
    ahmed = db.session.get(Placement, 4)
    assert ahmed.candidate_id == site["ahmed"].id
    ahmed.planned_end = TODAY + timedelta(days=40)
    mads_subsidy = db.session.get(Placement, 2)
    mads_subsidy.planned_end = days_ago(70)
    db.session.commit()
    login(make.user(Role.CONTRACTOR, site["main"]))
    html = page(client, project).get_data(as_text=True)
    table = html.split('class="striped people-table"')[1].split("</table>")[0]
    body = table.split("<tbody>")[1]
    lines = re.findall(r"<tr[^>]*>(.*?)</tr>", body, re.S)
    cells = [re.findall(r"<td[^>]*>(.*?)</td>", line, re.S) for line in lines]
    assert [c[0] for c in cells] == [
        "Mads Mikkelsen",
        "Ahmed Hassan",
        "Mads Mikkelsen",
        "Mads Mikkelsen",
    ]
    # The newest first: Mads's ordinary job (running, no planned end), Ahmed's wage subsidy
    # (running, planned end in 40 days), Mads's wage subsidy (ended), his internship (ended).
    assert cells[1][2] == (days_ago(150)).strftime("%d.%m.%Y")
    assert cells[1][3] == (TODAY + timedelta(days=40)).strftime("%d.%m.%Y")
    assert re.findall(r'data-status="(\w+)"', body) == ["running", "running", "ended", "ended"]
    assert "I gang" in body and "Afsluttet" in body
    # Still nothing else: not the actual end, the outcome or the company.
    assert days_ago(100).strftime("%d.%m.%Y") not in body  # the subsidy's actual end
    assert "Rykket til næste trin" not in html and "Hovedentreprenør" not in body
