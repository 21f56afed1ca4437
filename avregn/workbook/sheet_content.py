"""What the engine writes into a sheet, independent of how it gets there.

*Beregning* and *Status* are built once as a ``SheetContent`` — rows of cells, each with a
style key — and then rendered by a book port: into an xlsx package through openpyxl and the
package transplant (``render_xlsx``), or into live Excel through xlwings (``addin``). So the
same scenario through both ports gives the same sheet, and neither spells its own layout.

Style keys (``Style``) name what a cell *is* (a header, money, a total); each renderer maps
them to number formats, fonts and fills.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum

from avregn.workbook import number_formats

CellValue = str | int | Decimal | date | datetime | bool | None


class Style(StrEnum):
    TITLE = "title"
    LABEL = "label"
    HEADER = "header"
    TEXT = "text"
    MONEY = "money"
    MONEY_TOTAL = "money_total"
    NUMBER = "number"
    PERCENT = "percent"
    DATE = "date"
    DATETIME = "datetime"
    TOTAL_LABEL = "total_label"
    CROSS = "cross"  # the red ✗ of "skal ikke faktureres"
    WARNING = "warning"


# One definition of the formats (``number_formats``), shared with the input layout.
NUMBER_FORMATS: dict[Style, str] = {
    Style.MONEY: number_formats.MONEY,
    Style.MONEY_TOTAL: number_formats.MONEY,
    Style.NUMBER: number_formats.NUMBER,
    Style.PERCENT: number_formats.PERCENT,
    Style.DATE: number_formats.DATE,
    Style.DATETIME: number_formats.DATETIME,
}


# The look of each style, for every renderer (hex RGB): bold, font colour, header fill.
BOLD_STYLES = frozenset({Style.TITLE, Style.HEADER, Style.LABEL, Style.TOTAL_LABEL,
                         Style.MONEY_TOTAL, Style.CROSS})
FONT_COLORS: dict[Style, str] = {Style.CROSS: "C00000", Style.WARNING: "9C5700"}
HEADER_FILL = "D9E1F2"
TITLE_SIZE = 12


def rgb(hex_color: str) -> tuple[int, int, int]:
    """``"C00000"`` → ``(192, 0, 0)``, the form xlwings takes."""
    return (int(hex_color[0:2], 16), int(hex_color[2:4], 16), int(hex_color[4:6], 16))


@dataclass(frozen=True, slots=True)
class Cell:
    value: CellValue
    style: Style = Style.TEXT
    number_format: str | None = None  # overrides the style's format (from the sheet layout)

    @property
    def format(self) -> str | None:
        return self.number_format or NUMBER_FORMATS.get(self.style)


@dataclass(frozen=True)
class SheetContent:
    name: str
    rows: tuple[tuple[Cell, ...], ...]
    widths: tuple[float, ...] = ()
    freeze: str | None = None  # top-left cell of the scrolling area, e.g. "A2"
    header_rows: tuple[int, ...] = field(default=())  # 1-based rows styled as table headers

    def value_at(self, row: int, column: int) -> CellValue:
        """1-based lookup, for tests and the live port."""
        cells = self.rows[row - 1]
        return cells[column - 1].value if column <= len(cells) else None
