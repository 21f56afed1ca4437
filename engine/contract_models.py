"""The full reader of a settlement file (``spec/settlement-file.md``), with pydantic models:
the one that reports problems. ``engine.contract_in.parse_settlement`` first tries the quick
reader (``engine.contract_fast``, valid files only) and comes here when it is unsure.

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

from engine.contract_fast import (
    DATE_TEXT,
    MAX_NUMBER,
    MAX_NUMBER_DECIMALS,
    NULL_MEANS_SOMETHING,
    NUMBER_TEXT,
    NotANumber,
)
from engine.contract_in import FIELD_LABELS
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
from engine.money import MoneyError, money
from engine.problems import Problem
from engine.validation import (
    empty_amounts,
    validate_adjustments,
    validate_contract_objects,
    validate_cost_lines,
    validate_settings,
)

_NUMBER_TEXT = NUMBER_TEXT
_DATE_TEXT = DATE_TEXT
_NotANumber = NotANumber


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
    if abs(value) >= MAX_NUMBER:
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


_NULL_MEANS_SOMETHING = NULL_MEANS_SOMETHING


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


def parse_settlement_with_models(data: Any, *, require_amounts: bool = False
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
