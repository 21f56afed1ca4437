"""The ribbon buttons added for issue 14: each calls its action and shows exactly one message
box. The letters, reports and invoice-basis actions are written by other helpers; here they are
fakes with the agreed signatures, put in ``sys.modules`` as ``avregn.letters`` & co."""

from __future__ import annotations

import inspect
import sys
import types
from collections.abc import Callable
from pathlib import Path
from typing import Any

import fake_xlwings as fx
import pytest
from test_addin import NOW, make_book

from addin import ribbon
from avregn.actions import Outcome
from avregn.workbook import layout

Excel = tuple[Path, fx.Book, list[str]]


@pytest.fixture
def excel(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Excel:
    path, book = make_book(tmp_path)
    shown: list[str] = []
    monkeypatch.setattr(ribbon, "book_caller", lambda: book)
    monkeypatch.setattr(ribbon, "show_message", lambda _book, text: shown.append(text))
    monkeypatch.setattr(ribbon, "clock", lambda: NOW)
    return path, book, shown


_FUNCTIONS = {"avregn.letters": "write_letters", "avregn.reports": "write_reports",
              "avregn.invoicing": "export_invoice_basis"}


def _module(monkeypatch: pytest.MonkeyPatch, name: str, function: Callable[..., Any]) -> None:
    """``avregn.letters`` & co. as a module holding the agreed function."""
    module = types.ModuleType(name)
    setattr(module, _FUNCTIONS[name], function)
    monkeypatch.setitem(sys.modules, name, module)


def test_every_button_shows_exactly_one_message(excel: Excel,
                                                monkeypatch: pytest.MonkeyPatch) -> None:
    _, _, shown = excel
    done = Outcome(True, "Ferdig.", written=(Path("/tmp/x.pdf"),))
    for name in _FUNCTIONS:
        _module(monkeypatch, name, lambda book, **kw: done)
    monkeypatch.setattr(ribbon, "ask_open_path", lambda _b, _t: None)
    monkeypatch.setattr(ribbon, "ask_save_path", lambda _b, _s, _t: None)
    for count, (control_id, button) in enumerate(ribbon.BUTTONS.items(), start=1):
        assert button.__name__ == control_id  # the id is the callback's name
        lines = ribbon.on_action(control_id)
        assert len(shown) == count, control_id
        assert shown[-1].splitlines()[0] == lines[0]
        assert not shown[-1].startswith("Intern feil"), (control_id, shown[-1])


def test_ny_beregning_goes_back_to_beregnet(excel: Excel) -> None:
    _, _, shown = excel
    ribbon.beregn(None)
    ribbon.laas(None)
    ribbon.ny_beregning(None)
    assert shown[-1].startswith("Beregnet ") and "Låst → Beregnet" in shown[-1]


def test_letters_and_reports_read_the_open_workbook(excel: Excel,
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    _, book, shown = excel
    calls: list[tuple[str, Any, dict[str, Any]]] = []

    def write_letters(book: Any, *, object_id: str | None = None, template: Any = None,
                      out_dir: Path | None = None, include_not_invoiced: bool = False,
                      overwrite: bool = False, progress: Any = None) -> Outcome:
        calls.append(("letters", book, {"object_id": object_id}))
        return Outcome(True, "Skrev 6 avregningsbrev.")

    def write_reports(book: Any, *, out_dir: Path | None = None,
                      overwrite: bool = False) -> Outcome:
        calls.append(("reports", book, {}))
        return Outcome(False, "Ikke beregnet.", problems=())

    _module(monkeypatch, "avregn.letters", write_letters)
    _module(monkeypatch, "avregn.reports", write_reports)
    ribbon.avregningsbrev(None)
    ribbon.rapporter(None)
    assert shown == ["Skrev 6 avregningsbrev.", "Ikke beregnet."]
    assert [c[0] for c in calls] == ["letters", "reports"]
    port = calls[0][1]
    assert type(port).__name__ == "XlwingsBook" and port.book is book  # the live port
    assert "settlement" in port.read_input().data


def test_missing_output_modules_say_what_to_do(excel: Excel,
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    _, _, shown = excel
    for name in ("avregn.letters", "avregn.reports", "avregn.invoicing"):
        monkeypatch.setitem(sys.modules, name, None)  # import fails
    ribbon.avregningsbrev(None)
    ribbon.rapporter(None)
    ribbon.fakturagrunnlag(None)
    assert len(shown) == 3
    assert all("finnes ikke i denne installasjonen" in text for text in shown)


def test_invoice_basis_marks_through_the_port_and_saves(excel: Excel,
                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    _, book, shown = excel
    seen: list[Any] = []

    def export_invoice_basis(books: Any, *, fmt: str = "xlsx", reexport: bool = False,
                             without_blocked: bool = False, register: Any = None,
                             out_dir: Path | None = None) -> Outcome:
        seen.extend(books)
        port = books[0]
        port.set_values({"Brøk": {layout.CONTRACT_OBJECTS.cell("exported", 4): "B-1"}})
        port.commit()
        return Outcome(True, "Eksporterte 5 objekter.", written=(Path("/tmp/fg.xlsx"),))

    _module(monkeypatch, "avregn.invoicing", export_invoice_basis)
    ribbon.fakturagrunnlag(None)
    assert len(seen) == 1 and seen[0].book is book
    assert book.saved == 1
    assert shown == ["Eksporterte 5 objekter.\nArbeidsboken er lagret med eksportmerkene."]
    mark = layout.CONTRACT_OBJECTS.cell("exported", 4)
    assert book.sheets["Brøk"].range(mark).value == "B-1"


def test_invoice_basis_refuses_an_unsaved_workbook(excel: Excel,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    _, book, shown = excel
    book.fullname = "Bok1"
    _module(monkeypatch, "avregn.invoicing", lambda books, **kw: pytest.fail("called"))
    ribbon.fakturagrunnlag(None)
    assert shown[0].startswith("Lagre arbeidsboken som en fil først")
    assert book.saved == 0


def test_invoice_basis_that_fails_saves_nothing(excel: Excel,
                                                monkeypatch: pytest.MonkeyPatch) -> None:
    _, book, shown = excel

    def export_invoice_basis(books: Any, **kw: Any) -> Outcome:
        return Outcome(False, "Ikke eksportert: avregningen er ikke fakturaklar.")

    _module(monkeypatch, "avregn.invoicing", export_invoice_basis)
    ribbon.fakturagrunnlag(None)
    assert book.saved == 0 and shown == ["Ikke eksportert: avregningen er ikke fakturaklar."]


def test_account_files_through_excels_dialogs(excel: Excel, tmp_path: Path,
                                              monkeypatch: pytest.MonkeyPatch) -> None:
    _, _, shown = excel
    target = tmp_path / "konti.xlsx"
    suggested: list[str] = []

    def save_as(_book: Any, proposal: str, _title: str) -> Path:
        suggested.append(proposal)
        return target

    monkeypatch.setattr(ribbon, "ask_save_path", save_as)
    ribbon.eksporter_konti(None)
    assert target.exists() and shown[-1].startswith("Eksporterte 8 kontoer")
    assert suggested[0].endswith("konti-avregning-2025-02-03.xlsx")
    monkeypatch.setattr(ribbon, "ask_open_path", lambda _b, _t: target)
    ribbon.importer_konti(None)
    assert shown[-1].startswith("Importerte 8 kontoer fra konti.xlsx")
    monkeypatch.setattr(ribbon, "ask_open_path", lambda _b, _t: None)
    ribbon.importer_konti(None)
    assert shown[-1] == "Ingen fil valgt; ingenting er importert."


def test_oppdater_is_a_full_recalculation(excel: Excel) -> None:
    _, book, shown = excel
    ribbon.oppdater(None)
    assert book.app.full_calculations == 1
    assert shown == ["Alle formler er beregnet på nytt (som Ctrl+Alt+F9)."]


def test_callbacks_take_the_control_argument() -> None:
    for button in ribbon.BUTTONS.values():
        assert list(inspect.signature(button).parameters) == ["control"]
