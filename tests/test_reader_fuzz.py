"""Whatever a user types into the input sheets, reading it never raises: every oddity becomes a
problem at a cell (the CLI would otherwise say «intern feil»). Hypothesis fills the layout's
cells with random values of every type calamine or xlwings can hand over."""

from __future__ import annotations

import os
from datetime import date, datetime
from typing import Any

from budget import examples
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from avregn.workbook import layout
from avregn.workbook.layout import Form, Table
from avregn.workbook.reader import read_blocks
from engine.calculation import try_calculate
from engine.contract import parse_settlement

CELL = st.one_of(
    st.none(),
    st.just(""),
    st.text(max_size=12),
    st.sampled_from(["X", "Ja", "Nei", "ingen", "5 %", "kr 1 000,50", "12,000", "31.12.2024",
                     "2024-02-30", "(1 234,00)", "−5", "#DIV/0!", "=SUM(A1)", "1.234,5",
                     "prosent", "beløp", "fast", "eiendom", "0", "-1", "1e400"]),
    st.integers(min_value=-10**16, max_value=10**16),
    st.floats(allow_nan=True, allow_infinity=True),
    st.booleans(),
    st.dates(min_value=date(1900, 1, 1), max_value=date(2100, 12, 31)),
    st.datetimes(min_value=datetime(1900, 1, 1), max_value=datetime(2100, 12, 31)),
)


def _grid(sheet: layout.Sheet, draw: Any) -> list[list[Any]]:
    """The sheet's headers where the layout puts them, random values in its input cells."""
    block = sheet.block
    if isinstance(block, Form):
        rows: list[list[Any]] = [[None] * 3 for _ in range(block.last_row)]
        rows[block.header_row - 1] = list(block.headers)
        for column in block.fields:
            r = block.row(column.field) - 1
            rows[r][block.label_col - 1] = column.header
            rows[r][block.value_col - 1] = draw(CELL)
        return rows
    assert isinstance(block, Table)
    n = draw(st.integers(min_value=0, max_value=4))
    width = block.last_col
    rows = [[None] * width for _ in range(block.header_row + n)]
    for k, column in enumerate(block.columns):
        rows[block.header_row - 1][block.first_col - 1 + k] = column.header
        for r in range(n):
            rows[block.header_row + r][block.first_col - 1 + k] = draw(CELL)
    return rows


EXAMPLES = int(os.environ.get("AVREGN_FUZZ_EXAMPLES", examples(200, 30)))  # more for a long hunt


@settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.data())
def test_reading_random_cells_never_raises(data: st.DataObject) -> None:
    blocks = {sheet.name: _grid(sheet, data.draw) for sheet in layout.INPUT_SHEETS}
    found = read_blocks(blocks)
    for problem in found.problems:
        assert "!" in problem.where or problem.where in blocks, problem
    settlement, problems = parse_settlement(found.data, require_amounts=True)
    if settlement is not None:
        try_calculate(settlement)
    for problem in found.relocate(problems):
        assert problem.message
