"""The inbox at any size: what waits for approval comes from `Project.pending_version`, which
the agreement service writes with every saved and approved version (tests/test_derived_columns.py
checks it on the pages' write paths too), and each kind is counted only up to COUNT_CAP
("99+")."""

from __future__ import annotations

import re
from datetime import timedelta

from sqlalchemy import event, select

from app.agreements import pending
from app.agreements.models import AgreementVersion
from app.clock import local_today
from app.core import inbox
from app.extensions import db
from app.meetings.models import ActionItem
from app.models import Project, utcnow


def pending_column() -> dict[int, int | None]:
    db.session.expire_all()
    return dict(db.session.execute(select(Project.id, Project.pending_version)).all())


def pending_computed() -> dict[int, int | None]:
    """What the column must say, computed from the versions themselves."""
    found = {r.project_id: r.number for r in db.session.execute(pending.latest_pending())}
    return {pid: found.get(pid) for pid in db.session.scalars(select(Project.id))}


def since_right() -> bool:
    """`pending_since` is the waiting version's saving moment, and None with nothing waiting."""
    db.session.expire_all()
    found = {r.project_id: r.created_at for r in db.session.execute(pending.latest_pending())}
    kept = db.session.execute(select(Project.id, Project.pending_since)).all()
    return all(since == found.get(pid) for pid, since in kept)


def test_pending_version_follows_every_save_and_approval(make):
    a, b = make.project(name="Alfa"), make.project(name="Beta")
    assert pending_column() == pending_computed() == {a.id: None, b.id: None}

    make.agreement(a)  # v1, a draft
    assert pending_column()[a.id] == 1 and pending_column()[b.id] is None
    v2 = make.agreement(a)  # v2 supersedes v1 as what waits
    assert pending_column()[a.id] == 2
    make.approved_agreement(b)  # saved and approved at once: nothing waits
    assert pending_column()[b.id] is None

    client = make.client_user(db.session.get(Project, a.id).client)
    from app.agreements import service

    service.approve(db.session.get(AgreementVersion, v2.id), client)
    assert pending_column()[a.id] is None
    make.agreement(a)  # v3 after the approval waits again
    assert pending_column()[a.id] == 3
    assert pending_column() == pending_computed()
    assert since_right()


def test_refresh_repairs_the_column_after_a_bulk_write(make):
    p = make.project()
    make.agreement(p)
    db.session.execute(Project.__table__.update().values(pending_version=None))
    db.session.commit()
    assert pending_column()[p.id] is None  # as after rows written without the ORM
    pending.refresh(db.session.connection())
    db.session.commit()
    assert pending_column()[p.id] == 1 == pending_computed()[p.id]
    assert since_right()


def test_the_inbox_lists_the_pending_versions_of_the_readers_projects(make):
    p = make.project(name="Ventende")
    make.agreement(p, note="Klar til godkendelse")
    client = make.client_user(p.client)
    box = inbox.inbox(db.session, inbox.Reader.of(client), local_today(), utcnow())
    approvals = box.kind("approvals")
    assert approvals.count == 1
    assert (approvals.items[0].project, approvals.items[0].ref) == ("Ventende", 1)
    assert approvals.items[0].text == "Klar til godkendelse"
    other = make.client_user(make.association("Anden boligforening"))
    assert (
        inbox.inbox(db.session, inbox.Reader.of(other), local_today(), utcnow())
        .kind("approvals")
        .count
        == 0
    )


def badge(html: str) -> str:
    link = re.search(r'<a [^>]*class="inbox-link"[^>]*>(.*?)</a>', html, re.S)
    assert link
    return re.search(r'class="visually-hidden">\(([^)]*)\)<', link.group(1)).group(1)


def test_a_count_stops_at_the_cap_and_says_so(client, login, make):
    coordinator = make.coordinator()
    project = make.project()
    meeting = make.monthly_meeting(project)
    overdue = local_today() - timedelta(days=3)
    for n in range(inbox.COUNT_CAP - 2):
        make.action_item(meeting, f"Opgave {n}", due_on=overdue, user=coordinator)
    login(coordinator)
    # Below the cap: the real number.
    assert badge(client.get("/projects/").get_data(as_text=True)) == "98"

    for n in range(7):
        make.action_item(meeting, f"Flere {n}", due_on=overdue, user=coordinator)
    assert db.session.query(ActionItem).count() == inbox.COUNT_CAP + 5
    box = inbox.inbox(db.session, inbox.Reader.of(coordinator), local_today(), utcnow())
    assert box.kind("overdue").count == inbox.COUNT_CAP and box.kind("overdue").capped
    assert len(box.kind("overdue").items) == inbox.LIMIT
    assert badge(client.get("/projects/").get_data(as_text=True)) == "99+"
    home = client.get("/").get_data(as_text=True)
    assert badge(home) == "99+"
    assert "og mindst 95 til" in home


def test_the_badge_counts_all_kinds_together_up_to_the_cap(client, login, make):
    """Several kinds below the cap that pass it together: the badge and the start page's
    heading say "99+", while each kind keeps its own count."""
    coordinator = make.coordinator()
    project = make.project()
    meeting = make.monthly_meeting(project)
    overdue = local_today() - timedelta(days=3)
    company = make.company("Murer A/S")
    reporter = make.contractor(company)
    for n in range(60):
        make.action_item(meeting, f"Opgave {n}", due_on=overdue, user=coordinator)
    for _ in range(39):
        make.opening(project, company=company, reported_by=reporter)
    login(coordinator)
    reader = inbox.Reader.of(coordinator)
    # 99 in all: the real number, both ways.
    assert badge(client.get("/projects/").get_data(as_text=True)) == "99"
    assert inbox.total(db.session, reader, local_today(), utcnow()) == 99

    make.opening(project, company=company, reported_by=reporter)
    make.opening(project, company=company, reported_by=reporter)
    box = inbox.inbox(db.session, reader, local_today(), utcnow())
    assert (box.kind("overdue").count, box.kind("openings").count) == (60, 41)
    assert box.total == inbox.COUNT_CAP
    assert inbox.total(db.session, reader, local_today(), utcnow()) == inbox.COUNT_CAP
    assert badge(client.get("/projects/").get_data(as_text=True)) == "99+"
    home = client.get("/").get_data(as_text=True)
    assert badge(home) == "99+"
    assert re.search(r'id="inbox-heading">[^<]*<span class="badge count-badge">99\+<', home)


def test_the_days_values_are_written_into_the_statements_text_and_moments_are_not(
    client, login, make
):
    """The badge's count and the retention section carry today's date (and the days counted
    from it) and their limits in their text, so PostgreSQL can plan each once and keep the
    plan all day; the moments (now, and windows from it) stay parameters, so the text does not
    change from one request to the next and the plan is kept."""
    login(make.coordinator())
    make.project()
    sent = []

    def statement(conn, cursor, sql, parameters, *args):
        sent.append((sql, parameters))

    today = f"'{local_today().isoformat()}'"
    event.listen(db.engine, "before_cursor_execute", statement)
    try:
        client.get("/projects/")
        client.get("/projects/")
        client.get("/dashboard/retention", headers={"HX-Request": "true"})
    finally:
        event.remove(db.engine, "before_cursor_execute", statement)
    badges = [sql for sql, _ in sent if inbox.BADGE_TAG in sql]
    assert len(badges) == 2 and badges[0] == badges[1]  # the same text, request after request
    assert today in badges[0]
    assert f"LIMIT {inbox.COUNT_CAP}" in badges[0]  # a constant of the code, in the text too
    retention = next(sql for sql, _ in sent if "retention_since" in sql and "LIMIT" in sql)
    cutoff = local_today() - timedelta(weeks=4)  # RETENTION_WEEKS, the default
    assert today in retention and f"'{cutoff.isoformat()}'" in retention
