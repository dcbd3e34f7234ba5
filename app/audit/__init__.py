"""The audit log of access to candidate data."""

from flask_login import current_user

from app.audit.models import AuditEvent
from app.extensions import db


def record(action: str, candidate_id: int | None = None, target: str = "", user=None) -> None:
    """Add an event to the audit log (committed with the request's other changes)."""
    user = user if user is not None else current_user
    user_id = user.id if getattr(user, "is_authenticated", False) else None
    db.session.add(
        AuditEvent(user_id=user_id, action=action, candidate_id=candidate_id, target=target)
    )
