"""``avregn konti …``: the accounts of *Til fordeling* — export, import, tidy (spec §9)."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from avregn.commands.shared import add_overwrite, add_workbook


def register(commands: Any) -> None:
    p = commands.add_parser(
        "konti", help="kontoene i Til fordeling: eksport, import, opprydding",
        description="Kontoene i Til fordeling: eksport til kontofil, import fra kontofil, "
                    "sletting av kontoer med 0 i beløp og henting fra Kontovalg.")
    p.set_defaults(parser=p)
    sub = p.add_subparsers(title="kommandoer", dest="konti", metavar="KOMMANDO")

    eksporter = sub.add_parser(
        "eksporter", help="skriv Til fordeling som kontofil",
        description="Skriv Til fordeling som kontofil (rad 1 dato, rad 2 tittel, rad 3 "
                    "overskrifter). En fil som finnes fra før, skrives ikke over uten "
                    "--overskriv.")
    add_workbook(eksporter)
    eksporter.add_argument("--ut", type=Path, metavar="FIL",
                           help="kontofilen (standard: NAVN-konti.xlsx ved siden av)")
    add_overwrite(eksporter)
    eksporter.set_defaults(run=run_export)

    importer = sub.add_parser(
        "importer", help="les en kontofil inn i Til fordeling",
        description="Les en kontofil inn i Til fordeling: beløp erstattes, nye kontoer legges "
                    "til, kontoer som mangler i filen, listes (de slettes ikke).")
    add_workbook(importer)
    importer.add_argument("kontofil", type=Path, metavar="KONTOFIL",
                          help="kontofilen som skal leses inn")
    importer.set_defaults(run=run_import)

    slett = sub.add_parser(
        "slett-null", help="slett kontoer med 0 i beløp",
        description="Slett kontoer med 0 i beløp (radene tømmes, og unntakene deres i "
                    "Kontraktsobjekt konti også).")
    add_workbook(slett)
    slett.set_defaults(run=run_delete_zero)

    hent = sub.add_parser(
        "hent", help="legg til kontoene i Kontovalg som mangler",
        description="Hent konti: legg til kontoene i Kontovalg som ikke står i Til fordeling "
                    "(med tomt beløp).")
    add_workbook(hent)
    hent.set_defaults(run=run_fetch)


def run_export(args: argparse.Namespace) -> int:
    from avregn.actions import export_accounts
    from avregn.book import FileBook
    from avregn.cli_output import now, report
    from avregn.commands.shared import missing, takes

    workbook: Path = args.arbeidsbok
    refused = missing(workbook)
    if refused is not None:
        return refused
    dest = args.ut or workbook.with_name(f"{workbook.stem}-konti.xlsx")
    options: dict[str, Any] = {"today": now()}
    # TODO(integrator): pass overwrite unconditionally once the saves branch (overwrite=) is in.
    if takes(export_accounts, "overwrite"):
        options["overwrite"] = args.overskriv
    return report(export_accounts(FileBook(workbook), dest, **options), workbook)


def run_import(args: argparse.Namespace) -> int:
    from avregn.actions import import_accounts
    from avregn.book import FileBook
    from avregn.cli_output import report
    from avregn.commands.shared import missing

    refused = missing(args.arbeidsbok)
    if refused is None:
        refused = missing(args.kontofil)
    if refused is not None:
        return refused
    return report(import_accounts(FileBook(args.arbeidsbok), args.kontofil), args.arbeidsbok)


def run_delete_zero(args: argparse.Namespace) -> int:
    from avregn.actions import delete_zero_accounts
    from avregn.book import FileBook
    from avregn.cli_output import report
    from avregn.commands.shared import missing

    refused = missing(args.arbeidsbok)
    if refused is not None:
        return refused
    return report(delete_zero_accounts(FileBook(args.arbeidsbok)), args.arbeidsbok)


def run_fetch(args: argparse.Namespace) -> int:
    from avregn.actions import fetch_accounts
    from avregn.book import FileBook
    from avregn.cli_output import report
    from avregn.commands.shared import missing

    refused = missing(args.arbeidsbok)
    if refused is not None:
        return refused
    return report(fetch_accounts(FileBook(args.arbeidsbok)), args.arbeidsbok)
