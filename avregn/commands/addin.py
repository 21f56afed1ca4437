"""``avregn addin installer`` and ``avregn addin sti``: put the Excel add-in in place.

Why a command: installing means three small steps an accountant should not have to type —
tell xlwings which Python to start (``INTERPRETER_WIN`` in ``%USERPROFILE%\\.xlwings\\
xlwings.conf``, the user config the add-in reads), copy ``avregn.xlam`` (package data of
``addin``) into Excel's start-up folder ``%APPDATA%\\Microsoft\\Excel\\XLSTART``, and remove
the "downloaded from the internet" mark that makes Excel block its macros. The config file is
merged, never replaced: the user's other xlwings settings stay. Windows only; elsewhere the
command says what to do by hand (on a Mac only the ribbon works).
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

Subparsers = Any


def register(commands: Subparsers) -> None:
    p = commands.add_parser(
        "addin", help="Excel-tillegget avregn.xlam: installer, eller vis hvor det ligger",
        description="Installer Excel-tillegget avregn.xlam, eller vis hvor det ligger.")
    actions = p.add_subparsers(dest="addin_action", metavar="HANDLING", required=True)
    install = actions.add_parser(
        "installer", help="installer tillegget i Excel (Windows; lukk Excel først)",
        description="Skriver Python-miljøet inn i xlwings' brukeroppsett, kopierer avregn.xlam "
                    "til Excels oppstartsmappe (XLSTART) og fjerner nedlastingsmerket.")
    install.set_defaults(run=run)
    where = actions.add_parser("sti", help="skriv hvor avregn.xlam ligger",
                               description="Skriver stien til avregn.xlam i denne installasjonen.")
    where.set_defaults(run=run)


def xlam_path() -> Path:
    """The add-in file shipped with the ``addin`` package."""
    import addin

    return Path(addin.__file__).resolve().with_name("avregn.xlam")


def merge_config(path: Path, key: str, value: str) -> None:
    """Set one ``"KEY","VALUE"`` line of an xlwings config file, keeping every other line."""
    lines = path.read_text(encoding="utf-8").splitlines() if path.exists() else []
    wanted = f'"{key}",'
    kept = [line for line in lines if not line.upper().startswith(wanted.upper())]
    kept.append(f'"{key}","{value}"')
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("\n".join(kept) + "\n", encoding="utf-8")


def install(xlam: Path, *, python: Path, home: Path, appdata: Path,
            unblock: bool) -> list[str]:
    """The three steps; returns what was done, line by line. Raises OSError when a file
    cannot be written (Excel holding the add-in open)."""
    config = home / ".xlwings" / "xlwings.conf"
    merge_config(config, "INTERPRETER_WIN", str(python))
    startup = appdata / "Microsoft" / "Excel" / "XLSTART"
    startup.mkdir(parents=True, exist_ok=True)
    target = startup / xlam.name
    target.write_bytes(xlam.read_bytes())
    lines = [f"xlwings bruker {python} (skrevet i {config}).",
             f"Tillegget er kopiert til {target}."]
    if unblock:
        try:
            Path(f"{target}:Zone.Identifier").unlink()
            lines.append("Nedlastingsmerket er fjernet.")
        except FileNotFoundError:
            pass
    lines.append("Start Excel og skriv =AVREGN_VERSJON() i en celle: den skal vise versjonen "
                 "av avregn.")
    return lines


def run(args: argparse.Namespace) -> int:
    import os
    import sys

    from avregn.cli_output import fail
    from engine.problems import Problem

    xlam = xlam_path()
    if not xlam.exists():
        return fail(xlam, [Problem("", "avregn.xlam mangler i installasjonen; installer avregn "
                                       "på nytt (pip install --force-reinstall med wheel-filen "
                                       "dere har fått).")])
    if args.addin_action == "sti":
        print(xlam)
        return 0
    if sys.platform != "win32":
        return fail(xlam, [Problem("", "«avregn addin installer» virker bare på Windows. På Mac "
                                       "virker bare båndet: xlwings addin install -f "
                                       f"\"{xlam}\" og xlwings runpython install.")])
    home = Path(os.environ.get("USERPROFILE") or Path.home())
    appdata = Path(os.environ.get("APPDATA") or home / "AppData" / "Roaming")
    try:
        lines = install(xlam, python=Path(sys.executable), home=home, appdata=appdata,
                        unblock=os.name == "nt")
    except OSError as exc:
        return fail(xlam, [Problem("", f"Kunne ikke skrive {exc.filename or ''}: lukk Excel og "
                                       "prøv igjen.")])
    print("\n".join(lines))
    return 0
