"""Styles: append what the scratch sheets use to the target's styles.xml, deduplicated.

The scratch book's default look (cellXfs 0, font 0, fill 0/1, border 0) maps to the user's
defaults, so unstyled engine cells look like the user's other cells; fonts that leave name or
size open (openpyxl's ``Font(bold=True)``) take them from the user's default font. Appended
elements are deduplicated by content, so recalculating adds no new styles.
"""

from __future__ import annotations

import copy
import re
from typing import Any
from xml.etree import ElementTree as ET
from xml.sax.saxutils import escape as _xml_escape

from avregn.xlsx.errors import Issue, TransplantError
from avregn.xlsx.package import MAIN_NS
from avregn.xlsx.xmltext import (
    escape_attr,
    local_name,
    namespace_of,
    parse_xml,
    root_prefix,
    set_attr,
    start_tag,
)

_M = f"{{{MAIN_NS}}}"


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
    tag = local_name(el.tag)
    attrs = {k: v for k, v in el.attrib.items() if not k.startswith("{")}
    if tag in _BOOL_TAGS and attrs.get("val") in ("1", "true"):
        del attrs["val"]  # <b/> == <b val="1"/>
    if tag == "patternFill" and "patternType" not in attrs:
        attrs["patternType"] = "none"
    # Children of font/fill/border/xf are distinct tags whose order carries no meaning.
    children = sorted((_key(c) for c in el if namespace_of(c.tag) in (MAIN_NS, "")), key=repr)
    return (tag, tuple(sorted(attrs.items())), (el.text or "").strip(), tuple(children))


def _emit(el: ET.Element, prefix: str) -> str:
    """Serialise a main-namespace element with the target's prefix; foreign bits are dropped."""
    if namespace_of(el.tag) not in (MAIN_NS, ""):
        return ""
    tag = prefix + local_name(el.tag)
    attrs = "".join(
        f' {k}="{escape_attr(v)}"' for k, v in el.attrib.items() if not k.startswith("{")
    )
    inner = "".join(_emit(c, prefix) for c in el if local_name(c.tag) != "extLst")
    text = _xml_escape(el.text) if el.text and el.text.strip() else ""
    if not inner and not text:
        return f"<{tag}{attrs}/>"
    return f"<{tag}{attrs}>{text}{inner}</{tag}>"


class StyleMerger:
    """Maps the scratch workbook's style indexes to (possibly new) indexes in the target."""

    def __init__(self, target_text: str, encoding: str, source_root: ET.Element | None):
        self.target_text = target_text
        self.encoding = encoding
        self.prefix = root_prefix(target_text, "styleSheet")
        target_root = parse_xml(target_text.encode(encoding), "styles.xml")
        self.existing: dict[str, list[ET.Element]] = {}
        for name in _MERGED:
            coll = target_root.find(f"{_M}{name}")
            self.existing[name] = (
                [] if coll is None else [c for c in coll if namespace_of(c.tag) == MAIN_NS]
            )
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
            src[name] = [] if coll is None else [c for c in coll if namespace_of(c.tag) == MAIN_NS]
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
                    Issue("styles.xml", f"Stilindeks {i} i {coll} finnes ikke i kladdeboken.")
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
        have = {local_name(c.tag) for c in font}
        wanted = {"sz"} if "name" in have else {"sz", "name", "family", "charset", "scheme"}
        for child in default:
            if local_name(child.tag) in wanted - have and namespace_of(child.tag) == MAIN_NS:
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
            raise TransplantError(Issue("styles.xml", f"Stilindeks {i} finnes ikke i kladden."))
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
            if namespace_of(child.tag) != MAIN_NS or local_name(child.tag) == "extLst":
                el.remove(child)
        self.memo[memo_key] = self._add("cellXfs", el)
        return self.memo[memo_key]

    def dxf(self, i: int) -> int:
        memo_key = ("dxfs", i)
        if memo_key in self.memo:
            return self.memo[memo_key]
        items = self.src["dxfs"]
        if not 0 <= i < len(items):
            raise TransplantError(Issue("styles.xml", f"dxf-indeks {i} finnes ikke i kladden."))
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
            m = start_tag(p, name).search(text)
            if m is not None and m.group(2) == "/":
                opening = set_attr(f"<{p}{name}{m.group(1)}>", "count", str(count))
                text = text[: m.start()] + f"{opening}{xml}</{p}{name}>" + text[m.end() :]
            elif m is not None:
                close = text.index(f"</{p}{name}>", m.end())
                opening = set_attr(m.group(0), "count", str(count))
                # x14ac:knownFonts promises Excel that every font is one it knows; we cannot
                # vouch for the appended ones, and leaving it out only costs a check.
                opening = re.sub(r"""\s[\w.-]+:knownFonts\s*=\s*(?:"[^"]*"|'[^']*')""", "", opening)
                text = text[: m.start()] + opening + text[m.end() : close] + xml + text[close:]
            else:
                block = f'<{p}{name} count="{count}">{xml}</{p}{name}>'
                text = _insert_before_next(text, p, name, block)
        # Defensive: the edited part must parse and have exactly the children we expect.
        root = parse_xml(text.encode(self.encoding), "styles.xml")
        for name in _MERGED:
            coll = root.find(f"{_M}{name}")
            got = 0 if coll is None else sum(1 for c in coll if namespace_of(c.tag) == MAIN_NS)
            if got != len(self.existing[name]) + len(self.new[name]):
                raise TransplantError(
                    Issue("styles.xml", f"Intern feil ved sammenslåing av stiler ({name}).")
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
