"""Every role against every vote page and action, as a table: allowed or refused.

A refused request answers 403 or 404 and changes nothing; an allowed change redirects and
changes something. Casting a ballot is not a matter of role but of the frozen electorate: of
the personas, the household head, the villager (a grown child of that household) and the
secretary (head of another household) are villagers aged 18 and over; the two heads cast their
households' votes; the representative sits in the representatives' meeting.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.http.response import HttpResponseBase
from django.test import Client
from django.urls import reverse

from jifen.accounts.models import User
from jifen.audit.models import AuditEvent
from jifen.votes.models import Ballot, Elector, Option, Vote
from tests.access import check_cell
from tests.conftest import World
from tests.test_access_matrix import ROLES
from tests.votes.test_pages import ended, form_data, live

ALL_ROLES = [*ROLES, "neighbour_secretary", "far_township_admin"]
CADRES = {"secretary", "committee_member"}
OVERSIGHT = {"township_officer", "township_admin", "county_admin"}
# The people of 桂花村 in the sense of its village board: the store keeper is not among them.
VILLAGERS = CADRES | {"household_head", "villager", "grid_member", "supervisor", "representative"}
READERS = VILLAGERS | OVERSIGHT

ALLOWED: dict[str, set[str]] = {
    "view the votes": READERS,
    "view a vote": READERS,
    "view a closed vote's result": READERS,
    "open the new vote form": CADRES,
    "put a question to a vote": CADRES,
    "vote in a villagers' meeting": {"household_head", "villager", "secretary"},
    "vote in a household vote": {"household_head", "secretary"},
    "vote in a representatives' meeting": {"representative"},
    "name the household's voter": {"household_head", "secretary"},
    "open the meeting desk": CADRES,
    "record a ballot at the meeting": CADRES,
    "close and publish": CADRES,
}
CHANGES = {
    "put a question to a vote",
    "vote in a villagers' meeting",
    "vote in a household vote",
    "vote in a representatives' meeting",
    "name the household's voter",
    "record a ballot at the meeting",
    "close and publish",
}

Request = Callable[[], HttpResponseBase]
Prepare = Callable[[Client, World], Request]


def _for(vote: Vote) -> int:
    return vote.options.get(side=Option.Side.FOR).pk


def get(name: str, make: Callable[[World], Vote] | None = None, **query: str) -> Prepare:
    def prepare(client: Client, world: World) -> Request:
        args: list[object] = [make(world).pk] if make else [world.village.code]
        return lambda: client.get(reverse(name, args=args), query)

    return prepare


def post(
    name: str, make: Callable[[World], Vote], data: Callable[[Vote], dict[str, Any]]
) -> Prepare:
    def prepare(client: Client, world: World) -> Request:
        vote = make(world)
        return lambda: client.post(reverse(name, args=[vote.pk]), data(vote))

    return prepare


def put_question(client: Client, world: World) -> Request:
    url = reverse("votes_new", args=[world.village.code])
    return lambda: client.post(url, form_data())


def closed(world: World) -> Vote:
    from jifen.votes import services

    return services.close_vote(actor=None, vote=ended(live(world)))


def household_vote(world: World) -> Vote:
    return live(world, Vote.Body.HOUSEHOLDS)


def villagers_meeting(world: World) -> Vote:
    return live(world, Vote.Body.VILLAGERS)


def representatives_meeting(world: World) -> Vote:
    return live(world, Vote.Body.REPRESENTATIVES)


def meeting_ballot(vote: Vote) -> dict[str, Any]:
    elector = vote.electors.order_by("pk").first()
    assert elector is not None
    return {"elector": elector.pk, "option": _for(vote), "q": "1-01"}


def name_a_member(client: Client, world: World) -> Request:
    """Whoever is signed in names a grown member of their own household (if they have one)."""
    vote = household_vote(world)
    user = User.objects.get(pk=client.session["_auth_user_id"])
    home = user.resident.household if user.resident else world.home
    member = home.residents.exclude(relation="head").first()
    assert member is not None
    url = reverse("votes_delegate", args=[vote.pk])
    return lambda: client.post(url, {"member": member.pk})


ACTIONS: dict[str, Prepare] = {
    "view the votes": get("votes_list"),
    "view a vote": get("votes_vote", household_vote),
    "view a closed vote's result": get("votes_vote", closed),
    "open the new vote form": get("votes_new"),
    "put a question to a vote": put_question,
    "vote in a villagers' meeting": post(
        "votes_vote", villagers_meeting, lambda v: {"option": _for(v)}
    ),
    "vote in a household vote": post("votes_vote", household_vote, lambda v: {"option": _for(v)}),
    "vote in a representatives' meeting": post(
        "votes_vote", representatives_meeting, lambda v: {"option": _for(v)}
    ),
    "name the household's voter": name_a_member,
    "open the meeting desk": get("votes_meeting", household_vote, q="1-01"),
    "record a ballot at the meeting": post("votes_meeting", household_vote, meeting_ballot),
    "close and publish": post("votes_close", lambda w: ended(household_vote(w)), lambda v: {}),
}


def fingerprint() -> tuple[object, ...]:
    return (
        AuditEvent.objects.count(),
        sorted(Vote.objects.values_list("pk", "status")),
        Ballot.objects.count(),
        sorted(Option.objects.values_list("pk", "count")),
        sorted(Elector.objects.exclude(delegate=None).values_list("pk", "delegate")),
    )


def test_the_table_covers_every_action() -> None:
    assert set(ALLOWED) == set(ACTIONS)
    assert set(CHANGES) < set(ACTIONS)
    assert all(allowed <= set(ALL_ROLES) for allowed in ALLOWED.values())


@pytest.mark.parametrize("action", sorted(ACTIONS))
@pytest.mark.parametrize("role", ALL_ROLES)
def test_role_against_action(client: Client, world: World, role: str, action: str) -> None:
    check_cell(
        client,
        world,
        role,
        action,
        actions=ACTIONS,
        allowed=ALLOWED,
        changes=CHANGES,
        fingerprint=fingerprint,
    )
