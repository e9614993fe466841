"""Officers' answers: read returned correction lists, record them, and carry them into the next run.

- ``read_response_file(path)`` → one row per answered finding: ``finding_id``, ``response``
  (``fixed`` | ``declined`` | ``unknown``), the text as chosen, the reason.
- ``record_responses(db, paths)`` stores them in ``finding_responses`` (a file recorded twice is
  stored once).
- ``annotate(con, run_id, period, findings, source_files)`` gives each finding of a new run its
  ``status``: ``new``; ``open`` (listed before, no answer or "could not determine");
  ``reopened`` (answered "fixed" but still found); ``declined`` (answered "not fixed" with a
  reason: not sent again while its values stay the same — the key hashes them). It also lists
  the previous period's findings on the same files that are gone (``resolved_findings``).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path

import duckdb
import polars as pl

from contracts import DoisoatError, InputFileError
from matchers import folded
from pipelines.ingest.formats import file_sha256
from pipelines.outputs.correction_lists import (
    KEY_HEADER,
    LIST_SHEET,
    META_SHEET,
    REASON_HEADER,
    RESPONSE_HEADER,
)
from pipelines.store import connect

RESPONSE_CODES = {"da sua": "fixed", "khong sua": "declined", "khong xac dinh": "unknown"}
_RESPONSE_SCHEMA = {"finding_id": pl.String, "response": pl.String, "response_text": pl.String, "reason": pl.String}


@dataclass
class ResponseSummary:
    """What ``record_responses`` did (counts only)."""

    files: int = 0
    recorded: int = 0
    by_response: dict[str, int] = field(default_factory=dict)
    already_recorded: int = 0
    unknown_keys: int = 0
    unreadable_answers: int = 0
    declined_without_reason: int = 0


def _norm(col: str) -> pl.Expr:
    return folded(pl.col(col).cast(pl.String)).str.replace_all(r"[^a-z ]", " ").str.replace_all(r"\s+", " ").str.strip_chars()


def read_response_file(path: Path) -> tuple[pl.DataFrame, int]:
    """Answered rows of a returned correction list, and how many answers were not one of the
    drop-down values. InputFileError (naming the file) when it is not a correction list."""
    path = Path(path)
    try:
        sheets = pl.read_excel(path, sheet_id=0, has_header=False, infer_schema_length=0)
    except Exception as err:  # fastexcel raises its own types; say which file, never a value
        raise InputFileError(f"{path.name}: not a readable correction list ({type(err).__name__})") from None
    # The list's own sheet first, then any other (an officer may have renamed it).
    order = sorted(sheets, key=lambda name: (name != LIST_SHEET, name == META_SHEET))
    grid, header_idx = None, None
    for name in order:
        candidate = sheets[name].select(pl.all().cast(pl.String))
        for i, row in enumerate(candidate.head(40).iter_rows()):
            if KEY_HEADER in row and RESPONSE_HEADER in row:
                grid, header_idx = candidate, i
                break
        if grid is not None:
            break
    if grid is None:
        raise InputFileError(f'{path.name}: no "{KEY_HEADER}" / "{RESPONSE_HEADER}" header found; is this a correction list?')
    cols = grid.columns
    header = list(grid.row(header_idx))
    pick = {name: cols[header.index(name)] for name in (KEY_HEADER, RESPONSE_HEADER, REASON_HEADER) if name in header}
    body = grid.slice(header_idx + 1).select(
        pl.col(pick[KEY_HEADER]).str.strip_chars().alias("finding_id"),
        pl.col(pick[RESPONSE_HEADER]).str.strip_chars().alias("response_text"),
        (pl.col(pick[REASON_HEADER]).str.strip_chars() if REASON_HEADER in pick else pl.lit(None, pl.String)).alias("reason"),
    ).filter(pl.col("finding_id").str.contains(r"^[0-9a-f]{16}$").fill_null(False))
    body = body.with_columns(
        pl.col("response_text").replace("", None), pl.col("reason").replace("", None),
    ).filter(pl.col("response_text").is_not_null())
    norm = _norm("response_text")
    code = pl.lit(None, pl.String)
    for prefix, value in reversed(RESPONSE_CODES.items()):
        code = pl.when(norm.str.starts_with(prefix)).then(pl.lit(value)).otherwise(code)
    body = body.with_columns(code.alias("response"))
    unreadable = body.filter(pl.col("response").is_null()).height
    return body.filter(pl.col("response").is_not_null()).select(list(_RESPONSE_SCHEMA)), unreadable


def _meta_run_id(path: Path) -> str | None:
    try:
        meta = pl.read_excel(path, sheet_name=META_SHEET, has_header=False, infer_schema_length=0)
    except Exception:
        return None
    rows = {str(k): v for k, v in meta.select(pl.all().cast(pl.String)).iter_rows()}
    return rows.get("run_id")


def record_responses(db: Path, paths: list[Path]) -> ResponseSummary:
    """Read every returned list and store its answers in ``finding_responses`` (one transaction)."""
    summary = ResponseSummary()
    batches = []
    for path in paths:
        path = Path(path)
        if not path.exists():
            raise InputFileError(f"{path.name}: file not found")
        answers, unreadable = read_response_file(path)
        summary.files += 1
        summary.unreadable_answers += unreadable
        batches.append(answers.with_columns(
            pl.lit(path.name).alias("response_file"), pl.lit(file_sha256(path)).alias("response_sha256"),
            pl.lit(_meta_run_id(path)).alias("list_run_id"),
        ))
    answers = pl.concat(batches) if batches else pl.DataFrame(schema=_RESPONSE_SCHEMA)
    if answers.is_empty():
        return summary
    con = connect(db)
    try:
        known = con.sql("""
            SELECT finding_id, arg_max(run_id, r.started_at) AS run_id, arg_max(sector, r.started_at) AS sector,
                   arg_max(d.source_file, r.started_at) AS source_file, arg_max(source_row, r.started_at) AS source_row,
                   arg_max(field, r.started_at) AS field, arg_max(kind, r.started_at) AS kind
            FROM discrepancies d JOIN runs r USING (run_id)
            WHERE finding_id IS NOT NULL GROUP BY finding_id""").pl()
        seen = con.sql("SELECT finding_id, response_sha256 FROM finding_responses").pl()
        answers = answers.unique(["finding_id", "response_sha256"], keep="last", maintain_order=True)
        matched = answers.join(known, on="finding_id", how="inner")
        summary.unknown_keys = answers.height - matched.height
        fresh = matched.join(seen, on=["finding_id", "response_sha256"], how="anti")
        summary.already_recorded = matched.height - fresh.height
        summary.declined_without_reason = fresh.filter((pl.col("response") == "declined") & pl.col("reason").is_null()).height
        fresh = fresh.with_columns(
            pl.coalesce(pl.col("list_run_id"), pl.col("run_id")).alias("run_id"),
            pl.lit(dt.datetime.now()).alias("recorded_at"),
        ).select("finding_id", "run_id", "sector", "source_file", pl.col("source_row").cast(pl.Int32), "field", "kind",
                 "response", "response_text", "reason", "response_file", "response_sha256", "recorded_at")
        con.begin()
        con.register("_answers", fresh.to_arrow())
        con.execute("INSERT INTO finding_responses SELECT * FROM _answers")
        con.unregister("_answers")
        con.commit()
    except duckdb.Error as err:
        raise DoisoatError(f"{Path(db).name}: could not record the responses ({type(err).__name__})") from None
    finally:
        con.close()
    summary.recorded = fresh.height
    summary.by_response = dict(fresh.group_by("response").len().iter_rows())
    return summary


def latest_responses(con: duckdb.DuckDBPyConnection) -> pl.DataFrame:
    """The last answer per finding: ``finding_id, response, reason``."""
    return con.sql("""
        SELECT finding_id, arg_max(response, recorded_at) AS response, arg_max(reason, recorded_at) AS reason
        FROM finding_responses GROUP BY finding_id""").pl()


def annotate(con: duckdb.DuckDBPyConnection, run_id: str, period: str, findings: pl.DataFrame,
             source_files: pl.DataFrame) -> tuple[pl.DataFrame, pl.DataFrame]:
    """``findings`` of the new run (with ``sector`` and ``finding_id``) → (the same with ``status``,
    ``resolved_findings`` rows). ``source_files`` are the new run's inputs (``sector``, ``path``)."""
    earlier = con.sql("""
        SELECT DISTINCT d.finding_id FROM discrepancies d WHERE d.finding_id IS NOT NULL AND d.run_id <> ?""",
                      params=[run_id]).pl()
    answers = latest_responses(con)
    if findings.is_empty():
        status = findings.with_columns(pl.lit(None, pl.String).alias("status"))
    else:
        joined = findings.join(answers, on="finding_id", how="left", maintain_order="left").with_columns(
            pl.col("finding_id").is_in(earlier["finding_id"].implode()).alias("_seen"))
        status = joined.with_columns(
            pl.when((pl.col("response") == "declined") & pl.col("reason").is_not_null()).then(pl.lit("declined"))
            .when(pl.col("response") == "fixed").then(pl.lit("reopened"))
            .when(pl.col("_seen") | pl.col("response").is_not_null()).then(pl.lit("open"))
            .otherwise(pl.lit("new")).alias("status"),
        ).drop("response", "reason", "_seen")
    return status, _resolved(con, run_id, period, findings, source_files, answers)


def _resolved(con: duckdb.DuckDBPyConnection, run_id: str, period: str, findings: pl.DataFrame,
              source_files: pl.DataFrame, answers: pl.DataFrame) -> pl.DataFrame:
    """Findings of the previous period's run (per sector: the latest current run of an earlier
    period that read that sector) that this run no longer finds, for the sectors this run read in
    full (every file read: a file that failed might hold them). Findings are keyed by person and
    problem, so a list saved under a new name or in another order is the same list."""
    status = source_files.select("sector", (pl.col("status") != "failed").alias("ok"))
    files = status.group_by("sector").agg(pl.col("ok").all()).filter(pl.col("ok")).select("sector")
    if files.is_empty():
        return pl.DataFrame()
    con.register("_files", files.to_arrow())
    try:
        previous = con.sql("""
            WITH prev AS (
                SELECT f.sector, arg_max(f.run_id, r.started_at) AS previous_run_id
                FROM source_files f JOIN runs r USING (run_id)
                WHERE f.run_id <> ? AND r.period < ? AND r.status <> 'superseded' AND r.purged_at IS NULL
                  AND f.status <> 'failed' AND f.sector IN (SELECT sector FROM _files)
                GROUP BY f.sector)
            SELECT d.finding_id, p.previous_run_id, d.sector, d.source_file, d.source_row, d.field, d.kind, d.severity
            FROM discrepancies d JOIN prev p ON d.run_id = p.previous_run_id AND d.sector = p.sector
            WHERE d.finding_id IS NOT NULL""", params=[run_id, period]).pl()
    finally:
        con.unregister("_files")
    current = findings["finding_id"] if findings.height else pl.Series("finding_id", [], pl.String)
    gone = previous.filter(~pl.col("finding_id").is_in(current.implode())).unique("finding_id", maintain_order=True)
    return gone.join(answers.select("finding_id", "response"), on="finding_id", how="left", maintain_order="left")
