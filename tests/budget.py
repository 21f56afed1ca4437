"""How many examples a hypothesis property tries. The full run (the README's test command) tries
each property's full number; the fast subset for the edit-test loop (``pytest -m "not slow"``,
issue 9) tries a fifth of it, so the loop stays under 30 s while every property still runs.
``tests/conftest.py`` switches to the fast budget when the mark expression leaves out slow."""

from __future__ import annotations

FAST = False


def examples(full: int, fast: int | None = None) -> int:
    """``full`` in the full run; ``fast`` (default a fifth of ``full``, at least 10) in the
    fast subset."""
    if not FAST:
        return full
    return fast if fast is not None else max(10, full // 5)
