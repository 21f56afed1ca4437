"""Change single cell values in the user's input sheets without rewriting anything else.

The user types into the input sheets (*Brøk*, *Til fordeling*, …); the add-in sometimes has to
write there too: a correction, an "X" in *Skal ikke faktureres*, an account added by
"Hent konti". The spec (felleskost.md §9b) says input sheets are edited value by value in
place — never by deleting or rewriting rows, which would shift the user's formats, validations
and comments — and the workbook is never round-tripped through openpyxl (it loses shapes, VBA,
x14 extensions and every cached formula value; tooling-facts.md).

So this module edits the worksheet XML *as text*, at package level, like ``transplant`` does for
the engine's own sheets:

* only the worksheet parts of the named sheets change; every other zip member is copied raw
  (same bytes, member order, timestamps) by ``package.write_package``. ``sharedStrings.xml`` is
  never touched: text is written as an inline string. If an overwritten cell held a formula,
  ``xl/calcChain.xml`` goes (with its relationship and content-type override) — Excel rebuilds
  it, while a chain naming a cell without formula makes Excel "repair" the file;
* each sheet is edited in one pass over its XML: only the start tags of ``<row>`` elements are
  looked at, and only the rows that get an edit are taken apart; everything between is copied
  as one slice of text. Prefixes (``<x:c>``), ``mc:Ignorable``, ``x14ac:`` attributes and
  ``extLst`` blocks stay exactly as Excel wrote them. The rewritten fragments are parsed again
  before anything is written;
* a cell keeps its style (``s``); a new cell takes its row's style (``<row s customFormat>``),
  else its column's (``<col style>``), else none. Missing rows and cells are inserted in order;
  ``<dimension>`` and a row's ``spans`` hint are widened when an edit falls outside them.

Values: text → inline string (a leading ``=`` stays text; control characters are removed and the
text is cut at 32 767 characters as ``cells.set_text`` does; ``""`` clears the cell);
``int``/``Decimal``/``float`` → a number written in plain notation (a Decimal exactly as it is);
``bool`` → a boolean; ``date``/``datetime`` → an Excel serial number in the workbook's date
system (1900, or 1904 when ``workbookPr date1904`` is set) — the cell's number format decides
whether it shows as a date; ``None`` → the value (and any formula) goes, the styled cell stays.

Refused, with a Norwegian ``WorkbookError`` naming the cell: a sheet that does not exist or is
not a worksheet; a cell inside a multi-cell array formula or data table (Excel itself refuses to
change part of one); a header cell of an Excel table (Excel requires the header text to equal
the table column's name) unless the new text is that name; dates Excel cannot store and
non-finite numbers. Overwriting the anchor cell of a *shared* formula turns the other cells of
that group into ordinary formulas (translated to their position) so they keep working.

Excel tables grow as they do when the user types under them (``grow_tables``, on by default):
when the edits write a value into the row right below a table's last row, inside the table's
columns, the table takes that row in — and every further row directly below that also gets a
value there; the first row without one ends it. The ``ref`` of ``<table>``, of its
``<autoFilter>`` and of a ``<sortState>`` that ended at the table's last row move down; nothing
else in the table part changes (edited as text, like the sheets), and tables that do not grow
are not touched. Tables never shrink, and clearing cells never grows one. A table is left as it
is, with a warning in ``EditResult.warnings``, when it has a totals row (Excel would insert the
new rows *above* it, which would mean moving cells — we never move cells), when it is bound to
a query or an XML map, or when the grown range would run into another table, a pivot table,
merged cells, a multi-cell array formula or the sheet's own autofilter (Excel refuses all of
those inside a table). Calculated columns are not filled into the new rows: a new row has only
the values written.

Not done here: rows are never deleted or moved; comments, hyperlinks, merged ranges and
validations are left as they are.
"""

from __future__ import annotations

import functools
import math
import re
import zipfile
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from xml.sax.saxutils import unescape as _unescape

from avregn.xlsx.cells import CELL_REF, cell_ref, column_index, parse_cell_ref
from avregn.xlsx.cells import parse_range as _parse_range
from avregn.xlsx.errors import Issue, WorkbookError
from avregn.xlsx.package import (
    MAIN_NS,
    REL_NS,
    RT_CALC_CHAIN,
    RT_WORKSHEET,
    Package,
    SheetEntry,
    WorkbookParts,
    read_workbook_parts,
    write_package,
)
from avregn.xlsx.safety import precheck
from avregn.xlsx.tables import Area, TablePart, area_ref, sheet_tables, table_headers
from avregn.xlsx.tables import grow_tables as grow_table_parts
from avregn.xlsx.xmltext import (
    ATTRS,
    ILLEGAL_CHARS,
    MAX_CELL_TEXT,
    decode,
    escape_text,
    get_attr,
    parse_xml,
    remove_elements,
    root_prefix,
    set_attr,
    start_tag,
)

CellValue = str | int | float | Decimal | date | datetime | bool | None

RT_PIVOT_TABLE = REL_NS + "/pivotTable"

_M = f"{{{MAIN_NS}}}"
# XML 1.0 cannot hold these at all (xmltext.ILLEGAL_CHARS covers the C0 controls).
_UNENCODABLE = re.compile("[\ud800-\udfff\ufffe\uffff]")
_R_ATTR = re.compile(r"""\sr\s*=\s*(?:"([^"]*)"|'([^']*)')""")
_CELL_DROP_ATTRS = re.compile(r"""\s(?:t|cm|vm)\s*=\s*(?:"[^"]*"|'[^']*')""")
_F_DROP_ATTRS = re.compile(r"""\s(?:t|si|ref)\s*=\s*(?:"[^"]*"|'[^']*')""")
_XMLNS = re.compile(r"""\sxmlns(?::[\w.-]+)?\s*=\s*(?:"[^"]*"|'[^']*')""")
_EPOCH_1900 = date(1899, 12, 30)
_EPOCH_1904 = date(1904, 1, 1)
_EXCEL_MAX_NUMBER = Decimal("9.99999999999999E+307")


@dataclass(slots=True)
class EditResult:
    """What ``set_cell_values`` did; every part not in ``changed_parts``/``removed_parts`` of
    the output is byte-identical to the input's."""

    sheets: list[str] = field(default_factory=list)  # sheet names as the workbook spells them
    cells: int = 0  # cells written or cleared
    formulas_overwritten: list[str] = field(default_factory=list)  # "Ark!C7"
    changed_parts: list[str] = field(default_factory=list)
    removed_parts: list[str] = field(default_factory=list)
    grown_tables: tuple[str, ...] = ()  # "Kostnadslinjer A3:F13": each grown table, new ref
    # Things the user should know that did not stop the edit (a table that could not grow).
    warnings: tuple[Issue, ...] = ()


# --------------------------------------------------------------------------------------------
# Cell references and values
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Value:
    """A value as it goes into the XML: ``t`` attribute and the text of ``<v>``/``<is><t>``."""

    t: str | None  # None (number), "b", "inlineStr"
    text: str | None  # None: clear the cell


_CLEAR = _Value(None, None)


def _plain_number(d: Decimal) -> str:
    if d == 0:
        d = d.copy_abs()  # no "-0"
    return format(d, "f")


def _clean_text(value: str) -> str:
    return _UNENCODABLE.sub("", ILLEGAL_CHARS.sub("", value))[:MAX_CELL_TEXT]


def _date_serial(value: date, date1904: bool) -> Decimal | None:
    """Excel's serial number for ``value``; None if Excel cannot store it."""
    day = value.date() if isinstance(value, datetime) else value
    if date1904:
        days = (day - _EPOCH_1904).days
        if days < 0:
            return None
    else:
        if day < date(1900, 1, 1):
            return None
        days = (day - _EPOCH_1900).days
        if day < date(1900, 3, 1):
            days -= 1  # Excel counts the 29 February 1900 that never was
    if not isinstance(value, datetime):
        return Decimal(days)
    seconds = value.hour * 3600 + value.minute * 60 + value.second + value.microsecond / 1e6
    # The double Excel would hold, written in plain notation (repr may use an exponent).
    return Decimal(repr(days + seconds / 86400))


def _encode(value: object, date1904: bool, where: str) -> _Value:
    """Turn a Python value into what the cell gets; WorkbookError for values Excel can't hold."""
    if value is None:
        return _CLEAR
    if isinstance(value, str):
        text = _clean_text(value)
        return _Value("inlineStr", text) if text else _CLEAR
    if isinstance(value, bool):
        return _Value("b", "1" if value else "0")
    if isinstance(value, int):
        return _Value(None, str(value))
    if isinstance(value, float):
        if not math.isfinite(value):
            raise WorkbookError(Issue(where, f"Tallet {value} kan ikke lagres i Excel."))
        return _Value(None, _plain_number(Decimal(repr(value))))
    if isinstance(value, Decimal):
        if not value.is_finite() or abs(value) > _EXCEL_MAX_NUMBER:
            raise WorkbookError(Issue(where, f"Tallet {value} kan ikke lagres i Excel."))
        return _Value(None, _plain_number(value))
    if isinstance(value, date):
        if isinstance(value, datetime) and value.tzinfo is not None:
            raise ValueError(f"{where}: Excel has no time zones; pass a naive datetime")
        serial = _date_serial(value, date1904)
        if serial is None:
            first = "1904" if date1904 else "1900"
            raise WorkbookError(
                Issue(
                    where,
                    f"Datoen {value:%d.%m.%Y} er før {first} og kan ikke lagres som dato i Excel.",
                )
            )
        return _Value(None, _plain_number(serial))
    raise TypeError(f"{where}: cannot write a {type(value).__name__} into a cell")


# --------------------------------------------------------------------------------------------
# Editing one worksheet part
# --------------------------------------------------------------------------------------------


@dataclass(slots=True)
class _Cell:
    """An existing cell inside a row being edited: column and its slice of the sheet text."""

    col: int
    start: int
    end: int
    tag_end: int  # end of the start tag
    attrs: str  # attribute text of the start tag
    empty: bool  # self-closing
    has_r: bool


class _SheetEditor:
    def __init__(
        self,
        data: bytes,
        sheet: str,
        edits: dict[int, dict[int, _Value]],
        protected: dict[tuple[int, int], str | None],
    ):
        self.text, self.encoding = decode(data)
        self.sheet = sheet
        self.edits = edits
        # Cells that must not change: (row, col) -> the only text allowed there (None: none).
        self.protected = protected
        self.p = root_prefix(self.text, "worksheet")
        p = re.escape(self.p)
        self.row_re = start_tag(self.p, "row")
        self.cell_re = start_tag(self.p, "c")
        self.f_re = re.compile(rf"<{p}f({ATTRS})\s*(?:/>|>([^<]*)</{p}f>)")
        self.ext_re = re.compile(rf"<{p}extLst[\s>].*?</{p}extLst>", re.S)
        self.cell_close = f"</{self.p}c>"
        self.row_close = f"</{self.p}row>"
        self.problems: list[Issue] = []
        self.formulas: list[str] = []
        self.cells = 0
        self.broken_shared: dict[str, tuple[str, str]] = {}  # si -> (formula, anchor ref)
        self.fragments: list[str] = []  # rewritten XML, re-parsed before writing
        self.touched: list[tuple[int, int]] = []  # (row, col) of cells written or cleared
        self.col_styles: list[tuple[int, int, str]] = []
        # Multi-cell array formulas and data tables: (area, ref as written).
        self.array_areas: list[tuple[tuple[int, int, int, int], str]] = []

    # -- the whole sheet --------------------------------------------------------------------

    def run(self) -> bytes:
        text, p = self.text, self.p
        m = start_tag(p, "sheetData").search(text)
        if m is None:
            raise WorkbookError(
                Issue(self.sheet, "Arket mangler <sheetData>; arbeidsboken er trolig skadet.")
            )
        head = text[: m.start()]
        for col in start_tag(p, "col").finditer(head):
            style = get_attr(col.group(1), "style")
            lo, hi = get_attr(col.group(1), "min"), get_attr(col.group(1), "max")
            if style and lo and hi and lo.isdigit() and hi.isdigit():
                self.col_styles.append((int(lo), int(hi), style))
        self._check_array_formulas()
        self._check_protected()
        if self.problems:
            raise WorkbookError(self.problems)

        if m.group(2) == "/":  # <sheetData/>
            body = self._rows_between(m.end(), m.end())
            pieces = [f"<{p}sheetData{m.group(1)}>", body, f"</{p}sheetData>", text[m.end() :]]
        else:
            close = text.index(f"</{p}sheetData>", m.end())
            pieces = [text[m.start() : m.end()], self._rows_between(m.end(), close), text[close:]]
        if self.problems:
            raise WorkbookError(self.problems)
        # <dimension> comes before <sheetData>; the sheet text is joined only once.
        text = "".join([self._widen_dimension(head), *pieces])
        if self.broken_shared:
            text = self._unshare(text)
        self._validate()
        return text.encode(self.encoding)

    def _check_array_formulas(self) -> None:
        """Refuse edits inside a multi-cell array formula or data table."""
        if "array" not in self.text and "dataTable" not in self.text:
            return
        pattern = re.compile(
            rf"<{re.escape(self.p)}f\s[^>]*?\bt\s*=\s*[\"'](?:array|dataTable)[\"'][^>]*>"
        )
        areas = self.array_areas
        for m in pattern.finditer(self.text):
            ref = get_attr(m.group(0), "ref") or ""
            area = _parse_range(ref)
            if area is not None and (area[0], area[1]) != (area[2], area[3]):
                areas.append((area, ref))
        for (r1, c1, r2, c2), ref in areas:
            for row, cols in self.edits.items():
                if not r1 <= row <= r2:
                    continue
                for col in cols:
                    if c1 <= col <= c2:
                        self.problems.append(
                            Issue(
                                f"{self.sheet}!{cell_ref(row, col)}",
                                f"Cellen er en del av en matriseformel eller datatabell ({ref}) "
                                "og kan ikke endres alene. Fjern formelen i Excel først.",
                            )
                        )

    def _check_protected(self) -> None:
        for (row, col), allowed in self.protected.items():
            value = self.edits.get(row, {}).get(col)
            if value is None:
                continue
            if allowed is not None and value.t == "inlineStr" and value.text == allowed:
                continue
            self.problems.append(
                Issue(
                    f"{self.sheet}!{cell_ref(row, col)}",
                    "Cellen er en overskrift i en Excel-tabell og kan ikke endres her; "
                    "Excel krever at overskriften er lik kolonnenavnet i tabellen.",
                )
            )

    def _rows_between(self, start: int, end: int) -> str:
        """The new text of sheetData's content ``text[start:end]``, in one pass."""
        text = self.text
        rows = sorted(self.edits)
        i = 0
        out: list[str] = []
        pos = start
        prev = 0
        for m in self.row_re.finditer(text, start, end):
            attrs = m.group(1)
            rm = _R_ATTR.search(attrs)
            r_text = (rm.group(1) if rm.group(1) is not None else rm.group(2)) if rm else None
            if r_text is not None and r_text.isdigit():
                r = int(r_text)
            elif r_text is None:
                r = prev + 1
            else:
                raise WorkbookError(
                    Issue(self.sheet, f"Ugyldig radnummer «{r_text}» i arket; filen er skadet.")
                )
            if r <= prev:
                raise WorkbookError(
                    Issue(self.sheet, "Radene i arket står i feil rekkefølge; filen er skadet.")
                )
            prev = r
            while i < len(rows) and rows[i] < r:
                out.append(text[pos : m.start()])
                pos = m.start()
                out.append(self._new_row(rows[i]))
                i += 1
            if i < len(rows) and rows[i] == r:
                out.append(text[pos : m.start()])
                new_row, pos = self._edit_row(m, r, r_text is not None)
                out.append(new_row)
                i += 1
            elif r_text is None:
                # A row without r: give it one, so rows inserted before it cannot renumber it.
                out.append(text[pos : m.start()])
                out.append(set_attr(m.group(0), "r", str(r)))
                pos = m.end()
            if i == len(rows):
                # Nothing left to edit: the rest is copied as it is. Rows further down that
                # lack r keep their implied numbers, since nothing is inserted before them.
                break
        out.append(text[pos:end])
        while i < len(rows):
            out.append(self._new_row(rows[i]))
            i += 1
        return "".join(out)

    # -- one row ------------------------------------------------------------------------------

    def _new_cell_style(self, col: int, row_attrs: str | None) -> str | None:
        if row_attrs is not None and get_attr(row_attrs, "customFormat") in ("1", "true"):
            style = get_attr(row_attrs, "s")
            if style is not None:
                return style
        for lo, hi, style in self.col_styles:
            if lo <= col <= hi:
                return style
        return None

    def _new_row(self, r: int) -> str:
        cells = [
            self._new_cell(r, col, value, None)
            for col, value in sorted(self.edits[r].items())
            if value.text is not None
        ]
        if not cells:
            return ""
        fragment = f'<{self.p}row r="{r}">{"".join(cells)}</{self.p}row>'
        self.fragments.append(fragment)
        return fragment

    def _new_cell(self, r: int, col: int, value: _Value, row_attrs: str | None) -> str:
        style = self._new_cell_style(col, row_attrs)
        attrs = f' r="{cell_ref(r, col)}"' + (f' s="{style}"' if style is not None else "")
        self.cells += 1
        self.touched.append((r, col))
        return self._cell_xml(attrs, value, "")

    def _cell_xml(self, attrs: str, value: _Value, tail: str) -> str:
        p = self.p
        if value.t is not None:
            attrs += f' t="{value.t}"'
        if value.text is None:
            inner = ""
        elif value.t == "inlineStr":
            inner = f'<{p}is><{p}t xml:space="preserve">{escape_text(value.text)}</{p}t></{p}is>'
        else:
            inner = f"<{p}v>{value.text}</{p}v>"
        inner += tail
        return f"<{p}c{attrs}>{inner}</{p}c>" if inner else f"<{p}c{attrs}/>"

    def _edit_row(self, m: re.Match[str], r: int, had_r: bool) -> tuple[str, int]:
        """New XML for the existing row at ``m`` and the position where the old one ended."""
        text, row_tag, row_attrs = self.text, m.group(0), m.group(1)
        edits = self.edits[r]
        if m.group(2) == "/":
            content_start = content_end = end = m.end()
        else:
            content_start = m.end()
            content_end = text.index(self.row_close, content_start)
            end = content_end + len(self.row_close)
        cells = self._cells(content_start, content_end, r)
        tail_start = cells[-1].end if cells else content_start
        tail = text[tail_start:content_end]  # whitespace or the row's extLst

        out: list[str] = []
        existing = {c.col: c for c in cells}
        new_cols: list[int] = []
        for col in sorted(set(existing) | set(edits)):
            cell = existing.get(col)
            value = edits.get(col)
            if cell is None:
                if value is not None and value.text is not None:
                    out.append(self._new_cell(r, col, value, row_attrs))
                    new_cols.append(col)
            elif value is None:
                raw = text[cell.start : cell.end]
                if not cell.has_r:
                    raw = self._with_r(cell, r) + text[cell.tag_end : cell.end]
                out.append(raw)
            else:
                out.append(self._rewrite_cell(cell, r, value))

        if not had_r:
            row_tag = set_attr(row_tag, "r", str(r))
        if new_cols:
            row_tag = _widen_spans(row_tag, min(new_cols), max(new_cols))
        if row_tag.endswith("/>"):
            row_tag = row_tag[:-2].rstrip() + ">"
        fragment = f"{row_tag}{''.join(out)}{tail}{self.row_close}"
        self.fragments.append(fragment)
        return fragment, end

    def _cells(self, start: int, end: int, r: int) -> list[_Cell]:
        text = self.text
        cells: list[_Cell] = []
        pos, prev = start, 0
        while True:
            m = self.cell_re.search(text, pos, end)
            if m is None:
                break
            attrs = m.group(1)
            ref = get_attr(attrs, "r")
            if ref is None:
                col = prev + 1
            else:
                cm = CELL_REF.fullmatch(ref)
                if cm is None:
                    raise WorkbookError(
                        Issue(self.sheet, f"Ugyldig cellereferanse «{ref}» i rad {r}.")
                    )
                col = column_index(cm.group(1))
            if col <= prev:
                raise WorkbookError(
                    Issue(
                        self.sheet, f"Cellene i rad {r} står i feil rekkefølge; filen er skadet."
                    )
                )
            prev = col
            if m.group(2) == "/":
                cell_end = m.end()
            else:
                cell_end = text.index(self.cell_close, m.end(), end) + len(self.cell_close)
            cells.append(
                _Cell(col, m.start(), cell_end, m.end(), attrs, m.group(2) == "/", ref is not None)
            )
            pos = cell_end
        return cells

    def _with_r(self, cell: _Cell, r: int) -> str:
        tag = self.text[cell.start : cell.tag_end]
        return set_attr(tag, "r", cell_ref(r, cell.col))

    def _rewrite_cell(self, cell: _Cell, r: int, value: _Value) -> str:
        text = self.text
        inner = "" if cell.empty else text[cell.tag_end : cell.end - len(self.cell_close)]
        ref = cell_ref(r, cell.col)
        f = self.f_re.search(inner)
        if f is not None:
            self.formulas.append(f"{self.sheet}!{ref}")
            f_attrs = f.group(1)
            if get_attr(f_attrs, "t") == "shared" and get_attr(f_attrs, "ref") is not None:
                si = get_attr(f_attrs, "si")
                formula = _xml_unescape(f.group(2) or "")
                if si is not None and formula:
                    self.broken_shared[si] = (formula, ref)
        ext = self.ext_re.search(inner)
        attrs = _CELL_DROP_ATTRS.sub("", cell.attrs)
        if not cell.has_r:
            attrs = f' r="{ref}"' + attrs
        self.cells += 1
        self.touched.append((r, cell.col))
        return self._cell_xml(attrs.rstrip(), value, ext.group(0) if ext else "")

    # -- after the pass -----------------------------------------------------------------------

    def _unshare(self, text: str) -> str:
        """Cells that shared a formula with an overwritten anchor get the formula themselves."""
        from openpyxl.formula.translate import Translator  # only needed in this rare case

        p = re.escape(self.p)
        pattern = re.compile(rf"(<{p}c({ATTRS})\s*>)(\s*)<{p}f({ATTRS})\s*(?:/>|>([^<]*)</{p}f>)")

        def fix(m: re.Match[str]) -> str:
            f_attrs = m.group(4)
            si = get_attr(f_attrs, "si")
            if get_attr(f_attrs, "t") != "shared" or si not in self.broken_shared:
                return m.group(0)
            ref = get_attr(m.group(2), "r")
            formula, anchor = self.broken_shared[si]
            try:
                if ref is None:
                    raise ValueError("cell without r")
                own = Translator("=" + formula, origin=anchor).translate_formula(ref)[1:]
            except Exception:  # openpyxl's tokenizer raises several types on odd formulas
                self.problems.append(
                    Issue(
                        f"{self.sheet}!{anchor}",
                        "Cellen har en delt formel som også brukes av andre celler, og den kan "
                        "ikke flyttes til dem trygt. Fjern eller kopier formelen i Excel først.",
                    )
                )
                return m.group(0)
            new_f = f"<{self.p}f{_F_DROP_ATTRS.sub('', f_attrs)}>{escape_text(own)}</{self.p}f>"
            self.fragments.append(new_f)
            return m.group(1) + m.group(3) + new_f

        text = pattern.sub(fix, text)
        if self.problems:
            raise WorkbookError(self.problems)
        return text

    def _widen_dimension(self, head: str) -> str:
        """``head`` (the sheet text before <sheetData>) with <dimension> covering the edits."""
        text = head
        if not self.touched:
            return text
        m = start_tag(self.p, "dimension").search(text)
        if m is None:
            return text
        old = get_attr(m.group(1), "ref") or ""
        area = _parse_range(old)
        if area is None:
            return text
        r1, c1, r2, c2 = area
        rows = [r for r, _ in self.touched]
        cols = [c for _, c in self.touched]
        new = (min(r1, *rows), min(c1, *cols), max(r2, *rows), max(c2, *cols))
        if new == area:
            return text
        ref = f"{cell_ref(new[0], new[1])}:{cell_ref(new[2], new[3])}"
        tag = set_attr(m.group(0), "ref", ref)
        self.fragments.append(tag)
        return text[: m.start()] + tag + text[m.end() :]

    def _validate(self) -> None:
        """Parse what we wrote, with the root's namespace declarations in scope."""
        if not self.fragments:
            return
        root = re.search(rf"<{re.escape(self.p)}worksheet\b[^>]*>", self.text)
        decls = "".join(_XMLNS.findall(root.group(0))) if root else ""
        wrapper = f"<avregn-check{decls}>{''.join(self.fragments)}</avregn-check>"
        parse_xml(wrapper.encode("utf-8"), self.sheet)


def _widen_spans(row_tag: str, lo: int, hi: int) -> str:
    spans = get_attr(row_tag, "spans")
    if spans is None:
        return row_tag
    numbers = [int(n) for n in re.findall(r"\d+", spans)]
    if not numbers:
        return row_tag
    new = f"{min(lo, *numbers)}:{max(hi, *numbers)}"
    return row_tag if new == spans else set_attr(row_tag, "spans", new)


def _xml_unescape(value: str) -> str:
    return _unescape(value, {"&quot;": '"', "&apos;": "'"}) if "&" in value else value


def _obstacles(
    pkg: Package, sheet_part: str, editor: _SheetEditor, tables: list[TablePart]
) -> list[tuple[Area, str]]:
    """What a table may not grow into, with how to name it to the user."""
    found: list[tuple[Area, str]] = [
        (t.area, f"tabellen «{t.name}» ({area_ref(t.area)})") for t in tables
    ]
    found += [(area, f"en matriseformel ({ref})") for area, ref in editor.array_areas]
    p = re.escape(editor.p)
    pattern = re.compile(rf"<{p}(mergeCell|autoFilter)({ATTRS})\s*/?>")
    for m in pattern.finditer(editor.text):
        ref = get_attr(m.group(2), "ref") or ""
        area = _parse_range(ref)
        if area is None:
            continue
        what = "sammenslåtte celler" if m.group(1) == "mergeCell" else "arkets autofilter"
        found.append((area, f"{what} ({ref})"))
    for rel in pkg.rels(sheet_part):
        part = None if rel.type != RT_PIVOT_TABLE or rel.external else pkg.find(rel.part)
        if part is None:
            continue
        root = parse_xml(pkg.read(part), part)
        location = root.find(f"{_M}location")
        ref = location.get("ref", "") if location is not None else ""
        area = _parse_range(ref)
        if area is not None:
            found.append((area, f"pivottabellen «{root.get('name', '')}» ({ref})"))
    return found


def _sheets_by_name(
    pkg: Package, wb: WorkbookParts, wanted: Mapping[str, tuple[str, object]]
) -> dict[str, SheetEntry]:
    """The workbook's sheets by casefolded name; WorkbookError naming every missing one."""
    by_name = {s.name.casefold(): s for s in wb.sheets}
    missing = [given for key, (given, _) in wanted.items() if key not in by_name]
    if missing:
        raise WorkbookError(
            [Issue(pkg.label, f"Arbeidsboken har ikke arket «{name}».") for name in missing]
        )
    return by_name


def _normalise(
    edits: Mapping[str, Mapping[str, CellValue]],
) -> dict[str, tuple[str, dict[tuple[int, int], CellValue]]]:
    """casefolded sheet name -> (name as given, {(row, col): value})."""
    result: dict[str, tuple[str, dict[tuple[int, int], CellValue]]] = {}
    for sheet, cells in edits.items():
        key = sheet.casefold()
        if key in result:
            raise ValueError(f"Sheet named twice (Excel ignores case): {sheet!r}")
        parsed: dict[tuple[int, int], CellValue] = {}
        for ref, value in cells.items():
            rc = parse_cell_ref(ref)
            if rc in parsed:
                raise ValueError(f"Cell {ref!r} on sheet {sheet!r} given twice")
            parsed[rc] = value
        result[key] = (sheet, parsed)
    return result


def set_cell_values(
    target: Path,
    out: Path,
    edits: Mapping[str, Mapping[str, CellValue]],
    *,
    grow_tables: bool = True,
) -> EditResult:
    """Write a copy of ``target`` to ``out`` with the given cells set.

    ``edits`` maps a sheet name (matched case-insensitively, as Excel does) to ``{"C7": value}``.
    With ``grow_tables`` an Excel table takes in the rows written right below it (see the
    module docstring); ``EditResult.grown_tables`` says which grew, ``warnings`` which could not.
    Raises ``WorkbookError`` (Norwegian problems) for a missing sheet, a refused cell or a value
    Excel cannot hold, before anything is written; ValueError/TypeError for malformed
    arguments. ``out`` must differ from ``target``; ``save.save_atomic`` puts it in place.
    """
    target, out = Path(target), Path(out)
    if out.resolve() == target.resolve():
        raise ValueError("out must not be the target itself; use save_atomic")
    wanted = _normalise(edits)
    problems = precheck(target)
    if problems:
        raise WorkbookError(problems)
    with zipfile.ZipFile(target) as zf:
        pkg = Package(zf, target.name)
        return _edit_package(pkg, wanted, out, grow_tables=grow_tables)


def _edit_package(
    pkg: Package,
    wanted: dict[str, tuple[str, dict[tuple[int, int], CellValue]]],
    out: Path,
    *,
    grow_tables: bool,
) -> EditResult:
    wb = read_workbook_parts(pkg)
    by_name = _sheets_by_name(pkg, wb, wanted)
    date1904 = wb.date1904
    result = EditResult()
    changed: dict[str, bytes] = {}
    problems: list[Issue] = []
    plans: list[tuple[SheetEntry, dict[int, dict[int, _Value]]]] = []
    for key, (_, cells) in wanted.items():
        sheet = by_name[key]
        if sheet.rel_type != RT_WORKSHEET or sheet.part is None or pkg.find(sheet.part) is None:
            problems.append(
                Issue(pkg.label, f"«{sheet.name}» er ikke et vanlig regneark (diagramark?).")
            )
            continue
        rows: dict[int, dict[int, _Value]] = {}
        for (row, col), value in sorted(cells.items()):
            try:
                encoded = _encode(value, date1904, f"{sheet.name}!{cell_ref(row, col)}")
            except WorkbookError as exc:
                problems.extend(exc.problems)
                continue
            rows.setdefault(row, {})[col] = encoded
        plans.append((sheet, rows))
    if problems:
        raise WorkbookError(problems)

    for sheet, rows in plans:
        result.sheets.append(sheet.name)
        if not rows:
            continue
        assert sheet.part is not None
        part = pkg.find(sheet.part) or sheet.part
        tables = sheet_tables(pkg, part)
        editor = _SheetEditor(pkg.read(part), sheet.name, rows, table_headers(tables))
        changed[part] = editor.run()
        result.cells += editor.cells
        result.formulas_overwritten += editor.formulas
        if grow_tables and tables:
            filled = {
                r: {c for c, v in cells.items() if v.text is not None}
                for r, cells in editor.edits.items()
            }
            parts, grown, warnings = grow_table_parts(
                pkg, sheet.name, tables, filled, functools.partial(
                    _obstacles, pkg, part, editor, tables)
            )
            changed.update(parts)
            result.grown_tables += tuple(grown)
            result.warnings += tuple(warnings)

    removed: set[str] = set()
    calc_rel = wb.rel_of_type(RT_CALC_CHAIN)
    if result.formulas_overwritten and calc_rel is not None:
        rels_name = pkg.rels_name(wb.part)
        if rels_name is not None:
            text, enc = decode(pkg.read(rels_name))
            text = remove_elements(text, "Relationships", "Relationship", "Id", {calc_rel.id})
            parse_xml(text.encode(enc), rels_name)
            changed[rels_name] = text.encode(enc)
        calc_part = pkg.find(calc_rel.part)
        if calc_part is not None:
            removed.add(calc_part)
            ct_name = pkg.find("[Content_Types].xml") or "[Content_Types].xml"
            raw = pkg.read(ct_name)
            text, enc = decode(raw)
            text = remove_elements(
                text, "Types", "Override", "PartName", {"/" + calc_part}, casefold=True
            )
            if text.encode(enc) != raw:
                parse_xml(text.encode(enc), ct_name)
                changed[ct_name] = text.encode(enc)

    write_package(pkg, out, changed, [], removed)
    result.changed_parts = sorted(changed)
    result.removed_parts = sorted(removed)
    return result


__all__ = [
    "CellValue",
    "EditResult",
    "parse_cell_ref",
    "set_cell_values",
]
