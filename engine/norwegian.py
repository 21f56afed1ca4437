"""Numbers written the Norwegian way, exactly: ``1 234,5`` (a non-breaking space groups
thousands, a comma marks decimals). Used in messages to accountants and for text that the
workbook reader reads back; no float and no locale machinery, so it is exact and the same
everywhere.

    >>> format_number(Decimal("-1234567.5"))
    '-1\\xa0234\\xa0567,5'
    >>> format_number(Decimal("1234.5"), places=2)
    '1\\xa0234,50'
"""

from __future__ import annotations

from decimal import Decimal

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
