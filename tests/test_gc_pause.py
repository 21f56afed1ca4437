"""The cyclic garbage collector rests while an action or ``calc`` runs, and is switched back
on afterwards, whatever happened (``avregn.gc_pause``: workbooks scale linearly)."""

from __future__ import annotations

import gc
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from demo_books import demo_workbook

from avregn.actions import beregn
from avregn.book import FileBook
from avregn.gc_pause import collector_paused


@pytest.fixture
def collector_on() -> Iterator[None]:
    was = gc.isenabled()
    gc.enable()
    yield
    if not was:
        gc.disable()


def test_paused_inside_and_restored_after_an_error(collector_on: None) -> None:
    with pytest.raises(RuntimeError), collector_paused():
        assert not gc.isenabled()
        raise RuntimeError
    assert gc.isenabled()


def test_a_collector_switched_off_by_the_caller_stays_off(collector_on: None) -> None:
    gc.disable()
    with collector_paused():
        pass
    assert not gc.isenabled()


def test_beregn_reads_with_the_collector_paused(collector_on: None, tmp_path: Path,
                                                monkeypatch: pytest.MonkeyPatch) -> None:
    seen: list[bool] = []
    read_input = FileBook.read_input

    def spy(self: FileBook, *args: Any, **kwargs: Any) -> Any:
        seen.append(gc.isenabled())
        return read_input(self, *args, **kwargs)

    monkeypatch.setattr(FileBook, "read_input", spy)
    outcome = beregn(FileBook(demo_workbook(tmp_path / "demo.xlsx")),
                     now=datetime(2025, 2, 3, 10, 30))
    assert outcome.ok, outcome.lines()
    assert seen == [False]
    assert gc.isenabled()


def test_calc_runs_with_the_collector_paused(collector_on: None,
                                             monkeypatch: pytest.MonkeyPatch,
                                             capsys: pytest.CaptureFixture[str]) -> None:
    import engine.calculation
    from avregn.cli import main

    seen: list[bool] = []
    calculate = engine.calculation.try_calculate

    def spy(*args: Any, **kwargs: Any) -> Any:
        seen.append(gc.isenabled())
        return calculate(*args, **kwargs)

    monkeypatch.setattr(engine.calculation, "try_calculate", spy)
    demo = Path(__file__).parent / "data"
    files = sorted(demo.glob("*.json"))
    assert files
    main(["calc", str(files[0]), "--json"])
    capsys.readouterr()
    assert seen == [False]
    assert gc.isenabled()
