"""Bringing a workbook of an older layout version up to date, in place (spec §9b).

Every change of the layout (``avregn.workbook.layout``) bumps ``LAYOUT_VERSION``; a workbook
says which version it follows in *Avregning*'s version cell («Malversjon 2»; none means
version 1). The reader still reads the previous version, and ``avregn oppgrader`` brings it
forward here, step by step.

As with every write to a user's workbook, nothing goes through openpyxl and no sheet row is
deleted or moved: values are set in place (``cell_edit.set_cell_values``), and a second pass
edits only what a value edit cannot — the style index of the cells and columns that change
look, the Excel tables that gain columns and the defined names. Styles are never invented: a
new cell takes the style of the cell the template gives the same look (a label the style of
the label above it), and a text-formatted column the same style with the number format ``@``
(built-in format 49) — one ``<xf>`` added per style that needs a text twin. New optional
columns and settings start empty. Before anything is written, every cell the upgrade would
write must be empty or hold what the previous version's template had there; otherwise the
upgrade refuses and names the cell, so nothing the user typed is overwritten.

Version 1 → 2:

* *Avregning*: the version cell; the form «Adresse og fakturering» (the owner's address and
  the accounting system's codes) where version 1 had its short guide, and the guide below it;
  the status cell stays where it was, but the defined name ``Innstillinger`` no longer covers
  it (the worksheet functions' block does not change when the status does); a defined name per
  new setting (``avregn.owner_address.city`` …) and ``Fakturering`` for the new form.
* *Brøk*: the columns Fakturaadresse, Postnummer and Poststed after Eksportert (✗ and
  Eksportert keep their places); the table ``Kontraktsobjekter`` takes them in.
* *Kontovalg*: the column Transaksjonstype; the table takes it in.
* Id, KontoNr, Kontraktsnr, Fakturanr and Kunde-id columns (and postcodes) are text-formatted,
  the columns and the cells already in them (a value keeps its type; what is typed from now on
  stays text).
"""

from __future__ import annotations

import re
import shutil
import tempfile
import zipfile
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from avregn.workbook import layout
from avregn.workbook.layout import Table, column_index, column_letter
from avregn.workbook.reader import layout_version
from avregn.workbook.textnum import normalise
from engine.problems import Problem

TEXT_FORMAT_ID = 49  # Excel's built-in number format "@"

# What version 1's template had in the cells the upgrade writes: *Avregning*'s guide from row
# 20 (version 2 did not change its text, only moved it below the new form).
_V1_GUIDE_ROW = 20
_V1_GUIDE = tuple(text for text, _ in layout.INSTRUCTIONS)

# Text-formatted columns of version 2, per sheet (the fields of ``layout``'s tables).
_TEXT_COLUMNS: tuple[tuple[Table, tuple[str, ...]], ...] = (
    (layout.CONTRACT_OBJECTS, ("id", "contract_no", "customer_id", "address.lines",
                               "address.postcode")),
    (layout.COST_LINES, ("account",)),
    (layout.ADJUSTMENTS, ("object", "account")),
    (layout.INVOICES, ("object", "invoice_no")),
    (layout.ACCOUNT_SELECTION, ("account", "transaction_type")),
)
_SHEET_OF = {sheet.block.name: sheet.name for sheet in layout.INPUT_SHEETS}


@dataclass
class Plan:
    """What an upgrade writes: values per sheet, and the styles they need."""

    values: dict[str, dict[str, Any]] = field(default_factory=dict)
    # sheet → cell → the cell whose style it takes ("" = keep the cell's own); text=True adds @
    styles: dict[str, dict[str, tuple[str, bool]]] = field(default_factory=dict)
    # sheet → column index → (column whose style it takes, text, width or None)
    columns: dict[str, dict[int, tuple[int, bool, float | None]]] = field(default_factory=dict)
    tables: dict[str, Table] = field(default_factory=dict)  # table name → its v2 declaration
    names: dict[str, str] = field(default_factory=dict)  # defined name → reference

    def value(self, sheet: str, ref: str, value: Any, like: str, text: bool = False) -> None:
        self.values.setdefault(sheet, {})[ref] = value
        self.styles.setdefault(sheet, {})[ref] = (like, text)


def _ref(sheet: str, cell: str) -> str:
    absolute = re.sub(r"([A-Z]+)(\d+)", r"$\1$\2", cell)
    return f"'{sheet}'!{absolute}"


def plan_v1_to_v2(rows: Mapping[str, Sequence[Sequence[Any]] | None]) -> tuple[Plan, list[Problem]]:
    """The edits that bring a version 1 workbook to version 2, and what stands in the way.
    ``rows``: the workbook's input sheets' values from A1 (None: the sheet is missing)."""
    plan = Plan()
    problems: list[Problem] = []
    avregning = layout.AVREGNING.name

    def cell(sheet: str, ref: str) -> Any:
        found = rows.get(sheet)
        match = re.match(r"([A-Z]+)(\d+)$", ref)
        assert match is not None
        r, c = int(match[2]), column_index(match[1])
        if not found or r > len(found) or c > len(found[r - 1]):
            return None
        return found[r - 1][c - 1]

    def free(sheet: str, ref: str, allowed: Iterable[str] = ()) -> None:
        value = cell(sheet, ref)
        if value is None or (isinstance(value, str) and not normalise(value)):
            return
        if isinstance(value, str) and normalise(value) in {normalise(a) for a in allowed}:
            return
        problems.append(Problem(f"{sheet}!{ref}",
                                f"Oppgraderingen skriver her, men cellen har «{value}». Flytt "
                                "det som står her, og kjør «avregn oppgrader» på nytt."))

    for sheet in layout.INPUT_SHEETS:
        if sheet.required and rows.get(sheet.name) is None:
            problems.append(Problem(sheet.name, f"Arket «{sheet.name}» mangler; arbeidsboken "
                                                "kan ikke oppgraderes."))
    if problems:
        return plan, problems

    # --- Avregning ---------------------------------------------------------------------------
    form = layout.INVOICING
    label, value_col, help_col = (column_letter(form.label_col), column_letter(form.value_col),
                                  column_letter(form.help_col))
    settings_last = layout.SETTINGS.last_row
    free(avregning, layout.VERSION_CELL)
    plan.value(avregning, layout.VERSION_CELL, f"{layout.VERSION_LABEL} {layout.LAYOUT_VERSION}",
               "A2")
    guide_rows = {_V1_GUIDE_ROW + i: text for i, text in enumerate(_V1_GUIDE)}
    last_row = layout.INSTRUCTIONS_ROW + len(layout.INSTRUCTIONS) - 1
    for r in range(form.header_row, last_row + 1):
        for col in (label, value_col, help_col):
            free(avregning, f"{col}{r}", [guide_rows[r]] if col == label and r in guide_rows
                 else ())
    for col, text in zip((label, value_col, help_col), form.headers, strict=True):
        header_like = f"{col}{layout.SETTINGS.header_row}"
        plan.value(avregning, f"{col}{form.header_row}", text, header_like)
    for column in form.fields:
        r = form.row(column.field)
        plan.value(avregning, f"{label}{r}", column.header, f"{label}{settings_last}")
        plan.value(avregning, f"{value_col}{r}", None, f"{value_col}{settings_last}",
                   text=column.number_format == layout.FMT_TEXT)
        plan.value(avregning, f"{help_col}{r}", column.help, f"{help_col}{settings_last}")
    # the guide moves down below the new form, each line keeping its look
    for i, (text, _) in enumerate(layout.INSTRUCTIONS):
        old = _V1_GUIDE_ROW + i
        new = layout.INSTRUCTIONS_ROW + i
        plan.value(avregning, f"{label}{new}", text, f"{label}{old}")
    for r in guide_rows:
        ref = f"{label}{r}"
        if ref not in plan.values[avregning]:
            plan.value(avregning, ref, None, "")
    for column in form.fields:
        plan.names[layout.setting_name(column.field)] = _ref(avregning, form.cell(column.field))
    plan.names[form.name] = _ref(avregning, form.ref())
    plan.names[layout.SETTINGS.name] = _ref(avregning, layout.SETTINGS.ref())

    # --- tables that gain columns ---------------------------------------------------------------
    for table in (layout.CONTRACT_OBJECTS, layout.ACCOUNT_SELECTION):
        sheet_name = _SHEET_OF[table.name]
        new_columns = [(table.first_col + i, c) for i, c in enumerate(table.columns)
                       if c.since > 1]
        found = rows.get(sheet_name) or []
        for index, column in new_columns:
            letter = column_letter(index)
            for r in range(table.header_row, len(found) + 1):
                free(sheet_name, f"{letter}{r}")
            like = f"{column_letter(table.first_col)}{table.header_row}"
            plan.value(sheet_name, f"{letter}{table.header_row}", column.header, like)
        plan.tables[table.name] = table

    # --- text-formatted columns and the new columns' look -------------------------------------
    for table, fields in _TEXT_COLUMNS:
        sheet_name = _SHEET_OF[table.name]
        key = table.first_col  # the first column: an input column with the input look
        for field_name in fields:
            index = table.index(field_name)
            column = table.column(field_name)
            col_like = index if column.since <= 1 else key
            width = column.width if column.since > 1 else None
            plan.columns.setdefault(sheet_name, {})[index] = (col_like, True, width)
        for i, column in enumerate(table.columns):
            index = table.first_col + i
            if column.since > 1 and index not in plan.columns.get(sheet_name, {}):
                plan.columns.setdefault(sheet_name, {})[index] = (key, False, column.width)
    return plan, problems


# --- the package pass: styles, tables, names ------------------------------------------------------

_NS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
_REL_NS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_PKG_REL_NS = "http://schemas.openxmlformats.org/package/2006/relationships"


class UpgradeError(Exception):
    """The package is not one the upgrade can edit safely (reported as a problem)."""


def _parse(data: bytes) -> Any:
    from defusedxml import ElementTree

    return ElementTree.fromstring(data, forbid_dtd=True)


def _resolve(base: str, target: str) -> str:
    if target.startswith("/"):
        return target.lstrip("/")
    parts = base.rsplit("/", 1)[0].split("/") if "/" in base else []
    for piece in target.split("/"):
        if piece == "..":
            parts = parts[:-1]
        elif piece and piece != ".":
            parts.append(piece)
    return "/".join(parts)


def _rels(members: Mapping[str, bytes], part: str) -> dict[str, tuple[str, str]]:
    """Relationship id → (type, resolved target part)."""
    folder, _, name = part.rpartition("/")
    rels_name = f"{folder}/_rels/{name}.rels" if folder else f"_rels/{name}.rels"
    if rels_name not in members:
        return {}
    out = {}
    for rel in _parse(members[rels_name]).iter(f"{{{_PKG_REL_NS}}}Relationship"):
        if rel.get("TargetMode") == "External":
            continue
        out[rel.get("Id", "")] = (rel.get("Type", ""), _resolve(part, rel.get("Target", "")))
    return out


class _Styles:
    """``xl/styles.xml``'s cell formats: find an index's text twin (numFmtId 49), adding it once."""

    _CELL_XFS = re.compile(r"(<cellXfs\b[^>]*>)(.*?)(</cellXfs>)", re.DOTALL)
    _XF = re.compile(r"<xf\b[^>]*/>|<xf\b[^>]*>.*?</xf>", re.DOTALL)

    def __init__(self, text: str):
        self.text = text
        found = self._CELL_XFS.search(text)
        if found is None:
            raise UpgradeError("styles.xml har ingen cellXfs")
        self.xfs = self._XF.findall(found.group(2))
        self.added: list[str] = []
        self.twins: dict[int, int] = {}

    def text_twin(self, index: int) -> int:
        if index in self.twins:
            return self.twins[index]
        xfs = self.xfs + self.added
        xf = xfs[index] if 0 <= index < len(xfs) else '<xf numFmtId="0" fontId="0" fillId="0" ' \
                                                      'borderId="0" xfId="0"/>'
        head = re.match(r"<xf\b[^>]*?(/?)>", xf)
        assert head is not None
        tag = head.group(0)
        tag = _set_attr(_set_attr(tag, "numFmtId", str(TEXT_FORMAT_ID)), "applyNumberFormat", "1")
        twin = tag + xf[head.end():]
        if twin in xfs:
            result = xfs.index(twin)
        else:
            self.added.append(twin)
            result = len(xfs)
        self.twins[index] = result
        return result

    def result(self) -> str:
        if not self.added:
            return self.text

        def replace(m: re.Match[str]) -> str:
            total = len(self.xfs) + len(self.added)
            head = _set_attr(m.group(1), "count", str(total))
            return head + m.group(2) + "".join(self.added) + m.group(3)

        return self._CELL_XFS.sub(replace, self.text, count=1)


def _set_attr(tag: str, name: str, value: str) -> str:
    pattern = re.compile(rf'(\s{re.escape(name)}=)(["\'])[^"\']*\2')
    if pattern.search(tag):
        return pattern.sub(rf'\g<1>"{value}"', tag, count=1)
    closing = "/>" if tag.endswith("/>") else ">"
    return f'{tag[:-len(closing)].rstrip()} {name}="{value}"{closing}'


def _get_attr(tag: str, name: str) -> str | None:
    found = re.search(rf'\s{re.escape(name)}=(["\'])([^"\']*)\1', tag)
    return found.group(2) if found else None


_CELL_TAG = re.compile(r'<c\b[^>]*\br="([A-Z]+)(\d+)"[^>]*?/?>')
_ROW = re.compile(r'<row\b[^>]*\br="(\d+)"[^>]*?(?:/>|>.*?</row>)', re.DOTALL)


def _cell_styles(xml: str) -> dict[tuple[int, int], int]:
    out = {}
    for m in _CELL_TAG.finditer(xml):
        s = _get_attr(m.group(0), "s")
        out[(int(m.group(2)), column_index(m.group(1)))] = int(s) if s else 0
    return out


def _col_styles(xml: str) -> dict[int, dict[str, str]]:
    """Column index → the attributes of its ``<col>`` (ranges split into single columns)."""
    out: dict[int, dict[str, str]] = {}
    cols = re.search(r"<cols>(.*?)</cols>", xml, re.DOTALL)
    for tag in re.findall(r"<col\b[^>]*/>", cols.group(1) if cols else ""):
        attrs = dict(re.findall(r'(\w+)="([^"]*)"', tag))
        for index in range(int(attrs.get("min", "1")), int(attrs.get("max", "1")) + 1):
            out[index] = {**attrs, "min": str(index), "max": str(index)}
    return out


def _write_cols(xml: str, cols: Mapping[int, Mapping[str, str]]) -> str:
    body = "".join("<col " + " ".join(f'{k}="{v}"' for k, v in attrs.items()) + "/>"
                   for _, attrs in sorted(cols.items()))
    block = f"<cols>{body}</cols>"
    if re.search(r"<cols>.*?</cols>", xml, re.DOTALL):
        return re.sub(r"<cols>.*?</cols>", lambda _: block, xml, count=1, flags=re.DOTALL)
    return xml.replace("<sheetData", block + "<sheetData", 1)


def _style_cells(xml: str, wanted: Mapping[tuple[int, int], int]) -> str:
    """Set the style of these cells, adding empty cells (and rows) where there are none."""
    by_row: dict[int, dict[int, int]] = {}
    for (r, c), s in wanted.items():
        by_row.setdefault(r, {})[c] = s

    def cell_xml(r: int, c: int, s: int) -> str:
        return f'<c r="{column_letter(c)}{r}" s="{s}"/>'

    def edit_row(m: re.Match[str]) -> str:
        r = int(m.group(1))
        cells = by_row.pop(r, None)
        if not cells:
            return m.group(0)
        text = m.group(0)
        if text.endswith("/>") and "</row>" not in text:
            head = text[:-2].rstrip() + ">"
            return head + "".join(cell_xml(r, c, s) for c, s in sorted(cells.items())) + "</row>"
        pending = dict(cells)

        def restyle(cm: re.Match[str]) -> str:
            c = column_index(cm.group(1))
            before = "".join(cell_xml(r, k, pending.pop(k)) for k in sorted(pending) if k < c)
            if c in pending:
                return before + _set_attr(cm.group(0), "s", str(pending.pop(c)))
            return before + cm.group(0)

        text = _CELL_TAG.sub(restyle, text)
        tail = "".join(cell_xml(r, k, s) for k, s in sorted(pending.items()))
        return text[: -len("</row>")] + tail + "</row>"

    xml = _ROW.sub(edit_row, xml)
    if by_row:  # rows that do not exist yet, in order among the others
        data = re.search(r"<sheetData\s*/>|<sheetData\b[^>]*>(.*?)</sheetData>", xml, re.DOTALL)
        if data is None:
            raise UpgradeError("arket har ingen sheetData")
        body = data.group(1) or ""
        rows = [(int(m.group(1)), m.group(0)) for m in _ROW.finditer(body)]
        for r, cells in by_row.items():
            rows.append((r, f'<row r="{r}">' + "".join(cell_xml(r, c, s) for c, s in
                                                       sorted(cells.items())) + "</row>"))
        rows.sort(key=lambda item: item[0])
        xml = xml[:data.start()] + "<sheetData>" + "".join(t for _, t in rows) + \
            "</sheetData>" + xml[data.end():]
    return xml


def _grow_table(xml: str, table: Table) -> str:
    """The table part of ``table``: its columns and ``ref`` as the layout now has them."""
    ref = _get_attr(re.search(r"<table\b[^>]*>", xml).group(0), "ref")  # type: ignore[union-attr]
    match = re.fullmatch(r"([A-Z]+)(\d+):([A-Z]+)(\d+)", ref or "")
    if match is None:
        raise UpgradeError(f"tabellen {table.name} har ukjent område {ref}")
    new_ref = f"{match[1]}{match[2]}:{column_letter(table.last_col)}{match[4]}"
    xml = re.sub(r"(<table\b[^>]*\sref=)\"[^\"]*\"", rf'\g<1>"{new_ref}"', xml, count=1)
    xml = re.sub(r"(<autoFilter\b[^>]*\sref=)\"[^\"]*\"", rf'\g<1>"{new_ref}"', xml, count=1)
    block = re.search(r"(<tableColumns\b[^>]*>)(.*?)(</tableColumns>)", xml, re.DOTALL)
    if block is None:
        raise UpgradeError(f"tabellen {table.name} har ingen kolonner")
    existing = re.findall(r"<tableColumn\b[^>]*?(?:/>|>.*?</tableColumn>)", block.group(2),
                          re.DOTALL)
    ids = [int(_get_attr(c, "id") or 0) for c in existing]
    added = []
    for column in table.columns[len(existing):]:
        next_id = max(ids, default=0) + 1
        ids.append(next_id)
        name = column.header.replace("&", "&amp;").replace("<", "&lt;").replace('"', "&quot;")
        added.append(f'<tableColumn id="{next_id}" name="{name}"/>')
    head = _set_attr(block.group(1), "count", str(len(existing) + len(added)))
    return xml[:block.start()] + head + block.group(2) + "".join(added) + block.group(3) + \
        xml[block.end():]


def _set_names(xml: str, names: Mapping[str, str]) -> str:
    def escape(text: str) -> str:
        return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")

    remaining = dict(names)

    def replace(m: re.Match[str]) -> str:
        name = _get_attr(m.group(1), "name")
        if name in remaining and _get_attr(m.group(1), "localSheetId") is None:
            return f"{m.group(1)}{escape(remaining.pop(name))}</definedName>"
        return m.group(0)

    xml = re.sub(r"(<definedName\b[^>]*>)(.*?)</definedName>", replace, xml, flags=re.DOTALL)
    added = "".join(f'<definedName name="{n}">{escape(r)}</definedName>'
                    for n, r in remaining.items())
    if not added:
        return xml
    if "</definedNames>" in xml:
        return xml.replace("</definedNames>", added + "</definedNames>", 1)
    return re.sub(r"(</sheets>)", rf"\1<definedNames>{added}</definedNames>", xml, count=1)


def apply_package_pass(source: Path, out: Path, plan: Plan) -> None:
    """Styles, tables and defined names of ``plan`` into a copy of ``source`` at ``out``."""
    with zipfile.ZipFile(source) as zf:
        infos = zf.infolist()
        members = {info.filename: zf.read(info.filename) for info in infos}
    workbook_part = "xl/workbook.xml"
    workbook = _parse(members[workbook_part])
    rels = _rels(members, workbook_part)
    sheet_parts: dict[str, str] = {}
    sheets = workbook.find(f"{{{_NS}}}sheets")
    for sheet in sheets if sheets is not None else ():
        rel = rels.get(sheet.get(f"{{{_REL_NS}}}id", ""))
        if rel is not None:
            sheet_parts[sheet.get("name", "")] = rel[1]
    styles_part = next((t for kind, t in rels.values() if kind.endswith("/styles")), None)
    if styles_part is None or styles_part not in members:
        raise UpgradeError("arbeidsboken har ingen stiler (styles.xml)")
    styles = _Styles(members[styles_part].decode("utf-8"))
    changed: dict[str, bytes] = {}

    for sheet_name, part in sheet_parts.items():
        cells = plan.styles.get(sheet_name, {})
        columns = plan.columns.get(sheet_name, {})
        if not cells and not columns and not any(_SHEET_OF[t] == sheet_name
                                                 for t in plan.tables):
            continue
        xml = members[part].decode("utf-8")
        if re.search(r"<\w+:worksheet\b", xml):
            raise UpgradeError(f"arket {sheet_name} bruker et navnerom-prefiks")
        current = _cell_styles(xml)
        cols = _col_styles(xml)
        original = {index: dict(attrs) for index, attrs in cols.items()}
        wanted: dict[tuple[int, int], int] = {}
        for ref, (cell_like, text) in cells.items():
            position = _position(ref)
            base = current.get(_position(cell_like), 0) if cell_like else current.get(position, 0)
            if not cell_like and position not in current:
                continue
            wanted[position] = styles.text_twin(base) if text else base
        if columns:
            for index, (col_like, text, width) in columns.items():
                attrs = dict(original.get(index) or original.get(col_like) or
                             {"min": str(index), "max": str(index)})
                attrs["min"] = attrs["max"] = str(index)
                base = int((original.get(col_like) or {}).get("style", "0"))
                attrs["style"] = str(styles.text_twin(base) if text else base)
                if width is not None:
                    attrs["width"], attrs["customWidth"] = str(width), "1"
                cols[index] = attrs
                for (r, c), s in current.items():  # the column's cells below its header
                    if c == index and text and r > _header_row(sheet_name) \
                            and (r, c) not in wanted:
                        wanted[(r, c)] = styles.text_twin(s)
            xml = _write_cols(xml, cols)
        xml = _style_cells(xml, wanted)
        _parse(xml.encode("utf-8"))
        changed[part] = xml.encode("utf-8")
        for rel_type, table_part in _rels(members, part).values():
            if not rel_type.endswith("/table") or table_part not in members:
                continue
            table_xml = members[table_part].decode("utf-8")
            name = _get_attr(re.search(r"<table\b[^>]*>", table_xml).group(0),  # type: ignore
                             "displayName")
            if name in plan.tables:
                grown = _grow_table(table_xml, plan.tables[name])
                _parse(grown.encode("utf-8"))
                changed[table_part] = grown.encode("utf-8")

    style_text = styles.result()
    _parse(style_text.encode("utf-8"))
    changed[styles_part] = style_text.encode("utf-8")
    names = _set_names(members[workbook_part].decode("utf-8"), plan.names)
    _parse(names.encode("utf-8"))
    changed[workbook_part] = names.encode("utf-8")

    with zipfile.ZipFile(out, "w", allowZip64=True) as zout:
        for info in infos:
            clone = zipfile.ZipInfo(info.filename, info.date_time)
            clone.compress_type = info.compress_type
            clone.external_attr = info.external_attr
            zout.writestr(clone, changed.get(info.filename, members[info.filename]))


def _position(ref: str) -> tuple[int, int]:
    match = re.fullmatch(r"([A-Z]+)(\d+)", ref)
    assert match is not None, ref
    return int(match[2]), column_index(match[1])


def _header_row(sheet_name: str) -> int:
    block = layout.SHEET_BY_NAME[sheet_name].block
    return block.header_row


@dataclass(frozen=True)
class UpgradeResult:
    from_version: int
    to_version: int
    problems: tuple[Problem, ...] = ()
    changes: tuple[str, ...] = ()

    @property
    def ok(self) -> bool:
        return not self.problems


def describe_v1_to_v2() -> tuple[str, ...]:
    return (
        "Avregning: malversjon, «Adresse og fakturering» (eiers adresse, transaksjonstyper, "
        "honorarkonto, mva-koder); statuscellen står utenfor Innstillinger",
        "Brøk: Fakturaadresse, Postnummer, Poststed",
        "Kontovalg: Transaksjonstype",
        "Id, KontoNr, Kontraktsnr, Fakturanr og Kunde-id er tekstformatert",
    )


def upgrade_file(path: Path, rows: Mapping[str, Sequence[Sequence[Any]] | None], *,
                 backup: bool = True) -> UpgradeResult:
    """Bring the workbook at ``path`` to ``layout.LAYOUT_VERSION`` in place (with the usual
    backup). ``rows``: its input sheets' values, as the book port reads them."""
    from avregn.workbook.cell_edit import set_cell_values
    from avregn.workbook.package import WorkbookError, save_atomic

    version = layout_version(rows.get(layout.AVREGNING.name)) or 1
    if version >= layout.LAYOUT_VERSION:
        return UpgradeResult(version, version)
    plan, problems = plan_v1_to_v2(rows)
    if problems:
        return UpgradeResult(version, layout.LAYOUT_VERSION, tuple(problems))

    def write(tmp: Path) -> None:
        with tempfile.TemporaryDirectory(prefix="avregn-") as work:
            staged = Path(work) / f"values{path.suffix}"
            set_cell_values(path, staged, plan.values, grow_tables=False)
            styled = Path(work) / f"styled{path.suffix}"
            apply_package_pass(staged, styled, plan)
            shutil.copyfile(styled, tmp)

    try:
        save_atomic(write, path, backup=backup)
    except UpgradeError as exc:
        return UpgradeResult(version, layout.LAYOUT_VERSION, (Problem(
            path.name, f"Arbeidsboken kan ikke oppgraderes automatisk ({exc}). Lag en ny med "
                       "«avregn mal» og kopier inndataene over."),))
    except WorkbookError as exc:
        return UpgradeResult(version, layout.LAYOUT_VERSION, tuple(exc.problems))
    return UpgradeResult(version, layout.LAYOUT_VERSION, (), describe_v1_to_v2())

