"""Shared by the letter and report tests: settlements as JSON, a calculated workbook of each,
and the PDFs' text through poppler's ``pdftotext`` (an independent reader)."""

from __future__ import annotations

import shutil
import subprocess
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from demo_books import workbook

from avregn.actions import beregn
from avregn.book import FileBook
from avregn.demo import demo_data
from avregn.workbook.reader import WorkbookInput

CALCULATED_AT = datetime(2025, 2, 3, 10, 15)

needs_pdftotext = pytest.mark.skipif(shutil.which("pdftotext") is None,
                                     reason="poppler (pdftotext) is not installed")


class InjectedBook(FileBook):
    """The workbook, plus any address or transaction type the workbook did not deliver, taken
    from the JSON it was made from (fields outside the fingerprint). The workbook's layout
    carries them now, so this adds nothing unless a layout without them is tested; values the
    reader found always win."""

    def __init__(self, path: Path, data: dict[str, Any]):
        super().__init__(path)
        self.source = data

    def read_input(self) -> WorkbookInput:
        found = super().read_input()
        settings = found.data.get("settlement") or {}
        if self.source["settlement"].get("owner_address"):
            settings.setdefault("owner_address", self.source["settlement"]["owner_address"])
        by_id = {o["id"]: o for o in self.source["contract_objects"]}
        for record in found.data.get("contract_objects") or ():
            address = by_id.get(record.get("id"), {}).get("address")
            if address:
                record.setdefault("address", address)
        by_account = {c["account"]: c for c in self.source["cost_lines"]}
        for line in found.data.get("cost_lines") or ():
            kind = by_account.get(line.get("account"), {}).get("transaction_type")
            if kind:
                line.setdefault("transaction_type", kind)
        return found


def address(street: str, postcode: str = "0150", city: str = "OSLO") -> dict[str, Any]:
    return {"lines": [street], "postcode": postcode, "city": city}


def demo() -> dict[str, Any]:
    data = demo_data()
    kinds = {"6300": "A konto felleskost", "6340": "A konto felleskost",
             "6360": "A konto felleskost", "7320": "Markedsføring"}
    for line in data["cost_lines"]:
        if line["account"] in kinds:
            line["transaction_type"] = kinds[line["account"]]
    return data


def crossing() -> dict[str, Any]:
    """A half-year settlement: invoices crossing both ends of the period, a VAT-free tenant,
    a cap, fixed = invoiced with a correction, a fixed amount on a partial lease, a credit,
    a tenant flagged «skal ikke faktureres», a full-distribution account and a refund."""
    def inv(no: str, start: str, end: str, amount: str) -> dict[str, str]:
        return {"invoice_no": no, "from": start, "to": end, "amount": amount}

    return {
        "settlement": {
            "property": "Kryssveien 9", "property_object": "Kryssveien 9 hus B",
            "owner": "Kryss Eiendom AS", "group": "Avregning felleskost",
            "period_start": "2024-07-01", "interval_months": 6, "denominator": "1000",
            "denominator_label": "kvm", "minimum_invoice_amount": "100.00",
            "admin_fee": {"mode": "percent", "value": "5", "vat_liable": True},
            "owner_address": address("Postboks 9", "7001", "TRONDHEIM"),
        },
        "cost_lines": [
            {"account": "6300", "name": "Renhold", "amount": "50000.00"},
            {"account": "6340", "name": "Energi fellesareal", "amount": "20000.01",
             "full_distribution": True},
            {"account": "6400", "name": "Forsikring", "amount": "12345.67", "share_pct": "40",
             "level": "company"},
            {"account": "7780", "name": "Refusjon", "amount": "-1000.00"},
        ],
        "contract_objects": [
            {"id": "A1", "contract_no": "11", "contract_name": "Momsfri Stiftelse",
             "customer_id": "914778271", "name": "Kontor A", "start": "2020-01-01",
             "numerator": "300", "vat_liable": False, "address": address("Kryssveien 9 A"),
             "invoiced": [inv("K-1", "2024-06-01", "2024-08-31", "9000.00"),
                          inv("K-2", "2024-12-01", "2025-02-28", "4500.00"),
                          inv("K-3", "2024-12-17", "2025-01-15", "1000.01")]},
            {"id": "A2", "contract_no": "12", "contract_name": "Takhaver AS",
             "customer_id": "914778271", "name": "Kontor B", "start": "2020-01-01",
             "numerator": "200", "cap": "10000.00", "address": address("Boks 12"),
             "invoiced": [inv("K-4", "2024-07-01", "2024-12-31", "10000.00")]},
            {"id": "A3", "contract_no": "13", "contract_name": "Fastpris AS",
             "customer_id": "914778271", "name": "Kontor C", "start": "2020-01-01",
             "numerator": "100", "fixed": True, "correction": "500.00",
             "address": address("Kryssveien 9 C"),
             "invoiced": [inv("K-5", "2024-07-01", "2024-12-31", "3000.00")]},
            {"id": "A4", "contract_no": "14", "contract_name": "Nykommer AS",
             "customer_id": "914778271", "name": "Kontor D", "start": "2024-10-01",
             "numerator": "150", "fixed": "8000.00", "address": address("Kryssveien 9 D"),
             "invoiced": [inv("K-6", "2024-10-01", "2024-12-31", "1500.00")]},
            {"id": "A5", "contract_no": "15", "contract_name": "Fraflytter AS",
             "customer_id": "914778271", "name": "Kontor E", "start": "2019-01-01",
             "end": "2024-08-15", "numerator": "100", "do_not_invoice": True,
             "address": address("Ny adresse 1", "5003", "BERGEN"),
             "invoiced": [inv("K-7", "2024-07-01", "2024-12-31", "12000.00")]},
        ],
        "adjustments": [
            {"object": "A2", "account": "6300", "share_pct": "50"},
            {"object": "A4", "account": "6400", "participates": False},
            {"object": "A1", "account": "6340", "factor": "1.5"},
        ],
    }


def calculated_book(tmp_path: Path, data: dict[str, Any], name: str = "avregning.xlsx"
                    ) -> InjectedBook:
    path = workbook(tmp_path / name, data, _calculate)  # made once per run, copied
    return InjectedBook(path, data)


def _calculate(path: Path) -> None:
    outcome = beregn(FileBook(path), now=CALCULATED_AT)
    assert outcome.ok, outcome.lines()


def pdf_text(path: Path, *, layout: bool = True) -> str:
    """The PDF's text as poppler reads it; non-breaking spaces as plain spaces."""
    args = ["pdftotext", "-q", *(["-layout"] if layout else []), str(path), "-"]
    out = subprocess.run(args, check=True, capture_output=True, text=True).stdout
    return out.replace("\u00a0", " ")
