"""Norwegian numbers, percentages, dates and yes/no values typed as text in a workbook cell.

Accountants type amounts the way they read them (``kr 1 000,00``, ``1.234,50``, ``(1 234,00)``),
Excel stores what it cannot recognise as text, and copy-paste brings non-breaking and thin spaces
and typographic minus signs. babel reads only part of that and reads ``1.000`` as one, so the
rules live here, in one place, and everything they do not cover is an error — never a guess.

Rules for numbers (``parse_amount``, ``parse_number``, ``parse_percent``):

* Spaces: U+00A0, U+202F, U+2009 and the other Unicode spaces count as a plain space; zero-width
  spaces and BOMs are dropped. Minus: ``-``, U+2212 and U+2013/U+2012 (dashes used as minus).
* Sign: one of a leading ``-``/``+``, a trailing ``-`` (``1 234,5-``) or parentheses around the
  number (``(1 234,00)``). Two sign marks (``-(5)``, ``--5``) are an error.
* Currency (amounts only): ``kr``, ``kr.`` or ``NOK`` before or after the number, once. A
  trailing ``,-`` (or ``,–``) means "no øre": ``1000,-`` is 1000.
* Decimal separator: with both ``,`` and ``.`` present, the one that comes last is the decimal
  separator; it must occur once, and the other one is the thousands separator (``1.234,50`` and
  ``1,234.50`` are both 1234.5). With only commas, a single comma is the decimal separator
  (Norwegian) — also before exactly three digits: ``12,000`` is twelve with three decimals,
  never twelve thousand; two or more commas (``12,3,4``, ``1,234,567``) are an error. With only
  dots: several dots are thousands separators (``1.000.000``); a single dot followed by exactly
  three digits is a thousands separator (``1.500`` is 1500), otherwise it is the decimal point
  (``1.5``, ``12.50``, ``0.1234``).
* Grouping is strict: thousands separators (space, or the non-decimal one of ``,``/``.``) may
  only be of one kind, the first group has 1–3 digits and does not start with 0, every later
  group exactly 3 digits (``1 00,00``, ``12 34``, ``0.500``, ``1234.567``, ``1 000.000`` are
  errors). No separators at all inside the decimals. ``,5`` is 0.5; ``5,`` is an error.
* Amounts are typed with at most two decimals; numbers may have any. More decimal digits in an
  amount are an error even when they are zeros: ``0,005`` and ``1 234,500`` are refused, and so
  are ``12,000``, ``1,500`` and ``1,234`` — read the Norwegian way they are 12, 1.5 and 1.234
  kroner, but whoever typed them may have used the comma as an English thousands separator, so
  the message offers both readings (``skriv 12 000 eller 12,00``) instead of guessing. Numbers
  and percentages keep every digit typed (``12,000`` is 12.000, ``1,230`` is 1.230).
  ``1e5``, ``NaN`` and the like are errors.

Numeric cells (a float from calamine/xlwings) are converted here too, through
``Decimal(repr(f))``: the shortest decimal that reads back as the same float, which is what
Excel shows and the user typed (Excel keeps 15 significant digits). An amount is that decimal
rounded to 2 places when it is within 1e-9 of them (``0.1 + 0.2`` → 0.30), otherwise it "har
mer enn to desimaler" (spec §9b). Comparing the float's exact binary value instead would refuse
99 999 999,99, whose nearest float lies 5e-9 away. Any other number is ``Decimal(repr(f))``
itself, with integral values as integers (``703.0`` → ``703``).

Dates: ``dd.mm.yyyy``, ``d.m.yyyy``, ISO ``yyyy-mm-dd`` and ``15. oktober 2003`` (Norwegian month
names, full or three letters). Two-digit years and ``/`` are errors (``01/02/2024`` is read
differently by a Norwegian and an American). Excel date serials are the reader's business.

Yes/no: ``X``, ``Ja``, ``Sann`` are yes; ``Nei``, ``Usann`` are no; empty is "not given" (None)
so that the column's default applies. Case does not matter.
"""

from __future__ import annotations

import math
import re
from datetime import date
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import NamedTuple

from engine.money import MAX_MAGNITUDE
from engine.norwegian import format_number

CENT = Decimal("0.01")
FLOAT_TOLERANCE = Decimal("1e-9")

_SPACES = {ord(c): " " for c in "\u00a0\u202f\u2009\u2007\u2008\u200a\u2002\u2003\u2004\u2005"
           "\u2006\u205f\u3000\t"}
_DROPPED = {ord(c): None for c in "\u200b\u200c\u200d\ufeff"}
_MINUS = {ord(c): "-" for c in "\u2212\u2013\u2012\ufe63\uff0d"}
_NORMALISE = {**_SPACES, **_DROPPED, **_MINUS}

_CURRENCY_PREFIX = re.compile(r"^(?:kr\.?|nok)(?=[\s\d(+\-.,]|$)\s*", re.IGNORECASE)
_CURRENCY_SUFFIX = re.compile(r"(?<=[\s\d)\-])\s*(?:kr\.?|nok)$", re.IGNORECASE)
_BODY = re.compile(r"^[0-9 .,]+$")

_MONTHS = {
    "januar": 1, "februar": 2, "mars": 3, "april": 4, "mai": 5, "juni": 6, "juli": 7,
    "august": 8, "september": 9, "oktober": 10, "november": 11, "desember": 12,
}
_MONTHS.update({name[:3]: number for name, number in list(_MONTHS.items())})
_DATE_DOTTED = re.compile(r"^(\d{1,2})\.(\d{1,2})\.(\d{4})$")
_DATE_ISO = re.compile(r"^(\d{4})-(\d{2})-(\d{2})$")
_DATE_WORDS = re.compile(r"^(\d{1,2})\.\s*([a-zæøå]+)\.?\s+(\d{4})$", re.IGNORECASE)

_YES = {"x", "ja", "sann", "✓", "✔"}
_NO = {"nei", "usann"}


class TextNumberError(ValueError):
    """A cell value that is not what its column needs; ``message`` is Norwegian, for the user."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


def normalise(text: str) -> str:
    """Unicode spaces to one plain space, typographic minus to ``-``, stripped."""
    return " ".join(text.translate(_NORMALISE).split())


def _shown(text: str) -> str:
    return normalise(text) or text


def _no_negative_zero(value: Decimal) -> Decimal:
    return value + Decimal(0) if value == 0 else value


def _strip_marks(s: str, *, currency: bool, what: str, shown: str) -> tuple[str, bool, bool]:
    """Peel sign, currency and ``,-`` off ``s``: (body, negative, whole kroner only)."""
    signs = 0
    negative = False
    currency_seen = False
    no_ore = False
    while s:
        if s.startswith("(") and s.endswith(")"):
            s, signs, negative = s[1:-1].strip(), signs + 1, True
        elif s[0] in "+-":
            s, signs, negative = s[1:].strip(), signs + 1, s[0] == "-"
        elif currency and not currency_seen and (m := _CURRENCY_PREFIX.match(s)):
            s, currency_seen = s[m.end():].strip(), True
        elif currency and not currency_seen and (m := _CURRENCY_SUFFIX.search(s)):
            s, currency_seen = s[: m.start()].strip(), True
        elif s.endswith(",-") and not no_ore:
            s, no_ore = s[:-2].strip(), True
        elif s.endswith("-"):
            s, signs, negative = s[:-1].strip(), signs + 1, True
        else:
            break
    if signs > 1:
        raise TextNumberError(f"«{shown}» er ikke {what} (mer enn ett fortegn)")
    return s, negative, no_ore


def _check_groups(int_part: str, separator: str, shown: str, what: str) -> str:
    groups = int_part.split(separator)
    ok = (
        all(g.isdigit() and g.isascii() for g in groups)
        and 1 <= len(groups[0]) <= 3
        and not (groups[0].startswith("0"))
        and all(len(g) == 3 for g in groups[1:])
    )
    if not ok:
        raise TextNumberError(
            f"«{shown}» er ikke {what} (tusenskilletegn må stå foran hver tredje siffer)")
    return "".join(groups)


class _Parsed(NamedTuple):
    value: Decimal  # exactly as typed: ``12,000`` → Decimal("12.000")
    # ``12,000``, ``1,500``: a lone comma before three digits that could also be read as an
    # English thousands separator; that reading (12000, 1500), else None.
    thousands: Decimal | None


def _parse(text: str, *, what: str, currency: bool) -> Decimal:
    """The shared core: text → exact Decimal with the digits as typed (see module rules)."""
    return _parse_parts(text, what=what, currency=currency).value


def _parse_parts(text: str, *, what: str, currency: bool) -> _Parsed:
    """``_parse``, also telling whether a comma could have been meant as thousands separator."""
    shown = _shown(text)
    s = normalise(text)
    if not s:
        raise TextNumberError(f"cellen er tom; {what} mangler")
    s, negative, no_ore = _strip_marks(s, currency=currency, what=what, shown=shown)
    if not s or not _BODY.match(s) or not any(c.isdigit() for c in s):
        raise TextNumberError(f"«{shown}» er ikke {what}")

    commas, dots = s.count(","), s.count(".")
    decimal_sep: str | None = None
    if commas and dots:
        decimal_sep = s[max(s.rfind(","), s.rfind("."))]
        if s.count(decimal_sep) != 1:
            raise TextNumberError(f"«{shown}» er ikke {what}")
    elif commas:
        if commas > 1:
            raise TextNumberError(f"«{shown}» er ikke {what}")
        decimal_sep = ","
    elif dots == 1:
        after = s.split(".", 1)[1]
        if not (len(after) == 3 and after.isdigit()):
            decimal_sep = "."

    if decimal_sep is None:
        int_part, frac = s, ""
    else:
        int_part, _, frac = s.rpartition(decimal_sep)
        int_part = int_part.strip()
        if not frac or not frac.isdigit() or not frac.isascii():
            raise TextNumberError(f"«{shown}» er ikke {what}")
        if no_ore:
            raise TextNumberError(f"«{shown}» er ikke {what} (både øre og «,-»)")

    separators = {c for c in int_part if not c.isdigit()}
    if len(separators) > 1:
        raise TextNumberError(
            f"«{shown}» er ikke {what} (blandede tusenskilletegn)")
    if separators:
        digits = _check_groups(int_part, separators.pop(), shown, what)
    else:
        if int_part and not (int_part.isdigit() and int_part.isascii()):
            raise TextNumberError(f"«{shown}» er ikke {what}")
        digits = int_part or "0"

    sign = "-" if negative else ""
    try:
        value = Decimal(f"{sign}{digits}{'.' + frac if frac else ''}")
    except InvalidOperation:  # pragma: no cover - the checks above leave only digits
        raise TextNumberError(f"«{shown}» er ikke {what}") from None
    thousands = None
    if (decimal_sep == "," and not dots and not separators and len(frac) == 3
            and 1 <= len(int_part) <= 3 and not int_part.startswith("0")):
        thousands = _no_negative_zero(Decimal(f"{sign}{int_part}{frac}"))
    return _Parsed(_no_negative_zero(value), thousands)


def _float_shown(value: float) -> str:
    return repr(value).replace(".", ",")


def _finite(value: float, what: str) -> None:
    if not math.isfinite(value):
        raise TextNumberError(f"«{value}» er ikke {what}")


def amount_from_float(value: float) -> Decimal:
    """A numeric cell's float as an amount: 2 decimals when within 1e-9, else an error."""
    _finite(value, "et beløp")
    shortest = Decimal(repr(value))  # what Excel shows and the user typed (15 digits)
    rounded = shortest.quantize(CENT, rounding=ROUND_HALF_UP)
    if abs(shortest - rounded) > FLOAT_TOLERANCE:
        raise TextNumberError(f"«{_float_shown(value)}» har mer enn to desimaler")
    return _no_negative_zero(rounded)


def number_from_float(value: float) -> Decimal:
    """A numeric cell's float as the number the user sees: Excel keeps and shows 15
    significant digits, so a formula's ``=0,1+0,2`` reads as 0,3, not 0,30000000000000004."""
    _finite(value, "et tall")
    if value.is_integer():
        return Decimal(int(value))
    return _no_negative_zero(Decimal(f"{value:.15g}"))


def _reject_other(value: object, what: str) -> None:
    if isinstance(value, bool):
        raise TextNumberError(f"«{'SANN' if value else 'USANN'}» er ikke {what}")
    if not isinstance(value, str | int | float | Decimal):
        raise TextNumberError(f"«{value}» er ikke {what}")


def _decimals(value: Decimal) -> int:
    exponent = value.as_tuple().exponent
    return -exponent if isinstance(exponent, int) and exponent < 0 else 0


def _nb(value: Decimal, places: int | None = None) -> str:
    """As the user would type it: ``12000`` → ``12 000``, ``12.5`` → ``12,50`` (places=2)."""
    return format_number(value, places, separator=" ")


def _too_many_decimals(shown: str, parsed: _Parsed) -> str:
    """The message for an amount typed with three or more decimals; never a guess, but the
    readings the user may have meant, to type instead."""
    value = parsed.value
    exact = value == value.quantize(CENT)  # only zeros after the second decimal
    if parsed.thousands is not None:
        other = f"{_nb(value, 2)}" if exact else "et beløp med høyst to desimaler"
        return (f"«{shown}» har mer enn to desimaler, eller komma er brukt som tusenskilletegn: "
                f"skriv {_nb(parsed.thousands)} eller {other}")
    if exact:
        return f"«{shown}» har mer enn to desimaler: skriv {_nb(value, 2)}"
    return f"«{shown}» har mer enn to desimaler"




def _too_big(text: object) -> bool:
    if isinstance(text, float | int) and not isinstance(text, bool):
        return math.isfinite(text) and abs(text) >= MAX_MAGNITUDE
    return False


def _bounded(value: Decimal, text: object, what: str) -> Decimal:
    if value.is_finite() and abs(value) >= MAX_MAGNITUDE:
        shown = _shown(text) if isinstance(text, str) else str(text)
        raise TextNumberError(f"«{shown}» er urimelig stort for {what}; sjekk tallet")
    return value


def parse_amount(text: str | int | float | Decimal) -> Decimal:
    """An amount in kroner with exactly two decimals (``kr 1 000,5`` → ``1000.50``)."""
    _reject_other(text, "et beløp")
    if _too_big(text):
        raise TextNumberError(f"«{text}» er urimelig stort for et beløp; sjekk tallet")
    if isinstance(text, float):
        return amount_from_float(text)
    if isinstance(text, int | Decimal):
        value = _bounded(Decimal(text), text, "et beløp")
        if not value.is_finite():
            raise TextNumberError(f"«{text}» er ikke et beløp")
    else:
        parsed = _parse_parts(text, what="et beløp", currency=True)
        value = _bounded(parsed.value, text, "et beløp")
        if _decimals(value) > 2:
            raise TextNumberError(_too_many_decimals(_shown(text), parsed))
    if value != value.quantize(CENT, rounding=ROUND_HALF_UP):
        shown = _shown(text) if isinstance(text, str) else str(text).replace(".", ",")
        raise TextNumberError(f"«{shown}» har mer enn to desimaler")
    return _no_negative_zero(value.quantize(CENT))


def parse_number(text: str | int | float | Decimal) -> Decimal:
    """A number with any number of decimals, exactly as typed (``120,5`` → ``120.5``)."""
    _reject_other(text, "et tall")
    if _too_big(text):
        raise TextNumberError(f"«{text}» er urimelig stort for et tall; sjekk tallet")
    if isinstance(text, float):
        return number_from_float(text)
    if isinstance(text, int | Decimal):
        value = Decimal(text)
        if not value.is_finite():
            raise TextNumberError(f"«{text}» er ikke et tall")
        return _bounded(value, text, "et tall")
    return _bounded(_parse(text, what="et tall", currency=False), text, "et tall")


def parse_percent(text: str | int | float | Decimal) -> Decimal:
    """A percentage as the number of percent (``5 %``, ``12,5``, ``12.5%`` → 5, 12.5, 12.5).

    A number is taken as the percent itself; converting Excel's percent cells (0.05 shown as
    5 %) is the reader's business, since only the sheet layout knows the cell's format.
    """
    _reject_other(text, "en prosentsats")
    if not isinstance(text, str):
        return parse_number(text)
    s = normalise(text)
    if s.endswith("%"):
        s = s[:-1].strip()
        if not s:
            raise TextNumberError(f"«{_shown(text)}» er ikke en prosentsats")
    try:
        return _parse(s, what="en prosentsats", currency=False)
    except TextNumberError as exc:
        raise TextNumberError(exc.message.replace(f"«{_shown(s)}»", f"«{_shown(text)}»")) from None


def parse_date(text: str) -> date:
    """``31.12.2024``, ``1.1.2024``, ``2024-12-31`` or ``15. oktober 2003`` → a date."""
    s = normalise(text)
    day_month_year: tuple[int, int, int] | None = None
    if m := _DATE_DOTTED.match(s):
        day_month_year = int(m[1]), int(m[2]), int(m[3])
    elif m := _DATE_ISO.match(s):
        day_month_year = int(m[3]), int(m[2]), int(m[1])
    elif (m := _DATE_WORDS.match(s)) and m[2].casefold() in _MONTHS:
        day_month_year = int(m[1]), _MONTHS[m[2].casefold()], int(m[3])
    if day_month_year is None:
        raise TextNumberError(f"«{_shown(text)}» er ikke en dato (skriv dd.mm.åååå)")
    d, mo, y = day_month_year
    try:
        return date(y, mo, d)
    except ValueError:
        raise TextNumberError(f"«{_shown(text)}» er ikke en gyldig dato") from None


def parse_bool_x(text: str | bool | None) -> bool | None:
    """``X``/``Ja`` → True, ``Nei`` → False, empty → None (the column's default applies)."""
    if text is None or isinstance(text, bool):
        return text
    s = normalise(text).casefold()
    if not s:
        return None
    if s in _YES:
        return True
    if s in _NO:
        return False
    raise TextNumberError(f"«{_shown(text)}» er verken X, Ja eller Nei")
