"""Agreement versions: every save of a project's agreement draft is a numbered, frozen version."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, DateTime, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.extensions import db
from app.models import Project, User, utcnow


class AgreementVersion(db.Model):
    """One saved version of a project's partnership agreement.

    `content` holds the whole draft (values, clause choices and overrides); the targets and the
    counting rule are also columns, because the tracking of placements counts against the
    approved version's targets.
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
    author_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    approved_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    approved_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    project: Mapped[Project] = relationship()
    author: Mapped[User] = relationship(foreign_keys=[author_id])
    approved_by: Mapped[User | None] = relationship(foreign_keys=[approved_by_id])

    __table_args__ = (
        UniqueConstraint("project_id", "number", name="uq_agreement_versions_project_number"),
    )

    def __repr__(self) -> str:
        return f"<AgreementVersion p{self.project_id} v{self.number}>"

    @property
    def label(self) -> str:
        return f"v{self.number}"

    @property
    def is_approved(self) -> bool:
        return self.approved_at is not None
