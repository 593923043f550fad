"""Rates and discounts as people read them: percentage points to two decimals, never floats."""

from __future__ import annotations

from decimal import Decimal

from django import template

from jifen.loans.terms import HUNDREDTH
from jifen.loans.terms import percent as two_decimals

register = template.Library()


@register.filter
def percent(value: Decimal | None) -> str:
    """4.35 → '4.35'; 1 → '1.00'."""
    return "" if value is None else two_decimals(value)


@register.filter
def per_hundred(value: Decimal | None) -> str:
    """A discount per 100 points: two decimals, or three where the policy uses a third."""
    if value is None:
        return ""
    return two_decimals(value) if value == value.quantize(HUNDREDTH) else str(value)


@register.filter
def star_marks(stars: int) -> str:
    return "★" * stars
