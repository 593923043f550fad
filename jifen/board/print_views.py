"""Printable PDFs: door plates for the cadres, a household's passbook, a notice for the board."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.cache import never_cache

from jifen.audit.permissions import can_view_household_history
from jifen.audit.services import record_event
from jifen.board.pdf import (
    door_plate_households,
    door_plates_pdf,
    notice_pdf,
    notice_records,
    passbook_pdf,
    passbook_rows,
)
from jifen.core.http import JifenRequest, actor_of
from jifen.ledger.models import Measure
from jifen.ledger.ranking import position, stars_for
from jifen.ledger.selectors import balances, latest_checkpoint
from jifen.places.models import Household, Place, VillagerGroup
from jifen.places.permissions import can_edit_registry, is_own_household
from jifen.records.models import Notice
from jifen.records.permissions import VILLAGER_ROLES


def _pdf(content: bytes, filename: str) -> HttpResponse:
    response = HttpResponse(content, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="{filename}"'
    return response


@never_cache
@login_required
def door_plates(request: JifenRequest, code: str) -> HttpResponse:
    actor = actor_of(request)
    village = get_object_or_404(Place, code=code, kind=Place.Kind.VILLAGE)
    if not can_edit_registry(actor, village):
        raise PermissionDenied
    group = None
    if "group" in request.GET:
        group_id = request.GET["group"]
        if not group_id.isdigit():
            raise Http404
        group = get_object_or_404(VillagerGroup, pk=int(group_id), village=village)

    def url_for(household: Household) -> str:
        path = reverse("door_plate", kwargs={"token": household.public_token})
        return request.build_absolute_uri(path)

    households = list(door_plate_households(village, group))
    content = door_plates_pdf(village=village, households=households, url_for=url_for)
    with transaction.atomic():
        # Each plate carries a household's QR token: printing them is recorded like the roster
        # export, so that a stray stack of plates can be traced.
        record_event(
            actor=actor,
            action="door_plates.print",
            obj=group or village,
            village=village,
            after={"households": len(households)},
        )
    suffix = f"-group-{group.number}" if group else ""
    return _pdf(content, f"door-plates-{village.code}{suffix}.pdf")


@never_cache
@login_required
def passbook(request: JifenRequest, code: str, pk: int) -> HttpResponse:
    actor = actor_of(request)
    household = get_object_or_404(
        Household.objects.select_related("village__parent", "head"), pk=pk, village__code=code
    )
    if not (is_own_household(actor, household) or can_view_household_history(actor, household)):
        raise PermissionDenied
    standing = balances(household)
    now = timezone.now()
    content = passbook_pdf(
        household=household,
        rows=passbook_rows(household),
        balances=standing,
        position=position(household),
        stars=stars_for(household.village, standing[Measure.SCORE]),
        printed_at=now,
        checkpoint=latest_checkpoint(household.village),
    )
    return _pdf(content, f"passbook-{code}-{household.pk}-{timezone.localdate(now):%Y%m%d}.pdf")


@never_cache
@login_required
def notice(request: JifenRequest, code: str, pk: int) -> HttpResponse:
    actor = actor_of(request)
    board_notice = get_object_or_404(
        Notice.objects.select_related("village__parent"), pk=pk, village__code=code
    )
    if not actor.acts_as_at(VILLAGER_ROLES, board_notice.village):
        raise PermissionDenied
    content = notice_pdf(notice=board_notice, records=notice_records(board_notice))
    return _pdf(content, f"notice-{code}-{board_notice.pk}.pdf")
