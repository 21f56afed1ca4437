"""A naive reference implementation of spec felleskost.md §5–§6, for the tests only.

Written from the spec, not from ``engine/``: every quantity is an exact ``fractions.Fraction``,
money is integer øre, and each step follows the spec's wording in order. It is deliberately
slow and plain so that a reader can check it against the spec line by line. It reads the JSON
input dict of settlement-file.md (assumed valid; the tests' input checks are elsewhere) and
returns the money and quantity fields of the engine's ``result_to_json`` shape that the tests
compare (``project`` picks the same fields out of an engine result).
"""

from __future__ import annotations

import json
from datetime import date, timedelta
from decimal import Decimal
from fractions import Fraction
from typing import Any

VAT_PCT = 25


class ReferenceInputError(Exception):
    """The reference refuses to calculate (V < 0, empty amount, exported object)."""


# --- exact numbers ------------------------------------------------------------------------


def exact(data: Any) -> Any:
    """``data`` through JSON text, as a settlement file is read: a literal 13.6 in a test
    becomes ``Decimal("13.6")`` (Decimals already there are written as decimal strings)."""
    return json.loads(json.dumps(data, ensure_ascii=False, default=str), parse_float=Decimal)


def num(value: Any) -> Fraction:
    """A JSON number or decimal string read exactly (never through float)."""
    if isinstance(value, bool | float):
        raise TypeError(f"not an exact number: {value!r}")
    if isinstance(value, int | Decimal):
        return Fraction(value)
    if isinstance(value, str):
        return Fraction(Decimal(value.strip()))
    raise TypeError(f"not a number: {value!r}")


def ore(value: Any) -> int:
    """Money (kroner, ≤ 2 decimals) as integer øre."""
    exact = num(value) * 100
    assert exact.denominator == 1, f"money with more than two decimals: {value!r}"
    return int(exact)


def half_up(x: Fraction) -> int:
    """Round to an integer, halves away from zero (spec §6.8)."""
    magnitude = abs(x)
    rounded = int(magnitude + Fraction(1, 2))  # int() floors a non-negative Fraction
    return rounded if x >= 0 else -rounded


def money_text(amount_ore: int) -> str:
    """Integer øre as the contract's money string: '-12.05', '0.00' (never '-0.00')."""
    sign = "-" if amount_ore < 0 else ""
    whole, cents = divmod(abs(amount_ore), 100)
    return f"{sign}{whole}.{cents:02d}"


def decimals_text(x: Fraction, places: int, *, cut_zeros: bool) -> str:
    """``x`` rounded half up to ``places`` decimals; optionally trailing zeros cut."""
    scaled = half_up(x * 10**places)
    sign = "-" if scaled < 0 else ""
    whole, frac = divmod(abs(scaled), 10**places)
    frac_text = f"{frac:0{places}d}" if places else ""
    if cut_zeros:
        frac_text = frac_text.rstrip("0")
    return f"{sign}{whole}" + (f".{frac_text}" if frac_text else "")


def quantity_text(x: Fraction) -> str:
    """Non-money quantities: half up to 6 decimals, trailing zeros cut ('0.49589', '524.6')."""
    return decimals_text(x, 6, cut_zeros=True)


# --- dates --------------------------------------------------------------------------------


def day(text: str) -> date:
    return date.fromisoformat(text)


def period_end(start: date, months: int) -> date:
    """Start + interval months − 1 day (the start is the first of a month, §4)."""
    index = start.year * 12 + start.month - 1 + months
    return date(index // 12, index % 12 + 1, 1) - timedelta(days=1)


def overlap(a_from: date, a_to: date | None, b_from: date, b_to: date) -> int:
    """Days two inclusive ranges share (``a_to`` None = open)."""
    first = max(a_from, b_from)
    last = b_to if a_to is None else min(a_to, b_to)
    return max(0, (last - first).days + 1)


# --- the rules ----------------------------------------------------------------------------


def fee_rule(raw: Any) -> tuple[str, Fraction, bool] | None:
    if raw is None:
        return None
    return (raw.get("mode", "none"), num(raw.get("value", 0)), raw.get("vat_liable", True))


def largest_remainder(amount: int, weights: list[Fraction]) -> list[int]:
    """Split ``amount`` øre in proportion to ``weights`` (listed in tie order) so the parts
    add up exactly: floor each, leftover øre to the largest remainders, ties to the earlier
    entry. A negative amount is the mirror of the positive split."""
    if amount < 0:
        return [-p for p in largest_remainder(-amount, weights)]
    total = sum(weights)
    exact = [amount * w / total for w in weights]
    parts = [int(x) for x in exact]  # floor (x ≥ 0)
    remainders = [x - p for x, p in zip(exact, parts, strict=True)]
    leftover = amount - sum(parts)
    order = sorted(range(len(weights)), key=lambda k: (-remainders[k], k))
    for k in order[:leftover]:
        parts[k] += 1
    return parts


def reference(data: dict[str, Any]) -> dict[str, Any]:
    """The expected result for a valid settlement file's dict (money fields as strings)."""
    st = data["settlement"]
    start = day(st["period_start"])
    months = int(st["interval_months"])
    end = period_end(start, months)
    period_days = (end - start).days + 1  # D
    denominator = num(st["denominator"])  # N
    minimum = ore(st.get("minimum_invoice_amount", 0))
    default_fee = fee_rule(st.get("admin_fee")) or ("none", Fraction(0), True)

    # §5 who takes part
    objects: list[dict[str, Any]] = []
    for raw in data["contract_objects"]:
        lease_end = day(raw["end"]) if raw.get("end") else None
        d = overlap(day(raw["start"]), lease_end, start, end)
        invoices = [
            (day(inv["from"]), day(inv["to"]), ore(inv["amount"]))
            for inv in raw.get("invoiced") or []
        ]
        correction = ore(raw.get("correction", 0))
        pays_in_period = any(overlap(f, t, start, end) > 0 for f, t, _ in invoices)
        if d == 0 and correction == 0 and not pays_in_period:
            continue  # left out (with a warning)
        if raw.get("exported"):
            raise ReferenceInputError(f"{raw['id']} is exported")
        override = raw.get("numerator_override")
        t = num(override if override is not None else raw["numerator"])
        fixed = raw.get("fixed")
        objects.append(
            {
                "id": str(raw["id"]),
                "d": d,
                "w": Fraction(d, period_days),
                "T": t * Fraction(d, period_days),
                "invoices": invoices,
                "correction": correction,
                "vat_liable": raw.get("vat_liable", True),
                "cap": None if raw.get("cap") is None else ore(raw["cap"]),
                "fixed": (
                    None
                    if fixed is None or fixed is False
                    else "invoiced"
                    if fixed is True
                    else ore(fixed)
                ),
                "fee": fee_rule(raw.get("admin_fee")),
                "do_not_invoice": raw.get("do_not_invoice", False),
            }
        )
    ids = {o["id"] for o in objects}

    # §6.1 vacancy
    vacant = denominator - sum((o["T"] for o in objects), Fraction(0))  # V
    if vacant < 0:
        raise ReferenceInputError(f"weighted numerators exceed the denominator by {-vacant}")

    adjustments = {}
    for adj in data.get("adjustments") or []:
        if str(adj["object"]) in ids:  # others are ignored with a warning
            adjustments[(str(adj["object"]), str(adj["account"]))] = (
                num(adj.get("factor", 1)),
                num(adj.get("share_pct", 100)),
                adj.get("participates", True),
            )

    tie_order = sorted(objects, key=lambda o: o["id"])  # code-point order; vacancy after

    accounts: list[dict[str, Any]] = []
    alloc: dict[tuple[str, str], dict[str, Any]] = {}
    for line in data["cost_lines"]:
        account = str(line["account"])
        if line["amount"] is None:
            raise ReferenceInputError(f"empty amount on {account}")
        # §6.2
        b = half_up(ore(line["amount"]) * num(line.get("share_pct", 100)) / 100)  # B_a
        full = line.get("full_distribution", False)
        # §6.3
        units = {}
        for o in objects:
            factor, _, participates = adjustments.get((o["id"], account), (1, 100, True))
            units[o["id"]] = factor * o["T"] if participates else Fraction(0)  # U_ia
        vacancy_units = Fraction(0) if full else vacant
        n_a = vacancy_units + sum(units.values(), Fraction(0))
        # §6.4
        if n_a == 0:
            parts = {o["id"]: 0 for o in objects}
            vacancy_part = b
        else:
            split = largest_remainder(b, [units[o["id"]] for o in tie_order] + [vacancy_units])
            parts = {o["id"]: part for o, part in zip(tie_order, split, strict=False)}
            vacancy_part = split[-1]
        for o in objects:
            _, pct, _ = adjustments.get((o["id"], account), (1, Fraction(100), True))
            f_ia = parts[o["id"]]
            a_ia = half_up(f_ia * pct / 100)  # from the rounded F_ia
            alloc[(o["id"], account)] = {
                "distributed": f_ia,
                "tenant_share": a_ia,
                "owner_share": f_ia - a_ia,
            }
        accounts.append(
            {
                "account": account,
                "amount": ore(line["amount"]),
                "to_distribute": b,
                "vacant_share": vacancy_part,
                "per_unit": decimals_text(Fraction(b, 100) / denominator, 2, cut_zeros=False),
                "rate": None
                if n_a == 0
                else decimals_text(Fraction(b, 100) / n_a, 4, cut_zeros=False),
            }
        )

    # §6.5–6.7 per object
    results = []
    for o in objects:
        distributed = sum(alloc[(o["id"], a["account"])]["distributed"] for a in accounts)
        share = sum(alloc[(o["id"], a["account"])]["tenant_share"] for a in accounts)  # A_i
        invoiced = 0  # U_i
        for f, t, amount in o["invoices"]:
            # §6.6, cumulative: what counts up to the period's end minus what counted before it.
            own = (t - f).days + 1
            up_to_end = overlap(f, t, date.min, end)
            before = overlap(f, t, date.min, start - timedelta(days=1))
            invoiced += (half_up(Fraction(amount * up_to_end, own))
                         - half_up(Fraction(amount * before, own)))
        correction = o["correction"]  # K_i
        total, cap_reduction, fixed_difference = share, 0, 0
        cap_limit = fixed_amount = None
        if o["cap"] is not None:
            cap_limit = half_up(o["cap"] * Fraction(months, 12) * o["w"])
            total = min(share, cap_limit)
            cap_reduction = share - total
        elif o["fixed"] == "invoiced":
            fixed_amount = invoiced + correction
            total = fixed_amount
            fixed_difference = share - total
        elif o["fixed"] is not None:
            fixed_amount = half_up(o["fixed"] * Fraction(months, 12) * o["w"])
            total = fixed_amount
            fixed_difference = share - total
        rest = total - invoiced - correction  # R_i
        mode, value, fee_vat_liable = o["fee"] or default_fee
        if o["fixed"] is not None:
            mode = "none"
        fee = 0  # H_i
        if total > 0 and mode == "percent":
            fee = half_up(total * value / 100)
        elif total > 0 and mode == "fixed":
            fee = int(value * 100)
        vat = half_up(Fraction(rest * VAT_PCT, 100)) if o["vat_liable"] else 0
        fee_vat = half_up(Fraction(fee * VAT_PCT, 100)) if o["vat_liable"] and fee_vat_liable else 0
        if o["do_not_invoice"]:
            status = "do_not_invoice"
        elif rest == 0 and fee == 0:
            status = "nothing_to_invoice"
        elif 0 < rest < minimum and fee == 0:
            status = "below_minimum"
        else:
            status = "ready"
        results.append(
            {
                "id": o["id"],
                "days": o["d"],
                "weight": o["w"],
                "weighted_numerator": o["T"],
                "distributed": distributed,
                "share": share,
                "cap": cap_limit,
                "fixed": fixed_amount,
                "cap_reduction": cap_reduction,
                "fixed_difference": fixed_difference,
                "total": total,
                "invoiced": invoiced,
                "correction": correction,
                "rest": rest,
                "admin_fee": fee,
                "vat": vat,
                "rest_incl_vat": rest + vat,
                "admin_fee_vat": fee_vat,
                "invoice_total": rest + vat + fee + fee_vat,
                "invoice_status": status,
            }
        )

    # §6.9 summary
    costs = sum(a["to_distribute"] for a in accounts)
    t_distributed = sum(r["distributed"] for r in results)
    t_share = sum(r["share"] for r in results)
    t_cap = sum(r["cap_reduction"] for r in results)
    t_fixed = sum(r["fixed_difference"] for r in results)
    t_fee = sum(r["admin_fee"] for r in results)
    o_vacant = sum(a["vacant_share"] for a in accounts)
    o_share = t_distributed - t_share
    o_sum = o_vacant + o_share + t_cap + t_fixed
    t_sum = sum(r["total"] for r in results)
    assert costs == t_sum + o_sum, "reference: costs != tenants + owner"

    m = money_text
    return {
        "settlement": {
            "period_start": start.isoformat(),
            "period_end": end.isoformat(),
            "days": period_days,
            "denominator": quantity_text(denominator),
            "weighted_numerator_sum": quantity_text(denominator - vacant),
            "vacant": quantity_text(vacant),
        },
        "accounts": [
            {
                "account": a["account"],
                "amount": m(a["amount"]),
                "to_distribute": m(a["to_distribute"]),
                "vacant_share": m(a["vacant_share"]),
                "per_unit": a["per_unit"],
                "rate": a["rate"],
            }
            for a in accounts
        ],
        "objects": [
            {
                "id": r["id"],
                "days": r["days"],
                "weight": quantity_text(r["weight"]),
                "weighted_numerator": quantity_text(r["weighted_numerator"]),
                **{k: m(r[k]) for k in MONEY_OBJECT_FIELDS},
                "cap": None if r["cap"] is None else m(r["cap"]),
                "fixed": None if r["fixed"] is None else m(r["fixed"]),
                "invoice_status": r["invoice_status"],
            }
            for r in results
        ],
        "allocations": [
            {
                "object": r["id"],
                "account": a["account"],
                **{k: m(v) for k, v in alloc[(r["id"], a["account"])].items()},
            }
            for r in results
            for a in accounts
        ],
        "summary": {
            "total": {"costs": m(costs), "sum": m(costs)},
            "tenants": {
                "distributed": m(t_distributed),
                "share": m(t_share),
                "cap": m(-t_cap),
                "fixed": m(-t_fixed),
                "sum": m(t_sum),
                "invoiced": m(sum(r["invoiced"] for r in results)),
                "correction": m(sum(r["correction"] for r in results)),
                "rest": m(sum(r["rest"] for r in results)),
                "admin_fee": m(t_fee),
                "vat": m(sum(r["vat"] for r in results)),
                "admin_fee_vat": m(sum(r["admin_fee_vat"] for r in results)),
                "invoice_total": m(sum(r["invoice_total"] for r in results)),
            },
            "owner": {
                "vacant": m(o_vacant),
                "share": m(o_share),
                "cap": m(t_cap),
                "fixed": m(t_fixed),
                "sum": m(o_sum),
                "rest": m(o_sum),
                "admin_fee": m(t_fee),
            },
        },
    }


# --- what the tests compare ---------------------------------------------------------------

MONEY_OBJECT_FIELDS = (
    "distributed",
    "share",
    "cap_reduction",
    "fixed_difference",
    "total",
    "invoiced",
    "correction",
    "rest",
    "admin_fee",
    "vat",
    "rest_incl_vat",
    "admin_fee_vat",
    "invoice_total",
)
OBJECT_FIELDS = (
    "id",
    "days",
    "weight",
    "weighted_numerator",
    *MONEY_OBJECT_FIELDS,
    "cap",
    "fixed",
    "invoice_status",
)
ACCOUNT_FIELDS = ("account", "amount", "to_distribute", "vacant_share", "per_unit", "rate")
ALLOCATION_FIELDS = ("object", "account", "distributed", "tenant_share", "owner_share")
SETTLEMENT_FIELDS = (
    "period_start",
    "period_end",
    "days",
    "denominator",
    "weighted_numerator_sum",
    "vacant",
)


def project(result_json: dict[str, Any]) -> dict[str, Any]:
    """The compared fields of an engine ``result_to_json`` (or of ``reference``)."""
    return {
        "settlement": {k: result_json["settlement"][k] for k in SETTLEMENT_FIELDS},
        "accounts": [{k: a[k] for k in ACCOUNT_FIELDS} for a in result_json["accounts"]],
        "objects": [{k: o[k] for k in OBJECT_FIELDS} for o in result_json["objects"]],
        "allocations": [{k: a[k] for k in ALLOCATION_FIELDS} for a in result_json["allocations"]],
        "summary": result_json["summary"],
    }
