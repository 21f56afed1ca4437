"""Numbers written the Norwegian way, exactly: ``1 234,5`` (a non-breaking space groups
thousands, a comma marks decimals). The one home of Norwegian number formatting: messages to
accountants, text that the workbook reader reads back, and the tables of the command line
(``nok``, ``number``, ``day``; ``avregn.formatting`` passes them on). No float and no locale
machinery, so it is exact, the same everywhere, and cheap to import.

    >>> format_number(Decimal("-1234567.5"))
    '-1\\xa0234\\xa0567,5'
    >>> format_number(Decimal("1234.5"), places=2)
    '1\\xa0234,50'
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from fractions import Fraction

from engine.rounding import Mode, decimal_places, exact_text

NB_SPACE = "\u00a0"


def format_number(value: Decimal | int, places: int | None = None, *,
                  separator: str = NB_SPACE) -> str:
    """``value`` with thousands grouped by ``separator``; ``places`` fixes the decimals, else
    as given."""
    value = Decimal(value)
    if places is not None:
        value = value.quantize(Decimal(1).scaleb(-places))
    text = f"{value:f}"
    sign = "-" if text.startswith("-") and value != 0 else ""
    whole, _, decimals = text.lstrip("-").partition(".")
    groups: list[str] = []
    while len(whole) > 3:
        groups.insert(0, whole[-3:])
        whole = whole[:-3]
    groups.insert(0, whole)
    return sign + separator.join(groups) + ("," + decimals if decimals else "")


def nok(amount: Decimal | None, *, blank_zero: bool = False) -> str:
    """An amount with two decimals: ``1 234,50`` (``-0,00`` never appears)."""
    if amount is None or (blank_zero and amount == 0):
        return ""
    return format_number(decimal_places(amount, 2, mode=Mode.HALF_UP))


def number(value: Decimal | Fraction | int | None, places: int = 6) -> str:
    """A quantity (numerator, weight) with up to ``places`` decimals: ``524,6``."""
    if value is None:
        return ""
    exact = decimal_places(Fraction(value), places, mode=Mode.HALF_UP)
    return format_number(Decimal(exact_text(exact)))


def day(value: date | None) -> str:
    """A date as ``31.12.2024``."""
    return "" if value is None else f"{value:%d.%m.%Y}"
