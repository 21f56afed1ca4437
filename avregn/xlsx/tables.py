"""Excel tables (``<table>`` parts) on a worksheet: where they are, their header cells, and
growing one down over rows written right below it, as Excel does when the user types there.

Only the ``ref`` of ``<table>``, its ``<autoFilter>`` and a ``<sortState>`` that ended at the
table's last row move down; the part is edited as text, every other byte stays. Tables never
shrink. A table is left as it is, with a warning, when it has a totals row (Excel would insert
the rows above it, which means moving cells), when it is bound to a query or an XML map, or when
the grown range would run into something Excel refuses inside a table (the caller says what).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass

from avregn.xlsx.cells import cell_ref, parse_range
from avregn.xlsx.errors import Issue, WorkbookError
from avregn.xlsx.package import MAIN_NS, REL_NS, Package
from avregn.xlsx.xmltext import decode, get_attr, parse_xml, root_prefix, set_attr, start_tag

RT_TABLE = REL_NS + "/table"

_M = f"{{{MAIN_NS}}}"

Area = tuple[int, int, int, int]  # first row, first col, last row, last col (1-based)


@dataclass(frozen=True, slots=True)
class TablePart:
    """An Excel table on a sheet, as its part says."""

    part: str  # zip member name
    name: str  # displayName: the name formulas use
    area: tuple[int, int, int, int]
    header_rows: int
    totals_rows: int  # -1: unreadable (treated as "has one")
    table_type: str
    columns: tuple[str | None, ...]


def _count(value: str | None, default: int) -> int:
    if value is None:
        return default
    return int(value) if value.strip().isdigit() else -1


def sheet_tables(pkg: Package, sheet_part: str) -> list[TablePart]:
    """The sheet's Excel tables, in the order of its relationships."""
    tables: list[TablePart] = []
    for rel in pkg.rels(sheet_part):
        part = None if rel.type != RT_TABLE or rel.external else pkg.find(rel.part)
        if part is None:
            continue
        root = parse_xml(pkg.read(part), part)
        area = parse_range(root.get("ref", ""))
        if area is None:
            continue
        tables.append(
            TablePart(
                part=part,
                name=root.get("displayName") or root.get("name") or part,
                area=area,
                header_rows=_count(root.get("headerRowCount"), 1),
                totals_rows=_count(root.get("totalsRowCount"), 0),
                table_type=root.get("tableType", "worksheet"),
                columns=tuple(c.get("name") for c in root.iter(f"{_M}tableColumn")),
            )
        )
    return tables


def table_headers(tables: list[TablePart]) -> dict[tuple[int, int], str | None]:
    """Header cells of the sheet's Excel tables → the column name Excel expects there."""
    headers: dict[tuple[int, int], str | None] = {}
    for table in tables:
        if table.header_rows == 0:
            continue
        r1, c1, _, c2 = table.area
        names = table.columns
        for col in range(c1, c2 + 1):
            headers[(r1, col)] = names[col - c1] if col - c1 < len(names) else None
    return headers


def area_ref(area: Area) -> str:
    return f"{cell_ref(area[0], area[1])}:{cell_ref(area[2], area[3])}"


def overlaps(a: Area, b: Area) -> bool:
    return a[0] <= b[2] and b[0] <= a[2] and a[1] <= b[3] and b[1] <= a[3]


def _rows_below(table: TablePart, filled: Mapping[int, set[int]]) -> int:
    """The last row of the block of rows right below ``table`` that get a value in its
    columns (the table's own last row if the row below gets none)."""
    _, c1, last, c2 = table.area
    while True:
        cols = filled.get(last + 1)
        if not cols or not any(c1 <= col <= c2 for col in cols):
            return last
        last += 1


def _move_end_row(tag: str, old_last: int, new_last: int) -> str:
    """``tag`` with its ``ref`` ending at ``new_last`` if it ended at ``old_last``."""
    ref = get_attr(tag, "ref")
    area = parse_range(ref) if ref else None
    if area is None or area[2] != old_last:
        return tag
    return set_attr(tag, "ref", area_ref((area[0], area[1], new_last, area[3])))


def grown_table_part(data: bytes, table: TablePart, new_last: int) -> bytes:
    """The table part with the ``ref`` of ``<table>``, its ``<autoFilter>`` and ``<sortState>``
    moved down to ``new_last``; every other byte as it was."""
    text, encoding = decode(data)
    p = root_prefix(text, "table")
    m = start_tag(p, "table").search(text)
    if m is None:
        raise WorkbookError(
            Issue(table.part, "Fant ikke <table> i tabelldelen; filen er skadet.")
        )
    old_last = table.area[2]
    tag = _move_end_row(m.group(0), old_last, new_last)
    # autoFilter and sortState come before tableColumns; sortState may sit in the autoFilter.
    columns = re.compile(rf"<{re.escape(p)}tableColumns[\s/>]").search(text, m.end())
    stop = columns.start() if columns is not None else len(text)
    head = text[m.end() : stop]
    head = start_tag(p, "autoFilter").sub(
        lambda f: _move_end_row(f.group(0), old_last, new_last), head, count=1
    )
    head = start_tag(p, "sortState").sub(
        lambda f: _move_end_row(f.group(0), old_last, new_last), head
    )
    new = (text[: m.start()] + tag + head + text[stop:]).encode(encoding)
    root = parse_xml(new, table.part)
    expected = area_ref((*table.area[:2], new_last, table.area[3]))
    if root.get("ref") != expected:  # e.g. a ref spelled in a way set_attr did not find
        raise WorkbookError(
            Issue(table.part, f"Kunne ikke utvide tabellen «{table.name}»; filen er uvanlig.")
        )
    return new


def grow_tables(
    pkg: Package,
    sheet_name: str,
    tables: list[TablePart],
    filled: Mapping[int, set[int]],
    obstacles: Callable[[], list[tuple[Area, str]]],
) -> tuple[dict[str, bytes], list[str], list[Issue]]:
    """New table parts for the tables that take in rows written right below them, what grew
    ("Kostnadslinjer A3:F13") and warnings for those that could not.

    ``filled``: row → the columns that get a value; ``obstacles()``: what a table may not grow
    into, each with how to name it to the user (asked only when a table would grow).
    """
    changed: dict[str, bytes] = {}
    grown: list[str] = []
    warnings: list[Issue] = []
    found: list[tuple[Area, str]] | None = None
    for table in tables:
        r1, c1, r2, c2 = table.area
        last = _rows_below(table, filled)
        if last == r2:
            continue
        below = (r2 + 1, c1, last, c2)
        where = f"{sheet_name}!{area_ref(below)}"
        if table.totals_rows != 0:
            # Excel puts new rows above the totals row; we would have to move cells for that.
            warnings.append(
                Issue(
                    where,
                    f"Tabellen «{table.name}» har en summeringsrad, så radene under den ble ikke "
                    "en del av tabellen. Flytt dem inn over summeringsraden i Excel om de skal "
                    "være med.",
                )
            )
            continue
        if table.table_type != "worksheet":
            warnings.append(
                Issue(
                    where,
                    f"Tabellen «{table.name}» er koblet til en spørring eller XML-kilde og ble "
                    "ikke utvidet over radene under den.",
                )
            )
            continue
        if found is None:
            found = obstacles()
        blocking = [what for area, what in found if overlaps(area, below)]
        if blocking:
            warnings.append(
                Issue(
                    where,
                    f"Tabellen «{table.name}» ble ikke utvidet over radene under den, fordi den "
                    f"da ville overlappe {blocking[0]}. Utvid tabellen i Excel om de skal være "
                    "med.",
                )
            )
            continue
        changed[table.part] = grown_table_part(pkg.read(table.part), table, last)
        grown.append(f"{table.name} {area_ref((r1, c1, last, c2))}")
    return changed, grown, warnings
