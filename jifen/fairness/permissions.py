"""Who sees and reviews a village's fairness flags. Named predicates over the acting role."""

from __future__ import annotations

from jifen.accounts.actors import Actor
from jifen.accounts.models import Role
from jifen.fairness.models import Flag
from jifen.places.models import Place
from jifen.places.permissions import TOWNSHIP_ROLES

OVERSIGHT_ROLES = TOWNSHIP_ROLES | {Role.COUNTY_ADMIN}


def can_review_flags(actor: Actor, village: Place) -> bool:
    """The township over the village (officer or admin), or the county's admin."""
    return village.is_village and actor.acts_as(OVERSIGHT_ROLES, village)


def can_view_flags(actor: Actor, village: Place) -> bool:
    """The reviewers, and, read only, the village's supervisory committee, who oversee their
    cadres. Never the cadres themselves, nor villagers."""
    return can_review_flags(actor, village) or (
        village.is_village and actor.acts_as_at([Role.SUPERVISOR], village)
    )


def can_view_township_flags(actor: Actor, township: Place) -> bool:
    return township.kind == Place.Kind.TOWNSHIP and actor.acts_as(OVERSIGHT_ROLES, township)


def can_view_flag(actor: Actor, flag: Flag) -> bool:
    return can_view_flags(actor, flag.village)


def can_review_flag(actor: Actor, flag: Flag) -> bool:
    return can_review_flags(actor, flag.village)
