"""`Project.pending_version`: the number of a project's latest agreement version while it
waits for approval (None when there is no version or the latest is approved).

Kept in the same flush as the version itself, by mapper events on `AgreementVersion`: any
insert, approval or deletion of a version through the ORM keeps it right, whichever code
path (service, factory, seeder) made the change. Writers that bypass the ORM (bulk inserts)
call `refresh()` for the projects they wrote. The inbox reads it (app/core/inbox.py).
"""

from __future__ import annotations

from sqlalchemy import and_, event, exists, select, update
from sqlalchemy.orm import aliased

from app.agreements.models import AgreementVersion
from app.models import Project

_projects = Project.__table__
_versions = AgreementVersion.__table__


def _no_newer(project_id: int, number: int):
    newer = _versions.alias("newer")
    return ~exists().where(newer.c.project_id == project_id, newer.c.number > number)


def _set(connection, project_id: int, number: int, value: int | None) -> None:
    """Set the project's pending version if `number` is its latest version. updated_at is
    kept: this is bookkeeping, not an edit of the project."""
    connection.execute(
        update(_projects)
        .where(_projects.c.id == project_id, _no_newer(project_id, number))
        .values(pending_version=value, updated_at=_projects.c.updated_at)
    )


@event.listens_for(AgreementVersion, "after_insert")
def _inserted(_mapper, connection, version: AgreementVersion) -> None:
    pending = version.number if version.approved_at is None else None
    _set(connection, version.project_id, version.number, pending)


@event.listens_for(AgreementVersion, "after_update")
def _updated(_mapper, connection, version: AgreementVersion) -> None:
    pending = version.number if version.approved_at is None else None
    _set(connection, version.project_id, version.number, pending)


@event.listens_for(AgreementVersion, "after_delete")
def _deleted(_mapper, connection, version: AgreementVersion) -> None:
    refresh(connection, [version.project_id])


def latest_pending():
    """The (project_id, number) of every project's latest version when it is not approved,
    computed from the versions themselves (for `refresh` and for checking the column)."""
    latest = aliased(AgreementVersion)
    newer = aliased(AgreementVersion)
    return select(latest.project_id, latest.number).where(
        latest.approved_at.is_(None),
        ~exists().where(and_(newer.project_id == latest.project_id, newer.number > latest.number)),
    )


def refresh(connection, project_ids=None) -> None:
    """Recompute the column from the versions, for the given projects or all of them."""
    pending = latest_pending().subquery()
    value = select(pending.c.number).where(pending.c.project_id == _projects.c.id).scalar_subquery()
    statement = update(_projects).values(pending_version=value, updated_at=_projects.c.updated_at)
    if project_ids is not None:
        statement = statement.where(_projects.c.id.in_(list(project_ids)))
    connection.execute(statement)
