"""Builders for the fairness tests: a rulebook in 桂花村, more households, records at a moment.

Every test here reads the English messages (the ``in_english`` fixture is automatic).
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, datetime, time, timedelta
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone, translation

from jifen.accounts.models import User
from jifen.core.idempotency import new_key
from jifen.ledger.services import post_due_records
from jifen.places.models import Household
from jifen.records import services
from jifen.records.models import Record
from jifen.rules.models import Item
from tests import factories
from tests.conftest import World
from tests.points import Items, actor, small_rulebook

TODAY = date(2026, 6, 15)


@pytest.fixture(autouse=True)
def in_english(client: Client, settings: Any) -> Iterator[None]:
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    with translation.override("en"):
        yield


@pytest.fixture
def items(world: World) -> Items:
    return small_rulebook(world.village)


def at(day: date, hour: int = 9) -> datetime:
    return timezone.make_aware(datetime.combine(day, time(hour)))


def households(world: World, count: int, *, first: int = 1) -> list[Household]:
    """``count`` more households of 桂花村, door plates 5-01, 5-02 …"""
    return [
        factories.household(world.village, f"5-{n:02}", f"张{n:02}号")
        for n in range(first, first + count)
    ]


def make(
    world: World,
    household: Household,
    item: Item,
    *,
    by: str = "grid_member",
    on: date = TODAY,
    times: int = 1,
) -> list[Record]:
    """``by`` records ``item`` for the household ``times`` times on the day ``on``."""
    return [
        services.record_deed(
            actor=actor(world.people[by]),
            household=household,
            item=item,
            occurred_on=on,
            idempotency_key=new_key(),
            now=at(on),
        )
        for _ in range(times)
    ]


def approve(world: World, made: list[Record], *, by: str = "secretary") -> None:
    for record in made:
        services.review_record(
            actor=actor(world.people[by]), record=record, approve=True, now=record.recorded_at
        )


def post(made: list[Record]) -> None:
    """Post every approved record once its notice has closed."""
    latest = max(record.recorded_at for record in made)
    post_due_records(now=latest + timedelta(days=4))


def person(world: World, name: str) -> User:
    return world.people[name]
