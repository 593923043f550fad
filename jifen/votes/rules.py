"""The quorum and passing rules of each body, in one place, in whole numbers only.

The Organic Law of Villagers' Committees (《村民委员会组织法》) says, and DOMAIN.md §6 repeats:

- Art. 22: a villagers' meeting is held with **more than half** (过半数) of the villagers aged
  18 and over taking part, or with the representatives of **two thirds or more** (三分之二以上)
  of the households; its decisions are made by **more than half** of those taking part.
- Art. 26 and 27: a representatives' meeting is held with **two thirds or more** of the
  representatives taking part, and decides by more than half of those taking part.

In Chinese law 以上 and 以下 include the number itself, so "two thirds or more" is met by exactly
two thirds; 过半数 means strictly more than half, so exactly half is not enough. "Taking part"
is every ballot cast, abstentions included. Fractions never appear: ``2 * x > n`` is "x is
more than half of n", ``3 * x >= 2 * n`` is "x is two thirds of n or more".
"""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from jifen.votes.models import Vote


def quorum_met(body: str, *, electorate: int, taking_part: int) -> bool:
    """Whether enough of the electorate took part for the meeting to decide anything.

    Villagers' meeting: more than half of the villagers aged 18 and over (过半数).
    Household vote: two thirds or more of the households (三分之二以上, exactly two thirds counts).
    Representatives' meeting: two thirds or more of the representatives.
    An empty electorate never decides.
    """
    if electorate <= 0:
        return False
    if body == Vote.Body.VILLAGERS:
        return 2 * taking_part > electorate
    if body in (Vote.Body.HOUSEHOLDS, Vote.Body.REPRESENTATIVES):
        return 3 * taking_part >= 2 * electorate
    raise ValueError(body)


def quorum_needed(body: str, *, electorate: int) -> int:
    """The fewest taking part that meet the quorum (for the plain-words explanation)."""
    if body == Vote.Body.VILLAGERS:
        return electorate // 2 + 1
    if body in (Vote.Body.HOUSEHOLDS, Vote.Body.REPRESENTATIVES):
        return (2 * electorate + 2) // 3
    raise ValueError(body)


def has_majority(votes: int, *, taking_part: int) -> bool:
    """Whether ``votes`` are more than half of those taking part (过半数: exactly half fails).

    Every body decides so: a motion passes when For is more than half of all ballots cast,
    abstentions included; a choice is won by the option with more than half of them.
    """
    return 2 * votes > taking_part


def majority_needed(*, taking_part: int) -> int:
    """The fewest votes that are more than half of those taking part."""
    return taking_part // 2 + 1


@dataclass(frozen=True)
class Outcome:
    quorum_met: bool
    passed: bool
    # The option with more than half of the ballots, if any (a motion's: "for", when it passed).
    winner: int | None


def decide(
    body: str, *, electorate: int, counts: dict[int, int], for_option: int | None
) -> Outcome:
    """The outcome of a vote from its option counts (option id → ballots).

    A motion (``for_option`` given) passes when the quorum is met and For has a majority of
    those taking part. A choice passes, with a winner, when the quorum is met and one option has
    a majority; otherwise no decision is made.
    """
    taking_part = sum(counts.values())
    met = quorum_met(body, electorate=electorate, taking_part=taking_part)
    candidates = [for_option] if for_option is not None else list(counts)
    winners = [
        option
        for option in candidates
        if option is not None and has_majority(counts.get(option, 0), taking_part=taking_part)
    ]
    winner = winners[0] if met and winners else None
    return Outcome(quorum_met=met, passed=winner is not None, winner=winner)


def electorate_noun(body: str, count: int) -> str:
    if body == Vote.Body.HOUSEHOLDS:
        return ngettext("%(count)d household", "%(count)d households", count) % {"count": count}
    if body == Vote.Body.REPRESENTATIVES:
        return ngettext("%(count)d representative", "%(count)d representatives", count) % {
            "count": count
        }
    return ngettext(
        "%(count)d villager aged 18 or over", "%(count)d villagers aged 18 or over", count
    ) % {"count": count}


def explain_quorum(body: str, *, electorate: int, taking_part: int) -> str:
    """The quorum test in plain words, e.g. "212 of 318 households took part; two thirds or
    more needed (212): met"."""
    needed = quorum_needed(body, electorate=electorate)
    met = quorum_met(body, electorate=electorate, taking_part=taking_part)
    values = {
        "taking_part": taking_part,
        "electorate": electorate_noun(body, electorate),
        "needed": needed,
        "verdict": _("met") if met else _("not met"),
    }
    if body == Vote.Body.VILLAGERS:
        return (
            _(
                "%(taking_part)d of %(electorate)s took part; more than half needed "
                "(%(needed)d): %(verdict)s."
            )
            % values
        )
    return (
        _(
            "%(taking_part)d of %(electorate)s took part; two thirds or more needed "
            "(%(needed)d): %(verdict)s."
        )
        % values
    )


def explain_majority(*, votes: int, taking_part: int, what: str) -> str:
    """The passing test in plain words, e.g. "180 of the 212 taking part voted For; more than
    half needed (107): passed"."""
    values = {
        "votes": votes,
        "taking_part": taking_part,
        "what": what,
        "needed": majority_needed(taking_part=taking_part),
        "verdict": _("reached")
        if has_majority(votes, taking_part=taking_part)
        else _("not reached"),
    }
    return (
        _(
            "%(votes)d of the %(taking_part)d taking part chose %(what)s; more than half "
            "needed (%(needed)d): %(verdict)s."
        )
        % values
    )
