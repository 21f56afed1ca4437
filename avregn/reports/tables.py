"""The three reports of spec §8 as tables of typed values, from the result (never the sheets).

One ``Report`` per report: a title, columns with their kind, and rows of values (``Decimal``,
``date``, ``str``, or None for an empty cell), each row marked as a detail, a group heading or a
sum. The xlsx writer keeps the values as numbers and dates; the PDF gets them formatted. The
bar chart of the distribution basis (kr per unit by account) travels with its report.

Rules chosen (the spec leaves them open):

* *Kontoer per transaksjonstype*: transaction types in the order the cost lines first name
  them; accounts without one last, under «(uten transaksjonstype)»; a sum per type and a total.
* *Tellere*: the objects that take part, in the contract's order; *Tak* and *Fast* are the
  lease's yearly amounts (``X`` for "fixed = invoiced"); the sum of the weighted numerators
  against the denominator, and the vacancy.
* *Fordelingsgrunnlag*: per account the ledger amount, the share % the settlement takes
  (*Andel %*), the amount to distribute ``B_a`` and its share of the total, kr per unit
  ``B_a / N`` and per weighted unit ``B_a / N_a``, and where it went (tenants, vacancy, share
  agreements); in total kr per unit ``Σ B_a / N``; then the owner's cost by cause (vacancy,
  share agreements, caps, fixed) as the summary of *Beregning* has it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from fractions import Fraction
from typing import Literal

from avregn.outputs import Calculated
from engine.rounding import Mode, decimal_places

Kind = Literal["text", "money", "number", "rate", "pct", "date", "count"]
RowKind = Literal["row", "group", "sum"]
Value = Decimal | date | str | int | None

NO_TYPE = "(uten transaksjonstype)"


@dataclass(frozen=True)
class Column:
    header: str
    kind: Kind
    width: float = 14  # in the xlsx


@dataclass(frozen=True)
class Row:
    values: tuple[Value, ...]
    kind: RowKind = "row"


@dataclass(frozen=True)
class Bar:
    label: str
    value: Decimal


@dataclass(frozen=True)
class Report:
    sheet: str  # xlsx sheet name (≤ 31 characters)
    title: str
    columns: tuple[Column, ...]
    rows: tuple[Row, ...]
    notes: tuple[str, ...] = ()
    chart: tuple[Bar, ...] = field(default=())
    chart_title: str = ""
    chart_column: int = -1  # the column the xlsx chart draws (0-based)


def reports(calc: Calculated) -> list[Report]:
    return [by_transaction_type(calc), numerators(calc), distribution_basis(calc)]


def _pct(part: Decimal | Fraction, whole: Decimal | Fraction) -> Decimal | None:
    if whole == 0:
        return None
    return decimal_places(Fraction(part) / Fraction(whole) * 100, 2, mode=Mode.HALF_UP)


def by_transaction_type(calc: Calculated) -> Report:
    lines = {line.account: line for line in calc.settlement.cost_lines}
    groups: dict[str, list[str]] = {}
    for line in calc.settlement.cost_lines:
        kind = (line.transaction_type or "").strip() or NO_TYPE
        groups.setdefault(kind, []).append(line.account)
    if NO_TYPE in groups:
        groups[NO_TYPE] = groups.pop(NO_TYPE)  # last
    rows: list[Row] = []
    total_amount = total_distributed = Decimal("0.00")
    results = {a.account: a for a in calc.result.accounts}
    for kind, accounts in groups.items():
        rows.append(Row((kind, None, None, None, None), "group"))
        amount = distributed = Decimal("0.00")
        for account in accounts:
            line = lines[account]
            result = results[account]
            rows.append(Row((line.account, line.name, line.amount, line.share_pct,
                             result.to_distribute)))
            amount += line.amount or 0
            distributed += result.to_distribute
        rows.append(Row((f"Sum {kind}", None, amount, None, distributed), "sum"))
        total_amount += amount
        total_distributed += distributed
    rows.append(Row(("Sum alle kontoer", None, total_amount, None, total_distributed), "sum"))
    return Report(
        sheet="Kontoer per transaksjonstype",
        title="Kontoer per transaksjonstype",
        columns=(Column("KontoNr", "text", 12), Column("Konto", "text", 34),
                 Column("Beløp", "money", 16), Column("Andel %", "pct", 10),
                 Column("Til fordeling", "money", 16)),
        rows=tuple(rows),
        notes=("Beløp er saldoen på kontoen; Til fordeling er den delen avregningen tar "
               "(Andel %).",),
    )


def numerators(calc: Calculated) -> Report:
    result, settlement = calc.result, calc.settlement
    contracts = {o.id: o for o in settlement.contract_objects}
    rows: list[Row] = []
    for obj in result.objects:
        c = contracts[obj.id]
        fixed: Value = "X" if c.fixed_equals_invoiced else c.fixed
        rows.append(Row((c.contract_no, c.contract_name, c.name, c.id, c.start, c.end, c.cap,
                         fixed, obj.numerator, obj.days,
                         decimal_places(obj.weighted_numerator, 6, mode=Mode.HALF_UP))))
    unit = result.denominator_label
    weighted_sum = decimal_places(result.weighted_numerator_sum, 6, mode=Mode.HALF_UP)
    vacant = decimal_places(result.vacant, 6, mode=Mode.HALF_UP)
    empty: tuple[Value, ...] = (None,) * 8
    rows.append(Row(("Sum vektet teller", *empty[:7], None, None, weighted_sum), "sum"))
    rows.append(Row((f"Nevner ({unit})", *empty[:7], None, None, result.denominator), "sum"))
    rows.append(Row(("Ledig", *empty[:7], None, None, vacant), "sum"))
    return Report(
        sheet="Tellere",
        title="Tellere per leietaker og kontraktsobjekt",
        columns=(Column("Kontraktsnr", "text", 12), Column("Kontrakt", "text", 28),
                 Column("Kontraktsobjekt", "text", 22), Column("Id", "text", 10),
                 Column("Start", "date", 12), Column("Slutt", "date", 12),
                 Column("Tak (år)", "money", 14), Column("Fast (år)", "money", 14),
                 Column("Teller", "number", 10), Column("Dager", "count", 8),
                 Column("Vektet teller", "number", 14)),
        rows=tuple(rows),
        notes=(f"Sum vektet teller / nevner: {_num(weighted_sum)} / {_num(result.denominator)} "
               f"{unit}. Perioden har {result.days} dager; vektet teller = teller × dager i "
               "perioden / periodens dager. Tak og Fast er årsbeløp; X = fast beløp lik det som "
               "er fakturert a konto.",),
    )


def _num(value: Decimal) -> str:
    from avregn.outputs import quantity_text

    return quantity_text(value)


def distribution_basis(calc: Calculated) -> Report:
    result, settlement = calc.result, calc.settlement
    lines = {line.account: line for line in settlement.cost_lines}
    costs = result.summary.costs
    rows: list[Row] = []
    bars: list[Bar] = []
    for acc in result.accounts:
        line = lines[acc.account]
        rows.append(Row((acc.account, acc.name, acc.amount, line.share_pct, acc.to_distribute,
                         _pct(acc.to_distribute, costs), acc.per_unit, acc.rate,
                         acc.tenant_share, acc.vacant_share, acc.owner_share)))
        bars.append(Bar(f"{acc.account} {acc.name}".strip(), acc.per_unit))
    per_unit_total = decimal_places(Fraction(costs) / Fraction(result.denominator), 2,
                                    mode=Mode.HALF_UP)
    summary = result.summary
    amount_total = sum((line.amount or Decimal(0) for line in settlement.cost_lines),
                       Decimal("0.00"))
    rows.append(Row(("Sum", None, amount_total, None, costs, _pct(costs, costs),
                     per_unit_total, None, summary.tenants.share, summary.owner.vacant,
                     summary.owner.share), "sum"))
    owner = settlement.settings.owner or "eier"
    rows.append(Row((f"{owner}s kostnad", None, None, None, None, None, None, None, None, None,
                     None), "group"))
    for label, amount in (("Ledig areal", summary.owner.vacant),
                          ("Andelsavtaler", summary.owner.share),
                          ("Tak", summary.owner.cap),
                          ("Fast", summary.owner.fixed)):
        rows.append(Row((label, None, None, None, amount, _pct(amount, costs), None, None,
                         None, None, None)))
    rows.append(Row((f"Sum {owner}", None, None, None, summary.owner.sum,
                     _pct(summary.owner.sum, costs), None, None, None, None, None), "sum"))
    rows.append(Row(("Leietakerne", None, None, None, summary.tenants.sum,
                     _pct(summary.tenants.sum, costs), None, None, None, None, None), "sum"))
    unit = result.denominator_label
    return Report(
        sheet="Fordelingsgrunnlag",
        title="Fordelingsgrunnlag",
        columns=(Column("KontoNr", "text", 10), Column("Konto", "text", 30),
                 Column("Beløp", "money", 15), Column("Andel %", "pct", 9),
                 Column("Til fordeling", "money", 15), Column("Av totalen %", "pct", 11),
                 Column(f"Kr per {unit}", "money", 12),
                 Column(f"Kr per vektet {unit}", "rate", 14),
                 Column("Leietakere", "money", 15), Column("Ledig", "money", 15),
                 Column("Andelsavtaler", "money", 15)),
        rows=tuple(rows),
        notes=(f"Kr per {unit} = til fordeling / nevner ({_num(result.denominator)} {unit}); "
               f"kr per vektet {unit} = til fordeling / kontoens nevner (ledig areal og "
               "leietakernes vektede tellere med faktor, uten dem som ikke deltar). "
               "Leietakere er leietakernes andel etter andelsavtaler, før tak og fast. "
               f"Til fordeling = leietakerne + {owner}s kostnad.",),
        chart=tuple(bars),
        chart_title=f"Kr per {unit} per konto",
        chart_column=6,
    )
