"""Ingest: a source file → a frame of canonical fields with lineage and parse findings.

Output columns: ``source_file``, ``source_row`` and every canonical field of the source (null
where the file has no such column), ``full_name_raw``, ``birth_date_precision``, the raw text
of parsed fields as ``raw_<field>``, parse problems as ``problem_<field>`` (null when fine),
``person_id_repaired`` (with ``repaired_id_raw`` / ``repaired_id``: the ID as typed and as
repaired) and ``birth_date_ambiguous``. Sector dates (``event_date``, ``vaccination_date``,
``allowance_start``, ``join_date``) are parsed like the birth date, with ``<field>_precision``.
Columns the mapping does not know are kept under their original header text, prefixed ``extra:``.

A workbook with several sheets gives the rows of every sheet whose header has the source's
required columns (or of the sheet named in ``SourceFile.sheet``); when more than one sheet is
read, ``source_file`` is ``"<path>#<sheet>"`` so that (source_file, source_row) stays unique.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import polars as pl

from contracts import fields as F
from contracts.errors import ConfigError, InputFileError
from contracts.headers import GENDERED_FIELDS, closest_headers, header_key
from contracts.values import (
    clean_name,
    date_from_gender_columns,
    gender_from_ticks,
    looks_like_ticks,
    parse_date,
    parse_gender,
    parse_id,
)
from pipelines.layout import (
    DATE_PAIR,
    HEADER_SEARCH_ROWS,
    NAME_PARTS,
    TICK_PAIR,
    Header,
    column_letter,
    data_rows,
    drop_footer,
    find_header,
    missing_fields,
)
from pipelines.readers import SHEET_ROW, Grid, read_grids

DATE_FIELDS = ("event_date", "vaccination_date", "allowance_start", "join_date")


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
    """Read, find the header, map columns and parse values; InputFileError on unusable input.

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
    frames = []
    for grid, header in chosen:
        label = f"{src.path}#{grid.sheet}" if several else str(src.path)
        _refuse_duplicate_headers(src, grid, header)
        rows = data_rows(grid.cells, header)
        mapped = [f"c{j}" for j, t in enumerate(header.texts) if t and t in header.mapping]
        rows = drop_footer(rows, mapped)
        frames.append(_canonical(rows, header, src, label))
    records = pl.concat(frames, how="diagonal_relaxed") if several else frames[0]
    records = _parse_values(records, src)
    first_grid, first_header = chosen[0]
    header_row = int(first_grid.cells[SHEET_ROW][first_header.first])
    mapping: dict[str, str] = {}
    for _, header in chosen:
        mapping.update(header.mapping)
    sheets = ", ".join(g.sheet for g, _ in chosen if g.sheet) or None
    return Ingested(src, records, header_row, mapping, first_grid.encoding, sheets)


def _choose_sheets(grids: list[Grid], src: SourceFile) -> list[tuple[Grid, Header]]:
    """The sheets to read with their headers; InputFileError naming what is missing if none fits."""
    wanted = source_fields(src.source) + GENDERED_FIELDS
    required = F.REQUIRED_COLUMNS.get(src.source, (F.FULL_NAME,))
    overrides = src.header_overrides or None
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
    found = [t for t in header.texts if t]
    hints = "; ".join(f"closest to {f}: {closest_headers(f, found) or 'none'}" for f in missing)
    where = f"{name}, sheet {grid.sheet!r}" if len(grids) > 1 else name
    message = f"{where}: no column for {', '.join(missing)}; headers found: {found}; {hints}"
    if len(grids) > 1:
        message += f" (no other sheet has one either; sheets: {[g.sheet for g in grids]})"
    raise InputFileError(message)


def _refuse_duplicate_headers(src: SourceFile, grid: Grid, header: Header) -> None:
    """Two columns under one mapped header name: which one holds the field is unknowable."""
    keys = Counter(header_key(t) for t in header.texts if t)
    for text in header.mapping:
        key = header_key(text)
        if keys[key] > 1:
            columns = [column_letter(j) for j, t in enumerate(header.texts) if t and header_key(t) == key]
            where = f"{src.path.name}, sheet {grid.sheet!r}" if grid.sheet else src.path.name
            raise InputFileError(
                f"{where}: the header {text!r} appears in columns {' and '.join(columns)}; "
                "rename or delete one so it is clear which column to read"
            )


def _canonical(records: pl.DataFrame, header: Header, src: SourceFile, label: str) -> pl.DataFrame:
    """Rename mapped columns to canonical fields, keep the rest as ``extra:<header>``, resolve
    "Nam" | "Nữ" column pairs and split names into the person fields."""
    found = set(header.mapping.values())
    pairs = {p for p in (DATE_PAIR, TICK_PAIR) if set(p) <= found}
    renames: dict[str, str] = {}
    seen: set[str] = set()
    for j, text in enumerate(header.texts):
        col = f"c{j}"
        if col not in records.columns:
            continue
        target = header.mapping.get(text) if text else None
        if target in GENDERED_FIELDS and not any(target in p for p in pairs):
            target = None  # half a pair: keep it as it is
        if target and target not in seen:
            renames[col] = target
            seen.add(target)
        else:
            name = f"extra:{text or 'column ' + column_letter(j)}"
            while name in renames.values():
                name += "'"
            renames[col] = name
    frame = records.rename(renames)
    wanted = source_fields(src.source)
    frame = frame.with_columns(
        [pl.lit(None, dtype=pl.String).alias(f) for f in wanted if f not in seen]
    )
    frame = frame.with_columns(**{f: pl.col(f).str.strip_chars().replace("", None) for f in wanted})
    frame = _resolve_gender_pairs(frame, pairs)
    if F.FULL_NAME not in seen and set(NAME_PARTS) <= seen:
        frame = frame.with_columns(pl.concat_str(*NAME_PARTS, separator=" ", ignore_nulls=True).alias(F.FULL_NAME))
    return frame.with_columns(
        pl.lit(label).alias(F.SOURCE_FILE), pl.col(SHEET_ROW).alias(F.SOURCE_ROW)
    ).drop(SHEET_ROW)


def _resolve_gender_pairs(frame: pl.DataFrame, pairs: set[tuple[str, str]]) -> pl.DataFrame:
    """"Nam" | "Nữ" columns → birth_date text and gender (a column of its own wins when filled).

    A plain "Nam" | "Nữ" pair holds ticks when every cell is a short mark, dates otherwise.
    Adds ``_pair_date_problem`` / ``_pair_gender_problem`` (both columns filled) for the parser.
    """
    frame = frame.with_columns(
        pl.lit(None, pl.String).alias("_pair_date_problem"), pl.lit(None, pl.String).alias("_pair_gender_problem"),
        pl.lit(None, pl.String).alias("_pair_raw"),
    )
    if TICK_PAIR in pairs and not (looks_like_ticks(frame[TICK_PAIR[0]]) and looks_like_ticks(frame[TICK_PAIR[1]])):
        if DATE_PAIR not in pairs:
            frame = frame.rename(dict(zip(TICK_PAIR, DATE_PAIR)))
            pairs = (pairs - {TICK_PAIR}) | {DATE_PAIR}
    male, female = pl.col("_m"), pl.col("_f")
    both_raw = pl.concat_str(pl.lit("Nam: "), male, pl.lit("; Nữ: "), female)
    if DATE_PAIR in pairs:
        frame = frame.rename(dict(zip(DATE_PAIR, ("_m", "_f"))))
        pair = date_from_gender_columns(male, female)
        text = pair.struct.field("text")
        sex = pl.when(pair.struct.field("gender") == "M").then(pl.lit("Nam")).when(
            pair.struct.field("gender") == "F").then(pl.lit("Nữ"))
        both = pair.struct.field("problem").is_not_null()
        frame = frame.with_columns(
            pl.coalesce(pl.col(F.BIRTH_DATE), text).alias(F.BIRTH_DATE),
            pl.coalesce(pl.col(F.GENDER), sex).alias(F.GENDER),
            pl.when(pl.col(F.BIRTH_DATE).is_null() & both).then(pair.struct.field("problem")).alias("_pair_date_problem"),
            pl.when(pl.col(F.BIRTH_DATE).is_null() & both).then(both_raw).alias("_pair_raw"),
        ).drop("_m", "_f")
    if TICK_PAIR in pairs:
        frame = frame.rename(dict(zip(TICK_PAIR, ("_m", "_f"))))
        pair = gender_from_ticks(male, female)
        sex = pl.when(pair.struct.field("gender") == "M").then(pl.lit("Nam")).when(
            pair.struct.field("gender") == "F").then(pl.lit("Nữ"))
        frame = frame.with_columns(
            pl.coalesce(pl.col(F.GENDER), sex).alias(F.GENDER),
            pl.when(pl.col(F.GENDER).is_null()).then(pair.struct.field("problem")).alias("_pair_gender_problem"),
        ).drop("_m", "_f")
    return frame


def _parse_values(frame: pl.DataFrame, src: SourceFile) -> pl.DataFrame:
    pid = parse_id(pl.col(F.PERSON_ID))
    oid = parse_id(pl.col(F.OLD_ID))
    dob = parse_date(pl.col(F.BIRTH_DATE))
    sex = parse_gender(pl.col(F.GENDER))
    dates = [f for f in DATE_FIELDS if f in frame.columns]
    frame = frame.with_columns(
        pl.col(F.PERSON_ID).alias("raw_person_id"),
        pl.col(F.OLD_ID).alias("raw_old_id"),
        pl.coalesce(pl.col(F.BIRTH_DATE), pl.col("_pair_raw")).alias("raw_birth_date"),
        pl.col(F.GENDER).alias("raw_gender"),
        pl.col(F.FULL_NAME).alias(F.FULL_NAME_RAW),
        pid.alias("_pid"),
        oid.alias("_oid"),
        dob.alias("_dob"),
        sex.alias("_sex"),
        *[pl.col(f).alias(f"raw_{f}") for f in dates],
        *[parse_date(pl.col(f)).alias(f"_{f}") for f in dates],
    )
    pid_kind = pl.col("_pid").struct.field("kind")
    pid_digits = pl.col("_pid").struct.field("digits")
    pid_repaired = pl.col("_pid").struct.field("repaired")
    oid_kind = pl.col("_oid").struct.field("kind")
    oid_digits = pl.col("_oid").struct.field("digits")
    oid_repaired = pl.col("_oid").struct.field("repaired")
    frame = frame.with_columns(
        # A 9-digit value in a personal-ID column is an old CMND; a 12-digit value in a CMND column
        # is a CCCD number (12-digit CMNDs became CCCD numbers), so it is also the personal ID.
        pl.when(pid_kind == "person_id").then(pid_digits)
        .when(oid_kind == "person_id").then(oid_digits)
        .alias(F.PERSON_ID),
        pl.when(oid_digits.is_not_null()).then(oid_digits)
        .when(pid_kind == "old_id").then(pid_digits)
        .alias(F.OLD_ID),
        (pid_repaired | oid_repaired).fill_null(False).alias("person_id_repaired"),
        pl.when(pid_repaired).then(pl.col("raw_person_id")).when(oid_repaired).then(pl.col("raw_old_id"))
        .alias("repaired_id_raw"),
        pl.when(pid_repaired).then(pid_digits).when(oid_repaired).then(oid_digits).alias("repaired_id"),
        pl.coalesce(pl.col("_pid").struct.field("problem"), pl.col("_oid").struct.field("problem")).alias("problem_person_id"),
        clean_name(pl.col(F.FULL_NAME)).alias(F.FULL_NAME),
        pl.col("_dob").struct.field("date").alias(F.BIRTH_DATE),
        pl.col("_dob").struct.field("precision").alias(F.BIRTH_DATE_PRECISION),
        pl.coalesce(pl.col("_pair_date_problem"), pl.col("_dob").struct.field("problem")).alias("problem_birth_date"),
        pl.col("_dob").struct.field("ambiguous").fill_null(False).alias("birth_date_ambiguous"),
        pl.col("_sex").struct.field("gender").alias(F.GENDER),
        pl.coalesce(pl.col("_pair_gender_problem"), pl.col("_sex").struct.field("problem")).alias("problem_gender"),
        *[pl.col(f"_{f}").struct.field("date").alias(f) for f in dates],
        *[pl.col(f"_{f}").struct.field("precision").alias(f"{f}_precision") for f in dates],
        *[pl.col(f"_{f}").struct.field("problem").alias(f"problem_{f}") for f in dates],
    ).drop("_pid", "_oid", "_dob", "_sex", "_pair_date_problem", "_pair_gender_problem", "_pair_raw",
           *[f"_{f}" for f in dates])
    if "guardian_name" in frame.columns:
        frame = frame.with_columns(clean_name(pl.col("guardian_name")).alias("guardian_name"))
    lead = [F.SOURCE_FILE, F.SOURCE_ROW]
    return frame.select(lead + [c for c in frame.columns if c not in lead])
