"""The coordinators' morning overview (`flask mail daily`): how many placements wait for a
retention conversation, action items are past their date, contractor questions wait for an
answer and openings wait for a match; and their weekly overview (`flask mail weekly`). Counts
and links only: never a resident."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from flask import current_app
from sqlalchemy import func, or_, select

from app.candidates.models import Candidate
from app.enums import MailKind, OpeningStatus
from app.extensions import db
from app.i18n import N_
from app.mail.compose import compose, link
from app.mail.notify import _wanted, coordinators
from app.mail.outbox import queue
from app.meetings.models import ActionItem, KickoffQuestion
from app.openings.models import Opening
from app.placements.models import Placement


@dataclass(frozen=True)
class Overview:
    retention_due: int
    overdue_items: int
    open_questions: int
    open_openings: int

    @property
    def empty(self) -> bool:
        return not (
            self.retention_due or self.overdue_items or self.open_questions or self.open_openings
        )


def overview(today: date) -> Overview:
    cutoff = today - timedelta(weeks=current_app.config["RETENTION_WEEKS"])

    def count(query) -> int:
        return db.session.scalar(select(func.count()).select_from(query.subquery())) or 0

    return Overview(
        retention_due=count(
            select(Placement.id)
            .join(Candidate, Candidate.id == Placement.candidate_id)
            .where(
                or_(Placement.actual_end.is_(None), Placement.actual_end >= today),
                Placement.retention_since < cutoff,
                Candidate.anonymised_at.is_(None),
            )
        ),
        overdue_items=count(
            select(ActionItem.id).where(ActionItem.done_at.is_(None), ActionItem.due_on < today)
        ),
        open_questions=count(
            select(KickoffQuestion.id).where(
                KickoffQuestion.asked_by_id.is_not(None), KickoffQuestion.answer == ""
            )
        ),
        open_openings=count(select(Opening.id).where(Opening.status == OpeningStatus.OPEN)),
    )


def queue_daily(today: date) -> int:
    """Queue the overview for every coordinator who wants it; nothing when nothing waits."""
    figures = overview(today)
    if figures.empty:
        return 0
    people = _wanted(coordinators(), MailKind.DIGEST)
    for user in people:
        queue(
            compose(
                MailKind.DIGEST,
                "digest",
                user.email,
                user,
                N_("Byg Op: what waits for you today"),
                figures=figures,
                home_url=link("core.home"),
                openings_url=link("placements.openings"),
            )
        )
    db.session.commit()
    return len(people)


def queue_weekly(today: date) -> int:
    """Queue the weekly overview (`flask mail weekly`) for every coordinator who wants it:
    placements due a retention conversation, openings not matched, questions without an
    answer. Counts and links, never a resident; nothing when nothing waits."""
    figures = overview(today)
    if not (figures.retention_due or figures.open_openings or figures.open_questions):
        return 0
    home = link("core.home")
    people = _wanted(coordinators(), MailKind.WEEKLY)
    for user in people:
        queue(
            compose(
                MailKind.WEEKLY,
                "weekly",
                user.email,
                user,
                N_("Byg Op: the week ahead"),
                figures=figures,
                home_url=home,
                retention_url=home + "#inbox-retention",
                questions_url=home + "#inbox-questions",
                openings_url=link("placements.openings"),
            )
        )
    db.session.commit()
    return len(people)
