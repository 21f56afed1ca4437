"""The avregn ribbon: one function per button, each the same short story.

``book = XlwingsBook(xw.Book.caller())`` → the action of ``avregn.actions`` (the very one the
CLI runs) → one message box with the outcome's lines, titled "avregn". Nothing here computes
money or decides a rule. An exception — a bug, or Excel refusing a call — is caught once, here,
and shown as one line "Intern feil: …": a user never gets a Python traceback dialog.

The .xlam's VBA forwards the pressed button's ``control.Id`` to ``on_action``; the ids are the
keys of ``BUTTONS`` (which are also the function names). Each button function takes the
``control`` argument the RunPython convention passes, and ignores it.

For tests (and any other host), the ties to a running Excel are module-level hooks:
``book_caller`` (default ``xw.Book.caller``), ``show_message`` (default: the calling Excel's
``app.alert``), ``clock`` (the "calculated at" time, default ``datetime.now``) and
``ask_open_path``/``ask_save_path`` (Excel's own file dialogs, for *Importer/Eksporter konti*).

*Avregningsbrev*, *Rapporter* and *Fakturagrunnlag* import their actions (``avregn.letters``,
``avregn.reports``, ``avregn.invoicing``) when pressed, so the add-in loads without them; they
read the open workbook through the live port, never the file on disk (which may be older than
what Excel shows). *Fakturagrunnlag* writes its export marks through the live port too, and
then saves the workbook: the archived basis and the marks on disk must agree. A workbook that
was never saved is refused with what to do. *Oppdater* is Excel's full recalculation
(Ctrl+Alt+F9): it runs ``AVREGN_MODELL`` again after Python was restarted.
"""

from __future__ import annotations

import logging
import sys
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any

from addin.live_book import XlwingsBook, cell_text
from addin.messages import TITLE, box_text, internal_error
from avregn import actions
from avregn.actions import Outcome
from avregn.workbook import layout
from engine.statuses import Action

log = logging.getLogger("avregn.addin")


def _excel_caller() -> Any:
    import xlwings as xw

    return xw.Book.caller()


def _excel_alert(xw_book: Any | None, text: str) -> None:
    """Excel's message box, on the calling Excel when there is one."""
    try:
        if xw_book is not None:
            app = xw_book.app
        else:
            import xlwings as xw

            app = xw.apps.active
        app.alert(text, title=TITLE)
    except Exception:  # no Excel to show it in: the text must still go somewhere
        print(text, file=sys.stderr)


def _excel_open_path(xw_book: Any, title: str) -> Path | None:
    """Excel's own «Åpne» dialog (the file is only chosen, not opened); None when cancelled."""
    chosen = xw_book.app.api.GetOpenFilename("Excel-filer (*.xlsx;*.xlsm),*.xlsx;*.xlsm", 1,
                                             title)
    return Path(chosen) if isinstance(chosen, str) and chosen else None


def _excel_save_path(xw_book: Any, suggested: str, title: str) -> Path | None:
    """Excel's own «Lagre som» dialog (nothing is saved by it); None when cancelled."""
    chosen = xw_book.app.api.GetSaveAsFilename(suggested, "Excel-filer (*.xlsx),*.xlsx", 1,
                                               title)
    return Path(chosen) if isinstance(chosen, str) and chosen else None


book_caller: Callable[[], Any] = _excel_caller
show_message: Callable[[Any | None, str], None] = _excel_alert
clock: Callable[[], datetime] = datetime.now
ask_open_path: Callable[[Any, str], Path | None] = _excel_open_path
ask_save_path: Callable[[Any, str, str], Path | None] = _excel_save_path


def _run(action: Callable[[XlwingsBook], Outcome | list[str]]) -> list[str]:
    """Call the action on the calling book; show and return the lines of its one message."""
    xw_book = None
    try:
        xw_book = book_caller()
        outcome = action(XlwingsBook(xw_book))
        lines = outcome if isinstance(outcome, list) else outcome.lines()
    except Exception as exc:
        log.exception("avregn: the ribbon action failed")
        lines = [internal_error(exc)]
    show_message(xw_book, box_text(lines))
    return lines


# --- The buttons -------------------------------------------------------------------------------


def beregn(control: Any = None) -> list[str]:
    """Beregn: read, check, calculate and write *Beregning* and *Status*."""
    return _run(lambda book: actions.beregn(book, now=clock()))


def laas(control: Any = None) -> list[str]:
    """Lås: lock a fresh result."""
    return _run(lambda book: actions.change_status(book, Action.LOCK, now=clock()))


def fakturaklar(control: Any = None) -> list[str]:
    """Fakturaklar: mark a locked result ready for invoicing."""
    return _run(lambda book: actions.change_status(book, Action.INVOICE_READY, now=clock()))


def skal_ikke_faktureres(control: Any = None) -> list[str]:
    """Skal ikke faktureres: the whole settlement is not to be invoiced."""
    return _run(lambda book: actions.change_status(book, Action.DO_NOT_INVOICE, now=clock()))


def ny_beregning(control: Any = None) -> list[str]:
    """Ny beregning: calculate again from Låst, Fakturaklar or Skal ikke faktureres (the status
    goes back to Beregnet, spec §7)."""
    return _run(lambda book: actions.change_status(book, Action.CALCULATE, now=clock()))


def veksle_ikke_fakturer(control: Any = None) -> list[str]:
    """Toggle "skal ikke faktureres" of the object on the active cell's row (Brøk or
    Beregning)."""
    return _run(_toggle_selected)


def ny_periode(control: Any = None) -> list[str]:
    """Ny periode: a new workbook for the next period, beside this one."""
    return _run(_new_period)


def hent_konti(control: Any = None) -> list[str]:
    """Hent konti: add the accounts of *Kontovalg* missing from *Til fordeling*."""
    return _run(actions.fetch_accounts)


def importer_konti(control: Any = None) -> list[str]:
    """Importer konti: merge an account file (spec §9) into *Til fordeling*."""
    return _run(_import_accounts)


def eksporter_konti(control: Any = None) -> list[str]:
    """Eksporter konti: *Til fordeling* as an account file."""
    return _run(_export_accounts)


def slett_null(control: Any = None) -> list[str]:
    """Slett kontoer med 0 i beløp."""
    return _run(actions.delete_zero_accounts)


def oppdater(control: Any = None) -> list[str]:
    """Oppdater: a full recalculation (Ctrl+Alt+F9), which gives the worksheet functions their
    model back after Python was restarted."""
    return _run(_recalculate)


def avregningsbrev(control: Any = None) -> list[str]:
    """Avregningsbrev: the settlement letters of every object (``avregn.letters``)."""
    return _run(_letters)


def rapporter(control: Any = None) -> list[str]:
    """Rapporter: the settlement's reports (``avregn.reports``)."""
    return _run(_reports)


def fakturagrunnlag(control: Any = None) -> list[str]:
    """Fakturagrunnlag: export the invoice basis of this workbook (``avregn.invoicing``)."""
    return _run(_invoice_basis)


BUTTONS: dict[str, Callable[[Any], list[str]]] = {
    "beregn": beregn,
    "laas": laas,
    "fakturaklar": fakturaklar,
    "skal_ikke_faktureres": skal_ikke_faktureres,
    "ny_beregning": ny_beregning,
    "veksle_ikke_fakturer": veksle_ikke_fakturer,
    "ny_periode": ny_periode,
    "hent_konti": hent_konti,
    "importer_konti": importer_konti,
    "eksporter_konti": eksporter_konti,
    "slett_null": slett_null,
    "oppdater": oppdater,
    "avregningsbrev": avregningsbrev,
    "rapporter": rapporter,
    "fakturagrunnlag": fakturagrunnlag,
}


def on_action(control_id: str) -> list[str]:
    """The one callback the .xlam's VBA calls, with the pressed button's ``control.Id``."""
    button = BUTTONS.get(str(control_id).strip())
    if button is None:
        lines = [f"Ukjent knapp «{control_id}». Installer avregn-tillegget på nytt."]
        show_message(None, box_text(lines))
        return lines
    return button(None)


# --- What a button needs beyond the action -------------------------------------------------------

# Where the object's Id stands in each sheet a row can be toggled from.
_ID_CELLS = {
    layout.BROK.name: layout.CONTRACT_OBJECTS,
    layout.BEREGNING.name: layout.CALCULATION,
}


def _toggle_selected(book: XlwingsBook) -> Outcome | list[str]:
    selected = book.selected_cell()
    table = None
    if selected is not None:
        folded = {name.casefold(): t for name, t in _ID_CELLS.items()}
        table = folded.get(selected[0].casefold())
    if selected is None or table is None or selected[1] < table.first_data_row:
        return ["Velg en celle i raden til kontraktsobjektet i Brøk eller Beregning, og trykk "
                "på knappen igjen."]
    sheet_name, row, _ = selected
    object_id = cell_text(book.cell_value(sheet_name, table.cell("id", row)))
    if not object_id:
        return [f"Rad {row} i {sheet_name} har ingen Id. Velg raden til et kontraktsobjekt."]
    return actions.set_do_not_invoice(book, object_id)


def _new_period(book: XlwingsBook) -> Outcome | list[str]:
    if book.path is None:
        return ["Lagre arbeidsboken som en fil først: Ny periode lager den nye arbeidsboken "
                "ved siden av denne."]
    return actions.new_period(book, None, today=clock().date())


def _import_accounts(book: XlwingsBook) -> Outcome | list[str]:
    source = ask_open_path(book.book, "Velg kontofilen som skal importeres")
    if source is None:
        return ["Ingen fil valgt; ingenting er importert."]
    return actions.import_accounts(book, source)


def _export_accounts(book: XlwingsBook) -> Outcome | list[str]:
    today = clock()
    folder = book.path.parent if book.path is not None else Path.home()
    suggested = folder / f"konti-{book.name.rsplit('.', 1)[0]}-{today:%Y-%m-%d}.xlsx"
    dest = ask_save_path(book.book, str(suggested), "Lagre kontofilen som")
    if dest is None:
        return ["Ingen fil valgt; ingenting er eksportert."]
    return actions.export_accounts(book, dest, today=today)


def _recalculate(book: XlwingsBook) -> list[str]:
    book.book.app.api.CalculateFull()
    return ["Alle formler er beregnet på nytt (som Ctrl+Alt+F9)."]


def _not_installed(what: str) -> list[str]:
    return [f"{what} finnes ikke i denne installasjonen av avregn. Installer en nyere avregn i "
            "Python-miljøet (pip install --upgrade med wheel-filen dere har fått) og start "
            "Excel på nytt."]


def _letters(book: XlwingsBook) -> Outcome | list[str]:
    try:
        from avregn.letters import write_letters
    except ImportError:
        return _not_installed("Avregningsbrev")
    return write_letters(book)


def _reports(book: XlwingsBook) -> Outcome | list[str]:
    try:
        from avregn.reports import write_reports
    except ImportError:
        return _not_installed("Rapporter")
    return write_reports(book)


def _invoice_basis(book: XlwingsBook) -> Outcome | list[str]:
    """The export marks go into the open workbook through the live port, and the workbook is
    saved right after a successful export: the archived basis and the marks on disk must
    agree (an unsaved mark would offer the objects for invoicing again)."""
    if book.path is None:
        return ["Lagre arbeidsboken som en fil først: fakturagrunnlaget merker objektene som "
                "eksportert i arbeidsboken, og arbeidsboken lagres etter eksporten."]
    try:
        from avregn.invoicing import export_invoice_basis
    except ImportError:
        return _not_installed("Fakturagrunnlag")
    outcome = export_invoice_basis([book])
    lines = outcome.lines()
    if outcome.ok and outcome.written:
        try:
            book.book.save()
            lines.append("Arbeidsboken er lagret med eksportmerkene.")
        except Exception as exc:
            log.exception("avregn: saving after the invoice export failed")
            lines.append("Lagre arbeidsboken nå (Ctrl+S): eksportmerkene er bare i Excel til den "
                         f"er lagret. ({internal_error(exc)})")
    return lines
