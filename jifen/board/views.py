"""The public door-plate page, the village board and a household's own points page."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, render
from django.utils import timezone
from django.views.decorators.cache import never_cache

from jifen.board import door_plates, permissions
from jifen.core import generations
from jifen.core.http import JifenRequest, actor_of
from jifen.ledger import ranking
from jifen.ledger.models import Checkpoint, Entry
from jifen.ledger.selectors import (
    balances,
    consistency_document,
    inclusion_document,
    latest_checkpoint,
)
from jifen.places.models import Household, Place
from jifen.records.forms import ReasonForm
from jifen.records.models import Notice, Record
from jifen.records.permissions import can_object
from jifen.records.selectors import household_records
from jifen.rules.models import VillageSettings


def _visibility(village: Place) -> str:
    found = (
        VillageSettings.objects.filter(village=village)
        .values_list("score_visibility", flat=True)
        .first()
    )
    return found or VillageSettings.Visibility.VILLAGE


@never_cache
def door_plate(request: JifenRequest, token: str) -> HttpResponse:
    """What a QR code on a door plate opens: live data, so a printed plaque cannot lie.

    The busiest page there is, and public. A visitor who is not logged in is served the page
    kept for every such visitor while the village's generation stands (see ``door_plates``).
    Otherwise the household, its standing, its village and the village's settings come in
    one query, the rank in one more.
    """
    shared = door_plates.may_share(request)
    if shared and (page := door_plates.kept(request, token)) is not None:
        return page
    household = get_object_or_404(
        Household.objects.select_related("village__points_settings", "head", "standing"),
        public_token=token,
    )
    made_in = generations.generation(household.village_id) if shared else ""
    settings = _settings_of(household.village)
    visibility = settings.score_visibility if settings else VillageSettings.Visibility.VILLAGE
    shows_points = permissions.can_see_points(request.actor, household, visibility)
    context: dict[str, object] = {
        "household": household,
        "village": household.village,
        "shows_points": shows_points,
    }
    if shows_points:
        position = ranking.position_in_village(household)
        stars = ranking.stars_for(household.village, position.score)
        context |= {
            "position": position,
            "stars": stars,
            "star_marks": "★" * stars,
            "latest": Record.objects.filter(household=household, status=Record.Status.POSTED)
            .select_related("item")
            .order_by("-posted_at")[:5],
        }
    if shared:
        return door_plates.render_and_keep(
            request, token, village_id=household.village_id, made_in=made_in, context=context
        )
    return render(request, door_plates.TEMPLATE, context)


def _settings_of(village: Place) -> VillageSettings | None:
    """The village's settings, as ``select_related`` left them; None if it has none yet."""
    try:
        return village.points_settings
    except VillageSettings.DoesNotExist:
        return None


@login_required
def village_board(request: JifenRequest, code: str) -> HttpResponse:
    actor = actor_of(request)
    village = get_object_or_404(Place, code=code, kind=Place.Kind.VILLAGE)
    if not permissions.is_of_village(actor, village) and not actor.acts_as(
        ["township_officer", "township_admin", "county_admin"], village
    ):
        raise PermissionDenied
    now = timezone.now()
    notices = (
        Notice.objects.filter(village=village, closes_at__gt=now)
        .prefetch_related("records__household__head", "records__item")
        .order_by("closes_at")
    )
    open_records = [
        (record, can_object(actor, record))
        for notice in notices
        for record in notice.records.all()
        if record.status in {Record.Status.ON_NOTICE, Record.Status.OBJECTED}
    ]
    context = {
        "village": village,
        "notices": notices,
        "open_records": open_records,
        "object_form": ReasonForm(),
        "ranking": ranking.village_ranking(village)
        if _visibility(village) != VillageSettings.Visibility.HOUSEHOLD
        else None,
        "recent": Record.objects.filter(village=village, status=Record.Status.POSTED)
        .select_related("household", "item")
        .order_by("-posted_at")[:10],
        "checkpoint": latest_checkpoint(village),
    }
    return render(request, "board/village_board.html", context)


@login_required
def household_points(request: JifenRequest, code: str, pk: int) -> HttpResponse:
    actor = actor_of(request)
    household = get_object_or_404(
        Household.objects.select_related("village__parent", "head"), pk=pk, village__code=code
    )
    if not permissions.can_view_household_points(actor, household):
        raise PermissionDenied
    records = list(household_records(household))
    by_status: dict[str, list[Record]] = {}
    for record in records:
        by_status.setdefault(record.status, []).append(record)
    position = ranking.position(household)
    stars = ranking.stars_for(household.village, position.score)
    entries = (
        Entry.objects.filter(account__household=household)
        .select_related("record__item", "posting")
        .order_by("-seq")[:200]
    )
    return render(
        request,
        "board/household_points.html",
        {
            "household": household,
            "village": household.village,
            "by_status": by_status,
            "statuses": Record.Status,
            "balances": balances(household),
            "position": position,
            "stars": stars,
            "star_marks": "★" * stars,
            "entries": entries,
            "checkpoint": latest_checkpoint(household.village),
        },
    )


@login_required
def entry_proof(request: JifenRequest, code: str, seq: int) -> JsonResponse:
    """The inclusion proof of one entry in the latest checkpoint, as a download."""
    actor = actor_of(request)
    entry = get_object_or_404(
        Entry.objects.select_related("village", "account__household__village"),
        village__code=code,
        seq=seq,
    )
    household = entry.account.household
    if household is None or not permissions.can_view_household_points(actor, household):
        raise PermissionDenied
    checkpoint = latest_checkpoint(entry.village)
    if checkpoint is None or checkpoint.tree_size < entry.seq:
        raise Http404("No checkpoint covers this entry yet; it is signed daily.")
    response = JsonResponse(
        inclusion_document(entry, checkpoint),
        json_dumps_params={"ensure_ascii": False, "indent": 1},
    )
    response["Content-Disposition"] = f'attachment; filename="jifen-{code}-entry-{seq}.json"'
    return response


@login_required
def consistency_proof(request: JifenRequest, code: str, old: int, new: int) -> JsonResponse:
    actor = actor_of(request)
    village = get_object_or_404(Place, code=code, kind=Place.Kind.VILLAGE)
    if not permissions.is_of_village(actor, village):
        raise PermissionDenied
    older = (
        Checkpoint.objects.filter(village=village, tree_size=old)
        .select_related("key", "village")
        .first()
    )
    newer = (
        Checkpoint.objects.filter(village=village, tree_size=new)
        .select_related("key", "village")
        .first()
    )
    if older is None or newer is None or old > new:
        raise Http404
    return JsonResponse(
        consistency_document(older, newer), json_dumps_params={"ensure_ascii": False, "indent": 1}
    )
