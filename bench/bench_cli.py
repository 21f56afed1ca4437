"""Start-up of the command line (issue 11 item 1): ``avregn --help`` and ``avregn calc`` as
whole processes, best of N, and what ``calc`` imports.

    .venv/bin/python bench/bench_cli.py [N]

Prints seconds; the target is ``avregn --help`` under 0.15 s on the project's 2-core machine.
"""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
HEAVY = ("openpyxl", "python_calamine", "xlwings", "rich", "typer", "babel", "pandas", "numpy",
         "pydantic", "avregn.workbook", "avregn.actions", "stdnum")


def best(argv: list[str], n: int) -> float:
    times = []
    for _ in range(n):
        start = time.perf_counter()
        subprocess.run(argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False)
        times.append(time.perf_counter() - start)
    return min(times)


def loaded_by(args: list[str]) -> list[str]:
    code = ("import sys\nfrom avregn.cli import main\n"
            f"main({args!r})\n"
            f"print(sorted({{m.split('.')[0] if not m.startswith('avregn') else "
            f"'.'.join(m.split('.')[:2]) for m in sys.modules if m.startswith({HEAVY!r})}}),"
            " file=sys.stderr)\n")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          check=False)
    return list(json.loads(done.stderr.strip().splitlines()[-1].replace("'", '"')))


def main() -> None:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 7
    python = sys.executable
    settlement = ROOT / "tests" / "data" / "golden_weighted_fraction.json"
    with tempfile.TemporaryDirectory():
        bare = best([python, "-c", "pass"], n)
        helped = best([python, "-m", "avregn", "--help"], n)
        calc_json = best([python, "-m", "avregn", "calc", str(settlement), "--json"], n)
        calc_table = best([python, "-m", "avregn", "calc", str(settlement)], n)
    print(f"python -c pass:              {bare:.3f} s")
    print(f"avregn --help:               {helped:.3f} s  (target < 0.150 s)")
    print(f"avregn calc small --json:    {calc_json:.3f} s")
    print(f"avregn calc small (table):   {calc_table:.3f} s")
    print(f"heavy modules after --help:  {loaded_by(['--help']) or 'none'}")
    print(f"heavy modules after calc:    "
          f"{loaded_by(['calc', str(settlement), '--json']) or 'none'}")


if __name__ == "__main__":
    main()
