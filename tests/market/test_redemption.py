"""Redeeming points for goods: both or neither, no overdraft, reversals, lapses, settings."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, OperationalError, transaction

from jifen.accounts.actors import Actor
from jifen.accounts.models import Role
from jifen.audit.models import AuditEvent
from jifen.core.idempotency import new_key
from jifen.ledger.models import Account, Entry, Measure, Posting
from jifen.ledger.selectors import balances
from jifen.ledger.services import create_checkpoint
from jifen.ledger.verify import verify_village
from jifen.market import services
from jifen.market.models import Good, Redemption, SpendableLapse, StockIn, Store
from jifen.places.models import Household
from jifen.rules.models import VillageSettings
from tests import factories
from tests.conftest import World
from tests.points import NOW, Items, actor, after_notice, earn, small_rulebook

LATER = after_notice(4)


@pytest.fixture
def items(world: World) -> Items:
    return small_rulebook(world.village)


@pytest.fixture
def store(world: World) -> Store:
    store = Store.objects.create(village=world.village, name="桂花村爱心超市")
    store.villages.add(world.village, world.neighbour_village)
    return store


def good(store: Store, name: str, price: int, stock: int) -> Good:
    return Good.objects.create(store=store, name=name, price=price, stock=stock)


def earned(world: World, items: Items, times: int = 3) -> None:
    """The home household earns 10 points ``times`` times (score and spendable)."""
    earn(
        [world.home],
        items.patrol,
        times=times,
        recorder=actor(world.people["committee_member"]),
        reviewer=actor(world.people["secretary"]),
    )


def redeem(
    world: World,
    store: Store,
    quantities: dict[int, int],
    *,
    actor_: Actor | None = None,
    household: Household | None = None,
    channel: str = Redemption.Channel.COUNTER,
    idempotency_key: str | None = None,
) -> Redemption:
    """The keeper (or ``actor_``) redeems for the home household (or ``household``) at LATER."""
    return services.redeem(
        actor=actor_ or actor(world.people["store_keeper"]),
        store=store,
        household=household or world.home,
        quantities=quantities,
        channel=channel,
        idempotency_key=idempotency_key or new_key(),
        now=LATER,
    )


def test_a_counter_redemption_takes_points_and_stock_together(
    world: World, items: Items, store: Store
) -> None:
    earned(world, items)
    soap, oil = good(store, "肥皂", 5, 10), good(store, "食用油", 20, 2)

    redemption = redeem(world, store, {soap.pk: 2, oil.pk: 1})

    assert redemption.status == Redemption.Status.HANDED_OVER
    assert redemption.points == 30
    assert balances(world.home) == {Measure.SCORE: 30, Measure.SPENDABLE: 0}
    soap.refresh_from_db()
    oil.refresh_from_db()
    assert (soap.stock, oil.stock) == (8, 1)
    posting = redemption.posting
    assert posting is not None and posting.kind == Posting.Kind.REDEMPTION
    legs = sorted((e.account.kind, e.measure, e.amount) for e in posting.entries.all())
    assert legs == [
        (Account.Kind.HOUSEHOLD, Measure.SPENDABLE, -30),
        (Account.Kind.REDEEMED, Measure.SPENDABLE, 30),
    ]
    assert [line.unit_price for line in redemption.lines.order_by("good_id")] == [5, 20]
    assert AuditEvent.objects.filter(action="market.redeemed", household=world.home).exists()
    create_checkpoint(village=world.village, now=LATER)
    assert verify_village(world.village).ok


def test_not_enough_points_changes_nothing(world: World, items: Items, store: Store) -> None:
    earned(world, items, times=1)
    oil = good(store, "食用油", 40, 5)
    entries = Entry.objects.count()

    with pytest.raises(services.NotEnoughPoints) as refused:
        redeem(world, store, {oil.pk: 1})

    assert "10" in refused.value.messages[0] and "40" in refused.value.messages[0]
    oil.refresh_from_db()
    assert oil.stock == 5
    assert Entry.objects.count() == entries
    assert not Redemption.objects.exists()
    assert balances(world.home)[Measure.SPENDABLE] == 10


def test_out_of_stock_changes_nothing(world: World, items: Items, store: Store) -> None:
    earned(world, items)
    soap, oil = good(store, "肥皂", 5, 10), good(store, "食用油", 10, 1)

    with pytest.raises(services.OutOfStock):
        redeem(world, store, {soap.pk: 1, oil.pk: 2})

    assert list(Good.objects.order_by("pk").values_list("stock", flat=True)) == [10, 1]
    assert balances(world.home)[Measure.SPENDABLE] == 30
    assert not Redemption.objects.exists()


def test_stock_can_never_go_negative_in_the_database(store: Store) -> None:
    soap = good(store, "肥皂", 5, 1)
    with pytest.raises(IntegrityError), transaction.atomic():
        Good.objects.filter(pk=soap.pk).update(stock=-1)


def test_a_resent_confirmation_redeems_once(world: World, items: Items, store: Store) -> None:
    earned(world, items)
    soap = good(store, "肥皂", 5, 10)
    key = new_key()

    first = redeem(world, store, {soap.pk: 1}, idempotency_key=key)
    again = redeem(world, store, {soap.pk: 1}, idempotency_key=key)

    assert first.pk == again.pk
    assert Redemption.objects.count() == 1
    assert balances(world.home)[Measure.SPENDABLE] == 25
    with pytest.raises(ValidationError):
        redeem(world, store, {soap.pk: 2}, idempotency_key=key)


def test_a_cancellation_returns_points_and_stock_through_reversing_entries(
    world: World, items: Items, store: Store
) -> None:
    earned(world, items)
    soap = good(store, "肥皂", 5, 10)
    redemption = redeem(world, store, {soap.pk: 4})
    entries_before = Entry.objects.count()

    with pytest.raises(ValidationError):
        services.cancel_redemption(
            actor=actor(world.people["store_keeper"]), redemption=redemption, reason=" "
        )
    cancelled = services.cancel_redemption(
        actor=actor(world.people["store_keeper"]),
        redemption=redemption,
        reason="扫错了户",
        now=LATER,
    )

    assert cancelled.status == Redemption.Status.CANCELLED
    assert cancelled.reversal is not None
    assert cancelled.reversal.kind == Posting.Kind.CANCELLATION
    # The original entries stay; two more reverse them.
    assert Entry.objects.count() == entries_before + 2
    assert balances(world.home)[Measure.SPENDABLE] == 30
    soap.refresh_from_db()
    assert soap.stock == 10
    with pytest.raises(ValidationError):
        services.cancel_redemption(
            actor=actor(world.people["store_keeper"]), redemption=redemption, reason="again"
        )
    assert verify_village(world.village).ok


def test_an_online_order_waits_then_is_handed_over_or_lapses(
    world: World, items: Items, store: Store
) -> None:
    earned(world, items)
    soap = good(store, "肥皂", 5, 10)
    head = actor(world.people["household_head"])
    keeper = actor(world.people["store_keeper"])

    kept = redeem(world, store, {soap.pk: 1}, actor_=head, channel=Redemption.Channel.ONLINE)
    forgotten = redeem(world, store, {soap.pk: 2}, actor_=head, channel=Redemption.Channel.ONLINE)
    assert kept.status == Redemption.Status.ORDERED
    assert kept.pickup_by == LATER + timedelta(days=store.pickup_days)
    assert balances(world.home)[Measure.SPENDABLE] == 15

    services.hand_over(actor=keeper, redemption=kept, now=LATER)
    with pytest.raises(PermissionDenied):
        services.hand_over(actor=head, redemption=forgotten)
    # Not yet due, then due
    assert services.lapse_uncollected_orders(now=LATER + timedelta(days=6)) == 0
    assert services.lapse_uncollected_orders(now=LATER + timedelta(days=8)) == 1
    assert services.lapse_uncollected_orders(now=LATER + timedelta(days=9)) == 0

    kept.refresh_from_db()
    forgotten.refresh_from_db()
    assert kept.status == Redemption.Status.HANDED_OVER
    assert forgotten.status == Redemption.Status.LAPSED
    assert balances(world.home)[Measure.SPENDABLE] == 25
    soap.refresh_from_db()
    assert soap.stock == 9
    with pytest.raises(ValidationError):
        services.hand_over(actor=keeper, redemption=forgotten)


def test_a_household_cancels_only_its_own_waiting_order(
    world: World, items: Items, store: Store
) -> None:
    earned(world, items)
    soap = good(store, "肥皂", 5, 10)
    head = actor(world.people["household_head"])
    counter = redeem(world, store, {soap.pk: 1})
    order = redeem(world, store, {soap.pk: 1}, actor_=head, channel=Redemption.Channel.ONLINE)

    with pytest.raises(PermissionDenied):
        services.cancel_redemption(actor=head, redemption=counter, reason="不要了")
    services.cancel_redemption(actor=head, redemption=order, reason="不要了", now=LATER)

    assert balances(world.home)[Measure.SPENDABLE] == 25


def test_who_may_redeem(world: World, items: Items, store: Store) -> None:
    earned(world, items)
    soap = good(store, "肥皂", 5, 10)
    far_store = Store.objects.create(village=world.far_village, name="玉泉村超市")
    far_store.villages.add(world.far_village)
    far_soap = good(far_store, "肥皂", 5, 10)
    other_keeper = factories.account("孙店主", Role.STORE_KEEPER, world.neighbour_village)

    for someone in ["secretary", "grid_member", "villager", "bank_officer"]:
        with pytest.raises(PermissionDenied):
            redeem(world, store, {soap.pk: 1}, actor_=actor(world.people[someone]))
    with pytest.raises(PermissionDenied):  # the keeper of another village
        redeem(world, store, {soap.pk: 1}, actor_=actor(other_keeper))
    with pytest.raises(PermissionDenied):  # a store that does not serve the household
        redeem(world, far_store, {far_soap.pk: 1}, household=world.home)
    with pytest.raises(PermissionDenied):  # another household's order
        redeem(
            world,
            store,
            {soap.pk: 1},
            actor_=actor(world.people["household_head"]),
            household=world.neighbour_home,
            channel=Redemption.Channel.ONLINE,
        )
    with pytest.raises(ValidationError):  # a good of another store
        redeem(world, store, {far_soap.pk: 1})
    assert not Redemption.objects.exists()


def test_a_village_may_redeem_without_deducting(world: World, items: Items, store: Store) -> None:
    earned(world, items)
    VillageSettings.objects.filter(village=world.village).update(redemption_deducts=False)
    oil = good(store, "食用油", 40, 3)

    redemption = redeem(world, store, {oil.pk: 1})

    assert redemption.deducted is False and redemption.posting is None
    assert balances(world.home)[Measure.SPENDABLE] == 30
    oil.refresh_from_db()
    assert oil.stock == 2
    services.cancel_redemption(
        actor=actor(world.people["store_keeper"]), redemption=redemption, reason="退货"
    )
    oil.refresh_from_db()
    assert oil.stock == 3


def test_cadre_households_redeem_only_where_the_village_allows(
    world: World, items: Items, store: Store
) -> None:
    secretary = world.people["secretary"].resident
    assert secretary is not None
    cadre_home = secretary.household
    earn(
        [cadre_home],
        items.patrol,
        times=2,
        recorder=actor(world.people["grid_member"]),
        reviewer=actor(world.people["committee_member"]),
    )
    soap = good(store, "肥皂", 5, 10)
    VillageSettings.objects.filter(village=world.village).update(cadres_may_redeem=False)

    with pytest.raises(PermissionDenied):
        redeem(world, store, {soap.pk: 1}, household=cadre_home)
    VillageSettings.objects.filter(village=world.village).update(cadres_may_redeem=True)
    assert redeem(world, store, {soap.pk: 1}, household=cadre_home).points == 5


@pytest.mark.parametrize(
    ("schedule", "day", "open_"),
    [
        ("any", date(2026, 6, 15), True),
        ("monthly", date(2026, 6, 10), True),
        ("monthly", date(2026, 6, 11), False),
        ("quarterly", date(2026, 7, 1), True),
        ("quarterly", date(2026, 7, 10), True),
        ("quarterly", date(2026, 7, 11), False),
        ("quarterly", date(2026, 6, 1), False),
    ],
)
def test_exchange_days(schedule: str, day: date, open_: bool) -> None:
    settings = VillageSettings(exchange_schedule=schedule, exchange_window_days=10)
    assert services.exchange_open(settings, day) is open_


def test_outside_exchange_days_nothing_is_redeemed(
    world: World, items: Items, store: Store
) -> None:
    earned(world, items)
    VillageSettings.objects.filter(village=world.village).update(exchange_schedule="quarterly")
    soap = good(store, "肥皂", 5, 10)

    with pytest.raises(ValidationError) as refused:
        redeem(world, store, {soap.pk: 1})  # 19 June is not in a quarter's first ten days

    assert "2026-07-01" in refused.value.messages[0]
    assert not Redemption.objects.exists()


def test_unspent_points_lapse_once_at_year_end(world: World, items: Items, store: Store) -> None:
    earned(world, items)
    earn(
        [world.neighbour_home],
        small_rulebook(world.neighbour_village).patrol,
        times=1,
        recorder=actor(world.people["neighbour_secretary"]),
        reviewer=actor(factories.account("钱委员", Role.COMMITTEE_MEMBER, world.neighbour_village)),
    )
    soap = good(store, "肥皂", 5, 10)
    redeem(world, store, {soap.pk: 1})
    VillageSettings.objects.filter(village=world.village).update(spendable_lapses_at_year_end=True)
    new_year = datetime(2027, 1, 1, 0, 30, tzinfo=NOW.tzinfo)

    assert services.lapse_due_spendable(now=new_year) == 1
    assert services.lapse_due_spendable(now=new_year) == 0

    lapse = SpendableLapse.objects.get(village=world.village, year=2026)
    assert (lapse.points, lapse.households) == (25, 1)
    # The score stays: only the spendable balance lapses. The neighbours' village keeps theirs.
    assert balances(world.home) == {Measure.SCORE: 30, Measure.SPENDABLE: 0}
    assert balances(world.neighbour_home)[Measure.SPENDABLE] == 10
    assert verify_village(world.village).ok


def test_liability_is_outstanding_points_times_their_value(
    world: World, items: Items, store: Store
) -> None:
    earned(world, items)
    VillageSettings.objects.filter(village=world.village).update(
        point_value_fen=50, supermarket_budget_fen=6_000
    )
    soap = good(store, "肥皂", 5, 10)
    redeem(world, store, {soap.pk: 2})

    (ours, theirs) = services.liabilities([world.village, world.neighbour_village])

    assert (ours.outstanding_points, ours.liability_fen, ours.budget_share) == (20, 1_000, 16)
    assert (theirs.outstanding_points, theirs.liability_fen, theirs.budget_share) == (0, 0, None)


def test_a_lost_race_is_run_again(monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[int] = []

    def flaky() -> str:
        calls.append(1)
        if len(calls) < 3:
            raise OperationalError("database is locked")
        return "done"

    monkeypatch.setattr("jifen.market.services.time.sleep", lambda seconds: None)
    assert services.retrying(flaky) == "done"
    assert len(calls) == 3

    def broken() -> str:
        raise OperationalError("no such table: market_good")

    with pytest.raises(OperationalError):
        services.retrying(broken)


def test_stock_in_is_the_way_stock_grows(world: World, store: Store) -> None:
    soap = good(store, "肥皂", 5, 0)
    keeper = actor(world.people["store_keeper"])

    services.receive_stock(actor=keeper, good=soap, quantity=24, note="镇供销社")
    with pytest.raises(ValidationError):
        services.receive_stock(actor=keeper, good=soap, quantity=0)
    with pytest.raises(PermissionDenied):
        services.receive_stock(actor=actor(world.people["villager"]), good=soap, quantity=5)

    soap.refresh_from_db()
    assert soap.stock == 24
    assert StockIn.objects.get().received_by == world.people["store_keeper"]
