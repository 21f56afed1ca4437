"""The avregn ribbon: one function per button, each the same short story.

``book = XlwingsBook(xw.Book.caller())`` → the action of ``avregn.actions`` (the very one the
CLI runs) → one message box with the outcome's lines, titled "avregn". Nothing here computes
money or decides a rule. An exception — a bug, or Excel refusing a call — is caught once, here,
and shown as one line "Intern feil: …": a user never gets a Python traceback dialog.

The .xlam's VBA forwards the pressed button's ``control.Id`` to ``on_action``; the ids are the
keys of ``BUTTONS`` (which are also the function names). Each button function takes the
``control`` argument the RunPython convention passes, and ignores it.

For tests (and any other host), the three ties to a running Excel are module-level hooks:
``book_caller`` (default ``xw.Book.caller``), ``show_message`` (default: the calling Excel's
``app.alert``) and ``clock`` (the "calculated at" time, default ``datetime.now``).
"""

from __future__ import annotations

import logging
import sys
from collections.abc import Callable
from datetime import datetime
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


book_caller: Callable[[], Any] = _excel_caller
show_message: Callable[[Any | None, str], None] = _excel_alert
clock: Callable[[], datetime] = datetime.now


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


def slett_null(control: Any = None) -> list[str]:
    """Slett kontoer med 0 i beløp."""
    return _run(actions.delete_zero_accounts)


BUTTONS: dict[str, Callable[[Any], list[str]]] = {
    "beregn": beregn,
    "laas": laas,
    "fakturaklar": fakturaklar,
    "skal_ikke_faktureres": skal_ikke_faktureres,
    "veksle_ikke_fakturer": veksle_ikke_fakturer,
    "ny_periode": ny_periode,
    "hent_konti": hent_konti,
    "slett_null": slett_null,
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
