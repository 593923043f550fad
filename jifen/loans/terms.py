"""What a loan policy gives a household: the discount, the rate and the credit line.

Exact decimal arithmetic only. Rates are annual percentages and discounts percentage points,
both to two decimals. A discount is rounded down to the hundredth of a percentage point, so
the software never promises more than the policy gives.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import ROUND_DOWN, Decimal

HUNDREDTH = Decimal("0.01")
STEP = 100


@dataclass(frozen=True)
class Policy:
    base_rate: Decimal
    discount_per_100: Decimal
    stepped: bool
    max_discount: Decimal
    min_stars: int
    # Star level → credit line in yuan.
    credit_lines: Mapping[int, int]


@dataclass(frozen=True)
class Terms:
    eligible: bool
    discount: Decimal
    rate: Decimal
    credit_line_yuan: int


def discount_for(policy: Policy, score: int) -> Decimal:
    """Percentage points off the base rate for a score, capped, to two decimals."""
    if score <= 0:
        return Decimal("0.00")
    if policy.stepped:
        raw = (score // STEP) * policy.discount_per_100
    else:
        raw = Decimal(score) * policy.discount_per_100 / STEP
    return min(raw, policy.max_discount).quantize(HUNDREDTH, rounding=ROUND_DOWN)


def credit_line_for(policy: Policy, stars: int) -> int:
    """The line of the highest star level the household reaches (0 if it reaches none)."""
    reached = [level for level in policy.credit_lines if level <= stars]
    return policy.credit_lines[max(reached)] if reached else 0


def terms_for(policy: Policy, *, score: int, stars: int) -> Terms:
    """The terms for a household; below the minimum star level it gets none of the benefit."""
    base = policy.base_rate.quantize(HUNDREDTH)
    if stars < policy.min_stars:
        return Terms(eligible=False, discount=Decimal("0.00"), rate=base, credit_line_yuan=0)
    discount = discount_for(policy, score)
    return Terms(
        eligible=True,
        discount=discount,
        rate=base - discount,
        credit_line_yuan=credit_line_for(policy, stars),
    )


def percent(value: Decimal) -> str:
    """A rate or discount as people read it: two decimals, e.g. '4.35'."""
    return str(value.quantize(HUNDREDTH))
