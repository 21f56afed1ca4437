"""The quick way in for a valid settlement file: the same records as ``engine.contract_in``'s
pydantic models build, without pydantic.

Why: ``avregn calc`` of a big settlement spent more time importing pydantic and building its
models than calculating. A settlement file is nearly always valid, and a valid one needs no
error reporting, so this reader handles exactly that case: every field is converted by the
same rules as the models' validators (``engine.contract_in`` names them), and at the first
thing it is not sure of — a wrong type, a failed conversion, an unknown spelling — it gives up
(``None``) and the caller reads the file again with the models, which report every problem
with its path. A property test holds the two readers to the same records on valid input.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from datetime import date
from decimal import Decimal
from typing import Any

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
    Status,
)
from engine.money import MAX_MAGNITUDE, MoneyError, money

NUMBER_TEXT = re.compile(r"^-?[0-9]+(\.[0-9]+)?$")  # ASCII digits only: «１２３» is text
DATE_TEXT = re.compile(r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$")
# Numerators, factors and percentages: enough for any real lease, and small enough that every
# figure stays exact in Decimal's 28 digits wherever a display rounds it.
MAX_NUMBER = MAX_MAGNITUDE
MAX_NUMBER_DECIMALS = 15  # Excel shows 15 significant digits
# Fields where null means something (an open end, no cap, an empty amount …); elsewhere a
# null is read as "not given", so the field's default applies.
NULL_MEANS_SOMETHING = frozenset({
    "amount", "end", "numerator_override", "cap", "fixed", "customer_id", "admin_fee",
    "exported", "settlement_account_liable", "settlement_account_free", "value",
})


class Unsure(Exception):
    """Something the quick reader does not decide: the models will (and say what is wrong)."""


class NotANumber(str):
    """What ``load_json`` puts where the file says NaN or Infinity, so it is reported, not read."""


# --- fields (the same rules as the models' validators) -----------------------------------------

def _number_text_read(value: Any) -> Any:
    """A number written as text becomes its Decimal; floats, booleans and NaN are for the
    models to judge (``Unsure``); anything else is returned as it is."""
    if isinstance(value, bool | float | NotANumber):
        raise Unsure
    if isinstance(value, str):
        text = value.strip()
        if not NUMBER_TEXT.match(text):
            raise Unsure
        return Decimal(text)
    return value


def to_money(value: Any) -> Decimal:
    value = _number_text_read(value)
    if not isinstance(value, int | Decimal):
        raise Unsure
    try:
        return money(value)
    except MoneyError:
        raise Unsure from None


def to_number(value: Any) -> Decimal:
    value = _number_text_read(value)
    if isinstance(value, int):
        value = Decimal(value)
    if not isinstance(value, Decimal) or not value.is_finite():
        raise Unsure
    exponent = value.as_tuple().exponent
    if isinstance(exponent, int) and -exponent > MAX_NUMBER_DECIMALS:
        raise Unsure
    if abs(value) >= MAX_NUMBER:
        raise Unsure
    return value


def to_int(value: Any) -> int:
    number = to_number(value)
    if number != number.to_integral_value():
        raise Unsure
    return int(number)


def to_date(value: Any) -> date:
    if isinstance(value, date):
        return value if type(value) is date else date(value.year, value.month, value.day)
    if isinstance(value, str) and DATE_TEXT.match(value.strip()):
        try:
            return date.fromisoformat(value.strip())
        except ValueError:
            pass
    raise Unsure


def to_text(value: Any) -> str:
    if isinstance(value, str):
        return value
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    if isinstance(value, Decimal) and value.is_finite() and value == value.to_integral_value():
        return str(int(value))
    raise Unsure


def to_optional_text(value: Any) -> str | None:
    if value is None:
        return None
    text = to_text(value).strip()
    return text or None


def to_bool(value: Any) -> bool:
    if value is True or value is False:
        return value
    raise Unsure


def _enum(kind: type[Any]) -> Callable[[Any], Any]:
    values = {member.value: member for member in kind}

    def read(value: Any) -> Any:
        if isinstance(value, kind):
            return value
        if type(value) is str and value in values:
            return values[value]
        raise Unsure

    return read


def to_fixed(value: Any) -> Decimal | bool | None:
    if value is None or value is False:
        return None
    if value is True:
        return True
    return to_money(value)


# --- records -------------------------------------------------------------------------------

_ABSENT = object()


class _Record:
    """One record's raw mapping, read field by field as its model would read it."""

    __slots__ = ("raw",)

    def __init__(self, raw: Any) -> None:
        if not isinstance(raw, Mapping):
            raise Unsure
        self.raw = raw

    def required(self, key: str, read: Callable[[Any], Any], *, nullable: bool = False) -> Any:
        value = self.raw.get(key, _ABSENT)
        if value is _ABSENT:
            raise Unsure
        if value is None:
            if nullable:
                return None
            raise Unsure
        return read(value)

    def optional(self, key: str, read: Callable[[Any], Any], default: Any) -> Any:
        """A field with a default: absent is the default, and so is null unless null means
        something for this field (then it is ``None``)."""
        value = self.raw.get(key, _ABSENT)
        if value is _ABSENT:
            return default
        if value is None:
            return None if key in NULL_MEANS_SOMETHING else default
        return read(value)


def _list(value: Any) -> list[Any]:
    if isinstance(value, list | tuple):
        return list(value)
    raise Unsure


_level, _fee_mode, _status = _enum(Level), _enum(FeeMode), _enum(Status)


def admin_fee(raw: Any) -> AdminFee:
    r = _Record(raw)
    mode = r.optional("mode", _fee_mode, FeeMode.NONE)
    value = r.optional("value", to_number, None)
    vat_liable = r.optional("vat_liable", to_bool, True)
    if mode is not FeeMode.NONE and value is None:
        raise Unsure
    if mode is FeeMode.NONE or value is None:
        return AdminFee()
    return AdminFee(mode, value, vat_liable)


def address(raw: Any) -> Address | None:
    r = _Record(raw)
    lines = [to_text(line) for line in _list(r.optional("lines", lambda v: v, []))]
    found = Address(tuple(line.strip() for line in lines if line.strip()),
                    r.optional("postcode", to_text, "").strip(),
                    r.optional("city", to_text, "").strip())
    return None if found.is_empty else found


def invoicing(raw: Any) -> Invoicing:
    r = _Record(raw)
    return Invoicing(*(r.optional(key, to_optional_text, None) for key in (
        "transaction_type", "fee_transaction_type", "fee_account", "vat_code_liable",
        "vat_code_free")))


def settings(raw: Any) -> Settings:
    r = _Record(raw)
    fee = r.optional("admin_fee", admin_fee, None)
    owner_address = r.optional("owner_address", address, None)
    codes = r.optional("invoicing", invoicing, None)
    return Settings(
        property=r.required("property", to_text),
        property_object=r.required("property_object", to_text),
        owner=r.required("owner", to_text),
        period_start=r.required("period_start", to_date),
        interval_months=r.required("interval_months", to_int),
        denominator=r.required("denominator", to_number),
        group=r.optional("group", to_text, ""),
        denominator_label=r.optional("denominator_label", to_text, "kvm"),
        minimum_invoice_amount=r.optional("minimum_invoice_amount", to_money, Decimal("0.00")),
        admin_fee=fee if fee is not None else AdminFee(),
        settlement_account_liable=r.optional("settlement_account_liable", to_optional_text,
                                             None),
        settlement_account_free=r.optional("settlement_account_free", to_optional_text, None),
        status=r.optional("status", _status, Status.LAGT_OPP),
        owner_address=owner_address,
        invoicing=codes if codes is not None else Invoicing(),
    )


def cost_line(raw: Any) -> CostLine:
    r = _Record(raw)
    transaction_type = r.optional("transaction_type", to_optional_text, None)
    return CostLine(
        r.required("account", to_text).strip(),
        r.required("amount", to_money, nullable=True),
        r.optional("name", to_text, ""),
        r.optional("level", _level, Level.OBJECT),
        r.optional("share_pct", to_number, Decimal(100)),
        r.optional("full_distribution", to_bool, False),
        (transaction_type or "").strip() or None,
    )


def invoice(raw: Any) -> Invoice:
    r = _Record(raw)
    if "period_from" in r.raw or "period_to" in r.raw:  # the models also take these names
        raise Unsure
    return Invoice(r.optional("invoice_no", to_text, ""), r.required("from", to_date),
                   r.required("to", to_date), r.required("amount", to_money))


def contract_object(raw: Any) -> ContractObject:
    r = _Record(raw)
    fixed = r.optional("fixed", to_fixed, None)
    fee = r.optional("admin_fee", admin_fee, None)
    return ContractObject(
        id=r.required("id", to_text).strip(),
        start=r.required("start", to_date),
        numerator=r.required("numerator", to_number),
        end=r.optional("end", to_date, None),
        contract_no=r.optional("contract_no", to_text, ""),
        contract_name=r.optional("contract_name", to_text, ""),
        name=r.optional("name", to_text, ""),
        customer_id=r.optional("customer_id", to_optional_text, None),
        numerator_override=r.optional("numerator_override", to_number, None),
        vat_liable=r.optional("vat_liable", to_bool, True),
        cap=r.optional("cap", to_money, None),
        fixed=fixed if isinstance(fixed, Decimal) else None,
        fixed_equals_invoiced=fixed is True,
        invoiced=tuple(invoice(i) for i in _list(r.optional("invoiced", lambda v: v, []))),
        correction=r.optional("correction", to_money, Decimal("0.00")),
        admin_fee=fee,
        do_not_invoice=r.optional("do_not_invoice", to_bool, False),
        exported=r.optional("exported", to_optional_text, None),
        address=r.optional("address", address, None),
    )


def adjustment(raw: Any) -> Adjustment:
    r = _Record(raw)
    return Adjustment(r.required("object", to_text).strip(),
                      r.required("account", to_text).strip(),
                      r.optional("share_pct", to_number, Decimal(100)),
                      r.optional("factor", to_number, Decimal(1)),
                      r.optional("participates", to_bool, True))


def read_records(data: Any) -> tuple[Settings, list[CostLine], list[ContractObject],
                                     list[Adjustment]] | None:
    """The records of a settlement file, or ``None`` when anything needs the full reader."""
    try:
        if not isinstance(data, Mapping):
            raise Unsure
        found = settings(data.get("settlement"))
        lines = [cost_line(raw) for raw in _list(data.get("cost_lines"))]
        objects = [contract_object(raw) for raw in _list(data.get("contract_objects"))]
        raw_adjustments = data.get("adjustments")
        adjustments = ([] if raw_adjustments is None
                       else [adjustment(raw) for raw in _list(raw_adjustments)])
    except (Unsure, ValueError, TypeError, ArithmeticError):
        return None
    return found, lines, objects, adjustments
