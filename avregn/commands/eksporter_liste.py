"""``avregn eksporter-liste``: the export batches in the register, with what they hold."""

from __future__ import annotations

import argparse

from avregn.commands import Subparsers


def register(commands: Subparsers) -> None:
    p = commands.add_parser(
        "eksporter-liste", help="vis eksportene (buntene) i registeret",
        description="Viser hver eksport av fakturagrunnlag: tidspunkt, bruker, format, antall "
                    "fakturaer, linjer og objekter, kontrollsummene og hvor den er arkivert.")
    p.add_argument("--register", metavar="URL",
                   help="Registerdatabasen (sqlite:///fil eller postgresql://…). Standard: "
                        "AVREGN_DB eller brukerens egen fil.")
    p.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from avregn.cli_output import report
    from avregn.invoicing import list_exports

    return report(list_exports(args.register), "eksporter-liste")
