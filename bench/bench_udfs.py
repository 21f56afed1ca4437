"""Benchmark of the worksheet functions (not a test): prints what one recalculation costs in
Python for a settlement of 500 contract objects × 200 accounts (issue 14).

    python bench/bench_udfs.py

(a) ``AVREGN_MODELL`` on a new input: read + validate + calculate + index (target < 0.5 s);
    and on an input it has seen (the cache key over the 21 762 cells only);
(b) one per-cell call with the model cached, through xlwings' own Windows argument and return
    conversion (``addin/xlwings_windows.py``), scalars converted as ``call_udf`` does
    (target < 50 µs). The COM transfer of Excel's side is not in these figures.
"""

from __future__ import annotations

import random
import sys
import tempfile
import time
from datetime import date, datetime
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from synthetic import synthetic_settlement  # noqa: E402

from addin.xlwings_windows import windows_xlwings  # noqa: E402
from avregn.workbook import layout  # noqa: E402
from avregn.workbook.new_book import write_new_workbook  # noqa: E402
from engine.contract import input_to_json  # noqa: E402


def _excel_like(value: Any) -> Any:
    """A calamine value as COM hands it over: numbers as doubles, dates as date-times."""
    if value == "":
        return None
    if isinstance(value, int) and not isinstance(value, bool):
        return float(value)
    if isinstance(value, date) and not isinstance(value, datetime):
        return datetime(value.year, value.month, value.day)
    return value


def excel_blocks(path: Path) -> tuple[Any, ...]:
    """The named blocks as Excel hands them to ``AVREGN_MODELL`` (``Tabell[#All]``)."""
    from python_calamine import CalamineWorkbook

    book = CalamineWorkbook.from_path(str(path))
    sheets = {n: [[_excel_like(v) for v in row] for row in
                  book.get_sheet_by_name(n).to_python(skip_empty_area=False)]
              for n in book.sheet_names}
    form = layout.SETTINGS
    out: list[Any] = [tuple(tuple(row[form.label_col - 1: form.value_col]) for row in
                            sheets[layout.AVREGNING.name][form.first_row - 1: form.last_row])]
    for sheet in (layout.BROK, layout.TIL_FORDELING, layout.KONTRAKTSOBJEKT_KONTI,
                  layout.A_KONTO):
        table = sheet.block
        assert isinstance(table, layout.Table)
        width = table.last_col - table.first_col + 1
        rows = [row[table.first_col - 1: table.last_col] for row in
                sheets[sheet.name][table.header_row - 1:]]
        out.append(tuple(tuple(row + [None] * (width - len(row))) for row in rows))
    return tuple(out)


def main() -> None:
    settlement = synthetic_settlement(500, 200)
    with tempfile.TemporaryDirectory() as work:
        path = Path(work) / "stor.xlsx"
        write_new_workbook(input_to_json(settlement), path, backup=False)
        blocks = excel_blocks(path)
    cells = sum(len(row) for block in blocks for row in block)
    with windows_xlwings() as xl:
        udfs = xl.udfs
        builds = []
        for _ in range(3):
            udfs.clear_cache()
            t0 = time.perf_counter()
            handle = xl.call(udfs.AVREGN_MODELL, *blocks)[0][0]
            builds.append(time.perf_counter() - t0)
        assert handle.startswith("Modell "), handle
        t0 = time.perf_counter()
        for _ in range(5):
            assert xl.call(udfs.AVREGN_MODELL, *blocks)[0][0] == handle
        hit = (time.perf_counter() - t0) / 5
        best = min(builds)
        verdict = "OK" if best < 0.5 else "OVER TARGET"
        print(f"(a) AVREGN_MODELL, 500 objects x 200 accounts ({cells:,} cells): new input "
              f"best of 3 {best:.3f} s (target < 0.5 s: {verdict}); seen input {hit * 1e3:.1f} ms")

        rng = random.Random(1)
        ids = [o.id for o in settlement.contract_objects]
        accounts = [float(line.account) for line in settlement.cost_lines]
        calls = [(rng.choice(ids), rng.choice(accounts)) for _ in range(20_000)]
        for label, run in (
            ("AVREGN_ANDEL(modell; objekt; konto)",
             lambda o, a: xl.call(udfs.AVREGN_ANDEL, handle, o, a)),
            ("AVREGN_REST(modell; objekt)", lambda o, a: xl.call(udfs.AVREGN_REST, handle, o)),
            ("AVREGN_KR_PR_ENHET(modell; konto)",
             lambda o, a: xl.call(udfs.AVREGN_KR_PR_ENHET, handle, a)),
            ("AVREGN_ANDEL without conversion",
             lambda o, a: udfs.AVREGN_ANDEL(handle, o, a)),
        ):
            t0 = time.perf_counter()
            for o, a in calls:
                run(o, a)
            per = (time.perf_counter() - t0) / len(calls) * 1e6
            verdict = "OK" if per < 50 else "OVER TARGET"
            print(f"(b) {label}: {per:.1f} µs per call (target < 50 µs: {verdict})")


if __name__ == "__main__":
    main()
