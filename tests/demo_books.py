"""The demo workbook, written once per test run and copied into each test's folder.

Most tests that need "a workbook" want the demo one; writing it (openpyxl) costs more than the
test itself. The tests of ``write_new_workbook`` write their own; the rest copy these bytes, so
the fast subset stays quick (issue 9)."""

from __future__ import annotations

import copy
import tempfile
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from avregn.demo import demo_data
from avregn.workbook.new_book import write_new_workbook

_BUILT: dict[tuple[str, str, Callable[[Path], object] | None], bytes] = {}


def workbook(path: Path, data: Mapping[str, Any],
             finish: Callable[[Path], object] | None = None) -> Path:
    """``data`` written at ``path`` as ``write_new_workbook`` writes it, then changed by
    ``finish(path)`` (a module-level function); the bytes are kept per (name, data, finish)."""
    key = (path.name, repr(data), finish)
    if key not in _BUILT:
        with tempfile.TemporaryDirectory(prefix="avregn-book-") as folder:
            scratch = Path(folder) / path.name
            write_new_workbook(copy.deepcopy(dict(data)), scratch, backup=False)
            if finish is not None:
                finish(scratch)
            _BUILT[key] = scratch.read_bytes()
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(_BUILT[key])
    return path


def demo_workbook(path: Path, finish: Callable[[Path], object] | None = None) -> Path:
    """The demo workbook at ``path`` (see ``workbook``)."""
    return workbook(path, demo_data(), finish)
