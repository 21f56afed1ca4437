"""The three reports of a settlement (spec §8): accounts per transaction type, numerators per
tenant and contract object, and the distribution basis with its bar chart — as one xlsx (a
sheet each, a native Excel chart) and one PDF (the chart drawn by Typst, since accountants'
machines have no LibreOffice).

Like the letters, the reports read a result — calculated again from the workbook's input and
proved current by the fingerprint on *Status* — never the sheets.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from fractions import Fraction
from pathlib import Path
from typing import Any

from avregn.actions import Outcome
from avregn.book import BookPort
from avregn.formatting import day
from avregn.outputs import (
    Calculated,
    load_calculated,
    money_text,
    output_folder,
    quantity_text,
    refuse_existing,
    safe_name,
    write_atomic,
    write_problem,
)
from avregn.reports.tables import Report, Value, reports
from avregn.typst_render import TemplateError, TypstRenderer
from engine.rounding import Mode, decimal_places
from engine.statuses import STATUS_LABELS

TEMPLATE = Path(__file__).parent / "templates" / "rapporter.typ"
FOLDER_SUFFIX = "rapporter"


def write_reports(book: BookPort, *, out_dir: Path | None = None,
                  overwrite: bool = False) -> Outcome:
    """Write the reports of a calculated, current workbook into ``out_dir`` or
    ``NAME-rapporter/`` beside it: ``Rapporter_<objekt>_<periode>.xlsx`` and ``.pdf``."""
    calc = load_calculated(book, what="rapportene")
    if isinstance(calc, Outcome):
        return calc
    folder = output_folder(book, out_dir, FOLDER_SUFFIX)
    if isinstance(folder, Outcome):
        return folder
    s = calc.settlement.settings
    stem = safe_name(f"Rapporter {s.property_object} {calc.result.period_start:%Y-%m}")
    paths = [folder / f"{stem}.xlsx", folder / f"{stem}.pdf"]
    existing = refuse_existing(paths, overwrite=overwrite, what="Rapportene")
    if existing:
        return existing
    found = reports(calc)
    lines = heading(calc)
    from avregn.reports.xlsx import xlsx_bytes

    try:
        renderer = TypstRenderer(TEMPLATE)
        pdf = renderer.pdf(pdf_data(found, lines), timestamp=calc.calculated_at)
    except TemplateError as exc:
        return Outcome(False, "Rapportene er ikke laget.", (exc.problem,))
    written: list[Path] = []
    try:
        for path, data in zip(paths, (xlsx_bytes(found, lines), pdf), strict=True):
            write_atomic(path, data)
            written.append(path)
    except OSError as exc:
        return Outcome(False, "Rapportene er ikke ferdige.",
                       (write_problem(paths[len(written)], exc),), written=tuple(written))
    return Outcome(True, f"{book.name}: rapportene er skrevet til {folder}: "
                         f"{paths[0].name} og {paths[1].name}.",
                   settlement=calc.settlement, result=calc.result, status=calc.status,
                   written=tuple(written))


def heading(calc: Calculated) -> list[str]:
    """The lines under each report's title: what settlement, which period, which status."""
    s, result = calc.settlement.settings, calc.result
    lines = [f"{s.property} / {s.property_object}" + (f" — {s.group}" if s.group else ""),
             f"Periode {day(result.period_start)}–{day(result.period_end)} · eier {s.owner}",
             f"Status: {STATUS_LABELS[calc.status]}"
             + (f" · beregnet {_stamp(calc.calculated_at)}" if calc.calculated_at else "")]
    return lines


def _stamp(value: datetime | None) -> str:
    return "" if value is None else f"{value:%d.%m.%Y} kl. {value:%H:%M}"


def cell_text(value: Value, kind: str) -> str:
    """A report value as the PDF shows it (Norwegian formats)."""
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "X" if value else ""
    if isinstance(value, int):
        return str(value)
    if isinstance(value, Decimal):
        if kind in ("money", "pct"):
            return money_text(value)
        if kind == "rate":
            return quantity_text(value, 4)
        return quantity_text(value)
    return day(value)


def pdf_data(found: list[Report], lines: list[str]) -> dict[str, Any]:
    out = []
    for report in found:
        chart = None
        if report.chart:
            top = max((abs(b.value) for b in report.chart), default=Decimal(0))
            chart = {"title": report.chart_title, "bars": [
                {"label": b.label, "text": money_text(b.value),
                 "ratio": str(decimal_places(Fraction(b.value) / Fraction(top), 4,
                                             mode=Mode.HALF_UP) if top else "0")}
                for b in report.chart]}
        out.append({
            "title": report.title,
            "columns": [{"header": c.header, "align": "left" if c.kind == "text" else "right"}
                        for c in report.columns],
            "rows": [{"kind": row.kind,
                      "cells": [cell_text(v, c.kind) for v, c in
                                zip(row.values, report.columns, strict=True)]}
                     for row in report.rows],
            "notes": list(report.notes),
            "chart": chart,
        })
    return {"heading": lines, "reports": out}


__all__ = ["write_reports"]
