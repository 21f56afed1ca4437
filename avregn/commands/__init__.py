"""The command line's commands, one module each (``avregn/commands/<name>.py``).

Why modules: ``avregn --help`` and ``avregn calc`` must start fast, so registering a command may
import nothing heavy; each module's ``run`` imports what it needs when it runs. Every module
follows one protocol:

```python
def register(commands: Subparsers) -> None:
    p = commands.add_parser("brev", help="…", description="…")   # Norwegian texts
    p.add_argument("arbeidsbok", type=Path, metavar="ARBEIDSBOK", help="…")
    p.add_argument("--ut", type=Path, metavar="MAPPE", help="…")
    p.set_defaults(run=run)

def run(args: argparse.Namespace) -> int:          # the exit code: 0, 1 (input), 2 (internal)
    from avregn.letters import write_letters        # heavy imports here, not at the top
    return report(write_letters(...), args.arbeidsbok)   # avregn.cli_output
```

The parser is ``avregn.cli_parser.NorwegianParser``: argparse's own texts come out Norwegian,
and every help text a command adds must be Norwegian too (``tests/test_cli_norwegian.py`` checks
every command's ``--help``). ``avregn.commands.shared`` has the common pieces: ``add_workbook``
(the ``ARBEIDSBOK`` argument), ``add_overwrite`` (``--overskriv``), ``missing(path)`` (a missing
file or a folder is exit 1, not 2).

``COMMANDS`` lists the modules in the order ``--help`` shows them. ``run_command`` parses and
runs one command line in-process (tests use it; ``avregn.cli.main`` is the real entry point and
turns unexpected exceptions into one line with exit 2).
"""

from __future__ import annotations

import argparse
import importlib
from collections.abc import Sequence
from typing import Any

from avregn.cli_parser import NorwegianParser

Subparsers = Any  # argparse's subparsers action (its class is private to argparse)

# In the order ``avregn --help`` lists them: the usual workflow first.
COMMANDS: tuple[str, ...] = (
    "demo",
    "mal",
    "beregn",
    "status",
    "ikke-fakturer",
    "ny-periode",
    "oppgrader",
    "konti",
    "brev",
    "rapport",
    "fakturagrunnlag",
    "eksporter-liste",
    "calc",
    "addin",
)

DESCRIPTION = """\
Felleskostnadsavregning: fordel årets felleskostnader på leietakerne, eksakt til øret.

Vanlig gang:
  avregn demo                          lag og beregn en demo-arbeidsbok
  avregn mal avregning.xlsx            en tom arbeidsbok å fylle ut
  avregn beregn ARBEIDSBOK             kontroller og beregn
  avregn status ARBEIDSBOK lås         lås til kontroll
  avregn status ARBEIDSBOK fakturaklar klar til fakturering
  avregn brev ARBEIDSBOK               avregningsbrev til leietakerne
  avregn fakturagrunnlag ARBEIDSBOK    fakturagrunnlag til regnskapet
  avregn calc FIL.json                 beregn en JSON-avregning"""

EPILOG = """\
Feil i inndata vises som FIL:Ark!Celle: melding (utgang 1). Feil bruk gir bruksteksten
(utgang 2). Hjelp for én kommando: avregn KOMMANDO --help."""


def add_all(commands: Subparsers, names: Sequence[str] = COMMANDS) -> None:
    for name in names:
        importlib.import_module(f"avregn.commands.{name.replace('-', '_')}").register(commands)


def build_parser(names: Sequence[str] = COMMANDS,
                 parser_class: type[argparse.ArgumentParser] = NorwegianParser,
                 ) -> argparse.ArgumentParser:
    parser = parser_class(prog="avregn", description=DESCRIPTION, epilog=EPILOG)
    parser.set_defaults(parser=parser)
    commands = parser.add_subparsers(title="kommandoer", dest="command", metavar="KOMMANDO")
    add_all(commands, names)
    return parser


def run_command(argv: Sequence[str], names: Sequence[str] = COMMANDS) -> int:
    """Parse and run one command line in-process; the exit code. Wrong usage and ``--help``
    raise ``SystemExit`` as argparse does (2 and 0); a command line that stops before its
    command (``avregn``, ``avregn konti``) prints that level's help and returns 2."""
    args = build_parser(names).parse_args(list(argv))
    run = getattr(args, "run", None)
    if run is None:
        args.parser.print_help()
        return 2
    code: int = run(args)
    return code
