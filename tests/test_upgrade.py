"""The layout version and ``avregn oppgrader`` (spec §9b): a workbook of the previous version
(today's template and demo before version 2, kept in ``tests/data``) is still read, and the
upgrade brings it to the current layout in place — checked against a fresh template with
independent readers (openpyxl for structure, calamine for values, LibreOffice opening it)."""

from __future__ import annotations

import io
import shutil
import zipfile
from datetime import datetime
from pathlib import Path

import libreoffice
import openpyxl
import pytest
from python_calamine import CalamineWorkbook

from avregn import actions
from avregn.book import FileBook
from avregn.commands import run_command
from avregn.workbook import layout, template
from avregn.workbook.reader import read_workbook
from engine.statuses import Action

DATA = Path(__file__).parent / "data"
V1_TEMPLATE = DATA / "avregning-v1-template.xlsx"
V1_DEMO = DATA / "avregning-v1-demo.xlsx"
NOW = datetime(2025, 2, 3, 9, 0)


@pytest.fixture
def v1_demo(tmp_path: Path) -> Path:
    path = tmp_path / "avregning.xlsx"
    shutil.copyfile(V1_DEMO, path)
    return path


def _members(path: Path) -> dict[str, bytes]:
    with zipfile.ZipFile(path) as archive:
        return {name: archive.read(name) for name in archive.namelist()}


def test_a_version_1_workbook_is_still_read() -> None:
    for path in (V1_TEMPLATE, V1_DEMO):
        found = read_workbook(path)
        assert found.problems == [], found.problems
        assert found.layout_version is None
        assert [w.where for w in found.warnings] == ["Avregning!C1"]  # «kjør avregn oppgrader»
        assert "malversjon 1" in found.warnings[0].message
    found = read_workbook(V1_DEMO)
    assert len(found.data["contract_objects"]) == 8
    assert "status" not in found.data["settlement"]


def test_a_version_1_workbook_is_calculated_as_before(v1_demo: Path) -> None:
    outcome = actions.beregn(FileBook(v1_demo), now=NOW)
    assert outcome.ok, outcome.lines()
    rows = CalamineWorkbook.from_path(str(v1_demo)).get_sheet_by_name("Avregning").to_python()
    assert rows[17][:2] == ["Status", "Beregnet"]  # version 1's status cell, B18
    assert rows[19][0] == "Slik gjør du en avregning"  # its guide untouched


def test_upgrade_brings_version_1_to_the_current_layout(v1_demo: Path, tmp_path: Path) -> None:
    before = read_workbook(v1_demo)
    old_parts = _members(v1_demo)
    outcome = actions.upgrade(FileBook(v1_demo))
    assert outcome.ok, outcome.lines()
    assert "fra malversjon 1 til 2" in outcome.message
    assert (tmp_path / "avregning.forrige.xlsx").read_bytes() == V1_DEMO.read_bytes()

    after = read_workbook(v1_demo)
    assert after.problems == [] and after.warnings == ()
    assert after.layout_version == layout.LAYOUT_VERSION
    assert after.data == before.data  # new optional settings and columns start empty

    # only the parts an upgrade must touch changed; the engine's sheets are byte-identical
    new_parts = _members(v1_demo)
    assert new_parts.keys() == old_parts.keys()
    changed = {name for name in new_parts if new_parts[name] != old_parts[name]}
    assert changed <= {"xl/workbook.xml", "xl/styles.xml", "xl/worksheets/sheet1.xml",
                       "xl/worksheets/sheet2.xml", "xl/worksheets/sheet3.xml",
                       "xl/worksheets/sheet4.xml", "xl/worksheets/sheet5.xml",
                       "xl/worksheets/sheet6.xml", "xl/tables/table1.xml",
                       "xl/tables/table5.xml"}, changed

    fresh = openpyxl.load_workbook(io.BytesIO(template.template_bytes()))
    upgraded = openpyxl.load_workbook(v1_demo)
    # the names the add-in and the users rely on
    for name in fresh.defined_names:
        assert upgraded.defined_names[name].attr_text == fresh.defined_names[name].attr_text, name
    for sheet in layout.INPUT_SHEETS:
        ws, new = fresh[sheet.name], upgraded[sheet.name]
        for name in ws.tables:
            table, grown = ws.tables[name], new.tables[name]
            assert grown.ref.split(":")[1][0] == table.ref.split(":")[1][0], name
            assert [c.name for c in grown.tableColumns] == [c.name for c in table.tableColumns]
        for letter, dim in ws.column_dimensions.items():
            assert new.column_dimensions[letter].number_format == dim.number_format, \
                (sheet.name, letter)
    # Avregning reads like the template: labels, help texts, the guide, the version
    avregning, model = upgraded["Avregning"], fresh["Avregning"]
    for row in range(1, layout.INSTRUCTIONS_ROW + len(layout.INSTRUCTIONS)):
        for col in ("A", "C"):
            assert avregning[f"{col}{row}"].value == model[f"{col}{row}"].value, f"{col}{row}"
        if row >= layout.INVOICING.first_row:
            assert avregning[f"B{row}"].value is None
            assert avregning[f"B{row}"].number_format == model[f"B{row}"].number_format
            assert avregning[f"B{row}"].fill.fgColor.rgb == model[f"B{row}"].fill.fgColor.rgb
    assert avregning["A30"].font.b and avregning["A30"].font.sz == 12  # the heading kept its look
    # existing Id cells are text-formatted too
    assert upgraded["Brøk"]["A4"].number_format == "@"


def test_the_upgrade_leaves_the_result_fresh_and_runs_once(v1_demo: Path) -> None:
    assert actions.upgrade(FileBook(v1_demo)).ok
    locked = actions.change_status(FileBook(v1_demo), Action.LOCK, now=NOW)
    assert locked.ok, locked.lines()  # no figure changed: the fingerprint still matches
    again = actions.upgrade(FileBook(v1_demo))
    assert again.ok and "allerede malversjon 2" in again.message and not again.written
    calculated = actions.beregn(FileBook(v1_demo), now=NOW)
    assert calculated.ok, calculated.lines()
    rows = CalamineWorkbook.from_path(str(v1_demo)).get_sheet_by_name("Avregning").to_python()
    assert rows[17][:2] == ["Status", "Beregnet"]


def test_the_upgrade_never_overwrites_what_the_user_wrote(tmp_path: Path) -> None:
    path = tmp_path / "mal.xlsx"
    wb = openpyxl.load_workbook(V1_TEMPLATE)
    wb["Brøk"]["R6"] = "mitt notat"
    wb["Avregning"]["B24"] = "egen merknad"
    wb.save(path)
    before = path.read_bytes()
    outcome = actions.upgrade(FileBook(path))
    assert not outcome.ok
    assert {p.where for p in outcome.problems} == {"Brøk!R6", "Avregning!B24"}
    assert "mitt notat" in next(p.message for p in outcome.problems if p.where == "Brøk!R6")
    assert path.read_bytes() == before


def test_the_command(v1_demo: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert run_command(["oppgrader", str(v1_demo)], names=["oppgrader"]) == 0
    assert "oppgradert fra malversjon 1 til 2" in capsys.readouterr().out
    not_a_workbook = tmp_path / "x.xlsx"
    not_a_workbook.write_text("KontoNr;Beløp\n")
    assert run_command(["oppgrader", str(not_a_workbook)], names=["oppgrader"]) == 1
    assert "ikke en Excel-arbeidsbok" in capsys.readouterr().err


@pytest.mark.slow
@pytest.mark.libreoffice
def test_libreoffice_opens_the_upgraded_workbook(v1_demo: Path, tmp_path: Path) -> None:
    assert actions.upgrade(FileBook(v1_demo)).ok
    converted = libreoffice.convert(v1_demo, tmp_path / "out", "xlsx")
    book = CalamineWorkbook.from_path(str(converted))
    rows = book.get_sheet_by_name("Brøk").to_python(skip_empty_area=False)
    assert rows[2][:19] == [c.header for c in layout.CONTRACT_OBJECTS.columns]
    avregning = book.get_sheet_by_name("Avregning").to_python(skip_empty_area=False)
    assert avregning[0][2] == "Malversjon 2"
    assert read_workbook(converted).problems == []


@pytest.mark.slow
@pytest.mark.libreoffice
def test_upgrade_of_a_workbook_another_program_saved(tmp_path: Path) -> None:
    """A version 1 workbook saved by LibreOffice (its own XML style: shared strings, grouped
    columns, other style indexes) upgrades as well."""
    source = tmp_path / "in" / "avregning.xlsx"
    source.parent.mkdir()
    shutil.copyfile(V1_DEMO, source)
    saved = libreoffice.convert(source, tmp_path / "out", "xlsx")
    before = read_workbook(saved)
    outcome = actions.upgrade(FileBook(saved))
    assert outcome.ok, outcome.lines()
    after = read_workbook(saved)
    assert after.problems == [] and after.layout_version == layout.LAYOUT_VERSION
    assert after.data == before.data
    wb = openpyxl.load_workbook(saved)
    assert wb["Brøk"].tables["Kontraktsobjekter"].ref.startswith("A3:S")
    assert wb.defined_names["Innstillinger"].attr_text == "'Avregning'!$A$4:$B$17"
    assert wb["Brøk"]["A4"].number_format == "@"
    reopened = libreoffice.convert(saved, tmp_path / "again", "xlsx")
    assert read_workbook(reopened).problems == []
