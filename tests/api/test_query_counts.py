"""The bank API's reads of one household or application take a fixed number of queries, however
many households and villages there are. (The list of applications is measured in
tests/api/test_applications.py.) The counts are the same on SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from jifen.ledger.services import create_checkpoint
from jifen.rules.models import Item
from tests import factories
from tests.api.conftest import POSTED, BankSetup, call
from tests.points import actor, earn


def more_households_and_villages(bank_api: BankSetup) -> None:
    """Eight more households of 桂花村 earn points and its ledger is signed again; 双河村 and
    玉泉村 get four more households each."""
    world = bank_api.world
    patrol = Item.objects.get(version__rulebook__owner=world.village, code="A02")
    newcomers = [factories.household(world.village, f"5-{n:02d}") for n in range(8)]
    earn(
        newcomers,
        patrol,
        times=2,
        recorder=actor(world.people["grid_member"]),
        reviewer=actor(world.people["secretary"]),
    )
    create_checkpoint(village=world.village, now=POSTED)
    for village in (world.neighbour_village, world.far_village):
        for n in range(4):
            factories.household(village, f"6-{n:02d}")


@pytest.mark.parametrize(
    ("path", "expected"),
    [
        pytest.param(lambda b: f"/households/{b.token}", 10, id="lookup"),
        pytest.param(lambda b: f"/households/{b.token}/standing", 16, id="standing"),
        pytest.param(lambda b: f"/applications/{b.application.pk}", 10, id="application"),
    ],
)
def test_a_read_takes_as_many_queries_with_more_households_and_villages(
    bank_api: BankSetup,
    django_assert_num_queries: Any,
    path: Callable[[BankSetup], str],
    expected: int,
) -> None:
    url = path(bank_api)
    call("GET", url, bank_api.secret)  # the minute's first call counts with an insert
    with django_assert_num_queries(expected):
        assert call("GET", url, bank_api.secret).status_code == 200
    more_households_and_villages(bank_api)
    with django_assert_num_queries(expected):
        assert call("GET", url, bank_api.secret).status_code == 200
