"""A vote's life: putting a question to a vote, opening it (the electorate is frozen), the
reminder, and the close, which publishes the result and, for a passed rule change, adopts the
new rulebook version in the same transaction. ``run_due`` is the scheduled job. Ballots are in
``jifen.votes.ballots``; the quorum and passing rules in ``jifen.votes.rules``.

Every write locks the vote's row first (``jifen.votes.locks``): the job and a cadre closing at
once publish one result.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Q, QuerySet
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from jifen.accounts.actors import Actor
from jifen.accounts.models import Role, RoleGrant, User
from jifen.audit.services import record_event
from jifen.core.idempotency import claim, fingerprint, remember
from jifen.notify.models import Notification
from jifen.notify.services import notify
from jifen.places.models import Household, Place, Resident
from jifen.rules.models import Rulebook, RulebookVersion
from jifen.rules.services import adopt_version
from jifen.talk.models import Matter
from jifen.votes import permissions, rules, selectors
from jifen.votes.locks import lock_vote
from jifen.votes.models import Ballot, Elector, Option, Vote
from jifen.votes.rulediff import diff, in_force_before

logger = logging.getLogger(__name__)

MIN_OPTIONS, MAX_OPTIONS = 2, 10
MIN_WINDOW = timedelta(hours=1)
MAX_WINDOW = timedelta(days=60)
MAX_LEAD = timedelta(days=90)
REMIND_BEFORE = timedelta(days=1)
# The window a new vote's form suggests (DOMAIN.md §6: "for example 5 days").
DEFAULT_WINDOW = timedelta(days=5)
MOTION_SIDES = [Option.Side.FOR, Option.Side.AGAINST, Option.Side.ABSTAIN]


def _url(vote: Vote) -> str:
    return reverse("votes_vote", args=[vote.pk])


def body_name(body: str) -> str:
    """The body's short name, as the rulebook records the meeting that adopted it."""
    return {
        Vote.Body.VILLAGERS: _("Villagers' meeting"),
        Vote.Body.HOUSEHOLDS: _("Villagers' meeting by household representatives"),
        Vote.Body.REPRESENTATIVES: _("Representatives' meeting"),
    }[Vote.Body(body)]


# Creating a vote ---------------------------------------------------------------------------


def _clean_options(kind: str, options: Sequence[str]) -> list[str]:
    if kind == Vote.Kind.MOTION:
        return []
    labels = [" ".join(label.split()) for label in options]
    labels = [label for label in labels if label]
    if not MIN_OPTIONS <= len(labels) <= MAX_OPTIONS:
        raise ValidationError(_("A choice has 2 to 10 options, one a line."))
    if any(len(label) > 60 for label in labels):
        raise ValidationError(_("An option is at most 60 characters long."))
    if len({label.casefold() for label in labels}) != len(labels):
        raise ValidationError(_("Each option must differ from the others."))
    return labels


def _clean_window(
    opens_at: datetime | None, closes_at: datetime, now: datetime
) -> tuple[datetime, datetime]:
    """An opening in the past, or none, means now."""
    opens_at = now if opens_at is None or opens_at < now else opens_at
    if opens_at > now + MAX_LEAD:
        raise ValidationError(_("A vote opens within 90 days."))
    if closes_at < opens_at + MIN_WINDOW:
        raise ValidationError(_("A vote stays open for at least an hour after it opens."))
    if closes_at > opens_at + MAX_WINDOW:
        raise ValidationError(_("A vote stays open for at most 60 days."))
    return opens_at, closes_at


def _check_rule_change(village: Place, kind: str, body: str, draft: RulebookVersion) -> None:
    if body == Vote.Body.REPRESENTATIVES:
        raise ValidationError(
            _(
                "Only the villagers' meeting may adopt or change the village rules: put the "
                "rulebook to a villagers' meeting or a household vote."
            )
        )
    if kind != Vote.Kind.MOTION:
        raise ValidationError(_("A rule change is put as a motion: for, against or abstain."))
    rulebook = draft.rulebook
    if rulebook.is_template or rulebook.owner_id != village.pk:
        raise ValidationError(_("This draft is not the village's own rulebook."))
    if draft.status != RulebookVersion.Status.DRAFT:
        raise ValidationError(_("Only a draft can be put to a vote."))
    if not draft.items.exists():
        raise ValidationError(_("A rulebook without items cannot be adopted."))
    if Vote.objects.filter(
        rule_change=draft, status__in=[Vote.Status.SCHEDULED, Vote.Status.OPEN]
    ).exists():
        raise ValidationError(_("This draft is already being put to a vote."))


def create_vote(
    *,
    actor: Actor,
    village: Place,
    title: str,
    question: str,
    kind: str,
    body: str,
    closes_at: datetime,
    opens_at: datetime | None = None,
    options: Sequence[str] = (),
    secret: bool = False,
    changes_allowed: bool = False,
    show_running_results: bool = False,
    matter: Matter | None = None,
    rule_change: RulebookVersion | None = None,
    idempotency_key: str,
    now: datetime | None = None,
) -> Vote:
    """Put a question to a body of the village. It opens at once if ``opens_at`` has come
    (or is not given), otherwise ``run_due`` opens it; the electorate is frozen then."""
    if not permissions.can_manage_votes(actor, village):
        raise PermissionDenied(_("You may not put questions to a vote in this village."))
    now = now or timezone.now()
    title, question = " ".join(title.split()), question.strip()
    if not title or len(title) > 80:
        raise ValidationError(_("Give the vote a title of at most 80 characters."))
    if not question or len(question) > 2000:
        raise ValidationError(_("Ask the question in at most 2000 characters."))
    if kind not in Vote.Kind.values or body not in Vote.Body.values:
        raise ValidationError(_("Choose the kind of vote and who votes."))
    labels = _clean_options(kind, options)
    opens_at, closes_at = _clean_window(opens_at, closes_at, now)
    if secret and changes_allowed:
        raise ValidationError(
            _("A secret ballot cannot be changed: nothing links a voter to their choice.")
        )
    if secret and show_running_results:
        raise ValidationError(
            _(
                "A secret ballot shows its results only at the close, so that no one can tell "
                "a choice from who voted when."
            )
        )
    if matter is not None and matter.village_id != village.pk:
        raise ValidationError(_("This matter was raised in another village."))
    request = {
        "op": "create_vote",
        "village": village.pk,
        "title": title,
        "kind": kind,
        "body": body,
        "closes_at": closes_at.isoformat(),
        "rule_change": rule_change.pk if rule_change else None,
    }
    with transaction.atomic():
        earlier = claim(
            user=actor.user, key=idempotency_key, request_fingerprint=fingerprint(**request)
        )
        if earlier is not None:
            return Vote.objects.get(pk=earlier.result["vote"])
        proposal = {}
        if rule_change is not None:
            Rulebook.objects.select_for_update().get(pk=rule_change.rulebook_id)
            draft = RulebookVersion.objects.select_related("rulebook").get(pk=rule_change.pk)
            _check_rule_change(village, kind, body, draft)
            proposal = diff(in_force_before(draft), draft)
        vote = Vote.objects.create(
            village=village,
            matter=matter,
            title=title,
            question=question,
            kind=kind,
            body=body,
            opens_at=opens_at,
            closes_at=closes_at,
            secret=secret,
            changes_allowed=changes_allowed,
            show_running_results=show_running_results,
            rule_change=rule_change,
            proposal=proposal,
            created_by=actor.user,
            created_at=now,
        )
        Option.objects.bulk_create(
            [Option(vote=vote, position=n, side=side) for n, side in enumerate(MOTION_SIDES)]
            if kind == Vote.Kind.MOTION
            else [Option(vote=vote, position=n, label=label) for n, label in enumerate(labels)]
        )
        record_event(
            actor=actor,
            action="votes.created",
            obj=vote,
            village=village,
            after={
                "title": title,
                "kind": kind,
                "body": body,
                "options": labels,
                "opens_at": opens_at.isoformat(),
                "closes_at": closes_at.isoformat(),
                "secret": secret,
                "changes_allowed": changes_allowed,
                "show_running_results": show_running_results,
                "matter": matter.pk if matter else None,
                "rule_change": rule_change.number if rule_change else None,
            },
        )
        if opens_at <= now:
            _open(vote, actor=actor, now=now)
        remember(user=actor.user, key=idempotency_key, result={"vote": vote.pk})
    return vote


# Opening: the electorate is frozen ---------------------------------------------------------


def _electorate(vote: Vote) -> list[Elector]:
    """Who may vote, as of the vote's opening day: residents aged 18 and over, households, or
    the village's representatives holding the role now."""
    body = vote.body
    if body == Vote.Body.VILLAGERS:
        adults = Resident.objects.filter(
            village_id=vote.village_id,
            birth_date__lte=selectors.latest_adult_birth_date(selectors.opening_day(vote)),
        )
        return [
            Elector(vote=vote, kind=body, resident_id=pk)
            for pk in adults.order_by("pk").values_list("pk", flat=True)
        ]
    if body == Vote.Body.HOUSEHOLDS:
        households = Household.objects.filter(village_id=vote.village_id).order_by("pk")
        return [
            Elector(vote=vote, kind=body, household_id=pk)
            for pk in households.values_list("pk", flat=True)
        ]
    representatives = (
        RoleGrant.objects.filter(
            place_id=vote.village_id, role=Role.REPRESENTATIVE, revoked_at__isnull=True
        )
        .order_by("user_id")
        .values_list("user_id", flat=True)
        .distinct()
    )
    return [Elector(vote=vote, kind=body, user_id=pk) for pk in representatives]


def accounts_of(vote: Vote, electors: QuerySet[Elector]) -> QuerySet[User]:
    """The accounts that vote for ``electors``: the residents' own, the households' heads and
    named members, the representatives."""
    users = User.objects.filter(is_active=True)
    if vote.body == Vote.Body.VILLAGERS:
        return users.filter(resident__in=electors.values("resident"))
    if vote.body == Vote.Body.HOUSEHOLDS:
        heads = Household.objects.filter(pk__in=electors.values("household")).values("head")
        return users.filter(
            Q(resident__in=heads)
            | Q(resident__in=electors.filter(delegate__isnull=False).values("delegate"))
        )
    return users.filter(pk__in=electors.values("user"))


def _open(vote: Vote, *, actor: Actor | None, now: datetime) -> None:
    """Inside the transaction, with the vote locked (or just made): freeze the electorate."""
    electors = Elector.objects.bulk_create(_electorate(vote), batch_size=1000)
    vote.status = Vote.Status.OPEN
    vote.opened_at = now
    vote.electorate_size = len(electors)
    vote.save(update_fields=["status", "opened_at", "electorate_size"])
    record_event(
        actor=actor,
        action="votes.opened",
        obj=vote,
        village=vote.village,
        after={"electorate": len(electors)},
    )
    notify(
        users=accounts_of(vote, vote.electors.all()),
        kind=Notification.Kind.VOTE_OPEN,
        text=_("Vote open: %(title)s. It closes at %(when)s.")
        % {"title": vote.title, "when": selectors.when(vote.closes_at)},
        url=_url(vote),
        now=now,
    )


def open_vote(*, vote: Vote, now: datetime | None = None) -> bool:
    """The job: open a scheduled vote whose time has come. False if there was nothing to do."""
    now = now or timezone.now()
    with transaction.atomic():
        locked = lock_vote(vote.pk)
        if locked.status != Vote.Status.SCHEDULED or locked.opens_at > now:
            return False
        _open(locked, actor=None, now=now)
    return True


# The close ---------------------------------------------------------------------------------


def result_line(vote: Vote, options: list[Option]) -> str:
    """The result as the rulebook records it: "For 180, against 20, abstain 12 of 318
    households; quorum met"."""
    counts = ", ".join(f"{option.name} {option.count}" for option in options)
    assert vote.electorate_size is not None and vote.quorum_met is not None
    return _("%(counts)s of %(electorate)s; quorum %(quorum)s") % {
        "counts": counts,
        "electorate": rules.electorate_noun(vote.body, vote.electorate_size),
        "quorum": _("met") if vote.quorum_met else _("not met"),
    }


def _result_text(vote: Vote) -> str:
    if not vote.passed:
        if vote.kind == Vote.Kind.CHOICE and vote.quorum_met:
            return _("Result of “%(title)s”: no option won more than half.") % {"title": vote.title}
        return _("Result of “%(title)s”: not passed.") % {"title": vote.title}
    if vote.kind == Vote.Kind.CHOICE and vote.winning_option is not None:
        return _("Result of “%(title)s”: %(option)s won.") % {
            "title": vote.title,
            "option": vote.winning_option.name,
        }
    return _("Result of “%(title)s”: passed.") % {"title": vote.title}


def _close(vote: Vote, *, actor: Actor | None, now: datetime) -> None:
    """Inside the transaction, with the vote locked: count, decide, publish, adopt, tell."""
    options = list(Option.objects.filter(vote=vote).order_by("position"))
    counts = {option.pk: option.count for option in options}
    cast = Ballot.objects.filter(vote=vote).count()
    if sum(counts.values()) != cast:  # the counters move in the ballot's own transaction
        raise RuntimeError(f"vote {vote.pk}: counters do not add up to the ballots")
    assert vote.electorate_size is not None
    for_option = next((o.pk for o in options if o.side == Option.Side.FOR), None)
    outcome = rules.decide(
        vote.body, electorate=vote.electorate_size, counts=counts, for_option=for_option
    )
    vote.status = Vote.Status.CLOSED
    vote.ballots_cast = cast
    vote.quorum_met = outcome.quorum_met
    vote.passed = outcome.passed
    vote.winning_option = next((o for o in options if o.pk == outcome.winner), None)
    vote.closed_at = vote.published_at = now
    vote.closed_by = actor.user if actor else None
    vote.save(
        update_fields=[
            "status",
            "ballots_cast",
            "quorum_met",
            "passed",
            "winning_option",
            "closed_at",
            "closed_by",
            "published_at",
        ]
    )
    adopted = None
    if outcome.passed and vote.rule_change_id is not None:
        # In this transaction: if the adoption fails, the result is not published either.
        adopted = adopt_version(
            actor=actor,
            version=RulebookVersion.objects.select_related("rulebook").get(pk=vote.rule_change_id),
            meeting=f"{vote.title} · {body_name(vote.body)}"[:120],
            adopted_on=timezone.localdate(vote.closes_at),
            vote_result=result_line(vote, options)[:120],
        )
    record_event(
        actor=actor,
        action="votes.closed",
        obj=vote,
        village=vote.village,
        after={
            "electorate": vote.electorate_size,
            "ballots": cast,
            "counts": {option.name: option.count for option in options},
            "quorum_met": outcome.quorum_met,
            "passed": outcome.passed,
            "winner": vote.winning_option.name if vote.winning_option else None,
            "adopted_version": adopted.number if adopted else None,
        },
    )
    users = list(accounts_of(vote, vote.electors.all()))
    if vote.matter is not None:
        users.append(vote.matter.raised_by)
    notify(
        users=users,
        kind=Notification.Kind.RESULT,
        text=_result_text(vote),
        url=_url(vote),
        now=now,
    )


def _close_when_due(actor: Actor | None, vote: Vote, now: datetime) -> tuple[Vote, bool]:
    """The vote, closed; and whether this call closed it (False: it was closed already)."""
    with transaction.atomic():
        locked = lock_vote(vote.pk)
        if locked.status == Vote.Status.CLOSED:
            return locked, False
        if now < locked.closes_at:
            raise ValidationError(
                _("The vote is open until %(when)s; the result is published after that.")
                % {"when": selectors.when(locked.closes_at)}
            )
        if locked.status == Vote.Status.SCHEDULED:
            _open(locked, actor=actor, now=now)
        _close(locked, actor=actor, now=now)
    return locked, True


def close_vote(*, actor: Actor | None, vote: Vote, now: datetime | None = None) -> Vote:
    """Close a vote whose window has ended and publish its result; closing it again, or
    racing the job, does nothing more. A passed rule change is adopted in the same
    transaction."""
    if actor is not None and not permissions.can_manage_votes(actor, vote.village):
        raise PermissionDenied(_("Only the village's cadres close a vote."))
    closed, _closed_now = _close_when_due(actor, vote, now or timezone.now())
    return closed


def remind(*, vote: Vote, now: datetime | None = None) -> bool:
    """Once, within a day of the close: tell the electors who have not voted yet."""
    now = now or timezone.now()
    with transaction.atomic():
        locked = lock_vote(vote.pk)
        if (
            locked.reminder_sent_at is not None
            or not selectors.is_window_open(locked, now)
            or locked.closes_at - now > REMIND_BEFORE
        ):
            return False
        waiting = locked.electors.filter(ballots__isnull=True)
        users = list(accounts_of(locked, waiting))
        notify(
            users=users,
            kind=Notification.Kind.VOTE_CLOSING,
            text=_("The vote “%(title)s” closes at %(when)s and you have not voted yet.")
            % {"title": locked.title, "when": selectors.when(locked.closes_at)},
            url=_url(locked),
            now=now,
        )
        locked.reminder_sent_at = now
        locked.save(update_fields=["reminder_sent_at"])
        record_event(
            actor=None,
            action="votes.reminded",
            obj=locked,
            village=locked.village,
            after={"accounts": len(users)},
        )
    return True


# The scheduled job -------------------------------------------------------------------------


@dataclass(frozen=True)
class JobsDone:
    opened: int
    reminded: int
    closed: int


def _each(pks: list[int], step: str, work: Callable[[Vote], bool]) -> int:
    """Run ``work`` on each vote in its own transaction; one vote's failure stops no other."""
    done = 0
    for pk in pks:
        try:
            done += work(Vote(pk=pk))
        except Exception:
            logger.exception("votes: could not %s vote %s", step, pk)
    return done


def run_due(*, now: datetime | None = None) -> JobsDone:
    """Open scheduled votes whose time has come, remind once within a day of the close, and
    close and publish the votes whose window has ended."""
    now = now or timezone.now()
    due = Vote.objects.filter(status=Vote.Status.SCHEDULED, opens_at__lte=now)
    opened = _each(
        list(due.values_list("pk", flat=True)), "open", lambda v: open_vote(vote=v, now=now)
    )
    closing = Vote.objects.filter(
        status=Vote.Status.OPEN,
        reminder_sent_at__isnull=True,
        closes_at__gt=now,
        closes_at__lte=now + REMIND_BEFORE,
    )
    reminded = _each(
        list(closing.values_list("pk", flat=True)), "remind", lambda v: remind(vote=v, now=now)
    )
    ended = Vote.objects.filter(status=Vote.Status.OPEN, closes_at__lte=now)
    closed = _each(
        list(ended.values_list("pk", flat=True)),
        "close",
        lambda v: _close_when_due(None, v, now)[1],
    )
    return JobsDone(opened=opened, reminded=reminded, closed=closed)
