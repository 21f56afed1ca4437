"""Periods, overlap, previous/next, interval change and carry forward (spec §4)."""

from __future__ import annotations

from dataclasses import fields, replace
from datetime import date, timedelta
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from engine.model import (
    Adjustment,
    AdminFee,
    ContractObject,
    CostLine,
    FeeMode,
    Invoice,
    Level,
    Settings,
    SettlementInput,
    Status,
)
from engine.periods import (
    DistributionKey,
    SettlementRef,
    add_months,
    available_distribution_objects,
    can_change_interval,
    carry_forward,
    days_in_period,
    latest_period,
    next_period_start,
    next_periods,
    overlap_days,
    overlaps,
    period_end,
    previous_periods,
    validate_period,
)

DO = ("Prøvegt 4", "Avregning felleskost")
OTHER = ("Prøvegt 4", "Avregning strøm/energi")


# --- period arithmetic -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("start", "months", "end"),
    [
        (date(2024, 1, 1), 12, date(2024, 12, 31)),
        (date(2024, 1, 1), 1, date(2024, 1, 31)),
        (date(2023, 12, 1), 3, date(2024, 2, 29)),  # into a leap February
        (date(2022, 12, 1), 3, date(2023, 2, 28)),
        (date(2024, 2, 1), 1, date(2024, 2, 29)),
        (date(2023, 2, 1), 1, date(2023, 2, 28)),
        (date(2024, 7, 1), 6, date(2024, 12, 31)),
        (date(2024, 1, 1), 60, date(2028, 12, 31)),
        (date(2099, 11, 1), 3, date(2100, 1, 31)),
    ],
)
def test_period_end(start: date, months: int, end: date) -> None:
    assert period_end(start, months) == end


def test_period_end_needs_a_positive_interval() -> None:
    with pytest.raises(ValueError):
        period_end(date(2024, 1, 1), 0)


def test_days_in_period() -> None:
    assert days_in_period(date(2024, 1, 1), 12) == 366
    assert days_in_period(date(2023, 1, 1), 12) == 365
    assert days_in_period(date(2024, 2, 1), 1) == 29
    assert days_in_period(date(2100, 2, 1), 1) == 28  # not a leap year
    assert days_in_period(date(2000, 2, 1), 1) == 29  # but this one is


def test_add_months_clamps_to_month_end() -> None:
    assert add_months(date(2024, 1, 31), 1) == date(2024, 2, 29)
    assert add_months(date(2024, 12, 1), 1) == date(2025, 1, 1)
    assert add_months(date(2024, 3, 1), -3) == date(2023, 12, 1)


def test_overlap_days() -> None:
    year = (date(2024, 1, 1), date(2024, 12, 31))
    assert overlap_days(date(2024, 1, 1), date(2024, 12, 31), *year) == 366
    assert overlap_days(date(2023, 5, 1), None, *year) == 366  # open lease
    assert overlap_days(date(2024, 12, 31), None, *year) == 1  # one day counts
    assert overlap_days(date(2023, 1, 1), date(2024, 1, 1), *year) == 1
    assert overlap_days(date(2023, 1, 1), date(2023, 12, 31), *year) == 0
    assert overlap_days(date(2025, 1, 1), None, *year) == 0
    assert overlap_days(date(2024, 3, 1), date(2024, 3, 31), *year) == 31


def test_validate_period() -> None:
    assert validate_period(date(2024, 1, 1), 12) == []
    assert validate_period(date(2024, 1, 1), 1) == []
    assert validate_period(date(2024, 1, 1), 60) == []

    (problem,) = validate_period(date(2024, 1, 31), 12)
    assert problem.where == "settlement.period_start"
    assert "første i en måned" in problem.message and "31.01.2024" in problem.message

    for bad in (0, 61, -1):
        (problem,) = validate_period(date(2024, 1, 1), bad)
        assert problem.where == "settlement.interval_months"
        assert "1 til 60" in problem.message

    both = validate_period(date(2024, 2, 15), 0, where="x")
    assert [p.where for p in both] == ["x.period_start", "x.interval_months"]


# --- settlements across periods ----------------------------------------------------------------


def ref(
    start: date,
    months: int = 12,
    key: DistributionKey = DO,
    status: Status = Status.LAGT_OPP,
) -> SettlementRef:
    return SettlementRef(key, start, months, status)


def test_overlaps_is_per_distribution_object() -> None:
    year = ref(date(2024, 1, 1))
    assert overlaps(year, ref(date(2024, 1, 1), 6))
    assert overlaps(year, ref(date(2024, 12, 1), 3))
    assert not overlaps(year, ref(date(2025, 1, 1)))
    assert not overlaps(year, ref(date(2023, 1, 1)))
    assert not overlaps(year, ref(date(2024, 1, 1), key=OTHER))


def test_available_distribution_objects() -> None:
    existing = [ref(date(2024, 1, 1), 12)]
    # Spec §4: set up for 2024-01-01..2024-12-31, so not offered for 2024-01-01..2024-06-30 …
    assert available_distribution_objects([DO, OTHER], existing, date(2024, 1, 1), 6) == [OTHER]
    # … nor for any period touching 2024, but again for 2025.
    assert available_distribution_objects([DO], existing, date(2023, 12, 1), 1) == [DO]
    assert available_distribution_objects([DO], existing, date(2023, 12, 1), 2) == []
    assert available_distribution_objects([DO, OTHER], existing, date(2025, 1, 1), 12) == [
        DO,
        OTHER,
    ]


def test_available_keeps_order_and_drops_repeats() -> None:
    keys = ["c", "a", "b", "a"]
    assert available_distribution_objects(keys, [], date(2024, 1, 1), 12) == ["c", "a", "b"]
    existing = [ref(date(2024, 1, 1), key="a")]
    assert available_distribution_objects(keys, existing, date(2024, 1, 1), 12) == ["c", "b"]


def test_previous_and_next_periods_whatever_their_status() -> None:
    refs = [
        ref(date(2024, 1, 1), status=Status.BEREGNET),
        ref(date(2022, 1, 1), status=Status.FAKTURAKLAR),
        ref(date(2023, 1, 1), status=Status.SKAL_IKKE_FAKTURERES),
        ref(date(2025, 1, 1), 6, status=Status.LAGT_OPP),
        ref(date(2025, 7, 1), 6, status=Status.LAAST),
        ref(date(2020, 1, 1), key=OTHER),
        ref(date(2026, 1, 1), key=OTHER),
    ]
    active = refs[0]
    assert [r.period_start for r in previous_periods(refs, active)] == [
        date(2022, 1, 1),
        date(2023, 1, 1),
    ]
    assert [r.period_start for r in next_periods(refs, active)] == [
        date(2025, 1, 1),
        date(2025, 7, 1),
    ]
    assert previous_periods(refs, refs[1]) == []
    assert next_periods(refs, refs[4]) == []
    assert latest_period(refs, DO) == refs[4]
    assert latest_period(refs, "nothing") is None


def test_interval_change_only_on_the_latest_period() -> None:
    first = ref(date(2024, 1, 1), status=Status.FAKTURAKLAR)
    second = ref(date(2025, 1, 1))
    other = ref(date(2026, 1, 1), key=OTHER)
    refs = [first, second, other]

    problem = can_change_interval(refs, first)
    assert problem is not None
    assert problem.where == "settlement.interval_months"
    assert "siste perioden" in problem.message and "01.01.2025" in problem.message

    assert can_change_interval(refs, second) is None
    assert can_change_interval([first], first) is None


def test_next_period_start_and_ref_of_input() -> None:
    assert next_period_start(ref(date(2024, 1, 1), 12)) == date(2025, 1, 1)
    assert next_period_start(ref(date(2023, 12, 1), 3)) == date(2024, 3, 1)
    r = SettlementRef.of(previous_settlement())
    assert r == SettlementRef(DO, date(2024, 1, 1), 12, Status.FAKTURAKLAR)
    assert r.period_end == date(2024, 12, 31)


# --- carry forward -----------------------------------------------------------------------------


def previous_settlement(status: Status = Status.FAKTURAKLAR) -> SettlementInput:
    settings = Settings(
        property="Prøvegata 4",
        property_object="Prøvegt 4",
        owner="PHUS AS",
        group="Avregning felleskost",
        period_start=date(2024, 1, 1),
        interval_months=12,
        denominator=Decimal(703),
        denominator_label="sameiebrøk",
        minimum_invoice_amount=Decimal("100.00"),
        admin_fee=AdminFee(FeeMode.PERCENT, Decimal("5"), vat_liable=False),
        settlement_account_liable="3610",
        settlement_account_free="3611",
        status=status,
    )
    cost_lines = (
        CostLine("6300", Decimal("120000.00"), "Renhold", Level.OBJECT, Decimal(100), False),
        CostLine("7500", Decimal("-2500.50"), "Forsikring", Level.COMPANY, Decimal("12.5"), True),
    )
    invoice = Invoice("F-1", date(2024, 1, 1), date(2024, 3, 31), Decimal("9000.00"))
    kept = ContractObject(
        id="1001-1",
        start=date(2023, 5, 1),
        numerator=Decimal("120.5"),
        end=None,
        contract_no="1001",
        contract_name="Kafé Hjørnet AS",
        name="Lokale 1. etg",
        customer_id="914778271",
        numerator_override=Decimal("100"),
        vat_liable=False,
        cap=Decimal("50000.00"),
        invoiced=(invoice,),
        correction=Decimal("-200.00"),
        admin_fee=AdminFee(FeeMode.FIXED, Decimal("1500.00")),
        do_not_invoice=True,
        exported="EXP-2025-01",
    )
    ends_last_day = ContractObject(
        id="1002-1",
        start=date(2020, 1, 1),
        numerator=Decimal(200),
        end=date(2024, 12, 31),
        fixed_equals_invoiced=True,
    )
    ends_on_new_start = ContractObject(
        id="1003-1",
        start=date(2020, 1, 1),
        numerator=Decimal(50),
        end=date(2025, 1, 1),
        fixed=Decimal("12000.00"),
    )
    adjustments = (
        Adjustment("1001-1", "6300", Decimal(50), Decimal(2), True),
        Adjustment("1002-1", "6300", participates=False),
        Adjustment("1003-1", "7500", factor=Decimal("1.5")),
    )
    return SettlementInput(
        settings, cost_lines, (kept, ends_last_day, ends_on_new_start), adjustments
    )


def test_carry_forward_settings() -> None:
    previous = previous_settlement()
    new, warnings = carry_forward(previous)
    assert warnings[0].where == "contract_objects"  # no status warning for Fakturaklar
    assert all(w.where != "status" for w in warnings)
    assert new.settings == replace(
        previous.settings, period_start=date(2025, 1, 1), status=Status.LAGT_OPP
    )
    s = new.settings
    assert s.minimum_invoice_amount == Decimal("100.00")
    assert s.denominator == Decimal(703)
    assert s.denominator_label == "sameiebrøk"
    assert (s.settlement_account_liable, s.settlement_account_free) == ("3610", "3611")
    assert s.admin_fee == AdminFee(FeeMode.PERCENT, Decimal("5"), vat_liable=False)
    assert (s.property, s.property_object, s.owner, s.group) == (
        "Prøvegata 4",
        "Prøvegt 4",
        "PHUS AS",
        "Avregning felleskost",
    )
    assert s.interval_months == 12


def test_carry_forward_cost_lines_lose_only_their_amount() -> None:
    previous = previous_settlement()
    new, _ = carry_forward(previous)
    assert [c.amount for c in new.cost_lines] == [None, None]
    assert new.cost_lines == tuple(replace(c, amount=None) for c in previous.cost_lines)
    assert new.cost_lines[1] == CostLine(
        "7500", None, "Forsikring", Level.COMPANY, Decimal("12.5"), True
    )


def test_carry_forward_contract_objects() -> None:
    previous = previous_settlement()
    new, warnings = carry_forward(previous)
    # 1002-1 ended 2024-12-31, before the new period; 1003-1 still has 2025-01-01.
    assert [o.id for o in new.contract_objects] == ["1001-1", "1003-1"]
    dropped = [w for w in warnings if w.where == "contract_objects"]
    assert len(dropped) == 1 and "1002-1" in dropped[0].message
    assert "1001-1" not in dropped[0].message

    old = previous.contract_objects[0]
    obj = new.contract_objects[0]
    carried = {
        "id",
        "start",
        "end",
        "numerator",
        "contract_no",
        "contract_name",
        "name",
        "customer_id",
        "vat_liable",
        "cap",
        "fixed",
        "fixed_equals_invoiced",
        "admin_fee",
        "address",
    }
    cleared = {
        "invoiced": (),
        "correction": Decimal("0.00"),
        "numerator_override": None,
        "do_not_invoice": False,
        "exported": None,
    }
    assert carried | set(cleared) == {f.name for f in fields(ContractObject)}
    for name in carried:
        assert getattr(obj, name) == getattr(old, name), name
    for name, value in cleared.items():
        assert getattr(obj, name) == value, name
    assert obj.admin_fee == AdminFee(FeeMode.FIXED, Decimal("1500.00"))
    assert new.contract_objects[1].fixed == Decimal("12000.00")


def test_carry_forward_fixed_equals_invoiced_is_carried() -> None:
    previous = previous_settlement()
    objects = (replace(previous.contract_objects[1], end=None),)
    new, _ = carry_forward(replace(previous, contract_objects=objects))
    assert new.contract_objects[0].fixed_equals_invoiced is True
    assert new.contract_objects[0].has_fixed


def test_carry_forward_adjustments_of_dropped_objects_are_dropped() -> None:
    previous = previous_settlement()
    new, _ = carry_forward(previous)
    assert new.adjustments == (
        Adjustment("1001-1", "6300", Decimal(50), Decimal(2), True),
        Adjustment("1003-1", "7500", factor=Decimal("1.5")),
    )


@pytest.mark.parametrize(
    ("status", "label"),
    [
        (Status.LAGT_OPP, "Lagt opp"),
        (Status.BEREGNET, "Beregnet"),
        (Status.LAAST, "Låst"),
        (Status.SKAL_IKKE_FAKTURERES, "Skal ikke faktureres"),
    ],
)
def test_carry_forward_warns_when_source_is_not_invoice_ready(status: Status, label: str) -> None:
    new, warnings = carry_forward(previous_settlement(status))
    status_warnings = [w for w in warnings if w.where == "status"]
    assert [w.message for w in status_warnings] == [
        f"Forrige avregning er ikke fakturaklar (status: {label}); kontroller før du bygger videre."
    ]
    assert new.settings.status is Status.LAGT_OPP


def test_carry_forward_status_argument_wins_over_the_inputs() -> None:
    previous = previous_settlement(Status.BEREGNET)
    _, warnings = carry_forward(previous, previous_status=Status.FAKTURAKLAR)
    assert all(w.where != "status" for w in warnings)
    _, warnings = carry_forward(previous_settlement(), previous_status=Status.LAAST)
    assert any("Låst" in w.message for w in warnings if w.where == "status")


def test_carry_forward_leaves_the_previous_untouched() -> None:
    previous = previous_settlement()
    snapshot = repr(previous)
    carry_forward(previous)
    assert repr(previous) == snapshot


def test_carry_forward_of_a_short_period_over_a_leap_february() -> None:
    previous = previous_settlement()
    settings = replace(previous.settings, period_start=date(2023, 12, 1), interval_months=3)
    objects = (replace(previous.contract_objects[0], end=date(2024, 2, 29), invoiced=()),)
    new, warnings = carry_forward(replace(previous, settings=settings, contract_objects=objects))
    assert new.settings.period_start == date(2024, 3, 1)
    assert new.contract_objects == ()
    assert new.adjustments == ()
    assert any("1001-1" in w.message for w in warnings)


def test_carry_forward_keeps_invoices_that_run_into_the_new_period() -> None:
    # §4: 4 500,00 for 01.12.2024–28.02.2025 counts 1 550,00 in 2024; its other 2 950,00 belong
    # to 2025, so the invoice is carried as it is, and so is its object although the lease
    # ended in 2024 (it takes part with weight 0 and is credited what it paid).
    previous = previous_settlement()
    crossing = Invoice("F-9", date(2024, 12, 1), date(2025, 2, 28), Decimal("4500.00"))
    inside = Invoice("F-1", date(2024, 1, 1), date(2024, 3, 31), Decimal("9000.00"))
    ended = replace(previous.contract_objects[0], end=date(2024, 12, 31),
                    invoiced=(inside, crossing))
    new, warnings = carry_forward(replace(previous, contract_objects=(ended,)))
    assert [o.id for o in new.contract_objects] == [ended.id]
    assert new.contract_objects[0].invoiced == (crossing,)
    said = " ".join(w.message for w in warnings)
    assert "F-9" in said and "F-1" not in said
    assert f"{ended.id}" in said


@given(
    year=st.integers(min_value=1990, max_value=2200),
    month=st.integers(min_value=1, max_value=12),
    intervals=st.lists(st.integers(min_value=1, max_value=60), min_size=1, max_size=8),
)
def test_carried_periods_chain_without_gap_or_overlap(
    year: int, month: int, intervals: list[int]
) -> None:
    base = previous_settlement()
    settings = replace(
        base.settings, period_start=date(year, month, 1), interval_months=intervals[0]
    )
    current = replace(base, settings=settings)
    refs = [SettlementRef.of(current)]
    for interval in [*intervals[1:], intervals[-1]]:
        following, _ = carry_forward(current)
        end = period_end(current.settings.period_start, current.settings.interval_months)
        start = following.settings.period_start
        assert start == end + timedelta(days=1)
        assert start.day == 1
        assert validate_period(start, following.settings.interval_months) == []
        assert following.settings.interval_months == current.settings.interval_months
        # The user may change the interval of the new, latest period before the next one.
        current = replace(following, settings=replace(following.settings, interval_months=interval))
        new_ref = SettlementRef.of(current)
        assert not any(overlaps(new_ref, r) for r in refs)
        assert can_change_interval(refs, refs[-1]) is None
        assert (
            sum(days_in_period(r.period_start, r.interval_months) for r in refs)
            == (refs[-1].period_end - refs[0].period_start).days + 1
        )
        refs.append(new_ref)
    assert [r.period_start for r in previous_periods(refs, refs[-1])] == [
        r.period_start for r in refs[:-1]
    ]
