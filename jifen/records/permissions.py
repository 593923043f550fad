"""Who may record, review and object. Named predicates over the acting role.

The guards of DOMAIN.md §9: the recorder never approves their own record, and nobody reviews
a record about their own household. Services check these; views only compose them.
"""

from __future__ import annotations

from jifen.accounts.actors import Actor
from jifen.accounts.models import HOUSEHOLD_ROLES, VILLAGE_CADRE_ROLES, Role
from jifen.places.models import Household, Place
from jifen.records.models import Record

RECORDER_ROLES = VILLAGE_CADRE_ROLES | {Role.GRID_MEMBER}
REVIEWER_ROLES = VILLAGE_CADRE_ROLES
VILLAGER_ROLES = HOUSEHOLD_ROLES | RECORDER_ROLES | {Role.SUPERVISOR, Role.REPRESENTATIVE}


def own_household_id(actor: Actor) -> int | None:
    resident = actor.user.resident
    return resident.household_id if resident is not None else None


def can_declare(actor: Actor, household: Household) -> bool:
    """A villager declares deeds for their own household."""
    return (
        actor.acts_as_at(HOUSEHOLD_ROLES, household.village)
        and own_household_id(actor) == household.pk
    )


def can_record_for(actor: Actor, household: Household) -> bool:
    """Grid members record for households of their own grid; cadres for the whole village."""
    if actor.acts_as_at(VILLAGE_CADRE_ROLES, household.village):
        return True
    grant = actor.grant
    return (
        actor.acts_as_at([Role.GRID_MEMBER], household.village)
        and grant is not None
        and (grant.grid_id is None or grant.grid_id == household.grid_id)
    )


def can_deduct(actor: Actor, village: Place) -> bool:
    return actor.acts_as_at(VILLAGE_CADRE_ROLES, village)


def can_report(actor: Actor, household: Household) -> bool:
    """Any villager may report a neighbour; nobody reports their own household."""
    return (
        actor.acts_as_at(VILLAGER_ROLES, household.village)
        and own_household_id(actor) != household.pk
    )


def can_verify_reports(actor: Actor, village: Place) -> bool:
    return actor.acts_as_at(VILLAGE_CADRE_ROLES, village)


def can_review_in(actor: Actor, village: Place) -> bool:
    """Opens the reviewer's queue; each record is still checked with ``can_review``."""
    return actor.acts_as_at(REVIEWER_ROLES, village)


def can_review(actor: Actor, record: Record) -> bool:
    return (
        can_review_in(actor, record.village)
        and record.recorded_by_id != actor.user.pk
        and own_household_id(actor) != record.household_id
    )


def can_object(actor: Actor, record: Record) -> bool:
    """Any villager of the village may object to a record on notice, except its recorder."""
    return (
        actor.acts_as_at(VILLAGER_ROLES, record.village) and record.recorded_by_id != actor.user.pk
    )


def can_correct(actor: Actor, record: Record) -> bool:
    """A cadre asks for a reversing entry; it is then reviewed like any record."""
    return actor.acts_as_at(VILLAGE_CADRE_ROLES, record.village)
