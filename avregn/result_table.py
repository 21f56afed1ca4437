"""The result as plain-text tables for the terminal (``avregn calc`` without ``--json``,
``avregn demo``): one row per object, then the summary of spec §6.9 and the footer of §8.

Plain text rather than a table library: ``calc`` must start fast, and a file or a pipe gets
the same columns as the screen. Numbers are right-aligned and Norwegian (``1 234,50``).
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal

from engine.model import SettlementInput
from engine.norwegian import nok, number
from engine.result import Result
from engine.statuses import INVOICE_STATUS_LABELS

NAME_WIDTH = 28
LEFT = frozenset({"Objekt", "Leietaker", "Status", ""})


def table(headers: Sequence[str], rows: Sequence[Sequence[str]], title: str = "") -> list[str]:
    """Columns as wide as their widest cell, two spaces apart, a rule under the headers."""
    widths = [max(len(h), *(len(r[k]) for r in rows)) if rows else len(h)
              for k, h in enumerate(headers)]

    def line(cells: Sequence[str]) -> str:
        return "  ".join(c.ljust(w) if h in LEFT else c.rjust(w)
                         for c, w, h in zip(cells, widths, headers, strict=True)).rstrip()

    out = [title] if title else []
    out += [line(headers), "  ".join("-" * w for w in widths)]  # ASCII: any console shows it
    out += [line(r) for r in rows]
    return out


def _short(text: str) -> str:
    return text if len(text) <= NAME_WIDTH else text[: NAME_WIDTH - 1] + "…"


def render(settlement: SettlementInput, result: Result) -> str:
    s = settlement.settings
    names = {o.id: o for o in settlement.contract_objects}
    lines = [f"{s.property_object} — {s.group or 'avregning'}, "
             f"{result.period_start:%d.%m.%Y}–{result.period_end:%d.%m.%Y}", ""]
    rows = []
    for o in result.objects:
        obj = names[o.id]
        rows.append([o.id, _short(obj.contract_name or obj.name), number(o.weighted_numerator, 4),
                     nok(o.share), nok(o.total), nok(o.invoiced + o.correction), nok(o.rest),
                     nok(o.admin_fee), nok(o.vat + o.admin_fee_vat), nok(o.invoice_total),
                     INVOICE_STATUS_LABELS[o.invoice_status]])
    lines += table(("Objekt", "Leietaker", "Vektet", "Andel", "Sum", "Utfakt.+korr.", "Rest",
                    "Adm.hon.", "Mva", "Faktura", "Status"), rows)
    t, w = result.summary.tenants, result.summary.owner
    costs = result.summary.costs
    summary: list[tuple[str, Decimal | None, Decimal | None, Decimal | None]] = [
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
        ("Mva", None, t.vat + t.admin_fee_vat, None),
        ("Fakturabeløp", None, t.invoice_total, None),
    ]
    lines.append("")
    lines += table(("", "Til fordeling", "Leietakers del", s.owner or "Eiers del"),
                   [[label, *(nok(v) for v in values)] for label, *values in summary],
                   title="Sammendrag")
    lines.append("")
    lines.append(f"Sum tellere / nevner: {number(result.weighted_numerator_sum, 4)} / "
                 f"{number(result.denominator)} {result.denominator_label}".rstrip())
    lines += [f"Advarsel {warning}" for warning in result.warnings]
    return "\n".join(lines)
