"""Norwegian customer ids: an organisation number (9 digits, mod 11) or a national identity
number (fødselsnummer, D-number; 11 digits with two check digits). The invoice basis refuses
an invalid id; the calculation warns early, so it can be fixed before invoicing.

    >>> is_valid_customer_id("914778271"), is_valid_customer_id("914778272")
    (True, False)
"""

from __future__ import annotations

from stdnum.no import fodselsnummer, orgnr


def is_valid_customer_id(customer_id: str) -> bool:
    digits = customer_id.replace(" ", "")
    if len(digits) == 9:
        return bool(orgnr.is_valid(digits))
    if len(digits) == 11:
        return bool(fodselsnummer.is_valid(digits))
    return False
