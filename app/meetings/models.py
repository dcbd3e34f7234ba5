"""Meetings (the kickoff and, later, the monthly follow-ups) and the kickoff's questions."""

from __future__ import annotations

import uuid
from datetime import date, datetime

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy import text as sql_text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.enums import MeetingKind  # noqa: F401  (re-exported beside the models)
from app.extensions import db, enum_type
from app.i18n import N_
from app.models import Organisation, Project, User, utcnow


def new_uid() -> str:
    return f"{uuid.uuid4()}@bygop"


class MeetingSeries(db.Model):
    """The monthly follow-up meetings of a project: e.g. the first Tuesday of every month at
    8.30. Its meetings are rows of their own, so one can be moved or cancelled."""

    __tablename__ = "meeting_series"

    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[int] = mapped_column(
        ForeignKey("projects.id", ondelete="CASCADE"), unique=True
    )
    weekday: Mapped[int] = mapped_column(Integer)  # 0 = Monday
    week_of_month: Mapped[int] = mapped_column(Integer)  # 1-4, or 5 for the last one
    start_time: Mapped[str] = mapped_column(String(5))  # "08:30", Copenhagen time
    duration_minutes: Mapped[int] = mapped_column(Integer, default=60)
    place: Mapped[str] = mapped_column(String(300), default="")
    first_date: Mapped[date] = mapped_column(Date)
    last_date: Mapped[date] = mapped_column(Date)
    uid: Mapped[str] = mapped_column(String(100), unique=True, default=new_uid)
    sequence: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    project: Mapped[Project] = relationship()

    __table_args__ = (
        CheckConstraint("last_date >= first_date", name="dates_in_order"),
        CheckConstraint("duration_minutes > 0", name="positive_duration"),
    )

    def __repr__(self) -> str:
        return f"<MeetingSeries {self.id} p{self.project_id}>"


class Meeting(db.Model):
    """A meeting on a project. `uid` and `sequence` make calendar updates replace the old entry."""

    __tablename__ = "meetings"

    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[int] = mapped_column(
        ForeignKey("projects.id", ondelete="CASCADE"), index=True
    )
    kind: Mapped[MeetingKind] = mapped_column(enum_type(MeetingKind, "kind"))
    series_id: Mapped[int | None] = mapped_column(
        ForeignKey("meeting_series.id", ondelete="SET NULL"), index=True
    )
    # The start the series gave this meeting; its RECURRENCE-ID when it has been moved.
    original_start: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
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
    # Set when the coordinator marks the minutes final: from then on the Word files are the
    # ones stored in `minutes_files`, byte for byte, until a coordinator reopens the minutes.
    minutes_final_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    minutes_final_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    project: Mapped[Project] = relationship()
    minutes_final_by: Mapped[User | None] = relationship()
    minutes_files: Mapped[list[MinutesFile]] = relationship(
        back_populates="meeting", cascade="all, delete-orphan", order_by="MinutesFile.scope"
    )
    participants: Mapped[list[MeetingParticipant]] = relationship(
        back_populates="meeting", cascade="all, delete-orphan", order_by="MeetingParticipant.id"
    )

    __mapper_args__ = {"version_id_col": version}
    __table_args__ = (CheckConstraint("duration_minutes > 0", name="positive_duration"),)

    def __repr__(self) -> str:
        return f"<Meeting {self.id} {self.kind} p{self.project_id} {self.starts_at}>"


class MinutesFile(db.Model):
    """The final minutes of a monthly meeting as a Word file, frozen for one reader scope:
    "all" (staff and the client: everyone's people, by initials), "company-<id>" (a
    contractor: only its own company's people) or "company-none" (a company with no one)."""

    __tablename__ = "meeting_minutes_files"
    __table_args__ = (UniqueConstraint("meeting_id", "scope"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    meeting_id: Mapped[int] = mapped_column(ForeignKey("meetings.id", ondelete="CASCADE"))
    scope: Mapped[str] = mapped_column(String(40))
    data: Mapped[bytes] = mapped_column(LargeBinary)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    meeting: Mapped[Meeting] = relationship(back_populates="minutes_files")

    def __repr__(self) -> str:
        return f"<MinutesFile m{self.meeting_id} {self.scope}>"


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


class ActionItem(db.Model):
    """Something to do, agreed at a meeting; it stays on the agenda until marked done."""

    __tablename__ = "action_items"

    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[int] = mapped_column(
        ForeignKey("projects.id", ondelete="CASCADE"), index=True
    )
    meeting_id: Mapped[int | None] = mapped_column(ForeignKey("meetings.id", ondelete="SET NULL"))
    text: Mapped[str] = mapped_column(Text)
    owner: Mapped[str] = mapped_column(String(200), default="")
    due_on: Mapped[date | None] = mapped_column(Date)
    done_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    done_in_meeting_id: Mapped[int | None] = mapped_column(
        ForeignKey("meetings.id", ondelete="SET NULL")
    )
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    # When `flask mail daily` told the owner that the item falls due (once per item).
    due_notified_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    __table_args__ = (
        # The open items in the order they fall due: the inbox reads the overdue ones from it
        # and stops at its cap, however many items were ever agreed.
        Index(
            "ix_action_items_open_due",
            "due_on",
            "id",
            sqlite_where=sql_text("done_at IS NULL"),
            postgresql_where=sql_text("done_at IS NULL"),
        ),
    )

    def __repr__(self) -> str:
        return f"<ActionItem {self.id} p{self.project_id}>"
