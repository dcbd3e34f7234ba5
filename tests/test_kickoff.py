"""The kickoff meeting: planning, calendar file, Q&A, minutes, briefing, and who may do what."""

import io
from datetime import UTC, datetime, timedelta

import docx
import pytest
from icalendar import Calendar
from sqlalchemy import func, select

from app.agreements import service as agreements
from app.agreements.document import default_draft
from app.clock import local_today
from app.extensions import db
from app.meetings.models import KickoffQuestion, Meeting
from app.meetings.qa import answer_values, load_questions, render_answer
from app.models import Phase, Role

HX = {"HX-Request": "true"}
NEXT_YEAR = local_today().year + 1


@pytest.fixture
def world(make):
    assoc = make.association("Vestbo", areas=["Gellerupparken"])
    main, sub = make.company("Nordbyg A/S"), make.company("Jysk Murer ApS")
    project = make.project(assoc, "Helhedsplan Gellerup", Phase.AWARDED, main=main, subs=[sub])
    coordinator = make.user(Role.COORDINATOR, name="Karen Koordinator")
    client_user = make.user(Role.CLIENT, assoc, name="Birgitte Bygherre", email="b@vestbo.dk")
    contractor = make.user(Role.CONTRACTOR, main, name="Erik Entreprenør", email="e@nordbyg.dk")
    draft = default_draft(agreements.library(), **agreements.project_values(project))
    draft.values.update(apprenticeships_min=3, courses_min=10)
    version = agreements.save_version(project, draft, coordinator, 0)
    agreements.approve(version, client_user)
    return dict(
        project=project,
        coordinator=coordinator,
        client=client_user,
        contractor=contractor,
        main=main,
        sub=sub,
        assoc=assoc,
    )


def plan(client, project, **changes):
    data = {
        "date": f"{NEXT_YEAR}-03-04",
        "time": "09:30",
        "duration_minutes": "90",
        "place": "Skurvognen",
        "agenda": "",
    }
    data.update(changes)
    return client.post(f"/projects/{project.id}/kickoff", data=data)


def test_standard_questions_load_and_are_answered_from_the_targets():
    library = load_questions()
    assert library.errors == ()
    keys = {q.key for q in library.questions}
    assert {
        "employment_system",
        "permanent_hire",
        "subcontractors",
        "who_pays",
        "failed_match",
        "report_openings",
        "how_many",
    } <= keys
    values = answer_values({"apprenticeships_min": 3, "courses_min": 10})
    for question in library.questions:
        text = render_answer(question, values)
        assert "{{" not in text and "}}" not in text and text
    how_many = next(q for q in library.questions if q.key == "how_many")
    assert "med 3 personer" in render_answer(how_many, values)  # max(3, ceil(10/4))


def test_a_broken_questions_file_is_reported_with_its_line(tmp_path):
    (tmp_path / "kickoff").mkdir()
    (tmp_path / "kickoff" / "questions.toml").write_text(
        '[[question]]\nkey = "ok"\norder = 1\nquestion = "Q?"\nanswer = "A."\n\n'
        '[[question]]\nkey = "bad"\norder = 2\nquestion = "Q?"\nanswer = "{{ nope }}"\n',
        encoding="utf-8",
    )
    library = load_questions(tmp_path)
    assert [q.key for q in library.questions] == ["ok"]
    assert library.errors[0].line == 8 and "nope" in library.errors[0].message


def test_planning_creates_the_meeting_agenda_questions_and_participants(client, login, world):
    login(world["coordinator"])
    project = world["project"]
    page = client.get(f"/projects/{project.id}/kickoff").get_data(as_text=True)
    assert "Skal de ledige fastansættes?" in page  # the standard answers, before planning
    response = plan(client, project)
    assert response.status_code == 303
    meeting = db.session.scalar(select(Meeting))
    start = meeting.starts_at.replace(tzinfo=meeting.starts_at.tzinfo or UTC)
    assert start == datetime(NEXT_YEAR, 3, 4, 8, 30, tzinfo=UTC)  # 09:30 in Copenhagen (CET)
    assert "mindst 3 lærepladser og 10 beskæftigelsesforløb" in meeting.agenda
    assert {p.name for p in meeting.participants} == {
        "Karen Koordinator",
        "Birgitte Bygherre",
        "Erik Entreprenør",
    }
    assert db.session.scalar(select(func.count(KickoffQuestion.id))) == len(
        load_questions().questions
    )
    html = client.get(f"/projects/{project.id}/kickoff").get_data(as_text=True)
    assert "Skurvognen" in html and "4. marts" in html


@pytest.mark.parametrize(
    "changes, field",
    [
        ({"date": "2020-01-01"}, "date"),
        ({"time": ""}, "time"),
        ({"duration_minutes": "5"}, "duration_minutes"),
        ({"date": "31-02-2027"}, "date"),
    ],
)
def test_bad_meeting_input_is_refused_beside_the_field(client, login, world, changes, field):
    login(world["coordinator"])
    response = plan(client, world["project"], **changes)
    assert response.status_code == 422
    assert f'id="{field}-error"' in response.get_data(as_text=True)
    assert db.session.scalar(select(Meeting)) is None


def test_past_date_message_is_danish(client, login, world):
    login(world["coordinator"])
    html = plan(client, world["project"], date="2020-01-01").get_data(as_text=True)
    assert "Mødet kan ikke ligge i fortiden." in html


def test_calendar_file_has_the_right_times_and_keeps_its_uid(client, login, world):
    login(world["coordinator"])
    project = world["project"]
    plan(client, project)
    first = Calendar.from_ical(client.get(f"/projects/{project.id}/kickoff.ics").data)
    event = first.walk("VEVENT")[0]
    start = event.decoded("dtstart")
    assert (start.hour, start.minute, str(start.tzinfo)) == (9, 30, "Europe/Copenhagen")
    assert event.decoded("dtend") - start == timedelta(minutes=90)
    assert "Helhedsplan Gellerup" in str(event["summary"])
    assert first.walk("VTIMEZONE")  # the zone travels with the file
    plan(client, project, time="13:00", place="Mødelokalet")
    second = Calendar.from_ical(client.get(f"/projects/{project.id}/kickoff.ics").data)
    moved = second.walk("VEVENT")[0]
    assert moved["uid"] == event["uid"]
    assert int(moved["sequence"]) == int(event["sequence"]) + 1
    assert moved.decoded("dtstart").hour == 13 and str(moved["location"]) == "Mødelokalet"


def test_summer_time_is_respected(client, login, world):
    login(world["coordinator"])
    plan(client, world["project"], date=f"{NEXT_YEAR}-06-15", time="09:30")
    meeting = db.session.scalar(select(Meeting))
    start = meeting.starts_at.replace(tzinfo=meeting.starts_at.tzinfo or UTC)
    assert start.astimezone(UTC).hour == 7  # CEST is UTC+2


def test_no_calendar_file_before_the_meeting_is_planned(client, login, world):
    login(world["contractor"])
    assert client.get(f"/projects/{world['project'].id}/kickoff.ics").status_code == 404


def test_contractor_asks_and_sees_the_answer(app, client, login, world):
    project = world["project"]
    login(world["contractor"])
    empty = client.post(
        f"/projects/{project.id}/kickoff/questions", data={"question": " "}, headers=HX
    )
    assert empty.status_code == 422 and 'id="question-error"' in empty.get_data(as_text=True)
    response = client.post(
        f"/projects/{project.id}/kickoff/questions",
        data={"question": "Må lærlingen arbejde for underentreprenøren?"},
        headers=HX,
    )
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "<html" not in html and 'id="qa"' in html
    assert "Må lærlingen arbejde for underentreprenøren?" in html
    question = db.session.scalar(select(KickoffQuestion))

    login(world["coordinator"])
    answered = client.post(
        f"/projects/{project.id}/kickoff/questions/{question.id}/answer",
        data={"answer": "Ja, hvis I aftaler det med skolen."},
        headers=HX,
    )
    assert answered.status_code == 200
    login(world["contractor"])
    assert "Ja, hvis I aftaler det med skolen." in client.get(
        f"/projects/{project.id}/kickoff"
    ).get_data(as_text=True)


def test_coordinator_reorders_and_marks_questions_discussed(client, login, world):
    project = world["project"]
    login(world["coordinator"])
    plan(client, project)
    first, second = db.session.scalars(
        select(KickoffQuestion).order_by(KickoffQuestion.position)
    ).all()[:2]
    client.post(
        f"/projects/{project.id}/kickoff/questions/{second.id}/move",
        data={"direction": "up"},
        headers=HX,
    )
    ordered = db.session.scalars(
        select(KickoffQuestion.id).order_by(KickoffQuestion.position)
    ).all()
    assert ordered[:2] == [second.id, first.id]
    client.post(
        f"/projects/{project.id}/kickoff/questions/{first.id}/discussed",
        data={"discussed": "1"},
        headers=HX,
    )
    db.session.refresh(first)
    assert first.discussed
    bad = client.post(
        f"/projects/{project.id}/kickoff/questions/{first.id}/move", data={"direction": "sideways"}
    )
    assert bad.status_code == 400


def test_minutes_are_saved_and_a_stale_save_is_refused(client, login, world):
    project = world["project"]
    login(world["coordinator"])
    plan(client, project)
    version = str(db.session.scalar(select(Meeting.version)))
    ok = client.post(
        f"/projects/{project.id}/kickoff/minutes",
        data={
            "minutes": "Gennemgik aftalen.",
            "decisions": "Møde hver 1. tirsdag.",
            "version": version,
        },
        headers=HX,
    )
    assert ok.status_code == 200
    stale = client.post(
        f"/projects/{project.id}/kickoff/minutes",
        data={"minutes": "Min tekst", "decisions": "", "version": version},
        headers=HX,
    )
    assert stale.status_code == 409
    assert "Min tekst" in stale.get_data(as_text=True)
    assert db.session.scalar(select(Meeting.minutes)) == "Gennemgik aftalen."
    login(world["client"])
    assert "Møde hver 1. tirsdag." in client.get(f"/projects/{project.id}/kickoff").get_data(
        as_text=True
    )


def test_briefing_is_a_word_file_with_the_qa(client, login, world):
    project = world["project"]
    login(world["coordinator"])
    plan(client, project)
    login(world["contractor"])
    response = client.get(f"/projects/{project.id}/kickoff/briefing.docx")
    assert response.status_code == 200
    assert (
        "Opstartsbriefing%20-%20Helhedsplan%20Gellerup.docx"
        in response.headers["Content-Disposition"]
    )
    document = docx.Document(io.BytesIO(response.data))
    headings = [p.text for p in document.paragraphs if p.style.name.startswith("Heading")]
    assert "Spørgsmål og svar" in headings and "Måltal" in headings
    text = "\n".join(p.text for p in document.paragraphs)
    assert "Skal de ledige fastansættes?" in text
    assert "Mindst 3 lærepladser." in text
    assert document.core_properties.title.startswith("Opstartsbriefing")
    assert document.tables  # the ladder


@pytest.mark.parametrize("who", ["client", "contractor"])
def test_only_coordinators_run_the_meeting(client, login, world, who):
    project = world["project"]
    login(world["coordinator"])
    plan(client, project)
    question = db.session.scalar(select(KickoffQuestion))
    login(world[who])
    assert client.get(f"/projects/{project.id}/kickoff").status_code == 200
    for url, data in (
        ("", {"date": f"{NEXT_YEAR}-05-05", "time": "10:00", "duration_minutes": "60"}),
        (f"/questions/{question.id}/answer", {"answer": "x"}),
        (f"/questions/{question.id}/discussed", {"discussed": "1"}),
        (f"/questions/{question.id}/move", {"direction": "down"}),
        ("/minutes", {"minutes": "x"}),
        ("/participants", {"name": "x", "side": "other"}),
    ):
        assert client.post(f"/projects/{project.id}/kickoff{url}", data=data).status_code == 403
    asked = client.post(f"/projects/{project.id}/kickoff/questions", data={"question": "Hej?"})
    assert asked.status_code == (403 if who == "client" else 303)


def test_other_organisations_cannot_see_the_kickoff(client, make, login, world):
    project = world["project"]
    for outsider in (make.user(Role.CLIENT), make.user(Role.CONTRACTOR)):
        login(outsider)
        for url in ("", ".ics", "/briefing.docx"):
            assert client.get(f"/projects/{project.id}/kickoff{url}").status_code == 404
    login(make.user(Role.CONTRACTOR))
    assert (
        client.post(f"/projects/{project.id}/kickoff/questions", data={"question": "x"}).status_code
        == 404
    )


def test_participants_are_added_and_removed(client, login, world):
    project = world["project"]
    login(world["coordinator"])
    plan(client, project)
    bad = client.post(
        f"/projects/{project.id}/kickoff/participants",
        data={"name": "", "side": "other", "email": "nope"},
        headers=HX,
    )
    assert bad.status_code == 422
    added = client.post(
        f"/projects/{project.id}/kickoff/participants",
        data={"name": "Jens Jobcenter", "side": "other", "email": "j@aarhus.dk"},
        headers=HX,
    )
    assert "Jens Jobcenter" in added.get_data(as_text=True)
    person = next(
        p for p in db.session.scalar(select(Meeting)).participants if p.name == "Jens Jobcenter"
    )
    client.post(f"/projects/{project.id}/kickoff/participants/{person.id}/remove", headers=HX)
    assert "Jens Jobcenter" not in client.get(f"/projects/{project.id}/kickoff").get_data(
        as_text=True
    )
