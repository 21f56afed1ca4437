"""Cell references and cell text: the one parser of ``A1``-style references in the project.

``column_index``/``column_letter`` convert column letters, ``parse_cell_ref``/``parse_range``
read ``$C$7``-style references and ranges, ``set_text`` puts text into an openpyxl cell so it
stays text (never a formula or an error value).
"""

from __future__ import annotations

import re
from typing import Any

from avregn.xlsx.xmltext import ILLEGAL_CHARS, MAX_CELL_TEXT

MAX_ROW = 1_048_576
MAX_COL = 16_384

CELL_REF = re.compile(r"\$?([A-Za-z]{1,3})\$?([0-9]{1,7})")
RANGE_REF = re.compile(
    r"\$?([A-Za-z]{1,3})\$?([0-9]{1,7})(?::\$?([A-Za-z]{1,3})\$?([0-9]{1,7}))?"
)


def column_index(letters: str) -> int:
    """A → 1, AA → 27 (case-insensitive)."""
    index = 0
    for ch in letters.upper():
        index = index * 26 + ord(ch) - 64
    return index


def column_letter(index: int) -> str:
    """1 → A, 27 → AA."""
    letters = ""
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


def cell_ref(row: int, col: int) -> str:
    """(7, 3) → ``"C7"``."""
    return f"{column_letter(col)}{row}"


def parse_cell_ref(ref: str) -> tuple[int, int]:
    """``"C7"`` (also ``"c7"``, ``"$C$7"``) → ``(7, 3)``; ValueError for anything else."""
    m = CELL_REF.fullmatch(ref.strip())
    if m is None:
        raise ValueError(f"Not a cell reference: {ref!r}")
    row, col = int(m.group(2)), column_index(m.group(1))
    if not (1 <= row <= MAX_ROW and 1 <= col <= MAX_COL):
        raise ValueError(f"Cell reference outside Excel's grid: {ref!r}")
    return row, col


def parse_range(ref: str) -> tuple[int, int, int, int] | None:
    """``"A1:C3"`` or ``"B2"`` → (row1, col1, row2, col2), corners sorted; None if unreadable."""
    m = RANGE_REF.fullmatch(ref.strip())
    if m is None:
        return None
    r1, c1 = int(m.group(2)), column_index(m.group(1))
    if m.group(3) is None:
        return r1, c1, r1, c1
    r2, c2 = int(m.group(4)), column_index(m.group(3))
    return min(r1, r2), min(c1, c2), max(r1, r2), max(c1, c2)


def set_text(cell: Any, value: object) -> None:
    """Put ``value`` into an openpyxl cell as plain text, never as a formula or an error.

    openpyxl turns a string starting with ``=`` into a formula and ``#N/A`` & co. into error
    values; a tenant named ``=HYPERLINK("…")`` must stay a name. Control characters Excel cannot
    store are removed and the text is cut at Excel's 32 767 characters.
    """
    text = ILLEGAL_CHARS.sub("", "" if value is None else str(value))[:MAX_CELL_TEXT]
    cell.value = text
    cell.data_type = "s"
