"""A new settlement workbook, filled from a settlement in the JSON contract's shape.

Used by ``avregn demo`` and ``avregn ny-periode``: the template is built from the layout (so an
installed package needs no template file), its input blocks are filled, and the file is saved
atomically. Only a workbook we create ourselves goes through openpyxl's save; a user's workbook
never does.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date
from pathlib import Path
from typing import Any

from avregn.workbook import layout
from avregn.workbook.package import save_atomic
from avregn.workbook.template import build_workbook, fill_settings, fill_table


def _invoices(objects: Iterable[Mapping[str, Any]]) -> list[dict[str, Any]]:
    return [{**invoice, "object": obj["id"]} for obj in objects
            for invoice in obj.get("invoiced") or ()]


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
    fill_table(cost_sheet, layout.COST_LINES, data.get("cost_lines") or ())
    if dated is not None:
        cost_sheet["A1"] = f"Dato: {dated:%d.%m.%Y}"
    objects = data.get("contract_objects") or ()
    fill_table(wb[layout.BROK.name], layout.CONTRACT_OBJECTS, _marked_fees(data))
    fill_table(wb[layout.KONTRAKTSOBJEKT_KONTI.name], layout.ADJUSTMENTS,
               data.get("adjustments") or ())
    fill_table(wb[layout.A_KONTO.name], layout.INVOICES, _invoices(objects))
    selection = list(account_selection) or [
        {"account": c["account"], "name": c.get("name", "")} for c in data.get("cost_lines") or ()]
    fill_table(wb[layout.KONTOVALG.name], layout.ACCOUNT_SELECTION, selection)
    save_atomic(lambda tmp: wb.save(tmp), path, backup=backup)
    return path
