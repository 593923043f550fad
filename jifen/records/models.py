"""Records of deeds: declared, recorded, inspected, deducted, reported; reviewed and announced.

A record moves: pending → approved → on notice → posted, or → rejected, or (objection upheld)
→ void. Only the ledger app posts; posted records are never changed again.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from jifen.places.models import Household, Place, Resident
from jifen.rules.models import Item, RulebookVersion


class Notice(models.Model):
    """A public notice (公示) on the village board: approved records, open for objections."""

    village = models.ForeignKey(Place, on_delete=models.PROTECT, related_name="notices")
    opened_at = models.DateTimeField()
    closes_at = models.DateTimeField()

    class Meta:
        ordering = ["village", "-opened_at"]
        indexes = [
            # The posting job: notices whose window has closed.
            models.Index(fields=["closes_at"], name="notice_closes_at"),
        ]

    def __str__(self) -> str:
        return f"{self.village} {self.opened_at:%Y-%m-%d}"


class InspectionRound(models.Model):
    """A grid member's pass over every household of a grid against a set of items."""

    village = models.ForeignKey(Place, on_delete=models.PROTECT, related_name="inspections")
    grid = models.ForeignKey("places.Grid", on_delete=models.PROTECT)
    title = models.CharField(_("title"), max_length=80)
    held_on = models.DateField(_("held on"))
    inspector = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    items = models.ManyToManyField(Item, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return self.title


class Record(models.Model):
    class Route(models.TextChoices):
        DECLARED = "declared", _("declared by the household")
        RECORDED = "recorded", _("recorded by a grid member or cadre")
        PROXY = "proxy", _("recorded on the household's behalf")
        INSPECTION = "inspection", _("inspection round")
        DEDUCTION = "deduction", _("deduction by a cadre")
        REPORT = "report", _("neighbour's report, verified")
        CORRECTION = "correction", _("correction of a posted record")

    class Status(models.TextChoices):
        PENDING = "pending", _("waiting for review")
        REJECTED = "rejected", _("rejected")
        ON_NOTICE = "on_notice", _("on public notice")
        OBJECTED = "objected", _("objection under review")
        VOID = "void", _("void (objection upheld)")
        POSTED = "posted", _("posted")

    # No indexes of their own: the indexes below start with them.
    village = models.ForeignKey(
        Place, on_delete=models.PROTECT, related_name="records", db_index=False
    )
    household = models.ForeignKey(
        Household, on_delete=models.PROTECT, related_name="records", db_index=False
    )
    person = models.ForeignKey(Resident, null=True, blank=True, on_delete=models.PROTECT)
    item = models.ForeignKey(Item, on_delete=models.PROTECT, related_name="records")
    rule_version = models.ForeignKey(RulebookVersion, on_delete=models.PROTECT, related_name="+")
    quantity = models.PositiveIntegerField(default=1)
    # item.points × quantity, fixed when recorded; a correction holds the negated points.
    points = models.IntegerField()
    description = models.TextField(_("description"), blank=True, max_length=500)
    occurred_on = models.DateField(_("date of the deed"))
    route = models.CharField(max_length=12, choices=Route.choices)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    recorded_as = models.CharField(max_length=20)
    recorded_at = models.DateTimeField()
    inspection = models.ForeignKey(InspectionRound, null=True, blank=True, on_delete=models.PROTECT)
    corrects = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="corrections"
    )
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    reviewed_at = models.DateTimeField(null=True, blank=True)
    review_reason = models.CharField(_("reason"), max_length=200, blank=True)
    notice = models.ForeignKey(
        Notice, null=True, blank=True, on_delete=models.PROTECT, related_name="records"
    )
    posted_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["village", "-recorded_at", "-id"]
        constraints = [
            models.CheckConstraint(name="record_points_not_zero", condition=~Q(points=0)),
            models.CheckConstraint(
                name="record_correction_names_original",
                condition=Q(route="correction", corrects__isnull=False)
                | (~Q(route="correction") & Q(corrects__isnull=True)),
            ),
            models.CheckConstraint(
                name="record_reviewer_is_not_recorder",
                condition=Q(reviewed_by__isnull=True) | ~Q(reviewed_by=models.F("recorded_by")),
            ),
            models.UniqueConstraint(
                fields=["corrects"],
                condition=Q(status__in=["pending", "on_notice", "objected", "posted"]),
                name="record_one_live_correction",
            ),
        ]
        indexes = [
            # The reviewer's queue: a village's records waiting for review, oldest first.
            models.Index(fields=["village", "status", "recorded_at"], name="record_village_status"),
            # A household's records (the villager's page, caps per period).
            models.Index(fields=["household", "item", "occurred_on"], name="record_household_item"),
            # The dashboards' live month: a village's records posted in a month.
            models.Index(fields=["village", "status", "posted_at"], name="record_village_posted"),
        ]

    def __str__(self) -> str:
        # No related rows here: audit labels are built in bulk.
        return f"{self.Route(self.route).label} {self.points:+d}"


class RecordPhoto(models.Model):
    record = models.ForeignKey(Record, on_delete=models.PROTECT, related_name="photos")
    image = models.ImageField(upload_to="records/%Y/%m/")
    width = models.PositiveIntegerField()
    height = models.PositiveIntegerField()

    def __str__(self) -> str:
        return str(self.image.name)


class Objection(models.Model):
    class Outcome(models.TextChoices):
        OPEN = "open", _("under review")
        UPHELD = "upheld", _("upheld: the record is void")
        DISMISSED = "dismissed", _("dismissed: the record goes on")

    record = models.ForeignKey(Record, on_delete=models.PROTECT, related_name="objections")
    raised_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    reason = models.CharField(_("reason"), max_length=300)
    raised_at = models.DateTimeField()
    outcome = models.CharField(max_length=10, choices=Outcome.choices, default=Outcome.OPEN)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    decision_reason = models.CharField(_("reason"), max_length=300, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["record"], condition=Q(outcome="open"), name="objection_one_open"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.record}: {self.reason[:30]}"


class Report(models.Model):
    """A neighbour's report of a deed worth a deduction; nothing is deducted until verified."""

    class Status(models.TextChoices):
        WAITING = "waiting", _("waiting for verification")
        CONFIRMED = "confirmed", _("verified: a deduction was recorded")
        DISMISSED = "dismissed", _("not confirmed")

    village = models.ForeignKey(Place, on_delete=models.PROTECT, related_name="reports")
    household = models.ForeignKey(Household, on_delete=models.PROTECT, related_name="reports")
    item = models.ForeignKey(Item, on_delete=models.PROTECT)
    description = models.CharField(_("what happened"), max_length=300)
    occurred_on = models.DateField()
    reported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    reported_at = models.DateTimeField()
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.WAITING)
    verified_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    verification_note = models.CharField(max_length=300, blank=True)
    record = models.OneToOneField(Record, null=True, blank=True, on_delete=models.PROTECT)

    def __str__(self) -> str:
        return f"{self.household}: {self.description[:30]}"
