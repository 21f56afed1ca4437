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
from collections.abc import Callable
from datetime import date
from decimal import Decimal
from enum import Enum
from operator import attrgetter
from typing import Any

import orjson

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


_GETTERS: dict[tuple[str, ...], Callable[[Any], tuple[Any, ...]]] = {}


def _fields(cls: type) -> tuple[str, ...]:
    """The fields of a record class that the fingerprint covers (cached: it runs per record)."""
    names = _FIELDS.get(cls)
    if names is None:
        names = tuple(f.name for f in dataclasses.fields(cls) if f.name not in OUTSIDE_FINGERPRINT)
        _FIELDS[cls] = names
        # One call fetches every field (a tuple even for one field).
        getter = attrgetter(*names) if len(names) > 1 else (lambda v, n=names[0]: (getattr(v, n),))
        _GETTERS[names] = getter
    return names


# exact_text depends on a number's value only (1, 1.0 and 1E+0 all give "1"), so equal
# numbers may share one entry; a settlement repeats few distinct numbers (100 %, factor 1 …).
_TEXTS: dict[Decimal, str] = {}


def _number_text(value: Decimal) -> str:
    text = _TEXTS.get(value)
    if text is None:
        if len(_TEXTS) > 100_000:
            _TEXTS.clear()
        text = _TEXTS[value] = exact_text(value)
    return text


def _canonical(value: Any) -> Any:
    kind = type(value)
    # The common types first, by exact type (this runs for every field of every record).
    if kind is str or value is None or kind is bool:
        return value
    if kind is Decimal:
        return _number_text(value)
    if kind is date:
        return value.isoformat()
    if kind is tuple or kind is list:
        return [_canonical(v) for v in value]
    names = _FIELDS.get(kind)
    if names is not None:
        return _record(value, names)
    if isinstance(value, Enum):
        return value.value
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return _record(value, _fields(kind))
    if isinstance(value, bool | str):
        return value
    if isinstance(value, Decimal | int):
        return exact_text(Decimal(value))
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, tuple | list):
        return [_canonical(v) for v in value]
    return value


def _record(value: Any, names: tuple[str, ...]) -> dict[str, Any]:
    """A record's canonical dict; the common field types inline (a call per field is most of
    the fingerprint's time on a big settlement)."""
    out: dict[str, Any] = {}
    texts = _TEXTS
    for name, field in zip(names, _GETTERS[names](value), strict=True):
        kind = type(field)
        if kind is str or field is None or kind is bool:
            out[name] = field
        elif kind is Decimal:
            out[name] = texts.get(field) or _number_text(field)
        elif kind is date:
            out[name] = field.isoformat()
        else:
            out[name] = _canonical(field)
    return out


def canonical_json(settlement: SettlementInput) -> str:
    """Sorted keys, no spaces, UTF-8 unescaped: exactly ``json.dumps(..., sort_keys=True,
    ensure_ascii=False, separators=(",", ":"))``, which wrote the fingerprints stored in
    existing workbooks (orjson escapes every character the same way; a test holds them to it)."""
    return _canonical_bytes(settlement).decode("utf-8")


def _canonical_bytes(settlement: SettlementInput) -> bytes:
    return orjson.dumps(_canonical(settlement), option=orjson.OPT_SORT_KEYS)


def fingerprint(settlement: SettlementInput) -> str:
    """SHA-256 (hex) of the rules' version and the canonical input."""
    digest = hashlib.sha256(f"avregn-rules:{RULES_VERSION}\n".encode())
    digest.update(_canonical_bytes(settlement))
    return digest.hexdigest()
