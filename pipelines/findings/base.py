"""What every finding detector builds on: the finding columns, one finding kind over a frame,
and the extract's fields and dates as an officer reads them.
"""

from __future__ import annotations

import polars as pl

from contracts import fields as F

BASE = (F.SOURCE_FILE, F.SOURCE_ROW, "residency_id", "field", "kind", "sector_value", "residency_value",
        "suggested_value", "severity")
GENDER_VI = {"M": "Nam", "F": "Nữ"}


def gender_text(col: str | pl.Expr) -> pl.Expr:
    """"M"/"F" → "Nam"/"Nữ" (as officers write it); null stays null."""
    e = pl.col(col) if isinstance(col, str) else col
    return e.replace_strict(GENDER_VI, default=None, return_dtype=pl.String)


def date_text(col: str | pl.Expr, precision: str | pl.Expr | None = None) -> pl.Expr:
    """A date as an officer writes it: dd/mm/yyyy, or mm/yyyy / yyyy by ``precision``."""
    e = pl.col(col) if isinstance(col, str) else col
    day = e.dt.strftime("%d/%m/%Y")
    if precision is None:
        return day
    p = pl.col(precision) if isinstance(precision, str) else precision
    return (
        pl.when(p == "year").then(e.dt.strftime("%Y"))
        .when(p == "month").then(e.dt.strftime("%m/%Y"))
        .otherwise(day)
    )


def resident_columns(residents: pl.DataFrame) -> pl.DataFrame:
    """The extract's fields a finding compares with, renamed ``*_r`` and keyed by ``residency_id``."""
    def col(name: str, dtype=pl.String) -> pl.Expr:
        return pl.col(name) if name in residents.columns else pl.lit(None, dtype=dtype)

    return residents.select(
        pl.col(F.PERSON_ID).alias("residency_id"),
        col(F.FULL_NAME).alias("name_r"),
        col(F.BIRTH_DATE, pl.Date).alias("dob_r"),
        col(F.BIRTH_DATE_PRECISION).fill_null("day").alias("prec_r"),
        col(F.GENDER).alias("gender_r"),
        col(F.COMMUNE_CODE).alias("commune_r"),
        col(F.SOURCE_FILE).alias("file_r"),
        col(F.SOURCE_ROW, pl.UInt32).alias("row_r"),
    ).unique("residency_id", keep="first", maintain_order=True)


def finding(frame: pl.DataFrame, when: pl.Expr, field: str, kind: str, sector_value: pl.Expr,
            residency_value: pl.Expr, suggested: pl.Expr, severity: str | pl.Expr) -> pl.DataFrame:
    """The rows of ``frame`` where ``when`` holds, as findings of one kind."""
    return frame.filter(when.fill_null(False)).select(
        pl.col(F.SOURCE_FILE), pl.col(F.SOURCE_ROW).cast(pl.UInt32), pl.col("residency_id"),
        pl.lit(field).alias("field"), pl.lit(kind).alias("kind"),
        sector_value.cast(pl.String).alias("sector_value"),
        residency_value.cast(pl.String).alias("residency_value"),
        suggested.cast(pl.String).alias("suggested_value"),
        (pl.lit(severity) if isinstance(severity, str) else severity).alias("severity"),
    )
