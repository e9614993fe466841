"""Analysts' review decisions: the evidence a run keeps, the decisions taken on it, and applying them.

- ``record_fingerprints(records)``: a stable SHA-256 of a sector row's identity fields (name,
  birth date and precision, gender, IDs), so a decision follows the row into later months even
  when its file or row number changes. A corrected row is a new row: the matcher decides again.
- ``apply_decisions(linkage, records, settings, decisions)``: after ``matchers.link``, an
  accepted pair becomes the row's match (``match_method = 'review'``); a rejected pair is removed
  from the candidates and the row is decided again among the others (never proposed again).
- ``evidence(...)``: the ``match_evidence`` rows of a sector: every matched pair, and for review
  rows their three best candidates, with each comparison's level and weight (bits) and both sides'
  values for side-by-side display.
- ``record_decision`` / ``review_cases`` / ``decisions_log``: what the review app reads and writes,
  each through a short-lived connection so the app never holds the database while a run writes.
"""

from __future__ import annotations

import getpass
import time
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import duckdb
import polars as pl

from contracts import fields as F
from contracts.errors import DoisoatError
from matchers.blocking import RECORD
from matchers.comparisons import default_comparisons
from matchers.decide import decide
from matchers.deterministic import RESULT_SCHEMA
from matchers.link import LinkSettings, Linkage, PreparedResidents, decision_args, link

DECISIONS = ("accepted", "rejected", "withdrawn")
COMPARISONS = tuple(c.name for c in default_comparisons())
SIDE_FIELDS = (F.FULL_NAME, F.BIRTH_DATE, F.PERSON_ID, F.OLD_ID, F.GENDER, F.ADDRESS)
IDENTITY_FIELDS = (F.FULL_NAME, F.BIRTH_DATE, F.BIRTH_DATE_PRECISION, F.GENDER, F.PERSON_ID, F.OLD_ID)
CANDIDATES_PER_REVIEW = 3
DECISION_SCHEMA = {"record_fingerprint": pl.String, "residency_id": pl.String, "decision": pl.String}
EVIDENCE_COLUMNS = (
    "source_file", "source_row", "record_fingerprint", "residency_id", "rank", "outcome", "decision",
    "match_weight", "match_probability",
    *(f"{name}_{part}" for name in COMPARISONS for part in ("level", "weight")),
    *(f"{f}_{side}" for f in SIDE_FIELDS for side in ("l", "r")),
)


# --- fingerprints ---------------------------------------------------------------------------


def _column(frame: pl.DataFrame, name: str, dtype: pl.DataType = pl.String) -> pl.Expr:
    return (pl.col(name) if name in frame.columns else pl.lit(None)).cast(dtype).alias(name)


def _sha256(keys: pl.Series) -> pl.Series:
    """SHA-256 hex per key, stable across runs and library versions (DuckDB's sha256)."""
    con = duckdb.connect()
    try:
        con.register("_keys", keys.to_frame("k").with_row_index("i").to_arrow())
        return con.sql("SELECT sha256(k) AS h FROM _keys ORDER BY i").pl()["h"]
    finally:
        con.close()


def record_fingerprints(records: pl.DataFrame) -> pl.DataFrame:
    """``record_key, record_fingerprint`` per row of a sector frame (canonical fields)."""
    if records.is_empty():
        return pl.DataFrame(schema={RECORD: pl.UInt32, "record_fingerprint": pl.String})
    key = pl.concat_str(
        [_column(records, f).fill_null("") for f in IDENTITY_FIELDS], separator="\x1f",
    )
    keys = records.select(key.alias("k"))["k"]
    return records.select(pl.col(RECORD).cast(pl.UInt32)).with_columns(_sha256(keys).alias("record_fingerprint"))


# --- applying decisions ---------------------------------------------------------------------


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
    applied = pl.DataFrame(schema={RECORD: pl.UInt32, "residency_id": pl.String, "decision": pl.String})
    effective = effective_decisions(decisions)
    if best.is_empty() or effective.is_empty():
        return best, applied
    prints = record_fingerprints(records)
    keyed = effective.join(prints, on="record_fingerprint", how="inner")
    rejected = keyed.filter(pl.col("decision") == "rejected").select(RECORD, "residency_id")
    known = residents.select(pl.col(F.PERSON_ID).alias("residency_id")).drop_nulls().unique()
    accepted = (keyed.filter(pl.col("decision") == "accepted").join(known, on="residency_id", how="semi")
                .sort("decided_at").group_by(RECORD).agg(pl.col("residency_id").last()))

    if rejected.height:
        if pairs.is_empty():  # deterministic passes: a rejected proposal leaves the row unmatched
            hit = best.join(rejected, on=[RECORD, "residency_id"], how="semi").select(RECORD)
            best = best.with_columns(
                pl.when(pl.col(RECORD).is_in(hit[RECORD].implode())).then(pl.lit(None)).otherwise(pl.col(c)).alias(c)
                for c in ("residency_id", "match_probability", "match_method")
            ).with_columns(
                pl.when(pl.col(RECORD).is_in(hit[RECORD].implode())).then(pl.lit("unmatched"))
                .otherwise(pl.col("outcome")).alias("outcome"))
        else:
            best = _decide_again(best, pairs, rejected, settings)
        applied = pl.concat([applied, rejected.with_columns(pl.lit("rejected").alias("decision"))])

    if accepted.height:
        probability = (pairs.select(RECORD, pl.col("person_id_r").alias("residency_id"), "match_probability")
                       .unique([RECORD, "residency_id"]) if pairs.height else
                       pl.DataFrame(schema={RECORD: pl.UInt32, "residency_id": pl.String, "match_probability": pl.Float64}))
        chosen = accepted.join(probability, on=[RECORD, "residency_id"], how="left").rename(
            {"residency_id": "_accepted", "match_probability": "_p"})
        best = best.join(chosen, on=RECORD, how="left", maintain_order="left")
        hit = pl.col("_accepted").is_not_null()
        best = best.with_columns(
            pl.when(hit).then(pl.col("_accepted")).otherwise(pl.col("residency_id")).alias("residency_id"),
            pl.when(hit).then(pl.lit("matched")).otherwise(pl.col("outcome")).alias("outcome"),
            pl.when(hit).then(pl.col("_p")).otherwise(pl.col("match_probability")).alias("match_probability"),
            pl.when(hit).then(pl.lit("review")).otherwise(pl.col("match_method")).alias("match_method"),
        ).drop("_accepted", "_p")
        applied = pl.concat([applied, accepted.with_columns(pl.lit("accepted").alias("decision"))])
    return best.select(linkage.best.columns).cast(dict(linkage.best.schema)), applied


def _decide_again(best: pl.DataFrame, pairs: pl.DataFrame, rejected: pl.DataFrame,
                  settings: LinkSettings) -> pl.DataFrame:
    """Decide the rows that lost a candidate again, among the candidates they have left."""
    affected = rejected.select(RECORD).unique()
    theirs = pairs.join(affected, on=RECORD, how="semi")
    orphan = theirs.group_by(RECORD).agg(
        (pl.col(f"{F.PERSON_ID}_l").first().is_not_null() & pl.col("id_owner").first().is_null()).alias("id_orphan"))
    rows = affected.join(orphan, on=RECORD, how="left").with_columns(pl.col("id_orphan").fill_null(False))
    left = theirs.join(rejected.rename({"residency_id": "person_id_r"}), on=[RECORD, "person_id_r"], how="anti")
    again = decide(left, rows, **decision_args(settings))
    return pl.concat([best.join(affected, on=RECORD, how="anti"), again.select(best.columns).cast(dict(best.schema))]
                     ).sort(RECORD)


# --- evidence -------------------------------------------------------------------------------


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
            else _column(frame, F.BIRTH_DATE, pl.Date).dt.strftime("%d/%m/%Y"))
    exprs = []
    for f in SIDE_FIELDS:
        expr = date if f == F.BIRTH_DATE else _column(frame, f)
        exprs.append(expr.cast(pl.String).alias(f"{f}_{side}"))
    return exprs


def evidence(best: pl.DataFrame, pairs: pl.DataFrame, records: pl.DataFrame, residents: pl.DataFrame,
             applied: pl.DataFrame) -> pl.DataFrame:
    """``match_evidence`` rows (without run_id and sector): each matched pair, and the best
    ``CANDIDATES_PER_REVIEW`` candidates of each review row, with levels, weights and both sides."""
    chosen = best.filter(pl.col("outcome").is_in(["matched", "review"]) & pl.col("residency_id").is_not_null()).select(
        RECORD, "residency_id", "outcome")
    if chosen.is_empty():
        return pl.DataFrame(schema={c: pl.String for c in EVIDENCE_COLUMNS})
    if pairs.height:
        ranked = pairs.join(chosen.select(RECORD, "outcome"), on=RECORD, how="semi").with_columns(
            pl.col("match_weight").rank("ordinal", descending=True).over(RECORD).cast(pl.Int32).alias("rank"),
        )
        ranked = ranked.join(chosen.select(RECORD, "outcome", pl.col("residency_id").alias("_chosen")), on=RECORD)
        keep = ranked.filter((pl.col("person_id_r") == pl.col("_chosen"))
                             | ((pl.col("outcome") == "review") & (pl.col("rank") <= CANDIDATES_PER_REVIEW)))
        scored = keep.select(
            RECORD, pl.col("person_id_r").alias("residency_id"), "rank", "outcome", "match_weight", "match_probability",
            *[pl.col(f"explain_{n}").str.replace(rf"^{n}: ", "").alias(f"{n}_level") for n in COMPARISONS],
            *[pl.col(f"bf_{n}").alias(f"{n}_weight") for n in COMPARISONS],
        )
        # an accepted resident who was not among the candidates still gets a row (no scores)
        extra = chosen.join(scored.select(RECORD, "residency_id"), on=[RECORD, "residency_id"], how="anti")
        scored = pl.concat([scored, extra.with_columns(pl.lit(None, pl.Int32).alias("rank"))], how="diagonal_relaxed")
    else:
        scored = chosen.join(best.select(RECORD, "match_probability"), on=RECORD).with_columns(
            pl.lit(1, pl.Int32).alias("rank"))
    left = records.select(pl.col(RECORD).cast(pl.UInt32), F.SOURCE_FILE, pl.col(F.SOURCE_ROW).cast(pl.Int32),
                          *_side(records, "l")).join(record_fingerprints(records), on=RECORD)
    right = residents.select(pl.col(F.PERSON_ID).alias("residency_id"), *_side(residents, "r")).unique("residency_id")
    frame = (scored.join(left, on=RECORD, how="left").join(right, on="residency_id", how="left")
             .join(applied.select(RECORD, "residency_id", "decision"), on=[RECORD, "residency_id"], how="left"))
    for c in EVIDENCE_COLUMNS:
        if c not in frame.columns:
            frame = frame.with_columns(pl.lit(None, pl.Float64 if c.endswith("_weight") or c.startswith("match_")
                                              else pl.String).alias(c))
    return frame.sort(RECORD, pl.col("rank"), nulls_last=True).select(EVIDENCE_COLUMNS)


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
        pairs = pairs.join(rejected.select(RECORD, pl.col("residency_id").alias("person_id_r")),
                           on=[RECORD, "person_id_r"], how="anti")
    return best, evidence(best, pairs, records, residents, applied)


# --- the database side ----------------------------------------------------------------------


def open_db(db: Path, *, read_only: bool = False, wait: float = 10.0) -> duckdb.DuckDBPyConnection:
    """A connection to an existing run database, waiting up to ``wait`` seconds while another
    process (a run writing its results) holds it; DoisoatError if it stays busy or is absent."""
    db = Path(db)
    if not db.exists():
        raise DoisoatError(f"{db.name}: database not found")
    deadline = time.monotonic() + wait
    while True:
        try:
            return duckdb.connect(str(db), read_only=read_only)
        except duckdb.IOException as err:
            if "lock" not in str(err).lower():
                raise DoisoatError(f"{db.name}: cannot open the database ({type(err).__name__})") from None
            if time.monotonic() >= deadline:
                raise DoisoatError(f"{db.name}: the database is busy (a run is writing); try again in a minute") from None
            time.sleep(0.2)


def _has_table(con: duckdb.DuckDBPyConnection, table: str) -> bool:
    return bool(con.execute("SELECT count(*) FROM information_schema.tables WHERE table_name = ?", [table]).fetchall()[0][0])


def load_decisions(db: Path) -> dict[str, pl.DataFrame]:
    """Per sector, every decision taken (``record_fingerprint, residency_id, decision, decided_at``)."""
    db = Path(db)
    if not db.exists():
        return {}
    con = open_db(db, read_only=True)
    try:
        if not _has_table(con, "review_decisions"):
            return {}
        frame = con.sql("""SELECT sector, record_fingerprint, residency_id, decision, decided_at
                           FROM review_decisions""").pl()
    finally:
        con.close()
    return {sector: part.drop("sector") for (sector,), part in frame.partition_by("sector", as_dict=True).items()}


@dataclass(frozen=True)
class Case:
    """The pair a decision is about (no personal data beyond the key)."""

    run_id: str
    sector: str
    source_file: str
    source_row: int
    residency_id: str


def record_decision(db: Path, case: Case, decision: str, decided_by: str | None = None,
                    note: str | None = None) -> datetime:
    """Store an analyst's decision on a pair (the next run applies it); returns when it was taken."""
    if decision not in DECISIONS:
        raise DoisoatError(f"decision must be one of {', '.join(DECISIONS)}")
    who = (decided_by or "").strip() or getpass.getuser()
    when = datetime.now().replace(microsecond=0)
    con = open_db(db)
    try:
        row = con.execute("""SELECT record_fingerprint FROM match_evidence
                             WHERE run_id = ? AND sector = ? AND source_file = ? AND source_row = ? AND residency_id = ?
                             LIMIT 1""",
                          [case.run_id, case.sector, case.source_file, case.source_row, case.residency_id]).fetchall()
        if not row:
            raise DoisoatError(f"run {case.run_id}: no such pair in match_evidence "
                               f"({case.sector}, {Path(case.source_file).name}, row {case.source_row})")
        con.execute("""INSERT INTO review_decisions (sector, record_fingerprint, residency_id, decision, decided_by,
                                                     decided_at, run_id, source_file, source_row, note)
                       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)""",
                    [case.sector, row[0][0], case.residency_id, decision, who, when, case.run_id, case.source_file,
                     case.source_row, note])
    finally:
        con.close()
    return when


def runs(db: Path) -> pl.DataFrame:
    """Finished runs, newest first, with their review counts (for a run picker)."""
    con = open_db(db, read_only=True)
    try:
        return con.sql("""
            SELECT r.run_id, r.period, r.commune, r.status, r.finished_at,
                   (SELECT count(*) FROM record_outcomes o WHERE o.run_id = r.run_id AND o.outcome = 'review') AS review
            FROM runs r WHERE r.status <> 'superseded' AND r.purged_at IS NULL
            ORDER BY r.finished_at DESC""").pl()
    finally:
        con.close()


def review_cases(db: Path, run_id: str) -> pl.DataFrame:
    """A run's review-band candidates (every rank) with the latest decision on each pair."""
    con = open_db(db, read_only=True)
    try:
        return con.sql("""
            WITH latest AS (
                SELECT sector, record_fingerprint, residency_id,
                       arg_max(decision, decided_at) AS decision, arg_max(decided_by, decided_at) AS decided_by,
                       max(decided_at) AS decided_at
                FROM review_decisions GROUP BY ALL)
            SELECT e.*, o.commune_code, e.residency_id = o.residency_id AS proposed, l.decision AS current_decision, l.decided_by, l.decided_at
            FROM match_evidence e
            JOIN record_outcomes o ON o.run_id = e.run_id AND o.sector = e.sector
                                  AND o.source_file = e.source_file AND o.source_row = e.source_row
            LEFT JOIN latest l ON l.sector = e.sector AND l.record_fingerprint = e.record_fingerprint
                              AND l.residency_id = e.residency_id
            WHERE e.run_id = ? AND e.outcome = 'review'
            ORDER BY e.sector, e.source_file, e.source_row, e.rank""", params=[run_id]).pl()
    finally:
        con.close()


def decisions_log(db: Path, limit: int = 200) -> pl.DataFrame:
    """The latest decisions, newest first: who decided what and when."""
    con = open_db(db, read_only=True)
    try:
        return con.sql("""SELECT decided_at, decided_by, decision, sector, source_file, source_row, residency_id, note
                          FROM review_decisions ORDER BY decided_at DESC LIMIT ?""", params=[limit]).pl()
    finally:
        con.close()
