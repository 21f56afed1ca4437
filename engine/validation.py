"""Checks of a settlement's input that need more than one field's type: ranges, uniqueness,
references between records, and (once all that holds) whether it can be calculated at all.

Every check collects every problem, each with the JSON path of the field it is about
(``contract_objects[3].numerator``); the workbook layer translates paths to cells. Messages are
in Norwegian: accountants read them.

Two passes, as the contract asks: ``validate`` finds everything wrong with the input as such;
``check_calculable`` (null amounts, exported objects, the vacancy) runs only on input that
passed ``validate``, because a vacancy computed from a broken numerator would only confuse.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from decimal import Decimal
from fractions import Fraction

from engine.lookalikes import with_hint
from engine.model import (
    Adjustment,
    AdminFee,
    ContractObject,
    CostLine,
    FeeMode,
    Settings,
    SettlementInput,
)
from engine.norwegian import format_number
from engine.periods import overlap_days, period_end, validate_period
from engine.problems import Problem
from engine.rounding import Mode, decimal_places, exact_text
from engine.statuses import exported_problems

HUNDRED = Decimal(100)


def fmt(value: Decimal | Fraction | int) -> str:
    """A number as an accountant writes it in a message: 1 234,5 (exact, no float)."""
    if isinstance(value, Fraction):
        value = decimal_places(value, 6, mode=Mode.HALF_UP)
    return format_number(Decimal(exact_text(Decimal(value))))


def _fee_problems(fee: AdminFee, where: str) -> list[Problem]:
    if fee.mode is FeeMode.PERCENT and not (0 <= fee.value <= HUNDRED):
        return [Problem(f"{where}.value",
                        f"Adm.honorar {fmt(fee.value)} % må være mellom 0 og 100.")]
    if fee.mode is FeeMode.FIXED and fee.value < 0:
        return [Problem(f"{where}.value", "Adm.honorar kan ikke være negativt.")]
    exponent = fee.value.as_tuple().exponent
    if fee.mode is FeeMode.FIXED and isinstance(exponent, int) and exponent < -2:
        return [Problem(f"{where}.value",
                        f"Adm.honorar {fmt(fee.value)} har mer enn to desimaler.")]
    return []


def validate_settings(settings: Settings) -> list[Problem]:
    out: list[Problem] = validate_period(settings.period_start, settings.interval_months)
    if not out:
        try:
            period_end(settings.period_start, settings.interval_months)
        except (ValueError, OverflowError):
            out.append(Problem("settlement.period_start",
                               f"Perioden fra {settings.period_start:%d.%m.%Y} går ut over "
                               "kalenderen; sjekk årstallet."))
    if settings.denominator <= 0:
        out.append(Problem("settlement.denominator",
                           f"Nevner {fmt(settings.denominator)} må være større enn 0."))
    if settings.minimum_invoice_amount < 0:
        out.append(Problem("settlement.minimum_invoice_amount",
                           "Minste fakturabeløp kan ikke være negativt."))
    out += _fee_problems(settings.admin_fee, "settlement.admin_fee")
    return out


def validate_cost_lines(lines: Sequence[tuple[int, CostLine]]) -> list[Problem]:
    out: list[Problem] = []
    for i, line in lines:
        if not line.account.strip():
            out.append(Problem(f"cost_lines[{i}].account", "Kontonummer mangler."))
        if not 0 <= line.share_pct <= HUNDRED:
            out.append(Problem(f"cost_lines[{i}].share_pct",
                               f"Andel {fmt(line.share_pct)} % for konto {line.account} må være "
                               "mellom 0 og 100."))
    out += _duplicates(((i, line.account) for i, line in lines), "cost_lines", "account",
                       "Kontoen {key} står flere ganger i Til fordeling; slå linjene sammen.")
    return out


def validate_contract_objects(objects: Sequence[tuple[int, ContractObject]]) -> list[Problem]:
    out: list[Problem] = []
    for i, obj in objects:
        at = f"contract_objects[{i}]"
        if not obj.id.strip():
            out.append(Problem(f"{at}.id", "Id for kontraktsobjektet mangler."))
        if obj.end is not None and obj.end < obj.start:
            out.append(Problem(f"{at}.end",
                               f"{obj.id}: slutt {obj.end:%d.%m.%Y} er før start "
                               f"{obj.start:%d.%m.%Y}."))
        if obj.numerator < 0:
            out.append(Problem(f"{at}.numerator", f"{obj.id}: telleren kan ikke være negativ."))
        if obj.numerator_override is not None and obj.numerator_override < 0:
            out.append(Problem(f"{at}.numerator_override",
                               f"{obj.id}: overstyrt teller kan ikke være negativ."))
        if obj.cap is not None and obj.cap < 0:
            out.append(Problem(f"{at}.cap", f"{obj.id}: tak kan ikke være negativt."))
        if obj.fixed is not None and obj.fixed < 0:
            out.append(Problem(f"{at}.fixed", f"{obj.id}: fast beløp kan ikke være negativt."))
        if obj.cap is not None and obj.has_fixed:
            out.append(Problem(f"{at}.fixed",
                               f"{obj.id} har både tak og fast beløp; et objekt kan bare ha ett "
                               "av dem."))
        for j, inv in enumerate(obj.invoiced):
            if inv.period_to < inv.period_from:
                label = f"a konto-faktura {inv.invoice_no}".strip()
                out.append(Problem(f"{at}.invoiced[{j}].to",
                                   f"{obj.id}: {label} slutter "
                                   f"{inv.period_to:%d.%m.%Y}, før den starter "
                                   f"{inv.period_from:%d.%m.%Y}."))
        if obj.admin_fee is not None:
            out += _fee_problems(obj.admin_fee, f"{at}.admin_fee")
    out += _duplicates(((i, obj.id) for i, obj in objects), "contract_objects", "id",
                       "Id {key} står flere ganger; hvert kontraktsobjekt må ha sin egen id.")
    return out


def validate_adjustments(
    adjustments: Sequence[tuple[int, Adjustment]],
    object_ids: Iterable[str],
    accounts: Iterable[str],
) -> list[Problem]:
    """``object_ids``/``accounts`` are every id and account the input names, valid or not, so
    that an object broken elsewhere does not also show up here as 'unknown'."""
    known_objects, known_accounts = set(object_ids), set(accounts)
    out: list[Problem] = []
    for i, adj in adjustments:
        at = f"adjustments[{i}]"
        if adj.object_id not in known_objects:
            out.append(Problem(f"{at}.object", with_hint(
                f"Kontraktsobjektet {adj.object_id} finnes ikke i avregningen.", adj.object_id,
                known_objects)))
        if adj.account not in known_accounts:
            out.append(Problem(f"{at}.account", with_hint(
                f"Kontoen {adj.account} finnes ikke i Til fordeling.", adj.account,
                known_accounts)))
        if not 0 <= adj.share_pct <= HUNDRED:
            out.append(Problem(f"{at}.share_pct",
                               f"Andel {fmt(adj.share_pct)} % må være mellom 0 og 100."))
        if adj.factor <= 0:
            out.append(Problem(f"{at}.factor",
                               f"Faktor {fmt(adj.factor)} må være større enn 0 (bruk Deltar = Nei "
                               "for å holde objektet utenfor kontoen)."))
    out += _duplicates(((i, (a.object_id, a.account)) for i, a in adjustments), "adjustments",
                       "account", "Objekt og konto {key} står flere ganger; behold én linje.")
    return out


def _duplicates(
    keyed: Iterable[tuple[int, object]], section: str, field: str, message: str
) -> list[Problem]:
    pairs = list(keyed)
    counts = Counter(key for _, key in pairs)
    out = []
    for i, key in pairs:
        if counts[key] > 1:
            shown = "/".join(key) if isinstance(key, tuple) else str(key)
            out.append(Problem(f"{section}[{i}].{field}", message.format(key=shown)))
    return out


def validate(settlement: SettlementInput) -> list[Problem]:
    """Everything wrong with an input as such (ranges, uniqueness, references)."""
    lines = list(enumerate(settlement.cost_lines))
    objects = list(enumerate(settlement.contract_objects))
    return (
        validate_settings(settlement.settings)
        + validate_cost_lines(lines)
        + validate_contract_objects(objects)
        + validate_adjustments(
            list(enumerate(settlement.adjustments)),
            (o.id for o in settlement.contract_objects),
            (c.account for c in settlement.cost_lines),
        )
    )


def empty_amounts(lines: Sequence[tuple[int, CostLine]]) -> list[Problem]:
    """Cost lines carried forward and not filled in: calculating them would settle nothing by
    mistake (spec §4), so each is named."""
    out = []
    for i, line in lines:
        if line.amount is None:
            label = f"{line.account} {line.name}".strip()
            out.append(Problem(f"cost_lines[{i}].amount",
                               f"Konto {label} har tomt beløp; fyll inn årets beløp (0 hvis "
                               "ingen kostnad), eller tøm raden."))
    return out


def check_calculable(settlement: SettlementInput) -> list[Problem]:
    """What stops a calculation of otherwise valid input: empty amounts, exported objects,
    and weighted numerators that exceed the denominator (§6.1)."""
    out = empty_amounts(list(enumerate(settlement.cost_lines)))
    out += exported_problems(enumerate(settlement.contract_objects))
    s = settlement.settings
    start = s.period_start
    end = period_end(start, s.interval_months)
    days = (end - start).days + 1
    weighted = [
        (o.id, Fraction(o.effective_numerator) * overlap_days(o.start, o.end, start, end) / days)
        for o in settlement.contract_objects
    ]
    total = sum((w for _, w in weighted), Fraction(0))
    if total > Fraction(s.denominator):
        named = ", ".join(f"{oid} ({fmt(w)})" for oid, w in weighted if w)
        out.append(Problem("settlement.denominator",
                           f"Vektede tellere {fmt(total)} er større enn nevneren "
                           f"{fmt(s.denominator)} (med {fmt(total - Fraction(s.denominator))}). "
                           f"Objekter: {named}. Rett tellerne, datoene eller nevneren."))
    return out
