"""Reads of votes: a village's votes, where a person stands in a vote, and the results."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from django.db.models import Case, Count, IntegerField, Q, QuerySet, Value, When
from django.utils import formats, timezone
from django.utils.translation import gettext as _

from jifen.accounts.models import User
from jifen.places.models import Household, Resident
from jifen.votes import rules
from jifen.votes.models import Ballot, Elector, Option, Vote

ADULT_AGE = 18


def when(moment: datetime) -> str:
    """A moment as the pages and messages show it, in local time."""
    return formats.date_format(timezone.localtime(moment), "Y-m-d H:i")


def latest_adult_birth_date(day: date) -> date:
    """The last birth date of someone aged 18 or over on ``day`` (born on 29 February, one
    turns 18 on 1 March in a common year, as ``Resident.age_on`` counts)."""
    try:
        return day.replace(year=day.year - ADULT_AGE)
    except ValueError:  # 29 February, eighteen years before a common year
        return day.replace(year=day.year - ADULT_AGE, day=28)


def opening_day(vote: Vote) -> date:
    return timezone.localdate(vote.opens_at)


def village_votes(village_id: int) -> QuerySet[Vote]:
    """The village's votes, open ones first, then those to come, then the closed ones."""
    order = {Vote.Status.OPEN: 0, Vote.Status.SCHEDULED: 1, Vote.Status.CLOSED: 2}
    return (
        Vote.objects.filter(village_id=village_id)
        .select_related("winning_option")
        .annotate(
            status_order=Case(
                *[When(status=status, then=Value(rank)) for status, rank in order.items()],
                output_field=IntegerField(),
            ),
            voted=Count("ballots"),
        )
        .order_by("status_order", "-opens_at", "-pk")
    )


def is_window_open(vote: Vote, now: datetime) -> bool:
    return vote.status == Vote.Status.OPEN and vote.opens_at <= now < vote.closes_at


@dataclass(frozen=True)
class Standing:
    """Where one account stands in one vote."""

    elector: Elector | None
    ballot: Ballot | None
    # Why the account may not cast (or change) a ballot now; empty when it may.
    reason: str
    # Household votes: the head of an elector household, who may name a member.
    is_head: bool = False
    household: Household | None = None

    @property
    def may_cast(self) -> bool:
        return not self.reason


def elector_for(vote: Vote, user: User) -> tuple[Elector | None, str, bool]:
    """The elector ``user`` casts for, if any: (elector, reason refused, is the head)."""
    not_listed = _(
        "You are not on the electoral roll of this vote: it was fixed when the vote opened."
    )
    resident: Resident | None = user.resident
    if vote.body == Vote.Body.REPRESENTATIVES:
        elector = Elector.objects.filter(vote=vote, user=user).first()
        return elector, "" if elector else not_listed, False
    if resident is None:
        return None, not_listed, False
    if vote.body == Vote.Body.VILLAGERS:
        elector = Elector.objects.filter(vote=vote, resident=resident).first()
        return elector, "" if elector else not_listed, False
    elector = (
        Elector.objects.filter(vote=vote, household_id=resident.household_id)
        .select_related("household", "delegate")
        .first()
    )
    if elector is None:
        return None, not_listed, False
    assert elector.household is not None
    is_head = elector.household.head_id == resident.pk
    if is_head or elector.delegate_id == resident.pk:
        return elector, "", is_head
    return (
        elector,
        _("The household's vote is cast by its head, or by the member the head names."),
        False,
    )


def standing(vote: Vote, user: User, now: datetime) -> Standing:
    """Whether ``user`` may cast (or change) a ballot in ``vote`` at ``now``, and why not."""
    if vote.status == Vote.Status.SCHEDULED or now < vote.opens_at:
        return Standing(
            None,
            None,
            _("Voting opens at %(when)s; the electorate is fixed then.")
            % {"when": when(vote.opens_at)},
        )
    elector, reason, is_head = elector_for(vote, user)
    ballot = Ballot.objects.filter(elector=elector).first() if elector else None
    household = elector.household if elector and vote.body == Vote.Body.HOUSEHOLDS else None
    if not reason and not is_window_open(vote, now):
        reason = _("Voting closed at %(when)s.") % {"when": when(vote.closes_at)}
    if not reason and ballot is not None and not vote.changes_allowed:
        reason = _("You have already voted.")
    return Standing(elector, ballot, reason, is_head=is_head, household=household)


def adult_members(household: Household, vote: Vote) -> QuerySet[Resident]:
    """The members of a household, besides its head, whom the head may name to vote."""
    return (
        Resident.objects.filter(
            household=household, birth_date__lte=latest_adult_birth_date(opening_day(vote))
        )
        .exclude(pk__in=[household.head_id] if household.head_id else [])
        .order_by("pk")
    )


def electors_yet_to_vote(vote: Vote, query: str, limit: int = 20) -> list[Elector]:
    """Electors without a ballot whose name or door plate matches ``query`` (the meeting
    desk): the names of residents, the door plates and heads of households."""
    query = query.strip()
    if not query:
        return []
    found = Elector.objects.filter(vote=vote, ballots__isnull=True)
    if vote.body == Vote.Body.VILLAGERS:
        found = found.filter(
            Q(resident__name__contains=query) | Q(resident__household__door_plate=query)
        )
    elif vote.body == Vote.Body.HOUSEHOLDS:
        found = found.filter(
            Q(household__door_plate=query) | Q(household__residents__name__contains=query)
        ).distinct()
    else:
        found = found.filter(user__name__contains=query)
    return list(
        found.select_related("resident__household", "household__head", "user").order_by("pk")[
            :limit
        ]
    )


def elector_name(elector: Elector) -> str:
    """How the meeting desk names an elector: person, household (plate and head), or user."""
    if elector.resident is not None:
        return f"{elector.resident.name} ({elector.resident.household.door_plate})"
    if elector.household is not None:
        head = elector.household.head
        return f"{elector.household.door_plate} {head.name if head else ''}".strip()
    assert elector.user is not None
    return elector.user.name


# Results -------------------------------------------------------------------------------------


def may_see_results(vote: Vote) -> bool:
    """Results are published at the close; before it only where the vote says so."""
    return vote.status == Vote.Status.CLOSED or (
        vote.status == Vote.Status.OPEN and vote.show_running_results and not vote.secret
    )


@dataclass(frozen=True)
class OptionResult:
    option: Option
    count: int
    # A whole percentage of those taking part, rounded down: for reading, never for deciding.
    percent: int
    is_winner: bool


@dataclass(frozen=True)
class Results:
    final: bool
    electorate: int
    taking_part: int
    options: list[OptionResult]
    quorum_met: bool
    passed: bool
    quorum_text: str
    majority_text: str


def results(vote: Vote) -> Results:
    """The counts, turnout, quorum test and outcome: final at the close, running before."""
    options = list(vote.options.order_by("position"))
    counts = {option.pk: option.count for option in options}
    electorate = vote.electorate_size or 0
    final = vote.status == Vote.Status.CLOSED
    for_option = next((o.pk for o in options if o.side == Option.Side.FOR), None)
    outcome = rules.decide(vote.body, electorate=electorate, counts=counts, for_option=for_option)
    taking_part = (
        vote.ballots_cast if final and vote.ballots_cast is not None else sum(counts.values())
    )
    if final:
        outcome = rules.Outcome(
            quorum_met=bool(vote.quorum_met),
            passed=bool(vote.passed),
            winner=vote.winning_option_id,
        )
    leading = max(options, key=lambda o: o.count) if options else None
    measured = next((o for o in options if o.pk == for_option), None) or leading
    return Results(
        final=final,
        electorate=electorate,
        taking_part=taking_part,
        options=[
            OptionResult(
                option=option,
                count=option.count,
                percent=option.count * 100 // taking_part if taking_part else 0,
                is_winner=option.pk == outcome.winner,
            )
            for option in options
        ],
        quorum_met=outcome.quorum_met,
        passed=outcome.passed,
        quorum_text=rules.explain_quorum(vote.body, electorate=electorate, taking_part=taking_part),
        majority_text=rules.explain_majority(
            votes=measured.count if measured else 0,
            taking_part=taking_part,
            what=measured.name if measured else "—",
        ),
    )


def turnout(vote: Vote) -> int:
    """Ballots cast so far: who voted is not secret, only what they chose."""
    return vote.ballots.count()
