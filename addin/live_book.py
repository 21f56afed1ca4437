"""The book port over live Excel (xlwings): what ``FileBook`` is for a file, for an open book.

The actions (``avregn.actions``) see one interface, ``avregn.book.BookPort``; this is its live
implementation, so the ribbon runs the very same ``beregn`` as ``avregn beregn FILE``. Every
call into Excel is a round trip (milliseconds over COM), so the port reads each sheet's values
in one call and writes each engine sheet's values in one call; formats go in rectangles of
equal format, not cell by cell.

The xlwings surface used — kept this small on purpose, and mirrored by
``tests/fake_xlwings.py``, which fails on anything not listed:

* ``book.name``, ``book.fullname``, ``book.selection`` (a Range: ``.sheet.name``, ``.row``,
  ``.column``)
* ``book.sheets``: iteration, ``len()``, ``sheets[i]`` (an index), ``sheets.add(name,
  after=sheet)``
* ``sheet.name``, ``sheet.used_range`` (``.row``, ``.column``), ``sheet.clear()``,
  ``sheet.range("A1")`` / ``sheet.range("A1:C3")`` (address strings only)
* ``range.options(ndim=2, err_to_str=True).value`` to read a sheet, ``range.value`` to read
  one cell (the ribbon's selected Id); ``range.value = rows`` to write
* ``range.number_format``, ``range.font.bold``, ``range.font.color``, ``range.color``,
  ``range.column_width`` (setters)
* ``book.app.alert(text, title=...)`` (the ribbon's message box), ``book.app.api
  .CalculateFull()`` (the ribbon's *Oppdater*), ``book.save()`` (after an invoice export)
* ``book.app.screen_updating`` and ``book.app.calculation`` (get and set: ``quiet``)
* ``sheet.tables`` (iteration), ``table.range`` (``.row``, ``.column``, ``.shape``),
  ``table.resize(range)``

Reading. ``read_input`` hands ``avregn.workbook.reader.read_blocks`` every sheet's name and
loads the values of only the sheets it asks for (the input sheets), through a lazy mapping;
a sheet is read once per port instance (``read_sheet`` of an input sheet reuses it). The used
range need not start at A1, so its values are padded to start at row 1, column A, as the reader
wants. ``ndim=2`` keeps a one-cell or one-row used range a list of rows; ``err_to_str`` makes
a cell error arrive as its text (``#DIV/0!``), which the reader reports at its cell — without
it xlwings turns errors into empty cells, and a broken formula would silently read as 0.
Real xlwings converts only seven error codes to text; ``#SPILL!``, ``#CALC!`` and the other
newer errors arrive as integers, which the port turns into their text too (``error_text``).
Values arrive as Excel holds them: numbers as ``float``, dates as ``datetime``, empty as None.
Excel has calculated every formula, so the file reader's "formula without a cached value"
problem cannot occur here. The 1904 date system is not detected (it would need ``book.api``):
only a date typed as a bare serial number in a date column would read four years off.

Writing. Everything is staged and goes to Excel at ``commit``, as with the file port, so a
failed action writes nothing. While it writes, screen updating is off and calculation manual
(``quiet``), restored on every path: one redraw and one recalculation, not one per write. An
Excel table does not grow when a program writes below it, so a row appended below an input
table (*Hent konti*, *Importer konti*) is followed by resizing the table (``_grow_tables``):
the worksheet functions read the tables by name and would not see the row otherwise. An
engine sheet (*Beregning*, *Status*) is replaced whole: ``clear()``, one value write of the
whole grid as a list of rows, then its formats in rectangles, then column widths; a missing
engine sheet is added after the last sheet. Input cells (``set_values``) are written in runs
of adjacent cells of one row, one call per run.
``commit`` does not save the workbook: Excel's book is the user's, and saving is their decision.

Values as Excel wants them, converted here and nowhere else: ``Decimal`` → ``float`` (Excel
holds doubles; the exact figure stays in the engine's ``Decimal``), ``date`` → ``date``,
``datetime`` → naive ``datetime``, None → empty. Text is written as literal text: Excel parses a
string put into a cell as if it were typed, so ``=HYPERLINK(…)`` would become a formula,
``1001`` a number, ``01.02.2024`` a date and ``SANN`` a boolean. Such text gets Excel's own
literal-text prefix, an apostrophe: ``'1001`` is stored as the text ``1001`` (the apostrophe is
not part of the value and shows only in the formula bar). Text that cannot be read as anything
else — no digit, no leading ``= + - @ # '``, not a boolean word — is written as it is.

Formulas: only the engine's own (``Formula``: the stale-results banner on *Beregning* and
*Status* and the «Endret» cells of its control block), written in the same one value write as
``=`` text, which Excel takes as a formula in its en-US form (as ``Range.Formula`` does).

Not done: freeze panes, tab colour, wrap text and font size of titles (no xlwings API without
``.api``, which the port avoids so the fake can stay honest).
"""

from __future__ import annotations

import re
from collections.abc import Hashable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from datetime import datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

from avregn.book import Edits, Rows
from avregn.workbook.layout import column_letter
from avregn.workbook.reader import WorkbookInput, read_blocks
from avregn.workbook.sheet_content import (
    BOLD_STYLES,
    Cell,
    CellValue,
    Formula,
    SheetContent,
    Style,
    rgb,
)
from avregn.workbook.sheet_content import FONT_COLORS as FONT_HEX
from avregn.workbook.sheet_content import HEADER_FILL as HEADER_COLOR

MAX_CELL_TEXT = 32_767

# The shared look (avregn.workbook.sheet_content), as RGB for xlwings.
HEADER_FILL = rgb(HEADER_COLOR)
FONT_COLORS: dict[Style, tuple[int, int, int]] = {s: rgb(c) for s, c in FONT_HEX.items()}

# Excel would read such text as something else: a formula, a number, a date, a time, a boolean
# or an error. Every number, date and time Excel recognises has a digit; the boolean words are
# those of an English and a Norwegian Excel.
_SPECIAL_START = tuple("=+-@#'")
_DIGIT = re.compile(r"\d")
_BOOLEAN_WORDS = frozenset({"true", "false", "sann", "usann"})
_CELL_REF = re.compile(r"^\$?([A-Za-z]{1,3})\$?(\d{1,7})$")


def excel_text(text: str) -> str:
    """``text`` as it must be put into a cell to stay that text (see the module docstring)."""
    if (text.startswith(_SPECIAL_START) or _DIGIT.search(text)
            or text.strip().casefold() in _BOOLEAN_WORDS):
        return "'" + text[: MAX_CELL_TEXT - 1]
    return text[:MAX_CELL_TEXT]


def excel_value(value: CellValue | float) -> Any:
    """A port value → what xlwings is given (the one place Decimal becomes float)."""
    if value is None:
        return None
    if isinstance(value, Formula):
        # The engine's own formula (the stale-results banner): put in as Excel reads a typed
        # formula, en-US syntax as ``Range.Value``/``Formula`` take it; Excel calculates it.
        return "=" + value.text
    if isinstance(value, str):
        return excel_text(value) if value else None
    if isinstance(value, bool):
        return value
    if isinstance(value, Decimal):
        return float(value)  # float-ok: Excel holds doubles; the exact figure is the Decimal
    if isinstance(value, datetime):
        # Whole seconds, as the file port writes them: Excel's double would not give the
        # microseconds back exactly, and "calculated at" is read back from Status.
        return value.replace(tzinfo=None, microsecond=0)
    return value  # int, float, date


# Excel's cell errors as COM hands them over: the HRESULT 0x800A0000 + Excel's error number.
# Real xlwings (``_xlwindows.cell_errors``) turns only the first seven into text, even with
# ``err_to_str``; the newer ones (``#SPILL!``, ``#CALC!`` …) arrive as these integers. A number
# from a cell always arrives as a float, so an ``int`` is an error.
_ERROR_NUMBERS = {2000: "#NULL!", 2007: "#DIV/0!", 2015: "#VALUE!", 2023: "#REF!",
                  2029: "#NAME?", 2036: "#NUM!", 2042: "#N/A", 2043: "#GETTING_DATA",
                  2045: "#SPILL!", 2046: "#CONNECT!", 2047: "#BLOCKED!", 2048: "#UNKNOWN!",
                  2049: "#FIELD!", 2050: "#CALC!"}
EXCEL_ERROR_CODES: dict[int, str] = {-2146828288 + n: text for n, text in _ERROR_NUMBERS.items()}


def error_text(value: Any) -> str | None:
    """The text of a cell error that arrived as its integer code; None for anything else."""
    if isinstance(value, int) and not isinstance(value, bool):
        return EXCEL_ERROR_CODES.get(value, "#FEIL!")
    return None


def excel_scalar(value: Any) -> Any:
    """A value as xlwings read it → as the reader reads a cell: an error code becomes its text
    (``#SPILL!``), a ``Decimal`` (a Currency or Accounting formatted cell: COM's currency type,
    four decimals) a float like every other number, so the reader's one rule for numbers from
    cells applies to it (a text column reads ``1234``, not ``1234.0000``)."""
    if isinstance(value, int) and not isinstance(value, bool):
        return EXCEL_ERROR_CODES.get(value, "#FEIL!")
    if isinstance(value, Decimal):
        return float(value)  # float-ok: what Excel holds; the reader rounds as for any cell
    return value


def cell_text(value: Any) -> str:
    """A key cell's value (an Id, an account) as the reader reads a text column: a number
    typed as 6300 arrives from Excel as 6300.0 and means "6300"."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def _parse_ref(ref: str) -> tuple[int, int]:
    m = _CELL_REF.match(ref.strip())
    if m is None:
        raise ValueError(f"Not a cell reference: {ref!r}")
    col = 0
    for ch in m.group(1).upper():
        col = col * 26 + ord(ch) - 64
    return int(m.group(2)), col


def _address(r0: int, c0: int, r1: int, c1: int) -> str:
    first = f"{column_letter(c0)}{r0}"
    return first if (r0, c0) == (r1, c1) else f"{first}:{column_letter(c1)}{r1}"


Rectangle = tuple[int, int, int, int, Hashable]  # first row, first col, last row, last col, key


def rectangles(keys: Mapping[tuple[int, int], Hashable]) -> list[Rectangle]:
    """Cells with equal keys grouped into few rectangles: runs of adjacent columns in a row,
    stacked while the rows below repeat the same run. A table whose columns each have one
    format becomes one rectangle per format run, however many rows it has."""
    by_row: dict[int, list[tuple[int, Hashable]]] = {}
    for (r, c), key in keys.items():
        by_row.setdefault(r, []).append((c, key))
    done: list[Rectangle] = []
    growing: dict[tuple[int, int, Hashable], tuple[int, int]] = {}  # run → (first, last row)
    for r in sorted(by_row):
        runs: list[tuple[int, int, Hashable]] = []
        for c, key in sorted(by_row[r], key=lambda ck: ck[0]):
            if runs and runs[-1][1] == c - 1 and runs[-1][2] == key:
                runs[-1] = (runs[-1][0], c, key)
            else:
                runs.append((c, c, key))
        still: dict[tuple[int, int, Hashable], tuple[int, int]] = {}
        for run in runs:
            span = growing.pop(run, None)
            still[run] = (span[0], r) if span is not None and span[1] == r - 1 else (r, r)
            if span is not None and span[1] != r - 1:
                done.append((span[0], run[0], span[1], run[1], run[2]))
        for (c0, c1, key), (r0, r1) in growing.items():
            done.append((r0, c0, r1, c1, key))
        growing = still
    for (c0, c1, key), (r0, r1) in growing.items():
        done.append((r0, c0, r1, c1, key))
    return sorted(done, key=lambda rect: (rect[0], rect[1]))


class _Sheets(Mapping[str, Rows]):
    """The book's sheets by name for ``read_blocks``: every name known up front, values read
    on first access only (``in`` never reads)."""

    def __init__(self, port: XlwingsBook):
        self.port = port

    def __getitem__(self, name: str) -> Rows:
        rows = self.port._rows(name)
        if rows is None:
            raise KeyError(name)
        return rows

    def __contains__(self, name: object) -> bool:
        return isinstance(name, str) and name in self.port._sheet_names()

    def __iter__(self) -> Iterator[str]:
        return iter(self.port._sheet_names())

    def __len__(self) -> int:
        return len(self.port._sheet_names())


class XlwingsBook:
    """``BookPort`` over an open xlwings ``Book`` (or anything with the same few calls)."""

    def __init__(self, book: Any):
        self.book = book
        self._names: dict[str, Any] | None = None  # sheet name → xlwings sheet
        self._cache: dict[str, Rows] = {}
        self._input: WorkbookInput | None = None
        self._staged: list[SheetContent] = []
        self._edits: dict[str, dict[str, CellValue]] = {}

    # --- BookPort ----------------------------------------------------------------------------

    @property
    def name(self) -> str:
        return str(self.book.name)

    @property
    def path(self) -> Path | None:
        """The workbook's file, or None while it has never been saved (``Bok1``)."""
        full = Path(str(self.book.fullname))
        return full if full.is_absolute() else None  # Bok1, or a web address (OneDrive)

    def read_input(self) -> WorkbookInput:
        if self._input is None:
            self._input = read_blocks(_Sheets(self))
        return self._input

    def read_sheet(self, sheet_name: str) -> Rows | None:
        return self._rows(sheet_name)

    def write_sheets(self, contents: Sequence[SheetContent]) -> None:
        replaced = {c.name for c in contents}
        self._staged = [c for c in self._staged if c.name not in replaced] + list(contents)

    def set_values(self, edits: Edits) -> None:
        for sheet_name, cells in edits.items():
            self._edits.setdefault(sheet_name, {}).update(cells)

    def commit(self) -> None:
        """Put everything staged into Excel (sheets first, then the input cells, as the file
        port does). The workbook is not saved."""
        staged, edits = self._staged, self._edits
        self._staged, self._edits = [], {}
        # Excel has no transaction: refuse before the first write what would fail later.
        missing = [name for name in edits if self._sheet(name) is None]
        if missing:
            raise KeyError("Arbeidsboken har ikke arket " + ", ".join(f"«{n}»" for n in missing))
        planned = [(self._sheet(name), {_parse_ref(ref): v for ref, v in cells.items()})
                   for name, cells in edits.items()]
        try:
            with quiet(self.book.app):
                for content in staged:
                    self._write_content(content)
                for sheet, at in planned:
                    self._write_cells(sheet, at)
                    _grow_tables(sheet, at)
        finally:
            self._cache.clear()
            self._input = None

    # --- beyond the port: what the ribbon needs --------------------------------------------

    def selected_cell(self) -> tuple[str, int, int] | None:
        """(sheet name, row, column) of the active selection's first cell."""
        selection = self.book.selection
        if selection is None:
            return None
        return str(selection.sheet.name), int(selection.row), int(selection.column)

    def cell_value(self, sheet_name: str, ref: str) -> Any:
        """One cell's value (one read)."""
        sheet = self._sheet(sheet_name)
        return None if sheet is None else sheet.range(ref).value

    # --- reading -----------------------------------------------------------------------------

    def _sheet_names(self) -> dict[str, Any]:
        if self._names is None:
            self._names = {str(s.name): s for s in self.book.sheets}
        return self._names

    def _sheet(self, name: str) -> Any | None:
        names = self._sheet_names()
        if name in names:
            return names[name]
        folded = {n.casefold(): s for n, s in names.items()}  # Excel ignores case
        return folded.get(name.casefold())

    def _rows(self, name: str) -> Rows | None:
        sheet = self._sheet(name)
        if sheet is None:
            return None
        key = str(sheet.name)
        if key not in self._cache:
            self._cache[key] = _padded(sheet.used_range)
        return self._cache[key]

    # --- writing -----------------------------------------------------------------------------

    def _add_sheet(self, name: str) -> Any:
        sheets = self.book.sheets
        last = sheets[len(sheets) - 1] if len(sheets) else None
        sheet = sheets.add(name, after=last)
        self._sheet_names()[name] = sheet
        return sheet

    def _write_content(self, content: SheetContent) -> None:
        sheet = self._sheet(content.name)
        if sheet is None:
            sheet = self._add_sheet(content.name)
        else:
            sheet.clear()
        width = max((len(row) for row in content.rows), default=0)
        if width and content.rows:
            grid = [[excel_value(cell.value) for cell in row] + [None] * (width - len(row))
                    for row in content.rows]
            sheet.range("A1").value = grid
        self._format(sheet, content)
        for c0, c1, w in _width_runs(content.widths):
            sheet.range(_address(1, c0, 1, c1)).column_width = w

    def _format(self, sheet: Any, content: SheetContent) -> None:
        formats: dict[tuple[int, int], Hashable] = {}
        bold: dict[tuple[int, int], Hashable] = {}
        fills: dict[tuple[int, int], Hashable] = {}
        fonts: dict[tuple[int, int], Hashable] = {}
        for (r, c), cell in _cells(content):
            fmt = cell.format
            if fmt and fmt != "General":
                formats[(r, c)] = fmt
            if cell.style in BOLD_STYLES:
                bold[(r, c)] = True
            if cell.style is Style.HEADER:
                fills[(r, c)] = HEADER_FILL
            if cell.style in FONT_COLORS:
                fonts[(r, c)] = FONT_COLORS[cell.style]
        for r0, c0, r1, c1, key in rectangles(formats):
            sheet.range(_address(r0, c0, r1, c1)).number_format = key
        for r0, c0, r1, c1, _ in rectangles(bold):
            sheet.range(_address(r0, c0, r1, c1)).font.bold = True
        for r0, c0, r1, c1, key in rectangles(fills):
            sheet.range(_address(r0, c0, r1, c1)).color = key
        for r0, c0, r1, c1, key in rectangles(fonts):
            sheet.range(_address(r0, c0, r1, c1)).font.color = key

    @staticmethod
    def _write_cells(sheet: Any, at: Mapping[tuple[int, int], CellValue]) -> None:
        for r, c0, values in _row_runs(at):
            target = sheet.range(_address(r, c0, r, c0))
            target.value = [[excel_value(v) for v in values]] if len(values) > 1 \
                else excel_value(values[0])


@contextmanager
def quiet(app: Any) -> Iterator[None]:
    """Screen updating off and calculation manual while the port writes — one redraw and one
    recalculation at the end instead of one per write — and both restored as they were on
    every path (an exception included). A setting that cannot be read is left alone."""
    saved: list[tuple[str, Any]] = []
    for name, value in (("screen_updating", False), ("calculation", "manual")):
        try:
            saved.append((name, getattr(app, name)))
            setattr(app, name, value)
        except Exception:  # an Excel that refuses (a cell in edit mode): write anyway
            continue
    try:
        yield
    finally:
        for name, value in reversed(saved):
            try:
                setattr(app, name, value)
            except Exception:  # restore what can be restored
                continue


def _grow_tables(sheet: Any, at: Mapping[tuple[int, int], CellValue]) -> None:
    """An Excel table does not grow when values are written below it by a program (only when a
    user types there): a row appended below *Kostnadslinjer* would be outside the table, and
    ``=AVREGN_MODELL(…; Kostnadslinjer[#All]; …)`` would not see it. So the table is resized
    to take in the last filled row written in its columns."""
    filled = [(r, c) for (r, c), v in at.items() if v not in (None, "")]
    if not filled:
        return
    for table in sheet.tables:
        rng = table.range
        top, left = int(rng.row), int(rng.column)
        rows, cols = rng.shape
        bottom, right = top + rows - 1, left + cols - 1
        last = max((r for r, c in filled if left <= c <= right and r > top), default=0)
        if last > bottom:
            table.resize(sheet.range(_address(top, left, last, right)))


def _cells(content: SheetContent) -> Iterator[tuple[tuple[int, int], Cell]]:
    for r, row in enumerate(content.rows, start=1):
        for c, cell in enumerate(row, start=1):
            yield (r, c), cell


def _width_runs(widths: Sequence[float]) -> list[tuple[int, int, float]]:
    runs: list[tuple[int, int, float]] = []
    for c, w in enumerate(widths, start=1):
        if runs and runs[-1][1] == c - 1 and runs[-1][2] == w:
            runs[-1] = (runs[-1][0], c, w)
        else:
            runs.append((c, c, w))
    return runs


def _row_runs(cells: Mapping[tuple[int, int], CellValue]
              ) -> list[tuple[int, int, list[CellValue]]]:
    """(row, first column, values) for each run of adjacent cells in a row."""
    runs: list[tuple[int, int, list[CellValue]]] = []
    for (r, c), value in sorted(cells.items()):
        if runs and runs[-1][0] == r and runs[-1][1] + len(runs[-1][2]) == c:
            runs[-1][2].append(value)
        else:
            runs.append((r, c, [value]))
    return runs


def _padded(used: Any) -> list[list[Any]]:
    """The used range's values as rows from A1: empty rows above it, empty cells left of it."""
    top, left = int(used.row), int(used.column)
    values = used.options(ndim=2, err_to_str=True).value
    pad = [None] * (left - 1)
    rows: list[list[Any]] = [[] for _ in range(top - 1)]
    rows += [pad + [excel_scalar(v) for v in row] for row in values]
    return rows
