"""``avregn mal [FIL]``: an empty settlement workbook (the template) to fill in."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from avregn.commands.shared import add_overwrite


def register(commands: Any) -> None:
    p = commands.add_parser(
        "mal", help="skriv en tom avregningsarbeidsbok å fylle ut",
        description="Skriv en tom avregningsarbeidsbok (malen) å fylle ut. En fil som finnes "
                    "fra før, skrives ikke over uten --overskriv.")
    p.add_argument("fil", type=Path, nargs="?", default=Path("avregning.xlsx"), metavar="FIL",
                   help="hvor arbeidsboken skrives (standard: avregning.xlsx)")
    add_overwrite(p)
    p.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from avregn import actions
    from avregn.cli_output import fail, report
    from engine.problems import Problem

    dest: Path = args.fil
    write_template = getattr(actions, "write_template", None)
    if write_template is not None:
        return report(write_template(dest, overwrite=args.overskriv), dest)
    # TODO(integrator): remove this fallback once actions.write_template (saves) is merged.
    from avregn.workbook.template import build_template

    if dest.is_dir():
        return fail(dest, [Problem("", "Dette er en mappe; oppgi et filnavn.")])
    if dest.exists() and not args.overskriv:
        return fail(dest, [Problem("", "Filen finnes allerede; velg et annet navn, eller "
                                       "bruk --overskriv.")])
    if not dest.parent.is_dir():
        return fail(dest, [Problem("", f"Mappen {dest.parent} finnes ikke.")])
    build_template(dest)
    print(f"Skrevet: {dest}")
    return 0
