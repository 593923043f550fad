"""The vote pages: a village's votes, putting a question to a vote, a vote with its ballot and
results, the meeting desk where cadres record ballots cast in person, and the close."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from jifen.accounts.actors import Actor
from jifen.core.errors import message_of
from jifen.core.http import JifenRequest, actor_of
from jifen.places.models import Place
from jifen.places.permissions import VillagePredicate
from jifen.rules import selectors as rule_selectors
from jifen.talk.models import Matter
from jifen.votes import ballots, permissions, rulediff, selectors, services
from jifen.votes.forms import BallotForm, DelegateForm, MeetingBallotForm, VoteForm
from jifen.votes.models import Elector, Vote


def _village_for(actor: Actor, code: str, allowed: VillagePredicate) -> Place:
    village = get_object_or_404(Place.objects.select_related("parent"), code=code)
    if not allowed(actor, village):
        raise PermissionDenied
    return village


def _vote_for(actor: Actor, pk: int) -> Vote:
    vote = get_object_or_404(
        Vote.objects.select_related("village__parent", "matter", "rule_change", "winning_option"),
        pk=pk,
    )
    if not permissions.can_view_vote(actor, vote):
        raise PermissionDenied
    return vote


def _matter_url(matter: Matter | None) -> str:
    """The matter's page (Villagers Talk), once that app names its URL."""
    if matter is None:
        return ""
    try:
        return reverse("talk_matter", args=[matter.pk])
    except NoReverseMatch:
        return ""


@login_required
def votes_list(request: JifenRequest, code: str) -> HttpResponse:
    actor = actor_of(request)
    village = _village_for(actor, code, permissions.can_view_votes)
    votes = list(selectors.village_votes(village.pk))
    context = {
        "village": village,
        "open_votes": [v for v in votes if v.status == Vote.Status.OPEN],
        "coming_votes": [v for v in votes if v.status == Vote.Status.SCHEDULED],
        "closed_votes": [v for v in votes if v.status == Vote.Status.CLOSED],
        "can_manage": permissions.can_manage_votes(actor, village),
    }
    return render(request, "votes/list.html", context)


@login_required
def vote_new(request: JifenRequest, code: str) -> HttpResponse:
    """Put a question, or a matter raised by a villager (``?matter=<pk>``), to a vote."""
    actor = actor_of(request)
    village = _village_for(actor, code, permissions.can_manage_votes)
    matter_pk = request.GET.get("matter", "")
    matter = (
        get_object_or_404(Matter, pk=int(matter_pk), village=village)
        if matter_pk.isdigit()
        else None
    )
    draft = rule_selectors.draft_version(village)
    initial: dict[str, Any] = {"closes_at": timezone.localtime() + services.DEFAULT_WINDOW}
    if matter is not None:
        initial |= {"title": matter.title[:80], "question": matter.text}
    form = VoteForm(request.POST or None, initial=initial, draft=draft)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            vote = services.create_vote(
                actor=actor,
                village=village,
                title=data["title"],
                question=data["question"],
                kind=data["kind"],
                body=data["body"],
                options=form.option_labels(),
                opens_at=data["opens_at"],
                closes_at=data["closes_at"],
                secret=data["secret"],
                changes_allowed=data["changes_allowed"],
                show_running_results=data["show_running_results"],
                matter=matter,
                rule_change=form.rule_change(),
                idempotency_key=data["idempotency_key"],
            )
        except ValidationError as error:
            form.add_error(None, message_of(error))
        else:
            if vote.status == Vote.Status.OPEN:
                messages.success(request, _("The vote is open."))
            else:
                messages.success(request, _("The vote is scheduled; it opens on its own."))
            return redirect("votes_vote", pk=vote.pk)
    context = {"village": village, "form": form, "matter": matter, "draft": draft}
    return render(request, "votes/new.html", context)


@login_required
def vote_detail(request: JifenRequest, pk: int) -> HttpResponse:
    """The question, where I stand, my ballot (cast or change it), and the results."""
    actor = actor_of(request)
    vote = _vote_for(actor, pk)
    now = timezone.now()
    taking_part = permissions.can_take_part(actor, vote)
    standing = selectors.standing(vote, actor.user, now) if taking_part else None
    form = BallotForm(request.POST or None, options=vote.options.order_by("position"))
    if request.method == "POST":
        if not taking_part:
            raise PermissionDenied
        if form.is_valid():
            try:
                cast = ballots.cast_ballot(
                    actor=actor, vote=vote, option=form.cleaned_data["option"], now=now
                )
            except ValidationError as error:
                form.add_error(None, message_of(error))
            else:
                # Never the choice: for a secret vote it must not reach a message or a log.
                if cast.changed:
                    messages.success(request, _("Your vote was changed."))
                else:
                    messages.success(request, _("Your vote was recorded."))
                return redirect("votes_vote", pk=vote.pk)
    can_manage = permissions.can_manage_votes(actor, vote.village)
    delegate_form = None
    if (
        standing is not None
        and standing.is_head
        and standing.ballot is None
        and standing.household is not None
        and selectors.is_window_open(vote, now)
    ):
        delegate_form = DelegateForm(
            initial={"member": standing.elector.delegate_id if standing.elector else None},
            members=selectors.adult_members(standing.household, vote),
        )
    context = {
        "vote": vote,
        "village": vote.village,
        "now": now,
        "standing": standing,
        "form": form,
        "delegate_form": delegate_form,
        "results": selectors.results(vote) if selectors.may_see_results(vote) else None,
        "turnout": selectors.turnout(vote),
        "proposal": rulediff.readable(vote.proposal) if vote.proposal else [],
        "star_bands": _star_bands(vote),
        "matter_url": _matter_url(vote.matter),
        "can_manage": can_manage,
        "can_close": can_manage and vote.status != Vote.Status.CLOSED and now >= vote.closes_at,
        "can_record": can_manage and not vote.secret and selectors.is_window_open(vote, now),
        "window_open": selectors.is_window_open(vote, now),
    }
    return render(request, "votes/vote.html", context)


def _star_bands(vote: Vote) -> dict[str, str] | None:
    bands = vote.proposal.get("star_bands") if vote.proposal else None
    if not bands:
        return None
    return {
        "before": rulediff.star_band_text(bands["before"]),
        "after": rulediff.star_band_text(bands["after"]),
    }


@require_POST
@login_required
def delegate(request: JifenRequest, pk: int) -> HttpResponse:
    """The head of a household names the member who may cast its vote, or takes it back."""
    actor = actor_of(request)
    vote = _vote_for(actor, pk)
    standing = selectors.standing(vote, actor.user, timezone.now())
    if not standing.is_head or standing.household is None:
        raise PermissionDenied
    form = DelegateForm(request.POST, members=selectors.adult_members(standing.household, vote))
    if not form.is_valid():
        messages.error(request, _("Choose a member of your household."))
        return redirect("votes_vote", pk=vote.pk)
    member = form.cleaned_data["member"]
    try:
        ballots.name_delegate(actor=actor, vote=vote, member=member)
    except ValidationError as error:
        messages.error(request, message_of(error))
    else:
        if member is None:
            messages.success(request, _("Only you vote for the household now."))
        else:
            messages.success(
                request,
                _("%(name)s may now cast the household's vote.") % {"name": member.name},
            )
    return redirect("votes_vote", pk=vote.pk)


@login_required
def meeting(request: JifenRequest, pk: int) -> HttpResponse:
    """The meeting desk: find a voter who has not voted and record the ballot they cast."""
    actor = actor_of(request)
    vote = _vote_for(actor, pk)
    if not permissions.can_manage_votes(actor, vote.village):
        raise PermissionDenied
    options = vote.options.order_by("position")
    if request.method == "POST":
        form = MeetingBallotForm(request.POST, options=options)
        if form.is_valid():
            elector = get_object_or_404(Elector, pk=form.cleaned_data["elector"], vote=vote)
            try:
                ballots.record_meeting_ballot(
                    actor=actor, vote=vote, elector=elector, option=form.cleaned_data["option"]
                )
            except ValidationError as error:
                messages.error(request, message_of(error))
            else:
                messages.success(
                    request,
                    _("Recorded the ballot of %(name)s.")
                    % {"name": selectors.elector_name(elector)},
                )
        else:
            messages.error(request, _("Choose an option."))
        query = urlencode({"q": request.POST.get("q", "")[:30]})
        return redirect(f"{reverse('votes_meeting', args=[vote.pk])}?{query}")
    query = request.GET.get("q", "")[:30]
    found = selectors.electors_yet_to_vote(vote, query) if not vote.secret else []
    context = {
        "vote": vote,
        "village": vote.village,
        "query": query,
        "rows": [
            (
                elector,
                selectors.elector_name(elector),
                MeetingBallotForm(
                    initial={"elector": elector.pk},
                    options=options,
                    auto_id=f"e{elector.pk}-%s",
                ),
            )
            for elector in found
        ],
        "window_open": selectors.is_window_open(vote, timezone.now()),
        "turnout": selectors.turnout(vote),
    }
    return render(request, "votes/meeting.html", context)


@require_POST
@login_required
def close(request: JifenRequest, pk: int) -> HttpResponse:
    actor = actor_of(request)
    vote = _vote_for(actor, pk)
    if not permissions.can_manage_votes(actor, vote.village):
        raise PermissionDenied
    try:
        services.close_vote(actor=actor, vote=vote)
    except ValidationError as error:
        messages.error(request, message_of(error))
    else:
        messages.success(request, _("The vote is closed and its result published."))
    return redirect("votes_vote", pk=vote.pk)
