"""The engine's own sheets, *Beregning* and *Status*, built from a result (spec §8, §6.9).

Their columns and rows are declared in ``avregn.workbook.layout`` (``CALCULATION``,
``SUMMARY_*``, ``STATUS_*``); this module only fills them with a result's values, as a
``SheetContent`` that any book port can render. The *Status* sheet is also read back
(``read_status``): it is where the settlement's status and the fingerprint of the calculated
inputs live between actions, so the next action can tell whether the result is stale.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from avregn.formatting import number
from avregn.workbook import layout
from avregn.workbook.input_control import Measure
from avregn.workbook.layout import Column, Kind, column_letter
from avregn.workbook.sheet_content import Cell, CellValue, Formula, SheetContent, Style
from engine.model import ContractObject, SettlementInput, Status
from engine.problems import Problem
from engine.result import ObjectResult, Result
from engine.rounding import Mode, decimal_places, exact_text
from engine.statuses import INVOICE_STATUS_LABELS, STATUS_LABELS, status_from_text

BEREGNING = layout.BEREGNING.name
STATUS = layout.STATUS.name

_STYLE_BY_KIND = {Kind.MONEY: Style.MONEY, Kind.NUMBER: Style.NUMBER, Kind.PERCENT: Style.PERCENT,
                  Kind.DATE: Style.DATE, Kind.INTEGER: Style.NUMBER, Kind.FLAG: Style.CROSS}


def _look(column: Column) -> tuple[Style, str | None]:
    """A column's cell style and number format (None: the style's own)."""
    style = _STYLE_BY_KIND.get(column.kind, Style.TEXT)
    fmt = column.number_format if column.number_format not in ("General", "@") else None
    return style, fmt


def _cell(column: Column, value: CellValue) -> Cell:
    return Cell(value, *_look(column))


def _trimmed(value: Decimal) -> Decimal:
    """Trailing zeros cut without exponent notation: 150.0000 → 150, 33.8110 → 33.811."""
    return Decimal(exact_text(value))


def _object_value(field: str, obj: ContractObject, res: ObjectResult) -> CellValue:
    if field == "weighted_numerator":
        return _trimmed(decimal_places(res.weighted_numerator, 4, mode=Mode.HALF_UP))
    if field == "admin_fee_pct":
        # A percent cell holds the fraction Excel shows as a percentage (5 → 0,05 → 5 %).
        return None if res.admin_fee_pct is None else res.admin_fee_pct / 100
    if field == "invoice_status":
        return INVOICE_STATUS_LABELS[res.invoice_status]
    if field == "do_not_invoice":
        return layout.DO_NOT_INVOICE_MARK if res.do_not_invoice else None
    if field in ("contract_no", "contract_name", "name"):
        value: Any = getattr(obj, field)
        return value or (obj.id if field == "name" else "")
    value = getattr(res, field)
    return value if value is None or isinstance(value, str | Decimal | int) else str(value)


def _headers(columns: Sequence[Column]) -> tuple[Cell, ...]:
    return tuple(Cell(c.header, Style.HEADER) for c in columns)


@dataclass(frozen=True)
class Control:
    """What the banner compares (``input_control``): the inputs' checksums at the
    calculation, or ``stale`` when the inputs already differ from the result's (the banner is
    red from the start)."""

    measures: tuple[Measure, ...]
    stale: bool = False


def _changed_cells() -> tuple[str, int]:
    """(column letter, first row) of the control block's «Endret» cells on *Status*."""
    return (column_letter(layout.CONTROL.index("changed")), layout.CONTROL.first_data_row)


def banner_formula(control: Control | None, *, on_status: bool) -> CellValue:
    """The banner cell: empty without a control block, else a formula over the «Endret» cells
    whose cached value is the banner as it stands now."""
    if control is None or not control.measures:
        return None
    letter, first = _changed_cells()
    last = first + len(control.measures) - 1
    where = "" if on_status else "'" + layout.STATUS.name + "'!"
    text = layout.BANNER_TEXT.replace('"', '""')
    return Formula(f'IFERROR(IF(OR({where}${letter}${first}:${letter}${last}),"{text}",""),'
                   f'"{text}")', layout.BANNER_TEXT if control.stale else "")


def _title_rows(sheet: layout.Sheet, title: str, status_line: str,
                banner: CellValue) -> list[tuple[Cell, ...]]:
    rows: list[tuple[Cell, ...]] = [(Cell(title, Style.TITLE),)]
    rows.append((Cell(status_line, Style.STATUS),) if status_line else ())
    rows.append((Cell(banner, Style.BANNER),))
    note = next((t.text for t in sheet.texts if t.cell == f"A{layout.NOTE_ROW}"), "")
    rows.append((Cell(note, Style.WARNING),) if note else ())
    return rows


def page_header(settlement: SettlementInput, result: Result | None, status: Status) -> str:
    """What every printed page carries on top: property, period and status."""
    s = settlement.settings
    period = (f"{result.period_start:%d.%m.%Y}–{result.period_end:%d.%m.%Y}" if result
              else f"fra {s.period_start:%d.%m.%Y}")
    place = s.property_object if s.property in s.property_object else \
        f"{s.property}, {s.property_object}"
    return f"{place} — {period} — Status: {STATUS_LABELS[status]}"


# Summary column → the object column it stands under (the others share their names).
_SUMMARY_UNDER = {"costs": "numerator", "vacant": "weighted_numerator", "cap": "cap_limit",
                  "fixed": "fixed_amount", "sum": "total"}


def beregning_sheet(settlement: SettlementInput, result: Result, status: Status | None = None,
                    control: Control | None = None) -> SheetContent:
    """*Beregning*: the status on top, the banner, the objects, the summary, the accounts."""
    s = settlement.settings
    status = status or result.status
    table = layout.CALCULATION
    objects = {o.id: o for o in settlement.contract_objects}
    rows = _title_rows(layout.BEREGNING,
                       f"Beregning — {s.property_object}, {s.group or 'avregning'}, "
                       f"{result.period_start:%d.%m.%Y}–{result.period_end:%d.%m.%Y}",
                       f"Status: {STATUS_LABELS[status]}",
                       banner_formula(control, on_status=False))
    while len(rows) < table.header_row - 1:
        rows.append(())
    rows.append(_headers(table.columns))
    header_rows = [table.header_row]
    looks = [(c.field, *_look(c)) for c in table.columns]
    for res in result.objects:
        obj = objects[res.id]
        rows.append(tuple(Cell(_object_value(field, obj, res), style, fmt)
                          for field, style, fmt in looks))

    rows += [()] * (layout.SUMMARY_GAP - 1)
    rows.append((Cell("Sammendrag", Style.TITLE),))
    # Each summary column stands under the object column of the same name, so that
    # «Leietakers del» reads as the column totals; Kostnader and Ledig, which have no object
    # column, take the places of Teller and Vektet teller.
    at = {field: table.index(_SUMMARY_UNDER.get(field, field)) for _, field in
          layout.SUMMARY_COLUMNS}
    width = max(at.values())
    header = [Cell("", Style.HEADER) for _ in range(width)]
    for label, field in layout.SUMMARY_COLUMNS:
        header[at[field] - 1] = Cell(label, Style.HEADER)
    rows.append(tuple(header))
    header_rows.append(len(rows))
    summary = result.summary
    parts: dict[str, Any] = {"tenants": summary.tenants, "owner": summary.owner}
    for label, key in layout.SUMMARY_ROWS:
        cells = [Cell(None) for _ in range(width)]
        cells[0] = Cell((s.owner or label) if key == "owner" else label, Style.TOTAL_LABEL)
        for _, field in layout.SUMMARY_COLUMNS:
            if key == "total":
                value = summary.costs if field in ("costs", "sum") else None
            elif key == "owner" and field in ("invoiced", "correction"):
                value = Decimal("0.00")
            elif key == "owner" and field in _TENANT_ONLY:
                value = None  # what the invoices carry: the owner is not invoiced
            else:
                value = getattr(parts[key], field, None)
            style = Style.MONEY_TOTAL if field in ("sum", "invoice_total") else Style.MONEY
            cells[at[field] - 1] = Cell(value, style)
        rows.append(tuple(cells))
    rows.append(())
    rows.append((Cell(layout.FRACTION_LABEL, Style.TOTAL_LABEL),
                 Cell(f"{number(result.weighted_numerator_sum, 4)} / "
                      f"{number(result.denominator)} {result.denominator_label}")))
    rows += [(), (Cell("Fordeling per konto", Style.TITLE),)]
    rows.append(_headers([Column(h, "", Kind.TEXT) for h in ACCOUNT_HEADERS]))
    header_rows.append(len(rows))
    for acc in result.accounts:
        rows.append((Cell(acc.account), Cell(acc.name), Cell(acc.amount, Style.MONEY),
                     Cell(acc.to_distribute, Style.MONEY), Cell(acc.per_unit, Style.MONEY),
                     Cell(acc.rate, Style.NUMBER, layout.FMT_DECIMALS_4),
                     Cell(acc.distributed, Style.MONEY), Cell(acc.vacant_share, Style.MONEY),
                     Cell(acc.tenant_share, Style.MONEY), Cell(acc.owner_share, Style.MONEY)))
    widths = [c.width for c in table.columns]
    widths[0] = max(widths[0], 20)  # also holds the summary's row labels
    widths = _header_widths(rows, header_rows, widths)
    return SheetContent(BEREGNING, tuple(rows), tuple(widths),
                        freeze=f"E{table.first_data_row}", header_rows=tuple(header_rows),
                        print_rows=f"{table.header_row}:{table.header_row}",
                        print_columns=f"A:{column_letter(table.index('id'))}",
                        page_header=page_header(settlement, result, status))


# The summary's figures only the tenants' row has (the owner is not invoiced).
_TENANT_ONLY = frozenset({"vat", "admin_fee_vat", "invoice_total"})

# A header wraps between words, never inside one (issue 10 item 9): each column is at least as
# wide as the longest word of its headers, in character widths, plus a margin for bold text.
HEADER_MARGIN = 1.5


def _header_widths(rows: Sequence[Sequence[Cell]], header_rows: Sequence[int],
                   widths: Sequence[float]) -> list[float]:
    out = list(widths)
    for r in header_rows:
        for c, cell in enumerate(rows[r - 1]):
            if isinstance(cell.value, str) and cell.value and c < len(out):
                longest = max(len(word) for word in cell.value.split())
                out[c] = max(out[c], longest * 1.1 + HEADER_MARGIN)
    return out


ACCOUNT_HEADERS = ("KontoNr", "Konto", "Beløp", "Til fordeling", "Kr per enhet",
                   "Kr per vektet enhet", "Fordelt", "Ledig", "Leietakers andel", "Eiers andel")


@dataclass(frozen=True)
class StoredState:
    """What the *Status* sheet remembers between actions."""

    status: Status = Status.LAGT_OPP
    fingerprint: str | None = None
    calculated_at: datetime | None = None


def status_sheet(settlement: SettlementInput, result: Result | None, status: Status,
                 calculated_at: datetime | None = None,
                 warnings: Sequence[Problem] | None = None,
                 control: Control | None = None) -> SheetContent:
    """The *Status* sheet. ``warnings`` are the result's warnings as the user should see them
    (located at their cells by the caller); the result's own, by JSON path, otherwise.
    ``control``: the banner's control block (``input_control``), right of the objects table.

    The warnings block follows the per-object table and its sum row (two rows below), so that
    a warning never stands on the row of an object it is not about.
    """
    s = settlement.settings
    form, objects_table, warnings_table = (layout.STATUS_FORM, layout.STATUS_OBJECTS,
                                           layout.STATUS_WARNINGS)
    shown_warnings = list(warnings if warnings is not None else
                          (result.warnings if result else ()))
    values: dict[str, CellValue] = {
        "property_object": s.property_object, "group": s.group,
        "period_start": s.period_start,
        "period": (f"{result.period_start:%d.%m.%Y}–{result.period_end:%d.%m.%Y}"
                   if result else ""),
        "status": STATUS_LABELS[status],
        "calculated_at": calculated_at or (result.calculated_at if result else None),
        "fingerprint": result.fingerprint if result else None,
        "object_count": len(result.objects) if result else 0,
        "warning_count": len(shown_warnings),
    }
    grid: dict[tuple[int, int], Cell] = {(1, 1): Cell("Status", Style.TITLE)}
    grid[(layout.BANNER_ROW, 1)] = Cell(banner_formula(control, on_status=True), Style.BANNER)
    note = next((t.text for t in layout.STATUS.texts if t.cell == f"A{layout.NOTE_ROW}"), "")
    grid[(layout.NOTE_ROW, 1)] = Cell(note, Style.WARNING)
    for c, header in enumerate(form.headers[:2]):
        grid[(form.header_row, form.label_col + c)] = Cell(header, Style.HEADER)
    for column in form.fields:
        r = form.row(column.field)
        grid[(r, form.label_col)] = Cell(column.header, Style.LABEL)
        value = values[column.field]
        style = Style.DATETIME if column.field == "calculated_at" else (
            Style.DATE if column.kind is Kind.DATE else Style.TEXT)
        grid[(r, form.value_col)] = Cell(str(value) if isinstance(value, int) else value, style)
    header_rows = [form.header_row, objects_table.header_row]
    for k, column in enumerate(objects_table.columns):
        grid[(objects_table.header_row, objects_table.first_col + k)] = Cell(column.header,
                                                                           Style.HEADER)
    objects = result.objects if result else ()
    names = {o.id: o for o in settlement.contract_objects}
    for n, res in enumerate(objects):
        obj = names[res.id]
        row_values = {"id": res.id, "contract_name": obj.contract_name, "name": obj.name,
                      "customer_id": obj.customer_id,
                      "invoice_status": INVOICE_STATUS_LABELS[res.invoice_status],
                      "exported": obj.exported}
        for k, column in enumerate(objects_table.columns):
            value = row_values[column.field] if column.field in row_values else \
                getattr(res, column.field)
            grid[(objects_table.first_data_row + n, objects_table.first_col + k)] = \
                _cell(column, value)
    last = objects_table.first_data_row + len(objects) - 1
    if result is not None:
        total_row = last + 1
        grid[(total_row, objects_table.first_col)] = Cell(layout.STATUS_TOTAL_LABEL,
                                                          Style.TOTAL_LABEL)
        for k, column in enumerate(objects_table.columns):
            if column.kind is Kind.MONEY:
                grid[(total_row, objects_table.first_col + k)] = Cell(
                    getattr(result.summary.tenants, column.field), Style.MONEY_TOTAL)
        last = total_row
    warnings_header = last + 3
    grid[(warnings_header - 1, 1)] = Cell("Advarsler", Style.TITLE)
    for k, column in enumerate(warnings_table.columns):
        grid[(warnings_header, 1 + k)] = Cell(column.header, Style.HEADER)
    header_rows.append(warnings_header)
    if not shown_warnings:
        grid[(warnings_header + 1, 1)] = Cell("Ingen advarsler.")
    for n, warning in enumerate(shown_warnings):
        grid[(warnings_header + 1 + n, 1)] = Cell(warning.where)
        grid[(warnings_header + 1 + n, 2)] = Cell(warning.message, Style.WARNING)
    widths = [c.width for c in objects_table.columns]
    widths[0] = max(widths[0], warnings_table.columns[0].width, 18)
    widths[1] = max(widths[1], 30)
    if control is not None and control.measures:
        _control_block(grid, control)
        widths += [10.0] + [c.width for c in layout.CONTROL.columns]
    rows = _grid_rows(grid)
    widths = _header_widths(rows, header_rows, widths)
    return SheetContent(STATUS, rows, tuple(widths), header_rows=tuple(header_rows),
                        print_rows=f"{objects_table.header_row}:{objects_table.header_row}",
                        print_columns="A:A", print_area_columns=objects_table.last_col,
                        page_header=page_header(settlement, result, status))


def _control_block(grid: dict[tuple[int, int], Cell], control: Control) -> None:
    """The banner's machinery, right of the objects table: one row per watched input range
    with its checksums at the calculation and the formula that compares them with now."""
    table = layout.CONTROL
    grid[(table.header_row - 1, table.first_col)] = Cell("Kontroll av inndata (for varselet "
                                                         "øverst; fingeravtrykket avgjør)",
                                                         Style.LABEL)
    for k, column in enumerate(table.columns):
        grid[(table.header_row, table.first_col + k)] = Cell(column.header, Style.HEADER)
    for n, m in enumerate(control.measures):
        r = table.first_data_row + n
        c = table.first_col
        grid[(r, c)] = Cell(m.watched.label)
        for k, value in enumerate((m.total, m.weighted, m.text_count, m.text_length,
                                   m.text_weighted, m.text_digits, m.tolerance,
                                   m.weighted_tolerance), start=1):
            grid[(r, c + k)] = Cell(value if isinstance(value, int) else _exact(value),
                                    Style.NUMBER)
        grid[(r, c + 9)] = Cell(True if control.stale else
                                Formula(m.changed_formula(r, c), False))


def _exact(value: float) -> Decimal:
    """A float checksum as the Decimal that prints back to the same double (repr)."""
    return Decimal(repr(value))


def _grid_rows(grid: dict[tuple[int, int], Cell]) -> tuple[tuple[Cell, ...], ...]:
    """The grid as rows from row 1, each as wide as its last filled cell (one pass over the
    cells: a scan per row made a sheet of n objects cost n²)."""
    by_row: dict[int, dict[int, Cell]] = {}
    for (r, c), cell in grid.items():
        by_row.setdefault(r, {})[c] = cell
    last_row = max(by_row)
    empty = Cell(None)
    rows = []
    for r in range(1, last_row + 1):
        cells = by_row.get(r, {})
        width = max(cells, default=0)
        rows.append(tuple(cells.get(c, empty) for c in range(1, width + 1)))
    return tuple(rows)


# Earlier names of the Status sheet's labels, so a workbook written before a rename still reads.
_LABELS = {"calculated_at": {"Sist beregnet", "Beregnet"}}


def read_status(rows: Sequence[Sequence[Any]] | None) -> StoredState:
    """The stored status and fingerprint from a *Status* sheet's values (missing → Lagt opp).

    The settings are found by their labels in the label column, wherever the form stands (an
    older layout had it two rows higher)."""
    if not rows:
        return StoredState()
    form = layout.STATUS_FORM
    wanted = {label: column.field for column in form.fields
              for label in _LABELS.get(column.field, {column.header})}
    found: dict[str, Any] = {}
    for row in rows[2:form.last_row + 10]:  # rows 1–2: the title (also «Status»)
        label = row[form.label_col - 1] if len(row) >= form.label_col else None
        if isinstance(label, str) and label.strip() in wanted:
            field = wanted[label.strip()]
            if field not in found:
                found[field] = row[form.value_col - 1] if len(row) >= form.value_col else None
    status = status_from_text(str(found.get("status") or "")) or Status.LAGT_OPP
    fp = found.get("fingerprint")
    at = found.get("calculated_at")
    return StoredState(status, str(fp) if fp else None, at if isinstance(at, datetime) else None)
