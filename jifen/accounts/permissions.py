"""Who may grant and revoke roles. Named predicates over the acting role."""

from __future__ import annotations

from jifen.accounts.actors import Actor
from jifen.accounts.models import ROLE_PLACE_KIND, VILLAGE_CADRE_ROLES, Role, RoleGrant
from jifen.places.models import Place

# Roles a village cadre may hand out in their own village. Cadre and supervisory posts come
# from elections and are entered by the township.
ROLES_GRANTED_BY_VILLAGE_CADRES = frozenset(
    {
        Role.VILLAGER,
        Role.HOUSEHOLD_HEAD,
        Role.GRID_MEMBER,
        Role.REPRESENTATIVE,
        Role.STORE_KEEPER,
    }
)
ROLES_GRANTED_BY_TOWNSHIP_ADMINS = frozenset(
    {role for role, kind in ROLE_PLACE_KIND.items() if kind == Place.Kind.VILLAGE}
    | {Role.TOWNSHIP_OFFICER}
)


def can_manage_roles_at(actor: Actor, place: Place) -> bool:
    """Whether the role page of ``place`` is open to the actor at all."""
    if place.is_village and actor.acts_as_at(VILLAGE_CADRE_ROLES, place):
        return True
    if place.kind != Place.Kind.COUNTY and actor.acts_as([Role.TOWNSHIP_ADMIN], place):
        return True
    return actor.acts_as([Role.COUNTY_ADMIN], place)


def can_grant_role(actor: Actor, role: str, place: Place) -> bool:
    """An admin or cadre of a place grants roles at or below it, never above their own."""
    if ROLE_PLACE_KIND.get(role) != place.kind:
        return False
    if actor.acts_as([Role.COUNTY_ADMIN], place):
        return True
    if actor.acts_as([Role.TOWNSHIP_ADMIN], place):
        return role in ROLES_GRANTED_BY_TOWNSHIP_ADMINS
    if place.is_village and actor.acts_as_at(VILLAGE_CADRE_ROLES, place):
        return role in ROLES_GRANTED_BY_VILLAGE_CADRES
    return False


def can_revoke_grant(actor: Actor, grant: RoleGrant) -> bool:
    if grant.user_id == actor.user.pk and grant.role in VILLAGE_CADRE_ROLES | {
        Role.TOWNSHIP_ADMIN,
        Role.COUNTY_ADMIN,
    }:
        # Nobody locks themselves out of the place they run.
        return False
    return can_grant_role(actor, grant.role, grant.place)
