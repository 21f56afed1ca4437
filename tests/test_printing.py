"""Printing the engine's sheets (issue 10 item 9), checked in the PDF LibreOffice renders: A4
landscape, no text under 8 pt (the sheet is split across pages rather than shrunk further),
every header word whole (headers wrap between words), the header row repeated on every page and
the page header carrying property, period and status."""

from __future__ import annotations

import re
import shutil
import subprocess
import zlib
from datetime import datetime
from pathlib import Path

import openpyxl
import pytest
from libreoffice import convert

from avregn.actions import beregn
from avregn.book import FileBook
from avregn.demo import demo_data
from avregn.workbook import layout
from avregn.workbook.new_book import write_new_workbook
from avregn.workbook.render_xlsx import MIN_SCALE, print_scale
from avregn.workbook.results_sheets import ACCOUNT_HEADERS

pytestmark = pytest.mark.slow

A4_LANDSCAPE = (841.9, 595.3)


@pytest.fixture(scope="module")
def printed(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, list[str]]:
    """The engine sheets of the calculated demo as a PDF, and its pages' text."""
    work = tmp_path_factory.mktemp("print")
    path = work / "demo.xlsx"
    data = demo_data()
    # Long names, as accountants have them: the sheet must split, not shrink.
    data["contract_objects"][0]["contract_name"] = "Kafé Hjørnet og Bakeriet Solsiden AS"
    write_new_workbook(data, path)
    assert beregn(FileBook(path), now=datetime(2025, 2, 3, 10, 30)).ok
    # Only the engine's sheets are printed: LibreOffice skips hidden sheets.
    wb = openpyxl.load_workbook(path)
    for ws in wb.worksheets:
        if ws.title not in (layout.BEREGNING.name, layout.STATUS.name):
            ws.sheet_state = "hidden"
    wb.active = wb.sheetnames.index(layout.BEREGNING.name)
    engine = work / "engine.xlsx"
    wb.save(engine)
    pdf = convert(engine, work / "pdf", "pdf")
    if shutil.which("pdftotext") is None:
        pytest.skip("poppler (pdftotext) is not installed")
    pages = []
    count = int(re.search(r"Pages:\s+(\d+)", subprocess.run(
        ["pdfinfo", str(pdf)], capture_output=True, text=True, check=True).stdout).group(1))
    for page in range(1, count + 1):
        pages.append(subprocess.run(["pdftotext", "-f", str(page), "-l", str(page), "-layout",
                                     str(pdf), "-"], capture_output=True, text=True,
                                    check=True).stdout)
    return pdf, pages


def font_sizes(pdf: Path) -> list[float]:
    """Every font size set in the PDF's content streams (``/F1 8.008 Tf``); LibreOffice writes
    the scaled size there and no scaling matrix around text."""
    data = pdf.read_bytes()
    sizes = []
    for m in re.finditer(rb"stream\r?\n(.*?)\r?\nendstream", data, re.S):
        try:
            stream = zlib.decompress(m.group(1))
        except zlib.error:
            continue
        sizes += [float(s) for s in re.findall(rb"([\d.]+) Tf", stream)]
    return sizes


def test_pages_are_a4_landscape(printed: tuple[Path, list[str]]) -> None:
    pdf, _ = printed
    info = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True).stdout
    width, height = map(float, re.search(r"Page size:\s+([\d.]+) x ([\d.]+)", info).groups())
    assert abs(width - A4_LANDSCAPE[0]) < 2 and abs(height - A4_LANDSCAPE[1]) < 2


def test_no_text_under_8_pt(printed: tuple[Path, list[str]]) -> None:
    sizes = font_sizes(printed[0])
    assert sizes and min(sizes) >= 8, sorted(set(sizes))[:5]


def test_wide_sheets_split_instead_of_shrinking(printed: tuple[Path, list[str]]) -> None:
    beregning = [p for p in printed[1] if "Kontraktsnr" in p]
    assert len(beregning) >= 2  # split across pages
    assert print_scale([400.0]) == MIN_SCALE and print_scale([50.0]) == 100


def test_every_header_word_is_whole(printed: tuple[Path, list[str]]) -> None:
    words = {w for page in printed[1] for w in page.split()}
    headers = [c.header for c in layout.CALCULATION.columns]
    headers += [label for label, _ in layout.SUMMARY_COLUMNS] + list(ACCOUNT_HEADERS)
    headers += [c.header for c in layout.STATUS_OBJECTS.columns]
    missing = {w for h in headers for w in h.split() if w not in words}
    assert not missing


def test_header_row_and_page_header_on_every_page(printed: tuple[Path, list[str]]) -> None:
    pages = printed[1]
    header = "Prøvegata 4, bygg A — 01.01.2024–31.12.2024 — Status: Beregnet"
    for k, page in enumerate(pages, start=1):
        assert header in page, k
        assert "Id" in page.split(), k  # the repeated header row of the objects table
