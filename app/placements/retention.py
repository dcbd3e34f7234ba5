"""`Placement.retention_since`: kept right on every write, in the same transaction.

The day a running placement last had a retention conversation decides when the next one is
due (the start page's list, longest waiting first). It is the latest retention conversation
of the candidate held on or after the placement's start, or the start without one. It changes
when a retention conversation is added, moved, re-kinded or deleted, and when a placement
starts or changes its start or its candidate; after such a flush one UPDATE recomputes it for
the placements concerned. Conversations are dated on or before the day they are recorded
(`ConversationForm` refuses later days), so "latest" needs no "as of today".
"""

from __future__ import annotations

from itertools import chain

from sqlalchemy import event, func, inspect, or_, select, update
from sqlalchemy.orm import Session

from app.candidates.models import Conversation, ConversationKind
from app.placements.models import Placement

RETENTION = ConversationKind.RETENTION.value


def latest_retention():
    """The placement's retention day as a correlated SQL expression over `placements`."""
    table, conversations = Placement.__table__, Conversation.__table__
    last = (
        select(func.max(conversations.c.held_on))
        .where(
            conversations.c.candidate_id == table.c.candidate_id,
            conversations.c.kind == RETENTION,
            conversations.c.held_on >= table.c.start_date,
        )
        .correlate(table)
        .scalar_subquery()
    )
    return func.coalesce(last, table.c.start_date)


@event.listens_for(Placement, "before_insert")
def _start_with_the_start(_mapper, _connection, placement: Placement) -> None:
    if placement.retention_since is None:
        placement.retention_since = placement.start_date


def _changed(obj, *names: str) -> bool:
    attrs = inspect(obj).attrs
    return any(attrs[name].history.has_changes() for name in names)


_PENDING = "placements.retention_since.pending"
_STALE = "placements.retention_since.stale"


@event.listens_for(Session, "before_flush")
def _collect(session: Session, _flush_context, _instances) -> None:
    """Note what this flush changes that the day depends on: before it, while a deleted
    conversation can still be read, and before new placements have ids."""
    conversations: list[Conversation] = []
    candidates: set[int] = set()
    placements: list[Placement] = []
    for obj in chain(session.new, session.dirty, session.deleted):
        if isinstance(obj, Conversation):
            if obj in session.new or obj in session.deleted:
                if obj.kind == RETENTION:
                    conversations.append(obj)
            elif _changed(obj, "kind", "held_on", "candidate_id"):
                # The old kind may be unknown (set on an expired object): recompute anyway.
                conversations.append(obj)
                candidates.update(inspect(obj).attrs.candidate_id.history.deleted)
        elif isinstance(obj, Placement) and obj not in session.deleted:
            if obj in session.new or _changed(obj, "start_date", "candidate_id"):
                placements.append(obj)
    if conversations or placements:
        for obj in conversations:
            if obj in session.deleted:  # gone after the flush: read its candidate now
                candidates.add(obj.candidate_id)
        pending = session.info.setdefault(_PENDING, ([], set(), []))
        pending[0].extend(c for c in conversations if c not in session.deleted)
        pending[1].update(candidates)
        pending[2].extend(placements)


@event.listens_for(Session, "after_flush")
def _recompute(session: Session, _flush_context) -> None:
    pending = session.info.pop(_PENDING, None)
    if pending is None:
        return
    conversations, candidates, objects = pending
    # A conversation added through `candidate.conversations` gets its candidate id in the
    # flush, a new placement its id: read them now.
    candidates = {c for c in (*candidates, *(c.candidate_id for c in conversations)) if c}
    placements = {obj.id for obj in objects if obj.id is not None}
    if not candidates and not placements:
        return
    table = Placement.__table__
    concerned = or_(
        table.c.candidate_id.in_(sorted(candidates)), table.c.id.in_(sorted(placements))
    )
    session.connection().execute(
        update(table)
        .where(concerned)
        # Neither a new version nor a new updated_at: the placement itself was not edited.
        .values(retention_since=latest_retention(), updated_at=table.c.updated_at)
    )
    session.info.setdefault(_STALE, []).append((candidates, placements))


@event.listens_for(Session, "after_flush_postexec")
def _expire_stale(session: Session, _flush_context) -> None:
    """Placements loaded in this session read the recomputed day from the database."""
    for candidates, placements in session.info.pop(_STALE, []):
        for obj in list(session.identity_map.values()):
            if isinstance(obj, Placement) and (
                obj.candidate_id in candidates or obj.id in placements
            ):
                session.expire(obj, ["retention_since"])


@event.listens_for(Session, "after_soft_rollback")
def _forget(session: Session, _previous_transaction) -> None:
    """A failed flush leaves nothing to carry into the next one."""
    session.info.pop(_PENDING, None)
    session.info.pop(_STALE, None)
