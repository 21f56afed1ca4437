"""The input fingerprint: a stable hash of what a calculation used (settlement-file.md).

Results carry it so that anything using a result (lock, invoice-ready, letters, the invoice
basis) can tell whether the inputs changed since. It covers the validated input with defaults
filled in, numbers normalised (``100`` and ``"100.00"`` are the same) and keys sorted, and
leaves out the workflow fields ``status``, ``exported`` and ``do_not_invoice``: locking or
toggling an invoice flag must not make a result look stale. Also left out are the fields that
change no figure (addresses, invoicing codes, a cost line's transaction type: settlement-file.md
"outside the fingerprint"). The version of the calculation rules is hashed in, so results made
under an older rule (before the cumulative invoice rounding of spec §6.6) show as stale.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
from datetime import date
from decimal import Decimal
from enum import Enum
from typing import Any

from engine.model import SettlementInput
from engine.rounding import exact_text

WORKFLOW_FIELDS = frozenset({"status", "exported", "do_not_invoice"})
# Fields that change no figure: editable in any status without making a result stale.
OUTSIDE_FINGERPRINT = WORKFLOW_FIELDS | {"owner_address", "address", "invoicing",
                                         "transaction_type"}

# The version of the calculation rules. Bump it whenever a rule changes a figure:
# 2 = cumulative rounding of a konto invoices that cross the period (spec §6.6).
RULES_VERSION = "2"


_FIELDS: dict[type, tuple[str, ...]] = {}


def _fields(cls: type) -> tuple[str, ...]:
    """The fields of a record class that the fingerprint covers (cached: it runs per record)."""
    names = _FIELDS.get(cls)
    if names is None:
        names = tuple(f.name for f in dataclasses.fields(cls) if f.name not in OUTSIDE_FINGERPRINT)
        _FIELDS[cls] = names
    return names


def _canonical(value: Any) -> Any:
    if value is None or isinstance(value, bool | str):
        return value
    if isinstance(value, Decimal | int):
        return exact_text(Decimal(value))
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, tuple | list):
        return [_canonical(v) for v in value]
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {name: _canonical(getattr(value, name)) for name in _fields(type(value))}
    return value


def canonical_json(settlement: SettlementInput) -> str:
    return json.dumps(_canonical(settlement), sort_keys=True, ensure_ascii=False,
                      separators=(",", ":"))


def fingerprint(settlement: SettlementInput) -> str:
    """SHA-256 (hex) of the rules' version and the canonical input."""
    text = f"avregn-rules:{RULES_VERSION}\n" + canonical_json(settlement)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()
