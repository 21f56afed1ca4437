"""What several commands share: the workbook argument, the check that a file exists, the
progress line of ``beregn``, and whether an action already takes a newer keyword.

Not a command (it is not in ``COMMANDS``); light imports only, like every command module.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from avregn.actions import Outcome

WORKBOOK_HELP = "avregningsarbeidsboken (.xlsx/.xlsm)"
OVERWRITE_HELP = "skriv over filen om den finnes fra før (ellers avvises det)"


def add_workbook(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("arbeidsbok", type=Path, metavar="ARBEIDSBOK", help=WORKBOOK_HELP)


def add_overwrite(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--overskriv", action="store_true", help=OVERWRITE_HELP)


def missing(path: Path, *, as_json: bool = False) -> int | None:
    """Exit 1 with ``FILE: Filen finnes ikke.`` when ``path`` is not a file to read; None when
    it is. A missing file is the user's input, not wrong usage: exit 1, never 2."""
    from avregn.cli_output import fail
    from engine.problems import Problem

    if path.is_dir():
        return fail(path, [Problem("", "Dette er en mappe, ikke en fil.")], as_json=as_json)
    if not path.exists():
        return fail(path, [Problem("", "Filen finnes ikke.")], as_json=as_json)
    return None


def takes(action: Callable[..., Any], keyword: str) -> bool:
    """Whether ``action`` accepts ``keyword`` (for keywords other branches are adding)."""
    import inspect

    return keyword in inspect.signature(action).parameters


class ProgressLine:
    """``beregn``'s steps on one line of stderr, only when stderr is a terminal (a log or a
    pipe gets nothing); the line is wiped when done."""

    def __init__(self, total: int) -> None:
        self.total, self.done = total, 0
        self.shown = sys.stderr.isatty()

    def step(self, label: str) -> None:
        self.done += 1
        if self.shown:
            sys.stderr.write(f"\r\x1b[K{label} … ({self.done}/{self.total})")
            sys.stderr.flush()

    def close(self) -> None:
        if self.shown:
            sys.stderr.write("\r\x1b[K")
            sys.stderr.flush()


def calculate_workbook(path: Path, *, backup: bool = True) -> Outcome:
    """``avregn.actions.beregn`` on a file, with the progress line."""
    from avregn.actions import BEREGN_STEPS, beregn
    from avregn.book import FileBook
    from avregn.cli_output import now

    line = ProgressLine(BEREGN_STEPS)
    try:
        return beregn(FileBook(path, backup=backup), now=now(), progress=line.step)
    finally:
        line.close()
