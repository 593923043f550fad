"""The largest-remainder method: payouts add up to the pool, each within a fen of its share."""

from __future__ import annotations

import random
from decimal import Decimal
from fractions import Fraction
from itertools import pairwise

import pytest
from hypothesis import given
from hypothesis import strategies as st

from jifen.dividends.allocation import fen_of, largest_remainder, point_value, to_places, yuan


def test_an_even_split_needs_no_remainders() -> None:
    assert largest_remainder(900, {"a": 1, "b": 2, "c": 6}) == {"a": 100, "b": 200, "c": 600}


def test_the_leftover_fen_go_to_the_largest_remainders() -> None:
    # Exact shares 85714.2857… and 14285.7142…: the one fen left goes to the larger remainder.
    assert largest_remainder(100_000, {1: 30, 2: 5}) == {1: 85714, 2: 14286}


def test_equal_remainders_go_to_more_points_then_to_the_smaller_key() -> None:
    # 10 fen over 3 equal households: 3⅓ each, one fen left, the smallest key takes it.
    assert largest_remainder(10, {"b": 1, "c": 1, "a": 1}) == {"a": 4, "b": 3, "c": 3}
    # 5 fen by 1 : 1 : 2 — shares 1.25, 1.25, 2.5: the 2-point household's remainder is largest.
    assert largest_remainder(5, {1: 1, 2: 1, 3: 2}) == {1: 1, 2: 1, 3: 3}
    # 7 fen by 2 : 4 : 8 — shares 1, 2, 4 exactly: nothing left.
    assert largest_remainder(7, {1: 2, 2: 4, 3: 8}) == {1: 1, 2: 2, 3: 4}
    # 2 fen by 1 : 3 : 3 — shares 2/7, 6/7, 6/7; two equal largest remainders take one fen each.
    assert largest_remainder(2, {1: 1, 2: 3, 3: 3}) == {1: 0, 2: 1, 3: 1}
    # 2 fen by 1 : 3 — shares 0.5 and 1.5, equal remainders: the one with more points wins.
    assert largest_remainder(2, {"a": 1, "b": 3}) == {"a": 0, "b": 2}


def test_a_one_fen_pool_goes_to_the_largest_share() -> None:
    assert largest_remainder(1, {1: 10, 2: 30, 3: 20}) == {1: 0, 2: 1, 3: 0}
    # On a tie of points, to the smaller key.
    assert largest_remainder(1, {7: 5, 3: 5}) == {3: 1, 7: 0}


def test_zero_points_get_zero_even_when_fen_are_left() -> None:
    assert largest_remainder(10, {1: 0, 2: 1, 3: 2, 4: 0}) == {1: 0, 2: 3, 3: 7, 4: 0}


def test_nobody_with_points_means_nobody_is_paid() -> None:
    assert largest_remainder(5000, {1: 0, 2: 0}) == {1: 0, 2: 0}
    assert largest_remainder(5000, {}) == {}


def test_many_households_share_exactly() -> None:
    # 500 households with 1 … 500 points share 36 000.00 yuan.
    points = {key: key for key in range(1, 501)}
    payouts = largest_remainder(3_600_000, points)
    assert sum(payouts.values()) == 3_600_000
    total = sum(points.values())
    assert all(abs(payouts[k] - Fraction(3_600_000 * p, total)) < 1 for k, p in points.items())
    # More points never pay less.
    assert all(payouts[k] <= payouts[k + 1] for k in range(1, 500))


def test_negative_input_is_refused() -> None:
    with pytest.raises(ValueError, match="negative"):
        largest_remainder(-1, {1: 1})
    with pytest.raises(ValueError, match="negative"):
        largest_remainder(100, {1: 5, 2: -3})


def test_money_is_converted_exactly() -> None:
    assert yuan(0) == Decimal("0.00")
    assert yuan(1) == Decimal("0.01")
    assert str(yuan(12345)) == "123.45"
    assert str(yuan(100)) == "1.00"
    assert str(yuan(10**15 + 7)) == "10000000000000.07"
    assert fen_of(Decimal("36000.50")) == 3_600_050
    assert fen_of(Decimal("0.01")) == 1
    assert fen_of(Decimal("12")) == 1200
    with pytest.raises(ValueError, match="two decimals"):
        fen_of(Decimal("1.005"))


def test_the_value_of_a_point_is_exact_and_shown_to_four_decimals() -> None:
    value = point_value(100_000, 35)
    assert value == Fraction(1000, 35)
    assert value is not None and to_places(value, 4) == Decimal("28.5714")
    assert point_value(100_000, 0) is None
    # Half up: 1/8 = 0.125 → 0.13; 0.00005 → 0.0001.
    assert to_places(Fraction(1, 8), 2) == Decimal("0.13")
    assert to_places(Fraction(5, 100_000), 4) == Decimal("0.0001")
    assert to_places(Fraction(-1, 8), 2) == Decimal("-0.13")


# The property the issue asks for -------------------------------------------------------------

pools = st.integers(min_value=0, max_value=10**11)
households = st.dictionaries(
    keys=st.integers(min_value=1, max_value=10**6),
    values=st.one_of(st.just(0), st.integers(min_value=0, max_value=10**6)),
    max_size=80,
)


@given(pool=pools, points=households)
def test_payouts_sum_to_the_pool_each_within_a_fen_and_zero_gets_zero(
    pool: int, points: dict[int, int]
) -> None:
    payouts = largest_remainder(pool, points)
    total = sum(points.values())
    assert payouts.keys() == points.keys()
    assert all(isinstance(fen, int) and fen >= 0 for fen in payouts.values())
    if total == 0:
        assert set(payouts.values()) <= {0}
        return
    assert sum(payouts.values()) == pool
    for key, value in points.items():
        exact = Fraction(pool * value, total)
        assert abs(payouts[key] - exact) < 1
        if value == 0:
            assert payouts[key] == 0


@given(pool=pools, points=households, seed=st.integers())
def test_payouts_do_not_depend_on_the_order_of_households(
    pool: int, points: dict[int, int], seed: int
) -> None:
    shuffled = list(points.items())
    random.Random(seed).shuffle(shuffled)
    assert largest_remainder(pool, dict(shuffled)) == largest_remainder(pool, points)


@given(pool=pools, points=households)
def test_more_points_never_pay_less(pool: int, points: dict[int, int]) -> None:
    payouts = largest_remainder(pool, points)
    ranked = sorted(points, key=lambda key: points[key])
    for lower, higher in pairwise(ranked):
        if points[lower] < points[higher]:
            assert payouts[lower] <= payouts[higher]
