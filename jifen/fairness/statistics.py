"""The statistics behind the fairness flags: pure functions over integers and fractions.

Every figure here is simple enough to state in one sentence to a township officer:

- the *modified z-score* (Iglewicz and Hoaglin): 0.6745 × (value − median) ÷ median absolute
  deviation, robust to the few very high or very low households every village has;
- the *binomial tail*: the chance of ``k`` or more of ``n`` events falling on one side when
  each does so with probability ``p`` — exact, with integers;
- the *Poisson tail*: the chance of ``k`` or more events when ``rate`` are expected — in
  log space, summing the falling terms of the tail.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction

# 0.6745 is the 75th percentile of the standard normal: it makes the MAD comparable to a
# standard deviation when the data are normal.
MAD_SCALE = Fraction(6745, 10_000)


def median(values: Sequence[int | Fraction]) -> Fraction:
    if not values:
        raise ValueError("The median of nothing is undefined.")
    ordered = sorted(Fraction(value) for value in values)
    middle = len(ordered) // 2
    if len(ordered) % 2:
        return ordered[middle]
    return (ordered[middle - 1] + ordered[middle]) / 2


def median_absolute_deviation(values: Sequence[int | Fraction]) -> Fraction:
    centre = median(values)
    return median([abs(Fraction(value) - centre) for value in values])


def modified_z_score(value: int | Fraction, centre: Fraction, deviation: Fraction) -> Fraction:
    """0.6745 × (value − centre) ÷ deviation; the deviation must be positive."""
    if deviation <= 0:
        raise ValueError("The deviation must be positive.")
    return MAD_SCALE * (Fraction(value) - centre) / deviation


def binomial_tail(k: int, n: int, p: Fraction) -> Fraction:
    """P(X ≥ k) for X ~ Binomial(n, p), exactly."""
    if not 0 <= p <= 1:
        raise ValueError("A probability lies between 0 and 1.")
    if k <= 0:
        return Fraction(1)
    if k > n:
        return Fraction(0)
    # With p = a / b every term is comb(n, i) · a^i · (b − a)^(n − i) / b^n: integers to the end.
    a, b = p.numerator, p.denominator
    total = sum(math.comb(n, i) * a**i * (b - a) ** (n - i) for i in range(k, n + 1))
    return Fraction(total, b**n)


def poisson_tail(k: int, rate: Fraction) -> float:
    """P(X ≥ k) for X ~ Poisson(rate), summed in log space from the k-th term on."""
    if rate < 0:
        raise ValueError("A rate is not negative.")
    if k <= 0:
        return 1.0
    if rate == 0:
        return 0.0
    mean = float(rate)
    if k <= mean:
        # Below the mean the upper tail is large; sum the lower part instead (no cancellation).
        lower = sum(math.exp(-mean + i * math.log(mean) - math.lgamma(i + 1)) for i in range(k))
        return max(0.0, 1.0 - lower)
    log_first = -mean + k * math.log(mean) - math.lgamma(k + 1)
    # Beyond the mean the terms fall; their ratio to the first is a running product.
    ratio_sum, ratio, i = 1.0, 1.0, k
    while True:
        i += 1
        ratio *= mean / i
        ratio_sum += ratio
        if ratio < 1e-17 * ratio_sum:
            break
    return math.exp(log_first + math.log(ratio_sum))


def rounded(value: Fraction | float, places: int = 1) -> Decimal:
    """A figure rounded half up for the explanation (and stored so, to read back the same)."""
    exponent = Decimal(1).scaleb(-places)
    if isinstance(value, Fraction):
        quotient = Decimal(value.numerator) / Decimal(value.denominator)
    else:
        quotient = Decimal(repr(value))
    return quotient.quantize(exponent, rounding=ROUND_HALF_UP)


def plain(value: Fraction) -> str:
    """A median or deviation as people write it: 120, 120.5, 120.33."""
    if value.denominator == 1:
        return str(value.numerator)
    return str(rounded(value, 2).normalize())


def chance(probability: Fraction | float) -> str:
    """A small probability in two significant figures: "3.1e-07", "0.0042"."""
    number = float(probability)
    if number == 0:
        return "0"
    if number >= 0.001:
        return f"{number:.2g}"
    return f"{number:.1e}"
