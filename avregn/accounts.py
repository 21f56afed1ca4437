"""The account sheet of spec §9: the seed format, its export and import, and the account tools
of *Til fordeling* ("Slett kontoer med 0 i beløp", "Hent konti").

The seed format is three header rows and data from row 4::

    row 1   Dato: 15. oktober 2003
    row 2   Felleskost
    row 3   KontoNr | Konto | Beløp
    row 4…  9585    | Innkj.felles | kr 100,00

Export writes amounts as numbers with a ``kr`` number format (Excel shows ``kr 100,00``);
import accepts numbers and Norwegian text amounts (``textnum``), and accepts exactly what export
writes — an empty amount too (a carried-forward account not filled in yet). Every row it
cannot read is a problem at its cell; nothing is skipped silently but empty rows.

Importing into a workbook merges by account number: amounts of accounts present are replaced,
new accounts are appended, accounts of the workbook absent from the file are listed, not
deleted. An account in the file with an empty amount leaves the workbook's amount as it is
(listed too): an empty cell never wipes a figure already typed. *Til fordeling* is edited value
by value in place (spec §9b), never by deleting rows.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

from avregn.workbook import layout
from avregn.workbook.textnum import TextNumberError, parse_amount
from avregn.xlsx.cells import parse_cell_ref
from avregn.xlsx.save import save_atomic
from engine.problems import Problem

SEED_HEADERS = ("KontoNr", "Konto", "Beløp")
FIRST_DATA_ROW = 4
MONTHS = ("januar", "februar", "mars", "april", "mai", "juni", "juli", "august", "september",
          "oktober", "november", "desember")
KR_FORMAT = '"kr "#,##0.00'


@dataclass(frozen=True)
class AccountRow:
    account: str
    name: str
    amount: Decimal | None
    row: int  # where it was read (1-based)


def norwegian_date(day: date) -> str:
    """15. oktober 2003 — row 1 of the seed format."""
    return f"{day.day}. {MONTHS[day.month - 1]} {day.year}"


def _account_text(value: Any) -> str | None:
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, int | Decimal) and not isinstance(value, bool):
        return str(value)
    return str(value).strip()


def read_account_rows(rows: Sequence[Sequence[Any]], sheet_name: str
                      ) -> tuple[list[AccountRow], list[Problem]]:
    """Seed-format values (rows from A1) → account rows and every problem, by cell."""
    problems: list[Problem] = []
    header = [str(v).strip() if v is not None else "" for v in
              (rows[2] if len(rows) >= 3 else ())][:3]
    if [h.casefold() for h in header] != [h.casefold() for h in SEED_HEADERS]:
        problems.append(Problem(f"{sheet_name}!A3",
                                "Rad 3 skal ha overskriftene KontoNr | Konto | Beløp (kontofilens "
                                f"format), men har {' | '.join(header) or 'ingenting'}."))
        return [], problems
    found: list[AccountRow] = []
    seen: dict[str, int] = {}
    for r in range(FIRST_DATA_ROW, len(rows) + 1):
        cells = list(rows[r - 1][:3]) + [None] * (3 - len(rows[r - 1][:3]))
        if all(v is None or (isinstance(v, str) and not v.strip()) for v in cells):
            continue
        account = _account_text(cells[0])
        name = "" if cells[1] is None else str(cells[1]).strip()
        if account is None:
            problems.append(Problem(f"{sheet_name}!A{r}", "KontoNr mangler, men raden har andre "
                                                          "verdier. Fyll inn kontonummeret eller "
                                                          "tøm raden."))
            continue
        amount: Decimal | None = None
        raw = cells[2]
        if raw is not None and not (isinstance(raw, str) and not raw.strip()):
            try:
                amount = parse_amount(raw)
            except TextNumberError as exc:
                problems.append(Problem(f"{sheet_name}!C{r}", exc.message))
                continue
        if account in seen:
            problems.append(Problem(f"{sheet_name}!A{r}",
                                    f"Kontoen {account} står også på rad {seen[account]}; slå "
                                    "radene sammen."))
            continue
        seen[account] = r
        found.append(AccountRow(account, name, amount, r))
    return found, problems


def read_account_file(path: Path) -> tuple[list[AccountRow], list[Problem]]:
    """An account file (xlsx) in the seed format; its first sheet, or *Til fordeling*."""
    from python_calamine import CalamineWorkbook

    from avregn.xlsx.safety import precheck

    trouble = precheck(path)
    if trouble:
        return [], [Problem(i.where, i.message) for i in trouble]
    try:
        workbook = CalamineWorkbook.from_path(str(path))
    except Exception as exc:  # calamine's own error types; the file is the user's input
        return [], [Problem(path.name, f"Filen kan ikke leses som en Excel-fil: {exc}")]
    names = list(workbook.sheet_names)
    sheet_name = next((n for n in names if n.casefold() == layout.TIL_FORDELING.name.casefold()),
                      names[0] if names else None)
    if sheet_name is None:
        return [], [Problem(path.name, "Filen har ingen ark.")]
    rows = workbook.get_sheet_by_name(sheet_name).to_python(skip_empty_area=False)
    return read_account_rows(rows, sheet_name)


def write_account_file(accounts: Sequence[Mapping[str, Any]], path: Path, *, dated: date,
                       title: str = "Felleskost", overwrite: bool = False) -> Path:
    """Export: the seed format, one sheet *Til fordeling*; a new file unless ``overwrite``."""
    from openpyxl import Workbook
    from openpyxl.styles import Font

    from avregn.xlsx.cells import set_text

    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = layout.TIL_FORDELING.name
    set_text(ws["A1"], f"Dato: {norwegian_date(dated)}")
    set_text(ws["A2"], title)
    ws["A2"].font = Font(bold=True)
    for c, header in enumerate(SEED_HEADERS, start=1):
        set_text(ws.cell(3, c), header)
        ws.cell(3, c).font = Font(bold=True)
    for r, line in enumerate(accounts, start=FIRST_DATA_ROW):
        set_text(ws.cell(r, 1), str(line["account"]))
        set_text(ws.cell(r, 2), str(line.get("name") or ""))
        amount = line.get("amount")
        if amount is not None:
            cell = ws.cell(r, 3)
            cell.value = float(Decimal(amount))  # float-ok: Excel stores doubles; 2 decimals
            cell.number_format = KR_FORMAT
    ws.column_dimensions["A"].width = 10
    ws.column_dimensions["B"].width = 32
    ws.column_dimensions["C"].width = 16
    save_atomic(lambda tmp: wb.save(tmp), path, backup=False, overwrite=overwrite)
    return path


@dataclass(frozen=True)
class MergePlan:
    """What an import does to *Til fordeling*: cell edits plus what to tell the user."""

    edits: dict[str, Any]  # cell → value on the cost-line sheet
    replaced: tuple[str, ...]
    added: tuple[str, ...]
    absent: tuple[str, ...]
    kept: tuple[str, ...] = ()  # in the file without an amount: the workbook's amount stays


def _row_of(cell: str) -> int:
    return parse_cell_ref(cell)[0]


def plan_import(existing: Sequence[tuple[str, str]], imported: Sequence[AccountRow],
                free_row: int) -> MergePlan:
    """``existing``: (account, row cell) of the workbook's cost lines; ``free_row``: the first
    row below them. Amounts of present accounts are replaced, new ones appended."""
    table = layout.COST_LINES
    rows = {account: _row_of(cell) for account, cell in existing}
    edits: dict[str, Any] = {}
    replaced, added = [], []
    row = free_row
    kept = []
    for line in imported:
        if line.account in rows and line.amount is None:
            kept.append(line.account)  # an empty amount never blanks a figure already typed
        elif line.account in rows:
            edits[table.cell("amount", rows[line.account])] = line.amount
            replaced.append(line.account)
        else:
            edits[table.cell("account", row)] = line.account
            edits[table.cell("name", row)] = line.name
            edits[table.cell("amount", row)] = line.amount
            added.append(line.account)
            row += 1
    imported_accounts = {line.account for line in imported}
    absent = tuple(a for a, _ in existing if a not in imported_accounts)
    return MergePlan(edits, tuple(replaced), tuple(added), absent, tuple(kept))
