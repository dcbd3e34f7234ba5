"""The audit log: who did what to which candidate, when; never the data itself. Append-only."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import DateTime, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from app.extensions import db
from app.models import utcnow


class AuditEvent(db.Model):
    __tablename__ = "audit_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow, index=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)
    action: Mapped[str] = mapped_column(String(50), index=True)
    candidate_id: Mapped[int | None] = mapped_column(Integer, index=True)  # no FK: outlives erasure
    target: Mapped[str] = mapped_column(String(100), default="")  # e.g. "sensitive_notes"

    def __repr__(self) -> str:
        return f"<AuditEvent {self.id} {self.action} c{self.candidate_id}>"
