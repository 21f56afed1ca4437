"""Writing the engine's sheets into a user's workbook must leave everything else as it was."""

from __future__ import annotations

import os
import re
import shutil
import sys
import zipfile
from pathlib import Path

import libreoffice
import openpyxl
import pytest
from defusedxml import ElementTree as SafeET
from fixtures_package import (
    CACHED,
    OLD_BEREGNING_PART,
    TENANTS,
    build_engine_scratch,
    build_prefixed_target,
    build_rich_target,
    load_with_vba,
    member_order,
    read_parts,
    to_shared_strings,
    write_parts,
    xlwings_template,
)
from python_calamine import CalamineWorkbook

from avregn.xlsx.cells import set_text
from avregn.xlsx.errors import TransplantError, WorkbookError, WorkbookLocked
from avregn.xlsx.save import backup_path, save_atomic
from avregn.xlsx.transplant import transplant_sheets

# openpyxl says it drops the target's x14 validation when *it* loads the result; we only read.
pytestmark = pytest.mark.filterwarnings("ignore:Data Validation extension:UserWarning")

ENGINE = ["Beregning", "Status"]
PKG_REL = "{http://schemas.openxmlformats.org/package/2006/relationships}"
CT = "{http://schemas.openxmlformats.org/package/2006/content-types}"
MAIN = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"


def assert_package_consistent(path: Path) -> None:
    """Every internal relationship target exists, every override names an existing part,
    and every XML part parses."""
    parts = read_parts(path)
    lower = {n.lower() for n in parts}
    for name, data in parts.items():
        if name.endswith((".xml", ".rels", ".vml")):
            SafeET.fromstring(data)
        if not name.endswith(".rels"):
            continue
        source_dir = os.path.dirname(os.path.dirname(name))
        for rel in SafeET.fromstring(data).iter(f"{PKG_REL}Relationship"):
            if rel.get("TargetMode") == "External":
                continue
            target = rel.get("Target")
            resolved = (
                target.lstrip("/")
                if target.startswith("/")
                else os.path.normpath(os.path.join(source_dir, target))
            )
            assert resolved.lower() in lower, f"{name} → {target} is missing"
    for override in SafeET.fromstring(parts["[Content_Types].xml"]).iter(f"{CT}Override"):
        assert override.get("PartName").lstrip("/").lower() in lower, override.get("PartName")


def engine_values(path: Path) -> list[list[object]]:
    wb = CalamineWorkbook.from_path(str(path))
    return wb.get_sheet_by_name("Beregning").to_python()


@pytest.fixture
def rich(tmp_path: Path):
    return build_rich_target(tmp_path / "user")


@pytest.fixture
def scratch(tmp_path: Path) -> Path:
    return build_engine_scratch(tmp_path / "scratch")


@pytest.fixture
def transplanted(rich, scratch, tmp_path: Path):
    out = tmp_path / "out" / "Avregning.xlsm"
    out.parent.mkdir()
    result = transplant_sheets(rich.path, scratch, ENGINE, out)
    return rich, out, result


def test_every_other_part_is_byte_identical(transplanted) -> None:
    rich, out, result = transplanted
    before, after = read_parts(rich.path), read_parts(out)
    assert result.replaced == ["Beregning"]
    assert result.added == ["Status"]
    assert set(result.removed_parts) == rich.old_engine_only
    assert set(result.changed_parts) == {
        "[Content_Types].xml",
        "xl/_rels/workbook.xml.rels",
        "xl/styles.xml",
        "xl/workbook.xml",
        OLD_BEREGNING_PART,
    }
    for name, data in before.items():
        if name in result.removed_parts:
            assert name not in after
        elif name not in result.changed_parts:
            assert after[name] == data, name
    # The picture the old sheet's drawing shared with the user's drawing stays.
    assert after[rich.shared_image] == before[rich.shared_image]
    assert after["xl/vbaProject.bin"] == before["xl/vbaProject.bin"]
    assert b"x14:dataValidation" in after["xl/worksheets/sheet1.xml"]
    # Member order kept; new parts at the end; zip metadata of copied members kept.
    kept = [n for n in member_order(rich.path) if n not in result.removed_parts]
    assert member_order(out) == kept + result.added_parts
    with zipfile.ZipFile(rich.path) as a, zipfile.ZipFile(out) as b:
        for info in a.infolist():
            if info.filename in after:
                other = b.getinfo(info.filename)
                assert (other.date_time, other.compress_type) == (
                    info.date_time,
                    info.compress_type,
                )
    assert_package_consistent(out)


def test_replaced_sheet_keeps_identity_and_vba_code_name(transplanted) -> None:
    rich, out, _ = transplanted
    before, after = read_parts(rich.path), read_parts(out)
    sheets_before = re.findall(rb"<sheet [^>]*>", before["xl/workbook.xml"])
    sheets_after = re.findall(rb"<sheet [^>]*>", after["xl/workbook.xml"])
    assert sheets_after[: len(sheets_before)] == sheets_before  # same ids, r:ids, order
    assert b'name="Status" sheetId="6"' in sheets_after[-1]
    new_sheet = after[OLD_BEREGNING_PART]
    assert b'codeName="Ark3"' in new_sheet
    assert b"tabSelected" not in new_sheet  # Avregning is the active tab; no grouped sheets
    assert b"<f>" not in new_sheet and b"<f " not in new_sheet
    # The old sheet had a formula: calcChain is gone with its override and relationship.
    assert "xl/calcChain.xml" not in after
    assert b"calcChain" not in after["[Content_Types].xml"]
    assert b"calcChain" not in after["xl/_rels/workbook.xml.rels"]


def test_openpyxl_reads_values_styles_and_text(transplanted) -> None:
    _, out, _ = transplanted
    wb = load_with_vba(out)
    assert wb.sheetnames == ["Avregning", "Lister", "Beregning", "Notater", "Diagram", "Status"]
    assert wb.active.title == "Avregning"
    ws = wb["Beregning"]
    for row, (tenant, amount, skip) in enumerate(TENANTS, 4):
        name = ws.cell(row=row, column=1)
        assert name.value == tenant
        assert name.data_type == "s"  # "=HYPERLINK(…)" and "#N/A" stay text
        assert ws.cell(row=row, column=2).value == pytest.approx(amount)
        assert ws.cell(row=row, column=2).number_format == "#,##0.00"
        assert (ws.cell(row=row, column=3).value == "✗") is skip
    assert ws["A3"].font.b and ws["A1"].font.b and ws["A1"].font.sz == 12
    assert ws["A3"].fill.fgColor.rgb.endswith("D9E1F2")
    assert ws["C6"].font.color.rgb.endswith("C00000")
    assert ws.freeze_panes == "A4"
    assert ws.column_dimensions["A"].width == 40
    assert "A1:C1" in {str(r) for r in ws.merged_cells.ranges}
    assert len(ws.conditional_formatting) == 1
    status = wb["Status"]
    assert status["B1"].value == "Beregnet"
    assert status["B2"].number_format == "dd.mm.yyyy hh:mm"
    assert status["B2"].value.year == 2025
    # The user's things, as openpyxl sees them.
    user = wb["Avregning"]
    assert user["C6"].value == "=B6*$B$3"
    assert "Sats" in wb.defined_names
    assert user.print_area == "'Avregning'!$A$1:$D$10"
    assert len(user.data_validations.dataValidation) == 1
    assert user["A1"].comment is not None


def test_calamine_reads_engine_values_and_cached_user_formulas(transplanted) -> None:
    _, out, _ = transplanted
    rows = engine_values(out)
    assert rows[2][:3] == ["Leietaker", "Beløp", "Skal ikke faktureres"]
    for row, (tenant, amount, _) in zip(rows[3:], TENANTS, strict=True):
        assert row[0] == tenant
        assert row[1] == pytest.approx(amount)
    user = CalamineWorkbook.from_path(str(out)).get_sheet_by_name("Avregning").to_python()
    cached = {ref: value for (part, ref), value in CACHED.items() if part.endswith("sheet1.xml")}
    for ref, value in cached.items():
        assert user[int(ref[1:]) - 1][2] == float(value)


def test_second_calculation_replaces_and_adds_no_styles(transplanted, tmp_path: Path) -> None:
    _, out, _ = transplanted
    scratch2 = build_engine_scratch(tmp_path / "scratch2", factor=2.0)
    out2 = tmp_path / "out2.xlsm"
    result = transplant_sheets(out, scratch2, ENGINE, out2)
    assert result.added == [] and result.replaced == ENGINE
    assert result.removed_parts == []
    first, second = read_parts(out), read_parts(out2)
    # Same styles again: deduplicated, so styles.xml (and everything but the sheets) unchanged.
    assert set(result.changed_parts) == {OLD_BEREGNING_PART, "xl/worksheets/sheet6.xml"}
    for name, data in first.items():
        if name not in result.changed_parts:
            assert second[name] == data, name
    wb = openpyxl.load_workbook(out2)
    assert wb.sheetnames.count("Beregning") == 1 and wb.sheetnames.count("Status") == 1
    assert wb["Beregning"]["B4"].value == pytest.approx(2 * TENANTS[0][1])


def test_shared_strings_become_inline_and_user_strings_untouched(rich, tmp_path: Path) -> None:
    scratch = build_engine_scratch(tmp_path / "s")
    to_shared_strings(scratch)
    out = tmp_path / "out.xlsm"
    transplant_sheets(rich.path, scratch, ENGINE, out)
    after = read_parts(out)
    assert b't="s"' not in after[OLD_BEREGNING_PART]
    assert b"<is><r><rPr><b/></rPr>" in after[OLD_BEREGNING_PART]  # rich text kept
    ws = openpyxl.load_workbook(out)["Beregning"]
    assert str(ws["A1"].value) == "Beregning — Storgata 1, 2025"
    assert ws["A5"].value == TENANTS[1][0]


def test_formula_in_scratch_is_refused(rich, tmp_path: Path) -> None:
    wb = openpyxl.Workbook()
    wb.active.title = "Beregning"
    wb.active["A1"] = '=HYPERLINK("x")'  # what happens without set_text
    scratch = tmp_path / "bad.xlsx"
    wb.save(scratch)
    with pytest.raises(TransplantError) as err:
        transplant_sheets(rich.path, scratch, ["Beregning"], tmp_path / "o.xlsm")
    assert err.value.problem.where == "Beregning!A1"
    assert not (tmp_path / "o.xlsm").exists()
    out = tmp_path / "ok.xlsm"
    transplant_sheets(rich.path, scratch, ["Beregning"], out, allow_formulas=True)
    assert openpyxl.load_workbook(out)["Beregning"]["A1"].value == '=HYPERLINK("x")'


def test_insert_at_front_moves_sheet_indexes(tmp_path: Path, scratch: Path) -> None:
    rich = build_rich_target(tmp_path / "user", old_engine_sheet=False)
    out = tmp_path / "out.xlsm"
    result = transplant_sheets(rich.path, scratch, ENGINE, out, position=0)
    assert result.added == ENGINE
    assert "xl/calcChain.xml" in read_parts(out)  # no formulas replaced: calcChain stays
    wb = load_with_vba(out)
    assert wb.sheetnames[:3] == ["Beregning", "Status", "Avregning"]
    assert wb.active.title == "Avregning"  # activeTab moved with it
    assert wb["Avregning"].print_area == "'Avregning'!$A$1:$D$10"  # localSheetId moved
    assert not wb["Beregning"].print_area
    assert_package_consistent(out)


def test_replacing_the_active_sheet_keeps_it_selected(tmp_path: Path, scratch: Path) -> None:
    rich = build_rich_target(tmp_path / "user")
    parts = read_parts(rich.path)
    parts["xl/workbook.xml"] = parts["xl/workbook.xml"].replace(b'activeTab="0"', b'activeTab="2"')
    target = tmp_path / "aktiv.xlsm"
    write_parts(target, parts)
    out = tmp_path / "out.xlsm"
    transplant_sheets(target, scratch, ENGINE, out)
    after = read_parts(out)
    assert b'tabSelected="1"' in after[OLD_BEREGNING_PART]
    assert b"tabSelected" not in after["xl/worksheets/sheet6.xml"]


def test_bad_arguments(rich, scratch: Path, tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="out must not be the target"):
        transplant_sheets(rich.path, scratch, ENGINE, rich.path)
    with pytest.raises(ValueError, match="Duplicate"):
        transplant_sheets(rich.path, scratch, ["Status", "STATUS"], tmp_path / "o.xlsm")
    with pytest.raises(ValueError, match="Ugyldig arknavn"):
        transplant_sheets(rich.path, scratch, ["Beregning/2025"], tmp_path / "o.xlsm")
    with pytest.raises(TransplantError, match="«Fakturaer»"):
        transplant_sheets(rich.path, scratch, ["Fakturaer"], tmp_path / "o.xlsm")


def test_chartsheet_with_engine_name_is_refused(tmp_path: Path, scratch: Path) -> None:
    wb = openpyxl.Workbook()
    wb.create_chartsheet("Beregning")
    target = tmp_path / "chart.xlsx"
    wb.save(target)
    with pytest.raises(TransplantError, match="diagramark"):
        transplant_sheets(target, scratch, ENGINE, tmp_path / "o.xlsx")


def test_hostile_target_is_refused_before_parsing(tmp_path: Path, scratch: Path) -> None:
    target = tmp_path / "Avregning.xlsx"
    target.write_bytes(b"Leietaker;Bel\xf8p\n")
    with pytest.raises(TransplantError) as err:
        transplant_sheets(target, scratch, ENGINE, tmp_path / "o.xlsx")
    assert err.value.problem.where == "Avregning.xlsx"
    assert isinstance(err.value, WorkbookError)  # actions turn it into problems


@pytest.mark.parametrize("template", ["quickstart.xlsm", "quickstart_standalone.xlsm"])
def test_excel_made_workbook(template: str, tmp_path: Path, scratch: Path) -> None:
    source = xlwings_template(template)
    if source is None:
        pytest.skip("xlwings' Excel-made templates are not installed")
    target = tmp_path / template
    shutil.copy(source, target)
    out = tmp_path / ("out-" + template)
    result = transplant_sheets(target, scratch, ENGINE, out)
    before, after = read_parts(target), read_parts(out)
    for name, data in before.items():
        if name not in result.changed_parts:
            assert after[name] == data, name
    # Excel's own namespace declarations and extensions in the edited parts survive.
    for part in ("xl/workbook.xml", "xl/styles.xml"):
        root_tag = rb"<\?xml[^>]*>\s*<[^>]*>"
        head = re.match(root_tag, after[part])
        assert head is not None and head.group(0) == re.match(root_tag, before[part]).group(0)
    assert (
        b"mc:Ignorable" in after["xl/styles.xml"]
        and b"x15:timelineStyles" in after["xl/styles.xml"]
    )
    assert b"knownFonts" not in after["xl/styles.xml"]  # we added fonts Excel has not vetted
    assert after["xl/sharedStrings.xml"] == before["xl/sharedStrings.xml"]
    assert_package_consistent(out)
    wb = load_with_vba(out)
    assert wb.sheetnames[-2:] == ENGINE
    assert wb["Beregning"]["B4"].number_format == "#,##0.00"
    rows = engine_values(out)
    assert rows[3][0] == TENANTS[0][0]


def test_prefixed_parts_and_empty_collections(tmp_path: Path, scratch: Path) -> None:
    target = build_prefixed_target(tmp_path / "user")
    out = tmp_path / "out.xlsx"
    transplant_sheets(target, scratch, ENGINE, out)
    after = read_parts(out)
    assert b'<x:sheet name="Beregning" sheetId="2" rel:id="rId1"/>' in after["xl/workbook.xml"]
    styles = after["xl/styles.xml"].decode()
    assert '<x:numFmts count="1"><x:numFmt numFmtId="164"' in styles
    assert '<x:dxfs count="1"><x:dxf>' in styles
    assert '<x:font><x:b val="1"/><x:sz val="12"/><x:name val="Arial"/></x:font>' in styles
    assert after["xl/worksheets/sheet1.xml"] == read_parts(target)["xl/worksheets/sheet1.xml"]
    assert_package_consistent(out)
    wb = openpyxl.load_workbook(out)
    assert wb.sheetnames == ["Data", *ENGINE]
    assert wb["Data"]["B1"].value == 42
    assert wb["Beregning"]["A3"].font.b and wb["Beregning"]["A3"].font.name == "Arial"
    assert engine_values(out)[3][0] == TENANTS[0][0]


# ---------------------------------------------------------------------------------------------
# set_text
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text", ['=HYPERLINK("http://x","y")', "#N/A", "#DIV/0!", "=1+1", "+47", "-", "@A1", ""]
)
def test_set_text_never_makes_formulas_or_errors(text: str, tmp_path: Path) -> None:
    wb = openpyxl.Workbook()
    set_text(wb.active["A1"], text)
    assert wb.active["A1"].data_type == "s"
    path = tmp_path / "t.xlsx"
    wb.save(path)
    sheet = read_parts(path)["xl/worksheets/sheet1.xml"]
    assert b"<f>" not in sheet
    cell = openpyxl.load_workbook(path).active["A1"]
    assert (cell.value or "") == text
    if text:
        assert cell.data_type == "s"


def test_set_text_drops_characters_excel_cannot_store() -> None:
    wb = openpyxl.Workbook()
    set_text(wb.active["A1"], "Kiosk\x00en\x1f AS\tog\nlinje")
    assert wb.active["A1"].value == "Kiosken AS\tog\nlinje"
    set_text(wb.active["A2"], "x" * 40_000)
    assert len(wb.active["A2"].value) == 32767


# ---------------------------------------------------------------------------------------------
# Saving in place
# ---------------------------------------------------------------------------------------------


def _names(folder: Path) -> list[str]:
    """The files in ``folder`` but the writers' (empty, harmless) lock file."""
    return sorted(p.name for p in folder.iterdir() if not p.name.endswith(".avregn-lock"))


def test_save_atomic_keeps_backup(tmp_path: Path) -> None:
    dest = tmp_path / "Avregning 2025.xlsm"
    dest.write_bytes(b"old")
    os.chmod(dest, 0o644)
    made = save_atomic(lambda tmp: tmp.write_bytes(b"new"), dest)
    assert made == backup_path(dest) == tmp_path / "Avregning 2025.forrige.xlsm"
    assert dest.read_bytes() == b"new" and made.read_bytes() == b"old"
    assert (dest.stat().st_mode & 0o777) == 0o644
    save_atomic(lambda tmp: tmp.write_bytes(b"newer"), dest)
    assert made.read_bytes() == b"new"  # one generation
    assert _names(tmp_path) == [made.name, dest.name]


def test_save_atomic_new_file_and_no_backup(tmp_path: Path) -> None:
    dest = tmp_path / "ny.xlsx"
    assert save_atomic(lambda tmp: tmp.write_bytes(b"1"), dest) is None
    assert save_atomic(lambda tmp: tmp.write_bytes(b"2"), dest, backup=False) is None
    assert dest.read_bytes() == b"2" and not backup_path(dest).exists()


@pytest.fixture
def umask():
    """Set the process umask for one test, and put the old one back."""
    old = os.umask(0o022)
    os.umask(old)
    yield os.umask
    os.umask(old)


@pytest.mark.skipif(sys.platform == "win32", reason="POSIX permissions")
@pytest.mark.parametrize(("mask", "mode"), [(0o022, 0o644), (0o002, 0o664), (0o077, 0o600)])
def test_save_atomic_new_file_gets_the_umask_mode(tmp_path: Path, umask, mask: int,
                                                  mode: int) -> None:
    umask(mask)
    dest = tmp_path / "ny.xlsx"
    save_atomic(lambda tmp: tmp.write_bytes(b"1"), dest)
    assert (dest.stat().st_mode & 0o777) == mode


@pytest.mark.skipif(sys.platform == "win32", reason="POSIX permissions")
@pytest.mark.parametrize("kept", [0o640, 0o600, 0o664])
def test_save_atomic_existing_file_keeps_its_mode(tmp_path: Path, umask, kept: int) -> None:
    umask(0o022)
    dest = tmp_path / "Avregning.xlsx"
    dest.write_bytes(b"old")
    os.chmod(dest, kept)
    save_atomic(lambda tmp: tmp.write_bytes(b"new"), dest)
    assert dest.read_bytes() == b"new"
    assert (dest.stat().st_mode & 0o777) == kept
    assert (backup_path(dest).stat().st_mode & 0o777) == kept


@pytest.mark.parametrize("lock", ["~$Avregning.xlsx", ".~lock.Avregning.xlsx#"])
def test_save_atomic_refuses_open_workbook(lock: str, tmp_path: Path) -> None:
    dest = tmp_path / "Avregning.xlsx"
    dest.write_bytes(b"old")
    (tmp_path / lock).write_bytes(b"owner")
    with pytest.raises(WorkbookLocked) as err:
        save_atomic(lambda tmp: tmp.write_bytes(b"new"), dest)
    assert err.value.problem.where == "Avregning.xlsx"
    assert "åpen" in err.value.problem.message and lock in err.value.problem.message
    assert dest.read_bytes() == b"old"
    assert _names(tmp_path) == sorted(["Avregning.xlsx", lock])


def test_save_atomic_permission_error_is_a_clear_message(tmp_path: Path, monkeypatch) -> None:
    dest = tmp_path / "Avregning.xlsx"
    dest.write_bytes(b"old")
    real_replace = os.replace

    def replace(src, dst):  # Windows: the file is open in Excel
        if Path(dst) == dest:
            raise PermissionError(13, "Permission denied")
        return real_replace(src, dst)

    monkeypatch.setattr(os, "replace", replace)
    with pytest.raises(WorkbookLocked, match="åpen i Excel"):
        save_atomic(lambda tmp: tmp.write_bytes(b"new"), dest)
    assert dest.read_bytes() == b"old"
    assert not [p for p in tmp_path.iterdir() if p.name.startswith("~avregn-")]


def test_save_atomic_failed_write_leaves_nothing(tmp_path: Path) -> None:
    dest = tmp_path / "Avregning.xlsx"
    dest.write_bytes(b"old")

    def write(tmp: Path) -> None:
        tmp.write_bytes(b"half")
        raise RuntimeError("boom")

    with pytest.raises(RuntimeError):
        save_atomic(write, dest)
    assert dest.read_bytes() == b"old"
    assert _names(tmp_path) == ["Avregning.xlsx"]


def test_transplant_saved_in_place(rich, scratch: Path) -> None:
    original = rich.path.read_bytes()
    results = []
    save_atomic(lambda tmp: results.append(transplant_sheets(rich.path, scratch, ENGINE, tmp)),
                rich.path)
    assert results[0].added == ["Status"]
    assert backup_path(rich.path).read_bytes() == original
    assert load_with_vba(rich.path).sheetnames[-1] == "Status"
    missing = rich.path.with_name("finnes-ikke.xlsm")
    with pytest.raises(WorkbookError):
        save_atomic(lambda tmp: transplant_sheets(missing, scratch, ENGINE, tmp), missing)


# ---------------------------------------------------------------------------------------------
# A real client
# ---------------------------------------------------------------------------------------------


@pytest.mark.slow
@pytest.mark.libreoffice
def test_libreoffice_opens_the_result(transplanted, tmp_path: Path) -> None:
    _, out, _ = transplanted
    outdir = tmp_path / "lo"
    converted = libreoffice.convert(out, outdir, "xlsx")
    wb = openpyxl.load_workbook(converted)
    assert wb.sheetnames == ["Avregning", "Lister", "Beregning", "Notater", "Diagram", "Status"]
    ws = wb["Beregning"]
    for row, (tenant, amount, _) in enumerate(TENANTS, 4):
        assert ws.cell(row=row, column=1).value == tenant
        assert ws.cell(row=row, column=1).data_type == "s"
        assert ws.cell(row=row, column=2).value == pytest.approx(amount)
        assert ws.cell(row=row, column=2).number_format == "#,##0.00"
    assert ws["A3"].font.b and ws["C6"].font.color.rgb.endswith("C00000")
    assert wb["Status"]["B1"].value == "Beregnet"
    # The user's cached formula values, shape and picture made it through LibreOffice as well.
    values = openpyxl.load_workbook(converted, data_only=True)["Avregning"]
    assert values["C6"].value == pytest.approx(1250)
    parts = read_parts(converted)
    assert any("Husk å sjekke arealene".encode() in data for data in parts.values())
    assert any(name.startswith("xl/media/") for name in parts)
