"""The sheet layout (data) and the template built from it agree, and the committed template is
the one the layout builds today."""

from __future__ import annotations

import io
import re
import zipfile
from pathlib import Path

import libreoffice
import openpyxl
import pytest
from python_calamine import CalamineWorkbook

from avregn.workbook import layout, template
from avregn.workbook.layout import Form, Kind, Role, Table, column_letter

CONTRACT_FIELDS = {
    "settlement": {"property", "property_object", "owner", "group", "period_start",
                   "interval_months", "denominator", "denominator_label",
                   "minimum_invoice_amount", "admin_fee.mode", "admin_fee.value",
                   "admin_fee.vat_liable", "settlement_account_liable", "settlement_account_free",
                   "owner_address.lines", "owner_address.postcode", "owner_address.city",
                   "invoicing.transaction_type", "invoicing.fee_transaction_type",
                   "invoicing.fee_account", "invoicing.vat_code_liable", "invoicing.vat_code_free"},
    "": {"status"},  # the status cell on Avregning: written, never read
    "cost_lines": {"account", "name", "amount", "level", "share_pct", "full_distribution"},
    "contract_objects": {"id", "contract_no", "contract_name", "customer_id", "name", "start",
                         "end", "numerator", "numerator_override", "vat_liable", "cap", "fixed",
                         "correction", "admin_fee", "do_not_invoice", "exported",
                         "address.lines", "address.postcode", "address.city"},
    "invoiced": {"object", "invoice_no", "from", "to", "amount"},
    "adjustments": {"object", "account", "share_pct", "factor", "participates"},
    "account_selection": {"account", "name", "transaction_type"},
}


@pytest.fixture(scope="module")
def built() -> bytes:
    return template.template_bytes()


@pytest.fixture(scope="module")
def wb(built: bytes) -> openpyxl.Workbook:
    return openpyxl.load_workbook(io.BytesIO(built))


def _members(data: bytes) -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        return {name: archive.read(name) for name in archive.namelist()}


# --- the layout itself ---------------------------------------------------------------------------

def test_sheets_left_to_right_as_in_the_manual() -> None:
    assert [s.name for s in layout.SHEETS] == [
        "Avregning", "Brøk", "Til fordeling", "Kontraktsobjekt konti", "A konto", "Kontovalg",
        "Beregning", "Status"]
    assert {s.name for s in layout.ENGINE_SHEETS} == {"Beregning", "Status"}


def test_every_input_field_is_a_contract_field() -> None:
    for sheet in layout.INPUT_SHEETS:
        for block in sheet.blocks:
            columns = block.fields if isinstance(block, Form) else block.columns
            fields = [c.field for c in columns]
            assert len(set(fields)) == len(fields), block.name
            assert set(fields) <= CONTRACT_FIELDS[block.section], block.name


def test_headers_and_names_are_unique() -> None:
    names = [b.name for _, b in layout.blocks()]
    assert len(set(names)) == len(names)
    for _, block in layout.blocks():
        columns = block.fields if isinstance(block, Form) else block.columns
        headers = [c.header.casefold() for c in columns]
        assert len(set(headers)) == len(headers), block.name


def test_addresses_the_docs_use() -> None:
    assert layout.CONTRACT_OBJECTS.cell("numerator", 7) == "J7"
    assert layout.SETTINGS.cell("period_start") == "B8"
    cost = layout.COST_LINES
    assert (cost.header_row, cost.first_data_row) == (3, 4)  # the seed format of spec §9
    assert [c.header for c in cost.columns[:3]] == ["KontoNr", "Konto", "Beløp"]
    assert column_letter(1) == "A" and column_letter(26) == "Z" and column_letter(27) == "AA"


def test_kinds_have_the_formats_excel_stores() -> None:
    for _, block in layout.blocks():
        for col in block.fields if isinstance(block, Form) else block.columns:
            if col.kind is Kind.MONEY:
                assert col.number_format == "#,##0.00", col.header
            if col.kind is Kind.DATE and col.field != "calculated_at":
                assert col.number_format == "dd.mm.yyyy", col.header
            if col.kind in (Kind.FEE, Kind.FEE_VALUE):
                assert col.number_format == "@", col.header  # "5 %" must stay text
            if col.kind is Kind.PERCENT:
                assert col.number_format.endswith("%"), col.header


_DANGLING_DECIMAL = re.compile(r"\.#+(?![0#?])")  # "0.##": Excel shows 150 as "150,"


def _number_formats() -> list[tuple[str, str]]:
    return [(col.header, col.number_format) for _, block in layout.blocks()
            for col in (block.fields if isinstance(block, Form) else block.columns)]


def test_no_number_format_shows_a_dangling_decimal_comma(wb: openpyxl.Workbook) -> None:
    assert _DANGLING_DECIMAL.search("#,##0.####") and _DANGLING_DECIMAL.search("0.##%")
    assert not _DANGLING_DECIMAL.search("0.00##%") and not _DANGLING_DECIMAL.search("#,##0.00")
    for header, fmt in _number_formats():
        assert not _DANGLING_DECIMAL.search(fmt), (header, fmt)
    used = {cell.number_format for ws in wb.worksheets for row in ws.iter_rows() for cell in row}
    used |= {dim.number_format for ws in wb.worksheets for dim in ws.column_dimensions.values()}
    assert not [fmt for fmt in used if _DANGLING_DECIMAL.search(fmt)]


def test_calculation_numerators_show_whole_numbers_without_a_comma() -> None:
    assert layout.CALCULATION.column("numerator").number_format == "General"
    assert layout.CALCULATION.column("weighted_numerator").number_format == "#,##0.0000"


@pytest.mark.parametrize("typed", ["fast", "Fast", "fast beløp", "FAST  BELØP", "beløp",
                                   "fixed"])
def test_admin_fee_type_reads_fast_as_amount(typed: str) -> None:
    assert layout.SETTINGS.column("admin_fee.mode").code(typed) == "fixed"


def test_admin_fee_type_list_offers_only_the_labels(wb: openpyxl.Workbook) -> None:
    column = layout.SETTINGS.column("admin_fee.mode")
    assert column.list_values == ("ingen", "prosent", "beløp")
    assert column.code("fastpris") is None and column.code("prosent") == "percent"
    lists = {dv.formula1 for dv in wb["Avregning"].data_validations.dataValidation}
    assert '"ingen,prosent,beløp"' in lists
    assert not [f for f in lists if "fast" in f.casefold()]


def test_status_sheet_says_when_it_was_last_calculated() -> None:
    column = layout.STATUS_FORM.column("calculated_at")
    assert column.header == "Sist beregnet"
    assert column.header not in {c.label for c in layout.STATUSES}


def _user_texts() -> list[str]:
    texts = [t.text for s in layout.SHEETS for t in s.texts] + [s.help for s in layout.SHEETS]
    for _, block in layout.blocks():
        for col in block.fields if isinstance(block, Form) else block.columns:
            texts += [col.header, col.help]
    return texts


def test_input_rows_are_emptied_not_deleted() -> None:
    texts = _user_texts()
    assert not [t for t in texts if re.search(r"slett (linjen|raden)", t, re.IGNORECASE)]
    guide = " ".join(t for t in texts if "Ikke slett rader" in t)
    assert "tøm cellene i stedet" in guide


def test_status_blocks_do_not_overlap() -> None:
    form, objects, warnings = layout.STATUS.blocks
    assert isinstance(form, Form) and isinstance(objects, Table) and isinstance(warnings, Table)
    assert objects.header_row > form.last_row
    assert warnings.first_col > objects.last_col
    assert layout.CONTROL.first_col > warnings.last_col  # the banner's control block
    assert layout.CONTROL.header_row == objects.header_row


# --- the template --------------------------------------------------------------------------------

def test_committed_template_is_current(built: bytes) -> None:
    committed = template.TEMPLATE_PATH
    assert committed.exists(), "run: python -m avregn.workbook.template"
    assert _members(committed.read_bytes()) == _members(built), (
        "workbook_templates/avregning.xlsx is stale: python -m avregn.workbook.template")


def test_build_is_deterministic(built: bytes) -> None:
    assert template.template_bytes() == built
    with zipfile.ZipFile(io.BytesIO(built)) as archive:
        assert archive.namelist()[0] == "[Content_Types].xml"
        assert {i.date_time for i in archive.infolist()} == {(2024, 1, 1, 0, 0, 0)}


def test_build_template_writes_the_file(tmp_path: Path, built: bytes) -> None:
    target = template.build_template(tmp_path / "sub" / "mal.xlsx")
    assert target.read_bytes() == built
    assert [p.name for p in target.parent.iterdir()] == ["mal.xlsx"]
    assert target.stat().st_mode & 0o777 == 0o644


def test_headers_are_where_the_layout_says(built: bytes, tmp_path: Path) -> None:
    path = tmp_path / "t.xlsx"
    path.write_bytes(built)
    book = CalamineWorkbook.from_path(str(path))
    assert book.sheet_names == [s.name for s in layout.SHEETS]
    for sheet in layout.SHEETS:
        rows = book.get_sheet_by_name(sheet.name).to_python(skip_empty_area=False)
        for block in sheet.blocks:
            if isinstance(block, Form):
                for col in block.fields:
                    assert rows[block.row(col.field) - 1][block.label_col - 1] == col.header
            else:
                line = rows[block.header_row - 1]
                got = line[block.first_col - 1:block.last_col]
                assert got == [c.header for c in block.columns], sheet.name
                assert len(rows) == block.header_row or sheet.name == "Avregning"


def test_input_blocks_have_stable_names(wb: openpyxl.Workbook) -> None:
    for sheet in layout.INPUT_SHEETS:
        block = sheet.block
        ws = wb[sheet.name]
        if isinstance(block, Table):
            assert block.name in ws.tables, block.name
            ref = ws.tables[block.name].ref
            assert ref == f"A{block.header_row}:{column_letter(block.last_col)}"\
                          f"{block.first_data_row}"
    names = wb.defined_names
    assert names["Innstillinger"].attr_text == "'Avregning'!$A$4:$B$17"  # status outside
    for col in layout.SETTINGS.fields:
        cell = layout.SETTINGS.cell(col.field)
        row = cell[1:]
        assert names[layout.setting_name(col.field)].attr_text == f"'Avregning'!$B${row}"


def test_validation_lists(wb: openpyxl.Workbook) -> None:
    for sheet in layout.SHEETS:
        ws = wb[sheet.name]
        lists = {str(dv.sqref): dv.formula1 for dv in ws.data_validations.dataValidation}
        for block in sheet.blocks:
            if isinstance(block, Form):
                cells = [(block.cell(c.field), c) for c in block.fields]
            else:
                cells = [(f"{block.letter(c.field)}{block.first_data_row}:"
                          f"{block.letter(c.field)}{template.LAST_ROW}", c)
                         for c in block.columns]
            for ref, col in cells:
                wanted = col.list_values and col.input and sheet.role is Role.INPUT
                if wanted:
                    assert lists.get(ref) == '"' + ",".join(col.list_values) + '"', ref
                else:
                    assert ref not in lists, ref
    assert '"Ja,Nei"' in {dv.formula1 for dv in wb["Brøk"].data_validations.dataValidation}
    assert '"selskap,eiendom,eiendomsobjekt"' in {
        dv.formula1 for dv in wb["Til fordeling"].data_validations.dataValidation}


def test_styles_comments_and_panes(wb: openpyxl.Workbook) -> None:
    for sheet in layout.SHEETS:
        ws = wb[sheet.name]
        assert ws.freeze_panes == sheet.freeze
        tab = template.INPUT_TAB if sheet.role is Role.INPUT else template.ENGINE_TAB
        assert ws.sheet_properties.tabColor.rgb.endswith(tab)
        for block in sheet.blocks:
            if isinstance(block, Form):
                for col in block.fields:
                    cell = ws[block.cell(col.field)]
                    assert cell.number_format == col.number_format
                    fill = template.column_fill(col, sheet.role)
                    assert cell.fill.fgColor.rgb == fill.fgColor.rgb
                continue
            for col in block.columns:
                header = ws[f"{block.letter(col.field)}{block.header_row}"]
                assert header.font.b
                if col.help:
                    assert header.comment is not None and col.help in header.comment.text
                if sheet.role is Role.INPUT:
                    dim = ws.column_dimensions[block.letter(col.field)]
                    assert dim.number_format == col.number_format, col.header
                    assert dim.fill.fgColor.rgb == template.column_fill(col, sheet.role)\
                        .fgColor.rgb
                    assert dim.width == col.width
    # the colours mean something: input yellow, engine-written grey
    brok = wb["Brøk"].column_dimensions
    assert brok["J"].fill.fgColor.rgb.endswith("FFF2CC")
    assert brok["P"].fill.fgColor.rgb.endswith("EDEDED")  # Eksportert: set by avregn
    assert wb["Avregning"][layout.STATUS_CELL.cell("status")].fill.fgColor.rgb.endswith("EDEDED")


def test_columns_where_excel_would_guess_are_text(wb: openpyxl.Workbook) -> None:
    """Id, KontoNr, Kontraktsnr, Fakturanr, Kunde-id: «0042» stays 0042, «1-3» is no date."""
    for sheet, table, fields in (
        ("Brøk", layout.CONTRACT_OBJECTS, ("id", "contract_no", "customer_id",
                                           "address.postcode")),
        ("Til fordeling", layout.COST_LINES, ("account",)),
        ("Kontraktsobjekt konti", layout.ADJUSTMENTS, ("object", "account")),
        ("A konto", layout.INVOICES, ("object", "invoice_no")),
        ("Kontovalg", layout.ACCOUNT_SELECTION, ("account",)),
    ):
        for name in fields:
            assert wb[sheet].column_dimensions[table.letter(name)].number_format == "@", name
    assert wb["Avregning"][layout.INVOICING.cell("owner_address.postcode")].number_format == "@"


def test_layout_version_and_the_status_cell_outside_the_settings_block(
        wb: openpyxl.Workbook) -> None:
    assert wb["Avregning"][layout.VERSION_CELL].value == f"Malversjon {layout.LAYOUT_VERSION}"
    names = wb.defined_names
    assert names["Innstillinger"].attr_text == "'Avregning'!$A$4:$B$17"
    status_row = layout.STATUS_CELL.row("status")
    assert status_row == 18  # where version 1 had it: nothing to move on an upgrade
    assert status_row > layout.SETTINGS.last_row
    assert names["avregn.owner_address.postcode"].attr_text == "'Avregning'!$B$22"
    for name in ("Innstillinger", "Kontraktsobjekter", "Kostnadslinjer", "Justeringer", "AKonto"):
        assert name in names or any(name in ws.tables for ws in wb.worksheets), name


def test_wrapped_header_rows_are_two_lines_high(wb: openpyxl.Workbook) -> None:
    for sheet in layout.SHEETS:
        ws = wb[sheet.name]
        for block in sheet.blocks:
            if isinstance(block, Table):
                assert ws.row_dimensions[block.header_row].height == template.HEADER_ROW_HEIGHT
                assert ws.row_dimensions[block.header_row].customHeight, sheet.name
    assert template.HEADER_ROW_HEIGHT >= 30


@pytest.mark.parametrize("name", ["Avregning", "Brøk", "Til fordeling", "Kontraktsobjekt konti",
                                  "A konto", "Kontovalg"])
def test_input_sheets_print_one_page_wide(wb: openpyxl.Workbook, name: str) -> None:
    """Brøk printed on four pages: landscape A4, one page wide, as many down as needed."""
    ws = wb[name]
    assert ws.page_setup.orientation == "landscape"
    assert int(ws.page_setup.paperSize) == 9  # A4
    assert (ws.page_setup.fitToWidth, ws.page_setup.fitToHeight) == (1, 0)
    assert ws.sheet_properties.pageSetUpPr.fitToPage


def test_instructions_on_the_first_sheet(wb: openpyxl.Workbook) -> None:
    ws = wb["Avregning"]
    texts = [ws[f"A{r}"].value for r in range(layout.INSTRUCTIONS_ROW, ws.max_row + 1)]
    joined = " ".join(t for t in texts if t)
    for word in ("Brøk", "Til fordeling", "A konto", "Kontraktsobjekt konti", "Beregn",
                 "Gule celler", "grå"):
        assert word in joined


def test_fill_helpers_keep_text_as_text(tmp_path: Path) -> None:
    wb = openpyxl.load_workbook(io.BytesIO(template.template_bytes()))
    ws = wb["Brøk"]
    last = template.fill_table(ws, layout.CONTRACT_OBJECTS, [
        {"id": "1", "contract_name": '=HYPERLINK("http://x","klikk")', "start": "2024-01-01",
         "numerator": 10}])
    assert last == 4
    assert ws["C4"].data_type == "s"
    path = tmp_path / "f.xlsx"
    wb.save(path)
    with zipfile.ZipFile(path) as archive:
        xml = archive.read("xl/worksheets/sheet2.xml").decode()
    assert "<f>" not in xml
    assert ws.tables["Kontraktsobjekter"].ref == "A3:S4"
    template.fill_table(ws, layout.CONTRACT_OBJECTS, [{"id": "2"}, {"id": "3"}], first_row=5)
    assert ws.tables["Kontraktsobjekter"].ref == "A3:S6"


@pytest.mark.slow
@pytest.mark.libreoffice
def test_libreoffice_opens_the_template(tmp_path: Path, built: bytes) -> None:
    source = tmp_path / "in" / "avregning.xlsx"
    source.parent.mkdir()
    source.write_bytes(built)
    converted = libreoffice.convert(source, tmp_path / "out", "xlsx")
    book = CalamineWorkbook.from_path(str(converted))
    assert book.sheet_names == [s.name for s in layout.SHEETS]
    rows = book.get_sheet_by_name("Brøk").to_python(skip_empty_area=False)
    assert rows[2][:19] == [c.header for c in layout.CONTRACT_OBJECTS.columns]
