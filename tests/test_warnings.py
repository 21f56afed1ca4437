"""Warnings that say early what would stop the invoice basis later, each at its place."""

from __future__ import annotations

from copy import deepcopy

from avregn.demo import demo_data
from engine.calculation import calculate
from engine.contract import parse_settlement
from engine.customer_ids import is_valid_customer_id


def _warnings(data: dict) -> dict[str, str]:
    settlement, problems = parse_settlement(data)
    assert settlement is not None, problems
    return {w.where: w.message for w in calculate(settlement).warnings}


def test_customer_ids() -> None:
    assert is_valid_customer_id("914778271")
    assert not is_valid_customer_id("914778272")  # check digit
    assert not is_valid_customer_id("1234567890")  # a fødselsnummer that lost its leading 0
    data = demo_data()
    data["contract_objects"][0]["customer_id"] = "914778272"
    del data["contract_objects"][1]["customer_id"]
    found = _warnings(data)
    assert "gyldig" in found["contract_objects[0].customer_id"]
    assert "mangler kunde-id" in found["contract_objects[1].customer_id"]
    assert _warnings(demo_data()) == {}


def test_an_invoice_listed_twice() -> None:
    data = demo_data()
    invoices = data["contract_objects"][0]["invoiced"]
    invoices.append(deepcopy(invoices[0]))
    found = _warnings(data)
    assert "flere ganger" in found["contract_objects[0].invoiced[4].invoice_no"]


def test_nobody_takes_part() -> None:
    data = demo_data()
    data["contract_objects"] = []
    data["adjustments"] = []
    assert "eiers" in _warnings(data)["contract_objects"]
