"""The engine stays pure: it imports no Excel, file-format or terminal library, and the
application package never leaks into it (architecture.md: rooms and what each may touch)."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

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


@pytest.mark.slow
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


# --- The xlsx layer and private names ----------------------------------------------------------

XLSX_MAY_NOT_IMPORT = ("engine", "avregn.workbook", "avregn.actions", "avregn.book", "addin")


def _modules(path: Path) -> list[tuple[str, list[str]]]:
    """(module, names) of every absolute import in a file; ``import x.y`` gives (x.y, [])."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found: list[tuple[str, list[str]]] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [(alias.name, []) for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.append((node.module, [alias.name for alias in node.names]))
    return found


def _ours(module: str) -> bool:
    return module.split(".")[0] in ("engine", "avregn", "addin")


def test_the_xlsx_layer_imports_nothing_of_the_settlement() -> None:
    offenders = {
        str(path.relative_to(ROOT)): module
        for path in (ROOT / "avregn" / "xlsx").rglob("*.py")
        for module, _ in _modules(path)
        if _ours(module) and module.startswith(XLSX_MAY_NOT_IMPORT)
    }
    assert offenders == {}
    assert all(m.startswith("avregn.xlsx") for p in (ROOT / "avregn" / "xlsx").rglob("*.py")
               for m, _ in _modules(p) if _ours(m))


def _private_imports(path: Path) -> list[str]:
    """``from our.module import _name`` (another module's private name) and ``import
    our._module``; dunder names are not private."""
    bad = []
    for module, names in _modules(path):
        if not _ours(module):
            continue
        parts = module.split(".")
        bad += [f"{module} ({p})" for p in parts if p.startswith("_") and not p.startswith("__")]
        bad += [f"{module}.{n}" for n in names if n.startswith("_") and not n.startswith("__")]
    return bad


def test_no_module_imports_another_modules_private_names() -> None:
    offenders = {
        str(path.relative_to(ROOT)): found
        for folder in ("engine", "avregn", "addin")
        for path in (ROOT / folder).rglob("*.py")
        if (found := _private_imports(path))
    }
    assert offenders == {}


def test_the_private_name_check_would_catch_an_offender(tmp_path: Path) -> None:
    bad = tmp_path / "bad.py"
    bad.write_text("from avregn.xlsx.package import _Package, Package\n"
                   "from avregn.xlsx import _secret\nimport os\n", encoding="utf-8")
    assert _private_imports(bad) == ["avregn.xlsx.package._Package", "avregn.xlsx._secret"]
