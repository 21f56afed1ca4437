"""The add-in file, checked without Excel: reproducible, a sound zip, parseable XML, every ribbon
button wired to a Sub and to a Python callback, the VBA as independent readers see it (olevba,
LibreOffice), the config sheet as calamine reads it."""

from __future__ import annotations

import re
import shutil
import subprocess
import tomllib
import zipfile
from pathlib import Path

import pytest
import xlwings
from defusedxml import ElementTree
from oletools.olevba import VBA_Parser
from python_calamine import CalamineWorkbook

from addin import build, ribbon

ROOT = Path(__file__).resolve().parents[1]
UI = "{http://schemas.microsoft.com/office/2009/07/customui}"
FUNCTIONS = ("AVREGN_MODELL", "AVREGN_ANDEL", "AVREGN_REST", "AVREGN_BROK", "AVREGN_KR_PR_ENHET",
             "AVREGN_FORKLAR", "AVREGN_BEREGNING", "AVREGN_VEKTET_TELLER", "AVREGN_VERSJON")


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build.build(tmp_path_factory.mktemp("xlam") / "avregn.xlam")


@pytest.fixture(scope="module")
def modules(built: Path) -> dict[str, str]:
    """The VBA modules as olevba (oletools) decodes them: name → source."""
    parser = VBA_Parser(str(built))
    try:
        return {Path(stream).name: code.replace("\r\n", "\n")
                for _, stream, _, code in parser.extract_macros()}
    finally:
        parser.close()


def test_two_builds_are_byte_identical_and_the_committed_file_is_current(
        built: Path, tmp_path: Path) -> None:
    again = build.build(tmp_path / "again.xlam")
    assert again.read_bytes() == built.read_bytes()
    assert build.OUTPUT.read_bytes() == built.read_bytes(), \
        "addin/avregn.xlam is not what the sources give: run python -m addin.build"


def test_every_part_passes_its_crc_and_is_stored_the_same_way(built: Path) -> None:
    with zipfile.ZipFile(built) as archive:
        assert archive.testzip() is None
        infos = archive.infolist()
        names = [i.filename for i in infos]
        assert names == sorted(names) and names[0] == "[Content_Types].xml"
        assert {i.date_time for i in infos} == {build.FIXED_TIME}
        for info in infos:
            assert len(archive.read(info)) == info.file_size
        assert "customUI/customUI.xml" not in names
        assert {"customUI/customUI14.xml", "xl/vbaProject.bin"} <= set(names)


def test_every_xml_part_parses(built: Path) -> None:
    with zipfile.ZipFile(built) as archive:
        xml_parts = [n for n in archive.namelist() if n.endswith((".xml", ".rels"))]
        assert len(xml_parts) >= 9
        for name in xml_parts:
            ElementTree.fromstring(archive.read(name))
        rels = ElementTree.fromstring(archive.read("_rels/.rels"))
        ribbon_rel = [r.get("Target") for r in rels if r.get("Type", "").endswith(
            "/relationships/ui/extensibility")]
        assert ribbon_rel == ["customUI/customUI14.xml"]
        types = archive.read("[Content_Types].xml").decode()
        assert "application/vnd.ms-excel.addin.macroEnabled.main+xml" in types
        workbook = archive.read("xl/workbook.xml").decode()
        assert 'name="xlwings.conf"' in workbook and "felix" not in workbook.casefold()


def _buttons(built: Path) -> list[tuple[str, str, str]]:
    with zipfile.ZipFile(built) as archive:
        ui = ElementTree.fromstring(archive.read("customUI/customUI14.xml"))
    tabs = ui.findall(f"./{UI}ribbon/{UI}tabs/{UI}tab")
    assert [t.get("label") for t in tabs] == ["Felleskost"]
    return [(b.get("id", ""), b.get("label", ""), b.get("onAction", ""))
            for b in ui.iter(f"{UI}button")]


def test_every_button_has_its_sub_and_its_python_callback(built: Path,
                                                          modules: dict[str, str]) -> None:
    buttons = _buttons(built)
    ids = [b[0] for b in buttons]
    assert len(ids) == len(set(ids))
    assert set(ids) == set(ribbon.BUTTONS)  # every id handled by on_action, and no other
    labels = {b[1] for b in buttons}
    assert {"Beregn", "Lås", "Fakturaklar", "Skal ikke faktureres", "Ny beregning",
            "Ny periode", "Hent konti", "Importer konti", "Eksporter konti", "Slett 0-kontoer",
            "Oppdater", "Avregningsbrev", "Rapporter", "Fakturagrunnlag"} <= labels
    for _, _, on_action in buttons:
        module, _, sub = on_action.partition(".")
        assert module in modules, on_action
        assert re.search(rf"^Sub {sub}\(control As IRibbonControl\)$", modules[module], re.M), \
            on_action
    dispatcher = modules[build.RIBBON_MODULE]
    assert "RunPython \"import addin.ribbon; addin.ribbon.on_action('\" & control.Id & \"')\"" \
        in dispatcher


def test_olevba_lists_the_modules_with_our_source(modules: dict[str, str]) -> None:
    assert set(modules) == {"ThisWorkbook", "Dictionary", "Sheet2", "xlwings",
                            build.RIBBON_MODULE, build.UDF_MODULE}
    ours = (build.SOURCES / f"{build.RIBBON_MODULE}.bas").read_text(encoding="utf-8")
    assert modules[build.RIBBON_MODULE].strip() == ours.strip()
    udfs = modules[build.UDF_MODULE]
    for name in FUNCTIONS:
        block = re.search(rf"^Function {name}\(.*?^End Function$", udfs, re.M | re.S)
        assert block is not None, name
        assert f'XLPy.CallUDF("addin.udfs", "{name}", ' in block.group(0)
    xlwings_vba = modules["xlwings"]
    assert 'Public Const PROJECT_NAME As String = "xlwings"' in xlwings_vba
    assert f"xlwings64-{xlwings.__version__}.dll" in xlwings_vba


def test_xlwings_is_pinned_to_the_version_the_vba_loads() -> None:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    pins = [d for d in project["project"]["dependencies"] if d.startswith("xlwings")]
    assert pins == [f"xlwings=={xlwings.__version__}"]
    package_data = project["tool"]["setuptools"]["package-data"]["addin"]
    assert "avregn.xlam" in package_data


def test_calamine_reads_the_config_sheet(built: Path) -> None:
    book = CalamineWorkbook.from_path(str(built))
    assert book.sheet_names == ["xlwings.conf"]
    rows = book.get_sheet_by_name("xlwings.conf").to_python()
    assert rows == [["UDF Modules", "addin.udfs"], ["ADD_WORKBOOK_TO_PYTHONPATH", "false"]]
    assert all(key and value not in ("", None) for key, value in rows)


def test_config_lines(tmp_path: Path) -> None:
    conf = tmp_path / "xlwings.conf"
    conf.write_text('"UDF Modules","addin.udfs"\n\n"Show Console",FALSE\n', encoding="utf-8")
    assert build.read_config(conf) == [("UDF Modules", "addin.udfs"), ("Show Console", False)]
    sheet, strings = build._config_sheet(build.read_config(conf))
    assert b'<c r="B2" t="b"><v>0</v></c>' in sheet and b"<t>addin.udfs</t>" in strings


def test_an_empty_config_value_is_refused(tmp_path: Path) -> None:
    conf = tmp_path / "xlwings.conf"
    conf.write_text('"UDF Modules","addin.udfs"\n"Interpreter_Win",""\n', encoding="utf-8")
    with pytest.raises(build.BuildError, match=":2:"):
        build.read_config(conf)
    conf.write_text('"UDF Modules","a"\n"udf modules","b"\n', encoding="utf-8")
    with pytest.raises(build.BuildError, match="twice"):
        build.read_config(conf)


def test_check_mode_tells_a_stale_file(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                       built: Path) -> None:
    stale = tmp_path / "avregn.xlam"
    stale.write_bytes(b"old")
    assert build.main(["--check", "--out", str(stale)]) == 1
    shutil.copyfile(built, stale)
    assert build.main(["--check", "--out", str(stale)]) == 0
    assert "up to date" in capsys.readouterr().out


@pytest.mark.slow
@pytest.mark.libreoffice
def test_libreoffice_opens_the_addin_and_finds_the_basic_modules(built: Path,
                                                                 tmp_path: Path) -> None:
    soffice = shutil.which("soffice")
    if soffice is None:
        pytest.skip("LibreOffice (soffice) is not installed")
    out = tmp_path / "out"
    run = subprocess.run(
        [soffice, f"-env:UserInstallation={(tmp_path / 'profile').as_uri()}", "--headless",
         '--infilter=Calc MS Excel 2007 XML', "--convert-to", "ods", "--outdir", str(out),
         str(built)], capture_output=True, text=True, timeout=180)
    converted = out / "avregn.ods"
    assert converted.exists(), run.stdout + run.stderr  # the exit code alone proves nothing
    with zipfile.ZipFile(converted) as ods:
        basic = {Path(n).stem: ods.read(n).decode("utf-8") for n in ods.namelist()
                 if n.startswith("Basic/") and not n.endswith("script-lb.xml")
                 and not n.endswith("script-lc.xml")}
        content = ods.read("content.xml").decode("utf-8")
    assert {build.RIBBON_MODULE, build.UDF_MODULE, "xlwings"} <= set(basic)
    assert "Sub OnAction(control As IRibbonControl)" in basic[build.RIBBON_MODULE]
    assert "AVREGN_MODELL" in basic[build.UDF_MODULE]
    assert 'table:name="xlwings.conf"' in content and "addin.udfs" in content
