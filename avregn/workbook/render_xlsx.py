"""Renders ``SheetContent`` with openpyxl into a scratch workbook.

The scratch file is never the user's workbook: its sheets are transplanted into the user's
package part by part (``avregn.xlsx.transplant``), so nothing the user made is lost. Text is
always written as text — a tenant called ``=HYPERLINK(...)`` stays a name, never a formula.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path

from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from avregn.workbook.sheet_content import (
    BOLD_STYLES,
    FONT_COLORS,
    HEADER_FILL,
    TITLE_SIZE,
    SheetContent,
    Style,
)
from avregn.xlsx.cells import set_text

HEADER_PATTERN = PatternFill("solid", fgColor=HEADER_FILL)
THIN = Side(style="thin", color="A6A6A6")

FONTS = {
    style: Font(bold=style in BOLD_STYLES or None, color=FONT_COLORS.get(style),
                size=TITLE_SIZE if style is Style.TITLE else None)
    for style in Style
    if style in BOLD_STYLES or style in FONT_COLORS
}


def write_sheet(ws: Worksheet, content: SheetContent) -> None:
    for r, row in enumerate(content.rows, start=1):
        for c, cell in enumerate(row, start=1):
            if cell.value is None and cell.style in (Style.TEXT, Style.MONEY, Style.NUMBER):
                continue
            target = ws.cell(row=r, column=c)
            value = cell.value
            if isinstance(value, Decimal):
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
    for c, width in enumerate(content.widths, start=1):
        ws.column_dimensions[get_column_letter(c)].width = width
    for r in content.header_rows:
        ws.row_dimensions[r].height = 30  # two lines: wrapped headers show whole
    if content.freeze:
        ws.freeze_panes = content.freeze
    ws.sheet_properties.tabColor = "808080"  # engine-written: grey tab
    # Printed as the accountant reviews it: landscape, all columns on one page width.
    ws.page_setup.orientation = "landscape"
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True


def build_scratch(contents: Sequence[SheetContent], path: Path) -> None:
    """One scratch workbook holding ``contents`` as sheets, saved to ``path``."""
    wb = Workbook()
    for k, content in enumerate(contents):
        ws = wb.active if k == 0 else wb.create_sheet()
        assert ws is not None
        ws.title = content.name
        write_sheet(ws, content)
    wb.save(path)
