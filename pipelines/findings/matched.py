"""Field findings for matched rows: name, birth date, gender and ID compared with the resident.

``field_findings(matched)`` takes sector rows joined to their resident (columns ``*_r`` from
``base.resident_columns``) and returns one row per finding in ``base.BASE`` order (without
``sector``). Pure polars; no Python per row.
"""

from __future__ import annotations

import polars as pl

from contracts import fields as F
from matchers import (
    canonical_name,
    folded,
    given_name,
    has_diacritics,
    middle_names,
    surname,
)
from pipelines.findings.base import date_text, finding, gender_text


def _name_findings(m: pl.DataFrame) -> list[pl.DataFrame]:
    """Missing diacritics (low), words run together or split (low: "LêKhánh Mẫn" for "Lê Khánh
    Mẫn"), middle name missing/extra, spelled differently. Tone placement, case, stray spaces and
    "Ð" are not findings (the canonical forms agree). Rows whose name is the resident's as it
    stands cannot differ in canonical form either: only the others are normalised."""
    m = m.filter(pl.col(F.FULL_NAME) != pl.col("name_r")).with_columns(
        canonical_name(F.FULL_NAME).alias("_canon_l"), canonical_name("name_r").alias("_canon_r"),
    ).with_columns(
        folded("_canon_l", is_canonical=True).alias("_fold_l"), folded("_canon_r", is_canonical=True).alias("_fold_r"),
        has_diacritics(F.FULL_NAME).alias("_accented_l"),
    ).with_columns(
        middle_names("_fold_l").alias("_mid_l"), middle_names("_fold_r").alias("_mid_r"),
        ((surname("_fold_l") == surname("_fold_r")) & (given_name("_fold_l") == given_name("_fold_r"))
         & (~pl.col("_accented_l") | ((surname("_canon_l") == surname("_canon_r"))
                                      & (given_name("_canon_l") == given_name("_canon_r"))))).alias("_ends_eq"),
    )
    differs = pl.col("_canon_l") != pl.col("_canon_r")
    mid_l, mid_r = pl.col("_mid_l"), pl.col("_mid_r")
    missing_mid = differs & pl.col("_ends_eq") & (mid_l.list.len() < mid_r.list.len()) & (
        mid_l.list.set_difference(mid_r).list.len() == 0)
    extra_mid = differs & pl.col("_ends_eq") & (mid_l.list.len() > mid_r.list.len()) & (
        mid_r.list.set_difference(mid_l).list.len() == 0)
    def joined(col: str) -> pl.Expr:
        return pl.col(col).str.replace_all(" ", "", literal=True)

    spacing = differs & (joined("_canon_l") == joined("_canon_r"))
    unaccented = differs & ~pl.col("_accented_l") & (
        (pl.col("_fold_l") == pl.col("_fold_r")) | (joined("_fold_l") == joined("_fold_r")))
    other = (differs & ~unaccented.fill_null(False) & ~spacing.fill_null(False) & ~missing_mid.fill_null(False)
             & ~extra_mid.fill_null(False))
    listed, db = pl.col(F.FULL_NAME_RAW), pl.col("name_r")
    return [
        finding(m, unaccented, F.FULL_NAME, "missing_diacritics", listed, db, db, "low"),
        finding(m, spacing, F.FULL_NAME, "words_run_together", listed, db, db, "low"),
        finding(m, missing_mid, F.FULL_NAME, "middle_name_missing", listed, db, db, "medium"),
        finding(m, extra_mid, F.FULL_NAME, "middle_name_extra", listed, db, db, "medium"),
        finding(m, other, F.FULL_NAME, "different", listed, db, db, "medium"),
    ]


def _birth_date_findings(m: pl.DataFrame) -> list[pl.DataFrame]:
    """Missing; less precise (year/month only, or a 01/01 placeholder of the right year); day and
    month swapped; different. Compared at the coarser of the two precisions: a list more precise
    than the extract is not a list finding."""
    dob_l, dob_r, prec_l, prec_r = pl.col(F.BIRTH_DATE), pl.col("dob_r"), pl.col(F.BIRTH_DATE_PRECISION), pl.col("prec_r")
    coarse_year = (prec_l == "year") | (prec_r == "year")
    coarse_month = (prec_l == "month") | (prec_r == "month")
    same_year = dob_l.dt.year() == dob_r.dt.year()
    same = (
        pl.when(coarse_year).then(same_year)
        .when(coarse_month).then(same_year & (dob_l.dt.month() == dob_r.dt.month()))
        .otherwise(dob_l == dob_r)
    )
    both_days = (prec_l == "day") & (prec_r == "day")
    placeholder = both_days & (dob_l.dt.day() == 1) & (dob_l.dt.month() == 1) & same_year & (dob_l != dob_r)
    coarser_list = (
        ((prec_l == "year") & prec_r.is_in(["month", "day"])) | ((prec_l == "month") & (prec_r == "day"))
    )
    swapped = (
        both_days & same_year & (dob_l.dt.day() == dob_r.dt.month()) & (dob_l.dt.month() == dob_r.dt.day())
        & (dob_l != dob_r)
    )
    listed = pl.coalesce(pl.col("raw_birth_date"), date_text(F.BIRTH_DATE, F.BIRTH_DATE_PRECISION)) \
        if "raw_birth_date" in m.columns else date_text(F.BIRTH_DATE, F.BIRTH_DATE_PRECISION)
    db = date_text("dob_r", "prec_r")
    has_both = dob_l.is_not_null() & dob_r.is_not_null()
    return [
        finding(m, dob_l.is_null() & dob_r.is_not_null(), F.BIRTH_DATE, "missing", pl.lit(None), db, db, "medium"),
        finding(m, has_both & ((same & coarser_list) | placeholder), F.BIRTH_DATE, "less_precise", listed, db, db, "low"),
        finding(m, has_both & swapped, F.BIRTH_DATE, "day_month_swapped", listed, db, db, "medium"),
        finding(m, has_both & ~same & ~swapped & ~placeholder, F.BIRTH_DATE, "different", listed, db, db, "high"),
    ]


def _gender_findings(m: pl.DataFrame) -> list[pl.DataFrame]:
    sex_l, sex_r = pl.col(F.GENDER), pl.col("gender_r")
    db = gender_text("gender_r")
    return [
        finding(m, sex_l.is_null() & sex_r.is_not_null(), F.GENDER, "missing", pl.lit(None), db, db, "low"),
        finding(m, sex_l.is_not_null() & sex_r.is_not_null() & (sex_l != sex_r), F.GENDER, "different",
                gender_text(F.GENDER), db, db, "medium"),
    ]


def _id_findings(m: pl.DataFrame) -> list[pl.DataFrame]:
    """Missing (supplement), old CMND given (update), different, lost leading zero. An ID of
    another resident is reported by ``rows.other_resident_id`` instead of "different"."""
    pid_l, pid_r = pl.col(F.PERSON_ID), pl.col("residency_id")
    old_l = pl.col(F.OLD_ID)
    problem = pl.col("problem_person_id").is_not_null() if "problem_person_id" in m.columns else pl.lit(False)
    repaired = pl.col("person_id_repaired").fill_null(False) if "person_id_repaired" in m.columns else pl.lit(False)
    raw = pl.coalesce(pl.col("raw_person_id"), pid_l) if "raw_person_id" in m.columns else pid_l
    raw_old = pl.coalesce(pl.col("raw_old_id"), old_l) if "raw_old_id" in m.columns else old_l
    return [
        finding(m, pid_l.is_null() & old_l.is_null() & ~problem, F.PERSON_ID, "missing", pl.lit(None), pid_r, pid_r, "medium"),
        finding(m, pid_l.is_null() & old_l.is_not_null() & ~problem, F.PERSON_ID, "old_id_given", raw_old, pid_r, pid_r, "medium"),
        finding(m, pid_l.is_not_null() & (pid_l != pid_r) & ~pl.col("_id_is_resident"), F.PERSON_ID, "different",
                raw, pid_r, pid_r, "high"),
        finding(m, repaired & (pid_l == pid_r), F.PERSON_ID, "lost_leading_zero", raw, pid_r, pid_r, "low"),
    ]


def field_findings(matched: pl.DataFrame) -> list[pl.DataFrame]:
    """Findings of every field for matched sector rows joined to their resident's ``*_r`` columns
    and carrying ``_id_is_resident`` (the row's own ID belongs to some resident)."""
    if matched.is_empty():
        return []
    return [*_name_findings(matched), *_birth_date_findings(matched), *_gender_findings(matched), *_id_findings(matched)]
