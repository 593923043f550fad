"""Rulebooks (积分细则): each village's own catalogue of deeds worth points, in versions.

Counties and townships publish templates; a village copies one and adapts it. A change is a new
version, drafted and then adopted by a recorded meeting; every record keeps the item (and so the
version) it was scored under.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from jifen.places.models import Place


class Rulebook(models.Model):
    # The village whose rulebook this is, or the county or township publishing a template.
    owner = models.ForeignKey(Place, on_delete=models.PROTECT, related_name="rulebooks")
    is_template = models.BooleanField(default=False)
    title = models.CharField(_("title"), max_length=80)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["owner"], condition=Q(is_template=False), name="rulebook_one_per_village"
            ),
            models.UniqueConstraint(
                fields=["owner", "title"],
                condition=Q(is_template=True),
                name="rulebook_template_unique_title",
            ),
        ]

    def __str__(self) -> str:
        return self.title


class RulebookVersion(models.Model):
    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        ADOPTED = "adopted", _("In force")
        SUPERSEDED = "superseded", _("Superseded")

    rulebook = models.ForeignKey(Rulebook, on_delete=models.PROTECT, related_name="versions")
    number = models.PositiveIntegerField()
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.DRAFT)
    based_on = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    # How it was adopted: the meeting, its date and the vote (a later issue links the vote).
    meeting = models.CharField(_("meeting"), max_length=120, blank=True)
    adopted_on = models.DateField(_("adopted on"), null=True, blank=True)
    vote_result = models.CharField(_("vote result"), max_length=120, blank=True)
    adopted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    in_force_from = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["rulebook", "-number"]
        constraints = [
            models.UniqueConstraint(fields=["rulebook", "number"], name="version_unique_number"),
            models.UniqueConstraint(
                fields=["rulebook"],
                condition=Q(status="adopted"),
                name="version_one_in_force",
            ),
            models.UniqueConstraint(
                fields=["rulebook"], condition=Q(status="draft"), name="version_one_draft"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.rulebook} v{self.number}"


class Category(models.Model):
    version = models.ForeignKey(
        RulebookVersion, on_delete=models.CASCADE, related_name="categories"
    )
    title = models.CharField(_("title"), max_length=60)
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["version", "position", "id"]

    def __str__(self) -> str:
        return self.title


class Item(models.Model):
    class Unit(models.TextChoices):
        PER_OCCURRENCE = "occurrence", _("per occurrence")
        PER_PERSON_OCCURRENCE = "person_occurrence", _("per person per occurrence")
        PER_EVENT = "event", _("once per event")
        PER_YEAR = "year", _("per year")
        PER_INSPECTION = "inspection", _("per inspection")

    class Scope(models.TextChoices):
        HOUSEHOLD = "household", _("the household")
        PERSON = "person", _("a person")

    class Period(models.TextChoices):
        MONTH = "month", _("month")
        QUARTER = "quarter", _("quarter")
        YEAR = "year", _("year")

    class Kind(models.TextChoices):
        NORMAL = "normal", _("ordinary item")
        BASE = "base", _("base score (not spendable)")
        AWARD = "award", _("one-off award")
        VETO = "veto", _("veto item (no redemption this year)")

    version = models.ForeignKey(RulebookVersion, on_delete=models.CASCADE, related_name="items")
    category = models.ForeignKey(Category, on_delete=models.CASCADE, related_name="items")
    # Stable across versions: the same deed keeps its code when the rulebook is revised.
    code = models.CharField(max_length=12)
    title = models.CharField(_("title"), max_length=120)
    points = models.IntegerField(_("points"), help_text=_("Positive adds, negative deducts."))
    unit = models.CharField(_("unit"), max_length=20, choices=Unit.choices)
    scope = models.CharField(
        _("scores"), max_length=10, choices=Scope.choices, default=Scope.HOUSEHOLD
    )
    cap_points = models.PositiveIntegerField(_("cap per period"), null=True, blank=True)
    cap_period = models.CharField(
        _("cap period"), max_length=10, choices=Period.choices, blank=True
    )
    evidence_required = models.BooleanField(_("photo required"), default=False)
    self_declarable = models.BooleanField(_("villagers may declare it"), default=False)
    sensitive = models.BooleanField(_("sensitive or subjective"), default=False)
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices, default=Kind.NORMAL)
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["version", "category__position", "position", "id"]
        constraints = [
            models.UniqueConstraint(fields=["version", "code"], name="item_unique_code"),
            models.CheckConstraint(
                name="item_points_not_zero", condition=~Q(points=0) | Q(kind="veto")
            ),
            models.CheckConstraint(
                name="item_cap_has_period",
                condition=Q(cap_points__isnull=True, cap_period="")
                | Q(cap_points__isnull=False, cap_period__in=["month", "quarter", "year"]),
            ),
            models.CheckConstraint(
                # A villager may claim points, never deduct them from themselves.
                name="item_deductions_recorder_only",
                condition=Q(points__gt=0) | Q(self_declarable=False),
            ),
        ]

    def __str__(self) -> str:
        # How items appear in choice lists: the title with its points.
        return f"{self.title}（{self.points:+d}）"

    @property
    def is_deduction(self) -> bool:
        return self.points < 0


class StarBand(models.Model):
    """From ``min_score`` (all-time score) a household holds ``stars`` stars."""

    version = models.ForeignKey(
        RulebookVersion, on_delete=models.CASCADE, related_name="star_bands"
    )
    stars = models.PositiveSmallIntegerField()
    min_score = models.IntegerField()

    class Meta:
        ordering = ["version", "stars"]
        constraints = [
            models.UniqueConstraint(fields=["version", "stars"], name="star_band_unique"),
            models.CheckConstraint(
                name="star_band_one_to_five", condition=Q(stars__gte=1, stars__lte=5)
            ),
        ]

    def __str__(self) -> str:
        return f"{self.stars}★ ≥ {self.min_score}"


class VillageSettings(models.Model):
    """How a village runs its points: notice window, privacy, ranking pools."""

    class Visibility(models.TextChoices):
        PUBLIC = "public", _("anyone with the door-plate QR code")
        VILLAGE = "village", _("villagers of this village")
        HOUSEHOLD = "household", _("the household only")

    class ListsVisibility(models.TextChoices):
        PUBLIC = "public", _("anyone with the link, without signing in")
        VILLAGE = "village", _("signed-in people of the village and those over it")

    class ExchangeSchedule(models.TextChoices):
        ANY_DAY = "any", _("any day")
        MONTHLY = "monthly", _("the first days of each month")
        QUARTERLY = "quarterly", _("the first days of each quarter")

    village = models.OneToOneField(Place, on_delete=models.PROTECT, related_name="points_settings")
    notice_days = models.PositiveSmallIntegerField(_("public notice window (days)"), default=3)
    # Who sees a household's score and rank on the QR page. The default protects privacy.
    score_visibility = models.CharField(
        max_length=10, choices=Visibility.choices, default=Visibility.VILLAGE
    )
    # Who sees the confirmed red and black lists (红黑榜). The default protects privacy.
    lists_visibility = models.CharField(
        max_length=10, choices=ListsVisibility.choices, default=ListsVisibility.VILLAGE
    )
    separate_cadre_pool = models.BooleanField(_("rank cadre households separately"), default=False)
    separate_absent_pool = models.BooleanField(
        _("rank absent households separately"), default=False
    )

    # The points supermarket (DOMAIN.md §5).
    redemption_deducts = models.BooleanField(
        _("redeeming goods deducts spendable points"), default=True
    )
    cadres_may_redeem = models.BooleanField(_("cadre households may redeem"), default=True)
    exchange_schedule = models.CharField(
        _("exchange days"),
        max_length=10,
        choices=ExchangeSchedule.choices,
        default=ExchangeSchedule.ANY_DAY,
    )
    exchange_window_days = models.PositiveSmallIntegerField(_("exchange window (days)"), default=10)
    spendable_lapses_at_year_end = models.BooleanField(
        _("unspent points lapse at the end of the year"), default=False
    )
    # What one point is worth at the supermarket, for the liability report.
    point_value_fen = models.PositiveIntegerField(_("value of a point (fen)"), default=100)
    supermarket_budget_fen = models.BigIntegerField(_("supermarket budget (fen)"), default=0)

    class Meta:
        constraints = [
            models.CheckConstraint(
                name="settings_notice_window", condition=Q(notice_days__gte=1, notice_days__lte=15)
            ),
            models.CheckConstraint(
                name="settings_visibility_known",
                condition=Q(score_visibility__in=["public", "village", "household"]),
            ),
            models.CheckConstraint(
                name="settings_lists_visibility_known",
                condition=Q(lists_visibility__in=["public", "village"]),
            ),
            models.CheckConstraint(
                name="settings_exchange_window",
                condition=Q(exchange_window_days__gte=1, exchange_window_days__lte=31),
            ),
            models.CheckConstraint(
                name="settings_budget_not_negative", condition=Q(supermarket_budget_fen__gte=0)
            ),
        ]

    def __str__(self) -> str:
        return f"{self.village} settings"
