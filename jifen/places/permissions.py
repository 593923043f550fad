"""Who may see and change places, households and residents. Named predicates over the acting role.

A village's registry is for the people who run that village; the township and county see
counts and masked details; a villager sees their own household.
"""

from __future__ import annotations

from collections.abc import Callable

from jifen.accounts.actors import Actor
from jifen.accounts.models import HOUSEHOLD_ROLES, VILLAGE_CADRE_ROLES, Role
from jifen.places.models import Household, Place

VILLAGE_REGISTRY_ROLES = VILLAGE_CADRE_ROLES | {Role.SUPERVISOR, Role.GRID_MEMBER}
TOWNSHIP_ROLES = frozenset({Role.TOWNSHIP_OFFICER, Role.TOWNSHIP_ADMIN})


def can_view_registry(actor: Actor, village: Place) -> bool:
    return village.is_village and (
        actor.acts_as_at(VILLAGE_REGISTRY_ROLES, village)
        or actor.acts_as(TOWNSHIP_ROLES | {Role.COUNTY_ADMIN}, village)
    )


def can_see_full_id_numbers(actor: Actor, village: Place) -> bool:
    """Full ID numbers only on the registry screens of the residents' own village."""
    return village.is_village and actor.acts_as_at(VILLAGE_REGISTRY_ROLES, village)


def can_edit_registry(actor: Actor, village: Place) -> bool:
    """Import, export and rotate door-plate tokens: the village's cadres."""
    return village.is_village and actor.acts_as_at(VILLAGE_CADRE_ROLES, village)


def can_view_household(actor: Actor, household: Household) -> bool:
    if can_view_registry(actor, household.village):
        return True
    return is_own_household(actor, household)


def is_own_household(actor: Actor, household: Household) -> bool:
    resident = actor.user.resident
    return (
        actor.acts_as_at(HOUSEHOLD_ROLES, household.village)
        and resident is not None
        and resident.household_id == household.pk
    )


def can_view_own_household(actor: Actor) -> bool:
    return actor.role in HOUSEHOLD_ROLES and actor.user.resident is not None


def can_view_township(actor: Actor, township: Place) -> bool:
    return township.kind == Place.Kind.TOWNSHIP and actor.acts_as(
        TOWNSHIP_ROLES | {Role.COUNTY_ADMIN}, township
    )


def can_view_county(actor: Actor, county: Place) -> bool:
    return county.kind == Place.Kind.COUNTY and actor.acts_as([Role.COUNTY_ADMIN], county)


VillagePredicate = Callable[[Actor, Place], bool]
