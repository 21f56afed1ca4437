"""The stale-results banner (spec §9b, issue 10 item 4), tested for real: the demo workbook is
calculated, one input cell is changed with openpyxl, LibreOffice recalculates every formula on
load and writes each sheet as CSV, and the banner cell is read there. Quiet right after
``beregn``; red after each kind of change the fingerprint covers; quiet after a change of what
it leaves out (the ✗, the export mark, the status)."""

from __future__ import annotations

import csv
from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from libreoffice import CSV_ALL_SHEETS, convert_all

from avregn.actions import beregn
from avregn.book import FileBook
from avregn.demo import demo_data
from avregn.workbook import layout
from avregn.workbook.input_control import measure_inputs, watched_ranges
from avregn.workbook.new_book import write_new_workbook

pytestmark = pytest.mark.slow

BANNER = f"A{layout.BANNER_ROW}"


@pytest.fixture(scope="module")
def calculated(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("banner") / "demo.xlsx"
    write_new_workbook(demo_data(), path)
    outcome = beregn(FileBook(path), now=datetime(2025, 2, 3, 10, 30))
    assert outcome.ok, outcome.lines()
    return path


def read_banners(out: Path, stem: str) -> dict[str, str]:
    found = {}
    for sheet in (layout.BEREGNING.name, layout.STATUS.name):
        csv_path = out / f"{stem}-{sheet}.csv"
        assert csv_path.exists(), f"LibreOffice wrote no {csv_path.name}"
        with open(csv_path, encoding="utf-8") as f:
            rows = list(csv.reader(f))
        found[sheet] = rows[layout.BANNER_ROW - 1][0] if len(rows) >= layout.BANNER_ROW else ""
    return found


def edited(calculated: Path, path: Path, edit: Callable[[Any], None]) -> Path:
    wb = openpyxl.load_workbook(calculated)
    edit(wb)
    wb.save(path)
    return path


def brok(field: str, row: int = 0) -> str:
    table = layout.CONTRACT_OBJECTS
    return table.cell(field, table.first_data_row + row)


RED = {layout.BEREGNING.name: layout.BANNER_TEXT, layout.STATUS.name: layout.BANNER_TEXT}
QUIET = {layout.BEREGNING.name: "", layout.STATUS.name: ""}


def test_quiet_right_after_beregn(recalculated: Path) -> None:
    assert read_banners(recalculated, "unchanged") == QUIET


def test_cached_value_is_quiet_without_recalculation(calculated: Path) -> None:
    from python_calamine import CalamineWorkbook

    book = CalamineWorkbook.from_path(str(calculated))
    for sheet in (layout.BEREGNING.name, layout.STATUS.name):
        rows = book.get_sheet_by_name(sheet).to_python(skip_empty_area=False)
        assert rows[layout.BANNER_ROW - 1][0] == ""


def _set(sheet: str, ref: str, value: Any) -> Callable[[Any], None]:
    def edit(wb: Any) -> None:
        wb[sheet][ref].value = value
    return edit


def _add(sheet: str, ref: str, delta: Any) -> Callable[[Any], None]:
    def edit(wb: Any) -> None:
        wb[sheet][ref].value = wb[sheet][ref].value + delta
    return edit


def _swap(sheet: str, a: str, b: str) -> Callable[[Any], None]:
    def edit(wb: Any) -> None:
        ws = wb[sheet]
        ws[a].value, ws[b].value = ws[b].value, ws[a].value
    return edit


COST = layout.COST_LINES
ADJ = layout.ADJUSTMENTS
INV = layout.INVOICES

CHANGES = {
    "amount by one øre": _add("Til fordeling", COST.cell("amount", COST.first_data_row), 0.01),
    "amount swapped": _swap("Til fordeling", COST.cell("amount", COST.first_data_row),
                            COST.cell("amount", COST.first_data_row + 1)),
    "amount as text": _set("Til fordeling", COST.cell("amount", COST.first_data_row),
                           "kr 184 250,00"),
    "cost line added below": _set("Til fordeling", COST.cell("amount", COST.first_data_row + 40),
                                  100),
    "numerator": _add("Brøk", brok("numerator"), 1),
    "start date": _add("Brøk", brok("start", 2), timedelta(days=1)),
    "object fee": _set("Brøk", brok("admin_fee"), "6 %"),
    "correction": _set("Brøk", brok("correction", 3), 250),
    "exception factor": _set("Kontraktsobjekt konti", ADJ.cell("factor", ADJ.first_data_row), 2),
    "invoice amount": _add("A konto", INV.cell("amount", INV.first_data_row), 1),
    "settings fee": _set("Avregning", layout.SETTINGS.cell("admin_fee.value"), "6 %"),
}


@pytest.fixture(scope="module")
def recalculated(calculated: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The calculated book as it is (``unchanged``), every changed book of CHANGES
    (``change{k}`` by sorted kind) and the book with every change OUTSIDE the fingerprint
    (``outside``), recalculated by LibreOffice in one run (one start-up instead of thirteen);
    the CSVs are named ``{stem}-{sheet}.csv``."""
    work = tmp_path_factory.mktemp("banner-changes")
    unchanged = work / "unchanged.xlsx"
    unchanged.write_bytes(calculated.read_bytes())

    def outside(wb: Any) -> None:
        for change in OUTSIDE.values():
            change(wb)

    books = [unchanged, edited(calculated, work / "outside.xlsx", outside)]
    books += [edited(calculated, work / f"change{k}.xlsx", CHANGES[kind])
              for k, kind in enumerate(sorted(CHANGES))]
    return convert_all(books, work / "csv", CSV_ALL_SHEETS, recalc=True)


@pytest.mark.parametrize("kind", sorted(CHANGES))
def test_red_after_a_change(kind: str, recalculated: Path) -> None:
    assert read_banners(recalculated, f"change{sorted(CHANGES).index(kind)}") == RED


OUTSIDE = {
    "do not invoice": _set("Brøk", brok("do_not_invoice", 1), "X"),
    "export mark": _set("Brøk", brok("exported", 1), "B-2025-01"),
    "status": _set("Avregning", layout.STATUS_CELL.cell("status"), "Låst"),
    "account selection": _set("Kontovalg", "A40", "9999"),
}


def test_quiet_after_changes_outside_the_fingerprint(recalculated: Path) -> None:
    assert read_banners(recalculated, "outside") == QUIET


def test_watched_columns_come_from_the_layout() -> None:
    labels = {w.label for w in watched_ranges()}
    assert "Brøk: Teller" in labels and "Til fordeling: Beløp" in labels
    assert not any("Skal ikke faktureres" in x or "Eksportert" in x or "Kontovalg" in x
                   for x in labels)
    assert not any(w.sheet == "Avregning" and w.last_row >= layout.STATUS_CELL.row("status")
                   for w in watched_ranges())


def test_measures_follow_the_spreadsheet_rules() -> None:
    rows: list[list[Any]] = [[None]] * 3 + [["kr 1 500,00"], [2.5], [True], [""], [None],
                                             [datetime(1900, 3, 1)]]
    (m,) = [x for x in measure_inputs({"Til fordeling": rows})
            if x.watched.label == "Til fordeling: KontoNr"]
    assert m.total == 2.5 + 61  # 1900-03-01 is serial 61; the boolean counts for nothing
    assert m.weighted == 2.5 * 5 + 61 * 9
    assert (m.text_count, m.text_length, m.text_weighted) == (1, 11, 44)
    assert m.text_digits == 4 * (1 + 5)
