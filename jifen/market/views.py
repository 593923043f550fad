"""The supermarket pages: stores and goods, stock, the counter, online orders, the liability.

The keeper works the counter: finds the household by its door-plate QR code (or a search),
fills the basket, reviews it and confirms. A household orders online and picks up later.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import formats, timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from jifen.accounts.actors import Actor
from jifen.core.errors import message_of
from jifen.core.http import JifenRequest, actor_of
from jifen.market import permissions, selectors, services
from jifen.market.forms import (
    BasketForm,
    FindHouseholdForm,
    GoodForm,
    ReasonForm,
    StockInForm,
    StoreForm,
)
from jifen.market.models import Good, Redemption, Store
from jifen.places.models import Household, Place
from jifen.places.permissions import VillagePredicate, can_view_own_household, is_own_household

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
StorePredicate = Callable[[Actor, Store], bool]


def _village_for(actor: Actor, code: str, allowed: VillagePredicate) -> Place:
    village = get_object_or_404(Place.objects.select_related("parent"), code=code)
    if not allowed(actor, village):
        raise PermissionDenied
    return village


def _store_for(actor: Actor, pk: int, allowed: StorePredicate) -> Store:
    store = get_object_or_404(Store.objects.select_related("village__parent"), pk=pk)
    if not allowed(actor, store):
        raise PermissionDenied
    return store


def _store_context(actor: Actor, store: Store, **extra: Any) -> dict[str, Any]:
    """What every store page shows in its navigation."""
    return {
        "store": store,
        "village": store.village,
        "keeps": permissions.keeps(actor, store),
        "can_set_up": permissions.can_set_up_store(actor, store.village),
        "Status": Redemption.Status,
        **extra,
    }


def _own_household(actor: Actor) -> Household:
    resident = actor.user.resident
    if not can_view_own_household(actor) or resident is None:
        raise PermissionDenied
    household = Household.objects.select_related("village", "head").get(pk=resident.household_id)
    if not is_own_household(actor, household):
        raise PermissionDenied
    return household


def _day(moment: datetime) -> str:
    return formats.date_format(timezone.localtime(moment), "Y-m-d")


# Stores --------------------------------------------------------------------------------------


@login_required
def stores(request: JifenRequest, code: str) -> HttpResponse:
    actor = actor_of(request)
    village = _village_for(actor, code, permissions.can_view_stores)
    found = list(selectors.stores_of(village))
    context = {
        "village": village,
        "own_stores": [shop for shop in found if shop.village_id == village.pk],
        "other_stores": [shop for shop in found if shop.village_id != village.pk],
        "can_set_up": permissions.can_set_up_store(actor, village),
        "keeps_here": actor.acts_as_at(permissions.KEEPER_ROLES, village),
        "can_view_liability": permissions.can_view_liability(actor, village),
    }
    return render(request, "market/stores.html", context)


@login_required
def store_new(request: JifenRequest, code: str) -> HttpResponse:
    actor = actor_of(request)
    village = _village_for(actor, code, permissions.can_set_up_store)
    form = StoreForm(
        request.POST or None,
        neighbours=selectors.neighbours_of(village),
        initial={"villages": [village]},
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            store = services.create_store(
                actor=actor,
                village=village,
                name=data["name"],
                villages=list(data["villages"]),
                pickup_days=data["pickup_days"],
                idempotency_key=data["idempotency_key"],
            )
        except (ValidationError, PermissionDenied) as error:
            form.add_error(None, message_of(error))
        else:
            messages.success(request, _("The store was opened. Add its goods."))
            return redirect("market_store", pk=store.pk)
    return render(request, "market/store_form.html", {"village": village, "form": form})


@login_required
def store_edit(request: JifenRequest, pk: int) -> HttpResponse:
    actor = actor_of(request)
    store = _store_for(actor, pk, lambda a, s: permissions.can_set_up_store(a, s.village))
    initial = {
        "name": store.name,
        "villages": list(store.villages.all()),
        "pickup_days": store.pickup_days,
    }
    form = StoreForm(
        request.POST or None, neighbours=selectors.neighbours_of(store.village), initial=initial
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.update_store(
                actor=actor,
                store=store,
                name=data["name"],
                villages=list(data["villages"]),
                pickup_days=data["pickup_days"],
            )
        except (ValidationError, PermissionDenied) as error:
            form.add_error(None, message_of(error))
        else:
            messages.success(request, _("The store was saved."))
            return redirect("market_store", pk=store.pk)
    return render(request, "market/store_form.html", _store_context(actor, store, form=form))


@login_required
def store(request: JifenRequest, pk: int) -> HttpResponse:
    """The store's goods by category, with their stock and the goods running low."""
    actor = actor_of(request)
    store = _store_for(actor, pk, permissions.can_manage_store)
    goods = list(selectors.store_goods(store))
    context = _store_context(
        actor,
        store,
        shelves=selectors.shelves(goods),
        running_low=[good for good in goods if good.on_sale and good.is_low],
        served=list(store.villages.order_by("code")),
    )
    return render(request, "market/store.html", context)


def _good_form(
    request: JifenRequest, actor: Actor, store: Store, good: Good | None
) -> HttpResponse:
    initial = (
        {name: getattr(good, name) for name in [*services.GOOD_FIELDS, "photo"]} if good else None
    )
    form = GoodForm(request.POST or None, request.FILES or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.save_good(actor=actor, store=store, good=good, values=form.values())
        except (ValidationError, PermissionDenied) as error:
            form.add_error(None, message_of(error))
        else:
            messages.success(request, _("The good was saved."))
            return redirect("market_store", pk=store.pk)
    return render(
        request, "market/good_form.html", _store_context(actor, store, form=form, good=good)
    )


@login_required
def good_new(request: JifenRequest, pk: int) -> HttpResponse:
    actor = actor_of(request)
    return _good_form(request, actor, _store_for(actor, pk, permissions.can_manage_store), None)


@login_required
def good_edit(request: JifenRequest, pk: int, good_pk: int) -> HttpResponse:
    actor = actor_of(request)
    store = _store_for(actor, pk, permissions.can_manage_store)
    good = get_object_or_404(Good, pk=good_pk, store=store)
    return _good_form(request, actor, store, good)


@login_required
def stock(request: JifenRequest, pk: int) -> HttpResponse:
    """Receive goods into stock, and the history of what arrived."""
    actor = actor_of(request)
    store = _store_for(actor, pk, permissions.can_manage_store)
    initial = {"good": request.GET.get("good")} if request.GET.get("good", "").isdigit() else {}
    form = StockInForm(request.POST or None, goods=selectors.store_goods(store), initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.receive_stock(
                actor=actor,
                good=data["good"],
                quantity=data["quantity"],
                note=data["note"],
                idempotency_key=data["idempotency_key"],
            )
        except (ValidationError, PermissionDenied) as error:
            form.add_error(None, message_of(error))
        else:
            messages.success(
                request,
                _("Received %(quantity)s × %(good)s.")
                % {"quantity": data["quantity"], "good": data["good"].name},
            )
            return redirect("market_stock", pk=store.pk)
    context = _store_context(actor, store, form=form, history=selectors.stock_history(store))
    return render(request, "market/stock.html", context)


# The counter and online orders ---------------------------------------------------------------


@login_required
def counter(request: JifenRequest, pk: int) -> HttpResponse:
    """Find the household: scan its door-plate QR code, paste the code, or search."""
    actor = actor_of(request)
    store = _store_for(actor, pk, permissions.keeps)
    form = FindHouseholdForm(request.GET if "plate" in request.GET else None)
    if form.is_bound and form.is_valid():
        household = selectors.served_household(store, form.cleaned_data["plate"])
        if household is not None:
            return redirect("market_basket", pk=store.pk, token=household.public_token)
        form.add_error(
            "plate", _("No household of the villages this store serves has this door plate.")
        )
    query = request.GET.get("q", "")[:30]
    context = _store_context(
        actor,
        store,
        form=form,
        query=query,
        results=selectors.search_served_households(store, query),
    )
    return render(request, "market/counter.html", context)


def _basket_page(
    request: JifenRequest, actor: Actor, store: Store, household: Household, channel: str
) -> HttpResponse:
    """Pick goods, review the basket, confirm: the same page at the counter and online."""
    form = BasketForm(request.POST or None, goods=selectors.goods_on_sale(store))
    balance = selectors.spendable_balance(household)
    rules = services.settings_of(household.village)
    review = None
    if request.method == "POST" and form.is_valid():
        step = request.POST.get("step")
        try:
            if step == "confirm":
                redemption = services.redeem(
                    actor=actor,
                    store=store,
                    household=household,
                    quantities=form.quantities(),
                    channel=channel,
                    idempotency_key=form.cleaned_data["idempotency_key"],
                )
                return _redeemed(request, redemption)
            if step == "review":
                review = services.basket_of(store, form.quantities())
                if rules.redemption_deducts and review.points > balance:
                    raise services.NotEnoughPoints(
                        _(
                            "Not enough points: the household has %(have)d spendable,"
                            " the goods cost %(cost)d."
                        )
                        % {"have": balance, "cost": review.points}
                    )
        except (ValidationError, PermissionDenied) as error:
            review = None
            form.add_error(None, message_of(error))
    today = timezone.localdate()
    context = _store_context(
        actor,
        store,
        household=household,
        balance=balance,
        deducts=rules.redemption_deducts,
        exchange_open=services.exchange_open(rules, today),
        next_exchange=services.next_exchange_day(rules, today),
        form=form,
        review=review,
        review_lines=selectors.basket_lines(review) if review else [],
        balance_after=balance - review.points if review else None,
        online=channel == Redemption.Channel.ONLINE,
    )
    return render(request, "market/basket.html", context)


def _redeemed(request: JifenRequest, redemption: Redemption) -> HttpResponse:
    if redemption.channel == Redemption.Channel.ONLINE:
        assert redemption.pickup_by is not None
        messages.success(
            request,
            _("Ordered. Pick the goods up at %(store)s by %(day)s.")
            % {"store": redemption.store.name, "day": _day(redemption.pickup_by)},
        )
    elif redemption.deducted:
        messages.success(
            request,
            _("Redeemed for %(points)s points. Hand the goods over.")
            % {"points": redemption.points},
        )
    else:
        messages.success(request, _("Recorded; no points were deducted. Hand the goods over."))
    return redirect("market_receipt", pk=redemption.store_id, redemption_pk=redemption.pk)


@login_required
def basket(request: JifenRequest, pk: int, token: str) -> HttpResponse:
    actor = actor_of(request)
    store = _store_for(actor, pk, permissions.keeps)
    household = selectors.served_household(store, token)
    if household is None:
        raise Http404
    return _basket_page(request, actor, store, household, Redemption.Channel.COUNTER)


@login_required
def receipt(request: JifenRequest, pk: int, redemption_pk: int) -> HttpResponse:
    actor = actor_of(request)
    store = get_object_or_404(Store.objects.select_related("village__parent"), pk=pk)
    redemption = selectors.redemption_at(store, redemption_pk)
    if redemption is None:
        raise Http404
    if not permissions.can_view_redemption(actor, redemption):
        raise PermissionDenied
    context = _store_context(
        actor,
        store,
        redemption=redemption,
        lines=selectors.receipt_lines(redemption),
        can_manage=permissions.can_manage_store(actor, store),
    )
    return render(request, "market/receipt.html", context)


@login_required
def orders(request: JifenRequest, pk: int) -> HttpResponse:
    """Online orders waiting for pickup: the keeper hands them over or cancels them."""
    actor = actor_of(request)
    store = _store_for(actor, pk, permissions.can_manage_store)
    context = _store_context(
        actor,
        store,
        orders=selectors.waiting_orders(store),
    )
    return render(request, "market/orders.html", context)


@login_required
def history(request: JifenRequest, pk: int) -> HttpResponse:
    actor = actor_of(request)
    store = _store_for(actor, pk, permissions.can_manage_store)
    page = Paginator(selectors.store_redemptions(store), 50).get_page(request.GET.get("page"))
    context = _store_context(actor, store, page=page)
    return render(request, "market/history.html", context)


def _store_redemption(actor: Actor, pk: int, redemption_pk: int) -> Redemption:
    store = _store_for(actor, pk, permissions.can_manage_store)
    return get_object_or_404(
        Redemption.objects.select_related("store__village", "household", "village"),
        pk=redemption_pk,
        store=store,
    )


@require_POST
@login_required
def hand_over(request: JifenRequest, pk: int, redemption_pk: int) -> HttpResponse:
    actor = actor_of(request)
    redemption = _store_redemption(actor, pk, redemption_pk)
    if not permissions.keeps(actor, redemption.store):
        raise PermissionDenied
    try:
        services.hand_over(actor=actor, redemption=redemption)
    except ValidationError as error:
        messages.error(request, message_of(error))
    else:
        messages.success(
            request,
            _("Handed over to %(plate)s.") % {"plate": redemption.household.door_plate},
        )
    return redirect("market_orders", pk=pk)


@require_POST
@login_required
def cancel(request: JifenRequest, pk: int, redemption_pk: int) -> HttpResponse:
    """The keeper undoes a redemption or an order; points and stock come back."""
    actor = actor_of(request)
    redemption = _store_redemption(actor, pk, redemption_pk)
    if not permissions.can_cancel(actor, redemption):
        raise PermissionDenied
    back = "market_orders" if redemption.status == Redemption.Status.ORDERED else "market_history"
    _cancel(request, actor, redemption)
    return redirect(back, pk=pk)


def _cancel(request: JifenRequest, actor: Actor, redemption: Redemption) -> None:
    form = ReasonForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Say why the redemption is cancelled."))
        return
    try:
        services.cancel_redemption(
            actor=actor, redemption=redemption, reason=form.cleaned_data["reason"]
        )
    except (ValidationError, PermissionDenied) as error:
        messages.error(request, message_of(error))
    else:
        messages.success(
            request,
            _("Cancelled: %(points)s points and the goods went back.")
            % {"points": redemption.points},
        )


@login_required
def my_market(request: JifenRequest) -> HttpResponse:
    """A household's supermarket: the stores serving its village, its balance, its orders."""
    actor = actor_of(request)
    household = _own_household(actor)
    rules = services.settings_of(household.village)
    today = timezone.localdate()
    context = {
        "household": household,
        "village": household.village,
        "balance": selectors.spendable_balance(household),
        "deducts": rules.redemption_deducts,
        "exchange_open": services.exchange_open(rules, today),
        "next_exchange": services.next_exchange_day(rules, today),
        "stores": selectors.stores_with_shelves(household.village),
        "redemptions": selectors.household_redemptions(household),
        "Status": Redemption.Status,
    }
    return render(request, "market/my_market.html", context)


@login_required
def order(request: JifenRequest, pk: int) -> HttpResponse:
    actor = actor_of(request)
    household = _own_household(actor)
    store = get_object_or_404(Store.objects.select_related("village__parent"), pk=pk)
    if not permissions.can_order_online(actor, store, household):
        raise PermissionDenied
    return _basket_page(request, actor, store, household, Redemption.Channel.ONLINE)


@require_POST
@login_required
def my_cancel(request: JifenRequest, redemption_pk: int) -> HttpResponse:
    actor = actor_of(request)
    household = _own_household(actor)
    redemption = get_object_or_404(
        Redemption.objects.select_related("store__village", "household", "village"),
        pk=redemption_pk,
        household=household,
    )
    if not permissions.can_cancel(actor, redemption):
        raise PermissionDenied
    _cancel(request, actor, redemption)
    return redirect("market_my")


# Liability -----------------------------------------------------------------------------------


@login_required
def liability(request: JifenRequest, code: str) -> HttpResponse:
    actor = actor_of(request)
    village = _village_for(actor, code, permissions.can_view_liability)
    context = {"village": village, "report": selectors.liability_report(village)}
    return render(request, "market/liability.html", context)


@login_required
def liability_xlsx(request: JifenRequest, code: str) -> HttpResponse:
    actor = actor_of(request)
    village = _village_for(actor, code, permissions.can_view_liability)
    workbook = selectors.liability_workbook(selectors.liability_report(village))
    response = HttpResponse(workbook, content_type=XLSX)
    filename = f"liability-{village.code}-{timezone.localdate():%Y%m%d}.xlsx"
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response
