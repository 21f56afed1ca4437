"""Two real processes export the same objects at the same moment: exactly one succeeds, the
other gets a clear refusal — on SQLite and on PostgreSQL (``AVREGN_TEST_PG``, a throwaway
cluster that ``.ci/run`` starts; the PostgreSQL tests skip, saying why, where there is none).

Each process holds its ledger transaction open for a second while it writes its archive, so
the two really overlap in the database."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from invoicing_helpers import NOW, book, ready_book

from avregn.invoicing import export_invoice_basis
from avregn.register import open_register

pytestmark = pytest.mark.slow

WORKER = """
import json, sys, time
from pathlib import Path
sys.path.insert(0, {tests!r})
from invoicing_helpers import NOW, book
from avregn.invoicing import archive, export_invoice_basis

real = archive.write_archive
def slow(*args, **kwargs):
    time.sleep(1.0)  # inside the ledger transaction: the other process must wait or fail
    return real(*args, **kwargs)
archive.write_archive = slow
workbook, register, out, start = sys.argv[1], sys.argv[2], sys.argv[3], float(sys.argv[4])
while time.time() < start:
    time.sleep(0.005)
outcome = export_invoice_basis([book(Path(workbook))], register=register, out_dir=Path(out),
                               now=NOW)
print(json.dumps({{"ok": outcome.ok, "lines": outcome.lines()}}, ensure_ascii=False))
"""


def race(tmp_path: Path, register: str) -> list[dict[str, object]]:
    a = ready_book(tmp_path / "a.xlsx")
    b = tmp_path / "b.xlsx"
    shutil.copy(a, b)  # a copy: the same settlement, another file
    assert open_register(register) is not None  # migrated before the race
    script = WORKER.format(tests=str(Path(__file__).parent))
    start = time.time() + 4.0  # both have imported everything by then
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)}
    procs = [subprocess.Popen([sys.executable, "-c", script, str(wb), register,
                               str(tmp_path / f"arkiv-{wb.stem}"), str(start)],
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
             for wb in (a, b)]
    results = []
    for proc in procs:
        out, err = proc.communicate(timeout=120)
        assert proc.returncode == 0, err
        results.append(json.loads(out.strip().splitlines()[-1]))
    return results


def check_one_wins(results: list[dict[str, object]], register: str) -> None:
    assert sorted(r["ok"] for r in results) == [False, True], results
    loser = next(r for r in results if not r["ok"])
    text = " ".join(loser["lines"])  # type: ignore[arg-type]
    assert "avvist av registeret" in text or "allerede eksportert" in text, text
    ledger = open_register(register)
    assert ledger is not None
    batches = ledger.batches()
    assert len(batches) == 1 and batches[0]["objects"] > 0


def test_two_processes_race_on_sqlite(tmp_path: Path) -> None:
    register = f"sqlite:///{tmp_path / 'register.sqlite'}"
    check_one_wins(race(tmp_path, register), register)


@pytest.fixture
def postgres() -> Iterator[str]:
    """A fresh database in the PostgreSQL cluster of ``AVREGN_TEST_PG``."""
    url = os.environ.get("AVREGN_TEST_PG")
    if not url:
        pytest.skip("PostgreSQL: AVREGN_TEST_PG er ikke satt (.ci/run starter en klynge); "
                    "PostgreSQL-testene er ikke kjørt")
    import psycopg

    try:
        admin = psycopg.connect(url, autocommit=True, connect_timeout=5)
    except psycopg.Error as error:
        pytest.skip(f"PostgreSQL på AVREGN_TEST_PG svarer ikke ({error}); testene er ikke "
                    "kjørt")
    name = f"avregn_test_{uuid.uuid4().hex[:12]}"
    with admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    base, _, _ = url.rpartition("/")
    query = ""
    if "?" in url:
        _, _, query = url.partition("?")
        base = url.split("?", 1)[0].rpartition("/")[0]
    yield f"{base}/{name}" + (f"?{query}" if query else "")
    from avregn.register.ledger import forget_engine

    forget_engine(f"{base}/{name}" + (f"?{query}" if query else ""))
    with psycopg.connect(url, autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def test_export_twice_on_postgresql(tmp_path: Path, postgres: str) -> None:
    wb = ready_book(tmp_path / "a.xlsx")
    first = export_invoice_basis([book(wb)], register=postgres, out_dir=tmp_path / "arkiv",
                                 now=NOW)
    assert first.ok, first.lines()
    second = export_invoice_basis([book(wb)], register=postgres, out_dir=tmp_path / "arkiv",
                                  now=NOW)
    assert not second.ok and "allerede eksportert" in " ".join(second.lines())
    again = export_invoice_basis([book(wb)], register=postgres, out_dir=tmp_path / "arkiv",
                                 now=NOW, reexport=True)
    assert again.ok, again.lines()


def test_two_processes_race_on_postgresql(tmp_path: Path, postgres: str) -> None:
    check_one_wins(race(tmp_path, postgres), postgres)
