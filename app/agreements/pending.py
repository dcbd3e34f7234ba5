"""`Project.pending_version`: the number of a project's latest agreement version while it
waits for approval (None when there is no version or the latest is approved), and
`Project.pending_since`: when that version was saved (None with it).

Derived columns, written where the data changes (README, "Derived columns"):
`agreements.service.save_version()` sets them from the new version and
`agreements.service.approve()` clears them, in their own transactions. Writers that add versions
otherwise (bulk inserts, tests building rows) call `refresh()` for their projects. The inbox
reads it (app/core/inbox.py).
"""

from __future__ import annotations

from sqlalchemy import and_, exists, select, update
from sqlalchemy.orm import aliased

from app.agreements.models import AgreementVersion
from app.models import Project

_projects = Project.__table__


def latest_pending():
    """The (project_id, number, created_at) of every project's latest version when it is not
    approved, computed from the versions themselves (for `refresh` and for checking the
    columns)."""
    latest = aliased(AgreementVersion)
    newer = aliased(AgreementVersion)
    return select(latest.project_id, latest.number, latest.created_at).where(
        latest.approved_at.is_(None),
        ~exists().where(and_(newer.project_id == latest.project_id, newer.number > latest.number)),
    )


def set_pending(session, version: AgreementVersion) -> None:
    """Name `version`, just saved, as what waits for approval on its project, with when it
    was saved; the project's version and `updated_at` are kept (bookkeeping, not an edit of
    the project: an open edit form must not meet a conflict)."""
    session.execute(
        update(_projects)
        .where(_projects.c.id == version.project_id)
        .values(
            pending_version=version.number,
            pending_since=version.created_at,
            updated_at=_projects.c.updated_at,
        )
    )


def refresh(session_or_connection, project_ids=None) -> None:
    """Recompute the column from the versions, for the given projects or all of them."""
    pending = latest_pending().subquery()
    mine = pending.c.project_id == _projects.c.id
    statement = update(_projects).values(
        pending_version=select(pending.c.number).where(mine).scalar_subquery(),
        pending_since=select(pending.c.created_at).where(mine).scalar_subquery(),
        updated_at=_projects.c.updated_at,
    )
    if project_ids is not None:
        statement = statement.where(_projects.c.id.in_(list(project_ids)))
    session_or_connection.execute(statement)
