"""Where a letter goes, and which cell to fill when it cannot.

A letter needs the tenant's invoice address (``ContractObject.address``); a missing one is
refused at the cell the user fills — found the way every other cell is found, through the
reader's map of JSON paths to cells and the layout's columns — so the refusal reads
``Brøk!R7: …``, like every other input problem. Until the layout has the address columns, the
refusal names the JSON path (``contract_objects[3].address``).
"""

from __future__ import annotations

from avregn.workbook import layout
from avregn.workbook.reader import WorkbookInput
from engine.model import Address, ContractObject
from engine.problems import Problem


def missing_address_part(address: Address | None) -> str | None:
    """Which part of an invoice address is missing ("lines", "postcode"), or None."""
    if address is None or not any(line.strip() for line in address.lines):
        return "lines"
    if not (address.postcode.strip() or address.city.strip()):
        return "postcode"
    return None


def field_cell(found: WorkbookInput, path: str, field_name: str, table_or_form: str) -> str:
    """The cell of ``path.field_name`` (``contract_objects[3]`` + ``address.lines``), found the
    way every other cell is: the reader's map, else the layout's column on the record's row;
    while the layout has no such column, the JSON path."""
    full = f"{path}.{field_name}"
    if full in found.locations:
        return found.locations[full]
    if table_or_form == "table":
        table = layout.CONTRACT_OBJECTS
        try:
            table.index(field_name)
        except KeyError:
            return f"{path}.{field_name.split('.')[0]}"
        row_cell = found.locations.get(path)
        if row_cell:
            sheet, _, ref = row_cell.partition("!")
            row = int("".join(ch for ch in ref if ch.isdigit()))
            return f"{sheet}!{table.cell(field_name, row)}"
        return f"{path}.{field_name.split('.')[0]}"
    form = layout.SETTINGS
    try:
        cell = form.cell(field_name)
    except KeyError:
        return f"{path}.{field_name.split('.')[0]}"
    sheet = found.locations.get(path, layout.AVREGNING.name).split("!")[0]
    return f"{sheet}!{cell}"


def address_problem(found: WorkbookInput, index: int, obj: ContractObject) -> Problem | None:
    """The refusal for a tenant without an invoice address (no address line), at the cell to
    fill; None when the letter can go."""
    if missing_address_part(obj.address) != "lines":
        return None
    where = field_cell(found, f"contract_objects[{index}]", "address.lines", "table")
    name = obj.contract_name or obj.name or obj.id
    return Problem(where, f"{obj.id} ({name}) mangler adresse og får ikke brev. Fyll inn "
                          "fakturaadressen, og lag brevet på nytt.")


def postcode_warning(found: WorkbookInput, index: int, obj: ContractObject) -> Problem | None:
    """An address without postcode and city still gets its letter (a foreign address may
    have them in its lines), with a warning at the postcode's cell."""
    if missing_address_part(obj.address) != "postcode":
        return None
    where = field_cell(found, f"contract_objects[{index}]", "address.postcode", "table")
    return Problem(where, f"{obj.id}: adressen har verken postnummer eller poststed; brevet "
                          "er skrevet, men kontroller adressen.")


def owner_address_warning(found: WorkbookInput, address: Address | None) -> Problem | None:
    part = missing_address_part(address)
    if part is None:
        return None
    where = field_cell(found, "settlement", f"owner_address.{part}", "form")
    return Problem(where, "Eiers adresse mangler; brevene har bare eiers navn som avsender. "
                          "Fyll den inn for å få adressen i brevhodet.")
