"""Layout version 2 end to end: the next period carries crossing invoices into *A konto*, the
new settings (addresses, invoicing codes, transaction types) travel through the workbook, and
the reader's spec §9b rules (total rows, percent text, slips) hold on their own."""

from __future__ import annotations

import copy
from datetime import datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from bad_workbooks import SMALL, fill, save
from hypothesis import given, settings
from hypothesis import strategies as st
from python_calamine import CalamineWorkbook

from avregn import actions
from avregn.book import FileBook
from avregn.workbook import layout
from avregn.workbook.new_book import write_new_workbook
from avregn.workbook.reader import is_total_formula, percent_text, read_workbook
from avregn.workbook.textnum import TextNumberError

NOW = datetime(2025, 1, 20, 9, 0)


def _rows(path: Path, sheet: str) -> list[list[Any]]:
    return CalamineWorkbook.from_path(str(path)).get_sheet_by_name(sheet).to_python(
        skip_empty_area=False)


def _crossing() -> dict[str, Any]:
    """SMALL with an a konto invoice 01.12.2024–28.02.2025 (4 500,00, 90 days) on 1001-1, and
    1002-1 (lease ended 31.10.2024) paid up to 31.01.2025."""
    data = copy.deepcopy(SMALL)
    first = data["contract_objects"][0]
    first["invoiced"][1]["to"] = "2024-11-30"
    first["invoiced"].append({"invoice_no": "F-1003", "from": "2024-12-01", "to": "2025-02-28",
                              "amount": Decimal("4500.00")})
    data["contract_objects"][1]["invoiced"].append(
        {"invoice_no": "F-2002", "from": "2024-11-01", "to": "2025-01-31",
         "amount": Decimal("3000.00")})
    data["settlement"]["owner_address"] = {"lines": ["PHUS AS", "Postboks 12 Sentrum"],
                                           "postcode": "0101", "city": "OSLO"}
    data["settlement"]["invoicing"] = {"transaction_type": "FK1", "fee_transaction_type": "AH1",
                                       "fee_account": "3620", "vat_code_liable": "3",
                                       "vat_code_free": "0"}
    data["contract_objects"][0]["address"] = {"lines": ["Kafé Hjørnet AS", "Prøvegata 4"],
                                              "postcode": "0150", "city": "OSLO"}
    return data


@pytest.fixture
def crossing_book(tmp_path: Path) -> Path:
    path = tmp_path / "avregning-2024-01.xlsx"
    data = _crossing()
    selection = [{"account": c["account"], "name": c.get("name", ""),
                  "transaction_type": "Felleskost"} for c in data["cost_lines"]]
    write_new_workbook(data, path, account_selection=selection, backup=False)
    outcome = actions.beregn(FileBook(path), now=NOW)
    assert outcome.ok, outcome.lines()
    return path


def test_new_period_carries_crossing_invoices_into_a_konto(crossing_book: Path) -> None:
    outcome = actions.new_period(FileBook(crossing_book), None)
    assert outcome.ok, outcome.lines()
    new = crossing_book.with_name("avregning-2025-01.xlsx")
    assert outcome.written == (new,)
    # the outcome names each carried invoice and where it now stands
    assert "1001-1 F-1003 01.12.2024–28.02.2025 4\u00a0500,00 (A konto!A4)" in outcome.message
    assert "1002-1 F-2002 01.11.2024–31.01.2025 3\u00a0000,00 (A konto!A5)" in outcome.message
    rows = _rows(new, "A konto")
    carried = [r[:5] for r in rows[layout.INVOICES.first_data_row - 1:] if r and r[0]]
    assert [(r[0], r[1], r[4]) for r in carried] == [("1001-1", "F-1003", 4500.0),
                                                     ("1002-1", "F-2002", 3000.0)]
    found = read_workbook(new)
    assert found.problems == []
    ids = [o["id"] for o in found.data["contract_objects"]]
    assert "1002-1" in ids  # its lease ended, but an invoice runs into the new period
    # what is not a figure travels too
    settlement = found.data["settlement"]
    assert settlement["owner_address"] == {"lines": ["PHUS AS", "Postboks 12 Sentrum"],
                                           "postcode": "0101", "city": "OSLO"}
    assert settlement["invoicing"]["fee_account"] == "3620"
    assert found.data["contract_objects"][0]["address"]["postcode"] == "0150"
    assert all(c.get("transaction_type") == "Felleskost" for c in found.data["cost_lines"])


def test_the_new_period_counts_the_rest_of_the_crossing_invoice(crossing_book: Path) -> None:
    """§6.6: 4 500,00 for 01.12–28.02 counts 1 550,00 in 2024 and 2 950,00 in 2025."""
    old = actions.beregn(FileBook(crossing_book), now=NOW)
    assert old.result is not None
    assert old.result.object("1001-1").invoiced == Decimal("19550.00")  # 9 000 + 9 000 + 1 550
    actions.new_period(FileBook(crossing_book), None)
    new = crossing_book.with_name("avregning-2025-01.xlsx")
    from openpyxl import load_workbook  # a workbook we made ourselves: fill in the amounts

    wb = load_workbook(new)
    ws = wb[layout.TIL_FORDELING.name]
    for row in range(layout.COST_LINES.first_data_row, layout.COST_LINES.first_data_row + 3):
        ws.cell(row, layout.COST_LINES.index("amount"), 1000)
    wb.save(new)
    outcome = actions.beregn(FileBook(new), now=NOW)
    assert outcome.ok, outcome.lines()
    assert outcome.result is not None
    assert outcome.result.object("1001-1").invoiced == Decimal("2950.00")
    assert outcome.result.object("1002-1").invoiced == Decimal("1010.87")  # 3 000 − 1 989,13 (§6.6)


def test_new_settings_are_outside_the_fingerprint(crossing_book: Path) -> None:
    """Addresses and invoicing codes may be edited in any status without making the result
    stale (engine.fingerprint leaves them out)."""
    from avregn.workbook.cell_edit import set_cell_values
    from engine.statuses import Action

    assert actions.change_status(FileBook(crossing_book), Action.LOCK, now=NOW).ok
    edited = crossing_book.with_name("edited.xlsx")
    set_cell_values(crossing_book, edited, {
        "Avregning": {layout.INVOICING.cell("owner_address.city"): "BERGEN"},
        "Brøk": {layout.CONTRACT_OBJECTS.cell("address.city", 4): "TRONDHEIM"}})
    outcome = actions.change_status(FileBook(edited), Action.INVOICE_READY, now=NOW)
    assert outcome.ok, outcome.lines()
    assert outcome.settlement is not None
    assert outcome.settlement.settings.owner_address is not None
    assert outcome.settlement.settings.owner_address.city == "BERGEN"
    assert outcome.settlement.contract_objects[0].address is not None
    assert outcome.settlement.contract_objects[0].address.city == "TRONDHEIM"


def test_address_slips_are_warnings_at_their_cells(tmp_path: Path) -> None:
    wb = fill(SMALL)
    ws = wb["Avregning"]
    ws[layout.INVOICING.cell("owner_address.lines")] = "PHUS AS\nc/o Regnskap\nGate 1\nHus 2"
    ws[layout.INVOICING.cell("owner_address.postcode")] = 150  # Excel dropped the zero
    wb["Brøk"][layout.CONTRACT_OBJECTS.cell("address.postcode", 4)] = "15O0"
    found = read_workbook(save(wb, tmp_path / "a.xlsx"))
    assert found.problems == []
    warnings = {w.where: w.message for w in found.warnings}
    assert "4 linjer" in warnings["Avregning!B21"]
    assert "mente du 0150?" in warnings["Avregning!B22"]
    assert "«15O0» er ikke et norsk postnummer" in warnings["Brøk!R4"]
    assert found.data["settlement"]["owner_address"]["lines"] == [
        "PHUS AS", "c/o Regnskap", "Gate 1", "Hus 2"]


def test_status_cell_is_not_read_back(tmp_path: Path) -> None:
    wb = fill(SMALL)
    wb["Avregning"][layout.STATUS_CELL.cell("status")] = "Fakturaklar"
    found = read_workbook(save(wb, tmp_path / "s.xlsx"))
    assert "status" not in found.data["settlement"]
    assert found.problems == []


def test_percent_points_in_text_read_as_percent(tmp_path: Path) -> None:
    from bad_workbooks import percent_text_points

    found = read_workbook(percent_text_points(tmp_path))
    assert found.problems == []
    assert found.data == {**SMALL, "settlement": found.data["settlement"]}
    assert found.data["settlement"]["admin_fee"]["value"] == Decimal(5)


@pytest.mark.parametrize(("text", "expected"), [
    ("5", Decimal(5)), ("12,5", Decimal("12.5")), ("0", Decimal(0)), ("0,5 %", Decimal("0.5")),
    ("100", Decimal(100)), ("1", Decimal(1)), ("50 %", Decimal(50)),
])
def test_percent_text(text: str, expected: Decimal) -> None:
    assert percent_text(text) == expected


@pytest.mark.parametrize("text", ["0,5", "0,05", "-0,5", ".5"])
def test_percent_text_between_0_and_1_is_ambiguous(text: str) -> None:
    with pytest.raises(TextNumberError, match="tvetydig"):
        percent_text(text)


@pytest.mark.parametrize(("formula", "row", "total"), [
    ("SUMMER(C4:C11)", 12, True),
    ("SUM(C4:C11)", 12, True),
    ("SUM($C$4:$C$6)", 7, True),
    ("_xlfn.AGGREGATE(9,4,C4:C9)", 10, True),
    ("SUBTOTAL(109,C4:C9)", 10, True),
    ("C4+C5+C6", 7, True),
    ("'Til fordeling'!C4+C5", 7, True),
    ("SUM(C7:C7)", 7, False),  # only itself
    ("C4*2", 7, False),  # one other line, not a sum
    ("SUM(Regnskap!C4:C11)", 12, False),  # another sheet: a figure taken from the ledger
    ("SUM(D4:D11)", 12, False),  # another column
    ("1200+300", 7, False),
    ("ROUND(Regnskap!C4*0.4,2)", 7, False),
])
def test_total_formula(formula: str, row: int, total: bool) -> None:
    assert is_total_formula(formula, "C", row, "Til fordeling") is total


@settings(max_examples=200, deadline=None)
@given(st.decimals(min_value=Decimal("-1000"), max_value=Decimal("1000"), places=4,
                   allow_nan=False, allow_infinity=False))
def test_percent_text_property(value: Decimal) -> None:
    """With % a percentage reads as written; without it, ≥ 1 (in size) is percent points and
    anything strictly between 0 and 1 is refused, never silently read as a fraction."""
    text = layout.format_nb(value)
    assert percent_text(f"{text} %") == value
    if 0 < abs(value) < 1:
        with pytest.raises(TextNumberError):
            percent_text(text)
    else:
        assert percent_text(text) == value
