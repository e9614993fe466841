"""Deterministic match passes: personal ID, old CMND, then folded name + birth date.

Each pass takes the sector ``records`` still unassigned and the ``residents`` and returns
``record_key, residency_id, outcome, match_probability, match_method`` rows. Pure polars joins.
"""

from __future__ import annotations

import polars as pl

from contracts import fields as F
from contracts.fields import RECORD_KEY
from matchers.normalise import folded

RESULT_SCHEMA = {
    RECORD_KEY: pl.UInt32, "residency_id": pl.String, "outcome": pl.String,
    "match_probability": pl.Float64, "match_method": pl.String,
}


def _with_keys(frame: pl.DataFrame) -> pl.DataFrame:
    """Add the comparison keys: folded name and birth year/month at the row's precision."""
    return frame.with_columns(
        folded(F.FULL_NAME).alias("_name"),
        pl.col(F.BIRTH_DATE).dt.year().alias("_year"),
    )


def _agrees(precision_col: str = F.BIRTH_DATE_PRECISION) -> pl.Expr:
    """Name (folded) or birth date (at the sector row's precision) agree on a pair."""
    same_year = pl.col("_year") == pl.col("_year_r")
    same_month = same_year & (pl.col(F.BIRTH_DATE).dt.month() == pl.col(f"{F.BIRTH_DATE}_r").dt.month())
    same_date = (
        pl.when(pl.col(precision_col) == "year").then(same_year)
        .when(pl.col(precision_col) == "month").then(same_month)
        .otherwise(pl.col(F.BIRTH_DATE) == pl.col(f"{F.BIRTH_DATE}_r"))
    )
    return (pl.col("_name") == pl.col("_name_r")).fill_null(False) | same_date.fill_null(False)


def _result(pairs: pl.DataFrame, outcome: str, method: str, probability: float) -> pl.DataFrame:
    return pairs.select(
        pl.col(RECORD_KEY),
        pl.col(f"{F.PERSON_ID}_r").alias("residency_id"),
        pl.lit(outcome).alias("outcome"),
        pl.lit(probability, dtype=pl.Float64).alias("match_probability"),
        pl.lit(method).alias("match_method"),
    )


def _unique_candidates(pairs: pl.DataFrame) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Split pairs into records with exactly one candidate and records with several."""
    counts = pairs.group_by(RECORD_KEY).len()
    single = pairs.join(counts.filter(pl.col("len") == 1).select(RECORD_KEY), on=RECORD_KEY, how="semi")
    several = pairs.join(counts.filter(pl.col("len") > 1).select(RECORD_KEY), on=RECORD_KEY, how="semi")
    return single, several


def deterministic_passes(records: pl.DataFrame, residents: pl.DataFrame) -> pl.DataFrame:
    """One row per record: matched / review / unmatched, by the first pass that decides it."""
    recs = _with_keys(records.select(RECORD_KEY, F.PERSON_ID, F.OLD_ID, F.FULL_NAME, F.BIRTH_DATE, F.BIRTH_DATE_PRECISION))
    res = _with_keys(residents.select(F.PERSON_ID, F.OLD_ID, F.FULL_NAME, F.BIRTH_DATE)).rename(
        lambda c: f"{c}_r"
    )
    decided: list[pl.DataFrame] = []

    # 1. Personal ID equal, and the name or the birth date agreeing.
    by_id = recs.filter(pl.col(F.PERSON_ID).is_not_null()).join(
        res, left_on=F.PERSON_ID, right_on=f"{F.PERSON_ID}_r", how="inner", coalesce=False
    ).filter(_agrees())
    decided.append(_result(by_id, "matched", "person_id", 1.0))
    open_recs = recs.join(by_id.select(RECORD_KEY), on=RECORD_KEY, how="anti")

    # 2. Old CMND equal (against the extract's CMND), and the name or the birth date agreeing.
    by_old = open_recs.filter(pl.col(F.OLD_ID).is_not_null()).join(
        res.filter(pl.col(f"{F.OLD_ID}_r").is_not_null()),
        left_on=F.OLD_ID, right_on=f"{F.OLD_ID}_r", how="inner", coalesce=False,
    ).filter(_agrees())
    single, several = _unique_candidates(by_old)
    decided.append(_result(single, "matched", "old_id", 1.0))
    open_recs = open_recs.join(single.select(RECORD_KEY), on=RECORD_KEY, how="anti")

    # 3. Folded name and full birth date equal: matched when unique, review when several.
    by_name = open_recs.filter(pl.col(F.BIRTH_DATE_PRECISION) == "day").join(
        res, left_on=["_name", F.BIRTH_DATE], right_on=["_name_r", f"{F.BIRTH_DATE}_r"], how="inner", coalesce=False,
    )
    single, several = _unique_candidates(by_name)
    # A row showing a 12-digit ID that belongs to nobody in the extract is at most a review case
    # (an ID of another resident, e.g. a parent's on a child's row, is no evidence against).
    own_id = (pl.col(F.PERSON_ID).is_not_null() & (pl.col(F.PERSON_ID) != pl.col(f"{F.PERSON_ID}_r"))
              & ~pl.col(F.PERSON_ID).is_in(residents[F.PERSON_ID].implode()))
    several = pl.concat([several, single.filter(own_id)])
    single = single.filter(~own_id)
    decided.append(_result(single, "matched", "name_birth_date", 0.95))
    decided.append(_result(several.sort(RECORD_KEY, f"{F.PERSON_ID}_r").unique(RECORD_KEY, keep="first"), "review", "name_birth_date", 0.5))
    open_recs = open_recs.join(by_name.select(RECORD_KEY), on=RECORD_KEY, how="anti")

    # 4. Folded name and birth year equal where the row has only a year or month: review.
    by_year = open_recs.filter(pl.col(F.BIRTH_DATE_PRECISION).is_in(["year", "month"])).join(
        res, left_on=["_name", "_year"], right_on=["_name_r", "_year_r"], how="inner", coalesce=False,
    )
    decided.append(_result(by_year.sort(RECORD_KEY, f"{F.PERSON_ID}_r").unique(RECORD_KEY, keep="first"), "review", "name_birth_year", 0.5))

    result = pl.concat([d.cast(RESULT_SCHEMA) for d in decided], how="vertical")
    rest = records.select(RECORD_KEY).join(result.select(RECORD_KEY), on=RECORD_KEY, how="anti")
    unmatched = rest.with_columns(
        pl.lit(None, dtype=pl.String).alias("residency_id"), pl.lit("unmatched").alias("outcome"),
        pl.lit(None, dtype=pl.Float64).alias("match_probability"), pl.lit(None, dtype=pl.String).alias("match_method"),
    )
    return pl.concat([result, unmatched.cast(RESULT_SCHEMA)], how="vertical").sort(RECORD_KEY)
