"""``avregn rapport``: the three reports of a calculated workbook, as xlsx and PDF."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any


def register(commands: Any) -> None:
    p = commands.add_parser(
        "rapport", help="rapportene: kontoer, tellere, fordelingsgrunnlag (xlsx og PDF)",
        description="Lag de tre rapportene til en beregnet avregning — kontoer per "
                    "transaksjonstype, tellere per leietaker og kontraktsobjekt, og "
                    "fordelingsgrunnlaget med diagram — som én xlsx (ett ark hver) og én PDF. "
                    "Mappen er NAVN-rapporter/ ved siden av arbeidsboken, om ikke --ut sier "
                    "noe annet.")
    p.add_argument("arbeidsbok", type=Path, metavar="ARBEIDSBOK",
                   help="den beregnede arbeidsboken (.xlsx/.xlsm)")
    p.add_argument("--ut", type=Path, metavar="MAPPE", help="mappen rapportene skrives til")
    p.add_argument("--overskriv", action="store_true",
                   help="erstatt rapporter som finnes fra før")
    p.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from avregn.book import FileBook
    from avregn.cli_output import report
    from avregn.reports import write_reports

    outcome = write_reports(FileBook(args.arbeidsbok), out_dir=args.ut, overwrite=args.overskriv)
    return report(outcome, args.arbeidsbok)
