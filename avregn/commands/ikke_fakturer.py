"""``avregn ikke-fakturer ARBEIDSBOK ID``: one object's «skal ikke faktureres» (the red ✗)."""

from __future__ import annotations

import argparse
from typing import Any

from avregn.commands.shared import add_workbook


def register(commands: Any) -> None:
    p = commands.add_parser(
        "ikke-fakturer", help="merk et objekt «skal ikke faktureres», eller fjern merket",
        description="Merk et kontraktsobjekt «skal ikke faktureres» (rødt kryss i Beregning), "
                    "eller fjern merket. En id som ikke finnes, gir forslag til de nærmeste.")
    add_workbook(p)
    p.add_argument("id", metavar="ID", help="kontraktsobjektets Id (fra Brøk)")
    which = p.add_mutually_exclusive_group()
    which.add_argument("--angre", action="store_true", help="skal faktureres likevel")
    which.add_argument("--veksle", action="store_true", help="snu merket")
    p.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from avregn.actions import set_do_not_invoice
    from avregn.book import FileBook
    from avregn.cli_output import report
    from avregn.commands.shared import missing

    refused = missing(args.arbeidsbok)
    if refused is not None:
        return refused
    value = None if args.veksle else not args.angre
    return report(set_do_not_invoice(FileBook(args.arbeidsbok), args.id, value), args.arbeidsbok)
