"""The workbook commands as a user runs them: exit codes, ``file:Sheet!Cell: message`` lines,
no traceback ever."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from avregn.demo import demo_data
from avregn.workbook import layout
from avregn.workbook.new_book import write_new_workbook


def avregn(*args: str | Path, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "avregn.cli", *map(str, args)],
                          capture_output=True, text=True, cwd=cwd, timeout=120)


def test_demo_then_the_whole_workflow(tmp_path: Path) -> None:
    done = avregn("demo", tmp_path / "demo")
    assert done.returncode == 0, done.stderr
    assert "Sammendrag" in done.stdout and "1001-1" in done.stdout
    book = tmp_path / "demo" / "avregning.xlsx"
    assert book.exists() and (tmp_path / "demo" / "avregning.json").exists()

    assert avregn("status", book, "laas").returncode == 0
    refused = avregn("status", book, "laas")
    assert refused.returncode == 1
    assert f"{book}:Status!{layout.STATUS_FORM.cell('status')}: " in refused.stderr
    assert "Traceback" not in refused.stderr

    toggled = avregn("ikke-fakturer", book, "1003-1")
    assert toggled.returncode == 0 and "skal ikke faktureres" in toggled.stdout
    assert avregn("status", book, "fakturaklar").returncode == 0
    assert avregn("ny-periode", book).returncode == 0
    assert (tmp_path / "demo" / "avregning-2025-01.xlsx").exists()
    assert avregn("konti", "eksporter", book).returncode == 0
    assert (tmp_path / "demo" / "avregning-konti.xlsx").exists()


def test_bad_workbook_lists_every_problem_with_its_cell(tmp_path: Path) -> None:
    data = demo_data()
    data["contract_objects"][0]["numerator"] = "-1"
    data["contract_objects"][3]["end"] = "2019-01-01"
    book = tmp_path / "feil.xlsx"
    write_new_workbook(data, book, backup=False)
    done = avregn("beregn", book)
    assert done.returncode == 1
    lines = [line for line in done.stderr.splitlines() if line.startswith(str(book) + ":")]
    numerator = f"Brøk!{layout.CONTRACT_OBJECTS.cell('numerator', 4)}"
    end = f"Brøk!{layout.CONTRACT_OBJECTS.cell('end', 7)}"
    assert any(f":{numerator}: " in line for line in lines), done.stderr
    assert any(f":{end}: " in line for line in lines), done.stderr
    assert "Traceback" not in done.stderr


def test_not_a_workbook_is_one_clean_message(tmp_path: Path) -> None:
    fake = tmp_path / "ikke.xlsx"
    fake.write_text("dette er ikke en arbeidsbok", encoding="utf-8")
    done = avregn("beregn", fake)
    assert done.returncode == 1
    assert "Traceback" not in done.stderr and "ikke.xlsx" in done.stderr
    missing = avregn("beregn", tmp_path / "finnes-ikke.xlsx")
    assert missing.returncode == 1 and "finnes ikke" in missing.stderr


def test_help_lists_every_command() -> None:
    done = avregn("--help")
    assert done.returncode == 0
    for command in ("calc", "demo", "beregn", "status", "ikke-fakturer", "ny-periode", "konti",
                    "mal"):
        assert command in done.stdout
    wrong = avregn("beregn")
    assert wrong.returncode == 2


def test_template_command(tmp_path: Path) -> None:
    target = tmp_path / "tom.xlsx"
    assert avregn("mal", target).returncode == 0
    assert target.exists()
    assert avregn("mal", target).returncode == 1  # never overwrites


def test_a_workbook_open_in_excel_is_a_clear_message(tmp_path: Path) -> None:
    book = tmp_path / "avregning.xlsx"
    write_new_workbook(demo_data(), book, backup=False)
    before = book.read_bytes()
    lock = tmp_path / "~$avregning.xlsx"
    lock.write_bytes(b"excel owner")
    done = avregn("beregn", book)
    assert done.returncode == 1, done.stderr
    assert "Traceback" not in done.stderr and "intern feil" not in done.stderr
    assert "Ingenting er lagret" in done.stderr
    assert book.read_bytes() == before
