"""Points posted to 桂花村's ledger at chosen moments, and rounds built from them."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, datetime, timedelta
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone, translation

from jifen.core.idempotency import new_key
from jifen.dividends import services
from jifen.dividends.models import DividendRound
from jifen.ledger.services import post_due_records
from jifen.places.models import Household
from jifen.records.services import record_deed, review_record
from jifen.rules.models import Item
from tests.conftest import World
from tests.points import Items, actor, small_rulebook

CST = timezone.get_fixed_timezone(8 * 60)
JUNE = (date(2026, 6, 1), date(2026, 6, 30))
# When a round about June is drawn up: the period is over.
JULY_5 = datetime(2026, 7, 5, 9, 0, tzinfo=CST)
POOL_FEN = 100_000  # 1000.00 yuan
DECISION = "村民代表会议 2026-07-01 决议：集体经营性收入的30%"


@pytest.fixture(autouse=True)
def in_english(client: Client, settings: Any) -> Iterator[None]:
    """These tests read the English messages; the Chinese catalogue is checked elsewhere."""
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    with translation.override("en"):
        yield


@pytest.fixture
def items(world: World) -> Items:
    return small_rulebook(world.village)


def cadre_home(world: World) -> Household:
    resident = world.people["secretary"].resident
    assert resident is not None
    return resident.household


def earn(
    world: World,
    household: Household,
    item: Item,
    *,
    on: datetime,
    posted_at: datetime | None = None,
) -> None:
    """Record ``item`` for ``household`` on ``on``, approve it, and post it when its notice has
    closed (``posted_at``, by default three days and a minute later)."""
    recorder = world.people["secretary" if item.is_deduction else "grid_member"]
    record = record_deed(
        actor=actor(recorder),
        household=household,
        item=item,
        occurred_on=timezone.localdate(on),
        idempotency_key=new_key(),
        now=on,
    )
    review_record(
        actor=actor(world.people["committee_member"]), record=record, approve=True, now=on
    )
    assert post_due_records(now=posted_at or on + timedelta(days=3, minutes=1)) == 1


def june_points(world: World, items: Items) -> None:
    """王建国's household (1-01) earns 30 points in June, 李书记's (1-02) 10 − 5 = 5."""
    for day in (2, 9, 16):
        earn(world, world.home, items.patrol, on=datetime(2026, 6, day, 10, 0, tzinfo=CST))
    earn(world, cadre_home(world), items.patrol, on=datetime(2026, 6, 3, 10, 0, tzinfo=CST))
    earn(world, cadre_home(world), items.littering, on=datetime(2026, 6, 4, 10, 0, tzinfo=CST))


def draft(world: World, **terms: Any) -> DividendRound:
    """A draft round about June, drawn up by the system on 5 July."""
    values: dict[str, Any] = {
        "title": "2026年6月积分分红",
        "pool_fen": POOL_FEN,
        "decision": DECISION,
        "decided_on": date(2026, 7, 1),
        "period_start": JUNE[0],
        "period_end": JUNE[1],
        "now": JULY_5,
        **terms,
    }
    return services.create_round(actor=None, village=world.village, **values)


def final(world: World) -> DividendRound:
    return services.build_final_round(
        village=world.village,
        title="2026年6月积分分红",
        pool_fen=POOL_FEN,
        decision=DECISION,
        decided_on=date(2026, 7, 1),
        period_start=JUNE[0],
        period_end=JUNE[1],
        now=JULY_5,
    )
