"""The grid every format reader returns: text cells of one sheet, each row with its sheet row.

A grid is a polars frame of String columns ``c0, c1, …`` plus ``sheet_row`` (UInt32): the row
number a person sees when opening the file in a spreadsheet (CSV: the 1-based line number).
A workbook's grid keeps its merged ranges (a merged header is combined from them, see
``pipelines.ingest.layout``). Nothing here knows about headers or fields.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import polars as pl

SHEET_ROW = "sheet_row"

# (first sheet row, last sheet row, first column, last column): rows 1-based, columns 0-based.
Merge = tuple[int, int, int, int]


@dataclass(frozen=True)
class Grid:
    """Cells of one sheet (or text file) and how they were read."""

    cells: pl.DataFrame
    encoding: str | None = None
    sheet: str | None = None
    merges: tuple[Merge, ...] = ()
    hidden: bool = False


@dataclass
class SheetRows:
    """A sheet as read by a workbook reader: non-empty rows of text cells and their row numbers."""

    title: str
    records: list[list[str | None]]
    rows: list[int]
    merges: tuple[Merge, ...] = ()
    hidden: bool = False


def grid_of_sheet(sheet: SheetRows) -> Grid:
    """The grid of a sheet read by a workbook reader."""
    return Grid(grid_from_records(sheet.records, sheet.rows), sheet=sheet.title, merges=sheet.merges,
                hidden=sheet.hidden)


def grid_from_records(records: list[list[str | None]], rows: list[int]) -> pl.DataFrame:
    width = max((len(r) for r in records), default=0)
    columns = {
        f"c{j}": [r[j] if j < len(r) else None for r in records] for j in range(width)
    }
    frame = pl.DataFrame(columns, schema={f"c{j}": pl.String for j in range(width)})
    return frame.with_columns(pl.Series(SHEET_ROW, rows, dtype=pl.UInt32))



def cell_text(value: object) -> str | None:
    """Excel cell value → text as an officer would read it (dates as ISO, whole numbers without .0)."""
    if value is None:
        return None
    if isinstance(value, dt.datetime):
        return value.date().isoformat() if value.time() == dt.time(0) else value.isoformat(sep=" ")
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, dt.time):
        return value.isoformat()
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() and abs(value) < 1e15 else repr(value)
    if isinstance(value, int):
        return str(value)
    text = str(value)
    return text if text.strip() else None

