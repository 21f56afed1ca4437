"""The JSON edge of settlement-file.md: what is accepted, what is an input error (with its
path), that every problem is reported, and the spelling of the result file."""

from __future__ import annotations

import json
import re
from decimal import Decimal
from typing import Any

import pytest

from engine.calculation import try_calculate
from engine.contract import load_json, parse_settlement, result_to_json
from engine.fingerprint import fingerprint
from engine.problems import Problem

MONEY = re.compile(r"^-?\d+\.\d{2}$")


def base() -> dict[str, Any]:
    return {
        "settlement": {
            "property": "Prøvegata 4",
            "property_object": "Prøvegt 4",
            "owner": "PHUS AS",
            "period_start": "2024-01-01",
            "interval_months": 12,
            "denominator": 1000,
        },
        "cost_lines": [
            {"account": "6300", "name": "Renhold", "amount": "100.00"},
            {"account": "6310", "name": "Vakthold", "amount": 50},
        ],
        "contract_objects": [
            {
                "id": "A",
                "start": "2024-01-01",
                "numerator": 100,
                "invoiced": [
                    {"invoice_no": "F1", "from": "2024-01-01", "to": "2024-12-31", "amount": 10}
                ],
            },
            {"id": "B", "start": "2024-01-01", "numerator": 100},
        ],
        "adjustments": [{"object": "A", "account": "6300", "factor": 2}],
    }


def parse_text(text: str) -> tuple[Any, list[Problem]]:
    return parse_settlement(load_json(text))


def with_raw(path: str, raw_json: str) -> str:
    """``base()`` as JSON text with the value at ``path`` (e.g. ``cost_lines[0].amount``)
    replaced by the raw JSON ``raw_json`` (so ``NaN``, ``1.234`` stay as written)."""
    data = base()
    target: Any = data
    parts = re.findall(r"[^.\[\]]+", path)
    for part in parts[:-1]:
        target = target[int(part)] if part.isdigit() else target[part]
    target[parts[-1]] = "@@RAW@@"
    return json.dumps(data, ensure_ascii=False).replace('"@@RAW@@"', raw_json)


def problems_of(data: dict[str, Any]) -> list[Problem]:
    """What ``avregn calc`` reports: parse for a calculation, then calculate."""
    settlement, problems = parse_settlement(load_json(json.dumps(data, ensure_ascii=False)),
                                            require_amounts=True)
    if settlement is not None:
        result, problems = try_calculate(settlement)
        assert result is None, "expected input problems"
    return problems


def test_base_is_valid():
    settlement, problems = parse_settlement(base())
    assert problems == [] and settlement is not None


# --- money ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("50000", "50000.00"),  # JSON integer
        ('"50000"', "50000.00"),  # decimal string
        ('"12345.67"', "12345.67"),
        ("-200.5", "-200.50"),  # JSON number, one decimal
        ('"-200.5"', "-200.50"),
        ("0", "0.00"),
        ('"-0"', "0.00"),
        ("1e3", "1000.00"),  # a JSON number in exponent form is still a number
    ],
)
def test_money_accepted(raw, expected):
    settlement, problems = parse_text(with_raw("cost_lines[0].amount", raw))
    assert problems == []
    assert settlement.cost_lines[0].amount == Decimal(expected)
    assert f"{settlement.cost_lines[0].amount:f}" == expected


MONEY_PATHS = [
    "cost_lines[0].amount",
    "settlement.minimum_invoice_amount",
    "contract_objects[0].cap",
    "contract_objects[0].fixed",
    "contract_objects[0].correction",
    "contract_objects[0].invoiced[0].amount",
]


@pytest.mark.parametrize("path", MONEY_PATHS)
@pytest.mark.parametrize(
    "raw",
    [
        "NaN",
        "Infinity",
        "-Infinity",
        '"1,5"',
        '"12 345,00"',
        '"abc"',
        '"1.234"',
        "1.234",
        '"NaN"',
        '""',
        "[]",
    ],
)
def test_money_rejected_with_its_path(path, raw):
    settlement, problems = parse_text(with_raw(path, raw))
    assert settlement is None
    assert [p.where for p in problems] == [path]


@pytest.mark.parametrize("where", ["settlement.admin_fee", "contract_objects[0].admin_fee"])
def test_fixed_fee_amount_with_three_decimals_is_an_error(where):
    data = base()
    fee = {"mode": "fixed", "value": "10.005"}
    if where == "settlement.admin_fee":
        data["settlement"]["admin_fee"] = fee
    else:
        data["contract_objects"][0]["admin_fee"] = fee
    assert [p.where for p in problems_of(data)] == [f"{where}.value"]


@pytest.mark.parametrize(
    ("path", "raw"),
    [
        ("contract_objects[0].numerator", "NaN"),
        ("contract_objects[0].numerator", '"Infinity"'),
        ("contract_objects[0].numerator", '"1,5"'),
        ("contract_objects[0].numerator", '"hundre"'),
        ("settlement.denominator", "Infinity"),
        ("adjustments[0].factor", '"1,5"'),
        ("adjustments[0].factor", "NaN"),
        ("cost_lines[0].share_pct", '"50 %"'),
        ("settlement.interval_months", "1.5"),
        ("settlement.period_start", '"2024-02-30"'),
        ("settlement.period_start", '"01.01.2024"'),
        ("contract_objects[0].start", "20240101"),
        ("contract_objects[0].invoiced[0].to", '"2024-13-01"'),
        ("contract_objects[0].vat_liable", '"ja"'),
        ("cost_lines[0].full_distribution", "1"),
        ("adjustments[0].participates", '"nei"'),
        ("cost_lines[0].level", '"bygg"'),
        ("settlement.status", '"ferdig"'),
        ("contract_objects[0].invoiced", '{"amount": 1}'),
    ],
)
def test_other_fields_rejected_with_their_path(path, raw):
    settlement, problems = parse_text(with_raw(path, raw))
    assert settlement is None
    assert [p.where for p in problems] == [path]


def test_other_numbers_are_exact_decimals():
    # Numerators, factors and percentages may have more decimals than money, and are read
    # exactly (never through float): 0.1 stays 0.1.
    text = with_raw("contract_objects[1].numerator", "0.1")
    text = text.replace('"factor": 2', '"factor": "1.125"')
    settlement, problems = parse_text(text)
    assert problems == []
    assert settlement.contract_objects[1].numerator == Decimal("0.1")
    assert settlement.adjustments[0].factor == Decimal("1.125")


# --- limits (anything else is an input error) ------------------------------------------


def _set(data: dict[str, Any], path: str, value: Any) -> None:
    target: Any = data
    parts = re.findall(r"[^.\[\]]+", path)
    for part in parts[:-1]:
        target = target[int(part)] if part.isdigit() else target[part]
    target[parts[-1]] = value


@pytest.mark.parametrize(
    ("path", "value", "where"),
    [
        ("contract_objects[0].numerator", -1, "contract_objects[0].numerator"),
        (
            "contract_objects[0].numerator_override",
            "-0.5",
            "contract_objects[0].numerator_override",
        ),
        ("settlement.denominator", 0, "settlement.denominator"),
        ("settlement.denominator", "-5", "settlement.denominator"),
        ("adjustments[0].factor", 0, "adjustments[0].factor"),
        ("adjustments[0].factor", "-1", "adjustments[0].factor"),
        ("adjustments[0].share_pct", "100.01", "adjustments[0].share_pct"),
        ("adjustments[0].share_pct", -1, "adjustments[0].share_pct"),
        ("cost_lines[0].share_pct", 101, "cost_lines[0].share_pct"),
        ("settlement.admin_fee", {"mode": "percent", "value": 101}, "settlement.admin_fee.value"),
        (
            "contract_objects[1].admin_fee",
            {"mode": "percent", "value": -1},
            "contract_objects[1].admin_fee.value",
        ),
        (
            "contract_objects[1].admin_fee",
            {"mode": "fixed", "value": -1},
            "contract_objects[1].admin_fee.value",
        ),
        ("settlement.admin_fee", {"mode": "prosent", "value": 5}, "settlement.admin_fee.mode"),
        ("contract_objects[0].cap", "-0.01", "contract_objects[0].cap"),
        ("contract_objects[0].fixed", -1, "contract_objects[0].fixed"),
        ("settlement.minimum_invoice_amount", "-100", "settlement.minimum_invoice_amount"),
        ("settlement.interval_months", 0, "settlement.interval_months"),
        ("settlement.interval_months", 61, "settlement.interval_months"),
        ("settlement.period_start", "2024-01-15", "settlement.period_start"),
        ("contract_objects[0].end", "2023-12-31", "contract_objects[0].end"),
        ("contract_objects[0].invoiced[0].to", "2023-12-31", "contract_objects[0].invoiced[0].to"),
    ],
)
def test_limits(path, value, where):
    data = base()
    _set(data, path, value)
    assert [p.where for p in problems_of(data)] == [where]


def test_cap_and_fixed_on_one_object():
    for fixed in (100, True):
        data = base()
        data["contract_objects"][0].update(cap=500, fixed=fixed)
        [problem] = problems_of(data)
        assert problem.where.startswith("contract_objects[0].")
        assert "A" in problem.message


@pytest.mark.parametrize(
    ("section", "key", "message_part"),
    [("contract_objects", "id", "A"), ("cost_lines", "account", "6300")],
)
def test_duplicates(section, key, message_part):
    data = base()
    data[section][1][key] = data[section][0][key]
    problems = problems_of(data)
    assert {p.where for p in problems} <= {f"{section}[0].{key}", f"{section}[1].{key}"}
    assert f"{section}[1].{key}" in {p.where for p in problems}
    assert all(message_part in p.message for p in problems)


def test_duplicate_adjustment_pair():
    data = base()
    data["adjustments"].append({"object": "A", "account": "6300", "share_pct": 50})
    problems = problems_of(data)
    assert problems and all(p.where.startswith("adjustments[") for p in problems)
    assert any(p.where.startswith("adjustments[1]") for p in problems)


def test_fixed_spellings():
    # null and false: no agreement; true: fixed = invoiced; 0: fixed at 0 (§9b).
    for value, amount, equals_invoiced in [
        (None, None, False),
        (False, None, False),
        (True, None, True),
        (0, Decimal("0.00"), False),
        ("1200", Decimal("1200.00"), False),
    ]:
        data = base()
        data["contract_objects"][0]["fixed"] = value
        settlement, problems = parse_settlement(data)
        assert problems == []
        obj = settlement.contract_objects[0]
        assert (obj.fixed, obj.fixed_equals_invoiced) == (amount, equals_invoiced), value


# --- unknown and missing fields ---------------------------------------------------------


def test_unknown_fields_are_ignored_everywhere():
    data = base()
    data["comment"] = "eksportert fra Excel"
    data["settlement"]["x_colour"] = "red"
    data["cost_lines"][0]["note"] = {"nested": [1, 2]}
    data["contract_objects"][0]["floor"] = 3
    data["contract_objects"][0]["invoiced"][0]["kid"] = "12345"
    data["adjustments"][0]["why"] = None
    data["settlement"]["admin_fee"] = {"mode": "none", "extra": True}
    with_unknown, problems = parse_settlement(data)
    assert problems == []
    plain, _ = parse_settlement(
        base() | {"settlement": base()["settlement"] | {"admin_fee": {"mode": "none"}}}
    )
    assert fingerprint(with_unknown) == fingerprint(plain)


@pytest.mark.parametrize(
    "path",
    [
        "settlement.property",
        "settlement.property_object",
        "settlement.owner",
        "settlement.period_start",
        "settlement.interval_months",
        "settlement.denominator",
        "cost_lines[0].account",
        "cost_lines[0].amount",
        "contract_objects[0].id",
        "contract_objects[0].start",
        "contract_objects[0].numerator",
        "contract_objects[0].invoiced[0].from",
        "contract_objects[0].invoiced[0].to",
        "contract_objects[0].invoiced[0].amount",
        "adjustments[0].object",
        "adjustments[0].account",
    ],
)
def test_missing_required_field_is_reported_with_its_path(path):
    data = base()
    target: Any = data
    parts = re.findall(r"[^.\[\]]+", path)
    for part in parts[:-1]:
        target = target[int(part)] if part.isdigit() else target[part]
    del target[parts[-1]]
    problems = problems_of(data)
    assert path in [p.where for p in problems]
    # Nothing else is blamed, except adjustments that name what is now missing.
    assert all(p.where == path or p.where.startswith("adjustments[") for p in problems)


@pytest.mark.parametrize("section", ["settlement", "cost_lines", "contract_objects"])
def test_missing_section(section):
    data = base()
    del data[section]
    assert section in [p.where for p in problems_of(data)]


def test_optional_fields_default():
    settlement, problems = parse_settlement(base())
    assert problems == []
    s = settlement.settings
    assert (s.group, s.denominator_label, s.minimum_invoice_amount, s.status.value) == (
        "",
        "kvm",
        Decimal("0.00"),
        "lagt_opp",
    )
    assert s.admin_fee.mode.value == "none"
    line = settlement.cost_lines[0]
    assert (line.level.value, line.share_pct, line.full_distribution) == ("object", 100, False)
    obj = settlement.contract_objects[1]
    assert (obj.end, obj.numerator_override, obj.vat_liable, obj.cap, obj.fixed) == (
        None,
        None,
        True,
        None,
        None,
    )
    assert (obj.invoiced, obj.correction, obj.admin_fee, obj.do_not_invoice, obj.exported) == (
        (),
        Decimal("0.00"),
        None,
        False,
        None,
    )
    adj = settlement.adjustments[0]
    assert (adj.share_pct, adj.participates) == (100, True)


def test_not_an_object():
    settlement, problems = parse_settlement([base()])
    assert settlement is None and len(problems) == 1


# --- every problem, not just the first ----------------------------------------------------


def test_eight_problems_in_one_file_are_eight_problems():
    data = base()
    data["settlement"]["denominator"] = 0  # 1
    data["cost_lines"][0]["amount"] = "1,5"  # 2
    data["cost_lines"][1]["share_pct"] = 150  # 3
    del data["contract_objects"][0]["numerator"]  # 4
    data["contract_objects"][1]["end"] = "2023-06-30"  # 5 (end before start)
    data["contract_objects"].append(  # 6 (cap and fixed)
        {"id": "C", "start": "2024-01-01", "numerator": 10, "cap": 1, "fixed": 2}
    )
    data["adjustments"][0]["factor"] = 0  # 7
    data["adjustments"].append({"object": "NOPE", "account": "6310"})  # 8
    problems = problems_of(data)
    assert sorted(p.where for p in problems) == sorted(
        [
            "settlement.denominator",
            "cost_lines[0].amount",
            "cost_lines[1].share_pct",
            "contract_objects[0].numerator",
            "contract_objects[1].end",
            "contract_objects[2].fixed",
            "adjustments[0].factor",
            "adjustments[1].object",
        ]
    )
    assert all(p.message for p in problems)


def test_one_bad_field_does_not_hide_the_others_of_its_record():
    data = base()
    data["contract_objects"][1].update(vat_liable="ja", end="2023-06-30", numerator=-1)
    data["settlement"].update(status="ferdig", interval_months=0, denominator=0)
    assert sorted(p.where for p in problems_of(data)) == sorted(
        [
            "contract_objects[1].vat_liable",
            "contract_objects[1].end",
            "contract_objects[1].numerator",
            "settlement.status",
            "settlement.interval_months",
            "settlement.denominator",
        ]
    )


def test_empty_amount_is_reported_together_with_other_problems():
    data = base()
    data["cost_lines"][1]["amount"] = None
    data["contract_objects"][0]["numerator"] = -1
    assert sorted(p.where for p in problems_of(data)) == [
        "contract_objects[0].numerator",
        "cost_lines[1].amount",
    ]


def test_a_carried_forward_file_with_empty_amounts_parses():
    data = base()
    data["cost_lines"][1]["amount"] = None
    settlement, problems = parse_settlement(load_json(json.dumps(data, ensure_ascii=False)))
    assert problems == [] and settlement is not None
    assert settlement.cost_lines[1].amount is None


def test_vacancy_check_waits_for_otherwise_valid_input():
    data = base()
    data["contract_objects"][0]["numerator"] = 2000  # V < 0 …
    data["cost_lines"][0]["share_pct"] = 150  # … but first this
    assert [p.where for p in problems_of(data)] == ["cost_lines[0].share_pct"]
    data["cost_lines"][0]["share_pct"] = 100
    assert [p.where for p in problems_of(data)] == ["settlement.denominator"]


# --- the result file --------------------------------------------------------------------


def _result(data: dict[str, Any]) -> dict[str, Any]:
    settlement, problems = parse_settlement(load_json(json.dumps(data, ensure_ascii=False)))
    assert settlement is not None, problems
    result, problems = try_calculate(settlement)
    assert result is not None, problems
    return result_to_json(result)


def test_result_money_always_has_two_decimals():
    result = _result(base())
    found = []

    def walk(value: Any, key: str = "") -> None:
        if isinstance(value, dict):
            for k, v in value.items():
                walk(v, k)
        elif isinstance(value, list):
            for v in value:
                walk(v, key)
        elif isinstance(value, str) and re.fullmatch(r"-?\d+(\.\d+)?", value):
            found.append((key, value))

    walk({k: v for k, v in result.items() if k != "settlement"})
    money = [
        (k, v)
        for k, v in found
        if k
        not in (
            "account",
            "rate",
            "factor",
            "share_pct",
            "numerator",
            "weight",
            "weighted_numerator",
            "admin_fee_pct",
            "invoice_no",
        )
    ]
    assert money and all(MONEY.match(v) for _, v in money), money
    assert result["accounts"][0]["amount"] == "100.00"
    assert result["accounts"][1]["amount"] == "50.00"
    assert result["summary"]["owner"]["cap"] == "0.00"
    assert result["status"] == "beregnet"
    assert re.fullmatch(r"[0-9a-f]{64}", result["settlement"]["fingerprint"])


def test_quantities_six_decimals_trailing_zeros_cut():
    # 2023 (D = 365), lease 2023-07-04.. = 181 days: w = 0,495890410… → "0.49589";
    # T = 120,5 · 181/365 = 59,754794… → "59.754795"; vacancy 703 − 59,754795 → "643.245205".
    data = base()
    data["settlement"].update(period_start="2023-01-01", denominator=703)
    data["contract_objects"] = [
        {"id": "A", "start": "2023-07-04", "numerator": "120.5"},
        {"id": "B", "start": "2022-01-01", "numerator": "100.50"},
    ]
    data["adjustments"] = []
    result = _result(data)
    a, b = result["objects"]
    assert (a["days"], a["weight"], a["weighted_numerator"]) == (181, "0.49589", "59.754795")
    assert (b["weight"], b["weighted_numerator"], b["numerator"]) == ("1", "100.5", "100.5")
    s = result["settlement"]
    assert (s["days"], s["denominator"]) == (365, "703")
    assert s["weighted_numerator_sum"] == "160.254795"
    assert s["vacant"] == "542.745205"


def test_fingerprint_leaves_out_workflow_fields():
    data = base()
    before = _result(data)["settlement"]["fingerprint"]
    data["settlement"]["status"] = "fakturaklar"
    data["contract_objects"][0]["do_not_invoice"] = True
    assert _result(data)["settlement"]["fingerprint"] == before
    data["contract_objects"][0]["numerator"] = 101
    assert _result(data)["settlement"]["fingerprint"] != before
