"""The ``avregn`` command line: the same actions as the ribbon, for the terminal and for CI.

Each command is a module of ``avregn.commands`` (its docstring tells the protocol); this module
is the console-script entry point around them. Errors in the user's input are printed by the
commands as ``file:where: message`` lines (``where`` is a sheet and cell, or a JSON path) with
exit code 1; wrong usage prints the usage text and exits 2 (argparse, in Norwegian:
``avregn.cli_parser``); anything unexpected is one line and exit code 2, never a traceback;
Ctrl-C is exit 130.

Importing this module loads argparse and the command modules' ``register`` functions only, so
``avregn --help`` starts at once; each command imports what it needs when it runs.
"""

from __future__ import annotations

import contextlib
import os
import sys
from collections.abc import Sequence

from avregn.cli_parser import NorwegianParser
from avregn.commands import COMMANDS, build_parser, run_command

__all__ = ["COMMANDS", "NorwegianParser", "build_parser", "main", "run_command"]

INTERRUPTED = 130


def exit_code(code: object) -> int:
    """A ``SystemExit`` code as the process's exit code."""
    if code is None:
        return 0
    if isinstance(code, int):
        return code
    print(code, file=sys.stderr)
    return 1


def tolerant_output() -> None:
    """A console or pipe that cannot encode a character (``→``, ``å`` on a Windows code page)
    shows a replacement instead of failing the whole command with an internal error."""
    for stream in (sys.stdout, sys.stderr):
        encoding = (getattr(stream, "encoding", None) or "").casefold().replace("-", "")
        reconfigure = getattr(stream, "reconfigure", None)
        if reconfigure is not None and encoding != "utf8":
            reconfigure(errors="replace")


def main(argv: Sequence[str] | None = None) -> int:
    """Run one command line; the exit code (the console script exits with it)."""
    tolerant_output()
    try:
        return run_command(sys.argv[1:] if argv is None else list(argv))
    except SystemExit as exc:  # argparse: --help (0) and wrong usage (2)
        return exit_code(exc.code)
    except KeyboardInterrupt:
        print("\navregn: avbrutt.", file=sys.stderr)
        return INTERRUPTED
    except BrokenPipeError:  # `avregn calc … --json | head`: the reader went away
        return 0
    except Exception as exc:  # the one place that turns the unexpected into a message
        text = " ".join(str(exc).split())
        print(f"avregn: intern feil ({type(exc).__name__}: {text}); meld fra om dette.",
              file=sys.stderr)
        return 2


def entry() -> None:
    """The console script: ``main``, then out. After ``calc`` (the command timed against the
    spreadsheet) the process ends at once once its output is flushed: tearing down the
    interpreter's modules costs ~30 ms and there is nothing left to clean up (no file open,
    no lock, no temporary file)."""
    code = main()
    if len(sys.argv) > 1 and sys.argv[1] == "calc":
        for stream in (sys.stdout, sys.stderr):
            with contextlib.suppress(OSError, ValueError):
                stream.flush()
        os._exit(code)
    sys.exit(code)


if __name__ == "__main__":
    entry()
