"""Worksheet functions: ``=AVREGN_ANDEL(…)``, ``=AVREGN_REST(…)``, ``=AVREGN_VERSJON()``.

Excel recalculates a function only when its arguments change, so the functions take the
template's input blocks as arguments — the defined name ``Innstillinger`` and the Excel tables
``Kontraktsobjekter``, ``Kostnadslinjer``, ``Justeringer`` and ``AKonto`` (``avregn.workbook
.layout``) — and never read the sheets behind Excel's back:

    =AVREGN_ANDEL(Innstillinger; Kontraktsobjekter[#All]; Kostnadslinjer[#All];
                  Justeringer[#All]; AKonto[#All]; "1001-1"; 6300)

Each block is placed where the layout has it on its sheet and handed, with the sheet names,
to the same ``read_blocks`` and ``actions.load`` the Beregn button uses: one reader, one set of
rules, problems located at cells. A table may be passed with its header row
(``Kontraktsobjekter[#All]``) or without it (``Kontraktsobjekter``): a first row in which most
filled cells are the layout's headers is the header row; otherwise the layout's headers are put
above the rows. ``Innstillinger`` is the label/value range (its header row "Innstilling | Verdi"
and the help column may be included). Since the blocks are placed at the template's positions,
a cell named in an error (``Brøk!J7``) is where the template has it.

Every call of a function in a sheet full of them gets the same blocks, so the calculation runs
once per distinct input: the result is kept in a small LRU keyed by the argument values
themselves, and each call is a dictionary lookup. Errors are a cell text, never an exception:
``#AVREGN: Brøk!J7: Teller: … (og 2 til)``. A money figure is returned as a float (Excel holds
doubles); the exact figure is the engine's Decimal, which *Beregning* shows too.

On Linux the xlwings decorators are no-ops, so these stay plain callables for the tests; in
Excel, ``@xw.arg(..., ndim=2, err_to_str=True)`` makes every block a list of rows (a one-row
table included) and a cell error its text, which the reader reports at its cell.
"""

from __future__ import annotations

import importlib.metadata
from collections import OrderedDict
from collections.abc import Hashable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import xlwings as xw

from addin.live_book import cell_text
from addin.messages import udf_error
from avregn import actions
from avregn.book import Rows
from avregn.workbook import layout
from avregn.workbook.layout import Form, Sheet, Table
from avregn.workbook.reader import WorkbookInput, read_blocks
from avregn.workbook.sheet_content import SheetContent
from avregn.workbook.textnum import normalise
from engine.calculation import try_calculate
from engine.lookalikes import with_hint
from engine.problems import Problem
from engine.result import ObjectResult, Result

CACHE_SIZE = 8

# The functions' block arguments in order, each with the sheet and block it stands for.
BLOCKS: tuple[tuple[str, Sheet], ...] = (
    ("innstillinger", layout.AVREGNING),
    ("objekter", layout.BROK),
    ("kostnader", layout.TIL_FORDELING),
    ("justeringer", layout.KONTRAKTSOBJEKT_KONTI),
    ("akonto", layout.A_KONTO),
)


def _fold(value: Any) -> str:
    return normalise(str(value)).casefold() if value is not None else ""


def as_rows(value: Any) -> list[list[Any]]:
    """An argument as a list of rows: None is no rows, a scalar one cell, a flat list one row
    (xlwings without ``ndim=2`` gives a one-row range so)."""
    if value is None:
        return []
    if isinstance(value, list | tuple):
        if not value:
            return []
        if all(isinstance(row, list | tuple) for row in value):
            return [list(row) for row in value]
        return [list(value)]
    return [[value]]


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
    return [[] for _ in range(first - 1)] + [pad + row for row in rows]


def blocks_from_arguments(*arguments: Any) -> dict[str, list[list[Any]]]:
    """The functions' block arguments → sheet name → rows from A1, as ``read_blocks`` wants."""
    out: dict[str, list[list[Any]]] = {}
    for (_, sheet), value in zip(BLOCKS, arguments, strict=True):
        rows = as_rows(value)
        block = sheet.block
        out[sheet.name] = (_place_form(rows, block) if isinstance(block, Form)
                           else _place_table(rows, block))
    return out


class _ValuesBook:
    """A read-only book port over values in memory, so that the functions read the input
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


@dataclass(frozen=True)
class Calculated:
    """One calculation of the blocks: a result with its objects by Id, or the problems."""

    result: Result | None
    problems: tuple[Problem, ...]
    objects: Mapping[str, ObjectResult]
    known_ids: frozenset[str]  # every object of Brøk, taking part or not


def _freeze(value: Any) -> Hashable:
    if isinstance(value, list | tuple):
        return tuple(_freeze(v) for v in value)
    if value == "":
        return None  # an empty cell arrives as None or "": the same input
    hashable: Hashable = value
    return hashable


_cache: OrderedDict[Hashable, Calculated] = OrderedDict()


def calculated(*arguments: Any) -> Calculated:
    """The calculation of these blocks, from the cache when they were seen lately."""
    key = _freeze(arguments)
    hit = _cache.get(key)
    if hit is not None:
        _cache.move_to_end(key)
        return hit
    done = _calculate(arguments)
    _cache[key] = done
    while len(_cache) > CACHE_SIZE:
        _cache.popitem(last=False)
    return done


def clear_cache() -> None:
    _cache.clear()


def _calculate(arguments: Sequence[Any]) -> Calculated:
    loaded = actions.load(_ValuesBook(blocks_from_arguments(*arguments)))
    known = frozenset(str(o.get("id")) for o in loaded.input.data.get("contract_objects") or ())
    if loaded.settlement is None:
        return Calculated(None, loaded.problems, {}, known)
    result, problems = try_calculate(loaded.settlement)
    if result is None:
        return Calculated(None, tuple(loaded.input.relocate(problems)), {}, known)
    return Calculated(result, (), {o.id: o for o in result.objects}, known)


def _object(done: Calculated, objekt: Any) -> ObjectResult | str:
    object_id = cell_text(objekt)
    if not object_id:
        return udf_error("objekt mangler (Id fra Brøk)")
    found = done.objects.get(object_id)
    if found is not None:
        return found
    if object_id in done.known_ids:
        return udf_error(f"«{object_id}» er ikke med i avregningen (ingen leiedager eller "
                         "betalinger i perioden)")
    return udf_error(with_hint(f"fant ikke kontraktsobjektet «{object_id}» i Brøk", object_id,
                               done.known_ids))


# --- The functions -------------------------------------------------------------------------------

_BLOCK_ARGS = {"ndim": 2, "err_to_str": True}


@xw.func
def AVREGN_VERSJON() -> str:
    """avregn's version."""
    try:
        return f"avregn {importlib.metadata.version('avregn')}"
    except importlib.metadata.PackageNotFoundError:
        return "avregn (ukjent versjon)"


@xw.func
@xw.arg("innstillinger", **_BLOCK_ARGS)
@xw.arg("objekter", **_BLOCK_ARGS)
@xw.arg("kostnader", **_BLOCK_ARGS)
@xw.arg("justeringer", **_BLOCK_ARGS)
@xw.arg("akonto", **_BLOCK_ARGS)
def AVREGN_ANDEL(innstillinger: Any, objekter: Any, kostnader: Any, justeringer: Any,
                 akonto: Any, objekt: Any, konto: Any = None) -> float | str:
    """The tenant's share: of one account (A_ia, spec §6.4), or with no account the object's
    sum after caps and fixed amounts (S_i)."""
    try:
        done = calculated(innstillinger, objekter, kostnader, justeringer, akonto)
        if done.result is None:
            return udf_error(done.problems)
        found = _object(done, objekt)
        if isinstance(found, str):
            return found
        account = cell_text(konto)
        if not account:
            return float(found.total)  # float-ok: the cell's value; exact figure in Beregning
        try:
            share = done.result.allocation(found.id, account).tenant_share
        except KeyError:
            return udf_error(with_hint(f"fant ikke kontoen «{account}» i Til fordeling",
                                       account, (a.account for a in done.result.accounts)))
        return float(share)  # float-ok: the cell's value; exact figure in Beregning
    except Exception as exc:  # a worksheet function answers with text, never raises
        return udf_error(f"Intern feil: {exc}")


@xw.func
@xw.arg("innstillinger", **_BLOCK_ARGS)
@xw.arg("objekter", **_BLOCK_ARGS)
@xw.arg("kostnader", **_BLOCK_ARGS)
@xw.arg("justeringer", **_BLOCK_ARGS)
@xw.arg("akonto", **_BLOCK_ARGS)
def AVREGN_REST(innstillinger: Any, objekter: Any, kostnader: Any, justeringer: Any,
                akonto: Any, objekt: Any) -> float | str:
    """The object's rest (R_i, spec §6.7): positive, the tenant owes; negative, a credit."""
    try:
        done = calculated(innstillinger, objekter, kostnader, justeringer, akonto)
        if done.result is None:
            return udf_error(done.problems)
        found = _object(done, objekt)
        if isinstance(found, str):
            return found
        return float(found.rest)  # float-ok: the cell's value; exact figure in Beregning
    except Exception as exc:  # a worksheet function answers with text, never raises
        return udf_error(f"Intern feil: {exc}")
