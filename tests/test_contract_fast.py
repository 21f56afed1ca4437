"""The quick reader (``engine.contract_fast``) and the pydantic models read every file alike:
``parse_settlement`` (quick first, the models when unsure or invalid) returns exactly what the
models alone return — the same records for valid files, the same problems for broken ones —
over random settlements, respelled, and with one field broken in every way we could think of."""

from __future__ import annotations

import copy
import random
from datetime import date, datetime
from decimal import Decimal
from typing import Any

import pytest
from budget import examples
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from reference import exact
from test_properties import respell, settlements

from engine.contract_fast import NotANumber, read_records
from engine.contract_in import parse_settlement
from engine.contract_models import parse_settlement_with_models

CHECKS = settings(max_examples=examples(50), deadline=None,
                  suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])

ODD_VALUES: list[Any] = [
    None, "", " ", " 12 ", "12", "1,5", "1.5", "-0", "-0.00", "0.001", "1.000", "1E+2",
    "abc", "１２", "2024-02-30", "2024-02-29", " 2024-01-01 ", "2024-1-1", True, False, 1.5,
    0, 1, -1, 12, 10**15, 10**15 - 1, Decimal("1E+2"), Decimal("0.005"), Decimal("-0"),
    Decimal("NaN"), NotANumber("NaN"), [], {}, ["x"], {"mode": "percent"},
    {"mode": "percent", "value": "10"}, {"mode": "fixed", "value": 12}, {"mode": "x"},
    "percent", "none", "company", "lagt_opp", "beregnet", date(2024, 1, 1),
    datetime(2024, 1, 1, 12), "x" * 3,
]


def _leaves(value: Any, path: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    out = [path] if path else []
    if isinstance(value, dict):
        for key, inner in value.items():
            out += _leaves(inner, (*path, key))
    elif isinstance(value, list):
        for k, inner in enumerate(value):
            out += _leaves(inner, (*path, k))
    return out


def _set(data: Any, path: tuple[Any, ...], value: Any, *, delete: bool = False) -> None:
    for step in path[:-1]:
        data = data[step]
    if delete and isinstance(data, dict):
        del data[path[-1]]
    else:
        data[path[-1]] = value


def _same(data: Any) -> None:
    assert parse_settlement(data) == parse_settlement_with_models(data)
    assert parse_settlement(data, require_amounts=True) == parse_settlement_with_models(
        data, require_amounts=True)


@pytest.mark.slow
@CHECKS
@given(settlements(), st.randoms(use_true_random=False))
def test_valid_files_read_alike(data: dict[str, Any], rng: random.Random) -> None:
    for variant in (data, respell(copy.deepcopy(data), None, rng)):
        read = exact(variant)
        assert read_records(read) is not None  # the quick reader takes a valid file
        _same(read)


@pytest.mark.slow
@CHECKS
@given(settlements(), st.randoms(use_true_random=False), st.sampled_from(ODD_VALUES),
       st.booleans())
def test_broken_files_read_alike(data: dict[str, Any], rng: random.Random, odd: Any,
                                 delete: bool) -> None:
    read = exact(data)
    for _ in range(rng.randint(1, 2)):
        path = rng.choice(_leaves(read))
        _set(read, path, copy.deepcopy(odd), delete=delete)
    _same(read)


def test_the_other_names_of_an_invoices_dates_go_to_the_models() -> None:
    data = {"settlement": {"property": "P", "property_object": "P", "owner": "E",
                           "period_start": "2024-01-01", "interval_months": 12,
                           "denominator": "10"},
            "cost_lines": [{"account": "6000", "amount": "1.00"}],
            "contract_objects": [{"id": "A", "start": "2024-01-01", "numerator": "1",
                                  "invoiced": [{"period_from": "2024-01-01",
                                                "to": "2024-01-31", "amount": "1.00"}]}]}
    assert read_records(data) is None
    _same(data)
    _same({"settlement": data["settlement"], "cost_lines": tuple(data["cost_lines"]),
           "contract_objects": data["contract_objects"]})
