"""The ``match_evidence`` rows of a sector: every matched pair, and for review rows their best
candidates, with each comparison's level and weight (bits) and both sides' values for
side-by-side display.
"""

from __future__ import annotations

import polars as pl

from contracts import fields as F
from matchers import default_comparisons, explain
from pipelines.fingerprints import IDENTITY_FIELDS, column_or_null, record_fingerprints

COMPARISONS = tuple(c.name for c in default_comparisons())
SIDE_FIELDS = (F.FULL_NAME, F.BIRTH_DATE, F.PERSON_ID, F.OLD_ID, F.GENDER, F.ADDRESS)
CANDIDATES_PER_REVIEW = 3
EVIDENCE_COLUMNS = (
    "source_file", "source_row", "record_fingerprint", "residency_id", "rank", "outcome", "decision",
    "match_weight", "match_probability",
    *(f"{name}_{part}" for name in COMPARISONS for part in ("level", "weight")),
    *(f"{f}_{side}" for f in SIDE_FIELDS for side in ("l", "r")),
)


def _date_text(col: str, precision: str) -> pl.Expr:
    """A birth date as an analyst reads it: dd/mm/yyyy, mm/yyyy or yyyy by its precision."""
    d = pl.col(col)
    p = pl.col(precision)
    return (pl.when(p == "year").then(d.dt.strftime("%Y"))
            .when(p == "month").then(d.dt.strftime("%m/%Y"))
            .otherwise(d.dt.strftime("%d/%m/%Y")))


def _side(frame: pl.DataFrame, side: str) -> list[pl.Expr]:
    has_precision = F.BIRTH_DATE_PRECISION in frame.columns
    date = (_date_text(F.BIRTH_DATE, F.BIRTH_DATE_PRECISION) if has_precision and F.BIRTH_DATE in frame.columns
            else column_or_null(frame, F.BIRTH_DATE, pl.Date).dt.strftime("%d/%m/%Y"))
    exprs = []
    for f in SIDE_FIELDS:
        expr = date if f == F.BIRTH_DATE else column_or_null(frame, f)
        exprs.append(expr.cast(pl.String).alias(f"{f}_{side}"))
    return exprs


def evidence(best: pl.DataFrame, pairs: pl.DataFrame, records: pl.DataFrame, residents: pl.DataFrame,
             applied: pl.DataFrame) -> pl.DataFrame:
    """``match_evidence`` rows (without run_id and sector): each matched pair, and the best
    ``CANDIDATES_PER_REVIEW`` candidates of each review row, with levels, weights and both sides."""
    chosen = best.filter(pl.col("outcome").is_in(["matched", "review"]) & pl.col("residency_id").is_not_null()).select(
        F.RECORD_KEY, "residency_id", "outcome")
    if chosen.is_empty():
        return pl.DataFrame(schema={c: pl.String for c in EVIDENCE_COLUMNS})
    if pairs.height:
        ranked = pairs.join(chosen.select(F.RECORD_KEY, "outcome"), on=F.RECORD_KEY, how="semi").with_columns(
            pl.col("match_weight").rank("ordinal", descending=True).over(F.RECORD_KEY).cast(pl.Int32).alias("rank"),
        )
        ranked = ranked.join(chosen.select(F.RECORD_KEY, "outcome", pl.col("residency_id").alias("_chosen")), on=F.RECORD_KEY)
        keep = ranked.filter((pl.col("person_id_r") == pl.col("_chosen"))
                             | ((pl.col("outcome") == "review") & (pl.col("rank") <= CANDIDATES_PER_REVIEW)))
        if any(f"explain_{n}" not in keep.columns for n in COMPARISONS):  # pieces' pairs keep gammas only
            keep = explain(keep)
        scored = keep.select(
            F.RECORD_KEY, pl.col("person_id_r").alias("residency_id"), "rank", "outcome", "match_weight", "match_probability",
            *[pl.col(f"explain_{n}").str.replace(rf"^{n}: ", "").alias(f"{n}_level") for n in COMPARISONS],
            *[pl.col(f"bf_{n}").alias(f"{n}_weight") for n in COMPARISONS],
        )
        # an accepted resident who was not among the candidates still gets a row (no scores)
        extra = chosen.join(scored.select(F.RECORD_KEY, "residency_id"), on=[F.RECORD_KEY, "residency_id"], how="anti")
        scored = pl.concat([scored, extra.with_columns(pl.lit(None, pl.Int32).alias("rank"))], how="diagonal_relaxed")
    else:
        scored = chosen.join(best.select(F.RECORD_KEY, "match_probability"), on=F.RECORD_KEY).with_columns(
            pl.lit(1, pl.Int32).alias("rank"))
    needed = [c for c in (F.RECORD_KEY, F.SOURCE_FILE, F.SOURCE_ROW, *SIDE_FIELDS, *IDENTITY_FIELDS)
              if c in records.columns]  # a join gathers every column it carries: only these
    shown = records.select(list(dict.fromkeys(needed))).with_columns(pl.col(F.RECORD_KEY).cast(pl.UInt32)).join(
        scored.select(pl.col(F.RECORD_KEY).cast(pl.UInt32)).unique(), on=F.RECORD_KEY, how="semi")
    left = shown.select(F.RECORD_KEY, F.SOURCE_FILE, pl.col(F.SOURCE_ROW).cast(pl.Int32),
                        *_side(shown, "l")).join(record_fingerprints(shown), on=F.RECORD_KEY)
    candidates = residents.select([c for c in dict.fromkeys((*SIDE_FIELDS, F.BIRTH_DATE_PRECISION)) if c in residents.columns]).join(
        scored.select(pl.col("residency_id").alias(F.PERSON_ID)).unique(), on=F.PERSON_ID,
        how="semi")  # only the residents shown, not the whole extract
    right = candidates.select(pl.col(F.PERSON_ID).alias("residency_id"), *_side(candidates, "r")).unique("residency_id")
    frame = (scored.join(left, on=F.RECORD_KEY, how="left").join(right, on="residency_id", how="left")
             .join(applied.select(F.RECORD_KEY, "residency_id", "decision"), on=[F.RECORD_KEY, "residency_id"], how="left"))
    for c in EVIDENCE_COLUMNS:
        if c not in frame.columns:
            frame = frame.with_columns(pl.lit(None, pl.Float64 if c.endswith("_weight") or c.startswith("match_")
                                              else pl.String).alias(c))
    return frame.sort(F.RECORD_KEY, pl.col("rank"), nulls_last=True).select(EVIDENCE_COLUMNS)
