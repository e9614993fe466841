"""Reconcile: for each sector row, the findings an officer must act on.

Three steps, all pure polars over frames:

1. ``discrepancies(records, outcomes, residents, sector)`` — per sector: field differences of
   matched rows, rows not found (with the closest candidate) or uncertain, duplicates within the
   list, IDs of another resident, unreadable IDs. One row per finding in ``COLUMNS`` (+
   ``related_file``/``related_row`` where a finding points at another row).
2. ``cross_sector_findings(rows, residents)`` — once all sectors are matched: deaths registered
   for people still in the extract (for the police, sector ``residency``) or still on a list,
   and extract records less precise than the lists.
3. ``finish_findings(sector, findings, records, residents)`` — adds what a correction list needs:
   the row as listed, commune, Vietnamese problem/action text and a stable ``finding_id``.
   Findings from other stages (soft contract findings) only need ``COLUMNS``; they may bring
   ``message_vi``/``action_vi``.
"""

from __future__ import annotations

import polars as pl

from contracts import fields as F
from pipelines.findings.base import BASE, resident_columns
from pipelines.findings.catalog import (
    GENERIC_ACTION,
    GENERIC_PROBLEM,
    SUPERSEDES,
    catalog_frame,
    rule_text_frame,
    severity_rank,
)
from pipelines.findings.cross_sector import (
    deceased_findings,
    residency_precision_findings,
)
from pipelines.findings.matched import field_findings
from pipelines.findings.rows import (
    candidate_findings,
    duplicate_findings,
    id_row_findings,
)
from pipelines.fingerprints import identity_fingerprints, sha256_hex

COLUMNS = BASE  # what every producer of findings gives (source_file … severity)
RELATED = ("related_file", "related_row")
FINISHED_COLUMNS = (
    *COLUMNS, *RELATED, "finding_id", "commune_code", "commune_listed", "listed_name", "listed_birth_date",
    "listed_id", "message_vi", "action_vi",
)
_SCHEMA = {
    F.SOURCE_FILE: pl.String, F.SOURCE_ROW: pl.UInt32, "residency_id": pl.String, "field": pl.String,
    "kind": pl.String, "sector_value": pl.String, "residency_value": pl.String, "suggested_value": pl.String,
    "severity": pl.String, "related_file": pl.String, "related_row": pl.UInt32,
}


def empty_findings() -> pl.DataFrame:
    """A findings frame with no rows (``COLUMNS`` + ``RELATED``)."""
    return pl.DataFrame(schema=_SCHEMA)


def _conform(frames: list[pl.DataFrame]) -> pl.DataFrame:
    frames = [f for f in frames if f.height]
    if not frames:
        return empty_findings()
    out = pl.concat(frames, how="diagonal_relaxed")
    out = out.with_columns([pl.lit(None, dtype=t).alias(c) for c, t in _SCHEMA.items() if c not in out.columns])
    return out.cast({c: t for c, t in _SCHEMA.items()}).select(
        *_SCHEMA, *[c for c in out.columns if c not in _SCHEMA])


def sector_rows(records: pl.DataFrame, outcomes: pl.DataFrame) -> pl.DataFrame:
    """A sector's valid records with their match outcome (``outcome``, ``residency_id`` …)."""
    if records.is_empty():
        return records.with_columns(pl.lit(None, pl.String).alias("outcome"), pl.lit(None, pl.String).alias("residency_id"))
    keep = [c for c in outcomes.columns if c == F.RECORD_KEY or c not in records.columns]
    rows = records.join(outcomes.select(keep), on=F.RECORD_KEY, how="left", maintain_order="left")
    return rows.with_columns(pl.col("outcome").fill_null("unmatched"))


def discrepancies(records: pl.DataFrame, outcomes: pl.DataFrame, residents: pl.DataFrame,
                  sector: str | None = None) -> pl.DataFrame:
    """Findings of one sector's rows, sorted by file and row (``COLUMNS`` + ``RELATED``)."""
    if records.is_empty():
        return empty_findings()
    res = resident_columns(residents)
    rows = sector_rows(records, outcomes).with_columns(
        pl.col(F.PERSON_ID).is_in(res["residency_id"].implode()).fill_null(False).alias("_id_is_resident"),
    )
    matched = rows.filter(pl.col("outcome") == "matched").join(res, on="residency_id", how="inner", maintain_order="left")
    found = [
        *field_findings(matched),
        *id_row_findings(rows),
        *candidate_findings(rows, res),
        *duplicate_findings(rows, sector),
    ]
    return _conform(found).sort(F.SOURCE_FILE, F.SOURCE_ROW, "field", maintain_order=True)


def cross_sector_findings(rows: dict[str, pl.DataFrame], residents: pl.DataFrame) -> dict[str, pl.DataFrame]:
    """Findings that need every sector: per sector (``residency`` = for the commune police)."""
    found: dict[str, list[pl.DataFrame]] = {}
    for sector, frame in deceased_findings(rows, residents).items():
        found.setdefault(sector, []).append(frame)
    precision = residency_precision_findings(rows, residents)
    if precision is not None and precision.height:
        found.setdefault(F.RESIDENCY, []).append(precision)
    return {s: _conform(frames) for s, frames in found.items()}


def _sole_commune(residents: pl.DataFrame) -> str | None:
    """The extract's commune code when it covers exactly one commune."""
    if F.COMMUNE_CODE not in residents.columns:
        return None
    codes = residents[F.COMMUNE_CODE].drop_nulls().unique()
    return codes.item() if codes.len() == 1 else None


def row_commune(sole: str | None) -> pl.Expr:
    """A row's (new) commune: the list's own (when an old commune was split, the matched
    resident's among its candidates), else the matched resident's, else the extract's when it
    covers one commune. Reads ``_commune_l``, ``_candidates_l`` and ``commune_r``."""
    among = pl.col("_candidates_l").str.split(";").list.contains(pl.col("commune_r")).fill_null(False)
    return (pl.when(among).then(pl.col("commune_r"))
            .otherwise(pl.coalesce("_commune_l", "commune_r", pl.lit(sole, pl.String))))


def _communes_of(residents: pl.DataFrame) -> list[str]:
    """The (2025) communes the extract covers."""
    if F.COMMUNE_CODE not in residents.columns:
        return []
    return residents[F.COMMUNE_CODE].cast(pl.String).drop_nulls().unique().to_list()


def _own_communes(records: pl.DataFrame, communes: list[str]) -> pl.DataFrame:
    """Per row: ``_commune_l``, ``_candidates_l`` and ``commune_listed`` (the code as the list wrote
    it, else the commune part of its address that gave the commune)."""
    def col(name: str) -> pl.Expr:
        return pl.col(name).cast(pl.String) if name in records.columns else pl.lit(None, pl.String)

    if not records.height:
        return pl.DataFrame(schema={F.SOURCE_FILE: pl.String, F.SOURCE_ROW: pl.UInt32, "_commune_l": pl.String,
                                    "_candidates_l": pl.String, "commune_listed": pl.String})
    # A commune read from an address counts only when the extract covers it: a list's row of someone
    # living elsewhere stays on the list of the commune that sent it.
    listed = pl.Series(communes, dtype=pl.String).implode()
    covered = (col(F.COMMUNE_CODE).is_in(listed)
               | col("commune_candidates").str.split(";").list.eval(pl.element().is_in(listed)).list.any())
    own = pl.when(col("commune_text").is_null() | covered.fill_null(False))
    return records.select(
        F.SOURCE_FILE, pl.col(F.SOURCE_ROW).cast(pl.UInt32), own.then(col(F.COMMUNE_CODE)).alias("_commune_l"),
        own.then(col("commune_candidates")).alias("_candidates_l"),
        pl.coalesce(col("raw_commune_code"), col("commune_text")).alias("commune_listed"),
    ).unique([F.SOURCE_FILE, F.SOURCE_ROW], keep="first")


def _resident_communes(residents: pl.DataFrame) -> pl.DataFrame:
    """``residency_id, commune_r`` of the extract (``base.resident_columns`` without its other fields)."""
    return resident_columns(residents.select([c for c in (F.PERSON_ID, F.COMMUNE_CODE) if c in residents.columns])).select(
        "residency_id", "commune_r")


def commune_codes(outcomes: pl.DataFrame, records: pl.DataFrame, residents: pl.DataFrame) -> pl.DataFrame:
    """``outcomes`` (lineage, ``residency_id`` …) with ``commune_code`` (see ``row_commune``) and
    ``commune_listed``."""
    res = _resident_communes(residents)
    out = outcomes.drop("commune_code", "commune_listed", strict=False).with_columns(pl.col(F.SOURCE_ROW).cast(pl.UInt32))
    out = out.join(_own_communes(records, _communes_of(residents)), on=[F.SOURCE_FILE, F.SOURCE_ROW], how="left", maintain_order="left")
    matched_id = pl.when(pl.col("outcome") == "matched").then(pl.col("residency_id"))
    out = out.with_columns(matched_id.alias("_rid")).join(
        res.rename({"residency_id": "_rid"}), on="_rid", how="left", maintain_order="left")
    return out.with_columns(row_commune(_sole_commune(residents)).alias("commune_code")).drop(
        "_commune_l", "_candidates_l", "_rid", "commune_r")


def _drop_superseded(findings: pl.DataFrame) -> pl.DataFrame:
    """Drop findings made redundant by a more specific one on the same row (``SUPERSEDES``)."""
    drop = [
        findings.filter((pl.col("field") == field) & (pl.col("kind") == kind))
        .select(F.SOURCE_FILE, F.SOURCE_ROW).unique()
        .join(pl.DataFrame(list(gone), schema=["field", "kind"], orient="row"), how="cross")
        for (field, kind), gone in SUPERSEDES.items()
    ]
    drop = [d for d in drop if d.height]
    if not drop:
        return findings
    return findings.join(pl.concat(drop).unique(), on=[F.SOURCE_FILE, F.SOURCE_ROW, "field", "kind"], how="anti",
                         maintain_order="left")


def finding_key(sector: str | pl.Expr) -> pl.Expr:
    """The text hashed into ``finding_id``: what the finding is about, not where it was listed:
    the sector, the person (the matched resident, else the row's identity fingerprint, in
    ``_person``), field, kind and the two values. A renamed or re-sorted list keeps its keys; the
    same person's same problem on several rows (doses of one child) is one finding."""
    s = pl.lit(sector) if isinstance(sector, str) else sector
    return pl.concat_str(
        [s, pl.col("_person"), pl.col("field"), pl.col("kind"), pl.col("sector_value").fill_null(""),
         pl.col("residency_value").fill_null("")],
        separator="\x1f",
    )


def finish_findings(sector: str, findings: pl.DataFrame, records: pl.DataFrame,
                    residents: pl.DataFrame) -> pl.DataFrame:
    """Add the row as listed, commune, Vietnamese text and ``finding_id``; most serious first.

    ``records`` are the rows the findings' lineage points at (the sector's valid records; the
    residents for sector ``residency``). Returns ``FINISHED_COLUMNS``.
    """
    findings = _drop_superseded(_conform([findings])) if findings.height else empty_findings()
    for col in ("message_vi", "action_vi"):
        if col not in findings.columns:
            findings = findings.with_columns(pl.lit(None, pl.String).alias(col))

    if records.height:  # only the rows findings point at: fingerprints and lookups stay small
        lineage = findings.select(F.SOURCE_FILE, pl.col(F.SOURCE_ROW).cast(pl.UInt32)).unique()
        records = records.with_columns(pl.col(F.SOURCE_ROW).cast(pl.UInt32)).join(
            lineage, on=[F.SOURCE_FILE, F.SOURCE_ROW], how="semi")

    def col(name: str) -> pl.Expr:
        return pl.col(name).cast(pl.String) if name in records.columns else pl.lit(None, pl.String)

    listed = records.select(
        pl.col(F.SOURCE_FILE), pl.col(F.SOURCE_ROW).cast(pl.UInt32),
        pl.coalesce(col(F.FULL_NAME_RAW), col(F.FULL_NAME)).alias("listed_name"),
        pl.coalesce(col("raw_birth_date"), pl.col(F.BIRTH_DATE).dt.strftime("%d/%m/%Y")
                    if F.BIRTH_DATE in records.columns else pl.lit(None, pl.String)).alias("listed_birth_date"),
        pl.coalesce(col("raw_person_id"), col("raw_old_id"), col(F.PERSON_ID), col(F.OLD_ID)).alias("listed_id"),
        pl.lit(identity_fingerprints(records)).alias("_print_l") if records.height else pl.lit(None, pl.String),
    ).unique([F.SOURCE_FILE, F.SOURCE_ROW], keep="first") if records.height else pl.DataFrame(
        schema={F.SOURCE_FILE: pl.String, F.SOURCE_ROW: pl.UInt32, "listed_name": pl.String,
                "listed_birth_date": pl.String, "listed_id": pl.String, "_print_l": pl.String})
    listed = listed.join(_own_communes(records, _communes_of(residents)), on=[F.SOURCE_FILE, F.SOURCE_ROW], how="left", maintain_order="left")
    res = _resident_communes(residents)
    sole = _sole_commune(residents)
    cat = catalog_frame()
    out = (
        findings.join(listed, on=[F.SOURCE_FILE, F.SOURCE_ROW], how="left", maintain_order="left")
        .join(res, on="residency_id", how="left", maintain_order="left")
        .join(cat, on=["field", "kind"], how="left", maintain_order="left")
        .join(rule_text_frame(), on="kind", how="left", maintain_order="left")
    )
    suggested = pl.col("suggested_value")
    prefix = pl.col("action_prefix")
    action = (
        pl.when(prefix.str.ends_with(": ") & suggested.is_null()).then(prefix.str.strip_suffix(": "))
        .when(prefix.str.ends_with(": ")).then(prefix + suggested)
        .otherwise(prefix)
    )
    out = out.with_columns(
        pl.coalesce(pl.col("severity"), pl.col("default_severity"), pl.lit("medium")).alias("severity"),
        row_commune(sole).alias("commune_code"),
        pl.coalesce(pl.col("message_vi"), pl.col("problem_vi"), pl.col("rule_problem_vi"),
                    pl.lit(GENERIC_PROBLEM)).alias("message_vi"),
        pl.coalesce(pl.col("action_vi"), action, pl.col("rule_action_vi"), pl.lit(GENERIC_ACTION)).alias("action_vi"),
    )
    out = out.with_columns(pl.coalesce(pl.lit("r:") + pl.col("residency_id"), pl.lit("f:") + pl.col("_print_l"),
                                       pl.lit("l:") + pl.col(F.SOURCE_FILE) + pl.lit("#") + pl.col(F.SOURCE_ROW).cast(pl.String)
                                       ).alias("_person"))
    out = out.with_columns(finding_key(sector).alias("_key"))
    out = out.with_columns(sha256_hex(out["_key"], 16).alias("finding_id") if out.height else pl.lit(None, pl.String).alias("finding_id"))
    return out.sort(severity_rank("severity"), F.SOURCE_FILE, F.SOURCE_ROW, maintain_order=True).select(FINISHED_COLUMNS)
