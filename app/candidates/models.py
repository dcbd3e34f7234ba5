"""Candidates: unemployed residents registered by the coordinators. Never seen by clients or
contractors beyond a placement at their own site (name and rung)."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import (
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.enums import CONVERSATION_LABELS, ConversationKind  # noqa: F401  (re-exported)
from app.extensions import db, enum_type, only_on
from app.i18n import N_
from app.models import HousingArea, Organisation, User, utcnow
from app.search import search_term

# The referral chain (fødekæden); the list can be replaced with the REFERRAL_SOURCES setting.
REFERRAL_SOURCES = {
    "job_centre": N_("Job centre"),
    "housing_worker": N_("Social-housing worker"),
    "resident": N_("Another resident"),
    "street_worker": N_("Street worker"),
    "residents_board": N_("Residents' board"),
    "health_visitor": N_("Health visitor"),
    "other": N_("Other"),
}


CONSENT_PURPOSES = {
    "registration": N_("Registration and contact with Byg Op"),
    "employers": N_("Sharing name and skills with employers for a match"),
    "job_centre": N_("Contact with the job centre about internship and wage subsidy"),
}


def initials_of(name: str) -> str:
    """What a client sees of a resident: "Mads Mikkelsen" -> "M.M."."""
    return "".join(part[:1].upper() + "." for part in name.split() if part)


class Candidate(db.Model):
    __tablename__ = "candidates"

    id: Mapped[int] = mapped_column(primary_key=True)
    first_name: Mapped[str] = mapped_column(String(100))
    last_name: Mapped[str] = mapped_column(String(100))
    phone: Mapped[str] = mapped_column(String(40), default="")
    email: Mapped[str] = mapped_column(String(254), default="")
    address: Mapped[str] = mapped_column(String(300), default="")
    # Eligibility: the person lives in social housing under a registered association.
    association_id: Mapped[int | None] = mapped_column(ForeignKey("organisations.id"), index=True)
    area_id: Mapped[int | None] = mapped_column(ForeignKey("housing_areas.id"), index=True)
    referral_source: Mapped[str] = mapped_column(String(30), default="other")
    referral_contact: Mapped[str] = mapped_column(String(300), default="")
    trades: Mapped[str] = mapped_column(String(300), default="")
    certificates: Mapped[str] = mapped_column(String(300), default="")
    driving_licence: Mapped[str] = mapped_column(String(100), default="")
    languages: Mapped[str] = mapped_column(String(200), default="")
    wishes: Mapped[str] = mapped_column(Text, default="")
    availability: Mapped[str] = mapped_column(String(300), default="")
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), default=utcnow, onupdate=utcnow
    )
    # Set when the person is erased under GDPR: the row stays so counts stay right.
    anonymised_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    version: Mapped[int] = mapped_column(Integer, default=1)
    # What the search looks in: `search_text()` below, kept by app/candidates/service.py.
    search_text: Mapped[str] = mapped_column(Text, default="", server_default="")

    association: Mapped[Organisation | None] = relationship()
    area: Mapped[HousingArea | None] = relationship()
    conversations: Mapped[list[Conversation]] = relationship(
        back_populates="candidate",
        cascade="all, delete-orphan",
        order_by="(Conversation.held_on.desc(), Conversation.id.desc())",
    )
    consents: Mapped[list[Consent]] = relationship(
        back_populates="candidate", cascade="all, delete-orphan", order_by="Consent.id"
    )

    __mapper_args__ = {"version_id_col": version}

    # The search walks the live candidates in name order and stops after the first page and
    # the count cap (app/candidates/views.py). SQLite: the index holds the search text, so
    # the walk never reads the table. PostgreSQL: the name order, and a trigram index that
    # finds rare terms without a walk (an index holding the text could exceed the btree's
    # row size limit).
    __table_args__ = (
        only_on(
            "sqlite",
            Index(
                "ix_candidates_search_walk",
                "first_name",
                "last_name",
                "id",
                "search_text",
                sqlite_where=text("anonymised_at IS NULL"),
            ),
        ),
        only_on(
            "postgresql",
            Index(
                "ix_candidates_name_order",
                "first_name",
                "last_name",
                "id",
                postgresql_where=text("anonymised_at IS NULL"),
            ),
        ),
        only_on(
            "postgresql",
            Index(
                "ix_candidates_search_trgm",
                "search_text",
                postgresql_using="gin",
                postgresql_ops={"search_text": "gin_trgm_ops"},
                postgresql_where=text("anonymised_at IS NULL"),
                # No pending list: a search reads only the index, not a list of recent rows
                # that waits for VACUUM (candidates are written a few at a time).
                postgresql_with={"fastupdate": "off"},
            ),
        ),
    )

    def __repr__(self) -> str:
        return f"<Candidate {self.id}>"

    @property
    def name(self) -> str:
        return f"{self.first_name} {self.last_name}".strip()

    @property
    def initials(self) -> str:
        return initials_of(self.name)

    @property
    def eligible(self) -> bool:
        return self.association_id is not None


# --- the search text ----------------------------------------------------------------------
# One lowercased string per candidate: the housing area first (a rename rewrites that part
# alone), then "first last" (so a full name matches), then the skills. Whitespace inside a
# part is collapsed to one space, so the separator never occurs in a part, and a search term
# (whitespace collapsed too) never matches across two parts.
SEARCH_SEPARATOR = "\n"
# Kept by app/candidates/service.py (`save()`, `rename_area()`), called by every write path.


def search_text(
    area: str | None,
    first_name: str | None,
    last_name: str | None,
    trades: str | None = "",
    certificates: str | None = "",
    languages: str | None = "",
    driving_licence: str | None = "",
) -> str:
    """The `search_text` of a candidate with these values (area: the housing area's name)."""
    parts = (
        area,
        f"{first_name or ''} {last_name or ''}",
        trades,
        certificates,
        languages,
        driving_licence,
    )
    return SEARCH_SEPARATOR.join(search_term(part) for part in parts)


class Consent(db.Model):
    """Consent for one purpose: given when and recorded by whom, possibly withdrawn."""

    __tablename__ = "candidate_consents"

    id: Mapped[int] = mapped_column(primary_key=True)
    candidate_id: Mapped[int] = mapped_column(
        ForeignKey("candidates.id", ondelete="CASCADE"), index=True
    )
    purpose: Mapped[str] = mapped_column(String(30))
    given_on: Mapped[date] = mapped_column(Date)
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    withdrawn_on: Mapped[date | None] = mapped_column(Date)
    withdrawn_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    candidate: Mapped[Candidate] = relationship(back_populates="consents")
    recorded_by: Mapped[User | None] = relationship(foreign_keys=[recorded_by_id])
    withdrawn_by: Mapped[User | None] = relationship(foreign_keys=[withdrawn_by_id])

    def __repr__(self) -> str:
        return f"<Consent {self.id} c{self.candidate_id} {self.purpose}>"


class SensitiveNote(db.Model):
    """Special-category information (health, addiction, record, residence permit): its own
    table, shown only when a coordinator opens it on purpose, every opening logged."""

    __tablename__ = "candidate_sensitive_notes"

    id: Mapped[int] = mapped_column(primary_key=True)
    candidate_id: Mapped[int] = mapped_column(
        ForeignKey("candidates.id", ondelete="CASCADE"), index=True
    )
    text: Mapped[str] = mapped_column(Text)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    created_by: Mapped[User | None] = relationship()

    def __repr__(self) -> str:
        return f"<SensitiveNote {self.id} c{self.candidate_id}>"


class Conversation(db.Model):
    """One conversation in a candidate's samtaleforløb."""

    __tablename__ = "conversations"

    id: Mapped[int] = mapped_column(primary_key=True)
    candidate_id: Mapped[int] = mapped_column(
        ForeignKey("candidates.id", ondelete="CASCADE"), index=True
    )
    held_on: Mapped[date] = mapped_column(Date, index=True)
    kind: Mapped[ConversationKind] = mapped_column(enum_type(ConversationKind, "kind"))
    notes: Mapped[str] = mapped_column(Text, default="")
    placement_id: Mapped[int | None] = mapped_column(ForeignKey("placements.id"))
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    candidate: Mapped[Candidate] = relationship(back_populates="conversations")
    created_by: Mapped[User | None] = relationship()

    # The start page looks up each running placement's latest retention conversation.
    __table_args__ = (
        Index("ix_conversations_candidate_kind_held_on", "candidate_id", "kind", "held_on"),
    )

    def __repr__(self) -> str:
        return f"<Conversation {self.id} c{self.candidate_id} {self.kind}>"

    @property
    def kind_enum(self) -> ConversationKind:
        return ConversationKind(self.kind)
