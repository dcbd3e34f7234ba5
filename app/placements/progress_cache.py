"""Counted progress, cached in each worker by exactly what it is counted from.

A project's counted progress (the counts, the cumulative series, the societal gain) depends
only on its placements, its approved agreement version, its execution phase and the day.
The cache key is (project id, stamp, approved version id, execution start, execution end, day).
The phase dates and the approved version are in the key itself, so an edit of the project's
dates or a newly approved version needs no write to be seen. The placements are not: every
service function that writes a placement calls `touch()`, which replaces the project's
`progress_stamp` in the same transaction (a rollback keeps the old stamp with the old data):
`placements.service.insert()`, `end()` and `next_rung()`, used by the placement forms, the
import and the demo. `agreements.service.approve()` touches too, though the key would change
anyway. A changed project gets a new key, and the old entry is never asked for again and falls
out of the LRU. Nothing listens for writes, and there is no time to live to tune.

The GDPR erasure rewrites placements with Core `update()` without touching: it changes no
counted fact (only the outcome's free-text reason).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

from sqlalchemy import update
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import set_committed_value
from sqlalchemy.orm.util import identity_key

from app.agreements.models import AgreementVersion
from app.lru import LRU
from app.models import Project, new_stamp
from app.placements import counting
from app.placements.counting import ExecutionPhase, PlacementFact, Progress, Targets
from app.templating import KeptFragments

# Entries per worker: a counted project is a few hundred bytes plus its series.
MAX_ENTRIES = 2048


@dataclass(frozen=True)
class Counted:
    """A project's placements counted against its targets as of one day."""

    progress: Progress
    series: list[tuple[date, int]]
    gain: tuple[int, int, int]


Key = tuple[int, str, int | None, date | None, date | None, date]


def key(project: Project, approved: AgreementVersion | None, today: date) -> Key:
    return (
        project.id,
        project.progress_stamp,
        approved.id if approved else None,
        project.execution_start,
        project.execution_end,
        today,
    )


def phase_of(project: Project) -> ExecutionPhase:
    """The project's execution phase, as the counting module takes it."""
    return ExecutionPhase(project.execution_start, project.execution_end)


def count_all(
    facts: Iterable[PlacementFact],
    targets: Targets | None,
    today: date,
    phase: ExecutionPhase | None = None,
) -> Counted:
    facts = list(facts)
    return Counted(
        progress=counting.count(facts, targets, today, phase),
        series=counting.cumulative(facts, targets, today, phase),
        gain=counting.societal_gain(facts, today, phase),
    )


cache = LRU(MAX_ENTRIES)
# The progress page's figures, table by rung, chart and gain as rendered HTML
# (templates/placements/progress.html): they show only what the key names, in the language of
# the request, so kept under the key and the language; the chart is drawn only to render one.
# 6 KB (the demo's project) to 10 KB (242 placements) each, more with a longer chart line (a
# step per day a course was counted), hence fewer entries.
figures = KeptFragments(maxsize=512)


def touch(session: Session, project_ids: Iterable[int | None]) -> None:
    """Give the projects a new progress stamp, in the session's transaction: what their
    progress is counted from changed. Call it from every write of a placement or of which
    agreement version is approved (`placements.service`, `agreements.service.approve`).

    One UPDATE. `updated_at` and the version are kept: the project itself did not change.
    A project loaded in this session gets the new stamp too, so a page rendered after the
    write (in the same request) is not served the count from before it."""
    projects = sorted({p for p in project_ids if p is not None})
    if not projects:
        return
    stamp = new_stamp()
    table = Project.__table__
    session.connection().execute(
        update(table)
        .where(table.c.id.in_(projects))
        .values(progress_stamp=stamp, updated_at=table.c.updated_at)
    )
    for project_id in projects:
        loaded = session.identity_map.get(identity_key(Project, project_id))
        if loaded is not None:
            set_committed_value(loaded, "progress_stamp", stamp)
