"""Read a CSV/TSV/TXT, XLSX or XLS file into grids of text cells, each row tagged with its sheet row.

A grid is a polars frame of String columns ``c0, c1, …`` plus ``sheet_row`` (UInt32): the row
number a person sees when opening the file in a spreadsheet (CSV: the 1-based line number).
A workbook gives one grid per sheet, with its merged ranges (a merged header is combined from
them, see ``pipelines.layout``). Nothing here knows about headers or fields.

What a file is comes from its bytes, not its name: a ZIP is read as XLSX, an OLE2 compound file
as XLS, anything else as text (".xls" files that are really tab-separated text are common).
Text is decoded by ``pipelines.encodings`` (UTF-8 ± BOM, UTF-16, Windows-1258, TCVN3, VNI), and
a Unicode text column holding TCVN3/VNI seen through cp1252 (a CSV saved from a ".VnTime" sheet)
is decoded too; workbook cells in a legacy font (".VnTime", "VNI-Times") are decoded cell by cell.
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import io
import re
import zipfile
from dataclasses import dataclass
from pathlib import Path

import polars as pl

from contracts.errors import InputFileError
from pipelines.encodings import decode_bytes, decode_cell_by_font, detect_legacy_text, sniff_delimiter

TEXT_SUFFIXES = (".csv", ".tsv", ".txt")
EXCEL_SUFFIXES = (".xlsx", ".xlsm", ".xls")
SHEET_ROW = "sheet_row"

ZIP_MAGIC = b"PK\x03\x04"
OLE2_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
# An encrypted (password-protected) XLSX is an OLE2 file holding this stream.
_ENCRYPTED_STREAM = "EncryptedPackage".encode("utf-16-le")

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


def file_sha256(path: Path) -> str | None:
    """SHA-256 of a file's bytes (hex), read in 1 MiB chunks; None when it cannot be read."""
    try:
        digest = hashlib.sha256()
        with open(path, "rb") as fh:
            for chunk in iter(lambda: fh.read(1 << 20), b""):
                digest.update(chunk)
        return digest.hexdigest()
    except OSError:
        return None


def read_grid(path: Path, *, encoding: str | None = None, sheet: str | None = None) -> Grid:
    """The first sheet (or the named one) of ``path``; InputFileError with a one-line reason."""
    return read_grids(path, encoding=encoding, sheet=sheet)[0]


def read_grids(path: Path, *, encoding: str | None = None, sheet: str | None = None) -> list[Grid]:
    """Every sheet of a workbook that holds a value (only ``sheet`` if given); a text file gives one.

    Raises InputFileError naming the file and what is wrong: missing, empty, not a spreadsheet,
    damaged or truncated workbook, password-protected, no sheet of that name, no rows.
    """
    path = Path(path)
    if not path.exists():
        raise InputFileError(f"{path.name}: file not found")
    if path.is_dir():
        raise InputFileError(f"{path.name}: is a folder, not a file")
    if path.stat().st_size == 0:
        raise InputFileError(f"{path.name}: the file is empty")
    suffix = path.suffix.lower()
    if suffix not in TEXT_SUFFIXES + EXCEL_SUFFIXES:
        raise InputFileError(
            f"{path.name}: unsupported file type {suffix or '(none)'}; "
            f"expected one of {', '.join(TEXT_SUFFIXES + EXCEL_SUFFIXES)}"
        )
    with open(path, "rb") as fh:
        head = fh.read(8)
    if head.startswith(ZIP_MAGIC):
        return _read_xlsx(path, sheet)
    if head.startswith(OLE2_MAGIC):
        data = path.read_bytes()
        if _ENCRYPTED_STREAM in data:
            raise InputFileError(f"{path.name}: the workbook is password-protected; save a copy without a password")
        from pipelines._xls import read_xls  # needs xlrd

        return [_grid(s) for s in read_xls(path, sheet)]
    return [_read_text(path, encoding)]


@dataclass
class SheetRows:
    """A sheet as read by a workbook reader: non-empty rows of text cells and their row numbers."""

    title: str
    records: list[list[str | None]]
    rows: list[int]
    merges: tuple[Merge, ...] = ()
    hidden: bool = False


def _grid(sheet: SheetRows) -> Grid:
    return Grid(_grid_from_records(sheet.records, sheet.rows), sheet=sheet.title, merges=sheet.merges,
                hidden=sheet.hidden)


def _grid_from_records(records: list[list[str | None]], rows: list[int]) -> pl.DataFrame:
    width = max((len(r) for r in records), default=0)
    columns = {
        f"c{j}": [r[j] if j < len(r) else None for r in records] for j in range(width)
    }
    frame = pl.DataFrame(columns, schema={f"c{j}": pl.String for j in range(width)})
    return frame.with_columns(pl.Series(SHEET_ROW, rows, dtype=pl.UInt32))


# ------------------------------------------------------------------------------------ text


def _what_is(data: bytes) -> str | None:
    """A short name for content that is clearly not a text spreadsheet, else None."""
    start = data[:1024].lstrip().lower()
    if start.startswith(b"%pdf"):
        return "a PDF document"
    if start.startswith((b"<!doctype html", b"<html", b"<table", b"<?xml", b"<meta")):
        return "an HTML or XML page (open it in Excel and save it as .xlsx)"
    if start.startswith((b"\x89png", b"\xff\xd8\xff", b"gif8")):
        return "an image"
    if start.startswith((b"{\\rtf",)):
        return "an RTF document"
    return None


def _read_text(path: Path, encoding: str | None) -> Grid:
    data = path.read_bytes()
    what = _what_is(data)
    if what:
        raise InputFileError(f"{path.name}: not a spreadsheet: the file is {what}")
    try:
        text, used = decode_bytes(data, encoding)
    except (UnicodeDecodeError, LookupError) as err:
        reason = "unknown encoding name" if isinstance(err, LookupError) else "bytes not valid in that encoding"
        raise InputFileError(f"{path.name}: cannot decode the file as {encoding or 'text'} ({reason})") from None
    if "\x00" in text or _control_share(text) > 0.05:
        raise InputFileError(f"{path.name}: not a spreadsheet: the file holds binary data, not text")
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
    if cells is not None and cells.height == lines and "\r" not in text:
        # One record per physical line (no quoted line breaks): line number = position + 1.
        cells = cells.rename({c: f"c{j}" for j, c in enumerate(cells.columns)})
        cells = cells.with_row_index(SHEET_ROW, offset=1).select(
            pl.exclude(SHEET_ROW), pl.col(SHEET_ROW).cast(pl.UInt32)
        )
        return _legacy_columns(Grid(cells, encoding=used), encoding)
    # Quoted fields span lines, old Mac line ends or ragged rows: csv.reader knows the true line numbers.
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    records, rows = [], []
    start = 1
    try:
        for record in reader:
            records.append([v if v != "" else None for v in record])
            rows.append(start)
            start = reader.line_num + 1
    except csv.Error:
        raise InputFileError(f"{path.name}: not a readable CSV file (line {start})") from None
    return _legacy_columns(Grid(_grid_from_records(records, rows), encoding=used), encoding)


_LEGACY_FONT = {"tcvn3": ".VnTime", "vni": "VNI-Times"}


def _in_cp1252(text: str) -> bool:
    try:
        text.encode("cp1252")
    except UnicodeEncodeError:
        return False
    return True


def _legacy_columns(grid: Grid, asked: str | None) -> Grid:
    """Columns of a Unicode file that hold TCVN3/VNI text seen through cp1252 ("NguyÔn V¨n §øc"),
    as in a CSV saved from a sheet in a ".VnTime" font, decoded; the encoding then reads e.g.
    "utf-8+tcvn3". Each column is judged on its own values; each cell keeps its text when that
    reads as better Vietnamese than the decoded one. Not done when the encoding was given."""
    if asked is not None or grid.encoding not in {"utf-8", "utf-8-sig", "utf-16"}:
        return grid
    found: dict[str, str] = {}
    for col in grid.cells.columns:
        if col == SHEET_ROW:
            continue
        values = grid.cells[col].drop_nulls().unique(maintain_order=True).head(2000)
        candidates = [v for v in values.to_list() if not v.isascii() and _in_cp1252(v)]
        if candidates:  # a header or a cell typed in Unicode does not hide the rest
            kind = detect_legacy_text(" ".join(candidates))
            if kind != "unicode":
                found[col] = kind
    if not found:
        return grid
    fixes = []
    for col, kind in found.items():
        values = grid.cells[col].drop_nulls().unique().to_list()
        table = {v: decode_cell_by_font(v, _LEGACY_FONT[kind]) for v in values}
        fixes.append(pl.col(col).replace_strict(table, default=pl.col(col), return_dtype=pl.String))
    kinds = "+".join(sorted(set(found.values())))
    return Grid(grid.cells.with_columns(fixes), encoding=f"{grid.encoding}+{kinds}")


_CONTROL = re.compile(r"[\x01-\x08\x0b\x0e-\x1f\x7f]")


def _control_share(text: str) -> float:
    sample = text[:65536]
    return len(_CONTROL.findall(sample)) / max(len(sample), 1)


# ------------------------------------------------------------------------------------ XLSX


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


_MERGE_RX = re.compile(rb'<(?:\w+:)?mergeCell\s+ref="([A-Z]+)([0-9]+)(?::([A-Z]+)([0-9]+))?"')


def _column_index(letters: bytes) -> int:
    n = 0
    for ch in letters:
        n = n * 26 + (ch - 64)
    return n - 1


def _xlsx_merges(ws) -> tuple[Merge, ...]:
    """Merged ranges of a read-only openpyxl sheet, from its XML (read-only sheets do not keep them)."""
    try:
        with ws._get_source() as src:  # noqa: SLF001 - openpyxl keeps no merges in read-only mode
            xml = src.read()
    except Exception:  # pragma: no cover - merges are a help, never a requirement
        return ()
    if xml.rfind(b"mergeCell") < 0:
        return ()
    merges = []
    for c0, r0, c1, r1 in _MERGE_RX.findall(xml, max(0, xml.rfind(b"sheetData>"))):
        merges.append((int(r0), int(r1 or r0), _column_index(c0), _column_index(c1 or c0)))
    return tuple(merges)


def _read_xlsx(path: Path, sheet: str | None) -> list[Grid]:
    import openpyxl  # imported here: 0.3 s, only needed for spreadsheets

    damaged = f"{path.name}: the workbook is damaged or incomplete; open it in Excel and save it again"
    try:
        book = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except zipfile.BadZipFile:
        raise InputFileError(damaged) from None
    except (KeyError, OSError, ValueError, TypeError, EOFError) as err:
        raise InputFileError(f"{path.name}: not a readable XLSX workbook ({type(err).__name__})") from None
    except Exception as err:  # openpyxl raises assorted errors on malformed XML
        raise InputFileError(f"{path.name}: not a readable XLSX workbook ({type(err).__name__})") from None
    try:
        if sheet is not None and sheet not in book.sheetnames:
            raise InputFileError(f"{path.name}: no sheet named {sheet!r}; sheets: {book.sheetnames}")
        sheets = [book[sheet]] if sheet is not None else list(book.worksheets)
        grids = []
        for ws in sheets:
            read = _xlsx_sheet(ws)
            if read.records:
                grids.append(_grid(read))
        if not grids:
            where = f"sheet {sheet!r}" if sheet is not None else "the workbook"
            raise InputFileError(f"{path.name}: {where} has no rows")
        return grids
    except (zipfile.BadZipFile, EOFError, zipfile.LargeZipFile):
        raise InputFileError(damaged) from None
    except InputFileError:
        raise
    except Exception as err:  # a damaged part inside a valid ZIP (bad XML, missing part)
        raise InputFileError(f"{path.name}: the workbook is damaged ({type(err).__name__}); open it in Excel and save it again") from None
    finally:
        book.close()


def _xlsx_sheet(ws) -> SheetRows:
    """Text of every non-empty row of a read-only sheet, legacy-font cells decoded."""
    if hasattr(ws, "reset_dimensions"):
        ws.reset_dimensions()  # some writers store a wrong <dimension>: read what is there
    records, rows = [], []
    for row_number, row in enumerate(ws.iter_rows(), start=1):
        values = []
        for cell in row:
            value = getattr(cell, "value", None)
            text = cell_text(value)
            if text is not None and isinstance(value, str):
                font = getattr(getattr(cell, "font", None), "name", None)
                text = decode_cell_by_font(text, font)
            values.append(text)
        while values and values[-1] is None:  # formatted empty cells up to column XFD
            values.pop()
        if values:
            records.append(values)
            rows.append(row_number)
    hidden = getattr(ws, "sheet_state", "visible") != "visible"
    return SheetRows(ws.title, records, rows, _xlsx_merges(ws) if records else (), hidden)
