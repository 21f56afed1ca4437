"""Norwegian numbers, percentages, dates and yes/no typed as text (avregn.workbook.textnum)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from babel.numbers import format_decimal
from hypothesis import given
from hypothesis import strategies as st

from avregn.workbook.textnum import (
    TextNumberError,
    amount_from_float,
    number_from_float,
    parse_amount,
    parse_bool_x,
    parse_date,
    parse_number,
    parse_percent,
)

NBSP, NNBSP, THIN, MINUS = "\u00a0", "\u202f", "\u2009", "\u2212"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("kr 1 000,00", "1000.00"),
        ("1 000,5", "1000.50"),
        ("-1 234", "-1234.00"),
        ("1.234,50", "1234.50"),
        ("(1 234,00)", "-1234.00"),
        ("1 234,5-", "-1234.50"),
        ("NOK 1000", "1000.00"),
        ("1000 NOK", "1000.00"),
        ("1000,-", "1000.00"),
        ("kr 1 000,-", "1000.00"),
        ("1000,–", "1000.00"),  # en dash as "no øre"
        (f"1{NBSP}000,00", "1000.00"),
        (f"1{NNBSP}000{NNBSP}000,25", "1000000.25"),
        (f"1{THIN}000", "1000.00"),
        (f"{MINUS}1 234,50", "-1234.50"),
        ("– 250", "-250.00"),  # en dash as minus
        ("1.000", "1000.00"),
        ("1.000.000", "1000000.00"),
        ("1,5", "1.50"),
        ("1.5", "1.50"),
        ("12.50", "12.50"),
        ("1,234.50", "1234.50"),
        ("1 234.50", "1234.50"),
        (",5", "0.50"),
        ("0", "0.00"),
        ("-0,00", "0.00"),
        ("  kr 12  ", "12.00"),
        ("kr. 99,90", "99.90"),
        ("kr -100", "-100.00"),
        ("-kr 100", "-100.00"),
        ("(kr 1 000)", "-1000.00"),
        ("1 000 kr", "1000.00"),
        ("+250", "250.00"),
        ("120000", "120000.00"),
        ("1\u200b000", "1000.00"),  # zero-width space from a web page
    ],
)
def test_amounts_accepted(text: str, expected: str) -> None:
    value = parse_amount(text)
    assert value == Decimal(expected)
    assert value.as_tuple().exponent == -2
    assert str(value) == expected


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("12,3,4", "er ikke et beløp"),
        ("1,234.5,6", "er ikke et beløp"),
        ("1,234,567", "er ikke et beløp"),
        ("1 00,00", "tusenskilletegn"),
        ("12 34", "tusenskilletegn"),
        ("1234 567", "tusenskilletegn"),
        ("0.500", "tusenskilletegn"),
        ("1234.567", "tusenskilletegn"),
        ("1 000.000", "blandede"),
        ("1.000 000", "er ikke et beløp"),
        ("1.234.5", "tusenskilletegn"),
        ("1,234", "mer enn to desimaler"),
        ("12,345", "mer enn to desimaler"),
        ("0.125", "tusenskilletegn"),  # a dot and three digits: grouping, and "0" cannot lead
        ("0,125", "mer enn to desimaler"),
        ("1000,", "er ikke et beløp"),
        ("1000.", "er ikke et beløp"),
        ("1,50,-", "både øre"),
        ("--5", "mer enn ett fortegn"),
        ("-(5)", "mer enn ett fortegn"),
        ("(5)-", "mer enn ett fortegn"),
        ("1e5", "er ikke et beløp"),
        ("NaN", "er ikke et beløp"),
        ("abc", "er ikke et beløp"),
        ("kr", "er ikke et beløp"),
        ("kr kr 5", "er ikke et beløp"),
        ("EUR 100", "er ikke et beløp"),
        ("1'000", "er ikke et beløp"),
        ("5 %", "er ikke et beløp"),
        ("1 000,5 0", "er ikke et beløp"),
        ("", "tom"),
        ("   ", "tom"),
    ],
)
def test_amounts_rejected(text: str, reason: str) -> None:
    with pytest.raises(TextNumberError) as caught:
        parse_amount(text)
    assert reason in caught.value.message


def test_rejection_message_names_the_text_as_typed() -> None:
    with pytest.raises(TextNumberError) as caught:
        parse_amount("12,3,4")
    assert caught.value.message == "«12,3,4» er ikke et beløp"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("12,000", "«12,000» har mer enn to desimaler, eller komma er brukt som "
                   "tusenskilletegn: skriv 12 000 eller 12,00"),
        ("1,500", "«1,500» har mer enn to desimaler, eller komma er brukt som "
                  "tusenskilletegn: skriv 1 500 eller 1,50"),
        ("1,230", "«1,230» har mer enn to desimaler, eller komma er brukt som "
                  "tusenskilletegn: skriv 1 230 eller 1,23"),
        ("-12,000", "«-12,000» har mer enn to desimaler, eller komma er brukt som "
                    "tusenskilletegn: skriv -12 000 eller -12,00"),
        ("kr 999,000", "«kr 999,000» har mer enn to desimaler, eller komma er brukt som "
                       "tusenskilletegn: skriv 999 000 eller 999,00"),
        ("1,234", "«1,234» har mer enn to desimaler, eller komma er brukt som "
                  "tusenskilletegn: skriv 1 234 eller et beløp med høyst to desimaler"),
        ("1 234,000", "«1 234,000» har mer enn to desimaler: skriv 1 234,00"),
        ("12,5000", "«12,5000» har mer enn to desimaler: skriv 12,50"),
        ("1,234.500", "«1,234.500» har mer enn to desimaler: skriv 1 234,50"),
        ("0,000", "«0,000» har mer enn to desimaler: skriv 0,00"),
        ("0,005", "«0,005» har mer enn to desimaler"),
    ],
)
def test_amount_with_three_decimals_is_refused_never_guessed(text: str, message: str) -> None:
    """``12,000`` is 12 the Norwegian way and 12 000 the English way: for money, ask."""
    with pytest.raises(TextNumberError) as caught:
        parse_amount(text)
    assert caught.value.message == message


@pytest.mark.parametrize(
    ("text", "expected"),
    [("1.500", "1500.00"), ("12.000", "12000.00"), ("1,50", "1.50"), ("12,00", "12.00")],
)
def test_amount_thousands_dot_and_two_decimals_still_read(text: str, expected: str) -> None:
    assert str(parse_amount(text)) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [("12,000", "12.000"), ("1,500", "1.500"), ("1,230", "1.230"), ("1.500", "1500"),
     ("0,005", "0.005"), ("1 234,000", "1234.000")],
)
def test_numbers_and_percent_keep_every_digit(text: str, expected: str) -> None:
    assert str(parse_number(text)) == expected
    assert str(parse_percent(text)) == expected
    assert str(parse_percent(text + " %")) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("120,5", "120.5"),
        ("0,12345", "0.12345"),
        ("1.2345", "1.2345"),
        ("1 234,567", "1234.567"),
        ("703", "703"),
        ("1.000", "1000"),
        ("-0,5", "-0.5"),
        ("1,25", "1.25"),
        ("(3)", "-3"),
    ],
)
def test_numbers(text: str, expected: str) -> None:
    assert parse_number(text) == Decimal(expected)
    assert str(parse_number(text)) == expected


@pytest.mark.parametrize("text", ["kr 5", "5 kr", "1,2,3", "1 2", "12 kvm", "", "x"])
def test_numbers_rejected(text: str) -> None:
    with pytest.raises(TextNumberError):
        parse_number(text)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("5 %", "5"),
        ("5%", "5"),
        ("12,5", "12.5"),
        ("12.5%", "12.5"),
        (f"12,5{NBSP}%", "12.5"),
        ("100", "100"),
        ("0", "0"),
        ("0,5 %", "0.5"),
    ],
)
def test_percent(text: str, expected: str) -> None:
    assert parse_percent(text) == Decimal(expected)


@pytest.mark.parametrize("text", ["%", "5 %%", "fem %", "5 pst", "12,5,0 %"])
def test_percent_rejected(text: str) -> None:
    with pytest.raises(TextNumberError) as caught:
        parse_percent(text)
    assert "prosentsats" in caught.value.message
    assert f"«{text}»" in caught.value.message


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("31.12.2024", date(2024, 12, 31)),
        ("1.1.2024", date(2024, 1, 1)),
        ("01.05.2023", date(2023, 5, 1)),
        ("2024-02-29", date(2024, 2, 29)),
        (" 15.10.2003 ", date(2003, 10, 15)),
        ("15. oktober 2003", date(2003, 10, 15)),
        ("1. jan 2024", date(2024, 1, 1)),
        ("15. Okt. 2003", date(2003, 10, 15)),
    ],
)
def test_dates(text: str, expected: date) -> None:
    assert parse_date(text) == expected


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("31.02.2024", "ikke en gyldig dato"),
        ("2023-02-29", "ikke en gyldig dato"),
        ("01/02/2024", "ikke en dato"),
        ("1.1.24", "ikke en dato"),
        ("2024-1-1", "ikke en dato"),
        ("15. oktobr 2003", "ikke en dato"),
        ("i går", "ikke en dato"),
        ("", "ikke en dato"),
    ],
)
def test_dates_rejected(text: str, reason: str) -> None:
    with pytest.raises(TextNumberError) as caught:
        parse_date(text)
    assert reason in caught.value.message


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("X", True),
        ("x", True),
        (" x ", True),
        ("Ja", True),
        ("ja", True),
        ("JA", True),
        ("Nei", False),
        ("nei", False),
        ("", None),
        ("  ", None),
        (None, None),
        (True, True),
        (False, False),
        ("Sann", True),
        ("USANN", False),
    ],
)
def test_bool_x(text: str | bool | None, expected: bool | None) -> None:
    assert parse_bool_x(text) is expected


@pytest.mark.parametrize("text", ["kanskje", "y", "1", "0", "XX", "nei takk"])
def test_bool_x_rejected(text: str) -> None:
    with pytest.raises(TextNumberError) as caught:
        parse_bool_x(text)
    assert "verken X, Ja eller Nei" in caught.value.message


# --- numeric cells (floats from Excel) -----------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (0.1 + 0.2, "0.30"),
        (1234.5, "1234.50"),
        (120000.0, "120000.00"),
        (-4500.5, "-4500.50"),
        (-0.0, "0.00"),
        (1e-10, "0.00"),
        (99999999.99, "99999999.99"),
        (0.07, "0.07"),
        (1.1 + 2.2, "3.30"),
        (123456789012.34, "123456789012.34"),
    ],
)
def test_amount_from_float(value: float, expected: str) -> None:
    assert str(amount_from_float(value)) == expected
    assert str(parse_amount(value)) == expected


@pytest.mark.parametrize(
    "value", [1234.567, 0.001, 0.005, 1.0000001, 0.005000000000001, float("nan"), float("inf")]
)
def test_amount_from_float_rejected(value: float) -> None:
    with pytest.raises(TextNumberError):
        amount_from_float(value)


def test_amount_float_message() -> None:
    with pytest.raises(TextNumberError) as caught:
        parse_amount(1234.567)
    assert caught.value.message == "«1234,567» har mer enn to desimaler"


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (120.5, "120.5"),
        (703.0, "703"),
        (0.1, "0.1"),
        (1 / 3, "0.333333333333333"),
        (0.1 + 0.2, "0.3"),
        (524.6, "524.6"),
        (-0.0, "0"),
        (1e14, "100000000000000"),
    ],
)
def test_number_from_float(value: float, expected: str) -> None:
    assert number_from_float(value) == Decimal(expected)
    assert parse_number(value) == Decimal(expected)


def test_other_types() -> None:
    assert parse_amount(5) == Decimal("5.00")
    assert parse_amount(Decimal("1.5")) == Decimal("1.50")
    assert parse_number(7) == Decimal(7)
    assert parse_percent(12.5) == Decimal("12.5")
    with pytest.raises(TextNumberError):
        parse_amount(True)
    with pytest.raises(TextNumberError):
        parse_amount(Decimal("1.234"))
    with pytest.raises(TextNumberError):
        parse_number(Decimal("NaN"))


# --- round trip: format the Norwegian way, parse, same value -------------------------------------

amounts = st.decimals(
    min_value=Decimal("-99999999999.99"),
    max_value=Decimal("99999999999.99"),
    places=2,
    allow_nan=False,
    allow_infinity=False,
)


def _grouped(digits: str, separator: str) -> str:
    groups: list[str] = []
    while len(digits) > 3:
        groups.insert(0, digits[-3:])
        digits = digits[:-3]
    groups.insert(0, digits)
    return separator.join(groups)


@given(amounts)
def test_round_trip_babel_nb_no(value: Decimal) -> None:
    text = str(format_decimal(value, format="#,##0.00", locale="nb_NO"))
    assert parse_amount(text) == value
    assert parse_amount("kr " + text) == value


@given(
    amounts,
    st.sampled_from([" ", NBSP, NNBSP, THIN, ".", ""]),
    st.sampled_from(["-", MINUS, "()", "trailing"]),
    st.sampled_from(["", "kr ", "NOK ", " kr"]),
    st.booleans(),
)
def test_round_trip_by_hand(
    value: Decimal, group: str, negative_style: str, currency: str, short_decimals: bool
) -> None:
    sign = value < 0
    whole, _, cents = f"{abs(value):f}".partition(".")
    body = _grouped(whole, group)
    if short_decimals and cents == "00":
        body += ",-"
    elif short_decimals and cents.endswith("0"):
        body += "," + cents[0]
    else:
        body += "," + cents
    if currency.startswith(" "):
        body += currency
    else:
        body = currency + body
    if sign:
        if negative_style == "()":
            body = f"({body})"
        elif negative_style == "trailing":
            body = body + "-" if not body.endswith(",-") else "-" + body
        else:
            body = negative_style + body
    assert parse_amount(body) == value, body


@given(
    st.decimals(
        min_value=Decimal("-1000000"),
        max_value=Decimal("1000000"),
        places=6,
        allow_nan=False,
        allow_infinity=False,
    )
)
def test_round_trip_numbers(value: Decimal) -> None:
    text = f"{value:f}".replace(".", ",")
    whole, _, decimals = text.lstrip("-").partition(",")
    text = ("-" if value < 0 else "") + _grouped(whole, NBSP) + ("," + decimals if decimals else "")
    assert parse_number(text) == value


@given(st.floats(min_value=-1e12, max_value=1e12, allow_nan=False))
def test_float_numbers_read_back_as_excel_shows_them(value: float) -> None:
    """Excel keeps 15 significant digits: what it shows is what we read."""
    assert number_from_float(value) == Decimal(f"{value:.15g}")


@pytest.mark.parametrize("value", [1e20, 1e26, -1e15, 10**16, "1 000 000 000 000 000"])
def test_numbers_beyond_reason_are_refused(value: object) -> None:
    with pytest.raises(TextNumberError, match="urimelig stort"):
        parse_number(value)  # type: ignore[arg-type]
    with pytest.raises(TextNumberError, match="urimelig stort"):
        parse_amount(value)  # type: ignore[arg-type]
