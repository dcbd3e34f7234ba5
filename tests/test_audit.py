"""The audit log: every view, search, change and export of candidate data and every user change
is logged with who, when, what and which candidate, never the data itself; nobody can change or
delete an event except the retention prune; coordinators search it on /audit/."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import delete, event, func, select, update

from app.audit.models import AuditEvent, AuditLogIsAppendOnly
from app.candidates.models import Candidate, SensitiveNote
from app.clock import local_today
from app.extensions import db
from app.models import Phase, Role, User, utcnow
from tests.factories import Factories, add_placement

HX = {"HX-Request": "true"}
SECRET_NAME = ("Zyxwv", "Qwerty")


def add_candidate(first="Mads", last="Holm", **fields) -> Candidate:
    """Someone outside social housing (the audit log does not care where people live)."""
    return Factories().resident(first, last, None, **fields)


def add_event(action="view_candidate", user=None, candidate_id=None, at=None, target=""):
    e = AuditEvent(
        action=action,
        user_id=user.id if user else None,
        candidate_id=candidate_id,
        at=at or utcnow(),
        target=target,
    )
    db.session.add(e)
    db.session.commit()
    return e


def events(action: str | None = None) -> list[AuditEvent]:
    query = select(AuditEvent).order_by(AuditEvent.id)
    if action:
        query = query.where(AuditEvent.action == action)
    return list(db.session.scalars(query))


def shown_event_ids(html: str) -> list[int]:
    return [int(n) for n in re.findall(r'data-event="(\d+)"', html)]


# --- what is recorded ---------------------------------------------------------------------------


def test_viewing_searching_and_opening_sensitive_notes_are_logged(client, coordinator):
    person = add_candidate()
    client.get(f"/candidates/{person.id}")
    client.get("/candidates/?q=Holm")
    client.get("/candidates/")  # the plain list is not a search
    client.post(f"/candidates/{person.id}/sensitive", headers=HX)
    logged = [(e.action, e.user_id, e.candidate_id) for e in events()]
    assert logged == [
        ("view_candidate", coordinator.id, person.id),
        ("search_candidates", coordinator.id, None),
        ("open_sensitive_notes", coordinator.id, person.id),
    ]
    assert all(e.at is not None for e in events())


EXPORTS = [
    ("/projects/{project}/report.docx", "project_report.docx project:{project}"),
    ("/projects/{project}/report.xlsx", "project_report.xlsx project:{project}"),
    ("/reports/placements.csv", "placements.csv"),
    ("/reports/placements.csv?project={project}", "placements.csv project:{project}"),
    ("/reports/portfolio.xlsx", "portfolio.xlsx"),
    ("/reports/aarsvaerk.xlsx", "aarsvaerk.xlsx"),
]


@pytest.mark.parametrize("url, target", EXPORTS)
def test_every_export_is_logged_with_its_kind(client, make, coordinator, url, target):
    company = make.company()
    project = make.project(phase=Phase.EXECUTION, main=company)
    person = add_candidate(*SECRET_NAME)
    add_placement(person, project, company, "internship", local_today() - timedelta(days=10))
    response = client.get(url.format(project=project.id))
    assert response.status_code == 200
    logged = [(e.action, e.user_id, e.candidate_id, e.target) for e in events()]
    assert logged == [("export", coordinator.id, None, target.format(project=project.id))]


def test_a_clients_export_is_logged_as_theirs(client, make, login):
    project = make.project(phase=Phase.EXECUTION)
    user = login(make.user(Role.CLIENT, organisation=project.client))
    assert client.get("/reports/portfolio.xlsx").status_code == 200
    assert [(e.action, e.user_id) for e in events()] == [("export", user.id)]


def test_a_refused_export_logs_nothing(client, make, login):
    project = make.project()
    login(make.user(Role.CONTRACTOR))
    assert client.get(f"/projects/{project.id}/report.docx").status_code in (403, 404)
    assert events() == []


def test_creating_disabling_and_enabling_a_user_in_admin_are_logged(client, make, login):
    admin = login(make.user(Role.ADMIN))
    assoc = make.association()
    response = client.post(
        "/admin/users/new",
        data={
            "email": "zyxwv@vestbo.dk",
            "name": "Zyxwv Qwerty",
            "role": "client",
            "organisation_id": assoc.id,
        },
    )
    assert response.status_code == 200
    user = db.session.scalar(select(User).where(User.email == "zyxwv@vestbo.dk"))
    client.post(f"/admin/users/{user.id}/disable")
    client.post(f"/admin/users/{user.id}/enable")
    client.post(f"/admin/users/{admin.id}/disable")  # refused: not logged
    assert [(e.action, e.user_id, e.candidate_id, e.target) for e in events()] == [
        ("user_created", admin.id, None, f"user:{user.id} role:client"),
        ("user_disabled", admin.id, None, f"user:{user.id}"),
        ("user_enabled", admin.id, None, f"user:{user.id}"),
    ]


def test_user_changes_from_the_cli_are_logged_as_the_system(runner, ctx):
    result = runner.invoke(
        args=[
            "users",
            "create",
            "--email",
            "zyxwv@bygop.dk",
            "--name",
            "Zyxwv Qwerty",
            "--role",
            "coordinator",
            "--password",
            "long enough password",
        ]
    )
    assert result.exit_code == 0, result.output
    assert runner.invoke(args=["users", "disable", "zyxwv@bygop.dk"]).exit_code == 0
    assert runner.invoke(args=["users", "enable", "zyxwv@bygop.dk"]).exit_code == 0
    user_id = db.session.scalar(select(User.id).where(User.email == "zyxwv@bygop.dk"))
    assert [(e.action, e.user_id, e.target) for e in events()] == [
        ("user_created", None, f"user:{user_id} role:coordinator"),
        ("user_disabled", None, f"user:{user_id}"),
        ("user_enabled", None, f"user:{user_id}"),
    ]


def test_no_personal_data_is_ever_in_the_log(client, make, coordinator):
    """Register, view, search, edit, converse, consent, open and add sensitive notes, match,
    export: the name, phone, email, address and note text are in no column of any event."""
    secrets = [*SECRET_NAME, "98 76 54 32", "zyxwv@example.dk", "Qwertyvej", "Hemmelig-7q"]
    response = client.post(
        "/candidates/new",
        data={
            "first_name": SECRET_NAME[0],
            "last_name": SECRET_NAME[1],
            "phone": "98 76 54 32",
            "email": "zyxwv@example.dk",
            "address": "Qwertyvej 1",
            "association_id": "0",
            "area_id": "0",
            "referral_source": "job_centre",
        },
    )
    assert response.status_code == 303
    person = db.session.scalar(select(Candidate))
    client.get(f"/candidates/{person.id}")
    client.get("/candidates/?q=Zyxwv")
    client.post(
        f"/candidates/{person.id}/conversations",
        data={"held_on": local_today().isoformat(), "kind": "intake", "notes": "Hemmelig-7q"},
    )
    client.post(f"/candidates/{person.id}/sensitive")
    client.post(f"/candidates/{person.id}/sensitive/notes", data={"text": "Hemmelig-7q"})
    company = make.company()
    project = make.project(phase=Phase.EXECUTION, main=company)
    add_placement(person, project, company, "internship", local_today() - timedelta(days=5))
    client.get("/reports/placements.csv")
    logged = events()
    assert {e.action for e in logged} >= {
        "create_candidate",
        "view_candidate",
        "search_candidates",
        "open_sensitive_notes",
        "add_sensitive_note",
        "export",
    }
    for e in logged:
        columns = " ".join(str(getattr(e, c.key)) for c in AuditEvent.__table__.columns)
        for secret in secrets:
            assert secret.lower() not in columns.lower(), (e, secret)
    page = client.get("/audit/").get_data(as_text=True)
    assert all(secret not in page for secret in secrets)
    assert shown_event_ids(page)  # the page did list the events


def test_every_action_recorded_in_the_code_has_a_label():
    """The log page shows each action by a translated label; a new action needs one too."""
    from pathlib import Path

    from app.audit.log import ACTION_LABELS

    recorded = set()
    for path in (Path(__file__).parents[1] / "app").rglob("*.py"):
        text = path.read_text(encoding="utf-8")
        recorded |= set(re.findall(r"\brecord\(\s*\"([a-z_]+)\"", text))
        for first, second in re.findall(
            r"\brecord\(\s*\"([a-z_]+)\" if \w+ else \"([a-z_]+)\"", text
        ):
            recorded |= {first, second}
    assert {"view_candidate", "export", "user_created", "user_disabled"} <= recorded
    assert recorded - set(ACTION_LABELS) == set()


# --- append-only --------------------------------------------------------------------------------


def test_an_event_cannot_be_changed(ctx):
    e = add_event(target="sensitive_notes")
    e.target = "rewritten"
    with pytest.raises(AuditLogIsAppendOnly):
        db.session.commit()
    db.session.rollback()
    assert db.session.scalar(select(AuditEvent.target)) == "sensitive_notes"


def test_an_event_cannot_be_deleted(ctx):
    e = add_event()
    db.session.delete(e)
    with pytest.raises(AuditLogIsAppendOnly):
        db.session.commit()
    db.session.rollback()
    assert db.session.scalar(select(func.count(AuditEvent.id))) == 1


@pytest.mark.parametrize(
    "statement",
    [
        lambda: update(AuditEvent).values(target="x"),
        lambda: delete(AuditEvent),
        lambda: delete(AuditEvent.__table__),
        lambda: update(AuditEvent.__table__).values(user_id=None),
    ],
    ids=["orm-update", "orm-delete", "core-delete", "core-update"],
)
def test_bulk_updates_and_deletes_are_refused(ctx, statement):
    add_event()
    with pytest.raises(AuditLogIsAppendOnly):
        db.session.execute(statement())
    db.session.rollback()
    assert db.session.scalar(select(func.count(AuditEvent.id))) == 1


def test_no_route_writes_to_the_log_except_by_adding(app):
    """The audit page answers GET only: there is no route to change or delete events."""
    rules = [r for r in app.url_map.iter_rules() if r.endpoint.startswith("audit.")]
    assert rules and all(r.methods <= {"GET", "HEAD", "OPTIONS"} for r in rules)


# --- the page -----------------------------------------------------------------------------------


def test_anonymous_users_are_sent_to_sign_in(client):
    response = client.get("/audit/")
    assert response.status_code == 302 and "/auth/login" in response.headers["Location"]


@pytest.mark.parametrize("role", [Role.CLIENT, Role.CONTRACTOR])
def test_clients_and_contractors_are_refused(client, make, login, role):
    add_event(user=make.user(Role.COORDINATOR, name="Karen Koordinator"), candidate_id=7)
    login(make.user(role))
    response = client.get("/audit/")
    assert response.status_code == 403 and b"Karen Koordinator" not in response.data


@pytest.mark.parametrize("role", [Role.COORDINATOR, Role.ADMIN])
def test_staff_see_who_did_what_to_which_candidate(client, make, login, role):
    viewer = login(make.user(role))
    karen = make.user(Role.COORDINATOR, name="Karen Koordinator")
    person = add_candidate()
    gone = add_candidate("Anonym", "Anonym", anonymised_at=utcnow())
    shown = add_event("open_sensitive_notes", karen, person.id, target="sensitive_notes")
    erased = add_event("view_candidate", karen, gone.id)
    deleted = add_event("view_candidate", karen, 9999)
    system = add_event("user_created", None, target="user:3 role:client")
    response = client.get("/audit/")
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-store"
    html = response.get_data(as_text=True)
    assert shown_event_ids(html) == [system.id, deleted.id, erased.id, shown.id]
    assert "Karen Koordinator" in html and "sensitive_notes" in html
    assert f'href="/candidates/{person.id}">#{person.id}</a>' in html
    assert f"#{gone.id}" in html and f'href="/candidates/{gone.id}"' not in html
    assert "#9999" in html and 'href="/candidates/9999"' not in html
    assert "user:3 role:client" in html
    assert "Anonym" not in html and "Mads" not in html  # candidates appear by number only
    assert viewer.id  # signed in as staff of this role


def test_the_filter_answers_htmx_with_the_results_fragment(client, make, coordinator):
    add_event(user=coordinator, candidate_id=1)
    response = client.get("/audit/?action=view_candidate", headers=HX)
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and "<html" not in html and 'id="audit-results"' in html
    assert "HX-Request" in response.headers["Vary"]
    page = client.get("/audit/?action=view_candidate").get_data(as_text=True)
    assert "<html" in page and 'hx-get="/audit/"' in page and 'name="action"' in page


def test_search_by_action_user_candidate_and_dates(client, make, coordinator):
    karen, ole = make.user(name="Karen K"), make.user(name="Ole O")
    day = datetime(2027, 3, 10, 12, 0, tzinfo=UTC)
    a = add_event("view_candidate", karen, 1, at=day)
    b = add_event("open_sensitive_notes", karen, 2, at=day + timedelta(days=1))
    c = add_event("view_candidate", ole, 2, at=day + timedelta(days=2))
    d = add_event("user_created", None, at=day + timedelta(days=3))

    def ids(query: str) -> list[int]:
        response = client.get(f"/audit/?{query}", headers=HX)
        assert response.status_code == 200
        return shown_event_ids(response.get_data(as_text=True))

    assert ids("") == [d.id, c.id, b.id, a.id]
    assert ids("action=view_candidate") == [c.id, a.id]
    assert ids(f"user={karen.id}") == [b.id, a.id]
    assert ids("user=system") == [d.id]
    assert ids("candidate_id=2") == [c.id, b.id]
    assert ids("since=2027-03-11&until=2027-03-12") == [c.id, b.id]
    assert ids("until=2027-03-10") == [a.id]
    assert ids(f"action=view_candidate&user={ole.id}&candidate_id=2") == [c.id]
    assert ids("action=nothing-like-this") == []
    # Nonsense in the filters is ignored rather than an error.
    assert ids("user=abc&candidate_id=x&since=yesterday&page=0") == [d.id, c.id, b.id, a.id]


def test_a_day_is_a_danish_day(client, make, coordinator):
    """An event at 23:30 UTC on 9 March is 00:30 on 10 March in Copenhagen."""
    late = add_event(at=datetime(2027, 3, 9, 23, 30, tzinfo=UTC))
    response = client.get("/audit/?since=2027-03-10&until=2027-03-10", headers=HX)
    html = response.get_data(as_text=True)
    assert shown_event_ids(html) == [late.id]
    assert "10.03.2027 00:30:00" in html


def test_pages_of_fifty_newest_first(client, make, coordinator):
    start = datetime(2027, 1, 1, tzinfo=UTC)
    created = [add_event(at=start + timedelta(minutes=n)) for n in range(60)]
    newest_first = [e.id for e in reversed(created)]
    first = client.get("/audit/").get_data(as_text=True)
    assert shown_event_ids(first) == newest_first[:50]
    assert 'href="/audit/?page=2"' in first
    second = client.get("/audit/?page=2", headers=HX).get_data(as_text=True)
    assert shown_event_ids(second) == newest_first[50:]
    filtered = client.get("/audit/?action=view_candidate").get_data(as_text=True)
    assert "page=2&amp;action=view_candidate" in filtered


def count_statements(client, url: str) -> int:
    statements = []
    db.session.expire_all()

    def count(conn, cursor, statement, *args):
        statements.append(statement)

    event.listen(db.engine, "before_cursor_execute", count)
    try:
        assert client.get(url).status_code == 200
    finally:
        event.remove(db.engine, "before_cursor_execute", count)
    return len(statements)


def test_the_number_of_queries_does_not_grow_with_the_events(client, make, coordinator):
    """More events by more users about more candidates: the same queries (no N+1)."""
    users = [make.user(name=f"Bruger {n}") for n in range(10)]
    people = [add_candidate(last=f"Holm{n}") for n in range(10)]

    def add(n, kinds):
        for i in range(n):
            person = people[i % kinds].id + (i % 2) * 1000  # half of them erased long ago
            add_event(user=users[i % kinds], candidate_id=person)

    add(5, kinds=2)
    few = count_statements(client, "/audit/")
    add(55, kinds=10)
    many = count_statements(client, "/audit/")
    assert few == many
    assert many <= 7, many


# --- retention ----------------------------------------------------------------------------------


def test_prune_deletes_events_past_retention_in_one_statement(app, runner, ctx):
    old = add_event(at=utcnow() - timedelta(days=1826)).id
    kept = add_event(at=utcnow() - timedelta(days=1800)).id
    dry = runner.invoke(args=["audit", "prune", "--dry-run"])
    assert dry.exit_code == 0 and dry.output.startswith("1 ")
    assert db.session.scalar(select(func.count(AuditEvent.id))) == 2
    result = runner.invoke(args=["audit", "prune"])
    assert result.exit_code == 0, result.output
    assert result.output.startswith("Deleted 1 ")
    db.session.expire_all()
    remaining = events()
    assert [e.id for e in remaining][:1] == [kept] and old not in [e.id for e in remaining]
    assert len(remaining) == 2
    pruned = remaining[-1]
    assert (pruned.action, pruned.user_id) == ("audit_pruned", None)
    assert pruned.target.startswith("count:1 before:")


def test_the_retention_period_is_configurable(app, runner, ctx, monkeypatch):
    add_event(at=utcnow() - timedelta(days=40))
    add_event(at=utcnow() - timedelta(days=20))
    monkeypatch.setitem(app.config, "AUDIT_RETENTION_DAYS", 30)
    result = runner.invoke(args=["audit", "prune"])
    assert result.exit_code == 0 and result.output.startswith("Deleted 1 ")
    monkeypatch.setitem(app.config, "AUDIT_RETENTION_DAYS", 0)
    refused = runner.invoke(args=["audit", "prune"])
    assert refused.exit_code != 0 and "at least 1" in refused.output
    assert db.session.scalar(select(func.count(AuditEvent.id))) == 2  # one kept + the prune


def test_sensitive_note_text_stays_out_of_the_log_page(client, coordinator):
    person = add_candidate()
    db.session.add(SensitiveNote(candidate_id=person.id, text="CANARY-audit-42"))
    db.session.commit()
    client.post(f"/candidates/{person.id}/sensitive")
    html = client.get("/audit/").get_data(as_text=True)
    assert "CANARY" not in html and "Mads" not in html
