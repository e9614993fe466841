"""Applying analysts' review decisions after ``matchers.link``.

An accepted pair becomes the row's match (``match_method = 'review'``); a rejected pair is removed
from the candidates and the row is decided again among the others (never proposed again).
Decisions find their row by its fingerprint (``pipelines.fingerprints``).
"""

from __future__ import annotations

import polars as pl

from contracts import fields as F
from matchers import (
    RESULT_SCHEMA,
    Linkage,
    LinkSettings,
    PreparedResidents,
    decide_again,
    link,
)
from pipelines.fingerprints import record_fingerprints
from pipelines.review.evidence import EVIDENCE_COLUMNS, evidence

DECISION_SCHEMA = {"record_fingerprint": pl.String, "residency_id": pl.String, "decision": pl.String}


def effective_decisions(decisions: pl.DataFrame) -> pl.DataFrame:
    """The latest decision per (fingerprint, resident), withdrawn ones dropped."""
    if decisions.is_empty():
        return pl.DataFrame(schema=DECISION_SCHEMA)
    latest = decisions.sort("decided_at").group_by("record_fingerprint", "residency_id").agg(
        pl.col("decision").last(), pl.col("decided_at").last())
    return latest.filter(pl.col("decision") != "withdrawn")


def apply_decisions(linkage: Linkage, records: pl.DataFrame, settings: LinkSettings,
                    decisions: pl.DataFrame, residents: pl.DataFrame) -> tuple[pl.DataFrame, pl.DataFrame]:
    """(best, applied): ``linkage.best`` with the analysts' decisions for this sector applied, and
    ``record_key, residency_id, decision`` of the pairs they changed. ``decisions`` holds
    ``record_fingerprint, residency_id, decision, decided_at`` (see ``load_decisions``)."""
    best, pairs = linkage.best, linkage.pairs
    applied = pl.DataFrame(schema={F.RECORD_KEY: pl.UInt32, "residency_id": pl.String, "decision": pl.String})
    effective = effective_decisions(decisions)
    if best.is_empty() or effective.is_empty():
        return best, applied
    prints = record_fingerprints(records)
    keyed = effective.join(prints, on="record_fingerprint", how="inner")
    rejected = keyed.filter(pl.col("decision") == "rejected").select(F.RECORD_KEY, "residency_id")
    known = residents.select(pl.col(F.PERSON_ID).alias("residency_id")).drop_nulls().unique()
    accepted = (keyed.filter(pl.col("decision") == "accepted").join(known, on="residency_id", how="semi")
                .sort("decided_at").group_by(F.RECORD_KEY).agg(pl.col("residency_id").last()))

    if rejected.height:
        if pairs.is_empty():  # deterministic passes: a rejected proposal leaves the row unmatched
            hit = best.join(rejected, on=[F.RECORD_KEY, "residency_id"], how="semi").select(F.RECORD_KEY)
            best = best.with_columns(
                pl.when(pl.col(F.RECORD_KEY).is_in(hit[F.RECORD_KEY].implode())).then(pl.lit(None)).otherwise(pl.col(c)).alias(c)
                for c in ("residency_id", "match_probability", "match_method")
            ).with_columns(
                pl.when(pl.col(F.RECORD_KEY).is_in(hit[F.RECORD_KEY].implode())).then(pl.lit("unmatched"))
                .otherwise(pl.col("outcome")).alias("outcome"))
        else:
            best = decide_again(best, pairs, rejected, settings)
        applied = pl.concat([applied, rejected.with_columns(pl.lit("rejected").alias("decision"))])

    if accepted.height:
        probability = (pairs.select(F.RECORD_KEY, pl.col("person_id_r").alias("residency_id"), "match_probability")
                       .unique([F.RECORD_KEY, "residency_id"]) if pairs.height else
                       pl.DataFrame(schema={F.RECORD_KEY: pl.UInt32, "residency_id": pl.String, "match_probability": pl.Float64}))
        chosen = accepted.join(probability, on=[F.RECORD_KEY, "residency_id"], how="left").rename(
            {"residency_id": "_accepted", "match_probability": "_p"})
        best = best.join(chosen, on=F.RECORD_KEY, how="left", maintain_order="left")
        hit = pl.col("_accepted").is_not_null()
        best = best.with_columns(
            pl.when(hit).then(pl.col("_accepted")).otherwise(pl.col("residency_id")).alias("residency_id"),
            pl.when(hit).then(pl.lit("matched")).otherwise(pl.col("outcome")).alias("outcome"),
            pl.when(hit).then(pl.col("_p")).otherwise(pl.col("match_probability")).alias("match_probability"),
            pl.when(hit).then(pl.lit("review")).otherwise(pl.col("match_method")).alias("match_method"),
        ).drop("_accepted", "_p")
        applied = pl.concat([applied, accepted.with_columns(pl.lit("accepted").alias("decision"))])
    return best.select(linkage.best.columns).cast(dict(linkage.best.schema)), applied


def match_with_reviews(records: pl.DataFrame, residents: pl.DataFrame | PreparedResidents, settings: LinkSettings,
                       decisions: pl.DataFrame | None = None) -> tuple[pl.DataFrame, pl.DataFrame]:
    """``pipelines.stages.match_stage`` with the analysts' decisions applied, plus the evidence rows."""
    if records.is_empty():
        return pl.DataFrame(schema=RESULT_SCHEMA), pl.DataFrame(schema={c: pl.String for c in EVIDENCE_COLUMNS})
    linkage = link(records, residents, settings)
    frame = residents.frame if isinstance(residents, PreparedResidents) else residents
    return link_with_reviews(linkage, records, frame, settings,
                             decisions if decisions is not None else pl.DataFrame(schema=DECISION_SCHEMA))


def link_with_reviews(linkage: Linkage, records: pl.DataFrame, residents: pl.DataFrame, settings: LinkSettings,
                      decisions: pl.DataFrame) -> tuple[pl.DataFrame, pl.DataFrame]:
    """(best with decisions applied, evidence rows) for one sector's linkage."""
    best, applied = apply_decisions(linkage, records, settings, decisions, residents)
    pairs = linkage.pairs
    rejected = applied.filter(pl.col("decision") == "rejected")
    if pairs.height and rejected.height:  # a rejected pair is never shown as a candidate again
        pairs = pairs.join(rejected.select(F.RECORD_KEY, pl.col("residency_id").alias("person_id_r")),
                           on=[F.RECORD_KEY, "person_id_r"], how="anti")
    return best, evidence(best, pairs, records, residents, applied)
