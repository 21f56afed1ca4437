"""The workbook commands as a user runs them: exit codes, ``file:Sheet!Cell: message`` lines,
no traceback ever. In-process through ``avregn.cli.main``; at the end one real process per
command (slow)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from avregn.cli import main
from avregn.commands import COMMANDS
from avregn.demo import demo_data
from avregn.workbook import layout
from avregn.workbook.new_book import write_new_workbook


class Ran:
    def __init__(self, code: int, out: str, err: str) -> None:
        self.code, self.out, self.err = code, out, err


@pytest.fixture
def avregn(capsys: pytest.CaptureFixture[str]) -> Any:
    def run(*args: str | Path) -> Ran:
        capsys.readouterr()
        code = main([str(a) for a in args])
        out, err = capsys.readouterr()
        assert "Traceback" not in err and "intern feil" not in err, err
        return Ran(code, out, err)

    return run


@pytest.fixture
def book(tmp_path: Path) -> Path:
    path = tmp_path / "avregning.xlsx"
    write_new_workbook(demo_data(), path, backup=False)
    return path


@pytest.mark.slow
def test_demo_then_the_whole_workflow(avregn: Any, tmp_path: Path) -> None:
    done = avregn("demo", tmp_path / "demo")
    assert done.code == 0, done.err
    assert "Sammendrag" in done.out and "1001-1" in done.out
    book = tmp_path / "demo" / "avregning.xlsx"
    assert book.exists() and (tmp_path / "demo" / "avregning.json").exists()

    # The demo goes the whole way: invoice-ready, letters, reports, an invoice basis.
    assert "Fakturaklar" in done.out and "Fakturagrunnlag FG-000001" in done.out
    assert len(list((tmp_path / "demo" / "avregning-brev").glob("*.pdf"))) == 9
    assert (tmp_path / "demo" / "fakturagrunnlag" / "FG-000001").is_dir()
    refused = avregn("status", book, "lås")  # Fakturaklar cannot be locked (spec §7)
    assert refused.code == 1
    assert f"{book}:Status!{layout.STATUS_FORM.cell('status')}: " in refused.err
    assert avregn("demo", tmp_path / "demo").code == 0  # it runs again

    fresh = tmp_path / "ny.xlsx"
    write_new_workbook(demo_data(), fresh, backup=False)
    assert avregn("beregn", fresh).code == 0
    assert avregn("status", fresh, "lås").code == 0
    toggled = avregn("ikke-fakturer", fresh, "1003-1")
    assert toggled.code == 0 and "skal ikke faktureres" in toggled.out
    assert avregn("status", fresh, "fakturaklar").code == 0
    assert avregn("ny-periode", book).code == 0
    assert (tmp_path / "demo" / "avregning-2025-01.xlsx").exists()
    assert avregn("konti", "eksporter", book).code == 0
    assert (tmp_path / "demo" / "avregning-konti.xlsx").exists()


def test_status_words_reach_the_status_machine(avregn: Any, book: Path) -> None:
    assert avregn("beregn", book).code == 0
    locked = avregn("status", book, "laast")
    assert locked.code == 0 and "Beregnet → Låst" in locked.out
    again = avregn("status", book, "Ny beregning")
    assert again.code == 0 and "Låst → Beregnet" in again.out
    done = avregn("status", book, "Skal ikke faktureres")
    assert done.code == 0 and "Skal ikke faktureres" in done.out


def test_bad_workbook_lists_every_problem_with_its_cell(avregn: Any, tmp_path: Path) -> None:
    data = demo_data()
    data["contract_objects"][0]["numerator"] = "-1"
    data["contract_objects"][3]["end"] = "2019-01-01"
    book = tmp_path / "feil.xlsx"
    write_new_workbook(data, book, backup=False)
    done = avregn("beregn", book)
    assert done.code == 1
    lines = [line for line in done.err.splitlines() if line.startswith(str(book) + ":")]
    numerator = f"Brøk!{layout.CONTRACT_OBJECTS.cell('numerator', 4)}"
    end = f"Brøk!{layout.CONTRACT_OBJECTS.cell('end', 7)}"
    assert any(f":{numerator}: " in line for line in lines), done.err
    assert any(f":{end}: " in line for line in lines), done.err


def test_not_a_workbook_is_one_clean_message(avregn: Any, tmp_path: Path) -> None:
    fake = tmp_path / "ikke.xlsx"
    fake.write_text("dette er ikke en arbeidsbok", encoding="utf-8")
    done = avregn("beregn", fake)
    assert done.code == 1 and "ikke.xlsx" in done.err


@pytest.mark.parametrize("argv", [
    ["beregn", "{x}"], ["status", "{x}", "lås"], ["ikke-fakturer", "{x}", "1-1"],
    ["ny-periode", "{x}"], ["konti", "eksporter", "{x}"], ["konti", "importer", "{x}", "{x}"],
    ["konti", "slett-null", "{x}"], ["konti", "hent", "{x}"],
])
def test_a_missing_file_is_exit_1_not_2(avregn: Any, tmp_path: Path, argv: list[str]) -> None:
    missing = tmp_path / "finnes-ikke.xlsx"
    done = avregn(*(a.replace("{x}", str(missing)) for a in argv))
    assert done.code == 1
    assert f"{missing}: Filen finnes ikke." in done.err
    folder = avregn(*(a.replace("{x}", str(tmp_path)) for a in argv))
    assert folder.code == 1 and "mappe" in folder.err


def test_template_command(avregn: Any, tmp_path: Path) -> None:
    target = tmp_path / "tom.xlsx"
    assert avregn("mal", target).code == 0
    assert target.exists()
    before = target.read_bytes()
    refused = avregn("mal", target)
    assert refused.code == 1 and "--overskriv" in refused.err  # never overwrites by accident
    assert target.read_bytes() == before
    assert avregn("mal", target, "--overskriv").code == 0


def test_overskriv_reaches_the_actions(avregn: Any, book: Path) -> None:
    """--ut onto an existing file is refused; --overskriv is accepted by every command that
    writes a new file (the actions decide, issue 9 item 5)."""
    assert avregn("beregn", book).code == 0
    dest = book.with_name("kopi-konti.xlsx")
    assert avregn("konti", "eksporter", book, "--ut", dest).code == 0
    assert avregn("konti", "eksporter", book, "--ut", dest, "--overskriv").code in (0, 1)
    following = book.with_name("neste.xlsx")
    following.write_bytes(b"annet")
    refused = avregn("ny-periode", book, "--ut", following)
    assert refused.code == 1 and following.read_bytes() == b"annet"


def test_unknown_object_id_suggests_the_nearest(avregn: Any, book: Path) -> None:
    done = avregn("ikke-fakturer", book, "1003")
    assert done.code == 1
    assert "«1003»" in done.err and "mente du 1003-1?" in done.err


def test_a_lookalike_dash_in_an_id_is_named(avregn: Any, book: Path) -> None:
    done = avregn("ikke-fakturer", book, "1003\u20131")
    assert done.code == 1
    assert "inneholder en tankestrek (–) der du trolig mente bindestrek (-)" in done.err
    assert "mente du 1003-1?" in done.err
    nbsp = avregn("ikke-fakturer", book, "1003-1\u00a0")
    assert nbsp.code == 1 and "hardt mellomrom" in nbsp.err


def test_exported_object_refusal_is_the_status_machines(avregn: Any, book: Path) -> None:
    from avregn.book import FileBook

    cell = layout.CONTRACT_OBJECTS.cell("exported", 4)
    out = book
    port = FileBook(out, backup=False)
    port.set_values({"Brøk": {cell: "B-2025-01"}})
    port.commit()
    done = avregn("beregn", out)
    assert done.code == 1
    assert ("Kan ikke beregne på nytt: kontraktsobjekt 1001-1 er eksportert i et "
            "fakturagrunnlag og kan ikke endres; rett med en korreksjon i en senere avregning."
            ) in done.err
    assert f"{out}:Brøk!{cell}: Kontraktsobjekt 1001-1 er eksportert" in done.err
    toggled = avregn("ikke-fakturer", out, "1001-1")
    assert toggled.code == 1 and "Kontraktsobjekt 1001-1 er eksportert" in toggled.err


def test_a_workbook_open_in_excel_is_a_clear_message(avregn: Any, book: Path) -> None:
    before = book.read_bytes()
    lock = book.with_name("~$avregning.xlsx")
    lock.write_bytes(b"excel owner")
    done = avregn("beregn", book)
    assert done.code == 1, done.err
    assert "Ingenting er lagret" in done.err
    assert book.read_bytes() == before


def test_konti_round_trip(avregn: Any, book: Path) -> None:
    exported = book.with_name("konti.xlsx")
    assert avregn("konti", "eksporter", book, "--ut", exported).code == 0
    imported = avregn("konti", "importer", book, exported)
    assert imported.code == 0 and "Importerte" in imported.out
    assert avregn("konti", "slett-null", book).code == 0
    assert avregn("konti", "hent", book).code == 0


# --- One real process per command (slow) ------------------------------------------------------

def real(*args: str | Path, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "avregn", *map(str, args)],
                          capture_output=True, text=True, cwd=cwd, timeout=180, check=False)


SMOKE: dict[str, list[str]] = {
    "demo": ["demo", "{dir}/demo"],
    "mal": ["mal", "{dir}/tom.xlsx"],
    "beregn": ["beregn", "{book}"],
    "status": ["status", "{book}", "ny-beregning"],
    "ikke-fakturer": ["ikke-fakturer", "{book}", "1003-1"],
    "ny-periode": ["ny-periode", "{book}", "--ut", "{dir}/neste.xlsx"],
    "konti": ["konti", "eksporter", "{book}", "--ut", "{dir}/konti.xlsx"],
    "oppgrader": ["oppgrader", "{book}"],
    # calc: tests/test_cli_calc.py::test_console_script_calc
}


def test_every_command_of_this_module_has_a_smoke_test() -> None:
    ours = {"demo", "mal", "beregn", "status", "ikke-fakturer", "ny-periode", "konti", "calc",
            "oppgrader"}
    assert ours <= set(COMMANDS)
    assert set(SMOKE) | {"calc"} == ours


@pytest.mark.slow
@pytest.mark.parametrize("command", sorted(SMOKE))
def test_real_process(command: str, book: Path) -> None:
    argv = [a.format(dir=book.parent, book=book) for a in SMOKE[command]]
    done = real(*argv)
    assert done.returncode == 0, done.stderr
    assert "Traceback" not in done.stderr
