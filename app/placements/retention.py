"""`Placement.retention_since`: the day a running placement last had a retention conversation.

It decides when the next one is due (the start page's list, longest waiting first). It is the
latest retention conversation of the candidate held on or after the placement's start, or the
start without one. Conversations are dated on or before the day they are recorded
(`ConversationForm` refuses later days), so "latest" needs no "as of today".

Nothing keeps it by itself: every write that can change it calls `refresh()` in the same
transaction, from the service function that makes the write —
`placements.service.insert()` (a new placement, from the form, the next rung and the demo),
`insert_many()` (the import) and `placements.service.record_conversation()` (a retention
conversation, from the candidate page and the demo). No page moves a placement's start or a
conversation's day or kind; code that does must call `refresh()` for the candidate too.
"""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import func, or_, select, update
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


def refresh(
    session: Session, *, candidates: Iterable[int] = (), placements: Iterable[int] = ()
) -> None:
    """Recompute the day of every placement of `candidates` and of the `placements` (ids), in
    one UPDATE; placements loaded in the session read the new day from the database.

    Flush first: the UPDATE reads the conversations and placements as the database has them."""
    candidates = sorted({c for c in candidates if c is not None})
    placements = sorted({p for p in placements if p is not None})
    if not candidates and not placements:
        return
    table = Placement.__table__
    session.connection().execute(
        update(table)
        .where(or_(table.c.candidate_id.in_(candidates), table.c.id.in_(placements)))
        # Neither a new version nor a new updated_at: the placement itself was not edited.
        .values(retention_since=latest_retention(), updated_at=table.c.updated_at)
    )
    for obj in list(session.identity_map.values()):
        # Read without loading: an expired placement reads everything afresh anyway.
        loaded = vars(obj)
        if isinstance(obj, Placement) and (
            loaded.get("candidate_id") in candidates or loaded.get("id") in placements
        ):
            session.expire(obj, ["retention_since"])


def refresh_all(session: Session) -> None:
    """Recompute the day of every placement (after a bulk load that bypassed the services)."""
    table = Placement.__table__
    session.connection().execute(
        update(table).values(retention_since=latest_retention(), updated_at=table.c.updated_at)
    )
    session.expire_all()
