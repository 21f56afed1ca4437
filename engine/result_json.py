"""A result as the contract's JSON bytes (``spec/settlement-file.md``), fast.

Why its own module: on a settlement of 500 objects and 200 accounts the result file holds
100 000 allocations, 300 000 money strings; building one dict per allocation and encoding it
took longer than the whole calculation. So the small parts (settlement, accounts, objects,
summary) are plain dicts encoded by orjson (a C encoder; it escapes every character exactly as
the standard library's ``json.dumps(..., ensure_ascii=False)``), and the allocations are
written straight from the result's integer columns (``engine.result.AllocationTable``):

* each allocation is one fixed-width row of a byte matrix: the constant parts of the record,
  and one slot per variable field (object id, account, factor, participates, share, three
  amounts), right-aligned and padded on the left with NUL bytes;
* amounts are rendered from integer øre with whole-column arithmetic (two decimals, ``-``
  only when negative, so never ``-0.00``);
* the NUL bytes are then deleted (a JSON encoder never writes a raw NUL: it escapes it), which
  leaves exactly the compact JSON of the records, in the contract's order (objects in input
  order, accounts inside).

``dumps(result)`` is compact (no spaces), as the command line writes by default;
``dumps(result, indent=True)`` indents by two spaces; ``write(result, stream)`` writes the
compact bytes without joining them first. ``engine.contract_out.result_to_json``
(the dict) is these bytes read back, so there is one writer of the format.
"""

from __future__ import annotations

from decimal import Decimal
from fractions import Fraction
from typing import Any, BinaryIO

import numpy as np
import orjson

from engine.money import format_money, format_ore
from engine.result import AllocationTable, ObjectResult, Result
from engine.rounding import Mode, exact_text, round_ratio

_ROWS_PER_CHUNK = 8192  # allocations rendered at once: a few MB of scratch, whatever the size
_PAIRS = np.array([[48 + k // 10, 48 + k % 10] for k in range(100)], dtype=np.uint8)
_DOT, _MINUS, _ZERO_DIGIT = 46, 45, 48


def dumps(result: Result, *, indent: bool = False) -> bytes:
    """The result as the contract's JSON (UTF-8): compact, or indented by two spaces."""
    body = b"".join(_pieces(result))
    if indent:
        return orjson.dumps(orjson.loads(body), option=orjson.OPT_INDENT_2)
    return body


def write(result: Result, stream: BinaryIO) -> None:
    """``dumps(result)`` written to a binary stream piece by piece (no 16 MB copy in memory)."""
    for piece in _pieces(result):
        stream.write(piece)


def _pieces(result: Result) -> list[bytes]:
    head = orjson.dumps(_head(result))
    summary = orjson.dumps(_summary(result))
    return [head[:-1], b',"allocations":[', *allocations_json(result.allocations),
            b'],"summary":', summary, b"}"]


def _money(value: Decimal) -> str:
    """Every amount of a result has exactly two decimals and is never ``-0.00``
    (``engine.money``), so its plain spelling is the contract's."""
    return f"{value:f}"


def _opt_money(value: Decimal | None) -> str | None:
    return None if value is None else f"{value:f}"


def _quantity(value: Fraction | Decimal) -> str:
    """Non-money quantities: half up to 6 decimals, trailing zeros cut ("0.49589", "524.6");
    the text of ``exact_text(decimal_places(value, 6))``, written from integers.

    >>> _quantity(Fraction(74, 366)), _quantity(Decimal("524.60")), _quantity(Fraction(-1, 3))
    ('0.202186', '524.6', '-0.333333')
    """
    if isinstance(value, Fraction):
        numerator, denominator = value.numerator, value.denominator
    else:
        numerator, denominator = value.as_integer_ratio()
    millionths = round_ratio(numerator * 1_000_000, denominator, mode=Mode.HALF_UP)
    whole, part = divmod(abs(millionths), 1_000_000)
    text = f"{whole}.{part:06d}".rstrip("0").rstrip(".")
    return "-" + text if millionths < 0 else text


def _head(result: Result) -> dict[str, Any]:
    m = _money
    return {
        "settlement": {
            "period_start": result.period_start.isoformat(),
            "period_end": result.period_end.isoformat(),
            "days": result.days,
            "denominator": _quantity(result.denominator),
            "denominator_label": result.denominator_label,
            "weighted_numerator_sum": _quantity(result.weighted_numerator_sum),
            "vacant": _quantity(result.vacant),
            "fingerprint": result.fingerprint,
            "calculated_at": (result.calculated_at.isoformat(timespec="seconds")
                              if result.calculated_at else None),
            "warnings": [w.as_dict() for w in result.warnings],
        },
        "status": result.status.value,
        "accounts": [
            {"account": a.account, "name": a.name, "amount": format_money(a.amount),
             "to_distribute": m(a.to_distribute), "per_unit": m(a.per_unit),
             "rate": None if a.rate is None else f"{a.rate:f}",
             "vacant_share": m(a.vacant_share), "full_distribution": a.full_distribution,
             "distributed": m(a.distributed), "tenant_share": m(a.tenant_share),
             "owner_share": m(a.owner_share)}
            for a in result.accounts
        ],
        "objects": [_object(o) for o in result.objects],
    }


def _object(o: ObjectResult) -> dict[str, Any]:
    """One object's record, its money written straight from the øre fields (500 objects carry
    10 000 amounts; a Decimal for each was a tenth of writing the whole file)."""
    m = format_ore
    share, total = o.share_ore, o.total_ore
    cap, fixed = o.cap_limit_ore, o.fixed_amount_ore
    rest, vat, fee, fee_vat = o.rest_ore, o.vat_ore, o.admin_fee_ore, o.admin_fee_vat_ore
    crossing = {k: (days, ore) for k, days, ore in o.crossing}
    invoices = []
    for k, invoice in enumerate(o.invoice_input):
        amount = format_money(invoice.amount)
        days, counted = crossing.get(k) or (
            (invoice.period_to - invoice.period_from).days + 1, None)
        invoices.append({"invoice_no": invoice.invoice_no,
                         "from": invoice.period_from.isoformat(),
                         "to": invoice.period_to.isoformat(), "amount": amount,
                         "days_inside": days,
                         "counted": amount if counted is None else m(counted)})
    return {
        "id": o.id, "days": o.days, "weight": _quantity(o.weight),
        "numerator": exact_text(o.numerator),
        "weighted_numerator": _quantity(o.weighted_numerator),
        "distributed": m(o.distributed_ore), "share": m(share),
        "cap": None if cap is None else m(cap), "fixed": None if fixed is None else m(fixed),
        "cap_reduction": m(0 if cap is None else share - total),
        "fixed_difference": m(0 if fixed is None else share - total),
        "total": m(total), "invoiced": m(o.invoiced_ore), "invoices": invoices,
        "correction": m(o.correction_ore), "rest": m(rest),
        "admin_fee_pct": None if o.admin_fee_pct is None else exact_text(o.admin_fee_pct),
        "admin_fee": m(fee), "vat": m(vat), "rest_incl_vat": m(rest + vat),
        "admin_fee_vat": m(fee_vat), "admin_fee_incl_vat": m(fee + fee_vat),
        "invoice_total": m(rest + vat + fee + fee_vat),
        "vat_liable": o.vat_liable, "do_not_invoice": o.do_not_invoice,
        "invoice_status": o.invoice_status.value}


def _summary(result: Result) -> dict[str, Any]:
    summary, m = result.summary, _money
    return {
        "total": {"costs": m(summary.costs), "sum": m(summary.costs)},
        "tenants": {k: m(getattr(summary.tenants, k)) for k in
                    ("distributed", "share", "cap", "fixed", "sum", "invoiced",
                     "correction", "rest", "admin_fee", "vat", "admin_fee_vat",
                     "invoice_total")},
        "owner": {k: m(getattr(summary.owner, k)) for k in
                  ("vacant", "share", "cap", "fixed", "sum", "rest", "admin_fee")},
    }


# --- The allocations, from the columns --------------------------------------------------------

def _slots(texts: list[bytes]) -> np.ndarray[Any, Any]:
    """Byte strings as rows of one matrix, right-aligned, NUL-padded on the left."""
    width = max((len(t) for t in texts), default=0)
    out = np.zeros((len(texts), width), dtype=np.uint8)
    for k, text in enumerate(texts):
        if text:
            out[k, width - len(text):] = np.frombuffer(text, dtype=np.uint8)
    return out


def _kroner_digits(magnitude: np.ndarray[Any, Any]) -> int:
    return len(str(int(magnitude.max()) // 100)) if magnitude.size else 1


def money_slots(ore: np.ndarray[Any, Any], out: np.ndarray[Any, Any] | None = None
                ) -> np.ndarray[Any, Any]:
    """Integer øre (any integer array, flattened) as amounts with two decimals, one per row of
    ``out`` (``count × (digits + 4)`` bytes, made when not given), right-aligned and NUL-padded:
    12345 → ``123.45``, −5 → ``-0.05``, 0 → ``0.00``.

    Amounts are below 10^17 øre (``engine.money.MAX_KRONER``), so int64 holds every one.

    >>> money_slots(np.array([12345, -5, 0])).tobytes().replace(b"\\0", b"|")
    b'|123.45||-0.05|||0.00'
    """
    values = np.asarray(ore).astype(np.int64).ravel()
    magnitude = np.abs(values)
    if out is None:
        out = np.zeros((values.size, _kroner_digits(magnitude) + 4), dtype=np.uint8)
    width = out.shape[1]
    digits = width - 4
    kroner, hundredths = np.divmod(magnitude, 100)
    out[:, -2:] = _PAIRS[hundredths]
    out[:, -3] = _DOT
    count = np.ones(values.size, dtype=np.int64)  # digits of each amount's kroner (≥ 1)
    for power in range(1, digits):
        count += kroner >= 10**power
    rest = kroner
    for place in range(digits):
        rest, digit = np.divmod(rest, 10)
        out[:, width - 4 - place] = np.where(place < count, _ZERO_DIGIT + digit, 0)
    out[:, 0] = 0
    rows = np.flatnonzero(values < 0)
    out[rows, width - 4 - count[rows]] = _MINUS
    return out


def allocations_json(table: AllocationTable) -> list[bytes]:
    """The allocations' records, comma-separated, without the enclosing brackets (in pieces,
    to be joined once with the rest of the file)."""
    n, m = len(table.object_ids), len(table.accounts)
    if n == 0 or m == 0:
        return []
    # Each record is: object part, account part, first kind part, distributed, second kind
    # part, tenant share, owner share; the constant text rides with the variable parts.
    object_part = _slots([b'{"object":' + orjson.dumps(object_id) + b',"account":'
                          for object_id in table.object_ids])
    account_part = _slots([orjson.dumps(account) + b',"factor":"' for account in table.accounts])
    # The adjusted cells' factor, participation and share; code 0 is the default (1, yes, 100).
    kinds: dict[tuple[str, bool, str], int] = {("1", True, "100"): 0}
    codes = np.zeros((n, m), dtype=np.int64)
    for (p, a), (factor, participates, share_pct) in table.adjusted.items():
        texts = (exact_text(factor), participates, exact_text(share_pct))
        codes[p, a] = kinds.setdefault(texts, len(kinds))
    kind_first = _slots([f'{k[0]}","participates":{"true" if k[1] else "false"},'
                         '"distributed":"'.encode() for k in kinds])
    kind_second = _slots([f'","share_pct":"{k[2]}","tenant_share":"'.encode() for k in kinds])
    owner_label = np.frombuffer(b'","owner_share":"', dtype=np.uint8)
    close = np.frombuffer(b'"},', dtype=np.uint8)

    pieces: list[bytes] = []
    per_chunk = max(1, _ROWS_PER_CHUNK // m)
    for first in range(0, n, per_chunk):
        rows = slice(first, min(n, first + per_chunk))
        count = (rows.stop - rows.start) * m
        distributed = np.asarray(table.distributed_ore[rows]).astype(np.int64).ravel()
        tenant = np.asarray(table.tenant_share_ore[rows]).astype(np.int64).ravel()
        owner = distributed - tenant
        kind = codes[rows].ravel()
        adjusted = np.flatnonzero(kind)  # the few cells that are not 1, yes, 100
        # (what, part): "object"/"account" broadcast over the other axis, "kind" is the default
        # row patched where a cell is adjusted, "money" is rendered, "text" is constant.
        layout: list[tuple[str, Any]] = [
            ("object", object_part[rows]),
            ("account", account_part),
            ("kind", kind_first),
            ("money", distributed),
            ("kind", kind_second),
            ("money", tenant),
            ("text", owner_label),
            ("money", owner),
            ("text", close),
        ]
        widths = [(_kroner_digits(np.abs(part)) + 4 if what == "money" else part.shape[-1])
                  for what, part in layout]
        block = np.empty((count, sum(widths)), dtype=np.uint8)
        cells = block.reshape(rows.stop - rows.start, m, block.shape[1])
        column = 0
        for (what, part), width in zip(layout, widths, strict=True):
            span = slice(column, column + width)
            if what == "object":
                cells[:, :, span] = part[:, None, :]
            elif what == "account":
                cells[:, :, span] = part[None, :, :]
            elif what == "kind":
                block[:, span] = part[0]
                if adjusted.size:
                    block[adjusted, span] = part[kind[adjusted]]
            elif what == "money":
                money_slots(part, block[:, span])
            else:
                block[:, span] = part
            column += width
        pieces.append(block.tobytes().translate(None, b"\x00"))
    pieces[-1] = pieces[-1][:-1]  # the last record's comma
    return pieces
