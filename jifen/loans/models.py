"""Point loans (积分贷): partner banks, their policies, households' consent, applications.

A bank sees a household's score, rank and stars only under a consent the household gave and
has not revoked, and every look, allowed or refused, is written to ``BankAccess``, which the
household can read. An application freezes what the bank saw and the terms it implied.
"""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from jifen.accounts.models import User
from jifen.ledger.models import Checkpoint
from jifen.places.models import Household, Place


class Bank(models.Model):
    """A partner bank (usually the county's rural commercial bank)."""

    county = models.ForeignKey(Place, on_delete=models.PROTECT, related_name="banks")
    name = models.CharField(_("name"), max_length=80)
    short_name = models.CharField(_("short name"), max_length=20)

    class Meta:
        ordering = ["county", "name"]
        constraints = [
            models.UniqueConstraint(fields=["county", "name"], name="bank_unique_name"),
        ]

    def __str__(self) -> str:
        return self.name


class BankOfficer(models.Model):
    """Which bank an account with the bank officer role works for."""

    bank = models.ForeignKey(Bank, on_delete=models.PROTECT, related_name="officers")
    user = models.OneToOneField(User, on_delete=models.CASCADE, related_name="bank_officer")

    def __str__(self) -> str:
        return f"{self.user} · {self.bank}"


class LoanPolicy(models.Model):
    """A bank's terms for an area. Never edited once used: a change is a new version."""

    class Mode(models.TextChoices):
        PROPORTIONAL = "proportional", _("in proportion to the points")
        STEPPED = "stepped", _("in whole steps of 100 points")

    bank = models.ForeignKey(Bank, on_delete=models.PROTECT, related_name="policies")
    # Households of this place (a county, township or village) are covered.
    area = models.ForeignKey(Place, on_delete=models.PROTECT, related_name="+")
    name = models.CharField(_("name"), max_length=80)
    version = models.PositiveIntegerField(default=1)
    # Annual rates in percent, e.g. 4.35 means 4.35 %.
    base_rate = models.DecimalField(_("base rate (%)"), max_digits=5, decimal_places=2)
    discount_per_100 = models.DecimalField(
        _("discount per 100 points (percentage points)"), max_digits=5, decimal_places=3
    )
    mode = models.CharField(_("discount applied"), max_length=12, choices=Mode.choices)
    max_discount = models.DecimalField(
        _("largest discount (percentage points)"), max_digits=5, decimal_places=2
    )
    min_stars = models.PositiveSmallIntegerField(_("lowest star level"), default=0)
    valid_from = models.DateField(_("applies from"))
    valid_until = models.DateField(_("applies until"), null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["bank", "area", "-version"]
        constraints = [
            models.UniqueConstraint(
                fields=["bank", "area", "version"], name="policy_unique_version"
            ),
            models.CheckConstraint(
                name="policy_rates_sane",
                condition=Q(base_rate__gt=0, discount_per_100__gte=0, max_discount__gte=0)
                & Q(max_discount__lt=models.F("base_rate")),
            ),
            models.CheckConstraint(
                name="policy_dates_ordered",
                condition=Q(valid_until__isnull=True) | Q(valid_until__gte=models.F("valid_from")),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} v{self.version}"


class CreditLine(models.Model):
    """The most a household of a star level may borrow under a policy, in yuan."""

    policy = models.ForeignKey(LoanPolicy, on_delete=models.CASCADE, related_name="credit_lines")
    stars = models.PositiveSmallIntegerField()
    limit_yuan = models.PositiveIntegerField()

    class Meta:
        ordering = ["policy", "stars"]
        constraints = [
            models.UniqueConstraint(fields=["policy", "stars"], name="credit_line_per_star"),
        ]

    def __str__(self) -> str:
        return f"{self.stars}★ {self.limit_yuan}"


class Consent(models.Model):
    """A household lets a bank see its score, rank and stars until a date, or until revoked."""

    household = models.ForeignKey(Household, on_delete=models.PROTECT, related_name="consents")
    bank = models.ForeignKey(Bank, on_delete=models.PROTECT, related_name="consents")
    granted_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    granted_at = models.DateTimeField()
    expires_at = models.DateTimeField()
    revoked_at = models.DateTimeField(null=True, blank=True)
    revoked_by = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["household", "-granted_at"]
        constraints = [
            models.CheckConstraint(
                name="consent_expires_after_granted",
                condition=Q(expires_at__gt=models.F("granted_at")),
            ),
        ]
        indexes = [
            # Whether a bank may look at a household now.
            models.Index(fields=["household", "bank", "expires_at"], name="consent_lookup"),
        ]

    def __str__(self) -> str:
        return f"{self.household} → {self.bank}"


class ApiKey(models.Model):
    """A bank's key to the API. Only a SHA-256 digest of the secret is kept."""

    bank = models.ForeignKey(Bank, on_delete=models.PROTECT, related_name="api_keys")
    name = models.CharField(_("name"), max_length=60)
    # The first characters of the key, shown so that people can tell keys apart.
    prefix = models.CharField(max_length=12, unique=True)
    digest = models.CharField(max_length=64, unique=True)
    created_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField()
    revoked_at = models.DateTimeField(null=True, blank=True)
    revoked_by = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    last_used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["bank", "-created_at"]

    def __str__(self) -> str:
        return f"{self.bank.short_name} {self.prefix}…"


class ApiKeyUsage(models.Model):
    """Requests made with a key in one minute: the rate limit, shared by every web worker."""

    key = models.ForeignKey(ApiKey, on_delete=models.CASCADE, related_name="+")
    minute = models.DateTimeField()
    count = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["key", "minute"], name="usage_one_per_minute"),
        ]

    def __str__(self) -> str:
        return f"{self.key_id}@{self.minute:%H:%M}: {self.count}"


class LoanApplication(models.Model):
    class Status(models.TextChoices):
        SUBMITTED = "submitted", _("waiting for the bank")
        APPROVED = "approved", _("approved")
        DECLINED = "declined", _("declined")
        WITHDRAWN = "withdrawn", _("withdrawn")

    household = models.ForeignKey(
        Household, on_delete=models.PROTECT, related_name="loan_applications"
    )
    bank = models.ForeignKey(Bank, on_delete=models.PROTECT, related_name="applications")
    applicant = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    amount_yuan = models.PositiveIntegerField(_("amount (yuan)"))
    purpose = models.CharField(_("purpose"), max_length=200)
    status = models.CharField(max_length=10, choices=Status.choices)
    applied_at = models.DateTimeField()
    # The snapshot: what the bank saw and the terms it implied, frozen when applying.
    policy = models.ForeignKey(LoanPolicy, on_delete=models.PROTECT, related_name="applications")
    score = models.BigIntegerField()
    rank = models.PositiveIntegerField()
    ranked_households = models.PositiveIntegerField()
    stars = models.PositiveSmallIntegerField()
    eligible = models.BooleanField()
    discount = models.DecimalField(max_digits=5, decimal_places=2)
    rate = models.DecimalField(max_digits=5, decimal_places=2)
    credit_line_yuan = models.PositiveIntegerField()
    checkpoint = models.ForeignKey(
        Checkpoint, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    snapshot = models.JSONField()
    # The bank's decision.
    decided_by = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    approved_amount_yuan = models.PositiveIntegerField(null=True, blank=True)
    approved_rate = models.DecimalField(null=True, blank=True, max_digits=5, decimal_places=2)
    decline_reason = models.CharField(max_length=200, blank=True)

    class Meta:
        ordering = ["-applied_at"]
        constraints = [
            models.CheckConstraint(
                name="application_status_known",
                condition=Q(status__in=["submitted", "approved", "declined", "withdrawn"]),
            ),
            models.CheckConstraint(
                name="application_approval_complete",
                condition=~Q(status="approved")
                | Q(approved_amount_yuan__gt=0, approved_rate__gt=0, decided_at__isnull=False),
            ),
            models.CheckConstraint(
                name="application_decline_has_reason",
                condition=~Q(status="declined") | ~Q(decline_reason=""),
            ),
            models.CheckConstraint(
                name="application_amount_positive", condition=Q(amount_yuan__gt=0)
            ),
            # A household has at most one application waiting at each bank.
            models.UniqueConstraint(
                fields=["household", "bank"],
                condition=Q(status="submitted"),
                name="application_one_waiting_per_bank",
            ),
        ]
        indexes = [
            # A bank's queue, oldest waiting first.
            models.Index(fields=["bank", "status", "applied_at"], name="application_queue"),
        ]

    def __str__(self) -> str:
        return f"{self.household} {self.amount_yuan} ¥"


class BankAccess(models.Model):
    """Every look a bank took, or tried to take, at a household. The household can read it."""

    class Channel(models.TextChoices):
        WEB = "web", _("bank's web page")
        API = "api", _("bank's system (API)")
        EXPORT = "export", _("export")

    class Action(models.TextChoices):
        LOOKUP = "lookup", _("looked up the household")
        STANDING = "standing", _("read score, rank and stars")
        APPLICATION = "application", _("read a loan application")
        DECISION = "decision", _("recorded a decision")

    bank = models.ForeignKey(Bank, on_delete=models.PROTECT, related_name="accesses")
    # Null when the token matched no household.
    household = models.ForeignKey(
        Household, null=True, blank=True, on_delete=models.PROTECT, related_name="bank_accesses"
    )
    officer = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    api_key = models.ForeignKey(
        ApiKey, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    consent = models.ForeignKey(
        Consent, null=True, blank=True, on_delete=models.PROTECT, related_name="accesses"
    )
    channel = models.CharField(max_length=10, choices=Channel.choices)
    action = models.CharField(max_length=12, choices=Action.choices)
    allowed = models.BooleanField()
    at = models.DateTimeField()

    class Meta:
        ordering = ["-at"]
        indexes = [
            # A household's page of who looked at it.
            models.Index(fields=["household", "-at"], name="access_household"),
            models.Index(fields=["bank", "-at"], name="access_bank"),
        ]

    def __str__(self) -> str:
        return f"{self.bank} {self.action} {self.household_id}"
