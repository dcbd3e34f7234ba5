"""GDPR tools: the export holds everything and no staff names; erasure removes the person from
every table and leaves the projects' counts alone; the retention list and CLI; access."""

from __future__ import annotations

import io
import json
from datetime import UTC, date, datetime, timedelta

import pytest
from docx import Document
from sqlalchemy import String, Text, event, func, select

from app.audit.models import AuditEvent
from app.candidates import service as candidates_service
from app.candidates.models import Candidate, Conversation, SensitiveNote
from app.clock import local_today
from app.extensions import db
from app.gdpr import service
from app.models import Role
from app.placements.models import Placement
from app.placements.progress_data import project_progress
from tests.factories import Factories

TODAY = local_today()  # the app's day (Copenhagen), not the machine's
HX = {"HX-Request": "true"}
PII = "PII"  # every planted personal value starts with this, so a scan can find them all


def days_ago(n: int) -> date:
    return TODAY - timedelta(days=n)


def moment(day: date) -> datetime:
    return datetime.combine(day, datetime.min.time(), tzinfo=UTC)


def _text_columns(model) -> list[str]:
    # Not the search text: a lowercased copy of the others, made by the model itself.
    return [
        column.name
        for column in model.__table__.columns
        if isinstance(column.type, String | Text)
        and column.name not in ("referral_source", "search_text")
    ]


def plant(make, recorder, first="Mads", project=None, company=None) -> Candidate:
    """A candidate with a distinct value in every text column of every table about them."""
    assoc = make.association(f"Boligforeningen {first}", areas=[f"{first}parken"])
    fields = {name: f"{PII}-{name}-{first}" for name in _text_columns(Candidate)}
    person = Candidate(
        **fields,
        referral_source="street_worker",
        association=assoc,
        area=assoc.areas[0],
        created_by_id=recorder.id,
    )
    candidates_service.save(person)
    db.session.commit()
    make.consent(person, "registration", days_ago(100), recorder)
    make.consent(person, "employers", days_ago(90), recorder, withdrawn_on=days_ago(10))
    make.conversation(person, days_ago(80), "pre_match", f"{PII}-conversation-{first}", recorder)
    make.sensitive_note(person, f"{PII}-sensitive-{first}", recorder)
    if project is not None:
        for rung, start, end, outcome in (
            ("internship", days_ago(70), days_ago(40), "next_rung"),
            ("wage_subsidy", days_ago(39), days_ago(5), "ended_early"),
        ):
            reason = f"{PII}-reason-{rung}-{first}"
            make.placement(
                person, project, company, rung, start, end, outcome, outcome_reason=reason
            )
    make.audit_event("view_candidate", person, recorder)
    return person


@pytest.fixture
def site(make):
    project = make.project(name="Byggesag Skovvejen")
    company = make.company("Murer Hansen A/S")
    return project, company


# --- export ----------------------------------------------------------------------------------


def test_the_json_export_holds_everything_and_no_staff(client, make, coordinator, site):
    person = plant(make, coordinator, project=site[0], company=site[1])
    response = client.get(f"/gdpr/candidates/{person.id}/export.json")
    assert response.status_code == 200
    assert response.mimetype == "application/json"
    assert "attachment" in response.headers["Content-Disposition"]
    assert "no-store" in response.headers["Cache-Control"]
    text = response.get_data(as_text=True)
    assert "\\u" not in text  # UTF-8, not escapes
    data = json.loads(text)

    for name in _text_columns(Candidate):
        assert f"{PII}-{name}-Mads" in text, name
    for planted in ("conversation", "sensitive"):
        assert f"{PII}-{planted}-Mads" in text, planted
    for rung in ("internship", "wage_subsidy"):
        assert f"{PII}-reason-{rung}-Mads" in text
    assert data["housing"]["association"] == "Boligforeningen Mads"
    assert data["housing"]["area"] == "Madsparken"
    assert data["referral"]["source"] == "street_worker"
    assert [(c["purpose"], c["withdrawn_on"]) for c in data["consents"]] == [
        ("registration", None),
        ("employers", days_ago(10).isoformat()),
    ]
    assert {c["recorded_by_role"] for c in data["consents"]} == {"Koordinator"}
    assert data["consents"][1]["withdrawn_by_role"] == "Koordinator"
    assert [(c["held_on"], c["kind"]) for c in data["conversations"]] == [
        (days_ago(80).isoformat(), "pre_match")
    ]
    placements = [(p["project"], p["company"], p["rung"], p["outcome"]) for p in data["placements"]]
    assert placements == [
        ("Byggesag Skovvejen", "Murer Hansen A/S", "internship", "next_rung"),
        ("Byggesag Skovvejen", "Murer Hansen A/S", "wage_subsidy", "ended_early"),
    ]
    assert data["placements"][0]["start_date"] == days_ago(70).isoformat()

    # The lookup log: when and what, including this export, never who.
    assert [e["action"] for e in data["lookups"]] == ["view_candidate", "gdpr_export"]
    assert all(set(e) == {"at", "action", "label", "target"} for e in data["lookups"])
    assert "Karen" not in text and "karen@bygop.dk" not in text
    assert "user_id" not in text and "recorded_by_id" not in text
    logged = db.session.scalar(
        select(AuditEvent).where(AuditEvent.action == "gdpr_export", AuditEvent.target == "json")
    )
    assert (logged.candidate_id, logged.user_id) == (person.id, coordinator.id)


def test_the_word_export_opens_and_holds_the_notes(client, make, coordinator, site):
    person = plant(make, coordinator, project=site[0], company=site[1])
    response = client.get(f"/gdpr/candidates/{person.id}/export.docx")
    assert response.status_code == 200
    assert response.mimetype.endswith("wordprocessingml.document")
    document = Document(io.BytesIO(response.data))
    texts = [p.text for p in document.paragraphs]
    for table in document.tables:
        texts += [cell.text for row in table.rows for cell in row.cells]
    body = "\n".join(texts)
    assert f"{PII}-sensitive-Mads" in body
    assert f"{PII}-conversation-Mads" in body
    assert f"{PII}-phone-Mads" in body
    assert "Byggesag Skovvejen, Murer Hansen A/S" in body
    assert "Karen" not in body
    headings = [p.text for p in document.paragraphs if p.style.name.startswith("Heading")]
    assert len(headings) >= 8
    assert db.session.scalar(
        select(func.count()).where(AuditEvent.action == "gdpr_export", AuditEvent.target == "docx")
    )


# --- erasure ---------------------------------------------------------------------------------


def _all_text_in_database() -> str:
    """Every row of every table, as text: the scan for planted values."""
    parts = []
    for table in db.metadata.sorted_tables:
        for row in db.session.execute(select(table)):
            parts.append(" ".join(str(value) for value in row))
    return "\n".join(parts)


def test_erasure_removes_the_person_and_keeps_the_counts(client, make, coordinator, site):
    project, company = site
    person = plant(make, coordinator, "Mads", project, company)
    other = plant(make, coordinator, "Ida", project, company)
    before = project_progress(project).as_dict()
    assert before["courses_started"] == 4 and before["residents"] == 2
    assert f"{PII}-phone-Mads" in _all_text_in_database()
    assert f"{PII}-trades-Mads".lower() in _all_text_in_database()  # the search's copy

    page = client.get(f"/gdpr/candidates/{person.id}/erase")
    assert page.status_code == 200
    assert f'action="/gdpr/candidates/{person.id}/erase"' in page.get_data(as_text=True)
    response = client.post(f"/gdpr/candidates/{person.id}/erase", data={"confirm": " slet "})
    assert response.status_code == 303
    db.session.expire_all()

    everything = _all_text_in_database()
    leftovers = sorted({word for word in everything.split() if word.lower().endswith("-mads")})
    assert leftovers == [], leftovers
    assert f"{PII}-phone-Ida" in everything  # the other candidate is untouched
    assert project_progress(project).as_dict() == before

    erased = db.session.get(Candidate, person.id)
    assert erased.anonymised_at is not None
    assert erased.name == service.ANONYMISED_NAME
    assert (erased.association.name, erased.area_id) == ("Boligforeningen Mads", None)
    assert erased.referral_source == "street_worker"
    assert erased.consents == []
    assert [(c.held_on, c.kind, c.notes) for c in erased.conversations] == [
        (days_ago(80), "pre_match", "")
    ]
    placements = db.session.scalars(
        select(Placement).where(Placement.candidate_id == person.id).order_by(Placement.id)
    ).all()
    assert [(p.rung, p.outcome, p.outcome_reason) for p in placements] == [
        ("internship", "next_rung", ""),
        ("wage_subsidy", "ended_early", ""),
    ]
    assert (
        db.session.scalar(
            select(func.count())
            .select_from(SensitiveNote)
            .where(SensitiveNote.candidate_id == person.id)
        )
        == 0
    )
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "gdpr_erase"))
    assert (event.candidate_id, event.user_id) == (person.id, coordinator.id)

    # Gone from the candidate pages, the search and the GDPR tools.
    assert client.get(f"/candidates/{person.id}").status_code == 404
    listing = client.get("/candidates/").get_data(as_text=True)
    assert f"/candidates/{person.id}" not in listing and f"/candidates/{other.id}" in listing
    found = client.get(f"/candidates/?q={service.ANONYMISED_NAME}").get_data(as_text=True)
    assert f'/candidates/{person.id}"' not in found
    for path in ("export.json", "export.docx", "erase"):
        assert client.get(f"/gdpr/candidates/{person.id}/{path}").status_code == 404
    again = client.post(f"/gdpr/candidates/{person.id}/erase", data={"confirm": "SLET"})
    assert again.status_code == 404


@pytest.mark.parametrize("typed", ["", "slette", "M.H.", "NEJ"])
def test_a_wrong_confirmation_word_erases_nothing(client, make, coordinator, typed):
    person = plant(make, coordinator)
    response = client.post(
        f"/gdpr/candidates/{person.id}/erase", data={"confirm": typed}, headers=HX
    )
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "<html" not in html and 'id="erase-form"' in html
    assert 'aria-invalid="true"' in html
    db.session.expire_all()
    person = db.session.get(Candidate, person.id)
    assert person.anonymised_at is None and person.first_name == f"{PII}-first_name-Mads"
    assert len(person.consents) == 2
    assert db.session.scalar(select(func.count()).select_from(SensitiveNote)) == 1
    assert not db.session.scalar(select(AuditEvent).where(AuditEvent.action == "gdpr_erase"))


def test_the_erase_page_counts_what_goes_and_warns_of_a_running_placement(
    client, make, coordinator, site
):
    project, company = site
    person = plant(make, coordinator, project=project, company=company)
    summary = service.erasure_summary(person, TODAY)
    assert summary == service.ErasureSummary(
        conversations=1, sensitive_notes=1, consents=2, placements=2, running_placements=0
    )
    make.placement(person, project, company, "ordinary", days_ago(4))
    assert service.erasure_summary(person, TODAY).running_placements == 1
    html = client.get(f"/gdpr/candidates/{person.id}/erase").get_data(as_text=True)
    assert 'role="alert"' in html
    assert 'name="confirm"' in html and service.CONFIRM_WORD in html


# --- retention -------------------------------------------------------------------------------


def _candidate(first: str, registered: date, **extra) -> Candidate:
    stamps = {"created_at": moment(registered), "updated_at": moment(registered)}
    return Factories().resident(first, "Retention", None, **stamps, **extra)


@pytest.fixture
def people(make, site):
    """Candidates registered three years ago, with and without later activity."""
    project, company = site
    long_ago = days_ago(3 * 365)

    def place(person, start, end=None, planned=None):
        make.placement(person, project, company, "apprenticeship", start, end, planned_end=planned)

    quiet = _candidate("Quiet", long_ago)
    talked = _candidate("Talked", long_ago)
    talked.conversations.append(Conversation(held_on=days_ago(30), kind="pre_match"))
    ended = _candidate("Ended", long_ago)
    place(ended, days_ago(3 * 365 - 10), end=days_ago(30 * 30))  # ended 30 months ago
    running = _candidate("Running", long_ago)
    place(running, days_ago(3 * 365 - 10))  # an apprenticeship with no end yet
    forgotten = _candidate("Forgotten", long_ago)
    place(forgotten, days_ago(3 * 365 - 10), planned=days_ago(26 * 31))  # never ended
    noted = _candidate("Noted", long_ago)
    db.session.add(SensitiveNote(candidate_id=noted.id, text="x", created_at=moment(TODAY)))
    erased = _candidate("Erased", long_ago, anonymised_at=moment(days_ago(400)))
    db.session.commit()
    return {p.first_name: p for p in (quiet, talked, ended, running, forgotten, noted, erased)}


def test_inactive_candidates_follow_the_activity_rule(people):
    cutoff, found = service.inactive_candidates(24, TODAY)
    assert cutoff == service.months_before(TODAY, 24)
    assert [item.name.split()[0] for item in found] == ["Quiet", "Ended", "Forgotten"]
    by_name = {item.name.split()[0]: item.last_activity for item in found}
    assert by_name["Ended"] == days_ago(30 * 30)
    assert by_name["Forgotten"] == days_ago(26 * 31)
    _, fewer = service.inactive_candidates(29, TODAY)
    assert [item.name.split()[0] for item in fewer] == ["Quiet", "Ended"]


def test_months_before_keeps_to_the_end_of_a_short_month():
    assert service.months_before(date(2026, 3, 31), 1) == date(2026, 2, 28)
    assert service.months_before(date(2026, 1, 15), 24) == date(2024, 1, 15)


def test_the_retention_page_lists_them_with_their_last_activity(client, coordinator, people):
    html = client.get("/gdpr/retention").get_data(as_text=True)
    for name in ("Quiet", "Ended", "Forgotten"):
        assert f'id="retention-{people[name].id}"' in html
        assert f"{name} Retention" in html
    for name in ("Talked", "Running", "Noted", "Erased"):
        assert f'id="retention-{people[name].id}"' not in html
    assert f"/gdpr/candidates/{people['Quiet'].id}/erase" in html
    fragment = client.get("/gdpr/retention?months=29", headers=HX).get_data(as_text=True)
    assert "<html" not in fragment and 'id="retention-list"' in fragment
    assert f'id="retention-{people["Forgotten"].id}"' not in fragment
    for months in ("abc", "0", "999999"):
        assert client.get(f"/gdpr/retention?months={months}").status_code == 200
    assert db.session.scalar(select(func.count()).where(AuditEvent.action == "gdpr_retention_list"))


def test_the_retention_cli_lists_and_applies(runner, people, site):
    project = site[0]
    before = project_progress(project).as_dict()
    dry = runner.invoke(args=["gdpr", "retention"])
    assert dry.exit_code == 0, dry.output
    assert "3 candidates" in dry.output and "Dry run" in dry.output
    assert f"{people['Quiet'].id:>6}  " in dry.output
    assert "Retention" not in dry.output  # initials only, no names in cron logs
    assert (
        db.session.scalar(
            select(func.count()).select_from(Candidate).where(Candidate.anonymised_at.is_not(None))
        )
        == 1
    )

    applied = runner.invoke(args=["gdpr", "retention", "--months", "29", "--apply"])
    assert applied.exit_code == 0, applied.output
    assert "Anonymised 2 candidates." in applied.output
    db.session.expire_all()
    names = dict(
        db.session.execute(
            select(Candidate.id, Candidate.first_name).where(Candidate.anonymised_at.is_not(None))
        ).all()
    )
    assert set(names) == {people[n].id for n in ("Quiet", "Ended", "Erased")}
    events = db.session.execute(
        select(AuditEvent.candidate_id, AuditEvent.target, AuditEvent.user_id).where(
            AuditEvent.action == "gdpr_erase"
        )
    ).all()
    assert sorted(events) == sorted(
        [(people["Quiet"].id, "retention", None), (people["Ended"].id, "retention", None)]
    )
    assert project_progress(project).as_dict() == before
    assert "0 candidates" in runner.invoke(args=["gdpr", "retention", "--months", "29"]).output


def test_the_retention_list_does_not_query_once_per_candidate(client, coordinator):
    long_ago = days_ago(3 * 365)

    def add(n: int) -> None:
        for i in range(n):
            person = _candidate(f"P{i}", long_ago)
            person.conversations.append(Conversation(held_on=long_ago, kind="pre_match"))
        db.session.commit()

    def count_queries() -> int:
        statements = []

        def count(conn, cursor, statement, parameters, context, executemany):
            statements.append(statement)

        event.listen(db.engine, "before_cursor_execute", count)
        try:
            response = client.get("/gdpr/retention")
        finally:
            event.remove(db.engine, "before_cursor_execute", count)
        assert response.status_code == 200
        return len(statements)

    add(3)
    few = count_queries()
    add(27)
    many = count_queries()
    assert len(service.inactive_candidates(24, TODAY)[1]) == 30
    assert many == few, f"{few} queries for 3 candidates, {many} for 30"


# --- access ----------------------------------------------------------------------------------


def _paths(candidate_id: int) -> list[tuple[str, str]]:
    return [
        ("get", "/gdpr/"),
        ("get", "/gdpr/retention"),
        ("get", f"/gdpr/candidates/{candidate_id}/export.json"),
        ("get", f"/gdpr/candidates/{candidate_id}/export.docx"),
        ("get", f"/gdpr/candidates/{candidate_id}/erase"),
        ("post", f"/gdpr/candidates/{candidate_id}/erase"),
    ]


def test_anonymous_users_are_sent_to_sign_in(client, make):
    person = _candidate("Anna", TODAY)
    for method, path in _paths(person.id):
        response = getattr(client, method)(path, data={"confirm": "SLET"})
        assert response.status_code == 302, path
        assert "login" in response.headers["Location"], path
    assert db.session.get(Candidate, person.id).anonymised_at is None


@pytest.mark.parametrize("role", [Role.CLIENT, Role.CONTRACTOR])
def test_clients_and_contractors_are_refused(client, make, login, role):
    person = _candidate("Anna", TODAY)
    login(make.user(role))
    for method, path in _paths(person.id):
        response = getattr(client, method)(path, data={"confirm": "SLET"})
        assert response.status_code == 403, path
    db.session.expire_all()
    assert db.session.get(Candidate, person.id).anonymised_at is None
    assert not db.session.scalar(select(AuditEvent).where(AuditEvent.action.like("gdpr_%")))


def test_staff_see_the_tools_and_missing_or_erased_candidates_are_404(client, make, login):
    login(make.user(Role.ADMIN))
    assert client.get("/gdpr/").status_code == 200
    assert client.get("/gdpr/retention").status_code == 200
    erased = _candidate("Gone", TODAY, anonymised_at=moment(TODAY))
    for candidate_id in (erased.id, erased.id + 1000):
        for method, path in _paths(candidate_id)[2:]:
            response = getattr(client, method)(path, data={"confirm": "SLET"})
            assert response.status_code == 404, path
