"""The spreadsheet ``avregn calc`` replaces: the same synthetic settlement as a hand-built formula
sheet, and LibreOffice recalculating it (the comparison of issue 11).

The sheet is what an accountant builds by hand: the tenants down, the accounts across, the
amount and the denominator of each account on top, and one formula per tenant × account,
``=ROUND(amount*weighted_numerator*factor/denominator,2)``; a weighted numerator per tenant
(``=numerator*days/D``), a denominator per account (the settlement's, or the sum of the weighted
numerators when the account is fully distributed), and a sum per tenant and per account.

LibreOffice recalculates an xlsx on load only when its profile says so (tooling-facts.md:
``OOXMLRecalcMode`` = 0 in the profile's registrymodifications.xcu); converting to CSV then
writes the recalculated figures. The time measured is the whole ``soffice`` process, start
included, as a user opening the sheet would wait for it.
"""

from __future__ import annotations

import shutil
import subprocess
import time
from pathlib import Path

from openpyxl import Workbook
from openpyxl.utils import get_column_letter

from engine.model import SettlementInput
from engine.periods import overlap_days, period_end

_RECALC_ON_LOAD = """<?xml version="1.0" encoding="UTF-8"?>
<oor:items xmlns:oor="http://openoffice.org/2001/registry"
 xmlns:xs="http://www.w3.org/2001/XMLSchema"
 xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">
<item oor:path="/org.openoffice.Office.Calc/Formula/Load">
 <prop oor:name="OOXMLRecalcMode" oor:op="fuse"><value>0</value></prop></item>
<item oor:path="/org.openoffice.Office.Calc/Formula/Load">
 <prop oor:name="ODFRecalcMode" oor:op="fuse"><value>0</value></prop></item>
</oor:items>
"""

FIRST_ROW = 6  # tenants start here; rows 1–5 hold headers, amounts, denominators, totals


def write_hand_sheet(settlement: SettlementInput, path: Path) -> int:
    """Write the formula sheet of ``settlement`` to ``path``; returns the number of formulas."""
    s = settlement.settings
    start = s.period_start
    end = period_end(start, s.interval_months)
    period_days = (end - start).days + 1
    factors = {(a.object_id, a.account): (a.factor if a.participates else 0)
               for a in settlement.adjustments}
    objects = settlement.contract_objects
    lines = settlement.cost_lines
    last_row = FIRST_ROW + len(objects) - 1
    first_col = 5  # E
    last_col = first_col + len(lines) - 1
    sum_col = get_column_letter(last_col + 1)

    book = Workbook()
    sheet = book.active
    sheet.title = "Fordeling"
    sheet["A1"], sheet["B1"], sheet["C1"], sheet["D1"] = "Id", "Teller", "Dager", "Vektet"
    sheet["A2"], sheet["B2"] = "Nevner", float(s.denominator)
    sheet["A3"], sheet["A4"], sheet["A5"] = "Beløp", "Nevner konto", "Sum konto"
    sheet["C2"] = period_days
    formulas = 0
    for k, line in enumerate(lines):
        col = get_column_letter(first_col + k)
        sheet[f"{col}1"] = line.account
        sheet[f"{col}3"] = float(line.amount or 0) * float(line.share_pct) / 100
        sheet[f"{col}4"] = (f"=SUM($D${FIRST_ROW}:$D${last_row})" if line.full_distribution
                            else "=$B$2")
        sheet[f"{col}5"] = f"=SUM({col}{FIRST_ROW}:{col}{last_row})"
        formulas += 2
    for r, obj in enumerate(objects):
        row = FIRST_ROW + r
        days = overlap_days(obj.start, obj.end, start, end)
        sheet.cell(row, 1, obj.id)
        sheet.cell(row, 2, float(obj.effective_numerator))
        sheet.cell(row, 3, days)
        sheet.cell(row, 4, f"=B{row}*C{row}/$C$2")
        for k, line in enumerate(lines):
            col = get_column_letter(first_col + k)
            factor = factors.get((obj.id, line.account))
            weight = f"$D{row}" if factor is None else f"$D{row}*{factor}"
            sheet.cell(row, first_col + k, f"=ROUND({col}$3*{weight}/{col}$4,2)")
        sheet.cell(row, last_col + 1,
                   f"=SUM({get_column_letter(first_col)}{row}:"
                   f"{get_column_letter(last_col)}{row})")
        formulas += len(lines) + 2
    sheet[f"{sum_col}1"] = "Sum"
    book.save(path)
    return formulas


def libreoffice_profile(directory: Path) -> Path:
    """A LibreOffice user profile that recalculates every xlsx on load."""
    user = directory / "user"
    user.mkdir(parents=True, exist_ok=True)
    (user / "registrymodifications.xcu").write_text(_RECALC_ON_LOAD, encoding="utf-8")
    return directory


def time_libreoffice(sheet: Path, profile: Path, outdir: Path) -> float:
    """Seconds for one whole ``soffice`` run that loads, recalculates and writes ``sheet`` as
    CSV; raises when no CSV appears (LibreOffice exits 0 even when it fails)."""
    soffice = shutil.which("soffice")
    if soffice is None:
        raise FileNotFoundError("soffice")
    target = outdir / f"{sheet.stem}.csv"
    target.unlink(missing_ok=True)
    t0 = time.perf_counter()
    subprocess.run([soffice, f"-env:UserInstallation={profile.as_uri()}", "--headless",
                    "--convert-to", "csv:Text - txt - csv (StarCalc):44,34,76",
                    "--outdir", str(outdir), str(sheet)],
                   capture_output=True, check=True, timeout=600)
    elapsed = time.perf_counter() - t0
    if not target.exists():
        raise RuntimeError(f"LibreOffice wrote no {target.name}")
    return elapsed
