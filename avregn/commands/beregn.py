"""``avregn beregn ARBEIDSBOK``: read, check, calculate and write *Beregning* and *Status*."""

from __future__ import annotations

import argparse
from typing import Any

from avregn.commands.shared import add_workbook


def register(commands: Any) -> None:
    p = commands.add_parser(
        "beregn", help="beregn arbeidsboken og skriv Beregning og Status",
        description="Les arbeidsboken, kontroller inndata, beregn og skriv arkene Beregning og "
                    "Status tilbake. Feil vises som FIL:Ark!Celle: melding.")
    add_workbook(p)
    p.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from avregn.cli_output import report
    from avregn.commands.shared import calculate_workbook, missing

    refused = missing(args.arbeidsbok)
    if refused is not None:
        return refused
    return report(calculate_workbook(args.arbeidsbok), args.arbeidsbok)
