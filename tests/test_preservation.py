"""Nothing the user made is lost through the whole Beregn action: a settlement workbook that
has become an .xlsm with VBA, a shape and a picture on the settings sheet (which Beregn edits
in place), a user sheet with a chart, comments, validation, conditional formatting, a defined
name and a formula with its cached value."""

from __future__ import annotations

import posixpath
import re
import zipfile
from datetime import datetime
from pathlib import Path

import openpyxl
from fixtures_package import (
    _add_default,
    _add_override,
    _add_rel,
    _drawing_xml,
    _insert_drawing,
    load_with_vba,
    read_parts,
    tiny_png,
    write_parts,
)
from openpyxl.chart import BarChart, Reference
from openpyxl.comments import Comment
from openpyxl.formatting.rule import CellIsRule
from openpyxl.styles import PatternFill
from openpyxl.workbook.defined_name import DefinedName
from openpyxl.worksheet.datavalidation import DataValidation
from python_calamine import CalamineWorkbook
from test_actions import _sheet_parts

from avregn import actions
from avregn.book import FileBook
from avregn.demo import demo_data
from avregn.workbook import layout
from avregn.workbook.new_book import write_new_workbook

VBA_CT = "application/vnd.ms-excel.sheet.macroEnabled.main+xml"
XLSX_CT = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"


def _user_workbook(folder: Path) -> Path:
    plain = folder / "plain.xlsx"
    write_new_workbook(demo_data(), plain, backup=False)
    wb = openpyxl.load_workbook(plain)
    notes = wb.create_sheet("Notater")
    notes["A1"] = "Kontroll"
    notes["A1"].comment = Comment("Min egen merknad", "Regnskap")
    for r, (label, value) in enumerate([("Renhold", 184250), ("Energi", 96412.5)], start=2):
        notes.cell(r, 1, label)
        notes.cell(r, 2, value)
    notes["B4"] = "=SUM(B2:B3)"
    validation = DataValidation(type="list", formula1='"OK,Sjekk"')
    notes.add_data_validation(validation)
    validation.add("C2:C3")
    notes.conditional_formatting.add(
        "B2:B3", CellIsRule(operator="greaterThan", formula=["100000"],
                            fill=PatternFill("solid", fgColor="FFC7CE")))
    chart = BarChart()
    chart.add_data(Reference(notes, min_col=2, min_row=2, max_row=3))
    notes.add_chart(chart, "E2")
    wb.defined_names["MinKontroll"] = DefinedName("MinKontroll", attr_text="Notater!$B$4")
    wb.save(plain)

    parts = read_parts(plain)
    # Cached value for the formula (openpyxl writes none; Excel would).
    sheets = [n for n in parts if n.startswith("xl/worksheets/sheet")]
    notes_part = max(sheets, key=lambda n: int(n.removeprefix("xl/worksheets/sheet")
                                               .removesuffix(".xml")))
    parts[notes_part] = re.sub(rb"<f>SUM\(B2:B3\)</f>(<v>[^<]*</v>|<v\s*/>)?",
                               b"<f>SUM(B2:B3)</f><v>280662.5</v>", parts[notes_part])
    # VBA: the workbook becomes an .xlsm.
    parts["xl/vbaProject.bin"] = b"\xd0\xcf\x11\xe0 not really VBA, but bytes to keep"
    ct = parts["[Content_Types].xml"].replace(XLSX_CT.encode(), VBA_CT.encode())
    ct = _add_default(ct, "bin", "application/vnd.ms-office.vbaProject")
    parts["xl/_rels/workbook.xml.rels"] = _add_rel(
        parts["xl/_rels/workbook.xml.rels"], "rIdVba",
        "http://schemas.microsoft.com/office/2006/relationships/vbaProject", "vbaProject.bin")
    # A shape and a picture on Avregning (sheet1), which Beregn edits in place.
    parts["xl/drawings/drawing90.xml"] = _drawing_xml("Husk å lagre!", "rIdImg")
    parts["xl/drawings/_rels/drawing90.xml.rels"] = _add_rel(None, "rIdImg", "image",
                                                            "../media/image90.png")
    parts["xl/media/image90.png"] = tiny_png()
    ct = _add_override(ct, "xl/drawings/drawing90.xml",
                       "application/vnd.openxmlformats-officedocument.drawing+xml")
    parts["[Content_Types].xml"] = _add_default(ct, "png", "image/png")
    rels_name = "xl/worksheets/_rels/sheet1.xml.rels"
    parts[rels_name] = _add_rel(parts.get(rels_name), "rIdShape", "drawing",
                                "../drawings/drawing90.xml")
    parts["xl/worksheets/sheet1.xml"] = _insert_drawing(parts["xl/worksheets/sheet1.xml"],
                                                        "rIdShape")
    book = folder / "avregning.xlsm"
    write_parts(book, parts)
    return book


def _part_and_related(parts: dict[str, bytes], part: str) -> set[str]:
    """A worksheet part, its rels and the parts those name (comments, VML, drawings)."""
    folder, name = part.rsplit("/", 1)
    rels = f"{folder}/_rels/{name}.rels"
    found = {part, rels}
    for target in re.findall(rb'Target="([^"]+)"', parts.get(rels, b"")):
        found.add(posixpath.normpath(posixpath.join(folder, target.decode())).lstrip("/"))
    return found


def test_beregn_keeps_everything_the_user_made(tmp_path: Path) -> None:
    book = _user_workbook(tmp_path)
    before = read_parts(book)
    outcome = actions.beregn(FileBook(book), now=datetime(2025, 2, 3, 9, 0))
    assert outcome.ok, outcome.lines()
    after = read_parts(book)
    engine_parts = {"xl/worksheets/sheet1.xml", "[Content_Types].xml", "xl/styles.xml"}
    for sheet_name in ("Beregning", "Status"):
        engine_parts |= _part_and_related(before, _sheet_parts(book)[sheet_name])
    for name, data in before.items():
        if name in engine_parts:
            continue
        if name == "xl/workbook.xml":  # the engine sheets' print titles, nothing else
            data = data.replace(b"</definedNames>", b"")
            printed = re.sub(rb'<definedName name="_xlnm\.Print_[A-Za-z]+" localSheetId="\d+">'
                             rb"[^<]*</definedName>", b"", after[name])
            assert printed.replace(b"</definedNames>", b"") == data
            assert b"_xlnm.Print_Titles" in after[name]
            continue
        assert after.get(name) == data, f"{name} changed or vanished"
    # The settings sheet was edited in place: its drawing is still referenced.
    assert b'r:id="rIdShape"' in after["xl/worksheets/sheet1.xml"]
    with zipfile.ZipFile(book) as z:
        assert z.read("xl/vbaProject.bin") == before["xl/vbaProject.bin"]
    # A real reader sees the new figures and the user's cached formula value.
    wb = CalamineWorkbook.from_path(str(book))
    notes = wb.get_sheet_by_name("Notater").to_python()
    assert notes[3][1] == 280662.5
    beregning = wb.get_sheet_by_name("Beregning").to_python()
    first = layout.CALCULATION.first_data_row - 1
    assert beregning[first][layout.CALCULATION.index("id") - 1] == "1001-1"
    # And openpyxl (another independent reader) still opens it with the user's names.
    loaded = load_with_vba(book)
    assert "MinKontroll" in loaded.defined_names
    assert loaded["Notater"]["A1"].comment is not None
