"""The JSON edge on hostile or unusual input: every problem in one pass, exit 1 (never 2) for
anything a user could have typed, and exact numbers or a clear refusal."""

from __future__ import annotations

import json
from copy import deepcopy
from pathlib import Path
from typing import Any

import pytest
from budget import examples
from hypothesis import given, settings
from hypothesis import strategies as st

from engine.calculation import try_calculate
from engine.contract import load_json, parse_settlement

BASE: dict[str, Any] = {
    "settlement": {"property": "P", "property_object": "PO", "owner": "Eier AS",
                   "period_start": "2024-01-01", "interval_months": 12, "denominator": 100},
    "cost_lines": [{"account": "6300", "amount": "1000.00"}],
    "contract_objects": [{"id": "A", "start": "2024-01-01", "numerator": 40}],
}


def problems(data: dict[str, Any]) -> dict[str, str]:
    _, found = parse_settlement(load_json(json.dumps(data, ensure_ascii=False)),
                                require_amounts=True)
    return {p.where: p.message for p in found}


def with_object(**fields: Any) -> dict[str, Any]:
    data = deepcopy(BASE)
    data["contract_objects"][0].update(fields)
    return data


def test_a_bad_invoice_does_not_hide_its_neighbours() -> None:
    found = problems(with_object(invoiced=[
        {"from": "2024-02-01", "to": "2024-01-01", "amount": "1"},
        {"from": "2024-01-01", "to": "2024-01-01", "amount": "z"},
    ]))
    assert set(found) == {"contract_objects[0].invoiced[0].to",
                          "contract_objects[0].invoiced[1].amount"}


def test_a_bad_fee_field_does_not_hide_the_other() -> None:
    found = problems(with_object(admin_fee={"mode": "fixed", "value": "-5",
                                            "vat_liable": "yes"}))
    assert set(found) == {"contract_objects[0].admin_fee.vat_liable",
                          "contract_objects[0].admin_fee.value"}


def test_a_fee_needs_its_value() -> None:
    data = deepcopy(BASE)
    data["settlement"]["admin_fee"] = {"mode": "percent"}
    assert "verdien mangler" in problems(data)["settlement.admin_fee"]


def test_null_on_an_optional_field_means_its_default() -> None:
    data = with_object(vat_liable=None, correction=None, invoiced=None, name=None)
    data["settlement"]["group"] = None
    data["cost_lines"][0].update(level=None, share_pct=None, full_distribution=None)
    settlement, found = parse_settlement(load_json(json.dumps(data)))
    assert found == [] and settlement is not None
    assert settlement.contract_objects[0].vat_liable is True
    assert settlement.cost_lines[0].share_pct == 100


def test_null_on_a_required_field_is_missing() -> None:
    assert "contract_objects[0].numerator" in problems(with_object(numerator=None))


@pytest.mark.parametrize("amount", ["1.000", "１２３", "١٢٣", "1e3", "1,00"])
def test_amount_spellings_that_are_refused(amount: str) -> None:
    data = deepcopy(BASE)
    data["cost_lines"][0]["amount"] = amount
    assert "cost_lines[0].amount" in problems(data)


def test_a_json_number_with_three_decimals_is_refused() -> None:
    text = json.dumps(BASE).replace('"1000.00"', "1000.000")
    _, found = parse_settlement(load_json(text))
    assert [p.where for p in found] == ["cost_lines[0].amount"]


@pytest.mark.parametrize("field,value", [
    ("numerator", "25.0000000000000000000000000000001"),
    ("numerator", "1.0000000000000001"),
    ("numerator", "1E+999999"),
    ("numerator", 10**20),
])
def test_numbers_beyond_reason_are_input_errors(field: str, value: Any) -> None:
    assert f"contract_objects[0].{field}" in problems(with_object(**{field: value}))


def test_huge_amount_is_an_input_error() -> None:
    data = deepcopy(BASE)
    data["cost_lines"][0]["amount"] = "100000000000000000000000000"
    assert "urimelig" in problems(data)["cost_lines[0].amount"]


def test_a_period_beyond_the_calendar() -> None:
    data = deepcopy(BASE)
    data["settlement"]["period_start"] = "9999-06-01"
    assert "settlement.period_start" in problems(data)


def test_cli_reads_a_file_with_a_bom_and_never_exits_2(tmp_path: Path, capsys) -> None:
    from avregn.cli import main

    path = tmp_path / "bom.json"
    path.write_bytes(b"\xef\xbb\xbf" + json.dumps(BASE).encode())
    assert main(["calc", str(path), "--json"]) == 0, capsys.readouterr().err
    huge = deepcopy(BASE)
    huge["cost_lines"][0]["amount"] = 1e300
    path.write_text(json.dumps(huge))
    assert main(["calc", str(path)]) == 1, capsys.readouterr().err


JSON_VALUE = st.recursive(
    st.one_of(st.none(), st.booleans(), st.integers(min_value=-10**30, max_value=10**30),
              st.decimals(allow_nan=False, allow_infinity=False), st.text(max_size=8),
              st.sampled_from(["2024-01-01", "2024-02-30", "1.5", "-0", "1e5", "NaN", "true",
                               "percent", "fixed", "none", "object", "company"])),
    lambda children: st.one_of(st.lists(children, max_size=3),
                               st.dictionaries(st.text(max_size=6), children, max_size=3)),
    max_leaves=6,
)


def _paths(data: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    out = [prefix]
    if isinstance(data, dict):
        for key, value in data.items():
            out += _paths(value, (*prefix, key))
    elif isinstance(data, list):
        for k, value in enumerate(data):
            out += _paths(value, (*prefix, k))
    return out


@settings(max_examples=examples(300), deadline=None)
@given(st.data())
def test_any_value_anywhere_is_a_problem_or_a_result(data: st.DataObject) -> None:
    """Replace one field of a valid file by any JSON value: parsing and calculating never raise
    (the CLI would say «intern feil», exit 2)."""
    settlement_file = deepcopy(BASE)
    settlement_file["contract_objects"][0]["invoiced"] = [
        {"invoice_no": "F1", "from": "2024-01-01", "to": "2024-03-31", "amount": "100.00"}]
    settlement_file["contract_objects"][0]["admin_fee"] = {"mode": "percent", "value": 5}
    settlement_file["adjustments"] = [{"object": "A", "account": "6300", "factor": 2}]
    path = data.draw(st.sampled_from(_paths(settlement_file)[1:]))
    target: Any = settlement_file
    for key in path[:-1]:
        target = target[key]
    target[path[-1]] = data.draw(JSON_VALUE)
    settlement, _ = parse_settlement(settlement_file, require_amounts=True)
    if settlement is not None:
        try_calculate(settlement)


def test_a_huge_integer_amount_is_an_input_error() -> None:
    data = deepcopy(BASE)
    data["cost_lines"][0]["amount"] = 10**30
    assert "urimelig" in problems(data)["cost_lines[0].amount"]
