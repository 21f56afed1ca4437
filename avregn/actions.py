"""One function per user action — beregn, status, skal-ikke-faktureres, ny periode — told once.

The ribbon (``addin``) and the CLI call the same functions with a book port
(``avregn.book``): a file or live Excel. An action reads the input, lets the engine decide,
and stages what to write; it returns an ``Outcome`` — problems and warnings as data, with
``where`` already translated to ``Sheet!Cell`` — and never raises for the user's mistakes.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable, Sequence
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from pathlib import Path
from typing import ParamSpec

from avregn.book import BookPort
from avregn.formatting import nok
from avregn.gc_pause import collector_paused
from avregn.workbook import layout
from avregn.workbook.input_control import measure_inputs, watched_sheets
from avregn.workbook.reader import WorkbookInput
from avregn.workbook.results_sheets import (
    Control,
    beregning_sheet,
    read_status,
    status_sheet,
)
from avregn.workbook.sheet_content import InputValue
from avregn.xlsx.cells import parse_cell_ref
from avregn.xlsx.errors import Issue, WorkbookError
from avregn.xlsx.save import check_output, save_atomic
from engine.calculation import try_calculate
from engine.contract import parse_settlement
from engine.fingerprint import fingerprint
from engine.lookalikes import with_hint
from engine.model import SettlementInput, Status
from engine.problems import Problem, ProblemsError
from engine.result import Result
from engine.statuses import (
    STATUS_LABELS,
    Action,
    apply,
    check_fresh,
    exported_object_problem,
    exported_problems,
)


@dataclass(frozen=True)
class Outcome:
    ok: bool
    message: str
    problems: tuple[Problem, ...] = ()
    warnings: tuple[Problem, ...] = ()
    settlement: SettlementInput | None = None
    result: Result | None = None
    status: Status | None = None
    written: tuple[Path, ...] = field(default=())
    source: Path | None = None  # the file the problems are in, when it is not the workbook

    def lines(self) -> list[str]:
        """The outcome as text lines, for a message box or a terminal."""
        out = [self.message]
        out += [f"{p.where}: {p.message}" if p.where else p.message for p in self.problems]
        out += [
            f"Advarsel {w.where}: {w.message}" if w.where else f"Advarsel: {w.message}"
            for w in self.warnings
        ]
        return out


def _failed(message: str, problems: Sequence[Problem]) -> Outcome:
    return Outcome(False, message, tuple(problems))


def _problems(issues: Sequence[Issue]) -> list[Problem]:
    """The package layer's reasons as the engine's problems (same two fields)."""
    return [Problem(i.where, i.message) for i in issues]


def _output_refused(dest: Path, *, overwrite: bool, book: BookPort) -> Outcome | None:
    """A new file's path that cannot be used: a folder, a missing folder, an existing file
    (unless ``overwrite``), or the workbook itself (always)."""
    return _refused_output(dest, check_output(dest, overwrite=overwrite, protected=[book.path]))


def _refused_output(dest: Path, issues: Sequence[Issue]) -> Outcome | None:
    """The problems are about the output file, and say so (``source``)."""
    if not issues:
        return None
    return Outcome(False, "Ingenting er skrevet.",
                   tuple(Problem("", i.message) for i in issues), source=dest)


P = ParamSpec("P")


def _saving(action: Callable[P, Outcome]) -> Callable[P, Outcome]:
    """A file that cannot be written (open in Excel, busy, changed meanwhile, a full disk) is an
    outcome with its message, like any other problem — never an exception out of an action.
    The book's lock is released when the action ends, whatever the outcome. The cyclic garbage
    collector rests meanwhile (``avregn.gc_pause``: workbooks scale linearly)."""

    @functools.wraps(action)
    def run(*args: P.args, **kwargs: P.kwargs) -> Outcome:
        book = args[0] if args else kwargs.get("book")
        try:
            with book if isinstance(book, AbstractContextManager) else nullcontext(), \
                    collector_paused():
                return action(*args, **kwargs)
        except ProblemsError as exc:
            return _failed("Ingenting er lagret.", exc.problems)
        except WorkbookError as exc:
            return _failed("Ingenting er lagret.", _problems(exc.problems))

    return run


@dataclass(frozen=True)
class Loaded:
    input: WorkbookInput
    settlement: SettlementInput | None
    problems: tuple[Problem, ...]


def load(book: BookPort, *, require_amounts: bool = False) -> Loaded:
    """Read and validate the input sheets; every problem located at its cell.
    ``require_amounts``: for a calculation, empty amounts are problems too."""
    found = book.read_input()
    problems = list(found.problems)
    unreadable = any(p.where == book.name for p in problems)
    settlement, parse_problems = (
        (None, []) if unreadable else parse_settlement(found.data, require_amounts=require_amounts)
    )
    problems += found.relocate(_without_follow_ons(found, parse_problems))
    return Loaded(found, settlement if not problems else None, tuple(problems))


def _without_follow_ons(found: WorkbookInput, problems: Sequence[Problem]) -> list[Problem]:
    """When *Brøk* or *Til fordeling* could not be read at all (a moved column, a missing
    sheet: reported at its header), every exception naming one of its objects or accounts would
    also be "unknown" — noise that hides the one real problem."""
    unreadable = {field for section, field in (("contract_objects", "object"),
                                              ("cost_lines", "account"))
                  if section in found.unreadable}
    return [p for p in problems
            if not (p.where.startswith("adjustments[")
                    and p.where.rsplit(".", 1)[-1] in unreadable)]


def _settings_sheet(found: WorkbookInput) -> str:
    return found.locations.get("settlement", layout.AVREGNING.name).split("!")[0]


def _status_edit(book: BookPort, found: WorkbookInput, status: Status) -> None:
    book.set_values(
        {_settings_sheet(found): {layout.STATUS_CELL.cell("status"): STATUS_LABELS[status]}}
    )


def _at_status(problem: Problem) -> Problem:
    """The status machine speaks of "status": that is the Status sheet's status cell."""
    if problem.where != "status":
        return problem
    return Problem(f"{layout.STATUS.name}!{layout.STATUS_FORM.cell('status')}", problem.message)


def summary_line(settlement: SettlementInput, result: Result) -> str:
    s, summary = settlement.settings, result.summary
    return (
        f"{s.property_object} {result.period_start:%d.%m.%Y}–{result.period_end:%d.%m.%Y}: "
        f"{len(result.objects)} objekter; til fordeling {nok(summary.costs)} = leietakere "
        f"{nok(summary.tenants.sum)} + {s.owner or 'eier'} {nok(summary.owner.sum)}; "
        f"rest {nok(summary.tenants.rest)}, adm.honorar {nok(summary.tenants.admin_fee)}."
    )


Progress = Callable[[str], None]


def banner_control(book: BookPort, *, stale: bool = False) -> Control:
    """The checksums of the inputs as they are now, for the stale-results banner (spec §9b);
    ``stale``: the inputs already differ from the result written, so the banner starts red."""
    return Control(measure_inputs({name: book.read_sheet(name) for name in watched_sheets()}),
                   stale)


def _silent(step: str) -> None:
    """No progress display (the default)."""


BEREGN_STEPS = 3


@_saving
def beregn(book: BookPort, *, now: datetime, progress: Progress = _silent) -> Outcome:
    """Read, validate, calculate, write *Beregning* and *Status* back (spec §6–§8).

    ``progress`` is told each of the ``BEREGN_STEPS`` steps as it starts (for a progress bar).
    """
    now = now.replace(microsecond=0)  # what a cell shows; both ports store the same
    progress("Leser arbeidsboken")
    unmarked = _ledger_marks(book)
    if unmarked:
        return _failed(f"{book.name}: ikke beregnet — registeret sier at objekter er "
                       "fakturert, og avregningen er frosset.", unmarked)
    loaded = load(book, require_amounts=True)
    if loaded.settlement is None:
        return _failed(f"{book.name}: ikke beregnet — rett disse feilene først.", loaded.problems)
    settlement = loaded.settlement
    state = read_status(book.read_sheet(layout.STATUS.name))
    transition = apply(state.status, Action.CALCULATE,
                       exported_objects=[o.id for o in settlement.contract_objects if o.exported])
    if transition.problem:
        exported = exported_problems(enumerate(settlement.contract_objects))
        if exported:  # the refusal in the message; each frozen object at its Eksportert cell
            return _failed(f"{book.name}: ikke beregnet. {transition.problem.message}",
                           loaded.input.relocate(exported))
        return _failed(f"{book.name}: ikke beregnet.", [_at_status(transition.problem)])
    result, problems = try_calculate(settlement, calculated_at=now)
    if result is None:
        return _failed(
            f"{book.name}: ikke beregnet — rett disse feilene først.",
            loaded.input.relocate(problems),
        )
    warnings = [*loaded.input.warnings,
                *loaded.input.relocate(result.warnings, drop_reported=False)]
    control = banner_control(book)
    book.write_sheets(
        [
            beregning_sheet(settlement, result, transition.status, control),
            status_sheet(settlement, result, transition.status, now, warnings, control),
        ]
    )
    _status_edit(book, loaded.input, transition.status)
    book.commit()
    message = "Beregnet " + summary_line(settlement, result)
    if state.status not in (Status.LAGT_OPP, Status.BEREGNET):
        message += (f" Status {STATUS_LABELS[state.status]} → {STATUS_LABELS[transition.status]}"
                    "; lås eller merk fakturaklar på nytt når du har kontrollert.")
    return Outcome(True, message, (), tuple(warnings), settlement, result, transition.status)


def _ledger_marks(book: BookPort) -> list[Problem]:
    """The export ledger is the authority on what is invoiced (issue 13): every command that
    changes a workbook first writes the ledger's marks into it; the objects it could not mark
    are returned (they stay frozen, so the command must not go on)."""
    from avregn.register.marks import sync_export_marks

    return sync_export_marks(book)


@_saving
def change_status(book: BookPort, action: Action, *, now: datetime) -> Outcome:
    """Lock, invoice-ready, not to invoice (spec §7); "calculate" is ``beregn``."""
    if action is Action.CALCULATE:
        return beregn(book, now=now)
    unmarked = _ledger_marks(book)
    if unmarked:
        return _failed(f"{book.name}: status er ikke endret — registeret sier at objekter er "
                       "fakturert, men arbeidsboken kunne ikke merkes.", unmarked)
    loaded = load(book)
    if loaded.settlement is None:
        return _failed(f"{book.name}: inndata har feil; status er ikke endret.", loaded.problems)
    settlement = loaded.settlement
    state = read_status(book.read_sheet(layout.STATUS.name))
    exported = [o.id for o in settlement.contract_objects if o.exported]
    transition = apply(
        state.status,
        action,
        input_fingerprint=fingerprint(settlement),
        result_fingerprint=state.fingerprint,
        exported_objects=exported,
    )
    if transition.problem:
        return _failed(f"{book.name}: status er ikke endret.", [_at_status(transition.problem)])
    # The result is fresh (same fingerprint), so calculating again reproduces it exactly.
    result, problems = try_calculate(settlement, calculated_at=state.calculated_at)
    if result is None:
        return _failed(f"{book.name}: status er ikke endret.", loaded.input.relocate(problems))
    warnings = [*loaded.input.warnings,
                *loaded.input.relocate(result.warnings, drop_reported=False)]
    # Beregning shows the status too; its figures are rewritten only from a fresh result.
    stale = state.fingerprint is None or bool(check_fresh(fingerprint(settlement),
                                                          state.fingerprint))
    control = banner_control(book, stale=stale)
    book.write_sheets(
        ([] if stale else [beregning_sheet(settlement, result, transition.status, control)])
        + [status_sheet(settlement, result, transition.status, state.calculated_at, warnings,
                        control)]
    )
    _status_edit(book, loaded.input, transition.status)
    book.commit()
    return Outcome(
        True,
        f"{book.name}: status {STATUS_LABELS[state.status]} → {STATUS_LABELS[transition.status]}.",
        settlement=settlement,
        result=result,
        status=transition.status,
    )


@_saving
def set_do_not_invoice(book: BookPort, object_id: str, value: bool | None = None) -> Outcome:
    """Toggle (``value`` None) or set an object's "skal ikke faktureres" (spec §7).

    The flag is a workflow field, outside the fingerprint: a fresh result stays fresh, and its
    *Beregning*/*Status* are rewritten with the object's new invoice status at once. An exported
    object is frozen.
    """
    unmarked = _ledger_marks(book)
    if unmarked:
        return _failed(f"{book.name}: ikke endret — registeret sier at objekter er fakturert, "
                       "men arbeidsboken kunne ikke merkes.", unmarked)
    loaded = load(book)
    found = loaded.input
    objects = found.data.get("contract_objects") or []
    index = next((k for k, o in enumerate(objects) if o.get("id") == object_id), None)
    if index is None:
        known = [str(o.get("id")) for o in objects if o.get("id") is not None]
        return _failed(with_hint(f"{book.name}: fant ikke kontraktsobjektet «{object_id}» i Brøk.",
                                 object_id, known), [])
    record = objects[index]
    if record.get("exported"):
        frozen = exported_object_problem("", object_id, str(record["exported"]))
        return _failed(frozen.message, [])
    new_value = (not bool(record.get("do_not_invoice"))) if value is None else value
    where = found.locations.get(f"contract_objects[{index}].do_not_invoice") or _cell_of(
        found, index, "do_not_invoice"
    )
    sheet_name, _, cell = where.partition("!")
    book.set_values({sheet_name: {cell: "X" if new_value else None}})

    message = f"{object_id}: {'skal ikke faktureres' if new_value else 'skal faktureres'}."
    outcome_result = None
    settlement = loaded.settlement
    state = read_status(book.read_sheet(layout.STATUS.name))
    if (
        settlement is not None
        and state.fingerprint
        and not check_fresh(fingerprint(settlement), state.fingerprint)
    ):
        objects_changed = tuple(
            replace(o, do_not_invoice=new_value) if o.id == object_id else o
            for o in settlement.contract_objects
        )
        settlement = replace(settlement, contract_objects=objects_changed)
        result, _ = try_calculate(settlement, calculated_at=state.calculated_at)
        if result is not None:
            warnings = [*found.warnings, *found.relocate(result.warnings, drop_reported=False)]
            control = banner_control(book)  # the ✗ is outside it: measured before or after
            book.write_sheets(
                [
                    beregning_sheet(settlement, result, state.status, control),
                    status_sheet(settlement, result, state.status, state.calculated_at,
                                 warnings, control),
                ]
            )
            outcome_result = result
    if outcome_result is None and state.fingerprint:
        message += (" Beregning er ikke oppdatert: inndata er endret siden beregningen. "
                    "Beregn på nytt (avregn beregn).")
    book.commit()
    return Outcome(True, message, settlement=settlement, result=outcome_result, status=state.status)


def _cell_of(found: WorkbookInput, index: int, field_name: str) -> str:
    row_cell = found.locations[f"contract_objects[{index}]"]
    sheet_name, _, ref = row_cell.partition("!")
    row = parse_cell_ref(ref)[0]
    return f"{sheet_name}!{layout.CONTRACT_OBJECTS.cell(field_name, row)}"


# --- Accounts of *Til fordeling* (spec §9) ---------------------------------------------------


def _cost_sheet(found: WorkbookInput) -> str:
    return found.locations.get("cost_lines", layout.TIL_FORDELING.name).split("!")[0]


def _inputs_locked(book: BookPort) -> Outcome | None:
    """Spec §7: inputs change only in Lagt opp / Beregnet; the refusal says what to do."""
    state = read_status(book.read_sheet(layout.STATUS.name))
    transition = apply(state.status, Action.EDIT_INPUTS)
    if transition.problem is None:
        return None
    return _failed(f"{book.name}: kontoene er ikke endret.", [_at_status(transition.problem)])


def _existing_accounts(found: WorkbookInput) -> list[tuple[str, str]]:
    """(account, row cell) of every cost line the reader found."""
    out = []
    for k, line in enumerate(found.data.get("cost_lines") or ()):
        cell = found.locations.get(f"cost_lines[{k}]", "")
        out.append((str(line.get("account")), cell.partition("!")[2]))
    return out


def _free_row(book: BookPort, sheet_name: str) -> int:
    """The first row below everything in the cost-line block (empty rows in between stay)."""
    rows = book.read_sheet(sheet_name) or ()
    table = layout.COST_LINES
    last = table.header_row
    for r, row in enumerate(rows, start=1):
        cells = row[table.first_col - 1: table.last_col]
        if r > table.header_row and any(v not in (None, "") for v in cells):
            last = r
    return last + 1


@_saving
def export_accounts(book: BookPort, dest: Path, *, today: datetime,
                    overwrite: bool = False) -> Outcome:
    """«Eksporter konti»: *Til fordeling* as an account file in the seed format. An existing
    ``dest`` is replaced only with ``overwrite``; the workbook itself never."""
    from avregn.accounts import write_account_file

    refused = _output_refused(dest, overwrite=overwrite, book=book)
    if refused:
        return refused
    found = book.read_input()
    if any(p.where.startswith(_cost_sheet(found)) for p in found.problems):
        return _failed(f"{book.name}: Til fordeling har feil; rett dem før eksport.",
                       [p for p in found.problems if p.where.startswith(_cost_sheet(found))])
    lines = found.data.get("cost_lines") or []
    title = (found.data.get("settlement") or {}).get("group") or "Felleskost"
    write_account_file(lines, dest, dated=today.date(), title=title, overwrite=overwrite)
    return Outcome(True, f"Eksporterte {len(lines)} kontoer til {dest}.", written=(dest,))


@_saving
def import_accounts(book: BookPort, source: Path) -> Outcome:
    """«Importer konti»: merge an account file into *Til fordeling* by account number."""
    from avregn.accounts import plan_import, read_account_file

    locked = _inputs_locked(book)
    if locked:
        return locked
    imported, problems = read_account_file(source)
    if problems:
        return Outcome(False, f"{source.name}: ikke importert — rett disse radene først.",
                       tuple(problems), source=source)
    found = book.read_input()
    sheet_name = _cost_sheet(found)
    plan = plan_import(_existing_accounts(found), imported, _free_row(book, sheet_name))
    book.set_values({sheet_name: plan.edits})
    book.commit()
    warnings: list[Problem] = []
    if plan.absent:
        warnings.append(Problem(sheet_name, "Ikke i filen (beholdt uendret): "
                                + ", ".join(plan.absent) + "."))
    if plan.kept:
        warnings.append(Problem(sheet_name, "Uten beløp i filen (arbeidsbokens beløp beholdt): "
                                + ", ".join(plan.kept) + "."))

    return Outcome(True, f"Importerte {len(imported)} kontoer fra {source.name}: "
                         f"{len(plan.replaced)} beløp erstattet, {len(plan.added)} nye kontoer.",
                   warnings=tuple(warnings))


@_saving
def delete_zero_accounts(book: BookPort) -> Outcome:
    """«Slett kontoer med 0 i beløp»: empty those rows' cells (and their exceptions in
    *Kontraktsobjekt konti*, which would otherwise name an unknown account)."""
    locked = _inputs_locked(book)
    if locked:
        return locked
    found = book.read_input()
    sheet_name = _cost_sheet(found)
    table = layout.COST_LINES
    zero = []
    edits: dict[str, dict[str, InputValue]] = {sheet_name: {}}
    for (account, cell), line in zip(_existing_accounts(found),
                                     found.data.get("cost_lines") or (), strict=True):
        amount = line.get("amount")
        if amount is not None and amount == 0:
            zero.append(account)
            row = parse_cell_ref(cell)[0]
            for column in table.columns:
                edits[sheet_name][table.cell(column.field, row)] = None
    adjustment_sheet = found.locations.get("adjustments", layout.KONTRAKTSOBJEKT_KONTI.name)
    cleared: list[str] = []
    for k, adjustment in enumerate(found.data.get("adjustments") or ()):
        if adjustment.get("account") in zero:
            cell = found.locations[f"adjustments[{k}]"].partition("!")[2]
            row = parse_cell_ref(cell)[0]
            for column in layout.ADJUSTMENTS.columns:
                edits.setdefault(adjustment_sheet.split("!")[0], {})[
                    layout.ADJUSTMENTS.cell(column.field, row)] = None
            cleared.append(f"{adjustment.get('object')}/{adjustment.get('account')}")
    if not zero:
        return Outcome(True, "Ingen kontoer med 0 i beløp.")
    book.set_values(edits)
    book.commit()
    message = f"Slettet {len(zero)} kontoer med 0 i beløp: " + ", ".join(zero) + "."
    if cleared:
        message += (f" Også slettet {len(cleared)} unntak i Kontraktsobjekt konti "
                    "(objekt/konto): " + ", ".join(cleared) + ".")
    return Outcome(True, message)


@_saving
def fetch_accounts(book: BookPort) -> Outcome:
    """«Hent konti»: add the accounts of *Kontovalg* not yet in *Til fordeling* (empty amount)."""
    locked = _inputs_locked(book)
    if locked:
        return locked
    found = book.read_input()
    sheet_name = _cost_sheet(found)
    present = {a for a, _ in _existing_accounts(found)}
    missing = [s for s in found.account_selection if s["account"] not in present]
    if not missing:
        return Outcome(True, "Alle kontoene i Kontovalg står allerede i Til fordeling.")
    table = layout.COST_LINES
    row = _free_row(book, sheet_name)
    edits: dict[str, InputValue] = {}
    for k, selected in enumerate(missing):
        edits[table.cell("account", row + k)] = selected["account"]
        edits[table.cell("name", row + k)] = selected.get("name", "")
    book.set_values({sheet_name: edits})
    book.commit()
    return Outcome(True, f"La til {len(missing)} kontoer fra Kontovalg (fyll inn beløpene): "
                         + ", ".join(s["account"] for s in missing) + ".")


# --- The next period (spec §4) ---------------------------------------------------------------


@_saving
def new_period(book: BookPort, dest: Path | None, *, today: date | None = None,
               overwrite: bool = False) -> Outcome:
    """«Ny periode»: a new workbook for the next period, with what §4 carries forward. An
    existing ``dest`` is replaced only with ``overwrite``; the workbook itself never."""
    from avregn.workbook.new_book import write_new_workbook
    from engine.contract import input_to_json
    from engine.periods import carry_forward, period_end

    loaded = load(book)
    if loaded.settlement is None:
        return _failed(f"{book.name}: ny periode ikke laget — rett disse feilene først.",
                       loaded.problems)
    state = read_status(book.read_sheet(layout.STATUS.name))
    following, warnings = carry_forward(loaded.settlement, previous_status=state.status)
    start = following.settings.period_start
    if dest is None:
        if book.path is None:
            return _failed("Lagre arbeidsboken først, eller oppgi hvor den nye skal lagres.", [])
        base = book.path
        # A new workbook from the template: .xlsx, whatever the old one was (it holds no VBA);
        # avregning-2024-01 is followed by avregning-2025-01, not avregning-2024-01-2025-01.
        stem = re.sub(r"-\d{4}-\d{2}$", "", base.stem)
        dest = base.with_name(f"{stem}-{start:%Y-%m}.xlsx")
    refused = _output_refused(dest, overwrite=overwrite, book=book)
    if refused:
        return refused
    write_new_workbook(input_to_json(following), dest,
                       account_selection=loaded.input.account_selection, backup=False,
                       dated=today, overwrite=overwrite)
    end = period_end(start, following.settings.interval_months)
    message = (f"Ny periode {start:%d.%m.%Y}–{end:%d.%m.%Y} laget: {dest} "
               f"({len(following.contract_objects)} objekter, "
               f"{len(following.cost_lines)} kontoer med tomme beløp).")
    carried = carried_invoices(following)
    if carried:
        message += (f" Tatt med i {layout.A_KONTO.name} fordi de løper inn i den nye perioden "
                    "(resten av dagene teller der): " + "; ".join(carried) + ".")
    return Outcome(True, message,
                   warnings=tuple(loaded.input.relocate(warnings, drop_reported=False)),
                   settlement=following, written=(dest,))


def carried_invoices(following: SettlementInput) -> list[str]:
    """The a konto invoices a new period carries (spec §4), each named with its object and the
    row of *A konto* the new workbook has it on (``write_new_workbook`` writes them in this
    order from the table's first row)."""
    out = []
    row = layout.INVOICES.first_data_row
    for obj in following.contract_objects:
        for invoice in obj.invoiced:
            out.append(f"{obj.id} {invoice.invoice_no or '(uten nr.)'} "
                       f"{invoice.period_from:%d.%m.%Y}–{invoice.period_to:%d.%m.%Y} "
                       f"{nok(invoice.amount)} ({layout.A_KONTO.name}!A{row})")
            row += 1
    return out


# --- The layout version (spec §9b) -----------------------------------------------------------


@_saving
def upgrade(book: BookPort) -> Outcome:
    """«Oppgrader»: bring a workbook of an older layout version up to date, in place (with the
    usual backup); new optional columns and settings start empty."""
    from avregn.book import FileBook
    from avregn.workbook.upgrade import upgrade_file

    if not isinstance(book, FileBook):
        return _failed(f"{book.name}: oppgradering gjøres på en lagret fil. Lagre og lukk "
                       "arbeidsboken, og kjør «avregn oppgrader ARBEIDSBOK».", [])
    file_problems = [p for p in book.read_input().problems if p.where == book.name]
    if file_problems:  # not a workbook, damaged, encrypted …
        return _failed(f"{book.name}: ikke oppgradert.", file_problems)
    rows = {sheet.name: book.read_sheet(sheet.name) for sheet in layout.INPUT_SHEETS}
    done = upgrade_file(book.path, rows, save=book.replace_file)
    if not done.ok:
        return _failed(f"{book.name}: ikke oppgradert — ingenting er endret.", done.problems)
    if done.from_version == done.to_version:
        return Outcome(True, f"{book.name} følger allerede malversjon {done.to_version}; "
                             "ingenting å oppgradere.")
    return Outcome(True, f"{book.name}: oppgradert fra malversjon {done.from_version} til "
                         f"{done.to_version} (forrige versjon er lagret som "
                         f"{book.path.stem}.forrige{book.path.suffix}). Nytt: "
                         + "; ".join(done.changes) + ".", written=(book.path,))


# --- The template --------------------------------------------------------------------------


def write_template(dest: Path, *, overwrite: bool = False) -> Outcome:
    """«Mal»: an empty settlement workbook at ``dest``, with the umask's mode. An existing
    file is replaced only with ``overwrite``."""
    from avregn.workbook.template import template_bytes

    refused = _refused_output(dest, check_output(dest, overwrite=overwrite))
    if refused:
        return refused
    data = template_bytes()

    def write(tmp: Path) -> None:
        tmp.write_bytes(data)

    try:
        save_atomic(write, dest, backup=False, overwrite=overwrite)
    except WorkbookError as exc:
        return _refused_output(dest, exc.problems) or _failed("Ingenting er skrevet.", [])
    return Outcome(True, f"Skrevet: {dest}", written=(dest,))
