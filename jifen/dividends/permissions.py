"""Who may see and run dividend rounds. Named predicates over the acting role.

The village's cadres draw up, publish and finalise a round; the supervisory committee and the
township and county officials above the village follow it from the draft on. Villagers see a
round once it is on public notice: their own household's line always, the other households'
lines as the village's privacy setting allows (like scores on the village board). The payout
list for the cashier is for the village's cadres and the officials above it.
"""

from __future__ import annotations

from jifen.accounts.actors import Actor
from jifen.accounts.models import VILLAGE_CADRE_ROLES, Role
from jifen.board.permissions import is_of_village
from jifen.dividends.models import DividendRound
from jifen.places.models import Place
from jifen.places.permissions import TOWNSHIP_ROLES
from jifen.records.permissions import own_household_id
from jifen.rules.models import VillageSettings

OVERSIGHT_ROLES = TOWNSHIP_ROLES | {Role.COUNTY_ADMIN}
PUBLISHED = frozenset({DividendRound.Status.ON_NOTICE, DividendRound.Status.FINAL})


def is_overseer(actor: Actor, village: Place) -> bool:
    """The township's officials and the county admin above the village."""
    return actor.acts_as(OVERSIGHT_ROLES, village)


def can_manage_dividends(actor: Actor, village: Place) -> bool:
    """Create, recompute, publish, withdraw, finalise, discard: the village's cadres."""
    return village.is_village and actor.acts_as_at(VILLAGE_CADRE_ROLES, village)


def can_view_drafts(actor: Actor, village: Place) -> bool:
    """Rounds not yet published: the cadres, the supervisory committee and the officials."""
    return village.is_village and (
        can_manage_dividends(actor, village)
        or actor.acts_as_at([Role.SUPERVISOR], village)
        or is_overseer(actor, village)
    )


def can_view_dividends(actor: Actor, village: Place) -> bool:
    """The village's rounds on notice and final: its villagers and the officials above it."""
    return village.is_village and (is_of_village(actor, village) or can_view_drafts(actor, village))


def can_view_round(actor: Actor, dividend_round: DividendRound) -> bool:
    village = dividend_round.village
    if dividend_round.status in PUBLISHED:
        return can_view_dividends(actor, village)
    return can_view_drafts(actor, village)


def can_see_every_share(actor: Actor, village: Place, visibility: str) -> bool:
    """Every household's line; otherwise only one's own. The privacy setting decides."""
    if can_view_drafts(actor, village):
        return True
    return visibility != VillageSettings.Visibility.HOUSEHOLD and is_of_village(actor, village)


def own_household_in(actor: Actor, village: Place) -> int | None:
    """The id of the actor's own household, when they act in a role of its village."""
    return own_household_id(actor) if is_of_village(actor, village) else None


def can_download_payouts(actor: Actor, village: Place) -> bool:
    """The .xlsx payout list with names and amounts: the cadres and the officials above."""
    return village.is_village and (
        can_manage_dividends(actor, village) or is_overseer(actor, village)
    )
