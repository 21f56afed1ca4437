"""Problems in user input are data, not exceptions.

A ``Problem`` says *where* (a JSON path such as ``contract_objects[3].numerator``, or a sheet and
cell such as ``Brøk!H7`` once the workbook layer has translated the path) and *what* is wrong,
in words an accountant understands, with what to do. Every check collects all of them in one
pass; the edge (CLI, UDF, ribbon) turns the list into text once. A warning has the same shape:
something the user should see that does not stop the work. The workbook reader translates
paths to cells (``WorkbookInput.relocate``).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Problem:
    where: str
    message: str

    def __str__(self) -> str:
        return f"{self.where}: {self.message}" if self.where else self.message

    def as_dict(self) -> dict[str, str]:
        return {"where": self.where, "message": self.message}


class ProblemsError(Exception):
    """Raised only by convenience wrappers; carries the full list (never just the first)."""

    def __init__(self, problems: Iterable[Problem]):
        self.problems = list(problems)
        super().__init__("\n".join(str(p) for p in self.problems))
