"""Benchmark of the engine (not a test): prints allocation cells per second.

    python bench/bench_engine.py

(a) one settlement of 500 objects × 200 accounts (target ≤ 50 ms, issue 11);
(b) a portfolio of 1 000 settlements × 40 objects × 60 accounts (target < 2 s).

``bench/bench_speed.py`` prints these and the whole-process figures in one run.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from synthetic import synthetic_settlement

from engine.calculation import calculate


def _run(label: str, settlements: list, target: float) -> None:
    cells = sum(len(s.contract_objects) * len(s.cost_lines) for s in settlements)
    best = float("inf")
    for _ in range(3):
        t0 = time.perf_counter()
        for s in settlements:
            calculate(s)
        best = min(best, time.perf_counter() - t0)
    verdict = "OK" if best < target else "OVER TARGET"
    print(f"{label}: {len(settlements)} settlement(s), {cells:,} cells, best of 3 "
          f"{best:.3f} s, {cells / best:,.0f} cells/s (target < {target} s: {verdict})")


def main() -> None:
    _run("(a) 500 objects x 200 accounts", [synthetic_settlement(500, 200)], 0.05)
    portfolio = [synthetic_settlement(40, 60, seed=k) for k in range(1000)]
    _run("(b) portfolio 1000 x 40 objects x 60 accounts", portfolio, 2.0)


if __name__ == "__main__":
    main()
