"""argparse in Norwegian: the parser every ``avregn`` command is built with.

The users are Norwegian accountants, so nothing the command line prints may be English — not
even what argparse writes by itself («usage:», «options:», «invalid choice», «the following
arguments are required»). argparse routes each of those texts through its module-level gettext
hooks (``argparse._`` and ``argparse.ngettext``) at the moment it builds them; the parser below
puts a Norwegian catalogue in those hooks for exactly as long as one of its own methods runs, and
puts the originals back afterwards, so no other argparse user in the same process is affected.

A text this catalogue does not know (a future Python's new message) passes through unchanged;
``tests/test_cli_norwegian.py`` reads every text the installed argparse can produce and fails on
one that is missing here.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any, NoReturn, TypeVar

# argparse's own texts (the msgid it passes to gettext) → Norwegian. The placeholders are kept.
CATALOGUE: dict[str, str] = {
    "usage: ": "bruk: ",
    "positional arguments": "argumenter",
    "options": "valg",
    "optional arguments": "valg",  # before Python 3.10
    "subcommands": "kommandoer",
    "show this help message and exit": "vis denne hjelpen og avslutt",
    "%(prog)s: error: %(message)s\n": "%(prog)s: feil: %(message)s\n",
    "argument %(argument_name)s: %(message)s": "%(argument_name)s: %(message)s",
    "unrecognized arguments: %s": "ukjent argument: %s",
    "ambiguous option: %(option)s could match %(matches)s":
        "tvetydig valg: %(option)s kan være %(matches)s",
    "invalid choice: %(value)r (choose from %(choices)s)":
        "ugyldig valg: %(value)r (velg blant %(choices)s)",
    "invalid choice: %(value)r, maybe you meant %(closest)r? (choose from %(choices)s)":
        "ugyldig valg: %(value)r; mente du %(closest)r? (velg blant %(choices)s)",
    "maybe you meant %(closest)r?": "mente du %(closest)r?",
    "the following arguments are required: %s": "mangler argumentene: %s",
    "one of the arguments %s is required": "ett av argumentene %s må oppgis",
    "expected one argument": "forventer én verdi",
    "expected at most one argument": "forventer høyst én verdi",
    "expected at least one argument": "forventer minst én verdi",
    "expected %s argument": "forventer %s verdi",
    "expected %s arguments": "forventer %s verdier",
    "invalid %(type)s value: %(value)r": "ugyldig verdi (%(type)s): %(value)r",
    "not allowed with argument %s": "kan ikke brukes sammen med %s",
    "ignored explicit argument %r": "valget tar ingen verdi (fikk %r)",
    "unexpected option string: %s": "uventet valg: %s",
    "can't open '%(filename)s': %(error)s": "kan ikke åpne «%(filename)s»: %(error)s",
    "unknown parser %(parser_name)r (choices: %(choices)s)":
        "ukjent kommando %(parser_name)r (velg blant %(choices)s)",
    "conflicting subparser: %s": "kommandoen finnes allerede: %s",
    "conflicting subparser alias: %s": "kommandonavnet finnes allerede: %s",
    "conflicting option string: %s": "valget finnes allerede: %s",
    "conflicting option strings: %s": "valgene finnes allerede: %s",
    "%r is not callable": "%r kan ikke kalles",
    "cannot merge actions - two groups are named %r":
        "kan ikke slå sammen valgene: to grupper heter %r",
    "invalid option string %(option)r: must start with a character %(prefix_chars)r":
        "ugyldig valg %(option)r: må begynne med %(prefix_chars)r",
    "dest= is required for options like %r": "dest= må oppgis for valg som %r",
    "invalid conflict_resolution value: %r": "ugyldig conflict_resolution: %r",
    "cannot have multiple subparser arguments": "kan bare ha én liste med kommandoer",
    "mutually exclusive arguments must be optional":
        "argumenter som utelukker hverandre, må være valgfrie",
    "'required' is an invalid argument for positionals":
        "'required' kan ikke brukes for argumenter uten --navn",
    ".__call__() not defined": ".__call__() er ikke definert",
    'argument "-" with mode %r': "argumentet «-» med modus %r",
    # Python 3.12–3.14
    "option %(option)r is deprecated": "valget %(option)r er foreldet",
    "argument %(argument_name)r is deprecated": "argumentet %(argument_name)r er foreldet",
    "command %(parser_name)r is deprecated": "kommandoen %(parser_name)r er foreldet",
}


def translate(text: str) -> str:
    return CATALOGUE.get(text, text)


def translate_plural(singular: str, plural: str, n: int) -> str:
    return translate(singular if n == 1 else plural)


@contextmanager
def norwegian() -> Iterator[None]:
    """argparse speaks Norwegian inside this block (re-entrant; the old hooks come back)."""
    module: Any = argparse
    saved = module._, module.ngettext
    module._, module.ngettext = translate, translate_plural
    try:
        yield
    finally:
        module._, module.ngettext = saved


T = TypeVar("T")


def _in_norwegian(method: Callable[..., T]) -> Callable[..., T]:
    def wrapper(*args: Any, **kwargs: Any) -> T:
        with norwegian():
            return method(*args, **kwargs)

    wrapper.__name__, wrapper.__doc__ = method.__name__, method.__doc__
    return wrapper


class NorwegianHelpFormatter(argparse.HelpFormatter):
    """Descriptions are wrapped paragraph by paragraph, except a paragraph whose lines are
    indented (the workflow list in ``avregn --help``), which is kept as written. Commands of a
    command list are measured at the indentation they are shown at, so a long name
    (``ikke-fakturer``) does not push its help text onto the next line."""

    def __init__(self, prog: str, indent_increment: int = 2, max_help_position: int = 34,
                 width: int | None = None) -> None:
        super().__init__(prog, indent_increment, max_help_position, width)

    def _fill_text(self, text: str, width: int, indent: str) -> str:
        paragraphs = text.split("\n\n")
        out = []
        for paragraph in paragraphs:
            lines = paragraph.splitlines()
            if any(line.startswith(" ") for line in lines[1:]):
                out.append("\n".join(indent + line for line in lines))
            else:
                out.append(super()._fill_text(paragraph, width, indent))
        return "\n\n".join(out)

    def add_argument(self, action: argparse.Action) -> None:
        super().add_argument(action)
        if action.help is not argparse.SUPPRESS:
            for sub in self._iter_indented_subactions(action):
                length = len(self._format_action_invocation(sub)) + self._current_indent
                self._action_max_length = max(self._action_max_length, length)


class NorwegianParser(argparse.ArgumentParser):
    """An ``ArgumentParser`` whose every own text is Norwegian (see the module docstring).

    Wrong usage prints the usage line and ``avregn: feil: …`` on stderr and exits 2, as
    argparse does; subcommand parsers are of this class too (``add_subparsers`` passes it on).
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("formatter_class", NorwegianHelpFormatter)
        with norwegian():
            super().__init__(*args, **kwargs)

    add_subparsers = _in_norwegian(argparse.ArgumentParser.add_subparsers)
    add_argument = _in_norwegian(argparse.ArgumentParser.add_argument)
    add_argument_group = _in_norwegian(argparse.ArgumentParser.add_argument_group)
    format_usage = _in_norwegian(argparse.ArgumentParser.format_usage)
    format_help = _in_norwegian(argparse.ArgumentParser.format_help)

    parse_args = _in_norwegian(argparse.ArgumentParser.parse_args)  # type: ignore[assignment]

    def parse_known_args(self, args: Sequence[str] | None = None,  # type: ignore[override]
                         namespace: argparse.Namespace | None = None,
                         ) -> tuple[argparse.Namespace, list[str]]:
        with norwegian():
            return super().parse_known_args(args, namespace)

    def error(self, message: str) -> NoReturn:
        with norwegian():
            super().error(message)
        raise AssertionError("argparse.error returned")  # pragma: no cover
