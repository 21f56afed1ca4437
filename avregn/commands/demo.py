"""``avregn demo [MAPPE]``: the demo settlement as a workbook and as JSON, calculated."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any


def register(commands: Any) -> None:
    p = commands.add_parser(
        "demo", help="lag og beregn en demo-avregning",
        description="Lag en demo-avregning (Prøvegata 4, åtte leietakere) som arbeidsbok og "
                    "JSON, og beregn den.")
    p.add_argument("mappe", type=Path, nargs="?", default=Path("avregn-demo"), metavar="MAPPE",
                   help="mappen demoen skrives til (standard: avregn-demo)")
    p.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    import json

    from avregn.actions import change_status
    from avregn.book import FileBook
    from avregn.cli_output import fail, now, report
    from avregn.commands.shared import calculate_workbook
    from avregn.demo import demo_data
    from avregn.invoicing import demo_invoice_basis
    from avregn.outputs import write_letters_and_reports
    from avregn.result_table import render
    from avregn.workbook.new_book import write_new_workbook
    from engine.problems import Problem
    from engine.statuses import Action

    directory: Path = args.mappe
    if directory.exists() and not directory.is_dir():
        return fail(directory, [Problem("", "Dette er en fil, ikke en mappe.")])
    directory.mkdir(parents=True, exist_ok=True)
    json_path = directory / "avregning.json"
    json_path.write_text(json.dumps(demo_data(), ensure_ascii=False, indent=2) + "\n",
                         encoding="utf-8")
    workbook = directory / "avregning.xlsx"
    write_new_workbook(demo_data(), workbook, backup=False, dated=now().date())
    outcome = calculate_workbook(workbook, backup=False)  # a fresh demo has no previous version
    if not outcome.ok or outcome.settlement is None or outcome.result is None:
        return report(outcome, workbook)
    print(render(outcome.settlement, outcome.result))
    print(outcome.message)
    print(f"Skrevet: {workbook} (åpne i Excel: se arkene Beregning og Status)")
    print(f"Skrevet: {json_path} (avregn calc {json_path})")
    # The demo goes the whole way: invoice-ready, letters and reports, and an invoice basis in
    # a register of the demo folder's own (never the user's ledger). Its own output folders
    # and register are made anew, so the demo can run again.
    ready = change_status(FileBook(workbook, backup=False), Action.INVOICE_READY, now=now())
    if report(ready, workbook):
        return 1
    for written in write_letters_and_reports(workbook, overwrite=True):
        if report(written, workbook):
            return 1
    return report(demo_invoice_basis(workbook, directory, now=now()), workbook)
