"""Openings: job and apprenticeship openings a contractor reports on a project."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Date, DateTime, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.enums import (  # noqa: F401  (re-exported beside the models)
    FUNCTION_LABELS,
    STATUS_LABELS,
    JobFunction,
    OpeningStatus,
)
from app.extensions import db, enum_type
from app.models import Organisation, Project, Rung, User, utcnow


class Opening(db.Model):
    """A job or education opening on a project, reported for one of the project's companies."""

    __tablename__ = "openings"

    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[int] = mapped_column(
        ForeignKey("projects.id", ondelete="CASCADE"), index=True
    )
    company_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"), index=True)
    function: Mapped[JobFunction] = mapped_column(enum_type(JobFunction, "function", length=30))
    trade: Mapped[str] = mapped_column(String(100), default="")
    expected_start: Mapped[date] = mapped_column(Date)
    rung: Mapped[Rung] = mapped_column(enum_type(Rung, "rung"))
    note: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[OpeningStatus] = mapped_column(
        enum_type(OpeningStatus, "status"), default=OpeningStatus.OPEN
    )
    reported_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), default=utcnow, onupdate=utcnow
    )

    project: Mapped[Project] = relationship()
    company: Mapped[Organisation] = relationship()
    reported_by: Mapped[User] = relationship()

    # The start page's openings section walks the open ones earliest first and stops at its
    # limit (app/core/dashboard.py), however many there are.
    __table_args__ = (Index("ix_openings_status_start", "status", "expected_start", "id"),)

    def __repr__(self) -> str:
        return f"<Opening {self.id} p{self.project_id} {self.function} {self.status}>"

    @property
    def function_enum(self) -> JobFunction:
        return JobFunction(self.function)

    @property
    def rung_enum(self) -> Rung:
        return Rung(self.rung)
