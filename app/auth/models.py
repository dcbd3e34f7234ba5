"""Failed sign-ins, counted in the database so every worker and instance shares the limits."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import DateTime, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from app.extensions import db


class LoginFailure(db.Model):
    """Recent failed sign-ins for one key: a keyed hash of an email address or a client IP.

    The key is an HMAC, never the address itself, so the table holds nothing identifying."""

    __tablename__ = "login_failures"

    key: Mapped[str] = mapped_column(String(80), primary_key=True)
    failures: Mapped[int] = mapped_column(Integer, default=0)
    first_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    locked_until: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    def __repr__(self) -> str:
        return f"<LoginFailure {self.key[:14]} {self.failures} locked_until={self.locked_until}>"
