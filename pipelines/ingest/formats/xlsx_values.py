"""XLSX values through fastexcel (calamine, Rust): the fast path for workbooks without legacy fonts.

calamine reads cell values only: no fonts, and each sheet's range starts at its first used cell.
So the workbook's own XML gives the rest: whether any font is a legacy one (".VnTime",
"VNI-Times": then ``formats.xlsx`` reads cell by cell with openpyxl), each sheet's part, its
first used row and column (to keep sheet rows and column letters right) and its merged ranges.
Values are read as text the way ``grid.cell_text`` gives them.
"""

from __future__ import annotations

import html
import re
import zipfile
from pathlib import Path, PurePosixPath

import polars as pl

from pipelines.ingest.formats.grid import SHEET_ROW, Grid, Merge

_FONT_NAME = re.compile(rb'<(?:\w+:)?name\s+val="([^"]*)"')
_SHEET = re.compile(rb'<(?:\w+:)?sheet\b[^>]*?\bname="([^"]*)"[^>]*?\br:id="([^"]*)"')
_REL = re.compile(rb'<Relationship\b[^>]*?\bId="([^"]*)"[^>]*?\bTarget="([^"]*)"')
_REL_REVERSED = re.compile(rb'<Relationship\b[^>]*?\bTarget="([^"]*)"[^>]*?\bId="([^"]*)"')
# a cell holding something: a value, an inline string or a formula (self-closing cells are empty)
_FILLED_CELL = re.compile(rb'<(?:\w+:)?c\b[^>]*?\br="([A-Z]{1,3})([0-9]+)"[^>]*?(?<!/)>\s*<(?:\w+:)?(?:v|is|f)\b')
_MERGE = re.compile(rb'<(?:\w+:)?mergeCell\s+ref="([A-Z]+)([0-9]+)(?::([A-Z]+)([0-9]+))?"')
_MIDNIGHT = re.compile(r"^(\d{4}-\d{2}-\d{2}) 00:00:00$")


def column_index(letters: bytes) -> int:
    """b"A" → 0, b"AA" → 26."""
    n = 0
    for ch in letters:
        n = n * 26 + (ch - 64)
    return n - 1


def merges_of(xml: bytes) -> tuple[Merge, ...]:
    """Merged ranges of a sheet's XML: (first row, last row, first column, last column)."""
    if xml.rfind(b"mergeCell") < 0:
        return ()
    found = _MERGE.findall(xml, max(0, xml.rfind(b"sheetData>")))
    return tuple((int(r0), int(r1 or r0), column_index(c0), column_index(c1 or c0)) for c0, r0, c1, r1 in found)


def uses_legacy_fonts(book: zipfile.ZipFile) -> bool:
    """True when the workbook's styles name a TCVN3 (".Vn…") or VNI font."""
    try:
        styles = book.read("xl/styles.xml")
    except KeyError:
        return False
    names = (n.decode("utf-8", "replace").strip().lower() for n in _FONT_NAME.findall(styles))
    return any(n.startswith((".vn", "vni-", "vni ", "vni_")) for n in names)


def sheet_parts(book: zipfile.ZipFile) -> dict[str, str]:
    """Sheet name → the path of its XML part inside the package."""
    workbook = book.read("xl/workbook.xml")
    rels = book.read("xl/_rels/workbook.xml.rels")
    targets = {rid: target for rid, target in _REL.findall(rels)}
    targets.update({rid: target for target, rid in _REL_REVERSED.findall(rels)})
    parts = {}
    for name, rid in _SHEET.findall(workbook):
        target = targets.get(rid, b"").decode("utf-8")
        part = target.lstrip("/") if target.startswith("/") else str(PurePosixPath("xl") / target)
        parts[html.unescape(name.decode("utf-8"))] = part
    return parts


def _first_cell(xml: bytes) -> tuple[int, int] | None:
    """(row, column) 0-based of the first used row and the first used column, None if no cell is filled."""
    first = _FILLED_CELL.search(xml)
    if first is None:
        return None
    row = int(first.group(2)) - 1
    if re.search(rb'<(?:\w+:)?c\b[^>]*?\br="A[0-9]+"[^>]*?(?<!/)>\s*<(?:\w+:)?(?:v|is|f)\b', xml):
        return row, 0
    return row, min(column_index(c) for c in set(m.group(1) for m in _FILLED_CELL.finditer(xml)))


def read_values(path: Path, book: zipfile.ZipFile, sheet: str | None) -> list[Grid] | None:
    """A grid per sheet with a value (only ``sheet`` if given), or None when calamine cannot read
    the workbook (the caller then reads it with openpyxl, which explains what is wrong)."""
    import fastexcel

    try:
        reader = fastexcel.read_excel(str(path))
        parts = sheet_parts(book)
        names = reader.sheet_names if sheet is None else [sheet]
        grids = []
        for name in names:
            xml = book.read(parts[name])
            start = _first_cell(xml)
            if start is None:
                continue
            loaded = reader.load_sheet(name, header_row=None, dtypes="string", whitespace_as_null=True)
            cells = _grid_cells(loaded.to_polars(), *start)
            if cells.height:
                grids.append(Grid(cells, sheet=name, merges=merges_of(xml), hidden=loaded.visible != "visible"))
        return grids
    except Exception:  # noqa: BLE001 - any surprise: openpyxl reads it, or says why it cannot
        return None


def _grid_cells(frame: pl.DataFrame, first_row: int, first_col: int) -> pl.DataFrame:
    """calamine's range → grid columns c0… from column A, with sheet rows; empty rows dropped."""
    text = [
        pl.col(c).str.replace(_MIDNIGHT.pattern, "${1}").replace({"true": "1", "false": "0"}).alias(f"c{first_col + j}")
        for j, c in enumerate(frame.columns)
    ]
    cells = frame.select(text)
    lead = [pl.lit(None, pl.String).alias(f"c{j}") for j in range(first_col)]
    cells = cells.select(*lead, pl.all()) if lead else cells
    cells = cells.with_row_index(SHEET_ROW, offset=first_row + 1).with_columns(pl.col(SHEET_ROW).cast(pl.UInt32))
    data = [c for c in cells.columns if c != SHEET_ROW]
    cells = cells.filter(pl.any_horizontal(pl.col(data).is_not_null()))
    last = max((j for j, c in enumerate(data) if cells[c].null_count() < cells.height), default=-1)
    return cells.select(*data[: last + 1], SHEET_ROW)
