"""``write_letters``: from a workbook to PDFs on disk, with every refusal as data.

Rules chosen (the issue leaves them open):

* A tenant without an invoice address (no address line) gets no letter; the refusal names the
  cell to fill, and the other letters are written (the outcome is then not ok, so the command
  exits 1 and says which letters are missing). An address without postcode and city gets its
  letter and a warning (a foreign address may carry them in its lines).
* A missing owner address is a warning: the letters go out with the owner's name alone.
* Objects marked «skal ikke faktureres» get their own letter, but are left out of the whole
  settlement's PDF unless ``include_not_invoiced``; the outcome lists them.
* Objects that take no part in the settlement (no lease days and nothing paid) get no letter.
* Nothing is replaced without ``overwrite``: when any of the files exists, none is written.
"""

from __future__ import annotations

import shutil
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import date, datetime
from pathlib import Path
from typing import Any

from avregn.actions import Outcome
from avregn.book import BookPort
from avregn.letters.addresses import (
    address_problem,
    owner_address_warning,
    postcode_warning,
)
from avregn.letters.content import Letters, tenant_name
from avregn.letters.render import CHUNK, LetterPdfs, Piece
from avregn.outputs import (
    Calculated,
    load_calculated,
    output_folder,
    refuse_existing,
    safe_name,
    unique_names,
    write_atomic,
    write_problem,
)
from avregn.typst_render import TemplateError, TypstRenderer
from engine.problems import Problem

TEMPLATES = Path(__file__).parent / "templates"
DEFAULT_TEMPLATE = TEMPLATES / "avregningsbrev.typ"
FOLDER_SUFFIX = "brev"

LetterProgress = Callable[[int, int], None]
"""Told ``(letters done, letters in all)`` as the letters are rendered."""


def copy_template(dest: Path, *, overwrite: bool = False) -> Outcome:
    """A copy of the default template to restyle (``avregn brev --kopier-mal``)."""
    dest = Path(dest)
    if dest.exists() and not overwrite:
        return Outcome(False, f"{dest} finnes allerede; velg et annet navn, eller bruk "
                              "--overskriv.")
    try:
        dest.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(DEFAULT_TEMPLATE, dest)
    except OSError as exc:
        return Outcome(False, "Malen er ikke kopiert.", (write_problem(dest, exc),))
    return Outcome(True, f"Malen er kopiert til {dest}. Endre den, og bruk den med "
                         f"«avregn brev ARBEIDSBOK --mal {dest}».", written=(dest,))


def write_letters(book: BookPort, *, object_id: str | None = None,
                  template: Path | None = None, out_dir: Path | None = None,
                  include_not_invoiced: bool = False, overwrite: bool = False,
                  progress: LetterProgress | None = None,
                  today: date | None = None) -> Outcome:
    """Write the settlement letters of a calculated, current workbook (spec §8).

    Per object ``<id>_<tenant>.pdf``, and (without ``object_id``) the whole settlement in one
    PDF, each letter from a new page; into ``out_dir`` or ``NAME-brev/`` beside the workbook.
    Reads through the book port and writes nothing into the workbook. ``today``: the letters'
    date (default: today). ``progress``: told (done, total) as letters are rendered.
    """
    calculated = load_calculated(book, what="brevene")
    if isinstance(calculated, Outcome):
        return calculated
    folder = output_folder(book, out_dir, FOLDER_SUFFIX)
    if isinstance(folder, Outcome):
        return folder
    plan = _plan(book, calculated, object_id, include_not_invoiced)
    if isinstance(plan, Outcome):
        return plan
    try:
        renderer = TypstRenderer(Path(template) if template else DEFAULT_TEMPLATE)
    except TemplateError as exc:
        return Outcome(False, "Brevene er ikke laget: malen kan ikke brukes.", (exc.problem,))
    return _render(book, calculated, plan, renderer, folder, overwrite=overwrite,
                   progress=progress, today=today or date.today())


class _Plan:
    """Which letters to write, which are refused, and what the whole PDF leaves out."""

    def __init__(self) -> None:
        self.objects: list[tuple[str, str]] = []  # (object id, tenant name)
        self.whole: list[str] | None = None  # ids in the whole settlement's PDF
        self.refused: list[Problem] = []
        self.left_out: list[str] = []  # «skal ikke faktureres», not in the whole PDF
        self.warnings: list[Problem] = []


def _plan(book: BookPort, calc: Calculated, object_id: str | None,
          include_not_invoiced: bool) -> _Plan | Outcome:
    settlement, result, found = calc.settlement, calc.result, calc.input
    index = {o.id: i for i, o in enumerate(settlement.contract_objects)}
    plan = _Plan()
    taking_part = [o.id for o in result.objects]
    if object_id is not None:
        wanted = object_id.strip()
        if wanted not in index:
            return Outcome(False, f"{book.name}: fant ikke kontraktsobjektet «{wanted}» i "
                                  "Brøk; brevet er ikke laget.")
        if wanted not in taking_part:
            return Outcome(False, f"{book.name}: {wanted} tar ikke del i avregningen (ingen "
                                  "leiedager eller innbetalinger i perioden); det er ikke noe "
                                  "brev å lage.")
        taking_part = [wanted]
    else:
        plan.whole = []
    for oid in taking_part:
        obj = settlement.contract_objects[index[oid]]
        refused = address_problem(found, index[oid], obj)
        if refused is not None:
            plan.refused.append(refused)
            continue
        postcode = postcode_warning(found, index[oid], obj)
        if postcode is not None:
            plan.warnings.append(postcode)
        plan.objects.append((oid, tenant_name(obj)))
        if plan.whole is not None:
            if obj.do_not_invoice and not include_not_invoiced:
                plan.left_out.append(oid)
            else:
                plan.whole.append(oid)
    owner = owner_address_warning(found, settlement.settings.owner_address)
    if owner is not None and plan.objects:
        plan.warnings.append(owner)
    if not taking_part:
        return Outcome(False, f"{book.name}: ingen brev er laget — ingen kontraktsobjekter tar "
                              "del i avregningen.")
    if not plan.objects:
        return Outcome(False, f"{book.name}: ingen brev er laget — "
                              + ("mottakeren mangler adresse." if object_id else
                                 "ingen av leietakerne har adresse."),
                       tuple(plan.refused))
    return plan


def _render(book: BookPort, calc: Calculated, plan: _Plan, renderer: TypstRenderer,
            folder: Path, *, overwrite: bool, progress: LetterProgress | None,
            today: date) -> Outcome:
    settlement, result = calc.settlement, calc.result
    builder = Letters(settlement, result, status=calc.status, calculated_at=calc.calculated_at,
                      today=today)
    stems = [safe_name(f"{oid} {name}") for oid, name in plan.objects]
    whole_stem = None
    if plan.whole:
        whole_stem = safe_name(f"Alle brev {settlement.settings.property_object} "
                               f"{result.period_start:%Y-%m}")
        stems.append(whole_stem)
    names = unique_names(stems, ".pdf")
    paths = [folder / n for n in names]
    existing = refuse_existing(paths, overwrite=overwrite, what="Brevene")
    if existing:
        return existing

    stamp = datetime.combine(today, datetime.min.time())
    pdfs = LetterPdfs(renderer, timestamp=stamp)
    owner = settlement.settings.owner
    pieces: dict[str, Piece] = {}
    written: list[Path] = []
    total = len(paths)
    ids = [oid for oid, _ in plan.objects]
    chunks = [ids[k:k + CHUNK] for k in range(0, len(ids), CHUNK)]

    def compile_chunk(chunk: list[str]) -> list[Piece]:
        return pdfs.render([builder.letter(oid) for oid in chunk])

    try:
        # Typst compiles the next chunk (it lets go of the GIL) while this thread cuts the
        # previous one into files: on two cores the cutting costs no extra time.
        with ThreadPoolExecutor(max_workers=1) as compiler:
            pending = compiler.submit(compile_chunk, chunks[0]) if chunks else None
            for n, chunk in enumerate(chunks):
                assert pending is not None
                done = pending.result()
                pending = (compiler.submit(compile_chunk, chunks[n + 1])
                           if n + 1 < len(chunks) else None)
                pieces.update(zip(chunk, done, strict=True))
                for oid in chunk:
                    path = paths[len(written)]
                    write_atomic(path, pdfs.pdf([pieces[oid]], title=f"Avregningsbrev {oid}",
                                                author=owner))
                    written.append(path)
                    if progress:
                        progress(len(written), total)
        if plan.whole:
            write_atomic(paths[-1], pdfs.pdf([pieces[oid] for oid in plan.whole],
                                             title="Avregningsbrev", author=owner))
            written.append(paths[-1])
            if progress:
                progress(len(written), total)
    except TemplateError as exc:
        return Outcome(False, "Brevene er ikke laget: malen kan ikke brukes.", (exc.problem,),
                       written=tuple(written))
    except OSError as exc:
        return Outcome(False, f"Brevene er ikke ferdige: {len(written)} filer skrevet.",
                       (write_problem(paths[len(written)], exc),), written=tuple(written))

    warnings = list(plan.warnings)
    warnings += [Problem(str(renderer.template), w) for w in renderer.warnings]
    return _outcome(book, calc, plan, folder, written, whole_stem is not None, warnings)


def _outcome(book: BookPort, calc: Calculated, plan: _Plan, folder: Path,
             written: list[Path], whole: bool, warnings: list[Problem]) -> Outcome:
    message = f"{book.name}: {len(plan.objects)} avregningsbrev skrevet til {folder}"
    if whole:
        message += f", hele avregningen i {written[-1].name}"
    message += "."
    if plan.left_out:
        message += (" Holdt utenfor hele avregningen (skal ikke faktureres): "
                    + ", ".join(plan.left_out) + "; ta dem med med --med-ikke-fakturerte.")
    common: dict[str, Any] = {"settlement": calc.settlement, "result": calc.result,
                              "status": calc.status, "written": tuple(written)}
    if plan.refused:
        message += (f" {len(plan.refused)} leietaker"
                    f"{'e' if len(plan.refused) != 1 else ''} mangler adresse og fikk ikke "
                    "brev:")
        return Outcome(False, message, tuple(plan.refused), tuple(warnings), **common)
    return Outcome(True, message, (), tuple(warnings), **common)
