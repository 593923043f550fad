"""Who may read, draft, sign off, publish and ask about a village's disclosure.

Published versions are for the village's people and the township and county over it; drafts
are for the village's cadres and its supervisory committee."""

from __future__ import annotations

from jifen.accounts.actors import Actor
from jifen.accounts.models import VILLAGE_CADRE_ROLES, Role
from jifen.disclosure.models import Publication
from jifen.places.models import Place
from jifen.talk import permissions as talk

DRAFT_READERS = VILLAGE_CADRE_ROLES | {Role.SUPERVISOR}


def can_view_disclosure(actor: Actor, village: Place) -> bool:
    return talk.can_view_talk(actor, village)


def can_view_drafts(actor: Actor, village: Place) -> bool:
    return village.is_village and actor.acts_as_at(DRAFT_READERS, village)


def is_cadre(actor: Actor, village: Place) -> bool:
    """Draft, edit, publish, correct, open a period and set the schedule."""
    return talk.is_cadre(actor, village)


def is_supervisor(actor: Actor, village: Place) -> bool:
    return village.is_village and actor.acts_as_at([Role.SUPERVISOR], village)


def can_view_publication(actor: Actor, publication: Publication) -> bool:
    village = publication.period.village
    if publication.is_published:
        return can_view_disclosure(actor, village)
    return can_view_drafts(actor, village)


def can_sign_off(actor: Actor, publication: Publication) -> bool:
    """A supervisory committee member of the village who did not draft it."""
    return (
        is_supervisor(actor, publication.period.village)
        and publication.drafted_by_id != actor.user.pk
    )


def can_ask(actor: Actor, village: Place) -> bool:
    return talk.can_raise(actor, village)


def can_view_township(actor: Actor, township: Place) -> bool:
    return talk.can_view_township_talk(actor, township)
