"""Money enters the engine here, and only here.

Every amount is a ``Decimal`` with exactly two decimals (kroner and øre). Binary floats are
refused outright: ``0.1 + 0.2`` is not an amount anybody can explain to a tenant. Inside the
calculation amounts travel as integer øre (``to_ore``/``from_ore``), which is both exact and fast.

    >>> money("1234.5")
    Decimal('1234.50')
    >>> money("1.000")
    Traceback (most recent call last):
    ...
    engine.money.MoneyError: «1.000» har mer enn to desimaler
    >>> money(0.1)
    Traceback (most recent call last):
    ...
    TypeError: money refuses float 0.1: give a str, int or Decimal
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

CENT = Decimal("0.01")
# The one bound on every figure avregn reads — amounts, numerators, factors, percentages, from
# JSON and from cells alike: far beyond any real ledger or lease, and small enough that every
# figure stays exact in Decimal's 28 digits wherever it is multiplied or shown.
MAX_MAGNITUDE = 10**15


class MoneyError(ValueError):
    """A value that is not an amount of kroner with at most two decimals."""


def money(value: Decimal | int | str) -> Decimal:
    """The one constructor of amounts: exact, at most two decimals, never a float."""
    if isinstance(value, bool):
        raise TypeError(f"money refuses bool {value!r}")
    if isinstance(value, float):
        raise TypeError(f"money refuses float {value!r}: give a str, int or Decimal")
    if isinstance(value, int):
        value = Decimal(value)
    elif isinstance(value, str):
        text = value.strip()
        try:
            value = Decimal(text)
        except InvalidOperation:
            raise MoneyError(f"«{text}» er ikke et beløp") from None
    if not isinstance(value, Decimal):
        raise TypeError(f"money refuses {type(value).__name__}")
    if not value.is_finite():
        raise MoneyError(f"«{value}» er ikke et beløp")
    exponent = value.as_tuple().exponent
    if isinstance(exponent, int) and exponent < -2:
        raise MoneyError(f"«{value}» har mer enn to desimaler")
    if abs(value) >= MAX_MAGNITUDE:
        raise MoneyError(f"«{value}» er et urimelig stort beløp")
    return value.quantize(CENT) + Decimal("0.00")  # + 0.00 turns -0.00 into 0.00


def to_ore(amount: Decimal) -> int:
    """Kroner with two decimals to integer øre (exact; more decimals are a bug upstream)."""
    numerator, denominator = amount.as_integer_ratio()  # denominator divides 100 for money
    if 100 % denominator:
        raise MoneyError(f"{amount} has more than two decimals")
    return numerator * (100 // denominator)


ZERO = Decimal("0.00")


def from_ore(ore: int) -> Decimal:
    """Integer øre to kroner with exactly two decimals; zero is ``0.00``, never ``-0.00``.
    (An integer's exponent is 0, so ``· 0.01`` makes it exactly −2; amounts have far fewer
    than Decimal's 28 digits, so the product is exact.)"""
    return Decimal(ore) * CENT if ore else ZERO


def format_money(amount: Decimal) -> str:
    """The contract's spelling of an amount: a plain string with exactly two decimals."""
    return f"{amount.quantize(CENT) + Decimal('0.00'):f}"


def format_ore(ore: int) -> str:
    """``format_money(from_ore(ore))`` without the Decimal: 12345 → "123.45", −5 → "-0.05",
    0 → "0.00" (never "-0.00"). The result file writes ten thousand of these per 500 objects."""
    if ore < 0:
        kroner, cents = divmod(-ore, 100)
        return f"-{kroner}.{cents:02d}"
    kroner, cents = divmod(ore, 100)
    return f"{kroner}.{cents:02d}"
