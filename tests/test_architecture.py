"""The engine stays pure: it imports no Excel, file-format or terminal library, and the
application package never leaks into it (architecture.md: rooms and what each may touch)."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
FORBIDDEN = {
    "xlwings",
    "openpyxl",
    "python_calamine",
    "fastexcel",
    "xlsxwriter",
    "avregn",
    "addin",
    "typer",
    "rich",
    "pandas",
}


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module.split(".")[0])
    return names


def test_engine_source_imports_no_io_library() -> None:
    offenders = {
        str(path.relative_to(ROOT)): sorted(_imports(path) & FORBIDDEN)
        for path in (ROOT / "engine").rglob("*.py")
    }
    assert {k: v for k, v in offenders.items() if v} == {}


def test_importing_the_engine_loads_no_io_library() -> None:
    """Also catches indirect imports: run a fresh interpreter and look at sys.modules."""
    code = (
        "import sys, engine.calculation, engine.contract, engine.periods, engine.statuses;"
        f"bad = sorted(m for m in sys.modules if m.split('.')[0] in {sorted(FORBIDDEN)!r});"
        "print(','.join(bad))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=ROOT
    )
    assert out.stdout.strip() == ""


def test_the_check_would_catch_an_offender(tmp_path: Path) -> None:
    bad = tmp_path / "bad.py"
    bad.write_text("import openpyxl\nfrom xlwings import Book\n", encoding="utf-8")
    assert _imports(bad) & FORBIDDEN == {"openpyxl", "xlwings"}
