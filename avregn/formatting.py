"""Numbers and dates the way a Norwegian accountant reads them: ``1 234,50``, ``31.12.2024``.

Display only. The formatting itself lives in ``engine.norwegian`` (its one home, exact and
without locale machinery); these names are what the application's modules import.
"""

from __future__ import annotations

from engine.norwegian import day, format_number, nok, number

__all__ = ["day", "format_number", "nok", "number"]
