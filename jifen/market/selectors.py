"""Reads of the supermarket: one query each (or a fixed few), whatever the number of goods,
households or redemptions."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from io import BytesIO
from itertools import groupby

from django.db.models import Prefetch, Q, QuerySet
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop
from openpyxl import Workbook

from jifen.ledger.models import Account, Measure
from jifen.market.models import Good, Redemption, RedemptionLine, StockIn, Store
from jifen.market.services import Basket, Liability, liabilities
from jifen.places.models import Household, Place

FEN_PER_YUAN = 100
SEARCH_LIMIT = 20


def yuan(fen: int) -> Decimal:
    """Fen as yuan, exactly, with two decimals."""
    return (Decimal(fen) / FEN_PER_YUAN).quantize(Decimal("0.01"))


# Stores and goods


def stores_of(village: Place) -> QuerySet[Store]:
    """The stores a village runs, and those of neighbours that serve it."""
    return (
        Store.objects.filter(Q(village=village) | Q(villages=village))
        .distinct()
        .select_related("village")
        .prefetch_related(Prefetch("villages", queryset=Place.objects.order_by("code")))
        .order_by("village__code", "name")
    )


def stores_serving(village: Place) -> QuerySet[Store]:
    return Store.objects.filter(villages=village).select_related("village").order_by("name")


def neighbours_of(village: Place) -> QuerySet[Place]:
    """The villages a store of ``village`` may serve: those of its township."""
    return Place.objects.filter(kind=Place.Kind.VILLAGE, parent_id=village.parent_id).order_by(
        "code"
    )


@dataclass(frozen=True)
class Shelf:
    """The goods of one category."""

    category: str
    label: str
    goods: list[Good]


def shelves(goods: Iterable[Good]) -> list[Shelf]:
    """Goods grouped by category, in the order of the categories."""
    order = {value: index for index, value in enumerate(Good.Category.values)}
    ordered = sorted(goods, key=lambda good: (order[good.category], good.name))
    labels = dict(Good.Category.choices)
    return [
        Shelf(category=category, label=str(labels[category]), goods=list(group))
        for category, group in groupby(ordered, key=lambda good: good.category)
    ]


@dataclass(frozen=True)
class StoreShelves:
    store: Store
    shelves: list[Shelf]


def stores_with_shelves(village: Place) -> list[StoreShelves]:
    """The stores serving a village, each with its goods on sale by category (two queries)."""
    stores = list(stores_serving(village))
    goods = Good.objects.filter(store__in=stores, on_sale=True)
    by_store: dict[int, list[Good]] = {store.pk: [] for store in stores}
    for good in goods:
        by_store[good.store_id].append(good)
    return [StoreShelves(store=store, shelves=shelves(by_store[store.pk])) for store in stores]


def store_goods(store: Store) -> QuerySet[Good]:
    return Good.objects.filter(store=store).order_by("category", "name")


def goods_on_sale(store: Store) -> QuerySet[Good]:
    return store_goods(store).filter(on_sale=True)


def stock_history(store: Store, limit: int = 200) -> QuerySet[StockIn]:
    return StockIn.objects.filter(good__store=store).select_related("good", "received_by")[:limit]


# Households at the counter


def served_household(store: Store, token: str) -> Household | None:
    """The household with this door-plate token, if the store serves its village."""
    return (
        Household.objects.filter(public_token=token, village__served_by=store)
        .select_related("village", "head")
        .first()
    )


def search_served_households(store: Store, query: str) -> list[Household]:
    """Households of the villages the store serves, by door plate or by the head's name."""
    query = query.strip()
    if not query:
        return []
    return list(
        Household.objects.filter(village__served_by=store)
        .filter(Q(door_plate__icontains=query) | Q(head__name__contains=query))
        .select_related("village", "head")
        .order_by("village__code", "door_plate")[:SEARCH_LIMIT]
    )


def spendable_balance(household: Household) -> int:
    found = (
        Account.objects.filter(
            household=household, kind=Account.Kind.HOUSEHOLD, measure=Measure.SPENDABLE
        )
        .values_list("balance", flat=True)
        .first()
    )
    return found or 0


# Redemptions


def _with_lines(redemptions: QuerySet[Redemption]) -> QuerySet[Redemption]:
    return redemptions.select_related(
        "store", "household__head", "village", "created_by", "closed_by"
    ).prefetch_related(
        Prefetch(
            "lines",
            queryset=RedemptionLine.objects.select_related("good").order_by("good__name"),
        )
    )


def store_redemptions(store: Store) -> QuerySet[Redemption]:
    """Every redemption at the store, newest first (paginate it)."""
    return _with_lines(Redemption.objects.filter(store=store)).order_by("-created_at", "-pk")


def waiting_orders(store: Store) -> QuerySet[Redemption]:
    """Online orders waiting for pickup, the soonest deadline first."""
    return _with_lines(
        Redemption.objects.filter(store=store, status=Redemption.Status.ORDERED)
    ).order_by("pickup_by", "pk")


def household_redemptions(household: Household, limit: int = 50) -> QuerySet[Redemption]:
    return _with_lines(Redemption.objects.filter(household=household)).order_by(
        "-created_at", "-pk"
    )[:limit]


def redemption_at(store: Store, pk: int) -> Redemption | None:
    return _with_lines(Redemption.objects.filter(store=store, pk=pk)).first()


@dataclass(frozen=True)
class Line:
    """A line of a receipt or of a basket under review."""

    name: str
    quantity: int
    unit_price: int

    @property
    def points(self) -> int:
        return self.quantity * self.unit_price


def receipt_lines(redemption: Redemption) -> list[Line]:
    """The lines as redeemed, at the prices of that day (``redemption`` has its lines)."""
    return [
        Line(name=line.good.name, quantity=line.quantity, unit_price=line.unit_price)
        for line in redemption.lines.all()
    ]


def basket_lines(basket: Basket) -> list[Line]:
    return [
        Line(name=good.name, quantity=quantity, unit_price=good.price)
        for good, quantity in basket.lines
    ]


# Liability


@dataclass(frozen=True)
class LiabilityRow:
    """One village's outstanding spendable points, valued in yuan."""

    village: Place
    outstanding_points: int
    point_value: Decimal
    liability: Decimal
    budget: Decimal
    budget_share: int | None

    @classmethod
    def of(cls, liability: Liability) -> LiabilityRow:
        return cls(
            village=liability.village,
            outstanding_points=liability.outstanding_points,
            point_value=yuan(liability.point_value_fen),
            liability=yuan(liability.liability_fen),
            budget=yuan(liability.budget_fen),
            budget_share=liability.budget_share,
        )


@dataclass(frozen=True)
class StoreLiability:
    store: Store
    rows: list[LiabilityRow]

    @property
    def outstanding_points(self) -> int:
        return sum(row.outstanding_points for row in self.rows)

    @property
    def liability(self) -> Decimal:
        return sum((row.liability for row in self.rows), Decimal("0.00"))

    @property
    def budget(self) -> Decimal:
        return sum((row.budget for row in self.rows), Decimal("0.00"))


@dataclass(frozen=True)
class LiabilityReport:
    village: LiabilityRow
    stores: list[StoreLiability]

    @property
    def village_rows(self) -> list[LiabilityRow]:
        return [self.village]


def liability_report(village: Place) -> LiabilityReport:
    """The village's liability, and per store it runs, the liability of each village served."""
    stores = list(
        Store.objects.filter(village=village)
        .prefetch_related(Prefetch("villages", queryset=Place.objects.order_by("code")))
        .order_by("name")
    )
    places = {village.pk: village} | {
        place.pk: place for store in stores for place in store.villages.all()
    }
    rows = {row.village.pk: LiabilityRow.of(row) for row in liabilities(list(places.values()))}
    return LiabilityReport(
        village=rows[village.pk],
        stores=[
            StoreLiability(store=store, rows=[rows[place.pk] for place in store.villages.all()])
            for store in stores
        ],
    )


LIABILITY_HEADERS = [
    gettext_noop("Store"),
    gettext_noop("Village"),
    gettext_noop("Outstanding spendable points"),
    gettext_noop("Value of a point (yuan)"),
    gettext_noop("Liability (yuan)"),
    gettext_noop("Budget (yuan)"),
    gettext_noop("Share of the budget (%)"),
]


def liability_workbook(report: LiabilityReport) -> bytes:
    """The liability report as .xlsx: the village's own row, then a row per store and village."""
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title=_("Liability")[:31])
    sheet.append([_(header) for header in LIABILITY_HEADERS])

    def line(store: str, row: LiabilityRow) -> list[object]:
        return [
            store,
            row.village.name,
            row.outstanding_points,
            row.point_value,
            row.liability,
            row.budget,
            row.budget_share,
        ]

    sheet.append(line(_("(the whole village)"), report.village))
    for store in report.stores:
        for row in store.rows:
            sheet.append(line(store.store.name, row))
    buffer = BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
