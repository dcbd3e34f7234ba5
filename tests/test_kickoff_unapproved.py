"""Before the client approves a version, nothing in the kickoff calls a draft's figures agreed,
and no draft value reaches a contractor: not the page, the agenda, the Q&A or the briefing."""

import io
import re

import docx
import pytest
from sqlalchemy import select

from app.agreements import service as agreements
from app.agreements.document import default_draft
from app.clock import local_today
from app.extensions import db
from app.meetings.models import KickoffQuestion, Meeting
from app.models import Phase, Role

NEXT_YEAR = local_today().year + 1
# The draft's own values: none may appear in the kickoff texts before approval.
DRAFT = dict(
    apprenticeships_min=37,
    courses_min=43,
    internship_weeks_min=11,
    internship_weeks_max=19,
    wage_subsidy_months=29,
    ordinary_months_min=31,
    count_rule="min_duration",
    coordinator_name="Kladdeenheden Øst",
    coordinator_contact="Kladdekontakt 11 22 33 44",
)
DRAFT_TRACES = (
    r"\b37\b",
    r"\b43\b",
    r"\b11\b",
    r"\b19\b",
    r"\b29\b",
    r"\b31\b",
    "Kladdeenheden",
    "Kladdekontakt",
    "mindstevarighed",
)
ROLES = ("coordinator", "admin", "client", "contractor")


@pytest.fixture
def world(make):
    assoc = make.association("Vestbo", areas=["Gellerupparken"])
    main = make.company("Nordbyg A/S")
    project = make.project(assoc, "Helhedsplan Gellerup", Phase.AWARDED, main=main)
    people = dict(
        coordinator=make.user(Role.COORDINATOR, name="Karen Koordinator"),
        admin=make.user(Role.ADMIN, name="Anders Admin"),
        client=make.user(Role.CLIENT, assoc, name="Birgitte Bygherre"),
        contractor=make.user(Role.CONTRACTOR, main, name="Erik Entreprenør"),
    )
    return dict(project=project, **people)


def save_draft(world, **values):
    project = world["project"]
    draft = default_draft(agreements.library(), **agreements.project_values(project))
    draft.values.update(values)
    latest = agreements.latest_version(project)
    return agreements.save_version(
        project, draft, world["coordinator"], latest.number if latest else 0
    )


def plan(client, login, world):
    login(world["coordinator"])
    response = client.post(
        f"/projects/{world['project'].id}/kickoff",
        data={"date": f"{NEXT_YEAR}-03-04", "time": "09:30", "duration_minutes": "90"},
    )
    assert response.status_code == 303


def page_text(client, url):
    response = client.get(url)
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    # Only what a reader sees: the text, not the markup, ids or the CSRF token.
    text = re.sub(r"<script.*?</script>|<[^>]+>", " ", html, flags=re.S)
    return " ".join(text.split())


def briefing_text(client, project):
    response = client.get(f"/projects/{project.id}/kickoff/briefing.docx")
    assert response.status_code == 200
    document = docx.Document(io.BytesIO(response.data))
    parts = [p.text for p in document.paragraphs]
    parts += [cell.text for table in document.tables for row in table.rows for cell in row.cells]
    parts += [p.text for section in document.sections for p in section.header.paragraphs]
    return " ".join(" ".join(parts).split())


def assert_no_draft_value(text, where):
    for trace in DRAFT_TRACES:
        assert not re.search(trace, text), f"{trace} in {where}"


@pytest.mark.parametrize("who", ROLES)
def test_no_draft_value_on_the_kickoff_page_or_in_the_briefing(client, login, world, who):
    project = world["project"]
    save_draft(world, **DRAFT)
    login(world[who])
    before = page_text(client, f"/projects/{project.id}/kickoff")
    assert_no_draft_value(before, "the page before planning")
    assert "Bygherren har endnu ikke godkendt aftalen" in before
    assert_no_draft_value(briefing_text(client, project), "the briefing before planning")

    plan(client, login, world)
    login(world[who])
    after = page_text(client, f"/projects/{project.id}/kickoff")
    assert_no_draft_value(after, "the planned page")
    assert "måltallene ligger ikke fast" in after  # the agenda says so
    briefing = briefing_text(client, project)
    assert_no_draft_value(briefing, "the planned briefing")
    assert "Bygherren har endnu ikke godkendt aftalen." in briefing
    assert "har indgået" not in briefing
    calendar = client.get(f"/projects/{project.id}/kickoff.ics").get_data(as_text=True)
    assert_no_draft_value(calendar.replace("\r\n ", ""), "the calendar file")


def test_the_stored_agenda_and_answers_hold_no_draft_value(client, login, world):
    save_draft(world, **DRAFT)
    plan(client, login, world)
    meeting = db.session.scalar(select(Meeting))
    assert_no_draft_value(meeting.agenda, "the agenda")
    for question in db.session.scalars(select(KickoffQuestion)):
        assert_no_draft_value(question.answer, question.template_key)


def test_a_new_project_does_not_present_the_handbook_example_as_agreed(client, login, world):
    """No version at all: the library's default 2 and 8 are not the agreement either."""
    project = world["project"]
    login(world["contractor"])
    page = page_text(client, f"/projects/{project.id}/kickoff")
    assert "mindst 2 lærepladser" not in page and "8 beskæftigelsesforløb" not in page
    assert "Det ligger ikke fast endnu" in page  # the how-many answer
    plan(client, login, world)
    login(world["contractor"])
    page = page_text(client, f"/projects/{project.id}/kickoff")
    assert "mindst 2 lærepladser" not in page and "8 beskæftigelsesforløb" not in page
    assert "Mindst 2 lærepladser" not in briefing_text(client, project)


def test_approval_fills_the_agreed_values_into_the_unedited_kickoff_texts(client, login, world):
    project = world["project"]
    save_draft(world, apprenticeships_min=2, courses_min=9)
    plan(client, login, world)
    edited = db.session.scalar(
        select(KickoffQuestion).where(KickoffQuestion.template_key == "subcontractors")
    )
    edited.answer = "Vores eget svar."
    db.session.commit()
    agreements.approve(agreements.latest_version(project), world["client"])

    meeting = db.session.scalar(select(Meeting))
    assert "mindst 2 lærepladser og 9 beskæftigelsesforløb" in meeting.agenda
    how_many = db.session.scalar(
        select(KickoffQuestion.answer).where(KickoffQuestion.template_key == "how_many")
    )
    assert "målet kan nås med 3 personer" in how_many
    assert "to beboere hver går hele stigen" in how_many
    assert "én beboer kommer i virksomhedspraktik" in how_many
    assert db.session.get(KickoffQuestion, edited.id).answer == "Vores eget svar."
    login(world["contractor"])
    briefing = briefing_text(client, project)
    assert "Mindst 2 lærepladser." in briefing and "Mindst 9 beskæftigelsesforløb." in briefing
    assert "Måltallene kan nås med 3 personer, hvis to beboere hver går hele stigen" in briefing
    assert "har indgået" in briefing


def test_one_apprenticeship_is_singular_in_the_briefing_and_agenda(client, login, world):
    project = world["project"]
    version = save_draft(world, apprenticeships_min=1, courses_min=1)
    agreements.approve(version, world["client"])
    plan(client, login, world)
    assert "mindst 1 læreplads og 1 beskæftigelsesforløb" in db.session.scalar(
        select(Meeting.agenda)
    )
    briefing = briefing_text(client, project)
    assert "Mindst 1 læreplads." in briefing
    assert "kan nås med 1 person, hvis én beboer kommer direkte i en læreplads" in briefing


@pytest.mark.parametrize("who", ["coordinator", "client"])
def test_drafters_see_the_draft_figures_marked_as_a_draft(client, login, world, who):
    project = world["project"]
    save_draft(world, apprenticeships_min=1, courses_min=6)
    login(world[who])
    overview = page_text(client, f"/projects/{project.id}/agreement")
    assert "Kladdens tal, version 1: ikke godkendt" in overview
    assert "1 læreplads" in overview and "6 beskæftigelsesforløb" in overview
    detail = page_text(client, f"/projects/{project.id}")
    assert "Kladdens tal, ikke godkendt: 1 læreplads, 6 beskæftigelsesforløb" in detail


def test_contractors_are_told_there_is_no_approved_agreement(client, login, world):
    project = world["project"]
    save_draft(world, apprenticeships_min=1, courses_min=6)
    login(world["contractor"])
    overview = page_text(client, f"/projects/{project.id}/agreement")
    assert "Aftalen er endnu ikke godkendt." in overview
    assert "Kladde" not in overview and "6 beskæftigelsesforløb" not in overview
    detail = page_text(client, f"/projects/{project.id}")
    assert "6 beskæftigelsesforløb" not in detail and "Endnu ikke godkendt" in detail
