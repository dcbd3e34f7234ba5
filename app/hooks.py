"""Every SQLAlchemy event listener of the app, registered by the factory (`init_app`).

No derived column is kept by a listener: each is written by the service function that changes
what it is derived from, in the same transaction (README, "Derived columns"):
- `Candidate.search_text`: `app.candidates.service.save()` and `rename_area()`; the GDPR
  erasure empties it itself;
- `Project.search_text`: `Project.rename()`, the one way a project's name and address are
  written;
- `Placement.retention_since`: `app.placements.retention.refresh()`, called by
  `app.placements.service.insert()` and `record_conversation()`;
- `Project.progress_stamp`: `app.placements.progress_cache.touch()`, called by
  `app.placements.service` and `app.agreements.service.approve()`.

What stays here are guards that write nothing: the audit log's append-only rule, and a saved
agreement version's frozen words. Importing a model module registers nothing; only
`create_app()` does, once per process (registering again is a no-op).

Not here, because they are connection settings rather than data rules: the `Engine` "connect"
hook (SQLite's pragmas and the search's fold function) and the "do_execute" hook (unprepared
statements for `plan_for_values`), both in app/factory.py.
"""

from __future__ import annotations

from sqlalchemy import event, inspect
from sqlalchemy.orm import ORMExecuteState, Session

from app.agreements.models import FROZEN, AgreementVersion, SavedVersionIsFrozen
from app.audit.models import PRUNE_OPTION, AuditEvent, AuditLogIsAppendOnly


def refuse_audit_update(_mapper, _connection, target: AuditEvent) -> None:
    """Keeps true: an audit event, once written, is never changed through the ORM."""
    raise AuditLogIsAppendOnly(f"{target!r} cannot be changed: the audit log is append-only.")


def refuse_audit_delete(_mapper, _connection, target: AuditEvent) -> None:
    """Keeps true: an audit event is never deleted one by one through the ORM."""
    raise AuditLogIsAppendOnly(f"{target!r} cannot be deleted: the audit log is append-only.")


def refuse_audit_bulk_changes(state: ORMExecuteState) -> None:
    """Keeps true: no bulk UPDATE or DELETE through a session touches the audit table, except
    the retention prune (`delete_events_before`, marked with PRUNE_OPTION)."""
    if not (state.is_update or state.is_delete):
        return
    table = getattr(state.statement, "table", None)
    if getattr(table, "name", None) != AuditEvent.__tablename__:
        return
    if state.is_delete and state.execution_options.get(PRUNE_OPTION):
        return
    raise AuditLogIsAppendOnly("The audit log is append-only; only the retention prune deletes.")


def refuse_version_changes(_mapper, _connection, target: AgreementVersion) -> None:
    """Keeps true: a saved agreement version's document, text, number and project never
    change through the ORM (its note and approval may)."""
    state = inspect(target)
    changed = [name for name in FROZEN if state.attrs[name].history.has_changes()]
    if changed:
        raise SavedVersionIsFrozen(
            f"{target!r} cannot change: {', '.join(changed)}; a saved version is frozen."
        )


# (target, event name, listener): every listener the app has.
LISTENERS = (
    (AgreementVersion, "before_update", refuse_version_changes),
    (AuditEvent, "before_update", refuse_audit_update),
    (AuditEvent, "before_delete", refuse_audit_delete),
    (Session, "do_orm_execute", refuse_audit_bulk_changes),
)


def init_app(_app=None) -> None:
    """Register the listeners (once: the factory runs for every app, the events are global)."""
    for target, name, listener in LISTENERS:
        if not event.contains(target, name, listener):
            event.listen(target, name, listener)
