"""A new settlement workbook, filled from a settlement in the JSON contract's shape.

Used by ``avregn demo`` and ``avregn ny-periode``: the template is built from the layout (so an
installed package needs no template file), its input blocks are filled, and the file is saved
atomically. Only a workbook we create ourselves goes through openpyxl's save; a user's workbook
never does.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

from avregn.accounts import norwegian_date
from avregn.workbook import layout
from avregn.workbook.package import save_atomic
from avregn.workbook.template import build_workbook, fill_settings, fill_table


def _invoices(objects: Iterable[Mapping[str, Any]]) -> list[dict[str, Any]]:
    return [{**invoice, "object": obj["id"]} for obj in objects
            for invoice in obj.get("invoiced") or ()]


# Values the template's empty cells already mean (spec §9b: *Kontraktsobjekt konti* holds only
# the exceptions); written out they would only clutter the sheets.
_DEFAULTS: dict[str, dict[str, Any]] = {
    "cost_lines": {"level": "object", "share_pct": Decimal(100), "full_distribution": False},
    "contract_objects": {"correction": Decimal(0), "vat_liable": True, "do_not_invoice": False,
                         "exported": None, "numerator_override": None, "admin_fee": None},
    "adjustments": {"share_pct": Decimal(100), "factor": Decimal(1), "participates": True},
}


def _is_default(value: Any, default: Any) -> bool:
    if isinstance(default, Decimal) and isinstance(value, str | int | Decimal) \
            and not isinstance(value, bool):
        try:
            return Decimal(value) == default
        except ArithmeticError:
            return False
    return value is default or (type(value) is type(default) and value == default)


def _without_defaults(section: str, records: Iterable[Mapping[str, Any]]
                      ) -> list[dict[str, Any]]:
    defaults = _DEFAULTS[section]
    return [{k: v for k, v in r.items() if not (k in defaults and _is_default(v, defaults[k]))}
            for r in records]


def _marked_fees(data: Mapping[str, Any]) -> list[dict[str, Any]]:
    """Contract objects, their fee marked where its VAT flag differs from the settlement's
    (the *Adm.honorar* cell then says «med mva»/«uten mva»)."""
    default = (data["settlement"].get("admin_fee") or {}).get("vat_liable", True)
    out = []
    for obj in data.get("contract_objects") or ():
        record = {k: v for k, v in obj.items() if k != "invoiced"}
        fee = record.get("admin_fee")
        if isinstance(fee, Mapping) and fee.get("vat_liable", True) != default:
            record["admin_fee"] = {**fee, layout.FEE_VAT_SHOWN: True}
        out.append(record)
    return out


def write_new_workbook(data: Mapping[str, Any], path: Path, *,
                       account_selection: Iterable[Mapping[str, str]] = (),
                       dated: date | None = None, backup: bool = True) -> Path:
    """Write ``data`` (settlement-file shape) into a fresh workbook at ``path``."""
    wb = build_workbook()
    fill_settings(wb[layout.AVREGNING.name], data["settlement"])
    cost_sheet = wb[layout.TIL_FORDELING.name]
    fill_table(cost_sheet, layout.COST_LINES,
               _without_defaults("cost_lines", data.get("cost_lines") or ()))
    if dated is not None:
        cost_sheet["A1"] = f"Dato: {norwegian_date(dated)}"
    objects = data.get("contract_objects") or ()
    fill_table(wb[layout.BROK.name], layout.CONTRACT_OBJECTS,
               _without_defaults("contract_objects", _marked_fees(data)))
    fill_table(wb[layout.KONTRAKTSOBJEKT_KONTI.name], layout.ADJUSTMENTS,
               _without_defaults("adjustments", data.get("adjustments") or ()))
    fill_table(wb[layout.A_KONTO.name], layout.INVOICES, _invoices(objects))
    selection = list(account_selection) or [
        {"account": c["account"], "name": c.get("name", ""),
         "transaction_type": c.get("transaction_type")} for c in data.get("cost_lines") or ()]
    fill_table(wb[layout.KONTOVALG.name], layout.ACCOUNT_SELECTION, selection)
    save_atomic(lambda tmp: wb.save(tmp), path, backup=backup)
    return path
