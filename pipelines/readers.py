"""Read a CSV/TSV/TXT or XLSX file into a grid of text cells, each row tagged with its sheet row.

A grid is a polars frame of String columns ``c0, c1, …`` plus ``sheet_row`` (UInt32): the row
number a person sees when opening the file in a spreadsheet (CSV: the 1-based line number).
Nothing here knows about headers or fields; see ``pipelines.ingest``.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import zipfile
from dataclasses import dataclass
from pathlib import Path

import polars as pl

from contracts.errors import InputFileError
from pipelines.encodings import decode_bytes, decode_cell_by_font, sniff_delimiter

TEXT_SUFFIXES = (".csv", ".tsv", ".txt")
EXCEL_SUFFIXES = (".xlsx", ".xlsm")
SHEET_ROW = "sheet_row"


@dataclass(frozen=True)
class Grid:
    """Cells of one sheet (or text file) and how they were read."""

    cells: pl.DataFrame
    encoding: str | None = None
    sheet: str | None = None


def read_grid(path: Path, *, encoding: str | None = None, sheet: str | None = None) -> Grid:
    """Read ``path`` into a Grid; raises InputFileError with a one-line reason on bad input."""
    path = Path(path)
    if not path.exists():
        raise InputFileError(f"{path.name}: file not found")
    if path.stat().st_size == 0:
        raise InputFileError(f"{path.name}: the file is empty")
    suffix = path.suffix.lower()
    if suffix in EXCEL_SUFFIXES:
        return _read_xlsx(path, sheet)
    if suffix in TEXT_SUFFIXES:
        return _read_text(path, encoding)
    raise InputFileError(
        f"{path.name}: unsupported file type {suffix or '(none)'}; "
        f"expected one of {', '.join(TEXT_SUFFIXES + EXCEL_SUFFIXES)}"
    )


def _grid_from_records(records: list[list[str | None]], rows: list[int]) -> pl.DataFrame:
    width = max((len(r) for r in records), default=0)
    columns = {
        f"c{j}": [r[j] if j < len(r) else None for r in records] for j in range(width)
    }
    frame = pl.DataFrame(columns, schema={f"c{j}": pl.String for j in range(width)})
    return frame.with_columns(pl.Series(SHEET_ROW, rows, dtype=pl.UInt32))


def _read_text(path: Path, encoding: str | None) -> Grid:
    data = path.read_bytes()
    try:
        text, used = decode_bytes(data, encoding)
    except (UnicodeDecodeError, LookupError) as err:
        raise InputFileError(f"{path.name}: cannot decode the file as {encoding or 'text'} ({type(err).__name__})") from None
    if "\x00" in text:
        raise InputFileError(f"{path.name}: not a text spreadsheet (binary content)")
    if not text.strip():
        raise InputFileError(f"{path.name}: the file has no rows")
    delimiter = sniff_delimiter(text)
    lines = text.count("\n") + (0 if text.endswith("\n") else 1)
    try:
        cells = pl.read_csv(
            io.BytesIO(text.encode("utf-8")),
            has_header=False,
            infer_schema=False,
            separator=delimiter,
            truncate_ragged_lines=True,
            quote_char='"',
        )
    except pl.exceptions.PolarsError:
        cells = None
    if cells is not None and cells.height == lines:
        # One record per physical line (no quoted line breaks): line number = position + 1.
        cells = cells.rename({c: f"c{j}" for j, c in enumerate(cells.columns)})
        cells = cells.with_row_index(SHEET_ROW, offset=1).select(
            pl.exclude(SHEET_ROW), pl.col(SHEET_ROW).cast(pl.UInt32)
        )
        return Grid(cells, encoding=used)
    # Quoted fields span lines or rows are ragged: csv.reader knows the true line numbers.
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    records, rows = [], []
    start = 1
    for record in reader:
        records.append([v if v != "" else None for v in record])
        rows.append(start)
        start = reader.line_num + 1
    return Grid(_grid_from_records(records, rows), encoding=used)


def _cell_text(value: object) -> str | None:
    """Excel cell value → text as an officer would read it (dates as ISO, whole numbers without .0)."""
    if value is None:
        return None
    if isinstance(value, dt.datetime):
        return value.date().isoformat() if value.time() == dt.time(0) else value.isoformat(sep=" ")
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() and abs(value) < 1e15 else repr(value)
    if isinstance(value, int):
        return str(value)
    text = str(value)
    return text if text.strip() else None


def _read_xlsx(path: Path, sheet: str | None) -> Grid:
    import openpyxl  # imported here: 0.3 s, only needed for spreadsheets

    try:
        book = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, OSError, ValueError) as err:
        raise InputFileError(f"{path.name}: not a readable XLSX workbook ({type(err).__name__})") from None
    try:
        if sheet is not None and sheet not in book.sheetnames:
            raise InputFileError(f"{path.name}: no sheet named {sheet!r}; sheets: {book.sheetnames}")
        ws = book[sheet] if sheet is not None else book.worksheets[0]
        records, rows = [], []
        for row_number, row in enumerate(ws.iter_rows(), start=1):
            values = []
            for cell in row:
                text = _cell_text(cell.value)
                if text is not None and isinstance(cell.value, str):
                    font = getattr(getattr(cell, "font", None), "name", None)
                    text = decode_cell_by_font(text, font)
                values.append(text)
            if any(v is not None for v in values):
                records.append(values)
                rows.append(row_number)
        if not records:
            raise InputFileError(f"{path.name}: sheet {ws.title!r} has no rows")
        return Grid(_grid_from_records(records, rows), sheet=ws.title)
    except (zipfile.BadZipFile, KeyError, EOFError) as err:
        raise InputFileError(f"{path.name}: the workbook is damaged or truncated ({type(err).__name__})") from None
    finally:
        book.close()
