"""Agreement versions: every save of a project's agreement draft is a numbered, frozen version."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    JSON,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.extensions import db
from app.models import Project, User, utcnow


class AgreementVersion(db.Model):
    """One saved version of a project's partnership agreement.

    `content` holds the whole draft (values, clause choices and overrides); the targets, the
    counting rule and the ladder's durations are also columns, because the tracking of
    placements counts against the approved version's targets.
    """

    __tablename__ = "agreement_versions"

    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id", ondelete="CASCADE"))
    number: Mapped[int] = mapped_column(Integer)
    content: Mapped[dict] = mapped_column(JSON)
    text: Mapped[str] = mapped_column(Text)  # the rendered agreement, for diffs
    note: Mapped[str] = mapped_column(String(300), default="")
    apprenticeships_min: Mapped[int] = mapped_column(Integer)
    courses_min: Mapped[int] = mapped_column(Integer)
    count_rule: Mapped[str] = mapped_column(String(20))
    # The ladder's durations the agreement sets (`Durations.ladder_of` its values), written
    # with the version like the targets: progress is counted from a few bytes, not from the
    # kilobytes of `content` parsed on every page that counts.
    ladder: Mapped[dict] = mapped_column(JSON)
    author_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    approved_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    approved_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    project: Mapped[Project] = relationship()
    author: Mapped[User] = relationship(foreign_keys=[author_id])
    approved_by: Mapped[User | None] = relationship(foreign_keys=[approved_by_id])

    __table_args__ = (
        UniqueConstraint("project_id", "number", name="uq_agreement_versions_project_number"),
        # The version in force (the latest approval, then the highest number) found from the
        # index alone: on SQLite `approved_at` sits after the kilobytes of `content`, so
        # reading it from the row walks the row's overflow pages.
        Index("ix_agreement_versions_approved", "project_id", "approved_at", "number"),
    )

    def __repr__(self) -> str:
        return f"<AgreementVersion p{self.project_id} v{self.number}>"

    @property
    def label(self) -> str:
        return f"v{self.number}"

    @property
    def is_approved(self) -> bool:
        return self.approved_at is not None


# What a saved version says, and which version of which project it is, never changes: the
# Word files are kept per worker by the version's id (`service.cached_docx_for`), and a
# printed copy must match the stored one. `app.hooks.refuse_version_changes` keeps it true.
FROZEN = ("content", "text", "number", "project_id")


class SavedVersionIsFrozen(ValueError):
    """A change to what a saved agreement version says (`FROZEN`)."""


class ClauseComment(db.Model):
    """A comment on one clause of one version, or an answer to one (`parent_id`). A thread
    (the first comment) is open until someone resolves it; it can be reopened. Contractors
    never see comments: they are the client's and the coordinator's negotiation."""

    __tablename__ = "clause_comments"

    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[int] = mapped_column(
        ForeignKey("projects.id", ondelete="CASCADE"), index=True
    )
    version_id: Mapped[int] = mapped_column(
        ForeignKey("agreement_versions.id", ondelete="CASCADE"), index=True
    )
    clause_key: Mapped[str] = mapped_column(String(60))
    author_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    body: Mapped[str] = mapped_column(Text)
    parent_id: Mapped[int | None] = mapped_column(
        ForeignKey("clause_comments.id", ondelete="CASCADE"), index=True
    )
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    resolved_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    resolved_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    version: Mapped[AgreementVersion] = relationship()
    author: Mapped[User] = relationship(foreign_keys=[author_id])
    resolved_by: Mapped[User | None] = relationship(foreign_keys=[resolved_by_id])

    def __repr__(self) -> str:
        return f"<ClauseComment {self.id} p{self.project_id} {self.clause_key}>"

    @property
    def is_resolved(self) -> bool:
        return self.resolved_at is not None


class DraftWorkingCopy(db.Model):
    """A drafter's unsaved editor, kept on the server after a moment of quiet (not a version):
    the editor's fields as posted, and the version they were based on. One per user and
    project; saving a version or discarding it deletes it."""

    __tablename__ = "draft_working_copies"

    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    base_number: Mapped[int] = mapped_column(Integer)
    form: Mapped[dict] = mapped_column(JSON)
    saved_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    __table_args__ = (
        UniqueConstraint("project_id", "user_id", name="uq_draft_working_copies_project_user"),
    )
