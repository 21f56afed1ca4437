"""``avregn calc FIL.json``: one settlement file calculated, shown as a table or as the result
JSON of settlement-file.md.

The fast path of the command line: only the engine is loaded (no workbook, no Excel library),
and ``--json`` is compact unless ``--indent`` asks for a readable one.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

WORKBOOK_SUFFIXES = frozenset({".xlsx", ".xlsm", ".xltx", ".xltm", ".xls", ".xlsb", ".ods"})
ZIP_MAGIC = b"PK\x03\x04"  # xlsx/xlsm/ods are zip packages
OLE_MAGIC = b"\xd0\xcf\x11\xe0"  # old .xls and encrypted workbooks


def register(commands: Any) -> None:
    p = commands.add_parser(
        "calc", help="beregn én avregning fra en JSON-fil",
        description="Beregn én avregning fra en JSON-fil (se settlement-file.md) og vis "
                    "resultatet som tabell, eller som JSON med --json. En arbeidsbok beregnes "
                    "med avregn beregn.")
    p.add_argument("fil", type=Path, metavar="FIL", help="avregningen som JSON")
    p.add_argument("--json", dest="as_json", action="store_true",
                   help="skriv resultatet som JSON (kompakt)")
    p.add_argument("--indent", action="store_true",
                   help="med --json: skriv JSON med innrykk, lettere å lese")
    p.set_defaults(run=run)


def is_workbook(path: Path, head: bytes) -> bool:
    return path.suffix.casefold() in WORKBOOK_SUFFIXES or head.startswith((ZIP_MAGIC, OLE_MAGIC))


def run(args: argparse.Namespace) -> int:
    from avregn.gc_pause import collector_paused

    with collector_paused():  # one burst of work, next to no cycles (avregn.gc_pause)
        return _run(args)


def _run(args: argparse.Namespace) -> int:
    from avregn.cli_output import fail, now
    from avregn.commands.shared import missing
    from engine.problems import Problem

    path: Path = args.fil
    refused = missing(path, as_json=args.as_json)
    if refused is not None:
        return refused
    try:
        raw = path.read_bytes()
    except OSError as exc:
        return fail(path, [Problem("", f"Kan ikke lese filen: {exc.strerror or exc}.")],
                    as_json=args.as_json)
    if is_workbook(path, raw[:8]):
        return fail(path, [Problem("", "Dette er en arbeidsbok, ikke en JSON-avregning; "
                                       f"beregn den med: avregn beregn {path}")],
                    as_json=args.as_json)
    try:
        text = raw.decode("utf-8-sig")  # Windows tools often write a BOM
    except UnicodeDecodeError:
        return fail(path, [Problem("", "Filen er ikke UTF-8-tekst; calc leser en "
                                       "JSON-avregning (se settlement-file.md).")],
                    as_json=args.as_json)

    import json

    from engine.calculation import try_calculate
    from engine.contract import load_json, parse_settlement

    try:
        data = load_json(text)
    except json.JSONDecodeError as exc:
        return fail(path, [Problem(f"linje {exc.lineno}", f"Ugyldig JSON: {exc.msg}")],
                    as_json=args.as_json)
    settlement, problems = parse_settlement(data, require_amounts=True)
    if settlement is None:
        return fail(path, problems, as_json=args.as_json)
    result, problems = try_calculate(settlement, calculated_at=now())
    if result is None:
        return fail(path, problems, as_json=args.as_json)
    if args.as_json:
        from engine.result_json import dumps, write

        if args.indent:
            write_bytes(dumps(result, indent=True))
        else:
            buffer = getattr(sys.stdout, "buffer", None)
            if buffer is None:
                write_bytes(dumps(result))
            else:  # streamed: no 16 MB copy of a big result in memory
                sys.stdout.flush()
                write(result, buffer)
                buffer.write(b"\n")
    else:
        from avregn.result_table import render

        print(render(settlement, result))
    return 0


def write_bytes(data: bytes) -> None:
    """``data`` and a newline on stdout, as bytes where stdout has a buffer (fast, exact)."""
    buffer = getattr(sys.stdout, "buffer", None)
    if buffer is None:
        sys.stdout.write(data.decode("utf-8") + "\n")
        return
    sys.stdout.flush()
    buffer.write(data if data.endswith(b"\n") else data + b"\n")
    buffer.flush()
