"""桂花村 with two groups and two grids, a mosquito-control campaign in June 2026, and builders.

Every test here reads the English messages (the ``in_english`` fixture is automatic).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.test import Client
from django.utils import translation

from jifen.campaigns import services
from jifen.campaigns.models import Campaign, CampaignItem, Round
from jifen.core.idempotency import new_key
from jifen.places.models import Grid, Household, VillagerGroup
from tests import factories
from tests.conftest import World
from tests.points import actor

SHANGHAI = ZoneInfo("Asia/Shanghai")
NOW = datetime(2026, 6, 15, 10, 0, tzinfo=SHANGHAI)
TODAY = date(2026, 6, 15)
# Rounds of the campaign: 6-01..6-10, 6-11..6-20, 6-21..6-30.
IN_ROUND = {
    1: datetime(2026, 6, 5, 9, 0, tzinfo=SHANGHAI),
    2: NOW,
    3: datetime(2026, 6, 25, 9, 0, tzinfo=SHANGHAI),
}


@pytest.fixture(autouse=True)
def in_english(client: Client, settings: Any) -> Iterator[None]:
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    with translation.override("en"):
        yield


@dataclass
class Drive:
    campaign: Campaign
    rounds: list[Round]
    items: list[CampaignItem]
    # Households by door plate: 1-01 and 1-02 (the world's), 1-03 in group 1 / grid 1;
    # 2-01, 2-02 in group 2 / grid 2; 2-03 in group 2 with no grid.
    homes: dict[str, Household]
    group_two: VillagerGroup
    grid_two: Grid


def start_campaign(
    world: World, *, now: datetime = datetime(2026, 5, 30, tzinfo=SHANGHAI)
) -> Campaign:
    return services.create_campaign(
        actor=actor(world.people["secretary"]),
        village=world.village,
        title="夏季灭蚊行动",
        description="清积水、除杂草、垃圾入桶",
        starts_on=date(2026, 6, 1),
        ends_on=date(2026, 6, 30),
        items=["清除积水容器", "房前屋后无杂草", "垃圾入桶", "下水道通畅"],
        rounds=services.split_rounds(date(2026, 6, 1), date(2026, 6, 30), 3),
        idempotency_key=new_key(),
        now=now,
    )


@pytest.fixture
def drive(world: World) -> Drive:
    campaign = start_campaign(world)
    group_two = VillagerGroup.objects.create(village=world.village, name="第二组", number=2)
    grid_two = Grid.objects.create(village=world.village, name="第2网格")
    homes = {h.door_plate: h for h in Household.objects.filter(village=world.village)}
    homes["1-03"] = factories.household(world.village, "1-03", "张三")
    for plate, head, grid in [
        ("2-01", "李四", grid_two),
        ("2-02", "王五", grid_two),
        ("2-03", "赵六", None),
    ]:
        home = factories.household(world.village, plate, head)
        home.group, home.grid = group_two, grid
        home.save(update_fields=["group", "grid"])
        homes[plate] = home
    return Drive(
        campaign=campaign,
        rounds=list(campaign.rounds.order_by("number")),
        items=list(campaign.items.order_by("position")),
        homes=homes,
        group_two=group_two,
        grid_two=grid_two,
    )


def inspect(
    world: World,
    drive: Drive,
    plate: str,
    number: int,
    *,
    passed: bool,
    failed: tuple[int, ...] = (),
    note: str = "",
    who: str = "secretary",
) -> None:
    services.inspect(
        actor=actor(world.people[who]),
        round_=drive.rounds[number - 1],
        household=drive.homes[plate],
        passed=passed,
        failed_items=[drive.items[n] for n in failed],
        note=note,
        now=IN_ROUND[number],
    )


@pytest.fixture
def july() -> Iterator[None]:
    """The clock stands at 2026-07-05 09:00 in the village: June's board is current."""
    with time_machine.travel(datetime(2026, 7, 5, 9, 0, tzinfo=SHANGHAI), tick=False):
        yield
