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
3. ``save.save_atomic`` writes to a temporary file next to the workbook, renames it into
   place and keeps the previous version as ``<name>.forrige.<ext>`` (see ``save``).

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
and LibreOffice ignore it and rewrite it on save) and defined names of the scratch workbook
(print titles etc. are not transplanted). The engine owns its sheets: whatever the user put on
them (a table, a chart, comments) goes with the old sheet, and formulas elsewhere that pointed
into such a table break as they would if the user deleted it.

Styles are merged by ``styles.StyleMerger`` (the user's defaults stay the defaults; appended
elements are deduplicated, so recalculating adds no new styles).
"""

from __future__ import annotations

import copy
import posixpath
import re
import zipfile
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import quote
from xml.etree import ElementTree as ET

from avregn.xlsx.errors import Issue, TransplantError
from avregn.xlsx.package import (
    CT_WORKSHEET,
    MAIN_NS,
    REL_NS,
    RT_CALC_CHAIN,
    RT_SHARED_STRINGS,
    RT_STYLES,
    RT_WORKSHEET,
    XML_NS,
    Package,
    WorkbookParts,
    read_workbook_parts,
    rels_part_name,
    write_package,
)
from avregn.xlsx.safety import precheck
from avregn.xlsx.styles import StyleMerger
from avregn.xlsx.xmltext import (
    decode,
    escape_attr,
    escape_text,
    get_attr,
    insert_before_close,
    local_name,
    namespace_of,
    ns_prefix,
    parse_xml,
    remove_elements,
    root_prefix,
    set_attr,
    start_tag,
)

_M = f"{{{MAIN_NS}}}"
_M_LEN = len(_M)
_XML = f"{{{XML_NS}}}"
_R = f"{{{REL_NS}}}"


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
        if namespace_of(child.tag) == "http://schemas.openxmlformats.org/markup-compatibility/2006":
            parent.remove(child)  # mc:AlternateContent wraps controls/OLE objects with r:ids
            continue
        rel_attrs = [k for k in child.attrib if k.startswith(_R)]
        if rel_attrs:
            if local_name(child.tag) in _KEEP_WITHOUT_RID:
                for k in rel_attrs:
                    del child.attrib[k]
            else:
                parent.remove(child)
                continue
        _strip_relationship_refs(child)
        if local_name(child.tag) in _EMPTY_CONTAINERS and len(child) == 0:
            parent.remove(child)


def _drop_foreign_attributes(el: ET.Element) -> None:
    """Remove x14ac:/xr:/mc: attributes from main-namespace elements (we drop mc:Ignorable)."""
    if namespace_of(el.tag) != MAIN_NS:
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
    styles: StyleMerger,
    shared_strings: list[ET.Element] | None,
    code_name: str | None,
    tab_selected: bool,
    allow_formulas: bool,
) -> bytes:
    if is_plain_scratch(data):
        return _transform_plain(data, sheet_name=sheet_name, styles=styles, code_name=code_name,
                                tab_selected=tab_selected, allow_formulas=allow_formulas)
    root = parse_xml(data, sheet_name)
    if root.tag != f"{_M}worksheet":
        raise TransplantError(
            Issue(sheet_name, "Arket i kladdeboken er ikke et vanlig regneark.")
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
                Issue(
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


def is_plain_scratch(data: bytes) -> bool:
    """A sheet as a plain writer makes it: the main namespace as default, inline strings, no
    relationships or extensions. Such a sheet only needs its style indexes remapped."""
    head = data[:300]
    return (_PLAIN_ROOT in head and b"?>" in head
            and not any(token in data for token in _PLAIN_FORBIDDEN))


def _transform_plain(data: bytes, *, sheet_name: str, styles: StyleMerger,
                     code_name: str | None, tab_selected: bool, allow_formulas: bool) -> bytes:
    """``_transform_sheet`` for a plain scratch sheet, on the text: parsing and writing back a
    sheet of 300 000 cells costs seconds, remapping its ``s`` attributes milliseconds."""
    if not allow_formulas:
        found = _FIRST_FORMULA.search(data)
        if found is not None:
            raise TransplantError(
                Issue(
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
                          b'<sheetPr codeName="' + escape_attr(code_name).encode() + b'">', 1)
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


def _write_element(el: ET.Element, out: list[str], scope: dict[str, str], top: bool) -> None:
    # Written for speed: an engine sheet has tens of thousands of cells, nearly all of them
    # plain main-namespace elements with unprefixed attributes and nothing to escape.
    declare: dict[str, str] = {}
    tag = el.tag
    name = tag[_M_LEN:] if tag.startswith(_M) else _qname(tag, scope, declare, False)
    if el.attrib:
        attrs = "".join(
            f' {_qname(k, scope, declare, True) if k[0] == "{" else k}="{escape_attr(v)}"'
            for k, v in el.attrib.items()
        )
    else:
        attrs = ""
    decls = "".join(f' xmlns:{p}="{escape_attr(uri)}"' for uri, p in declare.items())
    if top:
        decls = f' xmlns="{MAIN_NS}"' + decls
    out.append(f"<{name}{decls}{attrs}")
    if len(el) == 0 and not el.text:
        out.append("/>")
    else:
        out.append(">")
        if el.text:
            out.append(escape_text(el.text))
        inner = {**scope, **declare} if declare else scope
        for child in el:
            _write_element(child, out, inner, top=False)
        out.append(f"</{name}>")
    if el.tail and not top:
        out.append(escape_text(el.tail))


def _inline_shared_string(c: ET.Element, shared: list[ET.Element] | None, where: str) -> None:
    v = c.find(f"{_M}v")
    try:
        si = (shared or [])[int((v.text if v is not None else "") or "")]
    except (ValueError, IndexError) as exc:
        raise TransplantError(Issue(where, "Delt tekst mangler i kladdeboken.")) from exc
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


def _reachable(pkg: Package, targets: dict[str, list[str]], bare: set[str]) -> set[str]:
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
        tpkg = Package(tz, target.name)
        spkg = Package(sz, source.name)
        return _transplant(tpkg, spkg, names, out, position, allow_formulas)


def _transplant(
    tpkg: Package,
    spkg: Package,
    names: list[str],
    out: Path,
    position: int | None,
    allow_formulas: bool,
) -> TransplantResult:
    twb = read_workbook_parts(tpkg)
    swb = read_workbook_parts(spkg)
    result = TransplantResult()

    # Styles of both books.
    t_styles_rel = twb.rel_of_type(RT_STYLES)
    if t_styles_rel is None or tpkg.find(t_styles_rel.part) is None:
        raise TransplantError(
            Issue(tpkg.label, "Arbeidsboken mangler stildelen (styles.xml). Lagre den i Excel.")
        )
    t_styles_part = tpkg.find(t_styles_rel.part) or t_styles_rel.part
    t_styles_text, t_styles_enc = decode(tpkg.read(t_styles_part))
    s_styles_rel = swb.rel_of_type(RT_STYLES)
    s_styles_root = (
        parse_xml(spkg.read(s_styles_rel.part), "styles.xml")
        if s_styles_rel and spkg.find(s_styles_rel.part)
        else None
    )
    styles = StyleMerger(t_styles_text, t_styles_enc, s_styles_root)

    s_sst_rel = swb.rel_of_type(RT_SHARED_STRINGS)
    shared: list[ET.Element] | None = None
    if s_sst_rel and spkg.find(s_sst_rel.part):
        sst = parse_xml(spkg.read(s_sst_rel.part), "sharedStrings.xml")
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
            raise TransplantError(Issue(spkg.label, f"Kladdeboken har ikke arket «{name}»."))
        if src.rel_type != RT_WORKSHEET:
            raise TransplantError(Issue(spkg.label, f"«{name}» i kladden er ikke et regneark."))
        existing = t_by_name.get(name.casefold())
        if existing is not None:
            index, tsheet = existing
            if tsheet.rel_type != RT_WORKSHEET or tsheet.part is None:
                raise TransplantError(
                    Issue(
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
    wb_rels_name = tpkg.rels_name(twb.part) or rels_part_name(twb.part)
    calc_rel = twb.rel_of_type(RT_CALC_CHAIN) if drop_calc_chain else None
    if new_sheets or calc_rel is not None:
        rels_text, rels_enc = decode(tpkg.read(wb_rels_name))
        if calc_rel is not None:
            rels_text = remove_elements(
                rels_text, "Relationships", "Relationship", "Id", {calc_rel.id}
            )
        taken = {r.id for r in twb.rels}
        for i, (name, part, _) in enumerate(new_sheets):
            rid = _new_rid(taken)
            taken.add(rid)
            new_sheets[i] = (name, part, rid)
            target_ref = quote(posixpath.relpath(part, posixpath.dirname(twb.part)))
            element = (
                f'Relationship Id="{rid}" Type="{RT_WORKSHEET}" '
                f'Target="{escape_attr(target_ref)}"/>'
            )
            rels_text = insert_before_close(rels_text, "Relationships", element)
        parse_xml(rels_text.encode(rels_enc), wb_rels_name)
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
        wb_text, wb_enc = decode(tpkg.read(twb.part))
        if new_sheets:
            wb_text = _add_sheets_to_workbook(wb_text, twb, new_sheets, insert_at)
        wb_text = _set_print_names(wb_text, {t_index[n.casefold()]: s_print.get(n.casefold(), [])
                                             for n in names})
        parse_xml(wb_text.encode(wb_enc), twb.part)
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
        ct_text, ct_enc = decode(tpkg.read(ct_name))
        ct_text = remove_elements(
            ct_text, "Types", "Override", "PartName", {"/" + p for p in removed}, casefold=True
        )
        for _, part, _ in new_sheets:
            element = f'Override PartName="/{escape_attr(part)}" ContentType="{CT_WORKSHEET}"/>'
            ct_text = insert_before_close(ct_text, "Types", element)
        parse_xml(ct_text.encode(ct_enc), ct_name)
        changed[ct_name] = ct_text.encode(ct_enc)

    write_package(tpkg, out, changed, added_parts, removed)
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


def _add_sheets_to_workbook(
    text: str, wb: WorkbookParts, new_sheets: list[tuple[str, str, str]], insert_at: int
) -> str:
    p = root_prefix(text, "workbook")
    root_tag = start_tag(p, "workbook").search(text)
    r = ns_prefix(root_tag.group(0) if root_tag else "", REL_NS)
    next_id = max((s.sheet_id for s in wb.sheets), default=0) + 1
    elements = []
    for i, (name, _, rid) in enumerate(new_sheets):
        rid_attr = f'{r}:id="{rid}"' if r else f'xmlns:r="{REL_NS}" r:id="{rid}"'
        elements.append(
            f'<{p}sheet name="{escape_attr(name)}" sheetId="{next_id + i}" {rid_attr}/>'
        )
    block = "".join(elements)
    k = len(new_sheets)

    sheet_tags = list(re.finditer(rf"<{re.escape(p)}sheet[\s/>]", text))
    if insert_at < len(sheet_tags):
        at = sheet_tags[insert_at].start()
        text = text[:at] + block + text[at:]

        # Indexes into the sheet list move: sheet-local defined names and the active tab.
        def shift_name(m: re.Match[str]) -> str:
            local_id = get_attr(m.group(0), "localSheetId")
            if local_id is None or int(local_id) < insert_at:
                return m.group(0)
            return set_attr(m.group(0), "localSheetId", str(int(local_id) + k))

        text = start_tag(p, "definedName").sub(shift_name, text)

        def shift_view(m: re.Match[str]) -> str:
            tag = m.group(0)
            active = int(get_attr(tag, "activeTab") or "0")
            if active >= insert_at:
                tag = set_attr(tag, "activeTab", str(active + k))
            first = get_attr(tag, "firstSheet")
            if first is not None and int(first) >= insert_at:
                tag = set_attr(tag, "firstSheet", str(int(first) + k))
            return tag

        text = start_tag(p, "workbookView").sub(shift_view, text)
    else:
        m = start_tag(p, "sheets").search(text)
        if m is not None and m.group(2) == "/":
            text = text[: m.start()] + f"<{p}sheets>{block}</{p}sheets>" + text[m.end() :]
        else:
            close = text.index(f"</{p}sheets>")
            text = text[:close] + block + text[close:]
    return text


PRINT_NAMES = ("_xlnm.Print_Titles", "_xlnm.Print_Area")


def _print_names(spkg: Package, swb: WorkbookParts, names: Sequence[str]
                 ) -> dict[str, list[tuple[str, str]]]:
    """Sheet name (casefolded) → its print titles/area in the scratch book: (name, value)."""
    root = parse_xml(spkg.read(swb.part), f"{spkg.label}:{swb.part}")
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
    text, _ = decode(data)
    for m in _DEFINED_NAME.finditer(text):
        tag = m.group(0)[: m.group(0).index(">") + 1]
        local = get_attr(tag, "localSheetId")
        if get_attr(tag, "name") in PRINT_NAMES and local is not None and int(local) in indexes:
            return True
    return False


def _set_print_names(text: str, by_index: dict[int, list[tuple[str, str]]]) -> str:
    """Replace the print titles/areas of the sheets at ``by_index`` (target positions)."""

    def drop(m: re.Match[str]) -> str:
        tag = m.group(0)[: m.group(0).index(">") + 1]
        local = get_attr(tag, "localSheetId")
        if get_attr(tag, "name") in PRINT_NAMES and local is not None and int(local) in by_index:
            return ""
        return m.group(0)

    text = _DEFINED_NAME.sub(drop, text)
    p = root_prefix(text, "workbook")
    elements = "".join(
        f'<{p}definedName name="{escape_attr(name)}" localSheetId="{index}">'
        f"{escape_text(value)}</{p}definedName>"
        for index, entries in sorted(by_index.items()) for name, value in entries)
    if not elements:
        return text
    close = text.find(f"</{p}definedNames>")
    if close >= 0:
        return text[:close] + elements + text[close:]
    empty = start_tag(p, "definedNames").search(text)
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
