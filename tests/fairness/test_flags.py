"""Each flag fires on a village built to raise it, and stays silent on a fair one and on one
just under its threshold. The records are made through the real services."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from jifen.accounts.models import Role
from jifen.core.idempotency import new_key
from jifen.dividends.services import create_round
from jifen.fairness.explain import explain
from jifen.fairness.models import Flag
from jifen.fairness.services import compute_flags
from jifen.places.models import Household
from jifen.records import services as records
from jifen.records.models import Record
from tests import factories
from tests.conftest import World
from tests.fairness.conftest import TODAY, approve, at, households, make, post
from tests.points import Items, actor

EARLIER = TODAY - timedelta(days=14)


def cadre_village(world: World, items: Items, others: list[int], cadre: int) -> Household:
    """The secretary's household earns ``cadre`` patrols (recorded by the committee member,
    reviewed by a second one), six others ``others`` patrols (by the grid member)."""
    homes = [world.home, *households(world, len(others) - 1)]
    made = []
    for home, times in zip(homes, others, strict=True):
        made += make(world, home, items.patrol, on=EARLIER, times=times)
    approve(world, made)
    secretary = world.people["secretary"].resident
    assert secretary is not None
    cadre_home = secretary.household
    own = make(world, cadre_home, items.patrol, by="committee_member", on=EARLIER, times=cadre)
    world.people["second_member"] = factories.account(
        "孙委员", Role.COMMITTEE_MEMBER, world.village
    )
    approve(world, own, by="second_member")
    post(made + own)
    return cadre_home


def test_a_cadre_household_far_above_the_village_is_flagged(world: World, items: Items) -> None:
    # Given six households with 10, 10, 20, 20, 20 and 30 points, and the secretary's with 130
    cadre_home = cadre_village(world, items, [1, 1, 2, 2, 2, 3], cadre=13)
    # When the flags are computed
    flags = compute_flags(village=world.village, today=TODAY)
    # Then one flag names the secretary's household, with the statistic in words
    assert [(f.kind, f.household_id) for f in flags] == [(Flag.Kind.CADRE_HOUSEHOLD, cadre_home.pk)]
    flag = flags[0]
    assert flag.subject_key == f"household:{cadre_home.pk}:2026"
    assert explain(flag) == (
        "The household 1-02 李书记 of 李书记 (Party secretary) was posted 130 points from "
        "2026-01-01 to 2026-06-15. The village's other 6 households at home have a median of "
        "20 points (median absolute deviation 5). That is 110 points above the median and a "
        "modified z-score of 14.8 (0.6745 × the gap ÷ the deviation, counted as at least 1 "
        "point); the flag is raised from 3.5 with a gap of at least 100 points."
    )
    assert set(flag.records.values_list("household", flat=True)) == {cadre_home.pk}
    assert flag.records.count() == 13


@pytest.mark.parametrize(
    ("others", "cadre"),
    [
        # 110 points: only 90 above the median, under the gap of 100
        ([1, 1, 2, 2, 2, 3], 11),
        # 300 points against a wide spread: 215 above, but a z-score of 3.2
        ([1, 4, 7, 10, 13, 16], 30),
        # Fair: the cadre earns like everyone else
        ([1, 1, 2, 2, 2, 3], 2),
    ],
)
def test_a_cadre_household_within_the_village_is_not_flagged(
    world: World, items: Items, others: list[int], cadre: int
) -> None:
    cadre_village(world, items, others, cadre)
    assert compute_flags(village=world.village, today=TODAY) == []
    assert Flag.objects.count() == 0


def pair_village(world: World, items: Items, favoured_times: int, *, first: int = 1) -> Household:
    """The grid member records once for five households, ``favoured_times`` for a sixth."""
    homes = households(world, 6, first=first)
    for home in homes[1:]:
        make(world, home, items.patrol, on=EARLIER)
    make(world, homes[0], items.patrol, on=EARLIER, times=favoured_times)
    return homes[0]


def test_one_recorder_scoring_one_household_often_is_flagged(world: World, items: Items) -> None:
    favoured = pair_village(world, items, 9)
    flags = compute_flags(village=world.village, today=TODAY)
    grid_member = world.people["grid_member"]
    assert [(f.kind, f.recorder_id, f.household_id) for f in flags] == [
        (Flag.Kind.RECORDER_HOUSEHOLD, grid_member.pk, favoured.pk)
    ]
    assert explain(flags[0]) == (
        "In the 180 days from 2025-12-18 to 2026-06-15, 周网格 made 14 records adding points, "
        "for 6 households: an even spread would give each about 2.33. They made 9 for the "
        "household 5-01 张01号. With an even spread, the chance of 9 or more is 8.8e-05 "
        "(binomial test); the flag is raised from 6 records when the chance is below "
        "0.001 ÷ the 6 recorder and household pairs tested, that is 1.7e-04."
    )
    assert flags[0].records.count() == 9


@pytest.mark.parametrize("favoured_times", [8, 1])
def test_a_recorder_spreading_their_records_is_not_flagged(
    world: World, items: Items, favoured_times: int
) -> None:
    # 8 of 13: a chance of 3.5e-04, above 0.001 ÷ 6; 1 of 6: fair
    pair_village(world, items, favoured_times)
    assert compute_flags(village=world.village, today=TODAY) == []


YEAR_END_TODAY = date(2027, 1, 5)


def burst_village(world: World, items: Items, baseline: int, burst: int) -> None:
    """``baseline`` records over the 56 days before 25 December, ``burst`` from 25 to 31."""
    homes = households(world, 4)
    for n in range(baseline):
        make(world, homes[n % 4], items.patrol, on=date(2026, 10, 30) + timedelta(days=n % 56))
    for n in range(burst):
        make(world, homes[n % 4], items.patrol, on=date(2026, 12, 25) + timedelta(days=n % 7))


def test_a_burst_before_the_ranking_closes_is_flagged(world: World, items: Items) -> None:
    # Given 32 records in the 8 weeks before, 4 a week, and 12 in the last week of the year
    burst_village(world, items, baseline=32, burst=12)
    flags = compute_flags(village=world.village, today=YEAR_END_TODAY)
    assert [(f.kind, f.subject_key) for f in flags] == [
        (Flag.Kind.CLOSING_BURST, "close:2026-12-31")
    ]
    assert explain(flags[0]) == (
        "12 records were made in the 7 days from 2026-12-25 to 2026-12-31, just before the "
        "ranking of 2026 closed on 2026-12-31. In the 56 days before that the village made 32, "
        "so about 4.0 were to be expected: 3.0 times as many. The chance of 12 or more at the "
        "usual rate is 9.2e-04 (Poisson test); the flag is raised from 3 times the usual rate "
        "and a chance below 0.001."
    )
    assert flags[0].records.count() == 12


@pytest.mark.parametrize(("baseline", "burst"), [(33, 12), (32, 9), (56, 8)])
def test_a_steady_year_end_is_not_flagged(
    world: World, items: Items, baseline: int, burst: int
) -> None:
    # 33 before: 2.9 times the rate; 9 in the week: under the minimum of 10; steady: 8 a week
    burst_village(world, items, baseline=baseline, burst=burst)
    assert compute_flags(village=world.village, today=YEAR_END_TODAY) == []


def reversal_village(world: World, items: Items, reversed_count: int) -> list[Record]:
    """The committee member records 90 times, the grid member 10; of the grid member's,
    ``reversed_count`` are reversed: the first three by corrections, the rest by objections."""
    homes = households(world, 5)
    for n in range(90):
        make(world, homes[n % 5], items.patrol, by="committee_member", on=EARLIER)
    mine = [make(world, homes[n % 5], items.patrol, on=EARLIER)[0] for n in range(10)]
    corrected, objected = mine[: min(reversed_count, 3)], mine[3:reversed_count]
    approve(world, corrected + objected)
    for record in objected:
        objection = records.object_to_record(
            actor=actor(world.people["villager"]),
            record=record,
            reason="没有这回事",
            now=at(EARLIER, 10),
        )
        records.decide_objection(
            actor=actor(world.people["secretary"]),
            objection=objection,
            uphold=True,
            reason="属实",
            now=at(EARLIER, 11),
        )
    post(corrected)
    for record in corrected:
        records.request_correction(
            actor=actor(world.people["secretary"]),
            record=record,
            reason="重复登记",
            idempotency_key=new_key(),
            now=at(EARLIER + timedelta(days=6)),
        )
    return mine[:reversed_count]


def test_reversals_concentrated_on_one_recorder_are_flagged(world: World, items: Items) -> None:
    reversed_records = reversal_village(world, items, 5)
    flags = compute_flags(village=world.village, today=TODAY)
    grid_member = world.people["grid_member"]
    assert [(f.kind, f.recorder_id) for f in flags] == [(Flag.Kind.REVERSALS, grid_member.pk)]
    assert explain(flags[0]) == (
        "Of the 100 records made on a recorder's own judgement (recorded, on a household's "
        "behalf, deductions and verified reports) from 2025-06-16 to 2026-06-15, 5 were "
        "reversed later (corrected, or void after an upheld objection). 周网格 made 10 of the "
        "records (10.0%) but 5 of the reversals (100.0%). The chance of 5 or more if reversals "
        "fell on records alike is 1.0e-05 (binomial test); the flag is raised from 2 times a "
        "recorder's share and a chance below 5.0e-04 (0.001 ÷ 2 recorders)."
    )
    assert set(flags[0].records.values_list("pk", flat=True)) == {r.pk for r in reversed_records}
    assert Record.objects.filter(status=Record.Status.VOID).count() == 2


def test_a_few_reversals_are_not_flagged(world: World, items: Items) -> None:
    # 4 reversals, all the grid member's: under the minimum of 5
    reversal_village(world, items, 4)
    assert compute_flags(village=world.village, today=TODAY) == []


def test_a_dividend_round_closing_with_the_year_is_named_too(world: World, items: Items) -> None:
    # Given a dividend round whose period ends with the year, and a burst before it
    burst_village(world, items, baseline=8, burst=12)
    create_round(
        actor=actor(world.people["secretary"]),
        village=world.village,
        title="2026年积分分红",
        pool_fen=100_000,
        decision="村民代表会议决议",
        decided_on=date(2027, 1, 2),
        period_start=date(2026, 1, 1),
        period_end=date(2026, 12, 31),
        now=at(date(2027, 1, 2)),
    )
    (flag,) = compute_flags(village=world.village, today=YEAR_END_TODAY)
    assert flag.figures["closes"] == ["ranking:2026", "dividend:2026年积分分红"]
    assert "just before the ranking of 2026 and the dividend round “2026年积分分红” closed" in (
        explain(flag)
    )
