"""A store of 桂花村 that serves 双河村 too (not 玉泉村, of another township), its goods, and a
household with points to spend.

The page tests read the English messages: they ask for the ``in_english`` fixture.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from django.test import Client
from django.utils import translation

from jifen.market.models import Good, Store
from tests.conftest import World
from tests.points import Items, actor, earn, small_rulebook


@pytest.fixture
def in_english(client: Client, settings: Any) -> Iterator[None]:
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    with translation.override("en"):
        yield


@pytest.fixture
def media(settings: Any, tmp_path: Any) -> Any:
    """Uploaded photos go to a temporary directory."""
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


@pytest.fixture
def items(world: World) -> Items:
    return small_rulebook(world.village)


@pytest.fixture
def store(world: World) -> Store:
    store = Store.objects.create(village=world.village, name="桂花村爱心超市")
    store.villages.add(world.village, world.neighbour_village)
    return store


@pytest.fixture
def soap(store: Store) -> Good:
    return Good.objects.create(
        store=store, name="肥皂", category=Good.Category.CLEANING, price=5, stock=10
    )


@pytest.fixture
def oil(store: Store) -> Good:
    # Two left, with a warning from five: running low.
    return Good.objects.create(
        store=store, name="食用油", category=Good.Category.FOOD, price=20, stock=2
    )


def earned(world: World, items: Items, times: int = 3) -> None:
    """The home household earns 10 spendable points ``times`` times."""
    earn(
        [world.home],
        items.patrol,
        times=times,
        recorder=actor(world.people["committee_member"]),
        reviewer=actor(world.people["secretary"]),
    )
