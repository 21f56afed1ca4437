"""What every output of a calculated settlement needs — letters, reports, the invoice basis:
the result as it was calculated, proved current, and files written beside the workbook without
ever replacing one by surprise.

Outputs read results, never sheets (the design): *Beregning* holds the figures only as display
cells, so the result is calculated again from the input, which is deterministic — the same
input gives the same figures to the øre. The fingerprint on *Status* proves that the input is
the one that was calculated (spec §7), so an output never shows figures the workbook does not.
"""

from __future__ import annotations

import os
import re
import secrets
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from fractions import Fraction
from pathlib import Path

from avregn.actions import Outcome, load
from avregn.book import BookPort
from avregn.workbook import layout
from avregn.workbook.reader import WorkbookInput
from avregn.workbook.results_sheets import read_status
from engine.calculation import try_calculate
from engine.fingerprint import fingerprint
from engine.model import SettlementInput, Status
from engine.problems import Problem
from engine.result import Result
from engine.rounding import Mode, decimal_places, exact_text
from engine.statuses import check_fresh


@dataclass(frozen=True)
class Calculated:
    """A workbook's current result, with what it came from."""

    input: WorkbookInput
    settlement: SettlementInput
    result: Result
    status: Status  # the settlement's stored status (not the result's "beregnet")
    calculated_at: datetime | None


def status_cell() -> str:
    """Where the settlement's status and fingerprint live: the *Status* sheet's status cell."""
    return f"{layout.STATUS.name}!{layout.STATUS_FORM.cell('status')}"


def load_calculated(book: BookPort, *, what: str) -> Calculated | Outcome:
    """The workbook's result, recalculated from its input and proved current; else the refusal
    (``what`` names the output in it: «brevene», «rapportene»).

    Refused, with the reason and what to do: input with errors; a settlement that was never
    calculated (status *Lagt opp* or no fingerprint); input changed since the calculation.
    """
    loaded = load(book)
    if loaded.settlement is None:
        return Outcome(False, f"{book.name}: {what} er ikke laget — inndata har feil. Rett dem, "
                              "og beregn på nytt.", loaded.problems)
    settlement = loaded.settlement
    state = read_status(book.read_sheet(layout.STATUS.name))
    if state.status is Status.LAGT_OPP or state.fingerprint is None:
        return Outcome(False, f"{book.name}: {what} er ikke laget — avregningen er ikke beregnet.",
                       (Problem(status_cell(), "Avregningen har ikke noe resultat ennå. Beregn "
                                               "først (avregn beregn ARBEIDSBOK)."),))
    stale = check_fresh(fingerprint(settlement), state.fingerprint)
    if stale is not None:
        reason = stale.message.removesuffix(" Beregn på nytt.").rstrip(".")
        return Outcome(False, f"{book.name}: {what} er ikke laget — resultatet er utdatert.",
                       (Problem(status_cell(), f"{reason}. Beregn på nytt (avregn beregn "
                                               "ARBEIDSBOK), kontroller, og lag dem så."),))
    result, problems = try_calculate(settlement, calculated_at=state.calculated_at)
    if result is None:
        return Outcome(False, f"{book.name}: {what} er ikke laget — inndata har feil. Rett dem, "
                              "og beregn på nytt.", tuple(loaded.input.relocate(problems)))
    return Calculated(loaded.input, settlement, result, state.status, state.calculated_at)


# --- Figures as text ----------------------------------------------------------------------
# The same text as ``avregn.formatting.nok`` / ``number`` (babel's nb_NO: a non-breaking space
# between thousands, a decimal comma, a hyphen-minus), built with plain string formatting:
# babel costs ~30 µs a figure, and a thousand letters carry a hundred thousand figures.

NBSP = "\u00a0"


def money_text(amount: Decimal) -> str:
    """An amount with two decimals: ``1 234,50``, ``-0,50``; never ``-0,00``. The amount is
    money (two decimals) already: nothing is rounded here."""
    if amount == 0:
        return "0,00"
    return f"{amount:,.2f}".replace(",", NBSP).replace(".", ",")


def quantity_text(value: Decimal | Fraction | int, places: int = 6) -> str:
    """A quantity (numerator, factor, weight) with at most ``places`` decimals, half up,
    trailing zeros cut: ``524,6``, ``1 234``."""
    text = exact_text(decimal_places(Fraction(value), places, mode=Mode.HALF_UP))
    sign, digits = ("-", text[1:]) if text.startswith("-") else ("", text)
    whole, _, decimals = digits.partition(".")
    whole = f"{int(whole):,}".replace(",", NBSP)
    return f"{sign}{whole},{decimals}" if decimals else f"{sign}{whole}"


def percent_text(part: Decimal | Fraction, whole: Decimal | Fraction) -> str:
    """``part / whole`` in percent with two decimals, half up (display only); "" when
    ``whole`` is 0."""
    if whole == 0:
        return ""
    return money_text(decimal_places(Fraction(part) / Fraction(whole) * 100, 2,
                                     mode=Mode.HALF_UP))


# --- Files ----------------------------------------------------------------------------------

_RESERVED = {"CON", "PRN", "AUX", "NUL", *(f"COM{i}" for i in range(1, 10)),
             *(f"LPT{i}" for i in range(1, 10))}
MAX_NAME = 80


def safe_name(text: str, *, fallback: str = "uten_navn") -> str:
    """A file name (without extension) every system accepts and a user still recognises:
    letters (æøå too), digits, ``-`` and ``.`` kept; anything else, spaces included, becomes
    ``_``; no leading dot, no Windows device name, at most ``MAX_NAME`` characters."""
    text = unicodedata.normalize("NFC", text)
    text = re.sub(r"[^\w.\-]+", "_", text, flags=re.UNICODE)
    text = re.sub(r"_+", "_", text).strip("._ ")
    text = text[:MAX_NAME].rstrip("._ ")
    if not text:
        return fallback
    if text.split(".")[0].upper() in _RESERVED:
        text = f"_{text}"
    return text


def unique_names(stems: Sequence[str], suffix: str) -> list[str]:
    """``stems`` as file names, made distinct (case-insensitively: Windows and macOS) by
    ``_2``, ``_3`` … in order."""
    used: set[str] = set()
    out = []
    for stem in stems:
        name, k = f"{stem}{suffix}", 1
        while name.casefold() in used:
            k += 1
            name = f"{stem}_{k}{suffix}"
        used.add(name.casefold())
        out.append(name)
    return out


def output_folder(book: BookPort, out_dir: Path | None, suffix: str) -> Path | Outcome:
    """``out_dir``, or ``NAME-<suffix>/`` beside the workbook."""
    if out_dir is not None:
        return Path(out_dir)
    if book.path is None:
        return Outcome(False, "Arbeidsboken er ikke lagret: lagre den først, eller oppgi en mappe "
                              "(--ut MAPPE).")
    return book.path.with_name(f"{book.path.stem}-{suffix}")


def refuse_existing(paths: Iterable[Path], *, overwrite: bool, what: str) -> Outcome | None:
    """Nothing is replaced without ``overwrite``: the refusal lists every file in the way, so
    that nothing is half written."""
    if overwrite:
        return None
    existing = [p for p in paths if p.exists()]
    if not existing:
        return None
    return Outcome(False, f"{what} er ikke laget: {len(existing)} av filene finnes allerede. "
                          "Bruk --overskriv for å erstatte dem, eller velg en annen mappe "
                          "(--ut MAPPE).",
                   tuple(Problem(str(p), "finnes allerede") for p in existing))


def write_atomic(path: Path, data: bytes) -> None:
    """Write through a temporary file in the same folder, then rename: a reader never sees a
    half-written file, and a failure leaves the old one as it was. A new file gets the mode any
    program's new file gets (0o666 less the umask). Raises ``OSError``."""
    path.parent.mkdir(parents=True, exist_ok=True)
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0)
    tmp = path.with_name(f".avregn-{secrets.token_hex(6)}{path.suffix}")
    fd = os.open(tmp, flags, 0o666)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def write_problem(path: Path, exc: OSError) -> Problem:
    """A file that could not be written, in words (a PDF open in a viewer on Windows, a
    read-only folder, a full disk)."""
    reason = exc.strerror or str(exc)
    hint = (" Er filen åpen i et annet program? Lukk den og prøv igjen."
            if isinstance(exc, PermissionError) else "")
    return Problem(str(path), f"Kunne ikke skrive filen: {reason}.{hint}")


def write_letters_and_reports(workbook: Path, *, overwrite: bool = False) -> list[Outcome]:
    """The letters and the reports of a calculated workbook, in their default folders beside
    it (what ``avregn demo`` writes after calculating the demo)."""
    from avregn.book import FileBook
    from avregn.letters import write_letters
    from avregn.reports import write_reports

    return [write_letters(FileBook(workbook, read_only=True), overwrite=overwrite),
            write_reports(FileBook(workbook, read_only=True), overwrite=overwrite)]
