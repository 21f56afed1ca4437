"""Periods, the settlements of a distribution object over time, and carry forward (spec §4).

A settlement covers one distribution object (property object × settlement group) for one period.
Periods start on the first of a month and run a whole number of months, so consecutive periods
meet exactly, without drift. Until a register of all settlements exists, questions across
periods (overlap, previous/next, may the interval change) are answered by pure functions over a
list of ``SettlementRef`` the caller gives; the register can later feed the same functions.

Carry forward builds the next period's input from the last one, keeping what describes the
lease and the settlement's own choices and clearing everything that belongs to the old period,
so nobody settles last year's figures by mistake.
"""

from __future__ import annotations

import calendar
from collections.abc import Hashable, Iterable
from dataclasses import dataclass, replace
from datetime import date, timedelta
from decimal import Decimal

from engine.model import ContractObject, CostLine, Invoice, SettlementInput, Status
from engine.money import format_money
from engine.problems import Problem
from engine.statuses import STATUS_LABELS

MIN_INTERVAL_MONTHS = 1
MAX_INTERVAL_MONTHS = 60

# (property_object, group), or any hashable key a caller already has for a distribution object.
DistributionKey = tuple[str, str] | str


def add_months(day: date, months: int) -> date:
    """``day`` moved by whole months; a day past the target month's end becomes its last day."""
    index = day.year * 12 + (day.month - 1) + months
    year, month0 = divmod(index, 12)
    last = calendar.monthrange(year, month0 + 1)[1]
    return date(year, month0 + 1, min(day.day, last))


def period_end(start: date, interval_months: int) -> date:
    """Last day (inclusive) of the period: start + interval months − 1 day (2024-01-01, 12 →
    2024-12-31)."""
    if interval_months < 1:
        raise ValueError(f"interval_months must be at least 1, got {interval_months}")
    return add_months(start, interval_months) - timedelta(days=1)


def days_in_period(start: date, interval_months: int) -> int:
    """``D`` of spec §6: the number of days of the period, both ends included."""
    return (period_end(start, interval_months) - start).days + 1


def overlap_days(a_start: date, a_end: date | None, b_start: date, b_end: date) -> int:
    """Days two inclusive ranges share; ``a_end`` None is open (a lease without an end)."""
    start = max(a_start, b_start)
    end = b_end if a_end is None else min(a_end, b_end)
    return max(0, (end - start).days + 1)


def validate_period(
    period_start: date, interval_months: int, *, where: str = "settlement"
) -> list[Problem]:
    """Problems with a period's start (first of a month) and interval (1–60 whole months)."""
    problems: list[Problem] = []
    if period_start.day != 1:
        problems.append(
            Problem(
                f"{where}.period_start",
                f"Periodestart må være den første i en måned, ikke {_nb_date(period_start)}.",
            )
        )
    if (
        isinstance(interval_months, bool)
        or not isinstance(interval_months, int)
        or not MIN_INTERVAL_MONTHS <= interval_months <= MAX_INTERVAL_MONTHS
    ):
        problems.append(
            Problem(
                f"{where}.interval_months",
                f"Avregningsintervall må være et helt antall måneder fra {MIN_INTERVAL_MONTHS} "
                f"til {MAX_INTERVAL_MONTHS}, ikke {interval_months}.",
            )
        )
    return problems


@dataclass(frozen=True, slots=True)
class SettlementRef:
    """What the period functions need to know about one settlement."""

    distribution_object: DistributionKey
    period_start: date
    interval_months: int
    status: Status = Status.LAGT_OPP

    @property
    def period_end(self) -> date:
        return period_end(self.period_start, self.interval_months)

    @classmethod
    def of(cls, settlement: SettlementInput) -> SettlementRef:
        """The reference of a settlement input, keyed by (property object, group)."""
        s = settlement.settings
        return cls((s.property_object, s.group), s.period_start, s.interval_months, s.status)


def next_period_start(ref: SettlementRef) -> date:
    return add_months(ref.period_start, ref.interval_months)


def overlaps(a: SettlementRef, b: SettlementRef) -> bool:
    """Same distribution object and at least one common day."""
    return a.distribution_object == b.distribution_object and (
        overlap_days(a.period_start, a.period_end, b.period_start, b.period_end) > 0
    )


def available_distribution_objects(
    candidates: Iterable[DistributionKey],
    existing: Iterable[SettlementRef],
    new_start: date,
    new_interval: int,
) -> list[DistributionKey]:
    """The candidates a new period may be set up for: those not already in an overlapping period.

    Candidates keep their order; a candidate named twice is offered once.
    """
    new_end = period_end(new_start, new_interval)
    taken: set[Hashable] = {
        ref.distribution_object
        for ref in existing
        if overlap_days(ref.period_start, ref.period_end, new_start, new_end) > 0
    }
    offered: list[DistributionKey] = []
    seen: set[Hashable] = set()
    for key in candidates:
        if key in taken or key in seen:
            continue
        seen.add(key)
        offered.append(key)
    return offered


def previous_periods(refs: Iterable[SettlementRef], active: SettlementRef) -> list[SettlementRef]:
    """Settlements of the active one's distribution object that start before it, oldest first,
    whatever their status."""
    return sorted(
        (
            r
            for r in refs
            if r.distribution_object == active.distribution_object
            and r.period_start < active.period_start
        ),
        key=lambda r: r.period_start,
    )


def next_periods(refs: Iterable[SettlementRef], active: SettlementRef) -> list[SettlementRef]:
    """Settlements of the active one's distribution object that start after it, oldest first,
    whatever their status."""
    return sorted(
        (
            r
            for r in refs
            if r.distribution_object == active.distribution_object
            and r.period_start > active.period_start
        ),
        key=lambda r: r.period_start,
    )


def latest_period(refs: Iterable[SettlementRef], key: DistributionKey) -> SettlementRef | None:
    """The settlement a new period of ``key`` is carried forward from."""
    mine = [r for r in refs if r.distribution_object == key]
    return max(mine, key=lambda r: r.period_start) if mine else None


def can_change_interval(refs: Iterable[SettlementRef], ref: SettlementRef) -> Problem | None:
    """Only the latest period of a distribution object may change its interval (spec §4).

    A later period starts where this one ended; changing this one's length would leave a gap or
    an overlap. Whether inputs may change at all in ``ref.status`` is
    ``engine.statuses.can_edit_inputs``.
    """
    later = next_periods(refs, ref)
    if not later:
        return None
    starts = ", ".join(_nb_date(r.period_start) for r in later)
    return Problem(
        "settlement.interval_months",
        "Avregningsintervallet kan bare endres i den siste perioden for fordelingsobjektet; "
        f"det finnes senere perioder med start {starts}.",
    )


def carry_forward(
    previous: SettlementInput, *, previous_status: Status | None = None
) -> tuple[SettlementInput, list[Problem]]:
    """The next period's settlement input of the same distribution object, and warnings.

    Carried (the settlement's own choices and the leases' master data):

    - settings: property, property object, owner, group, interval, denominator and its label,
      minimum invoice amount, settlement accounts (VAT-free and VAT-liable), admin fee;
      ``period_start`` becomes the previous period's end + 1 day, ``status`` Lagt opp;
    - cost lines: account, name, level, share %, full distribution, with ``amount`` None, so a
      calculation names each line until its new amount is filled in; a line deleted in the
      previous settlement is simply not there;
    - contract objects: id, contract no and name, name, customer id, start, end, numerator,
      VAT liability, cap, fixed (amount or = invoiced) and the per-object admin fee override;
      except objects whose lease ended before the new period starts (a warning lists them);
    - adjustments (share %, factor, participates), except those of objects not carried.

    - a konto invoices whose own period runs past the old period's end, as they are (number,
      dates, full amount): their remaining days count in the new period (§6.6), and an object
      whose lease ended but that has such an invoice is carried for it (weight 0, §5); a warning
      lists them.

    Not carried: cost amounts, other a konto invoices, corrections (→ 0), numerator overrides
    (they are for one settlement only), do-not-invoice flags, export marks, the status. Settings the
    workbook does not hold (e.g. the admin fee's transaction type and the letter layout of spec
    §3) are not in ``SettlementInput`` and so are the caller's to carry.

    The source should be the latest settlement of its distribution object, whatever its status;
    when that is not Fakturaklar (``previous_status``, default the settlement's own) a warning
    says so, because its figures may not be final.
    """
    status = previous.settings.status if previous_status is None else previous_status
    old = previous.settings
    new_start = add_months(old.period_start, old.interval_months)
    warnings: list[Problem] = []
    if status is not Status.FAKTURAKLAR:
        warnings.append(
            Problem(
                "status",
                f"Forrige avregning er ikke fakturaklar (status: {STATUS_LABELS[status]}); "
                "kontroller før du bygger videre.",
            )
        )

    def crossing(obj: ContractObject) -> tuple[Invoice, ...]:
        return tuple(inv for inv in obj.invoiced if inv.period_to >= new_start)

    def leased(obj: ContractObject) -> bool:
        return obj.end is None or obj.end >= new_start

    kept = tuple(o for o in previous.contract_objects if leased(o) or crossing(o))
    dropped = [o.id for o in previous.contract_objects if not (leased(o) or crossing(o))]
    carried_invoices = [f"{o.id}: {inv.invoice_no or '(uten nr.)'} "
                        f"({_nb_date(inv.period_from)}–{_nb_date(inv.period_to)}, "
                        f"{format_money(inv.amount)})"
                        for o in kept for inv in crossing(o)]
    if carried_invoices:
        warnings.append(
            Problem(
                "contract_objects",
                "A konto-fakturaer som løper inn i den nye perioden er tatt med (resten av "
                "dagene deres teller der): " + "; ".join(carried_invoices) + ".",
            )
        )
    ended_but_paid = [o.id for o in kept if not leased(o)]
    if ended_but_paid:
        warnings.append(
            Problem(
                "contract_objects",
                "Leien er slutt, men objektet er tatt med fordi en a konto-faktura løper inn i "
                "den nye perioden (vekt 0, det innbetalte krediteres): "
                + ", ".join(ended_but_paid) + ".",
            )
        )
    if dropped:
        warnings.append(
            Problem(
                "contract_objects",
                "Kontraktsobjekter med leie som sluttet før "
                f"{_nb_date(new_start)} blir ikke med i neste periode: " + ", ".join(dropped) + ".",
            )
        )
    kept_ids = {o.id for o in kept}

    settings = replace(old, period_start=new_start, status=Status.LAGT_OPP)
    carried = SettlementInput(
        settings=settings,
        cost_lines=tuple(_carry_cost_line(c) for c in previous.cost_lines),
        contract_objects=tuple(replace(_carry_object(o), invoiced=crossing(o)) for o in kept),
        adjustments=tuple(a for a in previous.adjustments if a.object_id in kept_ids),
    )
    return carried, warnings


def _carry_cost_line(line: CostLine) -> CostLine:
    return replace(line, amount=None)


def _carry_object(obj: ContractObject) -> ContractObject:
    return replace(
        obj,
        invoiced=(),
        correction=Decimal("0.00"),
        numerator_override=None,
        do_not_invoice=False,
        exported=None,
    )


def _nb_date(day: date) -> str:
    """A date as Norwegian (bokmål) messages write it: 01.01.2025."""
    return day.strftime("%d.%m.%Y")
