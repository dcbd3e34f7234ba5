"""Counted progress, cached in each worker by exactly what it is counted from.

A project's counted progress (the counts, the cumulative series, the societal gain) depends
only on its placements, its approved agreement version, its execution phase and the day.
Whenever a placement or an agreement version of a project is written through the ORM, the
project's `progress_stamp` is replaced in the same flush (so in the same transaction: a rollback
keeps the old stamp with the old data). The cache key is (project id, stamp, approved version
id, execution start, execution end, day): the phase dates are in the key itself, because an edit
of the project's dates writes neither a placement nor an agreement version. A changed project
gets a new key, and the old entry is never asked for again and falls out of the LRU. Nothing is
ever invalidated by hand, and there is no time to live to tune.

Writes that bypass the ORM (Core `update()`/`insert()` on placements) must replace the stamp
themselves; there is one, the GDPR erasure, and it changes no counted fact.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from itertools import chain

from sqlalchemy import event, inspect, update
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import set_committed_value
from sqlalchemy.orm.util import identity_key

from app.agreements.models import AgreementVersion
from app.models import Project, new_stamp
from app.placements import counting
from app.placements.counting import ExecutionPhase, PlacementFact, Progress, Targets
from app.placements.models import Placement

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


class _LRU:
    def __init__(self, size: int):
        self.size = size
        self.entries: OrderedDict[Key, Counted] = OrderedDict()
        self.lock = threading.Lock()

    def get(self, k: Key) -> Counted | None:
        with self.lock:
            value = self.entries.get(k)
            if value is not None:
                self.entries.move_to_end(k)
            return value

    def put(self, k: Key, value: Counted) -> Counted:
        with self.lock:
            self.entries[k] = value
            self.entries.move_to_end(k)
            while len(self.entries) > self.size:
                self.entries.popitem(last=False)
        return value

    def clear(self) -> None:
        with self.lock:
            self.entries.clear()

    def __len__(self) -> int:
        return len(self.entries)


cache = _LRU(MAX_ENTRIES)


_DELETED = "progress_cache.deleted_projects"


@event.listens_for(Session, "before_flush")
def _note_deletions(session: Session, _flush_context, _instances) -> None:
    """A deleted placement's project, read while its row still exists (after the flush an
    expired attribute could no longer be loaded)."""
    for obj in session.deleted:
        if isinstance(obj, Placement | AgreementVersion) and obj.project_id is not None:
            session.info.setdefault(_DELETED, set()).add(obj.project_id)


@event.listens_for(Session, "after_soft_rollback")
def _forget_deletions(session: Session, _previous_transaction) -> None:
    session.info.pop(_DELETED, None)


@event.listens_for(Session, "after_flush")
def _replace_stamps(session: Session, _flush_context) -> None:
    """Give every project whose placements or agreement versions this flush wrote a new
    stamp, in the same transaction. `updated_at` is kept: the project itself did not change.
    A project loaded in this session gets the new stamp too, so a page rendered after the
    write (in the same request) is not served the count from before it."""
    projects: set[int] = session.info.pop(_DELETED, set())
    for obj in chain(session.new, session.dirty):
        if isinstance(obj, Placement | AgreementVersion):
            history = inspect(obj).attrs.project_id.history
            projects.update(p for p in (obj.project_id, *history.deleted) if p is not None)
    if not projects:
        return
    stamp = new_stamp()
    table = Project.__table__
    session.connection().execute(
        update(table)
        .where(table.c.id.in_(sorted(projects)))
        .values(progress_stamp=stamp, updated_at=table.c.updated_at)
    )
    for project_id in projects:
        loaded = session.identity_map.get(identity_key(Project, project_id))
        if loaded is not None:
            set_committed_value(loaded, "progress_stamp", stamp)
