"""Fast at every size: the SQL statements each main page issues, with 2 and with 30 rows.

What is counted: every statement the request sends through the engine (Flask-Login's user
load included, and any INSERT), plus every COMMIT, each a round trip. What is not: the
drivers' implicit BEGIN, the pool's pre-ping on checkout and its rollback when the connection
goes back, housekeeping every request pays alike. Each request starts from an empty session,
as in production, so nothing is served from a previous request's identity map.

Every page is counted at small data (2 projects, placements and candidates besides the fixed
ones) and at large data (30 of each, still one page of each list), and must issue exactly the
number of statements in its test: the same at both sizes (no N+1), and at most 3 (the house
rule: "at most about three database round trips per request"), with one exception, stated
where it is asserted: the candidate search must write the search to the audit log. That write
(one INSERT and its COMMIT) is counted, but it is not a page query: the page reads 2 times
(the user, the page), and writes once, whatever the data: 4 round trips.
"""

from __future__ import annotations

from datetime import timedelta

import pytest

from app.agreements import service as agreements
from app.core.dashboard import SECTION_LIMIT
from app.extensions import db
from app.models import Organisation, Phase, Project, Role, User, utcnow
from tests.factories import TODAY, add_candidate, add_placement, approve_agreement, days_ago
from tests.forms import read_form
from tests.querycount import Statements, measure

HX = {"HX-Request": "true"}
SMALL, LARGE = 2, 30


class Site:
    """One association whose running project has an approved agreement, a main contractor,
    residents on its ladder, and (per `grow`) more projects, placements, candidates, meetings
    and openings; plus a coordinator, a client user and a contractor user who see it all."""

    def __init__(self, make):
        self.make = make
        assoc = make.association("Boligforeningen Vestbo", areas=["Gellerupparken"])
        main = make.company("Hovedentreprenør A/S")
        author = make.user(Role.COORDINATOR, name="Anna Forfatter")  # not the one downloading
        project = make.project(assoc, "Helhedsplan Gellerup", Phase.EXECUTION, main=main)
        version = agreements.save_version(project, agreements.draft_for_editing(project), author, 0)
        agreements.approve(version, author)
        # Ids only: every measured request starts from an empty session.
        self.assoc_id, self.main_id, self.project_id = assoc.id, main.id, project.id
        self.user_ids = {
            Role.COORDINATOR: make.user(Role.COORDINATOR, name="Karen Koordinator").id,
            Role.CLIENT: make.user(Role.CLIENT, assoc).id,
            Role.CONTRACTOR: make.user(Role.CONTRACTOR, main).id,
        }
        self.size = 0

    def user(self, role: Role) -> User:
        return db.session.get(User, self.user_ids[role])

    def grow(self, to: int) -> None:
        """Add projects (each with an approved agreement and its own subcontractor),
        candidates on the main project's ladder and on their own project's, meetings and
        openings, up to `to` of each."""
        assoc = db.session.get(Organisation, self.assoc_id)
        main = db.session.get(Organisation, self.main_id)
        coordinator = self.user(Role.COORDINATOR)
        for i in range(self.size, to):
            sub = self.make.company(f"Underentreprenør {i} ApS")
            project = self.make.project(
                assoc, f"Helhedsplan blok {i}", Phase.EXECUTION, main=main, subs=[sub]
            )
            approve_agreement(project, coordinator)
            person = add_candidate(f"Murer{i}", "Hansen", assoc)
            person.area_id = assoc.areas[0].id
            person.trades = "murer"
            add_placement(person, project, sub, "internship", days_ago(60 + i))
            main_project = db.session.get(Project, self.project_id)
            add_placement(person, main_project, main, "wage_subsidy", days_ago(40 + i))
            self.make.meeting(project, starts_at=utcnow() + timedelta(days=2))
            self.make.opening(project, sub, coordinator, expected_start=TODAY)
        self.size = to


@pytest.fixture
def site(make) -> Site:
    site = Site(make)
    site.grow(SMALL)
    return site


def at_both_sizes(site: Site, login, role: Role, request) -> tuple[Statements, Statements]:
    """Count `request()` as `role` at small data, grow to large data, count again."""
    login(site.user(role))
    small, _ = request()
    site.grow(LARGE)
    large, response = request()
    assert len(small) == len(large), f"{SMALL} rows:\n{small}\n{LARGE} rows:\n{large}"
    return large, response


def assert_count(statements: Statements, expected: int) -> None:
    assert len(statements) == expected, f"{len(statements)} statements:\n{statements}"


# --- the start page ---------------------------------------------------------------------------


def test_the_coordinators_start_page_and_each_of_its_sections_issue_3_statements_or_fewer(
    client, login, site
):
    """The page itself: the user (with their organisation), then the phase counts and recent
    projects in one query, and the inbox ("Venter på dig") in one more. Each of its four
    sections is loaded by htmx from its own route:
    the user and the section's rows (the active projects come with their approved agreements
    in the same query); the active projects' progress bars need their placements' facts only
    when a project's placements or agreement changed since this worker last counted it (the
    progress cache), so 3 then, 2 after. Before: one request of 7 (9 before that)."""
    urls = ["/", "/dashboard/active", "/dashboard/retention", "/dashboard/meetings"]
    urls.append("/dashboard/openings")

    def request():
        counted = [measure(client, url, headers=HX) for url in urls]
        return [statements for statements, _response in counted], counted

    login(site.user(Role.COORDINATOR))
    small, _ = request()
    site.grow(LARGE)  # every grown project has new placements: counted afresh
    large, counted = request()
    assert [len(s) for s in small] == [len(s) for s in large] == [3, 3, 2, 2, 2], "\n".join(
        f"{url}:\n{s}" for url, s in zip(urls, large, strict=True)
    )
    warm, _ = measure(client, "/dashboard/active", headers=HX)
    assert_count(warm, 2)  # counted already: no placements read
    assert "FROM placements" not in str(warm)

    html = {
        url: response.get_data(as_text=True)
        for url, (_s, response) in zip(urls, counted, strict=True)
    }
    # Each section shows the most urgent rows up to its limit, from the same queries.
    active = html["/dashboard/active"]
    assert active.count("<progress") == min(LARGE + 1, SECTION_LIMIT)
    assert 'href="/projects/?phase=execution"' in active  # and says there are more
    assert html["/dashboard/retention"].count("<li") == min(2 * LARGE, SECTION_LIMIT)
    assert html["/dashboard/meetings"].count("<li") == min(LARGE, SECTION_LIMIT)
    assert html["/dashboard/openings"].count("<li") == min(LARGE, SECTION_LIMIT)


@pytest.mark.parametrize("role", [Role.CLIENT, Role.CONTRACTOR])
def test_the_start_page_of_clients_and_contractors_issues_3_statements(client, login, site, role):
    """The user (their organisation joined, as the page names it), then the phase counts and
    recent projects in one query, then the inbox ("Venter på dig") in one. Before: 4 (the
    counts, the recent projects and a lazy load of the user's organisation were separate)."""
    statements, response = at_both_sizes(site, login, role, lambda: measure(client, "/"))
    assert_count(statements, 3)
    html = response.get_data(as_text=True)
    assert "Boligforeningen Vestbo" in html or "Hovedentreprenør A/S" in html
    assert f"{LARGE + 1}</span>" in html  # the execution phase card counts every project


# --- the project list ---------------------------------------------------------------------------


PROJECT_SEARCH = "/projects/?phase=execution&q=helhedsplan"


@pytest.mark.parametrize("role", [Role.COORDINATOR, Role.CLIENT, Role.CONTRACTOR])
def test_the_project_list_issues_3_statements_and_its_fragment_2(client, login, site, role):
    """The user; the page of projects with the client joined, the main contractor's name as a
    column and the total as `count(*) OVER ()`; the associations for the filter (the full page
    only: the fragment does not show the filter). Before: 5 for both (a COUNT, the page, the
    companies by selectinload, the associations)."""
    page, response = at_both_sizes(site, login, role, lambda: measure(client, PROJECT_SEARCH))
    assert_count(page, 3)
    html = response.get_data(as_text=True)
    assert f"{LARGE + 1} byggesager" in html
    assert html.count('<td class="hide-sm">Hovedentreprenør A/S</td>') == LARGE + 1

    fragment, response = measure(client, PROJECT_SEARCH, headers=HX)
    assert_count(fragment, 2)
    html = response.get_data(as_text=True)
    assert "<html" not in html and f"{LARGE + 1} byggesager" in html


def test_a_page_past_the_end_still_knows_the_total(app, client, login, site, monkeypatch):
    """With no row to carry `count(*) OVER ()`, the total costs one COUNT more: the only case
    where a list needs it (a page past the end is reached by editing the URL, not by the
    links)."""
    monkeypatch.setitem(app.config, "PAGE_SIZE", 2)
    login(site.user(Role.COORDINATOR))
    second, response = measure(client, "/projects/?page=2", headers=HX)
    assert_count(second, 2)
    assert f"{SMALL + 1} byggesager" in response.get_data(as_text=True)
    assert response.get_data(as_text=True).count("<tr>") == 1 + 1  # the header and one row
    past, response = measure(client, "/projects/?page=9", headers=HX)
    assert_count(past, 3)
    assert f"{SMALL + 1} byggesager" in response.get_data(as_text=True)
    past, response = measure(client, "/candidates/?page=9", headers=HX)
    assert_count(past, 3)
    assert f"{SMALL} kandidater" in response.get_data(as_text=True)


# --- the progress page --------------------------------------------------------------------------


@pytest.mark.parametrize("role", [Role.COORDINATOR, Role.CLIENT, Role.CONTRACTOR])
def test_the_progress_page_issues_3_statements(client, login, site, role):
    """The user; the project (in the user's scope) with its approved agreement; the first
    time after a change, every placement with its person's name (counted, and the page of
    people shown from the same rows), after that only the page of people (for a contractor,
    only its own company's). Before: 5 for staff, 6 for clients and contractors (the
    agreement, the facts and the people were separate, and the page header lazily loaded
    the user's organisation)."""
    url = f"/projects/{site.project_id}/progress"
    statements, response = at_both_sizes(site, login, role, lambda: measure(client, url))
    assert_count(statements, 3)
    warm, warm_response = measure(client, url)
    assert_count(warm, 3)
    # One page of placements, picked before the joins, its total counted beside it.
    assert "LIMIT" in warm.sql[-1] and "(SELECT count(*)" in warm.sql[-1]
    for html in (response.get_data(as_text=True), warm_response.get_data(as_text=True)):
        people = html.split("<tbody>")[-1].split("</tbody>")[0]
        assert people.count("<tr") == LARGE
        if role == Role.CLIENT:
            assert "Murer" not in people and "M.H." in people  # initials only
        else:
            assert "Murer29 Hansen" in people


@pytest.mark.parametrize(("role", "expected"), [(Role.CLIENT, 4), (Role.CONTRACTOR, 4)])
def test_the_project_page_issues_4_statements_whatever_it_holds(
    client, login, site, role, expected
):
    """The user; the project with its client, companies, areas and opening counts; the version
    in force and the latest; the kickoff and coming meetings (app/projects/queries.py), with
    the progress from the cache. Before: 11 for clients and contractors, 13 for staff."""
    url = f"/projects/{site.project_id}"
    # The first view after a change also counts the placements (the growth writes some).
    statements, response = at_both_sizes(site, login, role, lambda: measure(client, url))
    assert_count(statements, expected + 1)
    warm, _ = measure(client, url)
    assert_count(warm, expected)
    assert "Helhedsplan Gellerup" in response.get_data(as_text=True)


# --- the candidate search -----------------------------------------------------------------------


def test_the_candidate_search_reads_twice_and_writes_its_audit_event(client, login, site):
    """The user, then the page of candidates with area, association, today's placement (rung
    and company) and the total in one query; then the audit event (INSERT, COMMIT), written
    after the page is rendered so the commit expires nothing the page reads. The write is not
    a page query but it is counted: 4 round trips. Before: 7 (the audit write, a COUNT, the
    page, the active placements, and the user again, expired by the early commit)."""
    url = "/candidates/?q=murer"
    statements, response = at_both_sizes(
        site, login, Role.COORDINATOR, lambda: measure(client, url)
    )
    assert (statements.reads, statements.of("INSERT"), statements.of("COMMIT")) == (2, 1, 1)
    assert_count(statements, 4)
    html = response.get_data(as_text=True)
    assert f"{LARGE} kandidater" in html
    assert html.count("Hovedentreprenør A/S") == LARGE  # everyone's placement running today

    fragment, response = measure(client, url, headers=HX)
    assert (fragment.reads, fragment.of("INSERT"), fragment.of("COMMIT")) == (2, 1, 1)
    assert "<html" not in response.get_data(as_text=True)

    plain, _ = measure(client, "/candidates/")
    assert_count(plain, 2)  # no search, nothing to log


def test_a_capped_candidate_search_reads_twice_as_well(app, client, login, site, monkeypatch):
    """Past the count cap the page says "more than N" from the same one page query."""
    monkeypatch.setitem(app.config, "SEARCH_COUNT_CAP", 5)
    monkeypatch.setitem(app.config, "PAGE_SIZE", 10)
    statements, response = at_both_sizes(
        site, login, Role.COORDINATOR, lambda: measure(client, "/candidates/?q=murer")
    )
    assert (statements.reads, statements.of("INSERT"), statements.of("COMMIT")) == (2, 1, 1)
    assert_count(statements, 4)
    html = response.get_data(as_text=True)
    assert "Flere end 10 kandidater" in html
    assert html.count("Hovedentreprenør A/S") == 10


# --- the agreement ------------------------------------------------------------------------------


@pytest.mark.parametrize("role", [Role.COORDINATOR, Role.CLIENT])
def test_the_agreement_preview_issues_3_statements(client, login, site, role):
    """The user, the project and the target calculator's coefficient (the calculator is
    refreshed with the preview); the clause library is in memory. Before the calculator: 2."""
    login(site.user(role))
    html = client.get(f"/projects/{site.project_id}/agreement/draft").get_data(as_text=True)
    form = read_form(html, "editor")
    form.pop("csrf_token", None)
    url = f"/projects/{site.project_id}/agreement/preview"

    def preview():
        return measure(client, url, method="POST", data=form, headers=HX)

    statements, response = at_both_sizes(site, login, role, preview)
    assert_count(statements, 3)
    assert response.get_data(as_text=True).lstrip().startswith('<aside id="preview"')


@pytest.mark.parametrize("role", [Role.COORDINATOR, Role.CLIENT, Role.CONTRACTOR])
def test_the_agreement_download_issues_3_statements(client, login, site, role):
    """The user; the project; the version with its author, without its words (for a reader
    who may not draft, the approved version, checked to be the one asked for); and the
    version's words when the file is built, not when it is kept. Before: 4 (the author was a
    lazy load), 5 for a contractor (the version, then the approved version to compare)."""
    url = f"/projects/{site.project_id}/agreement/v1.docx"

    def built():
        agreements.forget_docx_files()
        return measure(client, url)

    statements, response = at_both_sizes(site, login, role, built)
    assert_count(statements, 4)  # built: the words read
    assert statements.sql[-1].startswith("SELECT agreement_versions.content")
    kept, again = measure(client, url)
    assert_count(kept, 3)
    assert again.data == response.data
    assert response.mimetype.endswith("wordprocessingml.document")
    disposition = response.headers["Content-Disposition"]
    assert "Partnerskabsaftale%20-%20Helhedsplan%20Gellerup%20-%20v1.docx" in disposition
