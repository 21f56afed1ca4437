"""``avregn status ARBEIDSBOK HANDLING``: move the settlement through spec §7's statuses.

``HANDLING`` is read as accountants write it (``lås``, ``Låst``, ``laas``, ``Skal ikke
faktureres``, ``ny_beregning`` …): the spellings are the status machine's
(``engine.statuses.ACTION_WORDS``).
"""

from __future__ import annotations

import argparse
from typing import Any

from avregn.commands.shared import add_workbook

CHOICES = ("lås", "fakturaklar", "skal-ikke-faktureres", "ny-beregning")  # as help shows them


def register(commands: Any) -> None:
    p = commands.add_parser(
        "status", help="endre avregningens status (lås, fakturaklar …)",
        description="Endre avregningens status: Lagt opp → Beregnet → Låst → Fakturaklar, "
                    "eller Skal ikke faktureres. Lås og fakturaklar avvises om inndata er endret "
                    "siden beregningen.")
    add_workbook(p)
    p.add_argument(
        "handling", type=action_word, metavar="HANDLING",
        help="lås (også låst, laas, laast): lås til kontroll; fakturaklar: klar til "
             "fakturering; skal-ikke-faktureres: ingenting av avregningen faktureres; "
             "ny-beregning: beregn på nytt (tilbake til Beregnet). Store og små bokstaver, "
             "mellomrom og understrek går også")
    p.set_defaults(run=run)


def action_word(text: str) -> str:
    """The action's stable identifier (``engine.statuses.Action`` value), or a Norwegian
    refusal that argparse prints with the usage (exit 2)."""
    from engine.statuses import action_from_text

    action = action_from_text(text)
    if action is None:
        raise argparse.ArgumentTypeError(
            f"ugyldig valg: «{text}» (velg blant {', '.join(CHOICES)})")
    return action.value


def run(args: argparse.Namespace) -> int:
    from avregn.cli_output import now, report
    from avregn.commands.shared import calculate_workbook, missing
    from engine.statuses import Action

    refused = missing(args.arbeidsbok)
    if refused is not None:
        return refused
    action = Action(args.handling)
    if action is Action.CALCULATE:
        return report(calculate_workbook(args.arbeidsbok), args.arbeidsbok)

    from avregn.actions import change_status
    from avregn.book import FileBook

    return report(change_status(FileBook(args.arbeidsbok), action, now=now()), args.arbeidsbok)
