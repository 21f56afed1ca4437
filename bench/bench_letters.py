"""Benchmark of the settlement letters (not a test): 1 000 letters — one PDF per tenant plus
the whole settlement in one PDF — from a calculated workbook of 1 000 contract objects and 20
accounts (target < 20 s in all, issue 12).

    python bench/bench_letters.py [OBJECTS]

Prints letters per second. The time covers everything ``avregn brev`` does after the workbook
exists: read, validate, recalculate, check the fingerprint, format, render and write.
"""

from __future__ import annotations

import sys
import tempfile
import time
from dataclasses import replace
from datetime import date, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from synthetic import synthetic_settlement

from avregn.actions import beregn
from avregn.book import FileBook
from avregn.letters import write_letters
from avregn.workbook.new_book import write_new_workbook
from engine.contract import input_to_json
from engine.model import Address


def main() -> None:
    objects = int(sys.argv[1]) if len(sys.argv) > 1 else 1000
    settlement = synthetic_settlement(objects, 20)
    settlement = replace(
        settlement,
        settings=replace(settlement.settings,
                         owner_address=Address(("Postboks 1 Sentrum",), "0101", "OSLO")),
        contract_objects=tuple(
            replace(o, address=Address((f"Benkegata {k + 1}",), "0150", "OSLO"))
            for k, o in enumerate(settlement.contract_objects)),
    )
    data = input_to_json(settlement)
    with tempfile.TemporaryDirectory() as work:
        path = Path(work) / "stor.xlsx"
        write_new_workbook(data, path, backup=False)
        calculated = beregn(FileBook(path), now=datetime(2025, 1, 15, 9, 0))
        assert calculated.ok, calculated.lines()[:5]
        t0, c0 = time.perf_counter(), time.process_time()
        outcome = write_letters(FileBook(path), out_dir=Path(work) / "brev",
                                today=date(2025, 2, 1))
        elapsed, cpu = time.perf_counter() - t0, time.process_time() - c0
        assert outcome.ok, outcome.lines()[:5]
        letters = len(outcome.written) - 1
        size = sum(p.stat().st_size for p in outcome.written) / 1e6
    verdict = "OK" if elapsed < 20 else "OVER TARGET"
    print(f"{letters} avregningsbrev (+ hele avregningen i én PDF, {size:.1f} MB) på "
          f"{elapsed:.1f} s: {letters / elapsed:.0f} brev/s (mål: 1 000 på < 20 s) {verdict}; "
          f"CPU-tid {cpu:.1f} s (Typst bruker begge kjernene; en travel maskin gir lengre tid)")


if __name__ == "__main__":
    main()
