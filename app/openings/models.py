"""Openings: job and apprenticeship openings a contractor reports on a project."""

from __future__ import annotations

import enum
from datetime import date, datetime

from sqlalchemy import Date, DateTime, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.extensions import db
from app.i18n import N_
from app.models import Organisation, Project, Rung, User, utcnow


class JobFunction(enum.StrEnum):
    """Common first jobs on a site; pladsmand is the usual way in."""

    SITE_LABOURER = "site_labourer"  # pladsmand
    CARPENTER_HELPER = "carpenter_helper"
    BRICKLAYER_HELPER = "bricklayer_helper"
    PAINTER = "painter"
    ELECTRICIAN = "electrician"
    PLUMBER = "plumber"
    SCAFFOLDER = "scaffolder"
    CONCRETE = "concrete"
    MACHINE_OPERATOR = "machine_operator"
    LANDSCAPER = "landscaper"
    CLEANER = "cleaner"
    OFFICE = "office"
    OTHER = "other"

    @property
    def label(self) -> str:
        return FUNCTION_LABELS[self]


FUNCTION_LABELS = {
    JobFunction.SITE_LABOURER: N_("Site labourer (pladsmand)"),
    JobFunction.CARPENTER_HELPER: N_("Carpenter's helper"),
    JobFunction.BRICKLAYER_HELPER: N_("Bricklayer's helper"),
    JobFunction.PAINTER: N_("Painter"),
    JobFunction.ELECTRICIAN: N_("Electrician"),
    JobFunction.PLUMBER: N_("Plumber"),
    JobFunction.SCAFFOLDER: N_("Scaffolder"),
    JobFunction.CONCRETE: N_("Concrete worker"),
    JobFunction.MACHINE_OPERATOR: N_("Machine operator"),
    JobFunction.LANDSCAPER: N_("Landscaper"),
    JobFunction.CLEANER: N_("Construction cleaner"),
    JobFunction.OFFICE: N_("Site office"),
    JobFunction.OTHER: N_("Other"),
}


class OpeningStatus(enum.StrEnum):
    OPEN = "open"
    MATCHED = "matched"
    WITHDRAWN = "withdrawn"

    @property
    def label(self) -> str:
        return STATUS_LABELS[self]


STATUS_LABELS = {
    OpeningStatus.OPEN: N_("Open"),
    OpeningStatus.MATCHED: N_("Matched"),
    OpeningStatus.WITHDRAWN: N_("Withdrawn"),
}


class Opening(db.Model):
    """A job or education opening on a project, reported for one of the project's companies."""

    __tablename__ = "openings"

    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[int] = mapped_column(
        ForeignKey("projects.id", ondelete="CASCADE"), index=True
    )
    company_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"), index=True)
    function: Mapped[str] = mapped_column(String(30))
    trade: Mapped[str] = mapped_column(String(100), default="")
    expected_start: Mapped[date] = mapped_column(Date)
    rung: Mapped[str] = mapped_column(String(20))
    note: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[str] = mapped_column(String(20), default=OpeningStatus.OPEN, index=True)
    reported_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), default=utcnow, onupdate=utcnow
    )

    project: Mapped[Project] = relationship()
    company: Mapped[Organisation] = relationship()
    reported_by: Mapped[User] = relationship()

    def __repr__(self) -> str:
        return f"<Opening {self.id} p{self.project_id} {self.function} {self.status}>"

    @property
    def function_enum(self) -> JobFunction:
        return JobFunction(self.function)

    @property
    def rung_enum(self) -> Rung:
        return Rung(self.rung)
