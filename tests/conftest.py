"""Shared fixtures of the engine tests: run a settlement dict through the JSON contract and the
engine, and cross-check it against the naive reference (``tests/reference.py``)."""

from __future__ import annotations

import sys

# Write the compiled test and project modules to __pycache__ even where PYTHONDONTWRITEBYTECODE
# is set (as on our machines): recompiling and assertion-rewriting ~200 modules on every run
# cost 3 s of collection. The caches are ignored by git and only ever read back when current.
sys.dont_write_bytecode = False

from collections.abc import Callable
from pathlib import Path
from typing import Any

import budget
import pytest
from hypothesis import settings
from reference import exact, project, reference

from engine.calculation import try_calculate
from engine.contract import load_json, parse_settlement, result_to_json
from engine.problems import Problem

DATA_DIR = Path(__file__).parent / "data"


# The fast subset's profile for properties that do not name their number of examples (their
# full run keeps hypothesis' default of 100).
settings.register_profile("fast", max_examples=20)


def pytest_configure(config: pytest.Config) -> None:
    """``-m "not slow"`` is the edit-test loop: properties try fewer examples there
    (``tests/budget.py``); the full run keeps every property's full number."""
    if "not slow" in (config.getoption("markexpr", "") or ""):
        budget.FAST = True
        settings.load_profile("fast")


def _run(data: dict[str, Any]) -> tuple[dict[str, Any] | None, list[Problem]]:
    settlement, problems = parse_settlement(exact(data))
    if settlement is None:
        return None, problems
    result, problems = try_calculate(settlement)
    if result is None:
        return None, problems
    return result_to_json(result), []


@pytest.fixture(autouse=True)
def _no_user_ledger(tmp_path_factory: pytest.TempPathFactory,
                    monkeypatch: pytest.MonkeyPatch) -> None:
    """No test reads or writes the user's own export ledger: the default register of every
    test is a file of the test run's (created only by a test that exports without naming
    one)."""
    path = tmp_path_factory.getbasetemp() / "avregn-register.sqlite"
    monkeypatch.setenv("AVREGN_DB", f"sqlite:///{path}")


@pytest.fixture
def calc() -> Callable[..., dict[str, Any]]:
    """``calc(data)`` → the engine's result JSON; fails the test on input problems and, unless
    ``check_reference=False``, when the engine and the reference disagree on any compared
    field."""

    def run(data: dict[str, Any], *, check_reference: bool = True) -> dict[str, Any]:
        result, problems = _run(data)
        assert result is not None, [str(p) for p in problems]
        if check_reference:
            assert project(result) == reference(exact(data))
        return result

    return run


@pytest.fixture
def input_problems() -> Callable[[dict[str, Any]], list[Problem]]:
    """``input_problems(data)`` → every problem the contract and the engine report (must be
    at least one)."""

    def run(data: dict[str, Any]) -> list[Problem]:
        result, problems = _run(data)
        assert result is None, "expected input problems, got a result"
        assert problems
        return problems

    return run


@pytest.fixture
def build() -> Callable[..., dict[str, Any]]:
    """``build(objects, lines, adjustments=(), **settings)`` → a settlement file's dict.

    Settings default to a calendar year 2024 (D = 366) with denominator 1000; ``objects`` and
    ``lines`` are lists of dicts (``obj(...)``-style fields); unknown keys pass through."""

    def make(
        objects: list[dict[str, Any]],
        lines: list[dict[str, Any]],
        adjustments: list[dict[str, Any]] | tuple[()] = (),
        **settings: Any,
    ) -> dict[str, Any]:
        base = {
            "property": "Prøvegata 4",
            "property_object": "Prøvegt 4",
            "owner": "PHUS AS",
            "period_start": "2024-01-01",
            "interval_months": 12,
            "denominator": 1000,
        }
        base.update(settings)
        return {
            "settlement": base,
            "cost_lines": list(lines),
            "contract_objects": list(objects),
            "adjustments": list(adjustments),
        }

    return make


@pytest.fixture
def load_case() -> Callable[[str], dict[str, Any]]:
    """``load_case("golden_factor")`` → ``tests/data/golden_factor.json`` read as the CLI
    reads it (exact Decimals)."""

    def load(name: str) -> dict[str, Any]:
        data: dict[str, Any] = load_json((DATA_DIR / f"{name}.json").read_text("utf-8"))
        return data

    return load
