"""Recording deeds, the reviewer's queue, objections, reports and corrections."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from jifen.accounts.actors import Actor
from jifen.core.errors import message_of
from jifen.core.http import JifenRequest, actor_of
from jifen.core.idempotency import new_key
from jifen.places.models import Household, Place
from jifen.records import permissions, selectors, services
from jifen.records.forms import (
    CorrectionForm,
    DeedForm,
    ReasonForm,
    RecordForHouseholdForm,
    ReportForm,
    ReviewForm,
)
from jifen.records.models import Objection, Record, Report
from jifen.rules.models import Item


def _village(code: str) -> Place:
    return get_object_or_404(Place, code=code, kind=Place.Kind.VILLAGE)


def _household(code: str, pk: int) -> Household:
    return get_object_or_404(
        Household.objects.select_related("village__parent", "head", "grid"),
        pk=pk,
        village__code=code,
    )


def _record(code: str, pk: int) -> Record:
    return get_object_or_404(
        Record.objects.select_related("village", "household", "item", "notice"),
        pk=pk,
        village__code=code,
    )


def _fail(
    form: DeedForm | ReportForm | CorrectionForm | ReasonForm,
    error: ValidationError | PermissionDenied,
) -> None:
    form.add_error(None, message_of(error))


def _own_household(actor: Actor, code: str) -> Household:
    resident = actor.user.resident
    if resident is None or resident.household.village.code != code:
        raise PermissionDenied
    return resident.household


def _deed(data: dict[str, Any]) -> dict[str, Any]:
    """The fields of a deed form, as the recording services take them."""
    fields = ["item", "quantity", "occurred_on", "description", "person", "photos"]
    return {name: data[name] for name in [*fields, "idempotency_key"]}


@login_required
def declare(request: JifenRequest, code: str) -> HttpResponse:
    actor = actor_of(request)
    household = _own_household(actor, code)
    if not permissions.can_declare(actor, household):
        raise PermissionDenied
    items = selectors.in_force_items(household.village).filter(self_declarable=True)
    form = DeedForm(request.POST or None, request.FILES or None, items=items, household=household)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.declare_deed(actor=actor, household=household, **_deed(data))
        except (ValidationError, PermissionDenied) as error:
            _fail(form, error)
        else:
            messages.success(request, _("Declared. A reviewer of the village will look at it."))
            return redirect("household_points", code=code, pk=household.pk)
    return render(
        request,
        "records/deed_form.html",
        {"form": form, "household": household, "village": household.village, "declaring": True},
    )


@login_required
def record_for(request: JifenRequest, code: str, pk: int) -> HttpResponse:
    actor = actor_of(request)
    household = _household(code, pk)
    if not (
        permissions.can_record_for(actor, household)
        or permissions.can_deduct(actor, household.village)
    ):
        raise PermissionDenied
    items = selectors.in_force_items(household.village).exclude(kind=Item.Kind.BASE)
    if not permissions.can_deduct(actor, household.village):
        items = items.filter(points__gt=0)
    form = RecordForHouseholdForm(
        request.POST or None, request.FILES or None, items=items, household=household
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.record_deed(
                actor=actor, household=household, on_behalf=data["on_behalf"], **_deed(data)
            )
        except (ValidationError, PermissionDenied) as error:
            _fail(form, error)
        else:
            messages.success(request, _("Recorded. It waits for a reviewer."))
            return redirect("household", code=code, pk=household.pk)
    return render(
        request,
        "records/deed_form.html",
        {"form": form, "household": household, "village": household.village, "declaring": False},
    )


@login_required
def inspection(request: JifenRequest, code: str) -> HttpResponse:
    """One phone screen: every household of the grid member's grid against the inspection items."""
    actor = actor_of(request)
    village = _village(code)
    grant = actor.grant
    if grant is None or grant.grid is None or not actor.acts_as_at([grant.role], village):
        raise PermissionDenied
    grid = grant.grid
    items = list(selectors.in_force_items(village).filter(unit="inspection", points__gt=0))
    households = list(
        Household.objects.filter(grid=grid).select_related("head").order_by("door_plate")
    )
    if request.method == "POST":
        marks = {
            h.pk: {i.pk for i in items if request.POST.get(f"mark-{h.pk}-{i.pk}")}
            for h in households
        }
        try:
            services.run_inspection(
                actor=actor,
                grid=grid,
                title=request.POST.get("title", "").strip() or _("Inspection"),
                held_on=timezone.localdate(),
                items=items,
                marks={k: v for k, v in marks.items() if v},
                idempotency_key=request.POST.get("idempotency_key", ""),
            )
        except (ValidationError, PermissionDenied) as error:
            messages.error(request, message_of(error))
        else:
            messages.success(request, _("Inspection saved. The marks wait for a reviewer."))
            return redirect("inspection", code=code)
    return render(
        request,
        "records/inspection.html",
        {
            "village": village,
            "grid": grid,
            "items": items,
            "households": households,
            "key": new_key(),
        },
    )


@login_required
def review_queue(request: JifenRequest, code: str) -> HttpResponse:
    actor = actor_of(request)
    village = _village(code)
    if not permissions.can_review_in(actor, village):
        raise PermissionDenied
    form = ReviewForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        ids = [int(i) for i in request.POST.getlist("record") if i.isdigit()]
        records = list(
            Record.objects.filter(village=village, pk__in=ids).select_related(
                "village", "household"
            )
        )
        result = services.review_records(
            actor=actor,
            records=records,
            approve=form.cleaned_data["decision"] == "approve",
            reason=form.cleaned_data["reason"],
        )
        if result.reviewed:
            messages.success(request, _("%(count)s reviewed.") % {"count": len(result.reviewed)})
        for record, reason in result.refused:
            messages.error(request, f"{record.household.door_plate} {record.item.title}: {reason}")
        return redirect("review_queue", code=code)
    queue = [
        (record, permissions.can_review(actor, record))
        for record in selectors.review_queue(village)
    ]
    return render(
        request,
        "records/review_queue.html",
        {
            "village": village,
            "queue": queue,
            "form": form,
            "objections": selectors.open_objections(village),
            "reports": selectors.waiting_reports(village),
        },
    )


@require_POST
@login_required
def object_to(request: JifenRequest, code: str, pk: int) -> HttpResponse:
    actor = actor_of(request)
    record = _record(code, pk)
    form = ReasonForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Say why you object."))
    else:
        try:
            services.object_to_record(
                actor=actor, record=record, reason=form.cleaned_data["reason"]
            )
        except ValidationError as error:
            messages.error(request, error.messages[0])
        else:
            messages.success(
                request, _("Your objection was recorded. The record goes back to review.")
            )
    return redirect("village_board", code=code)


@require_POST
@login_required
def decide_objection(request: JifenRequest, code: str, pk: int) -> HttpResponse:
    actor = actor_of(request)
    objection = get_object_or_404(
        Objection.objects.select_related("record__village", "record__household"),
        pk=pk,
        record__village__code=code,
    )
    try:
        services.decide_objection(
            actor=actor,
            objection=objection,
            uphold=request.POST.get("decision") == "uphold",
            reason=request.POST.get("reason", ""),
        )
    except ValidationError as error:
        messages.error(request, error.messages[0])
    else:
        messages.success(request, _("The objection was decided."))
    return redirect("review_queue", code=code)


@login_required
def report(request: JifenRequest, code: str, pk: int) -> HttpResponse:
    actor = actor_of(request)
    household = _household(code, pk)
    if not permissions.can_report(actor, household):
        raise PermissionDenied
    form = ReportForm(
        request.POST or None, items=selectors.in_force_items(household.village).filter(points__lt=0)
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.report_deed(
                actor=actor,
                household=household,
                item=data["item"],
                description=data["description"],
                occurred_on=data["occurred_on"],
                idempotency_key=data["idempotency_key"],
            )
        except (ValidationError, PermissionDenied) as error:
            _fail(form, error)
        else:
            messages.success(
                request, _("Thank you. A cadre will verify it before anything is deducted.")
            )
            return redirect("village_board", code=code)
    return render(
        request,
        "records/report_form.html",
        {"form": form, "household": household, "village": household.village},
    )


@require_POST
@login_required
def verify_report(request: JifenRequest, code: str, pk: int) -> HttpResponse:
    actor = actor_of(request)
    found = get_object_or_404(
        Report.objects.select_related("village", "household"), pk=pk, village__code=code
    )
    try:
        services.verify_report(
            actor=actor,
            report=found,
            confirmed=request.POST.get("decision") == "confirm",
            note=request.POST.get("note", ""),
        )
    except ValidationError as error:
        messages.error(request, error.messages[0])
    else:
        messages.success(request, _("The report was verified."))
    return redirect("review_queue", code=code)


@login_required
def correct(request: JifenRequest, code: str, pk: int) -> HttpResponse:
    actor = actor_of(request)
    record = _record(code, pk)
    if not permissions.can_correct(actor, record):
        raise PermissionDenied
    form = CorrectionForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.request_correction(
                actor=actor,
                record=record,
                reason=form.cleaned_data["reason"],
                idempotency_key=form.cleaned_data["idempotency_key"],
            )
        except ValidationError as error:
            _fail(form, error)
        else:
            messages.success(request, _("The correction waits for review, then public notice."))
            return redirect("household_points", code=code, pk=record.household_id)
    return render(
        request,
        "records/correction_form.html",
        {"form": form, "record": record, "village": record.village},
    )
