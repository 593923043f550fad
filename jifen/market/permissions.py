"""Who may run a store, redeem, and read a supermarket's figures."""

from __future__ import annotations

from jifen.accounts.actors import Actor
from jifen.accounts.models import VILLAGE_CADRE_ROLES, Role
from jifen.market.models import Redemption, Store
from jifen.places.models import Household, Place
from jifen.places.permissions import TOWNSHIP_ROLES, is_own_household

KEEPER_ROLES = frozenset({Role.STORE_KEEPER})
OVERSIGHT_ROLES = TOWNSHIP_ROLES | {Role.COUNTY_ADMIN}


def keeps(actor: Actor, store: Store) -> bool:
    """Keepers of the store's own village run its counter, goods and stock."""
    return actor.acts_as_at(KEEPER_ROLES, store.village)


def can_manage_store(actor: Actor, store: Store) -> bool:
    """Goods, prices and stock: the keeper and the cadres of the store's village."""
    return keeps(actor, store) or actor.acts_as_at(VILLAGE_CADRE_ROLES, store.village)


def can_redeem_at_counter(actor: Actor, store: Store, household: Household) -> bool:
    return keeps(actor, store) and store.villages.filter(pk=household.village_id).exists()


def can_order_online(actor: Actor, store: Store, household: Household) -> bool:
    return (
        is_own_household(actor, household)
        and store.villages.filter(pk=household.village_id).exists()
    )


def can_cancel(actor: Actor, redemption: Redemption) -> bool:
    """The keeper undoes a mistake; a household cancels its own order before pickup."""
    if keeps(actor, redemption.store):
        return True
    return redemption.status == Redemption.Status.ORDERED and is_own_household(
        actor, redemption.household
    )


def can_view_liability(actor: Actor, village: Place) -> bool:
    return village.is_village and (
        actor.acts_as_at(VILLAGE_CADRE_ROLES | KEEPER_ROLES | {Role.SUPERVISOR}, village)
        or actor.acts_as(OVERSIGHT_ROLES, village)
    )


def can_set_up_store(actor: Actor, village: Place) -> bool:
    """Opening a store, naming it and choosing whom it serves: the village's cadres."""
    return village.is_village and actor.acts_as_at(VILLAGE_CADRE_ROLES, village)


def can_view_stores(actor: Actor, village: Place) -> bool:
    """The list of a village's stores: its cadres and its keeper."""
    return village.is_village and actor.acts_as_at(VILLAGE_CADRE_ROLES | KEEPER_ROLES, village)


def can_view_redemption(actor: Actor, redemption: Redemption) -> bool:
    """A receipt: whoever runs the store, and the household it belongs to."""
    return can_manage_store(actor, redemption.store) or is_own_household(
        actor, redemption.household
    )
