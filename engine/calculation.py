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

Worked example (spec §10, factor): N = 1000, ten areas of 100 m², five let for the whole year,
one of them with factor 2 on an account of 50 000 kr. D = 366, k = 0, j = 0: TT = 100·366 for
each tenant, the vacancy 500·366, the account's denominator (200 + 4·100 + 500)·366 = 1100·366,
and the split gives 9 090,91 / 4 545,46 / 4 545,46 / 4 545,45 / 4 545,45 / 22 727,27.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from datetime import date, datetime, timedelta
from decimal import Decimal
from fractions import Fraction

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
    Allocation,
    CountedInvoice,
    ObjectResult,
    OwnerSummary,
    Result,
    Summary,
    TenantsSummary,
)
from engine.rounding import Mode, decimal_places, round_ratio, split_largest_remainder
from engine.validation import check_calculable, validate

VAT_PCT = 25
HUNDRED = Decimal(100)
ONE = Decimal(1)


class InvariantError(AssertionError):
    """The books do not balance: a bug in the engine, never the user's input."""


def _places(values: Iterable[Decimal]) -> int:
    """Most decimals among ``values`` (so ``value · 10^places`` is an integer for all)."""
    most = 0
    for value in values:
        exponent = value.as_tuple().exponent
        if isinstance(exponent, int) and -exponent > most:
            most = -exponent
    return most


def _scaled(value: Decimal, places: int) -> int:
    """``value · 10^places`` as an exact integer (``places`` ≥ the value's decimals)."""
    sign, digits, exponent = value.as_tuple()
    assert isinstance(exponent, int)
    magnitude = int("".join(map(str, digits))) * 10 ** (exponent + places)
    return -magnitude if sign else magnitude


def _ratio(value: Decimal) -> tuple[int, int]:
    numerator, denominator = value.as_integer_ratio()
    return numerator, denominator


def _percent_of(amount_ore: int, pct: Decimal) -> int:
    """``amount · pct / 100`` rounded half up to øre (a share, a percent fee, VAT)."""
    if pct == HUNDRED:
        return amount_ore
    numerator, denominator = _ratio(pct)
    return round_ratio(amount_ore * numerator, denominator * 100, mode=Mode.HALF_UP)


def _takes_part(obj: ContractObject, days: int, start: date, end: date) -> bool:
    """§5: lease days in the period, or payments for it (nothing paid may vanish)."""
    if days > 0 or obj.correction != 0:
        return True
    return any(overlap_days(inv.period_from, inv.period_to, start, end) > 0
               for inv in obj.invoiced)


def calculate(settlement: SettlementInput, *, calculated_at: datetime | None = None) -> Result:
    """Calculate one settlement. The input must be valid (``engine.validation``); otherwise
    ``ProblemsError`` carries every problem (use ``try_calculate`` to get them as data)."""
    problems = validate(settlement)
    if not problems:
        problems = check_calculable(settlement)
    if problems:
        raise ProblemsError(problems)
    return _calculate(settlement, calculated_at)


def try_calculate(
    settlement: SettlementInput, *, calculated_at: datetime | None = None
) -> tuple[Result | None, list[Problem]]:
    try:
        return calculate(settlement, calculated_at=calculated_at), []
    except ProblemsError as exc:
        return None, exc.problems


def _calculate(settlement: SettlementInput, calculated_at: datetime | None) -> Result:
    s = settlement.settings
    start = s.period_start
    end = period_end(start, s.interval_months)
    period_days = (end - start).days + 1
    warnings: list[Problem] = []

    # §5 Who takes part.
    participants: list[tuple[int, ContractObject, int]] = []
    left_out: list[str] = []
    for i, obj in enumerate(settlement.contract_objects):
        days = overlap_days(obj.start, obj.end, start, end)
        if _takes_part(obj, days, start, end):
            participants.append((i, obj, days))
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
    participant_ids = {obj.id for _, obj, _ in participants}
    warnings += _master_data_warnings(participants)
    if not participants:
        warnings.append(Problem("contract_objects",
                                "Ingen kontraktsobjekter tar del i perioden; hele kostnaden er "
                                "eiers."))

    # Adjustments by (object, account); those of left-out objects are ignored with a warning.
    adjustments: dict[tuple[str, str], Adjustment] = {}
    for k, adjustment in enumerate(settlement.adjustments):
        if adjustment.object_id in participant_ids:
            adjustments[(adjustment.object_id, adjustment.account)] = adjustment
        else:
            warnings.append(Problem(f"adjustments[{k}]",
                                    f"Justeringen for {adjustment.object_id}/{adjustment.account} "
                                    "er ignorert: "
                                    "objektet har ingen leiedager i perioden."))
    by_account: dict[str, list[tuple[str, Decimal, Decimal, bool]]] = defaultdict(list)
    for (object_id, account), found in adjustments.items():
        by_account[account].append((object_id, found.factor, found.share_pct, found.participates))

    # §6.1 Time weights on one integer scale.
    k = _places([s.denominator, *(obj.effective_numerator for _, obj, _ in participants)])
    j = _places(adj.factor for adj in adjustments.values())
    scale_j = 10**j
    weighted = [_scaled(obj.effective_numerator, k) * days for _, obj, days in participants]
    total_units = _scaled(s.denominator, k) * period_days
    vacant_units = total_units - sum(weighted)
    if vacant_units < 0:  # check_calculable reports this as an input error; never reached
        raise InvariantError("weighted numerators exceed the denominator")
    unit_scale = period_days * 10**k  # TT_i / unit_scale = T_i

    # Tie order (§6.8): tenants by id in code-point order, the vacancy last.
    n = len(participants)
    tie_order = sorted(range(n), key=lambda p: participants[p][1].id)
    position = {participants[p][1].id: p for p in range(n)}
    base_weights = [weighted[p] * scale_j for p in tie_order]
    tie_index = {p: t for t, p in enumerate(tie_order)}

    # §6.2–6.4 per account.
    account_results: list[AccountResult] = []
    distributed_cols: list[list[int]] = []  # per account, per participant (input order)
    share_cols: list[list[int]] = []
    total_costs = total_vacant = 0
    for a, line in enumerate(settlement.cost_lines):
        assert line.amount is not None  # check_calculable
        amount_ore = to_ore(line.amount)
        to_distribute = _percent_of(amount_ore, line.share_pct)
        vacancy_weight = 0 if line.full_distribution else vacant_units * scale_j
        weights = base_weights
        shares = None
        special = by_account.get(line.account)
        if special:
            weights = list(base_weights)
            shares = {}
            for object_id, factor, share_pct, participates in special:
                p = position[object_id]
                weights[tie_index[p]] = weighted[p] * _scaled(factor, j) if participates else 0
                if share_pct != HUNDRED:
                    shares[p] = share_pct
        denominator = sum(weights) + vacancy_weight
        if denominator == 0:
            parts = [0] * n
            vacant = to_distribute
            warnings.append(Problem(f"cost_lines[{a}]",
                                    f"Konto {line.account}: ingen deltar og ingen ledighet; hele "
                                    "beløpet er eiers kostnad (Ledig)."))
        else:
            split = split_largest_remainder(to_distribute, [*weights, vacancy_weight],
                                            denominator)
            vacant = split[-1]
            parts = [0] * n
            for t, p in enumerate(tie_order):
                parts[p] = split[t]
        tenant = parts
        if shares:
            tenant = list(parts)
            for p, pct in shares.items():
                tenant[p] = _percent_of(parts[p], pct)
        distributed_cols.append(parts)
        share_cols.append(tenant)
        total_costs += to_distribute
        total_vacant += vacant
        sum_parts, sum_tenant = sum(parts), sum(tenant)
        if sum_parts + vacant != to_distribute:
            raise InvariantError(f"account {line.account} does not reconcile")
        exact_denominator = Fraction(denominator, unit_scale * scale_j)
        kroner = Fraction(to_distribute, 100)
        account_results.append(AccountResult(
            account=line.account, name=line.name, amount=line.amount,
            to_distribute=from_ore(to_distribute),
            denominator=exact_denominator,
            per_unit=decimal_places(kroner / Fraction(s.denominator), 2, mode=Mode.HALF_UP),
            rate=(decimal_places(kroner / exact_denominator, 4, mode=Mode.HALF_UP)
                  if denominator else None),
            vacant_share=from_ore(vacant), full_distribution=line.full_distribution,
            distributed=from_ore(sum_parts), tenant_share=from_ore(sum_tenant),
            owner_share=from_ore(sum_parts - sum_tenant),
        ))

    # Allocations: objects in input order, accounts inside.
    allocations: list[Allocation] = []
    for p, (_, obj, _) in enumerate(participants):
        for a, line in enumerate(settlement.cost_lines):
            adj = adjustments.get((obj.id, line.account))
            allocations.append(Allocation(
                obj.id, line.account,
                adj.factor if adj else ONE,
                adj.participates if adj else True,
                adj.share_pct if adj else HUNDRED,
                distributed_cols[a][p], share_cols[a][p]))

    # §6.5–6.7 per object.
    objects: list[ObjectResult] = []
    t_distributed = t_share = t_cap = t_fixed = t_sum = t_invoiced = t_correction = 0
    t_rest = t_fee = t_vat = t_fee_vat = 0
    for p, (i, obj, days) in enumerate(participants):
        distributed = sum(col[p] for col in distributed_cols)
        share = sum(col[p] for col in share_cols)

        counted: list[CountedInvoice] = []
        invoiced = 0
        for m, inv in enumerate(obj.invoiced):
            inside = overlap_days(inv.period_from, inv.period_to, start, end)
            part = counted_part(to_ore(inv.amount), inv.period_from, inv.period_to, start, end)
            if inside == 0:
                warnings.append(Problem(f"contract_objects[{i}].invoiced[{m}]",
                                        f"{obj.id}: a konto-faktura {inv.invoice_no} "
                                        f"({inv.period_from:%d.%m.%Y}–{inv.period_to:%d.%m.%Y}) "
                                        "ligger utenfor perioden og teller 0."))
            counted.append(CountedInvoice(inv, inside, from_ore(part)))
            invoiced += part
        correction = to_ore(obj.correction)

        cap_limit = fixed_amount = None
        cap_reduction = fixed_difference = 0
        total = share
        if obj.cap is not None:
            cap_limit = _prorate(to_ore(obj.cap), s.interval_months, days, period_days)
            total = min(share, cap_limit)
            cap_reduction = share - total
        elif obj.fixed is not None:
            fixed_amount = _prorate(to_ore(obj.fixed), s.interval_months, days, period_days)
            total = fixed_amount
            fixed_difference = share - total
        elif obj.fixed_equals_invoiced:
            fixed_amount = invoiced + correction
            total = fixed_amount
            fixed_difference = share - total
        rest = total - invoiced - correction

        fee_rule = _fee_rule(obj, s.admin_fee, i, warnings)
        fee = 0
        fee_pct = None
        if fee_rule.mode is FeeMode.PERCENT:
            fee_pct = fee_rule.value
            if total > 0:
                fee = _percent_of(total, fee_rule.value)
        elif fee_rule.mode is FeeMode.FIXED and total > 0:
            fee = to_ore(fee_rule.value)
        vat = _percent_of(rest, Decimal(VAT_PCT)) if obj.vat_liable else 0
        fee_vat = (_percent_of(fee, Decimal(VAT_PCT))
                   if obj.vat_liable and fee_rule.vat_liable else 0)

        minimum = to_ore(s.minimum_invoice_amount)
        if obj.do_not_invoice:
            status = InvoiceStatus.DO_NOT_INVOICE
        elif rest == 0 and fee == 0:
            status = InvoiceStatus.NOTHING_TO_INVOICE
        elif 0 < rest < minimum and fee == 0:
            status = InvoiceStatus.BELOW_MINIMUM
        else:
            status = InvoiceStatus.READY

        objects.append(ObjectResult(
            id=obj.id, days=days, weight=Fraction(days, period_days),
            numerator=obj.effective_numerator,
            weighted_numerator=Fraction(weighted[p], unit_scale),
            distributed=from_ore(distributed), share=from_ore(share),
            cap_limit=None if cap_limit is None else from_ore(cap_limit),
            fixed_amount=None if fixed_amount is None else from_ore(fixed_amount),
            cap_reduction=from_ore(cap_reduction), fixed_difference=from_ore(fixed_difference),
            total=from_ore(total), invoiced=from_ore(invoiced), invoices=tuple(counted),
            correction=from_ore(correction), rest=from_ore(rest), admin_fee_pct=fee_pct,
            admin_fee=from_ore(fee), vat=from_ore(vat), rest_incl_vat=from_ore(rest + vat),
            admin_fee_vat=from_ore(fee_vat), admin_fee_incl_vat=from_ore(fee + fee_vat),
            invoice_total=from_ore(rest + vat + fee + fee_vat),
            vat_liable=obj.vat_liable, do_not_invoice=obj.do_not_invoice,
            invoice_status=status,
        ))
        t_distributed += distributed
        t_share += share
        t_cap += cap_reduction
        t_fixed += fixed_difference
        t_sum += total
        t_invoiced += invoiced
        t_correction += correction
        t_rest += rest
        t_fee += fee
        t_vat += vat
        t_fee_vat += fee_vat

    # §6.9 summary and the invariant of §6.8.
    owner_share = t_distributed - t_share
    owner_sum = total_vacant + owner_share + t_cap + t_fixed
    if total_costs != t_sum + owner_sum:
        raise InvariantError(
            f"costs {total_costs} != tenants {t_sum} + owner {owner_sum} (øre)")
    summary = Summary(
        costs=from_ore(total_costs),
        tenants=TenantsSummary(
            distributed=from_ore(t_distributed), share=from_ore(t_share), cap=from_ore(-t_cap),
            fixed=from_ore(-t_fixed), sum=from_ore(t_sum), invoiced=from_ore(t_invoiced),
            correction=from_ore(t_correction), rest=from_ore(t_rest), admin_fee=from_ore(t_fee),
            vat=from_ore(t_vat), admin_fee_vat=from_ore(t_fee_vat),
            invoice_total=from_ore(t_rest + t_vat + t_fee + t_fee_vat)),
        owner=OwnerSummary(
            vacant=from_ore(total_vacant), share=from_ore(owner_share), cap=from_ore(t_cap),
            fixed=from_ore(t_fixed), sum=from_ore(owner_sum), rest=from_ore(owner_sum),
            admin_fee=from_ore(t_fee)),
    )
    return Result(
        period_start=start, period_end=end, days=period_days, denominator=s.denominator,
        denominator_label=s.denominator_label,
        weighted_numerator_sum=Fraction(sum(weighted), unit_scale),
        vacant=Fraction(vacant_units, unit_scale),
        fingerprint=fingerprint(settlement), warnings=tuple(warnings),
        status=Status.BEREGNET, calculated_at=calculated_at,
        accounts=tuple(account_results), objects=tuple(objects),
        allocations=tuple(allocations), summary=summary,
    )


def _master_data_warnings(participants: list[tuple[int, ContractObject, int]]
                          ) -> list[Problem]:
    """What will stop the invoice basis later, said now: customer ids, and an a konto invoice
    listed twice for one object (it would be counted twice)."""
    out = []
    for i, obj, _ in participants:
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
