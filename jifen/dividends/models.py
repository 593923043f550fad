"""Dividend rounds (积分分红): a pool of collective income shared among households by points.

A round moves: draft → on public notice → final. While it is a draft its shares are computed
again on request; from the notice on they are frozen. Money is in whole fen, never floats.
"""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from jifen.dividends.allocation import point_value, to_places, yuan
from jifen.places.models import Household, Place


class DividendRound(models.Model):
    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        ON_NOTICE = "on_notice", _("On public notice")
        FINAL = "final", _("Final")

    village = models.ForeignKey(Place, on_delete=models.PROTECT, related_name="dividend_rounds")
    title = models.CharField(_("title"), max_length=80)
    pool_fen = models.BigIntegerField(_("pool (fen)"))
    # Where the money comes from: the meeting, its date and what it decided.
    decision = models.CharField(_("decision"), max_length=200)
    decided_on = models.DateField(_("decided on"))
    # The basis: score posted from the first to the last day of the period, both included.
    period_start = models.DateField(_("period from"))
    period_end = models.DateField(_("period to"))
    min_score = models.IntegerField(_("minimum score"), default=0)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.DRAFT)
    # The sum of the qualifying points the shares were computed from: the pool's divisor.
    total_points = models.BigIntegerField(default=0)
    computed_at = models.DateTimeField()
    notice_opens_at = models.DateTimeField(null=True, blank=True)
    notice_closes_at = models.DateTimeField(null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    finalised_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    finalised_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                name="dividend_round_pool_positive", condition=Q(pool_fen__gt=0)
            ),
            models.CheckConstraint(
                name="dividend_round_period_ordered", condition=Q(period_start__lte=F("period_end"))
            ),
            models.CheckConstraint(
                name="dividend_round_min_score_not_negative", condition=Q(min_score__gte=0)
            ),
            models.CheckConstraint(
                name="dividend_round_total_not_negative", condition=Q(total_points__gte=0)
            ),
            models.CheckConstraint(
                name="dividend_round_status_known",
                condition=Q(status__in=["draft", "on_notice", "final"]),
            ),
            models.CheckConstraint(
                # A draft has no notice; a round on notice or final has a window, and someone
                # to share among.
                name="dividend_round_notice_iff_published",
                condition=Q(
                    status="draft", notice_opens_at__isnull=True, notice_closes_at__isnull=True
                )
                | Q(
                    # NULL never passes: a comparison with NULL would let the check through.
                    status__in=["on_notice", "final"],
                    total_points__gt=0,
                    notice_opens_at__isnull=False,
                    notice_closes_at__isnull=False,
                    notice_closes_at__gt=F("notice_opens_at"),
                ),
            ),
            models.CheckConstraint(
                # Final only after the notice closed, and only then.
                name="dividend_round_final_after_notice",
                condition=Q(
                    status="final",
                    finalised_at__isnull=False,
                    notice_closes_at__isnull=False,
                    finalised_at__gte=F("notice_closes_at"),
                )
                | (~Q(status="final") & Q(finalised_at__isnull=True)),
            ),
        ]
        indexes = [
            # The rounds of a village, newest first (the list page).
            models.Index(fields=["village", "-created_at"], name="dividend_round_village"),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def pool_yuan(self) -> Decimal:
        return yuan(self.pool_fen)

    @property
    def point_value_yuan(self) -> Decimal | None:
        """Yuan per qualifying point, to 4 decimals for display; None when nobody qualifies."""
        exact = point_value(self.pool_fen, self.total_points)
        return None if exact is None else to_places(exact, 4)


class DividendShare(models.Model):
    """One household's line in a round: its basis, whether it qualifies, and its payout."""

    dividend_round = models.ForeignKey(
        DividendRound, on_delete=models.CASCADE, related_name="shares"
    )
    household = models.ForeignKey(Household, on_delete=models.PROTECT, related_name="+")
    # As the registry had them when the share was computed: the list stays as published.
    door_plate = models.CharField(_("door plate"), max_length=30)
    head_name = models.CharField(_("head of household"), max_length=30, blank=True)
    # Score posted in the period; it may be negative when deductions outweigh the rest.
    points = models.BigIntegerField(_("points"))
    qualifies = models.BooleanField(default=False)
    payout_fen = models.BigIntegerField(_("payout (fen)"), default=0)

    class Meta:
        ordering = ["dividend_round_id", "door_plate"]
        constraints = [
            # Also the index of a round's shares and of one household's share in a round.
            models.UniqueConstraint(
                fields=["dividend_round", "household"], name="dividend_share_unique_household"
            ),
            models.CheckConstraint(
                name="dividend_share_payout_not_negative", condition=Q(payout_fen__gte=0)
            ),
            models.CheckConstraint(
                # Zero score gets zero: only a household with points shares in the pool.
                name="dividend_share_qualifies_with_points",
                condition=Q(qualifies=False, payout_fen=0) | Q(qualifies=True, points__gt=0),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.door_plate}: {self.payout_fen}"

    @property
    def payout_yuan(self) -> Decimal:
        return yuan(self.payout_fen)
