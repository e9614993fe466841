"""Deciding again after an analyst's review: a rejected candidate is gone for good.

``decide_again(best, pairs, rejected, settings)`` re-decides the records that lost a candidate
(``rejected`` holds ``record_key, residency_id``) among the candidates they have left, with the
same thresholds and rules as ``link``. Pure polars, no I/O.
"""

from __future__ import annotations

import polars as pl

from contracts import fields as F
from contracts.fields import RECORD_KEY
from matchers.decide import decide
from matchers.link import LinkSettings, decision_args


def decide_again(best: pl.DataFrame, pairs: pl.DataFrame, rejected: pl.DataFrame,
                 settings: LinkSettings) -> pl.DataFrame:
    """``best`` with the rows that lost a candidate decided again among the candidates they have left."""
    affected = rejected.select(RECORD_KEY).unique()
    theirs = pairs.join(affected, on=RECORD_KEY, how="semi")
    orphan = theirs.group_by(RECORD_KEY).agg(
        (pl.col(f"{F.PERSON_ID}_l").first().is_not_null() & pl.col("id_owner").first().is_null()).alias("id_orphan"))
    rows = affected.join(orphan, on=RECORD_KEY, how="left").with_columns(pl.col("id_orphan").fill_null(False))
    left = theirs.join(rejected.rename({"residency_id": "person_id_r"}), on=[RECORD_KEY, "person_id_r"], how="anti")
    again = decide(left, rows, **decision_args(settings))
    return pl.concat([best.join(affected, on=RECORD_KEY, how="anti"),
                      again.select(best.columns).cast(dict(best.schema))]).sort(RECORD_KEY)
