"""Builds the settlement workbook template (``workbook_templates/avregning.xlsx``) from the layout.

The template is generated, never edited by hand: every header, width, number format, validation
list, help comment, fill and name comes from ``avregn.workbook.layout``. Input cells are light
yellow, cells the engine writes are grey; each input block is an Excel table (or, for the
settings, a defined name) so that worksheet functions can take it as an argument later.

The build is deterministic (fixed document dates, fixed zip member times, sorted members), so
the committed copy can be compared with a fresh build; ``python -m avregn.workbook.template``
regenerates it. An installed package does not carry ``workbook_templates/``: code that needs a
template calls ``template_bytes()``.

It also holds the small openpyxl helpers that fill a template (``fill_settings``,
``fill_table``): writers that start from the template (a new period, a demo, the tests) use
them, so data cells get the column's style and text stays text (``=HYPERLINK(…)`` too).
"""

from __future__ import annotations

import io
import os
import re
import sys
import tempfile
import zipfile
from collections.abc import Iterable, Mapping
from datetime import datetime
from pathlib import Path
from typing import Any

from openpyxl import Workbook
from openpyxl.comments import Comment
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import absolute_coordinate, quote_sheetname
from openpyxl.workbook.defined_name import DefinedName
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.filters import AutoFilter
from openpyxl.worksheet.properties import PageSetupProperties
from openpyxl.worksheet.table import Table as ExcelTable
from openpyxl.worksheet.table import TableStyleInfo
from openpyxl.worksheet.worksheet import Worksheet

from avregn.workbook import layout
from avregn.workbook.layout import Column, Form, Kind, Role, Sheet, Table, column_letter

TEMPLATE_PATH = Path(__file__).resolve().parents[2] / "workbook_templates" / "avregning.xlsx"
FIXED_TIME = datetime(2024, 1, 1, 0, 0, 0)
LAST_ROW = 1_048_576

INPUT_FILL = PatternFill("solid", fgColor="FFF2CC")  # light yellow: the user types here
ENGINE_FILL = PatternFill("solid", fgColor="EDEDED")  # grey: the engine writes here
HEADER_FILL = PatternFill("solid", fgColor="DDEBF7")
ENGINE_HEADER_FILL = PatternFill("solid", fgColor="D9D9D9")
HEADER_ROW_HEIGHT = 30  # points: two lines of a wrapped header (LibreOffice does not grow it)
INPUT_TAB = "F4B183"
ENGINE_TAB = "A6A6A6"
_HEADER_FONT = Font(bold=True)
_WRAP = Alignment(wrap_text=True, vertical="top")  # address lines: one per line break
_HEADER_BORDER = Border(bottom=Side(style="thin", color="808080"))
_TEXT_STYLES = {
    "title": Font(bold=True, size=14),
    "heading": Font(bold=True, size=12),
    "note": Font(italic=True, color="595959"),
    "plain": Font(),
}


def column_fill(column: Column, sheet_role: Role) -> PatternFill:
    return INPUT_FILL if column.input and sheet_role is Role.INPUT else ENGINE_FILL


def _comment(text: str) -> Comment:
    comment = Comment(text, "avregn")
    comment.width = 320
    comment.height = max(60, 20 * (1 + len(text) // 45))
    return comment


def _validation(ws: Worksheet, column: Column, sqref: str, role: Role) -> None:
    values = column.list_values
    if not values or not column.input or role is not Role.INPUT:
        return
    dv = DataValidation(
        type="list",
        formula1='"' + ",".join(values) + '"',
        allow_blank=True,
        showErrorMessage=True,
        errorTitle=column.header,
        error="Velg en av: " + ", ".join(values),
    )
    dv.add(sqref)
    ws.add_data_validation(dv)


def _header(ws: Worksheet, row: int, col: int, text: str, help_text: str, role: Role) -> None:
    cell = ws.cell(row, col, text)
    cell.font = _HEADER_FONT
    cell.fill = HEADER_FILL if role is Role.INPUT else ENGINE_HEADER_FILL
    cell.border = _HEADER_BORDER
    cell.alignment = Alignment(wrap_text=True, vertical="top")
    if help_text:
        cell.comment = _comment(help_text)


def _add_name(wb: Workbook, name: str, sheet_name: str, ref: str) -> None:
    target = f"{quote_sheetname(sheet_name)}!{absolute_coordinate(ref)}"
    wb.defined_names[name] = DefinedName(name, attr_text=target)


def _build_form(wb: Workbook, ws: Worksheet, sheet: Sheet, form: Form) -> None:
    for col, text in zip((form.label_col, form.value_col, form.help_col), form.headers,
                         strict=True):
        if text:
            _header(ws, form.header_row, col, text, "", sheet.role)
    ws.column_dimensions[column_letter(form.label_col)].width = 28
    ws.column_dimensions[column_letter(form.value_col)].width = 26
    ws.column_dimensions[column_letter(form.help_col)].width = 90
    for field in form.fields:
        row = form.row(field.field)
        label = ws.cell(row, form.label_col, field.header)
        label.font = _HEADER_FONT
        value = ws.cell(row, form.value_col)
        value.fill = column_fill(field, sheet.role)
        value.number_format = field.number_format
        if field.kind is Kind.ADDRESS_LINES:
            value.alignment = _WRAP
        if field.help and sheet.role is Role.INPUT:
            ws.cell(row, form.help_col, field.help).font = _TEXT_STYLES["note"]
            label.comment = _comment(field.help)
        _validation(ws, field, value.coordinate, sheet.role)
        if form.section:
            _add_name(wb, layout.setting_name(field.field), sheet.name, value.coordinate)
    if form.section:
        _add_name(wb, form.name, sheet.name, form.ref())


def _build_table(ws: Worksheet, sheet: Sheet, table: Table) -> None:
    for i, column in enumerate(table.columns):
        index = table.first_col + i
        letter = column_letter(index)
        _header(ws, table.header_row, index, column.header, column.help, sheet.role)
        ws.column_dimensions[letter].width = column.width
        if sheet.role is Role.INPUT:
            # The column's own style: every cell the user types below the header gets it
            # (Excel applies a column style to new cells) without the template holding cells.
            dim = ws.column_dimensions[letter]
            dim.fill = column_fill(column, sheet.role)
            dim.number_format = column.number_format
            if column.kind is Kind.ADDRESS_LINES:
                dim.alignment = _WRAP
            for row in range(1, table.header_row):  # keep the rows above the header plain
                if ws.cell(row, index).value is None:
                    ws.cell(row, index).font = Font()
            _validation(ws, column, f"{letter}{table.first_data_row}:{letter}{LAST_ROW}",
                        sheet.role)
    if table.excel_table:
        ref = table.ref(table.first_data_row)
        excel_table = ExcelTable(displayName=table.name, ref=ref, autoFilter=AutoFilter(ref=ref))
        excel_table.tableStyleInfo = TableStyleInfo(name="TableStyleLight1",
                                                    showRowStripes=False)
        ws.add_table(excel_table)
    # Headers wrap (``_header``); without a set height LibreOffice keeps the row one line high
    # and the second line of «Teller overstyrt» covers the first data row.
    ws.row_dimensions[table.header_row].height = HEADER_ROW_HEIGHT


def _print_setup(ws: Worksheet) -> None:
    """Landscape A4, as many pages down as needed but one page wide (Brøk printed on four)."""
    ws.page_setup.orientation = ws.ORIENTATION_LANDSCAPE
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.sheet_properties.pageSetUpPr = PageSetupProperties(fitToPage=True)


def _build_sheet(wb: Workbook, sheet: Sheet) -> Worksheet:
    ws = wb.create_sheet(sheet.name)
    ws.sheet_properties.tabColor = INPUT_TAB if sheet.role is Role.INPUT else ENGINE_TAB
    for text in sheet.texts:
        cell = ws[text.cell]
        cell.value = text.text
        cell.font = _TEXT_STYLES[text.style]
    for block in sheet.blocks:
        if isinstance(block, Form):
            _build_form(wb, ws, sheet, block)
        else:
            _build_table(ws, sheet, block)
    ws.freeze_panes = sheet.freeze
    if sheet.role is Role.INPUT:
        _print_setup(ws)
    return ws


def build_workbook() -> Workbook:
    """The template as an openpyxl workbook (not yet deterministic: see ``template_bytes``)."""
    wb = Workbook()
    default = wb.active
    for sheet in layout.SHEETS:
        _build_sheet(wb, sheet)
    if default is not None:
        wb.remove(default)
    wb.active = 0
    wb.properties.creator = "avregn"
    wb.properties.title = "Felleskostnadsavregning"
    wb.properties.created = FIXED_TIME
    wb.properties.lastModifiedBy = "avregn"
    return wb


_MODIFIED = re.compile(rb"(<dcterms:modified[^>]*>)[^<]*(</dcterms:modified>)")


def deterministic_zip(data: bytes) -> bytes:
    """Rewrite an xlsx with fixed member times, sorted members and a fixed modified date."""
    stamp = FIXED_TIME.strftime("%Y-%m-%dT%H:%M:%SZ").encode()
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as src, \
            zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        names = sorted(src.namelist(), key=lambda n: (n != "[Content_Types].xml", n))
        for name in names:
            content = src.read(name)
            if name == "docProps/core.xml":
                content = _MODIFIED.sub(rb"\g<1>" + stamp + rb"\g<2>", content)
            info = zipfile.ZipInfo(name, date_time=FIXED_TIME.timetuple()[:6])
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            dst.writestr(info, content)
    return out.getvalue()


def template_bytes() -> bytes:
    """The template xlsx, byte for byte the same on every build (same openpyxl, same zlib)."""
    buffer = io.BytesIO()
    build_workbook().save(buffer)
    return deterministic_zip(buffer.getvalue())


def build_template(path: str | os.PathLike[str]) -> Path:
    """Write the template to ``path`` (atomically: a temp file beside it, then a rename)."""
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=".avregning-", suffix=".xlsx", dir=target.parent)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(template_bytes())
        os.chmod(tmp, 0o644)  # mkstemp makes it private; the template is an ordinary file
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return target


# --- Filling a template (openpyxl) ---------------------------------------------------------------

def write_cell(ws: Worksheet, row: int, col: int, column: Column, value: Any,
               role: Role = Role.INPUT) -> None:
    """Write one value with the column's style; text stays text, even when it starts with =."""
    cell = ws.cell(row, col)
    cell.value = value
    if isinstance(value, str):
        cell.data_type = "s"
    cell.fill = column_fill(column, role)
    cell.number_format = column.number_format
    if column.kind is Kind.ADDRESS_LINES:
        cell.alignment = _WRAP


def fill_settings(ws: Worksheet, settlement: Mapping[str, Any]) -> None:
    """Write a contract ``settlement`` dict into the *Avregning* sheet's value cells."""
    columns = {form.cell(c.field): c for form in layout.WRITTEN_FORMS for c in form.fields}
    for ref, value in layout.settings_cells(settlement).items():
        column = columns[ref]
        write_cell(ws, ws[ref].row, ws[ref].column, column, value,
                   layout.Role.INPUT if column.input else layout.Role.ENGINE)


def fill_table(ws: Worksheet, table: Table, records: Iterable[Mapping[str, Any]],
               first_row: int | None = None) -> int:
    """Write contract records (dicts keyed by field) as rows; returns the last row written.

    The block's Excel table is stretched to cover the rows, so structured references see them.
    """
    row = (first_row or table.first_data_row) - 1
    for record in records:
        row += 1
        cells = layout.table_row(table, record, row)
        for col, value in cells.values.items():
            write_cell(ws, row, col, table.columns[col - table.first_col], value)
    resize_table(ws, table, row)
    return row


def resize_table(ws: Worksheet, table: Table, last_row: int) -> None:
    """Make the block's Excel table (if any) cover the header row down to ``last_row``."""
    if table.excel_table and table.name in ws.tables:
        ref = table.ref(last_row)
        ws.tables[table.name].ref = ref
        auto_filter = ws.tables[table.name].autoFilter
        if auto_filter is not None:
            auto_filter.ref = ref


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    target = build_template(args[0] if args else TEMPLATE_PATH)
    print(f"Skrev {target}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
