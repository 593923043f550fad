"""The disclosure pages: a village's periods, a publication and its versions, the draft
editor, the sign-off page, the schedule, asking about an item, the PDF, and the township's
overdue periods."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from jifen.accounts.actors import Actor
from jifen.core.errors import message_of
from jifen.core.http import JifenRequest, actor_of
from jifen.disclosure import drafting, permissions, selectors, services
from jifen.disclosure.forms import (
    AdHocForm,
    ItemForm,
    QuestionForm,
    ReasonForm,
    ScheduleForm,
    StartForm,
)
from jifen.disclosure.lines import parse_yuan
from jifen.disclosure.models import Item, Kind, Period, Publication
from jifen.disclosure.pdf import publication_pdf
from jifen.places.models import Place

Refusal = (ValidationError, PermissionDenied)
PublicationPredicate = Callable[[Actor, Publication], bool]


def _village_for(actor: Actor, code: str, allowed: Callable[[Actor, Place], bool]) -> Place:
    village = get_object_or_404(Place.objects.select_related("parent"), code=code)
    if not allowed(actor, village):
        raise PermissionDenied
    return village


def _publication_for(actor: Actor, pk: int) -> Publication:
    publication = selectors.publication_for_page(pk)
    if publication is None:
        raise Http404
    if not permissions.can_view_publication(actor, publication):
        raise PermissionDenied
    return publication


def _draft_for(actor: Actor, pk: int) -> Publication:
    """A draft in the works, for the village's cadres."""
    publication = _publication_for(actor, pk)
    if not permissions.is_cadre(actor, publication.period.village):
        raise PermissionDenied
    return publication


def _to(name: str, pk: int) -> HttpResponse:
    return redirect(reverse(name, args=[pk]))


# A village ----------------------------------------------------------------------------------


@login_required
def village(request: JifenRequest, code: str) -> HttpResponse:
    actor = actor_of(request)
    place = _village_for(actor, code, permissions.can_view_disclosure)
    today = timezone.localdate()
    can_view_drafts = permissions.can_view_drafts(actor, place)
    context = {
        "village": place,
        "kinds": selectors.village_periods(place, today=today),
        "can_view_drafts": can_view_drafts,
        "is_cadre": permissions.is_cadre(actor, place),
        "is_supervisor": permissions.is_supervisor(actor, place),
        "awaiting": selectors.awaiting_sign_off(place) if can_view_drafts else [],
    }
    return render(request, "disclosure/village.html", context)


@login_required
def schedule(request: JifenRequest, code: str) -> HttpResponse:
    actor = actor_of(request)
    place = _village_for(actor, code, permissions.is_cadre)
    current = services.schedule_of(place)
    forms = {
        kind: ScheduleForm(
            request.POST if request.POST.get("kind") == kind else None,
            prefix=kind,
            initial={"cadence": current[kind][0], "due_day": current[kind][1]},
        )
        for kind in Kind.values
    }
    kind = request.POST.get("kind", "")
    if request.method == "POST" and kind in forms and forms[kind].is_valid():
        data = forms[kind].cleaned_data
        try:
            services.set_schedule(
                actor=actor,
                village=place,
                kind=kind,
                cadence=data["cadence"],
                due_day=data["due_day"],
            )
        except Refusal as error:
            forms[kind].add_error(None, message_of(error))
        else:
            messages.success(request, _("The schedule is saved; it applies from the next period."))
            return redirect("disclosure_schedule", code=place.code)
    labels = dict(Kind.choices)
    rows = [(kind, labels[kind], form) for kind, form in forms.items()]
    return render(request, "disclosure/schedule.html", {"village": place, "rows": rows})


@login_required
def ad_hoc(request: JifenRequest, code: str) -> HttpResponse:
    actor = actor_of(request)
    place = _village_for(actor, code, permissions.is_cadre)
    form = AdHocForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            period = services.open_ad_hoc_period(
                actor=actor,
                village=place,
                kind=data["kind"],
                title=data["title"],
                due_in_days=data["due_in_days"],
                idempotency_key=data["idempotency_key"],
            )
        except Refusal as error:
            form.add_error(None, message_of(error))
        else:
            return _to("disclosure_start", period.pk)
    return render(request, "disclosure/ad_hoc.html", {"village": place, "form": form})


@login_required
def start(request: JifenRequest, pk: int) -> HttpResponse:
    """Start the draft of a period (or open the one in the works)."""
    actor = actor_of(request)
    period = get_object_or_404(Period.objects.select_related("village__parent"), pk=pk)
    if not permissions.is_cadre(actor, period.village):
        raise PermissionDenied
    finance = period.kind == Kind.FINANCE
    first = finance and drafting.previous_statement(period) is None
    form = StartForm(request.POST or None, initial={"title": _default_title(period)})
    if request.method == "POST" and form.is_valid():
        try:
            opening = form.cleaned_data["opening"].strip()
            publication = drafting.start_publication(
                actor=actor,
                period=period,
                title=form.cleaned_data["title"],
                opening_balance=_opening(opening) if first and opening else None,
            )
        except Refusal as error:
            form.add_error(None, message_of(error))
        else:
            return _to("disclosure_edit", publication.pk)
    if not first:
        del form.fields["opening"]
    context = {"village": period.village, "period": period, "form": form}
    return render(request, "disclosure/start.html", context)


def _opening(text: str) -> int:
    negative = text.startswith("-")
    fen = parse_yuan(text.removeprefix("-"))
    return -fen if negative else fen


def _default_title(period: Period) -> str:
    kind = {Kind.PARTY: "党务公开", Kind.VILLAGE: "村务公开", Kind.FINANCE: "财务公开"}[
        Kind(period.kind)
    ]
    if period.is_ad_hoc:
        return f"{period.title}（{kind}）"[:80]
    first, last = period.starts_on, period.ends_on
    if first.month == last.month:
        return f"{first.year}年{first.month}月{kind}"
    if last.month - first.month == 2:
        return f"{first.year}年第{(first.month - 1) // 3 + 1}季度{kind}"
    return f"{first.year}年{kind}"


# A publication ------------------------------------------------------------------------------


def _page_context(actor: Actor, publication: Publication) -> dict[str, Any]:
    period = publication.period
    versions = selectors.versions_of(period)
    place = period.village
    context: dict[str, Any] = {
        "village": place,
        "period": period,
        "publication": publication,
        "versions": [
            v for v in versions if v.is_published or permissions.can_view_drafts(actor, place)
        ],
        "superseded_by": selectors.superseded_by(publication, versions),
        "is_cadre": permissions.is_cadre(actor, place),
        "can_sign_off": permissions.can_sign_off(actor, publication),
        "can_ask": publication.is_published and permissions.can_ask(actor, place),
        "changes": selectors.changes(publication.corrects, publication)
        if publication.corrects is not None
        else [],
    }
    if period.kind == Kind.FINANCE:
        context["balances"] = drafting.balances(publication)
    return context


@login_required
def publication(request: JifenRequest, pk: int) -> HttpResponse:
    actor = actor_of(request)
    found = _publication_for(actor, pk)
    return render(request, "disclosure/publication.html", _page_context(actor, found))


@login_required
def edit(request: JifenRequest, pk: int) -> HttpResponse:
    """The draft editor: its title (and a first statement's opening balance) and its lines."""
    actor = actor_of(request)
    draft = _draft_for(actor, pk)
    finance = draft.period.kind == Kind.FINANCE
    item_form = ItemForm(request.POST or None, request.FILES or None, finance=finance)
    if request.method == "POST" and item_form.is_valid():
        data = item_form.cleaned_data
        try:
            drafting.add_item(
                actor=actor,
                publication=draft,
                title=data["title"],
                text=data["text"],
                occurred_on=data.get("occurred_on"),
                direction=data.get("direction", ""),
                yuan=data.get("amount", ""),
                voucher=data.get("voucher", ""),
                attachment=data.get("attachment") or None,
                idempotency_key=data["idempotency_key"],
            )
        except Refusal as error:
            item_form.add_error(None, message_of(error))
        else:
            messages.success(request, _("The line is added."))
            return _to("disclosure_edit", draft.pk)
    context = _page_context(actor, draft) | {"item_form": item_form, "editing": True}
    return render(request, "disclosure/edit.html", context)


@login_required
def item_edit(request: JifenRequest, pk: int) -> HttpResponse:
    actor = actor_of(request)
    line = get_object_or_404(Item.objects.select_related("publication"), pk=pk)
    draft = _draft_for(actor, line.publication_id)
    finance = draft.period.kind == Kind.FINANCE
    initial = {
        "title": line.title,
        "text": line.text,
        "occurred_on": line.occurred_on,
        "direction": line.direction,
        "amount": f"{(line.amount or 0) // 100}.{(line.amount or 0) % 100:02d}"
        if line.amount
        else "",
        "voucher": line.voucher,
    }
    form = ItemForm(request.POST or None, request.FILES or None, initial=initial, finance=finance)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            drafting.edit_item(
                actor=actor,
                item=line,
                title=data["title"],
                text=data["text"],
                occurred_on=data.get("occurred_on"),
                direction=data.get("direction", ""),
                yuan=data.get("amount", ""),
                voucher=data.get("voucher", ""),
                attachment=data.get("attachment") or None,
            )
        except Refusal as error:
            form.add_error(None, message_of(error))
        else:
            return _to("disclosure_edit", draft.pk)
    context = {"village": draft.period.village, "publication": draft, "item": line, "form": form}
    return render(request, "disclosure/item_form.html", context)


@require_POST
@login_required
def item_remove(request: JifenRequest, pk: int) -> HttpResponse:
    actor = actor_of(request)
    line = get_object_or_404(Item.objects.select_related("publication"), pk=pk)
    draft = _draft_for(actor, line.publication_id)
    try:
        drafting.remove_item(actor=actor, item=line)
    except Refusal as error:
        messages.error(request, message_of(error))
    return _to("disclosure_edit" if not draft.is_published else "disclosure_publication", draft.pk)


def _step(
    request: JifenRequest, pk: int, step: Callable[[Actor, Publication], Publication], done: str
) -> HttpResponse:
    actor = actor_of(request)
    found = _draft_for(actor, pk)
    try:
        step(actor, found)
    except Refusal as error:
        messages.error(request, message_of(error))
    else:
        messages.success(request, done)
    return _to("disclosure_publication", found.pk)


@require_POST
@login_required
def submit(request: JifenRequest, pk: int) -> HttpResponse:
    return _step(
        request,
        pk,
        lambda actor, found: drafting.submit(actor=actor, publication=found),
        _("Sent to the supervisory committee for sign-off."),
    )


@require_POST
@login_required
def publish(request: JifenRequest, pk: int) -> HttpResponse:
    return _step(
        request,
        pk,
        lambda actor, found: drafting.publish(actor=actor, publication=found),
        _("Published. It can no longer change; a correction is a new version."),
    )


@login_required
def review(request: JifenRequest, pk: int) -> HttpResponse:
    """The sign-off page: a supervisory committee member signs off or returns it with a reason."""
    actor = actor_of(request)
    found = _publication_for(actor, pk)
    if not permissions.is_supervisor(actor, found.period.village):
        raise PermissionDenied
    form = ReasonForm(request.POST if "return" in request.POST else None)
    refusal = ""
    if request.method == "POST":
        try:
            if "return" in request.POST:
                if form.is_valid():
                    drafting.return_for_changes(
                        actor=actor, publication=found, reason=form.cleaned_data["reason"]
                    )
                    messages.success(request, _("Returned to the cadres with your reason."))
                    return _to("disclosure_publication", found.pk)
            else:
                drafting.sign_off(actor=actor, publication=found)
                messages.success(request, _("Signed off. A cadre can now publish it."))
                return _to("disclosure_publication", found.pk)
        except Refusal as error:
            refusal = message_of(error)
    context = _page_context(actor, found) | {"form": form, "refusal": refusal}
    return render(request, "disclosure/review.html", context)


@login_required
def correct(request: JifenRequest, pk: int) -> HttpResponse:
    actor = actor_of(request)
    found = _publication_for(actor, pk)
    if not permissions.is_cadre(actor, found.period.village) or not found.is_published:
        raise PermissionDenied
    form = ReasonForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            correction = drafting.start_correction(
                actor=actor, publication=found, reason=form.cleaned_data["reason"]
            )
        except Refusal as error:
            form.add_error(None, message_of(error))
        else:
            return _to("disclosure_edit", correction.pk)
    context = {"village": found.period.village, "publication": found, "form": form}
    return render(request, "disclosure/correct.html", context)


@login_required
def ask(request: JifenRequest, pk: int) -> HttpResponse:
    actor = actor_of(request)
    line = get_object_or_404(Item.objects.select_related("publication__period__village"), pk=pk)
    found = line.publication
    if not permissions.can_view_publication(actor, found):
        raise PermissionDenied
    if not found.is_published or not permissions.can_ask(actor, found.period.village):
        raise PermissionDenied
    form = QuestionForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            question = drafting.ask_question(
                actor=actor,
                item=line,
                text=form.cleaned_data["text"],
                idempotency_key=form.cleaned_data["idempotency_key"],
            )
        except Refusal as error:
            form.add_error(None, message_of(error))
        else:
            messages.success(
                request, _("Your question was raised. The village committee will reply.")
            )
            return _to("talk_matter", question.matter_id)
    context = {"village": found.period.village, "publication": found, "item": line, "form": form}
    return render(request, "disclosure/ask.html", context)


@never_cache
@login_required
def pdf(request: JifenRequest, pk: int) -> HttpResponse:
    actor = actor_of(request)
    found = _publication_for(actor, pk)
    url = request.build_absolute_uri(reverse("disclosure_publication", args=[found.pk]))
    content = publication_pdf(publication=found, url=url)
    response = HttpResponse(content, content_type="application/pdf")
    filename = f"disclosure-{found.period.village.code}-{found.pk}-v{found.version}.pdf"
    response["Content-Disposition"] = f'inline; filename="{filename}"'
    return response


# The township -------------------------------------------------------------------------------


@login_required
def township(request: JifenRequest, code: str) -> HttpResponse:
    actor = actor_of(request)
    place = get_object_or_404(Place, code=code)
    if not permissions.can_view_township(actor, place):
        raise PermissionDenied
    rows = selectors.township_overdue(place, today=timezone.localdate())
    context = {"township": place, "rows": rows, "overdue": sum(len(r.overdue) for r in rows)}
    return render(request, "disclosure/township.html", context)
