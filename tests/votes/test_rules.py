"""The quorum and passing rules of each body, exactly at their boundaries (DOMAIN.md §6).

以上 includes the number itself (two thirds or more: exactly two thirds is enough); 过半数 is
strictly more than half (exactly half is not). First the pure rules, against exact fractions;
then whole votes closed through the service at each boundary.
"""

from __future__ import annotations

from datetime import timedelta
from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import strategies as st

from jifen.accounts.models import User
from jifen.votes import ballots, rules, services
from jifen.votes.models import Vote
from tests.conftest import World
from tests.points import NOW, actor
from tests.votes.conftest import CLOSES, counts, households, new_vote, option, resident, villager

VILLAGERS, HOUSEHOLDS, REPRESENTATIVES = (
    Vote.Body.VILLAGERS,
    Vote.Body.HOUSEHOLDS,
    Vote.Body.REPRESENTATIVES,
)
AFTER = CLOSES + timedelta(minutes=1)


# The pure rules ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("electorate", "taking_part", "met"),
    [
        (318, 212, True),  # exactly two thirds of 318
        (318, 211, False),  # one household fewer
        (300, 200, True),  # exactly two thirds
        (300, 199, False),
        (3, 2, True),
        (3, 1, False),
        (4, 3, True),  # 3/4 ≥ 2/3; 8/3 needs 3
        (4, 2, False),
        (1, 1, True),
        (0, 0, False),  # an empty electorate never decides
    ],
)
def test_a_household_vote_needs_two_thirds_or_more_of_the_households(
    electorate: int, taking_part: int, met: bool
) -> None:
    assert rules.quorum_met(HOUSEHOLDS, electorate=electorate, taking_part=taking_part) is met
    # The representatives' meeting has the same rule over its representatives
    assert rules.quorum_met(REPRESENTATIVES, electorate=electorate, taking_part=taking_part) is met


@pytest.mark.parametrize(
    ("electorate", "taking_part", "met"),
    [
        (1000, 500, False),  # exactly half is not more than half
        (1000, 501, True),  # half + 1
        (999, 499, False),
        (999, 500, True),
        (2, 1, False),
        (2, 2, True),
        (1, 1, True),
        (0, 0, False),
    ],
)
def test_a_villagers_meeting_needs_more_than_half_of_the_adult_villagers(
    electorate: int, taking_part: int, met: bool
) -> None:
    assert rules.quorum_met(VILLAGERS, electorate=electorate, taking_part=taking_part) is met


@pytest.mark.parametrize(
    ("votes", "taking_part", "passes"),
    [(106, 212, False), (107, 212, True), (1, 2, False), (2, 3, True), (0, 0, False), (1, 1, True)],
)
def test_passing_needs_more_than_half_of_those_taking_part(
    votes: int, taking_part: int, passes: bool
) -> None:
    assert rules.has_majority(votes, taking_part=taking_part) is passes


@given(electorate=st.integers(1, 5000), share=st.fractions(0, 1))
def test_the_rules_agree_with_exact_fractions(electorate: int, share: Fraction) -> None:
    taking_part = int(electorate * share)
    turnout = Fraction(taking_part, electorate)
    assert rules.quorum_met(HOUSEHOLDS, electorate=electorate, taking_part=taking_part) == (
        turnout >= Fraction(2, 3)
    )
    assert rules.quorum_met(VILLAGERS, electorate=electorate, taking_part=taking_part) == (
        turnout > Fraction(1, 2)
    )
    # The number the explanation names is the smallest turnout that meets the quorum
    for body in (HOUSEHOLDS, VILLAGERS):
        needed = rules.quorum_needed(body, electorate=electorate)
        assert rules.quorum_met(body, electorate=electorate, taking_part=needed)
        assert not rules.quorum_met(body, electorate=electorate, taking_part=needed - 1)


@given(taking_part=st.integers(0, 5000), share=st.fractions(0, 1))
def test_majority_agrees_with_exact_fractions(taking_part: int, share: Fraction) -> None:
    votes = int(taking_part * share)
    expected = taking_part > 0 and Fraction(votes, taking_part) > Fraction(1, 2)
    assert rules.has_majority(votes, taking_part=taking_part) == expected
    needed = rules.majority_needed(taking_part=taking_part)
    assert rules.has_majority(needed, taking_part=taking_part)
    assert not rules.has_majority(needed - 1, taking_part=taking_part)


def test_a_choice_is_won_only_by_more_than_half() -> None:
    # Three options, 10 taking part: 5 is not a majority, 6 is
    assert rules.decide(VILLAGERS, electorate=12, counts={1: 5, 2: 3, 3: 2}, for_option=None) == (
        rules.Outcome(quorum_met=True, passed=False, winner=None)
    )
    assert rules.decide(VILLAGERS, electorate=12, counts={1: 6, 2: 2, 3: 2}, for_option=None) == (
        rules.Outcome(quorum_met=True, passed=True, winner=1)
    )
    # A majority without the quorum decides nothing
    assert rules.decide(VILLAGERS, electorate=20, counts={1: 6, 2: 2, 3: 2}, for_option=None) == (
        rules.Outcome(quorum_met=False, passed=False, winner=None)
    )


def test_the_explanation_says_the_test_in_plain_words() -> None:
    assert rules.explain_quorum(HOUSEHOLDS, electorate=318, taking_part=212) == (
        "212 of 318 households took part; two thirds or more needed (212): met."
    )
    assert rules.explain_quorum(HOUSEHOLDS, electorate=318, taking_part=211) == (
        "211 of 318 households took part; two thirds or more needed (212): not met."
    )
    assert rules.explain_quorum(VILLAGERS, electorate=1000, taking_part=500) == (
        "500 of 1000 villagers aged 18 or over took part; more than half needed (501): not met."
    )
    assert rules.explain_quorum(REPRESENTATIVES, electorate=31, taking_part=21) == (
        "21 of 31 representatives took part; two thirds or more needed (21): met."
    )
    assert rules.explain_majority(votes=106, taking_part=212, what="For") == (
        "106 of the 212 taking part chose For; more than half needed (107): not reached."
    )


# Whole votes at the boundaries ---------------------------------------------------------------


def _cast(world: World, vote: Vote, voters: list[User], sides: list[str]) -> None:
    for user, side in zip(voters, sides, strict=True):
        ballots.cast_ballot(actor=actor(user), vote=vote, option=option(vote, side), now=NOW)


def _closed(vote: Vote) -> Vote:
    return services.close_vote(actor=None, vote=vote, now=AFTER)


@pytest.mark.parametrize(("taking_part", "met"), [(4, True), (3, False)])
def test_household_vote_of_six_households_at_two_thirds(
    world: World, taking_part: int, met: bool
) -> None:
    # Given six households: the two of the world and four more
    heads = [
        world.people["household_head"],
        world.people["secretary"],
        *households(world.village, 4),
    ]
    vote = new_vote(world, Vote.Body.HOUSEHOLDS)
    assert vote.electorate_size == 6
    # When exactly two thirds of the households (4) vote For — or one household fewer
    _cast(world, vote, heads[:taking_part], ["For"] * taking_part)
    closed = _closed(vote)
    # Then the quorum is met at exactly two thirds, and not one household below
    assert (closed.ballots_cast, closed.quorum_met, closed.passed) == (taking_part, met, met)


@pytest.mark.parametrize(("taking_part", "met"), [(3, False), (4, True)])
def test_villagers_meeting_of_six_adults_at_half(world: World, taking_part: int, met: bool) -> None:
    # Given six villagers aged 18 and over: five in the world, and one more with an account
    voters = [
        world.people["household_head"],
        world.people["villager"],
        world.people["secretary"],
        *[villager(r) for r in world.home.residents.filter(name="王小二")],
        villager(resident(world.home, "王小五")),
    ]
    vote = new_vote(world, Vote.Body.VILLAGERS)
    assert vote.electorate_size == 6
    voters = voters[:taking_part]
    # When exactly half take part (3 of 6) — or half + 1
    _cast(world, vote, voters, ["For"] * taking_part)
    closed = _closed(vote)
    # Then half is not enough; half + 1 is
    assert (closed.quorum_met, closed.passed) == (met, met)


@pytest.mark.parametrize(("for_votes", "passed"), [(3, False), (4, True)])
def test_a_motion_passes_only_with_more_than_half_for(
    world: World, for_votes: int, passed: bool
) -> None:
    # Given six households, all taking part; one abstains, and abstaining is taking part
    heads = [
        world.people["household_head"],
        world.people["secretary"],
        *households(world.village, 4),
    ]
    vote = new_vote(world, Vote.Body.HOUSEHOLDS)
    sides = ["For"] * for_votes + ["Abstain"] + ["Against"] * (5 - for_votes)
    # When exactly half vote For (3 of 6) — or one more
    _cast(world, vote, heads, sides)
    closed = _closed(vote)
    # Then exactly half fails, more than half passes
    assert counts(closed) == {"For": for_votes, "Against": 5 - for_votes, "Abstain": 1}
    assert (closed.ballots_cast, closed.quorum_met, closed.passed) == (6, True, passed)


@pytest.mark.parametrize(("taking_part", "met"), [(2, True), (1, False)])
def test_representatives_meeting_of_three_at_two_thirds(
    world: World, taking_part: int, met: bool
) -> None:
    from jifen.accounts.models import Role
    from tests import factories

    representatives = [
        world.people["representative"],
        factories.account("钱代表", Role.REPRESENTATIVE, world.village),
        factories.account("孙代表", Role.REPRESENTATIVE, world.village),
    ]
    vote = new_vote(world, Vote.Body.REPRESENTATIVES)
    assert vote.electorate_size == 3
    _cast(world, vote, representatives[:taking_part], ["For"] * taking_part)
    closed = _closed(vote)
    assert (closed.quorum_met, closed.passed) == (met, met)


def test_a_choice_without_a_majority_decides_nothing(world: World) -> None:
    heads = [
        world.people["household_head"],
        world.people["secretary"],
        *households(world.village, 4),
    ]
    vote = new_vote(
        world, Vote.Body.HOUSEHOLDS, kind=Vote.Kind.CHOICE, options=["东线", "西线", "不修"]
    )
    # 3 of 6 for 东线 is exactly half: no decision
    _cast(world, vote, heads, ["东线", "东线", "东线", "西线", "西线", "不修"])
    closed = _closed(vote)
    assert (closed.quorum_met, closed.passed, closed.winning_option) == (True, False, None)


def test_a_choice_with_a_majority_names_the_winner(world: World) -> None:
    heads = [
        world.people["household_head"],
        world.people["secretary"],
        *households(world.village, 4),
    ]
    vote = new_vote(
        world, Vote.Body.HOUSEHOLDS, kind=Vote.Kind.CHOICE, options=["东线", "西线", "不修"]
    )
    _cast(world, vote, heads, ["东线", "东线", "东线", "东线", "西线", "不修"])
    closed = _closed(vote)
    assert closed.passed is True
    assert closed.winning_option == option(vote, "东线")


def test_the_rule_module_is_the_one_place_that_decides(world: World) -> None:
    # The close stores what the rules say, for the closing time NOW of a vote nobody voted in
    vote = new_vote(world, Vote.Body.HOUSEHOLDS)
    closed = _closed(vote)
    assert (closed.electorate_size, closed.ballots_cast, closed.quorum_met, closed.passed) == (
        2,
        0,
        False,
        False,
    )
