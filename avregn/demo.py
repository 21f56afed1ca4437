"""The built-in demo settlement: a Norwegian property with eight tenants that between them use
every special term of the spec (partial-year leases, a cap, a fixed agreement, share %, factor,
non-participation, a full-distribution account, a VAT-free tenant, a correction, a credit).

It is the JSON contract's shape (``spec/settlement-file.md``), so it feeds the JSON path and the
workbook path alike. The organisation numbers are valid (mod 11) but invented.
"""

from __future__ import annotations

import copy
from typing import Any


def _quarters(amount: str, *, months: tuple[int, ...] = (1, 4, 7, 10), prefix: str) -> list[Any]:
    ends = {1: "03-31", 4: "06-30", 7: "09-30", 10: "12-31"}
    return [
        {"invoice_no": f"{prefix}-{m:02d}", "from": f"2024-{m:02d}-01",
         "to": f"2024-{ends[m]}", "amount": amount}
        for m in months
    ]


_DEMO: dict[str, Any] = {
    "settlement": {
        "property": "Prøvegata 4",
        "property_object": "Prøvegata 4, bygg A",
        "owner": "PHUS AS",
        "group": "Avregning felleskost",
        "period_start": "2024-01-01",
        "interval_months": 12,
        "denominator": "703",
        "denominator_label": "kvm",
        "minimum_invoice_amount": "100.00",
        "admin_fee": {"mode": "percent", "value": "5", "vat_liable": True},
        "settlement_account_liable": "3610",
        "settlement_account_free": "3611",
        "invoicing": {"transaction_type": "FK", "fee_transaction_type": "ADM",
                      "fee_account": "3620", "vat_code_liable": "3", "vat_code_free": "6"},
        "status": "lagt_opp",
        "owner_address": {"lines": ["Postboks 4 Sentrum"], "postcode": "0101",
                          "city": "OSLO"},
    },
    "cost_lines": [
        {"account": "6300", "name": "Renhold fellesareal", "amount": "184250.00"},
        {"account": "6340", "name": "Energi fellesareal", "amount": "96412.50"},
        {"account": "6360", "name": "Vakthold og alarm", "amount": "42000.00"},
        {"account": "6390", "name": "Snømåking og strøing", "amount": "9800.00"},
        {"account": "6400", "name": "Forsikring bygg", "amount": "61500.00",
         "level": "property", "share_pct": "60"},
        {"account": "6600", "name": "Vedlikehold fellesareal", "amount": "35125.75"},
        {"account": "7320", "name": "Markedsføring senter", "amount": "22000.00",
         "full_distribution": True},
        {"account": "7780", "name": "Refusjon forsikringsskade", "amount": "-2400.00"},
    ],
    "contract_objects": [
        {"id": "1001-1", "address": {"lines": ["Prøvegata 4"], "postcode": "0150", "city": "OSLO"},
         "contract_no": "1001", "contract_name": "Kafé Hjørnet AS",
         "customer_id": "914778204", "name": "Lokale 1. etg", "start": "2019-05-01",
         "numerator": "120.5", "invoiced": _quarters("12500.00", prefix="F1001")},
        {"id": "1002-1", "address": {"lines": ["Prøvegata 4"], "postcode": "0150", "city": "OSLO"},
         "contract_no": "1002", "contract_name": "Advokatfirma Lund DA",
         "customer_id": "914778212", "name": "Kontor 2. etg", "start": "2021-01-01",
         "numerator": "150", "cap": "60000.00",
         "invoiced": _quarters("14000.00", prefix="F1002")},
        {"id": "1003-1", "address": {"lines": ["Prøvegata 4"], "postcode": "0150", "city": "OSLO"},
         "contract_no": "1003", "contract_name": "Frisør Saks AS",
         "customer_id": "914778220", "name": "Lokale 1. etg B", "start": "2024-04-01",
         "numerator": "45", "invoiced": _quarters("3500.00", months=(4, 7, 10), prefix="F1003")},
        {"id": "1004-1", "address": {"lines": ["Postboks 812"], "postcode": "0104", "city": "OSLO"},
         "contract_no": "1004", "contract_name": "Regnskap Nord AS",
         "customer_id": "914778239", "name": "Kontor 3. etg", "start": "2020-03-01",
         "end": "2024-08-31", "numerator": "98",
         "invoiced": _quarters("8500.00", months=(1, 4, 7), prefix="F1004")},
        {"id": "1005-1", "address": {"lines": ["Prøvegata 4"], "postcode": "0150", "city": "OSLO"},
         "contract_no": "1005", "contract_name": "Legesenteret Sentrum AS",
         "customer_id": "914778247", "name": "Legekontor 2. etg", "start": "2018-09-01",
         "numerator": "85", "vat_liable": False,
         "invoiced": _quarters("7000.00", prefix="F1005"), "correction": "1500.00"},
        {"id": "1006-1", "address": {"lines": ["Prøvegata 4"], "postcode": "0150", "city": "OSLO"},
         "contract_no": "1006", "contract_name": "Kiosken ANS",
         "customer_id": "914778255", "name": "Kiosk inngang", "start": "2022-01-01",
         "numerator": "20", "fixed": "12000.00",
         "invoiced": _quarters("3000.00", prefix="F1006")},
        {"id": "1007-1",
         "address": {"lines": ["Solsidevegen 2"], "postcode": "0160", "city": "OSLO"},
         "contract_no": "1007", "contract_name": "Bakeriet Solsiden AS",
         "customer_id": "914778263", "name": "Bakeri 1. etg", "start": "2023-06-01",
         "numerator": "60", "invoiced": _quarters("6000.00", prefix="F1007")},
        {"id": "1008-1",
         "address": {"lines": ["Postboks 77 Vest"], "postcode": "0105", "city": "OSLO"},
         "contract_no": "1008", "contract_name": "Lager Vest AS",
         "customer_id": "914778271", "name": "Lager kjeller", "start": "2024-07-01",
         "numerator": "40", "admin_fee": {"mode": "fixed", "value": "750.00"},
         "invoiced": _quarters("1200.00", months=(7, 10), prefix="F1008")},
    ],
    "adjustments": [
        {"object": "1007-1", "account": "6300", "factor": "1.5"},
        {"object": "1007-1", "account": "6340", "share_pct": "50"},
        {"object": "1008-1", "account": "7320", "participates": False},
        {"object": "1008-1", "account": "6300", "factor": "0.5"},
        {"object": "1005-1", "account": "6390", "participates": False},
    ],
}


def demo_data() -> dict[str, Any]:
    """A fresh copy of the demo settlement (JSON contract shape)."""
    return copy.deepcopy(_DEMO)
