"""Rows under a header → canonical fields: mapped columns renamed, values parsed, lineage added.

Output columns: ``source_file``, ``source_row`` and every canonical field of the source (null
where the file has no such column), ``full_name_raw``, ``birth_date_precision``, the raw text
of parsed fields as ``raw_<field>``, parse problems as ``problem_<field>`` (null when fine),
``person_id_repaired`` (the ID lost its leading zero or was typed in the CMND column). Sector dates (``contracts.fields.SECTOR_DATE_FIELDS``)
are parsed like the birth date, with ``<field>_precision``. Columns the mapping does not know
are kept under their original header text, prefixed ``extra:``.
"""

from __future__ import annotations

import polars as pl

from contracts import (
    GENDERED_FIELDS,
    clean_name,
    date_from_gender_columns,
    gender_from_ticks,
    looks_like_ticks,
    parse_commune_code,
    parse_date,
    parse_gender,
    parse_id,
    shares_its_cell,
)
from contracts import fields as F
from pipelines.ingest.formats import SHEET_ROW
from pipelines.ingest.layout import (
    DATE_PAIR,
    NAME_PARTS,
    TICK_PAIR,
    Header,
    column_letter,
)
from pipelines.units import communes_in_addresses, to_new_units


def source_fields(source: str) -> tuple[str, ...]:
    """Canonical fields a source may carry."""
    return F.PERSON_FIELDS + F.SECTOR_FIELDS.get(source, ()) + ("guardian_name",) + NAME_PARTS


def canonical_records(records: pl.DataFrame, header: Header, source: str, label: str) -> pl.DataFrame:
    """Rename mapped columns to canonical fields, keep the rest as ``extra:<header>``, resolve
    "Nam" | "Nữ" column pairs and split names into the person fields. A header that names its field
    and more ("Nam, nữ, dân tộc, tôn giáo") gives the field the cell's first part."""
    found = set(header.mapping.values())
    pairs = {p for p in (DATE_PAIR, TICK_PAIR) if set(p) <= found}
    renames: dict[str, str] = {}
    seen: set[str] = set()
    taken: set[str] = set()
    present = set(records.columns)
    for j, text in enumerate(header.texts):
        col = f"c{j}"
        if col not in present:
            continue
        target = header.mapping.get(text) if text else None
        if target in GENDERED_FIELDS and not any(target in p for p in pairs):
            target = None  # half a pair: keep it as it is
        if target and target not in seen:
            renames[col] = target
            seen.add(target)
        else:
            name = f"extra:{text or 'column ' + column_letter(j)}"
            while name in taken:
                name += "'"
            renames[col] = name
            taken.add(name)
    shared = {renames[f"c{j}"]: f"extra:{text}" for j, text in enumerate(header.texts)
              if text and f"c{j}" in renames and not renames[f"c{j}"].startswith("extra:") and shares_its_cell(text)}
    frame = records.rename(renames)
    if shared:  # "Nam, nữ, dân tộc, tôn giáo": the field is the cell's first part, the whole cell is kept
        frame = frame.with_columns(
            *[pl.col(field).alias(whole) for field, whole in shared.items()],
            *[pl.col(field).str.extract(r"^\s*([^,;\n]*)").alias(field) for field in shared],
        )
    wanted = source_fields(source)
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


def _communes(frame: pl.DataFrame) -> list[pl.Series]:
    """``commune_code`` (2025), ``commune_candidates``, ``commune_old`` and ``commune_text``: from
    the list's commune code, else (no code written) from the commune its address names exactly;
    ``commune_text`` is then the address's commune part as written."""
    units = to_new_units(frame[F.COMMUNE_CODE])
    if F.ADDRESS not in frame.columns or frame[F.ADDRESS].null_count() == frame.height:
        return [*units.get_columns(), pl.Series("commune_text", [None] * frame.height, pl.String)]
    named = communes_in_addresses(frame[F.ADDRESS])
    use = frame["raw_commune_code"].is_null() & named["commune_code"].is_not_null()
    pick = pl.DataFrame({"use": use, **{f"u_{c}": units[c] for c in units.columns},
                         **{f"a_{c}": named[c] for c in named.columns}})
    return pick.select(
        *[pl.when("use").then(f"a_{c}").otherwise(f"u_{c}").alias(c) for c in units.columns],
        pl.when("use").then("a_commune_text").alias("commune_text"),
    ).get_columns()


def parse_values(frame: pl.DataFrame) -> pl.DataFrame:
    """Parse IDs, names, the birth date, gender and sector dates; keep the raw text and the problems."""
    pid = parse_id(pl.col(F.PERSON_ID))
    oid = parse_id(pl.col(F.OLD_ID))
    dob = parse_date(pl.col(F.BIRTH_DATE))
    sex = parse_gender(pl.col(F.GENDER))
    dates = [f for f in F.SECTOR_DATE_FIELDS if f in frame.columns]
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
        pl.coalesce(pl.col("_pid").struct.field("problem"), pl.col("_oid").struct.field("problem")).alias("problem_person_id"),
        clean_name(pl.col(F.FULL_NAME)).alias(F.FULL_NAME),
        pl.col("_dob").struct.field("date").alias(F.BIRTH_DATE),
        pl.col("_dob").struct.field("precision").alias(F.BIRTH_DATE_PRECISION),
        pl.coalesce(pl.col("_pair_date_problem"), pl.col("_dob").struct.field("problem")).alias("problem_birth_date"),
        pl.col("_sex").struct.field("gender").alias(F.GENDER),
        pl.coalesce(pl.col("_pair_gender_problem"), pl.col("_sex").struct.field("problem")).alias("problem_gender"),
        *[pl.col(f"_{f}").struct.field("date").alias(f) for f in dates],
        *[pl.col(f"_{f}").struct.field("precision").alias(f"{f}_precision") for f in dates],
        *[pl.col(f"_{f}").struct.field("problem").alias(f"problem_{f}") for f in dates],
    ).drop("_pid", "_oid", "_dob", "_sex", "_pair_date_problem", "_pair_gender_problem", "_pair_raw",
           *[f"_{f}" for f in dates])
    if F.COMMUNE_CODE in frame.columns:
        code = parse_commune_code(pl.col(F.COMMUNE_CODE))
        frame = frame.with_columns(
            pl.col(F.COMMUNE_CODE).alias("raw_commune_code"),
            code.struct.field("code").alias(F.COMMUNE_CODE),
            code.struct.field("problem").alias("problem_commune_code"),
        )
        frame = frame.with_columns(_communes(frame))  # the 2025 units
    if "guardian_name" in frame.columns:
        frame = frame.with_columns(clean_name(pl.col("guardian_name")).alias("guardian_name"))
    lead = [F.SOURCE_FILE, F.SOURCE_ROW]
    return frame.select(lead + [c for c in frame.columns if c not in lead])
