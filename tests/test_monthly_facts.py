"""Monthly meetings with the facts right: the agenda and minutes as of the meeting's date,
final minutes frozen byte for byte, calendars whose expansion is the app's meetings, and
every meetings download holding only what the reader's page shows."""

import io
from datetime import UTC, date, datetime, time, timedelta

import docx
import pytest
import recurring_ical_events
from icalendar import Calendar
from sqlalchemy import select

from app.candidates.models import SensitiveNote
from app.clock import local_today
from app.extensions import db
from app.meetings.calendar import COPENHAGEN
from app.meetings.models import Meeting, MeetingKind, MeetingParticipant
from app.models import Phase, Role
from app.openings.models import OpeningStatus
from tests.factories import (
    Factories,
    add_candidate,
    add_placement,
    approve_agreement,
    at_copenhagen,
)

TODAY = local_today()  # the app's day (Copenhagen), not the machine's
# A meeting held in the past: Tuesday 3 November of last year, 8.30 in Copenhagen.
HELD_ON = date(TODAY.year - 1, 11, 3)


@pytest.fixture
def site(make, login):
    assoc = make.association("Vestbo", areas=["Gellerupparken"])
    main, sub = make.company("Nordbyg"), make.company("Jysk Murer")
    # The execution phase covers every placement below (only those starting in it count).
    project = make.project(
        assoc,
        "Gellerup",
        Phase.EXECUTION,
        main=main,
        subs=[sub],
        execution_start=date(TODAY.year - 2, 1, 1),
        execution_end=date(TODAY.year + 2, 12, 31),
    )
    coordinator = login(make.user(Role.COORDINATOR, name="Karen Koordinator"))
    return dict(project=project, main=main, sub=sub, assoc=assoc, coordinator=coordinator)


def held_meeting(project, on: date = HELD_ON) -> Meeting:
    start = at_copenhagen(on, time(8, 30))
    return Factories().meeting(
        project, MeetingKind.MONTHLY, start, duration_minutes=60, place="Skurvognen"
    )


def opening(project, company, reporter, function="site_labourer", trade="", created=None):
    stamps = {"created_at": created, "updated_at": created} if created is not None else {}
    return Factories().opening(
        project,
        company,
        reporter,
        function,
        expected_start=HELD_ON + timedelta(days=20),
        trade=trade,
        **stamps,
    )


def docx_text(data: bytes) -> str:
    document = docx.Document(io.BytesIO(data))
    return "\n".join(p.text for p in document.paragraphs)


def page_of(client, project, meeting) -> str:
    response = client.get(f"/projects/{project.id}/meetings/{meeting.id}")
    assert response.status_code == 200
    return response.get_data(as_text=True)


def minutes_of(client, project, meeting) -> bytes:
    response = client.get(f"/projects/{project.id}/meetings/{meeting.id}/minutes.docx")
    assert response.status_code == 200
    return response.data


# --- 4. as of the meeting's date -----------------------------------------------------------


def test_agenda_and_minutes_show_the_facts_as_of_the_meetings_date(client, site):
    project, main = site["project"], site["main"]
    approve_agreement(project, site["coordinator"], apprenticeships=0, courses=8)
    meeting = held_meeting(project)
    # Seven courses begun before the meeting (six running, one ended), the eighth on
    # 29 November, after it.
    for n in range(6):
        person = add_candidate("Person", f"Nummer{n}", site["assoc"])
        add_placement(person, project, main, "internship", HELD_ON - timedelta(days=40 + n))
    late = add_candidate("Otte", "Sent", site["assoc"])
    add_placement(late, project, main, "internship", date(HELD_ON.year, 11, 29))
    ended = add_candidate("Ended", "Tidligere", site["assoc"])
    add_placement(
        ended,
        project,
        main,
        "wage_subsidy",
        HELD_ON - timedelta(days=120),
        date(HELD_ON.year, 10, 1),
        "next_rung",
    )
    future = add_candidate("Fremtid", "Senere", site["assoc"])
    add_placement(future, project, main, "ordinary", date(TODAY.year + 1, 1, 1))
    day_after = datetime.combine(HELD_ON + timedelta(days=1), time(12), COPENHAGEN)
    opening(
        project, main, site["coordinator"], trade="Tømrer", created=day_after - timedelta(days=30)
    )
    opening(project, main, site["coordinator"], trade="Murer", created=day_after)

    html = page_of(client, project, meeting)
    agenda = html[html.index('id="agenda"') : html.index('id="people"')]
    current, _, coming = agenda.partition("Kommende")
    assert "Person Nummer0" in current and "Otte Sent" not in current
    assert "Otte Sent" in coming and "Fremtid Senere" in coming
    assert "Ended Tidligere" not in agenda  # ended before the meeting: not current
    assert f"01.01.{TODAY.year + 1} – nu" not in agenda  # a coming one does not run "now"
    assert "Tømrer" in agenda and "Murer" not in agenda  # reported after the meeting: not yet
    assert "7 af 8" in agenda

    text = docx_text(minutes_of(client, project, meeting))
    assert "7 beskæftigelsesforløb" in text and "8 beskæftigelsesforløb" not in text
    lines = text.splitlines()
    current_lines = lines[lines.index("Ansættelser på mødedagen") : lines.index("Kommende")]
    coming_lines = lines[lines.index("Kommende") : lines.index("Ledige stillinger")]
    assert sum("P.N." in line for line in current_lines) == 6
    assert not any("O.S." in line or "E.T." in line for line in current_lines)
    assert any("O.S." in line for line in coming_lines)
    assert any("F.S." in line and f"1. januar {TODAY.year + 1}" in line for line in coming_lines)
    assert "Tømrer" in text and "Murer" not in text


def test_an_opening_closed_after_the_meeting_was_still_open_at_it(client, site):
    project, main = site["project"], site["main"]
    meeting = held_meeting(project)
    before = datetime.combine(HELD_ON - timedelta(days=5), time(12), COPENHAGEN)
    still = opening(project, main, site["coordinator"], trade="Stillads", created=before)
    gone = opening(project, main, site["coordinator"], trade="Maler", created=before)
    gone.status = OpeningStatus.WITHDRAWN
    gone.updated_at = before + timedelta(days=1)  # withdrawn before the meeting
    still.status = OpeningStatus.MATCHED  # matched now, long after the meeting
    db.session.commit()
    text = docx_text(minutes_of(client, project, meeting))
    assert "Stillads" in text and "Maler" not in text


def test_no_raw_keys_in_the_minutes_the_page_and_word_say_pladsmand(client, site):
    project, main = site["project"], site["main"]
    meeting = held_meeting(project)
    person = add_candidate("Mads", "Holm", site["assoc"])
    add_placement(person, project, main, "wage_subsidy", HELD_ON - timedelta(days=3))
    before = datetime.combine(HELD_ON - timedelta(days=5), time(12), COPENHAGEN)
    opening(project, main, site["coordinator"], function="site_labourer", created=before)
    html = page_of(client, project, meeting)
    text = docx_text(minutes_of(client, project, meeting))
    for raw in ("site_labourer", "wage_subsidy", "internship"):
        assert raw not in text and raw not in html.replace('value="', "")
    assert "Pladsmand" in html and "Pladsmand" in text
    assert "Løntilskud" in html and "Løntilskud" in text


# --- 4. final minutes, frozen ----------------------------------------------------------------


def test_final_minutes_stay_byte_for_byte_until_a_coordinator_reopens_them(
    client, make, login, site
):
    project, main = site["project"], site["main"]
    meeting = held_meeting(project)
    person = add_candidate("Mads", "Holm", site["assoc"])
    add_placement(person, project, main, "internship", HELD_ON - timedelta(days=3))
    meeting.minutes = "Vi talte om stilladset."
    db.session.commit()
    url = f"/projects/{project.id}/meetings/{meeting.id}"
    assert client.post(f"{url}/final").status_code == 303
    frozen = minutes_of(client, project, meeting)
    assert "M.H." in docx_text(frozen)

    # Later changes to the data behind the minutes.
    other = add_candidate("Sara", "Nielsen", site["assoc"])
    add_placement(other, project, main, "internship", HELD_ON - timedelta(days=1))
    before = datetime.combine(HELD_ON - timedelta(days=5), time(12), COPENHAGEN)
    opening(project, main, site["coordinator"], trade="Stillads", created=before)
    saved = client.post(f"{url}/minutes", data={"minutes": "Ændret", "version": "2"})
    assert saved.status_code == 409
    assert client.post(f"{url}/actions", data={"text": "Ny opgave"}).status_code == 409
    db.session.refresh(meeting)
    assert meeting.minutes == "Vi talte om stilladset."
    assert minutes_of(client, project, meeting) == frozen
    assert "Endeligt" in page_of(client, project, meeting)

    # An admin may not reopen them; a coordinator may, and the file is made afresh.
    login(make.user(Role.ADMIN))
    assert client.post(f"{url}/reopen").status_code == 403
    assert minutes_of(client, project, meeting) == frozen
    login(site["coordinator"])
    assert client.post(f"{url}/reopen").status_code == 303
    fresh = docx_text(minutes_of(client, project, meeting))
    assert "S.N." in fresh and "Stillads" in fresh
    assert client.post(f"{url}/final").status_code == 303
    again = minutes_of(client, project, meeting)
    assert "S.N." in docx_text(again)
    assert minutes_of(client, project, meeting) == again


def test_final_minutes_are_frozen_per_reader_scope(client, make, login, site):
    project, main, sub = site["project"], site["main"], site["sub"]
    meeting = held_meeting(project)
    add_placement(add_candidate("Mads", "Holm"), project, main, "internship", HELD_ON)
    add_placement(add_candidate("Sara", "Nielsen"), project, sub, "internship", HELD_ON)
    client.post(f"/projects/{project.id}/meetings/{meeting.id}/final")
    # A company that joins afterwards gets the frozen file with no one's people.
    late = make.company("Sen Entreprise")
    from app.models import CompanyRole, ProjectCompany

    project.companies.append(ProjectCompany(company=late, role=CompanyRole.SUB))
    db.session.commit()
    add_placement(add_candidate("Ali", "Khan"), project, sub, "internship", HELD_ON)
    seen = {}
    for who in ("main", "sub", "late"):
        company = {"main": main, "sub": sub, "late": late}[who]
        login(make.user(Role.CONTRACTOR, company))
        seen[who] = minutes_of(client, project, meeting)
        assert minutes_of(client, project, meeting) == seen[who]
    assert "M.H." in docx_text(seen["main"]) and "S.N." not in docx_text(seen["main"])
    assert "S.N." in docx_text(seen["sub"]) and "M.H." not in docx_text(seen["sub"])
    assert "A.K." not in docx_text(seen["sub"])  # placed after the minutes were final
    late_text = docx_text(seen["late"])
    assert "M.H." not in late_text and "S.N." not in late_text


# --- 6. calendars that match the app --------------------------------------------------------


def plan(client, project, **changes):
    data = {
        "week_of_month": "1",
        "weekday": "1",
        "start_time": "08:30",
        "duration_minutes": "60",
        "place": "Skurvognen",
        # The rhythm began months ago; only the coming meetings are laid out.
        "first_date": (TODAY - timedelta(days=240)).isoformat(),
        "last_date": (TODAY + timedelta(days=600)).isoformat(),
    }
    data.update(changes)
    response = client.post(f"/projects/{project.id}/meetings/series", data=data)
    assert response.status_code == 303
    return response


def app_meetings(project) -> list[Meeting]:
    return list(
        db.session.scalars(
            select(Meeting)
            .where(Meeting.project_id == project.id, Meeting.kind == MeetingKind.MONTHLY)
            .order_by(Meeting.starts_at)
        )
    )


def utc(moment: datetime) -> datetime:
    return (moment if moment.tzinfo else moment.replace(tzinfo=UTC)).astimezone(UTC)


def series_file(client, project) -> Calendar:
    response = client.get(f"/projects/{project.id}/meetings/series.ics")
    assert response.status_code == 200
    return Calendar.from_ical(response.data)


def expanded(cal: Calendar) -> list[tuple[datetime, str]]:
    """Every occurrence, by a real RFC 5545 expansion: (start in UTC, location)."""
    events = recurring_ical_events.of(cal).between(datetime(2000, 1, 1), datetime(2100, 1, 1))
    return sorted((utc(e.decoded("dtstart")), str(e.get("location", ""))) for e in events)


def shown(project) -> list[tuple[datetime, str]]:
    return sorted((utc(m.starts_at), m.place) for m in app_meetings(project) if not m.cancelled)


def master_of(cal: Calendar):
    return next(e for e in cal.walk("VEVENT") if "RECURRENCE-ID" not in e)


def test_the_series_file_expands_to_exactly_the_meetings_the_app_shows(client, site):
    project = site["project"]
    plan(client, project)
    rows = app_meetings(project)
    cal = series_file(client, project)
    assert expanded(cal) == shown(project)
    master = master_of(cal)
    assert utc(master.decoded("dtstart")) == utc(rows[0].starts_at)  # the first laid out
    assert "RRULE" in master

    # Move one, cancel another: the expansion follows, and SEQUENCE rises each time.
    sequences = [int(master["sequence"])]
    moved, cancelled = rows[1], rows[2]
    new_day = (utc(moved.starts_at) + timedelta(days=1)).astimezone(COPENHAGEN).date()
    url = f"/projects/{project.id}/meetings"
    client.post(
        f"{url}/{moved.id}/move", data={"date": new_day, "time": "10:00", "place": "Kontoret"}
    )
    sequences.append(int(master_of(series_file(client, project))["sequence"]))
    client.post(f"{url}/{cancelled.id}/cancel")
    sequences.append(int(master_of(series_file(client, project))["sequence"]))
    client.post(f"{url}/{cancelled.id}/cancel")  # on again
    sequences.append(int(master_of(series_file(client, project))["sequence"]))
    client.post(f"{url}/{cancelled.id}/cancel")
    cal = series_file(client, project)
    sequences.append(int(master_of(cal)["sequence"]))
    assert sequences == sorted(set(sequences))  # strictly rising
    assert expanded(cal) == shown(project)
    assert (utc(moved.starts_at), "Kontoret") in expanded(cal)
    for event in cal.walk("VEVENT"):
        assert int(event["sequence"]) == sequences[-1]

    # The rhythm changes after a meeting got its minutes: that one stays, off the new rule.
    kept = rows[3]
    kept.minutes = "Holdt."
    db.session.commit()
    plan(client, project, weekday="3", start_time="09:00")
    cal = series_file(client, project)
    assert int(master_of(cal)["sequence"]) > sequences[-1]
    assert utc(kept.starts_at) in [start for start, _ in expanded(cal)]
    assert expanded(cal) == shown(project)


def test_every_event_has_an_organizer_and_no_attendee(client, site):
    project = site["project"]
    plan(client, project)
    rows = app_meetings(project)
    rows[0].participants.append(
        MeetingParticipant(name="Jens Murer", side="contractor", email="jens@jyskmurer.dk")
    )
    db.session.commit()
    client.post(
        f"/projects/{project.id}/meetings/{rows[1].id}/move",
        data={"date": (utc(rows[1].starts_at) + timedelta(days=2)).date(), "time": "09:00"},
    )
    files = [series_file(client, project)]
    for row in rows[:2]:
        files.append(
            Calendar.from_ical(client.get(f"/projects/{project.id}/meetings/{row.id}.ics").data)
        )
    for cal in files:
        assert cal["method"] == "PUBLISH"
        for event in cal.walk("VEVENT"):
            assert str(event["organizer"]).startswith("mailto:")
            assert "ATTENDEE" not in event
        assert b"jens@" not in cal.to_ical()


def test_a_single_meeting_file_stands_on_its_own(client, site):
    project = site["project"]
    plan(client, project)
    row = app_meetings(project)[1]
    client.post(
        f"/projects/{project.id}/meetings/{row.id}/move",
        data={"date": (utc(row.starts_at) + timedelta(days=1)).date(), "time": "10:00"},
    )
    cal = Calendar.from_ical(client.get(f"/projects/{project.id}/meetings/{row.id}.ics").data)
    events = cal.walk("VEVENT")
    assert len(events) == 1 and "RECURRENCE-ID" not in events[0] and "RRULE" not in events[0]
    assert cal.walk("VTIMEZONE")  # its TZID is defined in the same file
    occurrences = recurring_ical_events.of(cal).between(datetime(2000, 1, 1), datetime(2100, 1, 1))
    assert [utc(e.decoded("dtstart")) for e in occurrences] == [utc(row.starts_at)]
    assert events[0]["uid"] not in {str(master_of(series_file(client, project))["uid"])}
    before = int(events[0]["sequence"])
    client.post(f"/projects/{project.id}/meetings/{row.id}/cancel")
    again = Calendar.from_ical(client.get(f"/projects/{project.id}/meetings/{row.id}.ics").data)
    event = again.walk("VEVENT")[0]
    assert int(event["sequence"]) > before and event["status"] == "CANCELLED"


# --- issue 13: every meetings file shows only what its reader's page shows -------------------


@pytest.fixture
def people(make, site):
    project, main, sub = site["project"], site["main"], site["sub"]
    meeting = held_meeting(project, TODAY + timedelta(days=10))
    mads = add_candidate("Mads", "Holm", site["assoc"])
    sara = add_candidate("Sara", "Nielsen", site["assoc"])
    add_placement(mads, project, main, "internship", TODAY - timedelta(days=3))
    add_placement(sara, project, sub, "wage_subsidy", TODAY - timedelta(days=3))
    db.session.add(SensitiveNote(candidate_id=sara.id, text="CANARY-SECRET-4711"))
    meeting.participants.append(
        MeetingParticipant(name="Karen Koordinator", side="coordinator", email="karen@bygop.dk")
    )
    meeting.minutes = "Vi talte om stilladset."  # kept when a rhythm is laid out later
    db.session.commit()
    return dict(meeting=meeting)


ROLES = ("coordinator", "admin", "client", "main", "sub")

# What a reader must never find in a file unless the reader's page shows it.
TOKENS = (
    "Mads Holm",
    "Mads",
    "M.H.",
    "Sara Nielsen",
    "Sara",
    "S.N.",
    "Nordbyg",
    "Jysk Murer",
    "karen@bygop.dk",
    "CANARY",
    "12 34 56 78",
)


def reader(make, site, role):
    return {
        "coordinator": lambda: make.user(Role.COORDINATOR),
        "admin": lambda: make.user(Role.ADMIN),
        "client": lambda: make.user(Role.CLIENT, site["assoc"]),
        "main": lambda: make.user(Role.CONTRACTOR, site["main"]),
        "sub": lambda: make.user(Role.CONTRACTOR, site["sub"]),
    }[role]()


def page_tokens(html: str) -> set[str]:
    """The tokens the page shows; a resident's initials go with the full name."""
    shown = {token for token in TOKENS if token in html}
    return shown | {short for short, full in INITIALS.items() if full in shown}


INITIALS = {"M.H.": "Mads Holm", "S.N.": "Sara Nielsen"}


@pytest.mark.parametrize("final", [False, True], ids=["draft", "final"])
@pytest.mark.parametrize("role", ROLES)
def test_the_minutes_file_holds_only_what_the_readers_page_shows(
    client, make, login, site, people, role, final
):
    project, meeting = site["project"], people["meeting"]
    if final:
        client.post(f"/projects/{project.id}/meetings/{meeting.id}/final")
    login(reader(make, site, role))
    allowed = page_tokens(page_of(client, project, meeting))
    text = docx_text(minutes_of(client, project, meeting))
    leaked = {token for token in TOKENS if token in text} - allowed
    assert leaked == set()
    own = {"main": ["M.H."], "sub": ["S.N."]}.get(role, ["M.H.", "S.N."])
    for initials in own:
        assert initials in text
    if role == "main":
        assert "S.N." not in text and "Jysk Murer" not in text
    if role == "sub":
        assert "M.H." not in text and "Nordbyg" not in text


@pytest.mark.parametrize("role", ROLES)
def test_the_calendar_files_hold_only_what_the_readers_page_shows(
    client, make, login, site, people, role
):
    project, meeting = site["project"], people["meeting"]
    plan(client, project)
    for row in app_meetings(project):
        row.participants.append(
            MeetingParticipant(name="Jens Murer", side="other", email="karen@bygop.dk")
        )  # an address no page shows
    db.session.commit()
    login(reader(make, site, role))
    allowed = page_tokens(page_of(client, project, meeting))
    series_row = app_meetings(project)[-1]
    for url in (
        f"/projects/{project.id}/meetings/series.ics",
        f"/projects/{project.id}/meetings/{meeting.id}.ics",
        f"/projects/{project.id}/meetings/{series_row.id}.ics",
    ):
        response = client.get(url)
        assert response.status_code == 200
        body = Calendar.from_ical(response.data).to_ical().decode()
        leaked = {token for token in TOKENS if token in body} - allowed
        assert leaked == set(), url
        assert "Gellerup" in body  # the project's name, which every reader's page shows
