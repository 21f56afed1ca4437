"""The book port: what an action needs from a workbook, whether a file or live Excel.

Actions see a small interface — read the input blocks, read one sheet's values, replace the
engine's own sheets, set a few input cells — and commit once. ``FileBook`` implements it over
an xlsx/xlsm file: it reads with calamine, writes only the engine's sheet parts and the edited
cells into the package (nothing the user made is lost), and saves atomically with a backup of
the previous version. The add-in implements the same port over xlwings.
"""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any, Protocol

from avregn.workbook.reader import WorkbookInput, read_workbook
from avregn.workbook.sheet_content import InputValue, SheetContent

Rows = Sequence[Sequence[Any]]
Edits = Mapping[str, Mapping[str, InputValue]]


class BookPort(Protocol):
    @property
    def name(self) -> str: ...

    @property
    def path(self) -> Path | None:
        """Where the workbook is saved (None: not saved yet, or not a local file)."""
        ...

    def read_input(self) -> WorkbookInput: ...

    def read_sheet(self, sheet_name: str) -> Rows | None:
        """A sheet's values from A1 (None when the sheet does not exist)."""
        ...

    def write_sheets(self, contents: Sequence[SheetContent]) -> None:
        """Stage the engine's sheets (replaced whole)."""
        ...

    def set_values(self, edits: Edits) -> None:
        """Stage input cell values ("Brøk" → {"O7": "X"}), edited in place."""
        ...

    def commit(self) -> None:
        """Write everything staged, at once."""
        ...


class FileBook:
    """A settlement workbook on disk."""

    def __init__(self, path: Path | str, *, backup: bool = True):
        self.path = Path(path)
        self.backup = backup
        self._sheets: list[SheetContent] = []
        self._edits: dict[str, dict[str, InputValue]] = {}
        self._input: WorkbookInput | None = None
        self._rows: dict[str, Rows | None] = {}

    @property
    def name(self) -> str:
        return self.path.name

    def read_input(self) -> WorkbookInput:
        if self._input is None:
            self._input = read_workbook(self.path)
        return self._input

    def read_sheet(self, sheet_name: str) -> Rows | None:
        """Read once per sheet until the next commit."""
        if sheet_name not in self._rows:
            self._rows[sheet_name] = self._read_sheet(sheet_name)
        return self._rows[sheet_name]

    def _read_sheet(self, sheet_name: str) -> Rows | None:
        from python_calamine import CalamineWorkbook

        workbook = CalamineWorkbook.from_path(str(self.path))
        try:
            names = {n.casefold(): n for n in workbook.sheet_names}
            found = names.get(sheet_name.casefold())
            if found is None:
                return None
            rows: Rows = workbook.get_sheet_by_name(found).to_python(skip_empty_area=False)
            return rows
        finally:
            close = getattr(workbook, "close", None)
            if close:
                close()

    def write_sheets(self, contents: Sequence[SheetContent]) -> None:
        self._sheets = [c for c in self._sheets if c.name not in {n.name for n in contents}]
        self._sheets += list(contents)

    def set_values(self, edits: Edits) -> None:
        for sheet_name, cells in edits.items():
            self._edits.setdefault(sheet_name, {}).update(cells)

    def commit(self) -> None:
        if not self._sheets and not self._edits:
            return
        from avregn.workbook.cell_edit import set_cell_values
        from avregn.workbook.package import save_atomic, transplant_sheets
        from avregn.workbook.render_xlsx import build_scratch

        sheets, edits = list(self._sheets), dict(self._edits)

        def write(tmp: Path) -> None:
            with tempfile.TemporaryDirectory(prefix="avregn-") as work:
                current = self.path
                if sheets:
                    scratch = Path(work) / "scratch.xlsx"
                    build_scratch(sheets, scratch)
                    transplanted = Path(work) / f"transplanted{self.path.suffix}"
                    # The engine's own formulas (the stale-results banner) go in; any other
                    # formula in the scratch is still refused there.
                    transplant_sheets(current, scratch, [c.name for c in sheets], transplanted,
                                      allow_formulas=any(c.has_formulas for c in sheets))
                    current = transplanted
                if edits:
                    edited = Path(work) / f"edited{self.path.suffix}"
                    set_cell_values(current, edited, edits)
                    current = edited
                shutil.copyfile(current, tmp)

        save_atomic(write, self.path, backup=self.backup)
        self._sheets, self._edits, self._input, self._rows = [], {}, None, {}
