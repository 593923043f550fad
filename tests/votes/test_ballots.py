"""Casting, changing and recording ballots; naming a household's voter; the constraints."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from jifen.audit.models import AuditEvent
from jifen.votes import ballots
from jifen.votes.models import Ballot, Elector, Option, Vote
from tests.conftest import World
from tests.points import NOW, actor
from tests.votes.conftest import counts, new_vote, option, resident

LATER = NOW + timedelta(hours=1)


def cast(world: World, who: str, vote: Vote, name: str, now=LATER) -> ballots.Cast:
    return ballots.cast_ballot(
        actor=actor(world.people[who]), vote=vote, option=option(vote, name), now=now
    )


# One ballot each ----------------------------------------------------------------------------


def test_a_second_ballot_is_refused_with_already_voted(world: World) -> None:
    vote = new_vote(world, Vote.Body.VILLAGERS)
    cast(world, "villager", vote, "For")
    with pytest.raises(ballots.AlreadyVoted, match="You have already voted"):
        cast(world, "villager", vote, "Against")
    assert counts(vote) == {"For": 1, "Against": 0, "Abstain": 0}
    assert Ballot.objects.filter(vote=vote).count() == 1


def test_the_database_refuses_a_second_ballot_whatever_the_code_does(world: World) -> None:
    vote = new_vote(world, Vote.Body.VILLAGERS)
    first = cast(world, "villager", vote, "For").ballot
    with pytest.raises(IntegrityError), transaction.atomic():
        Ballot.objects.create(
            vote=vote,
            elector=first.elector,
            secret=False,
            option=option(vote, "Against"),
            cast_by=first.cast_by,
            cast_at=LATER,
        )


def test_the_head_and_the_named_member_share_one_household_vote(world: World) -> None:
    vote = new_vote(world, Vote.Body.HOUSEHOLDS)
    member = world.people["villager"].resident
    ballots.name_delegate(
        actor=actor(world.people["household_head"]), vote=vote, member=member, now=LATER
    )
    cast(world, "villager", vote, "Against")
    # The head may no longer vote for the household, nor take the naming back
    with pytest.raises(ballots.AlreadyVoted, match="You have already voted"):
        cast(world, "household_head", vote, "For")
    with pytest.raises(ValidationError, match="The household has already voted"):
        ballots.name_delegate(
            actor=actor(world.people["household_head"]), vote=vote, member=None, now=LATER
        )
    assert counts(vote) == {"For": 0, "Against": 1, "Abstain": 0}
    ballot = Ballot.objects.get(vote=vote)
    assert ballot.cast_by == world.people["villager"]
    assert ballot.elector.household == world.home


# Changing a vote ----------------------------------------------------------------------------


def test_a_vote_may_be_changed_only_when_the_vote_says_so(world: World) -> None:
    vote = new_vote(world, Vote.Body.VILLAGERS, changes_allowed=True)
    assert cast(world, "villager", vote, "For").changed is False
    cast(world, "household_head", vote, "For")
    # When the villager changes to Against, then to Abstain, then Abstain again
    assert cast(world, "villager", vote, "Against").changed is True
    assert counts(vote) == {"For": 1, "Against": 1, "Abstain": 0}
    assert cast(world, "villager", vote, "Abstain").changed is True
    again = cast(world, "villager", vote, "Abstain")
    # Then the counters are exact, the ballot is one, and a same choice is no change
    assert again.changed is False
    assert counts(vote) == {"For": 1, "Against": 0, "Abstain": 1}
    ballot = Ballot.objects.get(vote=vote, cast_by=world.people["villager"])
    assert (ballot.option, ballot.times_changed, ballot.changed_at) == (
        option(vote, "Abstain"),
        2,
        LATER,
    )
    assert Ballot.objects.filter(vote=vote).count() == 2
    changes = AuditEvent.objects.filter(action="votes.changed", object_id=str(ballot.pk))
    assert [(e.after or {})["choice"] for e in changes.order_by("id")] == ["Against", "Abstain"]


def test_without_changes_allowed_the_first_choice_stands(world: World) -> None:
    vote = new_vote(world, Vote.Body.VILLAGERS)
    cast(world, "villager", vote, "For")
    with pytest.raises(ballots.AlreadyVoted):
        cast(world, "villager", vote, "Against")
    ballot = Ballot.objects.get(vote=vote)
    assert (ballot.option, ballot.times_changed) == (option(vote, "For"), 0)


def test_no_change_after_the_close(world: World) -> None:
    vote = new_vote(world, Vote.Body.VILLAGERS, changes_allowed=True)
    cast(world, "villager", vote, "For")
    with pytest.raises(ValidationError, match="Voting closed at"):
        cast(world, "villager", vote, "Against", now=vote.closes_at)
    assert counts(vote)["For"] == 1


def test_a_choice_vote_counts_its_own_options_only(world: World) -> None:
    vote = new_vote(world, Vote.Body.VILLAGERS, kind=Vote.Kind.CHOICE, options=["东线", "西线"])
    other = new_vote(world, Vote.Body.VILLAGERS, title="另一项")
    with pytest.raises(ValidationError, match="Choose one of this vote's options"):
        ballots.cast_ballot(
            actor=actor(world.people["villager"]), vote=vote, option=option(other, "For"), now=LATER
        )
    cast(world, "villager", vote, "西线")
    assert counts(vote) == {"东线": 0, "西线": 1}
    assert counts(other) == {"For": 0, "Against": 0, "Abstain": 0}


# Naming the household's voter ----------------------------------------------------------------


def test_only_the_head_names_an_adult_member_of_the_household(world: World) -> None:
    vote = new_vote(world, Vote.Body.HOUSEHOLDS)
    minor = resident(world.home, "王十七", date(2009, 1, 1))
    stranger = world.neighbour_home.head
    head = actor(world.people["household_head"])
    for member in (minor, stranger, world.home.head):
        with pytest.raises(ValidationError, match="aged 18 or over"):
            ballots.name_delegate(actor=head, vote=vote, member=member, now=LATER)
    with pytest.raises(PermissionDenied, match="Only the head of the household"):
        ballots.name_delegate(
            actor=actor(world.people["villager"]),
            vote=vote,
            member=world.people["villager"].resident,
            now=LATER,
        )
    elector = Elector.objects.get(vote=vote, household=world.home)
    assert elector.delegate is None
    # Named, then the naming taken back: the member may no longer vote
    ballots.name_delegate(
        actor=head, vote=vote, member=world.people["villager"].resident, now=LATER
    )
    ballots.name_delegate(actor=head, vote=vote, member=None, now=LATER)
    with pytest.raises(PermissionDenied, match="cast by its head"):
        cast(world, "villager", vote, "For")
    assert [e.action for e in AuditEvent.objects.filter(action__startswith="votes.delegate")] == [
        "votes.delegate_withdrawn",
        "votes.delegate_named",
    ]


def test_naming_is_for_household_votes_only(world: World) -> None:
    vote = new_vote(world, Vote.Body.VILLAGERS)
    with pytest.raises(PermissionDenied):
        ballots.name_delegate(
            actor=actor(world.people["household_head"]),
            vote=vote,
            member=world.people["villager"].resident,
            now=LATER,
        )


# Ballots cast at the meeting ----------------------------------------------------------------


def test_a_cadre_records_a_ballot_cast_in_person(world: World) -> None:
    vote = new_vote(world, Vote.Body.HOUSEHOLDS)
    elector = Elector.objects.get(vote=vote, household=world.home)
    ballot = ballots.record_meeting_ballot(
        actor=actor(world.people["committee_member"]),
        vote=vote,
        elector=elector,
        option=option(vote, "Against"),
        now=LATER,
    )
    assert (ballot.channel, ballot.cast_by, ballot.option) == (
        Ballot.Channel.MEETING,
        world.people["committee_member"],
        option(vote, "Against"),
    )
    assert counts(vote) == {"For": 0, "Against": 1, "Abstain": 0}
    # The household has voted: a second record, or the head's own ballot, is refused
    with pytest.raises(ballots.AlreadyVoted, match="This voter has already voted"):
        ballots.record_meeting_ballot(
            actor=actor(world.people["secretary"]),
            vote=vote,
            elector=elector,
            option=option(vote, "For"),
            now=LATER,
        )
    with pytest.raises(ballots.AlreadyVoted):
        cast(world, "household_head", vote, "For")
    assert counts(vote) == {"For": 0, "Against": 1, "Abstain": 0}


def test_meeting_ballots_are_refused_for_secret_votes_and_to_non_cadres(world: World) -> None:
    secret = new_vote(world, Vote.Body.HOUSEHOLDS, secret=True)
    elector = Elector.objects.get(vote=secret, household=world.home)
    with pytest.raises(ValidationError, match="A secret ballot is cast by the voter alone"):
        ballots.record_meeting_ballot(
            actor=actor(world.people["secretary"]),
            vote=secret,
            elector=elector,
            option=option(secret, "For"),
            now=LATER,
        )
    public = new_vote(world, Vote.Body.HOUSEHOLDS, title="公开表决")
    with pytest.raises(PermissionDenied):
        ballots.record_meeting_ballot(
            actor=actor(world.people["grid_member"]),
            vote=public,
            elector=Elector.objects.get(vote=public, household=world.home),
            option=option(public, "For"),
            now=LATER,
        )
    # An elector of another vote is no elector of this one
    with pytest.raises(ValidationError, match="not on the electoral roll"):
        ballots.record_meeting_ballot(
            actor=actor(world.people["secretary"]),
            vote=public,
            elector=elector,
            option=option(public, "For"),
            now=LATER,
        )
    assert Ballot.objects.count() == 0


def test_the_meeting_register_is_recorded_all_or_none(world: World) -> None:
    vote = new_vote(world, Vote.Body.VILLAGERS)
    electors = list(Elector.objects.filter(vote=vote).order_by("pk"))
    assert len(electors) >= 3
    secretary = actor(world.people["secretary"])
    recorded = ballots.record_meeting_ballots(
        actor=secretary,
        vote=vote,
        choices=[(electors[0], option(vote, "For")), (electors[1], option(vote, "For"))],
        now=LATER,
    )
    assert [b.elector_id for b in recorded] == [electors[0].pk, electors[1].pk]
    assert counts(vote) == {"For": 2, "Against": 0, "Abstain": 0}
    # One household in the batch has voted already: nothing of the batch is recorded
    with pytest.raises(ballots.AlreadyVoted):
        ballots.record_meeting_ballots(
            actor=secretary,
            vote=vote,
            choices=[
                (electors[2], option(vote, "Against")),
                (electors[1], option(vote, "Against")),
            ],
            now=LATER,
        )
    with pytest.raises(ValidationError, match="Each voter is recorded once"):
        ballots.record_meeting_ballots(
            actor=secretary,
            vote=vote,
            choices=[(electors[2], option(vote, "Against")), (electors[2], option(vote, "For"))],
            now=LATER,
        )
    assert counts(vote) == {"For": 2, "Against": 0, "Abstain": 0}
    assert Ballot.objects.filter(vote=vote).count() == 2
    events = AuditEvent.objects.filter(action="votes.voted_at_meeting").order_by("pk")
    # Each ballot's event names the voter's household, as a single record does
    homes = [resident.household_id for e in electors[:2] if (resident := e.resident) is not None]
    assert [(e.household_id, (e.after or {}).get("choice")) for e in events] == [
        (homes[0], "For"),
        (homes[1], "For"),
    ]


# Putting a question to a vote ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"kind": Vote.Kind.CHOICE, "options": ["只有一项"]}, "A choice has 2 to 10 options"),
        ({"kind": Vote.Kind.CHOICE, "options": [f"方案{n}" for n in range(11)]}, "2 to 10"),
        ({"kind": Vote.Kind.CHOICE, "options": ["东线", "东线 "]}, "Each option must differ"),
        ({"secret": True, "changes_allowed": True}, "A secret ballot cannot be changed"),
        ({"secret": True, "show_running_results": True}, "shows its results only at the close"),
        ({"closes_at": NOW + timedelta(minutes=30)}, "at least an hour"),
        ({"closes_at": NOW + timedelta(days=61)}, "at most 60 days"),
        ({"title": " "}, "Give the vote a title"),
    ],
)
def test_a_vote_is_checked_before_it_is_put(
    world: World, changes: dict[str, Any], message: str
) -> None:
    with pytest.raises(ValidationError, match=message):
        new_vote(world, Vote.Body.VILLAGERS, **changes)
    assert Vote.objects.count() == 0


def test_only_the_village_cadres_put_questions_to_a_vote(world: World) -> None:
    for who in ("household_head", "supervisor", "neighbour_secretary", "township_admin"):
        with pytest.raises(PermissionDenied):
            new_vote(world, Vote.Body.VILLAGERS, by=who)
    assert Vote.objects.count() == 0


def test_a_vote_opening_at_once_freezes_its_electorate_and_tells_the_electors(
    world: World,
) -> None:
    vote = new_vote(world, Vote.Body.HOUSEHOLDS)
    assert (vote.status, vote.opened_at, vote.electorate_size) == (Vote.Status.OPEN, NOW, 2)
    # The heads of both households have accounts and are told
    told = set(world.people["household_head"].notifications.values_list("kind", flat=True)) | set(
        world.people["secretary"].notifications.values_list("kind", flat=True)
    )
    assert told == {"vote_open"}
    assert not world.people["villager"].notifications.exists()
    assert list(vote.options.values_list("side", "label")) == [
        ("for", ""),
        ("against", ""),
        ("abstain", ""),
    ]


def test_an_opening_in_the_past_means_now(world: World) -> None:
    vote = new_vote(world, opens_at=NOW - timedelta(days=1), closes_at=NOW + timedelta(days=2))
    assert (vote.opens_at, vote.status) == (NOW, Vote.Status.OPEN)


# The database's own guards --------------------------------------------------------------------


def test_the_database_refuses_a_secret_ballot_with_a_choice(world: World) -> None:
    vote = new_vote(world, Vote.Body.VILLAGERS, secret=True)
    elector = Elector.objects.get(vote=vote, resident=world.home.head)
    with pytest.raises(IntegrityError), transaction.atomic():
        Ballot.objects.create(
            vote=vote,
            elector=elector,
            secret=True,
            option=option(vote, "For"),
            cast_by=world.people["villager"],
            cast_at=LATER,
        )


def test_the_database_refuses_a_changeable_secret_vote(world: World) -> None:
    vote = new_vote(world, Vote.Body.VILLAGERS, secret=True)
    with pytest.raises(IntegrityError), transaction.atomic():
        Vote.objects.filter(pk=vote.pk).update(changes_allowed=True)


def test_the_database_refuses_an_elector_of_the_wrong_kind(world: World) -> None:
    vote = new_vote(world, Vote.Body.HOUSEHOLDS)
    with pytest.raises(IntegrityError), transaction.atomic():
        Elector.objects.create(vote=vote, kind=Vote.Body.HOUSEHOLDS, resident=world.home.head)
    with pytest.raises(IntegrityError), transaction.atomic():
        Elector.objects.create(vote=vote, kind=Vote.Body.HOUSEHOLDS, household=world.home)


def test_the_database_refuses_a_negative_count(world: World) -> None:
    vote = new_vote(world, Vote.Body.VILLAGERS)
    with pytest.raises(IntegrityError), transaction.atomic():
        Option.objects.filter(vote=vote).update(count=-1)


def test_the_window_is_checked_against_the_time_given(world: World) -> None:
    vote = new_vote(world, Vote.Body.VILLAGERS)
    with pytest.raises(ValidationError, match="Voting closed at 2026-06-20 10:00"):
        cast(world, "villager", vote, "For", now=vote.closes_at + timedelta(seconds=1))
    assert timezone.localtime(vote.closes_at).hour == 10
