"""One hand-checked case per rule of spec §5–§6 (the arithmetic is in the comments).

Unless a test says otherwise the period is 2024-01-01..2024-12-31 (D = 366) and the
denominator N = 1000 (``build`` fixture). Every successful case also goes through the naive
reference implementation (the ``calc`` fixture compares every money field).
"""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

import pytest


def obj(
    id_: str, numerator: Any = 100, start: str = "2024-01-01", end: str | None = None, **fields: Any
) -> dict[str, Any]:
    return {
        "id": id_,
        "start": start,
        "end": end,
        "numerator": numerator,
        "customer_id": "914778271",
        **fields,
    }


def line(account: str, amount: Any, **fields: Any) -> dict[str, Any]:
    return {"account": account, "name": f"Konto {account}", "amount": amount, **fields}


def inv(no: str, from_: str, to: str, amount: Any) -> dict[str, Any]:
    return {"invoice_no": no, "from": from_, "to": to, "amount": amount}


def objects(result: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {o["id"]: o for o in result["objects"]}


def dist(result: dict[str, Any], account: str) -> dict[str, str]:
    return {a["object"]: a["distributed"] for a in result["allocations"] if a["account"] == account}


def acc(result: dict[str, Any], account: str) -> dict[str, Any]:
    return next(a for a in result["accounts"] if a["account"] == account)


def warnings(result: dict[str, Any]) -> list[dict[str, str]]:
    return list(result["settlement"]["warnings"])


# --- §6.1 time weights ----------------------------------------------------------------------


def test_partial_periods(calc, build):
    # 36 600 kr over N = 1000 is 36,60 kr per weighted unit, so every part is exact:
    #   A 100 m², from 2024-04-01 (open):          275 days → 100·275/366 → 2 750,00
    #   B 200 m², 2023-01-01..2024-06-30:          182 days → 200·182/366 → 3 640,00
    #   C 300 m², 2022-05-01..2026-12-31 (around): 366 days → 300         → 10 980,00
    #   D  50 m², 2024-03-15..2024-03-20:            6 days →  50·6/366   →     30,00
    #   vacancy 36 600 − 17 400 = 19 200,00
    result = calc(
        build(
            [
                obj("A", 100, "2024-04-01"),
                obj("B", 200, "2023-01-01", "2024-06-30"),
                obj("C", 300, "2022-05-01", "2026-12-31"),
                obj("D", 50, "2024-03-15", "2024-03-20"),
            ],
            [line("6300", "36600.00")],
        )
    )
    o = objects(result)
    assert {k: o[k]["days"] for k in o} == {"A": 275, "B": 182, "C": 366, "D": 6}
    assert {k: o[k]["weight"] for k in o} == {
        "A": "0.751366",
        "B": "0.497268",
        "C": "1",
        "D": "0.016393",
    }
    assert {k: o[k]["weighted_numerator"] for k in o} == {
        "A": "75.136612",
        "B": "99.453552",
        "C": "300",
        "D": "0.819672",
    }
    assert dist(result, "6300") == {"A": "2750.00", "B": "3640.00", "C": "10980.00", "D": "30.00"}
    assert acc(result, "6300")["vacant_share"] == "19200.00"


@pytest.mark.parametrize(
    ("year", "days", "amount", "july", "february", "vacancy"),
    [
        # 2024 is a leap year: D = 366, July–December 184 days, February 29 days.
        (2024, 366, "36600.00", "18400.00", "2900.00", "15300.00"),
        # 2023: D = 365; 36 500·184/365 = 18 400, 36 500·28/365 = 2 800.
        (2023, 365, "36500.00", "18400.00", "2800.00", "15300.00"),
    ],
)
def test_leap_year(calc, build, year, days, amount, july, february, vacancy):
    last_feb = "29" if year == 2024 else "28"
    result = calc(
        build(
            [
                obj("H2", 100, f"{year}-07-01"),
                obj("FEB", 100, f"{year}-02-01", f"{year}-02-{last_feb}"),
            ],
            [line("6300", amount)],
            period_start=f"{year}-01-01",
            denominator=100,
        )
    )
    assert result["settlement"]["days"] == days
    assert result["settlement"]["period_end"] == f"{year}-12-31"
    o = objects(result)
    assert (o["H2"]["days"], o["FEB"]["days"]) == (184, int(last_feb))
    assert dist(result, "6300") == {"H2": july, "FEB": february}
    assert acc(result, "6300")["vacant_share"] == vacancy


def test_six_month_period_halves_cap_and_fixed(calc, build):
    # 2024-01-01 + 6 months → 2024-06-30, D = 182. 18 200 kr / N 1000 = 18,20 per unit.
    #   A 100 m², whole period: F = 1 820,00; cap 3 000/yr → 3 000·6/12 = 1 500,00 (binds:
    #     cap reduction 320,00)
    #   B 100 m², from 2024-04-01: 91 days, T = 50, F = 910,00; cap 12 000 → 12 000·6/12·91/182
    #     = 3 000,00 (does not bind)
    #   C 100 m², whole period, fixed 12 000/yr → 6 000,00; fixed difference 1 820 − 6 000
    #   vacancy 18 200 − 1 820 − 910 − 1 820 = 13 650,00
    result = calc(
        build(
            [
                obj("A", cap="3000"),
                obj("B", start="2024-04-01", cap=12000),
                obj("C", fixed="12000.00"),
            ],
            [line("6300", "18200.00")],
            interval_months=6,
        )
    )
    s = result["settlement"]
    assert (s["period_end"], s["days"]) == ("2024-06-30", 182)
    o = objects(result)
    assert (o["A"]["cap"], o["A"]["total"], o["A"]["cap_reduction"]) == (
        "1500.00",
        "1500.00",
        "320.00",
    )
    assert (o["B"]["days"], o["B"]["cap"], o["B"]["total"], o["B"]["cap_reduction"]) == (
        91,
        "3000.00",
        "910.00",
        "0.00",
    )
    assert (o["C"]["fixed"], o["C"]["total"], o["C"]["fixed_difference"]) == (
        "6000.00",
        "6000.00",
        "-4180.00",
    )
    assert acc(result, "6300")["vacant_share"] == "13650.00"
    summary = result["summary"]
    assert summary["tenants"]["cap"] == "-320.00"
    assert summary["owner"]["cap"] == "320.00"
    assert summary["tenants"]["fixed"] == "4180.00"
    assert summary["owner"]["fixed"] == "-4180.00"
    # owner: 13 650 + 320 − 4 180 = 9 790; tenants 1 500 + 910 + 6 000 = 8 410.
    assert (summary["tenants"]["sum"], summary["owner"]["sum"]) == ("8410.00", "9790.00")


def test_cap_prorated_amount_is_rounded_once(calc, build):
    # 1,01 · 6/12 · 91/182 = 0,2525 → 0,25. Rounding twice (0,505 → 0,51, then · ½ = 0,255
    # → 0,26) would be wrong.
    result = calc(
        build(
            [obj("B", start="2024-04-01", cap="1.01")],
            [line("6300", "18200.00")],
            interval_months=6,
        )
    )
    b = objects(result)["B"]
    assert (b["cap"], b["total"], b["cap_reduction"]) == ("0.25", "0.25", "909.75")


def test_numerator_override(calc, build):
    # The override (250) replaces the numerator (100) for this settlement: 10 000 · 250/1000.
    result = calc(build([obj("A", 100, numerator_override="250")], [line("6300", 10000)]))
    a = objects(result)["A"]
    assert (a["weighted_numerator"], a["distributed"]) == ("250", "2500.00")
    assert acc(result, "6300")["vacant_share"] == "7500.00"
    assert result["settlement"]["vacant"] == "750"


# --- §6.5 cap and fixed -------------------------------------------------------------------


def test_cap_binding_and_not_binding_prorated_by_weight(calc, build):
    # N = 200; two tenants of 100 from 2024-07-01: 184/366 of the year each.
    # 146 400 kr → F = 146 400 · (100·184/366) / 200 = 36 800,00 each.
    #   CAP1 cap 36 600/yr → 36 600 · 184/366 = 18 400,00 → binds, reduction 18 400,00
    #   CAP2 cap 100 000/yr → 100 000 · 184/366 = 50 273,2240… → 50 273,22 → does not bind
    result = calc(
        build(
            [
                obj("CAP1", start="2024-07-01", cap="36600.00"),
                obj("CAP2", start="2024-07-01", cap=100000),
            ],
            [line("6300", "146400.00")],
            denominator=200,
        )
    )
    o = objects(result)
    assert (o["CAP1"]["distributed"], o["CAP1"]["share"]) == ("36800.00", "36800.00")
    assert (o["CAP1"]["cap"], o["CAP1"]["total"], o["CAP1"]["cap_reduction"]) == (
        "18400.00",
        "18400.00",
        "18400.00",
    )
    assert (o["CAP2"]["cap"], o["CAP2"]["total"], o["CAP2"]["cap_reduction"]) == (
        "50273.22",
        "36800.00",
        "0.00",
    )
    assert result["summary"]["owner"]["cap"] == "18400.00"
    assert result["summary"]["tenants"]["cap"] == "-18400.00"


def test_fixed_amount_owner_cost_and_owner_income(calc, build):
    # 183 000 kr over N = 1000 (= 500·366, so parts are exact):
    #   A 200 m² full year: A_i = 36 600,00; fixed 12 000 → owner's cost 24 600,00
    #   B 200 m² full year: A_i = 36 600,00; fixed 50 000 → owner's income −13 400,00
    #   C 200 m² from 2024-07-01 (184 days): A_i = 183·200·184/366 = 18 400,00;
    #     fixed 7 320/yr → 7 320·184/366 = 3 680,00 → owner's cost 14 720,00
    #   vacancy 183 000 − 36 600·2 − 18 400 = 91 400,00
    result = calc(
        build(
            [
                obj("A", 200, fixed="12000"),
                obj("B", 200, fixed=50000),
                obj("C", 200, "2024-07-01", fixed="7320.00"),
            ],
            [line("6300", "183000.00")],
        )
    )
    o = objects(result)
    assert {
        k: (v["share"], v["fixed"], v["total"], v["fixed_difference"]) for k, v in o.items()
    } == {
        "A": ("36600.00", "12000.00", "12000.00", "24600.00"),
        "B": ("36600.00", "50000.00", "50000.00", "-13400.00"),
        "C": ("18400.00", "3680.00", "3680.00", "14720.00"),
    }
    summary = result["summary"]
    # Σ(fixed − A_i) = −24 600 + 13 400 − 14 720 = −25 920
    assert (summary["tenants"]["fixed"], summary["owner"]["fixed"]) == ("-25920.00", "25920.00")
    assert (summary["tenants"]["sum"], summary["owner"]["sum"]) == ("65680.00", "117320.00")


def test_fixed_zero_is_an_agreement(calc, build):
    # "0 = fixed at 0": the tenant pays nothing; what was invoiced is credited.
    result = calc(
        build(
            [obj("A", fixed=0, invoiced=[inv("F1", "2024-01-01", "2024-12-31", "1200.00")])],
            [line("6300", 10000)],
        )
    )
    a = objects(result)["A"]
    assert (a["fixed"], a["total"], a["fixed_difference"], a["rest"]) == (
        "0.00",
        "0.00",
        "1000.00",
        "-1200.00",
    )


def test_fixed_equals_invoiced(calc, build):
    # "fixed": true → S_i = U_i + K_i = 3 000 + 2 000 + 250 = 5 250; rest 0; the settlement's
    # 5 % fee does not apply to a fixed object. A_i = 10 000·100/1000 = 1 000 → difference
    # 1 000 − 5 250 = −4 250 (owner's income).
    result = calc(
        build(
            [
                obj(
                    "A",
                    fixed=True,
                    correction="250.00",
                    invoiced=[
                        inv("F1", "2024-01-01", "2024-06-30", "3000.00"),
                        inv("F2", "2024-07-01", "2024-12-31", 2000),
                    ],
                )
            ],
            [line("6300", 10000)],
            admin_fee={"mode": "percent", "value": 5},
        )
    )
    a = objects(result)["A"]
    assert (a["share"], a["invoiced"], a["fixed"], a["total"]) == (
        "1000.00",
        "5000.00",
        "5250.00",
        "5250.00",
    )
    assert (a["fixed_difference"], a["rest"], a["admin_fee"]) == ("-4250.00", "0.00", "0.00")
    assert a["invoice_status"] == "nothing_to_invoice"
    assert not [w for w in warnings(result) if "admin_fee" in w["where"]]


# --- §6.2–6.4 shares ----------------------------------------------------------------------


def test_share_pct_on_account_from_rounded_distributed(calc, build):
    # 100,06 kr, tenant 100 of N = 1000: exact F = 10,006, vacancy 90,054; floors 10,00 and
    # 90,05 leave 1 øre for the tenant (remainder 0,6 > 0,4) → F = 10,01.
    # Share 50 % of the *rounded* F: 5,005 → 5,01 (from the exact F it would be 5,003 → 5,00);
    # the owner's part is 10,01 − 5,01 = 5,00.
    result = calc(
        build(
            [obj("A")],
            [line("6300", "100.06")],
            [{"object": "A", "account": "6300", "share_pct": 50}],
        )
    )
    alloc = result["allocations"][0]
    assert (
        alloc["distributed"],
        alloc["share_pct"],
        alloc["tenant_share"],
        alloc["owner_share"],
    ) == ("10.01", "50", "5.01", "5.00")
    assert acc(result, "6300")["vacant_share"] == "90.05"
    assert objects(result)["A"]["share"] == "5.01"
    assert (result["summary"]["tenants"]["share"], result["summary"]["owner"]["share"]) == (
        "5.01",
        "5.00",
    )


def test_level_share_pct_on_cost_line(calc, build):
    # B_a = round(amount · pct / 100), half up: 1 000,05 · 50 % = 500,025 → 500,03 (half even
    # would give 500,02); the refund mirrors it: −500,03; 0 % → 0; 200 · 33,33 % = 66,66.
    result = calc(
        build(
            [obj("A")],
            [
                line("6300", "1000.05", level="company", share_pct=50),
                line("6310", "-1000.05", level="property", share_pct="50"),
                line("6320", "999.99", level="object", share_pct=0),
                line("6330", 200, share_pct="33.33"),
            ],
        )
    )
    assert [(a["amount"], a["to_distribute"]) for a in result["accounts"]] == [
        ("1000.05", "500.03"),
        ("-1000.05", "-500.03"),
        ("999.99", "0.00"),
        ("200.00", "66.66"),
    ]
    assert result["summary"]["total"]["costs"] == "66.66"


def test_full_distribution(calc, build):
    # A 100, B 300 of N = 1000. Full distribution: N_a = 400, so 2 500 / 7 500 and no vacancy;
    # the normal account gives 1 000 / 3 000 and 6 000 to the vacancy.
    result = calc(
        build(
            [obj("A", 100), obj("B", 300)],
            [line("6300", 10000, full_distribution=True), line("6310", 10000)],
        )
    )
    assert dist(result, "6300") == {"A": "2500.00", "B": "7500.00"}
    assert (acc(result, "6300")["vacant_share"], acc(result, "6300")["rate"]) == ("0.00", "25.0000")
    assert dist(result, "6310") == {"A": "1000.00", "B": "3000.00"}
    assert (acc(result, "6310")["vacant_share"], acc(result, "6310")["rate"]) == (
        "6000.00",
        "10.0000",
    )
    assert acc(result, "6300")["per_unit"] == "10.00"  # B_a / N, whatever N_a


def test_non_participation(calc, build):
    # N = 400, A1 100, A2 100, vacancy 200. A1 out of 6300: N_a = 300 → A2 1 000, vacancy
    # 2 000 (both carry A1's part). 6310 as normal: 1 000 / 1 000 / 2 000.
    result = calc(
        build(
            [obj("A1"), obj("A2")],
            [line("6300", 3000), line("6310", 4000)],
            [{"object": "A1", "account": "6300", "participates": False}],
            denominator=400,
        )
    )
    assert dist(result, "6300") == {"A1": "0.00", "A2": "1000.00"}
    assert acc(result, "6300")["vacant_share"] == "2000.00"
    assert acc(result, "6300")["rate"] == "10.0000"
    assert dist(result, "6310") == {"A1": "1000.00", "A2": "1000.00"}


@pytest.mark.parametrize(
    ("factor", "amount", "expected_a1"),
    [
        # factor 1,5: N_a = 150 + 100 + 200 = 450 → 10 kr per unit: 1 500 / 1 000 / 2 000
        ("1.5", "4500.00", "1500.00"),
        # factor 0,5: N_a = 50 + 100 + 200 = 350 → 10 kr per unit: 500 / 1 000 / 2 000
        (0.5, "3500.00", "500.00"),
    ],
)
def test_factor(calc, build, factor, amount, expected_a1):
    result = calc(
        build(
            [obj("A1"), obj("A2")],
            [line("6300", amount)],
            [{"object": "A1", "account": "6300", "factor": factor}],
            denominator=400,
        )
    )
    assert dist(result, "6300") == {"A1": expected_a1, "A2": "1000.00"}
    assert acc(result, "6300")["vacant_share"] == "2000.00"  # vacancy counts with factor 1
    assert acc(result, "6300")["rate"] == "10.0000"


@pytest.mark.parametrize("case", ["no vacancy", "full distribution"])
def test_n_a_zero_goes_to_owners_vacancy(calc, build, case):
    # Nobody takes part in the account and it has no vacancy (V = 0, or full distribution):
    # the whole 1 234,56 is the owner's, in Ledig, with a warning; the rate is null.
    denominator = 200 if case == "no vacancy" else 1000
    full = case == "full distribution"
    result = calc(
        build(
            [obj("A"), obj("B")],
            [line("6300", "1234.56", full_distribution=full), line("6310", 100)],
            [
                {"object": "A", "account": "6300", "participates": False},
                {"object": "B", "account": "6300", "participates": False},
            ],
            denominator=denominator,
        )
    )
    assert dist(result, "6300") == {"A": "0.00", "B": "0.00"}
    assert acc(result, "6300")["vacant_share"] == "1234.56"
    assert acc(result, "6300")["rate"] is None
    # 6310 is an ordinary account: vacancy 0 (V = 0), or 100 · 800/1000 = 80,00.
    other_vacancy, owner_vacant = (
        ("0.00", "1234.56") if case == "no vacancy" else ("80.00", "1314.56")
    )
    assert acc(result, "6310")["vacant_share"] == other_vacancy
    assert result["summary"]["owner"]["vacant"] == owner_vacant
    [warning] = [w for w in warnings(result) if w["where"] == "cost_lines[0]"]
    assert "6300" in warning["message"]


def test_n_a_zero_summary_no_vacancy(calc, build):
    # The same with both lines: Σ L_a = 1 234,56 + 0 and the owner's sum is all of 6300.
    result = calc(
        build(
            [obj("A"), obj("B")],
            [line("6300", "1234.56"), line("6310", 100)],
            [
                {"object": "A", "account": "6300", "participates": False},
                {"object": "B", "account": "6300", "participates": False},
            ],
            denominator=200,
        )
    )
    assert result["summary"]["owner"]["vacant"] == "1234.56"
    assert result["summary"]["owner"]["sum"] == "1234.56"
    assert result["summary"]["tenants"]["sum"] == "100.00"


def test_negative_cost_line(calc, build):
    # −100 kr over A 100, B 100 and vacancy 100 (N = 300): split 100,00 → 33,33 each and 1 øre
    # to the first of three tied remainders (A), then negate: −33,34 / −33,33 / −33,33.
    # The tenants are credited; VAT −33,34·25 % = −8,335 → −8,34 (half away from zero);
    # no fee on a negative S_i; the minimum never applies to a credit.
    result = calc(
        build(
            [obj("A"), obj("B")],
            [line("6300", "-100.00")],
            denominator=300,
            admin_fee={"mode": "percent", "value": 5},
            minimum_invoice_amount=100,
        )
    )
    assert dist(result, "6300") == {"A": "-33.34", "B": "-33.33"}
    assert acc(result, "6300")["vacant_share"] == "-33.33"
    o = objects(result)
    assert (o["A"]["rest"], o["A"]["vat"], o["A"]["rest_incl_vat"]) == ("-33.34", "-8.34", "-41.68")
    assert (o["B"]["rest"], o["B"]["vat"]) == ("-33.33", "-8.33")
    assert o["A"]["admin_fee"] == o["B"]["admin_fee"] == "0.00"
    assert o["A"]["invoice_status"] == o["B"]["invoice_status"] == "ready"


# --- §6.6 invoiced, correction, rest -------------------------------------------------------


def test_crossing_invoices(calc, build):
    # Lease 2024-01-01..2024-06-30 (the invoices are not clipped to it, only to the period).
    #   F1 2023-12-01..2024-02-29, 9 100 kr: 60 of its 91 days inside → 6 000,00
    #   F2 2024-12-01..2025-01-31, 620 kr: 31 of 62 → 310,00
    #   F3, F4 2024-12-31..2025-01-01, 0,01 kr each: ½ øre each → 0,01 each (each invoice is
    #     rounded on its own: 0,02, not round(0,01) = 0,01)
    #   F5 2025-01-01..2025-03-31: wholly outside → 0 and a warning
    #   F6 2024-03-01..2024-05-31, 3 000 → 3 000,00
    #   F7 2024-12-31..2025-01-01, −0,01 kr → −0,005 → −0,01 (mirror)
    #   U_i = 6 000 + 310 + 0,01 + 0,01 + 0 + 3 000 − 0,01 = 9 310,01
    invoices = [
        inv("F1", "2023-12-01", "2024-02-29", "9100.00"),
        inv("F2", "2024-12-01", "2025-01-31", 620),
        inv("F3", "2024-12-31", "2025-01-01", "0.01"),
        inv("F4", "2024-12-31", "2025-01-01", "0.01"),
        inv("F5", "2025-01-01", "2025-03-31", "3000.00"),
        inv("F6", "2024-03-01", "2024-05-31", "3000.00"),
        inv("F7", "2024-12-31", "2025-01-01", "-0.01"),
    ]
    result = calc(build([obj("A", end="2024-06-30", invoiced=invoices)], [line("6300", 10000)]))
    a = objects(result)["A"]
    assert [(c["invoice_no"], c["days_inside"], c["counted"]) for c in a["invoices"]] == [
        ("F1", 60, "6000.00"),
        ("F2", 31, "310.00"),
        ("F3", 1, "0.01"),
        ("F4", 1, "0.01"),
        ("F5", 0, "0.00"),
        ("F6", 92, "3000.00"),
        ("F7", 1, "-0.01"),
    ]
    assert a["invoiced"] == "9310.01"
    # A_i: 10 000 · 100·182/366 / 1000 = 497,2677… → 497,27; rest = 497,27 − 9 310,01
    assert (a["total"], a["rest"]) == ("497.27", "-8812.74")
    outside = [w for w in warnings(result) if w["where"] == "contract_objects[0].invoiced[4]"]
    assert len(outside) == 1 and "F5" in outside[0]["message"]
    assert not [
        w
        for w in warnings(result)
        if w["where"].startswith("contract_objects[0].invoiced[")
        and w["where"] != "contract_objects[0].invoiced[4]"
    ]


def test_crossing_invoice_cumulative_rounding(calc, build):
    # §6.6: 1 000,01 for 17.12–15.01 (30 days, 15 in each year). Rounded cumulatively it counts
    # 500,01 in the year ending 31.12 and 1 000,01 − 500,01 = 500,00 in the next; rounding each
    # half on its own (the old rule) would count 500,01 in both, 0,01 more than was invoiced.
    invoice = [inv("F1", "2024-12-17", "2025-01-15", "1000.01")]
    first = calc(build([obj("A", invoiced=invoice)], [line("6300", 10000)]))
    second = calc(build([obj("A", invoiced=invoice)], [line("6300", 10000)],
                        period_start="2025-01-01"))
    counted = [objects(r)["A"]["invoices"][0]["counted"] for r in (first, second)]
    assert counted == ["500.01", "500.00"]
    # 4 500,00 for 01.12–28.02 (90 days): 1 550,00 in the first year, 2 950,00 in the next.
    invoice = [inv("F2", "2024-12-01", "2025-02-28", "4500.00")]
    first = calc(build([obj("A", invoiced=invoice)], [line("6300", 10000)]))
    second = calc(build([obj("A", invoiced=invoice)], [line("6300", 10000)],
                        period_start="2025-01-01"))
    assert [objects(r)["A"]["invoiced"] for r in (first, second)] == ["1550.00", "2950.00"]


def test_correction(calc, build):
    # S_i = 10 000·100/1000 = 1 000; U_i = 600; K_i = 250 → rest 150. A negative correction
    # (−100) adds back: 1 000 − 600 + 100 = 500.
    result = calc(
        build(
            [
                obj(
                    "K1", correction="250.00", invoiced=[inv("F1", "2024-01-01", "2024-12-31", 600)]
                ),
                obj("K2", correction=-100, invoiced=[inv("F2", "2024-01-01", "2024-12-31", 600)]),
            ],
            [line("6300", 10000)],
        )
    )
    o = objects(result)
    assert (o["K1"]["correction"], o["K1"]["rest"]) == ("250.00", "150.00")
    assert (o["K2"]["correction"], o["K2"]["rest"]) == ("-100.00", "500.00")
    assert result["summary"]["tenants"]["correction"] == "150.00"
    assert result["summary"]["tenants"]["invoiced"] == "1200.00"


# --- §6.7 fee, VAT, minimum, status ------------------------------------------------------


def test_percent_fee(calc, build):
    # A 500 of N = 1000, 20 000,20 kr → S_i = 10 000,10. 5 % = 500,005 → 500,01; its VAT
    # 25 % = 125,0025 → 125,00.
    result = calc(
        build(
            [obj("A", 500)],
            [line("6300", "20000.20")],
            admin_fee={"mode": "percent", "value": 5, "vat_liable": True},
        )
    )
    a = objects(result)["A"]
    assert (a["total"], a["admin_fee_pct"], a["admin_fee"], a["admin_fee_vat"]) == (
        "10000.10",
        "5",
        "500.01",
        "125.00",
    )
    assert a["admin_fee_incl_vat"] == "625.01"
    summary = result["summary"]
    assert summary["tenants"]["admin_fee"] == summary["owner"]["admin_fee"] == "500.01"


def test_percent_fee_override_with_decimals(calc, build):
    # Override 12,5 % on S_i = 1 000,04 (10 000,40 · 100/1000) → 125,005 → 125,01.
    result = calc(
        build(
            [obj("B", admin_fee={"mode": "percent", "value": "12.5"})], [line("6300", "10000.40")]
        )
    )
    b = objects(result)["B"]
    assert (b["total"], b["admin_fee_pct"], b["admin_fee"]) == ("1000.04", "12.5", "125.01")


def test_fixed_fee_is_not_prorated(calc, build):
    # A fixed fee is the amount, whatever the lease's days (184 of 366 here): 750,00, VAT 187,50.
    result = calc(
        build(
            [obj("B", start="2024-07-01", admin_fee={"mode": "fixed", "value": "750.00"})],
            [line("6300", 10000)],
            admin_fee={"mode": "percent", "value": 5},
        )
    )
    b = objects(result)["B"]
    assert (b["admin_fee"], b["admin_fee_vat"], b["admin_fee_pct"]) == ("750.00", "187.50", None)


def test_fee_on_fixed_object_ignored_with_warning(calc, build):
    # Own fee on a fixed object → ignored, with a warning; the settlement's default fee simply
    # does not apply to fixed objects (no warning); fixed = invoiced counts as fixed.
    result = calc(
        build(
            [
                obj("F1", fixed=12000, admin_fee={"mode": "percent", "value": 5}),
                obj("F2", fixed=12000),
                obj(
                    "F3",
                    fixed=True,
                    admin_fee={"mode": "fixed", "value": 500},
                    invoiced=[inv("X", "2024-01-01", "2024-12-31", 100)],
                ),
                obj("N1"),
            ],
            [line("6300", 10000)],
            admin_fee={"mode": "percent", "value": 5},
        )
    )
    o = objects(result)
    assert [o[k]["admin_fee"] for k in ("F1", "F2", "F3")] == ["0.00", "0.00", "0.00"]
    assert o["N1"]["admin_fee"] == "50.00"  # 5 % of 1 000
    where = sorted(w["where"] for w in warnings(result) if w["where"].endswith(".admin_fee"))
    assert where == ["contract_objects[0].admin_fee", "contract_objects[2].admin_fee"]


def test_no_fee_when_total_not_positive(calc, build):
    # NEG: −1 000 kr refund → S_i = −100 < 0: no fixed fee. ZERO: S_i = 0: no percent fee,
    # and with rest 0 and fee 0 the status is nothing_to_invoice.
    result = calc(
        build([obj("NEG", admin_fee={"mode": "fixed", "value": 500})], [line("6300", "-1000.00")])
    )
    neg = objects(result)["NEG"]
    assert (neg["total"], neg["admin_fee"], neg["admin_fee_vat"]) == ("-100.00", "0.00", "0.00")
    result = calc(
        build([obj("ZERO")], [line("6300", 0)], admin_fee={"mode": "percent", "value": 5})
    )
    zero = objects(result)["ZERO"]
    assert (zero["total"], zero["admin_fee"], zero["invoice_status"]) == (
        "0.00",
        "0.00",
        "nothing_to_invoice",
    )


@pytest.mark.parametrize(
    ("object_vat", "fee_vat", "vat", "fee_vat_amount"),
    [
        (True, True, "250.00", "25.00"),
        (True, False, "250.00", "0.00"),
        (False, True, "0.00", "0.00"),  # VAT-free object: no VAT at all
        (False, False, "0.00", "0.00"),
    ],
)
def test_vat_on_rest_and_fee(calc, build, object_vat, fee_vat, vat, fee_vat_amount):
    # S_i = 1 000 (10 000 · 100/1000), nothing invoiced → rest 1 000; fee 10 % = 100.
    result = calc(
        build(
            [obj("A", vat_liable=object_vat)],
            [line("6300", 10000)],
            admin_fee={"mode": "percent", "value": 10, "vat_liable": fee_vat},
        )
    )
    a = objects(result)["A"]
    assert (a["rest"], a["vat"], a["admin_fee"], a["admin_fee_vat"]) == (
        "1000.00",
        vat,
        "100.00",
        fee_vat_amount,
    )
    assert Decimal(a["rest_incl_vat"]) == Decimal("1000.00") + Decimal(vat)


def test_vat_half_up(calc, build):
    # rest 0,02 → VAT 0,005 → 0,01; rest −0,02 → −0,01 (a credit mirrors an invoice).
    result = calc(
        build(
            [
                obj("P", invoiced=[inv("F", "2024-01-01", "2024-12-31", "999.98")]),
                obj("M", invoiced=[inv("F", "2024-01-01", "2024-12-31", "1000.02")]),
            ],
            [line("6300", 10000)],
        )
    )
    o = objects(result)
    assert (o["P"]["rest"], o["P"]["vat"]) == ("0.02", "0.01")
    assert (o["M"]["rest"], o["M"]["vat"]) == ("-0.02", "-0.01")


def test_minimum_invoice_amount(calc, build):
    # m = 100; every S_i = 1 000 (10 000 · 100/1000); the invoices set the rests.
    def o(id_: str, invoiced: str, **fields: Any) -> dict[str, Any]:
        return obj(id_, invoiced=[inv("F", "2024-01-01", "2024-12-31", invoiced)], **fields)

    fee10 = {"mode": "fixed", "value": 10}
    result = calc(
        build(
            [
                o("M1", "950.00"),  # rest 50 → under the minimum
                o("M2", "950.00", admin_fee=fee10),  # rest 50, but a fee is charged → ready
                o("M3", "1050.00"),  # rest −50, a credit → ready
                o("M4", "900.00"),  # rest 100 = m, not below → ready
                o("M5", "1000.00"),  # rest 0, no fee → nothing to invoice
                o("M6", "999.99"),  # rest 0,01 → under the minimum
                o("M7", "1000.00", admin_fee=fee10),
            ],  # rest 0, fee 10 → ready
            [line("6300", 10000)],
            minimum_invoice_amount="100.00",
        )
    )
    assert {k: (v["rest"], v["invoice_status"]) for k, v in objects(result).items()} == {
        "M1": ("50.00", "below_minimum"),
        "M2": ("50.00", "ready"),
        "M3": ("-50.00", "ready"),
        "M4": ("100.00", "ready"),
        "M5": ("0.00", "nothing_to_invoice"),
        "M6": ("0.01", "below_minimum"),
        "M7": ("0.00", "ready"),
    }
    # VAT is computed whatever the status.
    assert objects(result)["M1"]["vat"] == "12.50"


def test_do_not_invoice_still_computes_vat_and_fee(calc, build):
    # Flagged: status do_not_invoice (the first rule, also with rest 0), but the fee
    # (5 % of 1 000 = 50, VAT 12,50) and the VAT on the rest (250) are computed and the summary
    # covers the object.
    result = calc(
        build(
            [
                obj("D1", do_not_invoice=True),
                obj(
                    "D2", do_not_invoice=True, invoiced=[inv("F", "2024-01-01", "2024-12-31", 1000)]
                ),
            ],
            [line("6300", 10000)],
            admin_fee={"mode": "percent", "value": 5},
        )
    )
    o = objects(result)
    assert (
        o["D1"]["invoice_status"],
        o["D1"]["rest"],
        o["D1"]["vat"],
        o["D1"]["admin_fee"],
        o["D1"]["admin_fee_vat"],
    ) == ("do_not_invoice", "1000.00", "250.00", "50.00", "12.50")
    assert (o["D2"]["invoice_status"], o["D2"]["rest"]) == ("do_not_invoice", "0.00")
    assert result["summary"]["tenants"]["rest"] == "1000.00"
    assert result["summary"]["tenants"]["admin_fee"] == "100.00"


def test_nothing_to_invoice(calc, build):
    result = calc(
        build(
            [obj("A", invoiced=[inv("F", "2024-01-01", "2024-12-31", 1000)])],
            [line("6300", 10000)],
            minimum_invoice_amount=100,
        )
    )
    a = objects(result)["A"]
    assert (a["rest"], a["admin_fee"], a["invoice_status"]) == (
        "0.00",
        "0.00",
        "nothing_to_invoice",
    )


# --- §5 who takes part ----------------------------------------------------------------------


def test_object_without_lease_days_but_paid_takes_part_with_weight_zero(calc, build):
    # Z1 left in 2023 but was invoiced for 2024-Q1: weight 0, no cost, the 3 000 comes back
    # as a credit (VAT −750). Z2 starts in 2025 but has a correction of 200 → credit −200.
    # Z3 as Z1 with "fixed = invoiced": the agreement says the 3 000 was the price → rest 0.
    q1 = [inv("Q1", "2024-01-01", "2024-03-31", "3000.00")]
    result = calc(
        build(
            [
                obj("A"),
                obj("Z1", start="2023-01-01", end="2023-12-31", invoiced=q1),
                obj("Z2", start="2025-01-01", correction=200),
                obj("Z3", start="2023-01-01", end="2023-12-31", invoiced=q1, fixed=True),
            ],
            [line("6300", 10000)],
        )
    )
    o = objects(result)
    assert list(o) == ["A", "Z1", "Z2", "Z3"]
    z1 = o["Z1"]
    assert (z1["days"], z1["weight"], z1["weighted_numerator"], z1["distributed"]) == (
        0,
        "0",
        "0",
        "0.00",
    )
    assert (z1["total"], z1["invoiced"], z1["rest"], z1["vat"]) == (
        "0.00",
        "3000.00",
        "-3000.00",
        "-750.00",
    )
    assert (o["Z2"]["total"], o["Z2"]["rest"]) == ("0.00", "-200.00")
    assert (o["Z3"]["total"], o["Z3"]["rest"]) == ("3000.00", "0.00")
    assert o["A"]["distributed"] == "1000.00"  # weight-0 objects take nothing from the others
    named = {
        w["where"] for w in warnings(result) if any(z in w["message"] for z in ("Z1", "Z2", "Z3"))
    }
    assert named == {"contract_objects[1]", "contract_objects[2]", "contract_objects[3]"}


def test_objects_without_lease_days_or_payments_left_out_with_one_warning(calc, build):
    # L1 ended in 2023, L2 starts in 2025, L3 ended in 2023 and its only invoice is for 2023.
    result = calc(
        build(
            [
                obj("L1", start="2020-01-01", end="2023-12-31"),
                obj("A"),
                obj("L2", start="2025-02-01"),
                obj(
                    "L3",
                    start="2022-01-01",
                    end="2023-06-30",
                    invoiced=[inv("OLD", "2023-01-01", "2023-06-30", 500)],
                ),
            ],
            [line("6300", 10000)],
        )
    )
    assert [o["id"] for o in result["objects"]] == ["A"]
    assert [a["object"] for a in result["allocations"]] == ["A"]
    listing = [
        w
        for w in warnings(result)
        if "L1" in w["message"] or "L2" in w["message"] or "L3" in w["message"]
    ]
    assert len(listing) == 1
    assert all(k in listing[0]["message"] for k in ("L1", "L2", "L3"))


def test_adjustment_of_left_out_object_is_ignored_with_warning(calc, build):
    result = calc(
        build(
            [obj("A"), obj("OLD", "50", "2022-01-01", "2023-12-31")],
            [line("6300", 10000)],
            [
                {"object": "OLD", "account": "6300", "factor": 3},
                {"object": "A", "account": "6300", "share_pct": 80},
            ],
        )
    )
    assert [w for w in warnings(result) if w["where"] == "adjustments[0]"]
    assert not [w for w in warnings(result) if w["where"] == "adjustments[1]"]
    assert result["allocations"][0]["tenant_share"] == "800.00"


def test_adjustment_naming_unknown_object_or_account_is_an_error(input_problems, build):
    problems = input_problems(
        build(
            [obj("A")],
            [line("6300", 100)],
            [{"object": "NOPE", "account": "6300"}, {"object": "A", "account": "9999"}],
        )
    )
    assert {p.where for p in problems} == {"adjustments[0].object", "adjustments[1].account"}


# --- input errors that stop the calculation ----------------------------------------------


def test_weighted_numerators_exceeding_denominator_is_an_error(input_problems, build):
    # A 80 + B 50 over a whole year against N = 100: 30 too many.
    problems = input_problems(
        build([obj("A", 80), obj("B", 50)], [line("6300", 100)], denominator=100)
    )
    [problem] = problems
    assert problem.where == "settlement.denominator"
    for text in ("A", "B", "30", "130", "100"):
        assert text in problem.message


def test_tenants_following_each_other_on_one_unit_are_fine(calc, build):
    # Same 100 m² unit (N = 100): A to 2024-06-30 (182 days), B from 2024-07-01 (184 days);
    # V = 0, 36 600 kr → 18 200 + 18 400.
    result = calc(
        build(
            [obj("A", end="2024-06-30"), obj("B", start="2024-07-01")],
            [line("6300", "36600.00")],
            denominator=100,
        )
    )
    assert result["settlement"]["vacant"] == "0"
    assert dist(result, "6300") == {"A": "18200.00", "B": "18400.00"}


def test_empty_amount_is_an_error_naming_the_account(input_problems, build):
    problems = input_problems(
        build([obj("A")], [line("6300", 100), line("6310", None, name="Vakthold")])
    )
    [problem] = problems
    assert problem.where == "cost_lines[1].amount"
    assert "6310" in problem.message


def test_exported_object_refuses_recalculation(input_problems, build):
    problems = input_problems(
        build([obj("A"), obj("B", exported="EXP-2024-1")], [line("6300", 100)])
    )
    [problem] = problems
    assert problem.where == "contract_objects[1].exported"
    assert "B" in problem.message


# --- §6.2 zero is 0.00 ----------------------------------------------------------------------


def test_zero_is_never_minus_zero(calc, build):
    # −0,01 over A 100, B 100, vacancy 800: the vacancy has the largest remainder and takes the
    # øre (−0,01); the tenants' parts are the negation of 0. C is credited 0,01, whose VAT
    # −0,0025 rounds to 0. kr per unit −0,00001 and the rate round to 0 too.
    result = calc(
        build(
            [
                obj("A"),
                obj("B"),
                obj("C", 0, invoiced=[inv("F", "2024-01-01", "2024-12-31", "0.01")]),
            ],
            [line("6300", "-0.01"), line("6310", 0)],
        )
    )
    assert dist(result, "6300") == {"A": "0.00", "B": "0.00", "C": "0.00"}
    assert acc(result, "6300")["vacant_share"] == "-0.01"
    assert (acc(result, "6300")["per_unit"], acc(result, "6300")["rate"]) == ("0.00", "0.0000")
    c = objects(result)["C"]
    assert (c["rest"], c["vat"], c["rest_incl_vat"]) == ("-0.01", "0.00", "-0.01")
    text = json.dumps(result)
    assert '"-0.00"' not in text and '"-0.0000"' not in text and '"-0"' not in text
