from __future__ import annotations

from django.db.models import QuerySet

from jifen.audit.models import AuditEvent
from jifen.places.models import Household, Place


def household_history(household: Household) -> QuerySet[AuditEvent]:
    return AuditEvent.objects.filter(household=household).select_related("actor")


def village_history(village: Place) -> QuerySet[AuditEvent]:
    return AuditEvent.objects.filter(village=village).select_related("actor", "household")
