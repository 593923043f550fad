"""Campaigns (a village's time-limited drives, inspected in rounds) and the red and black lists.

A campaign (灭蚊行动, 门前三包 …) has its own checklist items and inspection rounds; in a round
grid members pass or fail each household of their grid. Red and black boards (红黑榜) are built
per month or per campaign, edited and confirmed by the village committee; a confirmed board is
never edited again, only one entry withdrawn with a reason. A black-list entry expires by
itself: selectors hide it after ``expires_on``.
"""

from __future__ import annotations

from datetime import date

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from jifen.places.models import Household, Place
from jifen.records.models import Record


class Campaign(models.Model):
    village = models.ForeignKey(Place, on_delete=models.PROTECT, related_name="campaigns")
    title = models.CharField(_("title"), max_length=60)
    description = models.CharField(_("description"), max_length=500, blank=True)
    starts_on = models.DateField(_("starts on"))
    ends_on = models.DateField(_("ends on"))
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField()

    class Meta:
        ordering = ["village", "-starts_on", "-id"]
        constraints = [
            models.CheckConstraint(
                name="campaign_ends_after_start", condition=Q(ends_on__gte=F("starts_on"))
            ),
        ]
        indexes = [
            # The village's campaigns, newest first.
            models.Index(fields=["village", "-starts_on"], name="campaign_village_start"),
        ]

    def __str__(self) -> str:
        return self.title


class CampaignItem(models.Model):
    """One line of the campaign's checklist (e.g. 清除积水容器)."""

    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="items")
    position = models.PositiveSmallIntegerField()
    title = models.CharField(_("item"), max_length=60)

    class Meta:
        ordering = ["campaign", "position"]
        constraints = [
            models.UniqueConstraint(fields=["campaign", "position"], name="campaign_item_position"),
        ]

    def __str__(self) -> str:
        return self.title


class Round(models.Model):
    """An inspection round of a campaign: households are inspected from ``starts_on`` to
    ``ends_on`` (both included)."""

    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="rounds")
    number = models.PositiveSmallIntegerField()
    starts_on = models.DateField(_("starts on"))
    ends_on = models.DateField(_("ends on"))

    class Meta:
        ordering = ["campaign", "number"]
        constraints = [
            models.UniqueConstraint(fields=["campaign", "number"], name="round_unique_number"),
            models.CheckConstraint(
                name="round_ends_after_start", condition=Q(ends_on__gte=F("starts_on"))
            ),
        ]

    def __str__(self) -> str:
        return f"{self.campaign} #{self.number}"

    def is_open_on(self, day: date) -> bool:
        return self.starts_on <= day <= self.ends_on


class Inspection(models.Model):
    """One household inspected in one round: passed, or failed on the items named."""

    round = models.ForeignKey(Round, on_delete=models.CASCADE, related_name="inspections")
    village = models.ForeignKey(Place, on_delete=models.PROTECT, related_name="+")
    household = models.ForeignKey(
        Household, on_delete=models.PROTECT, related_name="campaign_inspections"
    )
    passed = models.BooleanField()
    failed_items = models.ManyToManyField(CampaignItem, blank=True, related_name="+")
    note = models.CharField(_("note"), max_length=200, blank=True)
    inspector = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    inspected_at = models.DateTimeField()

    class Meta:
        ordering = ["round", "household"]
        constraints = [
            # Inspecting a household again in the same round replaces the result (an upsert).
            models.UniqueConstraint(fields=["round", "household"], name="inspection_once_a_round"),
        ]

    def __str__(self) -> str:
        return f"{self.household} {'✓' if self.passed else '✗'}"


class Board(models.Model):
    """A red and black board (红黑榜) of a village, for a month or for a campaign."""

    class Kind(models.TextChoices):
        MONTH = "month", _("monthly")
        CAMPAIGN = "campaign", _("campaign")

    class Status(models.TextChoices):
        DRAFT = "draft", _("draft")
        CONFIRMED = "confirmed", _("confirmed")

    village = models.ForeignKey(Place, on_delete=models.PROTECT, related_name="list_boards")
    kind = models.CharField(max_length=10, choices=Kind.choices)
    # The first day of the month, for a monthly board.
    month = models.DateField(null=True, blank=True)
    campaign = models.ForeignKey(
        Campaign, null=True, blank=True, on_delete=models.PROTECT, related_name="boards"
    )
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.DRAFT)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField()
    confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    confirmed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["village", "-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                name="board_month_or_campaign",
                condition=Q(kind="month", month__isnull=False, campaign__isnull=True)
                | Q(kind="campaign", month__isnull=True, campaign__isnull=False),
            ),
            models.UniqueConstraint(
                fields=["village", "month"], condition=Q(kind="month"), name="board_one_a_month"
            ),
            models.UniqueConstraint(
                fields=["campaign"], condition=Q(kind="campaign"), name="board_one_a_campaign"
            ),
            models.CheckConstraint(
                name="board_confirmed_has_time",
                condition=Q(status="draft", confirmed_at__isnull=True)
                | Q(status="confirmed", confirmed_at__isnull=False),
            ),
        ]
        indexes = [
            # The lists page: a village's confirmed boards, newest first.
            models.Index(
                fields=["village", "status", "-confirmed_at"], name="board_village_status"
            ),
        ]

    def __str__(self) -> str:
        if self.kind == Board.Kind.MONTH and self.month is not None:
            return f"{self.month:%Y-%m}"
        return f"campaign {self.campaign_id}"

    @property
    def is_confirmed(self) -> bool:
        return self.status == Board.Status.CONFIRMED


class Entry(models.Model):
    """A household on a board: red (honoured) or black (named), and why."""

    class Colour(models.TextChoices):
        RED = "red", _("red list")
        BLACK = "black", _("black list")

    board = models.ForeignKey(Board, on_delete=models.CASCADE, related_name="entries")
    household = models.ForeignKey(Household, on_delete=models.PROTECT, related_name="list_entries")
    colour = models.CharField(max_length=5, choices=Colour.choices)
    # Shown exactly as the committee wrote it (built from the candidate, editable in the draft).
    reason = models.CharField(_("reason"), max_length=300)
    # What lies behind the entry: the records of the month, or the campaign's inspections.
    records = models.ManyToManyField(Record, blank=True, related_name="+")
    inspections = models.ManyToManyField(Inspection, blank=True, related_name="+")
    # Black-list entries only: what must be put right, by when, and when the entry expires.
    remedy = models.CharField(_("what must be put right"), max_length=300, blank=True)
    remedy_by = models.DateField(_("put right by"), null=True, blank=True)
    expires_on = models.DateField(_("expires after"), null=True, blank=True)
    added_by_hand = models.BooleanField(default=False)
    withdrawn_at = models.DateTimeField(null=True, blank=True)
    withdrawn_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    withdrawal_reason = models.CharField(max_length=300, blank=True)
    # When the household was told the entry expired (tell_expired tells it once).
    expiry_told_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["board", "colour", "household__door_plate", "id"]
        constraints = [
            models.UniqueConstraint(fields=["board", "household"], name="entry_once_a_board"),
            models.CheckConstraint(
                name="entry_expires_after_remedy",
                condition=Q(expires_on__isnull=True)
                | Q(remedy_by__isnull=True)
                | Q(expires_on__gt=F("remedy_by")),
            ),
            models.CheckConstraint(
                name="entry_red_has_no_remedy",
                condition=~Q(colour="red") | Q(remedy="", remedy_by__isnull=True),
            ),
            models.CheckConstraint(
                name="entry_withdrawal_has_reason",
                condition=Q(withdrawn_at__isnull=True) | ~Q(withdrawal_reason=""),
            ),
        ]
        indexes = [
            # tell_expired: black entries past their expiry not yet told.
            models.Index(
                fields=["expires_on"],
                condition=Q(colour="black", expiry_told_at__isnull=True),
                name="entry_expiry_untold",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.Colour(self.colour).label} {self.household_id}"

    @property
    def is_black(self) -> bool:
        return self.colour == Entry.Colour.BLACK
