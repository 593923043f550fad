"""Three-affairs disclosure (三务公开): party affairs, village affairs and finances, published
per period on the village's schedule, signed off by the supervisory committee, never changed.

A period (a month, a quarter, a year, or a major item published at once) is due on a day after
it ends. A cadre drafts a publication of the period, a supervisory committee member signs it off
(or returns it), a cadre publishes it. Once published, a publication and its items are frozen by
the database itself (migration 0002); a correction is a new version of the same period that
names the version it corrects and why. Whether a version is superseded is derived, never stored.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from jifen.places.models import Place
from jifen.talk.models import Matter


class Kind(models.TextChoices):
    PARTY = "party", _("Party affairs")
    VILLAGE = "village", _("Village affairs")
    FINANCE = "finance", _("Finance")


class Cadence(models.TextChoices):
    MONTHLY = "monthly", _("Monthly")
    QUARTERLY = "quarterly", _("Quarterly")
    YEARLY = "yearly", _("Yearly")


class Schedule(models.Model):
    """How often a village publishes one kind, and by which day of the month after the period."""

    Kind = Kind
    Cadence = Cadence

    village = models.ForeignKey(
        Place, on_delete=models.PROTECT, related_name="disclosure_schedules"
    )
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    cadence = models.CharField(_("how often"), max_length=10, choices=Cadence.choices)
    due_day = models.PositiveSmallIntegerField(_("due by this day of the month after"))
    updated_at = models.DateTimeField()
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["village", "kind"]
        constraints = [
            models.UniqueConstraint(fields=["village", "kind"], name="schedule_one_per_kind"),
            models.CheckConstraint(
                name="schedule_kind_known", condition=Q(kind__in=["party", "village", "finance"])
            ),
            models.CheckConstraint(
                name="schedule_cadence_known",
                condition=Q(cadence__in=["monthly", "quarterly", "yearly"]),
            ),
            models.CheckConstraint(
                name="schedule_due_day_in_month", condition=Q(due_day__gte=1, due_day__lte=28)
            ),
        ]

    def __str__(self) -> str:
        return f"{self.village} · {self.get_kind_display()}"


class Period(models.Model):
    """What one publication covers: a month, a quarter, a year, or a major item (ad hoc)."""

    Kind = Kind

    village = models.ForeignKey(Place, on_delete=models.PROTECT, related_name="disclosure_periods")
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    starts_on = models.DateField()
    ends_on = models.DateField()
    due_on = models.DateField()
    # A major item published at once, outside the schedule; its title says what it is.
    is_ad_hoc = models.BooleanField(default=False)
    title = models.CharField(_("what the item is"), max_length=80, blank=True)
    opened_at = models.DateTimeField()

    class Meta:
        ordering = ["village", "kind", "-starts_on"]
        constraints = [
            # open_periods() relies on this to be idempotent.
            models.UniqueConstraint(
                fields=["village", "kind", "starts_on"],
                condition=Q(is_ad_hoc=False),
                name="period_one_per_start",
            ),
            models.CheckConstraint(
                name="period_kind_known", condition=Q(kind__in=["party", "village", "finance"])
            ),
            models.CheckConstraint(
                name="period_ends_after_start", condition=Q(ends_on__gte=F("starts_on"))
            ),
            models.CheckConstraint(
                name="period_due_after_start", condition=Q(due_on__gte=F("starts_on"))
            ),
            models.CheckConstraint(
                name="period_ad_hoc_has_title", condition=Q(is_ad_hoc=False) | ~Q(title="")
            ),
        ]
        indexes = [
            # timeliness(): the periods of some villages falling due in a range of months.
            models.Index(fields=["village", "due_on"], name="period_village_due"),
        ]

    def __str__(self) -> str:
        if self.is_ad_hoc:
            return f"{self.title} ({self.starts_on:%Y-%m-%d})"
        if self.starts_on.month == self.ends_on.month:
            return f"{self.starts_on:%Y-%m}"
        return f"{self.starts_on:%Y-%m} – {self.ends_on:%Y-%m}"


class Publication(models.Model):
    """One version of a period's publication. Version 1 is the first; a correction is the next
    version, copying the items of the version it corrects, with a reason."""

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        SUBMITTED = "submitted", _("Awaiting sign-off")
        SIGNED_OFF = "signed_off", _("Signed off")
        PUBLISHED = "published", pgettext_lazy("status", "Published")

    period = models.ForeignKey(Period, on_delete=models.PROTECT, related_name="publications")
    version = models.PositiveIntegerField(default=1)
    corrects = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="corrections"
    )
    correction_reason = models.CharField(_("why it is corrected"), max_length=300, blank=True)
    title = models.CharField(_("title"), max_length=80)
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.DRAFT)
    drafted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField()
    submitted_at = models.DateTimeField(null=True, blank=True)
    # The last time a supervisor sent it back, and why (kept after it is resubmitted).
    returned_at = models.DateTimeField(null=True, blank=True)
    returned_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    return_reason = models.CharField(max_length=300, blank=True)
    signed_off_at = models.DateTimeField(null=True, blank=True)
    signed_off_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    published_at = models.DateTimeField(null=True, blank=True)
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    # Finance only, in fen. The opening balance is carried from the previous statement's
    # closing balance when it is published (entered by hand only for a village's first one).
    opening_balance = models.BigIntegerField(null=True, blank=True)
    closing_balance = models.BigIntegerField(null=True, blank=True)

    class Meta:
        ordering = ["period", "version"]
        constraints = [
            models.UniqueConstraint(
                fields=["period", "version"], name="publication_one_per_version"
            ),
            # One version in the works per period: a second "start" finds the first.
            models.UniqueConstraint(
                fields=["period"],
                condition=Q(published_at__isnull=True),
                name="publication_one_draft_per_period",
            ),
            models.CheckConstraint(
                name="publication_version_positive", condition=Q(version__gte=1)
            ),
            models.CheckConstraint(
                name="publication_correction_has_reason",
                condition=Q(version=1, corrects__isnull=True, correction_reason="")
                | (Q(version__gt=1, corrects__isnull=False) & ~Q(correction_reason="")),
            ),
            models.CheckConstraint(
                name="publication_status_known",
                condition=Q(status__in=["draft", "submitted", "signed_off", "published"]),
            ),
            # The guarantee behind "the supervisory committee checks before publication".
            models.CheckConstraint(
                name="publication_published_signed_off",
                condition=Q(published_at__isnull=True)
                | Q(signed_off_at__isnull=False, signed_off_by__isnull=False),
            ),
            models.CheckConstraint(
                name="publication_published_status",
                condition=Q(
                    status="published", published_at__isnull=False, published_by__isnull=False
                )
                | (~Q(status="published") & Q(published_at__isnull=True)),
            ),
            models.CheckConstraint(
                name="publication_signed_off_by_another",
                condition=Q(signed_off_by__isnull=True) | ~Q(signed_off_by=F("drafted_by")),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.title} v{self.version}"

    @property
    def is_published(self) -> bool:
        return self.published_at is not None

    @property
    def is_finance(self) -> bool:
        return self.period.kind == Kind.FINANCE


class Item(models.Model):
    """A line of a publication: for finance a line of the statement (date, item, income or
    expense, amount in fen, voucher), otherwise a heading and its text."""

    class Direction(models.TextChoices):
        INCOME = "income", _("Income")
        EXPENSE = "expense", _("Expense")

    publication = models.ForeignKey(Publication, on_delete=models.PROTECT, related_name="items")
    position = models.PositiveIntegerField()
    title = models.CharField(_("item"), max_length=120)
    text = models.TextField(_("details"), max_length=2000, blank=True)
    occurred_on = models.DateField(_("date"), null=True, blank=True)
    direction = models.CharField(max_length=8, choices=Direction.choices, blank=True)
    amount = models.BigIntegerField(_("amount (fen)"), null=True, blank=True)
    voucher = models.CharField(_("voucher number"), max_length=30, blank=True)
    attachment = models.FileField(upload_to="disclosure/%Y/%m/", blank=True)
    # In a correction: the line of the corrected version this one started as a copy of.
    copied_from = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="copies"
    )

    class Meta:
        ordering = ["publication", "position"]
        constraints = [
            models.UniqueConstraint(
                fields=["publication", "position"], name="item_one_per_position"
            ),
            models.CheckConstraint(
                name="item_money_line_complete",
                condition=Q(direction="", amount__isnull=True)
                | Q(
                    direction__in=["income", "expense"],
                    amount__gt=0,
                    occurred_on__isnull=False,
                ),
            ),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def signed_amount(self) -> int:
        amount = self.amount or 0
        return -amount if self.direction == self.Direction.EXPENSE else amount


class Question(models.Model):
    """A villager's question about an item: a Villagers Talk matter, linked back here."""

    publication = models.ForeignKey(Publication, on_delete=models.PROTECT, related_name="questions")
    item = models.ForeignKey(Item, on_delete=models.PROTECT, related_name="questions")
    matter = models.OneToOneField(
        Matter, on_delete=models.PROTECT, related_name="disclosure_question"
    )
    asked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    asked_at = models.DateTimeField()

    class Meta:
        ordering = ["item", "asked_at"]

    def __str__(self) -> str:
        return str(self.matter)


class OverdueNotice(models.Model):
    """That the village and township were told a period is overdue: once per period."""

    period = models.OneToOneField(Period, on_delete=models.PROTECT, related_name="overdue_notice")
    sent_at = models.DateTimeField()

    def __str__(self) -> str:
        return str(self.period)
