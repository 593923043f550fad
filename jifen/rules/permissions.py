"""Who may read and change rulebooks and templates. Named predicates over the acting role.

A village's rulebook is public within the village and open to the township and county above
it; only the village's own cadres draft, edit and adopt it (the vote is the villagers', the
paperwork the cadres'). Templates are published by the county or township admin.
"""

from __future__ import annotations

from jifen.accounts.actors import Actor
from jifen.accounts.models import ROLE_PLACE_KIND, VILLAGE_CADRE_ROLES, Role
from jifen.places.models import Place
from jifen.places.permissions import TOWNSHIP_ROLES
from jifen.rules.models import RulebookVersion

VILLAGE_ROLES = frozenset(
    role for role, kind in ROLE_PLACE_KIND.items() if kind == Place.Kind.VILLAGE
)
OVERSIGHT_ROLES = TOWNSHIP_ROLES | {Role.COUNTY_ADMIN}
TEMPLATE_PLACE_KINDS = frozenset({Place.Kind.COUNTY, Place.Kind.TOWNSHIP})


def can_view_rulebook(actor: Actor, village: Place) -> bool:
    """Anyone with a role in the village, and the township and county officials above it."""
    return village.is_village and (
        actor.acts_as_at(VILLAGE_ROLES, village) or actor.acts_as(OVERSIGHT_ROLES, village)
    )


def can_edit_rulebook(actor: Actor, village: Place) -> bool:
    """Copy a template, draft a new version, change the draft: the village's cadres."""
    return village.is_village and actor.acts_as_at(VILLAGE_CADRE_ROLES, village)


def can_adopt_rulebook(actor: Actor, village: Place) -> bool:
    """Put a draft in force after the meeting voted it: the village's cadres."""
    return can_edit_rulebook(actor, village)


def can_change_village_settings(actor: Actor, village: Place) -> bool:
    return village.is_village and actor.acts_as_at(VILLAGE_CADRE_ROLES, village)


def can_publish_template(actor: Actor, place: Place) -> bool:
    """The county admin at the county, the township admin at the township."""
    if place.kind == Place.Kind.COUNTY:
        return actor.acts_as_at([Role.COUNTY_ADMIN], place)
    if place.kind == Place.Kind.TOWNSHIP:
        return actor.acts_as_at([Role.TOWNSHIP_ADMIN], place)
    return False


def can_view_templates(actor: Actor, place: Place) -> bool:
    """The list of templates a county or township publishes: its officials and those above."""
    return place.kind in TEMPLATE_PLACE_KINDS and actor.acts_as(OVERSIGHT_ROLES, place)


def can_view_template(actor: Actor, version: RulebookVersion) -> bool:
    """A published template is a public document for everyone who works under its publisher."""
    owner = version.rulebook.owner
    grant = actor.grant
    return (
        version.rulebook.is_template
        and grant is not None
        and (owner.contains(grant.place) or can_view_templates(actor, owner))
    )
