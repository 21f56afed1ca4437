"""Settlement letters: every figure in the PDFs (read back with poppler) against the engine's
result, the rules of issue 12 (refusals, addresses, «skal ikke faktureres», no overwriting),
a restyled template, and a snapshot of one letter."""

from __future__ import annotations

import re
import shutil
from datetime import date
from decimal import Decimal
from fractions import Fraction
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st
from letters_support import (
    calculated_book,
    crossing,
    demo,
    needs_pdftotext,
    pdf_text,
)
from snapshots import assert_snapshot

from avregn.book import FileBook
from avregn.commands import run_command
from avregn.formatting import nok, number
from avregn.letters import DEFAULT_TEMPLATE, copy_template, write_letters
from avregn.outputs import money_text, quantity_text, safe_name, unique_names
from avregn.workbook import layout
from avregn.workbook.new_book import write_new_workbook
from engine.model import InvoiceStatus
from engine.result import ObjectResult, Result
from engine.rounding import Mode, decimal_places

TODAY = date(2025, 2, 10)


def kr(value: Decimal) -> str:
    """The engine's amount as the letter must show it (after pdftotext: plain spaces)."""
    text = f"{value:,.2f}".replace(",", " ").replace(".", ",")
    return "0,00" if value == 0 else text


def qty(value: Decimal | Fraction, places: int = 6) -> str:
    return number(value, places).replace("\u00a0", " ")


def line_of(text: str, start: str) -> str:
    """The one line of ``text`` that starts with ``start`` (layout mode, whitespace trimmed)."""
    found = [ln.strip() for ln in text.splitlines() if ln.strip().startswith(start)]
    assert found, f"no line starts with {start!r}"
    return found[0]


def cells(line: str) -> list[str]:
    """A layout line split at runs of two or more spaces (single spaces are inside a cell)."""
    return [c for c in re.split(r"\s{2,}", line.strip()) if c]


def check_letter(text: str, result: Result, obj: ObjectResult) -> None:
    """Every figure of spec §8 in one letter's text, against the result."""
    accounts = {a.account: a for a in result.accounts}
    allocations = [result.allocation(obj.id, a) for a in accounts]
    for alloc in allocations:
        account = accounts[alloc.account]
        row = cells(line_of(text, f"{account.account} {account.name}"))
        factor = qty(alloc.factor) if alloc.participates else "–"
        pct = ("" if account.to_distribute == 0 else
               kr(decimal_places(Fraction(alloc.tenant_share) / Fraction(account.to_distribute)
                                 * 100, 2, mode=Mode.HALF_UP)))
        expected = [f"{account.account} {account.name}", kr(account.to_distribute), factor,
                    kr(alloc.distributed), kr(alloc.tenant_share)] + ([pct] if pct else [])
        assert row == expected, (obj.id, row, expected)
    sum_row = cells(line_of(text, "Sum "))
    assert sum_row[1:4] == [kr(result.summary.costs), kr(obj.distributed), kr(obj.share)]

    weighted = qty(obj.weighted_numerator, 4)
    assert f"Brøk: {weighted} / {qty(result.denominator)} {result.denominator_label}" in \
        " ".join(text.split()).replace("Brøk:  ", "Brøk: ")

    for counted in obj.invoices:
        inv = counted.invoice
        row = cells(line_of(text, inv.invoice_no + " "))
        assert row == [inv.invoice_no, f"{inv.period_from:%d.%m.%Y}–{inv.period_to:%d.%m.%Y}",
                       kr(inv.amount), kr(counted.counted)]
    if obj.invoices:
        assert cells(line_of(text, "Sum a konto"))[-1] == kr(obj.invoiced)

    def amount(label: str) -> str:
        rows = [cells(ln) for ln in text.splitlines() if ln.strip().startswith(label)]
        rows = [r for r in rows if len(r) >= 3 and r[-2] == "kr"]
        assert rows, f"no amount line starts with {label!r}"
        return rows[0][-1]

    assert amount("Deres andel av felleskostnadene") == kr(obj.total)
    assert amount("Fakturert a konto") == kr(obj.invoiced)
    assert amount("Annen a konto / korrigert") == kr(obj.correction)
    rest_label = ("Restbeløp å betale" if obj.rest > 0 else
                  "Restbeløp til gode" if obj.rest < 0 else "Restbeløp ")
    assert amount(rest_label) == kr(obj.rest)
    assert amount("Mva") == kr(obj.vat)
    assert amount("Restbeløp inkl. mva") == kr(obj.rest_incl_vat)
    assert amount("Administrasjonshonorar") == kr(obj.admin_fee)
    assert amount("Mva på administrasjonshonorar") == kr(obj.admin_fee_vat)
    assert amount("Administrasjonshonorar inkl. mva") == kr(obj.admin_fee_incl_vat)
    total_label = ("Å betale inkl. mva" if obj.invoice_total > 0 else
                   "Til gode inkl. mva" if obj.invoice_total < 0 else "Sum inkl. mva")
    assert amount(total_label) == kr(obj.invoice_total)
    if obj.cap_reduction > 0:
        assert amount("Redusert etter tak") == kr(-obj.cap_reduction)
        assert f"redusert med kr {kr(obj.cap_reduction)}" in " ".join(text.split())
    if obj.fixed_amount is not None:
        assert amount("Justert til fast beløp") == kr(-obj.fixed_difference)
        assert f"kr {kr(obj.fixed_amount)}" in " ".join(text.split())
    if not obj.vat_liable:
        assert "Mva (leieforholdet er ikke mva-pliktig)" in text
    if obj.invoice_status is InvoiceStatus.BELOW_MINIMUM:
        assert "under minste fakturabeløp" in text
    assert "Status: Beregnet · beregnet 03.02.2025 kl. 10:15" in text
    pages = len(re.findall(r"Side \d+ av \d+", text))
    assert f"Side {pages} av {pages}" in text


# --- Every figure, several settlements -----------------------------------------------------


@needs_pdftotext
@pytest.mark.slow
@pytest.mark.parametrize("make", [demo, crossing], ids=["demo", "crossing"])
def test_every_figure_matches_the_result(tmp_path: Path, make) -> None:
    book = calculated_book(tmp_path, make())
    outcome = write_letters(book, today=TODAY, include_not_invoiced=True)
    assert outcome.ok, outcome.lines()
    result = outcome.result
    assert result is not None
    *singles, whole = outcome.written
    assert len(singles) == len(result.objects)
    contracts = {o.id: o for o in outcome.settlement.contract_objects}
    for obj, path in zip(result.objects, singles, strict=True):
        assert path.name.startswith(f"{safe_name(obj.id)}_")
        text = pdf_text(path)
        check_letter(text, result, obj)
        contract = contracts[obj.id]
        assert contract.address is not None
        assert contract.address.lines[0] in text
        assert f"{contract.address.postcode} {contract.address.city}" in text
        assert "Kunde-id:" in text and contract.contract_name in text
    whole_text = pdf_text(whole)
    letters = whole_text.split("\f")
    starts = [k for k, page in enumerate(letters) if "Side 1 av" in page]
    assert len(starts) == len(result.objects)
    for obj, begin, end in zip(result.objects, starts, [*starts[1:], len(letters)],
                               strict=True):
        check_letter("\f".join(letters[begin:end]), result, obj)


@needs_pdftotext
@pytest.mark.slow
def test_the_crossing_settlement_shows_what_each_rule_did(tmp_path: Path) -> None:
    book = calculated_book(tmp_path, crossing())
    outcome = write_letters(book, today=TODAY)
    assert outcome.ok, outcome.lines()
    texts = {p.name.split("_")[0]: " ".join(pdf_text(p).split()) for p in outcome.written}
    # The crossing invoices count with their days inside the half year (§6.6), cumulatively.
    assert "K-2 01.12.2024–28.02.2025 4 500,00 1 550,00" in texts["A1"]
    assert "K-3 17.12.2024–15.01.2025 1 000,01 500,01" in texts["A1"]
    assert "ut over avregningsperioden" in texts["A1"]
    assert "Mva (leieforholdet er ikke mva-pliktig) kr 0,00" in texts["A1"]
    # Cap: 10 000 a year is 5 000 for the half year.
    assert "maksimumsbeløp (tak) for felleskostnader på kr 10 000,00 per år" in texts["A2"]
    assert "Restbeløp til gode kr -5 000,00" in texts["A2"]
    assert "Beløpet blir kreditert" in texts["A2"]
    assert "avtalt andel av beregnet andel på 6300 Renhold (50 %)" in texts["A2"]
    # Fixed = invoiced + correction.
    assert "fakturert a konto og korrigert, kr 3 500,00" in texts["A3"]
    assert "Annen a konto / korrigert kr 500,00" in texts["A3"]
    assert "går i null" in texts["A3"]
    # A fixed amount on a lease that started in the period, and a non-participating account.
    assert "Leieperiode i avregningen: 01.10.2024–31.12.2024 (92 av 184 dager)" in texts["A4"]
    assert "6400 Forsikring 4 938,27 – 0,00 0,00 0,00" in texts["A4"]
    assert "dere deltar ikke i kostnadene på 6400 Forsikring." in texts["A4"]
    # «Skal ikke faktureres»: its own letter, left out of the whole settlement, and said so.
    assert "Dette beløpet blir ikke fakturert." in texts["A5"]
    assert "A5" in outcome.message and "--med-ikke-fakturerte" in outcome.message
    assert "Fraflytter AS" not in texts["Alle"]
    assert "Takhaver AS" in texts["Alle"]


@needs_pdftotext
@pytest.mark.slow
def test_snapshot_of_one_letter(tmp_path: Path) -> None:
    book = calculated_book(tmp_path, demo())
    outcome = write_letters(book, object_id="1002-1", today=TODAY)
    assert outcome.ok, outcome.lines()
    assert [p.name for p in outcome.written] == ["1002-1_Advokatfirma_Lund_DA.pdf"]
    text = "\n".join(line.rstrip() for line in pdf_text(outcome.written[0]).splitlines())
    assert_snapshot("letter_demo_1002-1.txt", text.strip() + "\n")


@needs_pdftotext
@pytest.mark.slow
def test_a_restyled_template_is_used(tmp_path: Path) -> None:
    book = calculated_book(tmp_path, demo())
    mine = tmp_path / "maler" / "min-mal.typ"
    assert copy_template(mine).ok
    assert not copy_template(mine).ok  # never over an existing file
    text = mine.read_text(encoding="utf-8")
    assert "Med vennlig hilsen" in text
    mine.write_text(text.replace("Med vennlig hilsen", "Beste hilsener fra Økonomiavdelingen")
                        .replace('rgb("#1f3a5f")', 'rgb("#7a1f1f")'), encoding="utf-8")
    outcome = write_letters(book, template=mine, object_id="1001-1", today=TODAY)
    assert outcome.ok, outcome.lines()
    letter = pdf_text(outcome.written[0])
    assert "Beste hilsener fra Økonomiavdelingen" in letter
    assert "Med vennlig hilsen" not in letter


@pytest.mark.slow
def test_a_template_without_end_markers_still_gives_one_pdf_per_letter(tmp_path: Path) -> None:
    book = calculated_book(tmp_path, crossing())
    bare = tmp_path / "enkel.typ"
    bare.write_text('#let data = json(bytes(sys.inputs.at("data")))\n'
                    '#for (i, b) in data.letters.enumerate() {\n'
                    '  if i > 0 { pagebreak() }\n'
                    '  [Til #b.recipient.name: å betale kr #b.invoice_total]\n}\n',
                    encoding="utf-8")
    outcome = write_letters(book, template=bare, today=TODAY)
    assert outcome.ok, outcome.lines()
    from pypdf import PdfReader

    pages = [len(PdfReader(p).pages) for p in outcome.written]
    assert pages == [1] * len(outcome.result.objects) + [len(outcome.result.objects) - 1]


def test_a_broken_template_is_a_problem_naming_the_file(tmp_path: Path) -> None:
    book = calculated_book(tmp_path, crossing())
    broken = tmp_path / "feil.typ"
    broken.write_text("#let x = (\n", encoding="utf-8")
    outcome = write_letters(book, template=broken, today=TODAY)
    assert not outcome.ok
    assert outcome.problems[0].where == str(broken)
    assert outcome.problems[0].message.startswith("Typst:")
    missing = write_letters(book, template=tmp_path / "finnes-ikke.typ", today=TODAY)
    assert not missing.ok and "finnes ikke" in missing.problems[0].message


# --- Refusals ------------------------------------------------------------------------------


def status_cell() -> str:
    return f"{layout.STATUS.name}!{layout.STATUS_FORM.cell('status')}"


def test_refused_when_not_calculated(tmp_path: Path) -> None:
    path = tmp_path / "ny.xlsx"
    write_new_workbook(crossing(), path, backup=False)
    outcome = write_letters(FileBook(path), today=TODAY)
    assert not outcome.ok and not outcome.written
    assert "ikke beregnet" in outcome.message
    assert outcome.problems[0].where == status_cell()
    assert "Beregn først" in outcome.problems[0].message
    assert not (tmp_path / "ny-brev").exists()


def test_refused_when_inputs_changed_since_the_calculation(tmp_path: Path) -> None:
    book = calculated_book(tmp_path, crossing())
    edit = FileBook(book.path)
    edit.set_values({layout.TIL_FORDELING.name: {layout.COST_LINES.cell("amount", 4): 50001}})
    edit.commit()
    outcome = write_letters(book.__class__(book.path, book.source), today=TODAY)
    assert not outcome.ok and not outcome.written
    assert "utdatert" in outcome.message
    assert outcome.problems[0].where == status_cell()
    assert outcome.problems[0].message == (
        "Resultatet er utdatert: inndata er endret siden beregningen. Beregn på nytt (avregn "
        "beregn ARBEIDSBOK), kontroller, og lag dem så.")


def test_refused_when_the_input_has_errors(tmp_path: Path) -> None:
    book = calculated_book(tmp_path, crossing())
    edit = FileBook(book.path)
    edit.set_values({layout.BROK.name: {layout.CONTRACT_OBJECTS.cell("numerator", 4): "mye"}})
    edit.commit()
    outcome = write_letters(FileBook(book.path), today=TODAY)
    assert not outcome.ok and "inndata har feil" in outcome.message
    assert outcome.problems[0].where == f"{layout.BROK.name}!" \
        f"{layout.CONTRACT_OBJECTS.cell('numerator', 4)}"


def expected_address_cell(index: int) -> str:
    """Where the refusal must point: the address column once the layout has one (on the
    object's row), else the JSON path."""
    try:
        layout.CONTRACT_OBJECTS.index("address.lines")
    except KeyError:
        return f"contract_objects[{index}].address"
    row = layout.CONTRACT_OBJECTS.first_data_row + index
    return f"{layout.BROK.name}!{layout.CONTRACT_OBJECTS.cell('address.lines', row)}"


@pytest.mark.slow
def test_a_tenant_without_address_gets_no_letter_and_the_others_do(tmp_path: Path) -> None:
    data = crossing()
    del data["contract_objects"][1]["address"]
    book = calculated_book(tmp_path, data)
    outcome = write_letters(book, today=TODAY)
    assert not outcome.ok  # not every letter was written: exit 1, with what was written
    assert [p.where for p in outcome.problems] == [expected_address_cell(1)]
    assert "A2 (Takhaver AS) mangler adresse" in outcome.problems[0].message
    names = [p.name.split("_")[0] for p in outcome.written]
    assert names == ["A1", "A3", "A4", "A5", "Alle"]
    assert all(p.exists() for p in outcome.written)
    alone = write_letters(book, object_id="A2", today=TODAY, overwrite=True)
    assert not alone.ok and not alone.written
    assert alone.problems[0].where == expected_address_cell(1)


def test_an_address_without_postcode_gets_its_letter_and_a_warning(tmp_path: Path) -> None:
    data = crossing()
    data["contract_objects"][0]["address"] = {"lines": ["Storgata 1", "SE-111 22 Stockholm"]}
    book = calculated_book(tmp_path, data)
    outcome = write_letters(book, object_id="A1", today=TODAY)
    assert outcome.ok and len(outcome.written) == 1
    assert any("verken postnummer eller poststed" in w.message for w in outcome.warnings)


def test_missing_owner_address_is_a_warning(tmp_path: Path) -> None:
    data = crossing()
    del data["settlement"]["owner_address"]
    book = calculated_book(tmp_path, data)
    outcome = write_letters(book, object_id="A1", today=TODAY)
    assert outcome.ok
    assert any("Eiers adresse mangler" in w.message for w in outcome.warnings)


@pytest.mark.slow
def test_never_overwrites_without_being_told(tmp_path: Path) -> None:
    book = calculated_book(tmp_path, crossing())
    first = write_letters(book, today=TODAY)
    assert first.ok
    before = {p: p.read_bytes() for p in first.written}
    again = write_letters(book, today=date(2025, 3, 1))
    assert not again.ok and not again.written
    assert "--overskriv" in again.message
    assert {p.where for p in again.problems} == {str(p) for p in first.written}
    assert {p: p.read_bytes() for p in first.written} == before
    forced = write_letters(book, today=date(2025, 3, 1), overwrite=True)
    assert forced.ok and set(forced.written) == set(first.written)
    assert first.written[0].read_bytes() != before[first.written[0]]  # the new date
    assert first.written[0].parent == book.path.with_name("avregning-brev")


def test_unknown_and_absent_objects(tmp_path: Path) -> None:
    data = crossing()
    data["contract_objects"].append(
        {"id": "GAMMEL", "start": "2019-01-01", "end": "2023-12-31", "numerator": "10",
         "customer_id": "914778271", "address": {"lines": ["X"], "postcode": "0150"}})
    book = calculated_book(tmp_path, data)
    unknown = write_letters(book, object_id="NEI", today=TODAY)
    assert not unknown.ok and "fant ikke kontraktsobjektet «NEI»" in unknown.message
    absent = write_letters(book, object_id="GAMMEL", today=TODAY)
    assert not absent.ok and "tar ikke del" in absent.message


def test_progress_is_told_every_file(tmp_path: Path) -> None:
    book = calculated_book(tmp_path, crossing())
    seen: list[tuple[int, int]] = []
    outcome = write_letters(book, today=TODAY, out_dir=tmp_path / "ut",
                            progress=lambda done, total: seen.append((done, total)))
    assert outcome.ok
    assert seen == [(k, 6) for k in range(1, 7)]  # five letters and the whole settlement
    assert all(p.parent == tmp_path / "ut" for p in outcome.written)


# --- Command -------------------------------------------------------------------------------


def test_brev_command(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "ny.xlsx"
    write_new_workbook(crossing(), path, backup=False)
    assert run_command(["brev", str(path)], names=["brev"]) == 1
    err = capsys.readouterr().err
    assert f"{path}:{status_cell()}: Avregningen har ikke noe resultat" in err
    mal = tmp_path / "mal.typ"
    assert run_command(["brev", "--kopier-mal", str(mal)], names=["brev"]) == 0
    assert mal.read_bytes() == DEFAULT_TEMPLATE.read_bytes()
    assert run_command(["brev"], names=["brev"]) == 2


# --- Formatting and file names --------------------------------------------------------------


@given(st.decimals(min_value=Decimal("-1e12"), max_value=Decimal("1e12"), places=2,
                   allow_nan=False, allow_infinity=False))
def test_money_text_is_nok(value: Decimal) -> None:
    assert money_text(value) == nok(value)


@given(st.fractions(min_value=-10**9, max_value=10**9, max_denominator=10**6),
       st.integers(min_value=0, max_value=6))  # number() shows at most six
def test_quantity_text_is_number(value: Fraction, places: int) -> None:
    assert quantity_text(value, places) == number(value, places)


def test_safe_file_names() -> None:
    assert safe_name("1001-1 Kafé Hjørnet AS") == "1001-1_Kafé_Hjørnet_AS"
    assert safe_name("A/B: «Lund & Co» DA?") == "A_B_Lund_Co_DA"
    assert safe_name("..") == "uten_navn"
    assert safe_name("CON") == "_CON"
    assert len(safe_name("x" * 500)) <= 80
    assert unique_names(["a", "A", "a"], ".pdf") == ["a.pdf", "A_2.pdf", "a_3.pdf"]


def test_the_default_template_ships_with_the_package() -> None:
    import tomllib

    config = tomllib.loads((Path(__file__).parents[1] / "pyproject.toml").read_text())
    data = config["tool"]["setuptools"]["package-data"]["avregn"]
    assert "letters/templates/*.typ" in data
    assert DEFAULT_TEMPLATE.is_file()
    assert shutil.which("python") or True


@needs_pdftotext
@pytest.mark.slow
def test_an_object_with_payments_but_no_lease_days_is_credited_in_its_letter(
        tmp_path: Path) -> None:
    data = crossing()
    data["contract_objects"].append(
        {"id": "A6", "contract_no": "16", "contract_name": "Gått ut AS", "name": "Kontor F",
         "start": "2019-01-01", "end": "2024-06-30", "numerator": "50",
         "customer_id": "914778271", "address": {"lines": ["Vei 6"], "postcode": "0150",
                                                 "city": "OSLO"},
         "invoiced": [{"invoice_no": "K-9", "from": "2024-07-01", "to": "2024-09-30",
                       "amount": "900.00"}]})
    book = calculated_book(tmp_path, data)
    outcome = write_letters(book, object_id="A6", today=TODAY)
    assert outcome.ok, outcome.lines()
    obj = outcome.result.object("A6")
    assert obj.days == 0 and obj.rest == Decimal("-900.00")
    text = pdf_text(outcome.written[0])
    check_letter(text, outcome.result, obj)
    assert "Ingen leiedager i perioden (leieforholdet 01.01.2019–30.06.2024)" in \
        " ".join(text.split())


def test_progress_bar_only_on_a_terminal_and_for_more_than_a_handful() -> None:
    import io

    from avregn.commands.brev import HANDFUL, progress_bar

    class Terminal(io.StringIO):
        def isatty(self) -> bool:
            return True

    assert progress_bar(io.StringIO()) is None  # piped: silent
    screen = Terminal()
    show = progress_bar(screen)
    show(1, HANDFUL)
    assert screen.getvalue() == ""  # a handful: no bar
    for k in range(1, 21):
        show(k, 20)
    assert screen.getvalue().endswith("] 20/20 filer\n")
    assert "#" * 30 in screen.getvalue()
