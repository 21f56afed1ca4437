"""The result of one calculation, as immutable records.

Money is ``Decimal`` with two decimals. Allocations (one per object × account, up to hundreds
of thousands on a big settlement) are compact named tuples holding integer øre, with ``Decimal``
properties, so that building them stays cheap; look one up with ``Result.allocation(obj, acc)``.
Exact non-money quantities (weights, weighted numerators, vacancy) are ``Fraction``: display code
rounds them (``engine.rounding.decimal_places``), the calculation never does.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from fractions import Fraction
from typing import NamedTuple

from engine.model import Invoice, InvoiceStatus, Status
from engine.money import from_ore
from engine.problems import Problem


class Allocation(NamedTuple):
    """One tenant's part of one account: F_ia, p_ia and A_ia of spec §6.4 (in øre)."""

    object_id: str
    account: str
    factor: Decimal
    participates: bool
    share_pct: Decimal
    distributed_ore: int
    tenant_share_ore: int

    @property
    def distributed(self) -> Decimal:
        return from_ore(self.distributed_ore)

    @property
    def tenant_share(self) -> Decimal:
        return from_ore(self.tenant_share_ore)

    @property
    def owner_share(self) -> Decimal:
        return from_ore(self.distributed_ore - self.tenant_share_ore)


@dataclass(frozen=True, slots=True)
class AccountResult:
    account: str
    name: str
    amount: Decimal  # the ledger amount
    to_distribute: Decimal  # B_a
    denominator: Fraction  # N_a (exact)
    per_unit: Decimal  # B_a / N, 2 decimals, display only
    rate: Decimal | None  # B_a / N_a, 4 decimals, display only; None when N_a = 0
    vacant_share: Decimal  # L_a
    full_distribution: bool
    distributed: Decimal  # Σ_i F_ia
    tenant_share: Decimal  # Σ_i A_ia
    owner_share: Decimal  # Σ_i (F_ia − A_ia)


@dataclass(frozen=True, slots=True)
class CountedInvoice:
    """An a konto invoice and the part of it that counts in this period (§6.6)."""

    invoice: Invoice
    days_inside: int
    counted: Decimal


@dataclass(frozen=True, slots=True)
class ObjectResult:
    id: str
    days: int  # lease days inside the period, d_i
    weight: Fraction  # w_i = d_i / D
    numerator: Decimal  # t_i (the override when there is one)
    weighted_numerator: Fraction  # T_i
    distributed: Decimal  # Σ_a F_ia
    share: Decimal  # A_i = Σ_a A_ia
    cap_limit: Decimal | None  # cap pro-rated to the period and time weight (§6.5)
    fixed_amount: Decimal | None  # fixed pro-rated, or U_i + K_i for "fixed = invoiced"
    cap_reduction: Decimal  # A_i − S_i on capped objects, ≥ 0
    fixed_difference: Decimal  # A_i − fixed on fixed objects (owner's cost when positive)
    total: Decimal  # S_i
    invoiced: Decimal  # U_i
    invoices: tuple[CountedInvoice, ...]
    correction: Decimal  # K_i
    rest: Decimal  # R_i
    admin_fee_pct: Decimal | None  # the percent when the fee is a percent fee
    admin_fee: Decimal  # H_i
    vat: Decimal
    rest_incl_vat: Decimal
    admin_fee_vat: Decimal
    admin_fee_incl_vat: Decimal
    invoice_total: Decimal  # rest + VAT + fee + fee VAT: what the invoice or credit carries
    vat_liable: bool
    do_not_invoice: bool
    invoice_status: InvoiceStatus


@dataclass(frozen=True, slots=True)
class TenantsSummary:
    distributed: Decimal
    share: Decimal
    cap: Decimal  # −Σ cap reductions
    fixed: Decimal  # Σ (fixed − A_i)
    sum: Decimal
    invoiced: Decimal
    correction: Decimal
    rest: Decimal
    admin_fee: Decimal
    vat: Decimal  # Σ VAT on the rests
    admin_fee_vat: Decimal  # Σ VAT on the fees
    invoice_total: Decimal  # Σ invoice totals


@dataclass(frozen=True, slots=True)
class OwnerSummary:
    vacant: Decimal
    share: Decimal
    cap: Decimal  # +Σ cap reductions
    fixed: Decimal  # Σ (A_i − fixed)
    sum: Decimal
    rest: Decimal
    admin_fee: Decimal  # income, positive


@dataclass(frozen=True, slots=True)
class Summary:
    costs: Decimal  # Σ B_a
    tenants: TenantsSummary
    owner: OwnerSummary


@dataclass(frozen=True, slots=True)
class Result:
    period_start: date
    period_end: date
    days: int
    denominator: Decimal
    denominator_label: str
    weighted_numerator_sum: Fraction
    vacant: Fraction
    fingerprint: str
    warnings: tuple[Problem, ...]
    status: Status
    calculated_at: datetime | None
    accounts: tuple[AccountResult, ...]
    objects: tuple[ObjectResult, ...]
    allocations: tuple[Allocation, ...]  # objects in input order, accounts inside
    summary: Summary
    _index: dict[tuple[str, str], int] = field(default_factory=dict, compare=False, repr=False)

    def object(self, object_id: str) -> ObjectResult:
        for obj in self.objects:
            if obj.id == object_id:
                return obj
        raise KeyError(object_id)

    def account(self, account: str) -> AccountResult:
        for acc in self.accounts:
            if acc.account == account:
                return acc
        raise KeyError(account)

    def allocation(self, object_id: str, account: str) -> Allocation:
        """Cheap lookup by (object, account); the index is built on first use."""
        if not self._index:
            self._index.update(
                ((a.object_id, a.account), k) for k, a in enumerate(self.allocations)
            )
        return self.allocations[self._index[(object_id, account)]]

    def allocations_of(self, object_id: str) -> tuple[Allocation, ...]:
        n = len(self.accounts)
        for k, obj in enumerate(self.objects):
            if obj.id == object_id:
                return self.allocations[k * n : (k + 1) * n]
        raise KeyError(object_id)
