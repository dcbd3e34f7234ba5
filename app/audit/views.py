"""The audit log page: coordinators search who did what to which candidate, and when."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from flask import current_app, request
from flask_babel import gettext as _
from sqlalchemy import Select, select
from sqlalchemy.orm import joinedload

from app.access import staff_only
from app.audit.blueprint import bp
from app.audit.log import ACTION_LABELS, DEFAULT_RETENTION_DAYS
from app.audit.models import AuditEvent
from app.extensions import db
from app.models import User
from app.web import page_arg, parse_id, render

SYSTEM = "system"  # the user filter's value for events without a user (CLI, failed sign-ins)


@dataclass(frozen=True)
class Filters:
    action: str = ""
    user: str = ""  # "", SYSTEM or a user id
    candidate_id: int | None = None
    since: date | None = None
    until: date | None = None

    def as_args(self) -> dict:
        """The filters as query arguments, for the pagination links."""
        values = {
            "action": self.action,
            "user": self.user,
            "candidate_id": self.candidate_id,
            "since": self.since.isoformat() if self.since else None,
            "until": self.until.isoformat() if self.until else None,
        }
        return {k: v for k, v in values.items() if v}


def _date(value: str | None) -> date | None:
    try:
        return date.fromisoformat(value or "")
    except ValueError:
        return None


def _filters(args) -> Filters:
    user = args.get("user", "")
    if user != SYSTEM:
        user = str(parse_id(user) or "")
    return Filters(
        action=args.get("action", "").strip()[:50],
        user=user,
        candidate_id=parse_id(args.get("candidate_id")),
        since=_date(args.get("since")),
        until=_date(args.get("until")),
    )


def _local_midnight_utc(day: date) -> datetime:
    """The start of `day` in the office's time zone, as UTC (how `at` is stored)."""
    zone = ZoneInfo(current_app.config.get("BABEL_DEFAULT_TIMEZONE", "Europe/Copenhagen"))
    return datetime.combine(day, time.min, tzinfo=zone).astimezone(UTC)


def _filtered(query: Select, f: Filters) -> Select:
    if f.action:
        query = query.where(AuditEvent.action == f.action)
    if f.user == SYSTEM:
        query = query.where(AuditEvent.user_id.is_(None))
    elif f.user:
        query = query.where(AuditEvent.user_id == int(f.user))
    if f.candidate_id is not None:
        query = query.where(AuditEvent.candidate_id == f.candidate_id)
    if f.since:
        query = query.where(AuditEvent.at >= _local_midnight_utc(f.since))
    if f.until:  # inclusive: up to the end of that day
        query = query.where(AuditEvent.at < _local_midnight_utc(f.until + timedelta(days=1)))
    return query


def _linkable(candidate_ids: set[int]) -> set[int]:
    """The candidates among these that still exist and are not anonymised."""
    from app.candidates.models import Candidate  # imported here: candidates imports audit

    if not candidate_ids:
        return set()
    return set(
        db.session.scalars(
            select(Candidate.id).where(
                Candidate.id.in_(candidate_ids), Candidate.anonymised_at.is_(None)
            )
        )
    )


def _action_choices() -> list[tuple[str, str]]:
    """Every known action, and any other found in the log, by translated label."""
    recorded = set(db.session.scalars(select(AuditEvent.action).distinct()))
    actions = set(ACTION_LABELS) | recorded
    return sorted(((a, action_label(a)) for a in actions), key=lambda pair: pair[1].lower())


def action_label(action: str) -> str:
    """The translated label of an action, or the action itself when we do not know it."""
    return _(ACTION_LABELS[action]) if action in ACTION_LABELS else action


@bp.get("/")
@staff_only
def index():
    """Search the audit log by action, user, candidate and dates, most recent first."""
    filters = _filters(request.args)
    page = page_arg()
    query = _filtered(
        select(AuditEvent)
        .options(joinedload(AuditEvent.user))
        .order_by(AuditEvent.at.desc(), AuditEvent.id.desc()),
        filters,
    )
    pagination = db.paginate(
        query, page=page, per_page=current_app.config["PAGE_SIZE"], error_out=False
    )
    events = pagination.items
    users = db.session.execute(select(User.id, User.name).order_by(User.name, User.id)).all()
    response = render(
        "audit/index.html",
        block="results",
        pagination=pagination,
        events=events,
        linkable=_linkable({e.candidate_id for e in events if e.candidate_id is not None}),
        filters=filters,
        actions=_action_choices(),
        users=users,
        action_label=action_label,
        system=SYSTEM,
        retention_days=current_app.config.get("AUDIT_RETENTION_DAYS", DEFAULT_RETENTION_DAYS),
    )
    response.headers["Cache-Control"] = "no-store"  # who looked at whom stays off shared disks
    return response
