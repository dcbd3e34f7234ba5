"""Counted progress is cached per worker by what it is counted from: never stale, never
asked for twice.

The site is tests/sites.py's progress site: 5 courses counted (Mads 3 rungs, Ahmed 1,
Sara's apprenticeship), target 8 courses and 2 apprenticeships.
"""

from __future__ import annotations

import re

import pytest
from sqlalchemy import event, select

from app.agreements.models import AgreementVersion
from app.extensions import db
from app.models import Phase, Project, Role, utcnow
from app.placements import progress_cache
from app.placements import service as placement_service
from app.placements.models import Placement
from app.placements.progress_data import project_progress
from tests.factories import (
    TODAY,
    add_candidate,
    add_placement,
    approve_agreement,
    days_ago,
)
from tests.sites import progress_page as page
from tests.sites import progress_site


@pytest.fixture
def site(make):
    return progress_site(make)


def counted_on_page(client, project) -> tuple[int, int]:
    """(counted courses, target courses) as the progress page shows them."""
    html = page(client, project).get_data(as_text=True)
    card = html.split('id="progress-courses"')[1].split("</article>")[0]
    counted = int(re.search(r'data-counted="(\d+)"', card).group(1))
    target = int(re.search(r'max="(\d+)"', card).group(1))
    return counted, target


def stamp_of(project_id: int) -> str:
    return db.session.scalar(select(Project.progress_stamp).where(Project.id == project_id))


@pytest.fixture
def staff(client, login, site):
    login(site["coordinator"])
    return site


def test_a_new_placement_shows_at_once(client, staff):
    project = staff["project"]
    assert counted_on_page(client, project) == (5, 8)
    assert counted_on_page(client, project) == (5, 8)  # now from the cache
    newcomer = add_candidate("Nanna", "Nielsen", staff["assoc"])
    add_placement(newcomer, project, staff["main"], "internship", days_ago(3))
    assert counted_on_page(client, project) == (6, 8)


def chart_description(client, project) -> str:
    html = page(client, project).get_data(as_text=True)
    return re.search(r'<desc id="chart-desc">([^<]*)</desc>', html).group(1)


def test_the_chart_is_drawn_once_per_change_and_again_after_one(client, staff, monkeypatch):
    from app.placements import progress_views

    drawn = []
    real_chart = progress_views.chart

    def counting_chart(*args):
        drawn.append(args)
        return real_chart(*args)

    monkeypatch.setattr(progress_views, "chart", counting_chart)
    project = staff["project"]
    first = chart_description(client, project)
    assert first.startswith("5 ") and chart_description(client, project) == first
    assert len(drawn) == 1  # the second view took the kept drawing
    newcomer = add_candidate("Nanna", "Nielsen", staff["assoc"])
    add_placement(newcomer, project, staff["main"], "internship", days_ago(3))
    assert chart_description(client, project).startswith("6 ")
    assert len(drawn) == 2


def figures_of(client, project) -> str:
    """The progress page's figures, table by rung, chart and gain: the part kept rendered."""
    html = page(client, project).get_data(as_text=True)
    return html.split('id="progress-targets"')[1].split('<section id="progress-people">')[0]


def test_the_figures_are_rendered_once_per_change_and_again_after_one(client, staff, monkeypatch):
    """The second view shows the kept figures, and the placement after it shows at once in
    every part of them: the card, the table by rung, the chart and the gain."""
    from app.placements import progress_views

    drawn = []
    real_chart = progress_views.chart
    monkeypatch.setattr(progress_views, "chart", lambda *a: drawn.append(a) or real_chart(*a))
    project = staff["project"]
    progress_cache.figures.clear()  # earlier tests' pieces may have filled it to its size
    first = figures_of(client, project)
    assert figures_of(client, project) == first
    assert len(progress_cache.figures) == 1  # one piece, kept and shown again
    assert 'data-rung="internship"' in first and "5 forløb talt med pr." in first
    newcomer = add_candidate("Nanna", "Nielsen", staff["assoc"])
    add_placement(newcomer, project, staff["main"], "internship", days_ago(3))
    second = figures_of(client, project)
    assert second != first and "6 forløb talt med pr." in second
    assert len(progress_cache.figures) == 2 and len(drawn) == 2


def test_the_kept_figures_speak_each_readers_language(client, staff):
    """The same project and day in Danish and in English: each language its own piece, and
    the Danish one is not served after a switch to English (nor back)."""
    project = staff["project"]
    danish = figures_of(client, project)
    assert "Beskæftigelsesforløb" in danish and "5 forløb talt med pr." in danish
    client.post("/language", data={"lang": "en", "next": "/"})
    english = figures_of(client, project)
    assert "Employment courses" in english and "5 courses counted by" in english
    assert "forløb" not in english
    client.post("/language", data={"lang": "da", "next": "/"})
    assert figures_of(client, project) == danish


def touched(*project_ids):
    """Commit a placement change no page makes, touching the projects as such code must."""
    progress_cache.touch(db.session, project_ids)
    db.session.commit()


def test_an_ended_placement_shows_at_once(staff):
    project = staff["project"]
    assert project_progress(project, TODAY, approved=None).apprenticeships_completed == 0
    sara = db.session.scalar(select(Placement).where(Placement.candidate_id == staff["sara"].id))
    placement_service.end(sara, days_ago(1), "completed")
    db.session.commit()
    assert project_progress(project, TODAY, approved=None).apprenticeships_completed == 1


def test_a_deleted_or_moved_placement_shows_at_once_once_touched(client, staff):
    project = staff["project"]
    assert counted_on_page(client, project) == (5, 8)
    sara = db.session.scalar(select(Placement).where(Placement.candidate_id == staff["sara"].id))
    db.session.delete(sara)
    touched(project.id)
    assert counted_on_page(client, project) == (4, 8)
    ahmed = db.session.scalar(select(Placement).where(Placement.candidate_id == staff["ahmed"].id))
    ahmed.start_date = TODAY.replace(year=TODAY.year + 1)  # moved to the future: not started
    touched(project.id)
    assert counted_on_page(client, project) == (3, 8)


def test_a_newly_approved_agreement_changes_the_targets_at_once(client, staff):
    project = staff["project"]
    assert counted_on_page(client, project) == (5, 8)
    first = db.session.scalar(
        select(AgreementVersion).where(AgreementVersion.project_id == project.id)
    )
    db.session.add(
        AgreementVersion(
            project_id=project.id,
            number=2,
            content={"values": {"apprenticeships_min": 2, "courses_min": 12}},
            text="",
            apprenticeships_min=2,
            courses_min=12,
            count_rule="started",
            ladder={},
            author_id=first.author_id,
            approved_at=utcnow(),
            approved_by_id=first.author_id,
        )
    )
    db.session.commit()
    assert counted_on_page(client, project) == (5, 12)
    # Withdrawn (deleted), from an expired object: the earlier agreement is in force again.
    newer = db.session.scalar(
        select(AgreementVersion).where(
            AgreementVersion.project_id == project.id, AgreementVersion.number == 2
        )
    )
    db.session.commit()
    db.session.delete(newer)
    db.session.commit()
    assert counted_on_page(client, project) == (5, 8)


def test_a_placement_moved_to_another_project_counts_on_the_new_one_only(client, make, staff):
    project = staff["project"]
    other = make.project(staff["assoc"], "Helhedsplan Bispehaven", main=staff["main"])
    approve_agreement(other, staff["coordinator"])
    assert counted_on_page(client, project) == (5, 8)
    assert counted_on_page(client, other) == (0, 8)
    sara = db.session.scalar(select(Placement).where(Placement.candidate_id == staff["sara"].id))
    sara.project_id = other.id
    touched(project.id, other.id)
    assert counted_on_page(client, project) == (4, 8)
    assert counted_on_page(client, other) == (1, 8)


def test_a_rolled_back_write_keeps_the_stamp_and_the_count(client, staff):
    project = staff["project"]
    before = stamp_of(project.id)
    assert counted_on_page(client, project) == (5, 8)
    newcomer = add_candidate("Nanna", "Nielsen", staff["assoc"])
    placement_service.insert(
        [
            Placement(
                candidate_id=newcomer.id,
                project_id=project.id,
                company_id=staff["main"].id,
                rung="internship",
                start_date=days_ago(3),
            )
        ]
    )
    assert stamp_of(project.id) != before  # the insert replaced it in the transaction...
    db.session.rollback()
    assert stamp_of(project.id) == before  # ...and the rollback undid both
    assert counted_on_page(client, project) == (5, 8)


def test_a_placement_write_keeps_the_projects_updated_at(staff):
    """The stamp changes, but the project itself did not: it must not jump to the top of
    "recently updated"."""
    project = staff["project"]
    before = (stamp_of(project.id), project.updated_at)
    newcomer = add_candidate("Nanna", "Nielsen", staff["assoc"])
    add_placement(newcomer, project, staff["main"], "internship", days_ago(3))
    db.session.expire_all()
    fresh = db.session.get(Project, project.id)
    assert fresh.progress_stamp != before[0]
    assert fresh.updated_at == before[1]


def test_counting_again_asks_the_database_nothing(app, staff):
    """The second count of an unchanged project is served from the cache: no facts query."""
    project, approved = staff["project"], None
    progress_cache.cache.clear()
    placements_read = []

    def seen(conn, cursor, sql, *args):
        if "FROM placements" in sql:
            placements_read.append(sql)

    event.listen(db.engine, "before_cursor_execute", seen)
    try:
        first = project_progress(project, TODAY, approved=approved)
        second = project_progress(project, TODAY, approved=approved)
        assert first == second and first.courses_counted == 5
        assert len(placements_read) == 1
        # Another day is another key: counted afresh (a placement may have started since).
        project_progress(project, days_ago(1), approved=approved)
        assert len(placements_read) == 1 + 1
    finally:
        event.remove(db.engine, "before_cursor_execute", seen)


def test_the_cache_keeps_at_most_its_size(staff, monkeypatch):
    monkeypatch.setattr(progress_cache.cache, "size", 3)
    progress_cache.cache.clear()
    project = staff["project"]
    for n in range(5):
        project_progress(project, days_ago(n), approved=None)
    assert len(progress_cache.cache) == 3
    # The two counted first (today, yesterday) went; the latest three stay.
    assert progress_cache.cache.get(progress_cache.key(project, None, days_ago(0))) is None
    assert progress_cache.cache.get(progress_cache.key(project, None, days_ago(1))) is None
    assert progress_cache.cache.get(progress_cache.key(project, None, days_ago(2))) is not None


def test_another_role_sees_the_same_count(client, login, make, staff):
    project = staff["project"]
    assert counted_on_page(client, project) == (5, 8)
    login(make.user(Role.CLIENT, staff["assoc"]))
    assert counted_on_page(client, project) == (5, 8)


def people_rows(client, project, page: int = 1) -> list[str]:
    html = client.get(f"/projects/{project.id}/progress?page={page}").get_data(as_text=True)
    table = html.split('id="progress-people"')[1].split("</section>")[0]
    if "<tbody>" not in table:
        return []
    return [
        " | ".join(
            re.sub(r"<[^>]+>", "", cell).strip()
            for cell in re.findall(r"<td[^>]*>(.*?)</td>", row, re.S)
        )
        for row in re.findall(r"<tr>(.*?)</tr>", table.split("<tbody>")[1], re.S)
    ]


@pytest.mark.parametrize("role", [Role.COORDINATOR, Role.CLIENT, Role.CONTRACTOR])
def test_the_ladder_is_paged_the_same_whether_counted_already_or_not(
    app,
    client,
    login,
    make,
    site,
    role,
    monkeypatch,
):
    """The first view after a change pages the placements it loaded to count them; later
    views ask the database for the page. Both show the same rows, newest first."""
    monkeypatch.setitem(app.config, "PAGE_SIZE", 2)
    org = {Role.CLIENT: site["assoc"], Role.CONTRACTOR: site["main"]}.get(role)
    login(make.user(role, org) if org else site["coordinator"])
    project = site["project"]
    cold = []
    for number in (1, 2, 3):
        progress_cache.cache.clear()  # each view counts afresh and pages what it loaded
        cold.append(people_rows(client, project, number))
    warm = [people_rows(client, project, number) for number in (1, 2, 3)]  # counted: paged in SQL
    assert cold == warm
    first, second, third = warm
    # 5 placements (4 at the main contractor, 1 at the subcontractor), the newest first.
    expected = {
        Role.COORDINATOR: [
            "Sara Sørensen",
            "Mads Mikkelsen",
            "Ahmed Hassan",
            "Mads Mikkelsen",
            "Mads Mikkelsen",
        ],
        Role.CLIENT: ["S.S.", "M.M.", "A.H.", "M.M.", "M.M."],
        Role.CONTRACTOR: ["Mads Mikkelsen", "Ahmed Hassan", "Mads Mikkelsen", "Mads Mikkelsen"],
    }[role]
    shown = [row.split(" | ")[0] for row in first + second + third]
    assert shown == expected
    assert len(first) == 2 and len(second) == 2
    html = client.get(f"/projects/{project.id}/progress").get_data(as_text=True)
    assert f'href="/projects/{project.id}/progress?page=2#progress-people"' in html
    total = len(expected)
    assert f"{total} forløb, de nyeste først." in html


def test_the_start_page_counts_with_the_agreements_own_durations(client, login, make):
    """The start page reads each agreement's ladder, not its whole content: the minimum
    durations it sets must still decide what counts."""
    assoc = make.association("Boligforeningen Vestbo")
    main = make.company("Hovedentreprenør A/S")
    coordinator = login(make.user(Role.COORDINATOR))
    strict = make.project(assoc, "Streng aftale", Phase.EXECUTION, main=main)
    lenient = make.project(assoc, "Mild aftale", Phase.EXECUTION, main=main)
    # A 3-week internship counts under a 2-week minimum, not under an 8-week one.
    approve_agreement(strict, coordinator, rule="min_duration", internship_weeks_min=8)
    approve_agreement(lenient, coordinator, rule="min_duration", internship_weeks_min=2)
    for project in (strict, lenient):
        person = add_candidate("Ida", project.name, assoc)
        add_placement(person, project, main, "internship", days_ago(21))
    for _ in range(2):  # counted afresh, then from the cache
        html = client.get("/dashboard/active", headers={"HX-Request": "true"}).get_data(
            as_text=True
        )
        items = dict(re.findall(r'<li data-project="(\d+)">(.*?)</li>', html, re.S))
        assert "0 af 8 forløb" in items[str(strict.id)]
        assert "1 af 8 forløb" in items[str(lenient.id)]
    assert counted_on_page(client, strict) == (0, 8)
    assert counted_on_page(client, lenient) == (1, 8)
    # The progress page counts by itself too, from the ladder it reads alone.
    progress_cache.cache.clear()
    assert counted_on_page(client, strict) == (0, 8)
    assert counted_on_page(client, lenient) == (1, 8)


def test_active_projects_for_a_scoped_reader_are_its_own_with_their_agreements(make):
    """The section's statement for a reader who does not see every project (only staff open
    the section today; the statement takes any scope): the association's running projects,
    the latest changed first, each counted against its own agreement in force."""
    from app.core import dashboard

    own, other = make.association("Vestbo"), make.association("Østbo")
    main = make.company("Hovedentreprenør A/S")
    coordinator = make.user(Role.COORDINATOR)
    first = make.project(own, "Første", Phase.EXECUTION, main=main)
    second = make.project(own, "Anden", Phase.AWARDED, main=main)
    make.project(own, "I udbud", Phase.TENDER, main=main)
    make.project(other, "Andres", Phase.EXECUTION, main=main)
    approve_agreement(first, coordinator, courses=5)
    approve_agreement(second, coordinator, courses=9)
    reader = make.user(Role.CLIENT, own)
    shown = dashboard.active_projects(reader, TODAY)
    assert {a.name: a.progress.targets.courses for a in shown} == {"Første": 5, "Anden": 9}
    staff_view = {a.name for a in dashboard.active_projects(coordinator, TODAY)}
    assert staff_view == {"Første", "Anden", "Andres"}


def test_moving_the_execution_phase_recounts_at_once(client, staff):
    project = staff["project"]
    assert counted_on_page(client, project) == (5, 8)  # cached now
    # The phase now begins after Mads's internship, his wage subsidy and Ahmed's wage subsidy
    # started: an edit of the project's dates writes no placement, yet the page must not show
    # the old count. Left: Mads's ordinary job and Sara's apprenticeship.
    project.execution_start = days_ago(120)
    db.session.commit()
    assert counted_on_page(client, project) == (2, 8)
    project.execution_start = days_ago(300)
    db.session.commit()
    assert counted_on_page(client, project) == (5, 8)


def test_a_page_of_the_ladder_is_walked_from_the_projects_index(client, login, site):
    """A warm view reads one page of placements from the project's index in start order and
    counts them from the index alone: the people and companies are read for the page only,
    not for every placement of the project."""
    from sqlalchemy import event

    from app.extensions import db

    project = site["project"]
    login(site["coordinator"])
    client.get(f"/projects/{project.id}/progress")  # counted: later views page in SQL
    seen = []

    def record(conn, cursor, statement, parameters, context, executemany):
        if statement.startswith("SELECT placements.candidate_id") and "LIMIT" in statement:
            seen.append((statement, parameters))

    event.listen(db.engine, "before_cursor_execute", record)
    try:
        assert client.get(f"/projects/{project.id}/progress").status_code == 200
    finally:
        event.remove(db.engine, "before_cursor_execute", record)
    assert len(seen) == 1
    statement, parameters = seen[0]
    connection = db.session.connection()
    if connection.dialect.name == "sqlite":
        plan = connection.exec_driver_sql(f"EXPLAIN QUERY PLAN {statement}", parameters).all()
        steps = [row[-1] for row in plan]
        walks = [s for s in steps if "COVERING INDEX ix_placements_project_start" in s]
        assert len(walks) == 2, steps  # the page's ids and the count
        assert not any(s.startswith("SCAN") and "shown" not in s for s in steps), steps
        assert any("candidates USING INTEGER PRIMARY KEY" in s for s in steps), steps
    else:
        # Tiny tables make a sequential scan, a bitmap or a sort of a few rows cheapest (as
        # the statistics of the moment have it); forbid them to see the index give the order.
        for setting in ("enable_seqscan", "enable_bitmapscan", "enable_sort"):
            connection.exec_driver_sql(f"SET LOCAL {setting} = off")
        plan = connection.exec_driver_sql(f"EXPLAIN {statement}", parameters).scalars().all()
        walks = [line for line in plan if "ix_placements_project_start" in line]
        assert len(walks) == 2, plan
        backward = "Scan Backward using ix_placements_project_start"
        assert any(backward in line for line in plan), plan
        # Only the page's own rows are sorted (after the joins), not the project's placements.
        sorts = [line for line in plan if re.match(r"(Incremental )?Sort  \(", line.strip(" ->"))]
        assert sorts == [plan[0]], plan
