"""Writing audit events: the one way every service records a state change."""

from typing import Any

from django.db import models

from .models import AuditEvent


def event(
    *,
    action: str,
    actor=None,
    actor_label: str = "",
    company=None,
    obj: models.Model | None = None,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
    **details: Any,
) -> AuditEvent:
    """The unsaved event that `record` writes (a path that makes several writes them at once with record_many)."""
    if actor is not None and not getattr(actor, "is_authenticated", False):
        actor = None
    return AuditEvent(
        action=action,
        actor=actor,
        actor_label=actor_label or (actor.username if actor else "system"),
        company=company,
        object_type=obj._meta.label if obj is not None else "",
        object_id=str(obj.pk) if obj is not None else "",
        before=before or {},
        after=after or {},
        details=details,
    )


def record(*, action: str, **fields: Any) -> AuditEvent:
    """Record that `actor` did `action` to `obj`, with `event`'s keywords (call it inside the transaction that makes
    the change)."""
    audit_event = event(action=action, **fields)
    audit_event.save(force_insert=True)
    return audit_event


def record_many(events: list[AuditEvent]) -> None:
    """Write events made by `event` in one statement."""
    AuditEvent.objects.bulk_create(events)
