"""Beregning and Status as content (snapshot of the demo) and read back."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from snapshots import assert_snapshot

from avregn.demo import demo_data
from avregn.workbook import layout
from avregn.workbook.results_sheets import (
    beregning_sheet,
    read_status,
    status_sheet,
)
from avregn.workbook.sheet_content import SheetContent
from engine.calculation import calculate
from engine.contract import parse_settlement
from engine.model import Status

AT = datetime(2025, 2, 3, 10, 30)


def _demo():
    settlement, problems = parse_settlement(demo_data())
    assert settlement is not None, problems
    return settlement, calculate(settlement, calculated_at=AT)


def as_text(content: SheetContent) -> str:
    lines = [f"# {content.name} (freeze {content.freeze})"]
    for r, row in enumerate(content.rows, start=1):
        cells = [f"{c.value}" if c.value is not None else "" for c in row]
        while cells and not cells[-1]:
            cells.pop()
        lines.append(f"{r:>3} | " + " | ".join(cells))
    return "\n".join(lines) + "\n"


def test_beregning_of_the_demo_matches_its_snapshot() -> None:
    settlement, result = _demo()
    assert_snapshot("beregning_demo.txt", as_text(beregning_sheet(settlement, result)))


def test_status_of_the_demo_matches_its_snapshot() -> None:
    settlement, result = _demo()
    assert_snapshot("status_demo.txt",
                    as_text(status_sheet(settlement, result, Status.BEREGNET, AT)))


def test_beregning_columns_follow_the_layout() -> None:
    settlement, result = _demo()
    content = beregning_sheet(settlement, result)
    header = [c.value for c in content.rows[layout.CALCULATION.header_row - 1]]
    assert header == [c.header for c in layout.CALCULATION.columns]
    first = content.rows[layout.CALCULATION.first_data_row - 1]
    rest_col = layout.CALCULATION.index("rest") - 1
    assert first[rest_col].value == result.objects[0].rest
    assert first[rest_col].format == "#,##0.00"


def test_summary_rows_balance() -> None:
    settlement, result = _demo()
    content = beregning_sheet(settlement, result)
    labels = {row[0].value: row for row in content.rows if row}
    sum_col = layout.CALCULATION.index("total") - 1  # the summary stands under its columns
    total = labels["Til fordeling"][sum_col].value
    tenants = labels["Leietakers del"][sum_col].value
    owner = labels[settlement.settings.owner][sum_col].value
    assert isinstance(total, Decimal) and isinstance(tenants, Decimal)
    assert isinstance(owner, Decimal)
    assert total == tenants + owner


def test_do_not_invoice_shows_a_cross() -> None:
    data = demo_data()
    data["contract_objects"][0]["do_not_invoice"] = True
    settlement, _ = parse_settlement(data)
    assert settlement is not None
    result = calculate(settlement)
    content = beregning_sheet(settlement, result)
    col = layout.CALCULATION.index("do_not_invoice")
    row = content.rows[layout.CALCULATION.first_data_row - 1]
    assert row[col - 1].value == layout.DO_NOT_INVOICE_MARK


def test_status_reads_back() -> None:
    settlement, result = _demo()
    content = status_sheet(settlement, result, Status.LAAST, AT)
    rows = [[c.value for c in row] for row in content.rows]
    state = read_status(rows)
    assert state.status is Status.LAAST
    assert state.fingerprint == result.fingerprint
    assert state.calculated_at == AT


def test_missing_status_sheet_means_lagt_opp() -> None:
    assert read_status(None).status is Status.LAGT_OPP
    assert read_status([["nothing"]]).fingerprint is None


def test_tenants_row_is_the_total_of_the_object_columns() -> None:
    settlement, result = _demo()
    content = beregning_sheet(settlement, result)
    table = layout.CALCULATION
    objects = content.rows[table.first_data_row - 1: table.first_data_row - 1 + 8]
    tenants = next(row for row in content.rows if row and row[0].value == "Leietakers del")
    for field in ("distributed", "share", "total", "invoiced", "correction", "rest",
                  "admin_fee"):
        col = table.index(field) - 1
        assert tenants[col].value == sum(row[col].value for row in objects), field
