"""Every role against every supermarket page and action: allowed, or refused with nothing changed.

The store belongs to 桂花村 and serves 双河村 too. Besides the personas of 桂花村 and its
township and county, the table holds a keeper and a secretary of 双河村 (a village the store
serves, but whose people do not run it) and an admin of another township.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

import pytest
from django.http.response import HttpResponseBase
from django.test import Client
from django.urls import reverse

from jifen.accounts.models import Role
from jifen.audit.models import AuditEvent
from jifen.core.idempotency import new_key
from jifen.core.models import IdempotentRequest
from jifen.ledger.models import Entry
from jifen.market import services
from jifen.market.models import Good, Redemption, StockIn, Store
from jifen.rules.models import VillageSettings
from tests import factories
from tests.conftest import World, log_in
from tests.market.conftest import earned
from tests.points import Items, actor
from tests.test_access_matrix import ROLES

PERSONAS = [*ROLES, "neighbour_keeper", "neighbour_secretary", "far_township_admin"]
CADRES = {"secretary", "committee_member"}
RUNS_THE_STORE = CADRES | {"store_keeper"}
KEEPER = {"store_keeper"}
HOUSEHOLD = {"household_head", "villager"}
OVERSIGHT = {"supervisor", "township_officer", "township_admin", "county_admin"}

ALLOWED: dict[str, set[str]] = {
    "view the village's stores": RUNS_THE_STORE,
    "open the new store form": CADRES,
    "open a store": CADRES,
    "open the store settings": CADRES,
    "change the store settings": CADRES,
    "view the store's goods": RUNS_THE_STORE,
    "open the add-a-good form": RUNS_THE_STORE,
    "add a good": RUNS_THE_STORE,
    "change a good": RUNS_THE_STORE,
    "view the stock received": RUNS_THE_STORE,
    "receive stock": RUNS_THE_STORE,
    "open the counter": KEEPER,
    "find a household by its door-plate code": KEEPER,
    "search households at the counter": KEEPER,
    "open a household's basket": KEEPER,
    "review a basket": KEEPER,
    "redeem at the counter": KEEPER,
    "view a receipt": RUNS_THE_STORE | HOUSEHOLD,
    "view the orders waiting": RUNS_THE_STORE,
    "hand an order over": KEEPER,
    "cancel a redemption at the store": KEEPER,
    "view the store's redemptions": RUNS_THE_STORE,
    "open my supermarket": HOUSEHOLD,
    "open the order form": HOUSEHOLD,
    "order for pickup": HOUSEHOLD,
    "cancel my order": HOUSEHOLD,
    "view the liability report": RUNS_THE_STORE | OVERSIGHT,
    "download the liability workbook": RUNS_THE_STORE | OVERSIGHT,
}
WRITES = {
    "open a store",
    "change the store settings",
    "add a good",
    "change a good",
    "receive stock",
    "redeem at the counter",
    "hand an order over",
    "cancel a redemption at the store",
    "order for pickup",
    "cancel my order",
}

# The actions that need the household to have points to spend.
SPENDS = {
    "review a basket",
    "redeem at the counter",
    "view a receipt",
    "hand an order over",
    "cancel a redemption at the store",
    "order for pickup",
    "cancel my order",
}

Request = Callable[[], HttpResponseBase]


def _counter_redemption(world: World, store: Store, good: Good) -> Redemption:
    return services.redeem(
        actor=actor(world.people["store_keeper"]),
        store=store,
        household=world.home,
        quantities={good.pk: 1},
        idempotency_key=new_key(),
    )


def _online_order(world: World, store: Store, good: Good) -> Redemption:
    return services.redeem(
        actor=actor(world.people["household_head"]),
        store=store,
        household=world.home,
        quantities={good.pk: 1},
        channel=Redemption.Channel.ONLINE,
        idempotency_key=new_key(),
    )


def prepare(action: str, client: Client, world: World, store: Store, good: Good) -> Request:
    code = world.village.code
    token = world.home.public_token
    basket = {f"qty-{good.pk}": "1", "idempotency_key": new_key()}

    def get(name: str, *args: object, **query: str) -> Request:
        return lambda: client.get(reverse(name, args=args), query)

    def post(name: str, *args: object, data: Mapping[str, object]) -> Request:
        return lambda: client.post(reverse(name, args=args), data)

    store_data = {"name": "新超市", "pickup_days": "5", "idempotency_key": new_key()}
    good_data = {"name": "牙膏", "category": "daily", "price": "8", "low_stock_at": "2"}
    requests: dict[str, Callable[[], Request]] = {
        "view the village's stores": lambda: get("market_stores", code),
        "open the new store form": lambda: get("market_store_new", code),
        "open a store": lambda: post("market_store_new", code, data=store_data),
        "open the store settings": lambda: get("market_store_edit", store.pk),
        "change the store settings": lambda: post("market_store_edit", store.pk, data=store_data),
        "view the store's goods": lambda: get("market_store", store.pk),
        "open the add-a-good form": lambda: get("market_good_new", store.pk),
        "add a good": lambda: post("market_good_new", store.pk, data=good_data),
        "change a good": lambda: post(
            "market_good_edit", store.pk, good.pk, data=good_data | {"name": "香皂"}
        ),
        "view the stock received": lambda: get("market_stock", store.pk),
        "receive stock": lambda: post(
            "market_stock",
            store.pk,
            data={"good": good.pk, "quantity": "5", "idempotency_key": new_key()},
        ),
        "open the counter": lambda: get("market_counter", store.pk),
        "find a household by its door-plate code": lambda: get(
            "market_counter", store.pk, plate=token
        ),
        "search households at the counter": lambda: get("market_counter", store.pk, q="王"),
        "open a household's basket": lambda: get("market_basket", store.pk, token),
        "review a basket": lambda: post(
            "market_basket", store.pk, token, data=basket | {"step": "review"}
        ),
        "redeem at the counter": lambda: post(
            "market_basket", store.pk, token, data=basket | {"step": "confirm"}
        ),
        "view the orders waiting": lambda: get("market_orders", store.pk),
        "view the store's redemptions": lambda: get("market_history", store.pk),
        "open my supermarket": lambda: get("market_my"),
        "open the order form": lambda: get("market_order", store.pk),
        "order for pickup": lambda: post(
            "market_order", store.pk, data=basket | {"step": "confirm"}
        ),
        "view the liability report": lambda: get("market_liability", code),
        "download the liability workbook": lambda: get("market_liability_xlsx", code),
    }
    if action in requests:
        return requests[action]()
    if action == "view a receipt":
        redemption = _counter_redemption(world, store, good)
        return get("market_receipt", store.pk, redemption.pk)
    if action == "hand an order over":
        redemption = _online_order(world, store, good)
        return post("market_hand_over", store.pk, redemption.pk, data={})
    if action == "cancel a redemption at the store":
        redemption = _counter_redemption(world, store, good)
        return post("market_cancel", store.pk, redemption.pk, data={"reason": "拿错了"})
    if action == "cancel my order":
        redemption = _online_order(world, store, good)
        return post("market_my_cancel", redemption.pk, data={"reason": "不要了"})
    raise AssertionError(action)


def fingerprint() -> tuple[object, ...]:
    return (
        AuditEvent.objects.count(),
        sorted(Store.objects.values_list("name", "pickup_days")),
        sorted(Good.objects.values_list("name", "price", "stock")),
        StockIn.objects.count(),
        sorted(Redemption.objects.values_list("status", flat=True)),
        Entry.objects.count(),
        IdempotentRequest.objects.count(),
    )


@pytest.fixture
def neighbour_keeper(world: World) -> None:
    world.people["neighbour_keeper"] = factories.account(
        "钱店主", Role.STORE_KEEPER, world.neighbour_village
    )


@pytest.mark.usefixtures("neighbour_keeper")
@pytest.mark.parametrize("action", sorted(ALLOWED))
@pytest.mark.parametrize("role", PERSONAS)
def test_role_against_market_action(
    client: Client, world: World, items: Items, store: Store, role: str, action: str
) -> None:
    if action in SPENDS:
        earned(world, items)
    good = Good.objects.create(store=store, name="肥皂", price=5, stock=10)
    perform = prepare(action, client, world, store, good)
    log_in(client, world.people[role])
    before = fingerprint()
    response = perform()
    if role in ALLOWED[action]:
        assert response.status_code in {200, 302}, f"{role} may {action}: {response.status_code}"
        if action in WRITES:
            assert fingerprint() != before, f"{role}'s {action} changed nothing"
    else:
        assert response.status_code in {403, 404}, (
            f"{role} may not {action}: {response.status_code}"
        )
        assert fingerprint() == before


def test_the_keeper_of_another_village_cannot_use_this_store(
    client: Client, world: World, items: Items, store: Store, neighbour_keeper: None
) -> None:
    earned(world, items)
    good = Good.objects.create(store=store, name="肥皂", price=5, stock=10)
    log_in(client, world.people["neighbour_keeper"])
    before = fingerprint()
    basket = reverse("market_basket", args=[store.pk, world.home.public_token])
    data = {f"qty-{good.pk}": "1", "idempotency_key": new_key(), "step": "confirm"}
    assert client.get(reverse("market_counter", args=[store.pk])).status_code == 403
    assert client.post(basket, data).status_code == 403
    # Not even for a household of the keeper's own village, which the store serves
    basket = reverse("market_basket", args=[store.pk, world.neighbour_home.public_token])
    assert client.post(basket, data).status_code == 403
    assert fingerprint() == before


def test_only_cadre_households_are_refused_where_cadres_may_not_redeem(
    world: World, items: Items, store: Store
) -> None:
    # Only cadre households are refused: the villager's household redeems as usual.
    earned(world, items)
    VillageSettings.objects.filter(village=world.village).update(cadres_may_redeem=False)
    good = Good.objects.create(store=store, name="肥皂", price=5, stock=10)
    redemption = _counter_redemption(world, store, good)
    assert redemption.status == Redemption.Status.HANDED_OVER
