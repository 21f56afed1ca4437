"""The settlement workbook's sheet layout, as data (architecture seam 1).

Every sheet of the workbook is declared here once: its name, where its header row is, and per
column the Norwegian header the user reads, the JSON-contract field it holds
(``spec/settlement-file.md``), its kind, number format, width, whether the user types it or the
engine writes it, the values a validation list offers, and the help text of the header comment.
The template builder, the file reader, the result writer, the live-Excel adapter, the account
sheet import and the docs all read these declarations; none of them spells a column letter of
its own. Change a column here, once.

Kinds and how a cell is read (the reader applies this; ``cell_value`` writes the other way):

* ``text`` — trimmed text; a number typed in it (an account number) becomes ``"9585"``.
* ``money`` — kroner, at most two decimals (``textnum.parse_amount`` for text).
* ``number`` / ``integer`` — exact decimals / a whole number.
* ``percent`` — the number of percent (12.5 means 12,5 %). The template formats these cells as
  Excel percentages, so a numeric cell holds the fraction Excel stores (0.125 shown as
  12,5 %) and the reader multiplies by 100. Text with ``%`` is the percent as written; text
  without it is percent points when ≥ 1 (``12,5``) and refused as ambiguous strictly between 0
  and 1 (``0,5``: 0,5 % or 50 %?), spec §9b. Excel's percent cells take ``80``, ``0,8`` and
  ``80 %`` all as 80 %, which is why a number there is a fraction.
* ``date`` — a date cell, an Excel serial number, or text ``dd.mm.åååå`` / ``åååå-mm-dd``.
* ``bool-x`` — ``X`` for yes, empty for no (``Ja``/``Nei`` are accepted too).
* ``yes-no`` — ``Ja``/``Nei`` (``X`` accepted as yes); empty means the column's default.
* ``enum`` — one of the column's Norwegian choices (case-insensitive), a synonym the list does
  not offer (``fast`` / ``fast beløp`` for the admin fee's ``beløp``) or its contract code.
* ``fee`` — a contract object's admin fee override: empty (the settlement's), ``ingen``, a
  percentage with ``%`` (``5 %``) or an amount (``1 500``). The cell is formatted as text, so
  Excel never turns ``5 %`` into 0.05; a numeric cell is an amount.
* ``fee-value`` — the settlement's admin fee value: a percent or an amount depending on the
  fee type in the row above (text-formatted for the same reason; a number is taken as is).
* ``fixed`` — *Fast*: a yearly amount, ``X`` for "fixed = invoiced", empty for no agreement.
* ``address-lines`` — an address's name and street lines in one cell, one line per line break
  (Alt+Enter in Excel), at most 3 lines.

Text-formatted (``@``) are the columns where Excel would otherwise guess: Id, KontoNr,
Kontraktsnr, Fakturanr, Kunde-id (``0042`` stays ``0042``, ``1-3`` is no date), postcodes and
the accounting codes.

Row and column numbers are 1-based, as Excel counts them.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum
from typing import Any

from avregn.workbook import number_formats
from engine.norwegian import format_number
from engine.statuses import INVOICE_STATUS_LABELS, STATUS_LABELS

# Number formats: one definition for the input layout and the engine's sheets.
FMT_MONEY = number_formats.MONEY
FMT_NUMBER = number_formats.NUMBER
FMT_DECIMALS_4 = number_formats.DECIMALS_4
FMT_INTEGER = number_formats.INTEGER
FMT_PERCENT = number_formats.PERCENT
FMT_DATE = number_formats.DATE
FMT_DATETIME = number_formats.DATETIME
FMT_TEXT = number_formats.TEXT


# Field names (and their prefixes) the fingerprint leaves out because they change no figure
# (engine.fingerprint.OUTSIDE_FINGERPRINT): columns holding them are outside the banner too.
OUTSIDE_FINGERPRINT_PREFIXES = ("address", "owner_address", "invoicing", "transaction_type",
                                "status", "exported", "do_not_invoice")


class Kind(StrEnum):
    TEXT = "text"
    MONEY = "money"
    NUMBER = "number"
    INTEGER = "integer"
    PERCENT = "percent"
    DATE = "date"
    FLAG = "bool-x"
    YES_NO = "yes-no"
    ENUM = "enum"
    FEE = "fee"
    FEE_VALUE = "fee-value"
    FIXED = "fixed"
    ADDRESS_LINES = "address-lines"


class Role(StrEnum):
    INPUT = "input"  # the user types it; the engine only reads it
    ENGINE = "engine"  # written (replaced whole) by the engine


@dataclass(frozen=True, slots=True)
class Choice:
    """One entry of a validation list: what the user sees and the contract code it stands for."""

    label: str
    value: str
    # Other words read as this choice but not offered in the list (``fast`` for ``beløp``).
    aliases: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Column:
    """One column of a table (or one row of a label/value form)."""

    header: str
    field: str  # JSON-contract field ("admin_fee.mode" is nested); "" = shown, not read
    kind: Kind
    width: float = 14
    number_format: str = "General"
    input: bool = True  # False: the engine writes it (grey)
    choices: tuple[Choice, ...] = ()
    help: str = ""
    required: bool = False  # part of the row's key: a filled row without it is an error
    nullable: bool = False  # empty cell → None in the contract dict (else the field is left out)
    # The layout version that added the column: a workbook of an older version (no version
    # cell, or a lower one) does not have it, and the reader skips it there.
    since: int = 1

    # An input column the fingerprint covers, and so the stale-results banner (spec §9b). False
    # for workflow marks (✗) and fields that change no figure; engine columns are never covered.
    fingerprinted: bool = True

    @property
    def covered(self) -> bool:
        """Whether a change in this input column makes the results stale (the banner's
        control formula watches it): an input column, in the fingerprint, not one of the
        fields the fingerprint leaves out (addresses, invoicing codes, transaction types)."""
        return (self.input and self.fingerprinted
                and not self.field.startswith(OUTSIDE_FINGERPRINT_PREFIXES))

    @property
    def list_values(self) -> tuple[str, ...]:
        """The values of the cell's validation list (empty: free input)."""
        if self.choices:
            return tuple(c.label for c in self.choices)
        if self.kind is Kind.FLAG:
            return ("X",)
        if self.kind is Kind.YES_NO:
            return ("Ja", "Nei")
        return ()

    def code(self, label: str) -> str | None:
        """The contract code of a choice, matching the label, an alias or the code
        case-insensitively."""
        wanted = " ".join(label.split()).casefold()
        for choice in self.choices:
            if wanted in (choice.label.casefold(), choice.value.casefold(),
                          *(alias.casefold() for alias in choice.aliases)):
                return choice.value
        return None

    def label(self, code: str) -> str:
        for choice in self.choices:
            if choice.value == code:
                return choice.label
        return code


def column_index(letters: str) -> int:
    """A → 1, AA → 27 (case-insensitive)."""
    index = 0
    for ch in letters.upper():
        index = index * 26 + ord(ch) - 64
    return index


def column_letter(index: int) -> str:
    """1 → A, 27 → AA."""
    letters = ""
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


@dataclass(frozen=True, slots=True)
class Table:
    """A list block: a header row, then one record per row from the next row down."""

    name: str  # Excel table / defined name: worksheet functions address the block by it
    section: str  # the JSON-contract list it fills ("contract_objects"); "" = engine output
    header_row: int
    columns: tuple[Column, ...]
    first_col: int = 1
    excel_table: bool = True  # input blocks are Excel tables; engine blocks are plain ranges

    @property
    def first_data_row(self) -> int:
        return self.header_row + 1

    @property
    def last_col(self) -> int:
        return self.first_col + len(self.columns) - 1

    @property
    def key(self) -> tuple[Column, ...]:
        return tuple(c for c in self.columns if c.required)

    def index(self, field_name: str) -> int:
        """The 1-based sheet column of a field."""
        for i, col in enumerate(self.columns):
            if col.field == field_name:
                return self.first_col + i
        raise KeyError(f"{self.name} has no field {field_name!r}")

    def column(self, field_name: str) -> Column:
        return self.columns[self.index(field_name) - self.first_col]

    def letter(self, field_name: str) -> str:
        return column_letter(self.index(field_name))

    def cell(self, field_name: str, row: int) -> str:
        return f"{self.letter(field_name)}{row}"

    def ref(self, last_row: int) -> str:
        """``A3:O{last_row}``: the header row and the data rows down to ``last_row``."""
        return (f"{column_letter(self.first_col)}{self.header_row}:"
                f"{column_letter(self.last_col)}{max(last_row, self.first_data_row)}")


@dataclass(frozen=True, slots=True)
class Form:
    """A label/value block: one setting per row, label in one column, value beside it."""

    name: str  # defined name of the label/value range
    section: str  # "settlement"; "" = engine output
    header_row: int  # the row with the headers "Innstilling | Verdi | Forklaring"
    fields: tuple[Column, ...]
    label_col: int = 1
    value_col: int = 2
    help_col: int = 3
    headers: tuple[str, str, str] = ("Innstilling", "Verdi", "Forklaring")

    @property
    def first_row(self) -> int:
        return self.header_row + 1

    @property
    def last_row(self) -> int:
        return self.header_row + len(self.fields)

    def row(self, field_name: str) -> int:
        for i, col in enumerate(self.fields):
            if col.field == field_name:
                return self.first_row + i
        raise KeyError(f"{self.name} has no field {field_name!r}")

    def column(self, field_name: str) -> Column:
        return self.fields[self.row(field_name) - self.first_row]

    def cell(self, field_name: str) -> str:
        """The value cell of a setting (``B8``)."""
        return f"{column_letter(self.value_col)}{self.row(field_name)}"

    def ref(self) -> str:
        return (f"{column_letter(self.label_col)}{self.first_row}:"
                f"{column_letter(self.value_col)}{self.last_row}")


Block = Table | Form


@dataclass(frozen=True, slots=True)
class Text:
    """A fixed text the template writes: a title, a note, an instruction line."""

    cell: str
    text: str
    style: str = "plain"  # "title", "note", "heading", "plain"


@dataclass(frozen=True, slots=True)
class Sheet:
    name: str
    role: Role
    blocks: tuple[Block, ...]
    texts: tuple[Text, ...] = ()
    required: bool = True  # a workbook without this input sheet cannot be read
    help: str = ""

    @property
    def block(self) -> Block:
        return self.blocks[0]

    @property
    def freeze(self) -> str:
        """Freeze panes below the first block's header row (Excel's ``A4``)."""
        first = self.blocks[0]
        return f"A{first.header_row + 1}"


# --- Choices ------------------------------------------------------------------------------------

LEVELS = (Choice("selskap", "company"), Choice("eiendom", "property"),
          Choice("eiendomsobjekt", "object"))
FEE_MODES = (Choice("ingen", "none"), Choice("prosent", "percent"),
             Choice("beløp", "fixed", aliases=("fast", "fast beløp")))
# The labels are the status machine's (engine.statuses), the one place they are spelled.
STATUSES = tuple(Choice(label, status.value) for status, label in STATUS_LABELS.items())
INVOICE_STATUSES = tuple(Choice(label, status.value)
                         for status, label in INVOICE_STATUS_LABELS.items())

DO_NOT_INVOICE_MARK = "✗"  # Beregning's red cross (spec §7)

# --- Avregning: the settlement's settings ------------------------------------------------------

SETTINGS = Form(
    name="Innstillinger",
    section="settlement",
    header_row=3,
    fields=(
        Column("Eiendom", "property", Kind.TEXT, required=True,
               help="Eiendommens navn, f.eks. «Prøvegata 4»."),
        Column("Eiendomsobjekt", "property_object", Kind.TEXT, required=True,
               help="Bygget eller seksjonen som avregnes."),
        Column("Eier", "owner", Kind.TEXT, required=True,
               help="Eierselskapet, f.eks. «PHUS AS». Står over eiers del i oppsummeringen."),
        Column("Avregningsgruppe", "group", Kind.TEXT,
               help="F.eks. «Avregning felleskost» eller «Avregning strøm/energi»."),
        Column("Periodestart", "period_start", Kind.DATE, number_format=FMT_DATE, required=True,
               help="Første dag i perioden; må være den 1. i en måned (dd.mm.åååå)."),
        Column("Avregningsintervall (mnd)", "interval_months", Kind.INTEGER,
               number_format=FMT_INTEGER, required=True,
               help="Periodens lengde i måneder, 1–60. 12 = ett år."),
        Column("Nevner", "denominator", Kind.NUMBER, number_format=FMT_NUMBER, required=True,
               help="Eiendomsobjektets samlede enheter, vanligvis BTA kvm. Større enn 0."),
        Column("Betegnelse", "denominator_label", Kind.TEXT,
               help="Enheten for nevner og tellere: kvm, antall ansatte, sameiebrøk … "
                    "Tom = kvm."),
        Column("Minste fakturabeløp", "minimum_invoice_amount", Kind.MONEY,
               number_format=FMT_MONEY,
               help="Et restbeløp mellom 0 og dette faktureres ikke (med mindre det er "
                    "adm.honorar). Tom = 0."),
        Column("Adm.honorar type", "admin_fee.mode", Kind.ENUM, choices=FEE_MODES,
               help="Administrasjonshonorar: ingen, prosent av leietakers sum, eller et fast "
                    "beløp per objekt. Tom = ingen."),
        Column("Adm.honorar verdi", "admin_fee.value", Kind.FEE_VALUE, number_format=FMT_TEXT,
               help="Prosent (skriv 5 %) eller beløp (skriv 1 500), etter typen over."),
        Column("Adm.honorar mva-pliktig", "admin_fee.vat_liable", Kind.YES_NO,
               help="Ja: 25 % mva på honoraret for mva-pliktige objekter. Tom = Ja."),
        Column("Avregningskonto mva-pliktig", "settlement_account_liable", Kind.TEXT,
               help="Konto for fakturalinjen til mva-pliktige objekter (trengs for "
                    "fakturagrunnlaget)."),
        Column("Avregningskonto mva-fri", "settlement_account_free", Kind.TEXT,
               help="Konto for fakturalinjen til mva-frie objekter."),
    ),
)

# The settlement's status, shown on *Avregning* for the user. It is only written (the engine's
# state lives on *Status*) and stands outside ``Innstillinger``, so a Beregn/Lås click does not
# change the block the worksheet functions take. In layout version 1 it was the last row of
# ``Innstillinger``; it stays in that cell.
STATUS_CELL = Form(
    name="Avregningsstatus",
    section="",
    header_row=SETTINGS.last_row,
    headers=("", "", ""),
    fields=(
        Column("Status", "status", Kind.ENUM, choices=STATUSES, input=False,
               help="Settes av avregn (Beregn, Lås, Fakturaklar …). Ikke skriv her."),
    ),
)

# Addresses and the accounting system's codes (layout version 2): they change no figure, are
# outside the fingerprint, editable in any status and carried to the next period.
INVOICING = Form(
    name="Fakturering",
    section="settlement",
    header_row=STATUS_CELL.last_row + 2,
    headers=("Adresse og fakturering", "Verdi", "Forklaring"),
    fields=(
        Column("Eiers adresse", "owner_address.lines", Kind.ADDRESS_LINES,
               number_format=FMT_TEXT, since=2,
               help="Eierens navn/c/o og gateadresse til brevene; én linje per linjeskift "
                    "(Alt+Enter). Høyst 3 linjer."),
        Column("Eiers postnummer", "owner_address.postcode", Kind.TEXT, number_format=FMT_TEXT,
               since=2, help="Fire siffer, f.eks. 0150."),
        Column("Eiers poststed", "owner_address.city", Kind.TEXT, since=2,
               help="F.eks. OSLO."),
        Column("Transaksjonstype", "invoicing.transaction_type", Kind.TEXT,
               number_format=FMT_TEXT, since=2,
               help="Regnskapssystemets transaksjonstype for felleskostnadslinjene "
                    "(fakturagrunnlaget)."),
        Column("Transaksjonstype adm.honorar", "invoicing.fee_transaction_type", Kind.TEXT,
               number_format=FMT_TEXT, since=2,
               help="Transaksjonstypen for honorarlinjene."),
        Column("Konto adm.honorar", "invoicing.fee_account", Kind.TEXT, number_format=FMT_TEXT,
               since=2, help="Kontoen honoraret inntektsføres på."),
        Column("Mva-kode mva-pliktig", "invoicing.vat_code_liable", Kind.TEXT,
               number_format=FMT_TEXT, since=2,
               help="Regnskapssystemets mva-kode for mva-pliktige linjer."),
        Column("Mva-kode mva-fri", "invoicing.vat_code_free", Kind.TEXT, number_format=FMT_TEXT,
               since=2, help="Mva-koden for mva-frie linjer."),
    ),
)

# The layout's version (spec §9b), in a cell of *Avregning*: «Malversjon 2». A workbook without
# it is version 1 (the layout before the version existed). Bump it with every layout change and
# teach ``avregn.workbook.upgrade`` the step.
LAYOUT_VERSION = 2
VERSION_CELL = "C1"
VERSION_LABEL = "Malversjon"

INSTRUCTIONS_ROW = INVOICING.last_row + 2
INSTRUCTIONS = (
    ("Slik gjør du en avregning", "heading"),
    ("1. Fyll ut innstillingene over. Gule celler fyller du ut; grå celler skriver avregn.",
     "plain"),
    ("2. Brøk: én rad per kontraktsobjekt (leietakers areal) med unik Id, start og teller. "
     "Teller overstyrt gjelder bare denne avregningen.", "plain"),
    ("3. Til fordeling: én rad per konto med beløpet fra regnskapet (data fra rad 4).", "plain"),
    ("4. Kontraktsobjekt konti: bare unntakene — én rad når et objekt har annen andel %, "
     "faktor eller ikke deltar på en konto.", "plain"),
    ("5. A konto: fakturaene sendt leietakerne, med fakturaperiode (Fra–Til).", "plain"),
    ("6. Beregn (avregn-båndet eller «avregn beregn arbeidsbok.xlsx»). Resultatet kommer i "
     "Beregning og Status; feil vises med ark og celle, f.eks. Brøk!J7.", "plain"),
    ("Skriv beløp som 1 234,50 eller kr 1 234,50, prosent som 12,5 %, datoer som 31.12.2024. "
     "Hold musen over en overskrift for forklaring.", "note"),
    ("Ikke slett rader eller flytt kolonner i inndataarkene: tøm cellene i stedet. "
     "Tomme rader hoppes over.", "note"),
)

AVREGNING = Sheet(
    name="Avregning",
    role=Role.INPUT,
    blocks=(SETTINGS, STATUS_CELL, INVOICING),
    texts=(
        Text("A1", "Felleskostnadsavregning", "title"),
        Text(VERSION_CELL, f"{VERSION_LABEL} {LAYOUT_VERSION}", "note"),
        Text("A2", "Innstillinger for én avregning: ett eiendomsobjekt, én avregningsgruppe, "
                   "én periode.", "note"),
        *(Text(f"A{INSTRUCTIONS_ROW + i}", line, style)
          for i, (line, style) in enumerate(INSTRUCTIONS)),
    ),
    help="Avregningens innstillinger og en kort bruksanvisning.",
)

# --- Brøk: the contract objects ------------------------------------------------------------------

CONTRACT_OBJECTS = Table(
    name="Kontraktsobjekter",
    section="contract_objects",
    header_row=3,
    columns=(
        Column("Id", "id", Kind.TEXT, width=12, required=True, number_format=FMT_TEXT,
               help="Kontraktsobjektets nøkkel; unik. A konto og Kontraktsobjekt konti viser "
                    "til den."),
        Column("Kontraktsnr", "contract_no", Kind.TEXT, width=12, number_format=FMT_TEXT),
        Column("Kontrakt", "contract_name", Kind.TEXT, width=28,
               help="Kontraktens navn, vanligvis leietakeren."),
        Column("Kontraktsobjekt", "name", Kind.TEXT, width=24,
               help="Det leide objektet, f.eks. «Lokale 1. etg»."),
        Column("Kunde-id", "customer_id", Kind.TEXT, width=14, number_format=FMT_TEXT,
               help="Organisasjonsnummer (9 siffer) eller fødselsnummer (11 siffer). Trengs "
                    "for fakturagrunnlaget."),
        Column("Start", "start", Kind.DATE, width=12, number_format=FMT_DATE,
               help="Leieforholdets første dag (dd.mm.åååå)."),
        Column("Slutt", "end", Kind.DATE, width=12, number_format=FMT_DATE,
               help="Leieforholdets siste dag. Tom = løpende."),
        Column("Tak", "cap", Kind.MONEY, width=14, number_format=FMT_MONEY,
               help="Maksimumsbeløp per år for felleskostnader. Tom = intet tak."),
        Column("Fast", "fixed", Kind.FIXED, width=14, number_format=FMT_MONEY,
               help="Fast beløp per år, eller X når fast beløp = det som er fakturert a konto. "
                    "Tom = ingen avtale; 0 = fast 0."),
        Column("Teller", "numerator", Kind.NUMBER, width=10, number_format=FMT_NUMBER,
               help="Objektets enheter, vanligvis kvm."),
        Column("Teller overstyrt", "numerator_override", Kind.NUMBER, width=10,
               number_format=FMT_NUMBER,
               help="Annen teller for denne avregningen alene. Tom = Teller."),
        Column("Mva-pliktig", "vat_liable", Kind.YES_NO, width=11,
               help="Ja: 25 % mva på restbeløpet. Tom = Ja."),
        Column("Korrigert beløp", "correction", Kind.MONEY, width=14, number_format=FMT_MONEY,
               help="Fakturert utenom systemet eller manuelt i perioden; trekkes fra som "
                    "«Annen a konto / korrigert»."),
        Column("Adm.honorar", "admin_fee", Kind.FEE, width=12, number_format=FMT_TEXT,
               help="Tom = avregningens; «ingen»; en prosent (5 %) eller et beløp (1 500). "
                    "Legg til «uten mva» eller «med mva» når honorarets mva skal avvike fra "
                    "avregningens."),
        Column("Skal ikke faktureres", "do_not_invoice", Kind.FLAG, width=11,
               help="X: objektet beregnes, men faktureres ikke."),
        Column("Eksportert", "exported", Kind.TEXT, width=12, input=False,
               help="Eksportbunten objektet ble fakturert i. Settes av avregn."),
        # Layout version 2: the tenant's invoice address (for the letters), after the columns
        # that were there, so that ✗ and Eksportert keep their places.
        Column("Fakturaadresse", "address.lines", Kind.ADDRESS_LINES, width=30,
               number_format=FMT_TEXT, since=2,
               help="Leietakers navn/c/o og gateadresse til brevet; én linje per linjeskift "
                    "(Alt+Enter). Høyst 3 linjer."),
        Column("Postnummer", "address.postcode", Kind.TEXT, width=10, number_format=FMT_TEXT,
               since=2, help="Fire siffer, f.eks. 0150."),
        Column("Poststed", "address.city", Kind.TEXT, width=16, since=2, help="F.eks. OSLO."),
    ),
)

BROK = Sheet(
    name="Brøk",
    role=Role.INPUT,
    blocks=(CONTRACT_OBJECTS,),
    texts=(
        Text("A1", "Brøk — kontraktsobjekter", "title"),
        Text("A2", "Én rad per kontraktsobjekt. Id må være unik. Fast og Tak er årsbeløp.",
             "note"),
    ),
    help="Kontraktsobjektene som kan være med i avregningen.",
)

# --- Til fordeling: the cost lines (seed format of spec §9) ------------------------------------

COST_LINES = Table(
    name="Kostnadslinjer",
    section="cost_lines",
    header_row=3,
    columns=(
        Column("KontoNr", "account", Kind.TEXT, width=10, required=True, number_format=FMT_TEXT,
               help="Kontonummeret i regnskapet; unikt. Bare kontoer i Kontovalg (og aldri "
                    "en sumlinje)."),
        Column("Konto", "name", Kind.TEXT, width=30, help="Kontoens navn (kostnadsart)."),
        Column("Beløp", "amount", Kind.MONEY, width=16, number_format=FMT_MONEY, nullable=True,
               help="Saldo på kontoen for perioden. Tom = ikke fylt ut (beregning stopper)."),
        Column("Nivå", "level", Kind.ENUM, width=15, choices=LEVELS,
               help="Hvor kostnaden er ført: selskap, eiendom eller eiendomsobjekt. "
                    "Tom = eiendomsobjekt."),
        Column("Andel %", "share_pct", Kind.PERCENT, width=10, number_format=FMT_PERCENT,
               help="Hvor mye av beløpet denne avregningen tar. Tom = 100 %."),
        Column("Full fordeling", "full_distribution", Kind.FLAG, width=10,
               help="X: ledige arealer bærer ingenting av kontoen."),
    ),
)

TIL_FORDELING = Sheet(
    name="Til fordeling",
    role=Role.INPUT,
    blocks=(COST_LINES,),
    texts=(
        Text("A1", "Dato:", "plain"),
        Text("A2", "Felleskost", "title"),
        Text("H2", "Én rad per konto. Rad 1–3 er kontofilens format: ikke flytt dem.", "note"),
    ),
    help="Kostnadene som skal fordeles, per konto.",
)

# --- Kontraktsobjekt konti: per-object per-account exceptions (long form) -----------------------

ADJUSTMENTS = Table(
    name="Justeringer",
    section="adjustments",
    header_row=3,
    columns=(
        Column("Id", "object", Kind.TEXT, width=12, required=True, number_format=FMT_TEXT,
               help="Kontraktsobjektets Id (fra Brøk)."),
        Column("KontoNr", "account", Kind.TEXT, width=10, required=True, number_format=FMT_TEXT,
               help="Kontoen (fra Til fordeling)."),
        Column("Andel %", "share_pct", Kind.PERCENT, width=10, number_format=FMT_PERCENT,
               help="Leietakers avtalte andel av sin del; resten bærer eier. Tom = 100 %."),
        Column("Faktor", "factor", Kind.NUMBER, width=10, number_format=FMT_NUMBER,
               help="Vekt på objektets teller for kontoen. Tom = 1."),
        Column("Deltar", "participates", Kind.YES_NO, width=10,
               help="Nei: objektet er ikke med på kontoen. Tom = Ja."),
    ),
)

KONTRAKTSOBJEKT_KONTI = Sheet(
    name="Kontraktsobjekt konti",
    role=Role.INPUT,
    blocks=(ADJUSTMENTS,),
    texts=(
        Text("A1", "Kontraktsobjekt konti — unntak per objekt og konto", "title"),
        Text("A2", "Bare rader som avviker fra standard (andel 100 %, faktor 1, deltar).",
             "note"),
    ),
    help="Andel %, faktor og deltakelse per objekt og konto, der de avviker.",
)

# --- A konto: invoices on account ---------------------------------------------------------------

INVOICES = Table(
    name="AKonto",
    section="invoiced",  # gathered into contract_objects[i].invoiced by the object's Id
    header_row=3,
    columns=(
        Column("Id", "object", Kind.TEXT, width=12, required=True, number_format=FMT_TEXT,
               help="Kontraktsobjektets Id (fra Brøk)."),
        Column("Fakturanr", "invoice_no", Kind.TEXT, width=14, number_format=FMT_TEXT),
        Column("Fra", "from", Kind.DATE, width=12, number_format=FMT_DATE,
               help="Fakturaperiodens første dag."),
        Column("Til", "to", Kind.DATE, width=12, number_format=FMT_DATE,
               help="Fakturaperiodens siste dag."),
        Column("Beløp", "amount", Kind.MONEY, width=14, number_format=FMT_MONEY,
               help="Fakturert a konto felleskostnader, eks. mva."),
    ),
)

A_KONTO = Sheet(
    name="A konto",
    role=Role.INPUT,
    blocks=(INVOICES,),
    texts=(
        Text("A1", "A konto — fakturert i perioden", "title"),
        Text("A2", "Én rad per faktura. En faktura som krysser periodens grense teller med "
                   "dagene innenfor.", "note"),
    ),
    help="A konto-fakturaene per kontraktsobjekt.",
)

# --- Kontovalg: the account selection -----------------------------------------------------------

ACCOUNT_SELECTION = Table(
    name="Kontovalgliste",
    section="account_selection",  # not in the JSON contract; used by "Hent konti"
    header_row=3,
    columns=(
        Column("KontoNr", "account", Kind.TEXT, width=10, required=True, number_format=FMT_TEXT,
               fingerprinted=False),
        Column("Konto", "name", Kind.TEXT, width=30, fingerprinted=False),
        Column("Transaksjonstype", "transaction_type", Kind.TEXT, width=24,
               number_format=FMT_TEXT, since=2, fingerprinted=False,
               help="Transaksjonstypen kontoen hører til (rapporten «kontoer per "
                    "transaksjonstype»). Tom = uten transaksjonstype."),
    ),
)

KONTOVALG = Sheet(
    name="Kontovalg",
    role=Role.INPUT,
    blocks=(ACCOUNT_SELECTION,),
    texts=(
        Text("A1", "Kontovalg — kontoene som kan være med", "title"),
        Text("A2", "«Hent konti» legger kontoene herfra som mangler, inn i Til fordeling.",
             "note"),
    ),
    required=False,
    help="Kontoene som kan være med i avregningen.",
)

# --- Beregning: written by the engine (spec §8) -------------------------------------------------

# Rows 1–4 of both engine sheets: the title, the settlement's status (large, on Beregning), the
# banner the control formula fills when inputs changed after the calculation (spec §9b), a note.
STATUS_LINE_ROW = 2
BANNER_ROW = 3
NOTE_ROW = 4
BANNER_TEXT = "Inndata er endret etter beregningen — beregn på nytt"

CALCULATION = Table(
    name="Beregning",
    section="",
    header_row=5,
    excel_table=False,
    columns=(
        Column("Kontraktsnr", "contract_no", Kind.TEXT, width=12, input=False),
        Column("Kontrakt", "contract_name", Kind.TEXT, width=26, input=False),
        Column("Kontraktsobjekt", "name", Kind.TEXT, width=22, input=False),
        Column("Id", "id", Kind.TEXT, width=10, input=False),
        Column("Teller", "numerator", Kind.NUMBER, width=10, number_format=FMT_NUMBER,
               input=False,
               help="Telleren brukt i avregningen (overstyrt teller når den er satt)."),
        Column("Vektet teller", "weighted_numerator", Kind.NUMBER, width=11,
               number_format=FMT_DECIMALS_4, input=False,
               help="Teller × dager i perioden / periodens dager."),
        Column("Fordelt", "distributed", Kind.MONEY, number_format=FMT_MONEY, input=False,
               help="Objektets del av kostnadene før andelsavtaler, tak og fast."),
        Column("Andel", "share", Kind.MONEY, number_format=FMT_MONEY, input=False,
               help="Etter andel % per konto."),
        Column("Tak", "cap_limit", Kind.MONEY, number_format=FMT_MONEY, input=False,
               help="Taket for denne perioden (årsbeløp × måneder/12 × tidsvekt)."),
        Column("Fast", "fixed_amount", Kind.MONEY, number_format=FMT_MONEY, input=False,
               help="Fast beløp for denne perioden (årsbeløp × måneder/12 × tidsvekt)."),
        Column("Sum", "total", Kind.MONEY, number_format=FMT_MONEY, input=False,
               help="Leietakers sum etter tak og fast beløp."),
        Column("Utfakturert", "invoiced", Kind.MONEY, number_format=FMT_MONEY, input=False),
        Column("Korrigert", "correction", Kind.MONEY, number_format=FMT_MONEY, input=False),
        Column("Rest", "rest", Kind.MONEY, number_format=FMT_MONEY, input=False,
               help="Positiv: leietaker skylder. Negativ: kreditering."),
        Column("Mva på rest", "vat", Kind.MONEY, number_format=FMT_MONEY, input=False,
               help="25 % av rest for mva-pliktige objekter."),
        Column("Adm.honorar %", "admin_fee_pct", Kind.PERCENT, width=11,
               number_format=FMT_PERCENT, input=False),
        Column("Adm.honorar", "admin_fee", Kind.MONEY, number_format=FMT_MONEY, input=False),
        Column("Mva på honorar", "admin_fee_vat", Kind.MONEY, number_format=FMT_MONEY,
               input=False, help="25 % av honoraret når honoraret er mva-pliktig."),
        Column("Fakturabeløp inkl. mva", "invoice_total", Kind.MONEY, number_format=FMT_MONEY,
               input=False,
               help="Rest + mva + adm.honorar + mva på honorar: beløpet fakturaen (eller "
                    "kreditnotaen) viser."),
        Column("Status", "invoice_status", Kind.ENUM, width=20, choices=INVOICE_STATUSES,
               input=False),
        Column("Skal ikke faktureres", "do_not_invoice", Kind.FLAG, width=11, input=False,
               help=f"{DO_NOT_INVOICE_MARK}: skal ikke faktureres (endres i Brøk)."),
    ),
)

# The summary under the object rows (spec §6.9): rows × columns, keys of the result's summary.
SUMMARY_ROWS = (("Til fordeling", "total"), ("Leietakers del", "tenants"),
                ("Eiers del", "owner"))  # "Eiers del" is labelled with the owner's name
SUMMARY_COLUMNS = (
    ("Kostnader", "costs"), ("Fordelt", "distributed"), ("Ledig", "vacant"),
    ("Andel", "share"), ("Tak", "cap"), ("Fast", "fixed"), ("Sum", "sum"),
    ("Utfakturert", "invoiced"), ("Korrigert", "correction"), ("Rest", "rest"),
    ("Mva på rest", "vat"), ("Adm.honorar", "admin_fee"), ("Mva på honorar", "admin_fee_vat"),
    ("Fakturabeløp inkl. mva", "invoice_total"),
)
SUMMARY_GAP = 2  # empty rows between the last object row and the summary's header row
FRACTION_LABEL = "Sum tellere / nevner"  # footer: "524,6 / 703" (spec §6.9, §8)

BEREGNING = Sheet(
    name="Beregning",
    role=Role.ENGINE,
    blocks=(CALCULATION,),
    texts=(
        Text("A1", "Beregning", "title"),
        Text(f"A{NOTE_ROW}", "Skrives av avregn ved hver beregning; endringer her blir "
                             "overskrevet.", "note"),
    ),
    required=False,
    help="Resultatet per objekt og oppsummeringen. Skrives av avregn.",
)

# --- Status: written by the engine --------------------------------------------------------------

STATUS_FORM = Form(
    name="Statusinfo",
    section="",
    header_row=NOTE_ROW + 1,
    headers=("Nøkkel", "Verdi", ""),
    fields=(
        Column("Eiendomsobjekt", "property_object", Kind.TEXT, input=False),
        Column("Avregningsgruppe", "group", Kind.TEXT, input=False),
        Column("Periodestart", "period_start", Kind.DATE, number_format=FMT_DATE, input=False),
        Column("Periode", "period", Kind.TEXT, input=False,
               help="Fra–til, f.eks. 01.01.2024–31.12.2024."),
        Column("Status", "status", Kind.ENUM, choices=STATUSES, input=False),
        Column("Sist beregnet", "calculated_at", Kind.DATE, number_format=FMT_DATETIME,
               input=False),
        Column("Fingeravtrykk", "fingerprint", Kind.TEXT, input=False,
               help="Inndataenes fingeravtrykk; endres når inndata endres."),
        Column("Antall objekter", "object_count", Kind.INTEGER, input=False),
        Column("Advarsler", "warning_count", Kind.INTEGER, input=False),
    ),
)

STATUS_OBJECTS = Table(
    name="Objektstatus",
    section="",
    header_row=STATUS_FORM.last_row + 3,
    excel_table=False,
    columns=(
        Column("Id", "id", Kind.TEXT, width=10, input=False),
        Column("Kontrakt", "contract_name", Kind.TEXT, width=26, input=False),
        Column("Kontraktsobjekt", "name", Kind.TEXT, width=22, input=False),
        Column("Kunde-id", "customer_id", Kind.TEXT, width=14, input=False),
        Column("Fakturastatus", "invoice_status", Kind.ENUM, width=20,
               choices=INVOICE_STATUSES, input=False),
        Column("Eksportert", "exported", Kind.TEXT, width=12, input=False),
        Column("Rest", "rest", Kind.MONEY, number_format=FMT_MONEY, input=False),
        Column("Mva på rest", "vat", Kind.MONEY, number_format=FMT_MONEY, input=False),
        Column("Adm.honorar", "admin_fee", Kind.MONEY, number_format=FMT_MONEY, input=False),
        Column("Mva på honorar", "admin_fee_vat", Kind.MONEY, number_format=FMT_MONEY,
               input=False),
        Column("Fakturabeløp inkl. mva", "invoice_total", Kind.MONEY, number_format=FMT_MONEY,
               input=False),
    ),
)
STATUS_TOTAL_LABEL = "Sum leietakere"  # the row under the objects: the tenants' summary

STATUS_WARNINGS = Table(
    name="Advarsler",
    section="",
    header_row=STATUS_OBJECTS.header_row,
    first_col=STATUS_OBJECTS.last_col + 2,
    excel_table=False,
    columns=(
        Column("Hvor", "where", Kind.TEXT, width=26, input=False),
        Column("Advarsel", "message", Kind.TEXT, width=80, input=False),
    ),
)

# The control block of the banner (spec §9b), right of the objects table: per input range the
# checksums at the calculation and a formula that compares them with the range now.
CONTROL = Table(
    name="Kontroll",
    section="",
    header_row=STATUS_OBJECTS.header_row,
    first_col=STATUS_WARNINGS.last_col + 2,  # the template puts the warnings' headers between
    excel_table=False,
    columns=(
        Column("Inndata", "range", Kind.TEXT, width=30, input=False),
        Column("Sum tall", "sum", Kind.NUMBER, width=14, input=False),
        Column("Vektet sum", "weighted", Kind.NUMBER, width=16, input=False),
        Column("Antall tekster", "text_count", Kind.INTEGER, width=9, input=False),
        Column("Tekstlengde", "text_length", Kind.INTEGER, width=11, input=False),
        Column("Vektet lengde", "text_weighted", Kind.INTEGER, width=12, input=False),
        Column("Vektet sifersum", "text_digits", Kind.INTEGER, width=12, input=False),
        Column("Toleranse", "tolerance", Kind.NUMBER, width=10, input=False),
        Column("Vektet toleranse", "weighted_tolerance", Kind.NUMBER, width=10, input=False),
        Column("Endret", "changed", Kind.TEXT, width=8, input=False),
    ),
)

STATUS = Sheet(
    name="Status",
    role=Role.ENGINE,
    blocks=(STATUS_FORM, STATUS_OBJECTS, STATUS_WARNINGS),
    texts=(
        Text("A1", "Status", "title"),
        Text(f"A{NOTE_ROW}", "Skrives av avregn; endringer her blir overskrevet.", "note"),
    ),
    required=False,
    help="Avregningens status, fingeravtrykk, advarsler og fakturastatus per objekt.",
)

# --- The workbook -------------------------------------------------------------------------------

SHEETS: tuple[Sheet, ...] = (AVREGNING, BROK, TIL_FORDELING, KONTRAKTSOBJEKT_KONTI, A_KONTO,
                             KONTOVALG, BEREGNING, STATUS)
INPUT_SHEETS = tuple(s for s in SHEETS if s.role is Role.INPUT)
ENGINE_SHEETS = tuple(s for s in SHEETS if s.role is Role.ENGINE)
SHEET_BY_NAME: Mapping[str, Sheet] = {s.name: s for s in SHEETS}


def sheet(name: str) -> Sheet:
    return SHEET_BY_NAME[name]


def blocks() -> Iterator[tuple[Sheet, Block]]:
    for s in SHEETS:
        for b in s.blocks:
            yield s, b


def setting_name(field_name: str) -> str:
    """The defined name of one setting's value cell (``avregn.period_start``)."""
    return f"avregn.{field_name}"


# --- Contract value → cell value (for writers: template filling, new period, live Excel) --------

def format_nb(value: Decimal, places: int | None = None) -> str:
    """``1234.5`` → ``1 234,50`` (places=2) or ``1 234,5``: text the reader reads back (a
    plain space, as a user types it)."""
    return format_number(value, places, separator=" ")


def _decimal(value: Any) -> Decimal:
    return value if isinstance(value, Decimal) else Decimal(str(value))


FEE_VAT_SHOWN = "vat_shown"  # a writer's mark: the fee's VAT flag differs from the settlement's


def fee_text(fee: Mapping[str, Any] | None) -> str | None:
    """An admin fee as the *Adm.honorar* cell shows it: ``ingen``, ``5 %``, ``1 500,00``; with
    ``med mva``/``uten mva`` when the writer marked that its VAT flag differs from the
    settlement's (``FEE_VAT_SHOWN``)."""
    if fee is None:
        return None
    mode = fee.get("mode", "none")
    if mode == "none":
        return "ingen"
    value = _decimal(fee.get("value", 0))
    text = f"{format_nb(value.normalize())} %" if mode == "percent" else format_nb(value, 2)
    if fee.get(FEE_VAT_SHOWN):
        text += " med mva" if fee.get("vat_liable", True) else " uten mva"
    return text


def cell_value(column: Column, value: Any) -> Any:
    """A contract value (as the reader produces it) → what to write in the column's cell."""
    if value is None:
        return None
    kind = column.kind
    if kind is Kind.DATE:
        if isinstance(value, datetime | date):
            return value
        return date.fromisoformat(str(value))
    if kind in (Kind.MONEY, Kind.NUMBER):
        return _decimal(value)
    if kind is Kind.INTEGER:
        return int(value)
    if kind is Kind.PERCENT:
        return _decimal(value) / 100
    if kind is Kind.FLAG:
        return "X" if value else None
    if kind is Kind.YES_NO:
        return "Ja" if value else "Nei"
    if kind is Kind.ENUM:
        return column.label(str(value))
    if kind is Kind.FIXED:
        if value is True:
            return "X"
        return None if value is False else _decimal(value)
    if kind is Kind.FEE:
        return fee_text(value)
    if kind is Kind.FEE_VALUE:
        return format_nb(_decimal(value)) if not isinstance(value, str) else value
    if kind is Kind.ADDRESS_LINES:
        lines = [value] if isinstance(value, str) else list(value)
        return "\n".join(str(line) for line in lines) or None
    return str(value)


@dataclass(frozen=True, slots=True)
class RowCells:
    """One record's cells, for writers: ``{column index: value}`` on ``row``."""

    row: int
    values: dict[int, Any] = field(default_factory=dict)


def nested_value(record: Mapping[str, Any], field_name: str) -> tuple[bool, Any]:
    """``record["address"]["city"]`` for ``address.city``: (found, value)."""
    head, _, tail = field_name.partition(".")
    if head not in record:
        return False, None
    value = record[head]
    if not tail:
        return True, value
    if not isinstance(value, Mapping) or tail not in value:
        return False, None
    return True, value[tail]


def table_row(table: Table, record: Mapping[str, Any], row: int) -> RowCells:
    """The cells of one contract record (``record`` keyed by field) in a table row."""
    out = RowCells(row)
    for i, col in enumerate(table.columns):
        found, value = nested_value(record, col.field)
        if found:
            out.values[table.first_col + i] = cell_value(col, value)
    return out


SETTINGS_FORMS = (SETTINGS, INVOICING)  # the forms of *Avregning* the user fills in
WRITTEN_FORMS = (SETTINGS, STATUS_CELL, INVOICING)  # …and what a writer fills (the status too)


def settings_cells(settlement: Mapping[str, Any]) -> dict[str, Any]:
    """``{"B4": "Prøvegata 4", …}``: the settings forms' value cells for a settlement dict
    (with the status cell, which is written but never read back)."""
    out: dict[str, Any] = {}
    fee = settlement.get("admin_fee")
    for form in WRITTEN_FORMS:
        for col in form.fields:
            if col.field == "admin_fee.value":
                if isinstance(fee, Mapping):
                    mode = fee.get("mode", "none")
                    raw = fee.get("value")
                    out[form.cell(col.field)] = (
                        None if mode == "none" or raw is None else
                        f"{format_nb(_decimal(raw).normalize())} %" if mode == "percent"
                        else format_nb(_decimal(raw), 2))
                continue
            found, raw = nested_value(settlement, col.field)
            if found and raw is not None and raw != "" and raw != []:
                out[form.cell(col.field)] = cell_value(col, raw)
    return out
