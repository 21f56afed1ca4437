"""The book port: what an action needs from a workbook, whether a file or live Excel.

Actions see a small interface — read the input blocks, read one sheet's values, replace the
engine's own sheets, set a few input cells — and commit once. ``FileBook`` implements it over
an xlsx/xlsm file: it reads with calamine, writes only the engine's sheet parts and the edited
cells into the package (nothing the user made is lost), and saves atomically with a backup of
the previous version. The add-in implements the same port over xlwings.

A ``FileBook`` that may write holds the workbook's writers' lock (``avregn.xlsx.save``) from its
first read to its ``commit`` or ``close``, so a read → decide → write never interleaves with
another command's, and the save refuses if another program changed the file since the read.
Actions release it when they end, whatever the outcome; ``with FileBook(path) as book:`` keeps
it over several actions. ``FileBook(path, read_only=True)`` reads without the lock (letters,
reports): it sees the old or the new file whole, never a half-written one.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any, Protocol

from avregn.workbook.reader import WorkbookInput, read_workbook
from avregn.workbook.sheet_content import InputValue, SheetContent
from avregn.xlsx.save import EditSession, real_path, scratch_files

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

    def __init__(self, path: Path | str, *, backup: bool = True, read_only: bool = False):
        self.path = Path(path)
        self.backup = backup
        self.read_only = read_only
        self._sheets: list[SheetContent] = []
        self._edits: dict[str, dict[str, InputValue]] = {}
        self._input: WorkbookInput | None = None
        self._rows: dict[str, Rows | None] = {}
        # Sheets already read (by the workbook's casefolded sheet name): the input sheets come
        # with ``read_input``, so the banner's checksums do not read the file again.
        self._read: dict[str, Rows] = {}
        self._session: EditSession | None = None
        self._depth = 0

    @property
    def name(self) -> str:
        return self.path.name

    def _open(self, *, writing: bool = False) -> EditSession | None:
        """The writers' lock and the file's identity, taken at the first read (a file that is
        not there is only reported by the reader: no lock file for a mistyped name)."""
        if self.read_only or not (writing or self.path.exists()):
            return None
        if self._session is None:
            self._session = EditSession(self.path)
        return self._session

    def read_input(self) -> WorkbookInput:
        if self._input is None:
            self._open()
            loaded: dict[str, Rows] = {}
            self._input = read_workbook(self.path, sheets=loaded)
            self._read.update({name.casefold(): rows for name, rows in loaded.items()})
        return self._input

    def read_sheet(self, sheet_name: str) -> Rows | None:
        """Read once per sheet until the next commit."""
        if sheet_name not in self._rows:
            self._open()
            known = self._read.get(sheet_name.casefold())
            self._rows[sheet_name] = known if known is not None else self._read_sheet(sheet_name)
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
        self._writable()
        self._sheets = [c for c in self._sheets if c.name not in {n.name for n in contents}]
        self._sheets += list(contents)

    def set_values(self, edits: Edits) -> None:
        self._writable()
        for sheet_name, cells in edits.items():
            self._edits.setdefault(sheet_name, {}).update(cells)

    def _writable(self) -> None:
        if self.read_only:
            raise RuntimeError(f"{self.name} is opened read-only")

    def commit(self) -> None:
        """Write everything staged at once, then release the lock (also when it fails)."""
        try:
            if self._sheets or self._edits:
                session = self._open(writing=True)
                assert session is not None  # read-only books cannot stage anything
                session.save(self._writer(), backup=self.backup)
        finally:
            self.close()

    def replace_file(self, write: Callable[[Path], None]) -> None:
        """Replace the workbook with what ``write(tmp)`` makes, under this book's lock and
        identity check (a whole-package pass such as the layout upgrade), then release it."""
        self._writable()
        try:
            session = self._open(writing=True)
            assert session is not None
            session.save(write, backup=self.backup)
        finally:
            self.close()

    def _writer(self) -> Callable[[Path], None]:
        from avregn.workbook.render_xlsx import build_scratch
        from avregn.xlsx.cell_edit import set_cell_values
        from avregn.xlsx.transplant import transplant_sheets

        sheets, edits = list(self._sheets), dict(self._edits)
        source = real_path(self.path)

        def write(tmp: Path) -> None:
            # Scratch files beside the workbook: removed on every way out, and what a killed
            # run leaves is removed by the next session on this workbook.
            with scratch_files(source) as scratch:
                current = source
                if sheets:
                    built = scratch()
                    build_scratch(sheets, built)
                    out = tmp if not edits else scratch()
                    # The engine's own formulas (the stale-results banner) go in; any other
                    # formula in the scratch is still refused there.
                    transplant_sheets(current, built, [c.name for c in sheets], out,
                                      allow_formulas=any(c.has_formulas for c in sheets))
                    current = out
                if edits:
                    set_cell_values(current, tmp, edits)

        return write

    def close(self) -> None:
        """Drop what is staged and read, and release the lock."""
        self._sheets, self._edits, self._input, self._rows = [], {}, None, {}
        self._read = {}
        session, self._session = self._session, None
        if session is not None:
            session.close()

    def __enter__(self) -> FileBook:
        self._depth += 1
        return self

    def __exit__(self, *exc: object) -> None:
        self._depth -= 1
        if self._depth <= 0:
            self._depth = 0
            self.close()
