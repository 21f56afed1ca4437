"""All rounding of the engine, in one place, with the mode named at every call.

The spec (§6.8) allows exactly two ways to get from an exact value to øre:

* ``HALF_UP`` — half away from zero (Excel's ROUND): 0,005 → 0,01 and −0,005 → −0,01, so a
  credit mirrors an invoice. Used for single amounts.
* largest remainder — for splitting one amount over many parts so that the parts add up
  exactly (``split_largest_remainder`` for one amount, ``split_rows`` for every account of a
  settlement at once).

Values are exact ratios of integers (``numerator / denominator``). The one place a float
appears is ``split_rows``' estimate of a quotient, which exact integer arithmetic then corrects
(the proof is in its docstring); no figure ever depends on a float.

    >>> round_ratio(1, 2, mode=Mode.HALF_UP), round_ratio(-1, 2, mode=Mode.HALF_UP)
    (1, -1)
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from decimal import Decimal
from enum import Enum
from fractions import Fraction
from typing import Any

import numpy as np


class Mode(Enum):
    HALF_UP = "half up, away from zero"


def round_ratio(numerator: int, denominator: int, *, mode: Mode) -> int:
    """``numerator / denominator`` rounded to an integer (e.g. øre) by ``mode``."""
    if denominator <= 0:
        if denominator == 0:
            raise ZeroDivisionError("round_ratio: denominator 0")
        numerator, denominator = -numerator, -denominator
    if mode is Mode.HALF_UP:
        magnitude = (2 * abs(numerator) + denominator) // (2 * denominator)
        return magnitude if numerator >= 0 else -magnitude
    raise ValueError(mode)


def most_decimals(values: Iterable[Decimal]) -> int:
    """Most decimals among ``values`` (so ``value · 10^places`` is an integer for all)."""
    most = 0
    for value in values:
        exponent = value.as_tuple().exponent
        if isinstance(exponent, int) and -exponent > most:
            most = -exponent
    return most


def scaled(value: Decimal, places: int) -> int:
    """``value · 10^places`` as an exact integer (``places`` ≥ the value's decimals)."""
    numerator, denominator = value.as_integer_ratio()  # exact; denominator divides 10^places
    return numerator * 10**places // denominator


def decimal_places(value: Fraction | Decimal, places: int, *, mode: Mode) -> Decimal:
    """An exact value shown with ``places`` decimals (display figures: rate, weight, …)."""
    if mode is not Mode.HALF_UP:
        raise ValueError("display figures round half up")
    frac = Fraction(value)
    return from_scaled(round_ratio(frac.numerator * 10**places, frac.denominator, mode=mode),
                       places)


def from_scaled(scaled: int, places: int) -> Decimal:
    """``scaled · 10^-places`` with exactly ``places`` decimals (never ``-0.00``): an integer's
    exponent is 0, so ``scaleb`` makes it exactly ``-places``."""
    if scaled:
        return Decimal(scaled).scaleb(-places)
    return Decimal(0).scaleb(-places)


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



# Below this bound an int64 product, sum or remainder of ``split_rows`` cannot overflow.
INT64_SAFE = 2**62


def rows_fit_int64(amounts: Sequence[int], denominators: Sequence[int]) -> bool:
    """Whether ``split_rows`` may work in int64 for these amounts and denominators (all weights
    are ≥ 0 and sum to their denominator, so each is at most it).

    The quotient estimate ``floor(|B| · w / N)`` computed in float64 is off by at most
    ``|B|·2⁻⁵⁰ + 1`` (five roundings of relative error 2⁻⁵³ each, on a value ≤ |B|), so its
    remainder ``|B|·w − q·N`` lies strictly between ``±e·N`` with ``e = (|B| >> 50) + 2``. When
    ``e·N < 2^62`` that remainder is computed exactly in wrapping int64 arithmetic (it is exact
    modulo 2^64 and small enough to be read back signed), and one floor division corrects the
    estimate. Sums of parts stay below ``Σ|B| < 2^62``.
    """
    if not amounts:
        return True
    largest = max(abs(b) for b in amounts)
    slack = (largest >> 50) + 2
    return (sum(abs(b) for b in amounts) < INT64_SAFE
            and all(n >= 0 and n * slack < INT64_SAFE for n in denominators))


def split_rows(amounts: np.ndarray[Any, Any], weights: np.ndarray[Any, Any],
               denominators: np.ndarray[Any, Any]) -> np.ndarray[Any, Any]:
    """``split_largest_remainder`` of every row at once: row ``r`` splits ``amounts[r]`` øre
    over ``weights[r]`` (≥ 0, summing to ``denominators[r]``); columns are in tie order (an
    equal remainder goes to the earlier column), negative amounts are mirrored. A row whose
    denominator is 0 gets all parts 0 (the caller decides where its amount goes).

    int64 arrays take the fast road, which is exact only under ``rows_fit_int64``; object
    arrays (Python integers) are exact for any size.

    >>> weights = np.array([[200, 100, 100, 100, 100, 500]] * 2)
    >>> split_rows(np.array([5_000_000, -5_000_000]), weights, np.array([1100, 1100]))[:, :3]
    array([[ 909091,  454546,  454546],
           [-909091, -454546, -454546]])
    """
    exact_ints = weights.dtype == object
    dead = denominators == 0
    denominator = np.where(dead, 1, denominators).astype(weights.dtype)[:, None]
    magnitude = np.abs(amounts).astype(weights.dtype)
    if exact_ints:
        product = magnitude[:, None] * weights
        parts = product // denominator
        remainders = product - parts * denominator
    else:
        estimate = magnitude.astype(np.float64)[:, None] * (
            weights.astype(np.float64) / denominator.astype(np.float64))
        parts = np.floor(estimate).astype(np.int64)
        # Both products wrap modulo 2^64; their difference is small and therefore exact.
        remainders = magnitude[:, None] * weights - parts * denominator
        fix = remainders // denominator
        parts += fix
        remainders -= fix * denominator
    leftover = np.where(dead, 0, magnitude - parts.sum(axis=1)).astype(np.int64)
    # The leftover øre go to the ``leftover`` largest remainders of each row. Rather than sort
    # (stable, slow), find each row's threshold — the leftover-th largest remainder: all above
    # it get one, and of those equal to it the first ones (tie order) get the rest.
    rows, columns = remainders.shape
    ascending = np.sort(remainders, axis=1)
    threshold = ascending[np.arange(rows), np.clip(columns - leftover, 0, columns - 1)]
    above = remainders > threshold[:, None]
    level = remainders == threshold[:, None]
    wanted = leftover - above.sum(axis=1)
    bonus = above | (level & (np.cumsum(level, axis=1) <= wanted[:, None]))
    bonus[leftover == 0] = False
    parts += bonus.astype(parts.dtype)
    parts[dead] = 0
    negative = amounts < 0
    parts[negative] = -parts[negative]
    return parts
