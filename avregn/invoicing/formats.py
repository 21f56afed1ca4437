"""The invoice basis as files: plain xlsx, CSV, Unit4 ERP (Agresso) and Visma.

Sources (README «Fakturagrunnlag» names them field by field):
- Unit4 ERP / Agresso: the fixed-width order import (the «SO» import of Agresso Logistics) as
  written for Norwegian municipalities by the public PorticoEstate booking module
  (``booking/inc/class.socompleted_reservation_export.inc.php``: its row template gives every
  field's width in the documented order; its comments quote the specification for dates,
  periods and amounts). Records: a header per order (``line_no`` 0000, ``accept_flag`` 1), an
  item per line (amount in øre, ``amount_set`` 1) and a text record under each item.
- Visma: Visma Enterprise Fakturering's fakturagrunnlag file in the extended format
  (records ST, FL, LT, SL; the field table with positions 001–397 is quoted in the same
  PorticoEstate file).
Both fixed-width files are ISO-8859-1 with CRLF line ends; a code that does not fit its field is
refused before anything is written (``format_problems``), a free text is cut to its field.

CSV and xlsx protect text against formula injection (OWASP: a leading ``= + - @``, TAB or CR
gets a leading apostrophe); amounts stay numbers.
"""

from __future__ import annotations

import csv
from collections.abc import Sequence
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

from avregn.invoicing.basis import Basis, Line
from engine.problems import Problem

INJECTION_STARTS = ("=", "+", "-", "@", "\t", "\r")


def protect(text: Any) -> Any:
    """A text cell that a spreadsheet would read as a formula gets a leading apostrophe."""
    if isinstance(text, str) and text.startswith(INJECTION_STARTS):
        return "'" + text
    return text


COLUMNS = ("Bunt", "Fakturanr", "Linjenr", "Eier", "Kunde-id", "Kunde", "Type",
           "Transaksjonstype", "Konto", "Mva-kode", "Netto", "Mva", "Brutto", "Tekst",
           "Periode fra", "Periode til", "Kontraktsnr", "Objekt-id", "Kontraktsobjekt",
           "Eiendomsobjekt", "Avregningsgruppe", "Arbeidsbok")
MONEY_COLUMNS = frozenset({"Netto", "Mva", "Brutto"})


def _row(label: str, line: Line) -> list[Any]:
    return [label, line.invoice_no, line.line_no, line.owner, line.customer_id,
            line.customer_name, line.kind, line.transaction_type, line.account, line.vat_code,
            line.net, line.vat, line.gross, line.text, line.period_from, line.period_to,
            line.contract_no, line.object_id, line.object_name, line.property_object,
            line.group, line.workbook]


def write_xlsx(basis: Basis, path: Path, label: str) -> None:
    from avregn.invoicing.plain_xlsx import write_rows

    widths = [11, 9, 7, 18, 12, 28, 11, 15, 9, 9, 14, 12, 14, 50, 11, 11, 11, 10, 24, 22, 22,
              28]
    write_rows(path, "Fakturagrunnlag", COLUMNS,
               ([protect(v) for v in _row(label, line)] for line in basis.lines), widths)


def _csv_value(value: Any) -> str:
    kind = type(value)
    if kind is str:
        return "'" + value if value.startswith(INJECTION_STARTS) else value
    if kind is Decimal:
        return f"{value:.2f}".replace(".", ",")
    if kind is date:
        return f"{value.day:02d}.{value.month:02d}.{value.year}"
    return str(protect(value)) if value is not None else ""


def write_csv(basis: Basis, path: Path, label: str) -> None:
    with path.open("w", encoding="utf-8-sig", newline="") as handle:
        writer = csv.writer(handle, delimiter=";", lineterminator="\r\n")
        writer.writerow(COLUMNS)
        for line in basis.lines:
            writer.writerow([_csv_value(v) for v in _row(label, line)])


# --- Unit4 ERP (Agresso): fixed-width order import ---------------------------------------------

# Every field of a record, in order, with its width (PorticoEstate's row template).
AGRESSO_FIELDS: tuple[tuple[str, int], ...] = (
    ("accept_flag", 1), ("account", 8), ("accountable", 20), ("address", 160),
    ("allocation_key", 2), ("amount", 17), ("amount_set", 1), ("apar_id", 8),
    ("apar_name", 30), ("art_descr", 35), ("article", 15), ("att_1_id", 2), ("att_2_id", 2),
    ("att_3_id", 2), ("att_4_id", 2), ("att_5_id", 2), ("att_6_id", 2), ("att_7_id", 2),
    ("bank_account", 35), ("batch_id", 12), ("client", 2), ("client_ref", 2),
    ("confirm_date", 17), ("control", 1), ("cur_amount", 17), ("currency", 3),
    ("del_met_descr", 60), ("del_term_descr", 60), ("deliv_addr", 255),
    ("deliv_attention", 50), ("deliv_countr", 3), ("deliv_date", 17), ("deliv_method", 8),
    ("deliv_terms", 8), ("dim_1", 8), ("dim_2", 8), ("dim_3", 8), ("dim_4", 8), ("dim_5", 12),
    ("dim_6", 4), ("dim_7", 4), ("dim_value_1", 12), ("dim_value_2", 12), ("dim_value_3", 12),
    ("dim_value_4", 12), ("dim_value_5", 12), ("dim_value_6", 12), ("dim_value_7", 12),
    ("disc_percent", 17), ("exch_rate", 17), ("ext_ord_ref", 15), ("intrule_id", 6),
    ("line_no", 4), ("location", 4), ("long_info1", 120), ("long_info2", 120), ("lot", 10),
    ("main_apar_id", 8), ("mark_attention", 50), ("mark_ctry_cd", 3), ("markings", 120),
    ("obs_date", 17), ("order_date", 17), ("order_id", 9), ("order_type", 2),
    ("pay_method", 2), ("period", 8), ("place", 30), ("province", 40), ("rel_value", 12),
    ("responsible", 8), ("responsible2", 8), ("sequence_no", 8), ("sequence_ref", 8),
    ("serial_no", 20), ("short_info", 60), ("status", 1), ("tax_code", 2), ("tax_system", 2),
    ("template_id", 8), ("terms_id", 2), ("tekx1", 12), ("tekst2", 12), ("tekst3", 12),
    ("text4", 12), ("trans_type", 2), ("unit_code", 3), ("unit_descr", 50), ("value_1", 17),
    ("voucher_ref", 9), ("voucher_type", 2), ("warehouse", 4), ("zip_code", 15),
)
AGRESSO_WIDTH = dict(AGRESSO_FIELDS)
AGRESSO_DEFAULTS = {"currency": "NOK", "order_type": "FS", "pay_method": "IP", "status": "N",
                    "trans_type": "42", "voucher_type": "FK", "responsible": "AVREGN",
                    "responsible2": "AVREGN"}


_LATIN1 = str.maketrans({"–": "-", "—": "-", "‘": "'", "’": "'", "“": '"', "”": '"',
                         "…": "."})


def _encode(records: Sequence[str]) -> bytes:
    """ISO-8859-1 as the fixed-width formats require: dashes and quotes mapped to their plain
    forms (the period text's «–»), anything else that has no code there becomes «?»."""
    text = "\r\n".join(records) + "\r\n"
    return text.translate(_LATIN1).encode("iso-8859-1", errors="replace")


def _fit(text: str, width: int) -> str:
    text = " ".join(str(text).split())
    return text[:width].ljust(width)


def _digits(value: int, width: int) -> str:
    return str(value).rjust(width, "0")


def _signed_ore(amount: Decimal, width: int) -> str:
    """Øre, zero-padded; a credit carries a leading minus inside the field."""
    ore = int((amount * 100).to_integral_value())
    if ore < 0:
        return "-" + str(-ore).rjust(width - 1, "0")
    return str(ore).rjust(width, "0")


def agresso_record(values: dict[str, str]) -> str:
    out = []
    for name, width in AGRESSO_FIELDS:
        value = values.get(name, "")
        if len(value) > width:
            raise ValueError(f"{name}: «{value}» is longer than {width}")
        out.append(value.ljust(width))
    return "".join(out)


def agresso_order_id(batch_number: int, invoice_no: int) -> str:
    return _digits(batch_number % 100000 * 10000 + invoice_no, 9)


def write_agresso(basis: Basis, path: Path, label: str, batch_number: int,
                  created_at: datetime) -> None:
    date17 = created_at.strftime("%Y%m%d").rjust(17)
    period = "00" + created_at.strftime("%Y%m")
    batch_id = _fit(label.replace("-", ""), 12).strip()
    records = []
    for invoice in basis.invoices:
        order_id = agresso_order_id(batch_number, invoice.number)
        common = {"batch_id": batch_id, "order_id": order_id, "trans_type": "42",
                  "voucher_type": "FK"}
        first = invoice.lines[0]
        records.append(agresso_record({
            **AGRESSO_DEFAULTS, **common, "accept_flag": "1", "confirm_date": date17,
            "deliv_date": date17, "ext_ord_ref": invoice.customer_id, "line_no": "0000",
            "apar_name": _fit(invoice.customer_name, 30).rstrip(),
            "long_info1": _fit(f"Avregning felleskostnader {first.property_object} "
                               f"{first.period_from:%d.%m.%Y}–{first.period_to:%d.%m.%Y}",
                               120).rstrip(),
            "period": period}))
        for line in invoice.lines:
            line_no = _digits(line.line_no, 4)
            records.append(agresso_record({
                **common, "accept_flag": "0", "account": line.account,
                "amount": _signed_ore(line.net, 17), "amount_set": "1",
                "art_descr": _fit(line.text, 35).rstrip(), "article": line.transaction_type,
                "line_no": line_no, "period": period, "sequence_no": "00000000",
                "status": "N", "tax_code": line.vat_code, "value_1": _digits(100, 17)}))
            records.append(agresso_record({
                **common, "accept_flag": "0", "line_no": line_no, "sequence_no": "00000001",
                "short_info": _fit(f"Kontrakt {line.contract_no} objekt {line.object_id} "
                                   f"{line.object_name}", 60).rstrip()}))
    path.write_bytes(_encode(records))


# --- Visma Enterprise Fakturering: fakturagrunnlag, extended format (ST/FL/LT/SL) ------------

VISMA_FL: tuple[tuple[str, int], ...] = (
    ("posttype", 2), ("kundenr", 11), ("navn", 40), ("adresse1", 40), ("adresse2", 40),
    ("postnr", 4), ("betform", 2), ("oppdrgnr", 3), ("varenr", 4), ("lopenr", 2),
    ("pris", 9), ("grunnlag", 9), ("belop", 11), ("saksnr", 16), ("intfakt", 1),
    ("kb01", 12), ("kb02", 12), ("kb03", 12), ("kb04", 12), ("kb05", 12), ("kb06", 12),
    ("kb07", 12), ("kb08", 12), ("kb09", 12), ("kb10", 12), ("mvakode", 3), ("profil", 20),
    ("deresref", 40), ("ordreref", 20),
)
VISMA_LT: tuple[tuple[str, int], ...] = (
    ("posttype", 2), ("kundenr", 11), ("oppdrgnr", 3), ("varenr", 4), ("lopenr", 2),
    ("linjenr", 2), ("tekst", 50),
)
VISMA_OPPDRGNR = "001"  # the client number the invoicing office gives each sender


def _visma_amount(amount: Decimal, digits: int) -> str:
    """Øre right-aligned in ``digits`` digits, then the sign position (blank or minus)."""
    ore = int((amount * 100).to_integral_value())
    return str(abs(ore)).rjust(digits, "0") + ("-" if ore < 0 else " ")


def _visma_record(fields: tuple[tuple[str, int], ...], values: dict[str, str]) -> str:
    out = []
    for name, width in fields:
        value = values.get(name, "")
        if len(value) > width:
            raise ValueError(f"{name}: «{value}» is longer than {width}")
        out.append(value.ljust(width))
    return "".join(out)


def write_visma(basis: Basis, path: Path, label: str) -> None:
    records = ["ST" + _fit(f"avregn fakturagrunnlag {label}", 60) + "U"]
    running: dict[str, int] = {}
    for invoice in basis.invoices:
        kundenr = invoice.customer_id.rjust(11, "0")
        running[kundenr] = running.get(kundenr, 0) + 1
        lopenr = _digits(running[kundenr], 2)
        address = invoice.address
        lines_of_address = list(address.lines) if address else []
        for line in invoice.lines:
            varenr = line.transaction_type.rjust(4, "0")
            records.append(_visma_record(VISMA_FL, {
                "posttype": "FL", "kundenr": kundenr, "navn": _fit(invoice.customer_name, 40),
                "adresse1": _fit(lines_of_address[0] if lines_of_address else "", 40),
                "adresse2": _fit(lines_of_address[1] if len(lines_of_address) > 1 else "", 40),
                "postnr": (address.postcode if address else "")[:4], "betform": "BG",
                "oppdrgnr": VISMA_OPPDRGNR, "varenr": varenr, "lopenr": lopenr,
                "pris": _visma_amount(line.net, 8), "grunnlag": "000000001",
                "belop": _visma_amount(line.net, 10), "saksnr": line.contract_no,
                "kb01": line.account, "mvakode": line.vat_code, "ordreref": label}))
            texts = [line.text, f"Kontrakt {line.contract_no} objekt {line.object_id} "
                                f"{line.object_name}"]
            for n, text in enumerate(texts, start=1):
                records.append(_visma_record(VISMA_LT, {
                    "posttype": "LT", "kundenr": kundenr, "oppdrgnr": VISMA_OPPDRGNR,
                    "varenr": varenr, "lopenr": lopenr, "linjenr": _digits(n, 2),
                    "tekst": _fit(text, 50)}))
    records.append("SL" + _digits(len(records) + 1, 8))
    path.write_bytes(_encode(records))


# --- what each format can carry ----------------------------------------------------------------

def format_problems(basis: Basis, fmt: str) -> list[Problem]:
    """Codes that do not fit the chosen format's fields: refused before anything is written."""
    limits: dict[str, tuple[tuple[str, str, int], ...]] = {
        "agresso": (("customer_id", "kunde-id (ext_ord_ref)", 15),
                    ("account", "konto (account)", 8),
                    ("transaction_type", "transaksjonstype (article)", 15),
                    ("vat_code", "mva-kode (tax_code)", 2)),
        "visma": (("customer_id", "kunde-id (KUNDENR)", 11),
                  ("account", "konto (KB01)", 12),
                  ("transaction_type", "transaksjonstype (VARENR)", 4),
                  ("vat_code", "mva-kode (MVAKODE)", 3),
                  ("contract_no", "kontraktsnr (SAKSNR)", 16)),
    }
    problems: list[Problem] = []
    seen: set[tuple[str, str]] = set()
    for line in basis.lines:
        for attr, label, width in limits.get(fmt, ()):
            value = str(getattr(line, attr))
            if len(value) > width and (attr, value) not in seen:
                seen.add((attr, value))
                problems.append(Problem(line.workbook, f"{label} «{value}» er for lang for "
                                                       f"formatet {fmt} (høyst {width} tegn)."))
        if fmt == "visma" and abs(line.net) >= Decimal("1000000"):
            problems.append(Problem(line.workbook, f"{line.object_id}: beløpet {line.net} er "
                                                   "for stort for Visma-feltet PRIS (høyst "
                                                   "999 999,99); bruk xlsx eller csv."))
        if fmt == "visma" and not line.transaction_type.isdigit():
            problems.append(Problem(line.workbook, f"transaksjonstype «{line.transaction_type}» "
                                                   "må være et varenummer (siffer) i Visma."))
    if fmt == "agresso" and any(invoice.number > 9999 for invoice in basis.invoices):
        problems.append(Problem("", "Over 9 999 fakturaer i én bunt passer ikke i Agresso-"
                                    "ordrenummeret; del eksporten."))
    return _unique(problems)


def _unique(problems: Sequence[Problem]) -> list[Problem]:
    out: list[Problem] = []
    for p in problems:
        if p not in out:
            out.append(p)
    return out


EXTENSIONS = {"xlsx": "xlsx", "csv": "csv", "agresso": "txt", "visma": "txt"}


def write_basis(basis: Basis, path: Path, fmt: str, label: str, batch_number: int,
                created_at: datetime) -> None:
    if fmt == "xlsx":
        write_xlsx(basis, path, label)
    elif fmt == "csv":
        write_csv(basis, path, label)
    elif fmt == "agresso":
        write_agresso(basis, path, label, batch_number, created_at)
    elif fmt == "visma":
        write_visma(basis, path, label)
    else:
        raise ValueError(fmt)
