"""Redemptions racing each other on real parallel connections (PostgreSQL only).

No overdraft and no negative stock, ever; "not enough points" and "out of stock" only when
they are true; and the ledger verifies afterwards.
"""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.db import connection

from jifen.accounts.actors import Actor
from jifen.core.idempotency import new_key
from jifen.ledger.models import Account, Measure
from jifen.ledger.selectors import balances
from jifen.ledger.services import create_checkpoint
from jifen.market import services
from jifen.market.models import Good, Redemption, Store
from jifen.places.models import Household
from tests import factories
from tests.conftest import World
from tests.ledger.test_concurrency import assert_chain_whole, run_together
from tests.points import Items, actor, after_notice, earn, small_rulebook

pytestmark = [
    pytest.mark.postgres_only,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        connection.vendor != "postgresql",
        reason="needs real parallel connections: SQLite serialises every write transaction",
    ),
]

LATER = after_notice(4)


@pytest.fixture
def items(world: World) -> Items:
    return small_rulebook(world.village)


@pytest.fixture
def store(world: World) -> Store:
    store = Store.objects.create(village=world.village, name="桂花村爱心超市")
    store.villages.add(world.village)
    return store


def attempt(keeper: Actor, store: Store, household: Household, good: Good) -> object:
    """One counter redemption of one ``good``: the redemption, or the refusal it met."""
    try:
        return services.redeem(
            actor=keeper,
            store=store,
            household=household,
            quantities={good.pk: 1},
            idempotency_key=new_key(),
            now=LATER,
        )
    except ValidationError as refused:
        return refused


def outcome(attempt: object) -> str:
    if isinstance(attempt, Redemption):
        return "redeemed"
    if isinstance(attempt, services.NotEnoughPoints):
        return "not enough points"
    if isinstance(attempt, services.OutOfStock):
        return "out of stock"
    return repr(attempt)


def test_fifty_redemptions_by_a_household_that_can_afford_one(
    world: World, items: Items, store: Store
) -> None:
    earn(
        [world.home],
        items.patrol,
        times=3,
        recorder=actor(world.people["committee_member"]),
        reviewer=actor(world.people["secretary"]),
    )
    radio = Good.objects.create(store=store, name="收音机", price=20, stock=3)
    keeper = actor(world.people["store_keeper"])

    results, elapsed = run_together(50, lambda _: attempt(keeper, store, world.home, radio))

    outcomes = [outcome(r) for r in results]
    print(f"\n50 parallel redemptions, one household affording one: {elapsed:.3f} s")
    assert outcomes.count("redeemed") == 1
    assert outcomes.count("not enough points") == 49
    radio.refresh_from_db()
    assert radio.stock == 2
    assert balances(world.home) == {Measure.SCORE: 30, Measure.SPENDABLE: 10}
    assert not Account.objects.filter(kind=Account.Kind.HOUSEHOLD, balance__lt=0).exists()
    create_checkpoint(village=world.village, now=LATER)
    assert_chain_whole(world.village)


def test_fifty_households_race_for_three_in_stock(world: World, items: Items, store: Store) -> None:
    households = [
        factories.household(world.village, f"5-{n:02d}", f"户主{n:02d}") for n in range(50)
    ]
    earn(
        households,
        items.patrol,
        times=1,
        recorder=actor(world.people["committee_member"]),
        reviewer=actor(world.people["secretary"]),
    )
    radio = Good.objects.create(store=store, name="收音机", price=10, stock=3)
    keeper = actor(world.people["store_keeper"])

    results, elapsed = run_together(50, lambda n: attempt(keeper, store, households[n], radio))

    outcomes = [outcome(r) for r in results]
    print(f"\n50 parallel redemptions by 50 households, stock 3: {elapsed:.3f} s")
    assert outcomes.count("redeemed") == 3
    assert outcomes.count("out of stock") == 47
    radio.refresh_from_db()
    assert radio.stock == 0
    winners = {r.household_id for r in results if isinstance(r, Redemption)}
    for household in households:
        expected = 0 if household.pk in winners else 10
        assert balances(household)[Measure.SPENDABLE] == expected
    create_checkpoint(village=world.village, now=LATER)
    assert_chain_whole(world.village)


def test_cancellations_and_redemptions_racing_keep_stock_and_points_whole(
    world: World, items: Items, store: Store
) -> None:
    earn(
        [world.home],
        items.patrol,
        times=10,
        recorder=actor(world.people["committee_member"]),
        reviewer=actor(world.people["secretary"]),
    )
    soap = Good.objects.create(store=store, name="肥皂", price=5, stock=40)
    keeper = actor(world.people["store_keeper"])
    done = [
        services.redeem(
            actor=keeper,
            store=store,
            household=world.home,
            quantities={soap.pk: 1},
            idempotency_key=new_key(),
            now=LATER,
        )
        for _ in range(10)
    ]

    def cancel_or_redeem(n: int) -> object:
        if n < 10:
            return services.cancel_redemption(
                actor=keeper, redemption=done[n], reason="退货", now=LATER
            )
        return attempt(keeper, store, world.home, soap)

    results, _ = run_together(30, cancel_or_redeem)

    redeemed = sum(1 for r in results[10:] if isinstance(r, Redemption))
    assert all(isinstance(r, Redemption) for r in results[:10])
    live = Redemption.objects.filter(status=Redemption.Status.HANDED_OVER).count()
    assert live == redeemed
    soap.refresh_from_db()
    assert soap.stock == 40 - live
    assert balances(world.home)[Measure.SPENDABLE] == 100 - 5 * live >= 0
    assert_chain_whole(world.village)
