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
    ore = amount.scaleb(2)
    if ore != ore.to_integral_value():
        raise MoneyError(f"{amount} has more than two decimals")
    return int(ore)


def from_ore(ore: int) -> Decimal:
    """Integer øre to kroner with exactly two decimals; zero is ``0.00``, never ``-0.00``."""
    return Decimal(ore).scaleb(-2).quantize(CENT) if ore else Decimal("0.00")


def format_money(amount: Decimal) -> str:
    """The contract's spelling of an amount: a plain string with exactly two decimals."""
    return f"{amount.quantize(CENT) + Decimal('0.00'):f}"
