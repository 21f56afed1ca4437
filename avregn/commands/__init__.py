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

``COMMANDS`` lists the modules in the order ``--help`` shows them. ``run_command`` parses and
runs one command line in-process (tests use it; ``avregn.cli.main`` is the real entry point and
turns unexpected exceptions into one line with exit 2).
"""

from __future__ import annotations

import argparse
import importlib
from collections.abc import Sequence
from typing import Any

Subparsers = Any  # argparse's subparsers action (its class is private to argparse)

COMMANDS: tuple[str, ...] = ("fakturagrunnlag", "eksporter-liste")


def add_all(commands: Subparsers, names: Sequence[str] = COMMANDS) -> None:
    for name in names:
        importlib.import_module(f"avregn.commands.{name.replace('-', '_')}").register(commands)


def build_parser(names: Sequence[str] = COMMANDS,
                 parser_class: type[argparse.ArgumentParser] = argparse.ArgumentParser,
                 ) -> argparse.ArgumentParser:
    parser = parser_class(prog="avregn")
    commands = parser.add_subparsers(dest="command", metavar="KOMMANDO")
    add_all(commands, names)
    return parser


def run_command(argv: Sequence[str], names: Sequence[str] = COMMANDS) -> int:
    args = build_parser(names).parse_args(list(argv))
    run = getattr(args, "run", None)
    if run is None:
        return 2
    code: int = run(args)
    return code
