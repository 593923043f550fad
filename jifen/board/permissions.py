"""Who sees a household's points: the village's privacy setting decides (DOMAIN.md §9)."""

from __future__ import annotations

from jifen.accounts.actors import Actor
from jifen.audit.permissions import can_view_household_history
from jifen.places.models import Household, Place
from jifen.places.permissions import is_own_household
from jifen.records.permissions import VILLAGER_ROLES
from jifen.rules.models import VillageSettings


def is_of_village(actor: Actor | None, village: Place) -> bool:
    return actor is not None and actor.acts_as_at(VILLAGER_ROLES, village)


def can_see_points(actor: Actor | None, household: Household, visibility: str) -> bool:
    """Score, rank, stars and posted items on the door-plate page."""
    if visibility == VillageSettings.Visibility.PUBLIC:
        return True
    if actor is None:
        return False
    if is_own_household(actor, household) or can_view_household_history(actor, household):
        return True
    return visibility == VillageSettings.Visibility.VILLAGE and is_of_village(
        actor, household.village
    )


def can_view_household_points(actor: Actor, household: Household) -> bool:
    """The full page of a household's records, balances and history."""
    return is_own_household(actor, household) or can_view_household_history(actor, household)
