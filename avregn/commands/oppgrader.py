"""``avregn oppgrader ARBEIDSBOK``: bring a workbook of an older layout version up to date."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any


def register(commands: Any) -> None:
    p = commands.add_parser(
        "oppgrader",
        help="oppgrader en arbeidsbok laget med en eldre mal til malversjonen avregn bruker nå",
        description="Oppgraderer arbeidsboken på stedet til gjeldende malversjon: nye "
                    "kolonner og innstillinger legges til tomme, ingenting du har skrevet "
                    "endres. Forrige versjon lagres som NAVN.forrige.xlsx.")
    p.add_argument("arbeidsbok", type=Path, metavar="ARBEIDSBOK",
                   help="arbeidsboken (.xlsx) som skal oppgraderes")
    p.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from avregn.actions import upgrade
    from avregn.book import FileBook
    from avregn.cli_output import report

    path: Path = args.arbeidsbok
    return report(upgrade(FileBook(path)), path)
