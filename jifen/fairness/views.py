"""The fairness pages: a village's flags, a township's, and one flag with its records."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _

from jifen.core.errors import message_of
from jifen.core.http import JifenRequest, actor_of
from jifen.fairness import permissions, selectors, services
from jifen.fairness.explain import explain
from jifen.fairness.forms import ReviewForm
from jifen.fairness.models import Flag
from jifen.places.models import Place


def _split(flags: list[Flag]) -> tuple[list[Flag], list[Flag]]:
    return [f for f in flags if not f.is_reviewed], [f for f in flags if f.is_reviewed]


@login_required
def village(request: JifenRequest, code: str) -> HttpResponse:
    actor = actor_of(request)
    place = get_object_or_404(Place.objects.select_related("parent"), code=code)
    if not permissions.can_view_flags(actor, place):
        raise PermissionDenied
    open_flags, reviewed = _split(selectors.flags_of(Place.objects.filter(pk=place.pk)))
    context = {"village": place, "open_flags": open_flags, "reviewed": reviewed}
    return render(request, "fairness/village.html", context)


@login_required
def township(request: JifenRequest, code: str) -> HttpResponse:
    actor = actor_of(request)
    place = get_object_or_404(Place, code=code, kind=Place.Kind.TOWNSHIP)
    if not permissions.can_view_township_flags(actor, place):
        raise PermissionDenied
    villages = list(selectors.township_villages(place).order_by("code"))
    flags = selectors.flags_of(selectors.township_villages(place))
    rows = []
    for one in villages:
        open_flags, reviewed = _split([f for f in flags if f.village_id == one.pk])
        rows.append({"village": one, "open": open_flags, "reviewed": reviewed})
    return render(request, "fairness/township.html", {"township": place, "rows": rows})


@login_required
def flag(request: JifenRequest, pk: int) -> HttpResponse:
    actor = actor_of(request)
    found = selectors.flag_for_page(pk)
    if found is None:
        raise Http404
    if not permissions.can_view_flag(actor, found):
        raise PermissionDenied
    may_review = permissions.can_review_flag(actor, found)
    form = ReviewForm(request.POST or None)
    if request.method == "POST":
        if not may_review:
            raise PermissionDenied
        if form.is_valid():
            try:
                services.review_flag(actor=actor, flag=found, note=form.cleaned_data["note"])
            except ValidationError as error:
                form.add_error(None, message_of(error))
            else:
                messages.success(request, _("The flag is marked reviewed."))
                return redirect("fairness_flag", pk=found.pk)
    context = {
        "flag": found,
        "explanation": explain(found),
        "records": list(found.records.all()),
        "reviews": list(found.reviews.all()),
        "form": form,
        "may_review": may_review and not found.is_reviewed,
    }
    return render(request, "fairness/flag.html", context, status=400 if form.errors else 200)
