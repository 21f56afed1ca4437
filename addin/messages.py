"""How the add-in turns outcomes and problems into the few texts Excel shows.

Two places only: one message box per ribbon click, and a cell text when a worksheet function
cannot answer. Both are short by necessity — a message box prompt is cut by Excel at about
1 024 characters, a cell shows one line — so the first problems are shown in full and the
rest are counted; the CLI (``avregn beregn FILE``) lists them all.
"""

from __future__ import annotations

from collections.abc import Sequence

from engine.problems import Problem

TITLE = "avregn"
BOX_MAX_LINES = 15
BOX_MAX_CHARS = 1000
UDF_PREFIX = "#AVREGN"


def box_text(lines: Sequence[str], *, max_lines: int = BOX_MAX_LINES,
             max_chars: int = BOX_MAX_CHARS) -> str:
    """The lines of an ``Outcome`` as one message box text; what does not fit is counted."""
    text = "\n".join(lines)
    if len(lines) <= max_lines and len(text) <= max_chars:
        return text
    room = 80  # kept for the closing line
    shown: list[str] = []
    for line in lines[: max_lines - 1]:
        if len("\n".join([*shown, line])) + room > max_chars:
            break
        shown.append(line)
    if not shown:  # one very long first line (the outcome's message): cut it
        shown = [lines[0][: max_chars - room - 1] + "…"]
    rest = len(lines) - len(shown)
    if rest:
        shown.append(f"… og {rest} linjer til (kjør avregn i terminalen for hele listen).")
    return "\n".join(shown)


def internal_error(exc: BaseException) -> str:
    """One line for a bug or an Excel failure: never a traceback dialog."""
    detail = str(exc).strip() or type(exc).__name__
    return f"Intern feil: {detail} ({type(exc).__name__})"


def udf_error(problems: Sequence[Problem] | str) -> str:
    """A worksheet function's answer when it has none: ``#AVREGN: Brøk!J7: … (og 2 til)``."""
    if isinstance(problems, str):
        return f"{UDF_PREFIX}: {problems}"
    if not problems:
        return f"{UDF_PREFIX}: ukjent feil"
    first = problems[0]
    text = f"{first.where}: {first.message}" if first.where else first.message
    more = f" (og {len(problems) - 1} til)" if len(problems) > 1 else ""
    return f"{UDF_PREFIX}: {text}{more}"
