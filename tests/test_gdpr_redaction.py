"""Erasure reaches free text: the erase page lists where the person is written (with links),
erasure replaces every mention with a neutral marker, bumps the rows' versions and logs how many
places (never what); on SQLite the erased values are in neither the database file nor its WAL."""

from __future__ import annotations

import re
from datetime import UTC, datetime, time, timedelta
from pathlib import Path

import pytest
from flask_migrate import upgrade
from sqlalchemy import select

from app import create_app
from app.audit.models import AuditEvent
from app.auth.sessions import mark_signed_in
from app.candidates.models import Candidate
from app.clock import local_today
from app.extensions import db
from app.gdpr import redact
from app.gdpr.redact import MARKER, person_pattern
from app.meetings import kickoff, monthly
from app.meetings.calendar import COPENHAGEN
from app.models import Phase, Role
from app.reports.models import ReportNarrative
from tests.factories import Factories

FIRST, LAST = "Quetzalina Marie", "Brøndumsen"
PHONE = "+45 71 23 45 67"
EMAIL = "quetzalina@example.dk"
TODAY = local_today()  # the app's day (Copenhagen), not the machine's


# --- what counts as a mention -------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "Quetzalina Marie Brøndumsen starter mandag",
        "Aftalt med quetzalina brøndumsen",
        "Ring til QUETZALINA\n  BRØNDUMSEN i morgen",
        "Tlf. 71 23 45 67.",
        "tlf 71234567",
        "tlf: +4571234567",
        "tlf: 0045 71-23-45-67",
        "skriv til Quetzalina@Example.dk",
    ],
)
def test_the_pattern_finds_the_ways_a_person_is_written(text):
    pattern = person_pattern(FIRST, LAST, PHONE, EMAIL)
    assert pattern.search(text), text


@pytest.mark.parametrize(
    "text",
    [
        "Quetzalina kommer",  # a lone first name is not enough
        "Brøndumsenvej 4",  # not a whole word
        "sag 712345678",  # a longer number
        "171234567",
        "anden.quetzalina@example.dk.org",
    ],
)
def test_the_pattern_leaves_other_text_alone(text):
    pattern = person_pattern(FIRST, LAST, PHONE, EMAIL)
    assert not pattern.search(text), text


def test_a_person_with_one_word_and_no_contact_details_has_no_pattern():
    assert person_pattern("Ali", "", "12", "") is None


# --- the erase page and the erasure -------------------------------------------------------------


def _plant(make: Factories, coordinator) -> dict:
    """A candidate written about in every kind of free text, and someone else beside them."""
    assoc = make.association("Boligforeningen Fritekst", areas=["Fritekstparken"])
    project = make.project(assoc, "Byggesag Fritekst", Phase.EXECUTION, main=make.company())
    person = Candidate(
        first_name=FIRST,
        last_name=LAST,
        phone=PHONE,
        email=EMAIL,
        association_id=assoc.id,
        created_by_id=coordinator.id,
    )
    db.session.add(person)
    db.session.commit()
    starts = datetime.combine(TODAY + timedelta(days=10), time(9), COPENHAGEN).astimezone(UTC)
    meeting = kickoff.plan(
        project,
        starts,
        90,
        "Skurvognen",
        "Velkomst\nQuetzalina Brøndumsen præsenteres",
        coordinator,
    )
    meeting.minutes = "Quetzalina Marie Brøndumsen (tlf. 71 23 45 67) starter. Ole Olsen også."
    question = kickoff.ask(project, "Kan vi ringe til Quetzalina Brøndumsen?", coordinator)
    kickoff.answer(question, f"Ja, på {PHONE} eller {EMAIL}", coordinator)
    monthly.save_series(
        project,
        None,
        weekday=1,
        week_of_month=1,
        start_time="08:30",
        duration_minutes=60,
        place="Skurvognen",
        first_date=TODAY,
        last_date=TODAY + timedelta(days=120),
    )
    first = monthly.monthly_meetings(project)[0]
    first.decisions = "Quetzalina Brøndumsen fortsætter i løntilskud"
    db.session.commit()
    item = monthly.add_item(
        first, "Følg op med 71234567", "Quetzalina Brøndumsen", None, coordinator
    )
    opening = make.opening(
        project,
        project.companies[0].company,
        coordinator,
        expected_start=TODAY,
        note="Tænkt til Quetzalina Brøndumsen",
    )
    narrative = make.narrative(project, "Quetzalina Brøndumsen trives.")
    return {
        "person": person,
        "project": project,
        "kickoff": meeting,
        "monthly": first,
        "question": question,
        "item": item,
        "opening": opening,
        "narrative": narrative,
    }


def _texts(planted) -> list[str]:
    db.session.expire_all()
    return [
        planted["kickoff"].agenda,
        planted["kickoff"].minutes,
        planted["monthly"].decisions,
        planted["question"].question,
        planted["question"].answer,
        planted["item"].text,
        planted["item"].owner,
        planted["opening"].note,
        planted["narrative"].text,
    ]


def test_the_erase_page_lists_every_place_with_a_link(client, make, coordinator):
    planted = _plant(make, coordinator)
    project_id = planted["project"].id
    html = client.get(f"/gdpr/candidates/{planted['person'].id}/erase").get_data(as_text=True)
    section = html[html.index('id="erase-mentions"') :]
    for label in (
        "Opstartsmøde: dagsorden",
        "Opstartsmøde: referat",
        "Opfølgningsmøde: beslutninger",
        "Opstartsmødets spørgsmål og svar: spørgsmål",
        "Opstartsmødets spørgsmål og svar: svar",
        "Opgave",
        "Opgave: ansvarlig",
        "Ledig stilling: bemærkning",
        "Fremdriftsrapport: kommentar",  # the glossary's term
    ):
        assert label in section, label
    links = set(re.findall(r'href="([^"]+)"', section))
    assert f"/projects/{project_id}/kickoff" in links
    assert f"/projects/{project_id}/meetings/{planted['monthly'].id}" in links
    assert f"/projects/{project_id}/openings" in links
    assert f"/projects/{project_id}/report" in links
    for link in links:
        assert client.get(link).status_code == 200, link
    assert "[slettet person]" in section
    assert "2 forekomster" in section  # the answer has the phone and the email


def test_erasure_redacts_the_free_text_and_bumps_the_versions(client, make, coordinator):
    planted = _plant(make, coordinator)
    versions = (
        planted["kickoff"].version,
        planted["monthly"].version,
        planted["narrative"].version,
    )
    sequence = planted["kickoff"].sequence
    candidate_id = planted["person"].id
    response = client.post(f"/gdpr/candidates/{candidate_id}/erase", data={"confirm": "SLET"})
    assert response.status_code in (302, 303)
    texts = _texts(planted)
    for text in texts:
        assert MARKER in text
        for trace in ("Quetzalina", "Brøndumsen", "71 23 45 67", "71234567", EMAIL):
            assert trace.lower() not in text.lower(), text
    assert "Ole Olsen også" in planted["kickoff"].minutes  # the rest of the text stays
    assert planted["kickoff"].version == versions[0] + 1
    assert planted["monthly"].version == versions[1] + 1
    assert planted["narrative"].version == versions[2] + 1
    assert planted["kickoff"].sequence == sequence + 1  # calendars replace the agenda
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "gdpr_redact"))
    assert event.candidate_id == candidate_id
    assert event.target == "places:9"


def test_an_editor_with_the_old_text_gets_a_conflict_not_an_overwrite(client, make, coordinator):
    planted = _plant(make, coordinator)
    project_id, old_version = planted["project"].id, planted["narrative"].version
    client.post(f"/gdpr/candidates/{planted['person'].id}/erase", data={"confirm": "SLET"})
    response = client.post(
        f"/projects/{project_id}/report/narrative",
        data={"text": "Quetzalina Brøndumsen trives stadig.", "version": str(old_version)},
    )
    assert response.status_code == 409
    db.session.expire_all()
    assert "Quetzalina" not in db.session.get(ReportNarrative, project_id).text


def test_the_retention_run_redacts_too(runner, make, app):
    recorder = make.user(Role.COORDINATOR)
    planted = _plant(make, recorder)
    stale = datetime.now(UTC) - timedelta(days=4 * 365)
    db.session.execute(Candidate.__table__.update().values(created_at=stale, updated_at=stale))
    db.session.commit()
    result = runner.invoke(args=["gdpr", "retention", "--months", "24", "--apply"])
    assert result.exit_code == 0, result.output
    assert all(MARKER in text and "Quetzalina" not in text for text in _texts(planted))
    assert "Quetzalina" not in result.output


def test_nothing_else_is_touched_when_the_person_is_not_mentioned(client, make, coordinator):
    planted = _plant(make, coordinator)
    other = Candidate(
        first_name="Ingen", last_name="Omtale", phone="99 88 77 66", created_by_id=coordinator.id
    )
    db.session.add(other)
    db.session.commit()
    before = _texts(planted)
    html = client.get(f"/gdpr/candidates/{other.id}/erase").get_data(as_text=True)
    assert "står ikke i nogen dagsorden" in html
    client.post(f"/gdpr/candidates/{other.id}/erase", data={"confirm": "SLET"})
    assert _texts(planted) == before
    assert redact.mentions(planted["person"].id)  # still found for the other person
    assert db.session.scalar(select(AuditEvent).where(AuditEvent.action == "gdpr_redact")) is None


# --- the raw SQLite files -------------------------------------------------------------------------


def test_after_erasure_the_sqlite_files_hold_neither_the_name_nor_the_phone(tmp_path, monkeypatch):
    """Read the database file and its WAL byte by byte: the erased values are gone from both,
    not just from the rows (secure_delete zeroes freed space; the WAL is checkpointed)."""
    monkeypatch.delenv("DATABASE_URL", raising=False)
    app = create_app(
        {"TESTING": True, "SECRET_KEY": "x", "WTF_CSRF_ENABLED": False, "SERVER_NAME": "localhost"},
        instance_path=str(tmp_path / "instance"),
    )
    database = Path(app.config["SQLALCHEMY_DATABASE_URI"].removeprefix("sqlite:///"))
    traces = [value.encode() for value in (FIRST, LAST, "quetzalina", "brøndumsen")]
    traces += [b"71 23 45 67", b"71234567", EMAIL.encode()]

    def raw() -> bytes:
        return b"".join(
            path.read_bytes() for path in (database, Path(f"{database}-wal")) if path.exists()
        ).lower()

    with app.app_context():
        try:
            upgrade()
            make = Factories()
            coordinator = make.user(Role.COORDINATOR)
            planted = _plant(make, coordinator)
            candidate_id = planted["person"].id
            assert all(trace.lower() in raw() for trace in traces)  # the test can see them
            client = app.test_client()
            with client.session_transaction() as session:
                session["_user_id"] = coordinator.get_id()
                mark_signed_in(session)
            db.session.remove()
            response = client.post(
                f"/gdpr/candidates/{candidate_id}/erase", data={"confirm": "SLET"}
            )
            assert response.status_code in (302, 303)
            db.session.remove()
            found = [trace.decode() for trace in traces if trace.lower() in raw()]
            assert found == []
        finally:
            db.session.remove()
            db.engine.dispose()
