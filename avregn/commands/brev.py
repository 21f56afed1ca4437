"""``avregn brev``: the settlement letters of a calculated workbook, as PDFs."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

HANDFUL = 5  # more letters than this get a progress bar (on a terminal)


def register(commands: Any) -> None:
    p = commands.add_parser(
        "brev", help="avregningsbrev (PDF) til leietakerne",
        description="Lag avregningsbrevene til en beregnet avregning: én PDF per leietaker og "
                    "én for hele avregningen (hvert brev fra ny side). Mappen er NAVN-brev/ ved "
                    "siden av arbeidsboken, om ikke --ut sier noe annet.")
    p.add_argument("arbeidsbok", type=Path, metavar="ARBEIDSBOK", nargs="?",
                   help="den beregnede arbeidsboken (.xlsx/.xlsm)")
    p.add_argument("--objekt", metavar="ID", help="bare brevet til dette kontraktsobjektet")
    p.add_argument("--mal", type=Path, metavar="MAL",
                   help="en egen brevmal (Typst), laget med --kopier-mal")
    p.add_argument("--ut", type=Path, metavar="MAPPE", help="mappen brevene skrives til")
    p.add_argument("--med-ikke-fakturerte", action="store_true",
                   help="ta med objekter merket «skal ikke faktureres» i hele avregningen")
    p.add_argument("--overskriv", action="store_true", help="erstatt brev som finnes fra før")
    p.add_argument("--kopier-mal", type=Path, metavar="FIL",
                   help="skriv en kopi av standardmalen til FIL (for å endre logo, ordlyd, "
                        "skrift) og avslutt")
    p.set_defaults(run=run)


def progress_bar(stream: Any = None) -> Any:
    """A one-line bar on ``stream`` (stderr) when it is a terminal; else None (silent)."""
    stream = stream or sys.stderr
    if not stream.isatty():
        return None

    def show(done: int, total: int) -> None:
        if total <= HANDFUL:
            return
        width = 30
        filled = width * done // total
        stream.write(f"\r[{'#' * filled}{'.' * (width - filled)}] {done}/{total} filer")
        if done >= total:
            stream.write("\n")
        stream.flush()

    return show


def run(args: argparse.Namespace) -> int:
    from avregn.cli_output import report

    if args.kopier_mal is not None:
        from avregn.letters import copy_template

        return report(copy_template(args.kopier_mal, overwrite=args.overskriv), args.kopier_mal)
    if args.arbeidsbok is None:
        print("avregn brev: ARBEIDSBOK mangler (eller bruk --kopier-mal FIL).", file=sys.stderr)
        return 2
    from avregn.book import FileBook
    from avregn.letters import write_letters

    outcome = write_letters(FileBook(args.arbeidsbok), object_id=args.objekt,
                            template=args.mal, out_dir=args.ut,
                            include_not_invoiced=args.med_ikke_fakturerte,
                            overwrite=args.overskriv, progress=progress_bar())
    return report(outcome, args.arbeidsbok)
