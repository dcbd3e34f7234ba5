"""The audit log: who did what to which candidate, and when; never the data itself.

Views, the CLI and imports call `record()`; the caller commits along with its own changes.
`target` names *what kind* of thing was touched ("sensitive_notes", "placement:12",
"placements.csv"), never a name, an email, a note or any other personal data.
"""

from flask_login import current_user
from sqlalchemy import insert

from app.audit.models import AuditEvent
from app.bulk import insert_rows
from app.extensions import db
from app.i18n import N_

DEFAULT_RETENTION_DAYS = 1825  # five years; AUDIT_RETENTION_DAYS in the config overrides it

# Every action we know, with its label (an English msgid, translated where shown). An action
# recorded elsewhere but missing here still shows, under its own name.
ACTION_LABELS: dict[str, str] = {
    "sign_in": N_("Signed in"),
    "sign_in_failed": N_("Failed sign-in"),
    "sign_in_locked": N_("Sign-in locked after failed attempts"),
    "password_confirmed": N_("Confirmed the password"),
    "password_changed": N_("Changed the password"),
    "password_reset_requested": N_("Asked for a link to set a new password"),
    "password_set_by_link": N_("Set the password through a link"),
    "mail_retried": N_("Sent a failed e-mail again"),
    "view_candidate": N_("Viewed a candidate"),
    "search_candidates": N_("Searched candidates"),
    "create_candidate": N_("Registered a candidate"),
    "update_candidate": N_("Changed a candidate"),
    "add_conversation": N_("Logged a conversation"),
    "add_consent": N_("Recorded a consent"),
    "withdraw_consent": N_("Recorded a withdrawn consent"),
    "open_sensitive_notes": N_("Opened the sensitive notes"),
    "add_sensitive_note": N_("Added a sensitive note"),
    "import": N_("Imported a candidate"),
    "create_placement": N_("Created a placement"),
    "end_placement": N_("Ended a placement"),
    "next_rung": N_("Moved up the ladder"),
    "export": N_("Downloaded an export"),
    "gdpr_export": N_("Exported a candidate's data (GDPR)"),
    "gdpr_erase": N_("Erased a candidate's data (GDPR)"),
    "gdpr_redact": N_("Removed an erased candidate from free text (GDPR)"),
    "gdpr_retention_list": N_("Listed candidates past retention"),
    "user_created": N_("Created a user"),
    "user_disabled": N_("Disabled a user"),
    "user_enabled": N_("Enabled a user"),
    "audit_pruned": N_("Deleted audit events past retention"),
    "coefficient_set": N_("Set the target calculator's coefficient"),
    "placement_training": N_("Changed a placement's training mark or hours"),
    "approve_agreement": N_("Approved an agreement version"),
}


def record_many(action: str, candidate_ids: list[int], target: str = "", user=None) -> None:
    """`record()` for many candidates at once, in one COPY or multi-row INSERT (the import)."""
    if not candidate_ids:
        return
    user = user if user is not None else current_user
    user_id = user.id if getattr(user, "is_authenticated", False) else None
    rows = [
        dict(user_id=user_id, action=action, candidate_id=candidate_id, target=target)
        for candidate_id in candidate_ids
    ]
    insert_rows(db.session.connection(), AuditEvent.__table__, rows)


def record(action: str, candidate_id: int | None = None, target: str = "", user=None) -> None:
    """Add an event to the audit log (committed with the caller's other changes).

    `user` defaults to the signed-in user; outside a request (the CLI) there is none and the
    event is the system's. The row is written at once, by one INSERT on the session's
    connection, in its transaction: a rollback takes it back with the rest, a commit keeps it
    with the rest. Not an ORM object for the session to flush: every candidate search, view
    and download writes one, and the unit of work cost more than the INSERT. (Nothing points
    at an event, and an event points at nothing that could be written later in the same
    transaction: its candidate id is no foreign key, and its user is signed in already.)"""
    user = user if user is not None else current_user
    user_id = user.id if getattr(user, "is_authenticated", False) else None
    db.session.connection().execute(
        _INSERT,
        {"user_id": user_id, "action": action, "candidate_id": candidate_id, "target": target},
    )


_INSERT = insert(AuditEvent)
