"""A corpus of bad (and tricky but good) settlement workbooks, built fresh in a temp directory.

Each case starts from the real template filled with a small, valid settlement (``SMALL``) and
breaks one thing the way users do: renamed sheets, inserted columns, merged cells, amounts and
dates typed as text, formulas saved by a program that does not calculate, a password, a file
that is not a workbook at all. A case says which problems the reader must report (cell and a
piece of the message) and whether those are all of them; ``tests/test_reader.py`` runs them.
"""

from __future__ import annotations

import functools
import io
import re
import zipfile
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

import openpyxl
from openpyxl.workbook.workbook import Workbook

from avregn.workbook import layout, template

SMALL: dict[str, Any] = {
    "settlement": {
        "property": "Prøvegata 4",
        "property_object": "Prøvegt 4",
        "owner": "PHUS AS",
        "group": "Avregning felleskost",
        "period_start": "2024-01-01",
        "interval_months": 12,
        "denominator": Decimal("703"),
        "denominator_label": "kvm",
        "minimum_invoice_amount": Decimal("100.00"),
        "admin_fee": {"mode": "percent", "value": Decimal("5"), "vat_liable": True},
        "settlement_account_liable": "3610",
        "settlement_account_free": "3611",
    },
    "cost_lines": [
        {"account": "6300", "name": "Renhold", "amount": Decimal("120000.00")},
        {
            "account": "6320",
            "name": "Vakthold",
            "amount": Decimal("-4500.50"),
            "level": "property",
            "share_pct": Decimal("40"),
        },
        {
            "account": "6340",
            "name": "Strøm fellesareal",
            "amount": Decimal("38250.75"),
            "full_distribution": True,
        },
    ],
    "contract_objects": [
        {
            "id": "1001-1",
            "contract_no": "1001",
            "contract_name": "Kafé Hjørnet AS",
            "customer_id": "914778271",
            "name": "Lokale 1. etg",
            "start": "2023-05-01",
            "numerator": Decimal("120.5"),
            "vat_liable": True,
            "invoiced": [
                {
                    "invoice_no": "F-1001",
                    "from": "2024-01-01",
                    "to": "2024-06-30",
                    "amount": Decimal("9000.00"),
                },
                {
                    "invoice_no": "F-1002",
                    "from": "2024-07-01",
                    "to": "2024-12-31",
                    "amount": Decimal("9000.00"),
                },
            ],
        },
        {
            "id": "1002-1",
            "contract_no": "1002",
            "contract_name": "Regnskap & Co",
            "customer_id": "923609016",
            "name": "Kontor 2. etg",
            "start": "2024-03-01",
            "end": "2024-10-31",
            "numerator": Decimal("210"),
            "numerator_override": Decimal("200"),
            "vat_liable": False,
            "cap": Decimal("45000.00"),
            "correction": Decimal("1250.00"),
            "invoiced": [
                {
                    "invoice_no": "F-2001",
                    "from": "2024-03-01",
                    "to": "2024-10-31",
                    "amount": Decimal("20000.00"),
                }
            ],
        },
        {
            "id": "1003-1",
            "contract_no": "1003",
            "contract_name": "Frisør Saks",
            "name": "Lokale 1. etg B",
            "start": "2020-01-01",
            "numerator": Decimal("64.1"),
            "vat_liable": True,
            "fixed": True,
            "admin_fee": {"mode": "none", "value": Decimal(0), "vat_liable": True},
            "invoiced": [],
        },
        {
            "id": "1004-1",
            "contract_no": "1004",
            "contract_name": "Lager AS",
            "customer_id": "974760673",
            "name": "Lager U1",
            "start": "2021-01-01",
            "numerator": Decimal("140"),
            "vat_liable": True,
            "fixed": Decimal("12000.00"),
            "admin_fee": {"mode": "fixed", "value": Decimal("1500.00"), "vat_liable": True},
            "do_not_invoice": True,
            "invoiced": [],
        },
    ],
    "adjustments": [
        {"object": "1002-1", "account": "6300", "share_pct": Decimal("80")},
        {"object": "1004-1", "account": "6340", "factor": Decimal("1.5")},
        {"object": "1003-1", "account": "6320", "participates": False},
    ],
}


@functools.cache
def _template() -> bytes:
    """The template built once per run (deterministic bytes; issue 9: the suite's speed)."""
    return template.template_bytes()


def fill(settlement: dict[str, Any]) -> Workbook:
    """The template (openpyxl) with a contract dict written in, as a user would type it."""
    wb = openpyxl.load_workbook(io.BytesIO(_template()))
    template.fill_settings(wb[layout.AVREGNING.name], settlement["settlement"])
    template.fill_table(wb[layout.TIL_FORDELING.name], layout.COST_LINES, settlement["cost_lines"])
    objects = settlement["contract_objects"]
    template.fill_table(wb[layout.BROK.name], layout.CONTRACT_OBJECTS, objects)
    invoices = [{"object": o["id"], **inv} for o in objects for inv in o.get("invoiced", ())]
    template.fill_table(wb[layout.A_KONTO.name], layout.INVOICES, invoices)
    template.fill_table(
        wb[layout.KONTRAKTSOBJEKT_KONTI.name], layout.ADJUSTMENTS, settlement.get("adjustments", ())
    )
    # The account selection: the settlement's accounts (and any extra ones it names).
    selection = settlement.get("account_selection") or [
        {"account": c["account"], "name": c.get("name", "")} for c in settlement["cost_lines"]]
    template.fill_table(wb[layout.KONTOVALG.name], layout.ACCOUNT_SELECTION, selection)
    return wb


def save(wb: Workbook, path: Path) -> Path:
    wb.save(path)
    return path


def patch_sheet_xml(path: Path, sheet_part: str, edit: Callable[[str], str]) -> Path:
    """Rewrite one worksheet part of a saved xlsx (to make cells openpyxl cannot write)."""
    data = path.read_bytes()
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as src, zipfile.ZipFile(out, "w") as dst:
        for info in src.infolist():
            content = src.read(info.filename)
            if info.filename == sheet_part:
                content = edit(content.decode()).encode()
            dst.writestr(info, content)
    path.write_bytes(out.getvalue())
    return path


def sheet_part(path: Path, name: str) -> str:
    wb = openpyxl.load_workbook(path, read_only=True)
    index = wb.sheetnames.index(name)
    wb.close()
    return f"xl/worksheets/sheet{index + 1}.xml"


@dataclass(frozen=True)
class Case:
    name: str
    build: Callable[[Path], Path]
    expect: tuple[tuple[str, str], ...] = ()  # (where, a piece of the message)
    complete: bool = True  # the expected problems (and warnings) are all of them
    notes: str = ""
    extra: dict[str, Any] = field(default_factory=dict)
    warn: tuple[tuple[str, str], ...] = ()  # (where, a piece of the warning)


# --- the builders --------------------------------------------------------------------------------


def good(dir_: Path) -> Path:
    return save(fill(SMALL), dir_ / "good.xlsx")


def wrong_sheet_names(dir_: Path) -> Path:
    wb = fill(SMALL)
    wb["Brøk"].title = "brok"
    wb["Til fordeling"].title = "Kostnader"
    return save(wb, dir_ / "wrong_sheet_names.xlsx")


def shifted_columns(dir_: Path) -> Path:
    wb = fill(SMALL)
    ws = wb["Brøk"]
    ws.insert_cols(10)  # a new column before Teller: Teller now stands in K
    ws["J3"] = "Notat"
    return save(wb, dir_ / "shifted_columns.xlsx")


def header_rows_deleted(dir_: Path) -> Path:
    wb = fill(SMALL)
    wb["A konto"].delete_rows(1, 2)
    return save(wb, dir_ / "header_rows_deleted.xlsx")


def empty_rows_in_the_middle(dir_: Path) -> Path:
    wb = fill(SMALL)
    ws = wb["Brøk"]
    ws.insert_rows(5, 2)  # objects on rows 4, 7, 8, 9
    ws = wb["Til fordeling"]
    ws.insert_rows(6)  # cost lines on rows 4, 5, 7
    return save(wb, dir_ / "empty_rows.xlsx")


def key_missing(dir_: Path) -> Path:
    wb = fill(SMALL)
    ws = wb["Brøk"]
    ws["A5"] = None  # 1002-1 loses its Id, keeps everything else
    ws = wb["Kontraktsobjekt konti"]
    ws["B4"] = None
    return save(wb, dir_ / "key_missing.xlsx")


def merged_cells(dir_: Path) -> Path:
    wb = fill(SMALL)
    ws = wb["Brøk"]
    ws.merge_cells("C4:D4")
    ws.merge_cells("A6:A7")  # 1003-1's Id spans into 1004-1's row
    return save(wb, dir_ / "merged_cells.xlsx")


def text_in_numeric_cells(dir_: Path) -> Path:
    wb = fill(SMALL)
    wb["Kontovalg"]["A7"] = "6400"
    ws = wb["Til fordeling"]
    ws["A7"], ws["B7"], ws["C7"] = "6400", "Snømåking", "12,3,4"
    ws["C5"] = 1234.567  # a float with three decimals
    ws["E6"] = "hundre"
    ws = wb["Brøk"]
    ws["J5"] = "210 kvm"
    ws["H4"] = "1 00,00"
    ws["F6"] = "31.02.2024"
    ws["L4"] = "kanskje"
    ws["N5"] = "fem prosent"
    ws = wb["Avregning"]
    ws[layout.SETTINGS.cell("interval_months")] = "12,5"
    return save(wb, dir_ / "text_in_numeric.xlsx")


def numbers_and_dates_as_text(dir_: Path) -> Path:
    wb = fill(SMALL)
    ws = wb["Til fordeling"]
    for ref, text in (
        ("C4", "kr 120 000,00"),
        ("C5", "(4 500,50)"),
        ("C6", "38.250,75"),
        ("E5", "40 %"),
    ):
        ws[ref] = text
        ws[ref].data_type = "s"
    ws = wb["Brøk"]
    ws["F4"] = "01.05.2023"
    ws["F5"], ws["G5"] = "2024-03-01", "31.10.2024"
    ws["J4"] = "120,5"
    ws["H5"] = "kr\u00a045\u202f000"
    ws["M5"] = "1\u2009250,-"
    ws["I7"] = "12.000"
    ws["N7"] = "kr 1 500"
    ws = wb["A konto"]
    ws["C4"], ws["D4"], ws["E4"] = "1.1.2024", "30.6.2024", "9 000"
    ws = wb["Avregning"]
    ws[layout.SETTINGS.cell("period_start")] = "1. januar 2024"
    ws[layout.SETTINGS.cell("denominator")] = "703"
    return save(wb, dir_ / "text_values.xlsx")


def duplicate_accounts(dir_: Path) -> Path:
    wb = fill(SMALL)
    wb["Til fordeling"]["A5"] = "6300"
    return save(wb, dir_ / "duplicate_accounts.xlsx")


def missing_customer_ids(dir_: Path) -> Path:
    wb = fill(SMALL)
    for row in range(4, 8):
        wb["Brøk"][f"E{row}"] = None
    return save(wb, dir_ / "missing_customer_ids.xlsx")


def unknown_invoice_object(dir_: Path) -> Path:
    wb = fill(SMALL)
    ws = wb["A konto"]
    ws["A7"], ws["B7"], ws["C7"], ws["D7"], ws["E7"] = (
        "9999-1",
        "F-9",
        "01.01.2024",
        "31.01.2024",
        "100",
    )
    return save(wb, dir_ / "unknown_invoice_object.xlsx")


def formula_without_cached_value(dir_: Path) -> Path:
    wb = fill(SMALL)
    wb["Brøk"]["J7"] = "=100+40"  # openpyxl stores no cached value
    wb["Brøk"]["X7"] = "=1+1"  # outside the columns the reader reads: not its business
    return save(wb, dir_ / "formula_without_value.xlsx")


def error_value(dir_: Path) -> Path:
    path = save(fill(SMALL), dir_ / "error_value.xlsx")
    wb = fill(SMALL)
    wb["Til fordeling"]["C6"] = "=1/0"
    save(wb, path)

    def edit(xml: str) -> str:
        return re.sub(
            r'<c r="C6"([^>]*)><f>1/0</f><v\s*/></c>',
            r'<c r="C6"\1 t="e"><f>1/0</f><v>#DIV/0!</v></c>',
            xml,
        )

    return patch_sheet_xml(path, sheet_part(path, "Til fordeling"), edit)


def formula_with_cached_value(dir_: Path) -> Path:
    path = dir_ / "formula_cached.xlsx"
    wb = fill(SMALL)
    wb["Brøk"]["J7"] = "=100+40"
    save(wb, path)

    def edit(xml: str) -> str:
        return re.sub(
            r'<c r="J7"([^>]*)><f>100\+40</f><v\s*/></c>',
            r'<c r="J7"\1><f>100+40</f><v>140</v></c>',
            xml,
        )

    return patch_sheet_xml(path, sheet_part(path, "Brøk"), edit)


def excel_made_a_date(dir_: Path) -> Path:
    import datetime

    wb = fill(SMALL)
    wb["Brøk"]["B4"] = datetime.datetime(2024, 10, 1)  # "1-10" typed into General
    return save(wb, dir_ / "excel_made_a_date.xlsx")


def settings_label_moved(dir_: Path) -> Path:
    wb = fill(SMALL)
    ws = wb["Avregning"]
    row = layout.SETTINGS.row("denominator")
    ws[f"A{row}"] = "Areal"
    return save(wb, dir_ / "settings_label_moved.xlsx")


def fee_value_without_type(dir_: Path) -> Path:
    wb = fill(SMALL)
    wb["Avregning"][layout.SETTINGS.cell("admin_fee.mode")] = None
    return save(wb, dir_ / "fee_without_type.xlsx")


# --- spec §9b: the slips measured in issue 10 ---------------------------------------------------


def _with_cached_value(path: Path, sheet: str, ref: str, value: str) -> Path:
    """Give the formula openpyxl wrote into ``ref`` a cached value, as Excel would have."""

    def edit(xml: str) -> str:
        return re.sub(rf'<c r="{ref}"([^>]*)><f>([^<]*)</f><v\s*/></c>',
                      rf'<c r="{ref}"\1><f>\2</f><v>{value}</v></c>', xml)

    return patch_sheet_xml(path, sheet_part(path, sheet), edit)


def sum_row(dir_: Path) -> Path:
    """A «Sum» row pasted from the ledger under the accounts (every cost would count twice)."""
    path = dir_ / "sum_row.xlsx"
    wb = fill(SMALL)
    ws = wb["Til fordeling"]
    ws["A7"], ws["C7"] = "Sum", "=SUMMER(C4:C6)"
    save(wb, path)
    return _with_cached_value(path, "Til fordeling", "C7", "153750.25")


def sum_row_with_an_account(dir_: Path) -> Path:
    """A total row with an account number of its own: refused by its formula."""
    path = dir_ / "sum_row_account.xlsx"
    wb = fill(SMALL)
    ws = wb["Til fordeling"]
    ws["A7"], ws["B7"], ws["C7"] = "6999", "Sum felleskost", "=SUM(C4:C6)"
    wb["Kontovalg"]["A7"] = "6999"
    save(wb, path)
    return _with_cached_value(path, "Til fordeling", "C7", "153750.25")


def revenue_account(dir_: Path) -> Path:
    """A revenue account pasted into Til fordeling: not in Kontovalg."""
    wb = fill(SMALL)
    ws = wb["Til fordeling"]
    ws["A7"], ws["B7"], ws["C7"] = "3000", "Leieinntekter", -2450000
    return save(wb, dir_ / "revenue_account.xlsx")


def kontovalg_empty(dir_: Path) -> Path:
    wb = fill(SMALL)
    for row in range(4, 7):
        wb["Kontovalg"][f"A{row}"] = None
        wb["Kontovalg"][f"B{row}"] = None
    return save(wb, dir_ / "kontovalg_empty.xlsx")


def fee_amount_under_percent_settlement(dir_: Path) -> Path:
    """«5» in an object's Adm.honorar under a 5 % settlement: 5 kr, or 5 %?"""
    wb = fill(SMALL)
    wb["Brøk"]["N4"] = 5
    return save(wb, dir_ / "fee_5.xlsx")


def cap_zero(dir_: Path) -> Path:
    wb = fill(SMALL)
    wb["Brøk"]["H5"] = 0
    return save(wb, dir_ / "cap_zero.xlsx")


def percent_text_between_0_and_1(dir_: Path) -> Path:
    """«0,5» typed into text cells of percent columns: 0,5 % or 50 %?"""
    wb = fill(SMALL)
    wb["Til fordeling"]["E5"] = "0,5"
    wb["Til fordeling"]["E5"].number_format = "@"
    wb["Kontraktsobjekt konti"]["C4"] = "0,8"
    wb["Kontraktsobjekt konti"]["C4"].number_format = "@"
    return save(wb, dir_ / "percent_text.xlsx")


def settings_fee_percent_text(dir_: Path) -> Path:
    """«0,05» typed as text in Adm.honorar verdi with type «prosent»."""
    wb = fill(SMALL)
    wb["Avregning"][layout.SETTINGS.cell("admin_fee.value")] = "0,05"
    return save(wb, dir_ / "fee_value_text.xlsx")


def percent_text_points(dir_: Path) -> Path:
    """Text without % and ≥ 1 is percent points: «40» in a text cell is 40 %."""
    wb = fill(SMALL)
    wb["Til fordeling"]["E5"] = "40"
    wb["Til fordeling"]["E5"].number_format = "@"
    wb["Avregning"][layout.SETTINGS.cell("admin_fee.value")] = "5"
    return save(wb, dir_ / "percent_points.xlsx")


def password_protected(dir_: Path) -> Path:
    plain = good(dir_)
    target = dir_ / "password.xlsx"
    try:
        from msoffcrypto.format.ooxml import OOXMLFile
    except ImportError:  # fall back to the container's signature: what the readers look at
        target.write_bytes(
            b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 504 + "EncryptionInfo".encode("utf-16-le")
        )
        return target
    with plain.open("rb") as source, target.open("wb") as out:
        OOXMLFile(source).encrypt("hemmelig", out)
    return target


def not_xlsx(dir_: Path) -> Path:
    path = dir_ / "kontoer.xlsx"
    path.write_text("KontoNr;Konto;Beløp\n6300;Renhold;120000\n", encoding="utf-8")
    return path


def empty_file(dir_: Path) -> Path:
    path = dir_ / "tom.xlsx"
    path.write_bytes(b"")
    return path


def zip_but_not_xlsx(dir_: Path) -> Path:
    path = dir_ / "arkiv.xlsx"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("readme.txt", "hei")
    return path


CASES: tuple[Case, ...] = (
    Case("good", good),
    Case(
        "wrong_sheet_names",
        wrong_sheet_names,
        (("brok", "skal hete «Brøk»"), ("Til fordeling", "Arket «Til fordeling» mangler")),
    ),
    Case(
        "shifted_columns",
        shifted_columns,
        (
            ("Brøk!J3", "«Teller»"),
            ("Brøk!J3", "står i kolonne K"),
            ("Brøk!K3", "«Teller overstyrt»"),
            ("Brøk!P3", "«Eksportert»"),
        ),
        complete=False,
        notes="one problem per column out of place; no data read from Brøk",
    ),
    Case(
        "header_rows_deleted",
        header_rows_deleted,
        (("A konto!A1", "står i rad 1, men skal stå i rad 3"),),
    ),
    Case("empty_rows_in_the_middle", empty_rows_in_the_middle),
    Case(
        "key_missing",
        key_missing,
        (
            ("Brøk!A5", "Id mangler"),
            ("Kontraktsobjekt konti!B4", "KontoNr mangler"),
            ("A konto!A6", "«1002-1» finnes ikke i Brøk"),
        ),
    ),
    Case(
        "merged_cells",
        merged_cells,
        (
            ("Brøk!C4:D4", "Sammenslåtte celler"),
            ("Brøk!A6:A7", "Sammenslåtte celler"),
            ("Brøk!A7", "Id mangler"),
        ),
    ),
    Case(
        "text_in_numeric_cells",
        text_in_numeric_cells,
        (
            ("Til fordeling!C7", "«12,3,4» er ikke et beløp"),
            ("Til fordeling!C5", "«1234,567» har mer enn to desimaler"),
            ("Til fordeling!E6", "«hundre» er ikke en prosentsats"),
            ("Brøk!J5", "«210 kvm» er ikke et tall"),
            ("Brøk!H4", "tusenskilletegn"),
            ("Brøk!F6", "«31.02.2024» er ikke en gyldig dato"),
            ("Brøk!L4", "«kanskje» er verken X, Ja eller Nei"),
            ("Brøk!N5", "«fem prosent» er ikke et beløp"),
            ("Avregning!B9", "«12,5» er ikke et helt tall"),
        ),
    ),
    Case("numbers_and_dates_as_text", numbers_and_dates_as_text),
    Case("duplicate_accounts", duplicate_accounts, notes="left to the engine's validation"),
    Case("missing_customer_ids", missing_customer_ids),
    Case(
        "unknown_invoice_object",
        unknown_invoice_object,
        (("A konto!A7", "«9999-1» finnes ikke i Brøk"),),
    ),
    Case(
        "formula_without_cached_value",
        formula_without_cached_value,
        (
            (
                "Brøk!J7",
                "formelen i Brøk!J7 har ingen lagret verdi; åpne og lagre arbeidsboken "
                "i Excel først",
            ),
        ),
    ),
    Case("error_value", error_value, (("Til fordeling!C6", "#DIV/0!"),)),
    Case("formula_with_cached_value", formula_with_cached_value),
    Case("excel_made_a_date", excel_made_a_date, (("Brøk!B4", "datoen 01.10.2024"),)),
    Case(
        "settings_label_moved",
        settings_label_moved,
        (("Avregning!A10", "Her skal «Nevner» stå, men det står «Areal»"),),
    ),
    Case(
        "fee_value_without_type",
        fee_value_without_type,
        (("Avregning!B13", "Adm.honorar type mangler"),),
    ),
    Case("sum_row", sum_row, (("Til fordeling!A7", "«Sum» har ingen sifre"),)),
    Case(
        "sum_row_with_an_account",
        sum_row_with_an_account,
        (("Til fordeling!C7", "=SUM(C4:C6) summerer andre linjer"),),
    ),
    Case("revenue_account", revenue_account,
         (("Til fordeling!A7", "konto 3000 står ikke i Kontovalg"),)),
    Case("kontovalg_empty", kontovalg_empty, warn=(("Kontovalg", "Kontovalg er tomt"),)),
    Case(
        "fee_amount_under_percent_settlement",
        fee_amount_under_percent_settlement,
        warn=(("Brøk!N4", "«5» leses som et honorar på 5,00 kr"), ("Brøk!N4", "Mente du 5 %?")),
    ),
    Case("cap_zero", cap_zero, warn=(("Brøk!H5", "0 leses som et tak på 0 kr"),)),
    Case(
        "percent_text_between_0_and_1",
        percent_text_between_0_and_1,
        (
            ("Til fordeling!E5", "«0,5» er tvetydig (0,5 % eller 50 %?)"),
            ("Kontraktsobjekt konti!C4", "«0,8» er tvetydig (0,8 % eller 80 %?)"),
        ),
    ),
    Case(
        "settings_fee_percent_text",
        settings_fee_percent_text,
        (("Avregning!B14", "«0,05» er tvetydig (0,05 % eller 5 %?)"),),
    ),
    Case("percent_text_points", percent_text_points),
    Case("password_protected", password_protected, (("password.xlsx", "passord"),)),
    Case("not_xlsx", not_xlsx, (("kontoer.xlsx", "ikke en Excel-arbeidsbok"),)),
    Case("empty_file", empty_file, (("tom.xlsx", "tom"),)),
    Case("zip_but_not_xlsx", zip_but_not_xlsx, (("arkiv.xlsx", ""),)),
)


def build_corpus(dir_: Path) -> dict[str, Path]:
    """Every case's workbook under ``dir_`` (for looking at them by hand)."""
    dir_.mkdir(parents=True, exist_ok=True)
    return {case.name: case.build(dir_) for case in CASES}
