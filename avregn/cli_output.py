"""How the command line reports, in one place: problems as ``file:where: message`` lines on
stderr (exit 1), an outcome's summary and warnings on stdout (exit 0).

Kept free of heavy imports: every command module uses it, and ``avregn --help`` must start fast.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Sequence
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from avregn.actions import Outcome
    from engine.problems import Problem


def now() -> datetime:
    """The time commands stamp: whole seconds, like every other command."""
    return datetime.now().replace(microsecond=0)


def fail(source: Path | str, problems: Sequence[Problem], *, message: str = "",
         as_json: bool = False) -> int:
    """Print every problem as ``file:where: message`` (a problem about the whole file names
    just the file); with ``as_json`` also ``{"errors": [...]}`` on stdout. Returns 1."""
    source = str(source)
    if message:
        print(message, file=sys.stderr)
    for p in problems:
        whole_file = not p.where or p.where == Path(source).name
        where = source if whole_file else f"{source}:{p.where}"
        print(f"{where}: {p.message}", file=sys.stderr)
    if as_json:
        print(json.dumps({"errors": [p.as_dict() for p in problems]}, ensure_ascii=False,
                         indent=2))
    return 1


def report(outcome: Outcome, source: Path | str) -> int:
    """An action's outcome: its problems (exit 1), or its message and warnings (exit 0)."""
    if not outcome.ok:
        return fail(outcome.source or source, outcome.problems, message=outcome.message)
    print(outcome.message)
    for warning in outcome.warnings:
        where = f"{warning.where}: " if warning.where else ""
        print(f"Advarsel {where}{warning.message}")
    return 0
