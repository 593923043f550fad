"""Redeeming points for goods, handing over orders, cancellations, stock, and year-end lapse.

Lock order, the same on every path: the household's village chain, then its accounts (both
through ``lock_for_posting``), then the goods by primary key. A redemption checks the spendable
balance under those locks and takes stock with a conditional ``UPDATE``; the database refuses
negative stock whatever happens. A transaction that loses a race to a deadlock or a busy
database is run again, so that a household hears "not enough points" only when it is true.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any, TypeVar

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import OperationalError, transaction
from django.db.models import F, Sum
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from jifen.accounts.actors import Actor
from jifen.accounts.models import VILLAGE_CADRE_ROLES, RoleGrant
from jifen.audit.services import record_event
from jifen.core.idempotency import claim, fingerprint, remember
from jifen.ledger.models import Account, Measure, Posting
from jifen.ledger.services import Leg, append_posting, lock_for_posting
from jifen.market import permissions
from jifen.market.models import Good, Redemption, RedemptionLine, SpendableLapse, StockIn, Store
from jifen.places.models import Household, Place
from jifen.records.photos import prepare_photo
from jifen.rules.models import VillageSettings

T = TypeVar("T")
ATTEMPTS = 5
# SQLSTATEs of a transaction that lost a race: serialization failure, deadlock.
CONFLICT_STATES = {"40001", "40P01"}


class NotEnoughPoints(ValidationError):
    pass


class OutOfStock(ValidationError):
    pass


def is_conflict(error: OperationalError) -> bool:
    if getattr(error.__cause__, "sqlstate", None) in CONFLICT_STATES:
        return True
    return "database is locked" in str(error)


def retrying(write: Callable[[], T]) -> T:
    """Run a write in its own transaction, again (with jittered backoff) if it lost a race."""
    if transaction.get_connection().in_atomic_block:
        return write()  # an outer transaction decides; retrying inside it cannot help
    for attempt in range(ATTEMPTS):
        try:
            return write()
        except OperationalError as error:
            if not is_conflict(error) or attempt == ATTEMPTS - 1:
                raise
            time.sleep(random.uniform(0, 0.05 * 2**attempt))  # noqa: S311 (jitter, not a secret)
    raise AssertionError("unreachable")


def settings_of(village: Place) -> VillageSettings:
    return VillageSettings.objects.filter(village=village).first() or VillageSettings(
        village=village
    )


def exchange_open(settings: VillageSettings, day: date) -> bool:
    """Whether goods may be redeemed on ``day`` under the village's exchange days."""
    schedule = settings.exchange_schedule
    if schedule == VillageSettings.ExchangeSchedule.ANY_DAY:
        return True
    if schedule == VillageSettings.ExchangeSchedule.QUARTERLY and day.month not in (1, 4, 7, 10):
        return False
    return day.day <= settings.exchange_window_days


def next_exchange_day(settings: VillageSettings, day: date) -> date:
    while not exchange_open(settings, day):
        day = (day.replace(day=1) + timedelta(days=32)).replace(day=1)
    return day


def is_cadre_household(household: Household) -> bool:
    return RoleGrant.objects.filter(
        place_id=household.village_id,
        role__in=VILLAGE_CADRE_ROLES,
        revoked_at__isnull=True,
        user__resident__household=household,
    ).exists()


@dataclass(frozen=True)
class Basket:
    """Goods and quantities, checked: every good on sale at the store, every quantity ≥ 1."""

    store: Store
    lines: list[tuple[Good, int]]

    @property
    def points(self) -> int:
        return sum(good.price * quantity for good, quantity in self.lines)

    def describe(self) -> str:
        return "、".join(f"{good.name}×{quantity}" for good, quantity in self.lines)[:200]


def basket_of(store: Store, quantities: Mapping[int, int]) -> Basket:
    wanted = {pk: q for pk, q in quantities.items() if q}
    if not wanted:
        raise ValidationError(_("Pick at least one good."))
    if any(q < 0 or q > 999 for q in wanted.values()):
        raise ValidationError(_("Quantities run from 1 to 999."))
    goods = Good.objects.filter(store=store, on_sale=True).in_bulk(list(wanted))
    if len(goods) != len(wanted):
        raise ValidationError(_("A good in the basket is not on sale at this store."))
    return Basket(store=store, lines=[(goods[pk], wanted[pk]) for pk in sorted(wanted)])


def _check_may_redeem(household: Household, settings: VillageSettings, day: date) -> None:
    if not exchange_open(settings, day):
        raise ValidationError(
            _("Goods are exchanged only on exchange days; the next is %(day)s.")
            % {"day": next_exchange_day(settings, day).isoformat()}
        )
    if not settings.cadres_may_redeem and is_cadre_household(household):
        raise PermissionDenied(_("In this village, cadre households do not redeem points."))


def _take(
    *,
    actor: Actor,
    basket: Basket,
    household: Household,
    channel: str,
    now: datetime,
) -> Redemption:
    """Inside a transaction: lock, check, take the points and the stock, write it down."""
    village = household.village
    settings = settings_of(village)
    _check_may_redeem(household, settings, timezone.localdate(now))
    total = basket.points
    head, accounts = lock_for_posting(village, {household.pk}, Account.Kind.REDEEMED)
    mine = accounts[(Account.Kind.HOUSEHOLD, household.pk, Measure.SPENDABLE)]
    if settings.redemption_deducts and mine.balance < total:
        raise NotEnoughPoints(
            _("Not enough points: the household has %(have)d spendable, the goods cost %(cost)d.")
            % {"have": mine.balance, "cost": total}
        )
    for good, quantity in basket.lines:  # in primary-key order
        taken = Good.objects.filter(pk=good.pk, stock__gte=quantity).update(
            stock=F("stock") - quantity
        )
        if not taken:
            left = Good.objects.values_list("stock", flat=True).get(pk=good.pk)
            raise OutOfStock(
                ngettext("Only %(left)d of %(good)s left.", "Only %(left)d of %(good)s left.", left)
                % {"left": left, "good": good.name}
            )
    posting = None
    if settings.redemption_deducts:
        redeemed = accounts[(Account.Kind.REDEEMED, None, Measure.SPENDABLE)]
        posting = append_posting(
            head=head,
            village=village,
            kind=Posting.Kind.REDEMPTION,
            legs=[Leg(mine, -total), Leg(redeemed, total)],
            reason=basket.describe(),
            now=now,
        )
    online = channel == Redemption.Channel.ONLINE
    redemption = Redemption.objects.create(
        store=basket.store,
        household=household,
        village=village,
        channel=channel,
        status=Redemption.Status.ORDERED if online else Redemption.Status.HANDED_OVER,
        points=total,
        deducted=settings.redemption_deducts,
        posting=posting,
        created_by=actor.user,
        created_at=now,
        pickup_by=now + timedelta(days=basket.store.pickup_days) if online else None,
        closed_by=None if online else actor.user,
        closed_at=None if online else now,
    )
    RedemptionLine.objects.bulk_create(
        [
            RedemptionLine(redemption=redemption, good=good, quantity=q, unit_price=good.price)
            for good, q in basket.lines
        ]
    )
    record_event(
        actor=actor,
        action="market.ordered" if online else "market.redeemed",
        obj=redemption,
        village=village,
        household=household,
        after={
            "store": basket.store.pk,
            "points": total,
            "deducted": settings.redemption_deducts,
            "goods": {str(good.pk): q for good, q in basket.lines},
        },
    )
    return redemption


def redeem(
    *,
    actor: Actor,
    store: Store,
    household: Household,
    quantities: Mapping[int, int],
    channel: str = Redemption.Channel.COUNTER,
    idempotency_key: str,
    now: datetime | None = None,
) -> Redemption:
    """Exchange points for goods at the counter, or order them online for pickup."""
    if channel == Redemption.Channel.COUNTER:
        allowed = permissions.can_redeem_at_counter(actor, store, household)
    else:
        allowed = permissions.can_order_online(actor, store, household)
    if not allowed:
        raise PermissionDenied(_("You may not redeem for this household at this store."))
    basket = basket_of(store, quantities)
    request = {
        "op": "redeem",
        "store": store.pk,
        "household": household.pk,
        "channel": channel,
        "goods": {str(good.pk): q for good, q in basket.lines},
    }

    def write() -> Redemption:
        with transaction.atomic():
            earlier = claim(
                user=actor.user, key=idempotency_key, request_fingerprint=fingerprint(**request)
            )
            if earlier is not None:
                return Redemption.objects.get(pk=earlier.result["redemption"])
            redemption = _take(
                actor=actor,
                basket=basket,
                household=household,
                channel=channel,
                now=now or timezone.now(),
            )
            remember(user=actor.user, key=idempotency_key, result={"redemption": redemption.pk})
            return redemption

    return retrying(write)


def _undo(
    redemption: Redemption, *, status: str, reason: str, by: Actor | None, now: datetime
) -> None:
    """Inside a transaction, with the redemption locked: return the stock and the points."""
    household = redemption.household
    if redemption.deducted:
        head, accounts = lock_for_posting(redemption.village, {household.pk}, Account.Kind.REDEEMED)
        mine = accounts[(Account.Kind.HOUSEHOLD, household.pk, Measure.SPENDABLE)]
        redeemed = accounts[(Account.Kind.REDEEMED, None, Measure.SPENDABLE)]
        redemption.reversal = append_posting(
            head=head,
            village=redemption.village,
            kind=Posting.Kind.CANCELLATION,
            legs=[Leg(mine, redemption.points), Leg(redeemed, -redemption.points)],
            reason=reason[:200],
            now=now,
        )
    for line in redemption.lines.order_by("good_id"):
        Good.objects.filter(pk=line.good_id).update(stock=F("stock") + line.quantity)
    redemption.status = status
    redemption.closed_at = now
    redemption.closed_by = by.user if by else None
    redemption.cancel_reason = reason[:200]
    redemption.save(update_fields=["reversal", "status", "closed_at", "closed_by", "cancel_reason"])


def _locked(redemption: Redemption) -> Redemption:
    return (
        Redemption.objects.select_for_update(of=("self",))
        .select_related("store", "household", "village")
        .get(pk=redemption.pk)
    )


def cancel_redemption(
    *, actor: Actor, redemption: Redemption, reason: str, now: datetime | None = None
) -> Redemption:
    """Undo a redemption: the points come back through reversing entries, the stock too."""
    if not permissions.can_cancel(actor, redemption):
        raise PermissionDenied(_("You may not cancel this redemption."))
    reason = reason.strip()
    if not reason:
        raise ValidationError(_("Say why the redemption is cancelled."))

    def write() -> Redemption:
        with transaction.atomic():
            # The chain first, as on every path; then the redemption.
            lock_for_posting(redemption.village, {redemption.household_id}, Account.Kind.REDEEMED)
            locked = _locked(redemption)
            if locked.status in (Redemption.Status.CANCELLED, Redemption.Status.LAPSED):
                raise ValidationError(_("This redemption has already been undone."))
            before = locked.status
            _undo(
                locked,
                status=Redemption.Status.CANCELLED,
                reason=reason,
                by=actor,
                now=now or timezone.now(),
            )
            record_event(
                actor=actor,
                action="market.cancelled",
                obj=locked,
                village=locked.village,
                household=locked.household,
                before={"status": before},
                after={"status": locked.status, "reason": reason, "points": locked.points},
            )
            return locked

    return retrying(write)


def hand_over(*, actor: Actor, redemption: Redemption, now: datetime | None = None) -> Redemption:
    """The keeper gives a household the goods it ordered online."""
    if not permissions.keeps(actor, redemption.store):
        raise PermissionDenied(_("Only the store's keeper hands goods over."))
    with transaction.atomic():
        locked = _locked(redemption)
        if locked.status != Redemption.Status.ORDERED:
            raise ValidationError(_("This order is no longer waiting for pickup."))
        locked.status = Redemption.Status.HANDED_OVER
        locked.closed_at, locked.closed_by = now or timezone.now(), actor.user
        locked.save(update_fields=["status", "closed_at", "closed_by"])
        record_event(
            actor=actor,
            action="market.handed_over",
            obj=locked,
            village=locked.village,
            household=locked.household,
            before={"status": Redemption.Status.ORDERED},
            after={"status": locked.status},
        )
    return locked


def lapse_uncollected_orders(*, now: datetime | None = None) -> int:
    """The scheduled job: orders not picked up in time lapse, and their points come back."""
    now = now or timezone.now()
    lapsed = 0
    due = Redemption.objects.filter(
        status=Redemption.Status.ORDERED, pickup_by__lte=now
    ).values_list("pk", "village_id", "household_id")
    for pk, village_id, household_id in list(due):

        def write(
            pk: int = pk, village_id: int = village_id, household_id: int = household_id
        ) -> bool:
            with transaction.atomic():
                village = Place.objects.get(pk=village_id)
                lock_for_posting(village, {household_id}, Account.Kind.REDEEMED)
                locked = _locked(Redemption(pk=pk))
                if locked.status != Redemption.Status.ORDERED:
                    return False
                _undo(locked, status=Redemption.Status.LAPSED, reason="逾期未取", by=None, now=now)
                record_event(
                    actor=None,
                    action="market.lapsed",
                    obj=locked,
                    village=locked.village,
                    household=locked.household,
                    after={"points": locked.points},
                )
                return True

        lapsed += retrying(write)
    return lapsed


# Stores


def _served_villages(village: Place, villages: Collection[Place]) -> list[Place]:
    """The villages a store of ``village`` serves: its own, and others of the same township."""
    served = {village.pk: village} | {place.pk: place for place in villages}
    if any(
        not place.is_village or place.parent_id != village.parent_id for place in served.values()
    ):
        raise ValidationError(_("A store serves villages of its own township only."))
    return [served[pk] for pk in sorted(served)]


def _store_values(name: str, pickup_days: int) -> str:
    name = name.strip()
    if not name or len(name) > 60:
        raise ValidationError(_("Give the store a name of at most 60 characters."))
    if not 1 <= pickup_days <= 60:
        raise ValidationError(_("An order waits for pickup 1 to 60 days."))
    return name


def _store_facts(store: Store, villages: list[Place]) -> dict[str, Any]:
    return {
        "name": store.name,
        "pickup_days": store.pickup_days,
        "villages": [place.code for place in villages],
    }


def create_store(
    *,
    actor: Actor,
    village: Place,
    name: str,
    villages: Collection[Place] = (),
    pickup_days: int = 7,
    idempotency_key: str,
) -> Store:
    """Open a store in ``village``, serving it and any of ``villages`` of the same township."""
    if not permissions.can_set_up_store(actor, village):
        raise PermissionDenied(_("You may not open a store in this village."))
    name = _store_values(name, pickup_days)
    served = _served_villages(village, villages)
    request = {
        "op": "create_store",
        "village": village.pk,
        "name": name,
        "villages": [place.pk for place in served],
        "pickup_days": pickup_days,
    }
    with transaction.atomic():
        earlier = claim(
            user=actor.user, key=idempotency_key, request_fingerprint=fingerprint(**request)
        )
        if earlier is not None:
            return Store.objects.get(pk=earlier.result["store"])
        store = Store.objects.create(village=village, name=name, pickup_days=pickup_days)
        store.villages.set(served)
        record_event(
            actor=actor,
            action="market.store_created",
            obj=store,
            village=village,
            after=_store_facts(store, served),
        )
        remember(user=actor.user, key=idempotency_key, result={"store": store.pk})
    return store


def update_store(
    *, actor: Actor, store: Store, name: str, villages: Collection[Place], pickup_days: int
) -> Store:
    """Rename a store, change whom it serves or how long orders wait. Orders already placed
    keep their pickup deadline and may still be handed over."""
    if not permissions.can_set_up_store(actor, store.village):
        raise PermissionDenied(_("You may not change this store."))
    name = _store_values(name, pickup_days)
    served = _served_villages(store.village, villages)
    with transaction.atomic():
        locked = Store.objects.select_for_update().select_related("village").get(pk=store.pk)
        before = _store_facts(locked, list(locked.villages.order_by("pk")))
        locked.name, locked.pickup_days = name, pickup_days
        locked.save(update_fields=["name", "pickup_days"])
        locked.villages.set(served)
        record_event(
            actor=actor,
            action="market.store_updated",
            obj=locked,
            village=locked.village,
            before=before,
            after=_store_facts(locked, served),
        )
    return locked


# Goods and stock


GOOD_FIELDS = ["name", "category", "price", "low_stock_at", "on_sale"]


def save_good(
    *, actor: Actor, store: Store, good: Good | None = None, values: Mapping[str, Any]
) -> Good:
    """Add a good to a store or change one (not its stock: that moves by stock-in only)."""
    if not permissions.can_manage_store(actor, store):
        raise PermissionDenied(_("You may not change this store's goods."))
    values = dict(values)
    if values.get("photo"):
        # Re-encoded before it is stored: a phone's photo carries the shop's GPS position.
        values["photo"], _width, _height = prepare_photo(values["photo"])
    with transaction.atomic():
        if good is None:
            good = Good(store=store)
            before = None
        else:
            good = Good.objects.select_for_update().get(pk=good.pk, store=store)
            before = {name: getattr(good, name) for name in GOOD_FIELDS}
        for name in [*GOOD_FIELDS, "photo"]:
            if name in values:
                setattr(good, name, values[name])
        if Good.objects.filter(store=store, name=good.name).exclude(pk=good.pk).exists():
            raise ValidationError(_("The store already has a good of this name."))
        good.full_clean(exclude=["store", "stock"])
        good.save()
        record_event(
            actor=actor,
            action="market.good_saved",
            obj=good,
            village=store.village,
            before=before,
            after={name: getattr(good, name) for name in GOOD_FIELDS},
        )
    return good


def receive_stock(
    *,
    actor: Actor,
    good: Good,
    quantity: int,
    note: str = "",
    idempotency_key: str | None = None,
    now: datetime | None = None,
) -> StockIn:
    """Goods arrived. With a form's key, a double tap or a resent form receives them once."""
    if not permissions.can_manage_store(actor, good.store):
        raise PermissionDenied(_("You may not receive stock for this store."))
    if not 1 <= quantity <= 100_000:
        raise ValidationError(_("Enter how many arrived, from 1 to 100000."))
    request = {"op": "stock_in", "good": good.pk, "quantity": quantity, "note": note.strip()}
    with transaction.atomic():
        if idempotency_key is not None:
            earlier = claim(
                user=actor.user, key=idempotency_key, request_fingerprint=fingerprint(**request)
            )
            if earlier is not None:
                return StockIn.objects.get(pk=earlier.result["stock_in"])
        stock_in = StockIn.objects.create(
            good=good,
            quantity=quantity,
            note=note.strip()[:200],
            received_by=actor.user,
            received_at=now or timezone.now(),
        )
        Good.objects.filter(pk=good.pk).update(stock=F("stock") + quantity)
        record_event(
            actor=actor,
            action="market.stock_in",
            obj=stock_in,
            village=good.store.village,
            after={"good": good.pk, "quantity": quantity},
        )
        if idempotency_key is not None:
            remember(user=actor.user, key=idempotency_key, result={"stock_in": stock_in.pk})
    return stock_in


# The year-end lapse of unspent points


def lapse_spendable(*, village: Place, year: int, now: datetime | None = None) -> SpendableLapse:
    """Unspent points of ``year`` lapse, once, in one posting; negative balances stay."""
    now = now or timezone.now()

    def write() -> SpendableLapse:
        with transaction.atomic():
            household_ids = set(
                Account.objects.filter(
                    village=village,
                    kind=Account.Kind.HOUSEHOLD,
                    measure=Measure.SPENDABLE,
                    balance__gt=0,
                ).values_list("household_id", flat=True)
            )
            ids = {h for h in household_ids if h is not None}
            head, accounts = lock_for_posting(village, ids, Account.Kind.LAPSED)
            done = SpendableLapse.objects.filter(village=village, year=year).first()
            if done is not None:
                return done
            legs = [
                Leg(account, -account.balance)
                for key, account in sorted(accounts.items(), key=lambda item: item[1].pk)
                if key[0] == Account.Kind.HOUSEHOLD
                and key[2] == Measure.SPENDABLE
                and account.balance > 0
            ]
            total = -sum(leg.amount for leg in legs)
            posting = None
            if legs:
                lapsed = accounts[(Account.Kind.LAPSED, None, Measure.SPENDABLE)]
                posting = append_posting(
                    head=head,
                    village=village,
                    kind=Posting.Kind.LAPSE,
                    legs=[*legs, Leg(lapsed, total)],
                    reason=f"{year}年度未兑换积分清零",
                    now=now,
                )
            lapse = SpendableLapse.objects.create(
                village=village,
                year=year,
                posting=posting,
                points=total,
                households=len(legs),
                done_at=now,
            )
            record_event(
                actor=None,
                action="market.spendable_lapsed",
                obj=lapse,
                village=village,
                after={"year": year, "points": total, "households": len(legs)},
            )
            return lapse

    return retrying(write)


def lapse_due_spendable(*, now: datetime | None = None) -> int:
    """The scheduled job: in a new year, last year's unspent points lapse where the village
    says so."""
    now = now or timezone.now()
    year = timezone.localdate(now).year - 1
    done = SpendableLapse.objects.filter(year=year).values_list("village_id", flat=True)
    villages = Place.objects.filter(
        points_settings__spendable_lapses_at_year_end=True, kind=Place.Kind.VILLAGE
    ).exclude(pk__in=done)
    count = 0
    for village in villages:
        lapse_spendable(village=village, year=year, now=now)
        count += 1
    return count


# Liability


@dataclass(frozen=True)
class Liability:
    village: Place
    outstanding_points: int
    point_value_fen: int
    budget_fen: int

    @property
    def liability_fen(self) -> int:
        return self.outstanding_points * self.point_value_fen

    @property
    def budget_share(self) -> int | None:
        """The liability as a whole percentage of the budget (None without a budget)."""
        if not self.budget_fen:
            return None
        return self.liability_fen * 100 // self.budget_fen


def liabilities(villages: list[Place]) -> list[Liability]:
    """Outstanding spendable points of each village's households, valued (two queries)."""
    outstanding = dict(
        Account.objects.filter(
            village__in=villages,
            kind=Account.Kind.HOUSEHOLD,
            measure=Measure.SPENDABLE,
            balance__gt=0,
        )
        .values("village_id")
        .annotate(points=Sum("balance"))
        .values_list("village_id", "points")
    )
    settings = {s.village_id: s for s in VillageSettings.objects.filter(village__in=villages)}
    result = []
    for village in villages:
        found = settings.get(village.pk) or VillageSettings(village=village)
        result.append(
            Liability(
                village=village,
                outstanding_points=outstanding.get(village.pk, 0),
                point_value_fen=found.point_value_fen,
                budget_fen=found.supermarket_budget_fen,
            )
        )
    return result
