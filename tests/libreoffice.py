"""LibreOffice headless as the independent client of the tests: one way to call it.

It runs with a profile of its own (a fresh one recalculates and never asks questions), and
LibreOffice exits 0 even when it cannot load a file, so the caller gets the converted file's
path and checks that it exists — never only the exit code. Without ``soffice`` the test skips.
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

CSV_FIRST_SHEET = "csv:Text - txt - csv (StarCalc):44,34,76"  # comma, quote, UTF-8
CSV_ALL_SHEETS = "csv:Text - txt - csv (StarCalc):44,34,76,1,,0,false,true,false,false,false,-1"


# A profile that makes LibreOffice recalculate every formula of an xlsx on load, whatever
# program docProps/app.xml names (it trusts the cached values of "Microsoft Excel" files).
_RECALC_PROFILE = """<?xml version="1.0" encoding="UTF-8"?>
<oor:items xmlns:oor="http://openoffice.org/2001/registry"
 xmlns:xs="http://www.w3.org/2001/XMLSchema" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">
<item oor:path="/org.openoffice.Office.Calc/Formula/Load"><prop oor:name="OOXMLRecalcMode"
 oor:op="fuse"><value>0</value></prop></item>
</oor:items>
"""


def convert(book: Path, outdir: Path, target: str, *, recalc: bool = False) -> Path:
    """Convert ``book`` into ``outdir`` (``target``: "xlsx", ``CSV_FIRST_SHEET`` …); returns
    the path LibreOffice writes for the first sheet (with ``CSV_ALL_SHEETS``: ``outdir``).
    ``recalc``: recalculate every formula on load (else cached values may be kept)."""
    soffice = shutil.which("soffice")
    if soffice is None:
        pytest.skip("LibreOffice (soffice) is not installed")
    profile = outdir.parent / f"{outdir.name}-profile"
    if recalc:
        user = profile / "user"
        user.mkdir(parents=True, exist_ok=True)
        (user / "registrymodifications.xcu").write_text(_RECALC_PROFILE, encoding="utf-8")
    run = subprocess.run(
        [soffice, f"-env:UserInstallation={profile.as_uri()}", "--headless",
         "--convert-to", target, "--outdir", str(outdir), str(book)],
        capture_output=True, text=True, timeout=120,
    )
    if target == CSV_ALL_SHEETS:
        assert any(outdir.glob(f"{book.stem}-*.csv")), run.stdout + run.stderr
        return outdir
    converted = outdir / f"{book.stem}.{target.split(':')[0]}"
    assert converted.exists(), run.stdout + run.stderr  # exit code alone proves nothing
    return converted


def convert_all(books: list[Path], outdir: Path, target: str, *, recalc: bool = False) -> Path:
    """``convert`` for many books in one LibreOffice run (one start-up instead of one per
    book); returns ``outdir``. Each book's output is checked by the caller, by name."""
    soffice = shutil.which("soffice")
    if soffice is None:
        pytest.skip("LibreOffice (soffice) is not installed")
    profile = outdir.parent / f"{outdir.name}-profile"
    if recalc:
        user = profile / "user"
        user.mkdir(parents=True, exist_ok=True)
        (user / "registrymodifications.xcu").write_text(_RECALC_PROFILE, encoding="utf-8")
    subprocess.run(
        [soffice, f"-env:UserInstallation={profile.as_uri()}", "--headless",
         "--convert-to", target, "--outdir", str(outdir), *map(str, books)],
        capture_output=True, text=True, timeout=300,
    )
    return outdir
