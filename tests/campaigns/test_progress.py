"""A campaign's progress per villager group and per grid, against figures worked out by hand."""

from __future__ import annotations

from typing import Any

from jifen.campaigns.selectors import Tally, campaign_progress
from tests import factories
from tests.campaigns.conftest import Drive, inspect
from tests.conftest import World


def _results(world: World, drive: Drive) -> None:
    # Round 1: 1-01 passes, 1-02 fails, 2-01 passes, 2-03 fails.
    inspect(world, drive, "1-01", 1, passed=True)
    inspect(world, drive, "1-02", 1, passed=False, failed=(0,))
    inspect(world, drive, "2-01", 1, passed=True)
    inspect(world, drive, "2-03", 1, passed=False, failed=(1, 2))
    # Round 2: 1-01 fails, 1-02 passes, 2-01 passes. Round 3 has not begun.
    inspect(world, drive, "1-01", 2, passed=False, failed=(3,))
    inspect(world, drive, "1-02", 2, passed=True)
    inspect(world, drive, "2-01", 2, passed=True)


def t(households: int, inspected: int, passed: int, failed: int) -> Tally:
    return Tally(households, inspected, passed, failed)


def test_progress_per_group_and_grid_equals_the_hand_count(world: World, drive: Drive) -> None:
    _results(world, drive)
    progress = campaign_progress(drive.campaign)
    assert [r.number for r in progress.rounds] == [1, 2, 3]
    groups = {row.label: (row.rounds, row.campaign) for row in progress.by_group}
    assert groups == {
        "第一组": ([t(3, 2, 1, 1), t(3, 2, 1, 1), t(3, 0, 0, 0)], t(3, 2, 1, 1)),
        "第二组": ([t(3, 2, 1, 1), t(3, 1, 1, 0), t(3, 0, 0, 0)], t(3, 2, 1, 1)),
    }
    grids = [(row.label, row.rounds, row.campaign) for row in progress.by_grid]
    assert grids == [
        ("第1网格", [t(3, 2, 1, 1), t(3, 2, 1, 1), t(3, 0, 0, 0)], t(3, 2, 1, 1)),
        ("第2网格", [t(2, 1, 1, 0), t(2, 1, 1, 0), t(2, 0, 0, 0)], t(2, 1, 1, 0)),
        ("No grid", [t(1, 1, 0, 1), t(1, 0, 0, 0), t(1, 0, 0, 0)], t(1, 1, 0, 1)),
    ]
    assert progress.total.rounds == [t(6, 4, 2, 2), t(6, 3, 2, 1), t(6, 0, 0, 0)]
    assert progress.total.campaign == t(6, 4, 2, 2)
    assert progress.total.campaign.waiting == 2


def test_progress_takes_five_queries_however_many_households(
    world: World, drive: Drive, django_assert_num_queries: Any
) -> None:
    _results(world, drive)
    with django_assert_num_queries(5):
        campaign_progress(drive.campaign)
    for n in range(12):
        home = factories.household(world.village, f"3-{n:02d}", "钱七")
        drive.homes[home.door_plate] = home
        inspect(
            world, drive, home.door_plate, 2, passed=n % 2 == 0, failed=() if n % 2 == 0 else (0,)
        )
    with django_assert_num_queries(5):
        progress = campaign_progress(drive.campaign)
    assert progress.total.rounds[1] == t(18, 15, 8, 7)
