"""The notifications, delivered to a real SMTP server: who gets which mail, in which language,
with which link and calendar invitation; switching a kind off; and no resident in any mail."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

import pytest
from icalendar import Calendar
from sqlalchemy import select

from app.agreements import service as agreements
from app.agreements.document import default_draft
from app.clock import local_today
from app.extensions import db
from app.mail import outbox
from app.mail.models import MailOptOut, OutboxMessage
from app.meetings.calendar import COPENHAGEN
from app.meetings.models import KickoffQuestion, Meeting, MeetingParticipant
from app.models import Organisation, Phase, Role, User
from tests.mailserver import BASE_URL, parts, serve, subject
from tests.world import CANARIES, NAME_MARKS, SECRET_MARK, build_world

HX = {"HX-Request": "true"}
NEXT_YEAR = local_today().year + 1


@pytest.fixture
def smtp(app):
    yield from serve(app)


@pytest.fixture
def world(make, smtp):
    assoc = make.association("Vestbo", areas=["Gellerupparken"])
    other_assoc = make.association("Østbo")
    main, sub = make.company("Nordbyg A/S"), make.company("Jysk Murer ApS")
    project = make.project(assoc, "Helhedsplan Gellerup", Phase.AWARDED, main=main, subs=[sub])
    people = dict(
        coordinator=make.user(Role.COORDINATOR, name="Karen Koordinator", email="k@bygop.dk"),
        client=make.user(Role.CLIENT, assoc, name="Birgitte Bygherre", email="b@vestbo.dk"),
        client_en=make.user(Role.CLIENT, assoc, name="Bill Builder", email="bill@vestbo.dk"),
        other_client=make.user(Role.CLIENT, other_assoc, name="Ove Østbo", email="o@ostbo.dk"),
        contractor=make.user(Role.CONTRACTOR, main, name="Erik Entreprenør", email="e@nordbyg.dk"),
        sub_contractor=make.user(Role.CONTRACTOR, sub, name="Sune Sub", email="s@jysk.dk"),
    )
    people["client_en"].language = "en"
    db.session.commit()
    return dict(project=project, main=main, **people)


def deliver(smtp):
    """Send what the outbox holds, as `flask mail send` does; return what arrived."""
    outbox.send_due(limit=500)
    return smtp.messages


def save_version(world):
    project = world["project"]
    draft = default_draft(agreements.library(), **agreements.project_values(project))
    latest = agreements.latest_version(project)
    return agreements.save_version(
        project, draft, world["coordinator"], latest.number if latest else 0
    )


def test_a_saved_version_asks_the_associations_client_users_for_approval(world, smtp):
    version = save_version(world)
    messages = deliver(smtp)
    assert sorted(m["To"] for m in messages) == ["b@vestbo.dk", "bill@vestbo.dk"]
    danish = next(m for m in messages if m["To"] == "b@vestbo.dk")
    assert subject(danish) == (
        "Version 1 af aftalen for Helhedsplan Gellerup venter på jeres godkendelse"
    )
    text, html = parts(danish)
    url = f"{BASE_URL}/projects/{world['project'].id}/agreement/v{version.number}"
    assert url in text and f'href="{url}"' in html and "Hej Birgitte Bygherre" in text
    english = next(m for m in messages if m["To"] == "bill@vestbo.dk")
    assert subject(english) == (
        "Version 1 of the agreement for Helhedsplan Gellerup awaits your approval"
    )
    assert "Hello Bill Builder" in parts(english)[0]


def test_an_approval_tells_the_coordinators_and_the_projects_contractors(
    world, smtp, client, login
):
    version = save_version(world)
    deliver(smtp)
    smtp.clear()
    login(world["client"])
    response = client.post(
        f"/projects/{world['project'].id}/agreement/v{version.number}/approve",
        data={"confirm": "1", "latest": str(version.number)},
        buffered=True,
    )
    assert response.status_code == 303
    received = sorted(m["To"] for m in smtp.messages)
    assert received == ["e@nordbyg.dk", "k@bygop.dk", "s@jysk.dk"]
    assert all("er godkendt (version 1)" in subject(m) for m in smtp.messages)


def test_a_contractors_question_goes_to_the_coordinators_and_the_answer_to_the_asker(
    world, smtp, client, login
):
    project = world["project"]
    login(world["contractor"])
    asked = client.post(
        f"/projects/{project.id}/kickoff/questions",
        data={"question": "Må lærlingen arbejde for underentreprenøren?"},
        headers=HX,
        buffered=True,
    )
    assert asked.status_code == 200
    [to_coordinator] = smtp.messages
    assert to_coordinator["To"] == "k@bygop.dk"
    assert subject(to_coordinator) == "Nyt spørgsmål fra en entreprenør på Helhedsplan Gellerup"
    text, html = parts(to_coordinator)
    assert "Må lærlingen arbejde for underentreprenøren?" in text and "Nordbyg A/S" in html
    assert f"{BASE_URL}/projects/{project.id}/kickoff" in text

    smtp.clear()
    question = db.session.scalar(
        select(KickoffQuestion).where(KickoffQuestion.asked_by_id.is_not(None))
    )
    login(world["coordinator"])
    url = f"/projects/{project.id}/kickoff/questions/{question.id}/answer"
    client.post(url, data={"answer": "Ja, med skolens accept."}, headers=HX, buffered=True)
    [to_asker] = smtp.messages
    assert to_asker["To"] == "e@nordbyg.dk"
    assert subject(to_asker) == "Dit spørgsmål på Helhedsplan Gellerup er besvaret"
    client.post(
        url, data={"answer": "Ja, med skolens skriftlige accept."}, headers=HX, buffered=True
    )
    assert len(smtp.messages) == 1  # a changed answer is not a second mail


def _plan_kickoff(client, project, **changes):
    data = {
        "date": f"{NEXT_YEAR}-03-04",
        "time": "09:30",
        "duration_minutes": "90",
        "place": "Skurvognen",
        "agenda": "",
    }
    data.update(changes)
    return client.post(f"/projects/{project.id}/kickoff", data=data, buffered=True)


def _invitation(message):
    [attachment] = [
        p for p in message.iter_attachments() if p.get_content_type() == "text/calendar"
    ]
    return attachment, Calendar.from_ical(attachment.get_content())


def test_the_kickoff_invitation_and_its_change_land_in_the_calendar(world, smtp, client, login):
    project = world["project"]
    login(world["coordinator"])
    assert _plan_kickoff(client, project).status_code in (200, 303)
    meeting = db.session.scalar(select(Meeting).where(Meeting.kind == "kickoff"))
    received = sorted(m["To"] for m in smtp.messages)
    # The coordinator, the association's client users and the main contractor's people.
    assert received == ["b@vestbo.dk", "bill@vestbo.dk", "e@nordbyg.dk", "k@bygop.dk"]
    invite = next(m for m in smtp.messages if m["To"] == "e@nordbyg.dk")
    assert subject(invite) == f"Indkaldelse: Opstartsmøde, 04.03.{NEXT_YEAR} 09:30"
    part, cal = _invitation(invite)
    assert part.get_param("method") == "REQUEST" and cal["METHOD"] == "REQUEST"
    [event] = cal.walk("VEVENT")
    assert str(event["UID"]) == meeting.uid and int(event["SEQUENCE"]) == 0
    assert "mailto:e@nordbyg.dk" in str(event["ATTENDEE"])
    assert event.decoded("DTSTART") == datetime(NEXT_YEAR, 3, 4, 9, 30, tzinfo=COPENHAGEN)
    english = next(m for m in smtp.messages if m["To"] == "bill@vestbo.dk")
    assert subject(english).startswith("Invitation: Kickoff meeting")
    assert "Skurvognen" in parts(invite)[0]

    smtp.clear()
    _plan_kickoff(client, project, time="10:00", agenda=meeting.agenda)
    moved = next(m for m in smtp.messages if m["To"] == "e@nordbyg.dk")
    assert subject(moved).startswith("Ændret: Opstartsmøde")
    [event] = _invitation(moved)[1].walk("VEVENT")
    assert str(event["UID"]) == meeting.uid and int(event["SEQUENCE"]) == 1


def test_a_cancelled_monthly_meeting_sends_a_cancellation(world, smtp, client, login):
    project = world["project"]
    starts = datetime.combine(date(NEXT_YEAR, 2, 2), time(8, 30), COPENHAGEN).astimezone(UTC)
    meeting = Meeting(project_id=project.id, kind="monthly", starts_at=starts, duration_minutes=60)
    meeting.participants.append(
        MeetingParticipant(name="Erik Entreprenør", side="contractor", email="e@nordbyg.dk")
    )
    meeting.participants.append(
        MeetingParticipant(name="Gæst Uden Konto", side="other", email="gaest@example.dk")
    )
    db.session.add(meeting)
    db.session.commit()
    login(world["coordinator"])
    response = client.post(f"/projects/{project.id}/meetings/{meeting.id}/cancel", buffered=True)
    assert response.status_code == 303
    assert sorted(m["To"] for m in smtp.messages) == ["e@nordbyg.dk", "gaest@example.dk"]
    cancel = next(m for m in smtp.messages if m["To"] == "gaest@example.dk")
    assert subject(cancel).startswith("Aflyst: Opfølgningsmøde")
    part, cal = _invitation(cancel)
    assert part.get_param("method") == "CANCEL" and cal["METHOD"] == "CANCEL"
    [event] = cal.walk("VEVENT")
    assert str(event["STATUS"]) == "CANCELLED" and int(event["SEQUENCE"]) == 1
    assert f"{BASE_URL}/projects/{project.id}/meetings/{meeting.id}" in parts(cancel)[0]


def test_a_kind_switched_off_sends_no_mail(world, smtp, client, login):
    login(world["client"])
    kinds = ("approved", "question", "answer", "action_item", "action_due")
    choices = {f"choice-{kind}": "immediate" for kind in kinds}
    choices |= {"choice-approval": "off", "choice-meeting": "immediate"}
    client.post("/mail/settings", data={"language": "da"} | choices)
    assert db.session.scalar(
        select(MailOptOut).where(
            MailOptOut.user_id == world["client"].id, MailOptOut.kind == "approval"
        )
    )
    save_version(world)
    assert [m["To"] for m in deliver(smtp)] == ["bill@vestbo.dk"]


def test_no_mail_carries_a_resident(app, ctx, smtp):
    """The canary test, for mail: the world's events (versions, approval, the kickoff and its
    question, the monthly meetings) and more (an answer, a move, a cancellation) send mail
    to every role, and none holds a resident's name, data or the canaries."""
    world = build_world()
    from app.meetings import kickoff, monthly

    side = world.sides["A"]
    project_id = side.ids["project_id"]
    question = db.session.get(KickoffQuestion, side.ids["question_id"])
    kickoff.answer(question, "Svar uden personer", world.coordinator)
    meeting = kickoff.kickoff_meeting(db.session.get(agreements.Project, project_id))
    kickoff.reschedule(
        meeting, meeting.starts_at + timedelta(days=1), 90, meeting.place, meeting.agenda
    )
    first = db.session.get(Meeting, side.ids["meeting_id"])
    first.participants.append(
        MeetingParticipant(name="x", side="client", email=side.users["client"].email)
    )
    monthly.set_cancelled(first, True)
    from app.clock import local_today
    from app.mail import digest

    assert digest.queue_daily(local_today()) == 1  # the coordinator's morning overview
    messages = deliver(smtp)
    assert db.session.scalar(select(OutboxMessage.id).where(OutboxMessage.status != "sent")) is None
    by_email = {
        u.email: name
        for name in ("client_a", "contractor_a", "client_b", "contractor_b")
        if (u := world.user(name))
    }
    by_email |= {world.coordinator.email: "coordinator", world.admin.email: "admin"}
    seen = set()
    for message in messages:
        text, html = parts(message)
        whole = f"{message['Subject']}\n{text}\n{html}\n{message.as_string()}".lower()
        for mark in (*CANARIES, SECRET_MARK, *NAME_MARKS):
            assert mark.lower() not in whole, (message["To"], subject(message), mark)
        identity = by_email.get(message["To"])
        if identity:
            seen.add(identity.split("_")[0])
            for token in world.forbidden(identity):
                assert token not in whole, (identity, subject(message), token)
    assert {"client", "contractor", "coordinator"} <= seen  # every side got mail


def test_the_morning_overview_counts_what_waits_for_the_coordinators(world, smtp, app, make):
    from app.meetings.models import ActionItem

    runner = app.test_cli_runner()
    assert "Overview for 0 coordinators" in runner.invoke(args=["mail", "daily"]).output
    assert smtp.messages == []  # nothing waits: no mail
    project = world["project"]
    db.session.add(
        ActionItem(
            project_id=project.id, text="Send lønsedler", owner="Erik", due_on=date(2020, 1, 1)
        )
    )
    db.session.add(
        KickoffQuestion(
            project_id=project.id, position=1, question="Hvem?", asked_by_id=world["contractor"].id
        )
    )
    make.user(Role.COORDINATOR, name="Fri Koordinator", email="fri@bygop.dk")
    db.session.add(
        MailOptOut(
            user_id=db.session.scalar(select(User.id).where(User.email == "fri@bygop.dk")),
            kind="digest",
        )
    )
    db.session.commit()
    result = runner.invoke(args=["mail", "daily"])
    assert "Overview for 1 coordinators; sent 1" in result.output, result.output
    [mail] = smtp.messages
    assert mail["To"] == "k@bygop.dk" and subject(mail) == "Byg Op: det venter på dig i dag"
    text, html = parts(mail)
    assert "Opgaver over deres frist: 1" in text and "uden svar: 1" in html
    assert f"{BASE_URL}/" in text


# --- choices: at once, daily summary, off ----------------------------------------------------


def choose(user, kind: str, choice: str) -> None:
    from app.mail.models import MailOptOut

    db.session.add(MailOptOut(user_id=user.id, kind=kind, choice=choice))
    db.session.commit()


def test_a_daily_choice_holds_the_mail_for_one_summary_in_the_morning(app, world, smtp):
    """A client who wants approvals daily gets none at once; `flask mail daily` sends one
    multipart summary in their language with the link, and a second run sends nothing."""
    choose(world["client"], "approval", "daily")
    choose(world["client_en"], "approval", "daily")
    version = save_version(world)
    save_version(world)  # a second version: two items in the one summary
    assert deliver(smtp) == []
    runner = app.test_cli_runner()
    result = runner.invoke(args=["mail", "daily"])
    assert "Daily summaries for 2 users" in result.output, result.output
    assert sorted(m["To"] for m in smtp.messages) == ["b@vestbo.dk", "bill@vestbo.dk"]
    danish = smtp.to("b@vestbo.dk")[0]
    english = smtp.to("bill@vestbo.dk")[0]
    assert subject(danish) == "Byg Op: din daglige oversigt (2)"
    assert subject(english) == "Byg Op: your daily summary (2)"
    text, html = parts(danish)
    project = world["project"]
    url = f"{BASE_URL}/projects/{project.id}/agreement/v{version.number}"
    assert "Hej Birgitte Bygherre" in text and "Siden sidste oversigt" in text
    assert url in text and f'href="{url}"' in html
    assert "Helhedsplan Gellerup" in text
    assert "Since the last summary" in parts(english)[0]
    smtp.clear()
    assert "Daily summaries for 0 users" in runner.invoke(args=["mail", "daily"]).output
    assert smtp.messages == []


def test_set_password_mails_ignore_the_choices(world, smtp, make):
    from app.mail import notify

    choose(world["client"], "approval", "daily")
    notify.set_password(world["client"])
    db.session.commit()
    assert [m["To"] for m in deliver(smtp)] == ["b@vestbo.dk"]


def test_two_daily_runs_at_once_send_each_summary_exactly_once(app, world, smtp):
    from app.mail import daily

    for person in ("client", "client_en"):
        choose(world[person], "approval", "daily")
    for _ in range(3):
        save_version(world)
    errors = []

    def run():
        try:
            with app.app_context():
                daily.send_held()
                db.session.remove()
        except Exception as error:  # pragma: no cover - reported below
            errors.append(error)

    import threading

    threads = [threading.Thread(target=run) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert not errors
    assert sorted(m["To"] for m in deliver(smtp)) == ["b@vestbo.dk", "bill@vestbo.dk"]
    assert all("(3)" in subject(m) for m in smtp.messages)


# --- action items ----------------------------------------------------------------------------


def test_an_assigned_action_item_mails_its_owner_in_the_project_only(
    world, smtp, client, login, make
):
    """The owner is free text: a user's name (folded) or their company's name, matched among
    the project's people only; a namesake elsewhere hears nothing."""
    project = world["project"]
    make.user(Role.CONTRACTOR, make.company("Andet Byg"), name="Erik Entreprenør", email="x@a.dk")
    sub = db.session.get(Organisation, world["sub_contractor"].organisation_id)
    make.user(Role.CONTRACTOR, sub, name="Jens Jysk", email="j@jysk.dk")
    meeting = make.meeting(project)
    login(world["coordinator"])
    url = f"/projects/{project.id}/meetings/{meeting.id}/actions"
    due = f"{NEXT_YEAR}-03-01"
    client.post(
        url,
        data={"text": "Send lønsedler", "owner": " erik  ENTREPRENØR ", "due_on": due},
        headers=HX,
    )
    [mail] = deliver(smtp)
    assert mail["To"] == "e@nordbyg.dk"
    assert subject(mail) == "Du har fået en opgave på Helhedsplan Gellerup"
    text, html = parts(mail)
    page = f"{BASE_URL}/projects/{project.id}/meetings/{meeting.id}"
    assert "Send lønsedler" in text and f"Frist: 01.03.{NEXT_YEAR}" in text
    assert page in text and f'href="{page}"' in html
    smtp.clear()
    client.post(url, data={"text": "Find en lærling", "owner": "jysk murer aps"}, headers=HX)
    assert sorted(m["To"] for m in deliver(smtp)) == ["j@jysk.dk", "s@jysk.dk"]
    smtp.clear()
    client.post(url, data={"text": "Ring til Østbo", "owner": "Ove Østbo"}, headers=HX)
    client.post(url, data={"text": "Ingen ejer"}, headers=HX)
    assert deliver(smtp) == []  # a client of another association; no owner
    client.post(url, data={"text": "Tjek listen", "owner": "Karen Koordinator"}, headers=HX)
    assert [m["To"] for m in deliver(smtp)] == ["k@bygop.dk"]


def test_an_action_item_due_today_mails_its_owner_once(app, world, smtp, make):
    from app.clock import local_today
    from app.mail import daily

    project = world["project"]
    world["contractor"].language = "en"
    db.session.commit()
    meeting = make.meeting(project)
    today = local_today()
    make.action_item(meeting, "Send lønsedler", "Erik Entreprenør", today)
    make.action_item(meeting, "Senere", "Erik Entreprenør", today + timedelta(days=1))
    done = make.action_item(meeting, "Klaret", "Erik Entreprenør", today)
    done.done_at = datetime.now(UTC)
    db.session.commit()
    smtp.clear()
    deliver(smtp)
    smtp.clear()
    runner = app.test_cli_runner()
    result = runner.invoke(args=["mail", "daily"])
    assert "Action items due today: 1." in result.output, result.output
    [mail] = smtp.messages
    assert mail["To"] == "e@nordbyg.dk"
    assert subject(mail) == "An action item on Helhedsplan Gellerup falls due today"
    text, html = parts(mail)
    assert "Send lønsedler" in text and "Senere" not in text and "<blockquote>" in html
    assert f"{BASE_URL}/projects/{project.id}/meetings/{meeting.id}" in text
    smtp.clear()
    assert "Action items due today: 0." in runner.invoke(args=["mail", "daily"]).output
    assert daily.action_items_due(today) == 0
    assert deliver(smtp) == []


def test_the_weekly_overview_goes_to_coordinators_once_with_counts_and_links(
    app, world, smtp, make
):
    runner = app.test_cli_runner()
    assert "Weekly overview for 0 coordinators" in runner.invoke(args=["mail", "weekly"]).output
    project = world["project"]
    db.session.add(
        KickoffQuestion(
            project_id=project.id, position=1, question="Hvem?", asked_by_id=world["contractor"].id
        )
    )
    english = make.user(Role.COORDINATOR, name="Eve English", email="eve@bygop.dk")
    english.language = "en"
    off = make.user(Role.COORDINATOR, name="Fri Koordinator", email="fri@bygop.dk")
    make.mail_opt_out(off, "weekly")
    db.session.commit()
    result = runner.invoke(args=["mail", "weekly"])
    assert "Weekly overview for 2 coordinators; sent 2" in result.output, result.output
    assert sorted(m["To"] for m in smtp.messages) == ["eve@bygop.dk", "k@bygop.dk"]
    danish = smtp.to("k@bygop.dk")[0]
    assert subject(danish) == "Byg Op: ugen der kommer"
    text, html = parts(danish)
    assert "Spørgsmål fra entreprenører uden svar: 1" in text
    assert "Ledige stillinger, der ikke er matchet: 0" in text
    assert f"{BASE_URL}/#inbox-questions" in text and f'href="{BASE_URL}/#inbox-retention"' in html
    assert "Karen" in text and "Erik" not in text and "Hvem?" not in text  # counts, no names
    assert subject(smtp.to("eve@bygop.dk")[0]) == "Byg Op: the week ahead"
