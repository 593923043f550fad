"""Consent, what a bank may see, loan applications and decisions, and banks' API keys.

``bank_view`` is the one gate through which a bank sees a household, on every path (pages,
API, export): it checks the consent and writes a ``BankAccess`` row either way.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from jifen.accounts.actors import Actor
from jifen.accounts.models import User
from jifen.audit.services import record_event
from jifen.ledger.models import Checkpoint
from jifen.ledger.ranking import position, stars_for
from jifen.ledger.selectors import latest_checkpoint
from jifen.loans.models import (
    ApiKey,
    ApiKeyUsage,
    Bank,
    BankAccess,
    Consent,
    LoanApplication,
    LoanPolicy,
)
from jifen.loans.terms import Policy, Terms, percent, terms_for
from jifen.places.models import Household
from jifen.places.permissions import is_own_household

MAX_CONSENT_DAYS = 366
KEY_PREFIX = "jfk_"


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
    if amount_yuan <= 0:
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
    with transaction.atomic():
        if LoanApplication.objects.filter(
            household=household, bank=bank, status=LoanApplication.Status.SUBMITTED
        ).exists():
            raise ValidationError(_("You already have an application waiting at this bank."))
        terms = standing.terms
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
    consent = bank_view(viewer, application.household, action=BankAccess.Action.DECISION, now=now)
    reason = reason.strip()
    if approve:
        if amount_yuan is None or amount_yuan <= 0:
            raise ValidationError(_("Enter the amount approved, in yuan."))
        if rate is None or not Decimal("0") < rate < Decimal("100"):
            raise ValidationError(_("Enter the annual rate in percent, for example 4.35."))
        if rate != rate.quantize(Decimal("0.01")):
            raise ValidationError(_("Give the rate to at most two decimals."))
    elif not reason:
        raise ValidationError(_("Say why the application is declined."))
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
