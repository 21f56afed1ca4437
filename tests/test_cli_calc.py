"""``avregn calc`` and the CLI's general behaviour (settlement-file.md, issue 2 item 7)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

import avregn.cli
from avregn.cli import app

DATA = Path(__file__).parent / "data"
AVREGN = Path(sys.executable).parent / "avregn"


def invoke(*args: str) -> Any:
    return CliRunner().invoke(app, list(args))


def write(tmp_path: Path, data: Any, name: str = "avregning.json") -> Path:
    path = tmp_path / name
    text = data if isinstance(data, str) else json.dumps(data, ensure_ascii=False)
    path.write_text(text, encoding="utf-8")
    return path


def factor_case() -> dict[str, Any]:
    data: dict[str, Any] = json.loads((DATA / "golden_factor.json").read_text("utf-8"))
    return data


def test_calc_json(tmp_path):
    result = invoke("calc", str(DATA / "golden_factor.json"), "--json")
    assert result.exit_code == 0, result.stderr
    out = json.loads(result.stdout)
    assert out["status"] == "beregnet"
    assert [o["distributed"] for o in out["objects"]] == [
        "9090.91",
        "4545.46",
        "4545.46",
        "4545.45",
        "4545.45",
    ]
    assert out["accounts"][0]["vacant_share"] == "22727.27"
    assert out["settlement"]["calculated_at"]  # the CLI stamps the calculation
    assert result.stderr == ""


def test_calc_table(tmp_path):
    result = invoke("calc", str(DATA / "golden_weighted_fraction.json"))
    assert result.exit_code == 0, result.stderr
    for object_id in ("1001-1", "1002-1", "1003-1", "1004-1", "1005-1"):
        assert object_id in result.stdout
    assert "Sammendrag" in result.stdout
    assert "PHUS AS" in result.stdout  # the owner's column is labelled with the owner's name
    assert "524,6 / 703" in result.stdout  # the footer of spec §8/§10


def test_calc_invalid_input_exits_1_with_every_problem(tmp_path):
    data = factor_case()
    data["settlement"]["denominator"] = 0
    data["contract_objects"][2]["numerator"] = "1,5"
    data["cost_lines"][0]["amount"] = "NaN"
    path = write(tmp_path, data)
    expected = {"settlement.denominator", "contract_objects[2].numerator", "cost_lines[0].amount"}

    result = invoke("calc", str(path), "--json")
    assert result.exit_code == 1
    errors = json.loads(result.stdout)["errors"]
    assert {e["where"] for e in errors} == expected
    assert all(e["message"] for e in errors)
    lines = result.stderr.strip().splitlines()
    assert len(lines) == len(expected)
    for where in expected:
        assert any(f"{where}: " in line for line in lines), (where, lines)
    assert "Traceback" not in result.stderr + result.stdout

    plain = invoke("calc", str(path))
    assert plain.exit_code == 1
    assert len(plain.stderr.strip().splitlines()) == len(expected)
    assert "errors" not in plain.stdout  # only --json writes the errors object


def test_calc_vacancy_error_exits_1(tmp_path):
    data = factor_case()
    data["settlement"]["denominator"] = 400  # five tenants of 100
    result = invoke("calc", str(write(tmp_path, data)), "--json")
    assert result.exit_code == 1
    [error] = json.loads(result.stdout)["errors"]
    assert error["where"] == "settlement.denominator"
    assert "settlement.denominator: " in result.stderr


@pytest.mark.parametrize("text", ["{not json", "", "[1, 2]"])
def test_calc_unreadable_file_exits_1_without_traceback(tmp_path, text):
    result = invoke("calc", str(write(tmp_path, text)), "--json")
    assert result.exit_code == 1
    assert json.loads(result.stdout)["errors"]
    assert result.stderr.strip() and "Traceback" not in result.stderr


def test_calc_missing_file_exits_1(tmp_path):
    result = invoke("calc", str(tmp_path / "finnes-ikke.json"))
    assert result.exit_code == 1
    assert "finnes-ikke.json" in result.stderr
    assert "Traceback" not in result.stderr


def test_internal_error_is_one_line_and_exit_2(tmp_path, monkeypatch):
    def boom(*args: Any, **kwargs: Any) -> Any:
        raise RuntimeError("kaboom")

    monkeypatch.setattr(avregn.cli, "try_calculate", boom)
    result = invoke("calc", str(DATA / "golden_factor.json"), "--json")
    assert result.exit_code == 2
    assert len(result.stderr.strip().splitlines()) == 1
    assert "kaboom" in result.stderr and "Traceback" not in result.stderr


def test_help_lists_the_commands():
    result = invoke("--help")
    assert result.exit_code == 0
    assert "calc" in result.stdout
    for command in app.registered_commands:
        name = command.name or command.callback.__name__.replace("_", "-")
        assert name in result.stdout, name
    calc_help = invoke("calc", "--help")
    assert calc_help.exit_code == 0 and "--json" in calc_help.stdout


@pytest.mark.parametrize(
    "args", [["calc"], ["finnes-ikke-kommando"], ["calc", "x.json", "--ukjent-valg"]]
)
def test_wrong_usage_exits_2_with_usage(args):
    result = invoke(*args)
    assert result.exit_code == 2
    assert "Usage" in result.stdout + result.stderr


def test_console_script(tmp_path):
    # The installed entry point, as a user runs it.
    ok = subprocess.run(
        [str(AVREGN), "calc", str(DATA / "golden_delta.json"), "--json"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert ok.returncode == 0, ok.stderr
    assert json.loads(ok.stdout)["accounts"][0]["vacant_share"] == "27777.78"
    usage = subprocess.run([str(AVREGN), "calc"], capture_output=True, text=True, timeout=60)
    assert usage.returncode == 2
    assert "Usage" in usage.stderr + usage.stdout
