"""The invoice basis end to end on real workbooks: selection, samlefaktura, customer ids,
control totals, the ledger (second export, copies, restored backups, re-export), marks in the
workbook, the archive and the commands."""

from __future__ import annotations

import json
import shutil
from decimal import Decimal
from pathlib import Path

import pytest
from invoicing_helpers import CODES, NOW, book, ready_book, settlement
from python_calamine import CalamineWorkbook

from avregn.actions import beregn
from avregn.book import FileBook
from avregn.commands import run_command
from avregn.invoicing import (
    export_invoice_basis,
    list_exports,
    sync_export_marks,
    workbook_paths,
)
from avregn.register import open_register, settlement_key
from avregn.workbook import layout
from avregn.workbook.reader import read_workbook
from engine.calculation import try_calculate
from engine.contract import parse_settlement


@pytest.fixture
def db(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'register.sqlite'}"


def _export(paths: list[Path], db: str, tmp_path: Path, **kw):  # type: ignore[no-untyped-def]
    return export_invoice_basis([book(p) for p in paths], register=db,
                                out_dir=tmp_path / "arkiv", now=NOW, **kw)


def _exported_marks(path: Path) -> dict[str, str | None]:
    found = read_workbook(path)
    return {o["id"]: o.get("exported") for o in found.data["contract_objects"]}


def _demo_expected() -> tuple[int, Decimal, Decimal, Decimal]:
    """The demo's ready objects, from the engine's own figures."""
    from avregn.demo import demo_data

    s, _ = parse_settlement(demo_data())
    assert s is not None
    result, _ = try_calculate(s)
    assert result is not None
    ready = [o for o in result.objects if o.invoice_status.value == "ready"]
    return (len(ready), sum((o.rest + o.admin_fee for o in ready), Decimal(0)),
            sum((o.vat + o.admin_fee_vat for o in ready), Decimal(0)),
            sum((o.invoice_total for o in ready), Decimal(0)))


@pytest.mark.slow
def test_export_then_second_export_is_refused(tmp_path: Path, db: str) -> None:
    wb = ready_book(tmp_path / "a.xlsx")
    first = _export([wb], db, tmp_path)
    assert first.ok, first.lines()
    n, net, vat, gross = _demo_expected()
    data = json.loads(first.written[2].read_text(encoding="utf-8"))
    assert data["totals"]["net"] == f"{net:.2f}"
    assert data["totals"]["vat"] == f"{vat:.2f}"
    assert data["totals"]["gross"] == f"{gross:.2f}"
    assert sum(len(i["lines"]) for i in data["invoices"]) == data["totals"]["lines"]
    # the workbook mirrors the ledger: Eksportert on Brøk and on Status
    marks = _exported_marks(wb)
    assert sorted(v for v in marks.values() if v) == ["FG-000001"] * n
    status_rows = CalamineWorkbook.from_path(str(wb)).get_sheet_by_name("Status").to_python()
    assert sum(row.count("FG-000001") for row in status_rows) == n

    second = _export([wb], db, tmp_path)
    assert not second.ok
    assert "allerede eksportert" in " ".join(second.lines())
    assert "FG-000001" in second.problems[0].message
    ledger = open_register(db)
    assert ledger is not None and len(ledger.batches()) == 1


def test_a_copy_of_the_workbook_is_refused_before_and_after_marking(tmp_path: Path,
                                                                     db: str) -> None:
    wb = ready_book(tmp_path / "a.xlsx")
    early_copy = tmp_path / "kopi-før.xlsx"
    shutil.copy(wb, early_copy)  # unmarked: only the ledger knows
    assert _export([wb], db, tmp_path).ok
    late_copy = tmp_path / "kopi-etter.xlsx"
    shutil.copy(wb, late_copy)
    for copy in (early_copy, late_copy):
        again = _export([copy], db, tmp_path / copy.stem)
        assert not again.ok, copy
        assert "FG-000001" in " ".join(again.lines())
    # a copy's spelling of the settlement key does not matter (spec §4)
    key = settlement_key("  Prøvegata 4,   BYGG A ", "avregning FELLESKOST", NOW.date(), 12)
    assert key == settlement_key("Prøvegata 4, bygg A", "Avregning felleskost", NOW.date(), 12)


def test_a_restored_backup_is_refused(tmp_path: Path, db: str) -> None:
    wb = ready_book(tmp_path / "a.xlsx")
    assert _export([wb], db, tmp_path).ok
    backup = tmp_path / "a.forrige.xlsx"
    assert backup.exists()  # marking kept the previous version
    assert not any(_exported_marks(backup).values())
    shutil.copy(backup, wb)
    again = _export([wb], db, tmp_path)
    assert not again.ok
    # ... and the restored workbook is marked again from the ledger
    assert "FG-000001" in _exported_marks(wb).values()


def test_every_changing_command_marks_from_the_ledger_first(tmp_path: Path, db: str,
                                                            monkeypatch) -> None:
    # The ledger is the authority (issue 13): a workbook restored from before the export is
    # marked again by the next command that changes it, and its exported objects stay frozen.
    from avregn.actions import change_status, set_do_not_invoice
    from engine.statuses import Action

    monkeypatch.setenv("AVREGN_DB", db)
    wb = ready_book(tmp_path / "a.xlsx")
    assert _export([wb], db, tmp_path).ok
    exported = next(k for k, v in _exported_marks(wb).items() if v)
    backup = tmp_path / "a.forrige.xlsx"
    shutil.copy(backup, wb)
    assert not any(_exported_marks(wb).values())
    toggled = set_do_not_invoice(FileBook(wb), exported)
    assert not toggled.ok  # marked from the ledger first, so the object is frozen
    assert _exported_marks(wb)[exported] == "FG-000001"
    shutil.copy(backup, wb)
    change_status(FileBook(wb), Action.DO_NOT_INVOICE, now=NOW)
    assert _exported_marks(wb)[exported] == "FG-000001"


def test_reexport_writes_a_reversal_and_a_new_line(tmp_path: Path, db: str) -> None:
    wb = ready_book(tmp_path / "a.xlsx")
    assert _export([wb], db, tmp_path).ok
    again = _export([wb], db, tmp_path, reexport=True)
    assert again.ok, again.lines()
    assert "FG-000002" in again.message and "Reeksportert" in again.message
    ledger = open_register(db)
    assert ledger is not None
    batches = {b["batch"]: b for b in ledger.batches()}
    n = _demo_expected()[0]
    assert batches["FG-000002"]["objects"] == n and batches["FG-000002"]["reversals"] == n
    assert batches["FG-000001"]["objects"] == n  # the posted line is unchanged
    s, _ = parse_settlement(read_workbook(wb).data)
    assert s is not None
    key = settlement_key(s.settings.property_object, s.settings.group,
                         s.settings.period_start, s.settings.interval_months)
    opened = ledger.open_exports([key])
    assert {e.batch for e in opened.values()} == {"FG-000002"}
    assert {e.generation for e in opened.values()} == {1}
    assert set(_exported_marks(wb).values()) - {None} == {"FG-000002"}
    import sqlalchemy as sa

    from avregn.register.schema import export_line

    with ledger.engine.connect() as c:
        sums: dict[str, Decimal] = {}
        for kind, gross in c.execute(sa.select(export_line.c.kind, export_line.c.gross)):
            sums[kind] = sums.get(kind, Decimal(0)) + Decimal(gross)
    gross = _demo_expected()[3]
    assert sums == {"export": 2 * gross, "reversal": -gross}  # the ledger adds up
    # a plain export after the re-export is refused again
    assert not _export([wb], db, tmp_path).ok


def test_the_database_refuses_a_second_open_line(tmp_path: Path, db: str) -> None:
    import sqlalchemy as sa

    from avregn.register.schema import export_batch, export_line

    ledger = open_register(db)
    assert ledger is not None
    line = {"kind": "export", "generation": 0, "settlement_key": "k", "object_id": "o",
            "property_object": "p", "settlement_group": "", "period_start": NOW.date(),
            "interval_months": 12, "customer_id": "914778271", "contract_no": "1",
            "workbook": "a.xlsx", "fingerprint": "f", "net": "1.00", "vat": "0.00",
            "gross": "1.00"}
    batch = {"created_at": NOW, "user_name": "u", "format": "xlsx", "files": "[]",
             "line_count": 1, "invoice_count": 1, "net": "1.00", "vat": "0.00",
             "gross": "1.00", "archive": "", "basis": "{}"}
    with ledger.engine.begin() as c:
        batch_id = c.execute(sa.insert(export_batch).values(**batch)).inserted_primary_key[0]
        c.execute(sa.insert(export_line).values(**line, batch_id=batch_id))
    with pytest.raises(sa.exc.IntegrityError), ledger.engine.begin() as c:
        c.execute(sa.insert(export_line).values(**line, batch_id=batch_id))
    # a reversal of generation 0 and an export of generation 1 are allowed, once each
    with ledger.engine.begin() as c:
        c.execute(sa.insert(export_line).values(**{**line, "kind": "reversal"},
                                                batch_id=batch_id))
        c.execute(sa.insert(export_line).values(**{**line, "generation": 1}, batch_id=batch_id))
    with pytest.raises(sa.exc.IntegrityError), ledger.engine.begin() as c:
        c.execute(sa.insert(export_line).values(**{**line, "kind": "reversal"},
                                                batch_id=batch_id))


def test_migrations_and_schema_agree(tmp_path: Path, db: str) -> None:
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext

    from avregn.register.schema import metadata

    ledger = open_register(db)
    assert ledger is not None
    with ledger.engine.connect() as c:
        diff = compare_metadata(MigrationContext.configure(c), metadata)
    assert diff == []


def test_not_ready_workbooks_are_skipped_and_stale_ones_refused(tmp_path: Path,
                                                                  db: str) -> None:
    from avregn.xlsx.cell_edit import set_cell_values

    calculated = ready_book(tmp_path / "beregnet.xlsx", ready=False)
    outcome = _export([calculated], db, tmp_path)
    assert outcome.ok and "Ingenting å fakturere" in outcome.message
    assert "ikke Fakturaklar" in outcome.message
    stale = ready_book(tmp_path / "utdatert.xlsx")
    edited = tmp_path / "endret.xlsx"
    set_cell_values(stale, edited, {"Brøk": {layout.CONTRACT_OBJECTS.cell("numerator", 4): 121}})
    edited.replace(stale)
    refused = _export([stale], db, tmp_path)
    assert not refused.ok
    assert refused.problems[0].where == \
        f"utdatert.xlsx:Status!{layout.STATUS_FORM.cell('fingerprint')}"
    assert open_register(db).batches() == []  # type: ignore[union-attr]


def test_missing_codes_are_refused_naming_the_cell(tmp_path: Path, db: str) -> None:
    wb = ready_book(tmp_path / "a.xlsx")
    outcome = export_invoice_basis([book(wb, {**CODES, "fee_account": ""})], register=db,
                                   out_dir=tmp_path / "arkiv", now=NOW)
    assert not outcome.ok
    where = [p.where for p in outcome.problems]
    cells = [f"Avregning!{block.cell('invoicing.fee_account')}"
             for block in layout.AVREGNING.blocks if isinstance(block, layout.Form)
             and any(c.field == "invoicing.fee_account" for c in block.fields)]
    cell = cells[0] if cells else "settlement.invoicing.fee_account"  # no cell in the layout
    assert where == [f"a.xlsx:{cell}"]
    assert "Konto adm.honorar" in outcome.problems[0].message
    no_account = settlement(settlement_account_free=None)
    wb2 = ready_book(tmp_path / "b.xlsx", no_account)
    outcome = _export([wb2], db, tmp_path)
    assert [p.where for p in outcome.problems] == [
        f"b.xlsx:Avregning!{layout.SETTINGS.cell('settlement_account_free')}"]
    assert not (tmp_path / "arkiv").exists()


def test_invalid_customer_ids_block_their_customer(tmp_path: Path, db: str) -> None:
    data = settlement()
    data["contract_objects"][0]["customer_id"] = "914778205"  # bad check digit
    data["contract_objects"][1]["customer_id"] = None
    wb = ready_book(tmp_path / "a.xlsx", data)
    refused = _export([wb], db, tmp_path)
    assert not refused.ok
    assert "--uten-blokkerte" in refused.message
    assert [p.where for p in refused.problems] == [
        f"a.xlsx:Brøk!{layout.CONTRACT_OBJECTS.cell('customer_id', 4)}",
        f"a.xlsx:Brøk!{layout.CONTRACT_OBJECTS.cell('customer_id', 5)}"]
    assert "Kontrakt 1001 Kafé Hjørnet AS" in refused.problems[0].message
    assert "mangler" in refused.problems[1].message
    assert open_register(db).batches() == []  # type: ignore[union-attr]
    done = _export([wb], db, tmp_path, without_blocked=True)
    assert done.ok, done.lines()
    assert len(done.warnings) == 2 and all("Holdt tilbake" in w.message for w in done.warnings)
    marks = _exported_marks(wb)
    assert marks["1001-1"] is None and marks["1002-1"] is None
    assert marks["1003-1"] == "FG-000001"
    summary = CalamineWorkbook.from_path(str(done.written[1])).get_sheet_by_name(
        "Kontrollsummer").to_python()
    assert any("Holdt tilbake" in str(cell) for row in summary for cell in row)


@pytest.mark.slow
def test_one_invoice_per_owner_and_customer_across_workbooks(tmp_path: Path, db: str) -> None:
    other = settlement(property_object="Prøvegata 4, bygg B")
    a = ready_book(tmp_path / "a.xlsx")
    b = ready_book(tmp_path / "b.xlsx", other)
    outcome = _export([a, b], db, tmp_path)
    assert outcome.ok, outcome.lines()
    data = json.loads(outcome.written[2].read_text(encoding="utf-8"))
    n = _demo_expected()[0]
    assert data["totals"]["invoices"] == n  # the same customers in both buildings
    kafe = next(i for i in data["invoices"] if i["customer_id"] == "914778204")
    assert {line["property_object"] for line in kafe["lines"]} == {
        "Prøvegata 4, bygg A", "Prøvegata 4, bygg B"}
    assert {line["kind"] for line in kafe["lines"]} == {"felleskost", "honorar"}
    # another owner is another invoice
    c = ready_book(tmp_path / "c.xlsx", settlement(property_object="C", owner="Annen eier AS"))
    more = _export([c], db, tmp_path)
    assert more.ok and f"{n} fakturaer" in more.message


def test_the_same_settlement_twice_in_one_export_is_refused(tmp_path: Path, db: str) -> None:
    a = ready_book(tmp_path / "a.xlsx")
    b = tmp_path / "b.xlsx"
    shutil.copy(a, b)
    outcome = _export([a, b], db, tmp_path)
    assert not outcome.ok
    assert "samme avregning" in outcome.problems[0].message


def test_a_workbook_that_cannot_be_marked_is_named_and_marked_later(tmp_path: Path,
                                                                    db: str,
                                                                    monkeypatch) -> None:
    wb = ready_book(tmp_path / "a.xlsx")
    lock = tmp_path / "~$a.xlsx"
    lock.write_text("excel")
    outcome = _export([wb], db, tmp_path)
    assert outcome.ok
    assert any("kunne ikke merkes" in w.message for w in outcome.warnings)
    assert not any(_exported_marks(wb).values())
    # still open in Excel: a calculation is refused all the same (the ledger is the authority)
    monkeypatch.setenv("AVREGN_DB", db)
    refused = beregn(FileBook(wb), now=NOW)
    assert not refused.ok and "registeret" in refused.message
    assert refused.problems[0].where == f"Brøk!{layout.CONTRACT_OBJECTS.cell('exported', 4)}"
    lock.unlink()
    assert sync_export_marks(FileBook(wb)) == []
    assert "FG-000001" in _exported_marks(wb).values()
    assert not beregn(FileBook(wb), now=NOW).ok  # frozen, like any exported settlement


def test_an_export_that_fails_half_way_leaves_nothing(tmp_path: Path, db: str,
                                                      monkeypatch) -> None:
    from avregn.invoicing import archive

    wb = ready_book(tmp_path / "a.xlsx")

    def broken(*args, **kwargs):  # type: ignore[no-untyped-def]
        raise OSError("disken er full")

    monkeypatch.setattr(archive, "write_summary", broken)
    outcome = _export([wb], db, tmp_path)
    assert not outcome.ok and "disken er full" in outcome.message
    assert open_register(db).batches() == []  # type: ignore[union-attr]
    assert list((tmp_path / "arkiv").iterdir()) == []
    assert not any(_exported_marks(wb).values())
    monkeypatch.undo()
    assert _export([wb], db, tmp_path).ok


def test_folders_skip_backups_lock_files_and_temporary_files(tmp_path: Path) -> None:
    for name in ("a.xlsx", "a.forrige.xlsx", "~$a.xlsx", "~avregn-123.xlsx", "b.xlsm",
                 "notes.txt"):
        (tmp_path / name).write_text("x")
    paths, problems = workbook_paths([tmp_path])
    assert [p.name for p in paths] == ["a.xlsx", "b.xlsm"] and problems == []
    _, problems = workbook_paths([tmp_path / "finnes-ikke.xlsx"])
    assert problems and "Finner ikke" in problems[0].message


def test_commands(tmp_path: Path, db: str, capsys) -> None:
    (tmp_path / "mappe").mkdir()
    wb = ready_book(tmp_path / "mappe" / "a.xlsx", settlement(invoicing=CODES))
    code = run_command(["fakturagrunnlag", str(tmp_path / "mappe"), "--format", "csv",
                        "--register", db, "--ut", str(tmp_path / "ut")])
    out = capsys.readouterr()
    assert code == 0, out.err
    assert "FG-000001 (csv)" in out.out
    assert (tmp_path / "ut" / "FG-000001" / "fakturagrunnlag-FG-000001.csv").exists()
    code = run_command(["fakturagrunnlag", str(wb), "--register", db, "--ut",
                        str(tmp_path / "ut")])
    err = capsys.readouterr().err
    assert code == 1 and "a.xlsx:Brøk!" in err and "allerede eksportert" in err
    assert run_command(["eksporter-liste", "--register", db]) == 0
    listed = capsys.readouterr().out
    assert "FG-000001" in listed and "csv" in listed and "a.xlsx" in listed
    with pytest.raises(SystemExit):
        run_command(["fakturagrunnlag", str(wb), "--format", "pdf"])


def test_list_exports_on_an_empty_register(db: str) -> None:
    outcome = list_exports(db)
    assert outcome.ok and "Ingen eksporter" in outcome.message


@pytest.mark.slow
def test_demo_ends_with_an_invoice_basis_in_its_own_register(tmp_path: Path,
                                                             monkeypatch) -> None:
    from avregn.demo import demo_data
    from avregn.invoicing import demo_invoice_basis
    from avregn.workbook.new_book import write_new_workbook

    monkeypatch.setenv("AVREGN_DB", f"sqlite:///{tmp_path / 'brukerens.sqlite'}")
    for _ in range(2):  # the demo can run again
        wb = tmp_path / "demo" / "avregning.xlsx"
        wb.parent.mkdir(exist_ok=True)
        write_new_workbook(demo_data(), wb, backup=False)
        outcome = demo_invoice_basis(wb, tmp_path / "demo", now=NOW)
        assert outcome.ok, outcome.lines()
        assert (tmp_path / "demo" / "demo-register.sqlite").exists()
    assert not (tmp_path / "brukerens.sqlite").exists()  # never the user's ledger


@pytest.mark.slow
def test_many_workbooks_are_all_marked(tmp_path: Path, db: str) -> None:
    """More than four files: they are marked in threads; every one gets its marks."""
    paths = [ready_book(tmp_path / f"b{k}.xlsx", settlement(property_object=f"Bygg {k}"))
             for k in range(6)]
    outcome = _export(paths, db, tmp_path)
    assert outcome.ok, outcome.lines()
    n = _demo_expected()[0]
    for path in paths:
        assert sorted(v for v in _exported_marks(path).values() if v) == ["FG-000001"] * n


def test_the_codes_come_from_the_workbook(tmp_path: Path, db: str) -> None:
    """No wrapper: the settlement's invoicing codes are read from *Avregning*."""
    wb = ready_book(tmp_path / "a.xlsx", settlement(invoicing=CODES))
    outcome = export_invoice_basis([FileBook(wb)], register=db, out_dir=tmp_path / "arkiv",
                                   fmt="csv", now=NOW)
    assert outcome.ok, outcome.lines()
    text = outcome.written[0].read_text(encoding="utf-8-sig")
    assert ";1200;3610;3;" in text and ";1300;3620;3;" in text and ";1200;3611;6;" in text
