"""Placements: one resident on one rung of the ladder, at one company on one project."""

from __future__ import annotations

from datetime import date, datetime
from typing import TYPE_CHECKING

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    Text,
    false,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.enums import (  # noqa: F401  (re-exported beside the models)
    OUTCOME_LABELS,
    SCHEME_LABELS,
    Outcome,
    TrainingScheme,
)
from app.extensions import db, enum_type
from app.models import Organisation, Project, Rung, User, utcnow

if TYPE_CHECKING:  # resolved by name: importing candidates here would be circular
    from app.candidates.models import Candidate


class Placement(db.Model):
    __tablename__ = "placements"

    id: Mapped[int] = mapped_column(primary_key=True)
    candidate_id: Mapped[int] = mapped_column(ForeignKey("candidates.id"), index=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id"))
    company_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"), index=True)
    opening_id: Mapped[int | None] = mapped_column(ForeignKey("openings.id"))
    previous_id: Mapped[int | None] = mapped_column(ForeignKey("placements.id"))
    rung: Mapped[Rung] = mapped_column(enum_type(Rung, "rung"))
    start_date: Mapped[date] = mapped_column(Date, index=True)
    planned_end: Mapped[date | None] = mapped_column(Date)
    # Indexed (below): the start page looks for the placements still running today, in the
    # order they have waited for a retention conversation.
    actual_end: Mapped[date | None] = mapped_column(Date)
    outcome: Mapped[Outcome | None] = mapped_column(enum_type(Outcome, "outcome"))
    outcome_reason: Mapped[str] = mapped_column(Text, default="")
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), default=utcnow, onupdate=utcnow
    )
    version: Mapped[int] = mapped_column(Integer, default=1)
    # The day of the candidate's latest retention conversation since this placement started,
    # or the start without one. Kept by app/placements/retention.py, so that the start page
    # finds the running placements that waited longest through an index, not by looking up
    # the conversations of every running placement.
    retention_since: Mapped[date] = mapped_column(Date)
    # A person in training: an apprenticeship always is; any other placement when the
    # coordinator marks it, naming the scheme (see app/placements/training.py).
    training: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    training_scheme: Mapped[TrainingScheme | None] = mapped_column(
        enum_type(TrainingScheme, "training_scheme")
    )
    # Agreed weekly hours; 37 is full time. The årsværk count days × hours / 7.
    hours_per_week: Mapped[int] = mapped_column(Integer, default=37, server_default="37")

    candidate: Mapped[Candidate] = relationship()
    project: Mapped[Project] = relationship()
    company: Mapped[Organisation] = relationship()
    created_by: Mapped[User | None] = relationship()

    __mapper_args__ = {"version_id_col": version}
    __table_args__ = (
        CheckConstraint("actual_end IS NULL OR actual_end >= start_date", name="end_in_order"),
        CheckConstraint(
            "planned_end IS NULL OR planned_end >= start_date", name="planned_end_in_order"
        ),
        CheckConstraint(
            "NOT training OR training_scheme IS NOT NULL", name="training_names_its_scheme"
        ),
        CheckConstraint("hours_per_week BETWEEN 1 AND 37", name="hours_per_week_in_range"),
        # The open-ended placements in the order they have waited: a walk that stops at the
        # start page's limit (partial, so that no index on actual_end can serve "IS NULL"
        # instead: SQLite's statistics cannot tell how many rows are NULL).
        Index(
            "ix_placements_open_retention",
            "retention_since",
            "id",
            sqlite_where=text("actual_end IS NULL"),
            postgresql_where=text("actual_end IS NULL"),
        ),
        # A project's placements in the order they start: the progress page walks a page of
        # them from the newest and counts them from the index alone (it also serves every
        # lookup by project, as the plain project_id index it replaced did).
        Index("ix_placements_project_start", "project_id", "start_date", "id"),
        # The placements with an end date, for "still running on a day" (an end to come).
        Index(
            "ix_placements_actual_end",
            "actual_end",
            sqlite_where=text("actual_end IS NOT NULL"),
            postgresql_where=text("actual_end IS NOT NULL"),
        ),
    )

    def __repr__(self) -> str:
        return f"<Placement {self.id} c{self.candidate_id} p{self.project_id} {self.rung}>"

    @property
    def rung_enum(self) -> Rung:
        return Rung(self.rung)

    @property
    def outcome_enum(self) -> Outcome | None:
        return Outcome(self.outcome) if self.outcome else None

    @property
    def counts_as_training(self) -> bool:
        return self.rung == Rung.APPRENTICESHIP or bool(self.training)

    def is_active(self, on: date) -> bool:
        return self.start_date <= on and (self.actual_end is None or self.actual_end >= on)
