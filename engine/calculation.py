"""The settlement calculation of spec §6, exact to the øre.

Why integers: the time weights ``d_i / D`` have no finite decimal form, so any fixed decimal
scale would decide half-øre cases and largest-remainder ties by accident. Instead every
quantity of one settlement is brought onto one common integer scale:

* numerators and the denominator are scaled by ``10^k`` (k = most decimals among them) and
  multiplied by the period's day count ``D``; then ``TT_i = t_i·10^k · d_i`` is the weighted
  numerator ``T_i = t_i · d_i / D`` times ``D·10^k`` — an exact integer;
* factors are scaled by ``10^j`` the same way, so the units of object *i* on account *a*,
  ``U_ia = f_ia · T_i``, become the integer ``f_ia·10^j · TT_i``.

All parts of one account then share the integer denominator ``N_a·D·10^(k+j)``, and the
largest-remainder split (``engine.rounding``) compares integer remainders exactly.

Why a matrix: a big settlement has 100 000 (object, account) cells, and a Python loop over
them cost more than everything else together. The weights of every account form one matrix
(accounts × tenants in tie order, the vacancy last) that ``engine.rounding.split_rows``
splits at once, in int64 when the figures provably fit and in Python integers otherwise; the
result keeps the parts as matrices (``engine.result.AllocationTable``).

The calculation reads in spec order: ``_who_takes_part`` (§5), ``_time_weights`` (§6.1),
``_amounts_to_distribute`` (§6.2), ``_distribute`` (§6.3–6.4 with the split of §6.8),
``_object_results`` with ``_cap_and_fixed`` (§6.5), ``_invoiced`` (§6.6), ``_admin_fee`` and
``_invoice_status`` (§6.7), and ``_summary`` (§6.9, with the invariant of §6.8).

Worked example (spec §10, factor): N = 1000, ten areas of 100 m², five let for the whole year,
one of them with factor 2 on an account of 50 000 kr. D = 366, k = 0, j = 0: TT = 100·366 for
each tenant, the vacancy 500·366, the account's denominator (200 + 4·100 + 500)·366 = 1100·366,
and the split gives 9 090,91 / 4 545,46 / 4 545,46 / 4 545,45 / 4 545,45 / 22 727,27.
"""

from __future__ import annotations

import functools
from datetime import date, datetime, timedelta
from decimal import Decimal
from fractions import Fraction
from typing import Any, NamedTuple

import numpy as np

from engine.customer_ids import is_valid_customer_id
from engine.fingerprint import fingerprint
from engine.model import (
    Adjustment,
    AdminFee,
    ContractObject,
    FeeMode,
    InvoiceStatus,
    SettlementInput,
    Status,
)
from engine.money import from_ore, to_ore
from engine.periods import overlap_days, period_end
from engine.problems import Problem, ProblemsError
from engine.result import (
    AccountResult,
    AllocationTable,
    ObjectResult,
    OwnerSummary,
    Result,
    Summary,
    TenantsSummary,
    fast_record,
)
from engine.rounding import (
    INT64_SAFE,
    Mode,
    most_decimals,
    round_ratio,
    rows_fit_int64,
    scaled,
    split_rows,
)
from engine.validation import check_calculable, validate

VAT_PCT = 25
HUNDRED = Decimal(100)


class InvariantError(AssertionError):
    """The books do not balance: a bug in the engine, never the user's input."""


def _ratio(value: Decimal) -> tuple[int, int]:
    numerator, denominator = value.as_integer_ratio()
    return numerator, denominator


def _percent_of(amount_ore: int, pct: Decimal) -> int:
    """``amount · pct / 100`` rounded half up to øre (a share, a percent fee, VAT)."""
    if pct == HUNDRED:
        return amount_ore
    numerator, denominator = _ratio(pct)
    return round_ratio(amount_ore * numerator, denominator * 100, mode=Mode.HALF_UP)


def try_calculate(
    settlement: SettlementInput, *, calculated_at: datetime | None = None
) -> tuple[Result | None, list[Problem]]:
    """Calculate one settlement: the result, or ``None`` and every problem of the input (it
    must pass ``engine.validation``: first ``validate``, then ``check_calculable``)."""
    problems = validate(settlement)
    if not problems:
        problems = check_calculable(settlement)
    if problems:
        return None, problems
    return _calculate(settlement, calculated_at), []


def calculate(settlement: SettlementInput, *, calculated_at: datetime | None = None) -> Result:
    """``try_calculate`` for callers that treat invalid input as an exception
    (``ProblemsError`` carries every problem)."""
    result, problems = try_calculate(settlement, calculated_at=calculated_at)
    if result is None:
        raise ProblemsError(problems)
    return result


class _Period(NamedTuple):
    start: date
    end: date
    days: int  # D
    months: int


class _Participant(NamedTuple):
    position: int  # in the input's contract_objects
    obj: ContractObject
    days: int  # d_i


class _TimeWeights(NamedTuple):
    """§6.1 on the common integer scale: ``weighted[p] / unit_scale`` is ``T_p``."""

    weighted: list[int]
    vacant_units: int  # V · unit_scale
    unit_scale: int  # D · 10^k


class _Distribution(NamedTuple):
    """§6.3–6.4 for every account: money matrices objects × accounts (input order), in øre."""

    distributed: np.ndarray[Any, Any]  # F_ia
    tenant_share: np.ndarray[Any, Any]  # A_ia
    vacant: list[int]  # L_a
    denominators: list[int]  # N_a · unit_scale, exact
    unit_scale: int  # D · 10^(k+j)
    adjusted: dict[tuple[int, int], tuple[Decimal, bool, Decimal]]


def _calculate(settlement: SettlementInput, calculated_at: datetime | None) -> Result:
    s = settlement.settings
    end = period_end(s.period_start, s.interval_months)
    period = _Period(s.period_start, end, (end - s.period_start).days + 1, s.interval_months)
    warnings: list[Problem] = []

    participants = _who_takes_part(settlement, period, warnings)
    adjustments = _adjustments(settlement, participants, warnings)
    weights = _time_weights(settlement, participants, period)
    amounts = _amounts_to_distribute(settlement)
    distribution = _distribute(settlement, participants, adjustments, weights, amounts,
                               warnings)
    accounts = _account_results(settlement, amounts, distribution)
    objects = _object_results(settlement, participants, weights, distribution, period,
                              warnings)
    summary = _summary(amounts, distribution, objects)
    return Result(
        period_start=period.start, period_end=period.end, days=period.days,
        denominator=s.denominator, denominator_label=s.denominator_label,
        weighted_numerator_sum=Fraction(sum(weights.weighted), weights.unit_scale),
        vacant=Fraction(weights.vacant_units, weights.unit_scale),
        warnings=tuple(warnings),
        status=Status.BEREGNET, calculated_at=calculated_at,
        accounts=accounts, objects=tuple(o for o, _ in objects),
        allocations=AllocationTable(
            tuple(p.obj.id for p in participants),
            tuple(line.account for line in settlement.cost_lines),
            distribution.distributed, distribution.tenant_share, distribution.adjusted),
        summary=summary, fingerprint_of=functools.partial(fingerprint, settlement),
    )


# §5 Who takes part ----------------------------------------------------------------------------

def _who_takes_part(settlement: SettlementInput, period: _Period,
                    warnings: list[Problem]) -> list[_Participant]:
    """§5: objects with lease days in the period, or payments for it (nothing paid may vanish);
    the others are left out with a warning."""
    participants: list[_Participant] = []
    left_out: list[str] = []
    for i, obj in enumerate(settlement.contract_objects):
        days = overlap_days(obj.start, obj.end, period.start, period.end)
        if _takes_part(obj, days, period.start, period.end):
            participants.append(_Participant(i, obj, days))
            if days == 0:
                then = ("fast beløp avgjør resten" if obj.has_fixed
                        else "så det innbetalte krediteres")
                warnings.append(Problem(
                    f"contract_objects[{i}]",
                    f"{obj.id} har ingen leiedager i perioden, men har a konto/korreksjon i den; "
                    f"objektet tar del med vekt 0, {then}."))
        else:
            left_out.append(obj.id)
    if left_out:
        warnings.append(Problem(
            "contract_objects",
            "Uten leiedager eller innbetalinger i perioden, holdt utenfor: "
            + ", ".join(left_out) + "."))
    warnings += _master_data_warnings(participants)
    if not participants:
        warnings.append(Problem("contract_objects",
                                "Ingen kontraktsobjekter tar del i perioden; hele kostnaden er "
                                "eiers."))
    return participants


def _takes_part(obj: ContractObject, days: int, start: date, end: date) -> bool:
    if days > 0 or obj.correction != 0:
        return True
    return any(overlap_days(inv.period_from, inv.period_to, start, end) > 0
               for inv in obj.invoiced)


def _adjustments(settlement: SettlementInput, participants: list[_Participant],
                 warnings: list[Problem]) -> dict[tuple[str, str], Adjustment]:
    """The adjustments (§6.3) by (object, account); those of left-out objects are ignored with
    a warning."""
    ids = {p.obj.id for p in participants}
    adjustments: dict[tuple[str, str], Adjustment] = {}
    for k, adjustment in enumerate(settlement.adjustments):
        if adjustment.object_id in ids:
            adjustments[(adjustment.object_id, adjustment.account)] = adjustment
        else:
            warnings.append(Problem(f"adjustments[{k}]",
                                    f"Justeringen for {adjustment.object_id}/{adjustment.account} "
                                    "er ignorert: "
                                    "objektet har ingen leiedager i perioden."))
    return adjustments


# §6.1 Time weight ----------------------------------------------------------------------------

def _time_weights(settlement: SettlementInput, participants: list[_Participant],
                  period: _Period) -> _TimeWeights:
    """``T_i = t_i · d_i / D`` and the vacancy ``V = N − Σ T_i``, scaled by ``D · 10^k``."""
    s = settlement.settings
    k = most_decimals([s.denominator, *(p.obj.effective_numerator for p in participants)])
    weighted = [scaled(p.obj.effective_numerator, k) * p.days for p in participants]
    vacant_units = scaled(s.denominator, k) * period.days - sum(weighted)
    if vacant_units < 0:  # check_calculable reports this as an input error; never reached
        raise InvariantError("weighted numerators exceed the denominator")
    return _TimeWeights(weighted, vacant_units, period.days * 10**k)


# §6.2 Amount to distribute per account -------------------------------------------------------

def _amounts_to_distribute(settlement: SettlementInput) -> list[int]:
    """``B_a = half_up(amount · share_pct / 100)`` in øre."""
    out = []
    for line in settlement.cost_lines:
        assert line.amount is not None  # check_calculable
        out.append(_percent_of(to_ore(line.amount), line.share_pct))
    return out


# §6.3 Per-account denominators and §6.4 distribution -----------------------------------------

def _distribute(settlement: SettlementInput, participants: list[_Participant],
                adjustments: dict[tuple[str, str], Adjustment], weights: _TimeWeights,
                amounts: list[int], warnings: list[Problem]) -> _Distribution:
    """Units ``U_ia = f_ia · T_i`` (0 when not participating), ``N_a`` with or without the
    vacancy, and the largest-remainder split of every account at once (§6.8).

    Factors are scaled by ``10^j`` (j = most decimals among them), so every weight is an
    integer on the scale ``D · 10^(k+j)``. The matrix is accounts × (tenants in tie order, the
    vacancy last): tenants by id in code-point order, so an equal remainder goes to the
    smaller id and the vacancy comes after every tenant.
    """
    lines = settlement.cost_lines
    n, m = len(participants), len(lines)
    j = most_decimals(adj.factor for adj in adjustments.values())
    scale_j = 10**j
    tie_order = sorted(range(n), key=lambda p: participants[p].obj.id)
    column_of = [0] * n  # input position → column of the weight matrix
    for t, p in enumerate(tie_order):
        column_of[p] = t
    row_of = {p.obj.id: r for r, p in enumerate(participants)}
    account_of = {line.account: a for a, line in enumerate(lines)}
    base = [weights.weighted[p] * scale_j for p in tie_order]
    vacancy = weights.vacant_units * scale_j

    # Adjusted cells: their weight, and the tenant share when it is not 100 %.
    special: list[tuple[int, int, int]] = []  # (account, column, weight)
    shares: list[tuple[int, int, Decimal]] = []  # (row, account, share_pct)
    adjusted: dict[tuple[int, int], tuple[Decimal, bool, Decimal]] = {}
    for (object_id, account), adj in adjustments.items():
        p, a = row_of[object_id], account_of[account]
        weight = weights.weighted[p] * scaled(adj.factor, j) if adj.participates else 0
        special.append((a, column_of[p], weight))
        adjusted[(p, a)] = (adj.factor, adj.participates, adj.share_pct)
        if adj.share_pct != HUNDRED:
            shares.append((p, a, adj.share_pct))

    base_sum = sum(base)
    denominators = [base_sum + (0 if line.full_distribution else vacancy) for line in lines]
    for a, t, weight in special:
        denominators[a] += weight - base[t]
    fast = rows_fit_int64(amounts, denominators) and max([vacancy, *base]) < INT64_SAFE
    dtype: Any = np.int64 if fast else object

    matrix = np.tile(np.array([*base, vacancy], dtype=dtype), (m, 1))
    if m:
        matrix[[line.full_distribution for line in lines], n] = 0
    for a, t, weight in special:
        matrix[a, t] = weight
    parts = split_rows(np.array(amounts, dtype=dtype), matrix, np.array(denominators, dtype=dtype))

    vacant = parts[:, n].tolist() if m else []
    for a, line in enumerate(lines):
        if denominators[a] == 0:
            vacant[a] = amounts[a]
            warnings.append(Problem(f"cost_lines[{a}]",
                                    f"Konto {line.account}: ingen deltar og ingen ledighet; hele "
                                    "beløpet er eiers kostnad (Ledig)."))
    # Back to input order, objects × accounts (the allocations' order).
    distributed = np.ascontiguousarray(parts[:, column_of].T) if m else np.zeros((n, 0), dtype)
    tenant_share = distributed.copy()
    for p, a, pct in shares:
        tenant_share[p, a] = _percent_of(int(distributed[p, a]), pct)
    return _Distribution(distributed, tenant_share, vacant, denominators,
                         weights.unit_scale * scale_j, adjusted)


def _account_results(settlement: SettlementInput, amounts: list[int],
                     distribution: _Distribution) -> tuple[AccountResult, ...]:
    """Each account's figures; the display figures (§6.2) from integers, with ``B_a`` in øre:
    ``B_a / N`` in hundredths of a krone is ``half_up(B_a·n / d)`` with ``N = d/n``, and
    ``B_a / N_a`` in ten-thousandths is ``half_up(B_a·unit_scale·100 / units)`` with
    ``N_a = units / unit_scale``."""
    n_numerator, n_denominator = settlement.settings.denominator.as_integer_ratio()
    distributed = distribution.distributed.sum(axis=0).tolist()
    tenant = distribution.tenant_share.sum(axis=0).tolist()
    unit = distribution.unit_scale
    out = []
    for a, line in enumerate(settlement.cost_lines):
        to_distribute, vacant = amounts[a], distribution.vacant[a]
        if distributed[a] + vacant != to_distribute:
            raise InvariantError(f"account {line.account} does not reconcile")
        units = distribution.denominators[a]
        out.append(fast_record(AccountResult, {
            "account": line.account, "name": line.name, "amount": line.amount,
            "to_distribute_ore": to_distribute, "denominator_units": units, "unit_scale": unit,
            "per_unit_hundredths": round_ratio(to_distribute * n_denominator, n_numerator,
                                               mode=Mode.HALF_UP),
            "rate_scaled": (round_ratio(to_distribute * unit * 100, units, mode=Mode.HALF_UP)
                            if units else None),
            "vacant_share_ore": vacant, "full_distribution": line.full_distribution,
            "distributed_ore": distributed[a], "tenant_share_ore": tenant[a]}))
    return tuple(out)


# §6.5–6.7 per object ---------------------------------------------------------------------------

class _Owed(NamedTuple):
    """One object's money in øre, for the summary."""

    distributed: int
    share: int
    cap_reduction: int
    fixed_difference: int
    total: int
    invoiced: int
    correction: int
    rest: int
    fee: int
    vat: int
    fee_vat: int


def _object_results(settlement: SettlementInput, participants: list[_Participant],
                    weights: _TimeWeights, distribution: _Distribution, period: _Period,
                    warnings: list[Problem]) -> list[tuple[ObjectResult, _Owed]]:
    s = settlement.settings
    distributed = distribution.distributed.sum(axis=1).tolist()
    shares = distribution.tenant_share.sum(axis=1).tolist()
    minimum = to_ore(s.minimum_invoice_amount)
    out = []
    for p, part in enumerate(participants):
        obj = part.obj
        share = shares[p]
        crossing, invoiced = _invoiced(part, period, warnings)
        correction = to_ore(obj.correction)
        cap_limit, fixed_amount, total = _cap_and_fixed(part, share, invoiced + correction,
                                                        period)
        cap_reduction = share - total if cap_limit is not None else 0
        fixed_difference = share - total if fixed_amount is not None else 0
        rest = total - invoiced - correction
        fee_rule = _fee_rule(obj, s.admin_fee, part.position, warnings)
        fee = _admin_fee(fee_rule, total)
        vat = _vat(rest) if obj.vat_liable else 0
        fee_vat = _vat(fee) if obj.vat_liable and fee_rule.vat_liable else 0
        owed = _Owed(distributed[p], share, cap_reduction, fixed_difference, total, invoiced,
                     correction, rest, fee, vat, fee_vat)
        out.append((fast_record(ObjectResult, {
            "id": obj.id, "days": part.days, "period_days": period.days,
            "numerator": obj.effective_numerator, "weighted_units": weights.weighted[p],
            "unit_scale": weights.unit_scale, "distributed_ore": distributed[p],
            "share_ore": share, "cap_limit_ore": cap_limit, "fixed_amount_ore": fixed_amount,
            "total_ore": total, "invoiced_ore": invoiced,
            "invoice_input": obj.invoiced, "crossing": crossing,
            "correction_ore": correction, "rest_ore": rest,
            "admin_fee_pct": fee_rule.value if fee_rule.mode is FeeMode.PERCENT else None,
            "admin_fee_ore": fee, "vat_ore": vat, "admin_fee_vat_ore": fee_vat,
            "vat_liable": obj.vat_liable, "do_not_invoice": obj.do_not_invoice,
            "invoice_status": _invoice_status(obj, rest, fee, minimum)}), owed))
    return out


def _cap_and_fixed(part: _Participant, share: int, paid: int, period: _Period
                   ) -> tuple[int | None, int | None, int]:
    """§6.5: (pro-rated cap or None, fixed amount or None, total ``S_i``) in øre; ``paid`` is
    ``U_i + K_i``, the fixed amount of "fixed = invoiced"."""
    obj = part.obj
    if obj.cap is not None:
        cap = _prorate(to_ore(obj.cap), period.months, part.days, period.days)
        return cap, None, min(share, cap)
    if obj.fixed is not None:
        fixed = _prorate(to_ore(obj.fixed), period.months, part.days, period.days)
        return None, fixed, fixed
    if obj.fixed_equals_invoiced:
        return None, paid, paid
    return None, None, share


def _invoiced(part: _Participant, period: _Period, warnings: list[Problem]
              ) -> tuple[tuple[tuple[int, int, int], ...], int]:
    """§6.6: the sum ``U_i`` of the a konto invoices' counted parts in øre, and (index, days
    inside, counted part) of each invoice that is not wholly inside the period."""
    crossing: list[tuple[int, int, int]] = []
    invoiced = 0
    obj = part.obj
    start, end = period.start, period.end
    for m, inv in enumerate(obj.invoiced):
        if start <= inv.period_from and inv.period_to <= end:  # the common case: all inside
            invoiced += to_ore(inv.amount)
            continue
        inside = overlap_days(inv.period_from, inv.period_to, start, end)
        amount = counted_part(to_ore(inv.amount), inv.period_from, inv.period_to, start, end)
        if inside == 0:
            warnings.append(Problem(f"contract_objects[{part.position}].invoiced[{m}]",
                                    f"{obj.id}: a konto-faktura {inv.invoice_no} "
                                    f"({inv.period_from:%d.%m.%Y}–{inv.period_to:%d.%m.%Y}) "
                                    "ligger utenfor perioden og teller 0."))
        crossing.append((m, inside, amount))
        invoiced += amount
    return tuple(crossing), invoiced


def _vat(amount_ore: int) -> int:
    """§6.7: VAT of an amount, rounded half up (away from zero)."""
    return round_ratio(amount_ore * VAT_PCT, 100, mode=Mode.HALF_UP)


def _admin_fee(rule: AdminFee, total: int) -> int:
    """§6.7: ``H_i`` in øre — none when ``S_i ≤ 0``; a percent fee rounds half up."""
    if total <= 0:
        return 0
    if rule.mode is FeeMode.PERCENT:
        return _percent_of(total, rule.value)
    if rule.mode is FeeMode.FIXED:
        return to_ore(rule.value)
    return 0


def _invoice_status(obj: ContractObject, rest: int, fee: int, minimum: int) -> InvoiceStatus:
    """§6.7: the first rule that holds."""
    if obj.do_not_invoice:
        return InvoiceStatus.DO_NOT_INVOICE
    if rest == 0 and fee == 0:
        return InvoiceStatus.NOTHING_TO_INVOICE
    if 0 < rest < minimum and fee == 0:
        return InvoiceStatus.BELOW_MINIMUM
    return InvoiceStatus.READY


# §6.9 The summary, and the invariant of §6.8 ---------------------------------------------------

def _summary(amounts: list[int], distribution: _Distribution,
             objects: list[tuple[ObjectResult, _Owed]]) -> Summary:
    # One pass over the objects: each column of ``_Owed`` summed.
    totals = _Owed(*(map(sum, zip(*(owed for _, owed in objects), strict=True)) if objects
                     else [0] * len(_Owed._fields)))

    costs, vacant = sum(amounts), sum(distribution.vacant)
    t_distributed, t_share = totals.distributed, totals.share
    t_cap, t_fixed, t_sum = totals.cap_reduction, totals.fixed_difference, totals.total
    t_rest, t_fee, t_vat, t_fee_vat = totals.rest, totals.fee, totals.vat, totals.fee_vat
    owner_share = t_distributed - t_share
    owner_sum = vacant + owner_share + t_cap + t_fixed
    if costs != t_sum + owner_sum:
        raise InvariantError(f"costs {costs} != tenants {t_sum} + owner {owner_sum} (øre)")
    return Summary(
        costs=from_ore(costs),
        tenants=TenantsSummary(
            distributed=from_ore(t_distributed), share=from_ore(t_share), cap=from_ore(-t_cap),
            fixed=from_ore(-t_fixed), sum=from_ore(t_sum), invoiced=from_ore(totals.invoiced),
            correction=from_ore(totals.correction), rest=from_ore(t_rest),
            admin_fee=from_ore(t_fee), vat=from_ore(t_vat), admin_fee_vat=from_ore(t_fee_vat),
            invoice_total=from_ore(t_rest + t_vat + t_fee + t_fee_vat)),
        owner=OwnerSummary(
            vacant=from_ore(vacant), share=from_ore(owner_share), cap=from_ore(t_cap),
            fixed=from_ore(t_fixed), sum=from_ore(owner_sum), rest=from_ore(owner_sum),
            admin_fee=from_ore(t_fee)),
    )


def _master_data_warnings(participants: list[_Participant]) -> list[Problem]:
    """What will stop the invoice basis later, said now: customer ids, and an a konto invoice
    listed twice for one object (it would be counted twice)."""
    out = []
    for part in participants:
        i, obj = part.position, part.obj
        if not obj.customer_id:
            out.append(Problem(f"contract_objects[{i}].customer_id",
                               f"{obj.id} mangler kunde-id (trengs for fakturagrunnlaget)."))
        elif not is_valid_customer_id(obj.customer_id):
            out.append(Problem(f"contract_objects[{i}].customer_id",
                               f"{obj.id}: kunde-id {obj.customer_id} er verken et gyldig "
                               "organisasjonsnummer eller fødselsnummer."))
        seen: set[str] = set()
        for m, inv in enumerate(obj.invoiced):
            if inv.invoice_no and inv.invoice_no in seen:
                out.append(Problem(f"contract_objects[{i}].invoiced[{m}].invoice_no",
                                   f"{obj.id}: a konto-faktura {inv.invoice_no} står flere "
                                   "ganger og telles hver gang; er den ført dobbelt?"))
            seen.add(inv.invoice_no)
    return out


def counted_part(amount_ore: int, inv_from: date, inv_to: date, start: date, end: date) -> int:
    """The part of an a konto invoice that counts in the period ``[start, end]`` (§6.6), in øre.

    Rounded cumulatively, so that the parts of one invoice in consecutive periods add up to the
    invoice to the øre: ``half_up(A·d_end/D) − half_up(A·d_before/D)`` with ``D`` the invoice's
    days, ``d_end`` its days on or before ``end`` and ``d_before`` its days before ``start``.
    Example: 1 000,01 for 17.12–15.01 (30 days, 15 in each year) counts 500,01 in the year
    ending 31.12 and 1 000,01 − 500,01 = 500,00 in the next (each half rounded on its own
    would count 500,01 twice).
    """
    if start <= inv_from and inv_to <= end:  # wholly inside: d_before = 0, d_end = D
        return amount_ore
    if inv_to < start or end < inv_from:  # wholly outside: both roundings are equal
        return 0
    own_days = (inv_to - inv_from).days + 1
    d_end = max(0, min(((inv_to if inv_to < end else end) - inv_from).days + 1, own_days))
    before_end = start - timedelta(days=1)
    d_before = max(0, min(((inv_to if inv_to < before_end else before_end) - inv_from).days + 1,
                          own_days))
    return (round_ratio(amount_ore * d_end, own_days, mode=Mode.HALF_UP)
            - round_ratio(amount_ore * d_before, own_days, mode=Mode.HALF_UP))


def _prorate(amount_ore: int, interval_months: int, days: int, period_days: int) -> int:
    """A yearly amount (cap, fixed) for this period and lease: ``amount · (months/12) · d/D``,
    rounded half up once (§6.5). 12 000 kr, 6 months, 91 of 182 days → 3 000,00."""
    return round_ratio(amount_ore * interval_months * days, 12 * period_days, mode=Mode.HALF_UP)


def _fee_rule(obj: ContractObject, default: AdminFee, index: int,
              warnings: list[Problem]) -> AdminFee:
    """The admin fee that applies to ``obj`` (§6.7): none on fixed-amount objects."""
    if obj.has_fixed:
        if obj.admin_fee is not None and obj.admin_fee.mode is not FeeMode.NONE:
            warnings.append(Problem(f"contract_objects[{index}].admin_fee",
                                    f"{obj.id} har fast beløp; adm.honoraret på objektet er "
                                    "ignorert."))
        return AdminFee()
    return obj.admin_fee if obj.admin_fee is not None else default
