"""Text spreadsheets (CSV, TSV, TXT): decode the bytes, sniff the delimiter, read into a grid.

Text is decoded by ``pipelines.ingest.encodings`` (UTF-8 ± BOM, UTF-16, Windows-1258, TCVN3,
VNI), and a Unicode text column holding TCVN3/VNI seen through cp1252 (a CSV saved from a
".VnTime" sheet) is decoded too.
"""

from __future__ import annotations

import csv
import io
import re
from collections import Counter
from collections.abc import Iterable
from pathlib import Path

import polars as pl

from contracts import InputFileError
from pipelines.ingest.encodings import (
    decode_bytes,
    decode_cell_by_font,
    detect_legacy_text,
)
from pipelines.ingest.formats.grid import SHEET_ROW, Grid, grid_from_records


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


def read_text(path: Path, encoding: str | None) -> Grid:
    """The one grid of a text file, decoded as ``encoding`` (detected when None); InputFileError."""
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
    crlf = text.count("\r\n")
    lone_cr = text.count("\r") != crlf  # old Mac line ends, or a CR inside a cell: csv.reader below
    flat = text.replace("\r\n", "\n") if crlf and not lone_cr else text  # Windows line ends: polars reads them
    lines = flat.count("\n") + (0 if flat.endswith("\n") else 1)
    widest, plain = _widths(flat, delimiter)
    try:
        cells = pl.read_csv(
            io.BytesIO(flat.encode("utf-8")),
            has_header=False,
            schema={f"c{j}": pl.String for j in range(widest)},  # rows may be ragged: room for the widest
            separator=delimiter,
            truncate_ragged_lines=True,
            missing_columns="insert",  # polars 2: the schema's spare room is not an error
            quote_char='"',
        )
    except pl.exceptions.PolarsError:
        cells = None
    if cells is not None and cells.height == lines and "\r" not in flat:
        # One record per physical line (no quoted line breaks): line number = position + 1.
        while cells.width > max(plain, 1) and cells[cells.columns[-1]].null_count() == cells.height:
            cells = cells.drop(cells.columns[-1])  # room a quoted delimiter made, not a column
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
    return _legacy_columns(Grid(grid_from_records(records, rows), encoding=used), encoding)


def _widths(text: str, delimiter: str) -> tuple[int, int]:
    """(most fields any line can hold, most fields of a line without quotes): one more than the
    delimiters counted per line (a quoted delimiter counts too, so the first is an upper bound)."""
    lines = pl.Series([text], dtype=pl.String).str.split("\n").explode()  # split in polars, not a Python list
    fields = lines.str.count_matches(delimiter, literal=True) + 1
    plain = fields.filter(~lines.str.contains('"', literal=True))
    return int(fields.max() or 1), int(plain.max() or 0) if plain.len() else 0


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



DELIMITERS = (",", ";", "\t", "|")


def _field_counts(lines: Iterable[str], delimiter: str, limit: int) -> list[int]:
    reader = csv.reader(lines, delimiter=delimiter, quotechar='"', strict=False)
    counts: list[int] = []
    try:
        for record in reader:
            if not any(field.strip() for field in record):
                continue
            counts.append(len(record))
            if len(counts) >= limit:
                break
    except csv.Error:
        pass
    return counts


def sniff_delimiter(text: str, max_lines: int = 20) -> str:
    """Pick the delimiter among ",", ";", tab, "|" that splits the first ~20 non-empty records
    into a consistent number (> 1) of columns; quoted fields are ignored. Default ",".

    Score: how many records have the most common column count, then that column count.
    """
    head = text[: 64 * 1024]
    if len(text) > len(head) and "\n" in head:
        head = head[: head.rfind("\n") + 1]
    if head.startswith("\ufeff"):
        head = head[1:]
    best, best_key = ",", (0, 0)
    for delimiter in DELIMITERS:
        counts = _field_counts(io.StringIO(head, newline=""), delimiter, max_lines)
        multi = [c for c in counts if c > 1]
        if not multi:
            continue
        mode, n = Counter(multi).most_common(1)[0]
        key = (n, mode)
        if key > best_key:
            best, best_key = delimiter, key
    return best
