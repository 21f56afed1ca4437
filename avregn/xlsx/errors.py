"""Errors of the package layer: each carries the reasons, in Norwegian, as ``Issue`` values.

The layer knows nothing of the engine's ``Problem``; an ``Issue`` has the same two fields
(where, message), so the settlement layers convert one into the other at their edge.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Issue:
    """Why a file cannot be read or written: ``where`` (file, part or Sheet!Cell), ``message``."""

    where: str
    message: str

    def __str__(self) -> str:
        return f"{self.where}: {self.message}" if self.where else self.message


class WorkbookError(Exception):
    """The workbook cannot be read or written; ``problems`` says why."""

    def __init__(self, problems: Issue | Iterable[Issue]):
        self.problems = [problems] if isinstance(problems, Issue) else list(problems)
        super().__init__("\n".join(str(p) for p in self.problems))

    @property
    def problem(self) -> Issue:
        return self.problems[0]


class WorkbookLocked(WorkbookError):
    """The workbook (or its backup) is open in Excel/LibreOffice, busy, or not writable."""


class WorkbookBusy(WorkbookLocked):
    """Another avregn command held the workbook's lock for longer than we wait."""


class WorkbookChanged(WorkbookError):
    """Another program saved the workbook after we read it; writing would lose its change."""


class TransplantError(WorkbookError):
    """The target or the scratch workbook has a shape we cannot safely write into."""
