"""What the township and county dashboards keep between page loads: the ledger checks.

Verifying every ledger on each page load is too slow, so a job verifies each village's ledger
and stores the outcome here; the dashboards show the latest check per village.
"""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from jifen.places.models import Place


class LedgerCheck(models.Model):
    """One run of ``jifen.ledger.verify.verify_village`` over one village's ledger."""

    village = models.ForeignKey(Place, on_delete=models.PROTECT, related_name="ledger_checks")
    checked_at = models.DateTimeField(_("checked at"))
    # Entries read by the check (up to the first problem, if any).
    entries = models.PositiveBigIntegerField(_("entries"))
    # The village's latest signed checkpoint when the check ran; none if nothing was signed yet.
    checkpoint_tree_size = models.PositiveBigIntegerField(null=True, blank=True)
    checkpoint_signed_at = models.DateTimeField(null=True, blank=True)
    ok = models.BooleanField(_("verifies"))
    problem = models.TextField(_("problem"), blank=True)

    class Meta:
        ordering = ["village", "-checked_at", "-id"]
        constraints = [
            models.CheckConstraint(
                name="ledger_check_problem_iff_failed",
                condition=Q(ok=True, problem="") | (Q(ok=False) & ~Q(problem="")),
            ),
        ]
        indexes = [
            # The dashboards: the latest check of each village.
            models.Index(fields=["village", "-checked_at"], name="ledger_check_latest"),
        ]

    def __str__(self) -> str:
        checked = timezone.localtime(self.checked_at)
        return f"{self.village_id} {checked:%Y-%m-%d %H:%M} {'ok' if self.ok else 'failed'}"


class MonthlyFigures(models.Model):
    """A finished month of one village, added up once by the job ``seal_months``.

    A record is posted at the moment of posting and never changes afterwards, and a record's
    recording and review times are set when they happen; so once a month is over, its points
    issued, the households that took part and the records waiting at its end do not change
    any more. The dashboards read finished months from here and count only the rest live."""

    village = models.ForeignKey(Place, on_delete=models.PROTECT, related_name="+")
    month = models.DateField(help_text="The first day of the month.")
    participating = models.PositiveIntegerField()
    # Points issued by rulebook category title: {"公共事务": 120, "扣分项": -15}.
    points: models.JSONField[dict[str, int]] = models.JSONField(default=dict)
    awaiting_at_end = models.PositiveIntegerField()
    computed_at = models.DateTimeField()

    class Meta:
        ordering = ["village", "month"]
        constraints = [
            models.UniqueConstraint(fields=["village", "month"], name="monthly_figures_once"),
            models.CheckConstraint(name="monthly_figures_first_day", condition=Q(month__day=1)),
        ]

    def __str__(self) -> str:
        return f"{self.village_id} {self.month:%Y-%m}"
