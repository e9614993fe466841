"""Decisions: each record gets at most one resident — matched, review or unmatched.

A row is one person at most, so its best candidate's probability is that candidate's odds set
against those of all the row's serious candidates. The best candidate is matched when that
probability reaches the match threshold and it beats the runner-up by a margin; it is a review
case when its pair probability only reaches the review threshold or it is too close to the
runner-up. A record showing a personal ID that belongs to nobody in the extract is at most a
review case, unless the candidate's ID is one typo away from it.
"""

from __future__ import annotations

import math

import polars as pl

from contracts.fields import RECORD_KEY
from matchers.comparison import GAMMA_MISSING

COMPETITOR_FLOOR = 0.2  # a candidate below this pair probability does not compete for the row

BEST_SCHEMA = {
    RECORD_KEY: pl.UInt32, "residency_id": pl.String, "outcome": pl.String, "match_probability": pl.Float64,
    "match_method": pl.String, "best_candidate_id": pl.String, "best_candidate_probability": pl.Float64,
}


def _odds(weight: pl.Expr) -> pl.Expr:
    """2^weight, the weight clipped so that the odds stay finite."""
    return (weight.clip(-1000, 1000) * math.log(2)).exp()


def decide(scored: pl.DataFrame, records: pl.DataFrame, *, match_threshold: float, review_threshold: float,
           min_margin: float, id_equal_gamma: int, id_typo_gamma: int, old_id_gamma: int,
           one_row_per_person: bool = False, name_exact_gamma: int | None = None) -> pl.DataFrame:
    """One row per record of ``records`` (``record_key``, ``id_orphan``) from its scored candidate pairs.

    With ``one_row_per_person`` (a membership or allowance list), a row matched without its ID to
    a resident that another row of the list already claims by ID is a review case: a duplicate,
    or a namesake who is not in the extract.

    A row with neither ID nor birth date (a name-only form) whose name is exactly one candidate's,
    with nothing against it, is at least a review case with that candidate, never "not found".
    """
    used = [RECORD_KEY, "person_id_r", "match_weight", "match_probability", "gamma_id", "gamma_name", "gamma_birth_date"]
    # only what is read: a lighter sort; equal weights in the residents' ID order, whatever the extract's order
    order = [RECORD_KEY, "match_weight", "person_id_r"][:3 if "person_id_r" in scored.columns else 2]
    ranked = scored.select(c for c in used if c in scored.columns).sort(
        order, descending=[False, True, False][:len(order)], nulls_last=True)
    best = ranked.group_by(RECORD_KEY, maintain_order=True).agg(
        pl.col("person_id_r").first().alias("candidate"),
        # the row is one person at most: its best candidate's odds set against those of every
        # candidate worth a look (pair probability ≥ COMPETITOR_FLOOR), so a namesake with as
        # much evidence halves the probability; the many weak pairs of a common date do not add up
        (_odds(pl.col("match_weight").first())
         / (1 + _odds(pl.col("match_weight")).filter(
             (pl.col("match_probability") >= COMPETITOR_FLOOR) | (pl.int_range(pl.len()) == 0)).sum()))
        .alias("p1") if "match_weight" in scored.columns else pl.col("match_probability").first().alias("p1"),
        pl.col("match_probability").first().alias("p_pair"),
        pl.col("match_weight").first().alias("w1"),
        pl.col("match_weight").slice(1, 1).first().alias("w2"),
        pl.col("gamma_id").first().alias("gamma_id"),
        *([(pl.col("gamma_name") == name_exact_gamma).sum().alias("_exact_names"),
           (pl.col("gamma_name").first() == name_exact_gamma).alias("_best_exact"),
           ((pl.col("gamma_id").first() == GAMMA_MISSING) & (pl.col("gamma_birth_date").first() == GAMMA_MISSING))
           .alias("_name_only")]
          if name_exact_gamma is not None and "gamma_name" in scored.columns and "gamma_birth_date" in scored.columns
          else []),
    )
    frame = records.select(RECORD_KEY, "id_orphan").join(best, on=RECORD_KEY, how="left", maintain_order="left")
    margin_ok = (pl.col("w1") - pl.col("w2")).fill_null(float("inf")) >= min_margin
    orphan_capped = pl.col("id_orphan") & (pl.col("gamma_id") != id_typo_gamma)
    outcome = (
        pl.when(pl.col("p1").is_null()).then(pl.lit("unmatched"))
        .when((pl.col("p1") >= match_threshold) & margin_ok & ~orphan_capped).then(pl.lit("matched"))
        # two strong candidates share the row's probability: review, one of them is the person
        .when(pl.col("p_pair") >= review_threshold).then(pl.lit("review"))  # review_threshold <= match_threshold
        .otherwise(pl.lit("unmatched"))
    )
    method = (
        pl.when(pl.col("gamma_id") == id_equal_gamma).then(pl.lit("person_id"))
        .when(pl.col("gamma_id") == old_id_gamma).then(pl.lit("old_id"))
        .otherwise(pl.lit("probabilistic"))
    )
    frame = frame.with_columns(outcome.alias("outcome"))
    if "_exact_names" in frame.columns:
        sole_name = (pl.col("_exact_names") == 1) & pl.col("_best_exact") & pl.col("_name_only")
        frame = frame.with_columns(
            pl.when((pl.col("outcome") == "unmatched") & sole_name.fill_null(False) & ~pl.col("id_orphan").fill_null(False))
            .then(pl.lit("review")).otherwise(pl.col("outcome")).alias("outcome"))
    best = frame.select(
        pl.col(RECORD_KEY),
        pl.when(pl.col("outcome") != "unmatched").then(pl.col("candidate")).alias("residency_id"),
        pl.col("outcome"),
        pl.when(pl.col("outcome") != "unmatched").then(pl.col("p1")).alias("match_probability"),
        pl.when(pl.col("outcome") != "unmatched").then(method).alias("match_method"),
        pl.col("candidate").alias("best_candidate_id"),
        pl.col("p1").alias("best_candidate_probability"),
    ).cast(BEST_SCHEMA)
    return demote_claimed(best) if one_row_per_person else best


def demote_claimed(best: pl.DataFrame) -> pl.DataFrame:
    """A list where a person appears once: a row matched without its ID to a resident whom another
    row of the list matched by ID becomes a review case (a duplicate, or a namesake not in the
    extract). Reads only ``best`` (``BEST_SCHEMA``), so it runs on a whole list after its
    partitions were decided apart."""
    matched = pl.col("outcome") == "matched"
    by_id = matched & (pl.col("match_method") == "person_id")
    claimed = best.filter(by_id).select("residency_id").unique()
    return best.with_columns(
        pl.when(matched & ~by_id & pl.col("residency_id").is_in(claimed["residency_id"].implode()))
        .then(pl.lit("review")).otherwise(pl.col("outcome")).alias("outcome"))
