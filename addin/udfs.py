"""Worksheet functions: one model per workbook input, cheap lookups per cell.

Excel recalculates a function when one of its arguments changes, and xlwings converts every
range argument on every call (five blocks of a 500 × 200 settlement are 21 762 cells, ~8 ms
of conversion before the COM transfer). So only one function takes the input blocks:

    =AVREGN_MODELL(Innstillinger; Kontraktsobjekter[#All]; Kostnadslinjer[#All];
                   Justeringer[#All]; AKonto[#All])

It reads them with the same reader and rules as the Beregn button (``actions.load``),
calculates once, keeps the model in memory and returns a short handle text, e.g.
``Modell 3f2a9c1b7d04``. Every other function takes that cell as its first argument and is a
dictionary lookup:

    =AVREGN_ANDEL($B$1; A5)          the tenant's sum S_i (or A_ia with a konto)
    =AVREGN_REST($B$1; A5)           R_i
    =AVREGN_BROK($B$1; A5)           T_i / N
    =AVREGN_KR_PR_ENHET($B$1; 6300)  B_a / N
    =AVREGN_FORKLAR($B$1; A5; 6300)  one line: how the figure came about
    =AVREGN_BEREGNING($B$1)          the Beregning table, spilled

The handle is a digest of the input fingerprint (``engine.fingerprint``, which covers every
figure and every text the functions show) and of the ✗ and export marks (which the
fingerprint leaves out but which change the invoice status). So it changes exactly when
something a function can return changes, and the status cell — which the ribbon's buttons
write — is no part of it. When the input has errors the model cell shows the first one,
``#AVREGN: Brøk!J7: … (og 2 til)``, and every function given that cell passes it on. A handle
with no model behind it (Python was restarted while Excel kept its cells) answers
``#AVREGN: trykk Ctrl+Alt+F9``: a full recalculation runs ``AVREGN_MODELL`` again.

The model cache is keyed by a digest of the argument values' ``repr``: ``True`` and ``1.0``,
``""`` and ``None`` are different keys (at worst a recalculation, never a wrong answer).

Each block is placed where the layout has it on its sheet (``blocks_from_arguments``), so a
cell named in an error (``Brøk!J7``) is where the template has it. A table may be passed with
its header row (``Kontraktsobjekter[#All]``) or without it.

Conversions, declared so that real xlwings (Windows) accepts them: every hint is ``Any``,
which xlwings maps to its plain value converter (a hint ``float | str`` makes the converter a
``types.UnionType`` and every call fails, xlwings issues #2586/#2666); the blocks are
``ndim=2, err_to_str=True`` (a one-row table stays a list of rows; a cell error arrives as its
text and is reported at its cell). Money comes back as a float (Excel sums doubles), converted
from the engine's ``Decimal`` here and nowhere else. The scalar arguments of the per-cell
functions are ``raw``: xlwings' cleaning pipeline costs ~17 µs per argument, raw ~6 µs; what
it would have cleaned is handled here (an ``int`` is a cell error's code, ``error_text``; a
date arrives as a ``datetime`` subclass; an empty cell as None).
"""

from __future__ import annotations

import hashlib
import importlib.metadata
from collections import OrderedDict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal
from fractions import Fraction
from typing import Any

import xlwings as xw

from addin.live_book import cell_text, error_text, excel_scalar
from addin.messages import UDF_PREFIX, udf_error
from avregn import actions
from avregn.book import Rows
from avregn.formatting import nok, number
from avregn.workbook import layout
from avregn.workbook.layout import Form, Sheet, Table
from avregn.workbook.reader import WorkbookInput, read_blocks
from avregn.workbook.results_sheets import beregning_sheet
from avregn.workbook.sheet_content import SheetContent
from avregn.workbook.textnum import normalise, parse_number
from engine.calculation import try_calculate
from engine.lookalikes import with_hint
from engine.model import SettlementInput
from engine.periods import overlap_days
from engine.result import AccountResult, ObjectResult, Result

CACHE_SIZE = 8  # models kept: a few workbooks open at once, each with its latest input
HANDLE_PREFIX = "Modell "
RECALCULATE = udf_error("trykk Ctrl+Alt+F9")

# The model function's block arguments in order, each with the sheet and block it stands for.
BLOCKS: tuple[tuple[str, Sheet], ...] = (
    ("innstillinger", layout.AVREGNING),
    ("objekter", layout.BROK),
    ("kostnader", layout.TIL_FORDELING),
    ("justeringer", layout.KONTRAKTSOBJEKT_KONTI),
    ("akonto", layout.A_KONTO),
)


# --- Blocks → rows the reader reads --------------------------------------------------------------


def _fold(value: Any) -> str:
    return normalise(str(value)).casefold() if value is not None else ""


def as_rows(value: Any) -> list[list[Any]]:
    """An argument as a list of rows: None is no rows, a scalar one cell, a flat list one row
    (xlwings without ``ndim=2`` gives a one-row range so). Error codes and ``Decimal`` cells
    are read as the live port reads them (``excel_scalar``)."""
    if value is None:
        return []
    if isinstance(value, list | tuple):
        if not value:
            return []
        if all(isinstance(row, list | tuple) for row in value):
            return [[excel_scalar(v) for v in row] for row in value]
        return [[excel_scalar(v) for v in value]]
    return [[excel_scalar(value)]]


def _is_header(row: Sequence[Any], headers: Sequence[str]) -> bool:
    """Most filled cells of ``row`` are headers of the block (a renamed column is the
    reader's to report, at its cell)."""
    wanted = {_fold(h) for h in headers}
    filled = [_fold(v) for v in row if _fold(v)]
    return bool(filled) and 2 * sum(v in wanted for v in filled) >= len(filled)


def _place_table(rows: list[list[Any]], table: Table) -> list[list[Any]]:
    headers = [c.header for c in table.columns]
    pad: list[Any] = [None] * (table.first_col - 1)
    grid: list[list[Any]] = [[] for _ in range(table.header_row - 1)]
    if rows and _is_header(rows[0], headers):
        grid.append(pad + rows[0])
        rows = rows[1:]
    else:
        grid.append(pad + headers)
    grid += [pad + row for row in rows]
    return grid


def _place_form(rows: list[list[Any]], form: Form) -> list[list[Any]]:
    first = form.first_row
    if rows and rows[0] and _fold(rows[0][0]) == _fold(form.headers[0]):
        first = form.header_row
    pad: list[Any] = [None] * (form.label_col - 1)
    grid = [[] for _ in range(first - 1)] + [pad + row for row in rows]
    return _status_left_out(grid, form)


def _status_left_out(grid: list[list[Any]], form: Form) -> list[list[Any]]:
    """The model never depends on the status cell, which the ribbon's buttons write: when the
    layout still has the status among the settings, its row is put in empty (a block passed
    without it reads as the template's, one passed with it reads the same)."""
    if not any(c.field == "status" for c in form.fields):
        return grid  # the layout keeps the status outside Innstillinger
    at = form.row("status") - 1
    while len(grid) <= at:
        grid.append([])
    grid[at] = [None] * (form.label_col - 1) + [form.column("status").header, None]
    return grid


def blocks_from_arguments(*arguments: Any) -> dict[str, list[list[Any]]]:
    """The model function's block arguments → sheet name → rows from A1 (``read_blocks``)."""
    out: dict[str, list[list[Any]]] = {}
    for (_, sheet), value in zip(BLOCKS, arguments, strict=True):
        rows = as_rows(value)
        block = sheet.block
        out[sheet.name] = (_place_form(rows, block) if isinstance(block, Form)
                           else _place_table(rows, block))
    return out


class _ValuesBook:
    """A read-only book port over values in memory, so that the model reads the input
    exactly as the Beregn button does (``actions.load``)."""

    name = "AVREGN"
    path = None  # values in memory: never saved

    def __init__(self, blocks: Mapping[str, Rows]):
        self.blocks = blocks

    def read_input(self) -> WorkbookInput:
        return read_blocks(self.blocks)

    def read_sheet(self, sheet_name: str) -> Rows | None:
        return self.blocks.get(sheet_name)

    def write_sheets(self, contents: Sequence[SheetContent]) -> None:
        raise NotImplementedError("a worksheet function writes nothing")

    def set_values(self, edits: Mapping[str, Mapping[str, Any]]) -> None:
        raise NotImplementedError("a worksheet function writes nothing")

    def commit(self) -> None:
        """Nothing is ever staged."""


# --- The model -----------------------------------------------------------------------------------


@dataclass
class Model:
    """One calculated input, indexed for the per-cell functions."""

    handle: str
    settlement: SettlementInput
    result: Result
    objects: Mapping[str, ObjectResult]
    accounts: Mapping[str, AccountResult]
    known_ids: frozenset[str]  # every object of Brøk, taking part or not
    _table: list[list[Any]] | None = field(default=None, repr=False)

    def table(self) -> list[list[Any]]:
        """The Beregning table (header row and one row per object), built on first use."""
        if self._table is None:
            self._table = _beregning_table(self.settlement, self.result)
        return self._table


_models: OrderedDict[str, Model] = OrderedDict()  # handle → model
_answers: OrderedDict[str, str] = OrderedDict()  # input key → handle or error text


def clear_cache() -> None:
    _models.clear()
    _answers.clear()


def input_key(arguments: Sequence[Any]) -> str:
    """A digest of the argument values that never takes ``True`` for ``1``: ``repr`` spells
    the type of every value (``True``, ``1.0``, ``1``, ``Decimal('1')``, ``None``, ``''``)."""
    return hashlib.blake2b(repr(arguments).encode("utf-8"), digest_size=20).hexdigest()


def handle_of(settlement: SettlementInput, fingerprint: str) -> str:
    """The model's handle: the fingerprint and the marks it leaves out (✗, export batch)."""
    marks = "|".join(f"{o.id}\x1f{int(o.do_not_invoice)}\x1f{o.exported or ''}"
                     for o in settlement.contract_objects)
    digest = hashlib.sha256(f"{fingerprint}\n{marks}".encode()).hexdigest()
    return HANDLE_PREFIX + digest[:12]


def _remember(key: str, answer: str, model: Model | None) -> str:
    _answers[key] = answer
    _answers.move_to_end(key)
    while len(_answers) > 4 * CACHE_SIZE:
        _answers.popitem(last=False)
    if model is not None:
        _models[model.handle] = model
        _models.move_to_end(model.handle)
        while len(_models) > CACHE_SIZE:
            _models.popitem(last=False)
    return answer


def build_model(arguments: Sequence[Any]) -> Model | str:
    """Read, validate and calculate the blocks: a model, or the error text."""
    loaded = actions.load(_ValuesBook(blocks_from_arguments(*arguments)), require_amounts=True)
    if loaded.settlement is None:
        return udf_error(loaded.problems)
    settlement = loaded.settlement
    result, problems = try_calculate(settlement)
    if result is None:
        return udf_error(loaded.input.relocate(problems))
    if result.objects and result.accounts:  # the allocation index, built now, not per cell
        result.allocation(result.objects[0].id, result.accounts[0].account)
    return Model(
        handle=handle_of(settlement, result.fingerprint),
        settlement=settlement,
        result=result,
        objects={o.id: o for o in result.objects},
        accounts={a.account: a for a in result.accounts},
        known_ids=frozenset(o.id for o in settlement.contract_objects),
    )


def model_answer(*arguments: Any) -> str:
    """What ``AVREGN_MODELL`` shows for these blocks: the handle or the error text."""
    key = input_key(arguments)
    answer = _answers.get(key)
    if answer is not None and (answer.startswith(UDF_PREFIX) or answer in _models):
        _answers.move_to_end(key)
        return answer
    built = build_model(arguments)
    if isinstance(built, str):
        return _remember(key, built, None)
    return _remember(key, built.handle, built)


def lookup(modell: Any) -> Model | str:
    """The model behind a handle, or the text to show instead."""
    if isinstance(modell, str):
        found = _models.get(modell)
        if found is not None:
            return found
        if modell.startswith(UDF_PREFIX):
            return modell  # the model cell's own error, passed on
        if modell.startswith(HANDLE_PREFIX):
            return RECALCULATE
    if (error := error_text(modell)) is not None:
        return udf_error(f"modellcellen viser {error}")
    return udf_error("første argument må være cellen med =AVREGN_MODELL(…)")


def _object(model: Model, objekt: Any) -> ObjectResult | str:
    if (error := error_text(objekt)) is not None:
        return udf_error(f"objekt er feilverdien {error}")
    object_id = cell_text(objekt)
    if not object_id:
        return udf_error("objekt mangler (Id fra Brøk)")
    found = model.objects.get(object_id)
    if found is not None:
        return found
    if object_id in model.known_ids:
        return udf_error(f"«{object_id}» er ikke med i avregningen (ingen leiedager eller "
                         "betalinger i perioden)")
    return udf_error(with_hint(f"fant ikke kontraktsobjektet «{object_id}» i Brøk", object_id,
                               model.known_ids))


def _account(model: Model, konto: Any) -> AccountResult | str:
    if (error := error_text(konto)) is not None:
        return udf_error(f"konto er feilverdien {error}")
    account = cell_text(konto)
    found = model.accounts.get(account)
    if found is not None:
        return found
    if not account:
        return udf_error("konto mangler (KontoNr fra Til fordeling)")
    return udf_error(with_hint(f"fant ikke kontoen «{account}» i Til fordeling", account,
                               model.accounts))


def _money(value: Decimal) -> float:
    return float(value)  # float-ok: the cell's value (Excel sums doubles); exact in Beregning


def _cell(value: Any) -> Any:
    """A Beregning value as a spilled cell: money a number, nothing an empty text."""
    if value is None:
        return ""
    if isinstance(value, Decimal | Fraction):
        return float(value)  # float-ok: a cell of the spilled table
    return value


def _beregning_table(settlement: SettlementInput, result: Result) -> list[list[Any]]:
    """The header row and the object rows of the Beregning sheet, as the sheet has them."""
    table = layout.CALCULATION
    content = beregning_sheet(settlement, result)
    first = table.header_row - 1
    rows = content.rows[first: first + 1 + len(result.objects)]
    width = len(table.columns)
    start = table.first_col - 1
    out = []
    for row in rows:
        cells = [_cell(c.value) for c in row[start: start + width]]
        out.append(cells + [""] * (width - len(cells)))
    return out


# --- Explaining a figure -------------------------------------------------------------------------


def _pct(value: Decimal) -> str:
    return f"{number(value, 4)} %"


def explain_account(model: Model, obj: ObjectResult, acc: AccountResult) -> str:
    """``6300 Renhold: 120,5 × faktor 1 / 703 × 50 000,00 = 8 570,41 × andel 100 % = …``."""
    allocation = model.result.allocation(obj.id, acc.account)
    head = f"{acc.account} {acc.name}".strip() + ": "
    label = model.result.denominator_label or "kvm"
    if not allocation.participates:
        return head + f"deltar ikke på kontoen; andel {nok(allocation.tenant_share)}."
    if acc.denominator == 0:
        return head + "ingen enheter i nevneren: hele kontoen er eiers (Ledig); andel 0,00."
    line = (f"{number(obj.weighted_numerator, 4)} {label} × faktor {number(allocation.factor)}"
            f" / {number(acc.denominator, 4)} × {nok(acc.to_distribute)} = "
            f"{nok(allocation.distributed)}")
    if allocation.share_pct != 100:
        line += f" × andel {_pct(allocation.share_pct)} = {nok(allocation.tenant_share)}"
    return head + line + "."


def explain_object(model: Model, obj: ObjectResult) -> str:
    """``Andel 12 345,67 (tak …) = sum … − utfakturert … − korrigert … = rest …``."""
    parts = [f"{obj.id}: andel {nok(obj.share)} ({len(model.result.accounts)} kontoer, "
             f"brøk {number(obj.weighted_numerator, 4)} / {number(model.result.denominator)})"]
    if obj.cap_limit is not None and obj.cap_reduction:
        parts.append(f"tak {nok(obj.cap_limit)} (−{nok(obj.cap_reduction)})")
    if obj.fixed_amount is not None:
        parts.append(f"fast beløp {nok(obj.fixed_amount)}")
    text = "; ".join(parts)
    text += (f" → sum {nok(obj.total)} − utfakturert {nok(obj.invoiced)} − korrigert "
             f"{nok(obj.correction)} = rest {nok(obj.rest)}")
    if obj.admin_fee:
        text += f"; adm.honorar {nok(obj.admin_fee)}"
    return text + "."


# --- Pure helper ---------------------------------------------------------------------------------

_EXCEL_EPOCH = date(1899, 12, 30)  # serial 1 = 01.01.1900 (Excel's 1900 leap-year bug aside)


def _as_date(value: Any, what: str) -> date | str:
    if (error := error_text(value)) is not None:
        return udf_error(f"{what} er feilverdien {error}")
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if isinstance(value, int | float) and not isinstance(value, bool) and 1 <= value < 2958466:
        return _EXCEL_EPOCH + timedelta(days=int(value))
    return udf_error(f"{what} er ikke en dato: {value!r}")


def weighted_numerator(teller: Any, start: Any, slutt: Any, periodestart: Any,
                       periodeslutt: Any) -> Fraction | str:
    """T_i = t_i · d_i / D (spec §6.1), or the error text."""
    if (error := error_text(teller)) is not None:
        return udf_error(f"teller er feilverdien {error}")
    try:
        numerator = Fraction(parse_number(teller))
    except (ValueError, TypeError, ArithmeticError):
        return udf_error(f"teller er ikke et tall: {teller!r}")
    dates = [_as_date(start, "start"), _as_date(periodestart, "periodestart"),
             _as_date(periodeslutt, "periodeslutt")]
    end = None if slutt in (None, "") else _as_date(slutt, "slutt")
    for found in (*dates, end):
        if isinstance(found, str):
            return found
    lease_start, period_start, period_end = dates
    assert isinstance(lease_start, date) and isinstance(period_start, date)
    assert isinstance(period_end, date) and not isinstance(end, str)
    if period_end < period_start:
        return udf_error("periodeslutt er før periodestart")
    days = (period_end - period_start).days + 1
    return numerator * overlap_days(lease_start, end, period_start, period_end) / days


# --- The functions -------------------------------------------------------------------------------
# Hints are ``Any`` only (see the module docstring). Each answers with a text, never raises.


def _internal(exc: Exception) -> str:
    return udf_error(f"Intern feil: {exc}")


@xw.func
def AVREGN_VERSJON() -> Any:
    """avregn's and xlwings' versions: the check cell of the installation."""
    try:
        own = importlib.metadata.version("avregn")
    except importlib.metadata.PackageNotFoundError:
        own = "(ukjent versjon)"
    return f"avregn {own} · xlwings {xw.__version__}"


_BLOCK = {"ndim": 2, "err_to_str": True}


@xw.func
@xw.arg("innstillinger", **_BLOCK)
@xw.arg("objekter", **_BLOCK)
@xw.arg("kostnader", **_BLOCK)
@xw.arg("justeringer", **_BLOCK)
@xw.arg("akonto", **_BLOCK)
def AVREGN_MODELL(innstillinger: Any, objekter: Any, kostnader: Any, justeringer: Any,
                  akonto: Any) -> Any:
    """Reads, checks and calculates the settlement once; returns the model's handle
    (the first argument of the other AVREGN functions) or the first error."""
    try:
        return model_answer(innstillinger, objekter, kostnader, justeringer, akonto)
    except Exception as exc:  # a worksheet function answers with text, never raises
        return _internal(exc)


@xw.func
@xw.arg("modell", "raw")
@xw.arg("objekt", "raw")
@xw.arg("konto", "raw")
def AVREGN_ANDEL(modell: Any, objekt: Any, konto: Any = None) -> Any:
    """The tenant's share: with a konto A_ia (after the share agreement), without the
    object's sum S_i (after cap and fixed)."""
    try:
        model = lookup(modell)
        if isinstance(model, str):
            return model
        obj = _object(model, objekt)
        if isinstance(obj, str):
            return obj
        if konto is None or konto == "":
            return _money(obj.total)
        acc = _account(model, konto)
        if isinstance(acc, str):
            return acc
        return _money(model.result.allocation(obj.id, acc.account).tenant_share)
    except Exception as exc:
        return _internal(exc)


@xw.func
@xw.arg("modell", "raw")
@xw.arg("objekt", "raw")
def AVREGN_REST(modell: Any, objekt: Any) -> Any:
    """The object's rest R_i: positive, the tenant owes; negative, a credit."""
    try:
        model = lookup(modell)
        if isinstance(model, str):
            return model
        obj = _object(model, objekt)
        return obj if isinstance(obj, str) else _money(obj.rest)
    except Exception as exc:
        return _internal(exc)


@xw.func
@xw.arg("modell", "raw")
@xw.arg("objekt", "raw")
def AVREGN_BROK(modell: Any, objekt: Any) -> Any:
    """The object's fraction: weighted numerator / denominator (T_i / N)."""
    try:
        model = lookup(modell)
        if isinstance(model, str):
            return model
        obj = _object(model, objekt)
        if isinstance(obj, str):
            return obj
        return float(obj.weighted_numerator / Fraction(model.result.denominator))  # float-ok
    except Exception as exc:
        return _internal(exc)


@xw.func
@xw.arg("modell", "raw")
@xw.arg("konto", "raw")
def AVREGN_KR_PR_ENHET(modell: Any, konto: Any) -> Any:
    """Kr per enhet of an account: B_a / N, 2 decimals (display only)."""
    try:
        model = lookup(modell)
        if isinstance(model, str):
            return model
        acc = _account(model, konto)
        return acc if isinstance(acc, str) else _money(acc.per_unit)
    except Exception as exc:
        return _internal(exc)


@xw.func
@xw.arg("modell", "raw")
@xw.arg("objekt", "raw")
@xw.arg("konto", "raw")
def AVREGN_FORKLAR(modell: Any, objekt: Any, konto: Any = None) -> Any:
    """One line explaining a figure: units × factor / denominator × amount × share %, or the
    object's sum with cap or fixed amount and rest."""
    try:
        model = lookup(modell)
        if isinstance(model, str):
            return model
        obj = _object(model, objekt)
        if isinstance(obj, str):
            return obj
        if konto is None or konto == "":
            return explain_object(model, obj)
        acc = _account(model, konto)
        return acc if isinstance(acc, str) else explain_account(model, obj, acc)
    except Exception as exc:
        return _internal(exc)


@xw.func
@xw.arg("modell", "raw")
def AVREGN_BEREGNING(modell: Any) -> Any:
    """The Beregning table (headers and one row per object) as one array that spills."""
    try:
        model = lookup(modell)
        if isinstance(model, str):
            return model
        return model.table()
    except Exception as exc:
        return _internal(exc)


@xw.func
@xw.arg("teller", "raw")
@xw.arg("start", "raw")
@xw.arg("slutt", "raw")
@xw.arg("periodestart", "raw")
@xw.arg("periodeslutt", "raw")
def AVREGN_VEKTET_TELLER(teller: Any, start: Any, slutt: Any, periodestart: Any,
                         periodeslutt: Any) -> Any:
    """Weighted numerator: teller × days of the lease inside the period / days of the period.
    An empty slutt is an open lease."""
    try:
        found = weighted_numerator(teller, start, slutt, periodestart, periodeslutt)
        return found if isinstance(found, str) else float(found)  # float-ok: a quantity
    except Exception as exc:
        return _internal(exc)
