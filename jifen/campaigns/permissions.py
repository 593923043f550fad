"""Who may see campaigns and lists, inspect households, and edit and confirm the boards."""

from __future__ import annotations

from jifen.accounts.actors import Actor
from jifen.accounts.models import HOUSEHOLD_ROLES, VILLAGE_CADRE_ROLES, Role
from jifen.campaigns.models import Board, Round
from jifen.places.models import Household, Place
from jifen.places.permissions import TOWNSHIP_ROLES
from jifen.rules.models import VillageSettings

VILLAGE_ROLES = (
    HOUSEHOLD_ROLES | VILLAGE_CADRE_ROLES | {Role.GRID_MEMBER, Role.SUPERVISOR, Role.REPRESENTATIVE}
)
OVERSIGHT_ROLES = TOWNSHIP_ROLES | {Role.COUNTY_ADMIN}


def is_of_village(actor: Actor | None, village: Place) -> bool:
    return actor is not None and village.is_village and actor.acts_as_at(VILLAGE_ROLES, village)


def is_over_village(actor: Actor | None, village: Place) -> bool:
    """The township and county over the village (read only)."""
    return actor is not None and village.is_village and actor.acts_as(OVERSIGHT_ROLES, village)


def is_cadre(actor: Actor | None, village: Place) -> bool:
    return (
        actor is not None and village.is_village and actor.acts_as_at(VILLAGE_CADRE_ROLES, village)
    )


def can_view_campaigns(actor: Actor, village: Place) -> bool:
    return is_of_village(actor, village) or is_over_village(actor, village)


def can_manage_campaigns(actor: Actor, village: Place) -> bool:
    """Start campaigns and inspect any household: the village's secretary and committee."""
    return is_cadre(actor, village)


def can_inspect_in(actor: Actor, village: Place) -> bool:
    """Open a round's inspection page: cadres, and grid members with a grid."""
    if is_cadre(actor, village):
        return True
    grant = actor.grant
    return (
        grant is not None
        and actor.acts_as_at([Role.GRID_MEMBER], village)
        and grant.grid_id is not None
    )


def inspected_grid_id(actor: Actor, village: Place) -> int | None:
    """The grid whose households the actor inspects; None for a cadre (every household)."""
    if is_cadre(actor, village) or actor.grant is None:
        return None
    return actor.grant.grid_id


def can_inspect(actor: Actor, round_: Round, household: Household) -> bool:
    village = round_.campaign.village
    if household.village_id != village.pk or not can_inspect_in(actor, village):
        return False
    grid_id = inspected_grid_id(actor, village)
    return grid_id is None or household.grid_id == grid_id


def can_see_lists(actor: Actor | None, village: Place, lists_visibility: str) -> bool:
    """The confirmed boards, by the village's privacy setting."""
    if not village.is_village:
        return False
    if lists_visibility == VillageSettings.ListsVisibility.PUBLIC:
        return True
    return is_of_village(actor, village) or is_over_village(actor, village)


def can_edit_boards(actor: Actor | None, village: Place) -> bool:
    """Draft, edit, confirm and withdraw: the village committee (secretary, committee member)."""
    return is_cadre(actor, village)


def can_view_board(actor: Actor | None, board: Board, lists_visibility: str) -> bool:
    if board.is_confirmed:
        return can_see_lists(actor, board.village, lists_visibility) or can_edit_boards(
            actor, board.village
        )
    return can_edit_boards(actor, board.village)
