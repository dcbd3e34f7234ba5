"""The project page's reads: few statements, whatever the project holds.

The page shows the project with its client, companies and areas, the agreement (the version
in force and the latest one), the openings by status, the kickoff and the coming meetings. They
come in three statements: the project with everything it owns and its opening counts; the two
versions that matter; the meetings that matter.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import func, or_, select
from sqlalchemy.orm import joinedload

from app.access import scoped_projects
from app.agreements.models import AgreementVersion
from app.enums import MeetingKind, OpeningStatus
from app.extensions import db
from app.meetings.models import Meeting
from app.models import Project, ProjectCompany, utcnow
from app.openings.models import Opening

UPCOMING = 5  # coming meetings shown on the page


@dataclass(frozen=True)
class ProjectHub:
    project: Project
    openings: dict[str, int]  # status -> count
    approved: AgreementVersion | None  # the version in force
    latest: AgreementVersion | None  # the newest version, approved or not
    kickoff: Meeting | None
    upcoming: list[Meeting]


def _openings_with(status: OpeningStatus):
    return (
        select(func.count(Opening.id))
        .where(Opening.project_id == Project.id, Opening.status == status)
        .correlate(Project)
        .scalar_subquery()
    )


def project_with_counts(project_id: int, user) -> tuple[Project, dict[str, int]] | None:
    """The project in the user's scope, with its client, companies and areas loaded, and its
    openings counted by status: one statement. None when it is not in scope."""
    row = (
        db.session.execute(
            scoped_projects(user)
            .add_columns(
                _openings_with(OpeningStatus.OPEN).label("open"),
                _openings_with(OpeningStatus.MATCHED).label("matched"),
            )
            .where(Project.id == project_id)
            .options(
                joinedload(Project.client),
                joinedload(Project.areas),
                joinedload(Project.companies).joinedload(ProjectCompany.company),
            )
        )
        .unique()
        .first()
    )
    if row is None:
        return None
    project, open_, matched = row
    return project, {OpeningStatus.OPEN: open_, OpeningStatus.MATCHED: matched}


def hub(project: Project, openings: dict[str, int]) -> ProjectHub:
    """The agreement and meetings around `project`: two statements."""
    latest_id = (
        select(AgreementVersion.id)
        .where(AgreementVersion.project_id == project.id)
        .order_by(AgreementVersion.number.desc())
        .limit(1)
        .scalar_subquery()
    )
    # The version in force: the same choice as agreements.service.approved_version.
    approved_id = (
        select(AgreementVersion.id)
        .where(AgreementVersion.project_id == project.id, AgreementVersion.approved_at.is_not(None))
        .order_by(AgreementVersion.approved_at.desc(), AgreementVersion.number.desc())
        .limit(1)
        .scalar_subquery()
    )
    rows = db.session.execute(
        select(AgreementVersion, (AgreementVersion.id == approved_id).label("in_force")).where(
            AgreementVersion.id.in_([latest_id, approved_id])
        )
    ).all()
    latest = max((version for version, _ in rows), key=lambda v: v.number, default=None)
    approved = next((version for version, in_force in rows if in_force), None)
    # The kickoff (one per project, whenever it is) and the coming meetings, in one read.
    meetings = db.session.scalars(
        select(Meeting)
        .where(
            Meeting.project_id == project.id,
            or_(
                Meeting.kind == MeetingKind.KICKOFF,
                (Meeting.starts_at >= utcnow()) & ~Meeting.cancelled,
            ),
        )
        .order_by(Meeting.starts_at)
        .limit(UPCOMING + 1)  # a past kickoff sorts first
    ).all()
    now = utcnow()
    upcoming = [m for m in meetings if not m.cancelled and _aware(m.starts_at) >= now]
    return ProjectHub(
        project=project,
        openings=openings,
        approved=approved,
        latest=latest,
        kickoff=next((m for m in meetings if m.kind == MeetingKind.KICKOFF), None),
        upcoming=upcoming[:UPCOMING],
    )


def _aware(moment: datetime) -> datetime:
    """SQLite hands back naive datetimes for timezone-aware columns; they are UTC."""
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)
