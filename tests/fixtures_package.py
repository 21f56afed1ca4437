"""Builds the workbooks the package tests write into, in temporary folders.

The target is meant to hold everything a user's settlement workbook may hold and openpyxl's
load/save would lose or rewrite: VBA (an .xlsm with a real vbaProject.bin when xlwings is
installed), a drawing with a shape and a picture, an x14 data validation, cached formula values,
a calcChain, comments, a table, a chart, data validation, conditional formatting and defined
names. openpyxl builds what it can; the rest is added to the zip by hand, as Excel would write it.
"""

from __future__ import annotations

import os
import re
import struct
import zipfile
import zlib
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

import openpyxl
from openpyxl.chart import BarChart, Reference
from openpyxl.comments import Comment
from openpyxl.formatting.rule import CellIsRule
from openpyxl.styles import Font, PatternFill
from openpyxl.workbook.defined_name import DefinedName
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.table import Table

from avregn.xlsx.cells import set_text

REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
CT_DRAWING = "application/vnd.openxmlformats-officedocument.drawing+xml"
CT_CALC_CHAIN = "application/vnd.openxmlformats-officedocument.spreadsheetml.calcChain+xml"
CT_XLSM_MAIN = "application/vnd.ms-excel.sheet.macroEnabled.main+xml"
CT_XLSX_MAIN = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"

# Cached values of the formulas in the target: (part, cell) -> value Excel would have stored.
AVREGNING_PART = "xl/worksheets/sheet1.xml"
OLD_BEREGNING_PART = "xl/worksheets/sheet3.xml"
CACHED = {
    (AVREGNING_PART, "C6"): "1250",
    (AVREGNING_PART, "C7"): "3125",
    (AVREGNING_PART, "C8"): "625",
    (OLD_BEREGNING_PART, "B4"): "30",
}
TENANTS = [
    ("Bjørk & Sønn <AS>", 1234.5, False),
    ('=HYPERLINK("http://example.invalid","klikk")', -99.99, False),
    ("#N/A", 1_000_000.0, True),
    ("+47 999 99 999", 0.0, False),
    ("@SUM(A1)", 12.34, False),
]


def load_with_vba(path: Path) -> openpyxl.Workbook:
    """openpyxl's view of a macro workbook, for reading only. openpyxl keeps the VBA parts in
    an in-memory zip opened for appending that it never closes; closed here, so that it is not
    left to the garbage collector to finish (which then fails on its closed buffer)."""
    wb = openpyxl.load_workbook(path, keep_vba=True)
    if wb.vba_archive is not None:
        wb.vba_archive.close()
    return wb


def xlwings_template(name: str) -> Path | None:
    """An Excel-made file shipped with xlwings (real Excel XML and VBA), if installed."""
    try:
        import xlwings
    except ImportError:
        return None
    path = Path(xlwings.__file__).parent / name
    return path if path.exists() else None


def tiny_png(width: int = 4, height: int = 4, rgb: tuple[int, int, int] = (200, 30, 30)) -> bytes:
    """A valid PNG without Pillow."""
    raw = b"".join(b"\x00" + bytes(rgb) * width for _ in range(height))

    def chunk(kind: bytes, data: bytes) -> bytes:
        crc = zlib.crc32(kind + data) & 0xFFFFFFFF
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", crc)

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(raw))
        + chunk(b"IEND", b"")
    )


def read_parts(path: Path) -> dict[str, bytes]:
    with zipfile.ZipFile(path) as zf:
        return {i.filename: zf.read(i) for i in zf.infolist()}


def member_order(path: Path) -> list[str]:
    with zipfile.ZipFile(path) as zf:
        return [i.filename for i in zf.infolist()]


def write_parts(path: Path, parts: dict[str, bytes]) -> None:
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in parts.items():
            zf.writestr(zipfile.ZipInfo(name, (2024, 5, 17, 10, 30, 0)), data, zipfile.ZIP_DEFLATED)


def _add_override(ct: bytes, part: str, content_type: str) -> bytes:
    element = f'<Override PartName="/{part}" ContentType="{content_type}"/>'.encode()
    return ct.replace(b"</Types>", element + b"</Types>")


def _add_default(ct: bytes, ext: str, content_type: str) -> bytes:
    if f'Extension="{ext}"'.encode() in ct:
        return ct
    element = f'<Default Extension="{ext}" ContentType="{content_type}"/>'.encode()
    return re.sub(rb"(<Types[^>]*>)", lambda m: m.group(1) + element, ct, count=1)


def _add_rel(rels: bytes | None, rid: str, rel_type: str, target: str) -> bytes:
    if rels is None:
        rels = (
            b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<Relationships '
            b'xmlns="http://schemas.openxmlformats.org/package/2006/relationships"></Relationships>'
        )
    full_type = rel_type if rel_type.startswith("http") else f"{REL}/{rel_type}"
    element = f'<Relationship Id="{rid}" Type="{full_type}" Target="{target}"/>'.encode()
    return rels.replace(b"</Relationships>", element + b"</Relationships>")


def _drawing_xml(shape_text: str, image_rid: str | None) -> bytes:
    xdr = "http://schemas.openxmlformats.org/drawingml/2006/spreadsheetDrawing"
    a = "http://schemas.openxmlformats.org/drawingml/2006/main"

    def marker(tag: str, col: int, row: int) -> str:
        return (
            f"<xdr:{tag}><xdr:col>{col}</xdr:col><xdr:colOff>0</xdr:colOff>"
            f"<xdr:row>{row}</xdr:row><xdr:rowOff>0</xdr:rowOff></xdr:{tag}>"
        )

    shape = (
        f"<xdr:twoCellAnchor>{marker('from', 5, 1)}{marker('to', 8, 5)}"
        '<xdr:sp macro="" textlink=""><xdr:nvSpPr><xdr:cNvPr id="2" name="Rektangel 1"/>'
        '<xdr:cNvSpPr/></xdr:nvSpPr><xdr:spPr><a:xfrm><a:off x="0" y="0"/>'
        '<a:ext cx="1828800" cy="762000"/></a:xfrm><a:prstGeom prst="rect"><a:avLst/>'
        '</a:prstGeom><a:solidFill><a:srgbClr val="FFFF00"/></a:solidFill></xdr:spPr>'
        '<xdr:txBody><a:bodyPr/><a:lstStyle/><a:p><a:r><a:rPr lang="nb-NO"/>'
        f"<a:t>{shape_text}</a:t></a:r></a:p></xdr:txBody></xdr:sp><xdr:clientData/>"
        "</xdr:twoCellAnchor>"
    )
    picture = ""
    if image_rid:
        picture = (
            f'<xdr:oneCellAnchor>{marker("from", 9, 1)}<xdr:ext cx="952500" cy="952500"/>'
            '<xdr:pic><xdr:nvPicPr><xdr:cNvPr id="3" name="Bilde 2"/><xdr:cNvPicPr>'
            '<a:picLocks noChangeAspect="1"/></xdr:cNvPicPr></xdr:nvPicPr><xdr:blipFill>'
            f'<a:blip r:embed="{image_rid}"/><a:stretch><a:fillRect/></a:stretch>'
            '</xdr:blipFill><xdr:spPr><a:prstGeom prst="rect"><a:avLst/></a:prstGeom>'
            "</xdr:spPr></xdr:pic><xdr:clientData/></xdr:oneCellAnchor>"
        )
    return (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        f'<xdr:wsDr xmlns:xdr="{xdr}" xmlns:a="{a}" xmlns:r="{REL}">{shape}{picture}</xdr:wsDr>'
    ).encode()


X14_VALIDATION = (
    b'<extLst><ext uri="{CCE6A557-97BC-4b89-ADB6-D9C93CAAB3DF}" '
    b'xmlns:x14="http://schemas.microsoft.com/office/spreadsheetml/2009/9/main">'
    b'<x14:dataValidations count="1" '
    b'xmlns:xm="http://schemas.microsoft.com/office/excel/2006/main">'
    b'<x14:dataValidation type="list" allowBlank="1" showInputMessage="1" showErrorMessage="1">'
    b"<x14:formula1><xm:f>Lister!$A$1:$A$3</xm:f></x14:formula1><xm:sqref>A6:A20</xm:sqref>"
    b"</x14:dataValidation></x14:dataValidations></ext></extLst>"
)


def _insert_drawing(sheet: bytes, rid: str) -> bytes:
    element = f'<drawing xmlns:r="{REL}" r:id="{rid}"/>'.encode()
    # <drawing> comes before <legacyDrawing> (comments) and <tableParts> in CT_Worksheet.
    for anchor in (b"<legacyDrawing", b"<tableParts", b"</worksheet>"):
        if anchor in sheet:
            return sheet.replace(anchor, element + anchor, 1)
    raise AssertionError("no place for <drawing>")


@dataclass
class RichTarget:
    path: Path
    # Parts that only the old Beregning sheet uses: they must go when it is replaced.
    old_engine_only: set[str] = field(default_factory=set)
    shared_image: str = "xl/media/image90.png"


def build_rich_target(folder: Path, *, old_engine_sheet: bool = True) -> RichTarget:
    """An .xlsm holding all the things a transplant must not disturb.

    Sheets: Avregning, Lister, [Beregning (an old engine sheet with a formula, a comment, a
    table and a drawing)], Notater, Diagram (a chart). Active tab: Avregning.
    """
    folder.mkdir(parents=True, exist_ok=True)
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Avregning"
    ws["A1"] = "Eiendom"
    ws["B1"] = "Storgata 1"
    ws["A1"].comment = Comment("Fyll inn eiendommens navn", "Regnskap")
    ws["A3"] = "Sats"
    ws["B3"] = 12.5
    ws.append([])
    ws.append(["Leietaker", "Areal", "Beløp", "Godkjent"])
    for row, (tenant, area) in enumerate([("Kiosken", 100), ("Bakeriet", 250), ("Frisør", 50)], 6):
        ws.cell(row=row, column=1, value=tenant)
        ws.cell(row=row, column=2, value=area)
        ws.cell(row=row, column=3, value=f"=B{row}*$B$3")
        ws.cell(row=row, column=3).number_format = "#,##0.00"
    dv = DataValidation(type="list", formula1='"Ja,Nei"', allow_blank=True)
    ws.add_data_validation(dv)
    dv.add("D6:D20")
    red = PatternFill("solid", fgColor="FFC7CE")
    ws.conditional_formatting.add(
        "C6:C8", CellIsRule(operator="greaterThan", formula=["1000"], fill=red)
    )
    wb.defined_names["Sats"] = DefinedName("Sats", attr_text="Avregning!$B$3")
    ws.print_area = "A1:D10"

    lister = wb.create_sheet("Lister")
    for i, value in enumerate(["Kiosken", "Bakeriet", "Frisør"], 1):
        lister.cell(row=i, column=1, value=value)

    if old_engine_sheet:
        old = wb.create_sheet("Beregning")
        old["A1"] = "Gammel beregning"
        old["B2"] = 10
        old["B3"] = 20
        old["B4"] = "=SUM(B2:B3)"
        old["A1"].comment = Comment("Skrevet av forrige versjon", "avregn")
        old["A6"], old["B6"] = "Navn", "Beløp"
        old["A7"], old["B7"] = "x", 1
        old.add_table(Table(displayName="GammelTabell", ref="A6:B7"))

    notes = wb.create_sheet("Notater")
    notes["A1"] = "Notater fra regnskap"

    chart_ws = wb.create_sheet("Diagram")
    for i, (label, value) in enumerate([("Q1", 3), ("Q2", 5), ("Q3", 4), ("Q4", 6)], 1):
        chart_ws.cell(row=i, column=1, value=label)
        chart_ws.cell(row=i, column=2, value=value)
    chart = BarChart()
    chart.add_data(Reference(chart_ws, min_col=2, min_row=1, max_row=4))
    chart.set_categories(Reference(chart_ws, min_col=1, min_row=1, max_row=4))
    chart_ws.add_chart(chart, "D2")
    wb.active = 0

    plain = folder / "plain.xlsx"
    wb.save(plain)
    parts = read_parts(plain)
    plain.unlink()

    sheet_names = ["Avregning", "Lister"] + (["Beregning"] if old_engine_sheet else [])
    sheet_names += ["Notater", "Diagram"]
    sheet_part = {name: f"xl/worksheets/sheet{i}.xml" for i, name in enumerate(sheet_names, 1)}
    ct = parts["[Content_Types].xml"]

    # Cached formula values, as Excel stores them (openpyxl writes an empty <v/>).
    for (part, ref), value in CACHED.items():
        if part not in parts or (part == OLD_BEREGNING_PART and not old_engine_sheet):
            continue
        pattern = re.compile(rb'(<c r="' + ref.encode() + rb'"[^>]*>\s*<f>[^<]*</f>)\s*<v\s*/>')
        parts[part], n = pattern.subn(
            lambda m, v=value: m.group(1) + f"<v>{v}</v>".encode(), parts[part]
        )
        assert n == 1, (part, ref)

    # VBA: a real project from xlwings' Excel-made quickstart if we have it.
    template = xlwings_template("quickstart.xlsm")
    if template is not None:
        with zipfile.ZipFile(template) as zf:
            vba = zf.read("xl/vbaProject.bin")
    else:
        vba = bytes.fromhex("D0CF11E0A1B11AE1") + os.urandom(4096)
    parts["xl/vbaProject.bin"] = vba
    ct = _add_default(ct, "bin", "application/vnd.ms-office.vbaProject")
    ct = ct.replace(CT_XLSX_MAIN.encode(), CT_XLSM_MAIN.encode())
    parts["xl/_rels/workbook.xml.rels"] = _add_rel(
        parts["xl/_rels/workbook.xml.rels"],
        "rIdVba",
        "http://schemas.microsoft.com/office/2006/relationships/vbaProject",
        "vbaProject.bin",
    )
    parts["xl/workbook.xml"] = parts["xl/workbook.xml"].replace(
        b"<workbookPr />", b'<workbookPr codeName="ThisWorkbook" />'
    )

    # A drawing with a shape and a picture on the user's sheet; a shape on the old engine sheet
    # that reuses the same picture (the picture must survive the old sheet's removal).
    image = "xl/media/image90.png"
    parts[image] = tiny_png()
    ct = _add_default(ct, "png", "image/png")
    targets = [("Avregning", "xl/drawings/drawing90.xml", "Husk å sjekke arealene")]
    if old_engine_sheet:
        targets.append(("Beregning", "xl/drawings/drawing91.xml", "Gammel merknad"))
    for sheet, drawing, text in targets:
        parts[drawing] = _drawing_xml(text, "rIdImg1")
        drawing_rels = drawing.replace("drawings/", "drawings/_rels/") + ".rels"
        parts[drawing_rels] = _add_rel(None, "rIdImg1", "image", "../media/image90.png")
        ct = _add_override(ct, drawing, CT_DRAWING)
        part = sheet_part[sheet]
        sheet_rels = part.replace("worksheets/", "worksheets/_rels/") + ".rels"
        parts[sheet_rels] = _add_rel(
            parts.get(sheet_rels), "rIdShape1", "drawing", "../drawings/" + drawing.rsplit("/")[-1]
        )
        parts[part] = _insert_drawing(parts[part], "rIdShape1")

    # x14 data validation (a list from another sheet) — openpyxl drops these on load.
    avregning = sheet_part["Avregning"]
    parts[avregning] = parts[avregning].replace(b"</worksheet>", X14_VALIDATION + b"</worksheet>")
    parts[avregning] = parts[avregning].replace(b"<sheetPr>", b'<sheetPr codeName="Ark1">', 1)

    old_only: set[str] = set()
    if old_engine_sheet:
        part = sheet_part["Beregning"]
        parts[part] = parts[part].replace(b"<sheetPr>", b'<sheetPr codeName="Ark3">', 1)
        sheet_rels = part.replace("worksheets/", "worksheets/_rels/") + ".rels"
        rels_text = parts[sheet_rels].decode()
        for target in re.findall(r'Target="([^"]+)"', rels_text):
            resolved = os.path.normpath(os.path.join("xl/worksheets", target)).lstrip("/")
            if target.startswith("/"):
                resolved = target.lstrip("/")
            old_only.add(resolved)
        old_only |= {sheet_rels, "xl/drawings/_rels/drawing91.xml.rels", "xl/calcChain.xml"}

    # calcChain lists formula cells by sheetId (Avregning = 1, old Beregning = 3).
    chain = '<c r="C6" i="1"/><c r="C7"/><c r="C8"/>'
    if old_engine_sheet:
        chain += '<c r="B4" i="3"/>'
    parts["xl/calcChain.xml"] = (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        f'<calcChain xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">{chain}'
        "</calcChain>"
    ).encode()
    ct = _add_override(ct, "xl/calcChain.xml", CT_CALC_CHAIN)
    parts["xl/_rels/workbook.xml.rels"] = _add_rel(
        parts["xl/_rels/workbook.xml.rels"], "rIdCalc", "calcChain", "calcChain.xml"
    )
    parts["[Content_Types].xml"] = ct

    path = folder / "Avregning.xlsm"
    write_parts(path, parts)
    return RichTarget(path=path, old_engine_only=old_only)


def build_engine_scratch(
    folder: Path, *, factor: float = 1.0, conditional: bool = True, name: str = "kladd.xlsx"
) -> Path:
    """The engine's two sheets as the engine's writer would make them, in a scratch book."""
    folder.mkdir(parents=True, exist_ok=True)
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Beregning"
    set_text(ws["A1"], "Beregning — Storgata 1, 2025")
    ws["A1"].font = Font(bold=True, size=12)
    ws.merge_cells("A1:C1")
    for col, header in enumerate(["Leietaker", "Beløp", "Skal ikke faktureres"], 1):
        cell = ws.cell(row=3, column=col)
        set_text(cell, header)
        cell.font = Font(bold=True)
        cell.fill = PatternFill("solid", fgColor="D9E1F2")
    for row, (tenant, amount, skip) in enumerate(TENANTS, 4):
        set_text(ws.cell(row=row, column=1), tenant)
        amount_cell = ws.cell(row=row, column=2, value=round(amount * factor, 2))
        amount_cell.number_format = "#,##0.00"
        if skip:
            cross = ws.cell(row=row, column=3)
            set_text(cross, "✗")
            cross.font = Font(bold=True, color="C00000")
    ws.column_dimensions["A"].width = 40
    ws.column_dimensions["B"].width = 16
    ws.freeze_panes = "A4"
    if conditional:
        ws.conditional_formatting.add(
            "B4:B8", CellIsRule(operator="lessThan", formula=["0"], font=Font(color="9C0006"))
        )

    status = wb.create_sheet("Status")
    for row, (label, value) in enumerate(
        [
            ("Status", "Beregnet"),
            ("Beregnet", datetime(2025, 3, 1, 14, 5)),
            ("Fingeravtrykk", "abc123"),
        ],
        1,
    ):
        set_text(status.cell(row=row, column=1), label)
        status.cell(row=row, column=1).font = Font(bold=True)
        cell = status.cell(row=row, column=2)
        if isinstance(value, str):
            set_text(cell, value)
        else:
            cell.value = value
            cell.number_format = "dd.mm.yyyy hh:mm"
    path = folder / name
    wb.save(path)
    return path


def to_shared_strings(path: Path, *, rich_run: bool = True) -> None:
    """Rewrite a scratch book's inline strings as shared strings, as Excel/xlsxwriter write them."""
    parts = read_parts(path)
    strings: list[bytes] = []
    index: dict[bytes, int] = {}
    inline = re.compile(rb'<c ([^>]*?)t="inlineStr"([^>]*)><is>(.*?)</is></c>', re.S)

    def shared(m: re.Match[bytes]) -> bytes:
        body = m.group(3)
        if body not in index:
            index[body] = len(strings)
            strings.append(body)
        return (
            b"<c "
            + m.group(1)
            + b't="s"'
            + m.group(2)
            + b"><v>"
            + str(index[body]).encode()
            + b"</v></c>"
        )

    for name in list(parts):
        if name.startswith("xl/worksheets/") and name.endswith(".xml"):
            parts[name] = inline.sub(shared, parts[name])
    if rich_run:
        # Make the first string rich text (a bold run), which inline strings must keep.
        first = strings[0]
        text = re.sub(rb"</?t[^>]*>", b"", first)
        strings[0] = b'<r><rPr><b/></rPr><t xml:space="preserve">' + text + b"</t></r>"
    sst = (
        b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        b'<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" count="'
        + str(len(strings)).encode()
        + b'" uniqueCount="'
        + str(len(strings)).encode()
        + b'">'
        + b"".join(b"<si>" + s + b"</si>" for s in strings)
        + b"</sst>"
    )
    parts["xl/sharedStrings.xml"] = sst
    parts["[Content_Types].xml"] = _add_override(
        parts["[Content_Types].xml"],
        "xl/sharedStrings.xml",
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml",
    )
    parts["xl/_rels/workbook.xml.rels"] = _add_rel(
        parts["xl/_rels/workbook.xml.rels"], "rIdSst", "sharedStrings", "sharedStrings.xml"
    )
    write_parts(path, parts)


def build_prefixed_target(folder: Path) -> Path:
    """A minimal workbook whose parts use an ``x:`` prefix for SpreadsheetML, as some .NET
    tools write them, with self-closing empty collections: text edits must follow the prefix."""
    folder.mkdir(parents=True, exist_ok=True)
    main = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
    decl = '<?xml version="1.0" encoding="utf-8"?>\n'
    ct = (
        decl + '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
        '<Default Extension="rels" '
        'ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
        '<Default Extension="xml" ContentType="application/xml"/>'
        f'<Override PartName="/xl/workbook.xml" ContentType="{CT_XLSX_MAIN}"/>'
        '<Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/'
        'vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
        '<Override PartName="/xl/styles.xml" ContentType="application/'
        'vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"/></Types>'
    )
    root_rels = _add_rel(None, "R1", "officeDocument", "xl/workbook.xml")
    wb_rels = _add_rel(None, "R1", "worksheet", "worksheets/sheet1.xml")
    wb_rels = _add_rel(wb_rels, "R2", "styles", "styles.xml")
    workbook = (
        decl + f'<x:workbook xmlns:x="{main}" xmlns:rel="{REL}"><x:sheets>'
        '<x:sheet name="Data" sheetId="1" rel:id="R1"/></x:sheets></x:workbook>'
    )
    sheet = (
        decl + f'<x:worksheet xmlns:x="{main}"><x:sheetData><x:row r="1">'
        '<x:c r="A1" t="inlineStr"><x:is><x:t>brukerdata</x:t></x:is></x:c>'
        '<x:c r="B1"><x:v>42</x:v></x:c></x:row></x:sheetData></x:worksheet>'
    )
    styles = (
        decl + f'<x:styleSheet xmlns:x="{main}">'
        '<x:fonts count="1"><x:font><x:sz val="10"/><x:name val="Arial"/></x:font></x:fonts>'
        '<x:fills count="2"><x:fill><x:patternFill patternType="none"/></x:fill>'
        '<x:fill><x:patternFill patternType="gray125"/></x:fill></x:fills>'
        '<x:borders count="1"><x:border/></x:borders>'
        '<x:cellStyleXfs count="1"><x:xf numFmtId="0" fontId="0" fillId="0" borderId="0"/>'
        '</x:cellStyleXfs><x:cellXfs count="1">'
        '<x:xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/></x:cellXfs>'
        '<x:cellStyles count="1"><x:cellStyle name="Normal" xfId="0" builtinId="0"/>'
        "</x:cellStyles>"
        '<x:dxfs count="0"/></x:styleSheet>'
    )
    path = folder / "prefiks.xlsx"
    write_parts(
        path,
        {
            "[Content_Types].xml": ct.encode(),
            "_rels/.rels": root_rels,
            "xl/workbook.xml": workbook.encode(),
            "xl/_rels/workbook.xml.rels": wb_rels,
            "xl/worksheets/sheet1.xml": sheet.encode(),
            "xl/styles.xml": styles.encode(),
        },
    )
    return path
