"""Many letters, few compilations: letters are laid out a hundred at a time and cut apart.

Compiling a letter on its own costs about twice what it costs inside a bigger document (the
template is evaluated and the fonts embedded every time), and the whole settlement's PDF would
lay every letter out once more. So the letters of a settlement are compiled in chunks; the
template marks where each letter ends (``<avregn-brev-slutt>``: a ``metadata`` with the page),
and each tenant's PDF is that page range, cut out with pypdf; the whole settlement's PDF is
put together from the same pages. Page numbers stay right because the template counts pages
per letter («Side 1 av 2»).

A user's template without the marker still works: its letters are then compiled one by one
(slower, same result).
"""

from __future__ import annotations

import io
import itertools
from collections.abc import Sequence
from typing import Any, NamedTuple

from avregn.typst_render import TypstRenderer

CHUNK = 100  # letters per compilation: progress every chunk, and bounded memory
END_LABEL = "avregn-brev-slutt"


class Piece(NamedTuple):
    """One letter's pages in one of the compiled PDFs (``start`` inclusive, 0-based)."""

    source: int
    start: int
    stop: int


class LetterPdfs:
    """The compiled PDFs of a run, and the pages of each letter in them."""

    def __init__(self, renderer: TypstRenderer, *, timestamp: Any = None):
        self.renderer = renderer
        self.timestamp = timestamp
        self.sources: list[bytes] = []
        self._readers: dict[int, Any] = {}
        self.split = True  # False once a template without end markers was met

    def render(self, letters: Sequence[dict[str, Any]]) -> list[Piece]:
        """Compile ``letters`` (a chunk) and return each one's pages."""
        pdf = self.renderer.pdf({"letters": list(letters)}, timestamp=self.timestamp)
        if len(letters) == 1:
            return [self._add(pdf)]
        ends = self.renderer.values(END_LABEL)
        source = len(self.sources)
        self.sources.append(pdf)
        pages = len(self._reader(source).pages)
        if _valid(ends, len(letters), pages):
            assert ends is not None
            starts = [0, *ends[:-1]]
            return [Piece(source, a, b) for a, b in zip(starts, ends, strict=True)]
        self.split = False
        self.sources.pop()
        self._readers.pop(source, None)
        return [self._add(self.renderer.pdf({"letters": [letter]}, timestamp=self.timestamp))
                for letter in letters]

    def _add(self, pdf: bytes) -> Piece:
        self.sources.append(pdf)
        source = len(self.sources) - 1
        return Piece(source, 0, len(self._reader(source).pages))

    def _reader(self, source: int) -> Any:
        from pypdf import PdfReader

        if source not in self._readers:
            self._readers[source] = PdfReader(io.BytesIO(self.sources[source]))
        return self._readers[source]

    def pdf(self, pieces: Sequence[Piece], *, title: str, author: str) -> bytes:
        """One PDF of ``pieces`` in order. A PDF that was compiled as exactly these pieces is
        returned as Typst wrote it."""
        if pieces and len({p.source for p in pieces}) == 1:
            source = pieces[0].source
            if (pieces[0].start == 0 and pieces[-1].stop == len(self._reader(source).pages)
                    and all(a.stop == b.start for a, b in itertools.pairwise(pieces))):
                return self.sources[source]
        from pypdf import PdfWriter

        writer = PdfWriter()
        for piece in pieces:
            reader = self._reader(piece.source)
            for k in range(piece.start, piece.stop):
                writer.add_page(reader.pages[k])
        writer.add_metadata({"/Title": title, "/Author": author, "/Creator": "avregn"})
        out = io.BytesIO()
        writer.write(out)
        return out.getvalue()


def _valid(ends: list[Any] | None, letters: int, pages: int) -> bool:
    """The end markers describe exactly ``letters`` letters over all ``pages`` pages."""
    if ends is None or len(ends) != letters:
        return False
    if not all(isinstance(e, int) and not isinstance(e, bool) for e in ends):
        return False
    return all(a < b for a, b in zip([0, *ends], ends, strict=False)) and ends[-1] == pages
