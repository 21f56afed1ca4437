"""The worksheet functions: one model per input, lookups per cell, answers equal to the engine's,
and conversions that xlwings' own Windows code accepts (``addin/xlwings_windows.py``)."""

from __future__ import annotations

import io
import re
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from test_addin import NOW, calamine_rows, excel_like, make_book

from addin import udfs
from addin.messages import udf_error
from addin.xlwings_windows import COM_MISSING, windows_xlwings
from avregn import actions
from avregn.book import FileBook
from avregn.demo import demo_data
from avregn.formatting import nok, number
from avregn.workbook import layout
from engine.calculation import calculate
from engine.contract import parse_settlement
from engine.result import Result

Blocks = tuple[Any, Any, Any, Any, Any]
FUNCTIONS = ("AVREGN_MODELL", "AVREGN_ANDEL", "AVREGN_REST", "AVREGN_BROK", "AVREGN_KR_PR_ENHET",
             "AVREGN_FORKLAR", "AVREGN_BEREGNING", "AVREGN_VEKTET_TELLER", "AVREGN_VERSJON")


def udf_blocks(path: Path, with_headers: bool = True) -> Blocks:
    """The template's named blocks as Excel hands them to ``AVREGN_MODELL``: Innstillinger
    (labels and values, the status row left out as the workbook's layout will have it) and the
    tables (``Tabell[#All]`` or just the data rows)."""
    sheets = {name: [[excel_like(v) for v in row] for row in rows]
              for name, rows in calamine_rows(path).items()}
    form = layout.SETTINGS
    settings = [row[form.label_col - 1: form.value_col] for row in
                sheets[layout.AVREGNING.name][form.first_row - 1: form.last_row]]
    status = {c.header for c in form.fields if c.field == "status"}
    settings = [row for row in settings if row[0] not in status]
    out: list[Any] = [settings]
    for sheet in (layout.BROK, layout.TIL_FORDELING, layout.KONTRAKTSOBJEKT_KONTI,
                  layout.A_KONTO):
        table = sheet.block
        assert isinstance(table, layout.Table)
        rows = sheets[sheet.name]
        start = table.header_row if with_headers else table.first_data_row
        block = [row[table.first_col - 1: table.last_col] for row in rows[start - 1:]]
        width = table.last_col - table.first_col + 1
        out.append([row + [None] * (width - len(row)) for row in block])
    return out[0], out[1], out[2], out[3], out[4]


@pytest.fixture(autouse=True)
def _fresh_cache() -> None:
    udfs.clear_cache()


@pytest.fixture
def demo_result() -> Result:
    settlement, problems = parse_settlement(demo_data())
    assert settlement is not None, problems
    return calculate(settlement)


@pytest.fixture
def blocks(tmp_path: Path) -> Blocks:
    return udf_blocks(make_book(tmp_path)[0])


def column(blocks: Blocks, index: int, header: str) -> int:
    return list(blocks[index][0]).index(header)


# --- One model, lookups per cell ---------------------------------------------------------------


@pytest.mark.parametrize("with_headers", [True, False])
def test_functions_equal_the_engine(tmp_path: Path, demo_result: Result, with_headers: bool,
                                    monkeypatch: pytest.MonkeyPatch) -> None:
    path, _ = make_book(tmp_path)
    runs: list[int] = []
    real = udfs.build_model

    def counted(arguments: Any) -> Any:
        runs.append(1)
        return real(arguments)

    monkeypatch.setattr(udfs, "build_model", counted)
    blocks = udf_blocks(path, with_headers)
    handle = udfs.AVREGN_MODELL(*blocks)
    assert re.fullmatch(r"Modell [0-9a-f]{12}", handle)
    assert udfs.AVREGN_MODELL(*blocks) == handle
    for obj in demo_result.objects:
        assert udfs.AVREGN_ANDEL(handle, obj.id) == float(obj.total)
        assert udfs.AVREGN_REST(handle, obj.id) == float(obj.rest)
        assert udfs.AVREGN_BROK(handle, obj.id) == pytest.approx(
            float(obj.weighted_numerator) / float(demo_result.denominator), rel=1e-15)
        for acc in demo_result.accounts:
            expected = demo_result.allocation(obj.id, acc.account).tenant_share
            assert udfs.AVREGN_ANDEL(handle, obj.id, float(acc.account)) == float(expected)
    for acc in demo_result.accounts:
        assert udfs.AVREGN_KR_PR_ENHET(handle, acc.account) == float(acc.per_unit)
    assert len(runs) == 1  # one calculation, then lookups


def test_money_sums_like_the_engine(blocks: Blocks, demo_result: Result) -> None:
    handle = udfs.AVREGN_MODELL(*blocks)
    rests = [udfs.AVREGN_REST(handle, o.id) for o in demo_result.objects]
    assert all(type(r) is float for r in rests)  # numbers Excel can sum, never Decimal
    assert Decimal(str(round(sum(rests), 2))) == demo_result.summary.tenants.rest


def test_the_handle_follows_what_the_functions_can_return(blocks: Blocks) -> None:
    first = udfs.AVREGN_MODELL(*blocks)
    objects = blocks[1]
    flag = column(blocks, 1, layout.CONTRACT_OBJECTS.column("do_not_invoice").header)
    objects[3][flag] = "X"  # ✗: outside the fingerprint, but the invoice status changes
    marked = udfs.AVREGN_MODELL(*blocks)
    assert marked != first
    assert udfs.AVREGN_BEREGNING(marked)[3][-1] == layout.DO_NOT_INVOICE_MARK
    exported = column(blocks, 1, layout.CONTRACT_OBJECTS.column("exported").header)
    objects[3][exported] = "B-2025-01"
    assert udfs.AVREGN_MODELL(*blocks) not in (first, marked)
    objects[3][flag] = None
    objects[3][exported] = None
    assert udfs.AVREGN_MODELL(*blocks) == first  # the same input, the same handle
    costs = blocks[2]
    amount = column(blocks, 2, "Beløp")
    costs[1][amount] = float(costs[1][amount]) + 1000.0
    assert udfs.AVREGN_MODELL(*blocks) != first
    # Every handle seen is still answered while it is in the cache.
    assert isinstance(udfs.AVREGN_REST(first, "1001-1"), float)


def test_the_status_cell_is_no_part_of_the_model(tmp_path: Path) -> None:
    if not any(c.field == "status" for c in layout.SETTINGS.fields):
        pytest.skip("the layout keeps the status cell outside Innstillinger")
    path, _ = make_book(tmp_path)
    without = udf_blocks(path)
    settings = [list(row) for row in without[0]]
    settings.append([layout.SETTINGS.column("status").header, "Låst"])
    with_status = (settings, *without[1:])
    assert udfs.AVREGN_MODELL(*with_status) == udfs.AVREGN_MODELL(*without)


def test_true_and_one_are_different_inputs(monkeypatch: pytest.MonkeyPatch) -> None:
    seen: list[Any] = []
    monkeypatch.setattr(udfs, "build_model", lambda arguments: seen.append(arguments) or "x")
    udfs.AVREGN_MODELL([[True]], None, None, None, None)
    udfs.AVREGN_MODELL([[1.0]], None, None, None, None)
    udfs.AVREGN_MODELL([[1]], None, None, None, None)
    udfs.AVREGN_MODELL([[False]], None, None, None, None)
    udfs.AVREGN_MODELL([[0.0]], None, None, None, None)
    assert len(seen) == 5
    assert udfs.input_key(([[True]],)) != udfs.input_key(([[1.0]],))


def test_the_model_cache_is_bounded(blocks: Blocks) -> None:
    costs, amount = blocks[2], column(blocks, 2, "Beløp")
    handles = []
    for _ in range(udfs.CACHE_SIZE + 3):
        costs[1][amount] = float(costs[1][amount]) + 1.0
        handles.append(udfs.AVREGN_MODELL(*blocks))
    assert len(set(handles)) == len(handles)
    assert len(udfs._models) == udfs.CACHE_SIZE
    assert udfs.AVREGN_REST(handles[0], "1001-1") == udfs.RECALCULATE
    assert isinstance(udfs.AVREGN_REST(handles[-1], "1001-1"), float)


def test_a_handle_without_a_model_asks_for_a_full_recalculation(blocks: Blocks) -> None:
    handle = udfs.AVREGN_MODELL(*blocks)
    udfs.clear_cache()  # Python restarted; Excel kept the cells
    assert udfs.RECALCULATE == "#AVREGN: trykk Ctrl+Alt+F9"
    for answer in (udfs.AVREGN_ANDEL(handle, "1001-1"), udfs.AVREGN_REST(handle, "1001-1"),
                   udfs.AVREGN_BROK(handle, "1001-1"), udfs.AVREGN_KR_PR_ENHET(handle, "6300"),
                   udfs.AVREGN_FORKLAR(handle, "1001-1"), udfs.AVREGN_BEREGNING(handle)):
        assert answer == udfs.RECALCULATE
    assert udfs.AVREGN_MODELL(*blocks) == handle  # Ctrl+Alt+F9: the model is back
    assert isinstance(udfs.AVREGN_REST(handle, "1001-1"), float)


def test_errors_are_cell_texts(tmp_path: Path) -> None:
    data = demo_data()
    data["contract_objects"][2]["numerator"] = "-5"
    data["cost_lines"][1]["share_pct"] = "150"
    path, _ = make_book(tmp_path, data)
    answer = udfs.AVREGN_MODELL(*udf_blocks(path))
    by_file = actions.beregn(FileBook(path), now=NOW)
    assert answer == udf_error(by_file.problems)
    assert answer.startswith("#AVREGN: Til fordeling!E5: ") and "(og 1 til)" in answer
    assert udfs.AVREGN_ANDEL(answer, "1001-1") == answer  # passed on by every function
    assert udfs.AVREGN_BEREGNING(answer) == answer

    handle = udfs.AVREGN_MODELL(*udf_blocks(make_book(tmp_path, name="ok.xlsx")[0]))
    assert udfs.AVREGN_ANDEL(handle, "9999-9") == \
        "#AVREGN: fant ikke kontraktsobjektet «9999-9» i Brøk"
    assert udfs.AVREGN_ANDEL(handle, "1001-1", "1234") == \
        "#AVREGN: fant ikke kontoen «1234» i Til fordeling"
    assert udfs.AVREGN_REST(handle, None) == "#AVREGN: objekt mangler (Id fra Brøk)"
    assert udfs.AVREGN_KR_PR_ENHET(handle, None).startswith("#AVREGN: konto mangler")
    assert udfs.AVREGN_REST(42.0, "1001-1").startswith("#AVREGN: første argument")
    assert udfs.AVREGN_REST(-2146826273, "1001-1") == "#AVREGN: modellcellen viser #VALUE!"
    assert udfs.AVREGN_MODELL(None, 5, None, None, None).startswith("#AVREGN: ")
    broken = udfs.AVREGN_MODELL([["Eiendom", {"a": 1}]], None, None, None, None)
    assert broken.startswith("#AVREGN: ")


def test_an_empty_amount_is_an_error_as_for_beregn(blocks: Blocks) -> None:
    costs, amount = blocks[2], column(blocks, 2, "Beløp")
    costs[2][amount] = None
    answer = udfs.AVREGN_MODELL(*blocks)
    assert answer.startswith("#AVREGN: Til fordeling!C")


def test_an_object_left_out_says_why(tmp_path: Path) -> None:
    data = demo_data()
    data["contract_objects"].append({"id": "2001-1", "contract_name": "Gammel AS",
                                     "start": "2010-01-01", "end": "2012-12-31",
                                     "numerator": "10"})
    handle = udfs.AVREGN_MODELL(*udf_blocks(make_book(tmp_path, data)[0]))
    assert "ikke med i avregningen" in udfs.AVREGN_REST(handle, "2001-1")


# --- Explanations, the spilled table, the pure helper ------------------------------------------


def test_forklar_explains_an_account_and_an_object(blocks: Blocks, demo_result: Result) -> None:
    handle = udfs.AVREGN_MODELL(*blocks)
    line = udfs.AVREGN_FORKLAR(handle, "1001-1", "6300")
    allocation = demo_result.allocation("1001-1", "6300")
    account = demo_result.account("6300")
    assert line == (f"6300 Renhold fellesareal: 120,5 kvm × faktor 1 / "
                    f"{number(account.denominator, 4)} × {nok(account.to_distribute)} = "
                    f"{nok(allocation.distributed)}.")
    shared = udfs.AVREGN_FORKLAR(handle, "1001-1", "6400")  # 60 % of 61 500 taken
    assert "36\u00a0900,00" in shared
    total = udfs.AVREGN_FORKLAR(handle, "1002-1")
    assert total.startswith("1002-1: andel ") and "tak " in total and "= rest " in total
    obj = demo_result.object("1002-1")
    assert total.endswith(f"= rest {nok(obj.rest)}; adm.honorar {nok(obj.admin_fee)}.")


def test_forklar_of_an_account_with_a_share_agreement(tmp_path: Path) -> None:
    data = demo_data()
    data["adjustments"] = [{"object": "1001-1", "account": "6300", "share_pct": "80",
                            "factor": "2"},
                           {"object": "1002-1", "account": "6300", "participates": False}]
    handle = udfs.AVREGN_MODELL(*udf_blocks(make_book(tmp_path, data)[0]))
    line = udfs.AVREGN_FORKLAR(handle, "1001-1", "6300")
    assert "× faktor 2 /" in line and "× andel 80 % = " in line
    assert "deltar ikke" in udfs.AVREGN_FORKLAR(handle, "1002-1", "6300")


def test_beregning_spills_the_sheets_table(tmp_path: Path) -> None:
    path, _ = make_book(tmp_path)
    assert actions.beregn(FileBook(path), now=NOW).ok
    handle = udfs.AVREGN_MODELL(*udf_blocks(path))
    table = udfs.AVREGN_BEREGNING(handle)
    sheet = calamine_rows(path)[layout.BEREGNING.name]
    calc = layout.CALCULATION
    width = len(calc.columns)
    assert all(len(row) == width for row in table)  # rectangular: xlwings refuses jagged
    assert table[0] == [c.header for c in calc.columns]
    first = calc.header_row - 1
    expected = [[excel_like(v) for v in row[calc.first_col - 1: calc.last_col]]
                for row in sheet[first: first + len(table)]]
    got = [[None if v == "" else v for v in row] for row in table]
    assert got == [[v if v is not None else None for v in row] for row in expected]
    assert udfs.AVREGN_BEREGNING(handle) is table  # built once


@pytest.mark.parametrize(("args", "expected"), [
    ((120.5, datetime(2019, 5, 1), None, datetime(2024, 1, 1), datetime(2024, 12, 31)), 120.5),
    ((45.0, datetime(2024, 4, 1), "", datetime(2024, 1, 1), datetime(2024, 12, 31)),
     45 * 275 / 366),
    ((98.0, 43891.0, 45535.0, 45292.0, 45657.0), 98 * 244 / 366),  # serial numbers
    (("120,5", date(2024, 7, 1), None, date(2024, 1, 1), date(2024, 12, 31)), 120.5 * 184 / 366),
    ((10.0, datetime(2025, 1, 1), None, datetime(2024, 1, 1), datetime(2024, 12, 31)), 0.0),
])
def test_weighted_numerator(args: tuple[Any, ...], expected: float) -> None:
    assert udfs.AVREGN_VEKTET_TELLER(*args) == pytest.approx(expected, rel=1e-15)


def test_weighted_numerator_agrees_with_the_engine(demo_result: Result) -> None:
    data = demo_data()
    for raw, obj in zip(data["contract_objects"], demo_result.objects, strict=False):
        if raw["id"] != obj.id:
            continue
        end = date.fromisoformat(raw["end"]) if raw.get("end") else None
        got = udfs.AVREGN_VEKTET_TELLER(float(raw["numerator"]),
                                        date.fromisoformat(raw["start"]), end,
                                        demo_result.period_start, demo_result.period_end)
        assert got == float(obj.weighted_numerator)


def test_weighted_numerator_errors() -> None:
    assert udfs.AVREGN_VEKTET_TELLER("x", date(2024, 1, 1), None, date(2024, 1, 1),
                                     date(2024, 12, 31)).startswith("#AVREGN: teller")
    assert udfs.AVREGN_VEKTET_TELLER(1.0, "i går", None, date(2024, 1, 1),
                                     date(2024, 12, 31)).startswith("#AVREGN: start")
    assert "før periodestart" in udfs.AVREGN_VEKTET_TELLER(
        1.0, date(2024, 1, 1), None, date(2024, 12, 31), date(2024, 1, 1))


def test_version() -> None:
    assert re.fullmatch(r"avregn \S+ · xlwings \S+", udfs.AVREGN_VERSJON())


# --- Through xlwings' own Windows decorators and conversion ------------------------------------


def test_every_function_converts_through_real_xlwings(blocks: Blocks, demo_result: Result) -> None:
    with windows_xlwings() as xl:
        u = xl.udfs
        assert sorted(n for n in dir(u) if hasattr(getattr(u, n), "__xlfunc__")) == \
            sorted(FUNCTIONS)
        # A range arrives from COM as tuples of rows; a cell error as its integer code.
        com_blocks = [tuple(tuple(row) for row in block) for block in blocks]
        handle = xl.call(u.AVREGN_MODELL, *com_blocks)
        assert re.fullmatch(r"\[\['Modell [0-9a-f]{12}'\]\]", repr(handle))
        h = handle[0][0]
        number = xl.call(u.AVREGN_REST, h, "1001-1")
        assert isinstance(number[0][0], float)
        assert xl.call(u.AVREGN_ANDEL, h, "1001-1", COM_MISSING) == \
            xl.call(u.AVREGN_ANDEL, h, "1001-1", "")
        assert isinstance(xl.call(u.AVREGN_ANDEL, h, "1001-1", 6300.0)[0][0], float)
        assert isinstance(xl.call(u.AVREGN_BROK, h, "1001-1")[0][0], float)
        assert isinstance(xl.call(u.AVREGN_KR_PR_ENHET, h, 6300.0)[0][0], float)
        text = xl.call(u.AVREGN_FORKLAR, h, "1001-1", COM_MISSING)
        assert text[0][0].startswith("1001-1: andel ")
        na = next(code for code, name in xl.cell_errors.items() if name == "#N/A")
        assert xl.call(u.AVREGN_REST, h, na) == [["#AVREGN: objekt er feilverdien #N/A"]]
        spill = -2146828288 + 2045  # not among xlwings' seven: arrives as the integer
        assert xl.call(u.AVREGN_KR_PR_ENHET, h, spill) == \
            [["#AVREGN: konto er feilverdien #SPILL!"]]
        error = xl.call(u.AVREGN_REST, h, "9999-9")
        assert error == [["#AVREGN: fant ikke kontraktsobjektet «9999-9» i Brøk"]]
        table = xl.call(u.AVREGN_BEREGNING, h)
        assert len(table) == 1 + len(demo_result.objects) and len({len(row) for row in table}) == 1
        assert "" in table[1]  # an empty cell of the table is an empty text, not None
        assert xl.call(u.AVREGN_VEKTET_TELLER, 120.5, datetime(2019, 5, 1), "",
                       datetime(2024, 1, 1), datetime(2024, 12, 31)) == [[120.5]]
        assert xl.call(u.AVREGN_VERSJON)[0][0].startswith("avregn ")
        # A cell error inside a block is its text, reported at its cell.
        div0 = next(code for code, name in xl.cell_errors.items() if name == "#DIV/0!")
        broken = [list(map(list, b)) for b in com_blocks]
        numerator = column(blocks, 1, "Teller")
        broken[1][2][numerator] = div0
        answer = xl.call(u.AVREGN_MODELL, *broken)[0][0]
        assert answer.startswith("#AVREGN: Brøk!") and "#DIV/0!" in answer


def test_the_harness_catches_a_union_return_hint() -> None:
    """What the review found: ``-> float | str`` fails in xlwings' conversion."""
    with windows_xlwings() as xl:
        from xlwings import conversion

        def AVREGN_BAD(x: Any) -> float | str:
            return 1.0

        bad = xl.xlwings_udfs.xlfunc(AVREGN_BAD)
        with pytest.raises(AttributeError, match="router"):
            conversion.write(bad(1), None, bad.__xlfunc__["ret"]["options"])


def test_xlwings_generates_the_vba_of_every_function() -> None:
    with windows_xlwings() as xl:
        out = io.StringIO()

        class AddinBook:
            Name = "avregn.xlam"

        xl.xlwings_udfs.generate_vba_wrapper("addin.udfs", xl.udfs, out, AddinBook())
        vba = out.getvalue()
    for name in FUNCTIONS:
        assert re.search(rf"^Function {name}\(", vba, re.M), name
    assert "Function AVREGN_ANDEL(modell, objekt, Optional konto)" in vba
    assert 'XLPy.CallUDF("addin.udfs", "AVREGN_MODELL"' in vba
    assert "ActiveWorkbook, Application.Caller" in vba


# --- With the live port: what the buttons write is what the model reads -------------------------


def fake_blocks(book: Any) -> Blocks:
    """The named blocks of a workbook open in the fake Excel, as ``=AVREGN_MODELL(…)`` gets
    them: ``Innstillinger`` by its range, the tables by their (current) ranges."""
    form = layout.SETTINGS
    settings = book.sheets[layout.AVREGNING.name].range(form.ref())
    out: list[Any] = [settings.options(ndim=2, err_to_str=True).value]
    for sheet in (layout.BROK, layout.TIL_FORDELING, layout.KONTRAKTSOBJEKT_KONTI,
                  layout.A_KONTO):
        (table,) = [t for t in book.sheets[sheet.name].tables if t.name == sheet.block.name]
        out.append(table.range.options(ndim=2, err_to_str=True).value)
    return out[0], out[1], out[2], out[3], out[4]


def test_rows_added_by_a_button_reach_the_model(tmp_path: Path) -> None:
    from test_addin import fake_from_file

    from addin.live_book import XlwingsBook
    from avregn.workbook.new_book import write_new_workbook

    path = tmp_path / "avregning.xlsx"
    selection = [{"account": "6300", "name": "Renhold fellesareal"},
                 {"account": "6999", "name": "Ny konto"}]
    write_new_workbook(demo_data(), path, account_selection=selection, backup=False)
    book = fake_from_file(path)
    before = udfs.AVREGN_MODELL(*fake_blocks(book))
    assert before.startswith("Modell ")
    assert actions.fetch_accounts(XlwingsBook(book)).ok  # «Hent konti»: 6999, no amount yet
    after = udfs.AVREGN_MODELL(*fake_blocks(book))
    assert after.startswith("#AVREGN: Til fordeling!C12: ")  # the grown table is read


def test_the_toggle_button_gives_a_new_handle(tmp_path: Path) -> None:
    from test_addin import fake_from_file

    from addin.live_book import XlwingsBook

    path, _ = make_book(tmp_path)
    book = fake_from_file(path)
    first = udfs.AVREGN_MODELL(*fake_blocks(book))
    assert actions.set_do_not_invoice(XlwingsBook(book), "1003-1").ok
    toggled = udfs.AVREGN_MODELL(*fake_blocks(book))
    assert toggled != first and toggled.startswith("Modell ")
    row = next(r for r in udfs.AVREGN_BEREGNING(toggled) if r[3] == "1003-1")
    assert row[-1] == layout.DO_NOT_INVOICE_MARK
