"""A faithful stand-in for the few xlwings objects the add-in touches, for tests on Linux.

``xw.Book.caller()`` needs a running Excel, so the live book port (``addin.live_book``) and the
ribbon are tested against this fake. It mirrors exactly the xlwings calls listed in
``addin.live_book``'s docstring (plus a few getters and ``load``/``values``/``select`` helpers
the tests inspect with), so a call the port starts to use without listing it fails here
(AttributeError) instead of passing silently — and it behaves as Excel and xlwings do where that
matters for correctness:

* ``Range.value`` (get): a single cell is a scalar, a single row or column a flat list, anything
  else a list of rows; ``options(ndim=2)`` always gives rows. Numbers come back as ``float``
  (Excel holds doubles), dates as ``datetime``, empty cells as ``None``; a cell error is
  ``None`` unless ``options(err_to_str=True)``, then its text (``#DIV/0!``) — but only for the
  seven errors real xlwings knows: ``#SPILL!`` and ``#CALC!`` arrive as integer codes either
  way. A number in a Currency or Accounting formatted cell arrives as a ``Decimal`` with four
  decimals (COM's currency type).
* ``Range.value`` (set): a list of rows at a one-cell anchor fills the block below and right of
  it; a flat list fills one row; a scalar on a multi-cell range fills every cell. ``None`` and
  ``""`` empty a cell. Text is parsed the way Excel parses what is typed: a leading ``'`` makes
  the rest literal text (the apostrophe is not part of the value); otherwise ``=…`` becomes a
  formula, a number or ``TRUE``/``FALSE`` becomes a number or boolean, ``dd.mm.yyyy`` and
  ``yyyy-mm-dd`` become dates and ``#N/A`` & co. become errors. Only what xlwings can hand to
  COM is accepted: ``Decimal`` raises ``TypeError`` (pywin32 would store it as a 4-decimal
  currency), so the port must convert at its edge. A list of rows of different lengths is
  refused, as ``xlwings.conversion`` refuses it.
* ``Sheet.tables``: Excel tables, whose range grows only through ``Table.resize`` (values a
  program writes below a table stay outside it).
* ``App.screen_updating`` and ``App.calculation`` log every change (``settings_log``);
  ``App.api.CalculateFull`` counts full recalculations; ``Book.save`` is counted.
* The signatures of the methods the port calls equal the installed xlwings' (a test checks).
* ``Sheet.used_range`` is the smallest rectangle holding every cell with a value *or a format*
  (as Excel's UsedRange); an empty sheet's is ``A1``. It does not have to start at A1.
* Sheet names are found case-insensitively, as Excel does.

Every call that would be a round trip to Excel is counted in ``Book.calls`` (a ``Counter``) and
logged in ``Book.log`` as ``(call, sheet, address)``, so tests can bound the traffic: one value
read per sheet, one value write per block.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from avregn.workbook.layout import column_index, column_letter

Coord = tuple[int, int]  # (row, column), 1-based

ERRORS = frozenset({"#NULL!", "#DIV/0!", "#VALUE!", "#REF!", "#NAME?", "#NUM!", "#N/A",
                    "#SPILL!", "#CALC!"})
# The seven errors real xlwings turns into text (``_xlwindows.cell_errors``); the others arrive
# as pywin32 hands them over: the integer HRESULT 0x800A0000 + Excel's error number.
XLWINGS_ERRORS = frozenset({"#NULL!", "#DIV/0!", "#VALUE!", "#REF!", "#NAME?", "#NUM!", "#N/A"})
ERROR_CODES = {"#SPILL!": -2146828288 + 2045, "#CALC!": -2146828288 + 2050}
_CURRENCY = re.compile(r"\[\$|kr|[$€£¥]|^_[-(]")  # Currency and Accounting formats
_REF = re.compile(r"^\$?([A-Za-z]{1,3})\$?(\d{1,7})$")
_DATE_NB = re.compile(r"^(\d{1,2})\.(\d{1,2})\.(\d{4})$")
_DATE_ISO = re.compile(r"^(\d{4})-(\d{2})-(\d{2})$")


@dataclass(frozen=True)
class ExcelError:
    """A cell showing an error value (``#DIV/0!``)."""

    text: str


@dataclass(frozen=True)
class Formula:
    """A cell holding a formula the fake does not evaluate; its value reads as an error."""

    text: str


_col_number = column_index
col_letters = column_letter


def parse_address(address: str) -> tuple[Coord, Coord]:
    """``"B3"`` or ``"A1:C4"`` → ((row1, col1), (row2, col2))."""
    parts = address.split(":")
    if len(parts) not in (1, 2):
        raise ValueError(f"Not a range address: {address!r}")
    coords = []
    for part in parts:
        m = _REF.match(part.strip())
        if m is None:
            raise ValueError(f"Not a range address: {address!r}")
        coords.append((int(m.group(2)), _col_number(m.group(1))))
    (r1, c1), (r2, c2) = coords[0], coords[-1]
    return (min(r1, r2), min(c1, c2)), (max(r1, r2), max(c1, c2))


def _typed(value: Any) -> Any:
    """What Excel stores for a value xlwings hands it."""
    if value is None:
        return None
    if isinstance(value, Decimal):
        raise TypeError("Decimal cannot go to Excel (pywin32 makes it a 4-decimal currency); "
                        "convert to float at the port's edge")
    if isinstance(value, bool):
        return value
    if isinstance(value, int | float):
        return float(value)
    if isinstance(value, datetime):
        if value.tzinfo is not None:
            raise TypeError("Excel has no time zones; pass a naive datetime")
        return value
    if isinstance(value, date):
        return datetime(value.year, value.month, value.day)
    if isinstance(value, str):
        return _parse_typed_text(value)
    raise TypeError(f"xlwings cannot write a {type(value).__name__}")


def _parse_typed_text(text: str) -> Any:
    """Text as Excel reads what is typed into a General cell."""
    if text == "":
        return None
    if text.startswith("'"):
        return text[1:] or None
    if text.startswith("="):
        return Formula(text)
    if text in ERRORS:
        return ExcelError(text)
    if text.strip().upper() in ("TRUE", "FALSE"):
        return text.strip().upper() == "TRUE"
    try:
        return float(text.replace(" ", ""))
    except ValueError:
        pass
    for pattern, order in ((_DATE_NB, (3, 2, 1)), (_DATE_ISO, (1, 2, 3))):
        m = pattern.match(text.strip())
        if m:
            try:
                return datetime(int(m.group(order[0])), int(m.group(order[1])),
                                int(m.group(order[2])))
            except ValueError:
                return text
    return text


def _shown(stored: Any, err_to_str: bool, number_format: str = "General") -> Any:
    if isinstance(stored, ExcelError):
        if stored.text in XLWINGS_ERRORS:
            return stored.text if err_to_str else None
        return ERROR_CODES[stored.text]
    if isinstance(stored, Formula):
        return "#NAME?" if err_to_str else None
    if isinstance(stored, float) and _CURRENCY.search(number_format):
        # COM's currency type: pywin32 gives a Decimal with four decimals.
        return Decimal(repr(stored)).quantize(Decimal("0.0001"))
    return stored


class _AppApi:
    """``app.api``: only ``CalculateFull`` (Ctrl+Alt+F9), counted."""

    def __init__(self, app: App):
        self._app = app

    def CalculateFull(self) -> None:
        self._app.full_calculations += 1


@dataclass
class App:
    """The Excel application: ``alert`` (a message box), ``screen_updating`` and
    ``calculation`` (every change logged in ``settings_log``), ``api.CalculateFull``."""

    alerts: list[tuple[str, str | None]] = field(default_factory=list)
    settings_log: list[tuple[str, Any]] = field(default_factory=list)
    full_calculations: int = 0
    _screen_updating: bool = True
    _calculation: str = "automatic"

    def alert(self, prompt: str, title: str | None = None, buttons: str = "ok",
              mode: str | None = None, callback: str | None = None) -> str:
        self.alerts.append((prompt, title))
        return "ok"

    @property
    def screen_updating(self) -> bool:
        return self._screen_updating

    @screen_updating.setter
    def screen_updating(self, value: bool) -> None:
        self.settings_log.append(("screen_updating", value))
        self._screen_updating = bool(value)

    @property
    def calculation(self) -> str:
        return self._calculation

    @calculation.setter
    def calculation(self, value: str) -> None:
        if value not in ("automatic", "manual", "semiautomatic"):
            raise ValueError(value)
        self.settings_log.append(("calculation", value))
        self._calculation = value

    @property
    def api(self) -> _AppApi:
        return _AppApi(self)


class Book:
    def __init__(self, name: str = "avregning.xlsx", fullname: str | None = None):
        self.name = name
        self.fullname = fullname if fullname is not None else name
        self.app = App()
        self.calls: Counter[str] = Counter()
        self.log: list[tuple[str, str, str]] = []
        self._sheets: list[Sheet] = []
        self.sheets = Sheets(self)
        self._selection: Range | None = None
        self.saved = 0

    def record(self, call: str, sheet: str = "", address: str = "") -> None:
        self.calls[call] += 1
        self.log.append((call, sheet, address))

    @property
    def selection(self) -> Range | None:
        self.record("selection")
        return self._selection

    def save(self, path: str | None = None, password: str | None = None) -> None:
        self.record("save", "", path or "")
        self.saved += 1

    # --- for tests only (no xlwings counterpart, not counted) --------------------------------

    def select(self, sheet_name: str, address: str) -> None:
        self._selection = self.sheets._find(sheet_name).range(address)

    def reset_calls(self) -> None:
        self.calls.clear()
        self.log.clear()


class Sheets:
    def __init__(self, book: Book):
        self._book = book

    def _find(self, name: str) -> Sheet:
        for sheet in self._book._sheets:
            if sheet._name.casefold() == name.casefold():
                return sheet
        raise KeyError(name)  # xlwings raises a COM error; any exception will do

    def __iter__(self) -> Iterator[Sheet]:
        self._book.record("sheets.iter")
        return iter(list(self._book._sheets))

    def __len__(self) -> int:
        return len(self._book._sheets)

    def __getitem__(self, key: int | str) -> Sheet:
        if isinstance(key, int):
            return self._book._sheets[key]
        self._book.record("sheets.getitem", key)
        return self._find(key)

    def add(self, name: str | None = None, before: Sheet | None = None,
            after: Sheet | None = None) -> Sheet:
        name = name or f"Ark{len(self._book._sheets) + 1}"
        if any(s._name.casefold() == name.casefold() for s in self._book._sheets):
            raise ValueError(f"A sheet named {name!r} exists already")
        self._book.record("sheets.add", name)
        sheet = Sheet(self._book, name)
        sheets = self._book._sheets
        if after is not None:
            sheets.insert(sheets.index(after) + 1, sheet)
        elif before is not None:
            sheets.insert(sheets.index(before), sheet)
        else:
            sheets.insert(0, sheet)  # Excel adds before the active sheet; the first will do
        return sheet


@dataclass
class CellFormat:
    number_format: str = "General"
    bold: bool = False
    color: tuple[int, int, int] | None = None
    font_color: tuple[int, int, int] | None = None

    def is_default(self) -> bool:
        return self == CellFormat()


class Sheet:
    def __init__(self, book: Book, name: str):
        self.book = book
        self._name = name
        self.cells_: dict[Coord, Any] = {}  # stored values (never None)
        self.formats: dict[Coord, CellFormat] = {}
        self.widths: dict[int, float] = {}
        self.tables_: list[Table] = []

    @property
    def name(self) -> str:
        return self._name

    def range(self, cell1: str, cell2: str | None = None) -> Range:
        if not isinstance(cell1, str) or cell2 is not None:
            raise NotImplementedError("the fake takes one address string, as the port does")
        first, last = parse_address(cell1)
        return Range(self, first, last)

    @property
    def tables(self) -> list[Table]:
        self.book.record("tables", self._name)
        return list(self.tables_)

    @property
    def used_range(self) -> Range:
        self.book.record("used_range", self._name)
        coords = list(self.cells_) + [k for k, f in self.formats.items() if not f.is_default()]
        if not coords:
            return Range(self, (1, 1), (1, 1))
        rows = [r for r, _ in coords]
        cols = [c for _, c in coords]
        return Range(self, (min(rows), min(cols)), (max(rows), max(cols)))

    def clear(self) -> None:
        self.book.record("clear", self._name)
        self.cells_.clear()
        self.formats.clear()

    # --- for tests only (no xlwings counterpart, not counted) --------------------------------

    def add_table(self, name: str, address: str) -> Table:
        first, last = parse_address(address)
        table = Table(name, Range(self, first, last))
        self.tables_.append(table)
        return table

    def load(self, rows: list[list[Any]], origin: Coord = (1, 1)) -> None:
        """Put values in as a user would have typed them (already typed: no text parsing)."""
        for r, row in enumerate(rows):
            for c, value in enumerate(row):
                at = (origin[0] + r, origin[1] + c)
                if value is None or value == "":
                    self.cells_.pop(at, None)
                elif isinstance(value, str | ExcelError | Formula):
                    self.cells_[at] = value
                else:
                    self.cells_[at] = _typed(value)

    def values(self) -> list[list[Any]]:
        """Every value from A1 to the last non-empty cell, as rows (for comparisons)."""
        if not self.cells_:
            return []
        last_row = max(r for r, _ in self.cells_)
        last_col = max(c for _, c in self.cells_)
        return [[_shown(self.cells_.get((r, c)), True) for c in range(1, last_col + 1)]
                for r in range(1, last_row + 1)]  # as text, whatever xlwings would convert

    def fmt(self, address: str) -> CellFormat:
        first, _ = parse_address(address)
        return self.formats.get(first, CellFormat())


class _Font:
    def __init__(self, rng: Range):
        self._range = rng

    @property
    def bold(self) -> bool:
        return all(self._range._format(rc).bold for rc in self._range._coords())

    @bold.setter
    def bold(self, value: bool) -> None:
        self._range._record("font.bold.set")
        for rc in self._range._coords():
            self._range._format(rc, create=True).bold = bool(value)

    @property
    def color(self) -> tuple[int, int, int] | None:
        return self._range._format(self._range.first).font_color

    @color.setter
    def color(self, value: tuple[int, int, int] | str) -> None:
        self._range._record("font.color.set")
        rgb = _rgb(value)
        for rc in self._range._coords():
            self._range._format(rc, create=True).font_color = rgb


def _rgb(value: tuple[int, int, int] | str | None) -> tuple[int, int, int] | None:
    if value is None or isinstance(value, tuple):
        return value
    text = value.lstrip("#")
    return int(text[0:2], 16), int(text[2:4], 16), int(text[4:6], 16)


class Range:
    def __init__(self, sheet: Sheet, first: Coord, last: Coord, **options: Any):
        self.sheet = sheet
        self.first = first
        self.last = last
        self._options = options

    # --- shape -----------------------------------------------------------------------------

    @property
    def row(self) -> int:
        return self.first[0]

    @property
    def column(self) -> int:
        return self.first[1]

    @property
    def shape(self) -> tuple[int, int]:
        return self.last[0] - self.first[0] + 1, self.last[1] - self.first[1] + 1

    @property
    def address(self) -> str:
        a = f"${col_letters(self.first[1])}${self.first[0]}"
        if self.first == self.last:
            return a
        return f"{a}:${col_letters(self.last[1])}${self.last[0]}"

    def _coords(self) -> Iterator[Coord]:
        for r in range(self.first[0], self.last[0] + 1):
            for c in range(self.first[1], self.last[1] + 1):
                yield r, c

    def _record(self, call: str) -> None:
        self.sheet.book.record(call, self.sheet.name, self.address)

    def _format(self, rc: Coord, create: bool = False) -> CellFormat:
        if create:
            return self.sheet.formats.setdefault(rc, CellFormat())
        return self.sheet.formats.get(rc, CellFormat())

    def options(self, convert: Any = None, **options: Any) -> Range:
        if convert is not None:
            raise NotImplementedError("the fake knows only the default converter")
        return Range(self.sheet, self.first, self.last, **options)

    # --- values ------------------------------------------------------------------------------

    @property
    def value(self) -> Any:
        self._record("value.get")
        err = bool(self._options.get("err_to_str"))
        rows = [[_shown(self.sheet.cells_.get((r, c)), err, self._format((r, c)).number_format)
                 for c in range(self.first[1], self.last[1] + 1)]
                for r in range(self.first[0], self.last[0] + 1)]
        if self._options.get("ndim") == 2:
            return rows
        n_rows, n_cols = self.shape
        if n_rows == 1 and n_cols == 1:
            return rows[0][0]
        if n_rows == 1:
            return rows[0]
        if n_cols == 1:
            return [row[0] for row in rows]
        return rows

    @value.setter
    def value(self, data: Any) -> None:
        self._record("value.set")
        cells = self.sheet.cells_
        if isinstance(data, list | tuple):
            if data and isinstance(data[0], list | tuple) and len({len(r) for r in data}) > 1:
                # xlwings.conversion._check_not_jagged
                raise Exception("All elements of a 2d list or tuple must be of the same length")
            rows = [list(r) for r in data] if data and isinstance(data[0], list | tuple) \
                else [list(data)]
            r0, c0 = self.first
            for i, row in enumerate(rows):
                for j, v in enumerate(row):
                    self._put(cells, (r0 + i, c0 + j), v)
        else:
            for rc in self._coords():
                self._put(cells, rc, data)

    @staticmethod
    def _put(cells: dict[Coord, Any], at: Coord, value: Any) -> None:
        stored = _typed(value)
        if stored is None:
            cells.pop(at, None)
        else:
            cells[at] = stored

    # --- formats -----------------------------------------------------------------------------

    @property
    def number_format(self) -> str:
        return self._format(self.first).number_format

    @number_format.setter
    def number_format(self, value: str) -> None:
        self._record("number_format.set")
        for rc in self._coords():
            self._format(rc, create=True).number_format = value

    @property
    def font(self) -> _Font:
        return _Font(self)

    @property
    def color(self) -> tuple[int, int, int] | None:
        return self._format(self.first).color

    @color.setter
    def color(self, value: tuple[int, int, int] | str | None) -> None:
        self._record("color.set")
        rgb = _rgb(value)
        for rc in self._coords():
            self._format(rc, create=True).color = rgb

    @property
    def column_width(self) -> float | None:
        widths = {self.sheet.widths.get(c) for c in range(self.first[1], self.last[1] + 1)}
        return widths.pop() if len(widths) == 1 else None

    @column_width.setter
    def column_width(self, value: float) -> None:
        self._record("column_width.set")
        for c in range(self.first[1], self.last[1] + 1):
            self.sheet.widths[c] = value


class Table:
    """An Excel table (ListObject): its range grows only through ``resize`` — values written
    below it by a program stay outside it, as in Excel."""

    def __init__(self, name: str, rng: Range):
        self._name = name
        self._range = rng

    @property
    def name(self) -> str:
        return self._name

    @property
    def range(self) -> Range:
        return self._range

    def resize(self, range: Range) -> None:  # xlwings' parameter name
        self._range.sheet.book.record("table.resize", self._range.sheet.name, range.address)
        if range.first != self._range.first:
            raise ValueError("Excel keeps a table's header row where it is")
        self._range = range


def book_from_rows(sheets: dict[str, list[list[Any]]], name: str = "avregning.xlsx",
                   fullname: str | None = None) -> Book:
    """A fake Excel book holding ``sheets`` (name → rows from A1), in that order."""
    book = Book(name, fullname)
    for sheet_name, rows in sheets.items():
        sheet = Sheet(book, sheet_name)
        sheet.load(rows)
        book._sheets.append(sheet)
    return book
