"""Issue 9, "one owner for each rule": the rules that were stated more than once now live in
one place each, and every former copy reads from it."""

from __future__ import annotations

import json
import re
from datetime import date
from decimal import Decimal
from fractions import Fraction
from pathlib import Path

import pytest
from babel.numbers import format_decimal
from hypothesis import given
from hypothesis import strategies as st

import avregn.formatting
import engine.norwegian
from avregn.workbook import layout, textnum
from engine.model import ContractObject
from engine.money import MAX_MAGNITUDE, MoneyError, money
from engine.statuses import (
    EXPORTED_FIX,
    INVOICE_STATUS_LABELS,
    STATUS_LABELS,
    Action,
    apply,
    exported_problems,
    status_from_text,
)


def test_status_labels_have_one_source() -> None:
    assert {c.value: c.label for c in layout.STATUSES} == {
        s.value: label for s, label in STATUS_LABELS.items()}
    assert {c.value: c.label for c in layout.INVOICE_STATUSES} == {
        s.value: label for s, label in INVOICE_STATUS_LABELS.items()}
    for choice in layout.STATUSES:
        assert status_from_text(choice.label) is not None


ROOT = Path(__file__).resolve().parents[1]


def test_the_bound_on_figures_is_one_constant() -> None:
    assert MAX_MAGNITUDE == 10**15
    assert textnum.MAX_MAGNITUDE is MAX_MAGNITUDE
    spelled = re.compile(r"10\s*\*\*\s*15|1[eE]\+?15\b|1_?000_?000_?000_?000_?000\b")
    places = [f"{path.relative_to(ROOT)}:{n}"
              for package in ("engine", "avregn", "addin")
              for path in sorted((ROOT / package).rglob("*.py"))
              for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
              if spelled.search(line.split("#")[0])]
    assert places == ["engine/money.py:" + str(_line_of_bound())], places
    money(Decimal(MAX_MAGNITUDE) - Decimal("0.01"))
    with pytest.raises(MoneyError):
        money(MAX_MAGNITUDE)
    with pytest.raises(textnum.TextNumberError):
        textnum.parse_amount(str(MAX_MAGNITUDE))
    textnum.parse_amount(str(MAX_MAGNITUDE - 1))


def _line_of_bound() -> int:
    lines = (ROOT / "engine" / "money.py").read_text(encoding="utf-8").splitlines()
    return next(n for n, line in enumerate(lines, 1) if line.startswith("MAX_MAGNITUDE ="))


def test_number_bound_in_the_json_contract() -> None:
    from engine.contract import load_json, parse_settlement

    data = json.loads((ROOT / "tests" / "data" / "golden_factor.json").read_text("utf-8"))
    data["contract_objects"][0]["numerator"] = MAX_MAGNITUDE
    _, problems = parse_settlement(load_json(json.dumps(data)))
    assert [p.where for p in problems] == ["contract_objects[0].numerator"]
    data["contract_objects"][0]["numerator"] = 100
    data["settlement"]["denominator"] = MAX_MAGNITUDE - 1
    settlement, problems = parse_settlement(load_json(json.dumps(data)))
    assert settlement is not None, problems


def test_exported_refusal_has_one_wording() -> None:
    start = date(2024, 1, 1)
    objects = [(0, ContractObject(id="1-1", name="A", start=start, numerator=Decimal(1))),
               (1, ContractObject(id="2-1", name="B", start=start, numerator=Decimal(1),
                                  exported="B-7"))]
    [problem] = exported_problems(objects)
    assert problem.where == "contract_objects[1].exported"
    assert problem.message == ("Kontraktsobjekt 2-1 er eksportert i et fakturagrunnlag (bunt B-7) "
                               f"og kan ikke endres; {EXPORTED_FIX}.")
    from engine.model import Status

    refusal = apply(Status.BEREGNET, Action.CALCULATE, exported_objects=["2-1"]).problem
    assert refusal is not None and refusal.message.endswith(f"; {EXPORTED_FIX}.")


def test_norwegian_formatting_has_one_home() -> None:
    assert avregn.formatting.nok is engine.norwegian.nok
    assert avregn.formatting.number is engine.norwegian.number
    assert avregn.formatting.day is engine.norwegian.day


CENTS = st.integers(min_value=-(10**14), max_value=10**14).map(lambda c: Decimal(c).scaleb(-2))


@given(CENTS)
def test_nok_matches_an_independent_formatter(amount: Decimal) -> None:
    assert avregn.formatting.nok(amount) == format_decimal(amount, format="#,##0.00",
                                                           locale="nb_NO")


@given(st.fractions(min_value=-(10**9), max_value=10**9, max_denominator=10**6),
       st.integers(min_value=0, max_value=6))
def test_number_matches_an_independent_formatter(value: Fraction, places: int) -> None:
    from engine.rounding import Mode, decimal_places

    rounded = decimal_places(value, places, mode=Mode.HALF_UP)
    expected = format_decimal(rounded, format="#,##0.######", locale="nb_NO")
    assert avregn.formatting.number(value, places) == expected


def test_nok_never_shows_minus_zero() -> None:
    assert avregn.formatting.nok(Decimal("-0.001")) == "0,00"
    assert avregn.formatting.nok(None) == "" and avregn.formatting.nok(Decimal(0),
                                                                       blank_zero=True) == ""
