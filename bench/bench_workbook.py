"""Benchmark of the workbook path (not a test): read + validate + calculate + write back a
workbook of 500 contract objects and 200 accounts (target < 5 s, issue 3).

    python bench/bench_workbook.py
"""

from __future__ import annotations

import sys
import tempfile
import time
from datetime import datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from synthetic import synthetic_settlement

from avregn.actions import beregn
from avregn.book import FileBook
from avregn.workbook.new_book import write_new_workbook
from engine.contract import input_to_json


def main() -> None:
    settlement = synthetic_settlement(500, 200)
    with tempfile.TemporaryDirectory() as work:
        path = Path(work) / "stor.xlsx"
        t0 = time.perf_counter()
        write_new_workbook(input_to_json(settlement), path, backup=False)
        setup = time.perf_counter() - t0
        times = []
        for _ in range(3):
            t0 = time.perf_counter()
            outcome = beregn(FileBook(path), now=datetime(2025, 1, 1))
            times.append(time.perf_counter() - t0)
            assert outcome.ok, outcome.lines()[:5]
        size = path.stat().st_size / 1e6
    best = min(times)
    verdict = "OK" if best < 5 else "OVER TARGET"
    print(f"workbook 500 objects x 200 accounts ({size:.1f} MB, written in {setup:.1f} s): "
          f"read + calculate + write back, best of 3 {best:.2f} s (target < 5 s: {verdict})")


if __name__ == "__main__":
    main()
