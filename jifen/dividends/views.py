"""The dividend pages: a village's rounds, a new round, one round with its shares, the steps
of its life (compute again, publish, withdraw, finalise, discard) and the cashier's list."""

from __future__ import annotations

from collections.abc import Callable

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from jifen.accounts.actors import Actor
from jifen.core.errors import message_of
from jifen.core.http import JifenRequest, actor_of
from jifen.dividends import permissions, selectors, services
from jifen.dividends.allocation import fen_of
from jifen.dividends.forms import RoundForm, WithdrawForm
from jifen.dividends.models import DividendRound
from jifen.places.models import Place
from jifen.places.permissions import VillagePredicate
from jifen.rules.selectors import village_settings

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _village_for(actor: Actor, code: str, allowed: VillagePredicate) -> Place:
    village = get_object_or_404(Place, code=code, kind=Place.Kind.VILLAGE)
    if not allowed(actor, village):
        raise PermissionDenied
    return village


def _round_for(actor: Actor, code: str, pk: int, allowed: VillagePredicate) -> DividendRound:
    """The round of the village if the actor may see it (a draft is not there for villagers)."""
    village = _village_for(actor, code, allowed)
    dividend_round = get_object_or_404(DividendRound, pk=pk, village=village)
    if not permissions.can_view_round(actor, dividend_round):
        raise Http404
    dividend_round.village = village
    return dividend_round


@login_required
def rounds(request: JifenRequest, code: str) -> HttpResponse:
    actor = actor_of(request)
    village = _village_for(actor, code, permissions.can_view_dividends)
    with_drafts = permissions.can_view_drafts(actor, village)
    context = {
        "village": village,
        "rounds": selectors.rounds_for(village, with_drafts=with_drafts),
        "can_manage": permissions.can_manage_dividends(actor, village),
    }
    return render(request, "dividends/rounds.html", context)


@login_required
def new_round(request: JifenRequest, code: str) -> HttpResponse:
    actor = actor_of(request)
    village = _village_for(actor, code, permissions.can_manage_dividends)
    form = RoundForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            dividend_round = services.create_round(
                actor=actor,
                village=village,
                title=data["title"],
                pool_fen=fen_of(data["pool_yuan"]),
                decision=data["decision"],
                decided_on=data["decided_on"],
                period_start=data["period_start"],
                period_end=data["period_end"],
                min_score=data["min_score"],
                idempotency_key=data["idempotency_key"],
            )
        except ValidationError as error:
            for message in error.messages:
                form.add_error(None, message)
        else:
            messages.success(request, _("The draft round was computed. Check it, then publish it."))
            return redirect("dividends_round", code=code, pk=dividend_round.pk)
    return render(request, "dividends/new_round.html", {"village": village, "form": form})


@login_required
def round_detail(request: JifenRequest, code: str, pk: int) -> HttpResponse:
    actor = actor_of(request)
    dividend_round = _round_for(actor, code, pk, permissions.can_view_dividends)
    village = dividend_round.village
    visibility = village_settings(village).score_visibility
    own_id = permissions.own_household_in(actor, village)
    context = {
        "village": village,
        "round": dividend_round,
        "own_share": selectors.share_of(dividend_round, own_id),
        "shares": selectors.shares_of(dividend_round)
        if permissions.can_see_every_share(actor, village, visibility)
        else None,
        "can_manage": permissions.can_manage_dividends(actor, village),
        "can_download": permissions.can_download_payouts(actor, village)
        and dividend_round.status == DividendRound.Status.FINAL,
        "withdraw_form": WithdrawForm(),
    }
    return render(request, "dividends/round.html", context)


def _step(
    request: JifenRequest,
    code: str,
    pk: int,
    run: Callable[[Actor, DividendRound], object],
    done: str,
) -> HttpResponse:
    """Run one step of a round's life for a cadre, say how it went, and show the round."""
    actor = actor_of(request)
    dividend_round = _round_for(actor, code, pk, permissions.can_manage_dividends)
    try:
        run(actor, dividend_round)
    except ValidationError as error:
        messages.error(request, message_of(error))
    else:
        messages.success(request, done)
    return redirect("dividends_round", code=code, pk=pk)


@require_POST
@login_required
def recompute(request: JifenRequest, code: str, pk: int) -> HttpResponse:
    return _step(
        request,
        code,
        pk,
        lambda actor, r: services.recompute_round(actor=actor, dividend_round=r),
        _("The shares were computed again."),
    )


@require_POST
@login_required
def publish(request: JifenRequest, code: str, pk: int) -> HttpResponse:
    return _step(
        request,
        code,
        pk,
        lambda actor, r: services.publish_notice(actor=actor, dividend_round=r),
        _("The round is on public notice."),
    )


@require_POST
@login_required
def withdraw(request: JifenRequest, code: str, pk: int) -> HttpResponse:
    form = WithdrawForm(request.POST)
    reason = form.cleaned_data["reason"] if form.is_valid() else ""
    return _step(
        request,
        code,
        pk,
        lambda actor, r: services.withdraw_notice(actor=actor, dividend_round=r, reason=reason),
        _("The notice was withdrawn; the round is a draft again."),
    )


@require_POST
@login_required
def finalise(request: JifenRequest, code: str, pk: int) -> HttpResponse:
    return _step(
        request,
        code,
        pk,
        lambda actor, r: services.finalise_round(actor=actor, dividend_round=r),
        _("The round is final. The cashier may pay from the payout list."),
    )


@require_POST
@login_required
def discard(request: JifenRequest, code: str, pk: int) -> HttpResponse:
    actor = actor_of(request)
    dividend_round = _round_for(actor, code, pk, permissions.can_manage_dividends)
    try:
        services.discard_round(actor=actor, dividend_round=dividend_round)
    except ValidationError as error:
        messages.error(request, message_of(error))
        return redirect("dividends_round", code=code, pk=pk)
    messages.success(request, _("The draft round was discarded."))
    return redirect("dividends_rounds", code=code)


@login_required
def payouts(request: JifenRequest, code: str, pk: int) -> HttpResponse:
    """The cashier's payout list of a final round, as .xlsx."""
    actor = actor_of(request)
    dividend_round = _round_for(actor, code, pk, permissions.can_download_payouts)
    if dividend_round.status != DividendRound.Status.FINAL:
        raise Http404
    content = services.export_payouts(actor=actor, dividend_round=dividend_round)
    response = HttpResponse(content, content_type=XLSX)
    filename = f"dividend-{dividend_round.village.code}-{dividend_round.pk}.xlsx"
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response
