"""What goes in and out of the bank API, typed, so that the OpenAPI document says it exactly.

Rates and discounts are strings with two decimals ("4.15"), never floats; points and yuan are
integers; times are ISO 8601 in China Standard Time (+08:00).
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Annotated, Any, Literal

from django.utils import timezone
from ninja import Schema
from pydantic import BeforeValidator, ConfigDict, Field

from jifen.ledger.models import Checkpoint
from jifen.loans.models import LoanApplication, LoanPolicy
from jifen.loans.services import Standing
from jifen.loans.terms import percent
from jifen.places.models import Household, Place

# Rates in percent a year and discounts in percentage points, always with two decimals.
Percent = Annotated[str, Field(pattern=r"^[0-9]{1,3}\.[0-9]{2}$", examples=["4.15"])]
# A rate a bank may record: from 0.01 to 99.99, with exactly two decimals.
RateIn = Annotated[
    str,
    Field(
        pattern=r"^(?:[1-9][0-9]?\.[0-9]{2}|0\.(?:0[1-9]|[1-9][0-9]))$",
        examples=["4.15"],
        description="Annual rate in percent, with two decimals, from 0.01 to 99.99.",
    ),
]
# The token printed in the QR code on the household's door plate.
Token = Annotated[str, Field(pattern=r"^[A-Za-z0-9_-]{1,32}$")]
ApplicationStatus = Literal["submitted", "approved", "declined", "withdrawn"]
MAX_ID = 2**63 - 1


def masked_name(name: str) -> str:
    """The surname only: 王建国 -> 王**. Enough to tell a clerk they have the right door."""
    return name[:1] + "*" * (len(name) - 1)


class PlaceOut(Schema):
    code: str
    name: str

    @staticmethod
    def of(place: Place) -> PlaceOut:
        return PlaceOut(code=place.code, name=place.name)


class HouseholdOut(Schema):
    token: str = Field(description="The token in the QR code on the household's door plate.")
    door_plate: str
    village: PlaceOut
    township: PlaceOut | None
    head: str | None = Field(description="The head's surname, the rest masked: 王**.")

    @staticmethod
    def of(household: Household) -> HouseholdOut:
        village = household.village
        return HouseholdOut(
            token=household.public_token,
            door_plate=household.door_plate,
            village=PlaceOut.of(village),
            township=PlaceOut.of(village.parent) if village.parent else None,
            head=masked_name(household.head.name) if household.head else None,
        )


class PolicyOut(Schema):
    id: int
    version: int
    name: str
    base_rate: Percent
    discount_per_100: str = Field(
        pattern=r"^[0-9]+\.[0-9]{3}$",
        description="Percentage points off the base rate per 100 points, three decimals.",
    )
    mode: Literal["proportional", "stepped"]
    max_discount: Percent
    min_stars: int

    @staticmethod
    def of(policy: LoanPolicy) -> PolicyOut:
        return PolicyOut(
            id=policy.pk,
            version=policy.version,
            name=policy.name,
            base_rate=percent(policy.base_rate),
            discount_per_100=str(policy.discount_per_100.quantize(Decimal("0.001"))),
            mode=policy.mode,  # type: ignore[arg-type]
            max_discount=percent(policy.max_discount),
            min_stars=policy.min_stars,
        )


class TermsOut(Schema):
    eligible: bool = Field(description="False below the policy's lowest star level.")
    discount: Percent
    rate: Percent
    credit_line_yuan: int


class CheckpointOut(Schema):
    tree_size: int
    root_hash: str
    signed_at: str = Field(description="The signing time exactly as signed.")
    key_id: str

    @staticmethod
    def of(checkpoint: Checkpoint | None) -> CheckpointOut | None:
        if checkpoint is None:
            return None
        return CheckpointOut(
            tree_size=checkpoint.tree_size,
            root_hash=checkpoint.root_hash,
            signed_at=checkpoint.signed_at_text,
            key_id=checkpoint.key.key_id,
        )


class StandingOut(Schema):
    household: HouseholdOut
    as_of: datetime
    score: int
    rank: int = Field(description="In the household's village; equal scores share a rank.")
    ranked_households: int
    stars: int
    policy: PolicyOut | None = Field(description="None when the bank has no policy here today.")
    terms: TermsOut | None
    checkpoint: CheckpointOut | None = Field(
        description="The village ledger's latest signed checkpoint, to check the score against."
    )

    @staticmethod
    def of(standing: Standing, as_of: datetime) -> StandingOut:
        terms = standing.terms
        return StandingOut(
            household=HouseholdOut.of(standing.household),
            as_of=timezone.localtime(as_of),
            score=standing.score,
            rank=standing.rank,
            ranked_households=standing.ranked_households,
            stars=standing.stars,
            policy=PolicyOut.of(standing.policy) if standing.policy else None,
            terms=None
            if terms is None
            else TermsOut(
                eligible=terms.eligible,
                discount=percent(terms.discount),
                rate=percent(terms.rate),
                credit_line_yuan=terms.credit_line_yuan,
            ),
            checkpoint=CheckpointOut.of(standing.checkpoint),
        )


class DecisionOut(Schema):
    decided_at: datetime
    approved_amount_yuan: int | None
    approved_rate: Percent | None
    decline_reason: str | None


class ApplicationOut(Schema):
    id: int
    status: ApplicationStatus
    applied_at: datetime
    household: HouseholdOut
    amount_yuan: int
    purpose: str
    # What the bank saw when the household applied, frozen then.
    score: int
    rank: int
    ranked_households: int
    stars: int
    policy: PolicyOut
    terms: TermsOut
    checkpoint: CheckpointOut | None
    decision: DecisionOut | None = Field(description="None while waiting for the bank.")
    snapshot: dict[str, Any] = Field(
        description="The frozen record of what the bank saw, kept to reproduce the terms."
    )

    @staticmethod
    def of(application: LoanApplication) -> ApplicationOut:
        decision = None
        if application.status in (
            LoanApplication.Status.APPROVED,
            LoanApplication.Status.DECLINED,
        ):
            assert application.decided_at is not None
            rate = application.approved_rate
            decision = DecisionOut(
                decided_at=timezone.localtime(application.decided_at),
                approved_amount_yuan=application.approved_amount_yuan,
                approved_rate=percent(rate) if rate is not None else None,
                decline_reason=application.decline_reason or None,
            )
        return ApplicationOut(
            id=application.pk,
            status=application.status,  # type: ignore[arg-type]
            applied_at=timezone.localtime(application.applied_at),
            household=HouseholdOut.of(application.household),
            amount_yuan=application.amount_yuan,
            purpose=application.purpose,
            score=application.score,
            rank=application.rank,
            ranked_households=application.ranked_households,
            stars=application.stars,
            policy=PolicyOut.of(application.policy),
            terms=TermsOut(
                eligible=application.eligible,
                discount=percent(application.discount),
                rate=percent(application.rate),
                credit_line_yuan=application.credit_line_yuan,
            ),
            checkpoint=CheckpointOut.of(application.checkpoint),
            decision=decision,
            snapshot=application.snapshot,
        )


class ApplicationSummary(Schema):
    """One line of the bank's list. Without the household's live consent only the first
    four fields are given; the rest are null."""

    id: int
    status: ApplicationStatus
    applied_at: datetime
    visible: bool = Field(description="False when the household's consent is not live.")
    household: HouseholdOut | None
    amount_yuan: int | None
    purpose: str | None
    stars: int | None
    rate: Percent | None = Field(description="The rate the policy gave when applying.")

    @staticmethod
    def of(application: LoanApplication, *, visible: bool) -> ApplicationSummary:
        if not visible:
            return ApplicationSummary(
                id=application.pk,
                status=application.status,  # type: ignore[arg-type]
                applied_at=timezone.localtime(application.applied_at),
                visible=False,
                household=None,
                amount_yuan=None,
                purpose=None,
                stars=None,
                rate=None,
            )
        return ApplicationSummary(
            id=application.pk,
            status=application.status,  # type: ignore[arg-type]
            applied_at=timezone.localtime(application.applied_at),
            visible=True,
            household=HouseholdOut.of(application.household),
            amount_yuan=application.amount_yuan,
            purpose=application.purpose,
            stars=application.stars,
            rate=percent(application.rate),
        )


class ApplicationPage(Schema):
    total: int = Field(description="All the bank's applications matching the filter.")
    limit: int
    offset: int
    items: list[ApplicationSummary]


def _whole_number(value: object) -> object:
    """JSON has one kind of number: 50000.0 is the integer 50000, but "50000" and true are not."""
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


# Strict, so that a string or a boolean is refused, yet 50000.0 is taken as JSON Schema takes it.
WholeNumber = Annotated[int, BeforeValidator(_whole_number)]


class Approve(Schema):
    model_config = ConfigDict(extra="forbid", strict=True)

    decision: Literal["approve"]
    amount_yuan: WholeNumber = Field(ge=1, le=100_000_000, description="The amount lent, in yuan.")
    rate: RateIn


class Decline(Schema):
    model_config = ConfigDict(extra="forbid", strict=True)

    decision: Literal["decline"]
    # At least one visible character; no NUL, which PostgreSQL cannot store.
    reason: str = Field(min_length=1, max_length=200, pattern=r"^[^\x00]*\S[^\x00]*$")


DecisionIn = Annotated[Approve | Decline, Field(discriminator="decision")]
