"""``avregn calc`` and the CLI's general behaviour (settlement-file.md, issue 2 item 7, issue
10 item 6, issue 11 item 1), in-process through ``avregn.cli.main``; one real process at the
end (slow)."""

from __future__ import annotations

import json
import subprocess
import sys
import zipfile
from pathlib import Path
from typing import Any

import pytest

import engine.calculation
from avregn.cli import main
from avregn.commands import COMMANDS

DATA = Path(__file__).parent / "data"
AVREGN = Path(sys.executable).parent / "avregn"


class Ran:
    def __init__(self, code: int, out: str, err: str) -> None:
        self.code, self.out, self.err = code, out, err


@pytest.fixture
def cli(capsys: pytest.CaptureFixture[str]) -> Any:
    def run(*args: str | Path) -> Ran:
        capsys.readouterr()
        code = main([str(a) for a in args])
        out, err = capsys.readouterr()
        return Ran(code, out, err)

    return run


def write(tmp_path: Path, data: Any, name: str = "avregning.json") -> Path:
    path = tmp_path / name
    text = data if isinstance(data, str) else json.dumps(data, ensure_ascii=False)
    path.write_text(text, encoding="utf-8")
    return path


def factor_case() -> dict[str, Any]:
    data: dict[str, Any] = json.loads((DATA / "golden_factor.json").read_text("utf-8"))
    return data


def test_calc_json(cli: Any) -> None:
    ran = cli("calc", DATA / "golden_factor.json", "--json")
    assert ran.code == 0, ran.err
    out = json.loads(ran.out)
    assert out["status"] == "beregnet"
    assert [o["distributed"] for o in out["objects"]] == [
        "9090.91", "4545.46", "4545.46", "4545.45", "4545.45",
    ]
    assert out["accounts"][0]["vacant_share"] == "22727.27"
    assert out["settlement"]["calculated_at"]  # the CLI stamps the calculation
    assert ran.err == ""
    assert ran.out.count("\n") == 1  # compact: one line


def test_calc_json_indent_is_the_same_json(cli: Any) -> None:
    compact = cli("calc", DATA / "golden_delta.json", "--json")
    indented = cli("calc", DATA / "golden_delta.json", "--json", "--indent")
    assert indented.code == 0 and indented.out.count("\n") > 50
    one, other = json.loads(compact.out), json.loads(indented.out)
    for data in (one, other):
        data["settlement"].pop("calculated_at")
    assert one == other


def test_calc_json_is_the_contract(cli: Any) -> None:
    """The command line writes exactly what engine.contract's result_to_json gives."""
    from engine.contract import load_json, parse_settlement, result_to_json

    path = DATA / "golden_weighted_fraction.json"
    ran = cli("calc", path, "--json")
    out = json.loads(ran.out)
    settlement, _ = parse_settlement(load_json(path.read_text("utf-8")), require_amounts=True)
    assert settlement is not None
    result, _ = engine.calculation.try_calculate(settlement)
    assert result is not None
    expected = json.loads(json.dumps(result_to_json(result), ensure_ascii=False))
    out["settlement"]["calculated_at"] = expected["settlement"]["calculated_at"]
    assert out == expected


def test_calc_table(cli: Any) -> None:
    ran = cli("calc", DATA / "golden_weighted_fraction.json")
    assert ran.code == 0, ran.err
    for object_id in ("1001-1", "1002-1", "1003-1", "1004-1", "1005-1"):
        assert object_id in ran.out
    assert "Sammendrag" in ran.out
    assert "PHUS AS" in ran.out  # the owner's column is labelled with the owner's name
    assert "524,6 / 703" in ran.out  # the footer of spec §8/§10
    assert "Fakturabeløp" in ran.out


def test_calc_invalid_input_exits_1_with_every_problem(cli: Any, tmp_path: Path) -> None:
    data = factor_case()
    data["settlement"]["denominator"] = 0
    data["contract_objects"][2]["numerator"] = "1,5"
    data["cost_lines"][0]["amount"] = "NaN"
    path = write(tmp_path, data)
    expected = {"settlement.denominator", "contract_objects[2].numerator", "cost_lines[0].amount"}

    ran = cli("calc", path, "--json")
    assert ran.code == 1
    errors = json.loads(ran.out)["errors"]
    assert {e["where"] for e in errors} == expected
    assert all(e["message"] for e in errors)
    lines = ran.err.strip().splitlines()
    assert len(lines) == len(expected)
    for where in expected:
        assert any(f"{where}: " in line for line in lines), (where, lines)

    plain = cli("calc", path)
    assert plain.code == 1
    assert len(plain.err.strip().splitlines()) == len(expected)
    assert "errors" not in plain.out  # only --json writes the errors object


def test_calc_vacancy_error_exits_1(cli: Any, tmp_path: Path) -> None:
    data = factor_case()
    data["settlement"]["denominator"] = 400  # five tenants of 100
    ran = cli("calc", write(tmp_path, data), "--json")
    assert ran.code == 1
    [error] = json.loads(ran.out)["errors"]
    assert error["where"] == "settlement.denominator"
    assert "settlement.denominator: " in ran.err


@pytest.mark.parametrize("text", ["{not json", "", "[1, 2]"])
def test_calc_unreadable_file_exits_1(cli: Any, tmp_path: Path, text: str) -> None:
    ran = cli("calc", write(tmp_path, text), "--json")
    assert ran.code == 1
    assert json.loads(ran.out)["errors"]
    assert ran.err.strip() and "Traceback" not in ran.err


def test_calc_reads_a_bom_and_refuses_a_huge_number(cli: Any, tmp_path: Path) -> None:
    path = tmp_path / "bom.json"
    path.write_bytes(b"\xef\xbb\xbf" + json.dumps(factor_case()).encode())
    assert cli("calc", path, "--json").code == 0
    huge = factor_case()
    huge["cost_lines"][0]["amount"] = 1e300
    path.write_text(json.dumps(huge))
    assert cli("calc", path).code == 1


def test_calc_missing_file_or_folder_exits_1(cli: Any, tmp_path: Path) -> None:
    ran = cli("calc", tmp_path / "finnes-ikke.json")
    assert ran.code == 1
    assert "finnes-ikke.json: Filen finnes ikke." in ran.err
    folder = cli("calc", tmp_path)
    assert folder.code == 1 and "mappe" in folder.err


@pytest.mark.parametrize("name", ["avregning.xlsx", "avregning.XLSM", "kopi.json"])
def test_calc_given_a_workbook_says_use_beregn(cli: Any, tmp_path: Path, name: str) -> None:
    path = tmp_path / name
    with zipfile.ZipFile(path, "w") as z:  # the zip magic, whatever the name says
        z.writestr("[Content_Types].xml", "<Types/>")
    ran = cli("calc", path)
    assert ran.code == 1
    assert f"avregn beregn {path}" in ran.err
    assert "UTF-8" not in ran.err and "decode" not in ran.err
    as_json = cli("calc", path, "--json")
    assert as_json.code == 1 and "avregn beregn" in json.loads(as_json.out)["errors"][0]["message"]


def test_calc_of_a_binary_file_is_a_message(cli: Any, tmp_path: Path) -> None:
    path = tmp_path / "bilde.json"
    path.write_bytes(b"\xff\xd8\xff\xe0 not text \x81")
    ran = cli("calc", path)
    assert ran.code == 1 and "UTF-8" in ran.err and "Traceback" not in ran.err


def test_internal_error_is_one_line_and_exit_2(cli: Any, monkeypatch: pytest.MonkeyPatch,
                                               ) -> None:
    def boom(*args: Any, **kwargs: Any) -> Any:
        raise RuntimeError("kaboom\nline two")

    monkeypatch.setattr(engine.calculation, "try_calculate", boom)
    ran = cli("calc", DATA / "golden_factor.json", "--json")
    assert ran.code == 2
    assert len(ran.err.strip().splitlines()) == 1
    assert "kaboom" in ran.err and "intern feil" in ran.err and "Traceback" not in ran.err


def test_ctrl_c_exits_130(cli: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    def interrupted(*args: Any, **kwargs: Any) -> Any:
        raise KeyboardInterrupt

    monkeypatch.setattr(engine.calculation, "try_calculate", interrupted)
    ran = cli("calc", DATA / "golden_factor.json")
    assert ran.code == 130 and "avbrutt" in ran.err and "Traceback" not in ran.err


def test_help_lists_the_commands(cli: Any) -> None:
    ran = cli("--help")
    assert ran.code == 0
    for name in COMMANDS:
        assert f"    {name}" in ran.out, name
    calc_help = cli("calc", "--help")
    assert calc_help.code == 0 and "--json" in calc_help.out and "--indent" in calc_help.out


def test_no_command_prints_the_help_and_exits_2(cli: Any) -> None:
    ran = cli()
    assert ran.code == 2 and "bruk: avregn" in ran.out and "kommandoer:" in ran.out
    konti = cli("konti")
    assert konti.code == 2 and "eksporter" in konti.out


@pytest.mark.parametrize(
    "args", [["calc"], ["finnes-ikke-kommando"], ["calc", "x.json", "--ukjent-valg"],
             ["calc", "a.json", "b.json"], ["konti", "flytt"]]
)
def test_wrong_usage_exits_2_with_usage(cli: Any, args: list[str]) -> None:
    ran = cli(*args)
    assert ran.code == 2
    assert ran.err.startswith("bruk: avregn")
    assert "avregn" in ran.err and "feil: " in ran.err


@pytest.mark.slow
def test_calc_loads_no_workbook_or_table_library(tmp_path: Path) -> None:
    """Issue 11: calc loads only what it needs. Checked in this process's terms: the modules
    a fresh interpreter has after ``calc``."""
    code = (
        "import sys\n"
        "from avregn.cli import main\n"
        f"code = main(['calc', {str(DATA / 'golden_factor.json')!r}, '--json'])\n"
        "heavy = ('openpyxl', 'python_calamine', 'xlwings', 'rich', 'typer', 'babel', 'pandas',"
        " 'avregn.workbook', 'avregn.actions', 'defusedxml')\n"
        "loaded = sorted(m for m in sys.modules if m.startswith(heavy))\n"
        "print(code, loaded, file=sys.stderr)\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          timeout=120, check=False)
    assert done.stderr.strip().startswith("0 []"), done.stderr


@pytest.mark.slow
def test_help_loads_no_command_code() -> None:
    code = ("import sys\nfrom avregn.cli import main\ncode = main(['--help'])\n"
            "print(sorted(m for m in sys.modules if m.startswith(('engine', 'avregn.actions',"
            " 'avregn.workbook', 'pydantic'))), file=sys.stderr)\n")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          timeout=120, check=False)
    assert done.stderr.strip() == "[]", done.stderr


@pytest.mark.slow
def test_console_script_calc(tmp_path: Path) -> None:
    """The installed entry point, as a user runs it (one real process per command: here calc;
    the others in test_cli_workbook.py)."""
    ok = subprocess.run([str(AVREGN), "calc", str(DATA / "golden_delta.json"), "--json"],
                        capture_output=True, text=True, timeout=120, check=False)
    assert ok.returncode == 0, ok.stderr
    assert json.loads(ok.stdout)["accounts"][0]["vacant_share"] == "27777.78"
    usage = subprocess.run([str(AVREGN), "calc"], capture_output=True, text=True, timeout=120,
                           check=False)
    assert usage.returncode == 2 and usage.stderr.startswith("bruk: avregn calc")


@pytest.mark.slow
def test_a_console_that_cannot_show_norwegian_letters_still_works() -> None:
    """A Windows code page or an ASCII pipe: characters it lacks are replaced, never an
    internal error."""
    import os

    env = {**os.environ, "PYTHONIOENCODING": "ascii"}
    argv = [sys.executable, "-m", "avregn", "calc", str(DATA / "golden_factor.json")]
    done = subprocess.run(argv, capture_output=True, env=env, timeout=120, check=False)
    assert done.returncode == 0, done.stderr
    assert b"Sammendrag" in done.stdout and b"intern feil" not in done.stderr
