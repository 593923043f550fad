"""Ranks: equal scores share a rank (1, 2, 2, 4), per village, township and county, per pool."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from django.utils import timezone

from jifen.core.idempotency import new_key
from jifen.ledger import ranking
from jifen.ledger.services import post_due_records
from jifen.places.models import Household
from jifen.records import services
from jifen.rules.models import Item, VillageSettings
from tests import factories
from tests.conftest import World
from tests.points import actor, small_rulebook


def give(world: World, household: Household, item, times: int, when: datetime) -> None:
    for _ in range(times):
        record = services.record_deed(
            actor=actor(world.people["committee_member"]),
            household=household,
            item=item,
            occurred_on=timezone.localdate(when),
            idempotency_key=new_key(),
            now=when,
        )
        services.review_record(
            actor=actor(world.people["secretary"]), record=record, approve=True, now=when
        )
    post_due_records(now=when + timedelta(days=4))


@pytest.fixture
def scored(world: World) -> dict[str, Household]:
    items = small_rulebook(world.village)
    homes = {
        plate: factories.household(world.village, plate, f"户{plate}")
        for plate in ("9-01", "9-02", "9-03", "9-04")
    }
    now = timezone.now() - timedelta(days=10)
    give(world, homes["9-01"], items.patrol, 3, now)  # 30
    give(world, homes["9-02"], items.patrol, 2, now)  # 20
    give(world, homes["9-03"], items.patrol, 2, now)  # 20
    give(world, homes["9-04"], items.patrol, 1, now)  # 10
    return homes


def test_equal_scores_share_a_rank(world: World, scored: dict[str, Household]) -> None:
    ranks = {plate: ranking.position(home).rank for plate, home in scored.items()}
    assert ranks == {"9-01": 1, "9-02": 2, "9-03": 2, "9-04": 4}
    listed = [(r.household.door_plate, r.rank) for r in ranking.village_ranking(world.village)]
    assert listed[:4] == [("9-01", 1), ("9-02", 2), ("9-03", 2), ("9-04", 4)]


def test_the_top_of_a_ranking_has_the_ranks_of_the_whole_village(
    world: World, scored: dict[str, Household]
) -> None:
    # Cut inside the tie: the household left out does not move the one shown.
    top = ranking.village_ranking(world.village, limit=2)
    assert [(r.household.door_plate, r.rank, r.score) for r in top] == [
        ("9-01", 1, 30),
        ("9-02", 2, 20),
    ]
    for ranked in ranking.village_ranking(world.village, this_year=True):
        assert ranked.rank == ranking.position(ranked.household, this_year=True).rank


def test_households_with_nothing_posted_count_in_the_total(
    world: World, scored: dict[str, Household]
) -> None:
    position = ranking.position(scored["9-04"])
    assert position.of == Household.objects.filter(village=world.village).count() == 6
    assert ranking.position(world.home).rank == 5  # 0 points, behind the four


def test_a_deduction_puts_a_household_below_those_with_nothing(
    world: World, scored: dict[str, Household]
) -> None:
    littering = Item.objects.get(version__rulebook__owner=world.village, code="X01")
    give(world, world.home, littering, 1, timezone.now() - timedelta(days=9))
    assert ranking.position(world.home).rank == 6
    assert ranking.position(world.home).score == -5


def test_township_and_county_ranks_include_the_other_villages(
    world: World, scored: dict[str, Household]
) -> None:
    items = small_rulebook(world.neighbour_village)
    neighbour_secretary = actor(world.people["neighbour_secretary"])
    committee = factories.account("赵委员", "committee_member", world.neighbour_village)
    when = timezone.now() - timedelta(days=10)
    record = services.record_deed(
        actor=actor(committee),
        household=world.neighbour_home,
        item=items.patrol,
        quantity=5,
        occurred_on=timezone.localdate(when),
        idempotency_key=new_key(),
        now=when,
    )
    services.review_record(actor=neighbour_secretary, record=record, approve=True, now=when)
    post_due_records(now=when + timedelta(days=4))
    assert ranking.position(world.neighbour_home).rank == 1
    assert ranking.position(scored["9-01"], scope="township").rank == 2
    assert ranking.position(scored["9-01"], scope="county").rank == 2
    assert ranking.position(scored["9-01"], scope="county").of == Household.objects.count()
    assert ranking.position(scored["9-01"]).rank == 1


def test_this_years_rank_counts_only_this_years_points(
    world: World, scored: dict[str, Household]
) -> None:
    items = small_rulebook.__globals__["Item"].objects.get(
        version__rulebook__owner=world.village, code="A02"
    )
    last_year = timezone.now().replace(year=timezone.now().year - 1)
    give(world, scored["9-04"], items, 5, last_year)  # 50 points, all last year
    assert ranking.position(scored["9-04"]).rank == 1
    assert ranking.position(scored["9-04"], this_year=True).rank == 4


def test_absent_households_rank_in_their_own_pool(
    world: World, scored: dict[str, Household]
) -> None:
    VillageSettings.objects.filter(village=world.village).update(separate_absent_pool=True)
    Household.objects.filter(pk=scored["9-04"].pk).update(at_home=False)
    scored["9-04"].refresh_from_db()
    away = ranking.position(scored["9-04"])
    assert (away.rank, away.of) == (1, 1)
    assert ranking.position(scored["9-01"]).of == 5


@pytest.mark.parametrize(
    ("absent_pool", "cadre_pool"), [(False, False), (True, False), (False, True), (True, True)]
)
def test_a_household_read_with_its_standing_ranks_as_one_read_fresh(
    world: World, scored: dict[str, Household], absent_pool: bool, cadre_pool: bool
) -> None:
    # Given pools, an absent household, a deduction below 0 and households with nothing posted
    VillageSettings.objects.filter(village=world.village).update(
        separate_absent_pool=absent_pool, separate_cadre_pool=cadre_pool
    )
    Household.objects.filter(pk=scored["9-03"].pk).update(at_home=False)
    littering = Item.objects.get(version__rulebook__owner=world.village, code="X01")
    give(world, world.home, littering, 1, timezone.now() - timedelta(days=9))
    # Then the door plate's one-query rank equals the rank read fresh, for every household
    loaded = Household.objects.select_related("standing", "village__points_settings")
    for household in loaded.filter(village=world.village):
        assert ranking.position_in_village(household) == ranking.position(household)
