"""Writing the audit trail. Called by every service, inside that service's transaction."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.db import models, transaction
from django.utils import timezone

from jifen.accounts.actors import Actor
from jifen.audit.models import AuditEvent
from jifen.places.models import Household, Place

Values = Mapping[str, Any] | None


def snapshot(instance: models.Model, fields: list[str]) -> dict[str, Any]:
    """The named fields of a model instance, as JSON-ready values."""
    values: dict[str, Any] = {}
    for name in fields:
        value = getattr(instance, name)
        if isinstance(value, models.Model):
            value = value.pk
        elif hasattr(value, "isoformat"):
            value = value.isoformat()
        values[name] = value
    return values


def build_event(
    *,
    actor: Actor | None,
    action: str,
    obj: models.Model,
    village: Place | None,
    household: Household | None = None,
    before: Values = None,
    after: Values = None,
) -> AuditEvent:
    """An unsaved event, for services that write many at once with ``bulk_create``."""
    return AuditEvent(
        at=timezone.now(),
        actor=actor.user if actor else None,
        actor_role=actor.role if actor else "system",
        action=action,
        object_type=obj._meta.label_lower,
        object_id=str(obj.pk),
        object_label=str(obj)[:120],
        village=village,
        household=household,
        before=dict(before) if before is not None else None,
        after=dict(after) if after is not None else None,
        ip_address=actor.ip_address if actor else None,
    )


def record_event(
    *,
    actor: Actor | None,
    action: str,
    obj: models.Model,
    village: Place | None,
    household: Household | None = None,
    before: Values = None,
    after: Values = None,
) -> AuditEvent:
    """Write one event. Must run inside the transaction of the change it records."""
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("Audit events are written inside the transaction of their change.")
    event = build_event(
        actor=actor,
        action=action,
        obj=obj,
        village=village,
        household=household,
        before=before,
        after=after,
    )
    event.save()
    return event
