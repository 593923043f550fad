"""Ballots: casting one, changing it, recording one cast at the meeting, and naming the member
who casts a household's vote.

One ballot per elector is the database's ``ballot_one_per_elector``: a duplicate insert fails
inside a savepoint and the voter hears "You have already voted" (or, where the vote allows
changes, their ballot is changed instead). Each of these writes locks the vote's row first
(``jifen.votes.locks``), so a ballot and the close never cross.

Every ballot moves the counters of *all* of the vote's options, by ``F()``, in one statement:
the last transaction to touch the counters touched each of them alike, so not even the
database's row versions tell which one a secret ballot chose. A secret ballot's row, audit
event and messages never hold the choice, and no idempotency record is kept for a ballot (its
fingerprint would hash the choice beside the voter's account): the unique constraint already
makes a repeated ballot harmless.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Case, F, Value, When
from django.utils import timezone
from django.utils.translation import gettext as _

from jifen.accounts.actors import Actor
from jifen.accounts.models import User
from jifen.audit.models import AuditEvent
from jifen.audit.services import build_event, record_event
from jifen.places.models import Household, Resident
from jifen.votes import permissions, selectors
from jifen.votes.locks import lock_vote
from jifen.votes.models import Ballot, Elector, Option, Vote


class AlreadyVoted(ValidationError):
    pass


@dataclass(frozen=True)
class Cast:
    ballot: Ballot
    changed: bool


def _check_window(vote: Vote, now: datetime) -> None:
    if vote.status == Vote.Status.SCHEDULED or now < vote.opens_at:
        raise ValidationError(
            _("Voting opens at %(when)s.") % {"when": selectors.when(vote.opens_at)}
        )
    if not selectors.is_window_open(vote, now):
        raise ValidationError(
            _("Voting closed at %(when)s.") % {"when": selectors.when(vote.closes_at)}
        )


def _option_of(vote: Vote, option: Option) -> Option:
    if option.vote_id != vote.pk:
        raise ValidationError(_("Choose one of this vote's options."))
    return option


def _count(vote: Vote, moves: Mapping[int, int]) -> None:
    """Move the counters by ``moves`` (option pk → ballots added or taken away): one statement
    over all of the vote's options (see the module)."""
    whens = [When(pk=pk, then=Value(n)) for pk, n in moves.items()]
    Option.objects.filter(vote=vote).update(count=F("count") + Case(*whens, default=Value(0)))


def _insert_ballot(
    vote: Vote, elector: Elector, option: Option, cast_by: User, channel: str, now: datetime
) -> Ballot | None:
    """The ballot, or None if the elector has one already (the database said so)."""
    try:
        with transaction.atomic():
            return Ballot.objects.create(
                vote=vote,
                elector=elector,
                secret=vote.secret,
                option=None if vote.secret else option,
                channel=channel,
                cast_by=cast_by,
                cast_at=now,
            )
    except IntegrityError:
        if Ballot.objects.filter(vote=vote, elector=elector).exists():
            return None
        raise


def _voter_household(elector: Elector) -> Household | None:
    return _voter_households([elector]).get(elector.pk)


def cast_ballot(*, actor: Actor, vote: Vote, option: Option, now: datetime | None = None) -> Cast:
    """Cast the acting account's ballot, or change it where the vote allows changes."""
    if not permissions.can_take_part(actor, vote):
        raise PermissionDenied(_("You may not vote in this village."))
    now = now or timezone.now()
    with transaction.atomic():
        locked = lock_vote(vote.pk)
        _option_of(locked, option)
        _check_window(locked, now)
        elector, refused, _is_head = selectors.elector_for(locked, actor.user)
        if elector is None or refused:
            raise PermissionDenied(refused)
        ballot = _insert_ballot(locked, elector, option, actor.user, Ballot.Channel.APP, now)
        if ballot is None:
            if not locked.changes_allowed:
                raise AlreadyVoted(_("You have already voted."))
            return _change(locked, elector, option, actor, now)
        _count(locked, {option.pk: 1})
        after: dict[str, object] = {"vote": locked.pk, "channel": ballot.channel}
        if not locked.secret:
            after |= {"option": option.pk, "choice": option.name}
        record_event(
            actor=actor,
            action="votes.voted",
            obj=ballot,
            village=locked.village,
            household=_voter_household(elector),
            after=after,
        )
    return Cast(ballot=ballot, changed=False)


def _change(vote: Vote, elector: Elector, option: Option, actor: Actor, now: datetime) -> Cast:
    """Inside the transaction, with the vote locked: an open ballot takes another option."""
    assert not vote.secret  # the database refuses a changeable secret ballot
    ballot = Ballot.objects.select_for_update().get(vote=vote, elector=elector)
    before = ballot.option_id
    assert before is not None  # an open ballot holds its choice
    if before == option.pk:
        return Cast(ballot=ballot, changed=False)
    _count(vote, {option.pk: 1, before: -1})
    ballot.option = option
    ballot.cast_by = actor.user
    ballot.changed_at = now
    ballot.times_changed += 1
    ballot.save(update_fields=["option", "cast_by", "changed_at", "times_changed"])
    record_event(
        actor=actor,
        action="votes.changed",
        obj=ballot,
        village=vote.village,
        household=_voter_household(elector),
        before={"option": before},
        after={"vote": vote.pk, "option": option.pk, "choice": option.name},
    )
    return Cast(ballot=ballot, changed=True)


def record_meeting_ballot(
    *,
    actor: Actor,
    vote: Vote,
    elector: Elector,
    option: Option,
    now: datetime | None = None,
) -> Ballot:
    """A cadre records a ballot cast in person at the meeting (open votes only), so that
    villagers without a phone count too."""
    return record_meeting_ballots(actor=actor, vote=vote, choices=[(elector, option)], now=now)[0]


def record_meeting_ballots(
    *,
    actor: Actor,
    vote: Vote,
    choices: Sequence[tuple[Elector, Option]],
    now: datetime | None = None,
) -> list[Ballot]:
    """A cadre records the ballots cast in person at the meeting, all or none: the meeting's
    register, entered in one go. Open votes only; each voter once."""
    if not permissions.can_manage_votes(actor, vote.village):
        raise PermissionDenied(_("Only the village's cadres record ballots cast at the meeting."))
    if vote.secret:
        raise ValidationError(
            _("A secret ballot is cast by the voter alone; no one can record it for them.")
        )
    now = now or timezone.now()
    with transaction.atomic():
        # Under the vote's lock no other ballot of this vote is being written: the check below
        # holds until the commit, and the unique constraint stays the last word.
        locked = lock_vote(vote.pk)
        _check_window(locked, now)
        electors = [elector for elector, _option in choices]
        if len({elector.pk for elector in electors}) != len(electors):
            raise ValidationError(_("Each voter is recorded once."))
        for elector, option in choices:
            _option_of(locked, option)
            if elector.vote_id != locked.pk:
                raise ValidationError(_("This voter is not on the electoral roll of this vote."))
        if Ballot.objects.filter(elector__in=electors).exists():
            raise AlreadyVoted(_("This voter has already voted."))
        ballots = Ballot.objects.bulk_create(
            Ballot(
                vote=locked,
                elector=elector,
                secret=False,
                option=option,
                channel=Ballot.Channel.MEETING,
                cast_by=actor.user,
                cast_at=now,
            )
            for elector, option in choices
        )
        _count(locked, Counter(option.pk for _elector, option in choices))
        households = _voter_households(electors)
        AuditEvent.objects.bulk_create(
            build_event(
                actor=actor,
                action="votes.voted_at_meeting",
                obj=ballot,
                village=locked.village,
                household=households.get(elector.pk),
                after={
                    "vote": locked.pk,
                    "elector": elector.pk,
                    "option": option.pk,
                    "choice": option.name,
                },
            )
            for ballot, (elector, option) in zip(ballots, choices, strict=True)
        )
    return ballots


def _voter_households(electors: Sequence[Elector]) -> dict[int, Household]:
    """The household of each elector, by the elector's pk: two queries, however many."""
    home_of_resident = dict(
        Resident.objects.filter(
            pk__in=[e.resident_id for e in electors if e.resident_id is not None]
        ).values_list("pk", "household_id")
    )
    home_of = {
        elector.pk: elector.household_id or home_of_resident.get(elector.resident_id or 0)
        for elector in electors
    }
    households = Household.objects.in_bulk([pk for pk in home_of.values() if pk is not None])
    return {pk: households[home] for pk, home in home_of.items() if home in households}


def name_delegate(
    *, actor: Actor, vote: Vote, member: Resident | None, now: datetime | None = None
) -> Elector:
    """The head of a household names the member who casts the household's vote (or, with
    ``member`` None, takes the naming back) while the household has not voted."""
    if not permissions.can_take_part(actor, vote) or vote.body != Vote.Body.HOUSEHOLDS:
        raise PermissionDenied(_("Only a household vote has a household's voter to name."))
    now = now or timezone.now()
    with transaction.atomic():
        locked = lock_vote(vote.pk)
        _check_window(locked, now)
        elector, _refused, is_head = selectors.elector_for(locked, actor.user)
        if elector is None or not is_head:
            raise PermissionDenied(_("Only the head of the household names its voter."))
        elector = (
            Elector.objects.select_for_update(of=("self",))
            .select_related("household")
            .get(pk=elector.pk)
        )
        assert elector.household is not None
        if Ballot.objects.filter(elector=elector).exists():
            raise ValidationError(_("The household has already voted."))
        if (
            member is not None
            and not selectors.adult_members(elector.household, locked).filter(pk=member.pk).exists()
        ):
            raise ValidationError(
                _("Name a member of your household aged 18 or over on the day the vote opened.")
            )
        before = elector.delegate_id
        if before == (member.pk if member else None):
            return elector
        elector.delegate = member
        elector.save(update_fields=["delegate"])
        record_event(
            actor=actor,
            action="votes.delegate_named" if member else "votes.delegate_withdrawn",
            obj=locked,
            village=locked.village,
            household=elector.household,
            before={"delegate": before},
            after={"delegate": member.pk if member else None},
        )
    return elector
