"""The statistics of the fairness flags against hand-computed values and brute force."""

from __future__ import annotations

import math
import statistics as stdlib
from decimal import Decimal
from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import strategies as st

from jifen.fairness.statistics import (
    binomial_tail,
    chance,
    median,
    median_absolute_deviation,
    modified_z_score,
    plain,
    poisson_tail,
    rounded,
)


def test_median_and_mad_by_hand() -> None:
    # Given the points of six households
    points = [10, 10, 20, 20, 20, 30]
    # Then the median is 20, the deviations 10 10 0 0 0 10, their median 5
    assert median(points) == 20
    assert median_absolute_deviation(points) == 5
    assert median([1, 2]) == Fraction(3, 2)


def test_median_of_nothing_is_refused() -> None:
    with pytest.raises(ValueError, match="undefined"):
        median([])


def test_modified_z_score_by_hand() -> None:
    # 0.6745 × (130 − 20) ÷ 5 = 14.839
    assert modified_z_score(130, Fraction(20), Fraction(5)) == Fraction(14839, 1000)
    with pytest.raises(ValueError, match="positive"):
        modified_z_score(1, Fraction(0), Fraction(0))


def test_binomial_tail_by_hand() -> None:
    # P(X ≥ 2) for 3 fair coins: 3/8 + 1/8
    assert binomial_tail(2, 3, Fraction(1, 2)) == Fraction(1, 2)
    # P(X ≥ 5) of 5 with p = 1/10
    assert binomial_tail(5, 5, Fraction(1, 10)) == Fraction(1, 100_000)
    assert binomial_tail(0, 4, Fraction(1, 3)) == 1
    assert binomial_tail(5, 4, Fraction(1, 3)) == 0


def test_poisson_tail_by_hand() -> None:
    # P(X ≥ 1 | λ = 2) = 1 − e^−2
    assert poisson_tail(1, Fraction(2)) == pytest.approx(1 - math.exp(-2), rel=1e-12)
    # P(X ≥ 3 | λ = 1/2) = 1 − e^−½ (1 + ½ + ⅛)
    assert poisson_tail(3, Fraction(1, 2)) == pytest.approx(
        1 - math.exp(-0.5) * (1 + 0.5 + 0.125), rel=1e-12
    )
    assert poisson_tail(12, Fraction(4)) == pytest.approx(0.000915229147, rel=1e-9)
    assert poisson_tail(0, Fraction(3)) == 1
    assert poisson_tail(2, Fraction(0)) == 0


def test_figures_as_written() -> None:
    assert rounded(Fraction(14839, 1000)) == Decimal("14.8")
    assert rounded(Fraction(1, 20)) == Decimal("0.1")
    assert plain(Fraction(20)) == "20"
    assert plain(Fraction(241, 2)) == "120.5"
    assert plain(Fraction(1, 3)) == "0.33"
    assert chance(Fraction(1, 100_000)) == "1.0e-05"
    assert chance(0.0042) == "0.0042"
    assert chance(0) == "0"


@given(st.lists(st.integers(-1000, 1000), min_size=1, max_size=40))
def test_median_agrees_with_the_standard_library(values: list[int]) -> None:
    assert median(values) == Fraction(stdlib.median(values)).limit_denominator(2)
    deviations = [abs(v - stdlib.median(values)) for v in values]
    assert median_absolute_deviation(values) == Fraction(
        stdlib.median(deviations)
    ).limit_denominator(4)


@given(
    st.integers(0, 25),
    st.integers(0, 25),
    st.fractions(min_value=0, max_value=1, max_denominator=12),
)
def test_binomial_tail_is_the_sum_of_the_probabilities(k: int, n: int, p: Fraction) -> None:
    brute = sum(
        (Fraction(math.comb(n, i)) * p**i * (1 - p) ** (n - i) for i in range(max(k, 0), n + 1)),
        Fraction(0),
    )
    assert binomial_tail(k, n, p) == (brute if k > 0 else 1)


@given(st.integers(1, 30), st.integers(1, 30), st.fractions(0, 1, max_denominator=9))
def test_binomial_tail_falls_as_k_grows(k: int, n: int, p: Fraction) -> None:
    assert binomial_tail(k + 1, n, p) <= binomial_tail(k, n, p)


@given(
    st.integers(1, 60), st.fractions(min_value=Fraction(1, 10), max_value=30, max_denominator=20)
)
def test_poisson_tail_agrees_with_brute_force(k: int, rate: Fraction) -> None:
    mean = float(rate)

    # Each term exactly, e^−λ aside: λ^i ÷ i!
    def term(i: int) -> float:
        return math.exp(-mean) * float(rate**i / math.factorial(i))

    lower = math.fsum(term(i) for i in range(k))
    upper = math.fsum(term(i) for i in range(k, k + 200))
    assert poisson_tail(k, rate) == pytest.approx(upper, rel=1e-9, abs=1e-15)
    assert poisson_tail(k, rate) == pytest.approx(1 - lower, abs=1e-12)
