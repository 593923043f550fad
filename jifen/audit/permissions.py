"""Who reads the audit trail: a household's history, and the whole village's."""

from __future__ import annotations

from jifen.accounts.actors import Actor
from jifen.accounts.models import VILLAGE_CADRE_ROLES, Role
from jifen.places.models import Household, Place


def can_view_household_history(actor: Actor, household: Household) -> bool:
    return actor.acts_as_at(VILLAGE_CADRE_ROLES | {Role.SUPERVISOR}, household.village)


def can_view_village_audit(actor: Actor, village: Place) -> bool:
    """The supervisory committee reads everything that happened in its village."""
    return village.is_village and actor.acts_as_at([Role.SUPERVISOR], village)
