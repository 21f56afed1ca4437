"""Helpers for tests/test_saves.py that run in other processes (spawned workers, scripts).

Run as a script, it performs one action on a workbook after patching the save to pause at a
chosen moment: ``python save_workers.py WORKBOOK READY_FILE SECONDS`` runs ``beregn`` and, once
the engine's sheets are built (a scratch file and the temp file exist), touches READY_FILE and
sleeps SECONDS — the window in which a test kills the process or saves the file "from Excel".
"""

from __future__ import annotations

import sys
import time
from datetime import datetime
from pathlib import Path
from typing import Any

NOW = datetime(2025, 2, 3, 9, 0)
ACCOUNT = "6300"
IMPORTED_AMOUNT = "12345.67"


def run_action(kind: str, path: Path, source: Path | None = None) -> Any:
    from avregn import actions
    from avregn.book import FileBook
    from engine.statuses import Action

    book = FileBook(path)
    if kind == "beregn":
        return actions.beregn(book, now=NOW)
    if kind == "laas":
        return actions.change_status(book, Action.LOCK, now=NOW)
    if kind.startswith("ikke-fakturer:"):
        return actions.set_do_not_invoice(book, kind.split(":", 1)[1], True)
    if kind == "importer":
        assert source is not None
        return actions.import_accounts(book, source)
    raise ValueError(kind)


def worker(kind: str, path: str, source: str | None, barrier: Any, results: Any,
           trials: int) -> None:
    """One side of a concurrent pair: ``trials`` times wait for the start, run, report."""
    run_action("beregn", Path(path).with_name("warm-up.xlsx"))  # imports done before the race
    for trial in range(trials):
        barrier.wait()
        try:
            outcome = run_action(kind, Path(path), Path(source) if source else None)
            results.put((kind, trial, outcome.ok, outcome.message,
                         [f"{p.where}: {p.message}" for p in outcome.problems]))
        except BaseException as exc:  # reported, so the test fails with the reason
            results.put((kind, trial, None, repr(exc), []))
        barrier.wait()


def _pause_after_scratch(ready: Path, seconds: float) -> None:
    import avregn.workbook.render_xlsx as render

    build = render.build_scratch

    def slow(contents: Any, path: Path) -> None:
        build(contents, path)
        ready.touch()
        time.sleep(seconds)

    render.build_scratch = slow


if __name__ == "__main__":
    _pause_after_scratch(Path(sys.argv[2]), float(sys.argv[3]))
    outcome = run_action("beregn", Path(sys.argv[1]))
    print("\n".join(outcome.lines()))
    sys.exit(0 if outcome.ok else 1)
