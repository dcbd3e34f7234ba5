"""The outbox and its sender.

`queue()` adds a mail to the outbox in the caller's transaction: it exists if and only if the
event that causes it was committed. After a request that queued mail has been answered, the
mail is sent (`response.call_on_close`, so no one waits for the mail server, and the answer's
timing does not tell whether a mail went out); whatever is left — the server was down, the
process died — is sent by `flask mail send`, run from cron every minute.

No mail is sent twice, even by two senders at once: a sender first *claims* rows, then sends
them. On PostgreSQL the claim reads the rows with `FOR UPDATE SKIP LOCKED`, so two senders never
pick the same row; on SQLite, the single writer, each row is claimed by
`UPDATE ... WHERE status = 'pending'` and counts only if that changed exactly one row. A failed
delivery goes back to pending with exponential backoff (1, 2, 4 ... minutes), and after
MAIL_MAX_ATTEMPTS it stays as failed, with its last error, on the admin's outbox page.

A claim older than STALE_CLAIM belongs to a sender that died between claiming and finishing; the
row is then pending again (it may have gone out: at least once beats never).
"""

from __future__ import annotations

import logging
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import Flask, current_app, g, has_request_context
from flask_mailman import EmailMultiAlternatives, Mail
from sqlalchemy import or_, select, update
from sqlalchemy.orm import Session

from app.enums import MailKind, OutboxStatus
from app.extensions import db
from app.mail.models import OutboxMessage
from app.models import utcnow

log = logging.getLogger("app.mail")
mail = Mail()

STALE_CLAIM = timedelta(minutes=15)
BATCH = 50
# Sent mails are kept (without their content) this long for the admin's page, then deleted.
KEEP_SENT = timedelta(days=30)


@dataclass
class Mailable:
    """A composed mail for one recipient (app/mail/compose.py makes these)."""

    kind: MailKind
    recipient: str
    subject: str
    text: str
    html: str
    user_id: int | None = None
    calendar: str | None = None
    calendar_method: str | None = None


def init_app(app: Flask) -> None:
    """Set up Flask-Mailman: SMTP when MAIL_SERVER is set, the console log otherwise."""
    configure(app)

    @app.after_request
    def _send_after_the_answer(response):
        if g.pop("mail_queued", False):
            response.call_on_close(lambda: send_now(app))
        return response


def configure(app: Flask) -> None:
    """(Re)read the mail settings (the tests point them at their own SMTP server)."""
    app.config["MAIL_BACKEND"] = "smtp" if app.config.get("MAIL_SERVER") else "console"
    mail.init_app(app)


def mail_server_configured() -> bool:
    return bool(current_app.config.get("MAIL_SERVER"))


def queue(mailable: Mailable, session=None) -> OutboxMessage:
    """Add the mail to the outbox in the current transaction (the caller commits)."""
    message = OutboxMessage(
        kind=mailable.kind,
        user_id=mailable.user_id,
        recipient=mailable.recipient,
        subject=mailable.subject,
        text_body=mailable.text,
        html_body=mailable.html,
        calendar=mailable.calendar,
        calendar_method=mailable.calendar_method,
        status=OutboxStatus.PENDING,
        attempts=0,
        next_attempt_at=utcnow(),
    )
    (session or db.session).add(message)
    queued()
    return message


def queued() -> None:
    """Have the outbox sent once the current request is answered."""
    if has_request_context():
        g.mail_queued = True


def backoff(attempts: int) -> timedelta:
    """The wait after the `attempts`-th failure: 1, 2, 4, 8 ... minutes, up to the maximum."""
    most = current_app.config["MAIL_MAX_BACKOFF_MINUTES"]
    return timedelta(minutes=min(2 ** max(attempts - 1, 0), most))


def _due(now: datetime):
    """Rows a sender may take: pending and due, or claimed by a sender that died."""
    t = OutboxMessage
    return or_(
        (t.status == OutboxStatus.PENDING) & (t.next_attempt_at <= now),
        (t.status == OutboxStatus.SENDING) & (t.claimed_at < now - STALE_CLAIM),
    )


def claim(session: Session, limit: int = BATCH) -> tuple[str, list[int]]:
    """Claim up to `limit` due rows for this sender; return its token and the ids, committed."""
    token, now = secrets.token_hex(16), utcnow()
    t = OutboxMessage
    due = select(t.id).where(_due(now)).order_by(t.id).limit(limit)
    if session.get_bind().dialect.name == "postgresql":
        ids = list(session.scalars(due.with_for_update(skip_locked=True)))
        if ids:
            session.execute(
                update(t)
                .where(t.id.in_(ids))
                .values(status=OutboxStatus.SENDING, claimed_by=token, claimed_at=now)
            )
    else:
        ids = []
        candidates = session.scalars(due).all()
        session.commit()
        for row_id in candidates:
            # The single writer: this UPDATE sees the row as it is now, and changes it only if
            # no other sender claimed it since the read above.
            changed = session.execute(
                update(t)
                .where(t.id == row_id, _due(now))
                .values(status=OutboxStatus.SENDING, claimed_by=token, claimed_at=now)
            ).rowcount
            if changed == 1:
                ids.append(row_id)
            session.commit()  # one short write at a time: never hold SQLite's lock long
    session.commit()
    return token, ids


def _email(message: OutboxMessage, connection) -> EmailMultiAlternatives:
    email = EmailMultiAlternatives(
        subject=message.subject,
        body=message.text_body,
        from_email=current_app.config["MAIL_DEFAULT_SENDER"],
        to=[message.recipient],
        connection=connection,
    )
    email.attach_alternative(message.html_body, "text/html")
    if message.calendar:
        method = message.calendar_method or "REQUEST"
        email.attach(
            "invitation.ics", message.calendar, f"text/calendar; method={method}; charset=utf-8"
        )
    return email


def _finish(session: Session, token: str, message: OutboxMessage, error: str | None) -> None:
    """Record the attempt in one UPDATE, only if this sender still holds the claim."""
    t = OutboxMessage
    attempts = message.attempts + 1
    values: dict = {"attempts": attempts, "claimed_by": None, "claimed_at": None}
    if error is None:
        values |= {"status": OutboxStatus.SENT, "sent_at": utcnow(), "last_error": ""}
        values |= {"text_body": "", "html_body": "", "calendar": None}
    elif attempts >= current_app.config["MAIL_MAX_ATTEMPTS"]:
        values |= {"status": OutboxStatus.FAILED, "last_error": error[:2000]}
    else:
        values |= {"status": OutboxStatus.PENDING, "last_error": error[:2000]}
        values["next_attempt_at"] = utcnow() + backoff(attempts)
    session.execute(update(t).where(t.id == message.id, t.claimed_by == token).values(**values))
    session.commit()


def send_due(limit: int = BATCH) -> tuple[int, int]:
    """Claim and send what is due; return (sent, failed). Its own session, always closed."""
    sent = failed = 0
    with Session(db.engine, expire_on_commit=False) as session:
        token, ids = claim(session, limit)
        if not ids:
            return 0, 0
        messages = session.scalars(
            select(OutboxMessage).where(OutboxMessage.id.in_(ids)).order_by(OutboxMessage.id)
        ).all()
        session.commit()  # end the read before the writes below
        connection = mail.get_connection()
        try:
            connection.open()
        except Exception as error:  # the server is down: every claimed mail waits and retries
            log.warning("Mail server unreachable: %s", error)
            for message in messages:
                _finish(session, token, message, f"{type(error).__name__}: {error}")
            return 0, len(messages)
        try:
            for message in messages:
                try:
                    _email(message, connection).send()
                except Exception as error:
                    log.warning("Mail %s to user %s failed: %s", message.id, message.user_id, error)
                    _finish(session, token, message, f"{type(error).__name__}: {error}")
                    failed += 1
                else:
                    _finish(session, token, message, None)
                    sent += 1
        finally:
            try:
                connection.close()
            except Exception:  # a server that went away mid-batch
                log.warning("Mail connection did not close cleanly", exc_info=True)
    return sent, failed


def send_now(app: Flask) -> None:
    """Send after a request (called when its response is closed): never raises."""
    try:
        with app.app_context():
            send_due()
    except Exception:
        log.exception("Sending mail after the request failed; `flask mail send` will retry")


def prune_sent() -> int:
    """Delete sent mails older than KEEP_SENT; return how many."""
    from sqlalchemy import delete

    t = OutboxMessage
    result = db.session.execute(
        delete(t).where(t.status == OutboxStatus.SENT, t.sent_at < utcnow() - KEEP_SENT)
    )
    db.session.commit()
    return result.rowcount


def retry(message: OutboxMessage) -> None:
    """Give a failed mail another round of attempts, from now."""
    message.status = OutboxStatus.PENDING
    message.attempts = 0
    message.next_attempt_at = utcnow()
    message.claimed_by = message.claimed_at = None
