"""Who may see votes, put questions to a vote, record meeting ballots, and close a vote.

A village's votes are public within the village (its villagers, cadres, supervisors and
representatives) and open to the township and county officials above it. The village's cadres
put questions to a vote, record ballots cast in person at the meeting, and publish results.
Who may *cast* a ballot is not a role but a place on the frozen electorate: see
``jifen.votes.selectors.elector_of``.
"""

from __future__ import annotations

from jifen.accounts.actors import Actor
from jifen.accounts.models import VILLAGE_CADRE_ROLES, Role
from jifen.board.permissions import is_of_village
from jifen.places.models import Place
from jifen.places.permissions import TOWNSHIP_ROLES
from jifen.votes.models import Vote

OVERSIGHT_ROLES = TOWNSHIP_ROLES | {Role.COUNTY_ADMIN}


def can_view_votes(actor: Actor, village: Place) -> bool:
    """The village's votes and their results: its people and the officials above it."""
    return village.is_village and (
        is_of_village(actor, village) or actor.acts_as(OVERSIGHT_ROLES, village)
    )


def can_view_vote(actor: Actor, vote: Vote) -> bool:
    return can_view_votes(actor, vote.village)


def can_manage_votes(actor: Actor, village: Place) -> bool:
    """Put a question to a vote, record meeting ballots, close and publish: the cadres."""
    return village.is_village and actor.acts_as_at(VILLAGE_CADRE_ROLES, village)


def can_take_part(actor: Actor, vote: Vote) -> bool:
    """Acting in a role of the vote's village; the electorate then says who casts what."""
    return is_of_village(actor, vote.village)
