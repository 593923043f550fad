"""The points supermarket (积分超市): stores, goods, stock, and redemptions.

A redemption takes spendable points and stock in one transaction: both or neither. Stock can
never go negative (a database constraint says so); points are checked under the ledger's
locks. A cancelled redemption returns both through a reversing posting.
"""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from jifen.accounts.models import User
from jifen.ledger.models import Posting
from jifen.places.models import Household, Place


class Store(models.Model):
    """A supermarket run by a village; it may serve its neighbours too."""

    village = models.ForeignKey(Place, on_delete=models.PROTECT, related_name="stores")
    name = models.CharField(_("name"), max_length=60)
    # The villages whose households redeem here, the store's own village among them.
    villages = models.ManyToManyField(Place, related_name="served_by", verbose_name=_("serves"))
    # Days an online order waits for pickup before it lapses and the points return.
    pickup_days = models.PositiveSmallIntegerField(_("days to pick up an order"), default=7)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["village", "name"]
        constraints = [
            models.CheckConstraint(
                name="store_pickup_days", condition=Q(pickup_days__gte=1, pickup_days__lte=60)
            ),
        ]

    def __str__(self) -> str:
        return self.name


class Good(models.Model):
    class Category(models.TextChoices):
        DAILY = "daily", _("daily necessities")
        FOOD = "food", _("food and cooking")
        CLEANING = "cleaning", _("cleaning")
        STUDY = "study", _("study and stationery")
        FARM = "farm", _("farm supplies")
        OTHER = "other", _("other")

    store = models.ForeignKey(Store, on_delete=models.PROTECT, related_name="goods")
    name = models.CharField(_("name"), max_length=60)
    category = models.CharField(
        _("category"), max_length=10, choices=Category.choices, default=Category.DAILY
    )
    price = models.PositiveIntegerField(_("price (points)"))
    # Changed only by stock-in records and redemptions, with F() under a row lock.
    stock = models.IntegerField(_("stock"), default=0)
    low_stock_at = models.PositiveIntegerField(_("warn when stock falls to"), default=5)
    photo = models.ImageField(_("photo"), upload_to="goods/%Y/", blank=True)
    on_sale = models.BooleanField(_("on sale"), default=True)

    class Meta:
        ordering = ["store", "category", "name"]
        constraints = [
            models.CheckConstraint(name="good_stock_not_negative", condition=Q(stock__gte=0)),
            models.CheckConstraint(name="good_price_positive", condition=Q(price__gte=1)),
            models.UniqueConstraint(fields=["store", "name"], name="good_unique_name"),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def is_low(self) -> bool:
        return self.stock <= self.low_stock_at


class StockIn(models.Model):
    """Goods received into a store: the only way stock grows."""

    good = models.ForeignKey(Good, on_delete=models.PROTECT, related_name="stock_ins")
    quantity = models.PositiveIntegerField(_("quantity"))
    note = models.CharField(_("note"), max_length=200, blank=True)
    received_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    received_at = models.DateTimeField()

    class Meta:
        ordering = ["-received_at"]
        constraints = [
            models.CheckConstraint(name="stock_in_positive", condition=Q(quantity__gte=1)),
        ]

    def __str__(self) -> str:
        return f"{self.good} +{self.quantity}"


class Redemption(models.Model):
    class Channel(models.TextChoices):
        COUNTER = "counter", _("at the counter")
        ONLINE = "online", _("ordered online for pickup")

    class Status(models.TextChoices):
        ORDERED = "ordered", _("waiting for pickup")
        HANDED_OVER = "handed_over", _("handed over")
        CANCELLED = "cancelled", _("cancelled")
        LAPSED = "lapsed", _("not picked up in time")

    store = models.ForeignKey(Store, on_delete=models.PROTECT, related_name="redemptions")
    household = models.ForeignKey(Household, on_delete=models.PROTECT, related_name="redemptions")
    # The household's village: whose ledger the points come from.
    village = models.ForeignKey(Place, on_delete=models.PROTECT, related_name="+")
    channel = models.CharField(max_length=10, choices=Channel.choices)
    status = models.CharField(max_length=12, choices=Status.choices)
    points = models.PositiveIntegerField()
    # Whether points were taken: the village may choose that redemption deducts nothing.
    deducted = models.BooleanField()
    posting = models.OneToOneField(
        Posting, null=True, blank=True, on_delete=models.PROTECT, related_name="redemption"
    )
    # The reversing posting of a cancelled or lapsed redemption that had deducted points.
    reversal = models.OneToOneField(
        Posting, null=True, blank=True, on_delete=models.PROTECT, related_name="reversed"
    )
    created_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField()
    pickup_by = models.DateTimeField(null=True, blank=True)
    closed_by = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    closed_at = models.DateTimeField(null=True, blank=True)
    cancel_reason = models.CharField(_("reason"), max_length=200, blank=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(
                name="redemption_status_known",
                condition=Q(status__in=["ordered", "handed_over", "cancelled", "lapsed"]),
            ),
            models.CheckConstraint(
                name="redemption_posted_iff_deducted",
                condition=Q(deducted=True, posting__isnull=False)
                | Q(deducted=False, posting__isnull=True),
            ),
            models.CheckConstraint(
                name="redemption_reversed_only_when_undone",
                condition=Q(reversal__isnull=True) | Q(status__in=["cancelled", "lapsed"]),
            ),
            models.CheckConstraint(
                name="redemption_online_has_pickup",
                condition=Q(channel="counter") | Q(pickup_by__isnull=False),
            ),
        ]
        indexes = [
            # The keeper's list of orders waiting, and the lapse job.
            models.Index(fields=["store", "status", "pickup_by"], name="redemption_store_status"),
            # A household's redemptions, newest first.
            models.Index(fields=["household", "-created_at"], name="redemption_household"),
        ]

    def __str__(self) -> str:
        return f"{self.household} −{self.points}"


class RedemptionLine(models.Model):
    redemption = models.ForeignKey(Redemption, on_delete=models.PROTECT, related_name="lines")
    good = models.ForeignKey(Good, on_delete=models.PROTECT, related_name="+")
    quantity = models.PositiveIntegerField()
    # The price when redeemed: a later price change does not rewrite history.
    unit_price = models.PositiveIntegerField()

    class Meta:
        constraints = [
            models.CheckConstraint(name="line_quantity_positive", condition=Q(quantity__gte=1)),
            models.UniqueConstraint(fields=["redemption", "good"], name="line_one_per_good"),
        ]

    def __str__(self) -> str:
        return f"{self.good} ×{self.quantity}"


class SpendableLapse(models.Model):
    """The year-end lapse of a village's unspent points: once per village and year."""

    village = models.ForeignKey(Place, on_delete=models.PROTECT, related_name="+")
    year = models.PositiveSmallIntegerField()
    posting = models.OneToOneField(
        Posting, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    points = models.BigIntegerField(default=0)
    households = models.PositiveIntegerField(default=0)
    done_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["village", "year"], name="lapse_once_a_year"),
        ]

    def __str__(self) -> str:
        return f"{self.village} {self.year}"
