"""The Excel face, without Excel: the live book port against a faithful fake of xlwings
(``tests/fake_xlwings.py``) and the ribbon callbacks.

The worksheet functions are tested in ``test_addin_udfs.py``. The key test here is
architecture seam 2: the same scenario through the file port (``FileBook``)
and the live port (``XlwingsBook``) gives identical sheets — the file read back with calamine,
the fake read cell by cell — and the live port stays within one value read per sheet and one
value write per engine sheet.
"""

from __future__ import annotations

import inspect
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import fake_xlwings as fx
import openpyxl
import pytest
from python_calamine import CalamineWorkbook

from addin import ribbon
from addin.live_book import XlwingsBook, cell_text, excel_text, excel_value, rectangles
from addin.messages import box_text, udf_error
from avregn import actions
from avregn.book import FileBook
from avregn.demo import demo_data
from avregn.workbook import layout
from avregn.workbook.new_book import write_new_workbook
from avregn.workbook.results_sheets import read_status
from engine.model import Status
from engine.problems import Problem
from engine.statuses import Action

NOW = datetime(2025, 2, 3, 9, 0)
ENGINE_SHEETS = (layout.BEREGNING.name, layout.STATUS.name)
INPUT_SHEET_COUNT = len(layout.INPUT_SHEETS)

# --- Helpers -----------------------------------------------------------------------------------


def calamine_rows(path: Path) -> dict[str, list[list[Any]]]:
    wb = CalamineWorkbook.from_path(str(path))
    return {n: wb.get_sheet_by_name(n).to_python(skip_empty_area=False) for n in wb.sheet_names}


def excel_like(value: Any) -> Any:
    """A calamine value as Excel holds it (what xlwings would return)."""
    if value == "":
        return None
    if isinstance(value, bool):
        return value
    if isinstance(value, int | float):
        return float(value)
    if isinstance(value, datetime):
        return value
    if isinstance(value, date):
        return datetime(value.year, value.month, value.day)
    return value


def cells(rows: list[list[Any]]) -> dict[tuple[int, int], Any]:
    """Every non-empty cell, normalised, by (row, column)."""
    return {(r, c): excel_like(v) for r, row in enumerate(rows, 1) for c, v in enumerate(row, 1)
            if excel_like(v) is not None}


def _file_contents(path: Path) -> tuple[dict[str, list[list[Any]]], list[tuple[str, str, str]]]:
    """Every sheet's values as Excel types them, and the file's Excel tables (sheet, name,
    ref)."""
    sheets = {name: [[excel_like(v) for v in row] for row in rows]
              for name, rows in calamine_rows(path).items()}
    workbook = openpyxl.load_workbook(path)
    tables = [(ws.title, table.displayName, table.ref)
              for ws in workbook.worksheets for table in ws.tables.values()]
    return sheets, tables


def _fake(contents: tuple[dict[str, list[list[Any]]], list[tuple[str, str, str]]], name: str,
          **kwargs: Any) -> fx.Book:
    sheets, tables = contents
    book = fx.book_from_rows({n: [list(row) for row in rows] for n, rows in sheets.items()},
                             name=name, **kwargs)
    for sheet, table, ref in tables:
        book.sheets[sheet].add_table(table, ref)
    return book


def fake_from_file(path: Path, **kwargs: Any) -> fx.Book:
    """Excel holding what the file holds: every sheet's values, as Excel types them, and the
    Excel tables where the file has them."""
    return _fake(_file_contents(path), path.name, **kwargs)


# The demo workbook as written by write_new_workbook, and what Excel would hold of it: built
# once per run and copied into each test's folder (issue 9: the suite's speed).
_DEMO_BOOK: dict[str, Any] = {}


def make_book(tmp_path: Path, data: dict[str, Any] | None = None,
              name: str = "avregning.xlsx") -> tuple[Path, fx.Book]:
    path = tmp_path / name
    if data is not None:
        write_new_workbook(data, path, backup=False)
        return path, fake_from_file(path, fullname=str(path))
    if not _DEMO_BOOK:
        write_new_workbook(demo_data(), path, backup=False)
        _DEMO_BOOK.update(data=path.read_bytes(), contents=_file_contents(path))
    else:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(_DEMO_BOOK["data"])
    return path, _fake(_DEMO_BOOK["contents"], path.name, fullname=str(path))


def file_formulas(path: Path) -> dict[str, dict[tuple[int, int], str]]:
    """Every formula of the file (read with openpyxl), by sheet and (row, column)."""
    wb = openpyxl.load_workbook(path)
    return {ws.title: {(c.row, c.column): c.value for row in ws.iter_rows() for c in row
                       if isinstance(c.value, str) and c.data_type == "f"}
            for ws in wb.worksheets}


def assert_same_sheets(path: Path, book: fx.Book, names: tuple[str, ...] | None = None) -> None:
    """The file (read back with calamine) and the fake Excel hold the same values, and the
    same formulas where the engine writes them (the banner: the fake does not evaluate)."""
    file_sheets = calamine_rows(path)
    formulas = file_formulas(path)
    for name in names or tuple(file_sheets):
        fake = {k: v.text for k, v in book.sheets[name].cells_.items()
                if isinstance(v, fx.Formula)}
        assert fake == formulas.get(name, {}), name
        expected = {k: v for k, v in cells(file_sheets[name]).items() if k not in fake}
        actual = {k: v for k, v in cells(book.sheets[name].values()).items() if k not in fake}
        assert actual == expected, (name, _diff(expected, actual))


def _diff(a: dict[Any, Any], b: dict[Any, Any]) -> list[Any]:
    return [(k, a.get(k), b.get(k)) for k in sorted(set(a) | set(b)) if a.get(k) != b.get(k)][:10]


def assert_no_formulas(book: fx.Book) -> None:
    """No formula but the engine's own: the banner and the «Endret» cells of its control."""
    changed_col = layout.CONTROL.index("changed")
    for sheet in book.sheets:
        bad = {(r, c): v for (r, c), v in sheet.cells_.items()
               if isinstance(v, fx.ExcelError) or (isinstance(v, fx.Formula) and not (
                   sheet.name in ENGINE_SHEETS
                   and ((r, c) == (layout.BANNER_ROW, 1)
                        or (sheet.name == layout.STATUS.name and c == changed_col))))}
        assert not bad, (sheet.name, bad)


def value_calls(book: fx.Book, call: str) -> dict[str, int]:
    out: dict[str, int] = {}
    for logged, sheet, _ in book.log:
        if logged == call:
            out[sheet] = out.get(sheet, 0) + 1
    return out


# --- The fake behaves like xlwings (so the tests below mean something) ---------------------------


def test_fake_range_values_have_xlwings_shapes_and_types() -> None:
    book = fx.book_from_rows({"S": [["a", 1, None], [date(2024, 1, 2), True, "x"]]})
    sheet = book.sheets["s"]  # Excel finds sheets case-insensitively
    assert sheet.range("A1").value == "a"
    assert sheet.range("B1").value == 1.0 and isinstance(sheet.range("B1").value, float)
    assert sheet.range("A1:C1").value == ["a", 1.0, None]
    assert sheet.range("A1:A2").value == ["a", datetime(2024, 1, 2)]
    assert sheet.range("A1").options(ndim=2).value == [["a"]]
    assert sheet.range("A1:C2").value == [["a", 1.0, None], [datetime(2024, 1, 2), True, "x"]]
    used = sheet.used_range
    assert (used.row, used.column, used.shape) == (1, 1, (2, 3))


def test_fake_writes_parse_text_as_excel_does() -> None:
    book = fx.book_from_rows({"S": []})
    sheet = book.sheets["S"]
    sheet.range("B2").value = [["=1+1", "1001", "'1001", "TRUE"], ["01.02.2024", "#N/A", "", "x"]]
    assert isinstance(sheet.cells_[(2, 2)], fx.Formula)
    assert sheet.range("C2").value == 1001.0
    assert sheet.range("D2").value == "1001"
    assert sheet.range("E2").value is True
    assert sheet.range("B3").value == datetime(2024, 2, 1)
    assert sheet.range("C3").value is None
    assert sheet.range("C3").options(err_to_str=True).value == "#N/A"
    used = sheet.used_range
    assert (used.row, used.column) == (2, 2)  # need not start at A1
    with pytest.raises(TypeError):
        sheet.range("A1").value = Decimal("1.5")
    assert book.calls["value.set"] == 2  # the refused one was a round trip too


def test_fake_reads_errors_and_currency_as_real_xlwings() -> None:
    book = fx.book_from_rows({"S": [[fx.ExcelError("#SPILL!"), fx.ExcelError("#N/A"),
                                     fx.ExcelError("#CALC!"), 1234.5]]})
    sheet = book.sheets["S"]
    assert sheet.range("A1:C1").options(err_to_str=True).value == \
        [-2146826243, "#N/A", -2146826238]
    assert sheet.range("A1:C1").value == [-2146826243, None, -2146826238]
    sheet.range("D1").number_format = '[$kr-414] #,##0.00'
    assert sheet.range("D1").value == Decimal("1234.5000")
    with pytest.raises(Exception, match="same length"):
        sheet.range("A3").value = [[1, 2], [3]]


def test_fake_tables_grow_only_when_resized() -> None:
    book = fx.book_from_rows({"S": [["KontoNr", "Konto"], ["6300", "Renhold"]]})
    sheet = book.sheets["S"]
    table = sheet.add_table("Kostnadslinjer", "A1:B2")
    sheet.range("A3").value = [["'6400", "Forsikring"]]
    assert table.range.address == "$A$1:$B$2"
    table.resize(sheet.range("A1:B3"))
    assert sheet.tables[0].range.address == "$A$1:$B$3"


_PORT_CALLS = {
    "Book": ["save", "sheets", "selection", "app", "name", "fullname"],
    "Sheets": ["add", "__getitem__", "__iter__", "__len__"],
    "Sheet": ["range", "used_range", "clear", "name", "tables"],
    "Range": ["options", "value", "number_format", "font", "color", "column_width", "row",
              "column", "sheet", "address", "shape"],
    "App": ["alert", "screen_updating", "calculation", "api"],
    "Table": ["range", "resize", "name"],
}


def _shape(member: Any) -> Any:
    """A method's parameters (names, kinds, defaults) or "property" with its setter."""
    if isinstance(member, property):
        return ("property", member.fset is not None)
    return [(p.name, p.kind, p.default) for p in inspect.signature(member).parameters.values()]


@pytest.mark.parametrize("cls", sorted(_PORT_CALLS))
def test_fake_signatures_equal_the_installed_xlwings(cls: str) -> None:
    import xlwings.main

    real, fake = getattr(xlwings.main, cls), getattr(fx, cls)
    for name in _PORT_CALLS[cls]:
        real_member = inspect.getattr_static(real, name)
        fake_member = inspect.getattr_static(fake, name, None)
        if fake_member is None:  # a plain attribute of the fake: the port only reads it
            assert isinstance(real_member, property), (cls, name)
            continue
        if name == "name" and cls in ("Sheet", "Table"):
            assert isinstance(real_member, property) and isinstance(fake_member, property)
            continue  # renaming is not a call the port makes
        assert _shape(fake_member) == _shape(real_member), (cls, name)
    font_real = inspect.getattr_static(xlwings.main.Font, "bold")
    assert _shape(inspect.getattr_static(fx._Font, "bold")) == _shape(font_real)
    assert _shape(inspect.getattr_static(fx._Font, "color")) == \
        _shape(inspect.getattr_static(xlwings.main.Font, "color"))


# --- Small pieces of the port ------------------------------------------------------------------


def test_writes_are_quiet_and_settings_come_back(tmp_path: Path) -> None:
    _, book = make_book(tmp_path)
    book.app.calculation = "semiautomatic"  # the user's own setting
    book.app.settings_log.clear()
    assert actions.beregn(XlwingsBook(book), now=NOW).ok
    assert book.app.settings_log == [("screen_updating", False), ("calculation", "manual"),
                                     ("calculation", "semiautomatic"),
                                     ("screen_updating", True)]


def test_settings_come_back_when_a_write_fails(tmp_path: Path,
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    _, book = make_book(tmp_path)

    def broken(self: Any, data: Any) -> None:
        raise RuntimeError("Excel svarte ikke")

    monkeypatch.setattr(fx.Range, "value", property(fx.Range.value.fget, broken))
    port = XlwingsBook(book)
    port.set_values({"Brøk": {"O4": "X"}})
    with pytest.raises(RuntimeError):
        port.commit()
    assert (book.app.screen_updating, book.app.calculation) == (True, "automatic")
    assert book.app.settings_log[-2:] == [("calculation", "automatic"),
                                          ("screen_updating", True)]


def test_appended_rows_grow_the_excel_table(tmp_path: Path) -> None:
    path = tmp_path / "avregning.xlsx"
    selection = [{"account": "6300", "name": "Renhold fellesareal"},
                 {"account": "6999", "name": "Ny konto"}]
    write_new_workbook(demo_data(), path, account_selection=selection, backup=False)
    book = fake_from_file(path)
    sheet = book.sheets["Til fordeling"]
    (table,) = sheet.tables
    last = table.range.row + table.range.shape[0] - 1
    assert actions.fetch_accounts(XlwingsBook(book)).ok
    row = next(r for (r, c), v in sheet.cells_.items() if v == "6999")
    assert row == last + 1  # appended right below the table …
    assert table.range.address == f"$A${layout.COST_LINES.header_row}:$F${row}"  # … and in it
    assert book.calls["table.resize"] == 1


def test_currency_cells_read_as_numbers(tmp_path: Path) -> None:
    path, book = make_book(tmp_path)
    sheet = book.sheets["Til fordeling"]
    amounts = layout.COST_LINES.letter("amount")
    sheet.range(f"{amounts}4:{amounts}20").number_format = '"kr" #,##0.00'
    assert isinstance(sheet.range(f"{amounts}4").value, Decimal)
    by_excel = actions.beregn(XlwingsBook(book), now=NOW)
    assert by_excel.ok, by_excel.lines()
    assert by_excel.result == actions.beregn(FileBook(path), now=NOW).result


def test_spill_in_an_input_cell_is_a_problem_at_its_cell(tmp_path: Path) -> None:
    _, book = make_book(tmp_path)
    cell = layout.CONTRACT_OBJECTS.cell("numerator", 5)
    book.sheets["Brøk"].load([[fx.ExcelError("#SPILL!")]], origin=fx.parse_address(cell)[0])
    outcome = actions.beregn(XlwingsBook(book), now=NOW)
    assert any(p.where == f"Brøk!{cell}" and "#SPILL!" in p.message for p in outcome.problems)


# --- Small pieces of the port (values) ---------------------------------------------------------


@pytest.mark.parametrize(("text", "literal"), [
    ("=HYPERLINK(\"http://x\")", True), ("1001", True), ("0042", True), ("01.02.2024", True),
    ("5 %", True), ("-", True), ("+47 123", True), ("@x", True), ("#N/A", True), ("SANN", True),
    ("'quoted", True), ("Lokale 1. etg", True),
    ("Kafé Hjørnet AS", False), ("Fakturaklar", False), ("X", False), ("", False),
])
def test_text_that_excel_would_reinterpret_gets_the_apostrophe(text: str, literal: bool) -> None:
    written = excel_text(text)
    assert written == ("'" + text if literal else text)
    book = fx.book_from_rows({"S": []})
    book.sheets["S"].range("A1").value = written
    assert book.sheets["S"].range("A1").value == (text or None)  # Excel keeps the text as is


def test_values_are_converted_at_the_edge() -> None:
    assert excel_value(Decimal("1234.50")) == 1234.5
    assert excel_value(date(2024, 1, 1)) == date(2024, 1, 1)
    assert excel_value(None) is None and excel_value("") is None
    assert cell_text(6300.0) == "6300" and cell_text(" 1001-1 ") == "1001-1"
    at = datetime(2025, 2, 3, 9, 0, 5, 123456)
    assert excel_value(at) == datetime(2025, 2, 3, 9, 0, 5)  # whole seconds, as the file port


def test_commit_refuses_before_writing_anything(tmp_path: Path) -> None:
    _, book = make_book(tmp_path)
    port = XlwingsBook(book)
    port.set_values({"Brøk": {"O4": "X"}, "Finnes ikke": {"A1": 1}})
    with pytest.raises(KeyError, match="Finnes ikke"):
        port.commit()
    assert book.calls["value.set"] == 0


def test_adjacent_edits_are_one_write(tmp_path: Path) -> None:
    _, book = make_book(tmp_path)
    port = XlwingsBook(book)
    port.set_values({"Til fordeling": {"A12": "6999", "B12": "Ny", "C12": Decimal("12.50"),
                                       "A14": None}})
    port.commit()
    assert value_calls(book, "value.set") == {"Til fordeling": 2}
    assert book.sheets["Til fordeling"].range("A12:C12").value == ["6999", "Ny", 12.5]


def test_rectangles_group_equal_neighbours() -> None:
    keys = {(r, c): "m" for r in range(4, 40) for c in range(7, 15)}
    keys.update({(r, 15): "p" for r in range(4, 40)})
    keys[(50, 7)] = "m"
    assert rectangles(keys) == [(4, 7, 39, 14, "m"), (4, 15, 39, 15, "p"), (50, 7, 50, 7, "m")]
    covered = {(r, c): k for r0, c0, r1, c1, k in rectangles(keys)
               for r in range(r0, r1 + 1) for c in range(c0, c1 + 1)}
    assert covered == keys


def test_box_text_counts_what_does_not_fit() -> None:
    lines = ["Ikke beregnet."] + [f"Brøk!J{r}: Teller mangler." for r in range(4, 60)]
    text = box_text(lines)
    assert len(text) <= 1000 and text.splitlines()[0] == "Ikke beregnet."
    assert text.splitlines()[-1].startswith("… og ")
    assert box_text(["a", "b"]) == "a\nb"


# --- Seam 2: the same scenario through both ports gives the same sheets --------------------------


def test_beregn_through_both_ports_gives_identical_sheets(tmp_path: Path) -> None:
    path, book = make_book(tmp_path)
    by_file = actions.beregn(FileBook(path), now=NOW)
    by_excel = actions.beregn(XlwingsBook(book), now=NOW)
    assert by_file.ok and by_excel.ok, by_excel.lines()

    # Round trips: one value read per sheet read, one value write per engine sheet and one
    # for the status cell; formats in a bounded number of rectangles.
    reads = value_calls(book, "value.get")
    assert set(reads) == {*(s.name for s in layout.INPUT_SHEETS), "Status"}
    assert all(n == 1 for n in reads.values())
    assert value_calls(book, "value.set") == {"Beregning": 1, "Status": 1, "Avregning": 1}
    assert sum(book.calls.values()) < 120

    assert by_excel.lines() == by_file.lines()
    assert by_excel.result == by_file.result
    assert_same_sheets(path, book)  # Beregning, Status and the status cell of Avregning
    beregnet = layout.STATUS_FORM.row("calculated_at")
    assert book.sheets["Status"].range(f"B{beregnet}").value == NOW
    assert_no_formulas(book)


def test_format_calls_do_not_grow_with_the_number_of_objects(tmp_path: Path) -> None:
    def calls_for(n_extra: int) -> int:
        data = demo_data()
        for k in range(n_extra):
            data["contract_objects"].append(
                {"id": f"9{k:03d}-1", "contract_name": f"Leietaker {k}", "start": "2024-01-01",
                 "numerator": "1"})
        data["settlement"]["denominator"] = str(703 + n_extra)
        _, book = make_book(tmp_path / str(n_extra), data)
        assert actions.beregn(XlwingsBook(book), now=NOW).ok
        return sum(1 for _, sheet, _ in book.log if sheet == "Beregning")

    (tmp_path / "0").mkdir()
    (tmp_path / "200").mkdir()
    assert calls_for(200) == calls_for(0)


def test_formats_reach_the_cells(tmp_path: Path) -> None:
    _, book = make_book(tmp_path)
    assert actions.beregn(XlwingsBook(book), now=NOW).ok
    sheet = book.sheets["Beregning"]
    table = layout.CALCULATION
    first = table.first_data_row
    assert sheet.fmt(table.cell("rest", first)).number_format == "#,##0.00"
    assert sheet.fmt(table.cell("id", table.header_row)).bold
    assert sheet.fmt(table.cell("id", table.header_row)).color == (0xD9, 0xE1, 0xF2)
    assert sheet.fmt(table.cell("do_not_invoice", first)).font_color == (0xC0, 0x00, 0x00)
    assert sheet.widths[table.index("contract_name")] == table.column("contract_name").width
    status = book.sheets["Status"]
    assert status.fmt(f"B{layout.STATUS_FORM.row('calculated_at')}").number_format == \
        "dd.mm.yyyy hh:mm"


def test_do_not_invoice_through_both_ports(tmp_path: Path) -> None:
    path, book = make_book(tmp_path)
    assert actions.beregn(FileBook(path), now=NOW).ok
    assert actions.beregn(XlwingsBook(book), now=NOW).ok
    by_file = actions.set_do_not_invoice(FileBook(path), "1003-1")
    by_excel = actions.set_do_not_invoice(XlwingsBook(book), "1003-1")
    assert by_file.ok and by_excel.ok
    assert by_excel.lines() == by_file.lines()
    flag = layout.CONTRACT_OBJECTS.cell("do_not_invoice", 6)
    assert book.sheets["Brøk"].range(flag).value == "X"
    cross = layout.CALCULATION.cell("do_not_invoice", layout.CALCULATION.first_data_row + 2)
    assert book.sheets["Beregning"].range(cross).value == layout.DO_NOT_INVOICE_MARK
    assert_same_sheets(path, book)
    # And back, through both.
    assert actions.set_do_not_invoice(FileBook(path), "1003-1").ok
    assert actions.set_do_not_invoice(XlwingsBook(book), "1003-1").ok
    assert book.sheets["Brøk"].range(flag).value is None
    assert_same_sheets(path, book)


def test_problems_are_the_same_cells_through_both_ports(tmp_path: Path) -> None:
    data = demo_data()
    data["contract_objects"][2]["numerator"] = "-5"
    data["cost_lines"][1]["share_pct"] = "150"
    path, book = make_book(tmp_path, data)
    by_file = actions.beregn(FileBook(path), now=NOW)
    by_excel = actions.beregn(XlwingsBook(book), now=NOW)
    assert not by_file.ok and not by_excel.ok
    assert by_excel.problems == by_file.problems
    wheres = {p.where for p in by_excel.problems}
    assert f"Brøk!{layout.CONTRACT_OBJECTS.cell('numerator', 6)}" in wheres
    assert book.calls["value.set"] == 0 and book.calls["clear"] == 0  # nothing written


def test_a_cell_error_is_a_problem_at_its_cell(tmp_path: Path) -> None:
    _, book = make_book(tmp_path)
    cell = layout.CONTRACT_OBJECTS.cell("numerator", 5)
    book.sheets["Brøk"].load([[fx.ExcelError("#DIV/0!")]], origin=fx.parse_address(cell)[0])
    outcome = actions.beregn(XlwingsBook(book), now=NOW)
    assert not outcome.ok
    assert any(p.where == f"Brøk!{cell}" and "#DIV/0!" in p.message for p in outcome.problems)


def test_a_used_range_below_a1_is_padded(tmp_path: Path) -> None:
    path, book = make_book(tmp_path)
    for name in ("A konto", "Brøk"):
        sheet = book.sheets[name]
        for at in [k for k in sheet.cells_ if k[0] < 3]:
            del sheet.cells_[at]  # no titles: the used range starts at row 3
        assert book.sheets[name].used_range.row == 3
    book.reset_calls()
    by_excel = actions.beregn(XlwingsBook(book), now=NOW)
    by_file = actions.beregn(FileBook(path), now=NOW)
    assert by_excel.ok and by_excel.result == by_file.result
    assert_same_sheets(path, book, ENGINE_SHEETS)


def test_text_that_looks_like_something_else_stays_text(tmp_path: Path) -> None:
    data = demo_data()
    data["contract_objects"][0]["contract_name"] = '=HYPERLINK("http://x","Klikk")'
    data["contract_objects"][0]["contract_no"] = "0042"
    data["contract_objects"][1]["contract_name"] = "SANN"
    path, book = make_book(tmp_path, data)
    assert actions.beregn(FileBook(path), now=NOW).ok
    assert actions.beregn(XlwingsBook(book), now=NOW).ok
    row = layout.CALCULATION.first_data_row
    sheet = book.sheets["Beregning"]
    assert sheet.range(layout.CALCULATION.cell("contract_name", row)).value.startswith("=HYPER")
    assert sheet.range(layout.CALCULATION.cell("contract_no", row)).value == "0042"
    assert sheet.range(layout.CALCULATION.cell("contract_name", row + 1)).value == "SANN"
    assert_no_formulas(book)
    assert_same_sheets(path, book, ENGINE_SHEETS)


def test_missing_engine_sheets_are_added_at_the_end(tmp_path: Path) -> None:
    _, book = make_book(tmp_path)
    book._sheets = [s for s in book._sheets if s.name not in ENGINE_SHEETS]
    assert actions.beregn(XlwingsBook(book), now=NOW).ok
    assert [s.name for s in book.sheets][-2:] == ["Beregning", "Status"]
    assert book.calls["sheets.add"] == 2


def test_status_flow_through_both_ports(tmp_path: Path) -> None:
    path, book = make_book(tmp_path)
    for action in (None, Action.LOCK, Action.INVOICE_READY):
        if action is None:
            by_file = actions.beregn(FileBook(path), now=NOW)
            by_excel = actions.beregn(XlwingsBook(book), now=NOW)
        else:
            later = datetime(2025, 3, 1, 12, 0)
            by_file = actions.change_status(FileBook(path), action, now=later)
            by_excel = actions.change_status(XlwingsBook(book), action, now=later)
        assert by_file.ok and by_excel.ok, by_excel.lines()
        assert by_excel.lines() == by_file.lines()
        assert_same_sheets(path, book)
    state = read_status(XlwingsBook(book).read_sheet("Status"))
    assert state.status is Status.FAKTURAKLAR and state.calculated_at == NOW


def test_account_actions_edit_the_same_cells_through_both_ports(tmp_path: Path) -> None:
    data = demo_data()
    data["cost_lines"][3]["amount"] = "0"
    path = tmp_path / "avregning.xlsx"
    selection = [{"account": "6300", "name": "Renhold fellesareal"},
                 {"account": "6999", "name": "Ny konto"}, {"account": "0450", "name": "Null"}]
    write_new_workbook(data, path, account_selection=selection, backup=False)
    book = fake_from_file(path)
    for action in (actions.delete_zero_accounts, actions.fetch_accounts):
        by_file, by_excel = action(FileBook(path)), action(XlwingsBook(book))
        assert by_file.ok and by_excel.ok
        assert by_excel.lines() == by_file.lines()
        assert_same_sheets(path, book)
    accounts = book.sheets["Til fordeling"].range("A4:A20").value
    assert "0450" in accounts and "6999" in accounts  # text, not the numbers 450 and 6999
    assert_no_formulas(book)


def test_read_sheet_of_an_input_sheet_reuses_the_input_read(tmp_path: Path) -> None:
    _, book = make_book(tmp_path)
    port = XlwingsBook(book)
    port.read_input()
    port.read_sheet("Til fordeling")
    port.read_sheet("til fordeling")  # Excel's names ignore case
    assert value_calls(book, "value.get")["Til fordeling"] == 1
    assert port.read_sheet("Finnes ikke") is None


# --- The ribbon ----------------------------------------------------------------------------------


@pytest.fixture
def excel(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[Path, fx.Book, list[str]]:
    """A demo workbook open in the fake Excel, the ribbon wired to it; shown messages."""
    path, book = make_book(tmp_path)
    shown: list[str] = []
    monkeypatch.setattr(ribbon, "book_caller", lambda: book)
    monkeypatch.setattr(ribbon, "show_message", lambda _book, text: shown.append(text))
    monkeypatch.setattr(ribbon, "clock", lambda: NOW)
    return path, book, shown


def test_beregn_button_shows_one_message(excel: tuple[Path, fx.Book, list[str]]) -> None:
    path, book, shown = excel
    lines = ribbon.beregn(None)
    assert len(shown) == 1 and shown[0].startswith("Beregnet Prøvegata 4")
    assert lines == actions.beregn(FileBook(path), now=NOW).lines()
    assert_same_sheets(path, book)


def test_buttons_are_dispatched_by_control_id(excel: tuple[Path, fx.Book, list[str]]) -> None:
    _, _, shown = excel
    ribbon.on_action("beregn")
    ribbon.on_action("laas")
    ribbon.on_action("fakturaklar")
    assert shown[-1].endswith("Låst → Fakturaklar.")
    ribbon.on_action("finnes_ikke")
    assert "Ukjent knapp" in shown[-1]
    assert len(shown) == 4
    assert set(ribbon.BUTTONS) == {"beregn", "laas", "fakturaklar", "skal_ikke_faktureres",
                                   "ny_beregning", "veksle_ikke_fakturer", "ny_periode",
                                   "hent_konti", "importer_konti", "eksporter_konti",
                                   "slett_null", "oppdater", "avregningsbrev", "rapporter",
                                   "fakturagrunnlag"}


def test_an_exception_is_one_line(excel: tuple[Path, fx.Book, list[str]],
                                  monkeypatch: pytest.MonkeyPatch) -> None:
    _, _, shown = excel

    def broken(book: Any, **kwargs: Any) -> Any:
        raise RuntimeError("Excel svarte ikke")

    monkeypatch.setattr(actions, "beregn", broken)
    lines = ribbon.beregn(None)
    assert lines == ["Intern feil: Excel svarte ikke (RuntimeError)"]
    assert shown == lines

    def no_excel() -> Any:
        raise OSError("Book.caller() needs Excel")

    monkeypatch.setattr(ribbon, "book_caller", no_excel)
    assert ribbon.slett_null(None)[0].startswith("Intern feil: Book.caller()")
    assert len(shown) == 2


def test_default_message_box_is_the_calling_excels_alert(tmp_path: Path,
                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    _, book = make_book(tmp_path)
    monkeypatch.setattr(ribbon, "book_caller", lambda: book)
    monkeypatch.setattr(ribbon, "clock", lambda: NOW)
    ribbon.beregn(None)
    assert len(book.app.alerts) == 1
    text, title = book.app.alerts[0]
    assert title == "avregn" and text.startswith("Beregnet")


@pytest.mark.parametrize("where", ["Brøk", "Beregning"])
def test_toggle_the_selected_row(excel: tuple[Path, fx.Book, list[str]], where: str) -> None:
    path, book, shown = excel
    ribbon.beregn(None)
    assert actions.beregn(FileBook(path), now=NOW).ok
    table = layout.CONTRACT_OBJECTS if where == "Brøk" else layout.CALCULATION
    book.select(where, table.cell("name", table.first_data_row + 2))  # the third object
    ribbon.veksle_ikke_fakturer(None)
    assert shown[-1] == "1003-1: skal ikke faktureres."
    flag = layout.CONTRACT_OBJECTS.cell("do_not_invoice", 6)
    assert book.sheets["Brøk"].range(flag).value == "X"
    assert actions.set_do_not_invoice(FileBook(path), "1003-1", True).ok
    assert_same_sheets(path, book, ("Brøk", "Beregning"))


def test_toggle_outside_an_object_row_says_what_to_do(
        excel: tuple[Path, fx.Book, list[str]]) -> None:
    _, book, shown = excel
    book.select("Avregning", "B5")
    ribbon.veksle_ikke_fakturer(None)
    book.select("Brøk", "A2")
    ribbon.veksle_ikke_fakturer(None)
    assert all(text.startswith("Velg en celle") for text in shown)
    book.select("Brøk", "C40")
    ribbon.veksle_ikke_fakturer(None)
    assert "ingen Id" in shown[-1]
    assert book.calls["value.set"] == 0


def test_ny_periode_writes_beside_the_workbook(excel: tuple[Path, fx.Book, list[str]]) -> None:
    path, book, shown = excel
    ribbon.beregn(None)
    ribbon.laas(None)
    lines = ribbon.ny_periode(None)
    new = path.with_name("avregning-2025-01.xlsx")
    assert new.exists(), lines
    assert str(new) in shown[-1]
    book.fullname = "Bok1"  # never saved
    ribbon.ny_periode(None)
    assert shown[-1].startswith("Lagre arbeidsboken")


def test_account_buttons(excel: tuple[Path, fx.Book, list[str]]) -> None:
    _, _, shown = excel
    ribbon.hent_konti(None)
    ribbon.slett_null(None)
    assert shown == ["Alle kontoene i Kontovalg står allerede i Til fordeling.",
                     "Ingen kontoer med 0 i beløp."]


# --- Messages -----------------------------------------------------------------------------------


def test_udf_error_text() -> None:
    problems = [Problem("Brøk!J7", "Teller mangler."), Problem("Brøk!J8", "x")]
    assert udf_error(problems) == "#AVREGN: Brøk!J7: Teller mangler. (og 1 til)"
    assert udf_error(problems[:1]) == "#AVREGN: Brøk!J7: Teller mangler."
