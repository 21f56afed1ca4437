"""The fast roads of the engine (issue 11) agree with the slow, obvious ones.

* ``split_rows`` (every account at once; int64 with a float estimate that integer arithmetic
  corrects, or Python integers) gives exactly what ``split_largest_remainder`` gives per row,
  also at the edge of the int64 bound and on ties;
* the engine's int64 road and its exact-integer fallback give the same result, and both agree
  with the naive reference; a settlement whose figures cannot fit int64 takes the fallback;
* ``engine.result_json.dumps`` writes byte for byte what the standard library writes from a
  dict built through the record API (``Result.allocations`` …), compact and indented;
* ``AllocationTable`` keeps the lookup API; the organisation-number check agrees with
  python-stdnum; the fingerprint's orjson text equals ``json.dumps`` for any text.
"""

from __future__ import annotations

import dataclasses
import json
from datetime import date
from decimal import Decimal
from enum import Enum
from fractions import Fraction
from typing import Any

import numpy as np
import pytest
from budget import examples
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from reference import exact, project, reference
from stdnum.no import orgnr
from test_properties import settlements

import engine.calculation as calculation
from engine.calculation import calculate
from engine.contract import parse_settlement, result_to_json
from engine.customer_ids import is_valid_orgnr
from engine.fingerprint import OUTSIDE_FINGERPRINT, canonical_json
from engine.money import format_money
from engine.result import Result
from engine.result_json import _head, _summary, dumps, money_slots
from engine.rounding import INT64_SAFE, rows_fit_int64, split_largest_remainder, split_rows

FAST = settings(max_examples=examples(30), deadline=None,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])


# --- split_rows ---------------------------------------------------------------------------------

@st.composite
def rows(draw: st.DrawFn) -> tuple[list[int], list[list[int]]]:
    width = draw(st.integers(1, 7))
    high = draw(st.sampled_from([10, 10**6, 10**12, 2**40, 2**58]))
    weight = st.one_of(st.just(0), st.sampled_from([1, 3, 7, high]), st.integers(0, high))
    weights = draw(st.lists(st.lists(weight, min_size=width, max_size=width), min_size=1,
                            max_size=5))
    limit = draw(st.sampled_from([100, 10**9, 10**17 - 1]))
    amounts = [draw(st.one_of(st.sampled_from([0, 1, -1, 2, -2, limit, -limit]),
                              st.integers(-limit, limit))) for _ in weights]
    return amounts, weights


def _expected(amounts: list[int], weights: list[list[int]]) -> list[list[int]]:
    return [split_largest_remainder(b, w, sum(w)) if sum(w) else [0] * len(w)
            for b, w in zip(amounts, weights, strict=True)]


@FAST
@given(rows())
def test_split_rows_is_the_largest_remainder_split_of_each_row(case: Any) -> None:
    amounts, weights = case
    denominators = [sum(w) for w in weights]
    expected = _expected(amounts, weights)
    exact_road = split_rows(np.array(amounts, dtype=object), np.array(weights, dtype=object),
                            np.array(denominators, dtype=object))
    assert exact_road.tolist() == expected
    if rows_fit_int64(amounts, denominators):
        fast = split_rows(np.array(amounts, dtype=np.int64), np.array(weights, dtype=np.int64),
                          np.array(denominators, dtype=np.int64))
        assert fast.dtype == np.int64 and fast.tolist() == expected


def test_split_rows_at_the_int64_bound_and_on_ties() -> None:
    amount = 10**17 - 1  # the largest amount money() lets in, in øre
    slack = (amount >> 50) + 2
    top = (INT64_SAFE - 1) // slack  # the largest denominator the int64 road accepts
    cases = [
        ([amount, -amount], [[top // 3, top // 3, top - 2 * (top // 3)]] * 2),
        ([amount], [[1, top - 2, 1]]),
        ([7, -7, 5], [[1, 1, 1, 1], [1, 1, 1, 1], [3, 0, 3, 0]]),  # ties: earlier column wins
        ([amount, 1], [[top - 1, 1], [0, 0]]),  # a dead row (denominator 0)
    ]
    for amounts, weights in cases:
        denominators = [sum(w) for w in weights]
        assert rows_fit_int64(amounts, denominators)
        fast = split_rows(np.array(amounts, dtype=np.int64), np.array(weights, dtype=np.int64),
                          np.array(denominators, dtype=np.int64))
        assert fast.tolist() == _expected(amounts, weights)
    assert not rows_fit_int64([amount], [top + 1])


# --- the engine's two roads -------------------------------------------------------------------

def _engine(data: dict[str, Any]) -> Result:
    settlement, problems = parse_settlement(exact(data))
    assert settlement is not None, [str(p) for p in problems]
    return calculate(settlement)


@pytest.mark.slow
@FAST
@given(settlements())
def test_the_exact_integer_fallback_gives_the_same_result(data: dict[str, Any]) -> None:
    fast = _engine(data)
    assert fast.allocations.distributed_ore.dtype == np.int64
    original = calculation.rows_fit_int64
    calculation.rows_fit_int64 = lambda *_: False  # type: ignore[assignment]
    try:
        slow = _engine(data)
    finally:
        calculation.rows_fit_int64 = original
    assert slow.allocations.distributed_ore.dtype == object
    assert result_to_json(slow) == result_to_json(fast)
    assert slow.allocations == fast.allocations


def test_a_settlement_too_big_for_int64_takes_the_exact_road() -> None:
    # Numerators with 15 decimals and factors with 15 decimals: weights near 10^40.
    data = {
        "settlement": {"property": "P", "property_object": "P", "owner": "E",
                       "period_start": "2024-01-01", "interval_months": 12,
                       "denominator": "999999999.123456789012345"},
        "cost_lines": [{"account": "6000", "amount": "9999999999999.99"},
                       {"account": "6001", "amount": "-0.07"}],
        "contract_objects": [
            {"id": "B", "start": "2024-01-01", "numerator": "333333333.333333333333333"},
            {"id": "A", "start": "2024-03-01", "numerator": "333333333.333333333333334"},
            {"id": "C", "start": "2023-01-01", "end": "2024-06-30",
             "numerator": "0.000000000000001"},
        ],
        "adjustments": [{"object": "B", "account": "6000", "factor": "1.000000000000001"}],
    }
    result = _engine(data)
    assert result.allocations.distributed_ore.dtype == object
    assert project(result_to_json(result)) == reference(exact(data))


# --- the result file ----------------------------------------------------------------------------

def _records_dict(result: Result) -> dict[str, Any]:
    """The contract's dict built slowly, through the record API a letter or a sheet uses."""
    head = _head(result)
    head["allocations"] = [
        {"object": a.object_id, "account": a.account, "factor": _plain(a.factor),
         "participates": a.participates, "distributed": format_money(a.distributed),
         "share_pct": _plain(a.share_pct), "tenant_share": format_money(a.tenant_share),
         "owner_share": format_money(a.owner_share)}
        for a in result.allocations
    ]
    head["summary"] = _summary(result)
    return head


def _plain(value: Decimal) -> str:
    text = f"{value:f}"
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


@pytest.mark.slow
@FAST
@given(settlements())
def test_dumps_writes_what_the_standard_library_writes(data: dict[str, Any]) -> None:
    result = _engine(data)
    expected = _records_dict(result)
    assert dumps(result) == json.dumps(expected, ensure_ascii=False,
                                       separators=(",", ":")).encode()
    assert dumps(result, indent=True) == json.dumps(expected, ensure_ascii=False,
                                                    indent=2).encode()


def test_dumps_escapes_ids_and_writes_extreme_amounts() -> None:
    # Control characters inside the ids (an id's ends are stripped when it is read).
    ids = ['Å "1"', "a\\b", "c\x01t\x1fl", "tab\tn\nl", "😀", "A10", "A9"]
    data = {
        "settlement": {"property": "P", "property_object": "P", "owner": "E",
                       "period_start": "2024-01-01", "interval_months": 12,
                       "denominator": str(len(ids) * 10)},
        "cost_lines": [{"account": 'K"1', "amount": "999999999999999.99"},
                       {"account": "æ", "amount": "-999999999999999.99"},
                       {"account": "0", "amount": "0.00"},
                       {"account": "1", "amount": "-0.01", "full_distribution": True}],
        "contract_objects": [{"id": i, "start": "2024-01-01", "numerator": "9"} for i in ids],
        "adjustments": [{"object": ids[0], "account": "æ", "share_pct": "33.33",
                         "factor": "2.5"},
                        {"object": ids[1], "account": 'K"1', "participates": False}],
    }
    result = _engine(data)
    expected = _records_dict(result)
    assert dumps(result) == json.dumps(expected, ensure_ascii=False,
                                       separators=(",", ":")).encode()
    assert project(result_to_json(result)) == reference(exact(data))


def test_money_slots() -> None:
    values = np.array([0, 1, -1, 99, -100, 12345, -99999999999999999, 10**16])
    slots = money_slots(values)
    assert [row.tobytes().replace(b"\x00", b"").decode() for row in slots] == [
        "0.00", "0.01", "-0.01", "0.99", "-1.00", "123.45", "-999999999999999.99",
        "100000000000000.00"]


# --- the allocation table -----------------------------------------------------------------------

def test_allocation_table_keeps_the_record_api(calc: Any, demo_data: Any = None) -> None:
    data = {
        "settlement": {"property": "P", "property_object": "P", "owner": "E",
                       "period_start": "2024-01-01", "interval_months": 12,
                       "denominator": "300"},
        "cost_lines": [{"account": "6000", "amount": "1000.00"},
                       {"account": "6100", "amount": "-10.01"}],
        "contract_objects": [{"id": "B", "start": "2024-01-01", "numerator": "100"},
                             {"id": "A", "start": "2024-01-01", "numerator": "100"}],
        "adjustments": [{"object": "A", "account": "6100", "share_pct": "50",
                         "factor": "2"}],
    }
    result = _engine(data)
    table = result.allocations
    assert len(table) == 4
    assert [(a.object_id, a.account) for a in table] == [
        ("B", "6000"), ("B", "6100"), ("A", "6000"), ("A", "6100")]
    special = result.allocation("A", "6100")
    assert special == table[3] == table[-1] == list(table)[3]
    assert (special.factor, special.participates, special.share_pct) == (
        Decimal(2), True, Decimal(50))
    assert special.distributed + Decimal("0.00") == special.tenant_share + special.owner_share
    assert isinstance(special.distributed_ore, int) and isinstance(special.distributed, Decimal)
    plain = result.allocation("B", "6000")
    assert (plain.factor, plain.participates, plain.share_pct) == (1, True, 100)
    assert plain.distributed == Decimal("333.33") and plain.owner_share == Decimal("0.00")
    assert result.object("A").id == "A"
    assert table[1:3] == [table[1], table[2]]
    with pytest.raises(KeyError):
        result.allocation("C", "6000")
    with pytest.raises(KeyError):
        result.object("C")
    with pytest.raises(IndexError):
        table[4]
    assert _engine(data) == result  # results compare by value


@FAST
@given(settlements())
def test_fast_records_are_the_records_their_constructors_make(data: dict[str, Any]) -> None:
    """``engine.result.fast_record`` fills every field, and nothing else: each record equals
    the one its dataclass constructor makes from the same fields, and its money reads as the
    øre it stores."""
    result = _engine(data)
    records: list[Any] = [*result.objects, *result.accounts]
    records += [c for o in result.objects for c in o.invoices]
    for record in records:
        names = [f.name for f in dataclasses.fields(record)]
        assert sorted(vars(record)) == sorted(names)
        assert type(record)(**{name: getattr(record, name) for name in names}) == record
        with pytest.raises(dataclasses.FrozenInstanceError):
            record.days_inside = 0
    for o in result.objects:
        assert o.invoice_total == o.rest + o.vat + o.admin_fee + o.admin_fee_vat
        assert o.rest_incl_vat == o.rest + o.vat
        assert o.weight == Fraction(o.days, result.days)
        assert o.cap_reduction == (o.share - o.total if o.cap_limit is not None else 0)
        assert isinstance(o.total, Decimal) and o.total.as_tuple().exponent == -2
    for a in result.accounts:
        assert a.owner_share == a.distributed - a.tenant_share
        assert (a.rate is None) == (a.denominator == 0)


# --- small pieces that must agree with their originals -------------------------------------

@settings(max_examples=examples(300), deadline=None)
@given(st.text(alphabet="0123456789", min_size=9, max_size=9)
       | st.text(min_size=0, max_size=10))
def test_orgnr_check_agrees_with_stdnum(text: str) -> None:
    assert is_valid_orgnr(text) == orgnr.is_valid(text)


@settings(max_examples=examples(300), deadline=None)
@given(st.text(st.characters(exclude_categories=("Cs",))))
def test_orjson_writes_text_as_the_standard_library_does(text: str) -> None:
    import orjson

    value = {"b": text, "a": [text, None, True]}
    assert orjson.dumps(value, option=orjson.OPT_SORT_KEYS) == json.dumps(
        value, sort_keys=True, ensure_ascii=False, separators=(",", ":")).encode()


@pytest.mark.slow
@FAST
@given(settlements())
def test_the_fingerprint_text_is_the_one_json_dumps_wrote(data: dict[str, Any]) -> None:
    """Fingerprints stored in workbooks were hashed from ``json.dumps``' text: orjson must
    write the same bytes, or every stored result would look stale."""
    settlement, problems = parse_settlement(exact(data))
    assert settlement is not None, problems
    assert canonical_json(settlement) == json.dumps(
        _plain_canonical(settlement), sort_keys=True, ensure_ascii=False, separators=(",", ":"))


def _plain_canonical(value: Any) -> Any:
    """The fingerprint's canonical form as first written (field by field, no shortcuts)."""
    if value is None or isinstance(value, bool | str):
        return value
    if isinstance(value, Decimal | int):
        return _plain(Decimal(value))
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, tuple | list):
        return [_plain_canonical(v) for v in value]
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: _plain_canonical(getattr(value, f.name))
                for f in dataclasses.fields(value) if f.name not in OUTSIDE_FINGERPRINT}
    return value


def test_the_fingerprint_is_made_once_on_first_use_and_counts_in_equality() -> None:
    from avregn.demo import demo_data
    from engine.fingerprint import fingerprint

    settlement, problems = parse_settlement(demo_data())
    assert settlement is not None, problems
    made: list[int] = []

    def counted() -> str:
        made.append(1)
        return fingerprint(settlement)

    result = dataclasses.replace(calculate(settlement), fingerprint_of=counted)
    assert made == []  # the figures alone never hash the input
    assert result.fingerprint == fingerprint(settlement) == result.fingerprint
    assert made == [1]
    same = calculate(settlement)
    assert same == result  # a result made again is equal: figures and fingerprint
    other = dataclasses.replace(same, fingerprint_of=lambda: "0" * 64)
    assert other != result  # same figures, another input: not equal
