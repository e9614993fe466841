"""Pandera contracts for the residency extract and each sector list, and the valid/rejected split.

Hard rules reject a row (required fields, ID formats, domains, plausible dates). Parsing has
already happened in polars (see ``contracts.values``): the schema checks values, it does not
convert them, and a value that could not be parsed arrives as a ``problem_<field>`` text.
"""

from __future__ import annotations

import datetime as dt
from functools import lru_cache

import pandera.polars as pa
import polars as pl

from contracts import fields as F
from contracts.values import PROBLEM_BOTH_COLUMNS

MAX_AGE_YEARS = 120

# check id → (field it concerns, readable message). The check id is what rejected_rows.check holds.
CHECK_MESSAGES: dict[str, tuple[str, str]] = {
    "name_required": (F.FULL_NAME, "the name is empty"),
    "name_length": (F.FULL_NAME, "the name is shorter than 2 or longer than 100 characters"),
    "name_letters": (F.FULL_NAME, "the name contains digits or symbols"),
    "person_id_required": (F.PERSON_ID, "the personal ID is empty"),
    "person_id_format": (F.PERSON_ID, "the personal ID is not 12 digits"),
    "person_id_readable": (F.PERSON_ID, "the ID is not 9 or 12 digits"),
    "person_id_unique": (F.PERSON_ID, "the personal ID appears on more than one row of the extract"),
    "old_id_format": (F.OLD_ID, "the old ID (CMND) is not 9 or 12 digits"),
    "birth_date_required": (F.BIRTH_DATE, "the birth date is empty"),
    "birth_date_readable": (F.BIRTH_DATE, "the birth date is not a valid date in any accepted format"),
    "birth_date_not_future": (F.BIRTH_DATE, "the birth date is in the future"),
    "birth_date_plausible": (F.BIRTH_DATE, f"the birth date makes the person older than {MAX_AGE_YEARS}"),
    "gender_domain": (F.GENDER, "the gender is not Nam or Nữ"),
    "birth_date_both_columns": (F.BIRTH_DATE, "a birth date is written in both the Nam and the Nữ column"),
    "gender_both_columns": (F.GENDER, "both the Nam and the Nữ column are ticked"),
}

# Parse problems that do not reject the row (kept as findings for reconciliation).
SOFT_PROBLEMS = ("scientific notation: digits lost",)


def _no_problem(check_id: str) -> pa.Check:
    """Fails where a parse problem was found, except the "both Nam and Nữ columns" one."""
    def check(data: pa.PolarsData) -> pl.LazyFrame:
        return data.lazyframe.select(pl.col(data.key).is_null() | (pl.col(data.key) == PROBLEM_BOTH_COLUMNS))

    return pa.Check(check, error=check_id)


def _not_both_columns(check_id: str) -> pa.Check:
    """Fails where the value was written in both the Nam and the Nữ column."""
    def check(data: pa.PolarsData) -> pl.LazyFrame:
        return data.lazyframe.select((pl.col(data.key) != PROBLEM_BOTH_COLUMNS).fill_null(True))

    return pa.Check(check, error=check_id)


def _id_problem_is_soft(check_id: str) -> pa.Check:
    def check(data: pa.PolarsData) -> pl.LazyFrame:
        return data.lazyframe.select(pl.col(data.key).is_null() | pl.col(data.key).is_in(SOFT_PROBLEMS))

    return pa.Check(check, error=check_id)


def _letters_only() -> pa.Check:
    """Letters, spaces and name punctuation; a digit only as a VNI key left inside a word
    ("Nguye6n", "Tra62n": the keyboard was in English mode), which the matcher reads through."""
    def check(data: pa.PolarsData) -> pl.LazyFrame:
        vni_keys_dropped = pl.col(data.key).str.replace_all(r"(\p{L})[1-9]{1,2}", "$1")
        return data.lazyframe.select(~vni_keys_dropped.str.contains(r"[0-9@#$%^&*=+<>{}\[\]|\\/_]"))

    return pa.Check(check, error="name_letters")


@lru_cache(maxsize=64)
def source_schema(source: str, as_of: dt.date) -> pa.DataFrameSchema:
    """The contract of one source as of a date (birth dates after it, or 120+ years before, fail)."""
    is_residency = source == F.RESIDENCY
    oldest = dt.date(as_of.year - MAX_AGE_YEARS, as_of.month, 1)
    columns = {
        F.FULL_NAME: pa.Column(pl.String, nullable=False, checks=[
            pa.Check.str_length(2, 100, error="name_length"),
            _letters_only(),
        ]),
        F.PERSON_ID: pa.Column(pl.String, nullable=not is_residency, unique=is_residency, checks=[
            pa.Check.str_matches(r"^[0-9]{12}$", error="person_id_format"),
        ]),
        F.OLD_ID: pa.Column(pl.String, nullable=True, checks=[
            pa.Check.str_matches(r"^([0-9]{9}|[0-9]{12})$", error="old_id_format"),
        ]),
        F.BIRTH_DATE: pa.Column(pl.Date, nullable=not is_residency, checks=[
            pa.Check.le(as_of, error="birth_date_not_future"),
            pa.Check.ge(oldest, error="birth_date_plausible"),
        ]),
        F.GENDER: pa.Column(pl.String, nullable=True, checks=[
            pa.Check.isin(list(F.GENDERS), error="gender_domain"),
        ]),
        "problem_person_id": pa.Column(pl.String, nullable=True, checks=[_id_problem_is_soft("person_id_readable")]),
        "problem_birth_date": pa.Column(pl.String, nullable=True, checks=[
            _no_problem("birth_date_readable"), _not_both_columns("birth_date_both_columns")]),
        "problem_gender": pa.Column(pl.String, nullable=True, checks=[
            _no_problem("gender_domain"), _not_both_columns("gender_both_columns")]),
    }
    return pa.DataFrameSchema(columns, strict=False, name=source)


# pandera's own check names for nullability/uniqueness → our check ids, per column.
_BUILTIN = {
    ("not_nullable", F.FULL_NAME): "name_required",
    ("not_nullable", F.PERSON_ID): "person_id_required",
    ("not_nullable", F.BIRTH_DATE): "birth_date_required",
    ("field_uniqueness", F.PERSON_ID): "person_id_unique",
}


def split_valid(source: str, records: pl.DataFrame, as_of: dt.date) -> tuple[pl.DataFrame, pl.DataFrame]:
    """(valid rows, one row per failed rule) for canonical ``records`` of ``source``.

    The failures frame has ``source_file, source_row, field, check, value, message``.
    A row with several failures appears once per failure; the valid frame keeps row order.
    """
    schema = source_schema(source, as_of)
    checked = list(schema.columns)
    try:
        schema.validate(records.select(checked), lazy=True)
        return records, _empty_failures()
    except pa.errors.SchemaErrors as err:
        cases = err.failure_cases
    if cases["index"].null_count():
        bad = cases.filter(pl.col("index").is_null())["check"].to_list()
        raise RuntimeError(f"contract for {source} failed at schema level: {bad}")
    cases = cases.with_columns(_check_id_expr().alias("check_id"))
    lookup = pl.DataFrame(
        {"check_id": list(CHECK_MESSAGES), "field": [v[0] for v in CHECK_MESSAGES.values()],
         "message": [v[1] for v in CHECK_MESSAGES.values()]}
    )
    cases = cases.join(lookup, on="check_id", how="left").with_columns(
        pl.col("index").cast(pl.UInt32).alias("_row"),
        pl.col("field").fill_null(pl.col("column")),
        pl.col("message").fill_null(pl.col("check_id")),
    )
    rows = records.with_row_index("_row")
    raw_value = {
        F.PERSON_ID: "raw_person_id", F.OLD_ID: "raw_old_id", F.BIRTH_DATE: "raw_birth_date",
        F.GENDER: "raw_gender", F.FULL_NAME: F.FULL_NAME_RAW,
    }
    failures = cases.join(
        rows.select("_row", F.SOURCE_FILE, F.SOURCE_ROW, *[c for c in set(raw_value.values()) if c in rows.columns]),
        on="_row", how="left",
    ).with_columns(
        pl.coalesce(
            *[pl.when(pl.col("field") == f).then(pl.col(c)) for f, c in raw_value.items() if c in rows.columns]
        ).alias("value")
    ).unique(subset=["_row", "field", "check_id"], keep="first", maintain_order=True)
    failures = failures.sort("_row").select(
        F.SOURCE_FILE, F.SOURCE_ROW, "field", pl.col("check_id").alias("check"), "value", "message"
    )
    bad_rows = cases.select("_row").unique()
    valid = rows.join(bad_rows, on="_row", how="anti", maintain_order="left").drop("_row")
    return valid, failures


def _check_id_expr() -> pl.Expr:
    expr = pl.col("check")
    for (check, column), check_id in _BUILTIN.items():
        expr = pl.when((pl.col("check") == check) & (pl.col("column") == column)).then(pl.lit(check_id)).otherwise(expr)
    return expr


def _empty_failures() -> pl.DataFrame:
    return pl.DataFrame(schema={
        F.SOURCE_FILE: pl.String, F.SOURCE_ROW: pl.UInt32, "field": pl.String,
        "check": pl.String, "value": pl.String, "message": pl.String,
    })
