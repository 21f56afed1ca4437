"""The workbook is a faithful way in: any valid settlement written into a workbook reads back
as the same input (same fingerprint) and calculates to the same result as its JSON file."""

from __future__ import annotations

import json
import tempfile
from pathlib import Path
from typing import Any

from budget import examples
from hypothesis import HealthCheck, given, settings
from test_properties import settlements

from avregn.workbook.new_book import write_new_workbook
from avregn.workbook.reader import read_workbook
from engine.calculation import calculate
from engine.contract import input_to_json, load_json, parse_settlement
from engine.fingerprint import canonical_json


@settings(max_examples=examples(25, 5), deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(settlements())
def test_json_and_workbook_give_the_same_settlement(data: dict[str, Any]) -> None:
    expected, problems = parse_settlement(load_json(json.dumps(data, default=str)))
    assert expected is not None, problems
    with tempfile.TemporaryDirectory() as work:
        path = Path(work) / "avregning.xlsx"
        write_new_workbook(input_to_json(expected), path, backup=False)
        found = read_workbook(path)
    assert found.problems == []
    read_back, problems = parse_settlement(found.data)
    assert read_back is not None, problems
    assert canonical_json(read_back) == canonical_json(expected)
    assert calculate(read_back).summary == calculate(expected).summary
