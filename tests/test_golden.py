"""The worked examples of spec §10 (and the rules of §6.8 they illustrate), to the øre.

Each case is a settlement file in ``tests/data`` and is run through the JSON contract and the
engine; the ``calc`` fixture also checks the engine against the naive reference implementation.
"""

from __future__ import annotations

from typing import Any

from reference import largest_remainder


def by_id(result: dict[str, Any], field: str, account: str | None = None) -> dict[str, str]:
    if account is None:
        return {o["id"]: o[field] for o in result["objects"]}
    return {a["object"]: a[field] for a in result["allocations"] if a["account"] == account}


def account(result: dict[str, Any], number: str) -> dict[str, Any]:
    return next(a for a in result["accounts"] if a["account"] == number)


def test_factor_example(calc, load_case):
    # N_a = 200 + 4·100 + 500 = 1100. Exact parts: A1 9 090,9090…, A2–A5 4 545,4545…,
    # vacancy 22 727,2727…; floors leave 3 øre: A1 (0,91 øre), then the tied A2, A3 (0,45 øre)
    # by id; the vacancy (0,27 øre) gets none.
    result = calc(load_case("golden_factor"))
    assert by_id(result, "distributed", "6300") == {
        "A1": "9090.91",
        "A2": "4545.46",
        "A3": "4545.46",
        "A4": "4545.45",
        "A5": "4545.45",
    }
    acc = account(result, "6300")
    assert acc["vacant_share"] == "22727.27"
    assert acc["rate"] == "45.4545"  # kr per m² = 50 000 / 1 100
    assert acc["per_unit"] == "50.00"  # B_a / N
    assert result["summary"]["tenants"]["distributed"] == "27272.73"
    assert result["summary"]["owner"]["vacant"] == "22727.27"
    # "The owner carries 2 272,73 less than without the factor": 25 000,00 − 22 727,27.
    plain = load_case("golden_factor")
    plain["adjustments"] = []
    assert account(calc(plain), "6300")["vacant_share"] == "25000.00"


def test_delta_example(calc, load_case):
    # N_a = 900. Participants 5 555,5555… each, vacancy 27 777,7777…; 3 øre left: the vacancy
    # (0,78 øre) first, then the tied tenants by id: A2, A3.
    result = calc(load_case("golden_delta"))
    assert by_id(result, "distributed", "6300") == {
        "A1": "0.00",
        "A2": "5555.56",
        "A3": "5555.56",
        "A4": "5555.55",
        "A5": "5555.55",
    }
    acc = account(result, "6300")
    assert acc["vacant_share"] == "27777.78"
    assert acc["rate"] == "55.5556"
    alloc = {a["object"]: a for a in result["allocations"]}
    assert alloc["A1"]["participates"] is False
    assert alloc["A2"]["participates"] is True
    assert result["objects"][0]["total"] == "0.00"


def test_negative_line_is_the_mirror(calc, load_case):
    # §6.8: split |B_a| and negate every part. Flooring the negative parts directly would
    # have given −9 090,91, −4 545,46 ×4, −22 727,28 (3 øre too much) — not what the spec says.
    result = calc(load_case("golden_negative"))
    assert by_id(result, "distributed", "6390") == {
        "A1": "-9090.91",
        "A2": "-4545.46",
        "A3": "-4545.46",
        "A4": "-4545.45",
        "A5": "-4545.45",
    }
    assert account(result, "6390")["vacant_share"] == "-22727.27"
    assert account(result, "6390")["rate"] == "-45.4545"
    # The two lines cancel exactly, per object and for the vacancy.
    assert all(o["distributed"] == "0.00" for o in result["objects"])
    assert result["summary"]["owner"]["vacant"] == "0.00"


def test_tie_rule_code_point_order_vacancy_last(calc, load_case):
    # Four tenants of 100 and 100 vacant (N = 500) share 0,03: every part is 0,006 kr, so
    # every remainder ties at 0,6 øre; the 3 øre go by id in code-point order
    # ("A10" < "A9" < "B" < "a1"), and the vacancy, last, gets none.
    result = calc(load_case("golden_tie"))
    assert [o["id"] for o in result["objects"]] == ["a1", "A9", "B", "A10"]  # input order
    assert by_id(result, "distributed", "6300") == {
        "A10": "0.01",
        "A9": "0.01",
        "B": "0.01",
        "a1": "0.00",
    }
    assert account(result, "6300")["vacant_share"] == "0.00"
    # The refund of −0,03 is the mirror.
    assert by_id(result, "distributed", "6390") == {
        "A10": "-0.01",
        "A9": "-0.01",
        "B": "-0.01",
        "a1": "0.00",
    }
    assert account(result, "6390")["vacant_share"] == "0.00"


def test_tie_rule_reference_helper():
    # The reference's own split agrees with the §10 factor example (tie order given).
    assert largest_remainder(5_000_000, [200, 100, 100, 100, 100, 500]) == [
        909091,
        454546,
        454546,
        454545,
        454545,
        2272727,
    ]
    assert largest_remainder(-3, [1, 1, 1, 1, 1]) == [-1, -1, -1, 0, 0]


def test_weighted_fraction_footer(calc, load_case):
    # 300 + 150 + 122·183/366 + 3,6 + 36,6·100/366 = 300 + 150 + 61 + 3,6 + 10 = 524,6.
    result = calc(load_case("golden_weighted_fraction"))
    s = result["settlement"]
    assert (s["days"], s["weighted_numerator_sum"], s["denominator"]) == (366, "524.6", "703")
    assert s["vacant"] == "178.4"
    assert by_id(result, "weighted_numerator") == {
        "1001-1": "300",
        "1002-1": "150",
        "1003-1": "61",
        "1004-1": "3.6",
        "1005-1": "10",
    }
    assert by_id(result, "days") == {
        "1001-1": 366,
        "1002-1": 366,
        "1003-1": 183,
        "1004-1": 366,
        "1005-1": 100,
    }
    # 70 300 kr over 703 units is 100 kr per weighted unit, exactly.
    assert by_id(result, "distributed", "6300") == {
        "1001-1": "30000.00",
        "1002-1": "15000.00",
        "1003-1": "6100.00",
        "1004-1": "360.00",
        "1005-1": "1000.00",
    }
    assert account(result, "6300")["vacant_share"] == "17840.00"
