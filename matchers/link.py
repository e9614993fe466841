"""The matcher's public entry point shared by the pipeline and the notebooks.

``link(records, residents, settings)`` takes a sector frame with a unique ``record_key`` and the
valid residency extract (both in canonical fields) and returns, per record, the chosen resident
(or none), the outcome and how it was decided.
"""

from __future__ import annotations

from dataclasses import dataclass

import polars as pl

from matchers.deterministic import KEY, RESULT_SCHEMA, deterministic_passes


@dataclass(frozen=True)
class LinkSettings:
    """Decision settings. ``method`` is "deterministic" until the probabilistic model lands."""

    method: str = "deterministic"
    match_threshold: float = 0.9
    review_threshold: float = 0.5


@dataclass(frozen=True)
class Linkage:
    """Per record: ``record_key, residency_id, outcome, match_probability, match_method``."""

    best: pl.DataFrame


def link(records: pl.DataFrame, residents: pl.DataFrame, settings: LinkSettings = LinkSettings()) -> Linkage:
    """Assign each record at most one resident: matched, review or unmatched."""
    if KEY not in records.columns:
        raise ValueError(f"records need a unique {KEY!r} column")
    if records.is_empty():
        return Linkage(pl.DataFrame(schema=RESULT_SCHEMA))
    if settings.method != "deterministic":
        raise ValueError(f"unknown match method {settings.method!r}")
    return Linkage(deterministic_passes(records, residents))
