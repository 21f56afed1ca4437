"""Reading a settlement workbook into the JSON contract's dict, with every problem at its cell.

The settlement file (``spec/settlement-file.md``) is the one way into the engine; the workbook
reader produces exactly that dict, so the engine's validation applies to both, and a map from
each JSON path to its cell (``contract_objects[3].numerator`` → ``Brøk!J7``) turns the
engine's path-addressed problems into cell addresses the user can click.

Two layers:

* ``read_blocks`` is pure: it takes each sheet's values as rows (as python-calamine or xlwings
  hand them: str, float, int, bool, date/datetime, None or "") and imports no Excel library, so
  the file reader and the live-Excel add-in share it. Rows start at row 1, column A.
* ``read_workbook`` reads an xlsx file: a safety pre-check (zip bombs, encrypted files, files
  that are not xlsx), python-calamine for the values (fast), and one pass over the input sheets'
  XML for what calamine cannot tell: formulas without a cached value and error values (both
  read as empty cells by calamine).

What the reader reports itself: missing or misnamed sheets, headers not where the layout has
them (shifted columns), labels of the settings form, values that cannot be read as their
column's kind (``Til fordeling!C7: Beløp: «12,3,4» er ikke et beløp. …``), a filled row without
its key, invoices of unknown objects, merged cells and formula problems — all in one pass.
Ranges, required fields, duplicates and references are the engine's validation (it reports by
path; ``WorkbookInput.relocate`` turns those into cells). A missing customer id is no problem
here. Empty rows are skipped wherever they are; nothing else ever is.

Rules chosen where the spec is silent:

* An empty cell leaves its field out of the dict, so the contract's default applies (a missing
  required field is then the engine's "mangler", located at the cell) — except *Beløp* of a
  cost line, which becomes ``None``: a carried-forward line not filled in yet (spec §4).
* A sheet whose name differs only in case, spaces or æøå (``brok``) is reported and still
  read, so one pass shows everything; a missing required sheet is reported with the names the
  workbook has. *Kontovalg* is optional (only "Hent konti" needs it).
* A table whose headers are not where the layout has them is reported (per column, saying where
  the header went) and its rows are not read: columns are read by position, and a shifted
  sheet would only produce nonsense. Headers compare case- and space-insensitively.
* A filled row without its key (Id, KontoNr) is an error at the key cell and is left out; a bad
  value elsewhere is an error at its cell and only that field is left out.
* *A konto* rows are gathered into ``contract_objects[i].invoiced`` by Id (the first object with
  that Id, if the Id is duplicated — the engine reports the duplicate); an Id that is not in
  *Brøk* is an error here, since the engine never sees that invoice.
* A contract object's *Adm.honorar* override takes its ``vat_liable`` from the settlement's
  *Adm.honorar mva-pliktig* (the fee's VAT liability belongs to the fee's transaction type).
  A number in that column is an amount; 0 < x < 1 is refused as ambiguous (an Excel
  percentage?). The settlement's fee: a value with type «ingen» or without a type is an error;
  with type «prosent» a number is the percent (5 = 5 %) and 0 < x < 1 is refused likewise.
* Spec §9b: when *Kontovalg* lists accounts, a line of *Til fordeling* whose account is not
  there is an error at its KontoNr cell; an empty or missing *Kontovalg* is one warning. An
  account without a digit («Sum», «Totalt») is refused at its cell, and so is an amount that is
  a formula summing other lines of the amount column of the same sheet (``SUM``/``SUMMER``,
  ``SUBTOTAL``/``DELSUM``, ``AGGREGATE``, or ``C4+C5+…``), whatever *Kontovalg* holds. Each
  line's ``transaction_type`` is the one *Kontovalg* gives its account.
* A percentage typed as text without ``%`` (the *Andel %* columns; *Adm.honorar verdi* with
  type «prosent») is percent points when it is ≥ 1 and refused as ambiguous strictly between 0
  and 1; a numeric cell of a percent column holds the fraction (Excel's percent format).
* Slips that are valid are warnings at their cell (``WorkbookInput.warnings``): a cap of 0, an
  object's fee amount under 100 kr when the settlement's fee is a percent, a postcode that is
  not four digits, more than three address lines.
* *Avregning*'s status cell is only written; the status lives on *Status* and is never read
  back from here.
* A workbook of an older layout version (no «Malversjon N» cell) is read as it is: columns and
  settings a later version added are skipped when their header is not there (``Column.since``).
* Merged cells touching an input block are an error (only the first cell keeps its value).
* Excel date serials in a date column count from 1899-12-30 (or 1904-01-01 when the workbook
  says ``date1904``); a time of day is dropped. A date in a text or number column is an error
  (Excel turned what the user typed into a date).
"""

from __future__ import annotations

import io
import math
import re
import zipfile
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

from avregn.workbook import layout
from avregn.workbook.layout import (
    Column,
    Form,
    Kind,
    Sheet,
    Table,
    format_nb,
)
from avregn.workbook.textnum import (
    TextNumberError,
    normalise,
    parse_amount,
    parse_bool_x,
    parse_date,
    parse_number,
    parse_percent,
)
from avregn.xlsx.cells import CELL_REF, column_index, column_letter
from avregn.xlsx.package import sheet_parts
from avregn.xlsx.safety import precheck
from engine.lookalikes import with_hint
from engine.problems import Problem
from engine.rounding import exact_text

Rows = Sequence[Sequence[Any]]

EXCEL_ERRORS = frozenset({"#NULL!", "#DIV/0!", "#VALUE!", "#REF!", "#NAME?", "#NUM!", "#N/A",
                          "#GETTING_DATA", "#SPILL!", "#CALC!", "#FIELD!", "#BLOCKED!",
                          "#CONNECT!", "#BUSY!", "#UNKNOWN!"})

_GUIDANCE = {
    Kind.TEXT: "Skriv teksten på nytt i en celle formatert som tekst.",
    Kind.MONEY: "Skriv for eksempel 1 234,50 eller kr 1 234,50 (høyst to desimaler).",
    Kind.NUMBER: "Skriv for eksempel 120,5.",
    Kind.INTEGER: "Skriv et helt tall, for eksempel 12.",
    Kind.PERCENT: "Skriv for eksempel 12,5 %.",
    Kind.DATE: "Skriv datoen som dd.mm.åååå, for eksempel 31.12.2024.",
    Kind.FLAG: "Skriv X eller la cellen stå tom.",
    Kind.YES_NO: "Skriv Ja eller Nei (tom = standard).",
    Kind.ENUM: "Velg fra listen i cellen.",
    Kind.FEE: "Skriv ingen, en prosent (5 %) eller et beløp (1 500), eller la cellen stå tom.",
    Kind.FEE_VALUE: "Skriv en prosent (5 %) eller et beløp (1 500) etter typen over.",
    Kind.FIXED: "Skriv et årsbeløp, X (fast = fakturert a konto) eller la cellen stå tom.",
    Kind.ADDRESS_LINES: "Skriv adresselinjene som tekst, én linje per linjeskift (Alt+Enter).",
}
_EXCEL_EPOCH = date(1899, 12, 30)
_EXCEL_EPOCH_1904 = date(1904, 1, 1)
_MAX_SERIAL = 2_958_465  # 31.12.9999


class _Bad:
    """A cell whose value could not be read (its problem is already recorded)."""


_BAD = _Bad()
_HUNDRED = Decimal(100)


@dataclass(frozen=True)
class WorkbookInput:
    """What the reader found: the contract dict, where each value came from, what was wrong."""

    data: dict[str, Any]
    locations: dict[str, str]
    problems: list[Problem]
    account_selection: tuple[dict[str, str], ...] = ()  # Kontovalg (not part of the contract)
    # Sections whose sheet is missing or whose headers are not where the layout says, so none
    # of their rows were read ("contract_objects", "cost_lines", …).
    unreadable: frozenset[str] = frozenset()
    # Valid values that are almost certainly slips (spec §9b), at their cells: a cap of 0, a fee
    # of 5 kr under a percent settlement, an empty Kontovalg, a postcode that is not 4 digits.
    warnings: tuple[Problem, ...] = ()
    # The layout version the workbook says it follows (``layout.VERSION_CELL``); None when it
    # says nothing (a workbook of version 1, or blocks handed over without that cell).
    layout_version: int | None = None

    @property
    def ok(self) -> bool:
        return not self.problems

    def locate(self, path: str) -> str:
        """A JSON path → ``Sheet!Cell``; an unknown field falls back to its record's row, then
        to its sheet; anything else is returned unchanged."""
        current = path
        while current:
            found = self.locations.get(current)
            if found is not None:
                return found
            cut = re.match(r"^(.*?)(?:\.[^.\[\]]+|\[\d+\])$", current)
            if cut is None:
                break
            current = cut.group(1)
        return path

    def relocate(self, problems: Iterable[Problem], *, drop_reported: bool = True
                 ) -> list[Problem]:
        """The engine's path-addressed problems at their cells. With ``drop_reported``, a
        problem at a cell the reader already reported is left out (a value the reader could
        not read is "missing" to the engine: one message per cell is enough)."""
        reported = {p.where for p in self.problems} if drop_reported else set()
        out = []
        for problem in problems:
            where = self.locate(problem.where)
            if where in reported:
                continue
            out.append(Problem(where, problem.message))
        return out


def _fold(text: str) -> str:
    """Sheet and header names compared leniently: case, spaces, æøå and punctuation ignored."""
    text = normalise(text).casefold()
    text = text.replace("æ", "ae").replace("ø", "o").replace("å", "a")
    return re.sub(r"[\s._\-–—]+", "", text)


def _header_fold(text: Any) -> str:
    return normalise(str(text)).casefold() if text is not None else ""


def _empty(value: Any) -> bool:
    if value is None:
        return True
    if not isinstance(value, str):
        return False
    # A text starting with a letter or digit has something left after normalising.
    return not value[:1].isalnum() and not normalise(value)


def _shown(value: Any) -> str:
    if isinstance(value, bool):
        return "SANN" if value else "USANN"
    if isinstance(value, datetime | date):
        return f"{value:%d.%m.%Y}"
    if isinstance(value, float):
        return repr(value).replace(".", ",")
    return normalise(str(value))


def _plain(value: Decimal) -> Decimal:
    """Trailing zeros off without an exponent (``12.500`` → ``12.5``, ``100.0`` → ``100``),
    exactly, however many digits (``normalize`` would round past 28)."""
    return Decimal(exact_text(value)) if value.is_finite() else value


class _Reader:
    def __init__(self, blocks: Mapping[str, Rows], date1904: bool):
        self.blocks = blocks
        self.date1904 = date1904
        self.problems: list[Problem] = []
        self.warnings: list[Problem] = []
        self.locations: dict[str, str] = {}
        self.fee_vat_liable = True
        self.fee_mode: str | None = None  # the settlement's fee mode, once Avregning is read
        self.version: int | None = None

    def has(self, col: Column, found: Any) -> bool:
        """Is this column (or setting) in the workbook? One added by a later layout version is
        skipped in an older workbook — unless its header is there anyway."""
        if col.since <= 1 or (self.version is not None and self.version >= col.since):
            return True
        return _header_fold(found) == _header_fold(col.header)

    # --- helpers -------------------------------------------------------------------------------

    def problem(self, where: str, message: str) -> None:
        self.problems.append(Problem(where, message))

    def warning(self, where: str, message: str) -> None:
        self.warnings.append(Problem(where, message))

    @staticmethod
    def value(rows: Rows, row: int, col: int) -> Any:
        if row - 1 >= len(rows):
            return None
        line = rows[row - 1]
        return line[col - 1] if col - 1 < len(line) else None

    def resolve_sheet(self, sheet: Sheet) -> str | None:
        """The workbook's name for a layout sheet; a near miss is reported and still read."""
        if sheet.name in self.blocks:
            return sheet.name
        names = list(self.blocks.keys())
        near = [n for n in names if _fold(n) == _fold(sheet.name)]
        if len(near) == 1:
            self.problem(near[0], f"Arket heter «{near[0]}», men skal hete «{sheet.name}». "
                                  "Gi arket nytt navn (høyreklikk på arkfanen).")
            return near[0]
        if sheet.required:
            others = f" Arbeidsboken har arkene: {', '.join(names)}." if names else ""
            self.problem(sheet.name, f"Arket «{sheet.name}» mangler.{others} Bruk malen "
                                     "avregning.xlsx, eller gi arket riktig navn.")
        return None

    # --- headers ---------------------------------------------------------------------------------

    def present_columns(self, rows: Rows, table: Table) -> tuple[Column, ...]:
        """The table's columns this workbook has (a later version's are only at the end)."""
        return tuple(c for i, c in enumerate(table.columns)
                     if self.has(c, self.value(rows, table.header_row, table.first_col + i)))

    def table_headers_ok(self, name: str, rows: Rows, table: Table) -> bool:
        columns = self.present_columns(rows, table)
        expected = [_header_fold(c.header) for c in columns]
        width = table.first_col - 1

        def header_row(r: int) -> list[str]:
            return [_header_fold(self.value(rows, r, width + i + 1))
                    for i in range(len(expected))]

        if header_row(table.header_row) == expected:
            return True
        for r in range(1, min(len(rows), table.header_row + 10) + 1):
            if r != table.header_row and header_row(r) == expected:
                self.problem(f"{name}!A{r}",
                             f"Overskriftene står i rad {r}, men skal stå i rad "
                             f"{table.header_row} (data fra rad {table.first_data_row}). "
                             "Sett inn eller slett rader over overskriftene slik malen har dem.")
                return False
        found: dict[str, int] = {}
        line = rows[table.header_row - 1] if table.header_row - 1 < len(rows) else []
        for i, text in enumerate(line):
            found.setdefault(_header_fold(text), i + 1)
        for i, col in enumerate(columns):
            index = table.first_col + i
            actual = self.value(rows, table.header_row, index)
            if _header_fold(actual) == expected[i]:
                continue
            where = f"{name}!{column_letter(index)}{table.header_row}"
            now = f"det står «{_shown(actual)}»" if not _empty(actual) else "cellen er tom"
            elsewhere = found.get(expected[i])
            moved = (f"; «{col.header}» står i kolonne {column_letter(elsewhere)}"
                     if elsewhere else "")
            self.problem(where, f"Her skal overskriften «{col.header}» stå, men {now}{moved}. "
                                "Kolonnene leses etter plassering: flytt dem tilbake slik "
                                "malen har dem.")
        return False

    # --- values --------------------------------------------------------------------------------

    def convert(self, col: Column, raw: Any, where: str) -> Any:
        """A cell's value as the contract wants it; ``_BAD`` (and a problem) if unreadable."""
        if isinstance(raw, str) and "#" in raw and normalise(raw) in EXCEL_ERRORS:
            self.problem(where, f"{col.header}: cellen viser feilen {normalise(raw)}. Rett "
                                "formelen eller skriv inn verdien.")
            return _BAD
        try:
            return self._convert(col, raw)
        except TextNumberError as exc:
            self.problem(where, f"{col.header}: {exc.message}. {_GUIDANCE[col.kind]}")
            return _BAD

    def _convert(self, col: Column, raw: Any) -> Any:
        kind = col.kind
        if kind is Kind.TEXT:
            return self._text(raw)
        if isinstance(raw, bool) and kind not in (Kind.FLAG, Kind.YES_NO, Kind.FIXED):
            raise TextNumberError(f"«{_shown(raw)}» er en sannhetsverdi")
        if isinstance(raw, datetime | date) and kind is not Kind.DATE:
            raise TextNumberError(f"«{_shown(raw)}» er en dato (Excel har tolket det du skrev "
                                  "som en dato; formater cellen som tall eller tekst)")
        if kind is Kind.MONEY:
            return parse_amount(raw)
        if kind is Kind.NUMBER:
            return parse_number(raw)
        if kind is Kind.INTEGER:
            number = parse_number(raw)
            if number != number.to_integral_value():
                raise TextNumberError(f"«{_shown(raw)}» er ikke et helt tall")
            return int(number)
        if kind is Kind.PERCENT:
            if isinstance(raw, str):
                return percent_text(raw)
            return _plain(parse_number(raw) * _HUNDRED)  # an Excel percent cell: 0.125 = 12,5 %
        if kind is Kind.ADDRESS_LINES:
            return address_lines(raw)
        if kind is Kind.DATE:
            return self._date(raw).isoformat()
        if kind in (Kind.FLAG, Kind.YES_NO):
            if not isinstance(raw, str | bool):
                raise TextNumberError(f"«{_shown(raw)}» er verken X, Ja eller Nei")
            return parse_bool_x(raw)
        if kind is Kind.ENUM:
            code = col.code(self._text(raw))
            if code is None:
                choices = ", ".join(c.label for c in col.choices)
                raise TextNumberError(f"«{_shown(raw)}» er ikke en gyldig verdi; velg en av: "
                                      f"{choices}")
            return code
        if kind is Kind.FIXED:
            if isinstance(raw, bool):
                return True if raw else None
            if isinstance(raw, str) and normalise(raw).casefold() in ("x", "ja", "nei"):
                return True if normalise(raw).casefold() != "nei" else None
            return parse_amount(raw)
        if kind is Kind.FEE:
            return self._fee(raw)
        raise TextNumberError(f"«{_shown(raw)}» kan ikke leses")  # pragma: no cover

    @staticmethod
    def _text(raw: Any) -> str:
        if isinstance(raw, str):
            return raw.strip()
        if isinstance(raw, bool):
            raise TextNumberError(f"«{_shown(raw)}» er en sannhetsverdi, ikke tekst")
        if isinstance(raw, datetime | date):
            raise TextNumberError(f"Excel har gjort det du skrev om til datoen {_shown(raw)}")
        if isinstance(raw, float):
            if not math.isfinite(raw):
                raise TextNumberError(f"«{raw}» er ikke tekst")
            return str(int(raw)) if raw.is_integer() else repr(raw)
        if isinstance(raw, int | Decimal):
            return str(raw)
        raise TextNumberError(f"«{raw}» er ikke tekst")

    def _date(self, raw: Any) -> date:
        if isinstance(raw, datetime):
            return raw.date()
        if isinstance(raw, date):
            return raw
        if isinstance(raw, str):
            return parse_date(raw)
        if isinstance(raw, int | float) and math.isfinite(raw):
            serial = math.floor(raw)
            if 61 <= serial <= _MAX_SERIAL:
                epoch = _EXCEL_EPOCH_1904 if self.date1904 else _EXCEL_EPOCH
                return epoch + timedelta(days=serial)
        raise TextNumberError(f"«{_shown(raw)}» er ikke en dato")

    def _fee(self, raw: Any) -> dict[str, Any]:
        vat = self.fee_vat_liable
        if isinstance(raw, str):
            text = normalise(raw)
            # "5 % uten mva" / "1 500 med mva": the fee's own VAT liability, else the settlement's.
            suffix = _FEE_VAT_SUFFIX.search(text)
            if suffix:
                vat = suffix.group(1).casefold() == "med"
                text = text[:suffix.start()].strip()
                raw = text
            if text.casefold() == "ingen":
                return {"mode": "none", "value": Decimal(0), "vat_liable": vat}
            if text.endswith("%"):
                return {"mode": "percent", "value": parse_percent(text), "vat_liable": vat}
        amount = parse_amount(raw)
        if not isinstance(raw, str) and 0 < abs(amount) < 1:
            raise TextNumberError(f"«{_shown(raw)}» er tvetydig (et honorar under én krone, "
                                  "eller en prosent?); skriv 5 % eller beløpet i kroner")
        return {"mode": "fixed", "value": amount, "vat_liable": vat}

    # --- slips: valid, but almost certainly not what was meant (spec §9b) -----------------------

    def check(self, col: Column, value: Any, raw: Any, where: str) -> None:
        """Warn at the cell about a value that is valid but almost certainly a slip, saying
        what was read and what was probably meant."""
        tail = col.field.rsplit(".", 1)[-1]
        if col.field == "cap" and value == 0:
            self.warning(where, f"{col.header}: 0 leses som et tak på 0 kr — leietakeren betaler "
                                "ingen felleskostnader, og alt går til eier. Mente du «intet "
                                "tak»? La i så fall cellen stå tom.")
        elif col.kind is Kind.FEE and value.get("mode") == "fixed" and self.fee_mode == "percent" \
                and 0 < value["value"] < FEE_AMOUNT_SLIP:
            shown = _plain(value["value"])
            typed = _shown(raw) if isinstance(raw, str) else format_nb(_plain(
                Decimal(repr(raw)) if isinstance(raw, float) else Decimal(raw)))
            self.warning(where, f"{col.header}: «{typed}» leses som et honorar på "
                                f"{format_nb(value['value'], 2)} kr, men avregningens honorar er "
                                f"en prosent. Mente du {format_nb(shown)} %? Skriv i så fall "
                                f"«{format_nb(shown)} %».")
        elif tail == "postcode" and not re.fullmatch(r"\d{4}", value):
            hint = (f" (Excel fjerner innledende nuller i tallceller: mente du "
                    f"{value.zfill(4)}?)" if value.isdigit() and len(value) < 4 else "")
            self.warning(where, f"{col.header}: «{value}» er ikke et norsk postnummer på fire "
                                f"siffer{hint}. Formater cellen som tekst og skriv for "
                                "eksempel 0150.")
        elif col.kind is Kind.ADDRESS_LINES and len(value) > MAX_ADDRESS_LINES:
            self.warning(where, f"{col.header}: {len(value)} linjer; et brev har plass til "
                                f"{MAX_ADDRESS_LINES} adresselinjer over postnummer og sted. "
                                "Slå sammen eller fjern linjer.")

    # --- the settings form ---------------------------------------------------------------------

    def read_form(self, name: str, rows: Rows, form: Form) -> dict[str, Any]:
        """A label/value form; dotted fields (``owner_address.city``) come out nested."""
        out: dict[str, Any] = {}
        cells: dict[str, tuple[str, Any]] = {}
        for col in form.fields:
            row = form.row(col.field)
            label_where = f"{name}!{column_letter(form.label_col)}{row}"
            where = f"{name}!{column_letter(form.value_col)}{row}"
            label = self.value(rows, row, form.label_col)
            if not self.has(col, label):
                continue
            self.locations[f"{form.section}.{col.field}"] = where
            if _header_fold(label) != _header_fold(col.header):
                now = f"det står «{_shown(label)}»" if not _empty(label) else "cellen er tom"
                self.problem(label_where, f"Her skal «{col.header}» stå, men {now}. "
                                          "Innstillingene leses etter rad: flytt dem tilbake "
                                          "slik malen har dem.")
                continue
            cells[col.field] = (where, self.value(rows, row, form.value_col))

        fee_fields = {c.field: c for c in form.fields if c.field.startswith("admin_fee.")}
        for col in form.fields:
            if col.field in fee_fields or col.field not in cells:
                continue
            where, raw = cells[col.field]
            if _empty(raw):
                if col.nullable:
                    out[col.field] = None
                continue
            value = self.convert(col, raw, where)
            if value is not _BAD and value is not None:
                self.check(col, value, raw, where)
                _put(out, col.field, value)
        if fee_fields:
            fee = self.read_settings_fee(fee_fields, cells)
            if fee is not None:
                out["admin_fee"] = fee
                self.locations[f"{form.section}.admin_fee"] = cells["admin_fee.mode"][0]
        return out

    def read_settings_fee(self, cols: Mapping[str, Column],
                          cells: Mapping[str, tuple[str, Any]]) -> dict[str, Any] | None:
        if not all(f in cells for f in cols):
            return None
        (mode_at, mode_raw), (value_at, value_raw), (vat_at, vat_raw) = (
            cells["admin_fee.mode"], cells["admin_fee.value"], cells["admin_fee.vat_liable"])
        vat = None if _empty(vat_raw) else self.convert(cols["admin_fee.vat_liable"], vat_raw,
                                                         vat_at)
        if isinstance(vat, bool):
            self.fee_vat_liable = vat
        mode = None if _empty(mode_raw) else self.convert(cols["admin_fee.mode"], mode_raw,
                                                           mode_at)
        if mode is _BAD or vat is _BAD:
            return None
        self.fee_mode = mode if isinstance(mode, str) else None
        value_col = cols["admin_fee.value"]
        if mode is None:
            if not _empty(value_raw):
                self.problem(mode_at, f"{cols['admin_fee.mode'].header} mangler, men verdien "
                                      "er fylt ut. Velg prosent eller beløp.")
            return None
        if mode == "none":
            if not _empty(value_raw):
                self.problem(value_at, f"{value_col.header}: typen er «ingen», så verdien "
                                       "brukes ikke. Tøm cellen, eller velg prosent eller beløp.")
                return None
            return {"mode": "none", "value": Decimal(0), "vat_liable": self.fee_vat_liable}
        if _empty(value_raw):
            self.problem(value_at, f"{value_col.header} mangler. {_GUIDANCE[Kind.FEE_VALUE]}")
            return None
        try:
            if mode == "percent":
                if isinstance(value_raw, int | float) and not isinstance(value_raw, bool) \
                        and 0 < abs(value_raw) < 1:
                    raise TextNumberError(f"«{_shown(value_raw)}» er tvetydig (en brøkdel av en "
                                          "prosent, eller en Excel-prosent?); skriv 5 %")
                value = (percent_text(value_raw) if isinstance(value_raw, str)
                         else parse_percent(value_raw))
            else:
                value = parse_amount(value_raw)
        except TextNumberError as exc:
            self.problem(value_at, f"{value_col.header}: {exc.message}. "
                                   f"{_GUIDANCE[Kind.FEE_VALUE]}")
            return None
        return {"mode": mode, "value": value, "vat_liable": self.fee_vat_liable}

    # --- tables --------------------------------------------------------------------------------

    def read_table(self, name: str, rows: Rows, table: Table
                   ) -> Iterator[tuple[int, dict[str, Any], dict[str, str]]]:
        """Each filled row as (sheet row, record, {field: cell}); bad cells are left out."""
        cols = [(table.first_col + i, c)
                for i, c in enumerate(self.present_columns(rows, table)) if c.field]
        # Per column, once: where its cells are named (``Brøk!C`` + row), and its position.
        named = [(f"{name}!{column_letter(index)}", col) for index, col in cols]
        positions = [index - 1 for index, _ in cols]
        width = max(positions, default=-1) + 1
        for r in range(table.first_data_row, len(rows) + 1):
            line = rows[r - 1]
            if len(line) >= width:
                raw = [line[i] for i in positions]
            else:
                raw = [line[i] if i < len(line) else None for i in positions]
            if all(_empty(v) for v in raw):
                continue
            record: dict[str, Any] = {}
            cells: dict[str, str] = {}
            missing_key = False
            row_text = str(r)
            for (prefix, col), value in zip(named, raw, strict=True):
                where = prefix + row_text
                cells[col.field] = where
                if _empty(value):
                    if col.required:
                        missing_key = True
                        self.problem(where, f"{col.header} mangler, men raden har andre "
                                            f"verdier. Fyll inn {col.header}, eller tøm hele "
                                            "raden.")
                    elif col.nullable:
                        record[col.field] = None
                    continue
                converted = self.convert(col, value, where)
                if converted is _BAD:
                    if col.required:
                        missing_key = True
                    continue
                if converted is not None:
                    self.check(col, converted, value, where)
                    _put(record, col.field, converted)
            if not missing_key:
                yield r, record, cells

    def place(self, path: str, row_cell: str, cells: Mapping[str, str],
              nested: Iterable[str] = ()) -> None:
        locations = self.locations
        locations[path] = row_cell
        prefix = path + "."
        locations.update({prefix + field_name: where for field_name, where in cells.items()})
        for sub in nested:
            head, _, _ = sub.partition(".")
            if head in cells:
                self.locations[f"{path}.{sub}"] = cells[head]


FEE_AMOUNT_SLIP = Decimal(100)  # an object fee under this under a percent settlement: 5 → 5 %?
MAX_ADDRESS_LINES = 3


def _put(record: dict[str, Any], field_name: str, value: Any) -> None:
    """``record["address"]["city"] = value`` for ``address.city``."""
    head, _, tail = field_name.partition(".")
    if tail:
        record.setdefault(head, {})[tail] = value
    else:
        record[head] = value


def percent_text(raw: str) -> Decimal:
    """A percentage typed as text (spec §9b): with ``%`` as written; without, a number ≥ 1 is
    percent points (``5`` → 5 %) and one strictly between 0 and 1 is ambiguous (``0,5``: 0,5 %
    or 50 %?), like ``12,000`` for money."""
    value = parse_percent(raw)
    if not normalise(raw).endswith("%") and 0 < abs(value) < 1:
        points = _plain(value)
        raise TextNumberError(
            f"«{normalise(raw)}» er tvetydig ({format_nb(points)} % eller "
            f"{format_nb(_plain(points * _HUNDRED))} %?); skriv prosenttegnet, for eksempel "
            f"«{format_nb(_plain(points * _HUNDRED))} %»")
    return value


def address_lines(raw: Any) -> list[str]:
    """An address cell: one line per line break, trimmed, empty lines dropped."""
    if not isinstance(raw, str):
        raise TextNumberError(f"«{_shown(raw)}» er ikke en adresse")
    lines = [normalise(line) for line in re.split(r"\r\n|\r|\n|_x000[dDaA]_", raw)]
    return [line for line in lines if line]


_FEE_VAT_SUFFIX = re.compile(r"\s+(med|uten)\s+mva\s*$", re.IGNORECASE)
_FEE_PARTS = ("admin_fee.mode", "admin_fee.value", "admin_fee.vat_liable")


def layout_version(rows: Rows | None) -> int | None:
    """The version «Malversjon N» in *Avregning*'s version cell says; None when it is absent."""
    if not rows:
        return None
    row, col = _cell_position(layout.VERSION_CELL)
    raw = _Reader.value(rows, row, col)
    found = re.fullmatch(rf"{layout.VERSION_LABEL}\s*:?\s*(\d{{1,4}})",
                         normalise(str(raw)) if raw is not None else "", re.IGNORECASE)
    return int(found.group(1)) if found else None


def _cell_position(ref: str) -> tuple[int, int]:
    match = CELL_REF.match(ref)
    assert match is not None, ref
    return int(match[2]), column_index(match[1])


def read_blocks(blocks: Mapping[str, Rows], *, date1904: bool = False,
                formulas: Mapping[str, Mapping[str, str]] | None = None) -> WorkbookInput:
    """Sheet name → its values as rows (from A1) → the settlement-file dict, the JSON path →
    cell map, and every problem found. No Excel library is imported: the add-in uses it too.
    ``formulas`` (sheet → cell → formula text, where the caller can tell) lets the reader
    refuse a «Sum» row of *Til fordeling* by its formula."""
    reader = _Reader(blocks, date1904)
    data: dict[str, Any] = {}
    names = {sheet.name: reader.resolve_sheet(sheet) for sheet in layout.INPUT_SHEETS}

    # Avregning first: the object fee overrides inherit its fee's VAT liability and mode.
    settings_name = names[layout.AVREGNING.name]
    if settings_name is not None:
        reader.version = layout_version(blocks[settings_name])
        reader.locations["settlement"] = settings_name
        settlement = reader.read_form(settings_name, blocks[settings_name], layout.SETTINGS)
        # The status cell is only written (its home is the Status sheet): never read back.
        for key, value in reader.read_form(settings_name, blocks[settings_name],
                                           layout.INVOICING).items():
            settlement.setdefault(key, {}).update(value)
        data["settlement"] = settlement

    unreadable: set[str] = set()

    def table(sheet: Sheet) -> tuple[str, Rows] | None:
        name = names[sheet.name]
        block = sheet.block
        assert isinstance(block, Table)
        if name is None or not reader.table_headers_ok(name, blocks[name], block):
            unreadable.add(block.section)
            return None
        return name, blocks[name]

    def records(sheet: Sheet, block: Table, section: str) -> list[dict[str, Any]]:
        """A plain list block: one record per row, each placed at its cells."""
        if names[sheet.name]:
            reader.locations[section] = str(names[sheet.name])
        out: list[dict[str, Any]] = []
        found = table(sheet)
        if found:
            for r, record, cells in reader.read_table(*found, block):
                reader.place(f"{section}[{len(out)}]", f"{found[0]}!A{r}", cells)
                out.append(record)
        return out

    data["cost_lines"] = records(layout.TIL_FORDELING, layout.COST_LINES, "cost_lines")

    objects: list[dict[str, Any]] = []
    by_id: dict[str, int] = {}
    found = table(layout.BROK)
    objects_readable = found is not None
    if names[layout.BROK.name]:
        reader.locations["contract_objects"] = str(names[layout.BROK.name])
    if found:
        for r, record, cells in reader.read_table(*found, layout.CONTRACT_OBJECTS):
            index = len(objects)
            path = f"contract_objects[{index}]"
            reader.place(path, f"{found[0]}!A{r}", cells, nested=_FEE_PARTS)
            reader.locations[f"{path}.invoiced"] = f"{found[0]}!A{r}"
            record["invoiced"] = []
            by_id.setdefault(record["id"], index)
            objects.append(record)

    found = table(layout.A_KONTO)
    if found:
        for r, record, cells in reader.read_table(*found, layout.INVOICES):
            object_id = record.pop("object")
            cells.pop("object", None)
            index_or_none = by_id.get(object_id)
            if index_or_none is None:
                if objects_readable:
                    reader.problem(_row_cell(found[0], r), with_hint(
                        f"Kontraktsobjektet «{object_id}» finnes ikke i Brøk. Rett Id, eller "
                        "legg objektet inn i Brøk.", str(object_id), map(str, by_id)))
                continue
            invoices = objects[index_or_none]["invoiced"]
            path = f"contract_objects[{index_or_none}].invoiced[{len(invoices)}]"
            reader.place(path, _row_cell(found[0], r), cells)
            invoices.append(record)
    data["contract_objects"] = objects

    data["adjustments"] = records(layout.KONTRAKTSOBJEKT_KONTI, layout.ADJUSTMENTS,
                                  "adjustments")

    selection: list[dict[str, str]] = []
    selection_at: dict[str, str] = {}
    found = table(layout.KONTOVALG)
    if found:
        for r, record, cells in reader.read_table(*found, layout.ACCOUNT_SELECTION):
            reader.place(f"account_selection[{len(selection)}]", f"{found[0]}!A{r}", cells)
            entry = {"account": record["account"], "name": record.get("name", "")}
            if record.get("transaction_type"):
                entry["transaction_type"] = record["transaction_type"]
                selection_at.setdefault(record["account"], cells["transaction_type"])
            selection.append(entry)
    _check_cost_lines(reader, data["cost_lines"], selection, selection_at,
                      (formulas or {}).get(names[layout.TIL_FORDELING.name] or "", {}),
                      kontovalg_name=names[layout.KONTOVALG.name],
                      cost_lines_read=layout.COST_LINES.section not in unreadable)
    if settings_name is not None and reader.version is None \
            and _is_version_1(blocks[settings_name]):
        reader.warning(f"{settings_name}!{layout.VERSION_CELL}",
                       "Arbeidsboken følger malversjon 1. Den leses som før, men mangler "
                       "adresser, faktureringskoder og Transaksjonstype i Kontovalg; kjør "
                       f"«avregn oppgrader» for malversjon {layout.LAYOUT_VERSION}.")

    return WorkbookInput(data, reader.locations, reader.problems, tuple(selection),
                         frozenset(unreadable), tuple(reader.warnings), reader.version)


def _is_version_1(rows: Rows) -> bool:
    """*Avregning* as layout version 1 had it: rows below the settings (its guide), but no
    address form there. Blocks that end with the settings (a worksheet function's
    ``Innstillinger``) say nothing either way."""
    form = layout.INVOICING
    if len(rows) < form.first_row:
        return False
    label = _Reader.value(rows, form.first_row, form.label_col)
    return _header_fold(label) != _header_fold(form.fields[0].header)


def _check_cost_lines(reader: _Reader, lines: list[dict[str, Any]],
                      selection: Sequence[Mapping[str, str]], types_at: Mapping[str, str],
                      formulas: Mapping[str, str], *, kontovalg_name: str | None,
                      cost_lines_read: bool) -> None:
    """Spec §9b: a line of *Til fordeling* whose account is not in *Kontovalg* is an error at
    its cell (an empty or missing *Kontovalg* is one warning); an account without a digit, or
    an amount that sums other lines of the sheet, is a total row, refused whatever *Kontovalg*
    holds. Each line's transaction type is the one *Kontovalg* gives its account."""
    allowed = {entry["account"]: entry for entry in selection}
    table = layout.COST_LINES
    amount_letter = table.letter("amount")
    if cost_lines_read and lines and not allowed:
        reader.warning(kontovalg_name or layout.KONTOVALG.name,
                       "Kontovalg er tomt, så ingen konto i Til fordeling kontrolleres mot "
                       "kontovalget (en inntektskonto eller en sumlinje fordeles da uten "
                       "varsel). Før opp kontoene som skal være med i Kontovalg.")
    for k, line in enumerate(lines):
        account = str(line.get("account", ""))
        where = reader.locations.get(f"cost_lines[{k}].account", "")
        sheet_name, _, ref = where.partition("!")
        row = _cell_position(ref)[0] if ref else 0
        amount_at = f"{sheet_name}!{amount_letter}{row}"
        formula = formulas.get(f"{amount_letter}{row}")
        total_formula = formula is not None and is_total_formula(formula, amount_letter, row,
                                                                 sheet_name)
        if not any(ch.isdigit() for ch in account):
            reader.problem(where, f"KontoNr: «{account}» har ingen sifre og er ikke et "
                                  "kontonummer — en sumlinje eller en overskrift? Slik linje "
                                  "fordeles aldri: tøm raden.")
        elif total_formula:
            reader.problem(amount_at, f"Beløp: formelen ={formula} summerer andre linjer i "
                                      "arket; en sumlinje fordeles aldri (da ville kostnadene "
                                      "telle dobbelt). Tøm raden, eller skriv kontoens eget "
                                      "beløp.")
        elif allowed and account not in allowed:
            reader.problem(where, f"KontoNr: konto {account} står ikke i Kontovalg, så den "
                                  "fordeles ikke (en inntektskonto eller en konto limt inn "
                                  "ved en feil?). Fjern raden, eller før opp kontoen i "
                                  "Kontovalg.")
        entry = allowed.get(account)
        if entry and entry.get("transaction_type"):
            line["transaction_type"] = entry["transaction_type"]
            reader.locations[f"cost_lines[{k}].transaction_type"] = types_at[account]


_SUM_FUNCTION = re.compile(r"\b(?:_xlfn\.)?(SUM|SUMMER|SUBTOTAL|DELSUM|AGGREGATE|MENGDE)\s*\(",
                           re.IGNORECASE)
_REFERENCE = re.compile(
    r"(?:(?:'((?:[^']|'')+)'|([^\s'!(),:;+\-*/=<>&^]+))!)?"
    r"(?<![A-Za-z0-9_.])\$?([A-Za-z]{1,3})\$?(\d+)(?::\$?([A-Za-z]{1,3})\$?(\d+))?(?![A-Za-z0-9_(])")


def is_total_formula(formula: str, column: str, row: int, sheet_name: str) -> bool:
    """Does the formula in ``column`` ``row`` sum other lines of the same column of its sheet
    (``SUM(C4:C11)``, ``SUMMER(C4:C11)``, ``C4+C5+C6``)? References to other sheets do not
    count."""
    text = formula.lstrip("=")
    others = 0
    for match in _REFERENCE.finditer(text):
        quoted, plain, col0, row0, col1, row1 = match.groups()
        sheet = quoted.replace("''", "'") if quoted else plain
        if sheet is not None and sheet != sheet_name:
            continue
        if col0.upper() != column or (col1 is not None and col1.upper() != column):
            continue
        first, last = int(row0), int(row1 or row0)
        others += (max(first, last) - min(first, last) + 1) - (min(first, last) <= row
                                                             <= max(first, last))
    if others == 0:
        return False
    if _SUM_FUNCTION.search(text):
        return True
    # Only references joined by + (and brackets): a hand-written sum of two or more lines.
    return others >= 2 and re.fullmatch(r"[\s+()$A-Za-z0-9:'!]+", text) is not None


def _row_cell(sheet_name: str, row: int) -> str:
    return f"{sheet_name}!A{row}"


# --- The file ------------------------------------------------------------------------------------

_NS_MAIN = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
# Two searches, not one alternation: the regex engine then scans for each one's literal start
# (10 MB of sheet XML: 93 ms instead of 437 ms). Without a word boundary before ``t=`` the
# second may also hit an attribute ending in t (``fmt="e"``), which only costs the full scan.
_HAS_FORMULA = re.compile(rb"<(?:\w+:)?f[\s>/]")
_HAS_ERROR = re.compile(rb"t=[\"']e[\"']")


def _precheck(path: Path) -> list[Problem]:
    """``precheck`` (missing, zip bombs, encrypted and non-xlsx files): a clean message, never
    a traceback."""
    return [Problem(i.where, i.message) for i in precheck(path)]


def _sheet_parts(archive: zipfile.ZipFile) -> tuple[dict[str, str], bool]:
    """Sheet name → its part in the package, and whether the workbook uses the 1904 dates."""
    parts = sheet_parts(archive)
    if parts is None:
        return {}, False
    return {s.name: s.part for s in parts.sheets if s.part}, parts.date1904


@dataclass(frozen=True, slots=True)
class _Area:
    """The cells of an input sheet the reader reads: rows from..to (None: no end), columns."""

    first_row: int
    last_row: int | None
    columns: frozenset[int]

    def __call__(self, row: int, col: int) -> bool:
        return (row >= self.first_row and (self.last_row is None or row <= self.last_row)
                and col in self.columns)

    def meets(self, r0: int, c0: int, r1: int, c1: int) -> bool:
        """Does the rectangle (1-based, inclusive) share a cell with the area?"""
        rows_meet = r1 >= self.first_row and (self.last_row is None or r0 <= self.last_row)
        return rows_meet and any(c0 <= c <= c1 for c in self.columns)


def _input_area(sheet: Sheet) -> _Area:
    block = sheet.block
    if isinstance(block, Form):
        last = max(b.last_row for b in sheet.blocks if isinstance(b, Form))
        return _Area(block.first_row, last, frozenset({block.label_col, block.value_col}))
    return _Area(block.header_row, None, frozenset(range(block.first_col, block.last_col + 1)))


def _scan_sheet(data: bytes, name: str, inside: Callable[[int, int], bool],
                formulas: dict[str, str] | None = None) -> list[Problem]:
    """Formulas without a cached value and error values in the cells the reader reads; the
    formulas themselves go into ``formulas`` (cell → text) when it is given."""
    if not (_HAS_FORMULA.search(data) or _HAS_ERROR.search(data)):
        return []
    from defusedxml.ElementTree import iterparse

    problems: list[Problem] = []
    row = col = 0
    for event, elem in iterparse(io.BytesIO(data), events=("start", "end"), forbid_dtd=True):
        tag = elem.tag.rsplit("}", 1)[-1]
        if event == "start":
            if tag == "row":
                row = int(elem.get("r") or row + 1)
                col = 0
            continue
        if tag == "c":
            ref = elem.get("r")
            match = CELL_REF.fullmatch(ref) if ref else None
            if match:
                col, row = column_index(match[1]), int(match[2])
            else:
                col += 1
            if inside(row, col):
                formula = elem.find(f"{_NS_MAIN}f")
                value = elem.find(f"{_NS_MAIN}v")
                cell = f"{name}!{column_letter(col)}{row}"
                if formulas is not None and formula is not None and formula.text:
                    formulas[f"{column_letter(col)}{row}"] = formula.text
                if formula is not None and (value is None or not (value.text or "").strip()):
                    problems.append(Problem(cell, f"formelen i {cell} har ingen lagret verdi; "
                                                  "åpne og lagre arbeidsboken i Excel først"))
                elif elem.get("t") == "e":
                    shown = (value.text or "").strip() if value is not None else "#FEIL"
                    problems.append(Problem(cell, f"cellen viser feilen {shown}. Rett formelen "
                                                  "eller skriv inn verdien."))
            elem.clear()
        elif tag == "row":
            elem.clear()
    return problems


def _merged_problems(name: str, ranges: Any, area: _Area) -> list[Problem]:
    out = []
    for (r0, c0), (r1, c1) in ranges or ():
        if area.meets(r0 + 1, c0 + 1, r1 + 1, c1 + 1):
            ref = f"{column_letter(c0 + 1)}{r0 + 1}:{column_letter(c1 + 1)}{r1 + 1}"
            out.append(Problem(f"{name}!{ref}",
                               "Sammenslåtte celler i inndata: bare den første cellen har en "
                               "verdi, de andre leses som tomme. Del opp sammenslåingen (Hjem → "
                               "Slå sammen og midtstill)."))
    return out


class _CalamineBlocks(Mapping[str, Rows]):
    """The workbook's sheets by name; the input sheets are loaded up front (``load``), so that a
    damaged file fails there, as a problem, and never inside ``read_blocks``."""

    def __init__(self, workbook: Any):
        self.workbook = workbook
        self.names: list[str] = list(workbook.sheet_names)
        self.cache: dict[str, Rows] = {}
        self.merged: dict[str, Any] = {}

    def load(self, name: str) -> None:
        sheet = self.workbook.get_sheet_by_name(name)
        self.cache[name] = sheet.to_python(skip_empty_area=False)
        self.merged[name] = getattr(sheet, "merged_cell_ranges", None)

    def __getitem__(self, name: str) -> Rows:
        if name not in self.names:
            raise KeyError(name)
        if name not in self.cache:
            self.load(name)
        return self.cache[name]

    def __iter__(self) -> Iterator[str]:
        return iter(self.names)

    def __len__(self) -> int:
        return len(self.names)

    def __contains__(self, name: object) -> bool:
        return name in self.names


def _input_sheet_names(names: Iterable[str]) -> dict[str, Sheet]:
    """The workbook's sheets that are (or nearly are) input sheets of the layout."""
    out: dict[str, Sheet] = {}
    for name in names:
        for sheet in layout.INPUT_SHEETS:
            if name == sheet.name or _fold(name) == _fold(sheet.name):
                out[name] = sheet
    return out


def read_workbook(path: str | Path, *, sheets: dict[str, Rows] | None = None) -> WorkbookInput:
    """An xlsx settlement workbook → ``WorkbookInput``; file-level trouble is a problem too.

    ``sheets``, when given, receives the rows of every sheet read (by the workbook's own sheet
    name), so a caller that needs them again (the banner's checksums) does not read the file
    a second time."""
    from python_calamine import CalamineWorkbook

    file = Path(path)
    problems = _precheck(file)
    if problems:
        return WorkbookInput({}, {}, problems)
    scanned: list[Problem] = []
    formulas: dict[str, dict[str, str]] = {}
    try:
        with zipfile.ZipFile(file) as archive:
            parts, date1904 = _sheet_parts(archive)
            members = set(archive.namelist())
            for name, sheet in _input_sheet_names(parts).items():
                if parts[name] in members:
                    scanned += _scan_sheet(archive.read(parts[name]), name, _input_area(sheet),
                                           formulas.setdefault(name, {}))
        blocks = _CalamineBlocks(CalamineWorkbook.from_path(str(file)))
        inputs = _input_sheet_names(blocks.names)
        for name in inputs:
            blocks.load(name)
        if sheets is not None:
            sheets.update(blocks.cache)
    except Exception as exc:  # a damaged file must give a message, never a traceback
        return WorkbookInput({}, {}, [Problem(file.name, "Arbeidsboken kan ikke leses "
                                                         f"({type(exc).__name__}: {exc}). Er "
                                                         "den skadet? Åpne og lagre den i Excel.")])
    result = read_blocks(blocks, date1904=date1904, formulas=formulas)
    merged: list[Problem] = []
    for name, sheet in inputs.items():
        merged += _merged_problems(name, blocks.merged.get(name), _input_area(sheet))
    flagged = {p.where for p in scanned}
    kept = [p for p in result.problems if p.where not in flagged]
    return WorkbookInput(result.data, result.locations, scanned + merged + kept,
                         result.account_selection, result.unreadable, result.warnings,
                         result.layout_version)
