"""A real client opens what we write: LibreOffice (headless) reads the calculated workbook and
finds the engine's figures, and the template and a calculated workbook convert cleanly."""

from __future__ import annotations

import csv
from datetime import datetime
from decimal import Decimal
from pathlib import Path

import libreoffice
import pytest

from avregn import actions
from avregn.book import FileBook
from avregn.demo import demo_data
from avregn.workbook import layout
from avregn.workbook.new_book import write_new_workbook

pytestmark = [pytest.mark.libreoffice, pytest.mark.slow]


def _libreoffice_csv(book: Path, out: Path) -> dict[str, list[list[str]]]:
    """Every sheet of ``book`` as LibreOffice reads it, one CSV per sheet."""
    libreoffice.convert(book, out, libreoffice.CSV_ALL_SHEETS)
    sheets = {}
    for path in out.glob(f"{book.stem}-*.csv"):
        with path.open(encoding="utf-8", newline="") as handle:
            sheets[path.stem.removeprefix(f"{book.stem}-")] = list(csv.reader(handle))
    return sheets


def test_libreoffice_finds_the_engines_figures(tmp_path: Path) -> None:
    book = tmp_path / "avregning.xlsx"
    data = demo_data()
    data["contract_objects"][1]["contract_name"] = '=HYPERLINK("http://x","klikk")'
    write_new_workbook(data, book, backup=False)
    outcome = actions.beregn(FileBook(book), now=datetime(2025, 2, 3, 9, 0))
    assert outcome.ok and outcome.result is not None
    sheets = _libreoffice_csv(book, tmp_path)
    assert set(sheets) >= {"Avregning", "Brøk", "Til fordeling", "Beregning", "Status"}
    rows = sheets["Beregning"]
    table = layout.CALCULATION
    for k, res in enumerate(outcome.result.objects):
        row = rows[table.first_data_row - 1 + k]
        assert row[table.index("id") - 1] == res.id
        for field in ("distributed", "share", "total", "invoiced", "correction", "rest",
                      "admin_fee", "vat"):
            assert Decimal(row[table.index(field) - 1]) == getattr(res, field), (res.id, field)
    # The formula-looking tenant name is text in every sheet LibreOffice shows it.
    assert rows[table.first_data_row][table.index("contract_name") - 1] == \
        '=HYPERLINK("http://x","klikk")'
    summary = {r[0]: r for r in rows if r and r[0] in ("Til fordeling", "Leietakers del",
                                                       "PHUS AS")}
    sum_col = layout.CALCULATION.index("total") - 1  # the summary stands under its columns
    assert Decimal(summary["Til fordeling"][sum_col]) == outcome.result.summary.costs
    assert Decimal(summary["Leietakers del"][sum_col]) == outcome.result.summary.tenants.sum
    assert Decimal(summary["PHUS AS"][sum_col]) == outcome.result.summary.owner.sum
    status = {r[0]: r[1] for r in sheets["Status"] if len(r) > 1}
    assert status["Status"] == "Beregnet"
    assert status["Fingeravtrykk"] == outcome.result.fingerprint
