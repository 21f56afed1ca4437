"""Renders ``SheetContent`` as a scratch xlsx workbook, written directly as SpreadsheetML.

The scratch file is never the user's workbook: its sheets are transplanted into the user's
package part by part (``avregn.workbook.package``), so nothing the user made is lost. Text is
always written as an inline string — a tenant called ``=HYPERLINK(...)`` stays a name, never a
formula. The only formulas are the engine's own (``Formula``: the stale-results banner and its
control block), stored with their cached value.

The sheets are written as XML text, not through openpyxl: a sheet of 10 000 objects has some
300 000 cells, and openpyxl's cell objects and serializer cost seconds for what is a loop of
string formatting here (issue 11). The parts are the few a workbook needs (content types,
relationships, workbook with the print titles as defined names, styles, sheets); the styles
are built from the cell styles in use, and fonts leave name and size open unless a style sets
a size, so that the transplant gives them the user's default font.

Printing (issue 10 item 9): A4 landscape; the scale is the largest that fits the page width but
never below what keeps the default 11 pt font at 8 pt or more (``MIN_SCALE``) — a wider sheet
is split across pages, with its identifying columns and its header row repeated on each. Column
widths already hold each header's longest word (``results_sheets``), so headers wrap between
words; each header row is as high as its most wrapped header.
"""

from __future__ import annotations

import math
import re
import zipfile
from collections.abc import Sequence
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from xml.sax.saxutils import escape, quoteattr

from avregn.workbook.layout import column_letter
from avregn.workbook.sheet_content import (
    BANNER_FILL,
    BOLD_STYLES,
    FONT_COLORS,
    FONT_SIZES,
    HEADER_FILL,
    Cell,
    Formula,
    SheetContent,
    Style,
)

MAX_CELL_TEXT = 32_767
_ILLEGAL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")  # not storable in XML 1.0
_EPOCH = datetime(1899, 12, 30)
MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"

# Printing: A4 landscape, 0.25" side margins, the workbook's default font of 11 pt.
DEFAULT_FONT_PT = 11
MIN_FONT_PT = 8
# 73 % would give 8.0 pt; LibreOffice printed 7.99 pt there (its own rounding): 2 % margin.
MIN_SCALE = math.ceil(100 * MIN_FONT_PT / DEFAULT_FONT_PT) + 2  # 75 %
PAGE_WIDTH_PT = 841.9 - 2 * 18  # A4 landscape less the side margins
SIDE_MARGIN_IN = 0.25


def column_points(width: float) -> float:
    """A column width in characters (of the 7-pixel digit of an 11 pt Calibri) → points."""
    return (math.trunc(width * 7 + 5)) * 0.75


def print_scale(widths: Sequence[float]) -> int:
    """The scale that fits ``widths`` on the page width, but never under ``MIN_SCALE``."""
    total = sum(column_points(w) for w in widths)
    if total <= PAGE_WIDTH_PT:
        return 100
    return max(MIN_SCALE, math.floor(100 * PAGE_WIDTH_PT / total))


def wrapped_lines(text: str, width: float) -> int:
    """How many lines a header takes in a column ``width`` characters wide (words kept whole)."""
    lines, used = 1, 0.0
    room = max(width - 1, 1)
    for word in text.split():
        need = len(word) * 1.1 if used == 0 else used + 1 + len(word) * 1.1
        if used and need > room:
            lines, used = lines + 1, len(word) * 1.1
        else:
            used = need
    return lines




class _Styles:
    """The cell formats in use, as styles.xml: one xf per (style, number format)."""

    def __init__(self) -> None:
        self.numfmts: dict[str, int] = {}
        self.fonts: list[str] = ["<font/>"]
        self.xfs: list[str] = ['<xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/>']
        self.index: dict[tuple[Style, str | None], int] = {}
        self.by_cell: dict[tuple[Style, str | None], int] = {}  # (style, its override) → xf

    def xf(self, cell: Cell) -> int:
        known = self.by_cell.get((cell.style, cell.number_format))
        if known is not None:
            return known
        self.by_cell[(cell.style, cell.number_format)] = found = self._xf(cell)
        return found

    def _xf(self, cell: Cell) -> int:
        fmt = cell.format
        key = (cell.style, fmt if fmt != "General" else None)
        found = self.index.get(key)
        if found is not None:
            return found
        style = cell.style
        numfmt = 0
        if key[1]:
            numfmt = self.numfmts.setdefault(key[1], 164 + len(self.numfmts))
        font = 0
        if style in BOLD_STYLES or style in FONT_COLORS or style in FONT_SIZES:
            parts = "<b/>" if style in BOLD_STYLES else ""
            if style in FONT_SIZES:
                parts += f'<sz val="{FONT_SIZES[style]}"/>'
            if style in FONT_COLORS:
                parts += f'<color rgb="FF{FONT_COLORS[style]}"/>'
            self.fonts.append(f"<font>{parts}</font>")
            font = len(self.fonts) - 1
        fill, border, align = 0, 0, ""
        if style is Style.HEADER:
            fill, border = 2, 1
            align = '<alignment wrapText="1" vertical="top"/>'
        elif style is Style.CROSS:
            align = '<alignment horizontal="center"/>'
        attrs = (f'numFmtId="{numfmt}" fontId="{font}" fillId="{fill}" borderId="{border}" '
                 'xfId="0"' + (' applyNumberFormat="1"' if numfmt else "")
                 + (' applyFont="1"' if font else "") + (' applyFill="1"' if fill else "")
                 + (' applyBorder="1"' if border else "")
                 + (' applyAlignment="1"' if align else ""))
        self.xfs.append(f"<xf {attrs}>{align}</xf>" if align else f"<xf {attrs}/>")
        self.index[key] = len(self.xfs) - 1
        return self.index[key]

    def xml(self) -> str:
        numfmts = "".join(f'<numFmt numFmtId="{i}" formatCode={quoteattr(code)}/>'
                          for code, i in self.numfmts.items())
        thin = '<bottom style="thin"><color rgb="FFA6A6A6"/></bottom>'
        return (
            f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<styleSheet xmlns="{MAIN}">'
            + (f'<numFmts count="{len(self.numfmts)}">{numfmts}</numFmts>' if numfmts else "")
            + f'<fonts count="{len(self.fonts)}">{"".join(self.fonts)}</fonts>'
            '<fills count="3"><fill><patternFill patternType="none"/></fill>'
            '<fill><patternFill patternType="gray125"/></fill>'
            f'<fill><patternFill patternType="solid"><fgColor rgb="FF{HEADER_FILL}"/>'
            '</patternFill></fill></fills>'
            '<borders count="2"><border><left/><right/><top/><bottom/><diagonal/></border>'
            f"<border><left/><right/><top/>{thin}<diagonal/></border></borders>"
            '<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/>'
            f'</cellStyleXfs><cellXfs count="{len(self.xfs)}">{"".join(self.xfs)}</cellXfs>'
            '<cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles>'
            '<dxfs count="1"><dxf><font><b/><color rgb="FFFFFFFF"/></font><fill>'
            f'<patternFill patternType="solid"><fgColor rgb="FF{BANNER_FILL}"/>'
            f'<bgColor rgb="FF{BANNER_FILL}"/></patternFill></fill></dxf></dxfs></styleSheet>')


def _serial(value: date) -> str:
    moment = value if isinstance(value, datetime) else datetime(value.year, value.month,
                                                                value.day)
    delta = moment.replace(tzinfo=None, microsecond=0) - _EPOCH
    days = delta.days + delta.seconds / 86400
    return str(delta.days) if not delta.seconds else repr(days)


def _text(value: str) -> str:
    text = _ILLEGAL.sub("", value)[:MAX_CELL_TEXT]
    return f'<is><t xml:space="preserve">{escape(text)}</t></is>'


def _cell_xml(ref: str, cell: Cell, s: int) -> str:
    value = cell.value
    style = f' s="{s}"' if s else ""
    if value is None:
        return f'<c r="{ref}"{style}/>'
    if isinstance(value, Formula):
        cached = value.cached
        if isinstance(cached, bool):
            t, v = ' t="b"', "1" if cached else "0"
        elif isinstance(cached, str):
            t, v = ' t="str"', escape(cached)
        else:
            t, v = "", repr(float(cached))
        return f'<c r="{ref}"{style}{t}><f>{escape(value.text)}</f><v>{v}</v></c>'
    if isinstance(value, bool):
        return f'<c r="{ref}"{style} t="b"><v>{1 if value else 0}</v></c>'
    if isinstance(value, Decimal):
        # Excel holds doubles; the exact figure is the Decimal, shown to 2 decimals.
        number = float(value)  # float-ok: display cell of an exact Decimal
        return f'<c r="{ref}"{style}><v>{number!r}</v></c>'
    if isinstance(value, int):
        return f'<c r="{ref}"{style}><v>{value}</v></c>'
    if isinstance(value, date):
        return f'<c r="{ref}"{style}><v>{_serial(value)}</v></c>'
    return f'<c r="{ref}"{style} t="inlineStr">{_text(str(value))}</c>'


def sheet_xml(content: SheetContent, styles: _Styles) -> str:
    """One worksheet part for ``content``."""
    letters = [column_letter(c) for c in range(1, max(
        [len(content.widths)] + [len(row) for row in content.rows] + [1]) + 1)]
    heights: dict[int, float] = {}
    for r in content.header_rows:
        lines = max((wrapped_lines(cell.value, content.widths[c])
                     for c, cell in enumerate(content.rows[r - 1])
                     if isinstance(cell.value, str) and c < len(content.widths)), default=1)
        heights[r] = 15 * max(lines, 2)  # wrapped headers show whole
    banner_row = 0
    out: list[str] = []
    for r, row in enumerate(content.rows, start=1):
        cells = []
        for c, cell in enumerate(row):
            if cell.style in (Style.STATUS, Style.BANNER):
                heights[r] = 22
                if cell.style is Style.BANNER:
                    banner_row = r
            if cell.value is None and cell.style in (Style.TEXT, Style.MONEY, Style.NUMBER):
                continue
            cells.append(_cell_xml(f"{letters[c]}{r}", cell, styles.xf(cell)))
        height = heights.get(r)
        if not cells and height is None:
            continue
        ht = f' ht="{height}" customHeight="1"' if height else ""
        out.append(f'<row r="{r}"{ht}>{"".join(cells)}</row>')
    last_col = letters[max(len(letters), 1) - 1]
    parts = [f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
             f'<worksheet xmlns="{MAIN}" xmlns:r="{REL}">'
             '<sheetPr><tabColor rgb="FF808080"/><pageSetUpPr fitToPage="0"/></sheetPr>'
             f'<dimension ref="A1:{last_col}{max(len(content.rows), 1)}"/>'
             f'<sheetViews><sheetView workbookViewId="0">{_pane(content.freeze)}</sheetView>'
             '</sheetViews><sheetFormatPr defaultRowHeight="15"/>']
    if content.widths:
        parts.append("<cols>" + "".join(
            f'<col min="{c}" max="{c}" width="{w}" customWidth="1"/>'
            for c, w in enumerate(content.widths, start=1)) + "</cols>")
    parts.append(f'<sheetData>{"".join(out)}</sheetData>')
    if banner_row:
        # The banner row turns red with white text while the banner has text.
        parts.append(f'<conditionalFormatting sqref="A{banner_row}:{last_col}{banner_row}">'
                     f'<cfRule type="expression" dxfId="0" priority="1">'
                     f"<formula>LEN($A${banner_row})&gt;0</formula></cfRule>"
                     "</conditionalFormatting>")
    printed = content.widths[: content.print_area_columns] if content.print_area_columns \
        else content.widths
    parts.append(f'<pageMargins left="{SIDE_MARGIN_IN}" right="{SIDE_MARGIN_IN}" top="0.75" '
                 'bottom="0.75" header="0.3" footer="0.3"/>'
                 f'<pageSetup paperSize="9" scale="{print_scale(printed)}" '
                 'pageOrder="overThenDown" orientation="landscape"/>')
    if content.page_header:
        # Not scaled with the sheet, and 11 pt even where a program scales it anyway (to 8 pt).
        header = content.page_header.replace("&", "&&")
        parts.append('<headerFooter scaleWithDoc="0">'
                     f"<oddHeader>{escape(f'&C&{DEFAULT_FONT_PT} {header}')}</oddHeader>"
                     f"<oddFooter>{escape(f'&R&{DEFAULT_FONT_PT} Side &P av &N')}</oddFooter>"
                     "</headerFooter>")
    parts.append("</worksheet>")
    return "".join(parts)


def _pane(freeze: str | None) -> str:
    if not freeze:
        return ""
    m = re.fullmatch(r"([A-Z]+)(\d+)", freeze)
    assert m is not None, freeze
    col = sum((ord(ch) - 64) * 26 ** k for k, ch in enumerate(reversed(m.group(1)))) - 1
    row = int(m.group(2)) - 1
    split = (f' xSplit="{col}"' if col else "") + (f' ySplit="{row}"' if row else "")
    pane = "bottomRight" if col and row else ("topRight" if col else "bottomLeft")
    return (f'<pane{split} topLeftCell="{freeze}" activePane="{pane}" state="frozen"/>'
            f'<selection pane="{pane}"/>')


def _print_names(content: SheetContent, index: int) -> list[str]:
    quoted = "'" + content.name.replace("'", "''") + "'"
    out = []
    titles = []
    scale = print_scale(content.widths[: content.print_area_columns]
                        if content.print_area_columns else content.widths)
    if content.print_columns and scale == MIN_SCALE:
        first, _, last = content.print_columns.partition(":")
        titles.append(f"{quoted}!${first}:${last or first}")
    if content.print_rows:
        first, _, last = content.print_rows.partition(":")
        titles.append(f"{quoted}!${first}:${last or first}")
    if titles:
        out.append(f'<definedName name="_xlnm.Print_Titles" localSheetId="{index}">'
                   f'{escape(",".join(titles))}</definedName>')
    if content.print_area_columns:
        last_col = column_letter(content.print_area_columns)
        out.append(f'<definedName name="_xlnm.Print_Area" localSheetId="{index}">'
                   f"{escape(f'{quoted}!$A$1:${last_col}${max(len(content.rows), 1)}')}"
                   "</definedName>")
    return out


def build_scratch(contents: Sequence[SheetContent], path: Path) -> None:
    """One scratch workbook holding ``contents`` as sheets, saved to ``path``."""
    styles = _Styles()
    sheets = [sheet_xml(content, styles) for content in contents]
    names = [n for k, content in enumerate(contents) for n in _print_names(content, k)]
    workbook = (f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
                f'<workbook xmlns="{MAIN}" xmlns:r="{REL}"><bookViews><workbookView/>'
                "</bookViews><sheets>"
                + "".join(f'<sheet name={quoteattr(c.name)} sheetId="{k}" r:id="rId{k}"/>'
                          for k, c in enumerate(contents, start=1))
                + "</sheets>"
                + (f"<definedNames>{''.join(names)}</definedNames>" if names else "")
                + "</workbook>")
    pkg = "http://schemas.openxmlformats.org/package/2006"
    sheet_ct = "application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"
    types = (f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
             f'<Types xmlns="{pkg}/content-types">'
             '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.'
             'relationships+xml"/><Default Extension="xml" ContentType="application/xml"/>'
             '<Override PartName="/xl/workbook.xml" ContentType="application/vnd.'
             'openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
             '<Override PartName="/xl/styles.xml" ContentType="application/vnd.'
             'openxmlformats-officedocument.spreadsheetml.styles+xml"/>'
             + "".join(f'<Override PartName="/xl/worksheets/sheet{k}.xml" '
                       f'ContentType="{sheet_ct}"/>' for k in range(1, len(sheets) + 1))
             + "</Types>")
    root_rels = (f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
                 f'<Relationships xmlns="{pkg}/relationships"><Relationship Id="rId1" '
                 f'Type="{REL}/officeDocument" Target="xl/workbook.xml"/></Relationships>')
    wb_rels = (f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
               f'<Relationships xmlns="{pkg}/relationships">'
               + "".join(f'<Relationship Id="rId{k}" Type="{REL}/worksheet" '
                         f'Target="worksheets/sheet{k}.xml"/>' for k in range(1, len(sheets) + 1))
               + f'<Relationship Id="rId{len(sheets) + 1}" Type="{REL}/styles" '
                 'Target="styles.xml"/></Relationships>')
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as zf:
        zf.writestr("[Content_Types].xml", types)
        zf.writestr("_rels/.rels", root_rels)
        zf.writestr("xl/workbook.xml", workbook)
        zf.writestr("xl/_rels/workbook.xml.rels", wb_rels)
        zf.writestr("xl/styles.xml", styles.xml())
        for k, xml in enumerate(sheets, start=1):
            zf.writestr(f"xl/worksheets/sheet{k}.xml", xml)
