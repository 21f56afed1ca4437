"""The workbook's export marks mirror the ledger (issue 13).

Kept outside ``avregn.invoicing`` so that every command that opens a workbook (``beregn``
first) can bring its *Eksportert* cells in line with the register without loading the invoice
basis: the cells of *Brøk* and *Status* are edited through the book port, nothing else.
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from typing import Any

from avregn.book import BookPort
from avregn.workbook import layout
from avregn.workbook.reader import WorkbookInput
from avregn.xlsx.errors import WorkbookError
from engine.problems import Problem, ProblemsError


def object_cell(found: WorkbookInput, index: int, field_name: str) -> str:
    """The *Brøk* cell of one field of a contract object."""
    where = found.locations.get(f"contract_objects[{index}].{field_name}")
    if where:
        return where
    row_cell = found.locations.get(f"contract_objects[{index}]", "")
    sheet_name, _, ref = row_cell.partition("!")
    digits = "".join(ch for ch in ref if ch.isdigit())
    if not digits:
        return f"contract_objects[{index}].{field_name}"
    return f"{sheet_name}!{layout.CONTRACT_OBJECTS.cell(field_name, int(digits))}"


def status_cells(book: BookPort, marks: Mapping[str, str]) -> dict[str, Any]:
    """The *Status* sheet's *Eksportert* cells of the marked objects, found by the object id in
    its row (the sheet lists the objects that take part, in the result's order)."""
    table = layout.STATUS_OBJECTS
    rows = book.read_sheet(layout.STATUS.name) or ()
    id_col = table.index("id") - 1
    cells: dict[str, Any] = {}
    for r in range(table.first_data_row, len(rows) + 1):
        row = rows[r - 1]
        value = row[id_col] if len(row) > id_col else None
        if value is None or value == "":
            break
        if str(value) in marks:
            cells[table.cell("exported", r)] = marks[str(value)]
    return cells


def write_marks(book: BookPort, found: WorkbookInput, marks: Mapping[str, str],
                 cells: Sequence[tuple[int, str]]) -> Problem | None:
    edits: dict[str, dict[str, Any]] = {}
    for index, object_id in cells:
        sheet_name, _, cell = object_cell(found, index, "exported").partition("!")
        if cell:
            edits.setdefault(sheet_name, {})[cell] = marks[object_id]
    try:
        status = status_cells(book, marks)
        if status:
            edits[layout.STATUS.name] = status
        book.set_values(edits)
        book.commit()
    except (ProblemsError, WorkbookError, OSError) as error:
        detail = ("; ".join(p.message for p in error.problems)
                  if isinstance(error, ProblemsError | WorkbookError) else str(error))
        return Problem(book.name, "Eksportert i registeret, men arbeidsboken kunne ikke merkes "
                                  f"nå ({detail}). Den merkes neste gang avregn åpner den.")
    return None


def sync_export_marks(book: BookPort, *, register: str | os.PathLike[str] | None = None
                      ) -> list[Problem]:
    """Bring the workbook's *Eksportert* column (and *Status*) in line with the ledger.

    Returns the objects the ledger holds as exported that the workbook could not be marked
    with (so a calculation must still refuse), located at their cells; [] when all is in line.
    A mark the ledger does not know is kept (another register may have written it)."""
    from avregn.register import RegisterError, open_register, settlement_key
    from engine.contract import parse_settlement

    try:
        ledger = open_register(register, create=False)
    except RegisterError as error:
        return [Problem(book.name, f"Registeret kan ikke åpnes: {error}")]
    if ledger is None:
        return []
    found = book.read_input()
    settlement, _ = parse_settlement(found.data)
    if settlement is None:
        return []
    s = settlement.settings
    key = settlement_key(s.property_object, s.group, s.period_start, s.interval_months)
    try:
        open_exports = ledger.open_exports([key])
    except Exception as error:  # a database that went away mid-call
        return [Problem(book.name, f"Registeret svarer ikke: {error}")]
    marks: dict[str, str] = {}
    cells: list[tuple[int, str]] = []
    for k, obj in enumerate(settlement.contract_objects):
        entry = open_exports.get((key, obj.id))
        if entry is not None and obj.exported != entry.batch:
            marks[obj.id] = entry.batch
            cells.append((k, obj.id))
    if not marks:
        return []
    problem = write_marks(book, found, marks, cells)
    if problem is None:
        return []
    return [Problem(object_cell(found, k, "exported"),
                    f"{object_id} er eksportert i bunt {marks[object_id]} (registeret), men "
                    f"arbeidsboken kunne ikke merkes: {problem.message}")
            for k, object_id in cells]
