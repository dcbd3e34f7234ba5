"""The audit log: who did what to which candidate, when; never the data itself. Append-only.

Append-only is enforced in the ORM by guards that app/hooks.py registers when the app is
created: changing or deleting an `AuditEvent` (one object, or a bulk UPDATE/DELETE through the
session) raises `AuditLogIsAppendOnly`. The one sanctioned deletion is `delete_events_before()`,
the retention prune (`flask audit prune`): a single bulk DELETE that carries the `PRUNE_OPTION`
execution option. The guard protects against mistakes in our own
code; it is not a database permission (raw SQL on the engine passes it).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import DateTime, ForeignKey, Integer, String, delete
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.extensions import db
from app.models import User, utcnow

PRUNE_OPTION = "audit_retention_prune"


class AuditLogIsAppendOnly(RuntimeError):
    """Something tried to change or delete an audit event."""


class AuditEvent(db.Model):
    __tablename__ = "audit_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow, index=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)
    action: Mapped[str] = mapped_column(String(50), index=True)
    candidate_id: Mapped[int | None] = mapped_column(Integer, index=True)  # no FK: outlives erasure
    target: Mapped[str] = mapped_column(String(100), default="")  # e.g. "sensitive_notes"

    # Read-only: the log page loads the name with the event; nothing writes through it.
    user: Mapped[User | None] = relationship(viewonly=True)

    def __repr__(self) -> str:
        return f"<AuditEvent {self.id} {self.action} c{self.candidate_id}>"


def delete_events_before(cutoff: datetime) -> int:
    """Delete every event older than `cutoff` in one bulk DELETE; return how many went.

    The only deletion the guard lets through. The caller commits."""
    statement = (
        delete(AuditEvent)
        .where(AuditEvent.at < cutoff)
        .execution_options(synchronize_session=False, **{PRUNE_OPTION: True})
    )
    return db.session.execute(statement).rowcount
