"""Writing the JSON contract (``spec/settlement-file.md``): a result as the contract's dict
(``result_to_json``: the bytes of ``engine.result_json.dumps`` read back, so the format has one
writer), and a settlement input as a settlement file (``input_to_json``, the inverse of
``engine.contract_in.parse_settlement``). Reading is ``engine.contract_in``.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import orjson

from engine.model import Address, AdminFee, SettlementInput
from engine.money import format_money
from engine.result import Result
from engine.result_json import dumps
from engine.rounding import exact_text


def _plain(value: Decimal) -> str:
    return exact_text(value)


def _opt_money(value: Decimal | None) -> str | None:
    return None if value is None else format_money(value)


def result_to_json(result: Result) -> dict[str, Any]:
    """A result in the contract's shape: money as strings with exactly two decimals."""
    loaded: dict[str, Any] = orjson.loads(dumps(result))
    return loaded


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
