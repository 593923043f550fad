"""The arithmetic of a dividend: shares of a pool by the largest-remainder method, and money.

Pure functions, no database. Money is whole fen (1 yuan = 100 fen) in ``int``; the value of a
point is an exact ``Fraction``. Nothing here ever touches a float.
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction
from typing import TYPE_CHECKING, TypeVar

if TYPE_CHECKING:
    from _typeshed import SupportsRichComparison

Key = TypeVar("Key", bound="SupportsRichComparison")

FEN_PER_YUAN = 100


def largest_remainder(pool_fen: int, points: Mapping[Key, int]) -> dict[Key, int]:
    """Share ``pool_fen`` among the keys in proportion to their points, in whole fen.

    Each key first gets the floor of its exact share ``pool_fen × points ÷ total``; the fen
    left over go one each to the largest remainders. Equal remainders go first to more points,
    then to the smaller key, so the same input always gives the same payouts. The payouts add
    up to the pool exactly, each is its exact share rounded down or up, and a key with no points
    gets nothing. With no points at all, everybody gets 0 and the pool stays unshared.
    """
    if pool_fen < 0:
        raise ValueError("The pool cannot be negative.")
    if any(value < 0 for value in points.values()):
        raise ValueError("Points to share by cannot be negative; leave such households at 0.")
    total = sum(points.values())
    if total == 0:
        return dict.fromkeys(points, 0)
    payouts: dict[Key, int] = {}
    remainders: list[tuple[int, int, Key]] = []
    for key, value in points.items():
        payouts[key], remainder = divmod(pool_fen * value, total)
        remainders.append((remainder, value, key))
    # Fewer fen are left than there are non-zero remainders, so a key with none never gets one.
    leftover = pool_fen - sum(payouts.values())
    remainders.sort(key=lambda entry: (-entry[0], -entry[1], entry[2]))
    for _remainder, _value, key in remainders[:leftover]:
        payouts[key] += 1
    return payouts


def point_value(pool_fen: int, total_points: int) -> Fraction | None:
    """The exact value of one point in yuan: pool ÷ total points; None when nobody scored."""
    if total_points <= 0:
        return None
    return Fraction(pool_fen, total_points * FEN_PER_YUAN)


def to_places(value: Fraction, places: int) -> Decimal:
    """``value`` rounded half up to ``places`` decimals, for display (e.g. yuan per point)."""
    scale = 10**places
    scaled = value * scale
    # Half up, away from zero: what a cashier or a notice expects.
    magnitude = (abs(scaled.numerator) * 2 + scaled.denominator) // (2 * scaled.denominator)
    sign = -1 if scaled < 0 else 1
    return Decimal(sign * magnitude).scaleb(-places)


def yuan(fen: int) -> Decimal:
    """Fen as yuan with exactly two decimals: 12345 → Decimal('123.45')."""
    return Decimal(fen).scaleb(-2).quantize(Decimal("0.01"))


def fen_of(amount_yuan: Decimal) -> int:
    """Yuan with at most two decimals as whole fen; more decimals are an error, not rounded."""
    fen = amount_yuan * FEN_PER_YUAN
    if fen != fen.to_integral_value(rounding=ROUND_HALF_UP):
        raise ValueError("An amount of money has at most two decimals (fen).")
    return int(fen)
