"""The outbox: every e-mail is a row here, written in the transaction of the event that causes
it, and sent after the commit (app/mail/outbox.py). And the kinds of mail a user switched off."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import DateTime, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.enums import MailChoice, MailKind, OutboxStatus
from app.extensions import db, enum_type
from app.models import User, utcnow


class OutboxMessage(db.Model):
    """One e-mail to one recipient. Once sent, its bodies and attachment are cleared (the
    outbox keeps no copy of what a mail said, only that it went, and when)."""

    __tablename__ = "mail_outbox"

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[MailKind] = mapped_column(enum_type(MailKind, "kind", length=30))
    user_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), index=True
    )
    recipient: Mapped[str] = mapped_column(String(254))
    subject: Mapped[str] = mapped_column(String(300))
    text_body: Mapped[str] = mapped_column(Text, default="")
    html_body: Mapped[str] = mapped_column(Text, default="")
    # A calendar invitation: the .ics text and its METHOD (REQUEST or CANCEL).
    calendar: Mapped[str | None] = mapped_column(Text)
    calendar_method: Mapped[str | None] = mapped_column(String(10))
    status: Mapped[OutboxStatus] = mapped_column(
        enum_type(OutboxStatus, "status"), default=OutboxStatus.PENDING
    )
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    # The sender that claimed the row (a random token), and when: a claim older than
    # outbox.STALE_CLAIM belongs to a sender that died, and the row is pending again.
    claimed_by: Mapped[str | None] = mapped_column(String(40))
    claimed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    last_error: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    sent_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    user: Mapped[User | None] = relationship()

    __table_args__ = (Index("ix_mail_outbox_status_next_attempt_at", "status", "next_attempt_at"),)

    def __repr__(self) -> str:
        return f"<OutboxMessage {self.id} {self.kind} {self.status} tries={self.attempts}>"


class MailOptOut(db.Model):
    """A user's choice for one kind of notification other than "at once" (the default, no
    row): "daily" (kept as MailDigestItem rows for the morning summary) or "off"."""

    __tablename__ = "mail_opt_outs"

    user_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    kind: Mapped[MailKind] = mapped_column(enum_type(MailKind, "kind", length=30), primary_key=True)
    choice: Mapped[MailChoice] = mapped_column(
        enum_type(MailChoice, "choice", length=10), default=MailChoice.OFF
    )

    def __repr__(self) -> str:
        return f"<MailOptOut u{self.user_id} {self.kind} {self.choice}>"


class MailDigestItem(db.Model):
    """A notification held for a user's daily summary: what it was about (the subject, in
    the user's language) and the link. `flask mail daily` bundles and deletes them."""

    __tablename__ = "mail_digest_items"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    kind: Mapped[MailKind] = mapped_column(enum_type(MailKind, "kind", length=30))
    subject: Mapped[str] = mapped_column(String(300))
    url: Mapped[str] = mapped_column(String(500), default="")
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    def __repr__(self) -> str:
        return f"<MailDigestItem {self.id} u{self.user_id} {self.kind}>"
