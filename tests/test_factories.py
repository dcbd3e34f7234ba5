"""The test factories (tests/factories.py): one for every model, each leaving its object as the
app's own write paths leave it."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select

from app.agreements import service as agreements
from app.candidates.models import search_text
from app.extensions import db
from app.meetings.models import Meeting, MeetingKind
from app.models import Project, Role
from app.placements.models import Placement
from tests.conftest import empty_tables
from tests.factories import TODAY

# Made by the app itself, never by a test's setup: failed sign-ins (tests/test_sessions.py).
NOT_MADE_BY_A_FACTORY = {"login_failures"}


def make_one_of_each(make) -> None:
    """Every factory once, the way a test would call it: with only the defaults."""
    coordinator = make.coordinator()
    make.admin()
    project = make.project(main=make.company(), subs=[make.company()])
    client_user = make.client_user(project.client)
    contractor = make.contractor(project.main_contractor)
    person = make.candidate(association=project.client)
    make.resident()
    make.conversation(person)
    make.consent(person)
    make.sensitive_note(person)
    make.placement(person, project)
    make.opening(project)
    make.agreement(project, coordinator)
    approved = make.approved_agreement(project, coordinator, client_user)
    make.clause_comment(approved, client_user, answer_by=coordinator)
    make.working_copy(project, coordinator, v_courses_min="12")
    make.mail_opt_out(client_user)
    make.mail_digest_item(client_user)
    kickoff = make.kickoff(project, coordinator)
    make.participant(kickoff)
    make.question(project, asked_by=contractor, answer="Det har vi styr på.")
    meeting = make.monthly_meeting(project)
    make.action_item(meeting)
    make.final_minutes(meeting)
    make.meeting(project, starts_at=meeting.starts_at - timedelta(days=40))
    make.narrative(project)
    make.training_coefficient()
    make.audit_event(candidate=person, user=coordinator)


def test_every_table_gets_a_row_from_some_factory(make):
    make_one_of_each(make)
    empty = []
    with db.engine.connect() as connection:
        for table in db.metadata.sorted_tables:
            count = connection.scalar(select(func.count()).select_from(table))
            if count == 0 and table.name not in NOT_MADE_BY_A_FACTORY:
                empty.append(table.name)
    assert empty == [], "no factory makes a row of these tables; add one to tests/factories.py"


def test_users_of_each_role_belong_where_their_role_says(make):
    assert make.coordinator().organisation is None
    assert make.admin().role == Role.ADMIN
    assert make.client_user().organisation.kind == "association"
    assert make.contractor().organisation.kind == "company"


def test_a_resident_is_found_by_the_search_text_the_app_would_write(make):
    person = make.resident("Åse", "Øby", "Ærtebjerg", trades="Murer")
    assert person.search_text == search_text("Ærtebjerg", "Åse", "Øby", "Murer", "", "", "")
    assert make.resident(area=None).association is None


def test_a_placement_keeps_its_retention_day_and_its_projects_stamp(make):
    placement = make.placement(start=TODAY - timedelta(days=50))
    stamp = db.session.get(Project, placement.project_id).progress_stamp
    make.conversation(placement.candidate, TODAY - timedelta(days=5), "retention")
    db.session.expire_all()
    assert db.session.get(Placement, placement.id).retention_since == TODAY - timedelta(days=5)
    make.placement(placement.candidate, placement.project, start=TODAY + timedelta(days=1))
    assert db.session.get(Project, placement.project_id).progress_stamp != stamp


def test_agreement_versions_count_up_and_select_clauses(make):
    project = make.project()
    keys = [choice.key for choice in agreements.draft_for_editing(project).clauses]
    draft = make.agreement(project, courses_min=12, clauses={keys[0]: False, keys[1]: "Egen tekst"})
    assert (draft.number, draft.courses_min, draft.is_approved) == (1, 12, False)
    chosen = {c["key"]: c for c in draft.content["clauses"]}
    assert chosen[keys[0]]["enabled"] is False
    assert chosen[keys[1]]["override"] == "Egen tekst"
    approved = make.approved_agreement(project)
    assert (approved.number, approved.courses_min, approved.is_approved) == (2, 12, True)
    assert agreements.approved_version(project).id == approved.id


def test_the_kickoff_comes_with_its_standard_questions_and_people(make):
    project = make.project(main=make.company())
    contractor = make.contractor(project.main_contractor)
    meeting = make.kickoff(project)
    assert meeting.kind == MeetingKind.KICKOFF
    assert contractor.name in [p.name for p in meeting.participants]
    question = make.question(project, "Hvornår starter vi?", answer="Mandag.")
    assert question.position > 1  # after the standard questions
    assert question.answered_at is not None


def test_monthly_meetings_are_laid_out_by_a_series(make):
    project = make.project()
    first = make.monthly_meeting(project)
    count = db.session.scalar(
        select(func.count(Meeting.id)).where(Meeting.project_id == project.id)
    )
    assert first.series_id is not None and count >= 11
    files = make.final_minutes(first)
    assert first.minutes_final_at is not None and {f.scope for f in files} >= {"all"}


def test_a_comment_thread_and_a_working_copy_are_as_the_pages_leave_them(make):
    from app.agreements import comments

    project = make.project()
    client_user = make.client_user(project.client)
    version = make.agreement(project)
    thread = make.clause_comment(version, client_user, answer_by=make.coordinator())
    (found,) = comments.threads(db.session, project.id, version.number)[thread.clause_key]
    assert (found.root.body, [r.body for r in found.replies]) == (
        "Kan vi formulere det kortere?",
        ["Ja, det ser vi på."],
    )
    assert comments.open_count(db.session, project.id) == 1
    copy = make.working_copy(project, client_user, v_courses_min="12")
    assert (copy.base_number, copy.form["v_courses_min"]) == (version.number, ["12"])


def test_the_cleanup_between_tests_empties_every_table_and_ids_start_again(make):
    """What `_clean_tables` runs after each test: after it, no table holds a row and a new
    row is numbered 1 again, as on a fresh database (tests may name `/projects/1`)."""
    make_one_of_each(make)
    db.session.remove()
    empty_tables()
    with db.engine.connect() as connection:
        left = {
            table.name: connection.scalar(select(func.count()).select_from(table))
            for table in db.metadata.sorted_tables
        }
    assert {name: count for name, count in left.items() if count} == {}
    assert make.project().id == 1
