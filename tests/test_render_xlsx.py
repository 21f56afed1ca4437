"""The scratch writer (render_xlsx) and the transplant's text-only path for its sheets."""

from __future__ import annotations

import zipfile
from pathlib import Path

import pytest
from python_calamine import CalamineWorkbook

from avregn.demo import demo_data
from avregn.workbook import package
from avregn.workbook.new_book import write_new_workbook
from avregn.workbook.render_xlsx import build_scratch, wrapped_lines
from avregn.workbook.sheet_content import Cell, Formula, SheetContent, Style


def _content(*cells: Cell) -> SheetContent:
    return SheetContent("Beregning", (tuple(cells),), (20.0,) * len(cells))


def test_scratch_sheets_take_the_text_path(tmp_path: Path) -> None:
    scratch = tmp_path / "s.xlsx"
    build_scratch([_content(Cell("=HYPERLINK(\"x\")"), Cell("a & b < c", Style.HEADER))],
                  scratch)
    data = zipfile.ZipFile(scratch).read("xl/worksheets/sheet1.xml")
    assert package._is_plain_scratch(data)


def test_formulas_are_refused_unless_allowed_and_keep_their_cached_value(tmp_path: Path) -> None:
    book = tmp_path / "b.xlsx"
    write_new_workbook(demo_data(), book)
    scratch = tmp_path / "s.xlsx"
    build_scratch([_content(Cell("=text"), Cell(Formula('IF(1,"ja","")', "ja")))], scratch)
    with pytest.raises(package.TransplantError) as refused:
        package.transplant_sheets(book, scratch, ["Beregning"], tmp_path / "out.xlsx")
    assert refused.value.problem.where == "Beregning!B1"
    package.transplant_sheets(book, scratch, ["Beregning"], tmp_path / "ok.xlsx",
                              allow_formulas=True)
    rows = CalamineWorkbook.from_path(str(tmp_path / "ok.xlsx")).get_sheet_by_name(
        "Beregning").to_python()
    assert rows[0][:2] == ["=text", "ja"]  # text stays text; the formula's cached value


def test_headers_wrap_between_words() -> None:
    assert wrapped_lines("Kr per vektet enhet", 11) == 3
    assert wrapped_lines("Fakturabeløp inkl. mva", 15) == 2
    assert wrapped_lines("Id", 10) == 1
