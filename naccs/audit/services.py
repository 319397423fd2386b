"""Writing audit events: the one way every service records a state change."""

from typing import Any

from django.db import models

from .models import AuditEvent


def record(
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
    """Record that `actor` did `action` to `obj` (call it inside the transaction that makes the change)."""
    if actor is not None and not getattr(actor, "is_authenticated", False):
        actor = None
    return AuditEvent.objects.create(
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
