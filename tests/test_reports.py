"""The three reports: the xlsx read back with calamine (an independent reader) and compared
with the result, the native chart wired into the package, text kept as text, the PDF's text
through poppler, and the refusals."""

from __future__ import annotations

import re
import zipfile
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from letters_support import calculated_book, crossing, demo, needs_pdftotext, pdf_text
from python_calamine import CalamineWorkbook

from avregn.actions import Outcome
from avregn.book import FileBook
from avregn.commands import run_command
from avregn.reports import write_reports
from avregn.reports.tables import NO_TYPE
from avregn.reports.xlsx import HEADER_ROW
from avregn.workbook.new_book import write_new_workbook
from engine.rounding import Mode, decimal_places


def sheet_rows(path: Path, name: str) -> list[list[Any]]:
    book = CalamineWorkbook.from_path(str(path))
    return book.get_sheet_by_name(name).to_python()


def body(rows: list[list[Any]]) -> list[list[Any]]:
    """The rows under the header, up to the first empty row."""
    out = []
    for row in rows[HEADER_ROW:]:
        if all(v in ("", None) for v in row):
            break
        out.append(row)
    return out


def money(value: Any) -> Decimal:
    """A number calamine read (a binary float) as the amount it stands for."""
    return Decimal(repr(value)).quantize(Decimal("0.01"))


def made(tmp_path: Path, data: dict[str, Any]) -> Outcome:
    outcome = write_reports(calculated_book(tmp_path, data))
    assert outcome.ok, outcome.lines()
    return outcome


@pytest.mark.parametrize("make", [demo, crossing], ids=["demo", "crossing"])
def test_xlsx_matches_the_result(tmp_path: Path, make) -> None:
    data = make()
    outcome = made(tmp_path, data)
    xlsx, pdf = outcome.written
    assert xlsx.suffix == ".xlsx" and pdf.suffix == ".pdf"
    assert xlsx.parent == tmp_path / "avregning-rapporter"
    result, settlement = outcome.result, outcome.settlement
    assert CalamineWorkbook.from_path(str(xlsx)).sheet_names == [
        "Kontoer per transaksjonstype", "Tellere", "Fordelingsgrunnlag"]

    # Distribution basis: one row per account, then the sums and the owner's cost.
    rows = body(sheet_rows(xlsx, "Fordelingsgrunnlag"))
    for row, account in zip(rows, result.accounts, strict=False):
        assert row[0] == account.account and row[1] == account.name
        assert money(row[2]) == account.amount
        assert money(row[4]) == account.to_distribute
        assert money(row[6]) == account.per_unit
        if account.rate is None:
            assert row[7] in ("", None)
        else:
            assert Decimal(repr(row[7])).quantize(Decimal("0.0001")) == account.rate
        assert money(row[8]) == account.tenant_share
        assert money(row[9]) == account.vacant_share
        assert money(row[10]) == account.owner_share
    total = rows[len(result.accounts)]
    costs = result.summary.costs
    assert total[0] == "Sum" and money(total[4]) == costs
    assert money(total[6]) == decimal_places(costs / result.denominator, 2, mode=Mode.HALF_UP)
    labelled = {row[0]: row for row in rows[len(result.accounts) + 1:]}
    owner = result.summary.owner
    assert money(labelled["Ledig areal"][4]) == owner.vacant
    assert money(labelled["Andelsavtaler"][4]) == owner.share
    assert money(labelled["Tak"][4]) == owner.cap
    assert money(labelled["Fast"][4]) == owner.fixed
    owner_name = settlement.settings.owner
    assert money(labelled[f"Sum {owner_name}"][4]) == owner.sum
    assert money(labelled["Leietakerne"][4]) == result.summary.tenants.sum
    assert owner.sum + result.summary.tenants.sum == costs

    # Numerators per tenant and contract object, the sum against the denominator.
    rows = body(sheet_rows(xlsx, "Tellere"))
    contracts = {o.id: o for o in settlement.contract_objects}
    for row, obj in zip(rows, result.objects, strict=False):
        contract = contracts[obj.id]
        assert row[:4] == [contract.contract_no, contract.contract_name, contract.name, obj.id]
        assert row[4] == contract.start
        assert row[5] == (contract.end or "")
        assert (money(row[6]) if row[6] != "" else None) == contract.cap
        fixed = "X" if contract.fixed_equals_invoiced else contract.fixed
        assert (row[7] if row[7] in ("", "X") else money(row[7])) == (fixed or "")
        assert Decimal(repr(row[8])) == obj.numerator and row[9] == obj.days
        assert Decimal(repr(row[10])) == decimal_places(obj.weighted_numerator, 6,
                                                        mode=Mode.HALF_UP)
    sums = {row[0]: row[10] for row in rows[len(result.objects):]}
    assert Decimal(repr(sums["Sum vektet teller"])) == decimal_places(
        result.weighted_numerator_sum, 6, mode=Mode.HALF_UP)
    assert Decimal(repr(sums["Nevner (kvm)"])) == result.denominator

    # Accounts per transaction type: every account once, in its group, the sums right.
    rows = body(sheet_rows(xlsx, "Kontoer per transaksjonstype"))
    kinds = {c["account"]: c.get("transaction_type") or NO_TYPE for c in data["cost_lines"]}
    group = None
    seen = []
    for row in rows:
        if row[0] in kinds:
            assert kinds[row[0]] == group
            account = next(a for a in result.accounts if a.account == row[0])
            assert money(row[4]) == account.to_distribute
            seen.append(row[0])
        elif str(row[0]).startswith("Sum "):
            continue
        else:
            group = row[0]
    assert sorted(seen) == sorted(kinds)
    assert rows[-1][0] == "Sum alle kontoer" and money(rows[-1][4]) == costs
    groups = [r[0] for r in rows if r[0] not in kinds and not str(r[0]).startswith("Sum ")]
    if NO_TYPE in groups:
        assert groups[-1] == NO_TYPE


def test_the_chart_is_a_native_chart_on_the_distribution_basis(tmp_path: Path) -> None:
    xlsx = made(tmp_path, demo()).written[0]
    with zipfile.ZipFile(xlsx) as z:
        names = set(z.namelist())
        charts = [n for n in names if re.fullmatch(r"xl/charts/chart\d+\.xml", n)]
        assert len(charts) == 1
        workbook = z.read("xl/workbook.xml").decode()
        rels = z.read("xl/_rels/workbook.xml.rels").decode()
        rid = re.search(r'name="Fordelingsgrunnlag" sheetId="\d+" (?:state="\w+" )?'
                        r'r:id="(rId\d+)"', workbook)
        assert rid
        sheet = re.search(rf'Id="{rid.group(1)}"[^>]*Target="/?(?:xl/)?([^"]+)"', rels) or \
            re.search(rf'Target="/?(?:xl/)?([^"]+)"[^>]*Id="{rid.group(1)}"', rels)
        assert sheet
        sheet_part = "xl/" + sheet.group(1)
        sheet_rels = sheet_part.replace("worksheets/", "worksheets/_rels/") + ".rels"
        assert re.search(r"<drawing [^>]*r:id=", z.read(sheet_part).decode())
        drawing = re.search(r'Target="([^"]*drawings/drawing\d+\.xml)"',
                            z.read(sheet_rels).decode())
        assert drawing
        drawing_part = "xl/drawings/" + drawing.group(1).rsplit("/", 1)[-1]
        drawing_rels = drawing_part.replace("drawings/", "drawings/_rels/") + ".rels"
        assert Path(charts[0]).name in z.read(drawing_rels).decode()
        chart = z.read(charts[0]).decode()
        assert re.search(r"<(\w+:)?barChart>", chart)
        assert "'Fordelingsgrunnlag'!$G$6:$G$13" in chart  # kr per kvm of the 8 accounts
        assert "'Fordelingsgrunnlag'!$A$6:$B$13" in chart


def test_text_stays_text(tmp_path: Path) -> None:
    data = crossing()
    data["contract_objects"][0]["contract_name"] = '=HYPERLINK("http://x","klikk")'
    data["cost_lines"][0]["name"] = "=1+1"
    xlsx = made(tmp_path, data).written[0]
    with zipfile.ZipFile(xlsx) as z:
        for name in z.namelist():
            if name.startswith("xl/worksheets/sheet"):
                assert "<f>" not in z.read(name).decode()
    rows = body(sheet_rows(xlsx, "Tellere"))
    assert rows[0][1] == '=HYPERLINK("http://x","klikk")'
    assert body(sheet_rows(xlsx, "Fordelingsgrunnlag"))[0][1] == "=1+1"


@needs_pdftotext
@pytest.mark.slow
def test_pdf_has_the_three_reports_and_the_chart(tmp_path: Path) -> None:
    outcome = made(tmp_path, demo())
    text = pdf_text(outcome.written[1])
    flat = " ".join(text.split())
    for title in ("Kontoer per transaksjonstype", "Tellere per leietaker og kontraktsobjekt",
                  "Fordelingsgrunnlag", "Kr per kvm per konto"):
        assert title in flat
    assert NO_TYPE in flat and "A konto felleskost" in flat and "Markedsføring" in flat
    result = outcome.result
    chart = flat[flat.index("Kr per kvm per konto"):]
    for account in result.accounts:
        per_unit = f"{account.per_unit:,.2f}".replace(",", " ").replace(".", ",")
        assert f"{account.account} {account.name} {per_unit}" in chart
    assert "554,754098 / 703 kvm" in flat
    assert "Status: Beregnet" in flat


def test_refused_when_not_calculated_and_never_overwritten(tmp_path: Path) -> None:
    path = tmp_path / "ny.xlsx"
    write_new_workbook(crossing(), path, backup=False)
    refused = write_reports(FileBook(path))
    assert not refused.ok and "ikke beregnet" in refused.message and not refused.written
    book = calculated_book(tmp_path, crossing(), name="b.xlsx")
    first = write_reports(book)
    assert first.ok
    again = write_reports(book)
    assert not again.ok and "--overskriv" in again.message
    assert write_reports(book, overwrite=True).ok


def test_rapport_command(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    book = calculated_book(tmp_path, crossing())
    out = tmp_path / "ut"
    assert run_command(["rapport", str(book.path), "--ut", str(out)], names=["rapport"]) == 0
    assert sorted(p.suffix for p in out.iterdir()) == [".pdf", ".xlsx"]
    assert "rapportene er skrevet" in capsys.readouterr().out
    assert run_command(["rapport", str(book.path), "--ut", str(out)], names=["rapport"]) == 1
    assert "finnes allerede" in capsys.readouterr().err
    assert run_command(["rapport", str(book.path), "--ut", str(out), "--overskriv"],
                       names=["rapport"]) == 0


@pytest.mark.libreoffice
@pytest.mark.slow
def test_libreoffice_opens_the_reports(tmp_path: Path) -> None:
    import csv

    import libreoffice

    xlsx = made(tmp_path, demo()).written[0]
    out = libreoffice.convert(xlsx, tmp_path / "lo", libreoffice.CSV_ALL_SHEETS)
    basis = next(out.glob("*-Fordelingsgrunnlag.csv"))
    rows = list(csv.reader(basis.open(encoding="utf-8")))
    assert rows[HEADER_ROW - 1][:3] == ["KontoNr", "Konto", "Beløp"]
    assert rows[HEADER_ROW][0] == "6300" and rows[HEADER_ROW][1] == "Renhold fellesareal"
