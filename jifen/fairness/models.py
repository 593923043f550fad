"""Fairness flags: warning signs computed from a village's records, reviewed by the township.

A flag is identified by its village, kind and ``subject_key`` (the household, recorder, pair or
close it is about), so that computing again updates it instead of adding another. Its figures
are stored as computed, so the explanation in words reads the same later.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from jifen.places.models import Household, Place


class Flag(models.Model):
    class Kind(models.TextChoices):
        CADRE_HOUSEHOLD = "cadre_household", _("Cadre household far above the village")
        RECORDER_HOUSEHOLD = "recorder_household", _("One recorder scoring one household often")
        CLOSING_BURST = "closing_burst", _("Burst of records before a close")
        REVERSALS = "reversals", _("Reversals concentrated on one recorder")

    village = models.ForeignKey(Place, on_delete=models.PROTECT, related_name="fairness_flags")
    kind = models.CharField(max_length=20, choices=Kind.choices)
    # What the flag is about, stable across computations: "household:12:2026",
    # "recorder:5:household:12", "close:2026-12-31", "recorder:5".
    subject_key = models.CharField(max_length=60)
    household = models.ForeignKey(
        Household, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    recorder = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    window_start = models.DateField()
    window_end = models.DateField()
    # The numbers the explanation is built from: integers and decimal strings, never floats
    # for points; probabilities as written ("3.1e-07").
    figures = models.JSONField(default=dict)
    records = models.ManyToManyField("records.Record", related_name="+", blank=True)
    first_raised_at = models.DateTimeField()
    computed_at = models.DateTimeField()
    reopened_at = models.DateTimeField(null=True, blank=True)
    reviewed_at = models.DateTimeField(null=True, blank=True)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    review_note = models.TextField(_("review note"), blank=True, max_length=1000)

    class Meta:
        ordering = ["village", "-computed_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["village", "kind", "subject_key"], name="flag_unique_subject"
            ),
            models.CheckConstraint(
                name="flag_reviewed_with_reviewer",
                condition=Q(reviewed_at__isnull=True, reviewed_by__isnull=True)
                | Q(reviewed_at__isnull=False, reviewed_by__isnull=False),
            ),
            models.CheckConstraint(
                name="flag_window_ordered", condition=Q(window_start__lte=models.F("window_end"))
            ),
        ]
        indexes = [
            # The dashboards: unreviewed flags counted per village.
            models.Index(fields=["village", "reviewed_at"], name="flag_village_reviewed"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} · {self.subject_key}"

    @property
    def is_reviewed(self) -> bool:
        return self.reviewed_at is not None


class FlagReview(models.Model):
    """Every review of a flag, kept when new evidence reopens it."""

    flag = models.ForeignKey(Flag, on_delete=models.CASCADE, related_name="reviews")
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    reviewed_at = models.DateTimeField()
    note = models.TextField(max_length=1000)
    # How many records were behind the flag when it was reviewed.
    record_count = models.PositiveIntegerField()
    figures = models.JSONField(default=dict)

    class Meta:
        ordering = ["flag", "reviewed_at", "id"]

    def __str__(self) -> str:
        return f"{self.flag_id} @ {self.reviewed_at:%Y-%m-%d}"
