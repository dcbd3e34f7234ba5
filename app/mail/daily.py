"""The daily summary (`flask mail daily`): the notifications each user chose to get once a
day (MailDigestItem rows, kept by notify.deliver) bundled into one mail per user, in their
language, with a link for each.

Exactly once, also with two runs at once: each user's rows are taken with one
`DELETE ... RETURNING` in the transaction that queues the summary in the outbox. A row is
returned to one run only (on PostgreSQL the second DELETE waits for the first and then finds
the row gone; SQLite has a single writer), and if queuing fails, the rollback keeps the rows.
"""

from __future__ import annotations

from datetime import date

from sqlalchemy import delete, select, update
from sqlalchemy.exc import OperationalError

from app.enums import MailKind
from app.extensions import db
from app.i18n import N_
from app.mail.compose import compose
from app.mail.models import MailDigestItem
from app.mail.outbox import queue
from app.models import User, utcnow


def send_held() -> int:
    """Queue one summary for every user with held notifications; return how many."""
    user_ids = list(db.session.scalars(select(MailDigestItem.user_id).distinct()))
    db.session.commit()
    summaries = 0
    for user_id in sorted(user_ids):
        try:
            if _summarise(user_id):
                summaries += 1
            db.session.commit()
        except OperationalError:  # SQLite: another run holds the writer; it sends these
            db.session.rollback()
    return summaries


def _summarise(user_id: int) -> bool:
    t = MailDigestItem
    rows = db.session.execute(
        delete(t)
        .where(t.user_id == user_id)
        .returning(t.id, t.kind, t.subject, t.url, t.created_at)
    ).all()
    user = db.session.get(User, user_id)
    if not rows or user is None or not user.active or not user.email:
        return False  # rows of a user who can no longer get mail are dropped
    items = sorted(rows, key=lambda row: row.id)
    queue(
        compose(
            MailKind(items[0].kind) if len({r.kind for r in items}) == 1 else MailKind.DIGEST,
            "held",
            user.email,
            user,
            N_("Byg Op: your daily summary (%(count)s)"),
            {"count": len(items)},
            items=items,
        )
    )
    return True


def action_items_due(today: date) -> int:
    """Tell the owners of open action items that fall due `today`, once per item: each item
    is first marked (an UPDATE that only one run can win), then mailed in that transaction.
    Returns how many items were announced."""
    from app.mail import notify
    from app.meetings.models import ActionItem

    t = ActionItem
    ids = list(
        db.session.scalars(
            select(t.id).where(t.done_at.is_(None), t.due_on == today, t.due_notified_at.is_(None))
        )
    )
    db.session.commit()
    announced = 0
    for item_id in ids:
        try:
            won = db.session.execute(
                update(t)
                .where(t.id == item_id, t.due_notified_at.is_(None))
                .values(due_notified_at=utcnow())
            ).rowcount
            if won == 1:
                notify.action_item(db.session.get(t, item_id), MailKind.ACTION_DUE)
                announced += 1
            db.session.commit()
        except OperationalError:  # SQLite: another run holds the writer; it sends this one
            db.session.rollback()
    return announced
