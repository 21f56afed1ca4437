"""PDFs from Typst templates: one compiler per template, reused for every document.

Typst is a single wheel without system dependencies (accountants' machines have no
LibreOffice), embeds its own fonts (Libertinus Serif, New Computer Modern, DejaVu Sans Mono),
and lays out a letter in about 10 ms. The template gets its data as one JSON text in
``sys.inputs.data`` and lays it out; it computes nothing.

A template is a user's file too (``--mal``): its folder is the compiler's root (so a logo beside
it loads), fonts lying beside it are found, and a mistake in it comes back as a problem naming
the file and the line, never as a traceback.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from engine.problems import Problem

FONT_SUFFIXES = {".ttf", ".otf", ".ttc", ".otc"}


class TemplateError(Exception):
    """A template that could not be compiled; ``problem`` says where and why, in words."""

    def __init__(self, problem: Problem):
        super().__init__(str(problem))
        self.problem = problem


class TypstRenderer:
    """Compiles one template with different data, reusing the compiler (and its fonts)."""

    def __init__(self, template: Path):
        import typst

        self.template = Path(template)
        if not self.template.is_file():
            raise TemplateError(Problem(str(self.template), "Malen finnes ikke."))
        folder = self.template.resolve().parent
        fonts = [str(folder)] if _has_fonts(folder) else []
        self._typst = typst
        try:
            self._compiler = typst.Compiler(str(self.template.resolve()), root=str(folder),
                                            font_paths=fonts)
        except (typst.TypstError, OSError, ValueError) as exc:
            raise TemplateError(Problem(str(self.template), _error_text(exc))) from exc
        self.warnings: list[str] = []

    def pdf(self, data: dict[str, Any], *, timestamp: datetime | None = None) -> bytes:
        """The PDF of ``data`` (the template's ``sys.inputs.data``). ``timestamp``: the PDF's
        creation date (fixed, so the same data gives the same file)."""
        stamp = (timestamp or datetime(2000, 1, 1)).replace(tzinfo=UTC)
        try:
            out, warnings = self._compiler.compile_with_warnings(
                format="pdf", sys_inputs={"data": json.dumps(data, ensure_ascii=False)},
                pdf_tags=False,
                timestamp=stamp)
        except self._typst.TypstError as exc:
            raise TemplateError(Problem(str(self.template), _error_text(exc))) from exc
        for warning in warnings:
            text = _error_text(warning)
            if text not in self.warnings:
                self.warnings.append(text)
        assert isinstance(out, bytes)
        return out

    def values(self, label: str) -> list[Any] | None:
        """The values of the ``metadata`` elements labelled ``label`` in the document last
        compiled (Typst reuses that layout, so this costs next to nothing); None when the
        template has none or the query fails."""
        try:
            found = json.loads(self._compiler.query(f"<{label}>", field="value"))
        except (self._typst.TypstError, ValueError):
            return None
        return found if isinstance(found, list) and found else None


def _has_fonts(folder: Path) -> bool:
    try:
        return any(p.suffix.lower() in FONT_SUFFIXES for p in folder.iterdir())
    except OSError:
        return False


def _error_text(exc: Any) -> str:
    """Typst's message, where it happened and its hints, on one line."""
    message = str(getattr(exc, "message", "") or exc).strip()
    diagnostic = str(getattr(exc, "diagnostic", "") or "")
    where = ""
    for line in diagnostic.splitlines():
        line = line.strip()
        if line.startswith("┌─") or line.startswith("--> "):
            where = line.lstrip("┌─->").strip()
            break
    hints = [str(h) for h in getattr(exc, "hints", None) or ()]
    text = f"Typst: {message}"
    if where:
        text += f" ({where})"
    if hints:
        text += " Tips: " + "; ".join(hints)
    return text
