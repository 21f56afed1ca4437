"""Workbooks for the invoice-basis tests: built from JSON dicts, calculated and marked
Fakturaklar through the same actions a user runs."""

from __future__ import annotations

import copy
from datetime import datetime
from pathlib import Path
from typing import Any

from demo_books import workbook

from avregn.actions import beregn, change_status
from avregn.book import FileBook
from avregn.demo import demo_data
from avregn.invoicing import WithInvoicing
from avregn.workbook.new_book import write_new_workbook
from engine.statuses import Action

NOW = datetime(2025, 2, 3, 9, 30)
CODES = {"transaction_type": "1200", "fee_transaction_type": "1300", "fee_account": "3620",
         "vat_code_liable": "3", "vat_code_free": "6"}


def settlement(**changes: Any) -> dict[str, Any]:
    """The demo without its invoicing codes (the tests give theirs through ``book``)."""
    data = copy.deepcopy(demo_data())
    data["settlement"].pop("invoicing", None)
    data["settlement"].update(changes)
    return data


def ready_book(path: Path, data: dict[str, Any] | None = None, *, ready: bool = True) -> Path:
    """A calculated workbook at ``path``, marked Fakturaklar unless ``ready`` is False (the
    demo's is made once per run and copied)."""
    if data is None:
        return workbook(path, settlement(), _make_ready if ready else _calculate)
    write_new_workbook(data, path, backup=False)
    return _make_ready(path) if ready else _calculate(path)


def _calculate(path: Path) -> Path:
    assert beregn(FileBook(path), now=NOW).ok
    return path


def _make_ready(path: Path) -> Path:
    _calculate(path)
    outcome = change_status(FileBook(path), Action.INVOICE_READY, now=NOW)
    assert outcome.ok, outcome.lines()
    return path


def book(path: Path, codes: dict[str, str] | None = None) -> WithInvoicing:
    return WithInvoicing(FileBook(path), CODES if codes is None else codes)
