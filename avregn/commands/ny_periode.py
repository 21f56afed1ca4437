"""``avregn ny-periode ARBEIDSBOK``: the next period's workbook (spec §4)."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from avregn.commands.shared import add_overwrite, add_workbook


def register(commands: Any) -> None:
    p = commands.add_parser(
        "ny-periode", help="lag neste periodes arbeidsbok",
        description="Lag neste periodes arbeidsbok med det som føres videre: innstillinger, "
                    "objekter, unntak, kontoer med tomme beløp og a konto-fakturaer som går inn "
                    "i den nye perioden.")
    add_workbook(p)
    p.add_argument("--ut", type=Path, metavar="FIL",
                   help="den nye arbeidsboken (standard: NAVN-ÅÅÅÅ-MM.xlsx ved siden av)")
    add_overwrite(p)
    p.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from avregn.actions import new_period
    from avregn.book import FileBook
    from avregn.cli_output import now, report
    from avregn.commands.shared import missing, takes

    refused = missing(args.arbeidsbok)
    if refused is not None:
        return refused
    options: dict[str, Any] = {"today": now().date()}
    # TODO(integrator): pass overwrite unconditionally once the saves branch (overwrite=) is in.
    if takes(new_period, "overwrite"):
        options["overwrite"] = args.overskriv
    return report(new_period(FileBook(args.arbeidsbok), args.ut, **options), args.arbeidsbok)
