"""Editing single cells of the user's input sheets must change those cells and nothing else."""

from __future__ import annotations

import csv
import os
import random
import re
import shutil
import zipfile
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path

import libreoffice
import openpyxl
import pytest
from defusedxml import ElementTree as SafeET
from fixtures_package import (
    build_prefixed_target,
    build_rich_target,
    member_order,
    read_parts,
    to_shared_strings,
    write_parts,
    xlwings_template,
)
from openpyxl.styles import Font
from openpyxl.worksheet.table import Table
from python_calamine import CalamineWorkbook

from avregn.xlsx import cell_edit
from avregn.xlsx.cell_edit import parse_cell_ref, set_cell_values
from avregn.xlsx.errors import WorkbookError, WorkbookLocked
from avregn.xlsx.save import backup_path, save_atomic

# openpyxl warns that it would drop the rich target's x14 validation when *it* loads; we only read.
pytestmark = pytest.mark.filterwarnings("ignore:Data Validation extension:UserWarning")

MAIN = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
PKG_REL = "{http://schemas.openxmlformats.org/package/2006/relationships}"
CT = "{http://schemas.openxmlformats.org/package/2006/content-types}"
REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
SHEET1 = "xl/worksheets/sheet1.xml"

# ---------------------------------------------------------------------------------------------
# An input workbook as Excel would have saved it
# ---------------------------------------------------------------------------------------------

HEADERS = ["Id", "Kontrakt", "Areal", "Beløp", "Start", "Notat"]
ROWS = [
    ("K1", "Kiosken", 100, 1250.0, date(2024, 1, 1)),
    ("K2", "Bakeriet", 250, 3125.0, date(2024, 4, 1)),
    ("K3", "Frisør", 50, 625.0, date(2024, 7, 1)),
]
EXCEL_ROOT = (
    '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
    f'xmlns:r="{REL}" '
    'xmlns:mc="http://schemas.openxmlformats.org/markup-compatibility/2006" '
    'mc:Ignorable="x14ac xr" '
    'xmlns:x14ac="http://schemas.microsoft.com/office/spreadsheetml/2009/9/ac" '
    'xmlns:xr="http://schemas.microsoft.com/office/spreadsheetml/2014/revision" '
    'xr:uid="{00000000-0001-0000-0000-000000000000}">'
)
CT_CALC_CHAIN = "application/vnd.openxmlformats-officedocument.spreadsheetml.calcChain+xml"


def build_input_book(folder: Path, name: str = "Avregning.xlsx") -> Path:
    """*Brøk* (a table A3:F6 with headers, shared strings, a bold name column, column styles for
    amounts and dates, a shared formula G4:G6 and plain formulas H4:H6 with cached values, a
    calcChain, a styled row 12, Excel's spans/x14ac/mc:Ignorable) and *Til fordeling*."""
    folder.mkdir(parents=True, exist_ok=True)
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Brøk"
    ws["A1"] = "Brøk — kontraktsobjekter"
    for col, header in enumerate(HEADERS, 1):
        ws.cell(row=3, column=col, value=header)
    ws.column_dimensions["D"].number_format = "#,##0.00"
    ws.column_dimensions["E"].number_format = "dd.mm.yyyy"
    for row, (oid, contract, area, amount, start) in enumerate(ROWS, 4):
        ws.cell(row=row, column=1, value=oid)
        ws.cell(row=row, column=2, value=contract).font = Font(bold=True)
        ws.cell(row=row, column=3, value=area)
        ws.cell(row=row, column=4, value=amount).number_format = "#,##0.00"
        ws.cell(row=row, column=5, value=start).number_format = "dd.mm.yyyy"
        ws.cell(row=row, column=7, value=f"=C{row}*2")
        ws.cell(row=row, column=8, value=f"=D{row}/C{row}")
    ws.add_table(Table(displayName="Objekter", ref="A3:F6"))
    ws.row_dimensions[12].number_format = "0.0%"
    ws["A12"] = 0.25
    other = wb.create_sheet("Til fordeling")
    other["A1"] = "Konto"
    other["A2"] = "6300"
    path = folder / name
    wb.save(path)
    to_shared_strings(path, rich_run=False)

    parts = read_parts(path)
    sheet = parts[SHEET1].decode()
    sheet = re.sub(r"<worksheet [^>]*>", EXCEL_ROOT, sheet, count=1)
    sheet = re.sub(r'<row r="(\d+)"', r'<row r="\1" spans="1:8" x14ac:dyDescent="0.25"', sheet)
    for row, (_, _, area, amount, _) in enumerate(ROWS, 4):
        shared = (
            f'<f t="shared" ref="G4:G6" si="0">C{row}*2</f>'
            if row == 4
            else '<f t="shared" si="0"/>'
        )
        sheet, n = re.subn(
            rf'(<c r="G{row}"[^>]*>)<f>[^<]*</f><v\s*/>', rf"\g<1>{shared}<v>{area * 2}</v>", sheet
        )
        assert n == 1
        sheet, n = re.subn(
            rf'(<c r="H{row}"[^>]*><f>[^<]*</f>)<v\s*/>', rf"\g<1><v>{amount / area}</v>", sheet
        )
        assert n == 1
    parts[SHEET1] = sheet.encode()
    chain = '<c r="G4" i="1"/><c r="G5"/><c r="G6"/><c r="H4"/><c r="H5"/><c r="H6"/>'
    parts["xl/calcChain.xml"] = (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<calcChain '
        f'xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">{chain}</calcChain>'
    ).encode()
    parts["[Content_Types].xml"] = parts["[Content_Types].xml"].replace(
        b"</Types>",
        f'<Override PartName="/xl/calcChain.xml" ContentType="{CT_CALC_CHAIN}"/></Types>'.encode(),
    )
    parts["xl/_rels/workbook.xml.rels"] = parts["xl/_rels/workbook.xml.rels"].replace(
        b"</Relationships>",
        f'<Relationship Id="rIdCalc" Type="{REL}/calcChain" Target="calcChain.xml"/>'
        "</Relationships>".encode(),
    )
    write_parts(path, parts)
    return path


@pytest.fixture
def book(tmp_path: Path) -> Path:
    return build_input_book(tmp_path / "user")


@pytest.fixture
def out(tmp_path: Path) -> Path:
    return tmp_path / "out" / "Avregning.xlsx"


# ---------------------------------------------------------------------------------------------
# Helpers
# ---------------------------------------------------------------------------------------------


def edit(target: Path, out: Path, edits: dict) -> cell_edit.EditResult:
    out.parent.mkdir(parents=True, exist_ok=True)
    return set_cell_values(target, out, edits)


def calamine_cells(path: Path, sheet: str) -> dict[str, object]:
    """Non-empty cells as calamine sees them, by reference."""
    data = CalamineWorkbook.from_path(str(path)).get_sheet_by_name(sheet)
    r0, c0 = data.start
    cells = {}
    for r, row in enumerate(data.to_python(), r0 + 1):
        for c, value in enumerate(row, c0 + 1):
            if value != "":
                cells[f"{openpyxl.utils.get_column_letter(c)}{r}"] = value
    return cells


def sheet_xml(path: Path, part: str = SHEET1) -> SafeET.Element:
    return SafeET.fromstring(read_parts(path)[part])


def cell_xml(path: Path, ref: str, part: str = SHEET1) -> str:
    text = read_parts(path)[part].decode()
    m = re.search(rf'<(?:\w+:)?c r="{ref}"[^>]*?(?:/>|>.*?</(?:\w+:)?c>)', text)
    assert m is not None, ref
    return m.group(0)


def layout(path: Path, part: str = SHEET1) -> list[tuple[int, list[int]]]:
    """Rows and cell columns in document order, from the XML itself."""
    rows = []
    for row in sheet_xml(path, part).iter(f"{MAIN}row"):
        cols = [parse_cell_ref(c.get("r"))[1] for c in row.iter(f"{MAIN}c")]
        rows.append((int(row.get("r")), cols))
    return rows


def assert_in_order(path: Path, part: str = SHEET1) -> None:
    rows = layout(path, part)
    numbers = [r for r, _ in rows]
    assert numbers == sorted(set(numbers)), numbers
    for r, cols in rows:
        assert cols == sorted(set(cols)), (r, cols)


def assert_package_consistent(path: Path) -> None:
    parts = read_parts(path)
    lower = {n.lower() for n in parts}
    for name, data in parts.items():
        if name.endswith((".xml", ".rels")):
            SafeET.fromstring(data)
        if not name.endswith(".rels"):
            continue
        base = os.path.dirname(os.path.dirname(name))
        for rel in SafeET.fromstring(data).iter(f"{PKG_REL}Relationship"):
            target = rel.get("Target")
            if rel.get("TargetMode") == "External":
                continue
            full = target.lstrip("/") if target.startswith("/") else os.path.join(base, target)
            assert os.path.normpath(full).lower() in lower, (name, target)
    for override in SafeET.fromstring(parts["[Content_Types].xml"]).iter(f"{CT}Override"):
        assert override.get("PartName").lstrip("/").lower() in lower


def assert_only_changed(before: Path, after: Path, changed: set[str], removed=()) -> None:
    a, b = read_parts(before), read_parts(after)
    assert set(b) == set(a) - set(removed)
    for name, data in a.items():
        if name not in changed and name not in removed:
            assert b[name] == data, name
    assert member_order(after) == [n for n in member_order(before) if n not in removed]
    with zipfile.ZipFile(before) as za, zipfile.ZipFile(after) as zb:
        for info in zb.infolist():
            old = za.getinfo(info.filename)
            assert (info.date_time, info.compress_type) == (old.date_time, old.compress_type)


# ---------------------------------------------------------------------------------------------
# Values and types
# ---------------------------------------------------------------------------------------------


def test_values_read_back_with_their_types(book: Path, out: Path) -> None:
    hyperlink = '=HYPERLINK("http://example.invalid","klikk")'
    result = edit(
        book,
        out,
        {
            "BRØK": {  # Excel matches sheet names case-insensitively
                "D4": Decimal("1234.5"),
                "E5": date(2025, 1, 31),
                "E6": datetime(2025, 3, 1, 14, 5, 30),
                "F4": hyperlink,
                "F5": True,
                "F6": "  mellomrom & <tegn>  ",
                "C6": 999,
                "B4": None,
                "A8": "K9",
                "E8": date(2025, 12, 31),  # new row: the column's date format applies
            }
        },
    )
    assert result.sheets == ["Brøk"] and result.cells == 10
    assert result.formulas_overwritten == []

    ws = openpyxl.load_workbook(out)["Brøk"]
    assert ws["D4"].value == 1234.5 and ws["D4"].number_format == "#,##0.00"
    assert ws["E5"].value == datetime(2025, 1, 31)
    assert ws["E6"].value == datetime(2025, 3, 1, 14, 5, 30)
    assert ws["F4"].value == hyperlink and ws["F4"].data_type == "s"
    assert ws["F5"].value is True
    assert ws["F6"].value == "  mellomrom & <tegn>  "
    assert ws["C6"].value == 999
    assert ws["B4"].value is None and ws["B4"].font.b  # cleared, still bold
    assert ws["A8"].value == "K9"
    assert ws["E8"].value == datetime(2025, 12, 31) and ws["E8"].number_format == "dd.mm.yyyy"
    assert ws["G5"].value == "=C5*2"  # untouched formulas stay formulas

    cells = calamine_cells(out, "Brøk")
    assert cells["D4"] == 1234.5
    assert cells["E5"] == date(2025, 1, 31)
    assert cells["E6"] == datetime(2025, 3, 1, 14, 5, 30)
    assert cells["F4"] == hyperlink
    assert cells["F5"] is True
    assert cells["F6"] == "  mellomrom & <tegn>  "
    assert cells["C6"] == 999
    assert "B4" not in cells
    assert cells["A8"] == "K9" and cells["E8"] == date(2025, 12, 31)
    assert cells["G5"] == 500  # cached formula values still there
    assert cells["B5"] == "Bakeriet"  # shared strings still resolve

    # Exactly the XML we promise.
    assert cell_xml(out, "D4") == f'<c r="D4" s="{_style(book, "D4")}"><v>1234.5</v></c>'
    assert '<c r="B4" s="' in cell_xml(out, "B4") and cell_xml(out, "B4").endswith("/>")
    assert 't="inlineStr"><is><t xml:space="preserve">=HYPERLINK(' in cell_xml(out, "F4")
    assert "<f>" not in cell_xml(out, "F4")


def _style(path: Path, ref: str) -> str:
    m = re.search(r'\ss="(\d+)"', cell_xml(path, ref))
    assert m is not None
    return m.group(1)


def test_only_the_edited_sheet_changes(book: Path, out: Path) -> None:
    result = edit(book, out, {"Brøk": {"C4": 120, "J20": "ny"}})
    assert result.changed_parts == [SHEET1] and result.removed_parts == []
    assert_only_changed(book, out, {SHEET1})
    assert_package_consistent(out)
    before, after = read_parts(book)[SHEET1].decode(), read_parts(out)[SHEET1].decode()
    # Excel's root element, mc:Ignorable and the x14ac attributes are untouched.
    assert '<dimension ref="A1:J20" />' in after
    assert (
        after.split("<sheetData>")[0].replace('ref="A1:J20"', 'ref="A1:H12"')
        == (before.split("<sheetData>")[0])
    )
    assert after.count('x14ac:dyDescent="0.25"') == before.count('x14ac:dyDescent="0.25"')
    assert after.split("</sheetData>")[1] == before.split("</sheetData>")[1]


def test_vba_workbook_keeps_everything_else(tmp_path: Path) -> None:
    rich = build_rich_target(tmp_path / "user")
    out = tmp_path / "out.xlsm"
    result = set_cell_values(rich.path, out, {"Avregning": {"B1": "Lillegata 2", "D7": "Ja"}})
    assert result.changed_parts == [SHEET1]
    assert_only_changed(rich.path, out, {SHEET1})
    after = read_parts(out)
    assert after["xl/vbaProject.bin"] == read_parts(rich.path)["xl/vbaProject.bin"]
    assert "xl/calcChain.xml" in after  # no formula was overwritten
    assert b"x14:dataValidation" in after[SHEET1] and b'r:id="rIdShape1"' in after[SHEET1]
    wb = openpyxl.load_workbook(out)
    assert wb["Avregning"]["B1"].value == "Lillegata 2"
    assert wb["Avregning"]["D7"].value == "Ja"
    assert wb["Avregning"]["A1"].comment is not None
    assert_package_consistent(out)


# ---------------------------------------------------------------------------------------------
# Formulas
# ---------------------------------------------------------------------------------------------


def test_overwritten_formula_drops_calc_chain(tmp_path: Path) -> None:
    rich = build_rich_target(tmp_path / "user")
    out = tmp_path / "out.xlsm"
    result = set_cell_values(rich.path, out, {"Avregning": {"C6": Decimal("1000.00")}})
    assert result.formulas_overwritten == ["Avregning!C6"]
    assert result.removed_parts == ["xl/calcChain.xml"]
    assert set(result.changed_parts) == {
        SHEET1,
        "[Content_Types].xml",
        "xl/_rels/workbook.xml.rels",
    }
    assert_only_changed(rich.path, out, set(result.changed_parts), ["xl/calcChain.xml"])
    after = read_parts(out)
    assert b"calcChain" not in after["[Content_Types].xml"]
    assert b"calcChain" not in after["xl/_rels/workbook.xml.rels"]
    assert cell_xml(out, "C6") == '<c r="C6" s="1"><v>1000.00</v></c>'
    assert_package_consistent(out)
    ws = openpyxl.load_workbook(out)["Avregning"]
    assert ws["C6"].value == 1000 and ws["C6"].number_format == "#,##0.00"
    assert ws["C7"].value == "=B7*$B$3"
    cells = calamine_cells(out, "Avregning")
    assert cells["C6"] == 1000 and cells["C7"] == 3125


def test_overwriting_a_shared_formula_anchor_keeps_the_others_working(
    book: Path, out: Path
) -> None:
    result = edit(book, out, {"Brøk": {"G4": 7}})
    assert result.formulas_overwritten == ["Brøk!G4"]
    assert "xl/calcChain.xml" in result.removed_parts
    assert cell_xml(out, "G4") == '<c r="G4"><v>7</v></c>'
    assert cell_xml(out, "G5") == '<c r="G5"><f>C5*2</f><v>500</v></c>'
    assert cell_xml(out, "G6") == '<c r="G6"><f>C6*2</f><v>100</v></c>'
    ws = openpyxl.load_workbook(out)["Brøk"]
    assert (ws["G4"].value, ws["G5"].value, ws["G6"].value) == (7, "=C5*2", "=C6*2")
    assert [calamine_cells(out, "Brøk")[f"G{r}"] for r in (4, 5, 6)] == [7, 500, 100]


def test_overwriting_a_shared_formula_member_leaves_the_group(book: Path, out: Path) -> None:
    edit(book, out, {"Brøk": {"G5": None}})
    assert cell_xml(out, "G5") == '<c r="G5"/>'
    assert cell_xml(out, "G4") == cell_xml(book, "G4")
    assert cell_xml(out, "G6") == cell_xml(book, "G6")
    assert "xl/calcChain.xml" not in read_parts(out)


def test_array_formula_cells_are_refused(book: Path, out: Path) -> None:
    parts = read_parts(book)
    parts[SHEET1] = (
        parts[SHEET1]
        .replace(b"<f>D4/C4</f>", b'<f t="array" ref="H4:H5">D4:D5/C4:C5</f>')
        .replace(b"<f>D6/C6</f>", b'<f t="array" ref="H6">D6/C6</f>')
    )
    target = book.with_name("matrise.xlsx")
    write_parts(target, parts)
    with pytest.raises(WorkbookError) as err:
        edit(target, out, {"Brøk": {"H5": 1, "H4": 2, "C4": 3}})
    assert [p.where for p in err.value.problems] == ["Brøk!H4", "Brøk!H5"]
    assert "matriseformel" in err.value.problem.message
    assert not out.exists()
    edit(target, out, {"Brøk": {"H6": 1}})  # a single-cell array formula is just a formula
    assert cell_xml(out, "H6") == '<c r="H6"><v>1</v></c>'


# ---------------------------------------------------------------------------------------------
# Where new rows and cells go, and how they look
# ---------------------------------------------------------------------------------------------


def test_rows_and_cells_are_inserted_in_order(book: Path, out: Path) -> None:
    edits = {
        "Z4": "z",
        "AA4": "aa",
        "I5": 1,  # after the row's last cell
        "F4": "f",  # between E4 and G4
        "A2": "ny rad 2",  # a missing row between existing ones
        "B2": "b",
        "C9": 9,  # below the table, between rows 6 and 12
        "A100": "sist",  # after the last row
        "AB7": "ab",  # a new row 7 right after 6
    }
    edit(book, out, {"Brøk": edits})
    assert_in_order(out)
    rows = dict(layout(out))
    assert rows[2] == [1, 2] and rows[4] == [1, 2, 3, 4, 5, 6, 7, 8, 26, 27]
    assert rows[5][-1] == 9 and rows[7] == [28] and rows[9] == [3] and rows[100] == [1]
    assert [r for r, _ in layout(out)] == [1, 2, 3, 4, 5, 6, 7, 9, 12, 100]
    ws = openpyxl.load_workbook(out)["Brøk"]
    for ref, value in edits.items():
        assert ws[ref].value == value, ref
    assert calamine_cells(out, "Brøk")["AA4"] == "aa"


def test_new_cells_take_row_then_column_style(book: Path, out: Path) -> None:
    edit(book, out, {"Brøk": {"C12": 0.5, "E12": 0.75, "E20": date(2025, 5, 17), "K20": 1}})
    row_style = re.search(r'<row r="12"[^>]*\ss="(\d+)"', read_parts(book)[SHEET1].decode())
    assert row_style is not None
    assert f's="{row_style.group(1)}"' in cell_xml(out, "C12")  # the row's style wins
    assert f's="{row_style.group(1)}"' in cell_xml(out, "E12")
    assert cell_xml(out, "K20") == '<c r="K20"><v>1</v></c>'  # no row or column style
    ws = openpyxl.load_workbook(out)["Brøk"]
    assert ws["C12"].number_format == "0.0%"
    assert ws["E20"].number_format == "dd.mm.yyyy" and ws["E20"].value == datetime(2025, 5, 17)


def test_clearing_keeps_the_styled_cell_and_creates_nothing(book: Path, out: Path) -> None:
    result = edit(book, out, {"Brøk": {"B5": None, "D5": "", "Q40": None, "A41": None}})
    assert cell_xml(out, "B5") == f'<c r="B5" s="{_style(book, "B5")}"/>'
    assert cell_xml(out, "D5") == f'<c r="D5" s="{_style(book, "D5")}"/>'
    assert 'r="Q40"' not in read_parts(out)[SHEET1].decode()
    assert '<row r="41"' not in read_parts(out)[SHEET1].decode()
    assert result.cells == 2
    assert b'<dimension ref="A1:H12" />' in read_parts(out)[SHEET1]  # nothing new outside
    ws = openpyxl.load_workbook(out)["Brøk"]
    assert ws["B5"].value is None and ws["B5"].font.b
    assert ws["D5"].number_format == "#,##0.00"


def test_spans_and_dimension_grow_with_the_edits(book: Path, out: Path) -> None:
    edit(book, out, {"Brøk": {"K5": 1, "C4": 2}})
    text = read_parts(out)[SHEET1].decode()
    assert '<row r="5" spans="1:11" x14ac:dyDescent="0.25">' in text
    assert '<row r="4" spans="1:8" x14ac:dyDescent="0.25">' in text
    assert '<dimension ref="A1:K12" />' in text


def test_date_1904_workbook(book: Path, tmp_path: Path, out: Path) -> None:
    parts = read_parts(book)
    parts["xl/workbook.xml"] = re.sub(
        rb"<workbookPr\s*/>", b'<workbookPr date1904="1"/>', parts["xl/workbook.xml"]
    )
    assert b"date1904" in parts["xl/workbook.xml"]
    target = tmp_path / "1904.xlsx"
    write_parts(target, parts)
    edit(target, out, {"Brøk": {"E5": date(2025, 1, 31)}})
    assert "<v>44226</v>" in cell_xml(out, "E5")  # 45688 - 1462
    assert openpyxl.load_workbook(out)["Brøk"]["E5"].value == datetime(2025, 1, 31)


# ---------------------------------------------------------------------------------------------
# Numbers, dates and text as written
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "xml"),
    [
        (Decimal("1234.5"), "1234.5"),
        (Decimal("1234.50"), "1234.50"),
        (Decimal("1E+3"), "1000"),
        (Decimal("1.5E-7"), "0.00000015"),
        (Decimal("-0.00"), "0.00"),
        (Decimal("-98765432109.87"), "-98765432109.87"),
        (12, "12"),
        (0.1, "0.1"),
        (1e-7, "0.0000001"),
        (1e20, "100000000000000000000"),
    ],
)
def test_numbers_are_written_in_plain_notation(value: object, xml: str) -> None:
    assert cell_edit._encode(value, False, "A1") == cell_edit._Value(None, xml)


@pytest.mark.parametrize(
    ("value", "date1904", "serial"),
    [
        (date(1900, 1, 1), False, "1"),
        (date(1900, 2, 28), False, "59"),
        (date(1900, 3, 1), False, "61"),  # Excel's phantom 29 February 1900 is serial 60
        (date(2025, 1, 31), False, "45688"),
        (datetime(2025, 3, 1, 12, 0), False, "45717.5"),
        (datetime(2025, 3, 1, 14, 5), False, "45717.586805555555"),
        (date(1904, 1, 1), True, "0"),
        (datetime(1904, 1, 1, 0, 0, 1), True, "0.000011574074074074073"),
    ],
)
def test_dates_become_serial_numbers(value: date, date1904: bool, serial: str) -> None:
    assert cell_edit._encode(value, date1904, "A1") == cell_edit._Value(None, serial)


@pytest.mark.parametrize(
    ("value", "date1904"),
    [
        (date(1899, 12, 31), False),
        (date(1903, 12, 31), True),
        (Decimal("NaN"), False),
        (float("inf"), False),
        (Decimal("1E+400"), False),
    ],
)
def test_values_excel_cannot_hold_are_refused(
    book: Path, out: Path, value: object, date1904: bool
) -> None:
    with pytest.raises(WorkbookError) as err:
        cell_edit._encode(value, date1904, "Brøk!C4")
    assert err.value.problem.where == "Brøk!C4"
    if not date1904:
        with pytest.raises(WorkbookError):
            edit(book, out, {"Brøk": {"C4": value}})
        assert not out.exists()


def test_text_is_cleaned_like_set_text(book: Path, out: Path) -> None:
    edit(
        book,
        out,
        {"Brøk": {"F4": "Kiosk\x00en\x1f AS\tog\r\nlinje", "F5": "x" * 40_000, "F6": "#N/A"}},
    )
    cells = {c.get("r"): c for c in sheet_xml(out).iter(f"{MAIN}c")}
    assert cells["F4"].find(f"{MAIN}is/{MAIN}t").text == "Kiosken AS\tog\r\nlinje"
    ws = openpyxl.load_workbook(out)["Brøk"]
    assert len(ws["F5"].value) == 32767
    assert ws["F6"].value == "#N/A" and ws["F6"].data_type == "s"


# ---------------------------------------------------------------------------------------------
# Workbooks from other writers
# ---------------------------------------------------------------------------------------------


def test_prefixed_workbook(tmp_path: Path) -> None:
    target = build_prefixed_target(tmp_path / "user")
    out = tmp_path / "out.xlsx"
    set_cell_values(target, out, {"data": {"B1": 7, "C1": "ny", "A3": Decimal("2.5")}})
    text = read_parts(out)[SHEET1].decode()
    assert '<x:c r="B1"><x:v>7</x:v></x:c>' in text
    assert '<x:c r="C1" t="inlineStr"><x:is><x:t xml:space="preserve">ny</x:t></x:is></x:c>' in text
    assert '<x:row r="3"><x:c r="A3"><x:v>2.5</x:v></x:c></x:row></x:sheetData>' in text
    assert_only_changed(target, out, {SHEET1})
    ws = openpyxl.load_workbook(out)["Data"]
    assert (ws["A1"].value, ws["B1"].value, ws["C1"].value, ws["A3"].value) == (
        "brukerdata",
        7,
        "ny",
        2.5,
    )


def test_excel_made_workbook(tmp_path: Path) -> None:
    source = xlwings_template("quickstart.xlsm")
    if source is None:
        pytest.skip("xlwings' Excel-made templates are not installed")
    target = tmp_path / "quickstart.xlsm"
    shutil.copy(source, target)
    out = tmp_path / "out.xlsm"
    sheets = openpyxl.load_workbook(target).sheetnames
    result = set_cell_values(
        target,
        out,
        {sheets[0]: {"B2": "første"}, sheets[1]: {"C1": 3, "A30": "ny", "A1": "Overskrift"}},
    )
    parts = {SHEET1, "xl/worksheets/sheet2.xml"}
    assert set(result.changed_parts) == parts
    assert_only_changed(target, out, parts)  # sharedStrings.xml and vbaProject.bin included
    before, after = read_parts(target), read_parts(out)
    for part in parts:
        head = rb"<\?xml[^>]*>\s*<[^>]*>"
        assert re.match(head, after[part]).group(0) == re.match(head, before[part]).group(0)
    empty = after[SHEET1].decode()  # was <sheetData/>
    assert '<sheetData><row r="2"><c r="B2" t="inlineStr">' in empty
    assert '<dimension ref="A1:B2"/>' in empty
    second = after["xl/worksheets/sheet2.xml"].decode()
    assert '<row r="1" spans="1:3" x14ac:dyDescent="0.3">' in second
    assert '<c r="C1" s="1"><v>3</v></c>' in second  # <col min="3" max="16384" style="1">
    assert '<row r="30"><c r="A30" s="1" t="inlineStr">' in second
    assert_in_order(out, "xl/worksheets/sheet2.xml")
    wb = openpyxl.load_workbook(out)
    assert wb[sheets[0]]["B2"].value == "første"
    assert (wb[sheets[1]]["A1"].value, wb[sheets[1]]["C1"].value) == ("Overskrift", 3)
    assert calamine_cells(out, sheets[1])["A30"] == "ny"


def test_rows_and_cells_without_r(book: Path, tmp_path: Path, out: Path) -> None:
    parts = read_parts(book)
    sheet = parts["xl/worksheets/sheet2.xml"].decode()
    bare = "<sheetData><row><c><v>1</v></c><c><v>2</v></c></row><row/><row><c><v>3</v></c></row>"
    sheet = re.sub(r"<sheetData>.*</sheetData>", bare + "</sheetData>", sheet)
    parts["xl/worksheets/sheet2.xml"] = sheet.encode()
    target = tmp_path / "uten-r.xlsx"
    write_parts(target, parts)
    edit(target, out, {"Til fordeling": {"C1": 9, "A2": "to", "B3": 4}})
    part = "xl/worksheets/sheet2.xml"
    assert_in_order(out, part)
    assert layout(out, part) == [(1, [1, 2, 3]), (2, [1]), (3, [1, 2])]
    ws = openpyxl.load_workbook(out)["Til fordeling"]
    assert [[c.value for c in row] for row in ws.iter_rows(1, 3, 1, 3)] == [
        [1, 2, 9],
        ["to", None, None],
        [3, 4, None],
    ]


# ---------------------------------------------------------------------------------------------
# Refusals and bad arguments
# ---------------------------------------------------------------------------------------------


def test_missing_sheet_is_named_in_norwegian(book: Path, out: Path) -> None:
    with pytest.raises(WorkbookError) as err:
        edit(book, out, {"Brøk": {"A4": "x"}, "Fakturaer": {"A1": 1}})
    assert err.value.problem.where == "Avregning.xlsx"
    assert "«Fakturaer»" in err.value.problem.message
    assert not out.exists()


def test_chartsheet_is_refused(tmp_path: Path) -> None:
    wb = openpyxl.Workbook()
    wb.create_chartsheet("Diagram")
    target = tmp_path / "diagram.xlsx"
    wb.save(target)
    with pytest.raises(WorkbookError, match="ikke et vanlig regneark"):
        set_cell_values(target, tmp_path / "o.xlsx", {"diagram": {"A1": 1}})


def test_table_headers_must_keep_the_column_name(book: Path, out: Path) -> None:
    with pytest.raises(WorkbookError) as err:
        edit(book, out, {"Brøk": {"A3": "Nr", "B3": None, "A4": "ok"}})
    assert [p.where for p in err.value.problems] == ["Brøk!A3", "Brøk!B3"]
    assert "Excel-tabell" in err.value.problem.message
    edit(book, out, {"Brøk": {"A3": "Id", "G3": "utenfor tabellen"}})
    assert openpyxl.load_workbook(out)["Brøk"]["G3"].value == "utenfor tabellen"


@pytest.mark.parametrize("ref", ["C0", "XFE1", "A1048577", "7C", "C7:D8", "", "Brøk!C7"])
def test_bad_cell_references(book: Path, out: Path, ref: str) -> None:
    with pytest.raises(ValueError):
        edit(book, out, {"Brøk": {ref: 1}})


def test_bad_arguments(book: Path, out: Path) -> None:
    assert parse_cell_ref("$aa$10") == (10, 27)
    assert parse_cell_ref("XFD1048576") == (1_048_576, 16_384)
    with pytest.raises(ValueError, match="twice"):
        edit(book, out, {"Brøk": {"C7": 1, "c7": 2}})
    with pytest.raises(ValueError, match="twice"):
        edit(book, out, {"Brøk": {"C7": 1}, "BRØK": {"C8": 2}})
    with pytest.raises(TypeError):
        edit(book, out, {"Brøk": {"C7": object()}})
    with pytest.raises(ValueError, match="time zones"):
        edit(book, out, {"Brøk": {"C7": datetime(2025, 1, 1, tzinfo=UTC)}})
    with pytest.raises(ValueError, match="out must not be the target"):
        set_cell_values(book, book, {"Brøk": {"C7": 1}})
    with pytest.raises(WorkbookError):
        edit(book.with_name("finnes-ikke.xlsx"), out, {"Brøk": {"C7": 1}})


# ---------------------------------------------------------------------------------------------
# Many edits, a big sheet
# ---------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def big_book(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """100 000 rows × 10 numeric columns (~40 MB of sheet XML), written directly."""
    folder = tmp_path_factory.mktemp("big")
    wb = openpyxl.Workbook()
    wb.active.title = "Data"
    base = folder / "base.xlsx"
    wb.save(base)
    letters = "ABCDEFGHIJ"
    rows = "".join(
        f'<row r="{r}" spans="1:10">'
        + "".join(f'<c r="{col}{r}" s="0"><v>{r * 10 + i}</v></c>' for i, col in enumerate(letters))
        + "</row>"
        for r in range(1, 100_001)
    )
    sheet = (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<worksheet xmlns='
        '"http://schemas.openxmlformats.org/spreadsheetml/2006/main"><dimension ref="A1:J100000"/>'
        f"<sheetData>{rows}</sheetData></worksheet>"
    )
    parts = read_parts(base)
    parts[SHEET1] = sheet.encode()
    path = folder / "stor.xlsx"
    write_parts(path, parts)
    return path


@pytest.mark.slow
def test_many_edits_in_a_big_sheet_are_one_fast_pass(
    big_book: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    rng = random.Random(7)
    edits: dict[str, object] = {}
    while len(edits) < 500:
        ref = f"{rng.choice('ABCDEFGHIJKL')}{rng.randint(1, 100_050)}"
        edits[ref] = rng.randint(-1000, 1000)
    passes = []
    real = cell_edit._SheetEditor._rows_between

    def counting(self, start: int, end: int) -> str:
        passes.append(1)
        return real(self, start, end)

    monkeypatch.setattr(cell_edit._SheetEditor, "_rows_between", counting)
    out = tmp_path / "out.xlsx"
    result = set_cell_values(big_book, out, {"Data": edits})
    assert len(passes) == 1 and result.cells == 500
    text = read_parts(out)[SHEET1].decode()
    for ref, value in list(edits.items())[:50]:
        assert re.search(rf'<c r="{ref}"[^>]*><v>{value}</v></c>', text), ref
    assert text.count("<row ") >= 100_000
    rows = [int(r) for r in re.findall(r'<row r="(\d+)"', text)]
    assert rows == sorted(set(rows))


# ---------------------------------------------------------------------------------------------
# In place: backup, lock
# ---------------------------------------------------------------------------------------------


def edit_workbook(workbook: Path, edits: dict, *, backup: bool = True,
                  grow_tables: bool = True) -> cell_edit.EditResult:
    """An edit in place, the way FileBook.commit makes one: the edit, then the save."""
    results: list[cell_edit.EditResult] = []

    def write(tmp: Path) -> None:
        results.append(set_cell_values(workbook, tmp, edits, grow_tables=grow_tables))

    save_atomic(write, workbook, backup=backup)
    return results[0]


def test_edit_in_place_keeps_a_backup(book: Path) -> None:
    original = book.read_bytes()
    edit_workbook(book, {"Brøk": {"C4": 101}})
    assert backup_path(book).read_bytes() == original
    assert openpyxl.load_workbook(book)["Brøk"]["C4"].value == 101
    with pytest.raises(WorkbookError, match="«Mangler»"):
        edit_workbook(book, {"Mangler": {}})
    assert backup_path(book).read_bytes() == original


@pytest.mark.parametrize("lock", ["~$Avregning.xlsx", ".~lock.Avregning.xlsx#"])
def test_open_workbook_is_not_touched(book: Path, lock: str) -> None:
    original = book.read_bytes()
    (book.parent / lock).write_bytes(b"owner")
    with pytest.raises(WorkbookLocked):
        edit_workbook(book, {"Brøk": {"C4": 101}})
    assert book.read_bytes() == original
    assert sorted(p.name for p in book.parent.iterdir()
                  if not p.name.endswith(".avregn-lock")) == sorted([book.name, lock])


# ---------------------------------------------------------------------------------------------
# A real client
# ---------------------------------------------------------------------------------------------


@pytest.mark.slow
@pytest.mark.libreoffice
def test_libreoffice_reads_the_edited_sheet(book: Path, tmp_path: Path) -> None:
    hyperlink = '=HYPERLINK("http://example.invalid","klikk")'
    edit_workbook(
        book,
        {
            "Brøk": {
                "B4": None,
                "C4": 999,
                "D4": Decimal("1234.5"),
                "E5": date(2025, 1, 31),
                "F4": hyperlink,
                "G4": 7,  # the shared formula's anchor
                "A8": "Bjørk & Sønn",
                "AA8": True,
            }
        },
        backup=False,
    )
    converted = libreoffice.convert(book, tmp_path / "lo", libreoffice.CSV_FIRST_SHEET)
    rows = list(csv.reader(converted.read_text("utf-8").splitlines()))
    assert rows[2][:6] == HEADERS
    assert rows[3][:3] == ["K1", "", "999"]
    assert re.sub(r"\D", "", rows[3][3]) == "123450"  # shown with the cell's #,##0.00
    assert rows[4][4] == "31.01.2025"
    assert rows[3][5] == hyperlink  # text, not a link
    assert [rows[r][6] for r in (3, 4, 5)] == ["7", "500", "100"]  # G5, G6 still formulas
    assert rows[7][0] == "Bjørk & Sønn" and rows[7][26] == "TRUE"


# ---------------------------------------------------------------------------------------------
# Excel tables grow over rows written right below them
# ---------------------------------------------------------------------------------------------

COST_SHEET = "Til fordeling"


@pytest.fixture(scope="module")
def demo_master(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The settlement template filled with the demo data: «Kostnadslinjer» is A3:F11."""
    from avregn.demo import demo_data
    from avregn.workbook.new_book import write_new_workbook

    path = tmp_path_factory.mktemp("demo") / "Avregning.xlsx"
    write_new_workbook(demo_data(), path, backup=False)
    return path


@pytest.fixture
def demo_book(demo_master: Path, tmp_path: Path) -> Path:
    path = tmp_path / "user" / "Avregning.xlsx"
    path.parent.mkdir()
    shutil.copy(demo_master, path)
    return path


def table_parts(path: Path) -> dict[str, str]:
    """Table name → its part."""
    parts = read_parts(path)
    return {
        SafeET.fromstring(data).get("displayName"): name
        for name, data in parts.items()
        if name.startswith("xl/tables/")
    }


def sheet_part(path: Path, sheet: str) -> str:
    """The worksheet part of ``sheet`` (openpyxl-written books number them in tab order)."""
    wb = openpyxl.load_workbook(path, read_only=True)
    part = f"xl/worksheets/sheet{wb.sheetnames.index(sheet) + 1}.xml"
    wb.close()
    assert part in read_parts(path)
    return part


def table_refs(path: Path, sheet: str, name: str) -> tuple[str, str | None]:
    table = openpyxl.load_workbook(path)[sheet].tables[name]
    return table.ref, table.autoFilter.ref if table.autoFilter is not None else None


def test_accounts_appended_below_the_table_grow_it(demo_book: Path, tmp_path: Path) -> None:
    original = tmp_path / "original.xlsx"
    shutil.copy(demo_book, original)
    assert table_refs(demo_book, COST_SHEET, "Kostnadslinjer") == ("A3:F11", "A3:F11")
    result = edit_workbook(
        demo_book,
        {COST_SHEET: {"A12": "6500", "B12": "Kontorrekvisita", "A13": "6510", "B13": "Porto"}},
        backup=False,
    )
    table_part = table_parts(original)["Kostnadslinjer"]
    changed = {sheet_part(original, COST_SHEET), table_part}
    assert result.grown_tables == ("Kostnadslinjer A3:F13",) and result.warnings == ()
    assert set(result.changed_parts) == changed
    # Every other part, the other four tables' included, is byte-identical.
    assert_only_changed(original, demo_book, changed)
    assert len(table_parts(original)) == 5
    assert_package_consistent(demo_book)
    before, after = read_parts(original)[table_part], read_parts(demo_book)[table_part]
    assert after == before.replace(b'ref="A3:F11"', b'ref="A3:F13"')  # only the two refs
    assert before.count(b'ref="A3:F11"') == 2
    assert table_refs(demo_book, COST_SHEET, "Kostnadslinjer") == ("A3:F13", "A3:F13")
    ws = openpyxl.load_workbook(demo_book)[COST_SHEET]
    assert [ws[ref].value for ref in ("A12", "B12", "A13", "B13")] == [
        "6500",
        "Kontorrekvisita",
        "6510",
        "Porto",
    ]
    # Writing into the grown table's last row again changes nothing more; the row after grows.
    again = edit_workbook(demo_book, {COST_SHEET: {"C13": 10, "C14": 20}}, backup=False)
    assert again.grown_tables == ("Kostnadslinjer A3:F14",)
    assert table_refs(demo_book, COST_SHEET, "Kostnadslinjer") == ("A3:F14", "A3:F14")


@pytest.mark.parametrize(
    ("cells", "grown"),
    [
        ({"A12": "6500", "A14": "6510"}, "A3:F12"),  # row 13 is a gap: row 14 stays out
        ({"A13": "6500", "B14": "x"}, None),  # row 12 is a gap: nothing grows
        ({"G12": "utenfor", "H13": 1}, None),  # right of the table's columns
        ({"F12": False, "A13": "6510"}, "A3:F13"),  # a FALSE is a value
        ({"A12": None, "B12": "", "C13": None}, None),  # clearing never grows a table
        ({"C5": 1, "A12": "6500", "C12": None}, "A3:F12"),  # edits inside count for nothing
    ],
)
def test_only_a_block_of_rows_right_below_the_table_joins_it(
    demo_book: Path, out: Path, cells: dict, grown: str | None
) -> None:
    result = edit(demo_book, out, {COST_SHEET: cells})
    table_part = table_parts(demo_book)["Kostnadslinjer"]
    if grown is None:
        assert result.grown_tables == ()
        assert table_part not in result.changed_parts
        assert read_parts(out)[table_part] == read_parts(demo_book)[table_part]
        assert table_refs(out, COST_SHEET, "Kostnadslinjer") == ("A3:F11", "A3:F11")
    else:
        assert result.grown_tables == (f"Kostnadslinjer {grown}",)
        assert table_refs(out, COST_SHEET, "Kostnadslinjer") == (grown, grown)
    assert result.warnings == ()


def test_growth_can_be_turned_off(demo_book: Path, out: Path) -> None:
    out.parent.mkdir(parents=True)
    result = set_cell_values(demo_book, out, {COST_SHEET: {"A12": "6500"}}, grow_tables=False)
    assert result.grown_tables == () and result.changed_parts == [sheet_part(out, COST_SHEET)]
    assert table_refs(out, COST_SHEET, "Kostnadslinjer") == ("A3:F11", "A3:F11")
    in_place = edit_workbook(demo_book, {COST_SHEET: {"A12": "6500"}}, grow_tables=False)
    assert in_place.grown_tables == ()
    assert table_refs(demo_book, COST_SHEET, "Kostnadslinjer") == ("A3:F11", "A3:F11")


def test_tables_on_other_sheets_and_several_at_once(demo_book: Path, out: Path) -> None:
    result = edit(
        demo_book,
        out,
        {
            COST_SHEET: {"A12": "6500"},
            "Kontovalg": {"A12": "6500", "B12": "Kontorrekvisita"},
            "Brøk": {"A13": "K9"},  # a gap below A3:S11
        },
    )
    assert sorted(result.grown_tables) == ["Kontovalgliste A3:C12", "Kostnadslinjer A3:F12"]
    names = table_parts(demo_book)
    grown = {names["Kontovalgliste"], names["Kostnadslinjer"]}
    assert grown <= set(result.changed_parts) and names["Kontraktsobjekter"] not in grown
    assert table_refs(out, "Kontovalg", "Kontovalgliste") == ("A3:C12", "A3:C12")


def _with_table_xml(book: Path, tmp_path: Path, change) -> Path:
    parts = read_parts(book)
    parts["xl/tables/table1.xml"] = change(parts["xl/tables/table1.xml"].decode()).encode()
    target = tmp_path / "tabell.xlsx"
    write_parts(target, parts)
    return target


def test_sort_state_and_prefixes_follow_the_table(book: Path, tmp_path: Path, out: Path) -> None:
    def change(xml: str) -> str:
        xml = xml.replace(
            '<autoFilter ref="A3:F6" />',
            '<autoFilter ref=\'A3:F6\'><sortState ref="A4:F6"><sortCondition ref="C4:C6"/>'
            '</sortState></autoFilter><sortState ref="A4:F6"/>',
        )
        xml = re.sub(r"<(/?)(\w)", r"<\1x:\2", xml)  # every element prefixed
        return xml.replace('xmlns="', 'xmlns:x="')

    target = _with_table_xml(book, tmp_path, change)
    result = edit(target, out, {"Brøk": {"A7": "K4", "B8": "Gullsmed"}})
    assert result.grown_tables == ("Objekter A3:F8",)
    before = read_parts(target)["xl/tables/table1.xml"].decode()
    after = read_parts(out)["xl/tables/table1.xml"].decode()
    assert "<x:table " in after and '<x:autoFilter ref="A3:F8">' in after
    expected = (
        before.replace('ref="A3:F6"', 'ref="A3:F8"')
        .replace("ref='A3:F6'", 'ref="A3:F8"')
        .replace('ref="A4:F6"', 'ref="A4:F8"')
    )
    assert after == expected  # the sortCondition and everything else as it was
    assert '<x:sortCondition ref="C4:C6"/>' in after
    assert table_refs(out, "Brøk", "Objekter") == ("A3:F8", "A3:F8")


@pytest.mark.parametrize(
    ("attrs", "message"),
    [
        ('totalsRowCount="1"', "summeringsrad"),
        ('totalsRowCount="x"', "summeringsrad"),  # unreadable: treated as one
        ('tableType="queryTable"', "spørring"),
    ],
)
def test_tables_with_a_totals_row_or_a_query_do_not_grow(
    book: Path, tmp_path: Path, out: Path, attrs: str, message: str
) -> None:
    target = _with_table_xml(
        book, tmp_path, lambda x: x.replace(' headerRowCount="1"', f" {attrs}")
    )
    result = edit(target, out, {"Brøk": {"A7": "K4", "A8": "K5"}})
    assert result.grown_tables == () and result.changed_parts == [SHEET1]
    assert [w.where for w in result.warnings] == ["Brøk!A7:F8"]
    assert message in result.warnings[0].message and "«Objekter»" in result.warnings[0].message
    assert read_parts(out)["xl/tables/table1.xml"] == read_parts(target)["xl/tables/table1.xml"]


def test_totals_row_shown_once_but_hidden_now_does_not_stop_growth(
    book: Path, tmp_path: Path, out: Path
) -> None:
    # totalsRowShown only says the row was shown at some time; totalsRowCount="0": not there.
    target = _with_table_xml(
        book, tmp_path, lambda x: x.replace(' headerRowCount="1"', ' totalsRowShown="1"')
    )
    assert edit(target, out, {"Brøk": {"A7": "K4"}}).grown_tables == ("Objekter A3:F7",)


def build_stacked(folder: Path, obstacle: str) -> Path:
    """*Ark*: the table «Liste» A1:C2 and, at row 5, another table or merged cells."""
    folder.mkdir(parents=True, exist_ok=True)
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Ark"
    for col, header in enumerate(["Id", "Navn", "Beløp"], 1):
        ws.cell(row=1, column=col, value=header)
    ws["A2"] = "a"
    ws.add_table(Table(displayName="Liste", ref="A1:C2"))
    if obstacle == "table":
        ws["C5"], ws["D5"], ws["C6"] = "Nr", "Tekst", 1
        ws.add_table(Table(displayName="Andre", ref="C5:D6"))
    else:
        ws["C5"] = "sammen"
        ws.merge_cells("C5:D5")
    path = folder / "stablet.xlsx"
    wb.save(path)
    return path


@pytest.mark.parametrize(
    ("obstacle", "named"), [("table", "tabellen «Andre» (C5:D6)"), ("merge", "celler (C5:D5)")]
)
def test_a_table_does_not_grow_into_what_lies_below_it(
    tmp_path: Path, out: Path, obstacle: str, named: str
) -> None:
    target = build_stacked(tmp_path / "user", obstacle)
    result = edit(target, out, {"Ark": {"A3": "b", "A4": "c", "A5": "d"}})
    assert result.grown_tables == ()
    assert [w.where for w in result.warnings] == ["Ark!A3:C5"]
    assert named in result.warnings[0].message and "«Liste»" in result.warnings[0].message
    assert_only_changed(target, out, {SHEET1})
    # Up to the row above it is fine.
    result = edit(target, out, {"Ark": {"A3": "b", "B4": "c"}})
    assert result.grown_tables == ("Liste A1:C4",) and result.warnings == ()
    tables = openpyxl.load_workbook(out)["Ark"].tables
    assert tables["Liste"].ref == "A1:C4"
    if obstacle == "table":
        assert tables["Andre"].ref == "C5:D6"


@pytest.mark.slow
@pytest.mark.libreoffice
def test_libreoffice_sees_the_grown_table(demo_book: Path, tmp_path: Path) -> None:
    # Our own fresh workbook (never a user's) may go through openpyxl to get test formulas.
    wb = openpyxl.load_workbook(demo_book)
    wb[COST_SHEET]["H1"] = "=SUM(Kostnadslinjer[Beløp])"
    wb[COST_SHEET]["H2"] = "=COUNTA(Kostnadslinjer[KontoNr])"
    wb.save(demo_book)
    result = edit_workbook(
        demo_book,
        {COST_SHEET: {"A12": "6500", "C12": 1000, "A13": "6510", "C13": Decimal("5.25")}},
        backup=False,
    )
    assert result.grown_tables == ("Kostnadslinjer A3:F13",)
    converted = libreoffice.convert(demo_book, tmp_path / "lo", "xlsx")
    ws = openpyxl.load_workbook(converted, data_only=True)[COST_SHEET]
    assert ws.tables["Kostnadslinjer"].ref == "A3:F13"
    assert ws["H1"].value == pytest.approx(448688.25 + 1005.25)  # the new rows are summed
    assert ws["H2"].value == 10
