"""The settlement's input, as immutable records (glossary: spec §2).

One ``SettlementInput`` is one settlement: a distribution object (property object × settlement
group) for one period, its cost lines, the contract objects that may take part, and the
per-object per-account adjustments. The JSON contract (``engine.contract``) and the workbook
reader both produce it; ``engine.calculation`` consumes it. Records are frozen: a change is a
new record (``dataclasses.replace``).

Numbers are exact ``Decimal``; amounts have two decimals (``engine.money``); dates are
``datetime.date`` and inclusive.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from enum import StrEnum


class Level(StrEnum):
    """Where a cost was booked (Andel selskap / eiendom / eiendomsobjekt)."""

    COMPANY = "company"
    PROPERTY = "property"
    OBJECT = "object"


class FeeMode(StrEnum):
    NONE = "none"
    PERCENT = "percent"
    FIXED = "fixed"


class Status(StrEnum):
    """Settlement status (spec §7); the values are the JSON contract's."""

    LAGT_OPP = "lagt_opp"
    BEREGNET = "beregnet"
    LAAST = "laast"
    FAKTURAKLAR = "fakturaklar"
    SKAL_IKKE_FAKTURERES = "skal_ikke_faktureres"


class InvoiceStatus(StrEnum):
    READY = "ready"
    BELOW_MINIMUM = "below_minimum"
    DO_NOT_INVOICE = "do_not_invoice"
    NOTHING_TO_INVOICE = "nothing_to_invoice"


@dataclass(frozen=True, slots=True)
class AdminFee:
    """Administrasjonshonorar: none, percent of the tenant's total ``S_i``, or a fixed amount."""

    mode: FeeMode = FeeMode.NONE
    value: Decimal = Decimal(0)  # percent (12.5 = 12,5 %) or kroner
    vat_liable: bool = True


NO_FEE = AdminFee()


@dataclass(frozen=True, slots=True)
class Address:
    """A postal address for letters (outside the fingerprint: it changes no figure)."""

    lines: tuple[str, ...] = ()  # name/c/o/street lines, top to bottom
    postcode: str = ""
    city: str = ""

    @property
    def is_empty(self) -> bool:
        return not (any(line.strip() for line in self.lines) or self.postcode.strip()
                    or self.city.strip())


@dataclass(frozen=True, slots=True)
class Invoicing:
    """The accounting system's codes for the invoice basis (outside the fingerprint)."""

    transaction_type: str | None = None  # the common-cost transaction type
    fee_transaction_type: str | None = None
    fee_account: str | None = None
    vat_code_liable: str | None = None
    vat_code_free: str | None = None


@dataclass(frozen=True, slots=True)
class Settings:
    """Avregning: the settlement's own settings."""

    property: str
    property_object: str
    owner: str
    period_start: date
    interval_months: int
    denominator: Decimal
    group: str = ""
    denominator_label: str = "kvm"
    minimum_invoice_amount: Decimal = Decimal("0.00")
    admin_fee: AdminFee = NO_FEE
    settlement_account_liable: str | None = None
    settlement_account_free: str | None = None
    status: Status = Status.LAGT_OPP
    owner_address: Address | None = None
    invoicing: Invoicing = field(default_factory=Invoicing)


@dataclass(frozen=True, slots=True)
class CostLine:
    """Til fordeling: one ledger account's amount, and how much of it this settlement takes."""

    account: str
    amount: Decimal | None  # None: carried forward, not filled in yet
    name: str = ""
    level: Level = Level.OBJECT
    share_pct: Decimal = Decimal(100)
    full_distribution: bool = False
    transaction_type: str | None = None  # for the reports (Kontovalg's Transaksjonstype)


@dataclass(frozen=True, slots=True)
class Invoice:
    """One a konto invoice with its own period."""

    invoice_no: str
    period_from: date
    period_to: date
    amount: Decimal


@dataclass(frozen=True, slots=True)
class ContractObject:
    """Kontraktsobjekt: one leased item, with the master data the settlement needs."""

    id: str
    start: date
    numerator: Decimal
    end: date | None = None
    contract_no: str = ""
    contract_name: str = ""
    name: str = ""
    customer_id: str | None = None
    numerator_override: Decimal | None = None
    vat_liable: bool = True
    cap: Decimal | None = None
    fixed: Decimal | None = None
    fixed_equals_invoiced: bool = False  # "Fast" with no amount: the fixed amount is U_i + K_i
    invoiced: tuple[Invoice, ...] = ()
    correction: Decimal = Decimal("0.00")
    admin_fee: AdminFee | None = None  # None: the settlement's
    do_not_invoice: bool = False
    exported: str | None = None
    address: Address | None = None  # invoice address for the letter

    @property
    def has_fixed(self) -> bool:
        return self.fixed is not None or self.fixed_equals_invoiced

    @property
    def effective_numerator(self) -> Decimal:
        return self.numerator if self.numerator_override is None else self.numerator_override


@dataclass(frozen=True, slots=True)
class Adjustment:
    """Kontraktsobjekt konti: one (object, account) that differs from the defaults."""

    object_id: str
    account: str
    share_pct: Decimal = Decimal(100)
    factor: Decimal = Decimal(1)
    participates: bool = True


@dataclass(frozen=True, slots=True)
class SettlementInput:
    settings: Settings
    cost_lines: tuple[CostLine, ...] = ()
    contract_objects: tuple[ContractObject, ...] = ()
    adjustments: tuple[Adjustment, ...] = field(default=())
