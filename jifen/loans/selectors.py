"""Reads of the loan pages: a household's offers, consents, applications and the banks' looks;
a bank's queue; the county's banks with their officers, policies and keys.

None of these shows a bank anything of a household's points: that goes through
``services.bank_view``.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from django.db.models import Count, Prefetch, Q, QuerySet

from jifen.accounts.models import Role, User
from jifen.ledger.ranking import Position, position, stars_for
from jifen.loans.models import (
    ApiKey,
    Bank,
    BankAccess,
    BankOfficer,
    Consent,
    CreditLine,
    LoanApplication,
    LoanPolicy,
)
from jifen.loans.services import policy_facts, policy_for
from jifen.loans.terms import Terms, terms_for
from jifen.places.models import Household, Place

# How long a decision stays in the notice box at the top of the household's page.
DECISION_NOTICE_DAYS = 30
ACCESS_ROWS = 100
DECIDED_ROWS = 100


def county_of(household: Household) -> Place | None:
    township = household.village.parent
    return township.parent if township is not None else None


def bank_of_officer(user: User) -> Bank | None:
    officer = BankOfficer.objects.select_related("bank__county").filter(user=user).first()
    return officer.bank if officer else None


def banks_in(county: Place) -> QuerySet[Bank]:
    return Bank.objects.filter(county=county).order_by("name")


# The household's side


@dataclass(frozen=True)
class Own:
    """The household's own standing, as its page shows it."""

    position: Position
    stars: int


def own_standing(household: Household) -> Own:
    place = position(household)
    return Own(position=place, stars=stars_for(household.village, place.score))


@dataclass(frozen=True)
class Offer:
    """A bank's policy for the household's village today, and what it gives the household."""

    bank: Bank
    policy: LoanPolicy | None
    terms: Terms | None


def offers_for(household: Household, own: Own, on: date) -> list[Offer]:
    """One per bank of the household's county (a county has one or a few banks)."""
    county = county_of(household)
    if county is None:
        return []
    offers = []
    for bank in banks_in(county):
        policy = policy_for(bank, household, on)
        terms = (
            terms_for(policy_facts(policy), score=own.position.score, stars=own.stars)
            if policy
            else None
        )
        offers.append(Offer(bank=bank, policy=policy, terms=terms))
    return offers


@dataclass(frozen=True)
class ConsentRow:
    consent: Consent
    # Running now: neither revoked nor expired.
    live: bool


def consent_rows(household: Household, now: datetime) -> list[ConsentRow]:
    """The household's consents, newest first: the running ones, then those that ended."""
    consents = (
        Consent.objects.filter(household=household)
        .select_related("bank")
        .order_by("-granted_at", "-pk")[:50]
    )
    rows = [
        ConsentRow(consent, consent.revoked_at is None and consent.expires_at > now)
        for consent in consents
    ]
    return sorted(rows, key=lambda row: not row.live)


def applications_of(household: Household) -> list[LoanApplication]:
    return list(
        LoanApplication.objects.filter(household=household)
        .select_related("bank", "policy", "checkpoint")
        .order_by("-applied_at", "-pk")
    )


def recent_decisions(
    applications: Iterable[LoanApplication], now: datetime
) -> list[LoanApplication]:
    """Approved or declined in the last days: what the household is told first."""
    since = now - timedelta(days=DECISION_NOTICE_DAYS)
    decided = {LoanApplication.Status.APPROVED, LoanApplication.Status.DECLINED}
    return [
        application
        for application in applications
        if application.status in decided
        and application.decided_at is not None
        and application.decided_at >= since
    ]


def accesses_of(household: Household) -> list[BankAccess]:
    """Who looked at the household's points, newest first."""
    return list(
        BankAccess.objects.filter(household=household)
        .select_related("bank", "officer", "api_key")
        .order_by("-at", "-pk")[:ACCESS_ROWS]
    )


# The bank's side


@dataclass(frozen=True)
class Queue:
    waiting: list[LoanApplication]
    decided: list[LoanApplication]
    # Households of these applications that let the bank see them now.
    consenting: set[int]


def bank_queue(bank: Bank, now: datetime) -> Queue:
    """The bank's applications: waiting ones oldest first, then the latest decided ones."""
    applications = LoanApplication.objects.filter(bank=bank).select_related(
        "household__village", "household__head"
    )
    waiting = list(
        applications.filter(status=LoanApplication.Status.SUBMITTED).order_by("applied_at", "pk")
    )
    decided = list(
        applications.exclude(status=LoanApplication.Status.SUBMITTED).order_by(
            "-decided_at", "-pk"
        )[:DECIDED_ROWS]
    )
    household_ids = {application.household_id for application in [*waiting, *decided]}
    consenting = set(
        Consent.objects.filter(
            bank=bank,
            household_id__in=household_ids,
            revoked_at__isnull=True,
            expires_at__gt=now,
        ).values_list("household_id", flat=True)
    )
    return Queue(waiting=waiting, decided=decided, consenting=consenting)


def applications_of_household_at(bank: Bank, household: Household) -> list[LoanApplication]:
    return list(
        LoanApplication.objects.filter(bank=bank, household=household).order_by("-applied_at")
    )


# The county admin's side


def banks_overview(county: Place) -> QuerySet[Bank]:
    return banks_in(county).annotate(
        officer_count=Count("officers", distinct=True),
        policy_count=Count("policies", distinct=True),
        live_key_count=Count(
            "api_keys", filter=Q(api_keys__revoked_at__isnull=True), distinct=True
        ),
    )


def officers_of(bank: Bank) -> list[BankOfficer]:
    return list(BankOfficer.objects.filter(bank=bank).select_related("user").order_by("user__name"))


def officer_candidates(county: Place) -> QuerySet[User]:
    """Accounts holding the bank officer role in the county that work for no bank yet."""
    return (
        User.objects.filter(
            grants__role=Role.BANK_OFFICER,
            grants__place=county,
            grants__revoked_at__isnull=True,
            bank_officer__isnull=True,
        )
        .distinct()
        .order_by("name")
    )


def policies_of(bank: Bank) -> list[LoanPolicy]:
    return list(
        LoanPolicy.objects.filter(bank=bank)
        .select_related("area")
        .prefetch_related(Prefetch("credit_lines", queryset=CreditLine.objects.order_by("stars")))
        .annotate(application_count=Count("applications"))
        .order_by("area__path", "-version")
    )


def keys_of(bank: Bank) -> list[ApiKey]:
    return list(
        ApiKey.objects.filter(bank=bank).select_related("created_by").order_by("-created_at")
    )


def policy_areas(county: Place) -> QuerySet[Place]:
    """The places a policy may cover: the county, its townships and its villages."""
    return Place.objects.filter(path__startswith=county.path).order_by("path")
