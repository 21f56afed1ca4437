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


def _fields(cls: type) -> tuple[str, ...]:
    """The fields of a record class that the fingerprint covers (cached: it runs per record)."""
    names = _FIELDS.get(cls)
    if names is None:
        names = tuple(f.name for f in dataclasses.fields(cls) if f.name not in OUTSIDE_FINGERPRINT)
        _FIELDS[cls] = names
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


# Dates repeat even more (quarterly a konto periods, lease starts): their text, kept.
_DATES: dict[date, str] = {}


def _date_text(value: date) -> str:
    text = _DATES.get(value)
    if text is None:
        if len(_DATES) > 100_000:
            _DATES.clear()
        text = _DATES[value] = value.isoformat()
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
        if not value:
            return []
        # A tuple of records (invoices, cost lines …) holds one class: its maker directly.
        first = type(value[0])
        maker = _MAKERS.get(first)
        if maker is not None:
            return [maker(v) if type(v) is first else _canonical(v) for v in value]
        return [_canonical(v) for v in value]
    maker = _MAKERS.get(kind)
    if maker is not None:
        return maker(value)
    if isinstance(value, Enum):
        return value.value
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return _maker(kind)(value)
    if isinstance(value, bool | str):
        return value
    if isinstance(value, Decimal | int):
        return exact_text(Decimal(value))
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, tuple | list):
        return [_canonical(v) for v in value]
    return value


# Per record class, one function that builds its canonical dict: a settlement has thousands
# of records, and a loop over each one's fields was most of the fingerprint's time. The
# function is written from the fields' declared types, each guarded by the value's actual
# type (anything unexpected goes through ``_canonical``), so it gives what ``_canonical``
# would give field by field.
_MAKERS: dict[type, Callable[[Any], dict[str, Any]]] = {}
_EXPRESSIONS = {
    "str": "({v} if type({v} := value.{name}) is str else _canonical({v}))",
    "bool": "({v} if type({v} := value.{name}) is bool else _canonical({v}))",
    "Decimal": "((_texts.get({v}) or _number_text({v})) if type({v} := value.{name}) is Decimal"
               " else _canonical({v}))",
    "date": "((_dates.get({v}) or _date_text({v})) if type({v} := value.{name}) is date"
            " else _canonical({v}))",
}


def _maker(cls: type) -> Callable[[Any], dict[str, Any]]:
    maker = _MAKERS.get(cls)
    if maker is None:
        declared = {f.name: str(f.type).replace(" ", "") for f in dataclasses.fields(cls)}
        items = []
        for k, name in enumerate(_fields(cls)):
            kind = declared[name].removesuffix("|None")
            template = _EXPRESSIONS.get(kind, "_canonical(value.{name})")
            items.append(f"{name!r}: " + template.format(v=f"v{k}", name=name))
        source = "def make(value):\n    return {" + ", ".join(items) + "}\n"
        scope: dict[str, Any] = {"_canonical": _canonical, "_texts": _TEXTS,
                                 "_number_text": _number_text, "Decimal": Decimal, "date": date,
                                 "_dates": _DATES, "_date_text": _date_text}
        exec(compile(source, f"<fingerprint of {cls.__name__}>", "exec"), scope)
        maker = _MAKERS[cls] = scope["make"]
    return maker


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
