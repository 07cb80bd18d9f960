"""The one helper that writes the audit log, and the guard that keeps it append-only."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import event
from sqlalchemy.orm import Session

from servicecraft.extensions import db
from servicecraft.models import AuditEntry, User


class AuditLogIsAppendOnly(RuntimeError):
    """Raised when code tries to change or delete a written audit entry."""


def _plain(value: Any) -> Any:
    """Make a value JSON-friendly for the before/after summary."""
    if isinstance(value, (datetime, date)):
        return value.isoformat()
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple, set)):
        return [_plain(v) for v in (sorted(value) if isinstance(value, set) else value)]
    if value is None or isinstance(value, (str, int, float, bool)):
        return value
    return str(value)


def changes(before: dict[str, Any], after: dict[str, Any]) -> tuple[dict, dict]:
    """Keep only the keys whose values differ, for a compact before/after summary."""
    keys = [k for k in after if before.get(k) != after.get(k)]
    return {k: _plain(before.get(k)) for k in keys}, {k: _plain(after.get(k)) for k in keys}


def record(
    actor: User | None,
    entity: str,
    entity_id: Any,
    action: str,
    *,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
    reason: str = "",
) -> AuditEntry:
    """Append one audit entry in the current transaction (the caller commits)."""
    entry = AuditEntry(
        actor_id=actor.id if actor is not None else None,
        actor_label=actor.email if actor is not None else "system",
        entity=entity,
        entity_id=str(entity_id) if entity_id is not None else "",
        action=action,
        before=_plain(before) if before is not None else None,
        after=_plain(after) if after is not None else None,
        reason=reason or "",
    )
    db.session.add(entry)
    return entry


@event.listens_for(Session, "before_flush")
def _refuse_audit_changes(session: Session, flush_context, instances) -> None:
    for obj in list(session.dirty) + list(session.deleted):
        if isinstance(obj, AuditEntry) and (obj in session.deleted or session.is_modified(obj)):
            raise AuditLogIsAppendOnly("audit entries are never changed or deleted")
