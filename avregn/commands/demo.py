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

    from avregn.cli_output import fail, now, report
    from avregn.commands.shared import calculate_workbook
    from avregn.demo import demo_data
    from avregn.result_table import render
    from avregn.workbook.new_book import write_new_workbook
    from engine.problems import Problem

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
    return 0
