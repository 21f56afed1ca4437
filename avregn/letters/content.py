"""What one settlement letter says, as data the template lays out (spec §8, issue 12).

Every figure is taken from the engine's result and formatted here, in Norwegian
(``1 234 567,89``, ``dd.mm.yyyy``), so that a template — the default one or a user's copy —
only places text and never computes or rounds. Wording belongs to the template; this module
says *which* facts apply (a cap that reduced the share, a fixed agreement, a credit), and gives
the figures those sentences need.

The letter data is plain JSON (str, bool, list, dict): ``letter_data`` is what the template
sees as one element of ``data.letters``.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from avregn.formatting import day
from avregn.outputs import money_text as nok
from avregn.outputs import percent_text as percent
from avregn.outputs import quantity_text as number
from engine.model import Address, ContractObject, FeeMode, InvoiceStatus, SettlementInput, Status
from engine.result import ObjectResult, Result
from engine.statuses import INVOICE_STATUS_LABELS, STATUS_LABELS

VAT_PCT = "25"
# Weighted numerators in the letter: as many decimals as *Beregning* shows.
WEIGHTED_PLACES = 4


def address_data(address: Address | None) -> dict[str, Any]:
    if address is None:
        return {"lines": [], "postcode": "", "city": "", "postcode_city": ""}
    lines = [line.strip() for line in address.lines if line.strip()]
    place = " ".join(part for part in (address.postcode.strip(), address.city.strip()) if part)
    return {"lines": lines, "postcode": address.postcode.strip(), "city": address.city.strip(),
            "postcode_city": place}


def tenant_name(obj: ContractObject) -> str:
    """Who the letter is to: the contract's name (the tenant), else the object's."""
    return obj.contract_name.strip() or obj.name.strip() or obj.id


def recipient(obj: ContractObject) -> dict[str, Any]:
    """The window block: the tenant's name, then the address lines (a first line repeating
    the name is not printed twice)."""
    name = tenant_name(obj)
    found = address_data(obj.address)
    lines = found["lines"]
    if lines and " ".join(lines[0].split()).casefold() == " ".join(name.split()).casefold():
        found["lines"] = lines[1:]
    return {"name": name, **found}


def timestamp(value: datetime | None) -> str:
    return "" if value is None else f"{value:%d.%m.%Y} kl. {value:%H:%M}"


def settlement_data(settlement: SettlementInput, result: Result, *, status: Status,
                    calculated_at: datetime | None) -> dict[str, Any]:
    """What every letter of the settlement shares: owner, property, period, status."""
    s = settlement.settings
    owner_address = address_data(s.owner_address)
    return {
        "owner": {"name": s.owner, **owner_address},
        "property": s.property,
        "property_object": s.property_object,
        "group": s.group,
        "period": {"start": day(result.period_start), "end": day(result.period_end),
                   "days": str(result.days), "months": str(s.interval_months),
                   "year": (str(result.period_start.year)
                            if (result.period_start.month, result.period_start.day,
                                result.period_end.month, result.period_end.day,
                                result.period_start.year) == (1, 1, 12, 31,
                                                              result.period_end.year)
                            else "")},
        "denominator": number(result.denominator),
        "unit": s.denominator_label,
        "minimum": nok(s.minimum_invoice_amount),
        "status": STATUS_LABELS[status],
        "calculated_at": timestamp(calculated_at),
    }


class Letters:
    """Builds the letters of one settlement (lookups prepared once, for a thousand letters)."""

    def __init__(self, settlement: SettlementInput, result: Result, *, status: Status,
                 calculated_at: datetime | None, today: date):
        self.settlement = settlement
        self.result = result
        self.today = today
        self.shared = settlement_data(settlement, result, status=status,
                                      calculated_at=calculated_at)
        self.contracts = {o.id: o for o in settlement.contract_objects}
        self.accounts = {a.account: a for a in result.accounts}
        self.objects = {o.id: o for o in result.objects}

    def letter(self, object_id: str) -> dict[str, Any]:
        """One letter: the settlement's shared facts plus the object's own figures."""
        return letter_data(self, self.objects[object_id])


def letter_data(letters: Letters, obj: ObjectResult) -> dict[str, Any]:
    settlement, result, shared = letters.settlement, letters.result, letters.shared
    contract = letters.contracts[obj.id]
    s = settlement.settings
    start, end = result.period_start, result.period_end
    lease_from = max(contract.start, start)
    lease_to = end if contract.end is None else min(contract.end, end)
    in_period = obj.days > 0

    rows = []
    for alloc in (result.allocation(obj.id, a.account) for a in result.accounts):
        account = letters.accounts[alloc.account]
        rows.append({
            "account": account.account,
            "name": account.name,
            "total": nok(account.to_distribute),
            "factor": number(alloc.factor),
            "participates": alloc.participates,
            "distributed": nok(alloc.distributed),
            "share": nok(alloc.tenant_share),
            "share_pct": percent(alloc.tenant_share, account.to_distribute),
            "agreed_pct": number(alloc.share_pct) if alloc.share_pct != 100 else "",
        })
    costs = result.summary.costs

    cap = None
    if obj.cap_limit is not None and obj.cap_reduction > 0:
        cap = {"yearly": nok(contract.cap) if contract.cap is not None else "",
               "period": nok(obj.cap_limit),
               "before": nok(obj.share), "reduction": nok(obj.cap_reduction)}
    fixed = None
    if obj.fixed_amount is not None:
        fixed = {"yearly": nok(contract.fixed) if contract.fixed is not None else "",
                 "equals_invoiced": contract.fixed_equals_invoiced,
                 "period": nok(obj.fixed_amount), "before": nok(obj.share),
                 "difference": nok(obj.fixed_difference),
                 "adjustment": nok(-obj.fixed_difference)}

    invoices = [{"no": c.invoice.invoice_no, "from": day(c.invoice.period_from),
                 "to": day(c.invoice.period_to), "amount": nok(c.invoice.amount),
                 "counted": nok(c.counted), "partial": c.counted != c.invoice.amount}
                for c in obj.invoices]

    fee_rule = contract.admin_fee or s.admin_fee
    fee_basis = ""
    if obj.admin_fee_pct is not None and obj.admin_fee != 0:
        fee_basis = f"{number(obj.admin_fee_pct)} % av kr {nok(obj.total)}"
    elif fee_rule.mode is FeeMode.FIXED and obj.admin_fee != 0:
        fee_basis = "fast beløp"

    rest_kind = "owed" if obj.rest > 0 else "credit" if obj.rest < 0 else "zero"
    total_kind = ("owed" if obj.invoice_total > 0 else "credit" if obj.invoice_total < 0
                  else "zero")
    return {
        **shared,
        "id": obj.id,
        "date": day(letters.today),
        "recipient": recipient(contract),
        "tenant": {"name": tenant_name(contract), "customer_id": contract.customer_id or "",
                   "contract_no": contract.contract_no, "contract_name": contract.contract_name,
                   "object_name": contract.name, "object_id": contract.id},
        "lease": {"start": day(contract.start), "end": day(contract.end),
                  "in_period": in_period,
                  "from": day(lease_from) if in_period else "",
                  "to": day(lease_to) if in_period else "",
                  "days": str(obj.days)},
        "fraction": {"numerator": number(obj.numerator),
                     "overridden": contract.numerator_override is not None,
                     "weighted": number(obj.weighted_numerator, WEIGHTED_PLACES),
                     "denominator": number(result.denominator),
                     "unit": s.denominator_label,
                     "pct": percent(obj.weighted_numerator, result.denominator),
                     "full_period": obj.days == result.days},
        "accounts": rows,
        "sums": {"total": nok(costs), "distributed": nok(obj.distributed),
                 "share": nok(obj.share), "share_pct": percent(obj.share, costs)},
        "cap": cap,
        "fixed": fixed,
        "adjusted": cap is not None or fixed is not None,
        "share": nok(obj.share),
        "total": nok(obj.total),
        "invoices": invoices,
        "any_partial": any(i["partial"] for i in invoices),
        "invoiced": nok(obj.invoiced),
        "correction": nok(obj.correction),
        "rest": nok(obj.rest),
        "rest_kind": rest_kind,
        "vat_liable": obj.vat_liable,
        "vat_pct": VAT_PCT,
        "vat": nok(obj.vat),
        "rest_incl_vat": nok(obj.rest_incl_vat),
        "fee": {"amount": nok(obj.admin_fee), "basis": fee_basis,
                "vat": nok(obj.admin_fee_vat), "incl_vat": nok(obj.admin_fee_incl_vat),
                "vat_liable": obj.admin_fee_vat != 0},
        "invoice_total": nok(obj.invoice_total),
        "total_kind": total_kind,
        "invoice_status": obj.invoice_status.value,
        "invoice_status_label": INVOICE_STATUS_LABELS[obj.invoice_status],
        "below_minimum": obj.invoice_status is InvoiceStatus.BELOW_MINIMUM,
    }
