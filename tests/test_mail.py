"""E-mail through a real SMTP server (aiosmtpd, in the test process): invitations and
set-password links, the forgotten password, the outbox's failures and concurrency, and the
admin's outbox page and each user's settings."""

from __future__ import annotations

import re
import threading
from datetime import UTC, timedelta

import pytest
from sqlalchemy import func, select, text, update
from sqlalchemy.exc import IntegrityError

from app.enums import MailKind, OutboxStatus
from app.extensions import db
from app.mail import outbox
from app.mail.models import OutboxMessage
from app.models import Role, User, utcnow
from tests.factories import PASSWORD
from tests.mailserver import BASE_URL, parts, serve, subject

LINK = re.compile(re.escape(BASE_URL) + r"/auth/set-password\?token=[\w.\-]+")


@pytest.fixture
def smtp(app):
    yield from serve(app)


@pytest.fixture
def admin(make, login):
    return login(make.user(Role.ADMIN, name="Anna Admin", email="anna@bygop.dk"))


def _link(message) -> str:
    text, html = parts(message)
    found = LINK.search(text)
    assert found, text
    assert found.group(0) in html.replace("&amp;", "&")
    return found.group(0).removeprefix(BASE_URL)


def _invite_by_admin(client, email="ny@vestbo.dk", name="Nina Ny", org=None):
    data = {"name": name, "email": email, "role": "client" if org else "coordinator"}
    if org:
        data["organisation_id"] = str(org.id)
    # buffered: the response is closed at once, which sends the mail (as a server does)
    return client.post("/admin/users/new", data=data, buffered=True)


def _aware(moment):
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _statuses() -> dict[str, int]:
    db.session.expire_all()
    rows = db.session.execute(
        select(OutboxMessage.status, func.count()).group_by(OutboxMessage.status)
    ).all()
    return {str(status): n for status, n in rows}


# --- invitations and set-password links -------------------------------------------------------


def test_an_admin_invites_a_user_who_sets_a_password_by_the_link_once(
    app, client, make, admin, smtp
):
    assoc = make.association("Vestbo")
    response = _invite_by_admin(client, org=assoc)
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert "ny@vestbo.dk" in page and 'class="secret"' not in page  # no password on screen
    [message] = smtp.to("ny@vestbo.dk")
    assert subject(message) == "Velkommen til Byg Op: vælg din adgangskode"
    assert message.get_content_type() == "multipart/alternative"
    text, html = parts(message)
    assert "Anna Admin" in text and "72 timer" in text and "<a href=" in html
    url = _link(message)

    form = client.get(url)
    assert form.status_code == 200 and "ny@vestbo.dk" in form.get_data(as_text=True)
    token = url.split("token=", 1)[1]
    weak = client.post("/auth/set-password", data={"token": token, "new_password": "kort"})
    assert weak.status_code == 422 and "field-error" in weak.get_data(as_text=True)
    done = client.post(
        "/auth/set-password",
        data={
            "token": token,
            "new_password": "en lang og god sætning",
            "repeat_password": "en lang og god sætning",
        },
    )
    assert done.status_code == 303 and done.headers["Location"].endswith("/auth/login")
    user = db.session.scalar(select(User).where(User.email == "ny@vestbo.dk"))
    db.session.refresh(user)
    assert user.check_password("en lang og god sætning")

    # The same link again: used, so it leads to asking for a new one.
    again = client.get(url)
    assert again.status_code == 303 and again.headers["Location"].endswith("/auth/forgot")
    client.post("/auth/logout")
    signed = client.post(
        "/auth/login", data={"email": "ny@vestbo.dk", "password": "en lang og god sætning"}
    )
    assert signed.status_code == 303


def test_without_a_mail_server_the_password_is_shown_and_the_mail_goes_to_the_console(
    app, client, make, admin, capsys
):
    response = _invite_by_admin(client, email="konsol@bygop.dk", name="Konni Konsol")
    page = response.get_data(as_text=True)
    assert 'class="secret"' in page
    password = re.search(r'class="secret"><code>([^<]+)</code>', page).group(1)
    user = db.session.scalar(select(User).where(User.email == "konsol@bygop.dk"))
    assert user.check_password(password)
    printed = capsys.readouterr().out
    assert "To: konsol@bygop.dk" in printed and "/auth/set-password?token=" in printed
    assert _statuses() == {"sent": 1}


def test_a_link_expires_after_72_hours(app, client, make, smtp, monkeypatch):
    import itsdangerous.timed

    user = make.user(Role.COORDINATOR, email="gammel@bygop.dk")
    real_time = itsdangerous.timed.time.time
    monkeypatch.setattr(itsdangerous.timed.time, "time", lambda: real_time() - 73 * 3600)
    from app.auth.tokens import make_token

    with app.test_request_context():
        old = make_token(user)
        monkeypatch.setattr(itsdangerous.timed.time, "time", lambda: real_time() - 71 * 3600)
        fresh = make_token(user)
    monkeypatch.setattr(itsdangerous.timed.time, "time", real_time)
    assert client.get(f"/auth/set-password?token={old}").status_code == 303
    assert client.get(f"/auth/set-password?token={fresh}").status_code == 200
    assert client.get("/auth/set-password?token=forged.token.here").status_code == 303


def test_setting_a_password_by_link_ends_the_other_sessions(app, client, make, login, smtp):
    user = make.user(Role.COORDINATOR, email="glemsom@bygop.dk")
    other = app.test_client()
    with other.session_transaction() as session:
        from app.auth.sessions import mark_signed_in

        session["_user_id"] = user.get_id()
        mark_signed_in(session)
    assert other.get("/").status_code == 200
    client.post("/auth/forgot", data={"email": "glemsom@bygop.dk"}, buffered=True)
    url = _link(smtp.to("glemsom@bygop.dk")[0])
    token = url.split("token=", 1)[1]
    new = "helt ny adgangskode her"
    client.post(
        "/auth/set-password", data={"token": token, "new_password": new, "repeat_password": new}
    )
    assert other.get("/").status_code == 302  # signed out: sent to sign in


def test_the_contractor_invitation_sends_the_link(app, client, make, coordinator, smtp):
    from app.models import Phase

    assoc = make.association()
    main = make.company("Nordbyg A/S")
    project = make.project(assoc, "Helhedsplan", Phase.AWARDED, main=main)
    response = client.post(
        f"/projects/{project.id}/invite",
        data={
            "invite-name": "Erik Entreprenør",
            "invite-email": "erik@nordbyg.dk",
            "invite-company_id": str(main.id),
        },
        buffered=True,
    )
    assert response.status_code == 200
    assert 'class="secret"' not in response.get_data(as_text=True)
    [message] = smtp.to("erik@nordbyg.dk")
    assert "Karen Koordinator" in parts(message)[0]
    form = client.get(_link(message))
    assert form.status_code == 200 and "erik@nordbyg.dk" in form.get_data(as_text=True)


def test_flask_users_create_without_a_password_mails_a_link_and_asks_nothing(
    app, runner, make, smtp
):
    result = runner.invoke(
        args=["users", "create", "--email", "cli@bygop.dk", "--role", "coordinator"], input=""
    )
    assert result.exit_code == 0, result.output
    assert "e-mailed" in result.output
    [message] = smtp.to("cli@bygop.dk")
    assert LINK.search(parts(message)[0])


# --- forgotten password -----------------------------------------------------------------------


def test_the_forgotten_password_answer_is_the_same_whether_or_not_the_account_exists(
    app, client, make, smtp
):
    make.user(Role.CONTRACTOR, email="findes@firma.dk", language="en")
    known = client.post("/auth/forgot", data={"email": "Findes@firma.dk"}, buffered=True)
    unknown = client.post("/auth/forgot", data={"email": "findes-ikke@firma.dk"}, buffered=True)
    assert known.status_code == unknown.status_code == 200
    assert known.get_data() == unknown.get_data()
    [message] = smtp.messages
    assert message["To"] == "findes@firma.dk"
    assert subject(message) == "Byg Op: set a new password"  # the user chose English
    assert LINK.search(parts(message)[0])
    login_page = client.get("/auth/login").get_data(as_text=True)
    assert "/auth/forgot" in login_page


def test_forgotten_password_requests_are_rate_limited_apart_from_sign_in(app, client, make, smtp):
    make.user(Role.COORDINATOR, email="mange@bygop.dk")
    answers = [
        client.post("/auth/forgot", data={"email": "mange@bygop.dk"}, buffered=True).status_code
        for _ in range(app.config["LOGIN_MAX_FAILURES"] + 1)
    ]
    assert answers[:-1] == [200] * app.config["LOGIN_MAX_FAILURES"] and answers[-1] == 429
    assert len(smtp.to("mange@bygop.dk")) == app.config["LOGIN_MAX_FAILURES"]
    signed = client.post("/auth/login", data={"email": "mange@bygop.dk", "password": PASSWORD})
    assert signed.status_code == 303  # asking for links locked nobody out


# --- the outbox -------------------------------------------------------------------------------


def test_no_mail_is_lost_while_the_server_is_down_and_none_is_sent_twice(
    app, client, make, admin, smtp
):
    smtp.stop()
    for n in range(3):
        response = _invite_by_admin(client, email=f"vent{n}@bygop.dk", name=f"Vent {n}")
        assert response.status_code == 200  # the page does not wait for, or fail with, the server
    assert _statuses() == {"pending": 3}
    rows = db.session.scalars(select(OutboxMessage)).all()
    assert all(r.attempts == 1 and r.last_error for r in rows)
    assert all(_aware(r.next_attempt_at) > utcnow() for r in rows)  # backing off

    page = client.get("/mail/outbox").get_data(as_text=True)
    assert page.count('data-status="pending"') == 3 and "ConnectionRefusedError" in page

    smtp.start()
    runner = app.test_cli_runner()
    assert "Sent 0" in runner.invoke(args=["mail", "send"]).output  # not due yet: backoff
    db.session.execute(update(OutboxMessage).values(next_attempt_at=utcnow()))
    db.session.commit()
    assert "Sent 3" in runner.invoke(args=["mail", "send"]).output
    assert "Sent 0" in runner.invoke(args=["mail", "send"]).output
    assert sorted(m["To"] for m in smtp.messages) == [f"vent{n}@bygop.dk" for n in range(3)]
    assert _statuses() == {"sent": 3}
    sent = db.session.scalars(select(OutboxMessage)).all()
    assert all(r.text_body == "" and r.html_body == "" for r in sent)  # no copy kept


def test_a_mail_that_keeps_failing_ends_as_failed_and_can_be_sent_again(
    app, client, make, admin, smtp
):
    smtp.stop()
    app.config["MAIL_MAX_ATTEMPTS"] = 3
    try:
        _invite_by_admin(client, email="fejl@bygop.dk", name="Fejl")
        for _ in range(2):
            db.session.execute(update(OutboxMessage).values(next_attempt_at=utcnow()))
            db.session.commit()
            with app.app_context():
                outbox.send_due()
    finally:
        app.config["MAIL_MAX_ATTEMPTS"] = 10
    message = db.session.scalar(select(OutboxMessage))
    db.session.refresh(message)
    assert message.status == OutboxStatus.FAILED and message.attempts == 3
    assert [outbox.backoff(n).total_seconds() / 60 for n in (1, 2, 3, 4)] == [1, 2, 4, 8]
    assert outbox.backoff(20) == timedelta(minutes=app.config["MAIL_MAX_BACKOFF_MINUTES"])

    smtp.start()
    page = client.get("/mail/outbox?status=failed").get_data(as_text=True)
    assert "fejl@bygop.dk" in page and "Send igen" in page
    retried = client.post(f"/mail/outbox/{message.id}/retry", buffered=True)
    assert retried.status_code == 303
    assert [m["To"] for m in smtp.messages] == ["fejl@bygop.dk"]
    assert _statuses() == {"sent": 1}


def _queue_many(app, count: int) -> None:
    from app.mail.outbox import Mailable, queue

    with app.app_context():
        for n in range(count):
            queue(
                Mailable(
                    kind=MailKind.APPROVAL,
                    recipient=f"modtager{n}@bygop.dk",
                    subject=f"Besked {n}",
                    text=f"Tekst {n}",
                    html=f"<p>Tekst {n}</p>",
                )
            )
        db.session.commit()


def test_two_senders_at_once_deliver_each_mail_exactly_once(app, ctx, smtp):
    _queue_many(app, 40)
    errors = []

    def sender():
        try:
            with app.app_context():
                while outbox.send_due(limit=3) != (0, 0):
                    pass
        except Exception as error:  # pragma: no cover - reported below
            errors.append(error)

    threads = [threading.Thread(target=sender) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert not errors
    received = sorted(m["To"] for m in smtp.messages)
    assert received == sorted(f"modtager{n}@bygop.dk" for n in range(40))
    assert _statuses() == {"sent": 40}


def test_a_claim_is_exclusive(app, ctx, smtp):
    _queue_many(app, 4)
    from sqlalchemy.orm import Session

    with Session(db.engine) as first, Session(db.engine) as second:
        _token, mine = outbox.claim(first, limit=10)
        _token, theirs = outbox.claim(second, limit=10)
    assert len(mine) == 4 and theirs == []


# --- the pages --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("role", "status"),
    [(Role.ADMIN, 200), (Role.COORDINATOR, 403), (Role.CLIENT, 403), (Role.CONTRACTOR, 403)],
)
def test_only_admins_see_the_outbox(client, make, login, role, status):
    login(make.user(role))
    assert client.get("/mail/outbox").status_code == status
    assert client.post("/mail/outbox/1/retry").status_code in (
        status,
        404 if status == 200 else status,
    )


def test_anonymous_is_sent_to_sign_in_for_the_mail_pages(client, ctx):
    for url in ("/mail/outbox", "/mail/settings"):
        response = client.get(url)
        assert response.status_code == 302 and "/auth/login" in response.headers["Location"]


@pytest.mark.parametrize("role", list(Role))
def test_every_user_chooses_their_mails_and_language(client, make, login, role):
    """Every role has the page, for its own account: per kind at once, daily or off."""
    from app.mail.models import MailOptOut

    user = login(make.user(role))
    page = client.get("/mail/settings")
    kinds = ["approval", "approved", "question", "answer", "meeting", "action_item", "action_due"]
    if role == Role.COORDINATOR:  # the morning and weekly overviews are the coordinators'
        kinds += ["digest", "weekly"]
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and html.count('type="radio"') == 3 * 7 + 2 * (len(kinds) - 7)
    assert "Med det samme" in html and "I en daglig oversigt" in html
    form = {f"choice-{kind}": "immediate" for kind in kinds}
    bad = client.post("/mail/settings", data=form | {"language": "xx"})
    assert bad.status_code == 422 and 'id="language-error"' in bad.get_data(as_text=True)
    bad = client.post("/mail/settings", data=form | {"language": "da", "choice-approval": "x"})
    assert bad.status_code == 422 and 'id="choice-approval-error"' in bad.get_data(as_text=True)
    if role == Role.COORDINATOR:  # the overview is daily by nature: on or off
        daily = {"language": "da", "choice-digest": "daily"}
        bad = client.post("/mail/settings", data=form | daily)
        assert bad.status_code == 422
    form |= {"choice-approval": "daily", "choice-question": "off", "choice-answer": "off"}
    saved = client.post("/mail/settings", data=form | {"language": "en"})
    assert saved.status_code == 303
    db.session.refresh(user)
    assert user.language == "en"
    rows = db.session.execute(
        select(MailOptOut.kind, MailOptOut.choice).where(MailOptOut.user_id == user.id)
    ).all()
    assert dict(rows) == {"approval": "daily", "question": "off", "answer": "off"}
    html = client.get("/mail/settings").get_data(as_text=True)
    assert 'name="choice-approval" value="daily" checked' in html
    assert 'name="choice-meeting" value="immediate" checked' in html


def test_the_mail_choices_migration_goes_down_and_up(app, ctx, make):
    """On the session's database (SQLite or PostgreSQL): down, a "daily" choice is dropped
    and an "off" one kept (the old table knew only off); up again, the new columns are back."""
    from flask_migrate import downgrade, upgrade
    from sqlalchemy import inspect

    from app.mail.models import MailOptOut

    user = make.user(Role.CLIENT)
    db.session.add_all(
        [
            MailOptOut(user_id=user.id, kind="approval", choice="daily"),
            MailOptOut(user_id=user.id, kind="meeting", choice="off"),
        ]
    )
    db.session.commit()
    db.session.remove()
    db.engine.dispose()

    def columns(table: str) -> set[str]:
        return {c["name"] for c in inspect(db.engine).get_columns(table)}

    downgrade(revision="d4e7a1c9b2f3")
    db.engine.dispose()
    assert "choice" not in columns("mail_opt_outs")
    assert "due_notified_at" not in columns("action_items")
    assert "mail_digest_items" not in inspect(db.engine).get_table_names()
    kept = db.session.execute(text("SELECT kind FROM mail_opt_outs")).scalars().all()
    assert kept == ["meeting"]
    db.session.remove()
    db.engine.dispose()
    upgrade()
    db.engine.dispose()
    assert "choice" in columns("mail_opt_outs") and "due_notified_at" in columns("action_items")
    assert "mail_digest_items" in inspect(db.engine).get_table_names()
    assert db.session.execute(text("SELECT choice FROM mail_opt_outs")).scalars().all() == ["off"]
    with pytest.raises(IntegrityError):
        db.session.execute(text("UPDATE mail_opt_outs SET choice = 'weekly'"))
    db.session.rollback()
