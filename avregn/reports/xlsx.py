"""The reports as one new xlsx, a sheet each, with a native bar chart.

openpyxl writes a new file here (it never opens the user's workbook). Numbers stay numbers
with Excel's en-US formats (a Norwegian Excel shows ``#,##0.00`` as ``1 234,50``), dates stay
dates, and every text is stored as text — a tenant called ``=HYPERLINK(…)`` is a name, never a
formula.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from datetime import date
from decimal import Decimal
from typing import Any

from avregn.reports.tables import Report

FORMATS = {"money": "#,##0.00", "number": "#,##0.######", "rate": "#,##0.0000",
           "pct": "0.00", "date": "dd.mm.yyyy", "count": "0", "text": "@"}
HEADER_ROW = 5


def xlsx_bytes(reports: Sequence[Report], heading: Sequence[str]) -> bytes:
    """The workbook: each report from row 5 under ``heading`` (title lines), frozen panes
    under its header, an autofilter, and the chart beside the distribution basis."""
    from openpyxl import Workbook
    from openpyxl.chart import BarChart, Reference
    from openpyxl.styles import Alignment, Font, PatternFill
    from openpyxl.utils import get_column_letter

    book = Workbook()
    book.remove(book.active)
    bold = Font(bold=True)
    header_fill = PatternFill("solid", fgColor="DCE3EC")
    sum_fill = PatternFill("solid", fgColor="EEF2F6")
    for report in reports:
        sheet = book.create_sheet(report.sheet[:31])
        _text(sheet.cell(1, 1), report.title).font = Font(bold=True, size=14)
        for k, line in enumerate(heading, start=2):
            _text(sheet.cell(k, 1), line)
        for c, column in enumerate(report.columns, start=1):
            cell = _text(sheet.cell(HEADER_ROW, c), column.header)
            cell.font, cell.fill = bold, header_fill
            cell.alignment = Alignment(horizontal="left" if column.kind == "text" else "right",
                                       wrap_text=True)
            sheet.column_dimensions[get_column_letter(c)].width = column.width
        for r, row in enumerate(report.rows, start=HEADER_ROW + 1):
            for c, (column, value) in enumerate(zip(report.columns, row.values, strict=True),
                                                start=1):
                cell = sheet.cell(r, c)
                if value is None:
                    continue
                if isinstance(value, str):
                    _text(cell, value)
                elif isinstance(value, Decimal | int | date):
                    cell.value = value
                    cell.number_format = FORMATS[column.kind]
                if row.kind != "row":
                    cell.font = bold
                if row.kind == "sum":
                    cell.fill = sum_fill
        last = HEADER_ROW + len(report.rows)
        sheet.freeze_panes = sheet.cell(HEADER_ROW + 1, 1)
        for k, note in enumerate(report.notes, start=last + 2):
            _text(sheet.cell(k, 1), note).font = Font(italic=True, size=9)
        if report.chart:
            first = HEADER_ROW + 1
            bars = len(report.chart)
            chart = BarChart()
            chart.type = "bar"
            chart.style = 10
            chart.title = report.chart_title
            chart.legend = None
            chart.y_axis.title = report.columns[report.chart_column].header
            chart.y_axis.numFmt = "#,##0.00"
            chart.x_axis.scaling.orientation = "maxMin"  # first account on top
            chart.height = max(7.5, 0.6 * bars + 3)
            chart.width = 18
            data = Reference(sheet, min_col=report.chart_column + 1, min_row=first,
                             max_row=first + bars - 1)
            labels = Reference(sheet, min_col=1, max_col=2, min_row=first,
                               max_row=first + bars - 1)
            chart.add_data(data, titles_from_data=False)
            chart.set_categories(labels)
            anchor_row = last + 2 + len(report.notes) + 1
            sheet.add_chart(chart, f"A{anchor_row}")
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _text(cell: Any, value: str) -> Any:
    """A text cell that stays text (openpyxl would take ``=…`` for a formula)."""
    cell.value = value
    cell.data_type = "s"
    return cell
