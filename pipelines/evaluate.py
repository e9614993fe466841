"""Precision and recall of a run's outcomes against a ground-truth file (the sample generator's)."""

from __future__ import annotations

from pathlib import Path

import polars as pl


def evaluate(outcomes: pl.DataFrame, truth: pl.DataFrame) -> pl.DataFrame:
    """Per sector: precision (matched rows linked to the right resident) and recall (rows of residents
    linked to them). ``outcomes`` is record_outcomes; ``truth`` has sector, source_file (a file name),
    source_row, true_person_id (empty for non-residents)."""
    joined = outcomes.with_columns(
        pl.col("source_file").str.replace(r"^.*[/\\]", "").alias("file_name"),
        pl.col("source_row").cast(pl.Int64),
    ).join(
        truth.select(
            "sector", pl.col("source_file").alias("file_name"), pl.col("source_row").cast(pl.Int64),
            pl.col("true_person_id").cast(pl.String).replace("", None),
        ),
        on=["sector", "file_name", "source_row"], how="inner",
    )
    matched = pl.col("outcome") == "matched"
    correct = matched & (pl.col("residency_id") == pl.col("true_person_id")).fill_null(False)
    return joined.group_by("sector", maintain_order=True).agg(
        pl.len().alias("rows"),
        matched.sum().alias("matched"),
        correct.sum().alias("correct"),
        pl.col("true_person_id").is_not_null().sum().alias("residents_in_list"),
    ).with_columns(
        (pl.col("correct") / pl.col("matched")).alias("precision"),
        (pl.col("correct") / pl.col("residents_in_list")).alias("recall"),
    ).sort("sector")


def read_truth(path: Path) -> pl.DataFrame:
    """The generator's ground_truth.csv."""
    return pl.read_csv(path, infer_schema=False)
