"""The JSON contract of ``avregn calc`` (``spec/settlement-file.md``): reading a settlement
file into the domain model, and writing a result as the contract's JSON.

Pydantic checks each record's fields at this edge; errors become ``Problem``s with the field's
JSON path (``contract_objects[3].numerator``) and a Norwegian message. Each record is checked on
its own, so one broken contract object does not hide the problems of the others; the
cross-record checks of ``engine.validation`` then run over everything that could be read.

Numbers are exact: ``load_json`` reads JSON numbers as ``Decimal`` (never float), and money
accepts a JSON number or a decimal string with at most two decimals and a dot (``"12345.67"``).
The workbook reader produces the same dict shape (with ``Decimal``/``date`` values), so both
ways in share every rule.
"""

from __future__ import annotations

import copy
import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from fractions import Fraction
from typing import Annotated, Any

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    StrictBool,
    ValidationError,
    model_validator,
)
from pydantic_core import PydanticCustomError

from engine.model import (
    Address,
    Adjustment,
    AdminFee,
    ContractObject,
    CostLine,
    FeeMode,
    Invoice,
    Invoicing,
    Level,
    Settings,
    SettlementInput,
    Status,
)
from engine.money import MAX_MAGNITUDE, MoneyError, format_money, money
from engine.problems import Problem
from engine.result import Result
from engine.rounding import Mode, decimal_places, exact_text
from engine.validation import (
    empty_amounts,
    validate_adjustments,
    validate_contract_objects,
    validate_cost_lines,
    validate_settings,
)

_NUMBER_TEXT = re.compile(r"^-?[0-9]+(\.[0-9]+)?$")  # ASCII digits only: «１２３» is text
_DATE_TEXT = re.compile(r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$")
MAX_NUMBER_DECIMALS = 15  # Excel shows 15 significant digits


class _NotANumber(str):
    """What ``load_json`` puts where the file says NaN or Infinity, so it is reported, not read."""


def load_json(text: str) -> Any:
    """JSON with every number as an exact ``Decimal``/``int``; NaN/Infinity kept as bad text."""
    return json.loads(text, parse_float=Decimal, parse_constant=_NotANumber)


def _err(kind: str, message: str, **ctx: Any) -> PydanticCustomError:
    shown = {k: (json.dumps(v) if isinstance(v, bool) else v) for k, v in ctx.items()}
    return PydanticCustomError(kind, message, shown)


def _to_money(value: Any) -> Decimal:
    if isinstance(value, bool | float | _NotANumber):
        raise _err("money", "«{v}» er ikke et beløp", v=value)
    if isinstance(value, str):
        text = value.strip()
        if not _NUMBER_TEXT.match(text):
            raise _err("money", "«{v}» er ikke et beløp (bruk punktum som desimaltegn, "
                                "høyst to desimaler)", v=value)
        value = Decimal(text)
    if not isinstance(value, int | Decimal):
        raise _err("money", "«{v}» er ikke et beløp", v=value)
    try:
        return money(value)
    except MoneyError as exc:
        raise _err("money", str(exc)) from None


def _to_number(value: Any) -> Decimal:
    if isinstance(value, bool | float | _NotANumber):
        raise _err("number", "«{v}» er ikke et tall", v=value)
    if isinstance(value, str):
        text = value.strip()
        if not _NUMBER_TEXT.match(text):
            raise _err("number", "«{v}» er ikke et tall (bruk punktum som desimaltegn)", v=value)
        value = Decimal(text)
    if isinstance(value, int):
        value = Decimal(value)
    if not isinstance(value, Decimal) or not value.is_finite():
        raise _err("number", "«{v}» er ikke et tall", v=value)
    exponent = value.as_tuple().exponent
    if isinstance(exponent, int) and -exponent > MAX_NUMBER_DECIMALS:
        raise _err("number", "«{v}» har for mange desimaler (høyst {n})", v=value,
                   n=MAX_NUMBER_DECIMALS)
    if abs(value) >= MAX_MAGNITUDE:
        raise _err("number", "«{v}» er et urimelig stort tall", v=value)
    return value


def _to_int(value: Any) -> int:
    number = _to_number(value)
    if number != number.to_integral_value():
        raise _err("int", "«{v}» må være et helt tall", v=value)
    return int(number)


def _to_date(value: Any) -> date:
    if isinstance(value, date):
        return value if type(value) is date else date(value.year, value.month, value.day)
    if isinstance(value, str) and _DATE_TEXT.match(value.strip()):
        try:
            return date.fromisoformat(value.strip())
        except ValueError:
            pass
    raise _err("date", "«{v}» er ikke en dato (ÅÅÅÅ-MM-DD)", v=value)


def _to_text(value: Any) -> str:
    if isinstance(value, str):
        return value
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)  # account numbers written as JSON numbers
    if isinstance(value, Decimal) and value == value.to_integral_value():
        return str(int(value))
    raise _err("text", "«{v}» må være tekst", v=value)


def _to_optional_text(value: Any) -> str | None:
    if value is None:
        return None
    text = _to_text(value).strip()
    return text or None


Money = Annotated[Decimal, BeforeValidator(_to_money)]
Number = Annotated[Decimal, BeforeValidator(_to_number)]
Int = Annotated[int, BeforeValidator(_to_int)]
Day = Annotated[date, BeforeValidator(_to_date)]
Text = Annotated[str, BeforeValidator(_to_text)]
OptText = Annotated[str | None, BeforeValidator(_to_optional_text)]


# Fields where null means something (an open end, no cap, an empty amount …); elsewhere a
# null is read as "not given", so the field's default applies.
_NULL_MEANS_SOMETHING = frozenset({
    "amount", "end", "numerator_override", "cap", "fixed", "customer_id", "admin_fee",
    "exported", "settlement_account_liable", "settlement_account_free", "value",
})


class _Edge(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True, populate_by_name=True)

    @model_validator(mode="before")
    @classmethod
    def _null_is_absent(cls, data: Any) -> Any:
        if not isinstance(data, Mapping):
            return data
        optional = {f.alias or name for name, f in cls.model_fields.items()
                    if not f.is_required()}
        return {k: v for k, v in data.items()
                if not (v is None and k in optional and k not in _NULL_MEANS_SOMETHING)}


class FeeIn(_Edge):
    mode: FeeMode = FeeMode.NONE
    value: Number | None = None
    vat_liable: StrictBool = True

    @model_validator(mode="after")
    def _value_given(self) -> FeeIn:
        if self.mode is not FeeMode.NONE and self.value is None:
            shown = "prosent" if self.mode is FeeMode.PERCENT else "beløp"
            raise _err("fee", "Adm.honorar som {mode}: verdien mangler", mode=shown)
        return self

    def domain(self) -> AdminFee:
        if self.mode is FeeMode.NONE or self.value is None:
            return AdminFee()  # no fee: its value and VAT flag mean nothing
        return AdminFee(self.mode, self.value, self.vat_liable)


class AddressIn(_Edge):
    lines: list[Text] = []
    postcode: Text = ""
    city: Text = ""

    def domain(self) -> Address:
        return Address(tuple(line.strip() for line in self.lines if line.strip()),
                       self.postcode.strip(), self.city.strip())


class InvoicingIn(_Edge):
    transaction_type: OptText = None
    fee_transaction_type: OptText = None
    fee_account: OptText = None
    vat_code_liable: OptText = None
    vat_code_free: OptText = None

    def domain(self) -> Invoicing:
        return Invoicing(self.transaction_type, self.fee_transaction_type, self.fee_account,
                         self.vat_code_liable, self.vat_code_free)


def _address(value: AddressIn | None) -> Address | None:
    if value is None:
        return None
    address = value.domain()
    return None if address.is_empty else address


class SettingsIn(_Edge):
    property: Text
    property_object: Text
    owner: Text
    period_start: Day
    interval_months: Int
    denominator: Number
    group: Text = ""
    denominator_label: Text = "kvm"
    minimum_invoice_amount: Money = Decimal("0.00")
    admin_fee: FeeIn | None = None
    settlement_account_liable: OptText = None
    settlement_account_free: OptText = None
    status: Status = Status.LAGT_OPP
    owner_address: AddressIn | None = None
    invoicing: InvoicingIn | None = None

    def domain(self) -> Settings:
        return Settings(
            property=self.property, property_object=self.property_object, owner=self.owner,
            period_start=self.period_start, interval_months=self.interval_months,
            denominator=self.denominator, group=self.group,
            denominator_label=self.denominator_label,
            minimum_invoice_amount=self.minimum_invoice_amount,
            admin_fee=self.admin_fee.domain() if self.admin_fee else AdminFee(),
            settlement_account_liable=self.settlement_account_liable,
            settlement_account_free=self.settlement_account_free,
            status=self.status,
            owner_address=_address(self.owner_address),
            invoicing=self.invoicing.domain() if self.invoicing else Invoicing(),
        )


class CostLineIn(_Edge):
    account: Text
    amount: Money | None
    name: Text = ""
    level: Level = Level.OBJECT
    share_pct: Number = Decimal(100)
    full_distribution: StrictBool = False
    transaction_type: OptText = None

    def domain(self) -> CostLine:
        return CostLine(self.account.strip(), self.amount, self.name, self.level,
                        self.share_pct, self.full_distribution,
                        (self.transaction_type or "").strip() or None)


class InvoiceIn(_Edge):
    invoice_no: Text = ""
    period_from: Day = Field(alias="from")
    period_to: Day = Field(alias="to")
    amount: Money

    def domain(self) -> Invoice:
        return Invoice(self.invoice_no, self.period_from, self.period_to, self.amount)


def _to_fixed(value: Any) -> Decimal | bool | None:
    if value is None or value is False:
        return None
    if value is True:
        return True
    return _to_money(value)


class ContractObjectIn(_Edge):
    id: Text
    start: Day
    numerator: Number
    end: Day | None = None
    contract_no: Text = ""
    contract_name: Text = ""
    name: Text = ""
    customer_id: OptText = None
    numerator_override: Number | None = None
    vat_liable: StrictBool = True
    cap: Money | None = None
    fixed: Annotated[Decimal | bool | None, BeforeValidator(_to_fixed)] = None
    invoiced: list[InvoiceIn] = []
    correction: Money = Decimal("0.00")
    admin_fee: FeeIn | None = None
    do_not_invoice: StrictBool = False
    exported: OptText = None
    address: AddressIn | None = None

    def domain(self) -> ContractObject:
        return ContractObject(
            id=self.id.strip(), start=self.start, numerator=self.numerator, end=self.end,
            contract_no=self.contract_no, contract_name=self.contract_name, name=self.name,
            customer_id=self.customer_id, numerator_override=self.numerator_override,
            vat_liable=self.vat_liable, cap=self.cap,
            fixed=self.fixed if isinstance(self.fixed, Decimal) else None,
            fixed_equals_invoiced=self.fixed is True,
            invoiced=tuple(i.domain() for i in self.invoiced), correction=self.correction,
            admin_fee=self.admin_fee.domain() if self.admin_fee else None,
            do_not_invoice=self.do_not_invoice, exported=self.exported,
            address=_address(self.address),
        )


class AdjustmentIn(_Edge):
    object: Text
    account: Text
    share_pct: Number = Decimal(100)
    factor: Number = Decimal(1)
    participates: StrictBool = True

    def domain(self) -> Adjustment:
        return Adjustment(self.object.strip(), self.account.strip(), self.share_pct,
                          self.factor, self.participates)


_MESSAGES = {
    "missing": "mangler (må fylles ut)",
    "bool_type": "må være true eller false",
    "enum": "«{input}» er ikke en gyldig verdi; bruk en av: {expected}",
    "list_type": "må være en liste",
    "model_type": "må være et objekt",
    "model_attributes_type": "må være et objekt",
    "dict_type": "må være et objekt",
}


def _path(prefix: str, loc: Sequence[int | str]) -> str:
    out = prefix
    for part in loc:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


# What an accountant calls a field (the workbook's headers), for "… mangler".
FIELD_LABELS = {
    "settlement": "Avregningen", "cost_lines": "Til fordeling", "contract_objects": "Brøk",
    "property": "Eiendom", "property_object": "Eiendomsobjekt", "owner": "Eier",
    "period_start": "Periodestart", "interval_months": "Avregningsintervall",
    "denominator": "Nevner", "account": "KontoNr", "amount": "Beløp", "id": "Id",
    "object": "Id", "start": "Start", "numerator": "Teller", "from": "Fra", "to": "Til",
    "mode": "Adm.honorar type",
}


def _problems(prefix: str, error: ValidationError) -> list[Problem]:
    out = []
    for e in error.errors(include_url=False):
        if e["type"] == "missing" and e["loc"]:
            field = str(e["loc"][-1])
            label = FIELD_LABELS.get(field, field)
            out.append(Problem(_path(prefix, e["loc"]), f"{label} mangler; fyll den ut."))
            continue
        template = _MESSAGES.get(e["type"])
        if template:
            ctx = dict(e.get("ctx") or {})
            expected = str(ctx.get("expected", "")).replace(" or ", " eller ")
            message = template.format(input=e.get("input"), expected=expected)
        else:
            message = e["msg"]
        out.append(Problem(_path(prefix, e["loc"]), message))
    return out


# Stand-ins for fields that failed their own check, so that the record's other fields are
# still checked in the same pass; problems about a stand-in are dropped (``_keep``). Top-level
# fields by name; fields of a nested record (an invoice, a fee) by (list or record, field).
_STAND_INS: dict[str, Any] = {
    "id": "?", "account": "?", "object": "?", "numerator": 0, "amount": None,
    "start": "2000-01-01", "property": "", "property_object": "", "owner": "",
    "period_start": "2000-01-01", "interval_months": 12, "denominator": 1,
}
_NESTED_STAND_INS: dict[tuple[str, str], Any] = {
    ("invoiced", "amount"): 0, ("invoiced", "from"): "2000-01-01",
    ("invoiced", "to"): "2000-01-01", ("invoiced", "invoice_no"): "",
    ("admin_fee", "mode"): "none", ("admin_fee", "value"): None,
    ("admin_fee", "vat_liable"): True,
}
# A problem reported at one field also involves another (end before start).
_INVOLVES = {"end": {"start"}}


@dataclass(frozen=True)
class _Read:
    record: Any  # the validated edge model (with stand-ins when ``failed``), or None
    problems: list[Problem]
    failed: frozenset[str] = frozenset()  # "numerator", "invoiced[1]", "admin_fee"


def _patch(raw: Mapping[str, Any], locs: list[tuple[int | str, ...]]) -> tuple[Any, set[str]]:
    """``raw`` with each failing field replaced by a stand-in (or left out, so its default
    applies); returns it with the names of what was replaced, as paths inside the record."""
    patched: dict[str, Any] = copy.deepcopy(dict(raw))
    failed: set[str] = set()
    for loc in locs:
        head = str(loc[0])
        if len(loc) >= 2 and isinstance(patched.get(head), list | Mapping):
            if len(loc) == 3 and isinstance(loc[1], int) and isinstance(patched[head], list):
                element = patched[head][loc[1]]
                key = (head, str(loc[2]))
                if isinstance(element, dict) and key in _NESTED_STAND_INS:
                    element[str(loc[2])] = _NESTED_STAND_INS[key]
                    failed.add(f"{head}[{loc[1]}]")
                    continue
            if len(loc) == 2 and isinstance(patched[head], dict):
                key = (head, str(loc[1]))
                if key in _NESTED_STAND_INS:
                    patched[head][str(loc[1])] = _NESTED_STAND_INS[key]
                    failed.add(f"{head}.{loc[1]}")
                    continue
        failed.add(head)
        if head in _STAND_INS:
            patched[head] = _STAND_INS[head]
        else:
            patched.pop(head, None)
    return patched, failed


def _read(model: type[_Edge], raw: Any, where: str) -> _Read:
    try:
        return _Read(model.model_validate(raw), [])
    except ValidationError as exc:
        problems = _problems(where, exc)
        if not isinstance(raw, Mapping):
            return _Read(None, problems)
        patched, failed = _patch(raw, [tuple(e["loc"]) for e in exc.errors() if e["loc"]])
        try:
            return _Read(model.model_validate(patched), problems, frozenset(failed))
        except ValidationError:
            return _Read(None, problems, frozenset(failed))


def _keep(problems: list[Problem], failed: Mapping[str, frozenset[str]]) -> list[Problem]:
    """Drop the problems that are about a stand-in (its own problem is already reported)."""
    out = []
    for problem in problems:
        match = _RECORD_FIELD.match(problem.where)
        if match:
            fields = failed.get(match["record"], frozenset())
            inner = problem.where[len(match["record"]) + 1:]
            if any(inner == f or inner.startswith((f + ".", f + "[")) for f in fields) or (
                    _INVOLVES.get(match["field"], set()) & fields):
                continue
        out.append(problem)
    return out


_RECORD_FIELD = re.compile(r"^(?P<record>\w+(?:\[\d+\])?)\.(?P<field>\w+)")


def _raw_key(raw: Any, key: str) -> str | None:
    if isinstance(raw, Mapping) and raw.get(key) is not None:
        try:
            return _to_text(raw[key]).strip()
        except PydanticCustomError:
            return None
    return None


def _list(data: Mapping[str, Any], key: str, required: bool) -> tuple[list[Any], list[Problem]]:
    if key not in data or data[key] is None:
        return [], ([Problem(key, "mangler (må fylles ut)")] if required else [])
    value = data[key]
    if not isinstance(value, list):
        return [], [Problem(key, "må være en liste")]
    return value, []


def parse_settlement(data: Any, *, require_amounts: bool = False
                     ) -> tuple[SettlementInput | None, list[Problem]]:
    """A settlement file's data (``load_json`` output or the workbook reader's dict) → the
    domain input, or ``None`` and every problem found.

    ``require_amounts``: an empty (null) amount is a problem too — for a calculation, which
    must say so together with everything else. A settlement carried forward to a new period
    legitimately has empty amounts until they are filled in.
    """
    if not isinstance(data, Mapping):
        return None, [Problem("", "Filen må inneholde ett JSON-objekt med én avregning.")]
    problems: list[Problem] = []
    failed: dict[str, frozenset[str]] = {}
    broken = False

    def read(model: type[_Edge], raw: Any, where: str) -> Any:
        nonlocal broken
        found = _read(model, raw, where)
        problems.extend(found.problems)
        if found.failed:
            failed[where] = found.failed
        broken = broken or bool(found.problems)
        return found.record

    settings_in = None
    if not isinstance(data.get("settlement"), Mapping):
        problems.append(Problem("settlement", "mangler (må fylles ut)"))
        broken = True
    else:
        settings_in = read(SettingsIn, data["settlement"], "settlement")
    settings = settings_in.domain() if settings_in else None
    checked: list[Problem] = validate_settings(settings) if settings else []

    raw_lines, found = _list(data, "cost_lines", required=True)
    problems += found
    lines = [(i, rec.domain()) for i, raw in enumerate(raw_lines)
             if (rec := read(CostLineIn, raw, f"cost_lines[{i}]")) is not None]
    checked += validate_cost_lines(lines)
    if require_amounts:
        checked += empty_amounts(lines)

    raw_objects, found = _list(data, "contract_objects", required=True)
    problems += found
    objects = [(i, rec.domain()) for i, raw in enumerate(raw_objects)
               if (rec := read(ContractObjectIn, raw, f"contract_objects[{i}]")) is not None]
    checked += validate_contract_objects(objects)

    raw_adjustments, found = _list(data, "adjustments", required=False)
    problems += found
    adjustments = [(i, rec.domain()) for i, raw in enumerate(raw_adjustments)
                   if (rec := read(AdjustmentIn, raw, f"adjustments[{i}]")) is not None]
    checked += validate_adjustments(
        adjustments,
        (k for k in (_raw_key(r, "id") for r in raw_objects) if k is not None),
        (k for k in (_raw_key(r, "account") for r in raw_lines) if k is not None),
    )
    problems += _keep(checked, failed)

    if problems or broken or settings is None:
        return None, problems
    return SettlementInput(
        settings=settings,
        cost_lines=tuple(line for _, line in lines),
        contract_objects=tuple(obj for _, obj in objects),
        adjustments=tuple(adj for _, adj in adjustments),
    ), []


# --- The result file ------------------------------------------------------------------------

def _quantity(value: Fraction | Decimal) -> str:
    """Non-money quantities: half up to 6 decimals, trailing zeros cut ("0.49589", "524.6")."""
    return exact_text(decimal_places(value, 6, mode=Mode.HALF_UP))


def _plain(value: Decimal) -> str:
    return exact_text(value)


def _opt_money(value: Decimal | None) -> str | None:
    return None if value is None else format_money(value)


def result_to_json(result: Result) -> dict[str, Any]:
    """A result in the contract's shape: money as strings with exactly two decimals."""
    m = format_money
    summary = result.summary
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
            {"account": a.account, "name": a.name, "amount": m(a.amount),
             "to_distribute": m(a.to_distribute), "per_unit": m(a.per_unit),
             "rate": None if a.rate is None else f"{a.rate:f}",
             "vacant_share": m(a.vacant_share), "full_distribution": a.full_distribution,
             "distributed": m(a.distributed), "tenant_share": m(a.tenant_share),
             "owner_share": m(a.owner_share)}
            for a in result.accounts
        ],
        "objects": [
            {"id": o.id, "days": o.days, "weight": _quantity(o.weight),
             "numerator": _plain(o.numerator),
             "weighted_numerator": _quantity(o.weighted_numerator),
             "distributed": m(o.distributed), "share": m(o.share),
             "cap": _opt_money(o.cap_limit), "fixed": _opt_money(o.fixed_amount),
             "cap_reduction": m(o.cap_reduction), "fixed_difference": m(o.fixed_difference),
             "total": m(o.total), "invoiced": m(o.invoiced),
             "invoices": [{"invoice_no": c.invoice.invoice_no,
                           "from": c.invoice.period_from.isoformat(),
                           "to": c.invoice.period_to.isoformat(),
                           "amount": m(c.invoice.amount), "days_inside": c.days_inside,
                           "counted": m(c.counted)} for c in o.invoices],
             "correction": m(o.correction), "rest": m(o.rest),
             "admin_fee_pct": None if o.admin_fee_pct is None else _plain(o.admin_fee_pct),
             "admin_fee": m(o.admin_fee), "vat": m(o.vat), "rest_incl_vat": m(o.rest_incl_vat),
             "admin_fee_vat": m(o.admin_fee_vat),
             "admin_fee_incl_vat": m(o.admin_fee_incl_vat),
             "invoice_total": m(o.invoice_total),
             "vat_liable": o.vat_liable, "do_not_invoice": o.do_not_invoice,
             "invoice_status": o.invoice_status.value}
            for o in result.objects
        ],
        "allocations": [
            {"object": al.object_id, "account": al.account, "factor": _plain(al.factor),
             "participates": al.participates, "distributed": m(al.distributed),
             "share_pct": _plain(al.share_pct), "tenant_share": m(al.tenant_share),
             "owner_share": m(al.owner_share)}
            for al in result.allocations
        ],
        "summary": {
            "total": {"costs": m(summary.costs), "sum": m(summary.costs)},
            "tenants": {k: m(getattr(summary.tenants, k)) for k in
                        ("distributed", "share", "cap", "fixed", "sum", "invoiced",
                         "correction", "rest", "admin_fee", "vat", "admin_fee_vat",
                         "invoice_total")},
            "owner": {k: m(getattr(summary.owner, k)) for k in
                      ("vacant", "share", "cap", "fixed", "sum", "rest", "admin_fee")},
        },
    }


# --- Writing an input back as a settlement file ----------------------------------------------

def _fee_json(fee: AdminFee) -> dict[str, Any]:
    return {"mode": fee.mode.value, "value": _plain(fee.value), "vat_liable": fee.vat_liable}


def _address_json(address: Address | None) -> dict[str, Any] | None:
    if address is None:
        return None
    return {"lines": list(address.lines), "postcode": address.postcode, "city": address.city}


def input_to_json(settlement: SettlementInput) -> dict[str, Any]:
    """The inverse of ``parse_settlement``: a settlement file that reads back to the same input
    (used for carry forward and for filling a workbook)."""
    s = settlement.settings
    return {
        "settlement": {
            "property": s.property, "property_object": s.property_object, "owner": s.owner,
            "group": s.group, "period_start": s.period_start.isoformat(),
            "interval_months": s.interval_months, "denominator": _plain(s.denominator),
            "denominator_label": s.denominator_label,
            "minimum_invoice_amount": format_money(s.minimum_invoice_amount),
            "admin_fee": _fee_json(s.admin_fee),
            "settlement_account_liable": s.settlement_account_liable,
            "settlement_account_free": s.settlement_account_free,
            "status": s.status.value,
            "owner_address": _address_json(s.owner_address),
            "invoicing": {
                "transaction_type": s.invoicing.transaction_type,
                "fee_transaction_type": s.invoicing.fee_transaction_type,
                "fee_account": s.invoicing.fee_account,
                "vat_code_liable": s.invoicing.vat_code_liable,
                "vat_code_free": s.invoicing.vat_code_free,
            },
        },
        "cost_lines": [
            {"account": c.account, "name": c.name,
             "amount": None if c.amount is None else format_money(c.amount),
             "level": c.level.value, "share_pct": _plain(c.share_pct),
             "full_distribution": c.full_distribution,
             "transaction_type": c.transaction_type}
            for c in settlement.cost_lines
        ],
        "contract_objects": [
            {"id": o.id, "contract_no": o.contract_no, "contract_name": o.contract_name,
             "name": o.name, "customer_id": o.customer_id, "start": o.start.isoformat(),
             "end": None if o.end is None else o.end.isoformat(),
             "numerator": _plain(o.numerator),
             "numerator_override": (None if o.numerator_override is None
                                    else _plain(o.numerator_override)),
             "vat_liable": o.vat_liable, "cap": _opt_money(o.cap),
             "fixed": True if o.fixed_equals_invoiced else _opt_money(o.fixed),
             "invoiced": [{"invoice_no": i.invoice_no, "from": i.period_from.isoformat(),
                           "to": i.period_to.isoformat(), "amount": format_money(i.amount)}
                          for i in o.invoiced],
             "correction": format_money(o.correction),
             "admin_fee": None if o.admin_fee is None else _fee_json(o.admin_fee),
             "do_not_invoice": o.do_not_invoice, "exported": o.exported,
             "address": _address_json(o.address)}
            for o in settlement.contract_objects
        ],
        "adjustments": [
            {"object": a.object_id, "account": a.account, "share_pct": _plain(a.share_pct),
             "factor": _plain(a.factor), "participates": a.participates}
            for a in settlement.adjustments
        ],
    }
