"""Consent, what a bank may see, loan applications and decisions, and banks' API keys.

``bank_view`` is the one gate through which a bank sees a household, on every path (pages,
API, export): it checks the consent and writes a ``BankAccess`` row either way.
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from itertools import pairwise
from typing import Any

from django.core.exceptions import NON_FIELD_ERRORS, PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from jifen.accounts.actors import Actor
from jifen.accounts.models import Role, RoleGrant, User
from jifen.audit.services import record_event
from jifen.ledger.models import Checkpoint
from jifen.ledger.ranking import position, stars_for
from jifen.ledger.selectors import latest_checkpoint
from jifen.loans import permissions
from jifen.loans.exports import applications_workbook
from jifen.loans.models import (
    ApiKey,
    ApiKeyUsage,
    Bank,
    BankAccess,
    BankOfficer,
    Consent,
    CreditLine,
    LoanApplication,
    LoanPolicy,
)
from jifen.loans.terms import Policy, Terms, percent, terms_for
from jifen.places.models import Household, Place
from jifen.places.permissions import is_own_household
from jifen.rules.services import MAX_STARS

MAX_CONSENT_DAYS = 366
# A bound for sanity, not a policy: the largest amount a form or the API accepts.
MAX_AMOUNT_YUAN = 100_000_000
KEY_PREFIX = "jfk_"
# The code of the refusal to approve more than was asked for: the bank API answers it with 409.
ABOVE_REQUEST = "above_request"


# Policies and terms


def policy_facts(policy: LoanPolicy) -> Policy:
    return Policy(
        base_rate=policy.base_rate,
        discount_per_100=policy.discount_per_100,
        stepped=policy.mode == LoanPolicy.Mode.STEPPED,
        max_discount=policy.max_discount,
        min_stars=policy.min_stars,
        credit_lines={line.stars: line.limit_yuan for line in policy.credit_lines.all()},
    )


def policy_for(bank: Bank, household: Household, on: date) -> LoanPolicy | None:
    """The bank's policy for the household's village on a day: the most local area, then the
    newest version."""
    village = household.village
    areas = [village.pk, village.parent_id]
    if village.parent is not None:
        areas.append(village.parent.parent_id)
    candidates = (
        LoanPolicy.objects.filter(bank=bank, area_id__in=areas, valid_from__lte=on)
        .exclude(valid_until__lt=on)
        .prefetch_related("credit_lines")
        .order_by("-version")
    )
    by_area: dict[int, LoanPolicy] = {}
    for policy in candidates:
        by_area.setdefault(policy.area_id, policy)
    for area in areas:
        if area in by_area:
            return by_area[area]
    return None


@dataclass(frozen=True)
class Standing:
    """What a bank sees of a household, and what its policy gives."""

    household: Household
    score: int
    rank: int
    ranked_households: int
    stars: int
    policy: LoanPolicy | None
    terms: Terms | None
    checkpoint: Checkpoint | None


def standing_of(bank: Bank, household: Household, now: datetime) -> Standing:
    place = position(household)
    stars = stars_for(household.village, place.score)
    policy = policy_for(bank, household, timezone.localdate(now))
    terms = terms_for(policy_facts(policy), score=place.score, stars=stars) if policy else None
    return Standing(
        household=household,
        score=place.score,
        rank=place.rank,
        ranked_households=place.of,
        stars=stars,
        policy=policy,
        terms=terms,
        checkpoint=latest_checkpoint(household.village),
    )


# Consent


def active_consent(bank: Bank, household: Household, now: datetime) -> Consent | None:
    return (
        Consent.objects.filter(
            bank=bank, household=household, revoked_at__isnull=True, expires_at__gt=now
        )
        .order_by("-expires_at")
        .first()
    )


def _require_own_household(actor: Actor, household: Household) -> None:
    if not is_own_household(actor, household):
        raise PermissionDenied(_("Only the household itself may do this."))


def grant_consent(
    *, actor: Actor, household: Household, bank: Bank, days: int, now: datetime | None = None
) -> Consent:
    """Let the bank see the household's score, rank and stars for ``days`` days.

    A consent still running for the same bank is replaced by the new one.
    """
    _require_own_household(actor, household)
    if not 1 <= days <= MAX_CONSENT_DAYS:
        raise ValidationError(_("A consent lasts from 1 day to one year."))
    county = household.village.parent.parent_id if household.village.parent else None
    if bank.county_id != county:
        raise ValidationError(_("This bank does not serve your county."))
    now = now or timezone.now()
    with transaction.atomic():
        for old in Consent.objects.select_for_update().filter(
            bank=bank, household=household, revoked_at__isnull=True, expires_at__gt=now
        ):
            old.revoked_at, old.revoked_by = now, actor.user
            old.save(update_fields=["revoked_at", "revoked_by"])
        consent = Consent.objects.create(
            household=household,
            bank=bank,
            granted_by=actor.user,
            granted_at=now,
            expires_at=now + timedelta(days=days),
        )
        record_event(
            actor=actor,
            action="loans.consent_granted",
            obj=consent,
            village=household.village,
            household=household,
            after={"bank": bank.name, "expires_at": consent.expires_at.isoformat()},
        )
    return consent


def revoke_consent(*, actor: Actor, consent: Consent, now: datetime | None = None) -> Consent:
    _require_own_household(actor, consent.household)
    now = now or timezone.now()
    with transaction.atomic():
        consent = Consent.objects.select_for_update().get(pk=consent.pk)
        if consent.revoked_at is not None or consent.expires_at <= now:
            raise ValidationError(_("This consent has already ended."))
        consent.revoked_at, consent.revoked_by = now, actor.user
        consent.save(update_fields=["revoked_at", "revoked_by"])
        record_event(
            actor=actor,
            action="loans.consent_revoked",
            obj=consent,
            village=consent.household.village,
            household=consent.household,
            after={"bank": consent.bank.name},
        )
    return consent


# The gate: every look a bank takes at a household


@dataclass(frozen=True)
class Viewer:
    """Who at a bank is looking: an officer on the web, or the bank's system with a key."""

    bank: Bank
    channel: str
    officer: User | None = None
    api_key: ApiKey | None = None


class ConsentRequired(PermissionDenied):
    pass


def log_access(
    viewer: Viewer,
    *,
    household: Household | None,
    action: str,
    allowed: bool,
    consent: Consent | None = None,
    now: datetime | None = None,
) -> BankAccess:
    """Write one access row. Refusals are written too, and survive the refused request."""
    return BankAccess.objects.create(
        bank=viewer.bank,
        household=household,
        officer=viewer.officer,
        api_key=viewer.api_key,
        consent=consent,
        channel=viewer.channel,
        action=action,
        allowed=allowed,
        at=now or timezone.now(),
    )


def bank_view(
    viewer: Viewer, household: Household | None, *, action: str, now: datetime | None = None
) -> Consent:
    """The household's live consent for the viewer's bank, logging the look either way.

    Raises ``ConsentRequired`` (a ``PermissionDenied``) if there is none, or if the token
    matched no household; the bank is not told which.
    """
    now = now or timezone.now()
    consent = active_consent(viewer.bank, household, now) if household else None
    log_access(
        viewer,
        household=household,
        action=action,
        allowed=consent is not None,
        consent=consent,
        now=now,
    )
    if consent is None:
        raise ConsentRequired(_("The household has not given this bank consent to see its points."))
    return consent


def household_by_token(token: str) -> Household | None:
    return (
        Household.objects.select_related("village__parent__parent", "head")
        .filter(public_token=token)
        .first()
    )


def bank_view_households(
    viewer: Viewer,
    households: Iterable[Household],
    *,
    action: str,
    now: datetime | None = None,
) -> dict[int, Consent]:
    """``bank_view`` for many households at once (an export), in two queries.

    Writes one access row per household, allowed or refused, and returns the live consents
    of the allowed ones by household id. The caller leaves the others out.
    """
    now = now or timezone.now()
    ids = sorted({household.pk for household in households})
    consents: dict[int, Consent] = {}
    live = Consent.objects.filter(
        bank=viewer.bank, household_id__in=ids, revoked_at__isnull=True, expires_at__gt=now
    ).order_by("expires_at")
    for consent in live:
        consents[consent.household_id] = consent  # the one running longest wins
    BankAccess.objects.bulk_create(
        [
            BankAccess(
                bank=viewer.bank,
                household_id=household_id,
                officer=viewer.officer,
                api_key=viewer.api_key,
                consent=consents.get(household_id),
                channel=viewer.channel,
                action=action,
                allowed=household_id in consents,
                at=now,
            )
            for household_id in ids
        ],
        batch_size=500,
    )
    return consents


# Applications


def _snapshot(standing: Standing, now: datetime) -> dict[str, Any]:
    """Everything needed to reproduce and check the terms later."""
    policy, terms, checkpoint = standing.policy, standing.terms, standing.checkpoint
    assert policy is not None and terms is not None
    return {
        "taken_at": now.isoformat(),
        "village": standing.household.village.code,
        "door_plate": standing.household.door_plate,
        "score": standing.score,
        "rank": standing.rank,
        "ranked_households": standing.ranked_households,
        "stars": standing.stars,
        "policy": {
            "id": policy.pk,
            "version": policy.version,
            "bank": policy.bank.name,
            "base_rate": percent(policy.base_rate),
            "discount_per_100": str(policy.discount_per_100),
            "mode": policy.mode,
            "max_discount": percent(policy.max_discount),
            "min_stars": policy.min_stars,
            "credit_lines": {
                str(line.stars): line.limit_yuan for line in policy.credit_lines.all()
            },
        },
        "terms": {
            "eligible": terms.eligible,
            "discount": percent(terms.discount),
            "rate": percent(terms.rate),
            "credit_line_yuan": terms.credit_line_yuan,
        },
        "checkpoint": None
        if checkpoint is None
        else {
            "tree_size": checkpoint.tree_size,
            "root_hash": checkpoint.root_hash,
            "signed_at": checkpoint.signed_at_text,
            "key_id": checkpoint.key.key_id,
        },
    }


def apply_for_loan(
    *,
    actor: Actor,
    household: Household,
    bank: Bank,
    amount_yuan: int,
    purpose: str,
    now: datetime | None = None,
) -> LoanApplication:
    """Apply to a bank; the terms the bank sees are frozen now with the latest checkpoint."""
    _require_own_household(actor, household)
    now = now or timezone.now()
    purpose = purpose.strip()
    if not 0 < amount_yuan <= MAX_AMOUNT_YUAN:
        raise ValidationError(_("Enter the amount to borrow, in yuan."))
    if not purpose:
        raise ValidationError(_("Say what the loan is for."))
    if active_consent(bank, household, now) is None:
        raise ValidationError(
            _("First let the bank see your points: it decides from your score and stars.")
        )
    standing = standing_of(bank, household, now)
    if standing.policy is None or standing.terms is None:
        raise ValidationError(_("This bank has no point-loan policy for your village today."))
    terms = standing.terms
    waiting = LoanApplication.objects.filter(
        household=household, bank=bank, status=LoanApplication.Status.SUBMITTED
    )
    already_waiting = ValidationError(_("You already have an application waiting at this bank."))
    try:
        with transaction.atomic():
            if waiting.exists():
                raise already_waiting
            application = LoanApplication.objects.create(
                household=household,
                bank=bank,
                applicant=actor.user,
                amount_yuan=amount_yuan,
                purpose=purpose[:200],
                status=LoanApplication.Status.SUBMITTED,
                applied_at=now,
                policy=standing.policy,
                score=standing.score,
                rank=standing.rank,
                ranked_households=standing.ranked_households,
                stars=standing.stars,
                eligible=terms.eligible,
                discount=terms.discount,
                rate=terms.rate,
                credit_line_yuan=terms.credit_line_yuan,
                checkpoint=standing.checkpoint,
                snapshot=_snapshot(standing, now),
            )
            record_event(
                actor=actor,
                action="loans.applied",
                obj=application,
                village=household.village,
                household=household,
                after={"bank": bank.name, "amount_yuan": amount_yuan, "rate": percent(terms.rate)},
            )
    except IntegrityError:
        # Two taps at once: the database keeps one waiting application per bank.
        if waiting.exists():
            raise already_waiting from None
        raise
    return application


def withdraw_application(
    *, actor: Actor, application: LoanApplication, now: datetime | None = None
) -> LoanApplication:
    _require_own_household(actor, application.household)
    with transaction.atomic():
        application = LoanApplication.objects.select_for_update().get(pk=application.pk)
        if application.status != LoanApplication.Status.SUBMITTED:
            raise ValidationError(_("The bank has already decided on this application."))
        application.status = LoanApplication.Status.WITHDRAWN
        application.decided_at = now or timezone.now()
        application.save(update_fields=["status", "decided_at"])
        record_event(
            actor=actor,
            action="loans.withdrawn",
            obj=application,
            village=application.household.village,
            household=application.household,
        )
    return application


def decide_application(
    *,
    viewer: Viewer,
    application: LoanApplication,
    approve: bool,
    amount_yuan: int | None = None,
    rate: Decimal | None = None,
    reason: str = "",
    actor: Actor | None = None,
    now: datetime | None = None,
) -> LoanApplication:
    """The bank approves (amount, rate) or declines (reason). Needs the household's consent."""
    if application.bank_id != viewer.bank.pk:
        raise PermissionDenied(_("This application was made to another bank."))
    now = now or timezone.now()
    reason = reason.strip()
    # The input is checked before the gate, so that the household's log shows a decision
    # only when one could be recorded.
    if approve:
        if amount_yuan is None or not 0 < amount_yuan <= MAX_AMOUNT_YUAN:
            raise ValidationError(_("Enter the amount approved, in yuan."))
        if amount_yuan > application.amount_yuan:
            raise ValidationError(
                _("A bank may approve at most the amount the household asked for."),
                code=ABOVE_REQUEST,
            )
        if rate is None or not rate.is_finite() or not Decimal("0") < rate < Decimal("100"):
            raise ValidationError(_("Enter the annual rate in percent, for example 4.35."))
        if rate != rate.quantize(Decimal("0.01")):
            raise ValidationError(_("Give the rate to at most two decimals."))
    elif not reason:
        raise ValidationError(_("Say why the application is declined."))
    if application.status != LoanApplication.Status.SUBMITTED:
        raise ValidationError(_("This application has already been decided or withdrawn."))
    consent = bank_view(viewer, application.household, action=BankAccess.Action.DECISION, now=now)
    with transaction.atomic():
        application = LoanApplication.objects.select_for_update().get(pk=application.pk)
        if application.status != LoanApplication.Status.SUBMITTED:
            raise ValidationError(_("This application has already been decided or withdrawn."))
        application.decided_by = viewer.officer
        application.decided_at = now
        if approve:
            application.status = LoanApplication.Status.APPROVED
            application.approved_amount_yuan = amount_yuan
            application.approved_rate = rate
        else:
            application.status = LoanApplication.Status.DECLINED
            application.decline_reason = reason[:200]
        application.save()
        record_event(
            actor=actor,
            action="loans.approved" if approve else "loans.declined",
            obj=application,
            village=application.household.village,
            household=application.household,
            after={
                "bank": viewer.bank.name,
                "channel": viewer.channel,
                "api_key": viewer.api_key.prefix if viewer.api_key else None,
                "consent": consent.pk,
                "amount_yuan": application.approved_amount_yuan,
                "rate": percent(rate) if rate is not None and approve else None,
                "reason": application.decline_reason,
            },
        )
    return application


# API keys


def digest_of(secret: str) -> str:
    """Keys are long random strings, so a plain SHA-256 is enough to store them safely."""
    return hashlib.sha256(secret.encode()).hexdigest()


def issue_api_key(
    *, actor: Actor, bank: Bank, name: str, now: datetime | None = None
) -> tuple[ApiKey, str]:
    """A new key for a bank; the secret is returned once and never stored."""
    name = name.strip()
    if not name:
        raise ValidationError(_("Name the key, for example after the system that will use it."))
    secret = KEY_PREFIX + secrets.token_urlsafe(32)
    with transaction.atomic():
        key = ApiKey.objects.create(
            bank=bank,
            name=name[:60],
            prefix=secret[: len(KEY_PREFIX) + 8],
            digest=digest_of(secret),
            created_by=actor.user,
            created_at=now or timezone.now(),
        )
        record_event(
            actor=actor, action="loans.key_issued", obj=key, village=None, after={"name": name}
        )
    return key, secret


def revoke_api_key(*, actor: Actor, key: ApiKey, now: datetime | None = None) -> ApiKey:
    with transaction.atomic():
        key = ApiKey.objects.select_for_update().get(pk=key.pk)
        if key.revoked_at is not None:
            raise ValidationError(_("This key has already been revoked."))
        key.revoked_at, key.revoked_by = now or timezone.now(), actor.user
        key.save(update_fields=["revoked_at", "revoked_by"])
        record_event(actor=actor, action="loans.key_revoked", obj=key, village=None)
    return key


def key_for_secret(secret: str) -> ApiKey | None:
    """The live key with this secret, or None."""
    if not secret.startswith(KEY_PREFIX):
        return None
    return (
        ApiKey.objects.select_related("bank")
        .filter(digest=digest_of(secret), revoked_at__isnull=True)
        .first()
    )


def forget_old_usage(*, now: datetime | None = None) -> int:
    """The scheduled job: drop rate-limit counters older than an hour."""
    cutoff = (now or timezone.now()) - timedelta(hours=1)
    deleted, _ = ApiKeyUsage.objects.filter(minute__lt=cutoff).delete()
    return deleted


def count_request(key: ApiKey, now: datetime) -> int:
    """Count a request against the key's minute; returns the count so far this minute."""
    minute = now.replace(second=0, microsecond=0)
    with transaction.atomic():
        usage, created = ApiKeyUsage.objects.get_or_create(
            key=key, minute=minute, defaults={"count": 1}
        )
        if not created:
            ApiKeyUsage.objects.filter(pk=usage.pk).update(count=F("count") + 1)
            usage.refresh_from_db(fields=["count"])
        ApiKey.objects.filter(pk=key.pk).update(last_used_at=now)
    return usage.count


# Exports


@dataclass(frozen=True)
class ApplicationsExport:
    content: bytes
    rows: int
    # Applications left out because their household has no live consent.
    withheld: int


def export_applications(
    *, actor: Actor, viewer: Viewer, now: datetime | None = None
) -> ApplicationsExport:
    """The bank's applications as .xlsx, only of households that let the bank see them.

    Every household in the bank's applications passes the gate: the looks are logged, the
    refusals too, and the export itself is recorded like a change.
    """
    now = now or timezone.now()
    applications = list(
        LoanApplication.objects.filter(bank=viewer.bank)
        .select_related("household__village", "household__head", "policy", "checkpoint")
        .order_by("applied_at", "pk")
    )
    consents = bank_view_households(
        viewer,
        [application.household for application in applications],
        action=BankAccess.Action.APPLICATION,
        now=now,
    )
    shown = [application for application in applications if application.household_id in consents]
    withheld = len(applications) - len(shown)
    with transaction.atomic():
        record_event(
            actor=actor,
            action="loans.export",
            obj=viewer.bank,
            village=None,
            after={"rows": len(shown), "withheld": withheld},
        )
    return ApplicationsExport(
        content=applications_workbook(viewer.bank, shown, withheld=withheld, now=now),
        rows=len(shown),
        withheld=withheld,
    )


# Banks, officers and policies: the county admin


def _require_bank_admin(actor: Actor, county: Place) -> None:
    if not permissions.can_manage_banks(actor, county):
        raise PermissionDenied(_("Only the admin of the county runs its partner banks."))


def _lock_bank(bank: Bank) -> Bank:
    """Serialises the writes that number a bank's policies."""
    return Bank.objects.select_for_update().get(pk=bank.pk)


def create_bank(*, actor: Actor, county: Place, name: str, short_name: str) -> Bank:
    _require_bank_admin(actor, county)
    name, short_name = name.strip(), short_name.strip()
    if not name or not short_name:
        raise ValidationError(_("Give the bank's full name and a short name."))
    taken = ValidationError(_("The county already has a bank of this name."))
    if Bank.objects.filter(county=county, name=name).exists():
        raise taken
    try:
        with transaction.atomic():
            bank = Bank.objects.create(county=county, name=name[:80], short_name=short_name[:20])
            record_event(
                actor=actor,
                action="loans.bank_created",
                obj=bank,
                village=None,
                after={"county": county.code, "name": bank.name, "short_name": bank.short_name},
            )
    except IntegrityError:
        raise taken from None
    return bank


def assign_officer(*, actor: Actor, bank: Bank, user: User) -> BankOfficer:
    """Let an account holding the bank officer role in the county work for the bank."""
    _require_bank_admin(actor, bank.county)
    if not RoleGrant.objects.filter(
        user=user, role=Role.BANK_OFFICER, place=bank.county, revoked_at__isnull=True
    ).exists():
        raise ValidationError(
            _("Only an account holding the bank officer role in this county can work for a bank.")
        )
    already = ValidationError(
        _("%(name)s already works for a bank; remove them there first.") % {"name": user.name}
    )
    if BankOfficer.objects.filter(user=user).exists():
        raise already
    try:
        with transaction.atomic():
            officer = BankOfficer.objects.create(bank=bank, user=user)
            record_event(
                actor=actor,
                action="loans.officer_assigned",
                obj=officer,
                village=None,
                after={"bank": bank.name, "user": user.pk},
            )
    except IntegrityError:
        raise already from None
    return officer


def remove_officer(*, actor: Actor, officer: BankOfficer) -> None:
    """The account no longer works for the bank (its role is taken away on the roles page)."""
    _require_bank_admin(actor, officer.bank.county)
    with transaction.atomic():
        record_event(
            actor=actor,
            action="loans.officer_removed",
            obj=officer,
            village=None,
            before={"bank": officer.bank.name, "user": officer.user_id},
        )
        BankOfficer.objects.filter(pk=officer.pk).delete()


def _has_places(value: Decimal, places: int) -> bool:
    """Whether a finite decimal below 100 has at most ``places`` decimals."""
    return value.is_finite() and abs(value) < 100 and value == round(value, places)


def create_policy(
    *,
    actor: Actor,
    bank: Bank,
    area: Place,
    name: str,
    base_rate: Decimal,
    discount_per_100: Decimal,
    mode: str,
    max_discount: Decimal,
    min_stars: int,
    valid_from: date,
    valid_until: date | None,
    credit_lines: Mapping[int, int],
) -> LoanPolicy:
    """A bank's policy for an area: version 1, or the next version of the bank's policy for
    that area. A policy is never changed afterwards; applications keep the version they used.

    Errors name the field at fault, so that a form can show them beside it.
    """
    _require_bank_admin(actor, bank.county)
    errors: dict[str, str] = {}
    name = name.strip()
    if not name:
        errors["name"] = _("Give the policy a name, for example 积分贷.")
    if not bank.county.contains(area):
        errors["area"] = _("The area must lie in the bank's county.")
    if not (_has_places(base_rate, 2) and base_rate > 0):
        errors["base_rate"] = _(
            "Enter the base rate in percent, above 0 and below 100, with at most two decimals."
        )
    if not (_has_places(discount_per_100, 3) and discount_per_100 >= 0):
        errors["discount_per_100"] = _(
            "Enter the discount per 100 points in percentage points, with at most three decimals."
        )
    if not (_has_places(max_discount, 2) and max_discount >= 0):
        errors["max_discount"] = _(
            "Enter the largest discount in percentage points, with at most two decimals."
        )
    elif "base_rate" not in errors and max_discount >= base_rate:
        errors["max_discount"] = _("The largest discount must be below the base rate.")
    if mode not in LoanPolicy.Mode.values:
        errors["mode"] = _("Choose how the discount is applied.")
    if not 0 <= min_stars <= MAX_STARS:
        errors["min_stars"] = _("The lowest star level is from 0 to %(most)s.") % {
            "most": MAX_STARS
        }
    if valid_until is not None and valid_until < valid_from:
        errors["valid_until"] = _("The policy cannot end before it starts.")
    lines = sorted(credit_lines.items())
    if not lines:
        errors[NON_FIELD_ERRORS] = _("Give the credit line of at least one star level.")
    elif any(not 0 <= stars <= MAX_STARS for stars, _limit in lines):
        errors[NON_FIELD_ERRORS] = _("Credit lines are for star levels 0 to %(most)s.") % {
            "most": MAX_STARS
        }
    elif any(not 0 < limit <= MAX_AMOUNT_YUAN for _stars, limit in lines):
        errors[NON_FIELD_ERRORS] = _("A credit line is a number of yuan above 0.")
    elif any(lower[1] > higher[1] for lower, higher in pairwise(lines)):
        errors[NON_FIELD_ERRORS] = _(
            "A higher star level cannot have a smaller credit line than a lower one."
        )
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        _lock_bank(bank)
        newest = (
            LoanPolicy.objects.filter(bank=bank, area=area)
            .order_by("-version")
            .values_list("version", flat=True)
            .first()
        )
        policy = LoanPolicy.objects.create(
            bank=bank,
            area=area,
            name=name[:80],
            version=(newest or 0) + 1,
            base_rate=base_rate,
            discount_per_100=discount_per_100,
            mode=mode,
            max_discount=max_discount,
            min_stars=min_stars,
            valid_from=valid_from,
            valid_until=valid_until,
        )
        CreditLine.objects.bulk_create(
            [CreditLine(policy=policy, stars=stars, limit_yuan=limit) for stars, limit in lines]
        )
        record_event(
            actor=actor,
            action="loans.policy_created",
            obj=policy,
            village=area if area.is_village else None,
            after={
                "bank": bank.name,
                "area": area.code,
                "version": policy.version,
                "base_rate": percent(base_rate),
                "discount_per_100": str(discount_per_100),
                "mode": mode,
                "max_discount": percent(max_discount),
                "min_stars": min_stars,
                "valid_from": valid_from.isoformat(),
                "valid_until": valid_until.isoformat() if valid_until else None,
                "credit_lines": {str(stars): limit for stars, limit in lines},
            },
        )
    return policy
