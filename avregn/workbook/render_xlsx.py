"""Renders ``SheetContent`` with openpyxl into a scratch workbook.

The scratch file is never the user's workbook: its sheets are transplanted into the user's
package part by part (``avregn.workbook.package``), so nothing the user made is lost. Text is
always written as text — a tenant called ``=HYPERLINK(...)`` stays a name, never a formula. The
only formulas are the engine's own (``Formula``: the stale-results banner and its control
block), and they are stored with their cached value, which openpyxl cannot write: the saved
sheet XML gets it afterwards (``_store_cached``).

Printing (issue 10 item 9): A4 landscape; the scale is the largest that fits the page width but
never below what keeps the default 11 pt font at 8 pt or more (``MIN_SCALE``) — a wider sheet
is split across pages, with its identifying columns and its header row repeated on each. Column
widths already hold each header's longest word (``results_sheets``), so headers wrap between
words; each header row is as high as its most wrapped header.
"""

from __future__ import annotations

import math
import re
import zipfile
from collections.abc import Sequence
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from xml.sax.saxutils import escape

from openpyxl import Workbook
from openpyxl.formatting.rule import FormulaRule
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from avregn.workbook.package import set_text
from avregn.workbook.sheet_content import (
    BANNER_FILL,
    BOLD_STYLES,
    FONT_COLORS,
    FONT_SIZES,
    HEADER_FILL,
    Formula,
    SheetContent,
    Style,
)

HEADER_PATTERN = PatternFill("solid", fgColor=HEADER_FILL)
THIN = Side(style="thin", color="A6A6A6")

FONTS = {
    style: Font(bold=style in BOLD_STYLES or None, color=FONT_COLORS.get(style),
                size=FONT_SIZES.get(style))
    for style in Style
    if style in BOLD_STYLES or style in FONT_COLORS or style in FONT_SIZES
}

# Printing: A4 landscape, 0.25" side margins, the workbook's default font of 11 pt.
DEFAULT_FONT_PT = 11
MIN_FONT_PT = 8
# 73 % would give 8.0 pt; LibreOffice printed 7.99 pt there (its own rounding): 2 % margin.
MIN_SCALE = math.ceil(100 * MIN_FONT_PT / DEFAULT_FONT_PT) + 2  # 75 %
PAGE_WIDTH_PT = 841.9 - 2 * 18  # A4 landscape less the side margins
SIDE_MARGIN_IN = 0.25


def column_points(width: float) -> float:
    """A column width in characters (of the 7-pixel digit of an 11 pt Calibri) → points."""
    return (math.trunc(width * 7 + 5)) * 0.75


def print_scale(widths: Sequence[float]) -> int:
    """The scale that fits ``widths`` on the page width, but never under ``MIN_SCALE``."""
    total = sum(column_points(w) for w in widths)
    if total <= PAGE_WIDTH_PT:
        return 100
    return max(MIN_SCALE, math.floor(100 * PAGE_WIDTH_PT / total))


def wrapped_lines(text: str, width: float) -> int:
    """How many lines a header takes in a column ``width`` characters wide (words kept whole)."""
    lines, used = 1, 0.0
    room = max(width - 1, 1)
    for word in text.split():
        need = len(word) * 1.1 if used == 0 else used + 1 + len(word) * 1.1
        if used and need > room:
            lines, used = lines + 1, len(word) * 1.1
        else:
            used = need
    return lines


def write_sheet(ws: Worksheet, content: SheetContent) -> dict[str, Formula]:
    """Write ``content`` into ``ws``; returns the formula cells (ref → formula) whose cached
    values ``_store_cached`` puts into the saved file."""
    formulas: dict[str, Formula] = {}
    banner_row = 0
    for r, row in enumerate(content.rows, start=1):
        for c, cell in enumerate(row, start=1):
            if cell.value is None and cell.style in (Style.TEXT, Style.MONEY, Style.NUMBER):
                continue
            target = ws.cell(row=r, column=c)
            value = cell.value
            if isinstance(value, Formula):
                target.value = "=" + value.text
                formulas[target.coordinate] = value
            elif isinstance(value, Decimal):
                # Excel holds doubles; the exact figure is the Decimal, shown to 2 decimals.
                target.value = float(value)  # float-ok: display cell of an exact Decimal
            elif isinstance(value, datetime):
                target.value = value.replace(tzinfo=None, microsecond=0)
            elif isinstance(value, date | int | bool) or value is None:
                target.value = value
            else:
                set_text(target, value)  # never a formula, whatever the text starts with
            fmt = cell.format
            if fmt:
                target.number_format = fmt
            font = FONTS.get(cell.style)
            if font:
                target.font = font
            if cell.style is Style.HEADER:
                target.fill = HEADER_PATTERN
                target.border = Border(bottom=THIN)
                target.alignment = Alignment(wrap_text=True, vertical="top")
            elif cell.style is Style.CROSS:
                target.alignment = Alignment(horizontal="center")
            elif cell.style is Style.BANNER:
                banner_row = r
    for c, width in enumerate(content.widths, start=1):
        ws.column_dimensions[get_column_letter(c)].width = width
    for r in content.header_rows:
        lines = max((wrapped_lines(cell.value, content.widths[c])
                     for c, cell in enumerate(content.rows[r - 1])
                     if isinstance(cell.value, str) and c < len(content.widths)), default=1)
        ws.row_dimensions[r].height = 15 * max(lines, 2)  # wrapped headers show whole
    for r, row in enumerate(content.rows, start=1):
        if any(cell.style in (Style.STATUS, Style.BANNER) for cell in row):
            ws.row_dimensions[r].height = 22
    if content.freeze:
        ws.freeze_panes = content.freeze
    if any(cell.style is Style.BANNER for row in content.rows for cell in row):
        # The banner row turns red with white text while the banner has text.
        last = get_column_letter(max(len(content.widths), 1))
        ws.conditional_formatting.add(
            f"A{banner_row}:{last}{banner_row}",
            FormulaRule(formula=[f"LEN($A${banner_row})>0"], stopIfTrue=False,
                        fill=PatternFill("solid", fgColor=BANNER_FILL, bgColor=BANNER_FILL),
                        font=Font(color="FFFFFF", bold=True)))
    ws.sheet_properties.tabColor = "808080"  # engine-written: grey tab
    _page_setup(ws, content)
    return formulas


def _page_setup(ws: Worksheet, content: SheetContent) -> None:
    printed = content.widths[: content.print_area_columns] if content.print_area_columns \
        else content.widths
    ws.page_setup.orientation = "landscape"
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.scale = print_scale(printed)
    ws.sheet_properties.pageSetUpPr.fitToPage = False
    ws.page_margins.left = ws.page_margins.right = SIDE_MARGIN_IN
    ws.print_options.horizontalCentered = False
    ws.page_setup.pageOrder = "overThenDown"
    if content.print_rows:
        ws.print_title_rows = content.print_rows
    if content.print_columns and ws.page_setup.scale == MIN_SCALE:
        ws.print_title_cols = content.print_columns
    if content.print_area_columns:
        last_row = max(len(content.rows), 1)
        ws.print_area = f"A1:{get_column_letter(content.print_area_columns)}{last_row}"
    if content.page_header:
        # Not scaled with the sheet, and 11 pt even where a program scales it anyway (to 8 pt).
        ws.HeaderFooter.scaleWithDoc = False
        ws.oddHeader.center.text = content.page_header.replace("&", "&&")
        ws.oddHeader.center.size = DEFAULT_FONT_PT
        ws.oddFooter.right.text = "Side &P av &N"
        ws.oddFooter.right.size = DEFAULT_FONT_PT


def build_scratch(contents: Sequence[SheetContent], path: Path) -> None:
    """One scratch workbook holding ``contents`` as sheets, saved to ``path``."""
    wb = Workbook()
    formulas: dict[int, dict[str, Formula]] = {}
    for k, content in enumerate(contents):
        ws = wb.active if k == 0 else wb.create_sheet()
        assert ws is not None
        ws.title = content.name
        found = write_sheet(ws, content)
        if found:
            formulas[k + 1] = found
    wb.save(path)
    if formulas:
        _store_cached(path, formulas)


def _cached_xml(value: str | bool | float) -> tuple[str, str]:
    """(type attribute, ``<v>`` text) of a formula's cached value."""
    if isinstance(value, bool):
        return ' t="b"', "1" if value else "0"
    if isinstance(value, str):
        return ' t="str"', escape(value)
    return "", repr(float(value))


def _store_cached(path: Path, formulas: dict[int, dict[str, Formula]]) -> None:
    """Put each formula's cached value into the saved scratch file (openpyxl writes the
    formula with an empty value). Sheet k of the scratch is ``xl/worksheets/sheet{k}.xml``."""
    with zipfile.ZipFile(path) as zf:
        members = [(info, zf.read(info)) for info in zf.infolist()]
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as out:
        for info, data in members:
            k = re.fullmatch(r"xl/worksheets/sheet(\d+)\.xml", info.filename)
            if k and int(k.group(1)) in formulas:
                text = data.decode("utf-8")
                for ref, formula in formulas[int(k.group(1))].items():
                    t, v = _cached_xml(formula.cached)
                    pattern = re.compile(rf'(<c r="{ref}"(?: s="\d+")?)>(<f>.*?</f>)<v\s*/>')
                    def cached(m: re.Match[str], t: str = t, v: str = v) -> str:
                        return f"{m.group(1)}{t}>{m.group(2)}<v>{v}</v>"

                    text, n = pattern.subn(cached, text, count=1)
                    assert n == 1, f"formula cell {ref} not found in the scratch sheet"
                data = text.encode("utf-8")
            out.writestr(info, data)
