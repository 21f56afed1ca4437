"""Write the engine's sheets into a user's workbook without touching anything else in it.

The user's settlement workbook may carry VBA, shapes, charts, pictures, comments, x14 data
validation, conditional formats, defined names and cached formula values. openpyxl's load → save
loses several of these (shapes, x14 extensions, VBA without ``keep_vba``, every cached value), so
we never round-trip the user's file through openpyxl. Instead:

1. the caller builds the engine's sheets (*Beregning*, *Status*, …) in a scratch workbook with
   openpyxl and saves it (``set_text`` keeps text that looks like a formula as text);
2. ``transplant_sheets`` copies those worksheet parts into the user's package: a sheet of the same
   name is replaced in place (same sheetId, r:id and tab position), a missing one is added; the
   scratch workbook's styles are appended to the user's ``styles.xml`` (deduplicated) and the
   cells' style indexes remapped; shared strings become inline strings so the user's
   ``sharedStrings.xml`` is untouched; anything in the scratch sheet that points to other parts
   (drawings, tables, external hyperlinks) is dropped — engine sheets are plain cells;
3. ``save_atomic`` writes to a temporary file next to the workbook, keeps the previous version as
   ``<name>.forrige.<ext>`` and renames into place, refusing (``WorkbookLocked``) while Excel or
   LibreOffice has the file open.

Every other zip member of the user's file is copied unchanged: same content bytes, member order,
compression method and timestamp (deflated members are re-deflated by zlib, so the compressed
stream may differ; the part itself is byte-identical). The parts we must edit — ``workbook.xml``
and its rels (only when a sheet is added), ``[Content_Types].xml``, ``styles.xml`` — are edited
as text, inserting or removing single elements, so namespace prefixes, ``mc:Ignorable`` lists and
extension blocks written by Excel survive; each edited part is re-parsed before it is written.

A replaced sheet's own related parts (comments, VML, drawings, tables, printer settings the user
or an old version put there) are removed when nothing else refers to them, with their
content-type overrides. If the replaced sheet had formulas, ``xl/calcChain.xml`` is dropped too
(Excel rebuilds it; a chain naming vanished formula cells makes Excel "repair" the file).

Not updated, on purpose: ``docProps/app.xml`` (its list of sheet titles is informational; Excel
and LibreOffice ignore it and rewrite it on save) and defined names of the scratch workbook,
except the transplanted sheets' print titles and print areas (sheet-local
``_xlnm.Print_Titles`` / ``_xlnm.Print_Area``), which replace the old sheet's. The engine
owns its sheets: whatever the user put on them (a table, a chart, comments) goes with the old
sheet, and formulas elsewhere that pointed
into such a table break as they would if the user deleted it.

Styles: the scratch book's default look (cellXfs 0, font 0, fill 0/1, border 0) maps to the
user's defaults, so unstyled engine cells look like the user's other cells; fonts that leave
name or size open (openpyxl's ``Font(bold=True)``) take them from the user's default font.
Appended elements are deduplicated by content, so recalculating adds no new styles.
"""

from __future__ import annotations

import codecs
import contextlib
import copy
import errno
import os
import posixpath
import re
import secrets
import shutil
import sys
import tempfile
import zipfile
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import quote, unquote
from xml.etree import ElementTree as ET
from xml.sax.saxutils import escape as _xml_escape
from xml.sax.saxutils import unescape as _xml_unescape

from defusedxml import ElementTree as SafeET

from avregn.workbook.safety import precheck, workbook_part
from engine.problems import Problem, ProblemsError

MAIN_NS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
STRICT_MAIN_NS = "http://purl.oclc.org/ooxml/spreadsheetml/main"
REL_NS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
PKG_REL_NS = "http://schemas.openxmlformats.org/package/2006/relationships"
CT_NS = "http://schemas.openxmlformats.org/package/2006/content-types"
XML_NS = "http://www.w3.org/XML/1998/namespace"

RT_WORKSHEET = REL_NS + "/worksheet"
RT_STYLES = REL_NS + "/styles"
RT_SHARED_STRINGS = REL_NS + "/sharedStrings"
RT_CALC_CHAIN = REL_NS + "/calcChain"
CT_WORKSHEET = "application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"

BACKUP_INFIX = ".forrige"
# Temporary files are written next to the workbook so os.replace stays on one file system.
TEMP_PREFIX = "~avregn-"

_M = f"{{{MAIN_NS}}}"
_M_LEN = len(_M)
_XML = f"{{{XML_NS}}}"
_R = f"{{{REL_NS}}}"


# --------------------------------------------------------------------------------------------
# Errors: they carry Problems (engine.problems) so the edge can print them like other problems.
# --------------------------------------------------------------------------------------------


class WorkbookError(ProblemsError):
    """The workbook cannot be written; ``problems`` says why, in Norwegian."""

    def __init__(self, problems: Problem | Iterable[Problem]):
        super().__init__([problems] if isinstance(problems, Problem) else problems)

    @property
    def problem(self) -> Problem:
        return self.problems[0]


class WorkbookLocked(WorkbookError):
    """The workbook (or its backup) is open in Excel/LibreOffice or otherwise not writable."""


class TransplantError(WorkbookError):
    """The target or the scratch workbook has a shape we cannot safely write into."""


# --------------------------------------------------------------------------------------------
# Text stays text
# --------------------------------------------------------------------------------------------

# Characters Excel cannot store in a cell (XML 1.0 forbids them); openpyxl raises on them.
_ILLEGAL_CHARS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")
MAX_CELL_TEXT = 32767


def set_text(cell: Any, value: object) -> None:
    """Put ``value`` into an openpyxl cell as plain text, never as a formula or an error.

    openpyxl turns a string starting with ``=`` into a formula and ``#N/A`` & co. into error
    values; a tenant named ``=HYPERLINK("…")`` must stay a name. Control characters Excel cannot
    store are removed and the text is cut at Excel's 32 767 characters.
    """
    text = _ILLEGAL_CHARS.sub("", "" if value is None else str(value))[:MAX_CELL_TEXT]
    cell.value = text
    cell.data_type = "s"


# --------------------------------------------------------------------------------------------
# Small helpers for editing XML as text
# --------------------------------------------------------------------------------------------

_ATTRS = r"""(?:\s+[^\s=/>]+\s*=\s*(?:"[^"]*"|'[^']*'))*"""


def _start_tag(prefix: str, local: str) -> re.Pattern[str]:
    """Regex for a start (or empty-element) tag; group 1 = attributes, group 2 = '/' if empty."""
    return re.compile(rf"<{re.escape(prefix)}{local}({_ATTRS})\s*(/?)>")


def _root_prefix(text: str, local: str) -> str:
    """Prefix (with colon, or '') the document uses for its root element ``local``."""
    m = re.search(rf"<(?:([\w.-]+):)?{local}[\s/>]", text)
    if m is None:
        raise TransplantError(Problem("", f"Fant ikke <{local}> i arbeidsboken; filen er skadet."))
    return f"{m.group(1)}:" if m.group(1) else ""


def _ns_prefix(start_tag: str, uri: str) -> str | None:
    m = re.search(rf"""\sxmlns:([\w.-]+)\s*=\s*["']{re.escape(uri)}["']""", start_tag)
    return m.group(1) if m else None


def _get_attr(tag: str, name: str) -> str | None:
    m = re.search(rf"""\s{re.escape(name)}\s*=\s*(?:"([^"]*)"|'([^']*)')""", tag)
    if m is None:
        return None
    raw = m.group(1) if m.group(1) is not None else m.group(2)
    return _xml_unescape(raw, {"&quot;": '"', "&apos;": "'"})


def _set_attr(tag: str, name: str, value: str) -> str:
    pattern = re.compile(rf"""(\s{re.escape(name)}\s*=\s*)(?:"[^"]*"|'[^']*')""")
    new = f'"{_attr(value)}"'
    if pattern.search(tag):
        return pattern.sub(lambda m: m.group(1) + new, tag, count=1)
    end = len(tag) - (2 if tag.endswith("/>") else 1)
    return f"{tag[:end].rstrip()} {name}={new}{tag[end:]}"


_NEEDS_ESCAPE = re.compile(r"""[&<>"\n\r\t]""")


def _attr(value: str) -> str:
    if not _NEEDS_ESCAPE.search(value):
        return value
    return _xml_escape(value, {'"': "&quot;", "\n": "&#10;", "\r": "&#13;", "\t": "&#9;"})


def _decode(data: bytes) -> tuple[str, str]:
    """Decode an XML part, remembering the encoding (and BOM) so we write it back the same way."""
    if data.startswith(codecs.BOM_UTF8):
        return data.decode("utf-8-sig"), "utf-8-sig"
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return data.decode("utf-16"), "utf-16"
    return data.decode("utf-8"), "utf-8"


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def _ns(tag: str) -> str:
    return tag[1:].split("}", 1)[0] if tag.startswith("{") else ""


def _parse(data: bytes, what: str) -> ET.Element:
    try:
        root: ET.Element = SafeET.fromstring(data)
    except Exception as exc:  # defusedxml raises several types; all mean "not usable"
        raise TransplantError(
            Problem(what, f"Delen kan ikke leses som XML ({exc}); filen er trolig skadet.")
        ) from exc
    return root


# --------------------------------------------------------------------------------------------
# The package: zip members, relationships
# --------------------------------------------------------------------------------------------


def _rels_part(part: str) -> str:
    folder, base = posixpath.split(part)
    return posixpath.join(folder, "_rels", base + ".rels")


@dataclass(frozen=True, slots=True)
class _Rel:
    id: str
    type: str
    part: str  # resolved part name (zip member name, case as in the zip if present)
    external: bool


class _Package:
    """Read-only view of an OPC zip: case-insensitive part names, parsed relationships."""

    def __init__(self, zf: zipfile.ZipFile, label: str):
        self.zf = zf
        self.label = label
        self.infos = zf.infolist()
        self.by_lower = {i.filename.lower(): i.filename for i in self.infos}
        self._rels: dict[str, list[_Rel]] = {}

    def find(self, part: str) -> str | None:
        return self.by_lower.get(part.lower())

    def read(self, part: str) -> bytes:
        name = self.find(part)
        if name is None:
            raise TransplantError(Problem(self.label, f"Delen {part} mangler; filen er skadet."))
        return self.zf.read(name)

    def resolve(self, base_part: str, target: str) -> str:
        target = unquote(target)
        if target.startswith("/"):
            part = target.lstrip("/")
        else:
            part = posixpath.join(posixpath.dirname(base_part), target)
        part = posixpath.normpath(part)
        return self.find(part) or part

    def rels(self, part: str) -> list[_Rel]:
        """Relationships *from* ``part`` ('' = the package root)."""
        if part in self._rels:
            return self._rels[part]
        rels_name = "_rels/.rels" if part == "" else _rels_part(part)
        found = self.find(rels_name)
        result: list[_Rel] = []
        if found is not None:
            root = _parse(self.zf.read(found), f"{self.label}:{found}")
            for rel in root.iter(f"{{{PKG_REL_NS}}}Relationship"):
                external = rel.get("TargetMode") == "External"
                target = rel.get("Target", "")
                result.append(
                    _Rel(
                        id=rel.get("Id", ""),
                        type=rel.get("Type", ""),
                        part=target if external else self.resolve(part, target),
                        external=external,
                    )
                )
        self._rels[part] = result
        return result

    def rels_name(self, part: str) -> str | None:
        return self.find("_rels/.rels" if part == "" else _rels_part(part))


@dataclass(slots=True)
class _Sheet:
    name: str
    sheet_id: int
    rid: str
    part: str | None
    rel_type: str


@dataclass(slots=True)
class _Workbook:
    part: str
    sheets: list[_Sheet]
    rels: list[_Rel]
    active_tab: int

    def rel_of_type(self, rel_type: str) -> _Rel | None:
        return next((r for r in self.rels if r.type == rel_type and not r.external), None)


def _read_workbook(pkg: _Package) -> _Workbook:
    part = workbook_part(pkg.zf)
    if part is None:
        raise TransplantError(Problem(pkg.label, "Arbeidsboken (xl/workbook.xml) mangler."))
    root = _parse(pkg.read(part), f"{pkg.label}:{part}")
    if _ns(root.tag) == STRICT_MAIN_NS:
        raise TransplantError(
            Problem(
                pkg.label,
                "Arbeidsboken er lagret som «Strict Open XML», som vi ikke kan skrive i. "
                "Lagre den som vanlig Excel-arbeidsbok (.xlsx/.xlsm).",
            )
        )
    rels = pkg.rels(part)
    by_id = {r.id: r for r in rels}
    sheets = []
    for el in root.iter(f"{_M}sheet"):
        rid = el.get(f"{_R}id", "")
        rel = by_id.get(rid)
        sheets.append(
            _Sheet(
                name=el.get("name", ""),
                sheet_id=int(el.get("sheetId", "0")),
                rid=rid,
                part=None if rel is None or rel.external else rel.part,
                rel_type=rel.type if rel else "",
            )
        )
    view = root.find(f"{_M}bookViews/{_M}workbookView")
    active = int(view.get("activeTab", "0")) if view is not None else 0
    return _Workbook(part=part, sheets=sheets, rels=rels, active_tab=active)


# --------------------------------------------------------------------------------------------
# Styles: append what the scratch sheets use to the target's styles.xml
# --------------------------------------------------------------------------------------------

# Order of the collections inside <styleSheet> (CT_Stylesheet is a sequence).
_STYLE_ORDER = (
    "numFmts",
    "fonts",
    "fills",
    "borders",
    "cellStyleXfs",
    "cellXfs",
    "cellStyles",
    "dxfs",
    "tableStyles",
    "colors",
    "extLst",
)
_MERGED = ("numFmts", "fonts", "fills", "borders", "cellXfs", "dxfs")
_BOOL_TAGS = {"b", "i", "strike", "outline", "shadow", "condense", "extend"}
FIRST_CUSTOM_NUMFMT = 164


def _key(el: ET.Element) -> tuple[Any, ...]:
    """Identity of a style element for deduplication: same meaning ⇒ same key (mostly)."""
    tag = _local(el.tag)
    attrs = {k: v for k, v in el.attrib.items() if not k.startswith("{")}
    if tag in _BOOL_TAGS and attrs.get("val") in ("1", "true"):
        del attrs["val"]  # <b/> == <b val="1"/>
    if tag == "patternFill" and "patternType" not in attrs:
        attrs["patternType"] = "none"
    # Children of font/fill/border/xf are distinct tags whose order carries no meaning.
    children = sorted((_key(c) for c in el if _ns(c.tag) in (MAIN_NS, "")), key=repr)
    return (tag, tuple(sorted(attrs.items())), (el.text or "").strip(), tuple(children))


def _emit(el: ET.Element, prefix: str) -> str:
    """Serialise a main-namespace element with the target's prefix; foreign bits are dropped."""
    if _ns(el.tag) not in (MAIN_NS, ""):
        return ""
    tag = prefix + _local(el.tag)
    attrs = "".join(f' {k}="{_attr(v)}"' for k, v in el.attrib.items() if not k.startswith("{"))
    inner = "".join(_emit(c, prefix) for c in el if _local(c.tag) != "extLst")
    text = _xml_escape(el.text) if el.text and el.text.strip() else ""
    if not inner and not text:
        return f"<{tag}{attrs}/>"
    return f"<{tag}{attrs}>{text}{inner}</{tag}>"


class _StyleMerger:
    """Maps the scratch workbook's style indexes to (possibly new) indexes in the target."""

    def __init__(self, target_text: str, encoding: str, source_root: ET.Element | None):
        self.target_text = target_text
        self.encoding = encoding
        self.prefix = _root_prefix(target_text, "styleSheet")
        target_root = _parse(target_text.encode(encoding), "styles.xml")
        self.existing: dict[str, list[ET.Element]] = {}
        for name in _MERGED:
            coll = target_root.find(f"{_M}{name}")
            self.existing[name] = [] if coll is None else [c for c in coll if _ns(c.tag) == MAIN_NS]
        self.new: dict[str, list[ET.Element]] = {name: [] for name in _MERGED}
        self.index: dict[str, dict[tuple[Any, ...], int]] = {}
        for name in ("fonts", "fills", "borders", "cellXfs", "dxfs"):
            seen: dict[tuple[Any, ...], int] = {}
            for i, el in enumerate(self.existing[name]):
                seen.setdefault(_key(el), i)
            self.index[name] = seen
        self.numfmt_by_code: dict[str, int] = {}
        for el in self.existing["numFmts"]:
            self.numfmt_by_code.setdefault(el.get("formatCode", ""), int(el.get("numFmtId", "0")))
        # Ids in use anywhere (dxfs carry their own numFmt elements) must not be reused.
        used_ids = [int(e.get("numFmtId", "0")) for e in target_root.iter(f"{_M}numFmt")]
        self.next_numfmt = max([FIRST_CUSTOM_NUMFMT - 1, *used_ids]) + 1

        src: dict[str, list[ET.Element]] = {}
        for name in ("numFmts", "fonts", "fills", "borders", "cellXfs", "dxfs"):
            coll = None if source_root is None else source_root.find(f"{_M}{name}")
            src[name] = [] if coll is None else [c for c in coll if _ns(c.tag) == MAIN_NS]
        self.src = src
        self.src_numfmt = {
            int(e.get("numFmtId", "0")): e.get("formatCode", "") for e in src["numFmts"]
        }
        self.memo: dict[tuple[str, int], int] = {}

    def _add(self, coll: str, el: ET.Element) -> int:
        key = _key(el)
        seen = self.index[coll]
        if key not in seen:
            self.new[coll].append(el)
            seen[key] = len(self.existing[coll]) + len(self.new[coll]) - 1
        return seen[key]

    def numfmt(self, src_id: int) -> int:
        if src_id not in self.src_numfmt:
            return src_id  # built-in format: same id everywhere
        code = self.src_numfmt[src_id]
        if code not in self.numfmt_by_code:
            new_id = self.next_numfmt
            self.next_numfmt += 1
            el = ET.Element(f"{_M}numFmt", {"numFmtId": str(new_id), "formatCode": code})
            self.new["numFmts"].append(el)
            self.numfmt_by_code[code] = new_id
        return self.numfmt_by_code[code]

    def _simple(self, coll: str, i: int) -> int:
        # The default font/border and the two reserved fills (none, gray125) are the target's
        # own: engine cells then share the user's default font instead of the scratch book's.
        if i == 0 or (coll == "fills" and i == 1):
            return i
        memo_key = (coll, i)
        if memo_key not in self.memo:
            items = self.src[coll]
            if not 0 <= i < len(items):
                raise TransplantError(
                    Problem("styles.xml", f"Stilindeks {i} i {coll} finnes ikke i kladdeboken.")
                )
            el = copy.deepcopy(items[i])
            if coll == "fonts":
                self._complete_font(el)
            self.memo[memo_key] = self._add(coll, el)
        return self.memo[memo_key]

    def _complete_font(self, font: ET.Element) -> None:
        """Fill a font's unspecified face and size from the target's default font.

        openpyxl's ``Font(bold=True)`` writes only ``<b/>``; how a reader renders a font
        without name or size is up to it. Taking them from the user's default font makes the
        engine's sheets look like the rest of the user's workbook, in every reader.
        """
        default = self.existing["fonts"][0] if self.existing["fonts"] else None
        if default is None:
            return
        have = {_local(c.tag) for c in font}
        wanted = {"sz"} if "name" in have else {"sz", "name", "family", "charset", "scheme"}
        for child in default:
            if _local(child.tag) in wanted - have and _ns(child.tag) == MAIN_NS:
                font.append(copy.deepcopy(child))

    def xf(self, i: int) -> int:
        """Target cellXfs index for scratch cellXfs index ``i``."""
        if i == 0:
            return 0  # the default look stays the user's default look
        memo_key = ("cellXfs", i)
        if memo_key in self.memo:
            return self.memo[memo_key]
        items = self.src["cellXfs"]
        if not 0 <= i < len(items):
            raise TransplantError(Problem("styles.xml", f"Stilindeks {i} finnes ikke i kladden."))
        el = copy.deepcopy(items[i])
        el.set("numFmtId", str(self.numfmt(int(el.get("numFmtId", "0")))))
        el.set("fontId", str(self._simple("fonts", int(el.get("fontId", "0")))))
        el.set("fillId", str(self._simple("fills", int(el.get("fillId", "0")))))
        el.set("borderId", str(self._simple("borders", int(el.get("borderId", "0")))))
        # The scratch book's named styles do not exist in the target: base on its Normal style.
        el.set("xfId", "0")
        for flag in ("pivotButton", "quotePrefix"):
            if el.get(flag) in ("0", "false"):
                del el.attrib[flag]
        # Say explicitly that this xf's own font/fill/… apply, not the Normal style's.
        for flag in ("applyNumberFormat", "applyFont", "applyFill", "applyBorder"):
            el.set(flag, "1")
        if el.find(f"{_M}alignment") is not None:
            el.set("applyAlignment", "1")
        if el.find(f"{_M}protection") is not None:
            el.set("applyProtection", "1")
        for child in list(el):
            if _ns(child.tag) != MAIN_NS or _local(child.tag) == "extLst":
                el.remove(child)
        self.memo[memo_key] = self._add("cellXfs", el)
        return self.memo[memo_key]

    def dxf(self, i: int) -> int:
        memo_key = ("dxfs", i)
        if memo_key in self.memo:
            return self.memo[memo_key]
        items = self.src["dxfs"]
        if not 0 <= i < len(items):
            raise TransplantError(Problem("styles.xml", f"dxf-indeks {i} finnes ikke i kladden."))
        el = copy.deepcopy(items[i])
        num = el.find(f"{_M}numFmt")
        if num is not None:
            num.set("numFmtId", str(self.numfmt(int(num.get("numFmtId", "0")))))
        self.memo[memo_key] = self._add("dxfs", el)
        return self.memo[memo_key]

    def changed(self) -> bool:
        return any(self.new.values())

    def result(self) -> str:
        """The target's styles.xml text with the new elements appended (unchanged if none)."""
        text = self.target_text
        p = self.prefix
        for name in _MERGED:
            new = self.new[name]
            if not new:
                continue
            count = len(self.existing[name]) + len(new)
            xml = "".join(_emit(el, p) for el in new)
            m = _start_tag(p, name).search(text)
            if m is not None and m.group(2) == "/":
                opening = _set_attr(f"<{p}{name}{m.group(1)}>", "count", str(count))
                text = text[: m.start()] + f"{opening}{xml}</{p}{name}>" + text[m.end() :]
            elif m is not None:
                close = text.index(f"</{p}{name}>", m.end())
                opening = _set_attr(m.group(0), "count", str(count))
                # x14ac:knownFonts promises Excel that every font is one it knows; we cannot
                # vouch for the appended ones, and leaving it out only costs a check.
                opening = re.sub(r"""\s[\w.-]+:knownFonts\s*=\s*(?:"[^"]*"|'[^']*')""", "", opening)
                text = text[: m.start()] + opening + text[m.end() : close] + xml + text[close:]
            else:
                block = f'<{p}{name} count="{count}">{xml}</{p}{name}>'
                text = _insert_before_next(text, p, name, block)
        # Defensive: the edited part must parse and have exactly the children we expect.
        root = _parse(text.encode(self.encoding), "styles.xml")
        for name in _MERGED:
            coll = root.find(f"{_M}{name}")
            got = 0 if coll is None else sum(1 for c in coll if _ns(c.tag) == MAIN_NS)
            if got != len(self.existing[name]) + len(self.new[name]):
                raise TransplantError(
                    Problem("styles.xml", f"Intern feil ved sammenslåing av stiler ({name}).")
                )
        return text


def _insert_before_next(text: str, p: str, name: str, block: str) -> str:
    """Insert a missing <styleSheet> child at its place in the schema's order."""
    for following in _STYLE_ORDER[_STYLE_ORDER.index(name) + 1 :]:
        pattern = re.compile(rf"<{re.escape(p)}{following}[\s/>]")
        matches = list(pattern.finditer(text))
        if matches:
            # extLst may also occur nested earlier; the stylesheet's own one is the last.
            m = matches[-1] if following == "extLst" else matches[0]
            return text[: m.start()] + block + text[m.start() :]
    close = text.rindex(f"</{p}styleSheet>")
    return text[:close] + block + text[close:]


# --------------------------------------------------------------------------------------------
# The transplanted worksheet XML
# --------------------------------------------------------------------------------------------

# Worksheet children that only make sense with a relationship we do not copy.
_KEEP_WITHOUT_RID = {"pageSetup"}
_EMPTY_CONTAINERS = {"hyperlinks", "tableParts", "oleObjects", "controls"}


def _strip_relationship_refs(parent: ET.Element) -> None:
    for child in list(parent):
        if child.tag == f"{_M}sheetData":
            continue  # cells never point to other parts; skipping them saves most of the time
        if _ns(child.tag) == "http://schemas.openxmlformats.org/markup-compatibility/2006":
            parent.remove(child)  # mc:AlternateContent wraps controls/OLE objects with r:ids
            continue
        rel_attrs = [k for k in child.attrib if k.startswith(_R)]
        if rel_attrs:
            if _local(child.tag) in _KEEP_WITHOUT_RID:
                for k in rel_attrs:
                    del child.attrib[k]
            else:
                parent.remove(child)
                continue
        _strip_relationship_refs(child)
        if _local(child.tag) in _EMPTY_CONTAINERS and len(child) == 0:
            parent.remove(child)


def _drop_foreign_attributes(el: ET.Element) -> None:
    """Remove x14ac:/xr:/mc: attributes from main-namespace elements (we drop mc:Ignorable)."""
    if _ns(el.tag) != MAIN_NS:
        return  # extension content keeps its own markup
    if el.attrib:
        foreign = [k for k in el.attrib if k[0] == "{" and not k.startswith(_XML)]
        for k in foreign:
            del el.attrib[k]
    for child in el:
        _drop_foreign_attributes(child)


def _transform_sheet(
    data: bytes,
    *,
    sheet_name: str,
    styles: _StyleMerger,
    shared_strings: list[ET.Element] | None,
    code_name: str | None,
    tab_selected: bool,
    allow_formulas: bool,
) -> bytes:
    if _is_plain_scratch(data):
        return _transform_plain(data, sheet_name=sheet_name, styles=styles, code_name=code_name,
                                tab_selected=tab_selected, allow_formulas=allow_formulas)
    root = _parse(data, sheet_name)
    if root.tag != f"{_M}worksheet":
        raise TransplantError(
            Problem(sheet_name, "Arket i kladdeboken er ikke et vanlig regneark.")
        )
    _strip_relationship_refs(root)
    _drop_foreign_attributes(root)

    for row in root.iter(f"{_M}row"):
        if row.get("s") is not None:
            row.set("s", str(styles.xf(int(row.get("s", "0")))))
    for col in root.iter(f"{_M}col"):
        if col.get("style") is not None:
            col.set("style", str(styles.xf(int(col.get("style", "0")))))
    for rule in root.iter(f"{_M}cfRule"):
        if rule.get("dxfId") is not None:
            rule.set("dxfId", str(styles.dxf(int(rule.get("dxfId", "0")))))

    for c in root.iter(f"{_M}c"):
        ref = c.get("r", "?")
        if c.find(f"{_M}f") is not None and not allow_formulas:
            # Engine sheets hold values. A formula here is either a bug or text that openpyxl
            # took for a formula (use set_text); either way it must not reach the user's book.
            raise TransplantError(
                Problem(
                    f"{sheet_name}!{ref}",
                    "Kladden inneholder en formel; motorens ark skal bare ha verdier og tekst.",
                )
            )
        if c.get("s") is not None:
            c.set("s", str(styles.xf(int(c.get("s", "0")))))
        if c.get("t") == "s":
            _inline_shared_string(c, shared_strings, f"{sheet_name}!{ref}")

    pr = root.find(f"{_M}sheetPr")
    if pr is not None and "codeName" in pr.attrib:
        del pr.attrib["codeName"]  # the scratch book's VBA names mean nothing in the target
    if code_name:
        if pr is None:
            pr = ET.Element(f"{_M}sheetPr")
            root.insert(0, pr)
        pr.set("codeName", code_name)
    for view in root.iter(f"{_M}sheetView"):
        # Two selected tabs = grouped sheets in Excel, where every edit hits both. Only the
        # workbook's active tab may be selected.
        view.attrib.pop("tabSelected", None)
        if tab_selected:
            view.set("tabSelected", "1")

    return _serialize(root)


_PLAIN_ROOT = (f'<worksheet xmlns="{MAIN_NS}" xmlns:r="{REL_NS}">').encode()
_PLAIN_FORBIDDEN = (b' t="s"', b"r:id=", b"<extLst", b"codeName", b"tabSelected", b"<legacy",
                    b"<drawing", b"<hyperlink", b"<tablePart", b"<!DOCTYPE", b"<!ENTITY")
_CELL_STYLE = re.compile(rb'(<c r="([A-Z]+[0-9]+)") s="([0-9]+)"')
_DXF_ID = re.compile(rb'(<cfRule [^>]*?)dxfId="([0-9]+)"')
_FIRST_FORMULA = re.compile(rb'<c r="([A-Z]+[0-9]+)"[^>]*><f>')


def _is_plain_scratch(data: bytes) -> bool:
    """A sheet as ``render_xlsx`` writes it: the main namespace as default, inline strings, no
    relationships or extensions. Such a sheet only needs its style indexes remapped."""
    head = data[:300]
    return (_PLAIN_ROOT in head and b"?>" in head
            and not any(token in data for token in _PLAIN_FORBIDDEN))


def _transform_plain(data: bytes, *, sheet_name: str, styles: _StyleMerger,
                     code_name: str | None, tab_selected: bool, allow_formulas: bool) -> bytes:
    """``_transform_sheet`` for a plain scratch sheet, on the text: parsing and writing back a
    sheet of 300 000 cells costs seconds, remapping its ``s`` attributes milliseconds."""
    if not allow_formulas:
        found = _FIRST_FORMULA.search(data)
        if found is not None:
            raise TransplantError(
                Problem(
                    f"{sheet_name}!{found.group(1).decode()}",
                    "Kladden inneholder en formel; motorens ark skal bare ha verdier og tekst.",
                )
            )
    memo: dict[bytes, bytes] = {}

    def cell(m: re.Match[bytes]) -> bytes:
        new = memo.get(m.group(3))
        if new is None:
            new = memo[m.group(3)] = str(styles.xf(int(m.group(3)))).encode()
        return m.group(1) + b' s="' + new + b'"'

    def dxf(m: re.Match[bytes]) -> bytes:
        return m.group(1) + b'dxfId="' + str(styles.dxf(int(m.group(2)))).encode() + b'"'

    out = _CELL_STYLE.sub(cell, data)
    out = _DXF_ID.sub(dxf, out)
    if code_name:
        out = out.replace(b"<sheetPr>",
                          b'<sheetPr codeName="' + _attr(code_name).encode() + b'">', 1)
    if tab_selected:
        out = out.replace(b'<sheetView workbookViewId="0"',
                          b'<sheetView tabSelected="1" workbookViewId="0"', 1)
    return out


# Conventional prefixes for namespaces that may occur in extension blocks of a worksheet.
_KNOWN_PREFIXES = {
    REL_NS: "r",
    "http://schemas.openxmlformats.org/markup-compatibility/2006": "mc",
    "http://schemas.microsoft.com/office/spreadsheetml/2009/9/main": "x14",
    "http://schemas.microsoft.com/office/spreadsheetml/2009/9/ac": "x14ac",
    "http://schemas.microsoft.com/office/spreadsheetml/2010/11/main": "x15",
    "http://schemas.microsoft.com/office/excel/2006/main": "xm",
    "http://schemas.microsoft.com/office/spreadsheetml/2014/revision": "xr",
}


def _serialize(root: ET.Element) -> bytes:
    """Worksheet XML with the main namespace as default namespace.

    ElementTree's own ``default_namespace`` option refuses unprefixed attributes (all of
    SpreadsheetML's), and registering a prefix is process-global; so we write it ourselves.
    Other namespaces are declared where first used.
    """
    out: list[str] = ['<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n']
    _write_element(root, out, {MAIN_NS: "", XML_NS: "xml"}, top=True)
    return "".join(out).encode("utf-8")


def _qname(name: str, scope: dict[str, str], declare: dict[str, str], attribute: bool) -> str:
    """``{uri}local`` → ``prefix:local``, declaring a prefix on this element if needed.

    Attributes never use the default namespace (an unprefixed attribute has none).
    """
    uri, local = name[1:].split("}", 1)
    for known in (scope, declare):
        prefix = known.get(uri)
        if prefix is not None and not (attribute and prefix == ""):
            return f"{prefix}:{local}" if prefix else local
    taken = set(scope.values()) | set(declare.values())
    prefix = _KNOWN_PREFIXES.get(uri, "ns0")
    n = 0
    while prefix in taken:
        n += 1
        prefix = f"ns{n}"
    declare[uri] = prefix
    return f"{prefix}:{local}"


def _text(value: str) -> str:
    return _xml_escape(value, {"\r": "&#13;"}) if _NEEDS_ESCAPE.search(value) else value


def _write_element(el: ET.Element, out: list[str], scope: dict[str, str], top: bool) -> None:
    # Written for speed: an engine sheet has tens of thousands of cells, nearly all of them
    # plain main-namespace elements with unprefixed attributes and nothing to escape.
    declare: dict[str, str] = {}
    tag = el.tag
    name = tag[_M_LEN:] if tag.startswith(_M) else _qname(tag, scope, declare, False)
    if el.attrib:
        attrs = "".join(
            f' {_qname(k, scope, declare, True) if k[0] == "{" else k}="{_attr(v)}"'
            for k, v in el.attrib.items()
        )
    else:
        attrs = ""
    decls = "".join(f' xmlns:{p}="{_attr(uri)}"' for uri, p in declare.items())
    if top:
        decls = f' xmlns="{MAIN_NS}"' + decls
    out.append(f"<{name}{decls}{attrs}")
    if len(el) == 0 and not el.text:
        out.append("/>")
    else:
        out.append(">")
        if el.text:
            out.append(_text(el.text))
        inner = {**scope, **declare} if declare else scope
        for child in el:
            _write_element(child, out, inner, top=False)
        out.append(f"</{name}>")
    if el.tail and not top:
        out.append(_text(el.tail))


def _inline_shared_string(c: ET.Element, shared: list[ET.Element] | None, where: str) -> None:
    v = c.find(f"{_M}v")
    try:
        si = (shared or [])[int((v.text if v is not None else "") or "")]
    except (ValueError, IndexError) as exc:
        raise TransplantError(Problem(where, "Delt tekst mangler i kladdeboken.")) from exc
    if v is not None:
        c.remove(v)
    c.set("t", "inlineStr")
    inline = ET.Element(f"{_M}is")
    for child in si:
        inline.append(copy.deepcopy(child))
    f = c.find(f"{_M}f")
    c.insert(0 if f is None else list(c).index(f) + 1, inline)


# --------------------------------------------------------------------------------------------
# Reachability: which parts become orphans when a sheet is replaced
# --------------------------------------------------------------------------------------------


def _reachable(pkg: _Package, targets: dict[str, list[str]], bare: set[str]) -> set[str]:
    """Lower-case names of parts reachable from the package root (rels parts included).

    Describes the package after the transplant: ``targets`` replaces the outgoing
    relationships of a part (the workbook loses calcChain, gains new sheets); ``bare`` parts
    have no relationships part at all (the transplanted sheets).
    """
    seen: set[str] = set()
    root_rels = pkg.rels_name("")
    if root_rels:
        seen.add(root_rels.lower())
    todo = [r.part for r in pkg.rels("") if not r.external]
    while todo:
        part = todo.pop()
        if part.lower() in seen:
            continue
        seen.add(part.lower())
        if part in bare:
            continue
        rels_name = pkg.rels_name(part)
        if rels_name:
            seen.add(rels_name.lower())
        if part in targets:
            todo.extend(targets[part])
        else:
            todo.extend(r.part for r in pkg.rels(part) if not r.external)
    return seen


# --------------------------------------------------------------------------------------------
# Transplant
# --------------------------------------------------------------------------------------------


@dataclass(slots=True)
class TransplantResult:
    """What ``transplant_sheets`` did; every target part not listed here is byte-identical."""

    replaced: list[str] = field(default_factory=list)
    added: list[str] = field(default_factory=list)
    changed_parts: list[str] = field(default_factory=list)
    added_parts: list[str] = field(default_factory=list)
    removed_parts: list[str] = field(default_factory=list)


_BAD_SHEET_CHARS = re.compile(r"[\[\]:*?/\\]")


def _check_sheet_name(name: str) -> None:
    if (
        not name.strip()
        or len(name) > 31
        or _BAD_SHEET_CHARS.search(name)
        or name.startswith("'")
        or name.endswith("'")
    ):
        raise ValueError(f"Ugyldig arknavn for Excel: {name!r}")


def transplant_sheets(
    target: Path,
    source: Path,
    sheet_names: Sequence[str],
    out: Path,
    *,
    position: int | None = None,
    allow_formulas: bool = False,
) -> TransplantResult:
    """Copy worksheets ``sheet_names`` from ``source`` into a copy of ``target`` at ``out``.

    A target sheet with the same name (case-insensitive, as Excel compares) is replaced in
    place; a missing one is inserted at tab ``position`` (None: after the last sheet).
    ``out`` must differ from ``target``; use ``save_atomic``/``replace_engine_sheets`` to
    update a workbook in place. Raises ``TransplantError`` for files we cannot safely write.
    """
    target, source, out = Path(target), Path(source), Path(out)
    if out.resolve() == target.resolve():
        raise ValueError("out must not be the target itself; use save_atomic")
    names = list(sheet_names)
    if len({n.casefold() for n in names}) != len(names):
        raise ValueError(f"Duplicate sheet names: {names}")
    for n in names:
        _check_sheet_name(n)
    problems = precheck(target) + precheck(source)
    if problems:
        raise TransplantError(problems)

    with zipfile.ZipFile(target) as tz, zipfile.ZipFile(source) as sz:
        tpkg = _Package(tz, target.name)
        spkg = _Package(sz, source.name)
        return _transplant(tpkg, spkg, names, out, position, allow_formulas)


def _transplant(
    tpkg: _Package,
    spkg: _Package,
    names: list[str],
    out: Path,
    position: int | None,
    allow_formulas: bool,
) -> TransplantResult:
    twb = _read_workbook(tpkg)
    swb = _read_workbook(spkg)
    result = TransplantResult()

    # Styles of both books.
    t_styles_rel = twb.rel_of_type(RT_STYLES)
    if t_styles_rel is None or tpkg.find(t_styles_rel.part) is None:
        raise TransplantError(
            Problem(tpkg.label, "Arbeidsboken mangler stildelen (styles.xml). Lagre den i Excel.")
        )
    t_styles_part = tpkg.find(t_styles_rel.part) or t_styles_rel.part
    t_styles_text, t_styles_enc = _decode(tpkg.read(t_styles_part))
    s_styles_rel = swb.rel_of_type(RT_STYLES)
    s_styles_root = (
        _parse(spkg.read(s_styles_rel.part), "styles.xml")
        if s_styles_rel and spkg.find(s_styles_rel.part)
        else None
    )
    styles = _StyleMerger(t_styles_text, t_styles_enc, s_styles_root)

    s_sst_rel = swb.rel_of_type(RT_SHARED_STRINGS)
    shared: list[ET.Element] | None = None
    if s_sst_rel and spkg.find(s_sst_rel.part):
        sst = _parse(spkg.read(s_sst_rel.part), "sharedStrings.xml")
        shared = list(sst.iter(f"{_M}si"))

    t_by_name = {s.name.casefold(): (i, s) for i, s in enumerate(twb.sheets)}
    s_by_name = {s.name.casefold(): s for s in swb.sheets}

    changed: dict[str, bytes] = {}  # part name in target -> new bytes
    replaced_parts: list[str] = []
    added_parts: list[tuple[str, bytes]] = []
    new_sheets: list[tuple[str, str, str]] = []  # (name, part, rid)
    drop_calc_chain = False
    used_parts = {n.lower() for n in tpkg.by_lower}
    insert_at = len(twb.sheets) if position is None else max(0, min(position, len(twb.sheets)))

    for name in names:
        src = s_by_name.get(name.casefold())
        if src is None or src.part is None or spkg.find(src.part) is None:
            raise TransplantError(Problem(spkg.label, f"Kladdeboken har ikke arket «{name}»."))
        if src.rel_type != RT_WORKSHEET:
            raise TransplantError(Problem(spkg.label, f"«{name}» i kladden er ikke et regneark."))
        existing = t_by_name.get(name.casefold())
        if existing is not None:
            index, tsheet = existing
            if tsheet.rel_type != RT_WORKSHEET or tsheet.part is None:
                raise TransplantError(
                    Problem(
                        tpkg.label,
                        f"Arket «{tsheet.name}» er et diagramark eller en annen arktype. "
                        "Gi det et annet navn, så lager avregn sitt eget ark.",
                    )
                )
            old = tpkg.read(tsheet.part)
            code_name = _old_code_name(old)
            if _has_formulas(old):
                drop_calc_chain = True
            replaced_parts.append(tsheet.part)
            changed[tsheet.part] = _transform_sheet(
                spkg.read(src.part),
                sheet_name=name,
                styles=styles,
                shared_strings=shared,
                code_name=code_name,
                tab_selected=index == twb.active_tab,
                allow_formulas=allow_formulas,
            )
            result.replaced.append(tsheet.name)
        else:
            part = _new_sheet_part(twb.part, used_parts)
            used_parts.add(part.lower())
            data = _transform_sheet(
                spkg.read(src.part),
                sheet_name=name,
                styles=styles,
                shared_strings=shared,
                code_name=None,
                tab_selected=False,
                allow_formulas=allow_formulas,
            )
            added_parts.append((part, data))
            new_sheets.append((name, part, ""))
            result.added.append(name)

    # Workbook relationships: new sheets in, calcChain out (if a replaced sheet had formulas).
    wb_rels_name = tpkg.rels_name(twb.part) or _rels_part(twb.part)
    calc_rel = twb.rel_of_type(RT_CALC_CHAIN) if drop_calc_chain else None
    if new_sheets or calc_rel is not None:
        rels_text, rels_enc = _decode(tpkg.read(wb_rels_name))
        if calc_rel is not None:
            rels_text = _remove_elements(
                rels_text, "Relationships", "Relationship", "Id", {calc_rel.id}
            )
        taken = {r.id for r in twb.rels}
        for i, (name, part, _) in enumerate(new_sheets):
            rid = _new_rid(taken)
            taken.add(rid)
            new_sheets[i] = (name, part, rid)
            target_ref = quote(posixpath.relpath(part, posixpath.dirname(twb.part)))
            element = (
                f'Relationship Id="{rid}" Type="{RT_WORKSHEET}" Target="{_attr(target_ref)}"/>'
            )
            rels_text = _insert_before_close(rels_text, "Relationships", element)
        _parse(rels_text.encode(rels_enc), wb_rels_name)
        changed[wb_rels_name] = rels_text.encode(rels_enc)

    # Print titles and print areas are sheet-local defined names in workbook.xml: carried over
    # from the scratch book for the transplanted sheets (the old sheet's ones replaced).
    s_print = _print_names(spkg, swb, names)
    t_index = {name.casefold(): t_by_name[name.casefold()][0] for name in names
               if name.casefold() in t_by_name}
    for i, (name, _, _) in enumerate(new_sheets):
        t_index[name.casefold()] = insert_at + i
    old_print = _has_print_names(tpkg.read(twb.part), {t_index[n.casefold()] for n in names
                                                        if n.casefold() in t_by_name})
    if new_sheets or s_print or old_print:
        wb_text, wb_enc = _decode(tpkg.read(twb.part))
        if new_sheets:
            wb_text = _add_sheets_to_workbook(wb_text, twb, new_sheets, insert_at)
        wb_text = _set_print_names(wb_text, {t_index[n.casefold()]: s_print.get(n.casefold(), [])
                                             for n in names})
        _parse(wb_text.encode(wb_enc), twb.part)
        changed[twb.part] = wb_text.encode(wb_enc)

    if styles.changed():
        changed[t_styles_part] = styles.result().encode(t_styles_enc)

    # Parts that only the replaced sheets (or calcChain) kept alive go away.
    wb_targets = [r.part for r in twb.rels if not r.external and r is not calc_rel]
    targets = {twb.part: wb_targets + [part for _, part, _ in new_sheets]}
    before = _reachable(tpkg, {}, set())
    after = _reachable(tpkg, targets, set(replaced_parts) | {p for _, p, _ in new_sheets})
    removed = {
        tpkg.by_lower[n]
        for n in before - after
        if n in tpkg.by_lower and n not in {p.lower() for p in changed}
    }

    ct_name = tpkg.find("[Content_Types].xml") or "[Content_Types].xml"
    if new_sheets or removed:
        ct_text, ct_enc = _decode(tpkg.read(ct_name))
        ct_text = _remove_elements(
            ct_text, "Types", "Override", "PartName", {"/" + p for p in removed}, casefold=True
        )
        for _, part, _ in new_sheets:
            element = f'Override PartName="/{_attr(part)}" ContentType="{CT_WORKSHEET}"/>'
            ct_text = _insert_before_close(ct_text, "Types", element)
        _parse(ct_text.encode(ct_enc), ct_name)
        changed[ct_name] = ct_text.encode(ct_enc)

    _write_package(tpkg, out, changed, added_parts, removed)
    result.changed_parts = sorted(changed)
    result.added_parts = [p for p, _ in added_parts]
    result.removed_parts = sorted(removed)
    return result


_SHEETPR_CODENAME = re.compile(rb"<(?:\w+:)?sheetPr\b[^>]*?\scodeName\s*=\s*[\"']([^\"']*)[\"']")
_FORMULA = re.compile(rb"<(?:\w+:)?f[\s>/]")


def _old_code_name(data: bytes) -> str | None:
    """The replaced sheet's VBA code name: keeps it tied to its module in the VBA project."""
    m = _SHEETPR_CODENAME.search(data[:4096])
    return m.group(1).decode("utf-8") if m else None


def _has_formulas(data: bytes) -> bool:
    return _FORMULA.search(data) is not None


def _new_sheet_part(workbook_part_name: str, used_lower: set[str]) -> str:
    folder = posixpath.join(posixpath.dirname(workbook_part_name), "worksheets")
    n = 1
    while posixpath.join(folder, f"sheet{n}.xml").lower() in used_lower:
        n += 1
    return posixpath.join(folder, f"sheet{n}.xml")


def _new_rid(taken: set[str]) -> str:
    numbers = [int(m.group(1)) for t in taken if (m := re.fullmatch(r"rId(\d+)", t))]
    n = max(numbers, default=0) + 1
    while f"rId{n}" in taken:
        n += 1
    return f"rId{n}"


def _insert_before_close(text: str, root_local: str, element: str) -> str:
    """Insert ``<`` + the document's prefix + ``element`` just before the root's end tag."""
    p = _root_prefix(text, root_local)
    close = text.rindex(f"</{p}{root_local}>")
    return text[:close] + f"<{p}{element}" + text[close:]


def _remove_elements(
    text: str,
    root_local: str,
    local: str,
    attr: str,
    values: set[str],
    *,
    casefold: bool = False,
) -> str:
    """Remove empty elements ``<local … attr="value"/>`` whose attribute is in ``values``."""
    if not values:
        return text
    p = _root_prefix(text, root_local)
    wanted = {v.casefold() for v in values} if casefold else values
    pattern = re.compile(rf"<{re.escape(p)}{local}({_ATTRS})\s*(?:/>|>\s*</{re.escape(p)}{local}>)")

    def keep(m: re.Match[str]) -> str:
        value = _get_attr(m.group(0), attr) or ""
        value = unquote(value)
        return "" if (value.casefold() if casefold else value) in wanted else m.group(0)

    return pattern.sub(keep, text)


def _add_sheets_to_workbook(
    text: str, wb: _Workbook, new_sheets: list[tuple[str, str, str]], insert_at: int
) -> str:
    p = _root_prefix(text, "workbook")
    root_tag = _start_tag(p, "workbook").search(text)
    r = _ns_prefix(root_tag.group(0) if root_tag else "", REL_NS)
    next_id = max((s.sheet_id for s in wb.sheets), default=0) + 1
    elements = []
    for i, (name, _, rid) in enumerate(new_sheets):
        rid_attr = f'{r}:id="{rid}"' if r else f'xmlns:r="{REL_NS}" r:id="{rid}"'
        elements.append(f'<{p}sheet name="{_attr(name)}" sheetId="{next_id + i}" {rid_attr}/>')
    block = "".join(elements)
    k = len(new_sheets)

    sheet_tags = list(re.finditer(rf"<{re.escape(p)}sheet[\s/>]", text))
    if insert_at < len(sheet_tags):
        at = sheet_tags[insert_at].start()
        text = text[:at] + block + text[at:]

        # Indexes into the sheet list move: sheet-local defined names and the active tab.
        def shift_name(m: re.Match[str]) -> str:
            local_id = _get_attr(m.group(0), "localSheetId")
            if local_id is None or int(local_id) < insert_at:
                return m.group(0)
            return _set_attr(m.group(0), "localSheetId", str(int(local_id) + k))

        text = _start_tag(p, "definedName").sub(shift_name, text)

        def shift_view(m: re.Match[str]) -> str:
            tag = m.group(0)
            active = int(_get_attr(tag, "activeTab") or "0")
            if active >= insert_at:
                tag = _set_attr(tag, "activeTab", str(active + k))
            first = _get_attr(tag, "firstSheet")
            if first is not None and int(first) >= insert_at:
                tag = _set_attr(tag, "firstSheet", str(int(first) + k))
            return tag

        text = _start_tag(p, "workbookView").sub(shift_view, text)
    else:
        m = _start_tag(p, "sheets").search(text)
        if m is not None and m.group(2) == "/":
            text = text[: m.start()] + f"<{p}sheets>{block}</{p}sheets>" + text[m.end() :]
        else:
            close = text.index(f"</{p}sheets>")
            text = text[:close] + block + text[close:]
    return text


PRINT_NAMES = ("_xlnm.Print_Titles", "_xlnm.Print_Area")


def _print_names(spkg: _Package, swb: _Workbook, names: Sequence[str]
                 ) -> dict[str, list[tuple[str, str]]]:
    """Sheet name (casefolded) → its print titles/area in the scratch book: (name, value)."""
    root = _parse(spkg.read(swb.part), f"{spkg.label}:{swb.part}")
    wanted = {n.casefold() for n in names}
    out: dict[str, list[tuple[str, str]]] = {}
    for el in root.iter(f"{_M}definedName"):
        local = el.get("localSheetId")
        if el.get("name") not in PRINT_NAMES or local is None or int(local) >= len(swb.sheets):
            continue
        sheet = swb.sheets[int(local)].name.casefold()
        if sheet in wanted:
            out.setdefault(sheet, []).append((el.get("name", ""), el.text or ""))
    return out


_DEFINED_NAME = re.compile(r"<(?P<p>(?:\w+:)?)definedName\b[^>]*?(?:/>|>.*?</(?P=p)definedName>)",
                           re.DOTALL)


def _has_print_names(data: bytes, indexes: set[int]) -> bool:
    text, _ = _decode(data)
    for m in _DEFINED_NAME.finditer(text):
        tag = m.group(0)[: m.group(0).index(">") + 1]
        local = _get_attr(tag, "localSheetId")
        if _get_attr(tag, "name") in PRINT_NAMES and local is not None and int(local) in indexes:
            return True
    return False


def _set_print_names(text: str, by_index: dict[int, list[tuple[str, str]]]) -> str:
    """Replace the print titles/areas of the sheets at ``by_index`` (target positions)."""

    def drop(m: re.Match[str]) -> str:
        tag = m.group(0)[: m.group(0).index(">") + 1]
        local = _get_attr(tag, "localSheetId")
        if _get_attr(tag, "name") in PRINT_NAMES and local is not None and int(local) in by_index:
            return ""
        return m.group(0)

    text = _DEFINED_NAME.sub(drop, text)
    p = _root_prefix(text, "workbook")
    elements = "".join(
        f'<{p}definedName name="{_attr(name)}" localSheetId="{index}">'
        f"{_xml_escape(value)}</{p}definedName>"
        for index, entries in sorted(by_index.items()) for name, value in entries)
    if not elements:
        return text
    close = text.find(f"</{p}definedNames>")
    if close >= 0:
        return text[:close] + elements + text[close:]
    empty = _start_tag(p, "definedNames").search(text)
    if empty is not None:  # <definedNames/>
        return text[: empty.start()] + f"<{p}definedNames>{elements}</{p}definedNames>" + \
            text[empty.end():]
    # definedNames follows sheets, functionGroups and externalReferences (CT_Workbook).
    for after in ("externalReferences", "functionGroups", "sheets"):
        end = text.find(f"</{p}{after}>")
        if end >= 0:
            at = end + len(f"</{p}{after}>")
            return text[:at] + f"<{p}definedNames>{elements}</{p}definedNames>" + text[at:]
    return text


def _clone_info(info: zipfile.ZipInfo) -> zipfile.ZipInfo:
    new = zipfile.ZipInfo(info.filename, info.date_time)
    new.compress_type = info.compress_type
    new.comment = info.comment
    new.external_attr = info.external_attr
    new.create_system = info.create_system
    new.file_size = info.file_size  # lets zipfile decide on zip64 up front
    return new


def _write_package(
    pkg: _Package,
    out: Path,
    changed: dict[str, bytes],
    added: list[tuple[str, bytes]],
    removed: set[str],
) -> None:
    with zipfile.ZipFile(out, "w", allowZip64=True) as zout:
        for info in pkg.infos:
            if info.filename in removed:
                continue
            zi = _clone_info(info)
            if info.filename in changed:
                zi.file_size = 0
                zout.writestr(zi, changed[info.filename])
                continue
            with pkg.zf.open(info) as src, zout.open(zi, "w") as dst:
                shutil.copyfileobj(src, dst, 1024 * 1024)
        for name, data in added:
            zi = zipfile.ZipInfo(name, (1980, 1, 1, 0, 0, 0))
            zi.compress_type = zipfile.ZIP_DEFLATED
            zout.writestr(zi, data)


# --------------------------------------------------------------------------------------------
# Saving in place: atomic, with a backup, refusing locked files
# --------------------------------------------------------------------------------------------


def backup_path(dest: Path) -> Path:
    """Where ``save_atomic`` keeps the previous version: ``Avregning.xlsm`` →
    ``Avregning.forrige.xlsm`` (same extension, so Excel opens it; one generation)."""
    dest = Path(dest)
    return dest.with_name(f"{dest.stem}{BACKUP_INFIX}{dest.suffix}")


def lock_files(dest: Path) -> list[Path]:
    """Lock files that Excel (``~$name``) or LibreOffice (``.~lock.name#``) leave next to an
    open workbook."""
    dest = Path(dest)
    candidates = [
        dest.with_name("~$" + dest.name),
        dest.with_name(f".~lock.{dest.name}#"),
    ]
    return [c for c in candidates if c.exists()]


def _locked(dest: Path, other: Path | None = None) -> WorkbookLocked:
    which = f"Sikkerhetskopien «{other.name}»" if other else "Arbeidsboken"
    return WorkbookLocked(
        Problem(
            dest.name,
            f"{which} er åpen i Excel eller et annet program, eller skrivebeskyttet. "
            "Lukk den og prøv igjen.",
        )
    )


def save_atomic(write: Callable[[Path], None], dest: Path, *, backup: bool = True) -> Path | None:
    """Let ``write(tmp)`` produce the new file, then put it at ``dest`` atomically.

    The temporary file lives in ``dest``'s folder (so ``os.replace`` cannot cross file
    systems) and is flushed to disk first; with ``backup`` the previous ``dest`` is kept as
    ``backup_path(dest)``. An existing ``dest`` keeps its permissions; a new one gets those of
    any new file (0o666 less the umask). Returns the backup's path (None if there was nothing
    to back up).
    Raises ``WorkbookLocked`` when Excel/LibreOffice has the file open, ``WorkbookError`` for
    other failures to write; on any failure ``dest`` is unchanged and the temp file is gone.
    """
    dest = Path(dest)
    locks = lock_files(dest)
    if locks:
        raise WorkbookLocked(
            Problem(
                dest.name,
                "Arbeidsboken er åpen i Excel eller LibreOffice. Lagre og lukk den, og prøv "
                f"igjen. Er den ikke åpen, slett den skjulte filen «{locks[0].name}» i samme "
                "mappe (den blir liggende igjen hvis Excel krasjet).",
            )
        )
    folder = dest.parent
    try:
        tmp = _new_temp_file(folder, dest.suffix)
    except PermissionError as exc:
        raise WorkbookError(
            Problem(dest.name, f"Har ikke skrivetilgang til mappen «{folder}».")
        ) from exc
    made_backup: Path | None = None
    try:
        write(tmp)
        with tmp.open("r+b") as fh:
            os.fsync(fh.fileno())
        if dest.exists():
            with contextlib.suppress(OSError):
                shutil.copymode(dest, tmp)  # keep the user's permissions
            if backup:
                made_backup = _make_backup(dest)
        try:
            os.replace(tmp, dest)
        except PermissionError as exc:
            raise _locked(dest) from exc
        _fsync_dir(folder)
    except WorkbookError:
        _unlink_quietly(tmp)
        raise
    except OSError as exc:
        _unlink_quietly(tmp)
        raise WorkbookError(
            Problem(dest.name, f"Kunne ikke lagre arbeidsboken: {exc.strerror or exc}.")
        ) from exc
    except BaseException:
        _unlink_quietly(tmp)
        raise
    return made_backup


def _new_temp_file(folder: Path, suffix: str) -> Path:
    """An empty new file in ``folder`` with the mode any program's new file gets: 0o666 less
    the umask (and the folder's default ACL), not ``mkstemp``'s private 0o600 — a workbook
    saved for the first time must be as readable as the user's other files. The name is
    random, and ``O_EXCL`` makes sure nobody else's file is reused."""
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0)
    for _ in range(100):
        path = folder / f"{TEMP_PREFIX}{secrets.token_hex(6)}{suffix}"
        try:
            fd = os.open(path, flags, 0o666)
        except FileExistsError:
            continue
        os.close(fd)
        return path
    raise FileExistsError(errno.EEXIST, "Fant ikke et ledig navn for en midlertidig fil")


def _make_backup(dest: Path) -> Path:
    """Copy ``dest`` to its backup name atomically; ``dest`` itself stays in place throughout."""
    target = backup_path(dest)
    fd, tmp_name = tempfile.mkstemp(prefix=TEMP_PREFIX, suffix=dest.suffix, dir=dest.parent)
    os.close(fd)
    tmp = Path(tmp_name)
    try:
        tmp.unlink()
        try:
            os.link(dest, tmp)  # a hard link costs nothing and is the old bytes exactly
        except OSError:
            shutil.copy2(dest, tmp)
        try:
            os.replace(tmp, target)
        except PermissionError as exc:
            raise _locked(dest, target) from exc
    except BaseException:
        _unlink_quietly(tmp)
        raise
    return target


def _fsync_dir(folder: Path) -> None:
    if sys.platform == "win32":
        return  # directories cannot be opened for fsync on Windows; NTFS journals the rename
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def _unlink_quietly(path: Path) -> None:
    with contextlib.suppress(OSError):
        path.unlink()


def replace_engine_sheets(
    workbook: Path,
    scratch: Path,
    sheet_names: Sequence[str],
    *,
    backup: bool = True,
    position: int | None = None,
) -> TransplantResult:
    """Transplant ``sheet_names`` from ``scratch`` into ``workbook`` in place, atomically,
    keeping the previous version as a backup (see ``save_atomic``)."""
    results: list[TransplantResult] = []

    def write(tmp: Path) -> None:
        results.append(transplant_sheets(workbook, scratch, sheet_names, tmp, position=position))

    save_atomic(write, Path(workbook), backup=backup)
    return results[0]
