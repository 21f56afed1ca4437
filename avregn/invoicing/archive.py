"""Each export keeps its own folder: the basis file, a summary with the control totals (xlsx)
and the ledger's batch as JSON — nobody ever needs a screenshot to keep an export."""

from __future__ import annotations

import json
import shutil
from collections.abc import Sequence
from datetime import datetime
from pathlib import Path
from typing import Any

from avregn.invoicing.basis import Basis
from avregn.invoicing.formats import EXTENSIONS, protect, write_basis


def basis_json(basis: Basis, *, label: str, fmt: str, created_at: datetime, user: str,
               files: Sequence[str], blocked: Sequence[dict[str, str]],
               reexported: Sequence[str], register: str) -> dict[str, Any]:
    return {
        "batch": label, "created_at": created_at.isoformat(), "user": user, "format": fmt,
        "register": register, "files": list(files), "totals": basis.totals.as_json(),
        "invoices": [{"number": i.number, "owner": i.owner, "customer_id": i.customer_id,
                      "customer_name": i.customer_name, "net": f"{i.net:.2f}",
                      "vat": f"{i.vat:.2f}", "gross": f"{i.gross:.2f}",
                      "lines": [line.as_json() for line in i.lines]} for i in basis.invoices],
        "blocked": list(blocked), "reexported": list(reexported),
    }


def write_summary(data: dict[str, Any], path: Path) -> None:
    from openpyxl import Workbook
    from openpyxl.styles import Font

    wb = Workbook()
    ws = wb.active
    ws.title = "Kontrollsummer"
    bold = Font(bold=True)
    ws["A1"] = f"Fakturagrunnlag {data['batch']}"
    ws["A1"].font = Font(bold=True, size=14)
    facts = [("Bunt", data["batch"]), ("Tidspunkt", datetime.fromisoformat(data["created_at"])),
             ("Bruker", data["user"]), ("Format", data["format"]),
             ("Register", data["register"]),
             ("Arbeidsbøker", ", ".join(Path(f).name for f in data["files"]))]
    row = 3
    for label, value in facts:
        ws.cell(row, 1, label).font = bold
        cell = ws.cell(row, 2, protect(value))
        if isinstance(value, datetime):
            cell.number_format = "dd.mm.yyyy hh:mm"
        row += 1
    row += 1
    ws.cell(row, 1, "Kontrollsummer").font = bold
    totals = data["totals"]
    for label, key in (("Linjer", "lines"), ("Fakturaer", "invoices")):
        row += 1
        ws.cell(row, 1, label)
        ws.cell(row, 2, totals[key])
    for label, key in (("Netto", "net"), ("Mva", "vat"), ("Brutto", "gross")):
        row += 1
        ws.cell(row, 1, label)
        ws.cell(row, 2, float_free(totals[key])).number_format = "#,##0.00"
    row += 2
    headers = ("Fakturanr", "Eier", "Kunde-id", "Kunde", "Linjer", "Netto", "Mva", "Brutto")
    for k, header in enumerate(headers, start=1):
        ws.cell(row, k, header).font = bold
    for invoice in data["invoices"]:
        row += 1
        values = (invoice["number"], invoice["owner"], invoice["customer_id"],
                  invoice["customer_name"], len(invoice["lines"]),
                  float_free(invoice["net"]), float_free(invoice["vat"]),
                  float_free(invoice["gross"]))
        for k, value in enumerate(values, start=1):
            cell = ws.cell(row, k, protect(value))
            if k >= 6:
                cell.number_format = "#,##0.00"
            elif isinstance(value, str):
                cell.data_type = "s"
    if data["blocked"]:
        row += 2
        ws.cell(row, 1, "Holdt tilbake (ugyldig eller manglende kunde-id)").font = bold
        for item in data["blocked"]:
            row += 1
            ws.cell(row, 1, protect(item["where"])).data_type = "s"
            ws.cell(row, 2, protect(item["message"])).data_type = "s"
    for col, width in (("A", 22), ("B", 24), ("C", 14), ("D", 30), ("F", 16), ("G", 14),
                       ("H", 16)):
        ws.column_dimensions[col].width = width
    wb.save(path)


def float_free(text: str) -> Any:
    """Money text as an exact Decimal for openpyxl (it writes the decimal digits as they are)."""
    from decimal import Decimal

    return Decimal(text)


def write_archive(basis: Basis, *, label: str, fmt: str, root: Path, created_at: datetime,
                  user: str, files: Sequence[str], blocked: Sequence[dict[str, str]],
                  reexported: Sequence[str], register: str
                  ) -> tuple[Path, list[Path], str]:
    """Write the batch's folder (``root/FG-000001``) through a temporary folder, so a failure
    leaves nothing half-written. Returns (folder, files, the batch JSON text)."""
    root.mkdir(parents=True, exist_ok=True)
    folder = root / label
    n = 2
    while folder.exists():  # another register's batch of the same number: never overwrite it
        folder = root / f"{label}-{n}"
        n += 1
    tmp = root / f"~avregn-{folder.name}"
    if tmp.exists():
        shutil.rmtree(tmp)
    tmp.mkdir()
    try:
        data = basis_json(basis, label=label, fmt=fmt, created_at=created_at, user=user,
                          files=files, blocked=blocked, reexported=reexported,
                          register=register)
        names = [f"fakturagrunnlag-{label}.{EXTENSIONS[fmt]}", f"kontrollsummer-{label}.xlsx",
                 f"bunt-{label}.json"]
        write_basis(basis, tmp / names[0], fmt, label, int(label.removeprefix("FG-")),
                    created_at)
        write_summary(data, tmp / names[1])
        # No indent: the C encoder (a large basis is megabytes); one line per batch.
        text = json.dumps(data, ensure_ascii=False)
        (tmp / names[2]).write_text(text, encoding="utf-8")
        tmp.rename(folder)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return folder, [folder / name for name in names], text


def discard(folder: Path | None) -> None:
    """Remove a batch folder whose ledger transaction did not commit."""
    if folder is not None and folder.exists():
        shutil.rmtree(folder, ignore_errors=True)
