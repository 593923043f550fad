"""Campaign pages: a village's campaigns, a campaign's progress, a round's households and the
inspection of one household on the phone."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _

from jifen.accounts.actors import Actor
from jifen.campaigns import permissions, selectors, services
from jifen.campaigns.forms import CampaignForm, InspectionForm
from jifen.campaigns.models import Campaign, Round
from jifen.core.errors import message_of
from jifen.core.http import JifenRequest, actor_of
from jifen.places.models import Household, Place
from jifen.places.permissions import VillagePredicate


def village_for(actor: Actor, code: str, allowed: VillagePredicate) -> Place:
    village = get_object_or_404(Place.objects.select_related("parent"), code=code)
    if not allowed(actor, village):
        raise PermissionDenied
    return village


def _campaign_for(actor: Actor, pk: int) -> Campaign:
    campaign = get_object_or_404(Campaign.objects.select_related("village__parent"), pk=pk)
    if not permissions.can_view_campaigns(actor, campaign.village):
        raise PermissionDenied
    return campaign


def _round_for(actor: Actor, pk: int) -> Round:
    found = get_object_or_404(Round.objects.select_related("campaign__village__parent"), pk=pk)
    if not permissions.can_inspect_in(actor, found.campaign.village):
        raise PermissionDenied
    return found


@login_required
def campaigns(request: JifenRequest, code: str) -> HttpResponse:
    actor = actor_of(request)
    village = village_for(actor, code, permissions.can_view_campaigns)
    context = {
        "village": village,
        "campaigns": selectors.village_campaigns(village),
        "today": timezone.localdate(),
        "can_manage": permissions.can_manage_campaigns(actor, village),
    }
    return render(request, "campaigns/campaigns.html", context)


@login_required
def campaign_new(request: JifenRequest, code: str) -> HttpResponse:
    actor = actor_of(request)
    village = village_for(actor, code, permissions.can_manage_campaigns)
    form = CampaignForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            campaign = services.create_campaign(
                actor=actor,
                village=village,
                title=data["title"],
                description=data["description"],
                starts_on=data["starts_on"],
                ends_on=data["ends_on"],
                items=data["items"].splitlines(),
                rounds=services.split_rounds(
                    data["starts_on"], data["ends_on"], data["round_count"]
                ),
                idempotency_key=data["idempotency_key"],
            )
        except (ValidationError, PermissionDenied) as error:
            form.add_error(None, message_of(error))
        else:
            messages.success(request, _("The campaign was started."))
            return redirect("campaigns_campaign", pk=campaign.pk)
    return render(request, "campaigns/campaign_form.html", {"village": village, "form": form})


@login_required
def campaign(request: JifenRequest, pk: int) -> HttpResponse:
    """The campaign, its checklist and rounds, and progress per group and per grid."""
    actor = actor_of(request)
    found = _campaign_for(actor, pk)
    village = found.village
    today = timezone.localdate()
    context = {
        "village": village,
        "campaign": found,
        "items": list(found.items.all()),
        "progress": selectors.campaign_progress(found),
        "today": today,
        "can_inspect": permissions.can_inspect_in(actor, village),
        "can_edit_boards": permissions.can_edit_boards(actor, village),
    }
    return render(request, "campaigns/campaign.html", context)


@login_required
def round_page(request: JifenRequest, pk: int) -> HttpResponse:
    """The households of the grid member's grid (every household for a cadre), to inspect."""
    actor = actor_of(request)
    found = _round_for(actor, pk)
    village = found.campaign.village
    grid_id = permissions.inspected_grid_id(actor, village)
    rows = selectors.round_households(found, grid_id)
    context = {
        "village": village,
        "round": found,
        "campaign": found.campaign,
        "rows": rows,
        "done": sum(1 for _household, inspection in rows if inspection is not None),
        "is_open": found.is_open_on(timezone.localdate()),
    }
    return render(request, "campaigns/round.html", context)


@login_required
def inspect(request: JifenRequest, pk: int, household: int) -> HttpResponse:
    actor = actor_of(request)
    found = _round_for(actor, pk)
    village = found.campaign.village
    home = get_object_or_404(Household.objects.select_related("head"), pk=household)
    if not permissions.can_inspect(actor, found, home):
        raise PermissionDenied
    items = found.campaign.items.all()
    earlier = found.inspections.filter(household=home).prefetch_related("failed_items").first()
    initial = {}
    if earlier is not None:
        initial = {
            "result": "pass" if earlier.passed else "fail",
            "failed_items": list(earlier.failed_items.all()),
            "note": earlier.note,
        }
    form = InspectionForm(request.POST or None, items=items, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.inspect(
                actor=actor,
                round_=found,
                household=home,
                passed=data["result"] == "pass",
                failed_items=list(data["failed_items"]),
                note=data["note"],
            )
        except (ValidationError, PermissionDenied) as error:
            form.add_error(None, message_of(error))
        else:
            messages.success(request, _("%(plate)s was inspected.") % {"plate": home.door_plate})
            return redirect("campaigns_round", pk=found.pk)
    context = {
        "village": village,
        "round": found,
        "campaign": found.campaign,
        "household": home,
        "form": form,
        "earlier": earlier,
    }
    return render(request, "campaigns/inspect.html", context)
