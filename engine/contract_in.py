"""Reading the JSON contract (``spec/settlement-file.md``): a settlement file into the domain
model (``SettlementInput``). Writing (a result or an input as JSON) is ``engine.contract_out``.

Two readers, one behaviour. A valid file is read by ``engine.contract_fast`` (plain Python,
quick to import and to run); anything it is unsure of, and every file with a problem, is read
again by the pydantic models of ``engine.contract_models``, which report every problem at once
with its JSON path (``contract_objects[3].numerator``) and a Norwegian message. Each record is
checked on its own, so one broken contract object does not hide the problems of the others;
the cross-record checks of ``engine.validation`` then run over everything that could be read.

Numbers are exact: ``load_json`` reads JSON numbers as ``Decimal`` (never float), and money
accepts a JSON number or a decimal string with at most two decimals and a dot (``"12345.67"``).
The workbook reader produces the same dict shape (with ``Decimal``/``date`` values), so both
ways in share every rule.
"""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

from engine.contract_fast import MAX_NUMBER, MAX_NUMBER_DECIMALS, NotANumber, read_records
from engine.model import SettlementInput
from engine.problems import Problem
from engine.validation import (
    empty_amounts,
    validate_adjustments,
    validate_contract_objects,
    validate_cost_lines,
    validate_settings,
)

__all__ = ["FIELD_LABELS", "MAX_NUMBER", "MAX_NUMBER_DECIMALS", "load_json", "parse_settlement"]

# What an accountant calls a field (the workbook's headers), for "… mangler".
FIELD_LABELS = {
    "settlement": "Avregningen", "cost_lines": "Til fordeling", "contract_objects": "Brøk",
    "property": "Eiendom", "property_object": "Eiendomsobjekt", "owner": "Eier",
    "period_start": "Periodestart", "interval_months": "Avregningsintervall",
    "denominator": "Nevner", "account": "KontoNr", "amount": "Beløp", "id": "Id",
    "object": "Id", "start": "Start", "numerator": "Teller", "from": "Fra", "to": "Til",
    "mode": "Adm.honorar type",
}


def load_json(text: str) -> Any:
    """JSON with every number as an exact ``Decimal``/``int``; NaN/Infinity kept as bad text."""
    return json.loads(text, parse_float=Decimal, parse_constant=NotANumber)


def parse_settlement(data: Any, *, require_amounts: bool = False
                     ) -> tuple[SettlementInput | None, list[Problem]]:
    """A settlement file's data (``load_json`` output or the workbook reader's dict) → the
    domain input, or ``None`` and every problem found.

    ``require_amounts``: an empty (null) amount is a problem too — for a calculation, which
    must say so together with everything else. A settlement carried forward to a new period
    legitimately has empty amounts until they are filled in.
    """
    records = read_records(data)
    if records is not None:
        settings, lines, objects, adjustments = records
        numbered_lines = list(enumerate(lines))
        checked = validate_settings(settings)
        checked += validate_cost_lines(numbered_lines)
        if require_amounts:
            checked += empty_amounts(numbered_lines)
        checked += validate_contract_objects(list(enumerate(objects)))
        checked += validate_adjustments(list(enumerate(adjustments)),
                                        (o.id for o in objects), (c.account for c in lines))
        if not checked:
            return SettlementInput(settings, tuple(lines), tuple(objects),
                                   tuple(adjustments)), []
    from engine.contract_models import parse_settlement_with_models

    return parse_settlement_with_models(data, require_amounts=require_amounts)
