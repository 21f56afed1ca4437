"""The stale-results banner: checksums of the inputs the fingerprint covers, as formulas the
workbook recalculates by itself (spec §9b).

The fingerprint (``engine.fingerprint``) is the authority on whether a result is stale, but only
avregn computes it. So that the workbook shows by itself, in Excel and LibreOffice alike, that an
input changed after the calculation, the engine writes on *Status* a control block: per input
range the fingerprint covers (``layout.Column.covered``; whole columns of the input tables from
their first data row down, so rows added below count; the covered value rows of the settings
form) the checksums it measured when it calculated, and a formula that measures the range again
and compares:

* numbers and dates: their sum, and their sum weighted by row number (so a swap of two values
  shows); text in the range counts as 0 here, as spreadsheets count it;
* text: the number of text cells, their total length, their lengths weighted by row number and
  their digit sums weighted by row number (``kr 1 000,00`` → ``kr 1 500,00`` and ``5 %`` →
  ``6 %`` keep the length but not the digits).

Sums and counts run over whole columns, so a value typed anywhere below shows. The row-by-row
checks (SUMPRODUCT) run down to ``Watched.bound``: at least 2 000 rows below the header and
twice the rows in use; over a million rows they took LibreOffice a minute. Rows below the bound
were empty at the calculation, so anything typed there moves the whole-column counts; only a
value *moved* from a used row to beyond the bound would keep every checksum. At 10 000 rows the
demo workbook's recalculation took LibreOffice 4.4 s, at 2 000 rows 2.4 s (1.5 s of it start-up).

A banner formula on *Beregning* and *Status* shows «Inndata er endret etter beregningen — beregn
på nytt» in red as soon as one comparison differs, or any formula gives an error (an error in
an input cell is a change too). Every formula is written with its cached value (quiet), so a
reader that does not recalculate sees the state at the calculation.

Formulas are stored in their en-US form (commas, English names; a Norwegian Excel shows them
translated) and avoid what legacy Excel would evaluate differently: no IF/IFERROR over arrays,
only SUMPRODUCT with ISTEXT/LEN/ROW and ranges as separate arguments (SUMPRODUCT takes a
non-number in a range as 0). Sums of numbers are compared with a tolerance of 1e-11 of the sum
of their absolute values (different spreadsheets add in different orders and precisions), so a
change of one øre shows in any realistic sum; text checks are exact.

The measuring here mirrors the spreadsheet: numbers and dates (as serial numbers of the 1900
date system) add up, text counts by its length in UTF-16 units as Excel's LEN does, booleans and
empty cells count for nothing. A boolean in an input block counts as 1 in LibreOffice (it has no
boolean type), so there the banner shows red: no input column holds a boolean.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any

from avregn.workbook import layout
from avregn.workbook.layout import Form, Table, column_letter

MAX_ROW = 1_048_576  # Excel's and LibreOffice's last row: the whole column below the header
WATCH_MIN_ROWS = 2_000  # the row-by-row checks look at least this far below the header
RELATIVE_TOLERANCE = 1e-11
_DIGITS = frozenset("123456789")  # ASCII digits only, as SUBSTITUTE counts them
_EPOCH = datetime(1899, 12, 30)  # serial 0 of the 1900 date system (from 1900-03-01 on)

Rows = Sequence[Sequence[Any]]


@dataclass(frozen=True, slots=True)
class Watched:
    """One input range the banner watches: a column of a table, or covered form rows."""

    sheet: str  # the layout's sheet name
    column: int  # 1-based
    first_row: int
    last_row: int
    label: str  # what the control block shows: «Brøk: Teller»

    def ref(self, sheet_name: str, last_row: int | None = None) -> str:
        """``'Brøk'!$J$4:$J$1048576`` in the workbook's own name for the sheet."""
        quoted = "'" + sheet_name.replace("'", "''") + "'"
        letter = column_letter(self.column)
        last = self.last_row if last_row is None else last_row
        return f"{quoted}!${letter}${self.first_row}:${letter}${last}"

    def bound(self, used_rows: int) -> int:
        """The last row the row-by-row checks (SUMPRODUCT) look at: whole columns there would
        cost a spreadsheet a million-element array per check (LibreOffice took a minute)."""
        if self.last_row < MAX_ROW:
            return self.last_row
        wanted = max(self.first_row + WATCH_MIN_ROWS, 2 * used_rows)
        return min(MAX_ROW, -(-wanted // 1000) * 1000)


@dataclass(frozen=True, slots=True)
class Measure:
    """The checksums of one range, as measured at the calculation."""

    watched: Watched
    ref: str  # the whole range in formula form (sums and counts)
    bounded_ref: str  # down to the bound (the row-by-row checks)
    total: float
    weighted: float
    text_count: int
    text_length: int
    text_weighted: int
    text_digits: int  # Σ row × the digit sum of each text ("kr 1 000,00" → "kr 1 500,00" shows)
    tolerance: float
    weighted_tolerance: float

    def changed_formula(self, row: int, first_col: int) -> str:
        """The formula of the control row's «Endret» cell: TRUE when the range differs from
        the checksums in the cells of ``row`` (from ``first_col``: the label, then the five
        checksums and the two tolerances)."""
        c = [f"${column_letter(first_col + k)}${row}" for k in range(1, 9)]
        r, b = self.ref, self.bounded_ref
        digits = "".join(f"-{d}*LEN(SUBSTITUTE({b},\"{d}\",\"\"))" for d in range(1, 10))
        return (f"IFERROR(OR(ABS(SUM({r})-{c[0]})>{c[6]},"
                f"ABS(SUMPRODUCT(ROW({b}),{b})-{c[1]})>{c[7]},"
                f"COUNTA({r})-COUNT({r})<>{c[2]},"
                f"SUMPRODUCT(ISTEXT({b})*LEN({b}))<>{c[3]},"
                f"SUMPRODUCT(ISTEXT({b})*LEN({b})*ROW({b}))<>{c[4]},"
                f"SUMPRODUCT(ISTEXT({b})*ROW({b})*(45*LEN({b}){digits}))<>{c[5]}),TRUE)")


def watched_ranges() -> tuple[Watched, ...]:
    """Every input range the fingerprint covers, from the layout's declarations."""
    out: list[Watched] = []
    for sheet in layout.INPUT_SHEETS:
        for block in sheet.blocks:
            if isinstance(block, Table):
                for k, column in enumerate(block.columns):
                    if column.covered:
                        out.append(Watched(sheet.name, block.first_col + k,
                                           block.first_data_row, MAX_ROW,
                                           f"{sheet.name}: {column.header}"))
            elif isinstance(block, Form):
                run: list[int] = []
                for k, column in enumerate(block.fields):
                    if column.covered:
                        run.append(block.first_row + k)
                    if run and (not column.covered or k == len(block.fields) - 1):
                        first = block.fields[run[0] - block.first_row].header
                        last = block.fields[run[-1] - block.first_row].header
                        out.append(Watched(sheet.name, block.value_col, run[0], run[-1],
                                           f"{sheet.name}: {first} – {last}"))
                        run = []
    return tuple(out)


def serial(value: date | datetime | time | timedelta) -> float:
    """A date or time as the spreadsheet's number (1900 date system)."""
    if type(value) is date:  # dates repeat (start and end dates): remembered
        return _date_serial(value)
    return _serial(value)


@functools.lru_cache(maxsize=65_536)
def _date_serial(value: date) -> float:
    return _serial(value)


def _serial(value: date | datetime | time | timedelta) -> float:
    if isinstance(value, timedelta):
        return value.total_seconds() / 86400
    if isinstance(value, time):
        return (value.hour * 3600 + value.minute * 60 + value.second
                + value.microsecond / 1e6) / 86400
    moment = value if isinstance(value, datetime) else datetime(value.year, value.month,
                                                                value.day)
    delta = moment.replace(tzinfo=None) - _EPOCH
    return delta.days + delta.seconds / 86400 + delta.microseconds / 86400e6


@functools.lru_cache(maxsize=65_536)
def _text_measure(text: str) -> tuple[int, int]:
    """(length in UTF-16 units as LEN counts, digit sum): texts repeat (ids, customer ids)."""
    return (len(text.encode("utf-16-le")) // 2,
            sum(int(ch) for ch in text if ch in _DIGITS))


def measure(watched: Watched, rows: Rows, sheet_name: str) -> Measure:
    numbers: list[float] = []
    weighted: list[float] = []
    text_count = text_length = text_weighted = text_digits = 0
    col = watched.column - 1
    bound = watched.bound(len(rows))
    first = watched.first_row
    last = min(watched.last_row, len(rows))
    column: list[Any] = [row[col] if col < len(row) else None for row in rows[first - 1:last]]
    for r, value in enumerate(column, first):
        kind = type(value)
        # The common kinds first, by exact type (this runs for every cell of 31 columns).
        if kind is float or kind is int:
            number = float(value)
        elif value is None or isinstance(value, bool):
            continue
        elif kind is str or isinstance(value, str):
            if value == "":  # calamine's empty cell
                continue
            text_count += 1
            if r <= bound:
                n, digits = _text_measure(str(value))
                text_length += n
                text_weighted += n * r
                text_digits += r * digits
            continue
        elif isinstance(value, date | time | timedelta):
            number = serial(value)
        else:  # a Decimal from a test double, or anything numeric
            number = float(value)
        numbers.append(number)
        if r <= bound:
            weighted.append(number * r)
    magnitude = math.fsum(abs(n) for n in numbers)
    weighted_magnitude = math.fsum(abs(n) for n in weighted)
    return Measure(watched, watched.ref(sheet_name), watched.ref(sheet_name, bound),
                   math.fsum(numbers), math.fsum(weighted),
                   text_count, text_length, text_weighted, text_digits,
                   _tolerance(magnitude), _tolerance(weighted_magnitude))


def _tolerance(magnitude: float) -> float:
    # Shown in a cell and compared there: two significant digits are plenty.
    return float(f"{1e-9 + magnitude * RELATIVE_TOLERANCE:.2g}")


def measure_inputs(sheets: Mapping[str, Rows | None]) -> tuple[Measure, ...]:
    """The checksums of every watched range of the sheets given (the workbook's name for a
    layout sheet → its values from A1; a sheet that is missing is not watched)."""
    folded = {name.casefold(): name for name in sheets}
    out: list[Measure] = []
    for watched in watched_ranges():
        name = folded.get(watched.sheet.casefold())
        rows = sheets.get(name) if name is not None else None
        if name is None or rows is None:
            continue
        out.append(measure(watched, rows, name))
    return tuple(out)


def watched_sheets() -> tuple[str, ...]:
    return tuple(dict.fromkeys(w.sheet for w in watched_ranges()))
