"""The loan terms, in exact decimals: discount, rate and credit line for a score and stars.

Every expected value is written as the exact string a person would read ("4.15"), and the
boundaries are checked one point under, at and over each 100 points. An independent oracle in
whole numbers checks the same thing for every score up to 2,000 and then at random.
"""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from jifen.loans.terms import Policy, credit_line_for, discount_for, percent, terms_for

LINES = {1: 50_000, 2: 100_000, 3: 200_000}


def policy(
    *,
    stepped: bool = False,
    base_rate: str = "4.35",
    per_100: str = "0.1",
    cap: str = "1.00",
    min_stars: int = 1,
    lines: dict[int, int] | None = None,
) -> Policy:
    return Policy(
        base_rate=Decimal(base_rate),
        discount_per_100=Decimal(per_100),
        stepped=stepped,
        max_discount=Decimal(cap),
        min_stars=min_stars,
        credit_lines=LINES if lines is None else lines,
    )


PROPORTIONAL = policy()
STEPPED = policy(stepped=True)


# Proportional: 0.1 per 100 points is 0.001 per point, rounded down to the hundredth.
@pytest.mark.parametrize(
    ("score", "discount", "rate"),
    [
        (1, "0.00", "4.35"),
        (9, "0.00", "4.35"),
        (10, "0.01", "4.34"),
        (99, "0.09", "4.26"),
        (100, "0.10", "4.25"),
        (101, "0.10", "4.25"),
        (150, "0.15", "4.20"),
        (199, "0.19", "4.16"),
        (200, "0.20", "4.15"),
        (201, "0.20", "4.15"),
        (299, "0.29", "4.06"),
        (300, "0.30", "4.05"),
        (301, "0.30", "4.05"),
        (483, "0.48", "3.87"),
        (899, "0.89", "3.46"),
        (900, "0.90", "3.45"),
        (901, "0.90", "3.45"),
        (999, "0.99", "3.36"),
        # At the cap, and beyond it
        (1000, "1.00", "3.35"),
        (1001, "1.00", "3.35"),
        (1099, "1.00", "3.35"),
        (1100, "1.00", "3.35"),
        (25_000, "1.00", "3.35"),
        (10**15, "1.00", "3.35"),
    ],
)
def test_proportional_discount(score: int, discount: str, rate: str) -> None:
    terms = terms_for(PROPORTIONAL, score=score, stars=3)
    assert terms.eligible is True
    assert terms.discount == Decimal(discount) and str(terms.discount) == discount
    assert terms.rate == Decimal(rate) and str(terms.rate) == rate
    assert terms.credit_line_yuan == 200_000


# Stepped: only whole hundreds count.
@pytest.mark.parametrize(
    ("score", "discount", "rate"),
    [
        (1, "0.00", "4.35"),
        (99, "0.00", "4.35"),
        (100, "0.10", "4.25"),
        (101, "0.10", "4.25"),
        (150, "0.10", "4.25"),
        (199, "0.10", "4.25"),
        (200, "0.20", "4.15"),
        (201, "0.20", "4.15"),
        (299, "0.20", "4.15"),
        (300, "0.30", "4.05"),
        (301, "0.30", "4.05"),
        (483, "0.40", "3.95"),
        (899, "0.80", "3.55"),
        (900, "0.90", "3.45"),
        (901, "0.90", "3.45"),
        (999, "0.90", "3.45"),
        # At the cap, and beyond it
        (1000, "1.00", "3.35"),
        (1001, "1.00", "3.35"),
        (1099, "1.00", "3.35"),
        (1100, "1.00", "3.35"),
        (1199, "1.00", "3.35"),
        (10**15, "1.00", "3.35"),
    ],
)
def test_stepped_discount(score: int, discount: str, rate: str) -> None:
    terms = terms_for(STEPPED, score=score, stars=3)
    assert terms.discount == Decimal(discount) and str(terms.discount) == discount
    assert terms.rate == Decimal(rate) and str(terms.rate) == rate


@pytest.mark.parametrize("stepped", [False, True])
@pytest.mark.parametrize("score", [0, -1, -99, -100, -101, -5000])
def test_zero_and_negative_scores_get_no_discount(stepped: bool, score: int) -> None:
    terms = terms_for(policy(stepped=stepped, min_stars=0), score=score, stars=0)
    assert terms.eligible is True
    assert str(terms.discount) == "0.00"
    assert str(terms.rate) == "4.35"
    assert discount_for(policy(stepped=stepped), score) == Decimal("0.00")


@pytest.mark.parametrize(
    ("stepped", "score", "discount"),
    [
        # 0.125 per 100 points: thousandths of a point are cut, never rounded up
        (False, 1, "0.00"),
        (False, 8, "0.01"),  # 0.01
        (False, 7, "0.00"),  # 0.00875
        (False, 150, "0.18"),  # 0.1875
        (False, 100, "0.12"),  # 0.125
        (False, 396, "0.49"),  # 0.495
        (True, 100, "0.12"),  # 0.125
        (True, 199, "0.12"),
        (True, 200, "0.25"),  # 0.250
        (True, 300, "0.37"),  # 0.375
        (True, 400, "0.50"),
        (True, 700, "0.87"),  # 0.875
    ],
)
def test_discounts_are_rounded_down_to_the_hundredth(
    stepped: bool, score: int, discount: str
) -> None:
    terms = terms_for(policy(stepped=stepped, per_100="0.125", cap="3.00"), score=score, stars=1)
    assert str(terms.discount) == discount
    assert terms.rate == Decimal("4.35") - Decimal(discount)


@pytest.mark.parametrize(
    ("stepped", "score", "discount", "rate"),
    [
        # A cap that is not a multiple of the step: 0.3 per 100, at most 0.75
        (True, 200, "0.60", "3.90"),
        (True, 299, "0.60", "3.90"),
        (True, 300, "0.75", "3.75"),
        (False, 249, "0.74", "3.76"),  # 0.747
        (False, 250, "0.75", "3.75"),
        (False, 251, "0.75", "3.75"),  # 0.753, capped
    ],
)
def test_a_cap_between_steps(stepped: bool, score: int, discount: str, rate: str) -> None:
    terms = terms_for(
        policy(stepped=stepped, per_100="0.3", cap="0.75", base_rate="4.5"), score=score, stars=1
    )
    assert (str(terms.discount), str(terms.rate)) == (discount, rate)


def test_a_policy_without_discount_keeps_the_base_rate() -> None:
    terms = terms_for(policy(per_100="0", cap="0"), score=5000, stars=3)
    assert (str(terms.discount), str(terms.rate)) == ("0.00", "4.35")


def test_a_base_rate_with_one_decimal_is_shown_with_two() -> None:
    terms = terms_for(policy(base_rate="4.3"), score=200, stars=1)
    assert str(terms.rate) == "4.10"
    assert str(terms_for(policy(base_rate="4.3"), score=0, stars=1).rate) == "4.30"


@pytest.mark.parametrize("stepped", [False, True])
@pytest.mark.parametrize(("stars", "min_stars"), [(0, 1), (1, 2), (2, 3), (0, 5), (4, 5)])
def test_below_the_lowest_star_level_there_is_no_benefit(
    stepped: bool, stars: int, min_stars: int
) -> None:
    terms = terms_for(policy(stepped=stepped, min_stars=min_stars), score=5000, stars=stars)
    assert terms.eligible is False
    assert str(terms.discount) == "0.00"
    assert str(terms.rate) == "4.35"
    assert terms.credit_line_yuan == 0


@pytest.mark.parametrize(("stars", "min_stars"), [(1, 1), (2, 2), (3, 2), (5, 5)])
def test_at_or_above_the_lowest_star_level_the_discount_applies(stars: int, min_stars: int) -> None:
    terms = terms_for(policy(min_stars=min_stars), score=200, stars=stars)
    assert terms.eligible is True
    assert str(terms.rate) == "4.15"


@pytest.mark.parametrize(
    ("stars", "line"),
    [
        (0, 0),
        (1, 50_000),
        (2, 100_000),
        (3, 200_000),
        # Above the highest level defined: the highest level's line
        (4, 200_000),
        (5, 200_000),
    ],
)
def test_credit_line_per_star_level(stars: int, line: int) -> None:
    assert credit_line_for(PROPORTIONAL, stars) == line
    assert terms_for(policy(min_stars=0), score=0, stars=stars).credit_line_yuan == line


@pytest.mark.parametrize(("stars", "line"), [(0, 0), (1, 10_000), (2, 10_000), (3, 30_000)])
def test_levels_without_a_line_take_the_line_below(stars: int, line: int) -> None:
    sparse = policy(min_stars=0, lines={1: 10_000, 3: 30_000})
    assert credit_line_for(sparse, stars) == line


def test_a_policy_with_a_line_from_no_stars() -> None:
    from_zero = policy(min_stars=0, lines={0: 5_000, 2: 20_000})
    assert credit_line_for(from_zero, 0) == 5_000
    assert credit_line_for(from_zero, 1) == 5_000
    assert credit_line_for(from_zero, 2) == 20_000


def test_no_lines_means_no_credit() -> None:
    assert terms_for(policy(min_stars=0, lines={}), score=900, stars=5).credit_line_yuan == 0


@pytest.mark.parametrize(
    ("value", "shown"),
    [
        (Decimal("4.35"), "4.35"),
        (Decimal("4.3"), "4.30"),
        (Decimal("4"), "4.00"),
        (Decimal("0"), "0.00"),
        (Decimal("0.10"), "0.10"),
        (Decimal("12.50"), "12.50"),
    ],
)
def test_percent_shows_two_decimals(value: Decimal, shown: str) -> None:
    assert percent(value) == shown


def test_results_are_decimals_never_floats() -> None:
    terms = terms_for(PROPORTIONAL, score=483, stars=2)
    assert type(terms.discount) is Decimal and type(terms.rate) is Decimal


# An oracle in whole numbers: thousandths of a percentage point per 100 points, hundredths of
# a percentage point for the cap; the discount in hundredths, cut.


def oracle(score: int, per_100_thousandths: int, cap_hundredths: int, stepped: bool) -> int:
    if score <= 0:
        return 0
    # In 1/100,000 of a percentage point
    raw = (score // 100) * per_100_thousandths * 100 if stepped else score * per_100_thousandths
    return min(raw, cap_hundredths * 1000) // 1000


def as_points(hundredths: int) -> str:
    return f"{hundredths // 100}.{hundredths % 100:02d}"


@pytest.mark.parametrize("stepped", [False, True])
def test_every_score_to_two_thousand_agrees_with_the_oracle(stepped: bool) -> None:
    for per_100 in (100, 125, 50, 333):
        cap = 150
        tested = policy(stepped=stepped, per_100=str(Decimal(per_100) / 1000), cap="1.50")
        for score in range(-5, 2001):
            expected = as_points(oracle(score, per_100, cap, stepped))
            assert str(discount_for(tested, score)) == expected, (per_100, score)


@given(
    score=st.integers(min_value=-(10**6), max_value=10**9),
    per_100=st.integers(min_value=0, max_value=9_999),
    cap=st.integers(min_value=0, max_value=999),
    stepped=st.booleans(),
)
def test_any_policy_agrees_with_the_oracle(
    score: int, per_100: int, cap: int, stepped: bool
) -> None:
    tested = policy(
        stepped=stepped,
        base_rate="10.00",
        per_100=str(Decimal(per_100) / 1000),
        cap=as_points(cap),
        min_stars=0,
    )
    terms = terms_for(tested, score=score, stars=0)
    expected = oracle(score, per_100, cap, stepped)
    assert str(terms.discount) == as_points(expected)
    assert terms.rate == Decimal("10.00") - Decimal(as_points(expected))
