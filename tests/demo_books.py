"""The demo workbook, written once per test run and copied into each test's folder.

Most tests that need "a workbook" want the demo one; writing it (openpyxl) costs more than the
test itself. The tests of ``write_new_workbook`` write their own; the rest copy these bytes, so
the fast subset stays quick (issue 9)."""

from __future__ import annotations

import functools
import tempfile
from collections.abc import Callable
from pathlib import Path

from avregn.demo import demo_data
from avregn.workbook.new_book import write_new_workbook


@functools.cache
def _built(name: str, finish: Callable[[Path], object] | None) -> bytes:
    with tempfile.TemporaryDirectory(prefix="avregn-demo-") as folder:
        path = Path(folder) / name
        write_new_workbook(demo_data(), path, backup=False)
        if finish is not None:
            finish(path)
        return path.read_bytes()


def demo_workbook(path: Path, finish: Callable[[Path], object] | None = None) -> Path:
    """The demo workbook at ``path`` as ``write_new_workbook`` writes it, then changed by
    ``finish(path)`` (a module-level function: the result is kept per function)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(_built(path.name, finish))
    return path
