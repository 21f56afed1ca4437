"""Benchmark of the workbook path (not a test): read + validate + calculate + write back a
workbook of 500, 1 000 and 10 000 contract objects × 200 accounts (issue 11: 10 000 under 10 s
and at most 12× the time of 1 000; 500 under 1 s).

    python bench/bench_workbook.py            # all three sizes
    python bench/bench_workbook.py 500 1000   # chosen sizes
    python bench/bench_workbook.py --profile 10000
"""

from __future__ import annotations

import cProfile
import pstats
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

ACCOUNTS = 200
TARGETS = {500: 1.0, 10_000: 10.0}


def _write(objects: int, folder: Path) -> tuple[Path, float]:
    """The synthetic workbook of ``objects`` × ``ACCOUNTS``, and the seconds it took to write."""
    path = folder / f"stor-{objects}.xlsx"
    t0 = time.perf_counter()
    write_new_workbook(input_to_json(synthetic_settlement(objects, ACCOUNTS)), path,
                       backup=False)
    return path, time.perf_counter() - t0


def _beregn(path: Path, profile: bool) -> float:
    profiler = cProfile.Profile() if profile else None
    t0 = time.perf_counter()
    if profiler:
        profiler.enable()
    outcome = beregn(FileBook(path, backup=False), now=datetime(2025, 1, 1))
    if profiler:
        profiler.disable()
        pstats.Stats(profiler).sort_stats("cumulative").print_stats(35)
    elapsed = time.perf_counter() - t0
    assert outcome.ok, outcome.lines()[:5]
    return elapsed


def main(argv: list[str]) -> None:
    """Every workbook is written first; then the sizes take turns, round after round, so that
    a machine that slows down for a while (shared hosts do) slows every size alike and the
    ratio stays fair. Each size's best round counts."""
    profile = "--profile" in argv
    sizes = [int(a) for a in argv if a.isdigit()] or [500, 1_000, 10_000]
    rounds = 1 if profile else 3
    with tempfile.TemporaryDirectory() as work:
        books = {objects: _write(objects, Path(work)) for objects in sizes}
        best = {objects: float("inf") for objects in sizes}
        for _ in range(rounds):
            for objects in sizes:
                best[objects] = min(best[objects], _beregn(books[objects][0], profile))
        for objects in sizes:
            path, setup = books[objects]
            t = best[objects]
            target = TARGETS.get(objects)
            verdict = "" if target is None else (
                f" (target < {target:g} s: {'OK' if t < target else 'OVER TARGET'})")
            print(f"workbook {objects} objects x {ACCOUNTS} accounts "
                  f"({path.stat().st_size / 1e6:.1f} MB, written in {setup:.1f} s): "
                  f"read + calculate + write back, best of {rounds} rounds {t:.2f} s{verdict}")
    if 1_000 in best and 10_000 in best:
        ratio = best[10_000] / best[1_000]
        print(f"10 000 / 1 000 objects: {ratio:.1f}x (target <= 12x: "
              f"{'OK' if ratio <= 12 else 'OVER TARGET'})")


if __name__ == "__main__":
    main(sys.argv[1:])
