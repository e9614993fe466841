"""Reconcile: for each sector row, the findings an officer must act on.

``discrepancies(records, outcomes, residents)`` returns one row per finding with
``source_file, source_row, residency_id, field, kind, sector_value, residency_value,
suggested_value, severity``. The suggested value comes from the population database.
"""

from __future__ import annotations

import polars as pl

from contracts import fields as F
from matchers.deterministic import KEY
from matchers.normalise import canonical_name, folded, has_diacritics

COLUMNS = (
    F.SOURCE_FILE, F.SOURCE_ROW, "residency_id", "field", "kind",
    "sector_value", "residency_value", "suggested_value", "severity",
)


def _date_text(col: str, precision: str | None = None) -> pl.Expr:
    """A date as an officer writes it: dd/mm/yyyy, mm/yyyy or yyyy by precision."""
    day = pl.col(col).dt.strftime("%d/%m/%Y")
    if precision is None:
        return day
    return (
        pl.when(pl.col(precision) == "year").then(pl.col(col).dt.strftime("%Y"))
        .when(pl.col(precision) == "month").then(pl.col(col).dt.strftime("%m/%Y"))
        .otherwise(day)
    )


def _finding(frame: pl.DataFrame, when: pl.Expr, field: str, kind: str, sector_value: pl.Expr,
             residency_value: pl.Expr, suggested: pl.Expr, severity: str) -> pl.DataFrame:
    return frame.filter(when.fill_null(False)).select(
        pl.col(F.SOURCE_FILE), pl.col(F.SOURCE_ROW), pl.col("residency_id"),
        pl.lit(field).alias("field"), pl.lit(kind).alias("kind"),
        sector_value.cast(pl.String).alias("sector_value"),
        residency_value.cast(pl.String).alias("residency_value"),
        suggested.cast(pl.String).alias("suggested_value"),
        pl.lit(severity).alias("severity"),
    )


def discrepancies(records: pl.DataFrame, outcomes: pl.DataFrame, residents: pl.DataFrame) -> pl.DataFrame:
    """Findings for matched rows (fields that differ) and for rows not found in the extract."""
    res = residents.select(
        pl.col(F.PERSON_ID).alias("residency_id"),
        pl.col(F.FULL_NAME).alias("name_r"),
        pl.col(F.BIRTH_DATE).alias("dob_r"),
        pl.col(F.GENDER).alias("gender_r"),
    )
    rows = records.join(outcomes, on=KEY, how="inner", maintain_order="left")
    matched = rows.filter(pl.col("outcome") == "matched").join(res, on="residency_id", how="left", maintain_order="left")
    m = matched.with_columns(
        canonical_name(F.FULL_NAME).alias("_canon_l"),
        canonical_name("name_r").alias("_canon_r"),
        folded(F.FULL_NAME).alias("_fold_l"),
        folded("name_r").alias("_fold_r"),
        has_diacritics(F.FULL_NAME).alias("_accented_l"),
    )
    dob_l, dob_r, prec = pl.col(F.BIRTH_DATE), pl.col("dob_r"), pl.col(F.BIRTH_DATE_PRECISION)
    same_at_precision = (
        pl.when(prec == "year").then(dob_l.dt.year() == dob_r.dt.year())
        .when(prec == "month").then((dob_l.dt.year() == dob_r.dt.year()) & (dob_l.dt.month() == dob_r.dt.month()))
        .otherwise(dob_l == dob_r)
    )
    swapped = (
        (prec == "day") & (dob_l.dt.year() == dob_r.dt.year())
        & (dob_l.dt.day() == dob_r.dt.month()) & (dob_l.dt.month() == dob_r.dt.day()) & (dob_l != dob_r)
    )
    name_l, name_r = pl.col(F.FULL_NAME_RAW), pl.col("name_r")
    pid_l, pid_r = pl.col(F.PERSON_ID), pl.col("residency_id")
    found = [
        _finding(m, (pl.col("_canon_l") != pl.col("_canon_r")) & (pl.col("_fold_l") == pl.col("_fold_r")) & ~pl.col("_accented_l"),
                 F.FULL_NAME, "missing_diacritics", name_l, name_r, name_r, "low"),
        _finding(m, (pl.col("_canon_l") != pl.col("_canon_r")) & ~((pl.col("_fold_l") == pl.col("_fold_r")) & ~pl.col("_accented_l")),
                 F.FULL_NAME, "different", name_l, name_r, name_r, "medium"),
        _finding(m, dob_l.is_null() & dob_r.is_not_null(), F.BIRTH_DATE, "missing",
                 pl.lit(None), _date_text("dob_r"), _date_text("dob_r"), "medium"),
        _finding(m, dob_l.is_not_null() & same_at_precision & (prec != "day"), F.BIRTH_DATE, "less_precise",
                 _date_text(F.BIRTH_DATE, F.BIRTH_DATE_PRECISION), _date_text("dob_r"), _date_text("dob_r"), "low"),
        _finding(m, swapped, F.BIRTH_DATE, "day_month_swapped",
                 _date_text(F.BIRTH_DATE), _date_text("dob_r"), _date_text("dob_r"), "medium"),
        _finding(m, dob_l.is_not_null() & ~same_at_precision & ~swapped, F.BIRTH_DATE, "different",
                 _date_text(F.BIRTH_DATE, F.BIRTH_DATE_PRECISION), _date_text("dob_r"), _date_text("dob_r"), "high"),
        _finding(m, pl.col(F.GENDER).is_null() & pl.col("gender_r").is_not_null(), F.GENDER, "missing",
                 pl.lit(None), pl.col("gender_r"), pl.col("gender_r"), "low"),
        _finding(m, pl.col(F.GENDER).is_not_null() & (pl.col(F.GENDER) != pl.col("gender_r")), F.GENDER, "different",
                 pl.col(F.GENDER), pl.col("gender_r"), pl.col("gender_r"), "medium"),
        _finding(m, pid_l.is_null() & pl.col(F.OLD_ID).is_null(), F.PERSON_ID, "missing",
                 pl.lit(None), pid_r, pid_r, "medium"),
        _finding(m, pid_l.is_null() & pl.col(F.OLD_ID).is_not_null(), F.PERSON_ID, "old_id_given",
                 pl.col(F.OLD_ID), pid_r, pid_r, "medium"),
        _finding(m, pid_l.is_not_null() & (pid_l != pid_r), F.PERSON_ID, "different",
                 pid_l, pid_r, pid_r, "high"),
    ]
    # An ID on the row that belongs to a different resident (a parent's ID on a child's row…).
    other_owner = rows.join(res.select(pl.col("residency_id").alias(F.PERSON_ID)).with_columns(pl.lit(True).alias("_known")),
                            on=F.PERSON_ID, how="left", maintain_order="left")
    found.append(_finding(
        other_owner, pl.col("_known") & ((pl.col("residency_id") != pl.col(F.PERSON_ID)) | pl.col("residency_id").is_null()),
        F.PERSON_ID, "belongs_to_other_resident", pl.col(F.PERSON_ID), pl.lit(None), pl.col("residency_id"), "high",
    ))
    found.append(_finding(
        rows, pl.col("outcome") == "unmatched", "record", "not_in_residency",
        name_l, pl.lit(None), pl.lit(None), "medium",
    ))
    found.append(_finding(
        rows, pl.col("problem_person_id").is_not_null(), F.PERSON_ID, "unreadable",
        pl.col("raw_person_id"), pl.lit(None),
        pl.when(pl.col("outcome") == "matched").then(pl.col("residency_id")), "medium",
    ))
    return pl.concat(found, how="vertical").sort(F.SOURCE_FILE, F.SOURCE_ROW, "field", maintain_order=True)
