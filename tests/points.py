"""A village with a small rulebook in force, for tests of records and the ledger."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from django.utils import timezone

from jifen.accounts.actors import Actor
from jifen.accounts.models import RoleGrant, User
from jifen.core.idempotency import new_key
from jifen.ledger.services import post_due_records
from jifen.places.models import Household, Place
from jifen.records import services
from jifen.rules.models import Category, Item, Rulebook, RulebookVersion, StarBand, VillageSettings

NOW = datetime(2026, 6, 15, 10, 0, tzinfo=timezone.get_fixed_timezone(8 * 60))
TODAY = date(2026, 6, 15)


@dataclass
class Items:
    labour: Item  # +5 per time, declarable, capped 20 per month
    patrol: Item  # +10, recorder only
    yard: Item  # +3 per inspection
    littering: Item  # -5, a deduction
    base: Item  # +100 base score, not spendable
    honour: Item  # +30, photo required, declarable


def small_rulebook(village: Place) -> Items:
    """Version 1 of a village rulebook, adopted, with a handful of items."""
    rulebook = Rulebook.objects.create(owner=village, title=f"{village.name}积分细则")
    version = RulebookVersion.objects.create(
        rulebook=rulebook,
        number=1,
        status=RulebookVersion.Status.ADOPTED,
        meeting="村民会议",
        adopted_on=date(2026, 1, 10),
        vote_result="同意 212 反对 8",
    )
    good = Category.objects.create(version=version, title="公共事务", position=1)
    bad = Category.objects.create(version=version, title="扣分项", position=2)
    VillageSettings.objects.create(village=village, notice_days=3)
    for stars, score in [(1, 20), (2, 50), (3, 100)]:
        StarBand.objects.create(version=version, stars=stars, min_score=score)

    def item(code: str, category: Category, title: str, points: int, **extra: object) -> Item:
        fields: dict[str, object] = {"unit": Item.Unit.PER_OCCURRENCE, **extra}
        return Item.objects.create(
            version=version, category=category, code=code, title=title, points=points, **fields
        )

    return Items(
        labour=item(
            "A01", good, "义务劳动", 5, self_declarable=True, cap_points=20, cap_period="month"
        ),
        patrol=item("A02", good, "治安巡逻", 10),
        yard=item("A03", good, "庭院整洁", 3, unit=Item.Unit.PER_INSPECTION),
        littering=item("X01", bad, "乱扔垃圾", -5),
        base=item("B01", good, "基础分", 100, kind=Item.Kind.BASE),
        honour=item("A04", good, "获省级表彰", 30, self_declarable=True, evidence_required=True),
    )


def actor(user: User, role: str | None = None) -> Actor:
    grants = RoleGrant.objects.filter(user=user, revoked_at__isnull=True).order_by("id")
    return Actor(
        user=user, grant=grants.get(role=role) if role else grants.first(), ip_address="10.0.0.7"
    )


def after_notice(days: int = 3) -> datetime:
    return NOW + timedelta(days=days, minutes=1)


def earn(
    households: list[Household], item: Item, *, times: int, recorder: Actor, reviewer: Actor
) -> None:
    """Each household earns ``item`` ``times`` times: recorded, approved and posted."""
    for household in households:
        for _ in range(times):
            record = services.record_deed(
                actor=recorder,
                household=household,
                item=item,
                occurred_on=TODAY,
                idempotency_key=new_key(),
                now=NOW,
            )
            services.review_record(actor=reviewer, record=record, approve=True, now=NOW)
    post_due_records(now=after_notice(3))
