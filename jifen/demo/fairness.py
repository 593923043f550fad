"""The demo's fairness flags: one village where a cadre scores her own household.

In the second village (the first after the showcase) the committee member records her own
household every nine days, and the secretary approves it. By the end of the year her
household stands far above the village, and one recorder has scored one household far too
often: both flags fire. The other villages' data are left as the activity made them; the
flags are computed over every village, so whatever else fires is shown as it is.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time

from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from jifen.accounts.actors import Actor
from jifen.accounts.models import Role, RoleGrant
from jifen.core.idempotency import new_key
from jifen.fairness.services import compute_flags
from jifen.places.models import Household, Place
from jifen.records import services as records
from jifen.records.models import Record
from jifen.rules.models import Item

EVERY_DAYS = 9
DESCRIPTIONS = ["参加村里组织的义务劳动", "夜间治安巡逻", "清理房前屋后杂物"]


@dataclass(frozen=True)
class Favouritism:
    """The hook in the year of activity: ``records`` is called for every village each day."""

    village_id: int | None
    recorder: Actor | None
    household: Household | None

    @classmethod
    def in_second_village(cls, places: list[Place]) -> Favouritism:
        if len(places) < 2:
            return cls(None, None, None)
        village = places[1]
        grant = (
            RoleGrant.objects.filter(
                place=village,
                role=Role.COMMITTEE_MEMBER,
                revoked_at__isnull=True,
                user__resident__household__village=village,
            )
            .select_related("user__resident__household__village", "place")
            .order_by("pk")
            .first()
        )
        if grant is None or grant.user.resident is None:
            return cls(None, None, None)
        return cls(
            village.pk,
            Actor(user=grant.user, grant=grant, ip_address="127.0.0.1"),
            grant.user.resident.household,
        )

    def records(
        self, village: Place, positive: list[Item], day: date, now: datetime
    ) -> list[Record]:
        """Every ninth day in the second village: one more record for the cadre's household."""
        if village.pk != self.village_id or day.toordinal() % EVERY_DAYS or not positive:
            return []
        assert self.recorder is not None and self.household is not None
        uncapped = [item for item in positive if item.cap_points is None] or positive
        item = uncapped[day.toordinal() % len(uncapped)]
        try:
            record = records.record_deed(
                actor=self.recorder,
                household=self.household,
                item=item,
                occurred_on=day,
                description=DESCRIPTIONS[day.toordinal() % len(DESCRIPTIONS)],
                idempotency_key=new_key(),
                now=now,
            )
        except (ValidationError, PermissionDenied):
            return []
        return [record]


def add_fairness(county: Place, *, end: date) -> int:
    """Compute the flags of every village of the county on the evening of ``end``; returns how
    many fire. Call it after the year of activity."""
    now = timezone.make_aware(datetime.combine(end, time(22, 0)))
    villages = Place.objects.filter(kind=Place.Kind.VILLAGE, path__startswith=county.path)
    return sum(
        len(compute_flags(village=village, today=end, now=now))
        for village in villages.order_by("code")
    )
