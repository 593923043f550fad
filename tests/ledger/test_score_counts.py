"""Score counts of townships and counties: maintained with every posting and registration,
equal to a rebuild from the standings, and giving the same ranks as counting households."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import pytest
from django.utils import timezone

from jifen.accounts.actors import Actor
from jifen.accounts.models import Role
from jifen.core.idempotency import new_key
from jifen.ledger import ranking
from jifen.ledger.models import ScoreCount, Standing
from jifen.ledger.services import post_due_records
from jifen.places.models import Household, Place
from jifen.places.services import check_roster_upload, import_roster_upload
from jifen.records import services
from jifen.records.models import Record
from jifen.rules.models import Item
from tests import factories
from tests.conftest import World
from tests.points import Items, actor, small_rulebook

ALL_TIME = ScoreCount.ALL_TIME


@dataclass
class Desk:
    """A village's rulebook and the cadres who record and review its deeds."""

    items: Items
    recorder: Actor
    reviewer: Actor


@pytest.fixture
def desks(world: World) -> dict[int, Desk]:
    desks = {}
    for village, secretary in [
        (world.village, world.people["secretary"]),
        (world.neighbour_village, world.people["neighbour_secretary"]),
        (world.far_village, factories.account("孙书记", Role.SECRETARY, world.far_village)),
    ]:
        recorder = factories.account(f"{village.name}委员", Role.COMMITTEE_MEMBER, village)
        desks[village.pk] = Desk(small_rulebook(village), actor(recorder), actor(secretary))
    return desks


def approve(desk: Desk, household: Household, item: Item, when: datetime, times: int = 1) -> Record:
    for _ in range(times):
        record = services.record_deed(
            actor=desk.recorder,
            household=household,
            item=item,
            occurred_on=timezone.localdate(when),
            idempotency_key=new_key(),
            now=when,
        )
        services.review_record(actor=desk.reviewer, record=record, approve=True, now=when)
    return record


def correct(desk: Desk, record: Record, when: datetime) -> None:
    correction = services.request_correction(
        actor=desk.recorder,
        record=record,
        reason="记错了户",
        idempotency_key=new_key(),
        now=when,
    )
    services.review_record(actor=desk.reviewer, record=correction, approve=True, now=when)


def post(when: datetime) -> None:
    """Post everything approved up to ``when``: the notice window is 3 days."""
    assert post_due_records(now=when + timedelta(days=4)) > 0


def maintained(years: set[int]) -> dict[tuple[int, int, int], int]:
    rows = ScoreCount.objects.filter(year__in=years).exclude(households=0)
    return {
        (row.place_id, row.year, row.score): row.households
        for row in rows.order_by("place_id", "year", "score")
    }


def brute_force_rank(household: Household, scope: str, this_year: bool) -> ranking.Position:
    """Rank by counting every household of the township or county in Python."""
    year = timezone.localdate().year
    standings = {s.household_id: s for s in Standing.objects.all()}

    def score_of(home: Household) -> int:
        standing = standings.get(home.pk)
        if standing is None:
            return 0
        if this_year:
            return standing.year_score if standing.year == year else 0
        return standing.score

    township = household.village.parent
    assert township is not None
    place = township if scope == "township" else township.parent
    assert place is not None
    pool = list(Household.objects.filter(village__path__startswith=place.path))
    mine = score_of(household)
    higher = sum(1 for home in pool if score_of(home) > mine)
    return ranking.Position(rank=higher + 1, of=len(pool), score=mine)


def assert_ranks_are_exact(world: World) -> None:
    households = Household.objects.filter(village__path__startswith=world.county.path)
    for household in households.select_related("village__parent"):
        for scope in ("township", "county"):
            for this_year in (False, True):
                expected = brute_force_rank(household, scope, this_year)
                found = ranking.position(household, scope=scope, this_year=this_year)
                assert found == expected, (household.door_plate, scope, this_year)


def assert_counts_equal_a_rebuild(years: set[int]) -> None:
    before = maintained(years)
    ranking.rebuild_score_counts()
    assert maintained(years) == before


def test_counts_follow_postings_corrections_deductions_registrations_and_a_new_year(
    world: World, desks: dict[int, Desk]
) -> None:
    this_year = timezone.localdate().year
    now = timezone.now()
    last_year = now.replace(year=this_year - 1)
    mine, neighbours, far = (
        desks[v.pk] for v in (world.village, world.neighbour_village, world.far_village)
    )
    busy = factories.household(world.village, "1-04", "郑三十")

    # Last year: three households earn or lose points, in one posting run over three villages
    approve(mine, world.home, mine.items.patrol, last_year, times=2)  # 20
    approve(neighbours, world.neighbour_home, neighbours.items.labour, last_year)  # 5
    approve(far, world.far_home, far.items.littering, last_year)  # -5
    post(last_year)
    assert_ranks_are_exact(world)
    assert maintained({this_year - 1})[(world.county.pk, this_year - 1, 20)] == 1

    # This year: the new year rolls the standings over; a correction takes points back
    when = now - timedelta(days=20)
    patrol = approve(mine, world.home, mine.items.patrol, when)  # 30, this year 10
    approve(mine, busy, mine.items.patrol, when, times=3)  # 30
    approve(neighbours, world.neighbour_home, neighbours.items.littering, when, times=2)  # -5
    approve(far, world.far_home, far.items.labour, when)  # 0, this year 5
    post(when)
    correct(mine, patrol, when + timedelta(days=5))
    post(when + timedelta(days=5))  # 20, this year 0
    assert Standing.objects.get(household=world.home).score == 20

    # A household registered after the others, and one who goes below those with nothing
    late = factories.household(world.neighbour_village, "2-02", "钱晚到")
    below = factories.household(world.village, "1-03", "冯扣分")
    factories.household(world.far_village, "3-02", "陈无分")  # nothing posted: stands at 0
    approve(neighbours, late, neighbours.items.patrol, when + timedelta(days=6), times=3)  # 30
    approve(mine, below, mine.items.littering, when + timedelta(days=6), times=3)  # -15
    post(when + timedelta(days=6))

    # Then each rank is the brute-force rank, and the counts are those a rebuild finds
    assert_ranks_are_exact(world)
    county_now = ranking.position(below, scope="county", this_year=True)
    assert (county_now.rank, county_now.of, county_now.score) == (8, 8, -15)
    assert ranking.position(late, scope="county") == ranking.Position(rank=1, of=8, score=30)
    assert_counts_equal_a_rebuild({ALL_TIME, this_year})
    assert_ranks_are_exact(world)


def test_last_years_counts_keep_the_households_that_moved_on(
    world: World, desks: dict[int, Desk]
) -> None:
    this_year = timezone.localdate().year
    now = timezone.now()
    mine = desks[world.village.pk]
    approve(mine, world.home, mine.items.patrol, now.replace(year=this_year - 1), times=2)
    post(now.replace(year=this_year - 1))
    approve(mine, world.home, mine.items.labour, now - timedelta(days=10))
    post(now - timedelta(days=10))

    counts = maintained({this_year - 1, this_year})
    # Last year's counts still describe last year; this year's hold the 5 points of this year
    for place in (world.township, world.county):
        assert counts[(place.pk, this_year - 1, 20)] == 1
        assert counts[(place.pk, this_year, 5)] == 1
    assert_ranks_are_exact(world)


def test_a_posting_dated_back_into_last_year_leaves_this_years_counts(
    world: World, desks: dict[int, Desk]
) -> None:
    # As in test_ranking: the standing moves back to last year, and this year it stands at 0
    this_year = timezone.localdate().year
    now = timezone.now()
    mine = desks[world.village.pk]
    approve(mine, world.home, mine.items.patrol, now - timedelta(days=10))
    post(now - timedelta(days=10))
    approve(mine, world.home, mine.items.labour, now.replace(year=this_year - 1))
    post(now.replace(year=this_year - 1))

    assert ranking.position(world.home, scope="county", this_year=True).score == 0
    assert_ranks_are_exact(world)
    assert_counts_equal_a_rebuild({ALL_TIME, this_year - 1, this_year})


def test_a_roster_import_counts_its_new_households_at_zero(world: World) -> None:
    secretary = actor(world.people["secretary"])
    roster = factories.roster_xlsx(
        [
            factories.roster_row("5-01", "王大山", "王大山", "户主", factories.id_number()),
            factories.roster_row("5-02", "刘长青", "刘长青", "户主", factories.id_number()),
        ]
    )
    checked = check_roster_upload(
        actor=secretary, village=world.village, filename="r.xlsx", content=roster
    )
    assert checked.plan.is_valid, checked.plan.problems

    import_roster_upload(actor=secretary, upload=checked.upload)

    township = ranking.position(world.home, scope="township")
    assert (township.rank, township.of) == (1, 5)  # 1-01, 1-02, 2-01 and the two new ones
    assert ranking.position(world.home, scope="county").of == 6
    assert maintained({ALL_TIME}) == {
        (world.county.pk, ALL_TIME, 0): 6,
        (world.township.pk, ALL_TIME, 0): 5,
        (world.other_township.pk, ALL_TIME, 0): 1,
    }
    assert_counts_equal_a_rebuild({ALL_TIME})


def test_a_rebuild_of_some_places_leaves_the_others(world: World) -> None:
    ScoreCount.objects.filter(place=world.other_township).update(households=99)
    ScoreCount.objects.filter(place=world.township).delete()

    written = ranking.rebuild_score_counts([world.township.pk])

    assert written == 1
    assert maintained({ALL_TIME}) == {
        (world.county.pk, ALL_TIME, 0): 4,
        (world.township.pk, ALL_TIME, 0): 3,
        (world.other_township.pk, ALL_TIME, 0): 99,
    }


def grow(county: Place, villages: int, households: int) -> None:
    """More villages and households in the county's first township."""
    township = Place.objects.filter(parent=county).order_by("code").first()
    assert township is not None
    for n in range(villages):
        village = factories.village(township, f"{township.code[:9]}{210 + n:03d}", f"新村{n}")
        for m in range(households):
            factories.household(village, f"8-{m:02d}", "周新户", members=1)


@pytest.mark.parametrize(
    ("scope", "this_year", "queries"),
    [("county", False, 1), ("county", True, 1), ("township", False, 1), ("village", False, 2)],
)
def test_a_rank_takes_the_same_queries_however_many_households(
    world: World,
    desks: dict[int, Desk],
    django_assert_num_queries: Any,
    scope: str,
    this_year: bool,
    queries: int,
) -> None:
    mine = desks[world.village.pk]
    approve(mine, world.home, mine.items.patrol, timezone.now() - timedelta(days=10))
    post(timezone.now() - timedelta(days=10))
    with django_assert_num_queries(queries):
        small = ranking.position(world.home, scope=scope, this_year=this_year)

    grow(world.county, villages=3, households=4)
    with django_assert_num_queries(queries):
        large = ranking.position(world.home, scope=scope, this_year=this_year)

    assert small.rank == large.rank == 1
    assert large.of == small.of + (12 if scope != "village" else 0)
