"""Which objects go into an invoice basis, and the invoices they make (spec §8).

Selection: settlements in status Fakturaklar whose results are fresh (the input's fingerprint
equals the one on *Status*); per object only ``invoice_status == ready`` (not flagged, not under
the minimum, with a rest or a fee) and not exported before. The codes of the accounting system
come from the settlement's ``invoicing`` settings and settlement accounts; a missing code that
the export needs is a problem at its cell. Customer ids are validated (organisation number,
national id number); a bad one blocks that customer's invoice.

Invoices: one per (owner, customer id) per export (samlefaktura), one line per object and
transaction type — the rest of the common costs — plus a fee line. The control totals of the
lines must equal the sums of the exported objects' own figures, or nothing is written.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import date
from decimal import Decimal
from typing import Any

from avregn.book import BookPort
from avregn.workbook import layout
from avregn.workbook.reader import WorkbookInput
from engine.model import Address, ContractObject, InvoiceStatus, SettlementInput, Status
from engine.problems import Problem
from engine.result import ObjectResult, Result

ZERO = Decimal("0.00")
REST = "felleskost"
FEE = "honorar"


@dataclass(frozen=True)
class Candidate:
    """One invoice-ready object of one fresh, invoice-ready settlement."""

    book_index: int
    object_index: int
    obj: ContractObject
    result: ObjectResult
    key: str
    customer_id: str  # digits only
    customer_cell: str
    exported_cell: str


@dataclass(frozen=True)
class Selected:
    """A workbook's settlement with its fresh result, and its invoice-ready objects."""

    book: BookPort
    found: WorkbookInput
    settlement: SettlementInput
    result: Result
    key: str
    fingerprint: str
    status: Status
    candidates: tuple[Candidate, ...]


@dataclass(frozen=True)
class Line:
    invoice_no: int
    line_no: int
    kind: str  # REST or FEE
    owner: str
    customer_id: str
    customer_name: str
    transaction_type: str
    account: str
    vat_code: str
    net: Decimal
    vat: Decimal
    gross: Decimal
    text: str  # «Felleskostnader 01.01.2024–31.12.2024» / «Adm.honorar …»
    period_from: date
    period_to: date
    contract_no: str
    object_id: str
    object_name: str
    property_object: str
    group: str
    workbook: str

    def as_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for name in self.__dataclass_fields__:
            value = getattr(self, name)
            out[name] = (f"{value:.2f}" if isinstance(value, Decimal)
                         else value.isoformat() if isinstance(value, date) else value)
        return out


@dataclass(frozen=True)
class Invoice:
    number: int
    owner: str
    customer_id: str
    customer_name: str
    address: Address | None
    lines: tuple[Line, ...]

    @property
    def net(self) -> Decimal:
        return sum((line.net for line in self.lines), ZERO)

    @property
    def vat(self) -> Decimal:
        return sum((line.vat for line in self.lines), ZERO)

    @property
    def gross(self) -> Decimal:
        return sum((line.gross for line in self.lines), ZERO)


@dataclass(frozen=True)
class Totals:
    lines: int
    invoices: int
    net: Decimal
    vat: Decimal
    gross: Decimal

    def as_json(self) -> dict[str, Any]:
        return {"lines": self.lines, "invoices": self.invoices, "net": f"{self.net:.2f}",
                "vat": f"{self.vat:.2f}", "gross": f"{self.gross:.2f}"}


@dataclass(frozen=True)
class Basis:
    invoices: tuple[Invoice, ...]
    totals: Totals
    candidates: tuple[tuple[Selected, Candidate], ...] = field(default=())

    @property
    def lines(self) -> tuple[Line, ...]:
        return tuple(line for invoice in self.invoices for line in invoice.lines)


def normalised_customer_id(value: str | None) -> str:
    return "".join((value or "").split())


def customer_id_problem(value: str | None) -> str | None:
    """Why a customer id cannot be invoiced (None: it is valid)."""
    from stdnum.no import fodselsnummer, orgnr

    digits = normalised_customer_id(value)
    if not digits:
        return "kunde-id mangler (organisasjonsnummer eller fødselsnummer)"
    if len(digits) == 9 and orgnr.is_valid(digits):
        return None
    if len(digits) == 11 and fodselsnummer.is_valid(digits):
        return None
    if len(digits) == 9:
        return f"«{value}» er ikke et gyldig organisasjonsnummer (kontrollsifferet stemmer ikke)"
    if len(digits) == 11:
        return f"«{value}» er ikke et gyldig fødselsnummer (kontrollsifrene stemmer ikke)"
    return (f"«{value}» er verken et organisasjonsnummer (9 siffer) eller et fødselsnummer "
            "(11 siffer)")


def setting_cell(found: WorkbookInput, field_name: str) -> str:
    """The *Avregning* cell of a setting (``invoicing.fee_account``), located through the layout
    by field name; the JSON path when this layout has no such field."""
    where = found.locations.get(f"settlement.{field_name}")
    if where:
        return where
    sheet_name = found.locations.get("settlement", layout.AVREGNING.name).split("!")[0]
    for block in layout.AVREGNING.blocks:
        if isinstance(block, layout.Form):
            try:
                return f"{sheet_name}!{block.cell(field_name)}"
            except KeyError:
                continue
    return f"settlement.{field_name}"


SETTING_LABELS = {
    "invoicing.transaction_type": "Transaksjonstype (felleskost)",
    "invoicing.fee_transaction_type": "Transaksjonstype adm.honorar",
    "invoicing.fee_account": "Konto adm.honorar",
    "invoicing.vat_code_liable": "Mva-kode mva-pliktig",
    "invoicing.vat_code_free": "Mva-kode mva-fri",
    "settlement_account_liable": "Avregningskonto mva-pliktig",
    "settlement_account_free": "Avregningskonto mva-fri",
}


def _setting(settlement: SettlementInput, field_name: str) -> str | None:
    s = settlement.settings
    if field_name.startswith("invoicing."):
        value = getattr(s.invoicing, field_name.split(".", 1)[1])
    else:
        value = getattr(s, field_name)
    value = (value or "").strip() if isinstance(value, str) or value is None else str(value)
    return value or None


def fee_vat_liable(obj: ContractObject, settlement: SettlementInput) -> bool:
    fee = obj.admin_fee or settlement.settings.admin_fee
    return obj.vat_liable and fee.vat_liable


def needed_settings(selected: Selected, candidates: Sequence[Candidate]) -> list[str]:
    needed: set[str] = set()
    for c in candidates:
        if c.result.rest != 0:
            needed.add("invoicing.transaction_type")
            needed.add("settlement_account_liable" if c.obj.vat_liable
                       else "settlement_account_free")
            needed.add("invoicing.vat_code_liable" if c.obj.vat_liable
                       else "invoicing.vat_code_free")
        if c.result.admin_fee != 0:
            needed |= {"invoicing.fee_transaction_type", "invoicing.fee_account"}
            needed.add("invoicing.vat_code_liable" if fee_vat_liable(c.obj, selected.settlement)
                       else "invoicing.vat_code_free")
    return [name for name in SETTING_LABELS if name in needed]


def missing_settings(selected: Selected, candidates: Sequence[Candidate]) -> list[Problem]:
    return [Problem(setting_cell(selected.found, name),
                    f"{SETTING_LABELS[name]} mangler; fakturagrunnlaget trenger den for "
                    f"{selected.settlement.settings.property_object}. Fyll den inn på Avregning.")
            for name in needed_settings(selected, candidates)
            if _setting(selected.settlement, name) is None]


def ready(result: ObjectResult) -> bool:
    return result.invoice_status is InvoiceStatus.READY


def period_text(settlement: SettlementInput, result: Result) -> str:
    return f"{result.period_start:%d.%m.%Y}–{result.period_end:%d.%m.%Y}"


def build_basis(chosen: Sequence[tuple[Selected, Candidate]]) -> Basis:
    """Invoices per (owner, customer id), in the order the customers first appear."""
    groups: dict[tuple[str, str], list[tuple[Selected, Candidate]]] = {}
    for selected, candidate in chosen:
        owner = selected.settlement.settings.owner.strip()
        groups.setdefault((owner, candidate.customer_id), []).append((selected, candidate))
    invoices = []
    for number, ((owner, customer_id), members) in enumerate(groups.items(), start=1):
        lines: list[Line] = []
        first = members[0][1].obj
        for selected, c in members:
            s = selected.settlement
            settings = s.settings
            span = period_text(s, selected.result)
            common = dict(invoice_no=number, owner=owner, customer_id=customer_id,
                          customer_name=first.contract_name, period_from=selected.result.
                          period_start, period_to=selected.result.period_end,
                          contract_no=c.obj.contract_no, object_id=c.obj.id,
                          object_name=c.obj.name, property_object=settings.property_object,
                          group=settings.group, workbook=selected.book.name)
            if c.result.rest != 0:
                liable = c.obj.vat_liable
                lines.append(Line(
                    line_no=len(lines) + 1, kind=REST,
                    transaction_type=_setting(s, "invoicing.transaction_type") or "",
                    account=_setting(s, "settlement_account_liable" if liable
                                     else "settlement_account_free") or "",
                    vat_code=_setting(s, "invoicing.vat_code_liable" if liable
                                      else "invoicing.vat_code_free") or "",
                    net=c.result.rest, vat=c.result.vat, gross=c.result.rest_incl_vat,
                    text=f"Felleskostnader {settings.property_object} {span}",
                    **common))  # type: ignore[arg-type]
            if c.result.admin_fee != 0:
                liable = fee_vat_liable(c.obj, s)
                lines.append(Line(
                    line_no=len(lines) + 1, kind=FEE,
                    transaction_type=_setting(s, "invoicing.fee_transaction_type") or "",
                    account=_setting(s, "invoicing.fee_account") or "",
                    vat_code=_setting(s, "invoicing.vat_code_liable" if liable
                                      else "invoicing.vat_code_free") or "",
                    net=c.result.admin_fee, vat=c.result.admin_fee_vat,
                    gross=c.result.admin_fee_incl_vat,
                    text=f"Adm.honorar felleskostnader {settings.property_object} {span}",
                    **common))  # type: ignore[arg-type]
        invoices.append(Invoice(number, owner, customer_id, first.contract_name,
                                first.address, tuple(lines)))
    all_lines = [line for invoice in invoices for line in invoice.lines]
    totals = Totals(len(all_lines), len(invoices),
                    sum((line.net for line in all_lines), ZERO),
                    sum((line.vat for line in all_lines), ZERO),
                    sum((line.gross for line in all_lines), ZERO))
    return Basis(tuple(invoices), totals, tuple(chosen))


def reference_totals(chosen: Sequence[tuple[Selected, Candidate]]) -> Totals:
    """The totals from the exported objects' own figures (not from the lines)."""
    objects = [c.result for _, c in chosen]
    customers = {(s.settlement.settings.owner.strip(), c.customer_id) for s, c in chosen}
    return Totals(
        sum((r.rest != 0) + (r.admin_fee != 0) for r in objects),
        len(customers),
        sum((r.rest + r.admin_fee for r in objects), ZERO),
        sum((r.vat + r.admin_fee_vat for r in objects), ZERO),
        sum((r.invoice_total for r in objects), ZERO),
    )


def totals_problems(basis: Basis) -> list[Problem]:
    """The control: lines = objects, and net + VAT = gross; any difference stops the export."""
    expected = reference_totals(basis.candidates)
    problems = []
    for name, label in (("lines", "linjer"), ("invoices", "fakturaer"), ("net", "netto"),
                        ("vat", "mva"), ("gross", "brutto")):
        got, want = getattr(basis.totals, name), getattr(expected, name)
        if got != want:
            problems.append(Problem("", f"Kontrollsummen for {label} stemmer ikke: "
                                        f"grunnlaget har {got}, objektene {want}. Ingenting "
                                        "er skrevet."))
    if basis.totals.net + basis.totals.vat != basis.totals.gross:
        problems.append(Problem("", "Netto + mva er ikke brutto i grunnlaget. Ingenting er "
                                    "skrevet."))
    return problems


def with_exported(settlement: SettlementInput, marks: dict[str, str]) -> SettlementInput:
    objects = tuple(replace(o, exported=marks[o.id]) if o.id in marks else o
                    for o in settlement.contract_objects)
    return replace(settlement, contract_objects=objects)


def unmarked(settlement: SettlementInput) -> SettlementInput:
    """The settlement without export marks: the marks are outside the fingerprint, and a
    fresh result is recomputed from it exactly (a marked settlement refuses to calculate)."""
    if not any(o.exported for o in settlement.contract_objects):
        return settlement
    return replace(settlement, contract_objects=tuple(
        replace(o, exported=None) for o in settlement.contract_objects))
