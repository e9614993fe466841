"""Ingest: a source file → a frame of canonical fields with lineage and parse findings.

Output columns: ``source_file``, ``source_row`` and every canonical field of the source (null
where the file has no such column), ``full_name_raw``, ``birth_date_precision``, the raw text
of parsed fields as ``raw_<field>``, parse problems as ``problem_<field>`` (null when fine),
``person_id_repaired`` and ``birth_date_ambiguous``. Columns the mapping does not know are kept
under their original header text, prefixed ``extra:``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

import polars as pl

from contracts import fields as F
from contracts.errors import ConfigError, InputFileError
from contracts.headers import closest_headers, header_key, map_headers
from contracts.values import clean_name, parse_date, parse_gender, parse_id
from pipelines.readers import SHEET_ROW, Grid, read_grid

HEADER_SEARCH_ROWS = 30
COLUMN_NUMBERS = re.compile(r"^\(?\s*[0-9]{1,2}\s*\)?$")
# Words of a list's footer (signatures, totals), compared on header_key-folded text.
FOOTER_WORDS = ("nguoilap", "thutruong", "truongtram", "truongthon", "truongban", "xacnhan", "kyten",
                "kyghiro", "tongcong", "tongso", "giamdoc", "chutich")
DATE_FIELDS = ("event_date", "vaccination_date", "allowance_start", "join_date")
NAME_PARTS = ("family_middle_name", "given_name")  # a name split over "Họ và tên đệm" | "Tên"


@dataclass(frozen=True)
class SourceFile:
    """One input: which source it is, where it is, and how to read it."""

    source: str  # "residency" or a sector name
    path: Path
    encoding: str | None = None
    sheet: str | None = None
    header_overrides: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Ingested:
    """A file read into canonical fields, and what was learnt while reading it."""

    source: SourceFile
    records: pl.DataFrame
    header_row: int
    mapping: dict[str, str]
    encoding: str | None
    sheet: str | None


def parse_sector_arg(value: str) -> SourceFile:
    """``NAME=PATH`` (as given to ``--sector``) → SourceFile; ConfigError naming the problem."""
    name, sep, path = value.partition("=")
    name = name.strip()
    if not sep or not path.strip():
        raise ConfigError(f"--sector {value!r}: expected NAME=PATH")
    if name not in F.SECTORS:
        raise ConfigError(f"--sector {name!r}: unknown sector; choose one of {', '.join(F.SECTORS)}")
    return SourceFile(name, Path(path.strip()))


def source_fields(source: str) -> tuple[str, ...]:
    """Canonical fields a source may carry."""
    return F.PERSON_FIELDS + F.SECTOR_FIELDS.get(source, ()) + ("guardian_name",) + NAME_PARTS


def ingest_file(src: SourceFile) -> Ingested:
    """Read, find the header, map columns and parse values; InputFileError on unusable input."""
    grid = read_grid(src.path, encoding=src.encoding, sheet=src.sheet)
    header_index, mapping = _find_header(grid, src)
    header = _row_texts(grid.cells, header_index)
    records = _drop_footer(_data_rows(grid.cells, header_index), header, mapping)
    records = _canonical(records, header, mapping, src)
    header_row = int(grid.cells[SHEET_ROW][header_index])
    return Ingested(src, records, header_row, mapping, grid.encoding, grid.sheet)


def _row_texts(cells: pl.DataFrame, index: int) -> list[str | None]:
    row = cells.row(index)[:-1]  # drop sheet_row
    return [None if v is None else str(v).strip() or None for v in row]


def _find_header(grid: Grid, src: SourceFile) -> tuple[int, dict[str, str]]:
    """The row among the first few whose cells map to the most canonical fields."""
    wanted = source_fields(src.source)
    required = F.REQUIRED_COLUMNS.get(src.source, (F.FULL_NAME,))
    best: tuple[int, int, dict[str, str]] | None = None
    for index in range(min(HEADER_SEARCH_ROWS, grid.cells.height)):
        texts = [t for t in _row_texts(grid.cells, index) if t]
        if not texts:
            continue
        mapping = map_headers(texts, wanted, src.header_overrides or None)
        score = len(mapping) + (10 if not _missing(required, mapping) else 0)
        if best is None or score > best[0]:
            best = (score, index, mapping)
    if best is None:
        raise InputFileError(f"{src.path.name}: no header row found in the first {HEADER_SEARCH_ROWS} rows")
    _, index, mapping = best
    missing = _missing(required, mapping)
    if missing:
        found = [t for t in _row_texts(grid.cells, index) if t]
        hints = "; ".join(
            f"closest to {f}: {closest_headers(f, found) or 'none'}" for f in missing
        )
        raise InputFileError(
            f"{src.path.name}: no column for {', '.join(missing)}; headers found: {found}; {hints}"
        )
    return index, mapping


def _missing(required: tuple[str, ...], mapping: dict[str, str]) -> list[str]:
    """Required fields without a column (a name split over two columns counts as a name)."""
    found = set(mapping.values())
    if set(NAME_PARTS) <= found:
        found.add(F.FULL_NAME)
    return [f for f in required if f not in found]


def _data_rows(cells: pl.DataFrame, header_index: int) -> pl.DataFrame:
    """Rows below the header that hold any value, minus a "(1) (2) (3)" column-number row."""
    below = cells.slice(header_index + 1)
    value_cols = [c for c in below.columns if c != SHEET_ROW]
    if not value_cols:
        return below.head(0)
    stripped = [pl.col(c).str.strip_chars() for c in value_cols]
    non_empty = pl.any_horizontal([s.is_not_null() & (s != "") for s in stripped])
    below = below.filter(non_empty)
    if below.height:
        first = [v for v in below.row(0)[:-1] if v is not None and str(v).strip()]
        if first and all(COLUMN_NUMBERS.match(str(v).strip()) for v in first):
            below = below.slice(1)
    return below


def _drop_footer(rows: pl.DataFrame, header: list[str | None], mapping: dict[str, str]) -> pl.DataFrame:
    """Trim a footer: the trailing rows that carry a signature/total word ("Người lập biểu",
    "Tổng cộng", "(Ký, ghi rõ họ tên)") or fill fewer than two mapped columns, when that block
    sits below an empty row or holds such a word."""
    mapped = [f"c{j}" for j, text in enumerate(header) if text in mapping and f"c{j}" in rows.columns]
    if rows.is_empty() or not mapped:
        return rows
    filled = rows.select(pl.sum_horizontal([pl.col(c).is_not_null() for c in mapped])).to_series().to_list()
    sheet_rows = rows[SHEET_ROW].to_list()
    texts = [header_key(" ".join(str(v) for v in r[:-1] if v is not None)) for r in rows.tail(10).rows()]
    worded = [False] * (rows.height - len(texts)) + [any(w in t for w in FOOTER_WORDS) for t in texts]
    cut = rows.height
    while cut > 0 and rows.height - cut < 10 and (worded[cut - 1] or filled[cut - 1] < 2):
        cut -= 1
    if cut == rows.height:
        return rows
    gap = cut > 0 and sheet_rows[cut] - sheet_rows[cut - 1] > 1
    return rows.head(cut) if gap or any(worded[cut:]) else rows


def _canonical(records: pl.DataFrame, header: list[str | None], mapping: dict[str, str], src: SourceFile) -> pl.DataFrame:
    """Rename mapped columns to canonical fields, keep the rest as ``extra:<header>``, parse values."""
    renames: dict[str, str] = {}
    seen: set[str] = set()
    for j, text in enumerate(header):
        col = f"c{j}"
        if col not in records.columns:
            continue
        target = mapping.get(text) if text else None
        if target and target not in seen:
            renames[col] = target
            seen.add(target)
        else:
            name = f"extra:{text or col}"
            while name in renames.values():
                name += "'"
            renames[col] = name
    frame = records.rename(renames)
    fields_present = set(seen)
    frame = frame.with_columns(
        [pl.lit(None, dtype=pl.String).alias(f) for f in source_fields(src.source) if f not in fields_present]
    )
    strip = {f: pl.col(f).str.strip_chars().replace("", None) for f in source_fields(src.source)}
    frame = frame.with_columns(**strip)
    if F.FULL_NAME not in fields_present and set(NAME_PARTS) <= fields_present:
        frame = frame.with_columns(pl.concat_str(*NAME_PARTS, separator=" ", ignore_nulls=True).alias(F.FULL_NAME))
    return _parse_values(frame, src)


def _parse_values(frame: pl.DataFrame, src: SourceFile) -> pl.DataFrame:
    pid = parse_id(pl.col(F.PERSON_ID))
    oid = parse_id(pl.col(F.OLD_ID))
    dob = parse_date(pl.col(F.BIRTH_DATE))
    sex = parse_gender(pl.col(F.GENDER))
    frame = frame.with_columns(
        pl.lit(str(src.path)).alias(F.SOURCE_FILE),
        pl.col(SHEET_ROW).alias(F.SOURCE_ROW),
        pl.col(F.PERSON_ID).alias("raw_person_id"),
        pl.col(F.OLD_ID).alias("raw_old_id"),
        pl.col(F.BIRTH_DATE).alias("raw_birth_date"),
        pl.col(F.GENDER).alias("raw_gender"),
        pl.col(F.FULL_NAME).alias(F.FULL_NAME_RAW),
        pid.alias("_pid"),
        oid.alias("_oid"),
        dob.alias("_dob"),
        sex.alias("_sex"),
    )
    pid_kind = pl.col("_pid").struct.field("kind")
    pid_digits = pl.col("_pid").struct.field("digits")
    oid_kind = pl.col("_oid").struct.field("kind")
    oid_digits = pl.col("_oid").struct.field("digits")
    frame = frame.with_columns(
        # A 9-digit value in a personal-ID column is an old CMND; a 12-digit value in a CMND column
        # is a CCCD number (12-digit CMNDs became CCCD numbers), so it is also the personal ID.
        pl.when(pid_kind == "person_id").then(pid_digits)
        .when(oid_kind == "person_id").then(oid_digits)
        .alias(F.PERSON_ID),
        pl.when(oid_digits.is_not_null()).then(oid_digits)
        .when(pid_kind == "old_id").then(pid_digits)
        .alias(F.OLD_ID),
        (pl.col("_pid").struct.field("repaired") | pl.col("_oid").struct.field("repaired")).fill_null(False).alias("person_id_repaired"),
        pl.coalesce(pl.col("_pid").struct.field("problem"), pl.col("_oid").struct.field("problem")).alias("problem_person_id"),
        clean_name(pl.col(F.FULL_NAME)).alias(F.FULL_NAME),
        pl.col("_dob").struct.field("date").alias(F.BIRTH_DATE),
        pl.col("_dob").struct.field("precision").alias(F.BIRTH_DATE_PRECISION),
        pl.col("_dob").struct.field("problem").alias("problem_birth_date"),
        pl.col("_dob").struct.field("ambiguous").fill_null(False).alias("birth_date_ambiguous"),
        pl.col("_sex").struct.field("gender").alias(F.GENDER),
        pl.col("_sex").struct.field("problem").alias("problem_gender"),
    ).drop("_pid", "_oid", "_dob", "_sex", SHEET_ROW)
    if "guardian_name" in frame.columns:
        frame = frame.with_columns(clean_name(pl.col("guardian_name")).alias("guardian_name"))
    lead = [F.SOURCE_FILE, F.SOURCE_ROW]
    return frame.select(lead + [c for c in frame.columns if c not in lead])
