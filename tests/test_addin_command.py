"""``avregn addin installer`` / ``avregn addin sti``, in-process, with the user's folders in a
temporary directory."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from avregn.commands import addin as command
from avregn.commands import run_command


def test_sti_prints_the_shipped_addin(capsys: pytest.CaptureFixture[str]) -> None:
    assert run_command(["addin", "sti"], names=["addin"]) == 0
    path = Path(capsys.readouterr().out.strip())
    assert path.name == "avregn.xlam" and path.exists()


def test_install_merges_the_config_and_copies_the_addin(tmp_path: Path) -> None:
    home, appdata = tmp_path / "home", tmp_path / "appdata"
    config = home / ".xlwings" / "xlwings.conf"
    config.parent.mkdir(parents=True)
    config.write_text('"INTERPRETER_WIN","C:\\old\\python.exe"\n"LICENSE_KEY","abc"\n',
                      encoding="utf-8")
    python = Path("C:/Users/x/avregn-venv/Scripts/python.exe")
    lines = command.install(command.xlam_path(), python=python, home=home, appdata=appdata,
                            unblock=False)
    assert config.read_text(encoding="utf-8").splitlines() == [
        '"LICENSE_KEY","abc"', f'"INTERPRETER_WIN","{python}"']
    target = appdata / "Microsoft" / "Excel" / "XLSTART" / "avregn.xlam"
    assert target.read_bytes() == command.xlam_path().read_bytes()
    assert lines[-1].startswith("Start Excel og skriv =AVREGN_VERSJON()")
    # Twice is the same as once.
    command.install(command.xlam_path(), python=python, home=home, appdata=appdata,
                    unblock=False)
    assert config.read_text(encoding="utf-8").count("INTERPRETER_WIN") == 1


def test_install_refuses_outside_windows(monkeypatch: pytest.MonkeyPatch,
                                         capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setattr(sys, "platform", "darwin")
    assert run_command(["addin", "installer"], names=["addin"]) == 1
    err = capsys.readouterr().err
    assert "virker bare på Windows" in err and "bare båndet" in err


def test_install_on_windows_says_what_it_did(monkeypatch: pytest.MonkeyPatch, tmp_path: Path,
                                             capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setattr(sys, "platform", "win32")
    monkeypatch.setenv("USERPROFILE", str(tmp_path / "home"))
    monkeypatch.setenv("APPDATA", str(tmp_path / "appdata"))
    assert run_command(["addin", "installer"], names=["addin"]) == 0
    out = capsys.readouterr().out
    assert "Tillegget er kopiert til" in out
    assert (tmp_path / "appdata" / "Microsoft" / "Excel" / "XLSTART" / "avregn.xlam").exists()
    # Excel holding the file: one line saying what to do, exit 1.
    monkeypatch.setattr(command, "install",
                        lambda *a, **k: (_ for _ in ()).throw(PermissionError(13, "x", "f")))
    assert run_command(["addin", "installer"], names=["addin"]) == 1
    assert "lukk Excel" in capsys.readouterr().err
