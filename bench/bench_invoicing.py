"""Benchmark: one invoice basis of 200 workbooks × 40 objects, ledger included, on SQLite.

Target (issue 13): under 10 s for ``export_invoice_basis`` — reading and checking every
workbook, building the invoices and control totals, the ledger transaction, the archive and
marking every workbook. Preparing the workbooks (write, calculate, Fakturaklar) is not timed;
they are kept in ``--cache`` between runs and copied fresh for each run.

    .venv/bin/python bench/bench_invoicing.py [--books 200] [--objects 40] [--format xlsx]
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import tempfile
import time
from datetime import datetime
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

NOW = datetime(2025, 2, 3, 9, 30)
CODES = {"transaction_type": "1200", "fee_transaction_type": "1300", "fee_account": "3620",
         "vat_code_liable": "3", "vat_code_free": "6"}


def orgnr(n: int) -> str:
    """A valid organisation number (mod 11) made from ``n``."""
    weights = (3, 2, 7, 6, 5, 4, 3, 2)
    while True:
        body = f"{91_000_000 + n:08d}"[-8:]
        rest = sum(int(d) * w for d, w in zip(body, weights, strict=True)) % 11
        check = 0 if rest == 0 else 11 - rest
        if check != 10:
            return body + str(check)
        n += 1_000_000


def settlement(book: int, objects: int) -> dict[str, Any]:
    cost_lines = [{"account": str(6000 + 10 * a), "name": f"Konto {a}",
                   "amount": f"{20000 + 1234.56 * a + book:.2f}"} for a in range(10)]
    contract_objects = []
    for k in range(objects):
        contract_objects.append({
            "id": f"{1000 + k}-1", "contract_no": str(1000 + k),
            "contract_name": f"Leietaker {k} AS", "customer_id": orgnr(k * 37 + 11),
            "name": f"Lokale {k}", "start": "2023-01-01", "numerator": str(10 + k % 17),
            "vat_liable": k % 7 != 0,
            "invoiced": [{"invoice_no": f"F{book}-{k}", "from": "2024-01-01",
                          "to": "2024-12-31", "amount": f"{500 + 13 * k}.00"}]})
    return {
        "settlement": {"property": f"Eiendom {book}", "property_object": f"Bygg {book}",
                       "owner": f"Eier {book % 5} AS", "group": "Felleskost",
                       "period_start": "2024-01-01", "interval_months": 12,
                       "denominator": str(20 * objects), "minimum_invoice_amount": "100.00",
                       "admin_fee": {"mode": "percent", "value": "5"},
                       "settlement_account_liable": "3610", "settlement_account_free": "3611"},
        "cost_lines": cost_lines, "contract_objects": contract_objects,
    }


def prepare(cache: Path, books: int, objects: int) -> list[Path]:
    from avregn.actions import beregn, change_status
    from avregn.book import FileBook
    from avregn.workbook.new_book import write_new_workbook
    from engine.statuses import Action

    folder = cache / f"{books}x{objects}"
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for b in range(books):
        path = folder / f"avregning-{b:03d}.xlsx"
        if not path.exists():
            tmp = folder / f"tmp-{b:03d}.xlsx"
            write_new_workbook(settlement(b, objects), tmp, backup=False)
            assert beregn(FileBook(tmp, backup=False), now=NOW).ok
            assert change_status(FileBook(tmp, backup=False), Action.INVOICE_READY, now=NOW).ok
            tmp.rename(path)
        paths.append(path)
    return paths


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--books", type=int, default=200)
    parser.add_argument("--objects", type=int, default=40)
    parser.add_argument("--format", default="xlsx", choices=("xlsx", "csv", "agresso", "visma"))
    parser.add_argument("--cache", type=Path,
                        default=Path(tempfile.gettempdir()) / "avregn-bench-invoicing")
    args = parser.parse_args()

    from avregn.book import FileBook
    from avregn.invoicing import WithInvoicing, export_invoice_basis

    t0 = time.perf_counter()
    pristine = prepare(args.cache, args.books, args.objects)
    print(f"prepared {len(pristine)} workbooks in {time.perf_counter() - t0:.1f} s "
          f"(not timed; cached in {args.cache})")
    with tempfile.TemporaryDirectory(prefix="avregn-bench-") as work:
        folder = Path(work)
        books = []
        for path in pristine:
            copy = folder / path.name
            shutil.copy(path, copy)
            books.append(WithInvoicing(FileBook(copy), CODES))
        register = f"sqlite:///{folder / 'register.sqlite'}"
        phases = _time_phases()
        t = time.perf_counter()
        outcome = export_invoice_basis(books, fmt=args.format, register=register,
                                       out_dir=folder / "arkiv", now=NOW)
        elapsed = time.perf_counter() - t
        if not outcome.ok:
            print("\n".join(outcome.lines()[:20]))
            raise SystemExit(1)
        print(outcome.message[:200])
        print(f"export of {args.books} workbooks × {args.objects} objects ({args.format}, "
              f"SQLite ledger, workbooks marked): {elapsed:.2f} s (target < 10 s)")
        print("  of which: " + ", ".join(f"{name} {seconds:.2f} s"
                                         for name, seconds in phases.items()))
        load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
        print(f"  machine load average {load:.1f} on {os.cpu_count()} cores")


def _time_phases() -> dict[str, float]:
    """Wrap the export's phases with timers (reading and checking the workbooks; the ledger
    transaction with the archive inside it; the archive alone; marking the workbooks)."""
    import functools

    import avregn.invoicing as invoicing
    from avregn.invoicing import archive
    from avregn.register.ledger import Register

    phases: dict[str, float] = {}

    def timed(owner: Any, attr: str, name: str) -> None:
        original = getattr(owner, attr)

        @functools.wraps(original)
        def run(*args: Any, **kwargs: Any) -> Any:
            start = time.perf_counter()
            try:
                return original(*args, **kwargs)
            finally:
                phases[name] = phases.get(name, 0.0) + time.perf_counter() - start

        setattr(owner, attr, run)

    timed(invoicing, "_select", "reading and checking the workbooks")
    timed(Register, "write_batch", "ledger transaction incl. archive")
    timed(archive, "write_archive", "archive files")
    timed(invoicing, "_mark_books", "marking the workbooks")
    return phases


if __name__ == "__main__":
    main()
