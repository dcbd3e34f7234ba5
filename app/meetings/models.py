"""Meetings (the kickoff and, later, the monthly follow-ups) and the kickoff's questions."""

from __future__ import annotations

import enum
import uuid
from datetime import datetime

from sqlalchemy import Boolean, DateTime, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.extensions import db
from app.i18n import N_
from app.models import Organisation, Project, User, utcnow


class MeetingKind(enum.StrEnum):
    KICKOFF = "kickoff"  # opstartsmøde
    MONTHLY = "monthly"  # månedligt opfølgningsmøde


def new_uid() -> str:
    return f"{uuid.uuid4()}@bygop"


class Meeting(db.Model):
    """A meeting on a project. `uid` and `sequence` make calendar updates replace the old entry."""

    __tablename__ = "meetings"

    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[int] = mapped_column(
        ForeignKey("projects.id", ondelete="CASCADE"), index=True
    )
    kind: Mapped[str] = mapped_column(String(20))
    starts_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)
    duration_minutes: Mapped[int] = mapped_column(Integer, default=90)
    place: Mapped[str] = mapped_column(String(300), default="")
    agenda: Mapped[str] = mapped_column(Text, default="")
    minutes: Mapped[str] = mapped_column(Text, default="")
    decisions: Mapped[str] = mapped_column(Text, default="")
    cancelled: Mapped[bool] = mapped_column(Boolean, default=False)
    uid: Mapped[str] = mapped_column(String(100), unique=True, default=new_uid)
    sequence: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), default=utcnow, onupdate=utcnow
    )
    version: Mapped[int] = mapped_column(Integer, default=1)

    project: Mapped[Project] = relationship()
    participants: Mapped[list[MeetingParticipant]] = relationship(
        back_populates="meeting", cascade="all, delete-orphan", order_by="MeetingParticipant.id"
    )

    __mapper_args__ = {"version_id_col": version}

    def __repr__(self) -> str:
        return f"<Meeting {self.id} {self.kind} p{self.project_id} {self.starts_at}>"


PARTICIPANT_SIDES = {
    "client": N_("Client"),
    "contractor": N_("Contractor"),
    "coordinator": N_("Coordinating unit"),
    "other": N_("Other"),
}


class MeetingParticipant(db.Model):
    __tablename__ = "meeting_participants"

    id: Mapped[int] = mapped_column(primary_key=True)
    meeting_id: Mapped[int] = mapped_column(
        ForeignKey("meetings.id", ondelete="CASCADE"), index=True
    )
    name: Mapped[str] = mapped_column(String(200))
    side: Mapped[str] = mapped_column(String(20))
    organisation_id: Mapped[int | None] = mapped_column(ForeignKey("organisations.id"))
    email: Mapped[str] = mapped_column(String(254), default="")
    attended: Mapped[bool | None] = mapped_column(Boolean)

    meeting: Mapped[Meeting] = relationship(back_populates="participants")
    organisation: Mapped[Organisation | None] = relationship()

    def __repr__(self) -> str:
        return f"<MeetingParticipant {self.id} {self.name!r}>"


class KickoffQuestion(db.Model):
    """A question for the kickoff: a standard one from the library or one a contractor asked."""

    __tablename__ = "kickoff_questions"

    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[int] = mapped_column(
        ForeignKey("projects.id", ondelete="CASCADE"), index=True
    )
    position: Mapped[int] = mapped_column(Integer)
    template_key: Mapped[str | None] = mapped_column(String(50))  # set for standard questions
    question: Mapped[str] = mapped_column(Text)
    answer: Mapped[str] = mapped_column(Text, default="")
    asked_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    asked_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    answered_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    answered_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    discussed: Mapped[bool] = mapped_column(Boolean, default=False)

    asked_by: Mapped[User | None] = relationship(foreign_keys=[asked_by_id])
    answered_by: Mapped[User | None] = relationship(foreign_keys=[answered_by_id])

    def __repr__(self) -> str:
        return f"<KickoffQuestion {self.id} p{self.project_id} #{self.position}>"

    @property
    def is_standard(self) -> bool:
        return self.template_key is not None
