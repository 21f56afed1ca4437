"""Issue 10 item 6: the command line speaks Norwegian — every help text, usage line, option
description and every error argparse writes by itself; status words as accountants write
them. In-process through ``avregn.cli.main``."""

from __future__ import annotations

import argparse
import ast
import gettext
import inspect
import re
from pathlib import Path
from typing import Any

import pytest

from avregn.cli import main
from avregn.cli_parser import CATALOGUE, NorwegianParser
from avregn.commands import COMMANDS, build_parser, run_command
from engine.statuses import ACTION_CHOICES, ACTION_WORDS, Action, action_from_text

# English words argparse (or a careless help text) would leave. Words that are also Norwegian
# ("for", "at", "under", "and", "argument") are left out; option names (--help, --json) are
# removed first.
ENGLISH = (
    "usage", "options", "optional", "positional", "arguments", "required", "invalid",
    "choice", "choose", "show", "message", "exit", "error", "expected", "unrecognized",
    "ambiguous", "allowed", "following", "the", "default", "file", "value", "command",
    "commands", "subcommands", "missing", "not", "with", "could", "this", "help", "one",
    "of", "or", "is", "are", "you", "meant", "maybe", "workbook", "folder",
    "output", "write", "overwrite", "status", "calculate", "settlement",
)
ENGLISH_WORD = re.compile(r"\b(" + "|".join(ENGLISH) + r")\b", re.IGNORECASE)


def english_words(text: str) -> list[str]:
    without_names = re.sub(r"[\w.-]+\.(md|json|xlsx|xlsm)\b", " ", text)  # file names
    without_names = re.sub(r"--?[\w-]+", " ", without_names)
    # Names of commands and files the user typed are not prose.
    without_names = re.sub(r"avregn( \w[\w-]*)*", " ", without_names)
    found = ENGLISH_WORD.findall(without_names)
    # "status" is a Norwegian word too, and the name of a command: allowed.
    return [w for w in found if w.casefold() != "status"]


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    capsys.readouterr()
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


def every_command_line() -> list[list[str]]:
    """Every command and subcommand, as the argv that reaches it."""
    out: list[list[str]] = [[]]

    def walk(parser: argparse.ArgumentParser, prefix: list[str]) -> None:
        for action in parser._actions:
            if isinstance(action, argparse._SubParsersAction):
                for name, sub in action.choices.items():
                    out.append([*prefix, name])
                    walk(sub, [*prefix, name])

    walk(build_parser(), [])
    return out


COMMAND_LINES = every_command_line()


def test_every_command_is_walked() -> None:
    names = {line[0] for line in COMMAND_LINES if line}
    assert names == set(COMMANDS)
    assert ["konti", "eksporter"] in COMMAND_LINES


@pytest.mark.parametrize("argv", COMMAND_LINES, ids=lambda a: " ".join(a) or "avregn")
def test_help_is_norwegian(capsys: pytest.CaptureFixture[str], argv: list[str]) -> None:
    code, out, err = run(capsys, *argv, "--help")
    assert code == 0 and err == ""
    assert out.startswith("bruk: avregn")
    assert "valg:" in out and "vis denne hjelpen og avslutt" in out
    assert english_words(out) == [], out


WRONG = [
    ["finnes-ikke"],
    ["calc"],
    ["calc", "a.json", "b.json"],
    ["calc", "a.json", "--ukjent"],
    ["calc", "a.json", "-x"],
    ["status", "bok.xlsx"],
    ["status", "bok.xlsx", "lukk"],
    ["ikke-fakturer", "bok.xlsx"],
    ["ikke-fakturer", "bok.xlsx", "1-1", "--angre", "--veksle"],
    ["ny-periode", "bok.xlsx", "--ut"],
    ["ny-periode", "bok.xlsx", "--overskriv=ja"],
    ["konti", "flytt", "bok.xlsx"],
    ["konti", "importer", "bok.xlsx"],
    ["mal", "a.xlsx", "b.xlsx"],
    ["demo", "a", "b"],
    ["beregn"],
    ["--versjon"],
]


@pytest.mark.parametrize("argv", WRONG, ids=" ".join)
def test_wrong_usage_is_norwegian_exit_2_with_usage(capsys: pytest.CaptureFixture[str],
                                                    argv: list[str]) -> None:
    code, out, err = run(capsys, *argv)
    assert code == 2, (out, err)
    assert err.startswith("bruk: avregn"), err
    assert "feil: " in err
    assert english_words(err) == [], err
    assert "Traceback" not in err


def test_the_messages_read_well(capsys: pytest.CaptureFixture[str]) -> None:
    _, _, err = run(capsys, "calc")
    assert "avregn calc: feil: mangler argumentene: FIL" in err
    _, _, err = run(capsys, "finnes-ikke")
    assert "ugyldig valg: 'finnes-ikke' (velg blant 'demo'" in err
    _, _, err = run(capsys, "calc", "a.json", "--ukjent")
    assert "ukjent argument: --ukjent" in err
    _, _, err = run(capsys, "status", "bok.xlsx", "lukk")
    assert "ugyldig valg: «lukk» (velg blant lås, fakturaklar, skal-ikke-faktureres, " \
           "ny-beregning)" in err
    _, _, err = run(capsys, "ikke-fakturer", "bok.xlsx", "1-1", "--angre", "--veksle")
    assert "--veksle: kan ikke brukes sammen med --angre" in err
    _, _, err = run(capsys, "ny-periode", "bok.xlsx", "--ut")
    assert "--ut: forventer én verdi" in err


def argparse_texts() -> set[str]:
    """Every text the installed argparse passes to its gettext hooks."""
    tree = ast.parse(inspect.getsource(argparse))
    texts: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) \
                and node.func.id in ("_", "ngettext"):
            texts.update(a.value for a in node.args
                         if isinstance(a, ast.Constant) and isinstance(a.value, str))
    return texts


def test_every_argparse_text_has_a_norwegian_translation() -> None:
    texts = argparse_texts()
    assert len(texts) > 30  # the scan works
    assert sorted(texts - set(CATALOGUE)) == []


def test_translations_keep_their_placeholders() -> None:
    placeholder = re.compile(r"%(\([a-z_]+\))?[rsd]")
    for english, norwegian in CATALOGUE.items():
        assert sorted(placeholder.findall(english)) == sorted(placeholder.findall(norwegian)), \
            english
        prose = placeholder.sub("", norwegian)
        assert english_words(prose) == [] or english.startswith(("'", ".", "dest=")), norwegian


def test_argparse_elsewhere_in_the_process_stays_as_it_was(
        capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        run_command(["calc"])
    module: Any = argparse
    assert module._ is gettext.gettext and module.ngettext is gettext.ngettext
    plain = argparse.ArgumentParser(prog="annet")
    assert "usage: annet" in plain.format_usage()


def test_subcommand_parsers_are_norwegian_too() -> None:
    parser = build_parser()
    [commands] = [a for a in parser._actions if isinstance(a, argparse._SubParsersAction)]
    assert all(isinstance(p, NorwegianParser) for p in commands.choices.values())


# --- Status words -----------------------------------------------------------------------------

SPELLINGS = {
    Action.LOCK: ["lås", "Lås", "LÅS", "låst", "Låst", "laas", "laast", "LAAST", " lås ",
                  "la\u030as"],  # å written as a + combining ring
    Action.INVOICE_READY: ["fakturaklar", "Fakturaklar", "FAKTURAKLAR"],
    Action.DO_NOT_INVOICE: ["skal-ikke-faktureres", "skal ikke faktureres",
                            "Skal ikke faktureres", "skal_ikke_faktureres", "SKAL IKKE FAKTURERES",
                            "skal  ikke-faktureres", "skal–ikke–faktureres"],
    Action.CALCULATE: ["ny-beregning", "ny beregning", "Ny beregning", "ny_beregning",
                       "nyberegning"],
}


@pytest.mark.parametrize(("action", "text"),
                         [(a, t) for a, texts in SPELLINGS.items() for t in texts])
def test_status_words_as_accountants_write_them(action: Action, text: str) -> None:
    assert action_from_text(text) is action


@pytest.mark.parametrize("text", ["", "lås opp", "lukk", "lock", "beregnet", "låse", "fakturer"])
def test_other_words_are_not_status_actions(text: str) -> None:
    assert action_from_text(text) is None


def test_every_offered_choice_is_understood() -> None:
    assert {action_from_text(c) for c in ACTION_CHOICES} == set(Action) - {Action.EDIT_INPUTS}
    assert all(action_from_text(word) is action for word, action in ACTION_WORDS.items())


@pytest.mark.parametrize("word", ["lås", "Låst", "laas", "skal ikke faktureres"])
def test_status_command_parses_the_words(word: str, tmp_path: Path) -> None:
    args = build_parser().parse_args(["status", str(tmp_path / "bok.xlsx"), word])
    assert Action(args.handling) is action_from_text(word)
