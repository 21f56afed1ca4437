"""SpreadsheetML parts edited as text: small, exact helpers shared by every writer.

Parts we change (workbook.xml, its rels, [Content_Types].xml, styles.xml, worksheets, tables) are
edited as text, inserting or removing single elements or attributes, so namespace prefixes,
``mc:Ignorable`` lists and extension blocks written by Excel survive untouched; whatever is
rewritten is parsed again (``parse_xml``) before it is written.
"""

from __future__ import annotations

import codecs
import re
from urllib.parse import unquote
from xml.etree import ElementTree as ET
from xml.sax.saxutils import escape as _xml_escape
from xml.sax.saxutils import unescape as _xml_unescape

from defusedxml import ElementTree as SafeET

from avregn.xlsx.errors import Issue, TransplantError

# Characters Excel cannot store in a cell (XML 1.0 forbids them); openpyxl raises on them.
ILLEGAL_CHARS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")
MAX_CELL_TEXT = 32767


ATTRS = r"""(?:\s+[^\s=/>]+\s*=\s*(?:"[^"]*"|'[^']*'))*"""


def start_tag(prefix: str, local: str) -> re.Pattern[str]:
    """Regex for a start (or empty-element) tag; group 1 = attributes, group 2 = '/' if empty."""
    return re.compile(rf"<{re.escape(prefix)}{local}({ATTRS})\s*(/?)>")


def root_prefix(text: str, local: str) -> str:
    """Prefix (with colon, or '') the document uses for its root element ``local``."""
    m = re.search(rf"<(?:([\w.-]+):)?{local}[\s/>]", text)
    if m is None:
        raise TransplantError(Issue("", f"Fant ikke <{local}> i arbeidsboken; filen er skadet."))
    return f"{m.group(1)}:" if m.group(1) else ""


def ns_prefix(start_tag: str, uri: str) -> str | None:
    m = re.search(rf"""\sxmlns:([\w.-]+)\s*=\s*["']{re.escape(uri)}["']""", start_tag)
    return m.group(1) if m else None


def get_attr(tag: str, name: str) -> str | None:
    m = re.search(rf"""\s{re.escape(name)}\s*=\s*(?:"([^"]*)"|'([^']*)')""", tag)
    if m is None:
        return None
    raw = m.group(1) if m.group(1) is not None else m.group(2)
    return _xml_unescape(raw, {"&quot;": '"', "&apos;": "'"})


def set_attr(tag: str, name: str, value: str) -> str:
    pattern = re.compile(rf"""(\s{re.escape(name)}\s*=\s*)(?:"[^"]*"|'[^']*')""")
    new = f'"{escape_attr(value)}"'
    if pattern.search(tag):
        return pattern.sub(lambda m: m.group(1) + new, tag, count=1)
    end = len(tag) - (2 if tag.endswith("/>") else 1)
    return f"{tag[:end].rstrip()} {name}={new}{tag[end:]}"


_NEEDS_ESCAPE = re.compile(r"""[&<>"\n\r\t]""")


def escape_attr(value: str) -> str:
    if not _NEEDS_ESCAPE.search(value):
        return value
    return _xml_escape(value, {'"': "&quot;", "\n": "&#10;", "\r": "&#13;", "\t": "&#9;"})


def decode(data: bytes) -> tuple[str, str]:
    """Decode an XML part, remembering the encoding (and BOM) so we write it back the same way."""
    if data.startswith(codecs.BOM_UTF8):
        return data.decode("utf-8-sig"), "utf-8-sig"
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return data.decode("utf-16"), "utf-16"
    return data.decode("utf-8"), "utf-8"


def local_name(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def namespace_of(tag: str) -> str:
    return tag[1:].split("}", 1)[0] if tag.startswith("{") else ""


def parse_xml(data: bytes, what: str) -> ET.Element:
    try:
        root: ET.Element = SafeET.fromstring(data)
    except Exception as exc:  # defusedxml raises several types; all mean "not usable"
        raise TransplantError(
            Issue(what, f"Delen kan ikke leses som XML ({exc}); filen er trolig skadet.")
        ) from exc
    return root


def escape_text(value: str) -> str:
    return _xml_escape(value, {"\r": "&#13;"}) if _NEEDS_ESCAPE.search(value) else value


def insert_before_close(text: str, root_local: str, element: str) -> str:
    """Insert ``<`` + the document's prefix + ``element`` just before the root's end tag."""
    p = root_prefix(text, root_local)
    close = text.rindex(f"</{p}{root_local}>")
    return text[:close] + f"<{p}{element}" + text[close:]


def remove_elements(
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
    p = root_prefix(text, root_local)
    wanted = {v.casefold() for v in values} if casefold else values
    pattern = re.compile(rf"<{re.escape(p)}{local}({ATTRS})\s*(?:/>|>\s*</{re.escape(p)}{local}>)")

    def keep(m: re.Match[str]) -> str:
        value = get_attr(m.group(0), attr) or ""
        value = unquote(value)
        return "" if (value.casefold() if casefold else value) in wanted else m.group(0)

    return pattern.sub(keep, text)
