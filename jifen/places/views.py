"""The village registry, its import and export, and the township and county overviews."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db import transaction
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from jifen.accounts.actors import Actor
from jifen.audit import permissions as audit_permissions
from jifen.audit.selectors import household_history, village_history
from jifen.audit.services import record_event
from jifen.board.permissions import can_view_household_points
from jifen.core.http import JifenRequest, actor_of
from jifen.places import permissions
from jifen.places.forms import RosterUploadForm
from jifen.places.models import Household, Place, RosterUpload
from jifen.places.selectors import roster_workbook, search_households, villages_under
from jifen.places.services import check_roster_upload, import_roster_upload, rotate_household_token
from jifen.records import permissions as records_permissions

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _village_for(actor: Actor, code: str, allowed: permissions.VillagePredicate) -> Place:
    village = get_object_or_404(Place, code=code, kind=Place.Kind.VILLAGE)
    if not allowed(actor, village):
        raise PermissionDenied
    return village


def _household_for(actor: Actor, code: str, pk: int) -> Household:
    household = get_object_or_404(
        Household.objects.select_related("village", "group", "grid", "head"),
        pk=pk,
        village__code=code,
    )
    if not permissions.can_view_household(actor, household):
        raise PermissionDenied
    return household


@login_required
def registry(request: JifenRequest, code: str) -> HttpResponse:
    actor = actor_of(request)
    village = _village_for(actor, code, permissions.can_view_registry)
    query = request.GET.get("q", "")[:30]
    page = Paginator(search_households(village, query), 50).get_page(request.GET.get("page"))
    context = {
        "village": village,
        "query": query,
        "page": page,
        "can_edit": permissions.can_edit_registry(actor, village),
    }
    if request.headers.get("HX-Request"):
        return render(request, "places/_household_rows.html", context)
    return render(request, "places/registry.html", context)


@login_required
def household_detail(request: JifenRequest, code: str, pk: int) -> HttpResponse:
    actor = actor_of(request)
    household = _household_for(actor, code, pk)
    context = {
        "household": household,
        "village": household.village,
        "residents": household.residents.order_by("id"),
        "full_ids": permissions.can_see_full_id_numbers(actor, household.village),
        "can_edit": permissions.can_edit_registry(actor, household.village),
        "can_see_history": audit_permissions.can_view_household_history(actor, household),
        "can_see_points": can_view_household_points(actor, household),
        "can_record": records_permissions.can_record_for(actor, household)
        or records_permissions.can_deduct(actor, household.village),
        "can_report": records_permissions.can_report(actor, household),
    }
    return render(request, "places/household.html", context)


@login_required
def my_household(request: JifenRequest) -> HttpResponse:
    actor = actor_of(request)
    if not permissions.can_view_own_household(actor):
        raise PermissionDenied
    assert actor.user.resident is not None
    household = actor.user.resident.household
    return redirect("household_points", code=household.village.code, pk=household.pk)


@require_POST
@login_required
def rotate_token(request: JifenRequest, code: str, pk: int) -> HttpResponse:
    actor = actor_of(request)
    household = _household_for(actor, code, pk)
    rotate_household_token(actor=actor, household=household)
    messages.success(request, _("The door plate has a new QR code; print a new plate."))
    return redirect("household", code=code, pk=pk)


@login_required
def household_audit(request: JifenRequest, code: str, pk: int) -> HttpResponse:
    actor = actor_of(request)
    household = _household_for(actor, code, pk)
    if not audit_permissions.can_view_household_history(actor, household):
        raise PermissionDenied
    events = Paginator(household_history(household), 50).get_page(request.GET.get("page"))
    return render(
        request,
        "audit/history.html",
        {"village": household.village, "household": household, "events": events},
    )


@login_required
def village_audit(request: JifenRequest, code: str) -> HttpResponse:
    actor = actor_of(request)
    village = _village_for(actor, code, audit_permissions.can_view_village_audit)
    events = Paginator(village_history(village), 50).get_page(request.GET.get("page"))
    return render(request, "audit/history.html", {"village": village, "events": events})


@login_required
def roster_import(request: JifenRequest, code: str) -> HttpResponse:
    actor = actor_of(request)
    village = _village_for(actor, code, permissions.can_edit_registry)
    form = RosterUploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        result = check_roster_upload(
            actor=actor, village=village, filename=upload.name, content=upload.read()
        )
        target = reverse("roster_upload", kwargs={"code": code, "pk": result.upload.pk})
        if request.headers.get("HX-Request"):
            # The upload came through htmx (to show its progress): navigate the whole page.
            return HttpResponse(headers={"HX-Redirect": target})
        return redirect(target)
    uploads = RosterUpload.objects.filter(village=village).defer("content")[:10]
    return render(
        request, "places/import.html", {"village": village, "form": form, "uploads": uploads}
    )


@login_required
def roster_upload(request: JifenRequest, code: str, pk: int) -> HttpResponse:
    """The check of one uploaded file; POST imports it."""
    actor = actor_of(request)
    village = _village_for(actor, code, permissions.can_edit_registry)
    upload = get_object_or_404(RosterUpload, pk=pk, village=village)
    if request.method == "POST":
        try:
            import_roster_upload(actor=actor, upload=upload)
        except ValidationError as error:
            messages.error(request, error.messages[0])
        else:
            messages.success(request, _("The roster was imported."))
        return redirect("roster_upload", code=code, pk=pk)
    return render(request, "places/upload.html", {"village": village, "upload": upload})


@login_required
def roster_export(request: JifenRequest, code: str) -> HttpResponse:
    actor = actor_of(request)
    village = _village_for(actor, code, permissions.can_edit_registry)
    with transaction.atomic():
        # Personal data leaving the system is recorded like a change.
        record_event(actor=actor, action="roster.export", obj=village, village=village)
    response = HttpResponse(roster_workbook(village), content_type=XLSX)
    filename = f"roster-{village.code}-{timezone.localdate():%Y%m%d}.xlsx"
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@login_required
def township(request: JifenRequest, code: str) -> HttpResponse:
    actor = actor_of(request)
    place = get_object_or_404(Place, code=code, kind=Place.Kind.TOWNSHIP)
    if not permissions.can_view_township(actor, place):
        raise PermissionDenied
    return render(
        request, "places/overview.html", {"place": place, "villages": villages_under(place)}
    )


@login_required
def county(request: JifenRequest, code: str) -> HttpResponse:
    actor = actor_of(request)
    place = get_object_or_404(Place, code=code, kind=Place.Kind.COUNTY)
    if not permissions.can_view_county(actor, place):
        raise PermissionDenied
    return render(
        request, "places/overview.html", {"place": place, "villages": villages_under(place)}
    )
