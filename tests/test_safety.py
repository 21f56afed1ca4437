"""The pre-check refuses hostile and wrong files quickly, with a Norwegian message."""

from __future__ import annotations

import io
import struct
import time
import warnings
import zipfile
from pathlib import Path

import openpyxl
import pytest
from fixtures_package import build_rich_target, read_parts, write_parts, xlwings_template

from avregn.xlsx.safety import MB, Limits, precheck


def workbook(path: Path, rows: int = 3) -> Path:
    wb = openpyxl.Workbook()
    wb.active.title = "Data"
    for i in range(1, rows + 1):
        wb.active.cell(row=i, column=1, value=i)
    wb.save(path)
    return path


def only_message(path: Path, **kwargs) -> str:
    problems = precheck(path, **kwargs)
    assert len(problems) == 1, problems
    assert problems[0].where == path.name
    return problems[0].message


def test_defusedxml_is_what_openpyxl_uses() -> None:
    import defusedxml  # noqa: F401  (a declared dependency: must be importable)

    assert openpyxl.DEFUSEDXML is True


def test_good_workbooks_pass_quickly(tmp_path: Path) -> None:
    rich = build_rich_target(tmp_path / "rich").path
    paths = [workbook(tmp_path / "ok.xlsx"), rich]
    paths += [p for p in (xlwings_template("quickstart.xlsm"),) if p is not None]
    for path in paths:
        start = time.perf_counter()
        assert precheck(path) == []
        assert time.perf_counter() - start < 0.1


def test_missing_and_empty(tmp_path: Path) -> None:
    assert "Finner ikke" in only_message(tmp_path / "borte.xlsx")
    empty = tmp_path / "tom.xlsx"
    empty.write_bytes(b"")
    assert "tom" in only_message(empty)
    assert "mappe" in precheck(tmp_path)[0].message


def test_ole_file_is_password_protected_or_old_xls(tmp_path: Path) -> None:
    path = tmp_path / "Avregning.xlsx"
    path.write_bytes(bytes.fromhex("D0CF11E0A1B11AE1") + b"\0" * 1000)
    message = only_message(path)
    assert "passordbeskyttet eller i det gamle .xls-formatet" in message
    assert "lagre den som .xlsx uten passord" in message


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        (b"KontoNr;Konto;Bel\xf8p\n6000;Str\xf8m;1000\n", "CSV"),
        (b"\xef\xbb\xbf<html><body><table></table></body></html>", "nettside"),
        (
            b'<?xml version="1.0"?>'
            b'<Workbook xmlns="urn:schemas-microsoft-com:office:spreadsheet"/>',
            "Excel 2003",
        ),
        (b"%PDF-1.7\n", "PDF"),
    ],
)
def test_not_a_zip(content: bytes, expected: str, tmp_path: Path) -> None:
    path = tmp_path / "fil.xlsx"
    path.write_bytes(content)
    assert expected in only_message(path)


def test_broken_zip(tmp_path: Path) -> None:
    path = tmp_path / "skadet.xlsx"
    path.write_bytes(b"PK\x03\x04" + b"\x00" * 200)
    assert "skadet" in only_message(path)


def test_zip_that_is_not_a_workbook(tmp_path: Path) -> None:
    plain = tmp_path / "arkiv.xlsx"
    write_parts(plain, {"readme.txt": b"hei"})
    assert "[Content_Types].xml" in only_message(plain)

    no_workbook = tmp_path / "uten.xlsx"
    parts = read_parts(workbook(tmp_path / "src.xlsx"))
    del parts["xl/workbook.xml"]
    write_parts(no_workbook, parts)
    assert "xl/workbook.xml" in only_message(no_workbook)

    ods = tmp_path / "regneark.xlsx"
    write_parts(ods, {"mimetype": b"application/vnd.oasis.opendocument.spreadsheet"})
    assert ".ods" in only_message(ods)

    xlsb = tmp_path / "binær.xlsx"
    write_parts(xlsb, {"[Content_Types].xml": b"<Types/>", "xl/workbook.bin": b"\0"})
    assert ".xlsb" in only_message(xlsb)


def test_zip_bomb_member_is_refused_in_milliseconds(tmp_path: Path) -> None:
    path = tmp_path / "bombe.xlsx"
    parts = read_parts(workbook(tmp_path / "src.xlsx"))
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in parts.items():
            zf.writestr(name, data)
        # 12 MB of zeros deflate to ~12 KB: a ratio of ~1000.
        zf.writestr("xl/worksheets/sheet2.xml", b"\0" * (12 * MB))
    assert path.stat().st_size < MB
    start = time.perf_counter()
    message = only_message(path)
    assert time.perf_counter() - start < 0.1
    assert "zip-bombe" in message and "sheet2.xml" in message


def test_total_size_and_member_count_limits(tmp_path: Path) -> None:
    path = workbook(tmp_path / "stor.xlsx", rows=2000)
    assert precheck(path) == []
    assert "pakkes ut til" in only_message(path, limits=Limits(max_total_uncompressed=20_000))
    assert "deler" in only_message(path, limits=Limits(max_members=3))


def _central_directory_offsets(data: bytes) -> list[int]:
    offsets, at = [], data.find(b"PK\x01\x02")
    while at != -1:
        offsets.append(at)
        at = data.find(b"PK\x01\x02", at + 4)
    return offsets


def test_overlapping_members_are_refused(tmp_path: Path) -> None:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("[Content_Types].xml", b"<Types/>" * 50)
        zf.writestr("xl/workbook.xml", b"<workbook/>" * 50)
    data = bytearray(buffer.getvalue())
    second = _central_directory_offsets(bytes(data))[1]
    data[second + 42 : second + 46] = struct.pack("<I", 0)  # both entries → the same data
    path = tmp_path / "overlapp.xlsx"
    path.write_bytes(bytes(data))
    assert "oppå hverandre" in only_message(path)


def test_duplicate_member_names_are_refused(tmp_path: Path) -> None:
    path = tmp_path / "dobbel.xlsx"
    parts = read_parts(workbook(tmp_path / "src.xlsx"))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # zipfile warns about the duplicate we want
        with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
            for name, data in parts.items():
                zf.writestr(name, data)
            zf.writestr("xl/workbook.xml", parts["xl/workbook.xml"])
    assert "samme navn" in only_message(path)


def test_encrypted_zip_member_is_refused(tmp_path: Path) -> None:
    data = bytearray(workbook(tmp_path / "src.xlsx").read_bytes())
    first = _central_directory_offsets(bytes(data))[0]
    data[first + 8] |= 0x1  # general purpose flag: encrypted
    path = tmp_path / "kryptert.xlsx"
    path.write_bytes(bytes(data))
    assert "kryptert" in only_message(path)


def test_absurd_sheet_dimension_names_the_sheet(tmp_path: Path) -> None:
    parts = read_parts(workbook(tmp_path / "src.xlsx"))
    sheet = parts["xl/worksheets/sheet1.xml"]
    parts["xl/worksheets/sheet1.xml"] = sheet.replace(
        b'<dimension ref="A1:A3"', b'<dimension ref="A1:XFD1048576"'
    )
    path = tmp_path / "enorm.xlsx"
    write_parts(path, parts)
    message = only_message(path)
    assert "«Data»" in message and "A1:XFD1048576" in message and "Ctrl+End" in message
    assert precheck(path, limits=Limits(max_sheet_cells=20_000_000_000)) == []
