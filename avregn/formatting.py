"""Numbers and dates the way a Norwegian accountant reads them: ``1 234,50``, ``31.12.2024``.

Display only; the engine never formats. babel's nb_NO locale gives the grouping (a
non-breaking space) and the decimal comma.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from fractions import Fraction

from babel.numbers import format_decimal

from engine.rounding import Mode, decimal_places


def nok(amount: Decimal | None, *, blank_zero: bool = False) -> str:
    """An amount with two decimals: ``1 234,50`` (``-0,00`` never appears)."""
    if amount is None or (blank_zero and amount == 0):
        return ""
    return str(format_decimal(amount + Decimal("0.00"), format="#,##0.00", locale="nb_NO"))


def number(value: Decimal | Fraction | int | None, places: int = 6) -> str:
    """A quantity (numerator, weight) with up to ``places`` decimals: ``524,6``."""
    if value is None:
        return ""
    exact = decimal_places(Fraction(value), places, mode=Mode.HALF_UP).normalize()
    return str(format_decimal(exact, format="#,##0.######", locale="nb_NO"))


def day(value: date | None) -> str:
    return "" if value is None else f"{value:%d.%m.%Y}"
