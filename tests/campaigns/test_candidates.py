"""Candidates for a board: from the month's posted records, and from a campaign's inspections."""

from __future__ import annotations

from datetime import date

import pytest

from jifen.campaigns import selectors
from jifen.campaigns.selectors import campaign_candidates, month_candidates
from tests.campaigns.builders import june_records
from tests.campaigns.conftest import Drive, inspect
from tests.conftest import World


def _summary(candidates: list[selectors.Candidate]) -> list[tuple[str, str, str]]:
    return [(c.colour, c.household.door_plate, c.reason) for c in candidates]


def test_month_candidates_are_the_top_earners_and_the_deducted(world: World, drive: Drive) -> None:
    # Given June's posted records: 1-01 +20 and -5, 1-02 +10, 1-03 +5, 2-01 +20
    june_records(world, drive)
    # When the candidates of June are built
    candidates = month_candidates(world.village, date(2026, 6, 1))
    # Then the top earners are red (by points) and 1-01, with a deduction, is black only
    assert _summary(candidates) == [
        ("red", "2-01", "Earned 20 points in 2026-06"),
        ("red", "1-02", "Earned 10 points in 2026-06"),
        ("red", "1-03", "Earned 5 points in 2026-06"),
        ("black", "1-01", "Points deducted in 2026-06: 乱扔垃圾 -5 (06-15)"),
    ]
    # And each shows the records behind it
    assert [r.points for r in candidates[0].records] == [10, 10]
    assert [r.points for r in candidates[3].records] == [-5]


def test_the_red_list_is_cut_at_its_size_but_keeps_ties(
    world: World, drive: Drive, monkeypatch: pytest.MonkeyPatch
) -> None:
    june_records(world, drive)
    monkeypatch.setattr(selectors, "RED_LIST_SIZE", 1)
    assert [c.household.door_plate for c in month_candidates(world.village, date(2026, 6, 1))] == [
        "2-01",
        "1-01",
    ]
    monkeypatch.setattr(selectors, "RED_LIST_SIZE", 2)
    assert [c.household.door_plate for c in month_candidates(world.village, date(2026, 6, 1))] == [
        "2-01",
        "1-02",
        "1-01",
    ]


def test_another_month_has_no_candidates(world: World, drive: Drive) -> None:
    june_records(world, drive)
    assert month_candidates(world.village, date(2026, 5, 1)) == []
    assert month_candidates(world.village, date(2026, 7, 1)) == []


def _inspections(world: World, drive: Drive) -> None:
    plan: dict[str, list[bool | None]] = {
        "1-01": [True, True, True],
        "1-02": [True, False, True],
        "1-03": [True, True, False],
        "2-01": [True, None, True],
        "2-02": [False, None, None],
    }
    for plate, results in plan.items():
        for number, passed in enumerate(results, start=1):
            if passed is not None:
                failed = () if passed else (0,)
                inspect(
                    world,
                    drive,
                    plate,
                    number,
                    passed=passed,
                    failed=failed,
                    note="" if passed else "积水",
                )


def test_campaign_candidates_after_three_rounds(world: World, drive: Drive) -> None:
    _inspections(world, drive)
    candidates = campaign_candidates(drive.campaign, date(2026, 6, 25))
    assert _summary(candidates) == [
        ("red", "1-01", "Passed every round of 夏季灭蚊行动 (3)"),
        ("black", "1-03", "Failed round 3 of 夏季灭蚊行动: 清除积水容器; 积水"),
    ]
    assert [i.round.number for i in candidates[0].inspections] == [1, 2, 3]
    assert [i.round.number for i in candidates[1].inspections] == [3]


def test_campaign_candidates_count_only_the_rounds_begun(world: World, drive: Drive) -> None:
    _inspections(world, drive)
    candidates = campaign_candidates(drive.campaign, date(2026, 6, 15))
    assert _summary(candidates) == [
        ("red", "1-01", "Passed every round of 夏季灭蚊行动 (2)"),
        ("red", "1-03", "Passed every round of 夏季灭蚊行动 (2)"),
        ("black", "1-02", "Failed round 2 of 夏季灭蚊行动: 清除积水容器; 积水"),
    ]
    assert campaign_candidates(drive.campaign, date(2026, 5, 31)) == []
