"""The result of one calculation, as immutable records.

Money is ``Decimal`` with two decimals. Exact non-money quantities (weights, weighted
numerators, vacancy) are ``Fraction``: display code rounds them
(``engine.rounding.decimal_places``), the calculation never does.

Allocations (one per object × account: 100 000 on a settlement of 500 objects and 200
accounts) are held in columns, because creating that many records costs more than the whole
calculation. ``Result.allocations`` is an ``AllocationTable``:

* ``distributed_ore`` and ``tenant_share_ore``: integer matrices (numpy, objects × accounts, in
  input order; int64, or Python integers in an object array when a settlement's figures could
  overflow int64 — ``engine.rounding.rows_fit_int64``);
* ``object_ids`` and ``accounts`` name the rows and columns; ``adjusted`` holds the factor,
  participation and share of the few cells that have an adjustment (all others: 1, yes, 100).

What readers use stays record-shaped: ``Result.allocation(object_id, account)`` (a dictionary
lookup) returns an ``Allocation`` with ``.object_id, .account, .factor, .participates,
.share_pct`` and the money as ``.distributed, .tenant_share, .owner_share`` (``Decimal``) and
``.distributed_ore, .tenant_share_ore`` (``int``); iterating ``Result.allocations`` (or
indexing it) yields them in the contract's order, objects in input order and accounts inside,
each made when asked for. Code that wants every figure fast (the result JSON) reads the columns.

``Result.fingerprint`` is computed on first use and kept: hashing the canonical input was a
quarter of a small settlement's calculation, and a batch that only wants figures never needs it.
Two results are equal when their figures and their fingerprints are.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field, fields
from datetime import date, datetime
from decimal import Decimal
from fractions import Fraction
from typing import Any, NamedTuple, TypeVar, overload

import numpy as np

from engine.model import Invoice, InvoiceStatus, Status
from engine.money import from_ore, to_ore
from engine.problems import Problem
from engine.rounding import from_scaled


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


ONE = Decimal(1)
HUNDRED = Decimal(100)
# What an adjusted cell says: (factor, participates, share_pct).
Adjusted = tuple[Decimal, bool, Decimal]
_PLAIN: Adjusted = (ONE, True, HUNDRED)


class AllocationTable(Sequence[Allocation]):
    """Every allocation of a result, in columns (see the module docstring)."""

    __slots__ = ("_columns", "_rows", "accounts", "adjusted", "distributed_ore", "object_ids",
                 "tenant_share_ore")

    def __init__(self, object_ids: tuple[str, ...], accounts: tuple[str, ...],
                 distributed_ore: np.ndarray[Any, Any], tenant_share_ore: np.ndarray[Any, Any],
                 adjusted: Mapping[tuple[int, int], Adjusted]) -> None:
        shape = (len(object_ids), len(accounts))
        if distributed_ore.shape != shape or tenant_share_ore.shape != shape:
            raise ValueError(f"allocation columns must be {shape}")
        self.object_ids = object_ids
        self.accounts = accounts
        self.distributed_ore = distributed_ore
        self.tenant_share_ore = tenant_share_ore
        self.adjusted = dict(adjusted)  # (row, column) → (factor, participates, share_pct)
        self._rows = {object_id: p for p, object_id in enumerate(object_ids)}
        self._columns = {account: a for a, account in enumerate(accounts)}

    def __len__(self) -> int:
        return len(self.object_ids) * len(self.accounts)

    def _make(self, p: int, a: int) -> Allocation:
        factor, participates, share_pct = self.adjusted.get((p, a), _PLAIN)
        return Allocation(self.object_ids[p], self.accounts[a], factor, participates, share_pct,
                          int(self.distributed_ore[p, a]), int(self.tenant_share_ore[p, a]))

    @overload
    def __getitem__(self, index: int) -> Allocation: ...
    @overload
    def __getitem__(self, index: slice) -> Sequence[Allocation]: ...

    def __getitem__(self, index: int | slice) -> Allocation | Sequence[Allocation]:
        if isinstance(index, slice):
            return [self[k] for k in range(*index.indices(len(self)))]
        count = len(self)
        if index < 0:
            index += count
        if not 0 <= index < count:
            raise IndexError(index)
        return self._make(*divmod(index, len(self.accounts)))

    def __iter__(self) -> Iterator[Allocation]:
        adjusted = self.adjusted
        for p, object_id in enumerate(self.object_ids):
            distributed = self.distributed_ore[p].tolist()
            tenant = self.tenant_share_ore[p].tolist()
            for a, account in enumerate(self.accounts):
                factor, participates, share_pct = adjusted.get((p, a), _PLAIN)
                yield Allocation(object_id, account, factor, participates, share_pct,
                                 int(distributed[a]), int(tenant[a]))

    def row(self, object_id: str) -> int:
        """The row (the object's place among the objects that take part); ``KeyError``."""
        return self._rows[object_id]

    def get(self, object_id: str, account: str) -> Allocation:
        """The allocation of one object on one account (``KeyError`` when there is none)."""
        return self._make(self._rows[object_id], self._columns[account])

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, AllocationTable):
            return NotImplemented
        return (self.object_ids == other.object_ids and self.accounts == other.accounts
                and self.adjusted == other.adjusted
                and np.array_equal(self.distributed_ore, other.distributed_ore)
                and np.array_equal(self.tenant_share_ore, other.tenant_share_ore))

    def __hash__(self) -> int:
        """Cheap and consistent with ``==`` (equal tables name the same rows and columns), so
        a ``Result`` stays hashable as a frozen record."""
        return hash((self.object_ids, self.accounts, len(self.adjusted)))

    def __repr__(self) -> str:
        return (f"AllocationTable({len(self.object_ids)} objects × "
                f"{len(self.accounts)} accounts)")


class Money:
    """A money attribute of a record, read from its integer øre field ``<name>_ore`` (``None``
    stays ``None``): the calculation stores integers, and a ``Decimal`` is made only when read.
    """

    __slots__ = ("ore",)

    def __init__(self) -> None:
        self.ore = ""

    def __set_name__(self, owner: type, name: str) -> None:
        self.ore = name + "_ore"

    @overload
    def __get__(self, obj: None, owner: type | None = None) -> Money: ...
    @overload
    def __get__(self, obj: object, owner: type | None = None) -> Decimal: ...

    def __get__(self, obj: object, owner: type | None = None) -> Money | Decimal:
        if obj is None:
            return self
        return from_ore(getattr(obj, self.ore))


class OptionalMoney(Money):
    """``Money`` whose øre field may be ``None`` (no cap, no fixed amount)."""

    __slots__ = ()

    @overload  # type: ignore[override]
    def __get__(self, obj: None, owner: type | None = None) -> OptionalMoney: ...
    @overload
    def __get__(self, obj: object, owner: type | None = None) -> Decimal | None: ...

    def __get__(self, obj: object, owner: type | None = None
                ) -> OptionalMoney | Decimal | None:
        if obj is None:
            return self
        ore = getattr(obj, self.ore)
        return None if ore is None else from_ore(ore)


R = TypeVar("R")


def fast_record(cls: type[R], fields: dict[str, Any]) -> R:
    """A record of ``cls`` (a frozen dataclass without slots) made from ``fields``, which must
    name every field, without the generated ``__init__``.

    Why: a frozen dataclass' ``__init__`` sets each field through ``object.__setattr__``,
    about 10 µs for an ``ObjectResult``; the calculation makes one per object, account and a
    konto invoice, which was a fifth of a small settlement's time. The record is the same (a
    test compares it with the constructor's), and still frozen."""
    record: R = object.__new__(cls)
    record.__dict__.update(fields)
    return record


# The records below are frozen dataclasses without slots, so that ``fast_record`` can fill
# them. Money is stored in øre (``*_ore``) and read as ``Decimal`` (``Money``); exact
# quantities are stored as integers and read as ``Fraction``.

@dataclass(frozen=True)
class AccountResult:
    account: str
    name: str
    amount: Decimal  # the ledger amount
    to_distribute_ore: int  # B_a
    denominator_units: int  # N_a · unit_scale
    unit_scale: int
    per_unit_hundredths: int  # B_a / N to 2 decimals, display only
    rate_scaled: int | None  # B_a / N_a to 4 decimals (· 10^4), display only; None when N_a = 0
    vacant_share_ore: int  # L_a
    full_distribution: bool
    distributed_ore: int  # Σ_i F_ia
    tenant_share_ore: int  # Σ_i A_ia

    to_distribute = Money()
    vacant_share = Money()
    distributed = Money()
    tenant_share = Money()

    @property
    def denominator(self) -> Fraction:
        """N_a, exact."""
        return Fraction(self.denominator_units, self.unit_scale)

    @property
    def per_unit(self) -> Decimal:
        """B_a / N, 2 decimals, display only."""
        return from_scaled(self.per_unit_hundredths, 2)

    @property
    def rate(self) -> Decimal | None:
        """B_a / N_a, 4 decimals, display only; None when N_a = 0."""
        return None if self.rate_scaled is None else from_scaled(self.rate_scaled, 4)

    @property
    def owner_share_ore(self) -> int:
        return self.distributed_ore - self.tenant_share_ore

    @property
    def owner_share(self) -> Decimal:
        """Σ_i (F_ia − A_ia)."""
        return from_ore(self.distributed_ore - self.tenant_share_ore)


@dataclass(frozen=True)
class CountedInvoice:
    """An a konto invoice and the part of it that counts in this period (§6.6)."""

    invoice: Invoice
    days_inside: int
    counted_ore: int

    counted = Money()


@dataclass(frozen=True)
class ObjectResult:
    id: str
    days: int  # lease days inside the period, d_i
    period_days: int  # D
    numerator: Decimal  # t_i (the override when there is one)
    weighted_units: int  # T_i · unit_scale
    unit_scale: int
    distributed_ore: int  # Σ_a F_ia
    share_ore: int  # A_i = Σ_a A_ia
    cap_limit_ore: int | None  # cap pro-rated to the period and time weight (§6.5)
    fixed_amount_ore: int | None  # fixed pro-rated, or U_i + K_i for "fixed = invoiced"
    total_ore: int  # S_i
    invoiced_ore: int  # U_i
    invoice_input: tuple[Invoice, ...]  # the object's a konto invoices, as given
    # (index, days inside, counted øre) of those not wholly inside the period; the others
    # count whole (§6.6), so they need no record until ``invoices`` is read.
    crossing: tuple[tuple[int, int, int], ...]
    correction_ore: int  # K_i
    rest_ore: int  # R_i
    admin_fee_pct: Decimal | None  # the percent when the fee is a percent fee
    admin_fee_ore: int  # H_i
    vat_ore: int
    admin_fee_vat_ore: int
    vat_liable: bool
    do_not_invoice: bool
    invoice_status: InvoiceStatus

    distributed = Money()
    share = Money()
    cap_limit = OptionalMoney()
    fixed_amount = OptionalMoney()
    total = Money()
    invoiced = Money()
    correction = Money()
    rest = Money()
    admin_fee = Money()
    vat = Money()
    admin_fee_vat = Money()

    @property
    def invoices(self) -> tuple[CountedInvoice, ...]:
        """Each a konto invoice and the part of it that counts in this period."""
        crossing = {m: (days, ore) for m, days, ore in self.crossing}
        out = []
        for m, inv in enumerate(self.invoice_input):
            days, ore = crossing.get(m) or ((inv.period_to - inv.period_from).days + 1,
                                            to_ore(inv.amount))
            out.append(CountedInvoice(inv, days, ore))
        return tuple(out)

    @property
    def weight(self) -> Fraction:
        """w_i = d_i / D."""
        return Fraction(self.days, self.period_days)

    @property
    def weighted_numerator(self) -> Fraction:
        """T_i."""
        return Fraction(self.weighted_units, self.unit_scale)

    @property
    def cap_reduction_ore(self) -> int:
        """A_i − S_i on capped objects (≥ 0), else 0."""
        return 0 if self.cap_limit_ore is None else self.share_ore - self.total_ore

    @property
    def fixed_difference_ore(self) -> int:
        """A_i − fixed on fixed objects (owner's cost when positive), else 0."""
        return 0 if self.fixed_amount_ore is None else self.share_ore - self.total_ore

    @property
    def rest_incl_vat_ore(self) -> int:
        return self.rest_ore + self.vat_ore

    @property
    def admin_fee_incl_vat_ore(self) -> int:
        return self.admin_fee_ore + self.admin_fee_vat_ore

    @property
    def invoice_total_ore(self) -> int:
        """rest + VAT + fee + fee VAT: what the invoice or credit carries."""
        return self.rest_ore + self.vat_ore + self.admin_fee_ore + self.admin_fee_vat_ore

    @property
    def cap_reduction(self) -> Decimal:
        return from_ore(self.cap_reduction_ore)

    @property
    def fixed_difference(self) -> Decimal:
        return from_ore(self.fixed_difference_ore)

    @property
    def rest_incl_vat(self) -> Decimal:
        return from_ore(self.rest_incl_vat_ore)

    @property
    def admin_fee_incl_vat(self) -> Decimal:
        return from_ore(self.admin_fee_incl_vat_ore)

    @property
    def invoice_total(self) -> Decimal:
        return from_ore(self.invoice_total_ore)


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


@dataclass(frozen=True, slots=True, eq=False)
class Result:
    period_start: date
    period_end: date
    days: int
    denominator: Decimal
    denominator_label: str
    weighted_numerator_sum: Fraction
    vacant: Fraction
    warnings: tuple[Problem, ...]
    status: Status
    calculated_at: datetime | None
    accounts: tuple[AccountResult, ...]
    objects: tuple[ObjectResult, ...]
    allocations: AllocationTable  # objects in input order, accounts inside
    summary: Summary
    # The input fingerprint's maker (``engine.fingerprint.fingerprint`` of the input), called
    # once, on first use of ``fingerprint``.
    fingerprint_of: Callable[[], str] = field(repr=False)
    _fingerprint: str | None = field(default=None, repr=False, init=False)

    @property
    def fingerprint(self) -> str:
        """The input fingerprint (settlement-file.md), computed on first use."""
        value = self._fingerprint
        if value is None:
            value = self.fingerprint_of()
            object.__setattr__(self, "_fingerprint", value)
        return value

    def __eq__(self, other: object) -> bool:
        if other.__class__ is not Result:
            return NotImplemented
        assert isinstance(other, Result)
        return all(getattr(self, f.name) == getattr(other, f.name) for f in _FIGURES) \
            and self.fingerprint == other.fingerprint

    __hash__ = None  # type: ignore[assignment]  # equal results need not be one object

    def object(self, object_id: str) -> ObjectResult:
        """The result of one object (``KeyError`` when it does not take part)."""
        return self.objects[self.allocations.row(object_id)]

    def allocation(self, object_id: str, account: str) -> Allocation:
        """One object's allocation on one account: a dictionary lookup."""
        return self.allocations.get(object_id, account)


_FIGURES = tuple(f for f in fields(Result) if f.name not in ("fingerprint_of", "_fingerprint"))
