"""The OPC package of an xlsx/xlsm: zip members, relationships, the workbook and its sheets.

``Package`` is a read-only view of the zip with case-insensitive part names and parsed
relationships; ``read_workbook_parts`` is the one place that maps workbook.xml's sheets to their
worksheet parts (through the workbook's relationships, as Excel does); ``write_package`` copies
every member raw — same bytes, member order, compression method and timestamp — except the
parts a writer changed, added or removed.
"""

from __future__ import annotations

import contextlib
import posixpath
import shutil
import struct
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO
from urllib.parse import unquote

from defusedxml import ElementTree as SafeET

from avregn.xlsx.errors import Issue, TransplantError, WorkbookError
from avregn.xlsx.xmltext import namespace_of, parse_xml

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

_M = f"{{{MAIN_NS}}}"
_R = f"{{{REL_NS}}}"
MB = 1024 * 1024




def rels_part_name(part: str) -> str:
    folder, base = posixpath.split(part)
    return posixpath.join(folder, "_rels", base + ".rels")


@dataclass(frozen=True, slots=True)
class Rel:
    id: str
    type: str
    part: str  # resolved part name (zip member name, case as in the zip if present)
    external: bool


class Package:
    """Read-only view of an OPC zip: case-insensitive part names, parsed relationships."""

    def __init__(self, zf: zipfile.ZipFile, label: str):
        self.zf = zf
        self.label = label
        self.infos = zf.infolist()
        self.by_lower = {i.filename.lower(): i.filename for i in self.infos}
        self._rels: dict[str, list[Rel]] = {}

    def find(self, part: str) -> str | None:
        return self.by_lower.get(part.lower())

    def read(self, part: str) -> bytes:
        name = self.find(part)
        if name is None:
            raise TransplantError(Issue(self.label, f"Delen {part} mangler; filen er skadet."))
        return self.zf.read(name)

    def resolve(self, base_part: str, target: str) -> str:
        target = unquote(target)
        if target.startswith("/"):
            part = target.lstrip("/")
        else:
            part = posixpath.join(posixpath.dirname(base_part), target)
        part = posixpath.normpath(part)
        return self.find(part) or part

    def rels(self, part: str) -> list[Rel]:
        """Relationships *from* ``part`` ('' = the package root)."""
        if part in self._rels:
            return self._rels[part]
        rels_name = "_rels/.rels" if part == "" else rels_part_name(part)
        found = self.find(rels_name)
        result: list[Rel] = []
        if found is not None:
            root = parse_xml(self.zf.read(found), f"{self.label}:{found}")
            for rel in root.iter(f"{{{PKG_REL_NS}}}Relationship"):
                external = rel.get("TargetMode") == "External"
                target = rel.get("Target", "")
                result.append(
                    Rel(
                        id=rel.get("Id", ""),
                        type=rel.get("Type", ""),
                        part=target if external else self.resolve(part, target),
                        external=external,
                    )
                )
        self._rels[part] = result
        return result

    def rels_name(self, part: str) -> str | None:
        return self.find("_rels/.rels" if part == "" else rels_part_name(part))


@dataclass(slots=True)
class SheetEntry:
    name: str
    sheet_id: int
    rid: str
    part: str | None
    rel_type: str


@dataclass(slots=True)
class WorkbookParts:
    part: str
    sheets: list[SheetEntry]
    rels: list[Rel]
    active_tab: int
    date1904: bool = False

    def rel_of_type(self, rel_type: str) -> Rel | None:
        return next((r for r in self.rels if r.type == rel_type and not r.external), None)


def workbook_part(zf: zipfile.ZipFile) -> str | None:
    """Name of the workbook part (normally ``xl/workbook.xml``), found as Excel finds it."""
    names = {i.filename.lower(): i.filename for i in zf.infolist()}
    if "xl/workbook.xml" in names:
        return names["xl/workbook.xml"]
    # Other writers may name it differently; the package's root relationships say which it is.
    rels = names.get("_rels/.rels")
    if rels is None or zf.getinfo(rels).file_size > MB:
        return None
    try:
        root = SafeET.fromstring(zf.read(rels))
    except Exception:
        return None
    for rel in root.iter(f"{{{PKG_REL_NS}}}Relationship"):
        if rel.get("Type", "").endswith("/officeDocument") and rel.get("TargetMode") != "External":
            target = unquote(rel.get("Target", "")).lstrip("/")
            target = posixpath.normpath(target)
            if target.lower() in names:
                return names[target.lower()]
    return None


def _int(value: str | None) -> int:
    try:
        return int(value or "0")
    except ValueError:
        return 0


def read_workbook_parts(pkg: Package, *, for_writing: bool = True) -> WorkbookParts:
    """The workbook part, its sheets (name → part, through the workbook's relationships, the
    one sheet-part resolver of the project), relationships, active tab and date system.
    ``for_writing`` refuses a Strict Open XML workbook, which we cannot write into."""
    part = workbook_part(pkg.zf)
    if part is None:
        raise TransplantError(Issue(pkg.label, "Arbeidsboken (xl/workbook.xml) mangler."))
    root = parse_xml(pkg.read(part), f"{pkg.label}:{part}")
    if for_writing and namespace_of(root.tag) == STRICT_MAIN_NS:
        raise TransplantError(
            Issue(
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
            SheetEntry(
                name=el.get("name", ""),
                sheet_id=_int(el.get("sheetId")),
                rid=rid,
                part=None if rel is None or rel.external else rel.part,
                rel_type=rel.type if rel else "",
            )
        )
    view = root.find(f"{_M}bookViews/{_M}workbookView")
    active = _int(view.get("activeTab")) if view is not None else 0
    pr = root.find(f"{_M}workbookPr")
    date1904 = pr is not None and (pr.get("date1904") or "").lower() in ("1", "true")
    return WorkbookParts(part=part, sheets=sheets, rels=rels, active_tab=active,
                         date1904=date1904)


def sheet_parts(zf: zipfile.ZipFile, label: str = "") -> WorkbookParts | None:
    """``read_workbook_parts`` for readers: None when the workbook's parts cannot be read."""
    try:
        return read_workbook_parts(Package(zf, label), for_writing=False)
    except WorkbookError:
        return None


def _clone_info(info: zipfile.ZipInfo) -> zipfile.ZipInfo:
    new = zipfile.ZipInfo(info.filename, info.date_time)
    new.compress_type = info.compress_type
    new.comment = info.comment
    new.external_attr = info.external_attr
    new.create_system = info.create_system
    new.file_size = info.file_size  # lets zipfile decide on zip64 up front
    return new


_LOCAL_HEADER = struct.Struct("<4s5H3L2H")


def _copy_raw(zout: zipfile.ZipFile, src: BinaryIO, info: zipfile.ZipInfo,
              zi: zipfile.ZipInfo) -> bool:
    """Copy an unchanged member's compressed bytes as they are (no inflate and deflate again:
    most of a save's time in a big workbook). False when the member is not a plain stored or
    deflated one, or the source does not look as its directory says; the caller then copies
    it the ordinary way."""
    if info.flag_bits & 0x1 or info.compress_type not in (zipfile.ZIP_STORED,
                                                          zipfile.ZIP_DEFLATED):
        return False
    src.seek(info.header_offset)
    header = src.read(_LOCAL_HEADER.size)
    if len(header) != _LOCAL_HEADER.size:
        return False
    fields = _LOCAL_HEADER.unpack(header)
    if fields[0] != b"PK\x03\x04":
        return False
    src.seek(info.header_offset + _LOCAL_HEADER.size + fields[9] + fields[10])
    data = src.read(info.compress_size)
    if len(data) != info.compress_size:
        return False
    zi.CRC = info.CRC
    zi.compress_size = info.compress_size
    zi.file_size = info.file_size
    zi.flag_bits = info.flag_bits & 0x6  # the deflate level hint; sizes are in the header
    # What ZipFile.open(..., "w") and its close do, in one step with the sizes known.
    with zout._lock:  # type: ignore[attr-defined]
        if zout._seekable:  # type: ignore[attr-defined]
            zout.fp.seek(zout.start_dir)  # type: ignore[union-attr]
        zi.header_offset = zout.fp.tell()  # type: ignore[union-attr]
        zout._writecheck(zi)  # type: ignore[attr-defined]
        zout._didModify = True  # type: ignore[attr-defined]
        zout.fp.write(zi.FileHeader())  # type: ignore[union-attr]
        zout.fp.write(data)  # type: ignore[union-attr]
        zout.filelist.append(zi)
        zout.NameToInfo[zi.filename] = zi
        zout.start_dir = zout.fp.tell()  # type: ignore[union-attr]
    return True


def write_package(
    pkg: Package,
    out: Path,
    changed: dict[str, bytes],
    added: list[tuple[str, bytes]],
    removed: set[str],
) -> None:
    source = pkg.zf.filename
    with contextlib.ExitStack() as stack:
        raw = stack.enter_context(open(source, "rb")) if isinstance(source, str) else None
        _write_members(pkg, out, changed, added, removed, raw)


def _write_members(
    pkg: Package,
    out: Path,
    changed: dict[str, bytes],
    added: list[tuple[str, bytes]],
    removed: set[str],
    raw: BinaryIO | None,
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
            if raw is None or not _copy_raw(zout, raw, info, zi):
                with pkg.zf.open(info) as src, zout.open(zi, "w") as dst:
                    shutil.copyfileobj(src, dst, 1024 * 1024)
        for name, data in added:
            zi = zipfile.ZipInfo(name, (1980, 1, 1, 0, 0, 0))
            zi.compress_type = zipfile.ZIP_DEFLATED
            zout.writestr(zi, data)
