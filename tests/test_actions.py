"""The workbook actions end to end on real files: beregn, status, the do-not-invoice toggle,
the account sheet, the next period. Figures are read back with calamine (an independent reader
of what we wrote) and compared with the engine's."""

from __future__ import annotations

import re
import zipfile
from datetime import datetime
from decimal import Decimal
from pathlib import Path

import pytest
from demo_books import demo_workbook
from python_calamine import CalamineWorkbook

from avregn import actions
from avregn.accounts import read_account_file, write_account_file
from avregn.book import FileBook
from avregn.demo import demo_data
from avregn.workbook import layout
from avregn.workbook.new_book import write_new_workbook
from avregn.workbook.results_sheets import read_status
from engine.model import Status
from engine.statuses import Action

NOW = datetime(2025, 2, 3, 9, 0)


def edit_workbook(path: Path, edits: dict, *, backup: bool = True) -> None:
    """Somebody edits input cells (and saves), as FileBook does."""
    book = FileBook(path, backup=backup)
    book.set_values(edits)
    book.commit()


def sheet_rows(path: Path, name: str) -> list[list[object]]:
    wb = CalamineWorkbook.from_path(str(path))
    return wb.get_sheet_by_name(name).to_python(skip_empty_area=False)


@pytest.fixture
def demo_book(tmp_path: Path) -> Path:
    return demo_workbook(tmp_path / "avregning.xlsx")


def test_beregn_writes_the_engines_figures(demo_book: Path) -> None:
    outcome = actions.beregn(FileBook(demo_book), now=NOW)
    assert outcome.ok, outcome.lines()
    assert outcome.result is not None
    rows = sheet_rows(demo_book, "Beregning")
    table = layout.CALCULATION
    for k, res in enumerate(outcome.result.objects):
        row = rows[table.first_data_row - 1 + k]
        assert row[table.index("id") - 1] == res.id
        for field in ("distributed", "share", "total", "invoiced", "rest", "admin_fee", "vat"):
            shown = Decimal(repr(row[table.index(field) - 1])).quantize(Decimal("0.01"))
            assert shown == getattr(res, field), (res.id, field)
    state = read_status(sheet_rows(demo_book, "Status"))
    assert state.status is Status.BEREGNET
    assert state.fingerprint == outcome.result.fingerprint
    settings = sheet_rows(demo_book, "Avregning")
    status_row = layout.STATUS_CELL.row("status")
    assert settings[status_row - 1][layout.STATUS_CELL.value_col - 1] == "Beregnet"
    assert (demo_book.parent / "avregning.forrige.xlsx").exists()


def test_beregn_reports_every_problem_at_its_cell(tmp_path: Path) -> None:
    data = demo_data()
    data["contract_objects"][2]["numerator"] = "-5"
    data["cost_lines"][1]["share_pct"] = "150"
    path = tmp_path / "feil.xlsx"
    write_new_workbook(data, path, backup=False)
    before = path.read_bytes()
    outcome = actions.beregn(FileBook(path), now=NOW)
    assert not outcome.ok
    wheres = {p.where for p in outcome.problems}
    numerator = f"Brøk!{layout.CONTRACT_OBJECTS.cell('numerator', 6)}"
    share = f"Til fordeling!{layout.COST_LINES.cell('share_pct', 5)}"
    assert {numerator, share} <= wheres, outcome.lines()
    assert path.read_bytes() == before  # nothing written on failure


def test_status_flow_and_stale_results(demo_book: Path) -> None:
    book = FileBook(demo_book)
    refused = actions.change_status(book, Action.LOCK, now=NOW)
    assert not refused.ok and "Lagt opp" in " ".join(refused.lines())
    assert actions.beregn(book, now=NOW).ok
    locked = actions.change_status(book, Action.LOCK, now=NOW)
    assert locked.ok and locked.status is Status.LAAST
    ready = actions.change_status(book, Action.INVOICE_READY, now=NOW)
    assert ready.ok and ready.status is Status.FAKTURAKLAR
    assert read_status(sheet_rows(demo_book, "Status")).status is Status.FAKTURAKLAR
    again = actions.change_status(book, Action.INVOICE_READY, now=NOW)
    assert not again.ok


def test_changed_input_makes_the_result_stale(demo_book: Path) -> None:

    book = FileBook(demo_book)
    assert actions.beregn(book, now=NOW).ok
    edit_workbook(demo_book, {"Til fordeling": {layout.COST_LINES.cell("amount", 4): 1}})
    refused = actions.change_status(FileBook(demo_book), Action.INVOICE_READY, now=NOW)
    assert not refused.ok
    assert "utdatert" in " ".join(refused.lines())


def test_do_not_invoice_toggle_keeps_the_status(demo_book: Path) -> None:
    book = FileBook(demo_book)
    assert actions.beregn(book, now=NOW).ok
    assert actions.change_status(book, Action.LOCK, now=NOW).ok
    outcome = actions.set_do_not_invoice(book, "1003-1")
    assert outcome.ok and outcome.result is not None
    assert outcome.result.object("1003-1").invoice_status.value == "do_not_invoice"
    rows = sheet_rows(demo_book, "Beregning")
    row = rows[layout.CALCULATION.first_data_row - 1 + 2]
    assert row[layout.CALCULATION.index("do_not_invoice") - 1] == layout.DO_NOT_INVOICE_MARK
    assert read_status(sheet_rows(demo_book, "Status")).status is Status.LAAST
    brok = sheet_rows(demo_book, "Brøk")
    assert brok[5][layout.CONTRACT_OBJECTS.index("do_not_invoice") - 1] == "X"
    # And back.
    assert actions.set_do_not_invoice(FileBook(demo_book), "1003-1").ok
    brok = sheet_rows(demo_book, "Brøk")
    assert brok[5][layout.CONTRACT_OBJECTS.index("do_not_invoice") - 1] in (None, "")
    # Toggling leaves the result fresh: it can be made invoice-ready.
    assert actions.change_status(FileBook(demo_book), Action.INVOICE_READY, now=NOW).ok


def test_unknown_object_for_the_toggle(demo_book: Path) -> None:
    outcome = actions.set_do_not_invoice(FileBook(demo_book), "9999-1")
    assert not outcome.ok and "9999-1" in outcome.message


def test_account_export_import_round_trip(demo_book: Path, tmp_path: Path) -> None:
    export = tmp_path / "konti.xlsx"
    assert actions.export_accounts(FileBook(demo_book), export, today=NOW).ok
    rows = sheet_rows(export, "Til fordeling")
    assert str(rows[0][0]).startswith("Dato: 3. februar 2025")
    assert rows[2][:3] == ["KontoNr", "Konto", "Beløp"]
    accounts, problems = read_account_file(export)
    assert problems == []
    expected = [(c["account"], c["name"], Decimal(c["amount"]))
                for c in demo_data()["cost_lines"]]
    assert [(a.account, a.name, a.amount) for a in accounts] == expected


def test_account_import_merges(demo_book: Path, tmp_path: Path) -> None:
    source = tmp_path / "ny.xlsx"
    write_account_file([{"account": "6300", "name": "Renhold", "amount": "200000.00"},
                        {"account": "6999", "name": "Ny konto", "amount": "1500.50"}],
                       source, dated=NOW.date())
    outcome = actions.import_accounts(FileBook(demo_book), source)
    assert outcome.ok, outcome.lines()
    assert "1 beløp erstattet, 1 nye" in outcome.message
    assert any("6340" in w.message for w in outcome.warnings)  # listed, not deleted
    found = FileBook(demo_book).read_input()
    lines = {c["account"]: c for c in found.data["cost_lines"]}
    assert lines["6300"]["amount"] == Decimal("200000.00")
    assert lines["6999"]["amount"] == Decimal("1500.50")
    assert lines["6340"]["amount"] == Decimal("96412.50")


def test_account_import_reports_bad_rows(demo_book: Path, tmp_path: Path) -> None:
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.append(["Dato: 1. januar 2025"])
    ws.append(["Felleskost"])
    ws.append(["KontoNr", "Konto", "Beløp"])
    ws.append(["6300", "Renhold", "12,3,4"])
    ws.append([None, "Uten konto", "100"])
    ws.append(["6301", "Tekstbeløp", "kr 1 000,50"])
    source = tmp_path / "feil.xlsx"
    wb.save(source)
    outcome = actions.import_accounts(FileBook(demo_book), source)
    assert not outcome.ok
    wheres = [p.where for p in outcome.problems]
    assert wheres == ["Sheet!C4", "Sheet!A5"]
    assert outcome.source == source
    assert "«12,3,4» er ikke et beløp" in outcome.problems[0].message


def test_delete_zero_and_fetch_accounts(tmp_path: Path) -> None:
    data = demo_data()
    data["cost_lines"][3]["amount"] = "0"  # 6390, which has an exception for 1005-1
    path = tmp_path / "null.xlsx"
    selection = [{"account": c["account"], "name": c["name"]} for c in data["cost_lines"]]
    selection.append({"account": "6500", "name": "Heis"})
    write_new_workbook(data, path, account_selection=selection, backup=False)
    outcome = actions.delete_zero_accounts(FileBook(path))
    assert outcome.ok and "6390" in outcome.message and "1005-1/6390" in outcome.message
    found = FileBook(path).read_input()
    assert "6390" not in {c["account"] for c in found.data["cost_lines"]}
    assert actions.beregn(FileBook(path), now=NOW).ok
    fetched = actions.fetch_accounts(FileBook(path))
    assert fetched.ok and "6390" in fetched.message and "6500" in fetched.message
    found = FileBook(path).read_input()
    lines = {c["account"]: c for c in found.data["cost_lines"]}
    assert lines["6500"]["amount"] is None
    refused = actions.beregn(FileBook(path), now=NOW)  # empty amounts stop the calculation
    assert not refused.ok
    assert any("6500" in p.message and p.where.startswith("Til fordeling!C")
               for p in refused.problems)


def test_new_period_carries_forward(demo_book: Path) -> None:
    assert actions.beregn(FileBook(demo_book), now=NOW).ok
    outcome = actions.new_period(FileBook(demo_book), None)
    assert outcome.ok, outcome.lines()
    dest = demo_book.with_name("avregning-2025-01.xlsx")
    assert outcome.written == (dest,)
    found = FileBook(dest).read_input()
    assert found.problems == []
    data = found.data
    assert data["settlement"]["period_start"] == "2025-01-01"
    ids = [o["id"] for o in data["contract_objects"]]
    assert "1004-1" not in ids  # lease ended 31.08.2024
    assert all(c.get("amount") is None for c in data["cost_lines"])
    assert all(not o.get("invoiced") for o in data["contract_objects"])
    assert any("ikke fakturaklar" in w.message.lower() for w in outcome.warnings)
    again = actions.new_period(FileBook(demo_book), None)
    assert not again.ok  # never overwrites


def _sheet_parts(path: Path) -> dict[str, str]:
    """Sheet name → its worksheet part, read from workbook.xml and its rels."""
    import re

    with zipfile.ZipFile(path) as z:
        workbook_xml = z.read("xl/workbook.xml").decode()
        rels = z.read("xl/_rels/workbook.xml.rels").decode()
    targets = {}
    for rel in re.findall(r"<Relationship [^>]*>", rels):
        rid = re.search(r'Id="([^"]+)"', rel)
        target = re.search(r'Target="([^"]+)"', rel)
        assert rid and target
        targets[rid.group(1)] = "xl/" + target.group(1).lstrip("/").removeprefix("xl/")
    return {name: targets[rid] for name, rid in
            re.findall(r'<sheet [^>]*name="([^"]+)"[^>]*r:id="([^"]+)"', workbook_xml)}


def test_write_back_keeps_the_users_parts(demo_book: Path) -> None:
    """The input sheets the action does not edit, shared strings and everything outside xl/
    stay byte-identical; only the engine's sheets, Avregning's status cell and the shared
    parts that must change (styles, content types; workbook.xml only by the engine sheets'
    print titles) differ; a second calculation leaves workbook.xml as the first left it."""
    parts = _sheet_parts(demo_book)
    with zipfile.ZipFile(demo_book) as z:
        before = {n: z.read(n) for n in z.namelist()}
    assert actions.beregn(FileBook(demo_book), now=NOW).ok
    with zipfile.ZipFile(demo_book) as z:
        after = {n: z.read(n) for n in z.namelist()}
    kept = [parts[name] for name in ("Brøk", "Til fordeling", "Kontraktsobjekt konti",
                                     "A konto", "Kontovalg")]
    kept += [n for n in before if n.startswith(("docProps/", "_rels/", "xl/tables/"))
             or n == "xl/sharedStrings.xml"]
    for name in kept:
        assert after.get(name) == before[name], name
    assert _sheet_parts(demo_book) == parts  # same sheets, same parts, same order
    print_names = re.compile(rb'<definedName name="_xlnm\.Print_[A-Za-z]+" localSheetId="\d+">'
                             rb"[^<]*</definedName>")
    bare = print_names.sub(b"", after["xl/workbook.xml"]).replace(b"<definedNames></definedNames>",
                                                                  b"")
    assert bare == print_names.sub(b"", before["xl/workbook.xml"]).replace(
        b"<definedNames></definedNames>", b"")
    assert actions.beregn(FileBook(demo_book), now=NOW).ok
    with zipfile.ZipFile(demo_book) as z:
        assert z.read("xl/workbook.xml") == after["xl/workbook.xml"]


def test_account_tools_refuse_when_inputs_are_locked(demo_book: Path, tmp_path: Path) -> None:
    book = FileBook(demo_book)
    assert actions.beregn(book, now=NOW).ok
    assert actions.change_status(book, Action.LOCK, now=NOW).ok
    for outcome in (actions.fetch_accounts(FileBook(demo_book)),
                    actions.delete_zero_accounts(FileBook(demo_book))):
        assert not outcome.ok
        assert "Låst" in " ".join(outcome.lines())
        assert outcome.problems[0].where == f"Status!{layout.STATUS_FORM.cell('status')}"


def test_exported_objects_refuse_recalculation(tmp_path: Path) -> None:

    path = tmp_path / "eksportert.xlsx"
    write_new_workbook(demo_data(), path, backup=False)
    assert actions.beregn(FileBook(path), now=NOW).ok
    cell = layout.CONTRACT_OBJECTS.cell("exported", 4)
    edit_workbook(path, {"Brøk": {cell: "B-2025-01"}}, backup=False)
    outcome = actions.beregn(FileBook(path), now=NOW)
    assert not outcome.ok
    assert outcome.problems[0].where == f"Brøk!{cell}"
    assert "1001-1" in outcome.problems[0].message
    toggled = actions.set_do_not_invoice(FileBook(path), "1001-1")
    assert not toggled.ok and "eksportert" in toggled.message


def test_an_unreadable_sheet_is_one_problem_not_a_cascade(demo_book: Path) -> None:
    """Brøk with two columns swapped: its headers are reported; the exceptions in
    Kontraktsobjekt konti are not also all reported as naming unknown objects."""
    from avregn.workbook.reader import read_blocks

    wb = CalamineWorkbook.from_path(str(demo_book))
    blocks = {name: wb.get_sheet_by_name(name).to_python(skip_empty_area=False)
              for name in wb.sheet_names}
    header = blocks["Brøk"][layout.CONTRACT_OBJECTS.header_row - 1]
    header[0], header[1] = header[1], header[0]

    class Port:
        name, path = "avregning.xlsx", None

        def read_input(self):  # type: ignore[no-untyped-def]
            return read_blocks(blocks)

    loaded = actions.load(Port(), require_amounts=True)  # type: ignore[arg-type]
    assert "contract_objects" in loaded.input.unreadable
    assert loaded.problems and all(p.where.startswith("Brøk!") for p in loaded.problems)
