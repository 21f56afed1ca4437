"""Norwegian customer ids: an organisation number (9 digits, mod 11) or a national identity
number (fødselsnummer, D-number; 11 digits with two check digits). The invoice basis refuses
an invalid id; the calculation warns early, so it can be fixed before invoicing.

The organisation number's check is a few lines and runs for every object of every calculation,
so it is done here; python-stdnum (cross-checked in the tests) decides the identity numbers,
whose rules (D- and H-numbers, dates) are worth not rewriting, and is imported only for them.

    >>> is_valid_customer_id("914778271"), is_valid_customer_id("914778272")
    (True, False)
"""

from __future__ import annotations

from functools import lru_cache

_ORGNR_WEIGHTS = (3, 2, 7, 6, 5, 4, 3, 2, 1)


def is_valid_orgnr(digits: str) -> bool:
    """Nine ASCII digits whose weighted sum is divisible by 11."""
    if len(digits) != 9 or not (digits.isascii() and digits.isdigit()):
        return False
    return sum(w * (ord(c) - 48) for w, c in zip(_ORGNR_WEIGHTS, digits, strict=True)) % 11 == 0


@lru_cache(maxsize=4096)  # one tenant is in many settlements of a portfolio
def is_valid_customer_id(customer_id: str) -> bool:
    digits = customer_id.replace(" ", "")
    if len(digits) == 9:
        return is_valid_orgnr(digits)
    if len(digits) == 11:
        from stdnum.no import fodselsnummer

        return bool(fodselsnummer.is_valid(digits))
    return False
