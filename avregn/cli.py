"""The ``avregn`` command line: the same actions as the ribbon, for the terminal and for CI.

Errors in the user's input are printed once, here, as ``file:where: message`` lines (``where``
is a sheet and cell, or a JSON path) with exit code 1. Anything unexpected is one line and exit
code 2, never a traceback.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable, Sequence
from datetime import datetime
from decimal import Decimal
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any, TypeVar

import typer
from rich.console import Console
from rich.table import Table

from avregn.actions import Outcome
from avregn.formatting import nok, number
from engine.calculation import try_calculate
from engine.contract import load_json, parse_settlement, result_to_json
from engine.model import SettlementInput
from engine.problems import Problem
from engine.result import Result
from engine.statuses import INVOICE_STATUS_LABELS

app = typer.Typer(
    name="avregn",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)

T = TypeVar("T")


@app.callback()
def _root() -> None:
    """Felleskostnadsavregning: fordel årets felleskostnader på leietakerne, eksakt til øret.

    Vanlig gang: avregn demo (lag og beregn en demo-arbeidsbok), avregn beregn ARBEIDSBOK,
    avregn status ARBEIDSBOK fakturaklar. avregn calc FIL.json beregner en JSON-avregning.
    """


class Failed(Exception):
    """Input problems: printed as a list, exit 1."""

    def __init__(self, source: str, problems: Sequence[Problem], as_json: bool = False,
                 message: str = ""):
        self.source, self.problems, self.as_json = source, list(problems), as_json
        self.message = message


def _guard(run: Callable[[], T]) -> T:
    try:
        return run()
    except Failed as failed:
        if failed.message:
            print(failed.message, file=sys.stderr)
        for p in failed.problems:
            # A problem about the whole file names just the file.
            whole_file = not p.where or p.where == Path(failed.source).name
            where = failed.source if whole_file else f"{failed.source}:{p.where}"
            print(f"{where}: {p.message}", file=sys.stderr)
        if failed.as_json:
            print(json.dumps({"errors": [p.as_dict() for p in failed.problems]},
                             ensure_ascii=False, indent=2))
        raise typer.Exit(1) from None
    except typer.Exit:
        raise
    except KeyboardInterrupt:
        raise typer.Exit(130) from None
    except Exception as exc:  # the one place that turns the unexpected into a message
        print(f"avregn: intern feil ({type(exc).__name__}: {exc}); meld fra om dette.",
              file=sys.stderr)
        raise typer.Exit(2) from None


def read_settlement_file(path: Path, *, as_json: bool = False) -> SettlementInput:
    source = str(path)
    try:
        text = path.read_text(encoding="utf-8-sig")  # Windows tools often write a BOM
    except FileNotFoundError:
        raise Failed(source, [Problem("", "Filen finnes ikke.")], as_json) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise Failed(source, [Problem("", f"Kan ikke lese filen: {exc}")], as_json) from None
    try:
        data: Any = load_json(text)
    except json.JSONDecodeError as exc:
        raise Failed(source, [Problem(f"linje {exc.lineno}",
                                      f"Ugyldig JSON: {exc.msg}")], as_json) from None
    settlement, problems = parse_settlement(data, require_amounts=True)
    if settlement is None:
        raise Failed(source, problems, as_json)
    return settlement


@app.command()
def calc(
    file: Annotated[Path, typer.Argument(help="Avregningen som JSON (se settlement-file.md).")],
    as_json: Annotated[bool, typer.Option("--json", help="Skriv resultatet som JSON.")] = False,
) -> None:
    """Beregn én avregning fra en JSON-fil og vis resultatet (tabell, eller JSON med --json)."""

    def run() -> None:
        settlement = read_settlement_file(file, as_json=as_json)
        result, problems = try_calculate(settlement, calculated_at=_now())
        if result is None:
            raise Failed(str(file), problems, as_json)
        if as_json:
            print(json.dumps(result_to_json(result), ensure_ascii=False, indent=2))
        else:
            print_result(settlement, result)

    _guard(run)


def _now() -> datetime:
    return datetime.now().replace(microsecond=0)


def _report(outcome: Outcome, source: Path) -> None:
    """An action's outcome: problems as ``file:where: message`` (exit 1), else the summary."""
    if not outcome.ok:
        # The message names the workbook already; the problems get file:Sheet!Cell each.
        raise Failed(str(outcome.source or source), outcome.problems, message=outcome.message)
    print(outcome.message)
    for warning in outcome.warnings:
        where = f"{warning.where}: " if warning.where else ""
        print(f"Advarsel {where}{warning.message}")


def _beregn(path: Path, *, backup: bool = True) -> Outcome:
    from rich.progress import Progress

    from avregn.actions import BEREGN_STEPS, beregn
    from avregn.book import FileBook

    with Progress(transient=True, console=Console(stderr=True),
                  disable=not sys.stderr.isatty()) as bar:
        task = bar.add_task("Beregner", total=BEREGN_STEPS)
        started: list[str] = []

        def step(label: str) -> None:
            # Each step is told as it starts: the bar shows the steps finished before it.
            bar.update(task, description=label, completed=len(started))
            started.append(label)

        outcome = beregn(FileBook(path, backup=backup), now=_now(), progress=step)
        bar.update(task, completed=BEREGN_STEPS)
    return outcome


def _existing(path: Path) -> Path:
    if not path.exists():
        raise Failed(str(path), [Problem("", "Filen finnes ikke.")])
    return path


WorkbookArg = Annotated[Path, typer.Argument(help="Avregningsarbeidsboken (.xlsx/.xlsm).")]


@app.command()
def beregn(workbook: WorkbookArg) -> None:
    """Les arbeidsboken, kontroller inndata, beregn og skriv Beregning og Status tilbake."""
    _guard(lambda: _report(_beregn(_existing(workbook)), workbook))


class StatusChoice(StrEnum):
    laas = "laas"
    fakturaklar = "fakturaklar"
    skal_ikke_faktureres = "skal-ikke-faktureres"
    ny_beregning = "ny-beregning"


@app.command()
def status(
    workbook: WorkbookArg,
    action: Annotated[StatusChoice, typer.Argument(
        help="laas: lås til kontroll; fakturaklar: klar til fakturering; "
             "skal-ikke-faktureres: ingenting av avregningen faktureres; "
             "ny-beregning: beregn på nytt (tilbake til Beregnet).")],
) -> None:
    """Endre avregningens status (Lagt opp → Beregnet → Låst → Fakturaklar …)."""
    from avregn.actions import STATUS_ACTIONS, change_status
    from avregn.book import FileBook

    def run() -> None:
        book = FileBook(_existing(workbook))
        if action is StatusChoice.ny_beregning:
            _report(_beregn(workbook), workbook)
        else:
            _report(change_status(book, STATUS_ACTIONS[action.value], now=_now()), workbook)

    _guard(run)


@app.command("ikke-fakturer")
def ikke_fakturer(
    workbook: WorkbookArg,
    object_id: Annotated[str, typer.Argument(help="Kontraktsobjektets Id (Brøk).")],
    angre: Annotated[bool, typer.Option("--angre", help="Skal faktureres likevel.")] = False,
    veksle: Annotated[bool, typer.Option("--veksle", help="Snu merket.")] = False,
) -> None:
    """Merk et objekt «skal ikke faktureres» (rødt kryss i Beregning), eller fjern merket."""
    from avregn.actions import set_do_not_invoice
    from avregn.book import FileBook

    if angre and veksle:
        raise typer.BadParameter("bruk enten --angre eller --veksle, ikke begge")
    value = None if veksle else not angre
    _guard(lambda: _report(set_do_not_invoice(FileBook(_existing(workbook)), object_id, value),
                           workbook))


@app.command("ny-periode")
def ny_periode(
    workbook: WorkbookArg,
    ut: Annotated[Path | None, typer.Option("--ut", help="Ny arbeidsbok (standard: "
                                            "NAVN-ÅÅÅÅ-MM.xlsx ved siden av).")] = None,
) -> None:
    """Lag neste periodes arbeidsbok med det som føres videre (innstillinger, objekter,
    unntak, kontoer med tomme beløp)."""
    from avregn.actions import new_period
    from avregn.book import FileBook

    _guard(lambda: _report(new_period(FileBook(_existing(workbook)), ut, today=_now().date()),
                           workbook))


konti_app = typer.Typer(help="Kontoene i Til fordeling: eksport, import, opprydding.",
                        no_args_is_help=True)
app.add_typer(konti_app, name="konti")


@konti_app.command("eksporter")
def konti_eksporter(
    workbook: WorkbookArg,
    ut: Annotated[Path | None, typer.Option("--ut", help="Kontofilen (standard: "
                                            "NAVN-konti.xlsx ved siden av).")] = None,
) -> None:
    """Skriv Til fordeling som kontofil (rad 1 dato, rad 2 tittel, rad 3 overskrifter)."""
    from avregn.actions import export_accounts
    from avregn.book import FileBook

    dest = ut or workbook.with_name(f"{workbook.stem}-konti.xlsx")
    _guard(lambda: _report(export_accounts(FileBook(_existing(workbook)), dest, today=_now()),
                           workbook))


@konti_app.command("importer")
def konti_importer(
    workbook: WorkbookArg,
    fil: Annotated[Path, typer.Argument(help="Kontofilen som skal leses inn.")],
) -> None:
    """Les en kontofil inn i Til fordeling: beløp erstattes, nye kontoer legges til, kontoer
    som mangler i filen listes (slettes ikke)."""
    from avregn.actions import import_accounts
    from avregn.book import FileBook

    _guard(lambda: _report(import_accounts(FileBook(_existing(workbook)), _existing(fil)),
                           workbook))


@konti_app.command("slett-null")
def konti_slett_null(workbook: WorkbookArg) -> None:
    """Slett kontoer med 0 i beløp (tømmer radene; unntakene deres også)."""
    from avregn.actions import delete_zero_accounts
    from avregn.book import FileBook

    _guard(lambda: _report(delete_zero_accounts(FileBook(_existing(workbook))), workbook))


@konti_app.command("hent")
def konti_hent(workbook: WorkbookArg) -> None:
    """Hent konti: legg til kontoene i Kontovalg som ikke står i Til fordeling."""
    from avregn.actions import fetch_accounts
    from avregn.book import FileBook

    _guard(lambda: _report(fetch_accounts(FileBook(_existing(workbook))), workbook))


@app.command()
def mal(
    path: Annotated[Path, typer.Argument(help="Hvor den tomme arbeidsboken skrives.")] = Path(
        "avregning.xlsx"),
) -> None:
    """Skriv en tom avregningsarbeidsbok (malen) å fylle ut."""

    def run() -> None:
        from avregn.workbook.template import build_template

        if path.exists():
            raise Failed(str(path), [Problem("", "Filen finnes allerede; velg et annet navn.")])
        build_template(path)
        print(f"Skrevet: {path}")

    _guard(run)


@app.command()
def demo(
    directory: Annotated[Path, typer.Argument(help="Mappen demoen skrives til.")] = Path(
        "avregn-demo"),
) -> None:
    """Lag en demo-avregning (Prøvegata 4, åtte leietakere) som arbeidsbok og JSON, og
    beregn den."""

    def run() -> None:
        from avregn.demo import demo_data
        from avregn.workbook.new_book import write_new_workbook

        directory.mkdir(parents=True, exist_ok=True)
        json_path = directory / "avregning.json"
        json_path.write_text(json.dumps(demo_data(), ensure_ascii=False, indent=2) + "\n",
                             encoding="utf-8")
        workbook = directory / "avregning.xlsx"
        write_new_workbook(demo_data(), workbook, backup=False, dated=_now().date())
        outcome = _beregn(workbook, backup=False)  # a fresh demo has no previous version
        if not outcome.ok or outcome.settlement is None or outcome.result is None:
            _report(outcome, workbook)
            return
        print_result(outcome.settlement, outcome.result)
        print(outcome.message)
        print(f"Skrevet: {workbook} (åpne i Excel: se arkene Beregning og Status)")
        print(f"Skrevet: {json_path} (avregn calc {json_path})")

    _guard(run)


def print_result(settlement: SettlementInput, result: Result, console: Console | None = None,
                 ) -> None:
    """The readable table: objects, then the summary of §6.9."""
    console = console or Console(width=None if sys.stdout.isatty() else 140)
    s = settlement.settings
    names = {o.id: o for o in settlement.contract_objects}
    console.print(f"[bold]{s.property_object}[/] — {s.group or 'avregning'}, "
                  f"{result.period_start:%d.%m.%Y}–{result.period_end:%d.%m.%Y}")
    table = Table(header_style="bold")
    for header in ("Objekt", "Leietaker", "Vektet", "Andel", "Sum", "Utfakt.+korr.", "Rest",
                   "Adm.hon.", "Mva", "Status"):
        table.add_column(header, justify="left" if header in ("Objekt", "Leietaker", "Status")
                         else "right", overflow="fold")
    for o in result.objects:
        obj = names[o.id]
        table.add_row(o.id, obj.contract_name or obj.name, number(o.weighted_numerator, 4),
                      nok(o.share), nok(o.total), nok(o.invoiced + o.correction), nok(o.rest),
                      nok(o.admin_fee), nok(o.vat), INVOICE_STATUS_LABELS[o.invoice_status])
    console.print(table)
    t, w = result.summary.tenants, result.summary.owner
    summary = Table(title="Sammendrag", header_style="bold")
    summary.add_column("")
    for header in ("Til fordeling", "Leietakers del", s.owner or "Eiers del"):
        summary.add_column(header, justify="right")
    costs = result.summary.costs
    rows = [
        ("Kostnader", costs, None, None),
        ("Fordelt", None, t.distributed, None),
        ("Ledig", None, None, w.vacant),
        ("Andel", None, t.share, w.share),
        ("Tak", None, t.cap, w.cap),
        ("Fast", None, t.fixed, w.fixed),
        ("Sum", costs, t.sum, w.sum),
        ("Utfakturert", None, t.invoiced, Decimal(0)),
        ("Korrigert", None, t.correction, Decimal(0)),
        ("Rest", None, t.rest, w.rest),
        ("Adm.honorar", None, t.admin_fee, w.admin_fee),
    ]
    for label, *values in rows:
        summary.add_row(label, *(nok(v) for v in values))
    console.print(summary)
    console.print(f"Sum tellere / nevner: {number(result.weighted_numerator_sum, 4)} / "
                  f"{number(result.denominator)} {result.denominator_label}")
    for warning in result.warnings:
        console.print(f"[yellow]Advarsel[/] {warning}")


def main(argv: Sequence[str] | None = None) -> None:
    """Console-script entry point."""
    app(args=list(argv) if argv is not None else None, prog_name="avregn")


if __name__ == "__main__":
    main()
