"""Ingest one source file: read its grids, find the header, and give its rows in canonical fields.

Output columns: ``source_file``, ``source_row`` and every canonical field of the source (see
``pipelines.ingest.canonical``). A workbook with several sheets gives the rows of every sheet
whose header has the source's required columns (or of the sheet named in ``SourceFile.sheet``);
when more than one sheet is read, ``source_file`` is ``"<path>#<sheet>"`` so that
(source_file, source_row) stays unique.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

import polars as pl

from contracts import (
    GENDERED_FIELDS,
    GROUP_SEPARATOR,
    InputFileError,
    closest_headers,
    header_candidate,
    header_key,
    register_event,
    split_group,
)
from contracts import fields as F
from pipelines.ingest.canonical import canonical_records, parse_values, source_fields
from pipelines.ingest.formats import SHEET_ROW, Grid, read_grids
from pipelines.ingest.layout import (
    HEADER_SEARCH_ROWS,
    Header,
    column_letter,
    data_rows,
    describe_header,
    drop_footer,
    find_header,
    header_of,
    layout_rows,
    missing_fields,
    number_cells,
)
from pipelines.ingest.record_lines import join_record_lines
from pipelines.ingest.registers import dose_rows
from pipelines.ingest.sources import SourceFile


@dataclass(frozen=True)
class Ingested:
    """A file read into canonical fields, and what was learnt while reading it."""

    source: SourceFile
    records: pl.DataFrame
    header_row: int
    mapping: dict[str, str]
    encoding: str | None
    sheet: str | None
    layout_rows: int = 0  # rows of the form, not people: numbers, section titles, subtotals, footer


def ingest_file(src: SourceFile) -> Ingested:
    """Read, find the header, map columns and parse values; InputFileError on unusable input.
    A wide vaccination register gives one record per dose (``registers.dose_rows``), all with the
    child's sheet row.

    An unexpected error on a strange file also becomes an InputFileError (its type only, never
    a value), so that one file never stops the others.
    """
    try:
        return _ingest(src)
    except InputFileError:
        raise
    except Exception as err:  # noqa: BLE001 - isolate the file; the message holds no data
        raise InputFileError(
            f"{src.path.name}: could not be read (unexpected {type(err).__name__}); please report this file's layout"
        ) from None


def _ingest(src: SourceFile) -> Ingested:
    grids = read_grids(src.path, encoding=src.encoding, sheet=src.sheet)
    chosen = _choose_sheets(grids, src)
    several = len(chosen) > 1
    frames, skipped, mapping = [], 0, {}
    for grid, header in chosen:
        label = f"{src.path}#{grid.sheet}" if several else str(src.path)
        _refuse_duplicate_headers(src, grid, header)
        rows = data_rows(grid.cells, header)
        mapped = [f"c{j}" for j, t in enumerate(header.texts) if t and t in header.mapping]
        kept = drop_footer(rows, mapped)
        skipped += rows.height - kept.height  # the footer: totals, signatures
        rows = kept
        form = layout_rows(rows, header)
        if form is not None:
            skipped += rows.filter(form).height
            rows = rows.filter(~form)
        rows, header = join_record_lines(rows, header, lambda texts, h=header: remapped(h, texts, src))
        mapping.update(header.mapping)
        records = canonical_records(rows, header, src.source, label)
        if src.source == "vaccination":
            records = dose_rows(records, [F.SOURCE_FILE, F.SOURCE_ROW])
        if src.source == "civil_status":
            records = _event_from_title(records, grid, header)
        frames.append(records)
    records = pl.concat(frames, how="diagonal_relaxed") if several else frames[0]
    records = parse_values(records)
    first_grid, first_header = chosen[0]
    header_row = int(first_grid.cells[SHEET_ROW][first_header.first])
    sheets = ", ".join(g.sheet for g, _ in chosen if g.sheet) or None
    return Ingested(src, records, header_row, mapping, first_grid.encoding, sheets, skipped)


def field_of(header: Header, text: str) -> str:
    return header.mapping.get(text, "")


def _group_row_above(grid: Grid, header: Header, columns: list[int]) -> int | None:
    """The sheet row right above the header when it holds titles over each of ``columns`` (a group
    title there or to its left on that row), else None."""
    if header.first == 0:
        return None
    above, own = grid.cells.row(header.first - 1), grid.cells[SHEET_ROW][header.first]
    if grid.cells[SHEET_ROW][header.first - 1] != own - 1:
        return None
    cells = [v is not None and str(v).strip() != "" for v in above[:-1]]
    if not all(any(cells[: j + 1]) for j in columns) or sum(cells[min(columns):max(columns) + 1]) < 2:
        return None
    return own - 1


def _event_from_title(records: pl.DataFrame, grid: Grid, header: Header) -> pl.DataFrame:
    """A civil-status book without an event column: the event its title names ("SỔ ĐĂNG KÝ KHAI TỬ")."""
    if "event_type" in records.columns and records["event_type"].null_count() < records.height:
        return records
    above = grid.cells.head(header.first).drop(SHEET_ROW)
    title = " ".join(str(v) for row in above.rows() for v in row if v is not None)
    event = register_event(title) if title else None
    return records if event is None else records.with_columns(pl.lit(event).alias("event_type"))


def _reading(src: SourceFile) -> tuple[tuple[str, ...], tuple[str, ...], dict[str, str] | None]:
    """(fields wanted, fields required, header overrides) for reading a source's headers."""
    wanted = source_fields(src.source) + GENDERED_FIELDS
    required = F.REQUIRED_COLUMNS.get(src.source, (F.FULL_NAME,))
    return wanted, required, src.header_overrides or None


def remapped(header: Header, texts: list[str | None], src: SourceFile) -> Header:
    """The header with new column texts (the lines of multi-line cells), mapped afresh."""
    return header_of(header.first, header.last, texts, *_reading(src))


def _choose_sheets(grids: list[Grid], src: SourceFile) -> list[tuple[Grid, Header]]:
    """The sheets to read with their headers; InputFileError naming what is missing if none fits."""
    wanted, required, overrides = _reading(src)
    candidates = [g for g in grids if not g.hidden] if src.sheet is None and len(grids) > 1 else grids
    fits, misfits = [], []
    for grid in candidates or grids:
        header = find_header(grid.cells, grid.merges, wanted, required, overrides)
        if header is None:
            continue
        (misfits if missing_fields(required, header) else fits).append((grid, header))
    if fits:
        return fits
    name = src.path.name
    if not misfits:
        raise InputFileError(f"{name}: no header row found in the first {HEADER_SEARCH_ROWS} rows")
    grid, header = max(misfits, key=lambda gh: gh[1].score)
    missing = missing_fields(required, header)
    where = f"{name}, sheet {grid.sheet!r}" if len(grids) > 1 else name
    sheet_row = int(grid.cells[SHEET_ROW][header.first])
    message = f"{where}: no column for {', '.join(missing)}; {describe_header(header, sheet_row)}"
    hints = "" if number_cells(header) else _closest_columns(header, missing)
    if hints:
        message += f"; {hints}"
    message += "; name the columns in a --mapping file"
    if len(grids) > 1:
        message += f" (no other sheet has one either; sheets: {[g.sheet for g in grids]})"
    raise InputFileError(message)


def _closest_columns(header: Header, missing: list[str]) -> str:
    """ "closest to full_name: column B" for the unrecognised columns nearest a missing field
    (letters only: an unrecognised cell may hold a name or an ID)."""
    unknown = {t: j for j, t in enumerate(header.texts) if t and t not in header.mapping}
    hints = []
    for f in missing:
        near = [column_letter(unknown[t]) for t in closest_headers(f, list(unknown))]
        if near:
            hints.append(f"closest to {f}: column{'s' if len(near) > 1 else ''} {', '.join(near)}")
    return "; ".join(hints)


def _refuse_duplicate_headers(src: SourceFile, grid: Grid, header: Header) -> None:
    """Two columns under one mapped header name, or one field of the list's person under two group
    titles neither of which says whose it is ("Lần 1" | "Lần 2" over "Họ tên"): which one holds the
    field is unknowable. Columns are named by letter (a group title is not quoted)."""
    where = f"{src.path.name}, sheet {grid.sheet!r}" if grid.sheet else src.path.name
    keys = Counter(header_key(t) for t in header.texts if t)
    for text in header.mapping:
        key = header_key(text)
        if keys[key] > 1:
            columns = [j for j, t in enumerate(header.texts) if t and header_key(t) == key]
            letters = " and ".join(column_letter(j) for j in columns)
            above = _group_row_above(grid, header, columns)
            if above is not None:
                raise InputFileError(
                    f"{where}: the header {text!r} appears in columns {letters}, under group titles in row {above} "
                    "that name no one this list is about (a list of two people per row, such as a marriage "
                    "register, is not read); name the column to read in a --mapping file "
                    f'(e.g. "column {column_letter(columns[0])}" = "{field_of(header, text)}")'
                )
            raise InputFileError(
                f"{where}: the header {text!r} appears in columns {letters}; "
                "rename or delete one so it is clear which column to read"
            )
    for text, field in header.mapping.items():
        if field not in F.PERSON_FIELDS:
            continue
        quality = header_candidate(text)
        if GROUP_SEPARATOR not in text:
            continue
        rivals = [j for j, t in enumerate(header.texts)
                  if t and t != text and GROUP_SEPARATOR in t and header_candidate(t) == quality]
        if rivals and quality is not None:
            mine = header.texts.index(text)
            leaf = split_group(text)[1]
            columns = " and ".join(column_letter(j) for j in sorted([mine, *rivals]))
            raise InputFileError(
                f"{where}: the header {leaf!r} ({field}) stands under different group titles in columns {columns} "
                "and none says it is another person's; name the column to read in a --mapping file "
                '(e.g. "column ' + column_letter(mine) + '" = "' + field + '")'
            )
