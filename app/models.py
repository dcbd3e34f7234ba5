"""Core models: organisations, housing areas, users and projects.

Feature issues add their own tables (agreements, meetings, candidates, placements) that hang off
`Project`, `Organisation` and `User`; nothing here needs to change for them.
"""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime

from flask_login import UserMixin
from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    Column,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    Numeric,
    String,
    Table,
    Text,
    UniqueConstraint,
    false,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship
from werkzeug.security import check_password_hash, generate_password_hash

from app.enums import (  # noqa: F401  (the vocabularies, re-exported beside their models)
    ORG_KIND_LABELS,
    PHASE_LABELS,
    ROLE_LABELS,
    RUNG_LABELS,
    STAFF_ROLES,
    CompanyRole,
    OrganisationKind,
    Phase,
    Role,
    Rung,
)
from app.extensions import db, enum_type
from app.search import search_term


def new_stamp() -> str:
    """A fresh random stamp (see `Project.progress_stamp`)."""
    return uuid.uuid4().hex


def utcnow() -> datetime:
    return datetime.now(UTC)


class Organisation(db.Model):
    """A housing association (client) or a company (contractor)."""

    __tablename__ = "organisations"

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[OrganisationKind] = mapped_column(enum_type(OrganisationKind, "kind"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    cvr: Mapped[str | None] = mapped_column(String(8))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    areas: Mapped[list[HousingArea]] = relationship(
        back_populates="association", order_by="HousingArea.name", cascade="all, delete-orphan"
    )

    __table_args__ = (UniqueConstraint("kind", "name", name="uq_organisations_kind_name"),)

    @property
    def kind_enum(self) -> OrganisationKind:
        return OrganisationKind(self.kind)

    def __repr__(self) -> str:
        return f"<Organisation {self.id} {self.kind} {self.name!r}>"


class HousingArea(db.Model):
    """A housing area (boligområde) of one association; candidates live in one."""

    __tablename__ = "housing_areas"

    id: Mapped[int] = mapped_column(primary_key=True)
    association_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"), index=True)
    name: Mapped[str] = mapped_column(String(200))

    association: Mapped[Organisation] = relationship(back_populates="areas")

    __table_args__ = (
        UniqueConstraint("association_id", "name", name="uq_housing_areas_association_name"),
    )

    def __repr__(self) -> str:
        return f"<HousingArea {self.id} {self.name!r}>"


class User(UserMixin, db.Model):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    password_hash: Mapped[str] = mapped_column(String(255))
    role: Mapped[Role] = mapped_column(enum_type(Role, "role"))
    organisation_id: Mapped[int | None] = mapped_column(ForeignKey("organisations.id"), index=True)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    # Bumped on password change and sign-out everywhere: sessions carrying an older
    # number are no longer valid.
    session_version: Mapped[int] = mapped_column(Integer, default=1)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    last_login_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    # The language of the user's e-mail: "da" (the default) or "en".
    language: Mapped[str] = mapped_column(String(2), default="da", server_default="da")

    organisation: Mapped[Organisation | None] = relationship()

    __table_args__ = (CheckConstraint("language IN ('da', 'en')", name="known_language"),)

    def __repr__(self) -> str:
        return f"<User {self.id} {self.email} {self.role}>"

    # Flask-Login: the session carries id and session version together.
    def get_id(self) -> str:
        return f"{self.id}:{self.session_version}"

    @property
    def is_active(self) -> bool:
        return self.active

    @property
    def role_enum(self) -> Role:
        return Role(self.role)

    @property
    def is_staff(self) -> bool:
        return self.role in STAFF_ROLES

    @property
    def is_admin(self) -> bool:
        return self.role == Role.ADMIN

    def set_password(self, password: str) -> None:
        self.password_hash = generate_password_hash(password, method="scrypt")

    def check_password(self, password: str) -> bool:
        return check_password_hash(self.password_hash, password)


project_areas = Table(
    "project_areas",
    db.metadata,
    Column("project_id", ForeignKey("projects.id", ondelete="CASCADE"), primary_key=True),
    Column("area_id", ForeignKey("housing_areas.id"), primary_key=True),
)


def project_search_text(name: str | None, address: str | None) -> str:
    """What the project list's search looks in: the name and the address, each folded as the
    search folds its term (`app.search.search_term`), on lines of their own. A term never
    holds a line break (folding turns whitespace into single spaces), so it matches within the
    name or within the address, never across the two."""
    return f"{search_term(name)}\n{search_term(address)}"


class Project(db.Model):
    """A construction project (byggesag) tendered by a housing association."""

    __tablename__ = "projects"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    address: Mapped[str] = mapped_column(String(300), default="")
    description: Mapped[str] = mapped_column(Text, default="")
    client_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"), index=True)
    phase: Mapped[Phase] = mapped_column(
        enum_type(Phase, "phase"), default=Phase.TENDER, index=True
    )
    execution_start: Mapped[date | None] = mapped_column(Date)
    execution_end: Mapped[date | None] = mapped_column(Date)
    # The total trades budget (håndværkerudgifter incl. site costs and VAT, supported and
    # unsupported parts, as in Skema B), whole kroner; the target calculator reads it.
    trades_budget: Mapped[int | None] = mapped_column(BigInteger)
    # Supported by Landsbyggefonden: only then does the product speak of LBF's training rule.
    lbf_supported: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), default=utcnow, onupdate=utcnow
    )
    # Optimistic locking: an edit based on an older version is refused, never overwrites.
    version: Mapped[int] = mapped_column(Integer, default=1)
    # Replaced whenever what the project's progress is counted from changes (its placements,
    # its agreement versions), so counted progress can be cached by it: see
    # app/placements/progress_cache.py.
    progress_stamp: Mapped[str] = mapped_column(String(32), default=new_stamp, server_default="")
    # The number of the project's latest agreement version while it waits for approval, else
    # None: kept by app/agreements/pending.py on every insert, approval and deletion of a
    # version, so "what waits for approval" is read from a small index, not from every version.
    pending_version: Mapped[int | None] = mapped_column(Integer)
    # When that version was saved (kept with it): the inbox lists what waits in this order
    # from an index over the projects, not from the versions' rows.
    pending_since: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    # The name and address folded (`project_search_text`), kept by `rename()`: the list's
    # search compares this column with its pattern, where it folded both columns of every row
    # it passed (on SQLite by a Python function, called once or twice a row).
    search_text: Mapped[str] = mapped_column(Text, default="", server_default="")

    client: Mapped[Organisation] = relationship()
    areas: Mapped[list[HousingArea]] = relationship(
        secondary=project_areas, order_by="HousingArea.name"
    )
    companies: Mapped[list[ProjectCompany]] = relationship(
        back_populates="project", cascade="all, delete-orphan", order_by="ProjectCompany.id"
    )

    __mapper_args__ = {"version_id_col": version}
    __table_args__ = (
        CheckConstraint(
            "execution_start IS NULL OR execution_end IS NULL OR execution_end >= execution_start",
            name="execution_in_order",
        ),
        CheckConstraint(
            "trades_budget IS NULL OR trades_budget >= 0", name="trades_budget_not_negative"
        ),
        # The projects whose latest version waits for approval: few, whatever the portfolio.
        Index(
            "ix_projects_pending_version",
            "pending_version",
            sqlite_where=text("pending_version IS NOT NULL"),
            postgresql_where=text("pending_version IS NOT NULL"),
        ),
        # What waits for approval in the order it was saved (the inbox walks it, stops at 5).
        Index(
            "ix_projects_pending_since",
            "pending_since",
            "id",
            sqlite_where=text("pending_version IS NOT NULL"),
            postgresql_where=text("pending_version IS NOT NULL"),
        ),
        # The latest updated first (the start page's recent and active projects): walked in
        # this order and stopped at the limit, not sorted.
        Index("ix_projects_updated", "updated_at", "id"),
        # The project list in name order, all or one phase, walked to its count cap.
        Index("ix_projects_name", "name", "id"),
        Index("ix_projects_phase_name", "phase", "name", "id"),
    )

    def rename(self, name: str, address: str | None = None) -> None:
        """Set the name and the address, and the search text made of them: the one way either
        is written (the project form, the demo loader, the test factory)."""
        self.name = name
        self.address = address or ""
        self.search_text = project_search_text(self.name, self.address)

    def __repr__(self) -> str:
        return f"<Project {self.id} {self.name!r} {self.phase}>"

    @property
    def phase_enum(self) -> Phase:
        return Phase(self.phase)

    @property
    def main_contractor(self) -> Organisation | None:
        return next((pc.company for pc in self.companies if pc.role == CompanyRole.MAIN), None)

    @property
    def subcontractors(self) -> list[Organisation]:
        return [pc.company for pc in self.companies if pc.role == CompanyRole.SUB]


class ProjectCompany(db.Model):
    """A company taking part in a project, as main contractor or subcontractor."""

    __tablename__ = "project_companies"

    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id", ondelete="CASCADE"))
    company_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"), index=True)
    role: Mapped[CompanyRole] = mapped_column(enum_type(CompanyRole, "role", length=10))
    joined_on: Mapped[date | None] = mapped_column(Date)

    project: Mapped[Project] = relationship(back_populates="companies")
    company: Mapped[Organisation] = relationship()

    __table_args__ = (
        UniqueConstraint("project_id", "company_id", name="uq_project_companies_project_company"),
        # At most one main contractor per project.
        Index(
            "uq_project_companies_one_main",
            "project_id",
            unique=True,
            sqlite_where=Column("role") == "main",
            postgresql_where=Column("role") == "main",
        ),
    )

    def __repr__(self) -> str:
        return f"<ProjectCompany p{self.project_id} c{self.company_id} {self.role}>"


class TrainingCoefficient(db.Model):
    """The coefficient of the target calculator, training årsværk per DKK million, as set by an
    admin. Each change is a new row, so the rows are also its history; the newest row is in
    force, and without any row the default (Bygherreforeningen's figure) is."""

    __tablename__ = "training_coefficients"

    id: Mapped[int] = mapped_column(primary_key=True)
    per_million: Mapped[float] = mapped_column(Numeric(8, 4, asdecimal=False))
    source: Mapped[str] = mapped_column(Text)
    set_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    set_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    set_by: Mapped[User | None] = relationship()

    __table_args__ = (CheckConstraint("per_million >= 0", name="per_million_not_negative"),)

    def __repr__(self) -> str:
        return f"<TrainingCoefficient {self.id} {self.per_million}>"
