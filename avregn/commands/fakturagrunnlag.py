"""``avregn fakturagrunnlag ARBEIDSBOK…``: the invoice basis of one or many workbooks (spec §8)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from avregn.commands import Subparsers


def register(commands: Subparsers) -> None:
    p = commands.add_parser(
        "fakturagrunnlag",
        help="fakturagrunnlag av fakturaklare avregninger (xlsx, csv, Agresso, Visma)",
        description="Lager fakturagrunnlag (én samlefaktura per eier og kunde) av alle "
                    "fakturaklare objekter i arbeidsbøkene, fører eksporten i registeret og "
                    "arkiverer grunnlaget. Et objekt eksporteres bare én gang.")
    p.add_argument("arbeidsbok", type=Path, nargs="+", metavar="ARBEIDSBOK",
                   help="Arbeidsbøker eller mapper med arbeidsbøker.")
    p.add_argument("--format", dest="fmt", default="xlsx",
                   choices=("xlsx", "csv", "agresso", "visma"),
                   help="Filformat: xlsx, csv (semikolon), agresso (Unit4 ERP) eller visma "
                        "(Visma Enterprise Fakturering). Standard: xlsx.")
    p.add_argument("--reeksport", action="store_true",
                   help="Eksporter objekter som er eksportert før på nytt (reverserer den "
                        "gamle linjen i registeret).")
    p.add_argument("--uten-blokkerte", action="store_true",
                   help="Lag grunnlaget uten kundene som har manglende eller ugyldig kunde-id "
                        "(de listes).")
    p.add_argument("--register", metavar="URL",
                   help="Registerdatabasen (sqlite:///fil eller postgresql://…). Standard: "
                        "AVREGN_DB eller brukerens egen fil.")
    p.add_argument("--ut", type=Path, metavar="MAPPE",
                   help="Mappen arkivet legges i. Standard: «fakturagrunnlag» ved siden av "
                        "den første arbeidsboken.")
    p.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from avregn.book import FileBook
    from avregn.cli_output import fail, now, report
    from avregn.invoicing import export_invoice_basis, workbook_paths

    paths, problems = workbook_paths(args.arbeidsbok)
    if problems:
        return fail(args.arbeidsbok[0], problems, message="Fakturagrunnlaget er ikke laget.")
    outcome = export_invoice_basis([FileBook(p) for p in paths], fmt=args.fmt,
                                   reexport=args.reeksport, without_blocked=args.uten_blokkerte,
                                   register=args.register, out_dir=args.ut, now=now())
    if not outcome.ok:
        # Each problem already names its workbook (``fil.xlsx:Brøk!E7``): several books at once.
        print(outcome.message, file=sys.stderr)
        for p in outcome.problems:
            print(f"{p.where}: {p.message}" if p.where else p.message, file=sys.stderr)
        return 1
    return report(outcome, "fakturagrunnlag")
