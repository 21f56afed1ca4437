"""The invoice basis (fakturagrunnlag, spec §8) and its export ledger.

``export_invoice_basis`` is the action the command line and the ribbon call: it selects the
invoice-ready objects of one or many workbooks (``avregn.invoicing.basis``), builds one invoice
per (owner, customer), checks the control totals, records the batch in the register database
(``avregn.register``) in the same transaction that writes the archive (``archive``), and only
then marks the workbooks. The ledger is the authority: a workbook that could not be marked
(open in Excel) is named, and ``sync_export_marks`` — called by every ``beregn`` — brings its
*Eksportert* column in line later.
"""

from __future__ import annotations

import json
import os
import shutil
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

from avregn.actions import Outcome, load
from avregn.book import BookPort, FileBook
from avregn.formatting import nok
from avregn.invoicing.basis import (
    Candidate,
    Selected,
    build_basis,
    customer_id_problem,
    missing_settings,
    normalised_customer_id,
    ready,
    totals_problems,
    unmarked,
)
from avregn.register.marks import object_cell, write_marks
from avregn.register.marks import sync_export_marks as sync_export_marks
from avregn.workbook import layout
from avregn.workbook.reader import WorkbookInput
from avregn.workbook.results_sheets import read_status
from engine.calculation import try_calculate
from engine.fingerprint import fingerprint
from engine.model import Status
from engine.problems import Problem, ProblemsError
from engine.statuses import STATUS_LABELS

FORMATS = ("xlsx", "csv", "agresso", "visma")
SKIPPED_PREFIXES = ("~$", "~avregn-", ".~lock.")


def workbook_paths(paths: Iterable[Path | str]) -> tuple[list[Path], list[Problem]]:
    """Workbooks named on the command line; a folder gives its .xlsx/.xlsm files, without
    backups (``*.forrige.xlsx``), Excel's lock files (``~$…``) and our temporary files."""
    out: list[Path] = []
    problems: list[Problem] = []
    for raw in paths:
        path = Path(raw)
        if path.is_dir():
            found = sorted(p for p in path.iterdir()
                           if p.suffix.lower() in (".xlsx", ".xlsm") and p.is_file()
                           and not p.name.startswith(SKIPPED_PREFIXES)
                           and ".forrige." not in p.name.lower())
            if not found:
                problems.append(Problem(str(path), "Mappen har ingen arbeidsbøker."))
            out += found
        elif path.is_file():
            out.append(path)
        else:
            problems.append(Problem(str(path), "Finner ikke filen."))
    unique: list[Path] = []
    seen: set[Path] = set()
    for p in out:
        resolved = p.resolve()
        if resolved not in seen:
            seen.add(resolved)
            unique.append(p)
    return unique, problems


class WithInvoicing:
    """A book port whose settlement gets ``invoicing`` codes where the workbook has none.

    For tests and for workbooks whose *Avregning* codes are still empty (the demo's own codes
    are in its workbook since layout version 2): a code the workbook holds always wins."""

    def __init__(self, book: BookPort, invoicing: Mapping[str, str]):
        self._book = book
        self._invoicing = dict(invoicing)

    @property
    def wrapped(self) -> BookPort:
        return self._book

    def __getattr__(self, name: str) -> Any:
        return getattr(self._book, name)

    @property
    def name(self) -> str:
        return self._book.name

    @property
    def path(self) -> Path | None:
        return self._book.path

    def read_input(self) -> WorkbookInput:
        found = self._book.read_input()
        settlement = found.data.get("settlement")
        if isinstance(settlement, dict):
            codes = dict(settlement.get("invoicing") or {})
            for k, v in self._invoicing.items():
                if not codes.get(k):
                    codes[k] = v
            settlement["invoicing"] = codes
        return found


# --- selection -------------------------------------------------------------------------------


@dataclass
class _Scan:
    selected: list[Selected]
    problems: list[Problem]
    notes: list[str]


def _where(book: BookPort, where: str) -> str:
    return f"{book.name}:{where}" if where else book.name


def _select(books: Sequence[BookPort]) -> _Scan:
    from avregn.register import settlement_key

    scan = _Scan([], [], [])
    for b, book in enumerate(books):
        try:
            loaded = load(book)
        except ProblemsError as exc:
            scan.problems += [Problem(_where(book, p.where), p.message) for p in exc.problems]
            continue
        state = read_status(book.read_sheet(layout.STATUS.name))
        if loaded.settlement is None:
            if state.status is Status.FAKTURAKLAR:
                scan.problems += [Problem(_where(book, p.where), p.message)
                                  for p in loaded.problems]
            else:
                scan.notes.append(f"{book.name}: hoppet over (ikke fakturaklar).")
            continue
        settlement = loaded.settlement
        if state.status is not Status.FAKTURAKLAR:
            scan.notes.append(f"{book.name}: hoppet over (status "
                              f"{STATUS_LABELS[state.status]}, ikke Fakturaklar).")
            continue
        current = fingerprint(settlement)
        status_cell = f"{layout.STATUS.name}!{layout.STATUS_FORM.cell('fingerprint')}"
        if current != state.fingerprint:
            scan.problems.append(Problem(_where(book, status_cell),
                                         "Inndata er endret etter beregningen; resultatet er "
                                         "utdatert. Beregn på nytt og merk Fakturaklar igjen."))
            continue
        result, problems = try_calculate(unmarked(settlement),
                                         calculated_at=state.calculated_at)
        if result is None:
            scan.problems += [Problem(_where(book, p.where), p.message)
                              for p in loaded.input.relocate(problems)]
            continue
        s = settlement.settings
        key = settlement_key(s.property_object, s.group, s.period_start, s.interval_months)
        index = {o.id: k for k, o in enumerate(settlement.contract_objects)}
        candidates = []
        for res in result.objects:
            if not ready(res):
                continue
            k = index[res.id]
            obj = settlement.contract_objects[k]
            candidates.append(Candidate(
                b, k, obj, res, key, normalised_customer_id(obj.customer_id),
                object_cell(loaded.input, k, "customer_id"),
                object_cell(loaded.input, k, "exported")))
        scan.selected.append(Selected(book, loaded.input, settlement, result, key, current,
                                      state.status, tuple(candidates)))
    return scan


# --- the export ------------------------------------------------------------------------------


def _money(value: Any) -> str:
    return nok(Decimal(str(value)))


def _ledger_lines(chosen: Sequence[tuple[Selected, Candidate]], generations: Mapping[
        tuple[str, str], int], reversals: Mapping[tuple[str, str], Any]) -> list[dict[str, Any]]:
    rows = []
    for selected, c in chosen:
        s = selected.settlement.settings
        pair = (c.key, c.obj.id)
        common = {
            "settlement_key": c.key, "object_id": c.obj.id,
            "property_object": s.property_object, "settlement_group": s.group,
            "period_start": s.period_start, "interval_months": s.interval_months,
            "customer_id": c.customer_id, "contract_no": c.obj.contract_no,
            "workbook": str(selected.book.path or selected.book.name),
            "fingerprint": selected.fingerprint,
        }
        if pair in reversals:
            old = reversals[pair]
            # The reversal carries the reversed line's amounts negated: the ledger adds up.
            rows.append({**common, "kind": "reversal", "generation": old.generation,
                         "net": f"{-Decimal(old.net):.2f}", "vat": f"{-Decimal(old.vat):.2f}",
                         "gross": f"{-Decimal(old.gross):.2f}"})
        r = c.result
        rows.append({**common, "kind": "export", "generation": generations.get(pair, 0),
                     "net": f"{r.rest + r.admin_fee:.2f}",
                     "vat": f"{r.vat + r.admin_fee_vat:.2f}", "gross": f"{r.invoice_total:.2f}"})
    return rows


def export_invoice_basis(books: Sequence[BookPort], *, fmt: str = "xlsx", reexport: bool = False,
                         without_blocked: bool = False, register: str | os.PathLike[str] | None
                         = None, out_dir: Path | None = None, now: datetime | None = None
                         ) -> Outcome:
    """«Fakturagrunnlag»: export the invoice-ready objects of ``books`` (spec §8)."""
    from avregn.invoicing.archive import discard, write_archive
    from avregn.invoicing.formats import format_problems
    from avregn.register import LedgerConflict, RegisterError, current_user, open_register

    if fmt not in FORMATS:
        return Outcome(False, f"Ukjent format «{fmt}»; velg {', '.join(FORMATS)}.")
    if not books:
        return Outcome(False, "Ingen arbeidsbøker å lage fakturagrunnlag fra.")
    now = (now or datetime.now()).replace(microsecond=0)
    try:
        ledger = open_register(register)
    except RegisterError as error:
        return Outcome(False, f"Registeret kan ikke åpnes: {error}")
    assert ledger is not None
    scan = _select(books)
    warnings: list[Problem] = []
    problems = list(scan.problems)

    open_exports = ledger.open_exports(s.key for s in scan.selected)
    chosen: list[tuple[Selected, Candidate]] = []
    mirror: list[tuple[Selected, Candidate, str]] = []  # in the ledger, not in the workbook
    already: list[Problem] = []
    reversals: dict[tuple[str, str], Any] = {}
    seen: dict[tuple[str, str], str] = {}
    for selected in scan.selected:
        taken = []
        for c in selected.candidates:
            pair = (c.key, c.obj.id)
            if pair in seen:
                problems.append(Problem(
                    _where(selected.book, c.exported_cell),
                    f"{c.obj.id} er med to ganger: {seen[pair]} og {selected.book.name} er "
                    "samme avregning (samme eiendomsobjekt, gruppe og periode). Ta med bare "
                    "den ene."))
                continue
            seen[pair] = selected.book.name
            existing = open_exports.get(pair)
            mark = existing.batch if existing else c.obj.exported
            if existing and c.obj.exported != existing.batch:
                mirror.append((selected, c, existing.batch))
            if mark and not reexport:
                already.append(Problem(
                    _where(selected.book, c.exported_cell),
                    f"{c.obj.id} ({c.obj.contract_name or c.obj.contract_no}) er allerede "
                    f"eksportert i bunt {mark}" + (f" fra {Path(existing.workbook).name}"
                                                     if existing else "") + "."))
                continue
            if existing:
                reversals[pair] = existing
            taken.append(c)
        missing = missing_settings(selected, taken)
        problems += [Problem(_where(selected.book, p.where), p.message) for p in missing]
        chosen += [(selected, c) for c in taken]

    # Customer ids: a bad one blocks that customer's invoice (all its lines).
    blocked: list[Problem] = []
    bad_customers: set[tuple[str, str]] = set()
    for selected, c in chosen:
        why = customer_id_problem(c.obj.customer_id)
        if why:
            owner = selected.settlement.settings.owner.strip()
            bad_customers.add((owner, c.customer_id or f"\0{selected.book.name}\0{c.obj.id}"))
            blocked.append(Problem(
                _where(selected.book, c.customer_cell),
                f"Kontrakt {c.obj.contract_no} {c.obj.contract_name} ({c.obj.id}): {why}. "
                "Fakturaen til denne kunden er holdt tilbake."))
    if blocked:
        chosen = [(s, c) for s, c in chosen
                  if (s.settlement.settings.owner.strip(),
                      c.customer_id or f"\0{s.book.name}\0{c.obj.id}") not in bad_customers
                  and not customer_id_problem(c.obj.customer_id)]
        if without_blocked:
            warnings += [Problem(p.where, "Holdt tilbake: " + p.message) for p in blocked]
        else:
            problems += blocked

    if problems:
        return Outcome(False, "Fakturagrunnlaget er ikke laget — rett disse feilene først"
                       + (" (eller bruk --uten-blokkerte for å holde tilbake kundene med "
                          "ugyldig kunde-id)." if blocked and not without_blocked else "."),
                       tuple(problems), tuple(warnings))
    if not chosen:
        warnings += _mark_books([(sel, c, label) for sel, c, label in mirror])
        if already:
            return Outcome(False, "Ingenting nytt å eksportere: objektene er allerede "
                           "eksportert. Bruk --reeksport for å eksportere dem på nytt (en "
                           "reversering og en ny linje i registeret).", tuple(already),
                           tuple(warnings))
        return Outcome(True, "Ingenting å fakturere: ingen fakturaklare objekter."
                       + ("".join(f" {n}" for n in scan.notes)), (), tuple(warnings))
    warnings += [Problem(p.where, "Hoppet over: " + p.message) for p in already]

    basis = build_basis(chosen)
    control = totals_problems(basis)
    if control:
        return Outcome(False, "Kontrollsummene stemmer ikke; ingenting er skrevet.",
                       tuple(control))
    unfit = format_problems(basis, fmt)
    if unfit:
        return Outcome(False, f"Fakturagrunnlaget kan ikke skrives i formatet {fmt}; "
                       "ingenting er eksportert.", tuple(unfit))

    generations = ledger.next_generations((c.key, c.obj.id) for _, c in chosen) \
        if reversals else {}
    lines = _ledger_lines(chosen, generations, reversals)
    used = {id(sel) for sel, _ in chosen}
    files = [str(s.book.path or s.book.name) for s in scan.selected if id(s) in used]
    folder_root = Path(out_dir) if out_dir else _default_out(chosen)
    user = current_user()
    written: list[Path] = []

    def archive(label: str) -> tuple[str, str]:
        folder, paths, basis_json = write_archive(
            basis, label=label, fmt=fmt, root=folder_root, created_at=now, user=user,
            files=files, blocked=[p.as_dict() for p in blocked] if without_blocked else [],
            reexported=[f"{k[1]}" for k in reversals], register=ledger.shown)
        written[:] = paths
        return str(folder), basis_json

    batch_row = {"created_at": now, "user_name": user, "format": fmt,
                 "files": json.dumps(files, ensure_ascii=False),
                 "line_count": basis.totals.lines, "invoice_count": basis.totals.invoices,
                 "net": f"{basis.totals.net:.2f}", "vat": f"{basis.totals.vat:.2f}",
                 "gross": f"{basis.totals.gross:.2f}"}
    try:
        try:
            label = ledger.write_batch(batch_row, lines, archive)
        except BaseException:
            discard(written[0].parent if written else None)
            written.clear()
            raise
    except LedgerConflict:
        return Outcome(False, "Eksporten er avvist av registeret: noen av objektene ble "
                       "eksportert av en annen eksport samtidig (eller før). Ingenting er "
                       "skrevet; kjør «avregn eksporter-liste» for å se buntene.",
                       tuple(Problem(_where(s.book, c.exported_cell),
                                     f"{c.obj.id}: eksportert av en annen eksport.")
                             for s, c in chosen[:20]))
    except RegisterError as error:
        return Outcome(False, f"Ingenting er eksportert: {error}")
    except OSError as error:
        return Outcome(False, f"Ingenting er eksportert: arkivet kunne ikke skrives ({error}).")

    exported_now = {(id(sel), c.obj.id) for sel, c in chosen}
    warnings += _mark_books([(sel, c, label) for sel, c in chosen]
                            + [(sel, c, old) for sel, c, old in mirror
                               if (id(sel), c.obj.id) not in exported_now])
    t = basis.totals
    message = (f"Fakturagrunnlag {label} ({fmt}): {t.invoices} fakturaer, {t.lines} linjer; "
               f"netto {_money(t.net)}, mva {_money(t.vat)}, brutto {_money(t.gross)}. "
               f"Arkivert i {written[0].parent if written else folder_root}."
               + (f" Reeksportert: {len(reversals)} objekter (reversert i registeret)."
                  if reversals else "")
               + "".join(f" {n}" for n in scan.notes))
    return Outcome(True, message, (), tuple(warnings), written=tuple(written))


def _default_out(chosen: Sequence[tuple[Selected, Candidate]]) -> Path:
    first = chosen[0][0].book.path
    base = first.parent if first is not None else Path.cwd()
    return base / "fakturagrunnlag"


def _mark_books(marks: Sequence[tuple[Selected, Candidate, str]]) -> list[Problem]:
    """Write the batches into each workbook's *Eksportert* cells (*Brøk* and *Status*). A
    workbook that cannot be written is named; the next command that opens it marks it."""
    by_book: dict[int, tuple[Selected, dict[str, str], list[tuple[int, str]]]] = {}
    for selected, c, label in marks:
        entry = by_book.setdefault(id(selected), (selected, {}, []))
        entry[1][c.obj.id] = label
        entry[2].append((c.object_index, c.obj.id))
    jobs = list(by_book.values())

    def mark(job: tuple[Selected, dict[str, str], list[tuple[int, str]]]) -> Problem | None:
        selected, labels, cells = job
        return write_marks(selected.book, selected.found, labels, cells)

    results = [mark(job) for job in jobs]
    return [problem for problem in results if problem]


# --- the ledger is the authority -----------------------------------------------------------


# --- listing -------------------------------------------------------------------------------


def list_exports(register: str | os.PathLike[str] | None = None) -> Outcome:
    """«Eksporter-liste»: the batches in the register, newest first, with their totals."""
    from avregn.register import RegisterError, open_register

    try:
        ledger = open_register(register)
    except RegisterError as error:
        return Outcome(False, f"Registeret kan ikke åpnes: {error}")
    assert ledger is not None
    batches = ledger.batches()
    if not batches:
        return Outcome(True, f"Ingen eksporter i registeret {ledger.shown}.")
    lines = [f"Eksporter i registeret {ledger.shown}:"]
    for b in batches:
        files = ", ".join(Path(f).name for f in b["files"])
        lines.append(
            f"{b['batch']}  {b['created_at']:%d.%m.%Y %H:%M}  {b['user']}  {b['format']}: "
            f"{b['invoices']} fakturaer, {b['lines']} linjer, {b['objects']} objekter"
            + (f" ({b['reversals']} reversert)" if b["reversals"] else "")
            + f"; netto {_money(b['net'])}, mva {_money(b['vat'])}, brutto "
              f"{_money(b['gross'])}. Filer: {files}. Arkiv: {b['archive']}")
    return Outcome(True, "\n".join(lines))


# --- the demo ------------------------------------------------------------------------------

DEMO_INVOICING = {"transaction_type": "FK", "fee_transaction_type": "ADM",
                  "fee_account": "3620", "vat_code_liable": "3", "vat_code_free": "6"}


def demo_invoice_basis(workbook: Path, folder: Path, *, now: datetime, fmt: str = "xlsx"
                       ) -> Outcome:
    """The demo's last step: the workbook marked Fakturaklar (calculated first if needed) and
    exported into a register of the demo folder's own — never the user's ledger — which is
    made anew each time, so the demo can run again."""
    from avregn.actions import beregn, change_status
    from engine.statuses import Action

    folder = Path(folder)
    db = folder / "demo-register.sqlite"
    for leftover in (db, folder / "fakturagrunnlag"):
        if leftover.is_dir():
            shutil.rmtree(leftover)
        elif leftover.exists():
            leftover.unlink()
    url = f"sqlite:///{db}"
    book = FileBook(workbook, backup=False)
    state = read_status(book.read_sheet(layout.STATUS.name))
    if state.status is not Status.FAKTURAKLAR:
        if state.status in (Status.LAGT_OPP,) or not state.fingerprint:
            done = beregn(book, now=now)
            if not done.ok:
                return done
        done = change_status(book, Action.INVOICE_READY, now=now)
        if not done.ok:
            return done
    return export_invoice_basis([WithInvoicing(FileBook(workbook, backup=False),
                                               DEMO_INVOICING)],  # the workbook's codes win
                                fmt=fmt, register=url, out_dir=folder / "fakturagrunnlag",
                                now=now)
