"""Refuse hostile or hopeless workbook files before anything parses them.

An xlsx is a zip of XML parts. A 1 MB file can hold hundreds of MB of sheet XML (openpyxl then
dies with MemoryError, calamine eats gigabytes), and users hand us all sorts of files with an
.xlsx name: old .xls, password-protected workbooks (an encrypted OLE container), .ods, .xlsb,
CSV or HTML exports. ``precheck`` looks only at the first bytes and the zip's central directory
(plus a few KB of each worksheet) and answers in milliseconds, in Norwegian, with what to do.

Every reader and writer of user workbooks calls ``precheck`` first; the limits are module
constants so they are easy to find, and a ``Limits`` value lets a caller (or a test) tighten them.
"""

from __future__ import annotations

import itertools
import re
import zipfile
from dataclasses import dataclass
from pathlib import Path

from avregn.xlsx.cells import column_index
from avregn.xlsx.errors import Issue
from avregn.xlsx.package import MB, sheet_parts, workbook_part

# A settlement workbook with thousands of rows is a few MB of XML. 200 MB unpacked is far above
# anything legitimate here and well below where openpyxl runs out of memory (~300 MB of XML).
MAX_TOTAL_UNCOMPRESSED = 200 * MB
# Real sheet XML compresses 5-30x; a member over 100x that is also big is a bomb.
MAX_COMPRESSION_RATIO = 100
RATIO_CHECK_MIN_SIZE = 10 * MB
# Excel packages have tens of parts; thousands only with very many images. 10 000 is absurd.
MAX_MEMBERS = 10_000
# Declared used range (<dimension>) per worksheet. A1:XFD1048576 is 17 billion cells; a reader
# that makes the sheet dense (calamine, pandas) would try to allocate that.
MAX_SHEET_CELLS = 10_000_000
# How much of each worksheet's XML we decompress to find <dimension> (it comes near the top).
DIMENSION_PEEK_BYTES = 16 * 1024

OLE_MAGIC = bytes.fromhex("D0CF11E0A1B11AE1")
ZIP_MAGICS = (b"PK\x03\x04", b"PK\x05\x06", b"PK\x07\x08")

SAVE_AS_XLSX = "Åpne den i Excel og velg Fil → Lagre som → Excel-arbeidsbok (.xlsx)."


@dataclass(frozen=True, slots=True)
class Limits:
    max_total_uncompressed: int = MAX_TOTAL_UNCOMPRESSED
    max_compression_ratio: float = MAX_COMPRESSION_RATIO
    ratio_check_min_size: int = RATIO_CHECK_MIN_SIZE
    max_members: int = MAX_MEMBERS
    max_sheet_cells: int = MAX_SHEET_CELLS


DEFAULT_LIMITS = Limits()


def precheck(path: Path | str, *, limits: Limits = DEFAULT_LIMITS) -> list[Issue]:
    """Return the reasons this file must not be opened as a workbook (empty list: go ahead)."""
    path = Path(path)
    where = path.name

    def problem(message: str) -> list[Issue]:
        return [Issue(where, message)]

    if path.is_dir():  # checked first: Windows reports a folder as PermissionError
        return problem("Dette er en mappe, ikke en fil. Velg selve arbeidsboken (.xlsx).")
    try:
        size = path.stat().st_size
        with path.open("rb") as fh:
            head = fh.read(512)
    except FileNotFoundError:
        return problem(f"Finner ikke filen «{path}». Sjekk navnet og mappen.")
    except PermissionError:
        return problem(
            "Får ikke lese filen. Er den åpen i et annet program, eller mangler du tilgang? "
            "Lukk den og prøv igjen."
        )
    if size == 0 or not head:
        return problem(
            "Filen er tom (0 byte). Velg riktig fil, eller lagre arbeidsboken på nytt fra Excel."
        )
    if head.startswith(OLE_MAGIC):
        return problem(
            "Filen er passordbeskyttet eller i det gamle .xls-formatet; "
            "lagre den som .xlsx uten passord. (Passordet fjernes i Excel under Fil → Informasjon "
            "→ Beskytt arbeidsbok → Krypter med passord: tøm feltet og lagre.)"
        )
    if not head.startswith(ZIP_MAGICS):
        return problem(_not_a_zip_message(head))

    try:
        zf = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError, ValueError):
        return problem(
            "Filen er skadet eller ikke en gyldig Excel-arbeidsbok (zip-pakken kan ikke leses). "
            "Åpne den i Excel; kan Excel reparere den, lagre den på nytt som .xlsx."
        )
    with zf:
        infos = zf.infolist()
        problems = _check_central_directory(where, infos, limits)
        if problems:
            # Stop here: nothing below may decompress a member of a file that looks like a bomb.
            return problems
        problems = _check_format(where, zf)
        if problems:
            return problems
        return _check_sheet_dimensions(where, zf, limits)


def _not_a_zip_message(head: bytes) -> str:
    text = head.lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    if text.startswith(b"%pdf"):
        return "Filen er en PDF, ikke en Excel-arbeidsbok. Velg arbeidsboken (.xlsx)."
    if text.startswith((b"<html", b"<!doctype html", b"<table", b"<meta")):
        return (
            "Filen er en nettside (HTML) med .xls-/.xlsx-navn, ikke en ekte Excel-arbeidsbok. "
            + SAVE_AS_XLSX
        )
    if text.startswith(b"<?xml"):
        return "Filen er i det gamle XML-regnearkformatet (Excel 2003), ikke .xlsx. " + SAVE_AS_XLSX
    return (
        "Filen er ikke en Excel-arbeidsbok (.xlsx/.xlsm). Er det en CSV- eller tekstfil, "
        + SAVE_AS_XLSX[0].lower()
        + SAVE_AS_XLSX[1:]
    )


def _thousands(n: float) -> str:
    """Norwegian thousands grouping with a space: 1 234 567."""
    return f"{n:,.0f}".replace(",", " ")


def _mb(n: float) -> str:
    return _thousands(n / MB)


def _check_central_directory(
    where: str, infos: list[zipfile.ZipInfo], limits: Limits
) -> list[Issue]:
    """Checks on the zip's own table of contents: no member is decompressed here."""
    bomb_hint = (
        "Det kan være en ødelagt eller ondsinnet fil (zip-bombe). Åpne den i Excel, fjern det som "
        "ikke trengs og lagre på nytt, eller spør IT om hjelp."
    )
    problems: list[Issue] = []
    if len(infos) > limits.max_members:
        problems.append(
            Issue(
                where,
                f"Filen består av {len(infos)} deler (grensen er {limits.max_members}). "
                + bomb_hint,
            )
        )
        return problems
    total = sum(i.file_size for i in infos)
    if total > limits.max_total_uncompressed:
        problems.append(
            Issue(
                where,
                f"Filen pakkes ut til {_mb(total)} MB, mer enn grensen på "
                f"{_mb(limits.max_total_uncompressed)} MB. " + bomb_hint,
            )
        )
    for info in infos:
        ratio = info.file_size / max(info.compress_size, 1)
        if info.file_size > limits.ratio_check_min_size and ratio > limits.max_compression_ratio:
            problems.append(
                Issue(
                    where,
                    f"Delen «{info.filename}» pakkes ut til {_mb(info.file_size)} MB "
                    f"({_thousands(ratio)} ganger større enn i filen). " + bomb_hint,
                )
            )
    names = [i.filename.lower() for i in infos]
    if len(set(names)) != len(names):
        # Two members with one name: different readers pick different ones (a smuggling trick).
        problems.append(Issue(where, "Filen har flere deler med samme navn. " + bomb_hint))
    # Members that share or overlap their data are the "non-recursive" zip bomb.
    by_offset = sorted(infos, key=lambda i: i.header_offset)
    for a, b in itertools.pairwise(by_offset):
        if a.header_offset + a.compress_size > b.header_offset:
            problems.append(Issue(where, "Filen har delene lagret oppå hverandre. " + bomb_hint))
            break
    if any(i.flag_bits & 0x1 for i in infos):
        problems.append(
            Issue(
                where, "Filen er kryptert som zip-fil. Lagre den på nytt fra Excel uten passord."
            )
        )
    if any(i.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED) for i in infos):
        problems.append(
            Issue(
                where,
                "Filen er pakket med en komprimering Excel ikke bruker. "
                "Åpne den i Excel og lagre på nytt som .xlsx.",
            )
        )
    return problems


def _lower_names(zf: zipfile.ZipFile) -> dict[str, str]:
    return {i.filename.lower(): i.filename for i in zf.infolist()}


def _check_format(where: str, zf: zipfile.ZipFile) -> list[Issue]:
    """Is this zip a spreadsheetML workbook, and if not, what is it?"""
    names = _lower_names(zf)
    if "[content_types].xml" not in names:
        if "mimetype" in names and zf.getinfo(names["mimetype"]).file_size < 200:
            mimetype = zf.read(names["mimetype"])
            if b"opendocument.spreadsheet" in mimetype:
                return [
                    Issue(
                        where,
                        "Filen er et OpenDocument-regneark (.ods). Åpne den i Excel eller "
                        "LibreOffice og lagre som Excel-arbeidsbok (.xlsx).",
                    )
                ]
        return [
            Issue(
                where,
                "Filen er en zip-fil, men ikke en Excel-arbeidsbok (mangler [Content_Types].xml). "
                "Velg riktig fil.",
            )
        ]
    if "xl/workbook.bin" in names:
        return [Issue(where, "Filen er i binærformatet .xlsb. " + SAVE_AS_XLSX)]
    if "word/document.xml" in names:
        return [Issue(where, "Filen er et Word-dokument, ikke en Excel-arbeidsbok.")]
    if "ppt/presentation.xml" in names:
        return [Issue(where, "Filen er en PowerPoint-presentasjon, ikke en Excel-arbeidsbok.")]
    if workbook_part(zf) is None:
        return [
            Issue(
                where,
                "Filen mangler selve arbeidsboken (xl/workbook.xml) og er trolig skadet. "
                "Åpne den i Excel; kan Excel reparere den, lagre den på nytt som .xlsx.",
            )
        ]
    return []


_DIMENSION_RE = re.compile(
    rb"<(?:\w+:)?dimension\s+ref=\"([A-Z]{1,3})(\d+)(?::([A-Z]{1,3})(\d+))?\""
)
_SHEET_DATA_RE = re.compile(rb"<(?:\w+:)?sheetData\b")


def _sheet_names_by_part(zf: zipfile.ZipFile) -> dict[str, str]:
    """Map worksheet part name (lower case) to its sheet name, for messages; {} if unsure."""
    parts = sheet_parts(zf)
    if parts is None:
        return {}
    return {s.part.lower(): s.name for s in parts.sheets if s.part}


def _check_sheet_dimensions(where: str, zf: zipfile.ZipFile, limits: Limits) -> list[Issue]:
    problems: list[Issue] = []
    sheet_names: dict[str, str] | None = None
    for info in zf.infolist():
        lower = info.filename.lower()
        if not (lower.startswith("xl/worksheets/") and lower.endswith(".xml")):
            continue
        with zf.open(info) as fh:
            head = fh.read(DIMENSION_PEEK_BYTES)
        match = _DIMENSION_RE.search(head)
        if match is None:
            continue
        data_at = _SHEET_DATA_RE.search(head)
        if data_at is not None and data_at.start() < match.start():
            continue  # not the sheet's own <dimension> (it must come before <sheetData>)
        c1, r1, c2, r2 = match.groups()
        first_col, first_row = column_index(c1.decode()), int(r1)
        last_col, last_row = (
            (column_index(c2.decode()), int(r2)) if c2 and r2 else (first_col, first_row)
        )
        cells = (abs(last_row - first_row) + 1) * (abs(last_col - first_col) + 1)
        if cells <= limits.max_sheet_cells:
            continue
        if sheet_names is None:
            sheet_names = _sheet_names_by_part(zf)
        name = sheet_names.get(lower, info.filename)
        ref = match.group(0).split(b'"')[1].decode("ascii")
        problems.append(
            Issue(
                where,
                f"Arket «{name}» har et brukt område på {ref} ({_thousands(cells)} celler), "
                "altfor stort. Trolig står det noe langt nede eller langt til høyre: "
                "trykk Ctrl+End i arket, slett radene og kolonnene etter dataene, og lagre.",
            )
        )
    return problems
