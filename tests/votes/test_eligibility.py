"""Who may cast a ballot: every body × voter × moment (before, during, after the window).

Time is given to the services (``now=``): the vote is put on ``NOW`` to open a day later
(``OPENING``) and close five days after that (``CLOSING``); the electorate is frozen when the
job opens it. Each voter either casts their ballot or is refused for a stated reason, and the
vote page's own test (``selectors.standing``) agrees with the service.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from jifen.accounts.models import Role, User
from jifen.votes import ballots, selectors, services
from jifen.votes.models import Ballot, Vote
from tests import factories
from tests.conftest import World
from tests.points import NOW, actor
from tests.votes.conftest import new_vote, option, resident, villager

OPENING = NOW + timedelta(days=1)
CLOSING = OPENING + timedelta(days=5)
MOMENTS = {
    "before": OPENING - timedelta(hours=2),
    "during": OPENING + timedelta(days=2),
    "after": CLOSING + timedelta(minutes=1),
}
# The day the vote opens is 16 June 2026: born on 16 June 2008, one turns 18 that very day.
EIGHTEEN_TODAY = date(2008, 6, 16)
SEVENTEEN = date(2008, 6, 17)

VOTED = "voted"
NOT_YET_OPEN = "not yet open"
CLOSED = "closed"
NOT_LISTED = "not on the electoral roll"
NOT_THE_HOUSEHOLDS_VOTER = "not the household's voter"
NOT_OF_THE_VILLAGE = "not of the village"


@dataclass
class Scene:
    """What each voter needs: made before the vote opens, or after (``late``)."""

    make: Callable[[World], User]
    late: bool = False
    # Household votes: the head names this voter once the vote is open.
    named: bool = False


def _adult_villager(world: World) -> User:
    return world.people["villager"]


def _turns_eighteen_on_opening_day(world: World) -> User:
    return villager(resident(world.home, "王十八", EIGHTEEN_TODAY))


def _seventeen(world: World) -> User:
    return villager(resident(world.home, "王十七", SEVENTEEN))


def _of_another_village(world: World) -> User:
    head = world.neighbour_home.head
    assert head is not None
    return villager(head, Role.HOUSEHOLD_HEAD)


def _added_after_opening(world: World) -> User:
    return villager(resident(world.home, "王新来"))


def _new_household_after_opening(world: World) -> User:
    home = factories.household(world.village, "9-001", "新户主", members=1)
    assert home.head is not None
    return villager(home.head, Role.HOUSEHOLD_HEAD)


def _without_residence(world: World) -> User:
    return world.people["committee_member"]


def _late_representative(world: World) -> User:
    return factories.account("新代表", Role.REPRESENTATIVE, world.village)


def _representative_of_another_village(world: World) -> User:
    return factories.account("邻村代表", Role.REPRESENTATIVE, world.neighbour_village)


SCENES: dict[str, dict[str, tuple[Scene, str]]] = {
    Vote.Body.VILLAGERS: {
        "an adult villager": (Scene(_adult_villager), VOTED),
        "a villager turning 18 on the opening day": (
            Scene(_turns_eighteen_on_opening_day),
            VOTED,
        ),
        "a household head": (Scene(lambda w: w.people["household_head"]), VOTED),
        "a 17-year-old": (Scene(_seventeen), NOT_LISTED),
        "a resident added after the opening": (Scene(_added_after_opening, late=True), NOT_LISTED),
        "a resident of another village": (Scene(_of_another_village), NOT_OF_THE_VILLAGE),
        "a cadre without residence here": (Scene(_without_residence), NOT_LISTED),
    },
    Vote.Body.HOUSEHOLDS: {
        "the head": (Scene(lambda w: w.people["household_head"]), VOTED),
        "a member the head named": (Scene(_adult_villager, named=True), VOTED),
        "a member not named": (Scene(_adult_villager), NOT_THE_HOUSEHOLDS_VOTER),
        "a household added after the opening": (
            Scene(_new_household_after_opening, late=True),
            NOT_LISTED,
        ),
        "a head of another village": (Scene(_of_another_village), NOT_OF_THE_VILLAGE),
        "a cadre without residence here": (Scene(_without_residence), NOT_LISTED),
    },
    Vote.Body.REPRESENTATIVES: {
        "a representative": (Scene(lambda w: w.people["representative"]), VOTED),
        "a villager who is no representative": (Scene(_adult_villager), NOT_LISTED),
        "a household head who is no representative": (
            Scene(lambda w: w.people["household_head"]),
            NOT_LISTED,
        ),
        "a representative appointed after the opening": (
            Scene(_late_representative, late=True),
            NOT_LISTED,
        ),
        "a representative of another village": (
            Scene(_representative_of_another_village),
            NOT_OF_THE_VILLAGE,
        ),
    },
}
CELLS = [
    (body, who, moment) for body, voters in SCENES.items() for who in voters for moment in MOMENTS
]


def expected(body: str, who: str, moment: str) -> str:
    """Outside the village nothing is allowed; otherwise the window decides first."""
    allowed = SCENES[body][who][1]
    if allowed == NOT_OF_THE_VILLAGE:
        return allowed
    if moment == "before":
        return NOT_YET_OPEN
    if moment == "after":
        return CLOSED
    return allowed


def outcome(attempt: Callable[[], object]) -> str:
    try:
        attempt()
    except PermissionDenied as refused:
        text = str(refused)
        if "not on the electoral roll" in text:
            return NOT_LISTED
        if "cast by its head, or by the member the head names" in text:
            return NOT_THE_HOUSEHOLDS_VOTER
        if "may not vote in this village" in text:
            return NOT_OF_THE_VILLAGE
        raise
    except ValidationError as refused:
        text = refused.messages[0]
        if text.startswith("Voting opens at"):
            return NOT_YET_OPEN
        if text.startswith("Voting closed at"):
            return CLOSED
        raise
    return VOTED


def test_the_matrix_covers_each_body_with_eligible_and_ineligible_voters() -> None:
    for voters in SCENES.values():
        verdicts = {verdict for _scene, verdict in voters.values()}
        assert VOTED in verdicts
        assert len(verdicts) >= 3
    assert len(CELLS) == 3 * sum(len(voters) for voters in SCENES.values())


@pytest.mark.parametrize(("body", "who", "moment"), CELLS)
def test_who_may_vote(world: World, body: str, who: str, moment: str) -> None:
    scene, _verdict = SCENES[body][who]
    # Given a vote put today, to open tomorrow, and the voter (made before or after it opens)
    vote = new_vote(world, body, opens_at=OPENING, closes_at=CLOSING)
    assert vote.status == Vote.Status.SCHEDULED
    # (Before the opening, someone who will only be added after it is added now: refused anyway.)
    user = None if scene.late and moment != "before" else scene.make(world)
    when = MOMENTS[moment]
    ballots_before = Ballot.objects.count()

    def attempt() -> object:
        assert user is not None
        return ballots.cast_ballot(
            actor=actor(user), vote=vote, option=option(vote, "For"), now=when
        )

    if moment == "before":
        assert user is not None
        found = outcome(attempt)
    else:
        # When the job opens the vote (freezing the electorate) and, later, the voter tries
        assert services.run_due(now=OPENING).opened == 1
        if scene.late:
            user = scene.make(world)
        if scene.named:
            assert user is not None
            head = actor(world.people["household_head"])
            member = user.resident
            ballots.name_delegate(actor=head, vote=vote, member=member, now=OPENING)
        found = outcome(attempt)
    # Then the ballot is cast, or refused for the reason the table gives
    assert found == expected(body, who, moment), (body, who, moment)
    assert Ballot.objects.count() == ballots_before + (found == VOTED)
    vote.refresh_from_db()
    if found == VOTED:
        assert sum(o.count for o in vote.options.all()) == 1
        # And the vote page agrees: they have voted and may not vote again
        assert user is not None
        place = selectors.standing(vote, user, when)
        assert place.ballot is not None and place.reason == "You have already voted."
    elif found != NOT_OF_THE_VILLAGE:
        assert user is not None
        place = selectors.standing(vote, user, when)
        assert not place.may_cast


def test_the_electorate_is_frozen_at_the_opening(world: World) -> None:
    # Given a villagers' meeting that opens tomorrow, with a 17-year-old who turns 18 after it
    seventeen = resident(world.home, "王十七", SEVENTEEN)
    vote = new_vote(world, Vote.Body.VILLAGERS, opens_at=OPENING, closes_at=CLOSING)
    # When it opens
    services.run_due(now=OPENING)
    vote.refresh_from_db()
    # Then the five adults are the electorate, and a resident added later never joins it
    assert vote.electorate_size == 5
    resident(world.home, "王新来")
    services.run_due(now=OPENING + timedelta(days=1))
    assert vote.electors.count() == 5
    assert not vote.electors.filter(resident=seventeen).exists()
