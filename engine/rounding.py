"""All rounding of the engine, in one place, with the mode named at every call.

The spec (§6.8) allows exactly two ways to get from an exact value to øre:

* ``HALF_UP`` — half away from zero (Excel's ROUND): 0,005 → 0,01 and −0,005 → −0,01, so a
  credit mirrors an invoice. Used for single amounts.
* largest remainder — for splitting one amount over many parts so that the parts add up
  exactly (``split_largest_remainder``).

Values are exact ratios of integers (``numerator / denominator``); nothing here sees a float.

    >>> round_ratio(1, 2, mode=Mode.HALF_UP), round_ratio(-1, 2, mode=Mode.HALF_UP)
    (1, -1)
    >>> round_ratio(-3, 2, mode=Mode.FLOOR)
    -2
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal
from enum import Enum
from fractions import Fraction


class Mode(Enum):
    HALF_UP = "half up, away from zero"
    FLOOR = "toward minus infinity"


def round_ratio(numerator: int, denominator: int, *, mode: Mode) -> int:
    """``numerator / denominator`` rounded to an integer (e.g. øre) by ``mode``."""
    if denominator <= 0:
        if denominator == 0:
            raise ZeroDivisionError("round_ratio: denominator 0")
        numerator, denominator = -numerator, -denominator
    if mode is Mode.FLOOR:
        return numerator // denominator
    if mode is Mode.HALF_UP:
        magnitude = (2 * abs(numerator) + denominator) // (2 * denominator)
        return magnitude if numerator >= 0 else -magnitude
    raise ValueError(mode)


def decimal_places(value: Fraction | Decimal, places: int, *, mode: Mode) -> Decimal:
    """An exact value shown with ``places`` decimals (display figures: rate, weight, …)."""
    if mode is not Mode.HALF_UP:
        raise ValueError("display figures round half up")
    frac = Fraction(value)
    scaled = round_ratio(frac.numerator * 10**places, frac.denominator, mode=mode)
    result = Decimal(scaled).scaleb(-places)
    return result + Decimal(0).scaleb(-places)  # no -0.00


def exact_text(value: Decimal) -> str:
    """A decimal as plain text, exactly, trailing zeros cut: ``120.50`` → ``120.5``,
    ``1E+2`` → ``100``, ``-0.0`` → ``0`` (``normalize`` would round past 28 digits)."""
    text = f"{value:f}"
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


def split_largest_remainder(
    amount: int, weights: Sequence[int], denominator: int
) -> list[int]:
    """Split ``amount`` øre over parts ``amount · w_k / denominator`` that add up exactly.

    ``weights`` must sum to ``denominator`` and be ≥ 0; their order is the tie order (earlier
    wins an equal remainder), so callers list tenants by id in code-point order and the vacancy
    last. A negative amount is split as the mirror of the positive one (§6.8).

    Spec §10 (factor): 50 000 kr over weights 200, 100 ×4, 500 (vacancy) of 1 100:
    exact parts 9 090,909…, 4 545,4545… ×4, 22 727,2727…; flooring leaves 3 øre, which go to
    the factor-2 tenant (remainder 0,91 øre) and the first two tied tenants (0,45 øre):

    >>> split_largest_remainder(5_000_000, [200, 100, 100, 100, 100, 500], 1100)
    [909091, 454546, 454546, 454545, 454545, 2272727]
    """
    if amount < 0:
        return [-part for part in split_largest_remainder(-amount, weights, denominator)]
    parts: list[int] = []
    remainders: list[int] = []
    for weight in weights:
        part, remainder = divmod(amount * weight, denominator)
        parts.append(part)
        remainders.append(remainder)
    leftover = amount - sum(parts)
    if leftover:
        # A stable sort on the negated remainder keeps the caller's tie order.
        order = sorted(range(len(parts)), key=lambda k: -remainders[k])
        for k in order[:leftover]:
            parts[k] += 1
    return parts

