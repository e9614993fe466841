"""The ``reconcile`` Prefect flow: one task per stage, sectors processed independently.

Parameters are paths, names and the period only (no personal data). Task results stay in
memory (``persist_result=False``) because they hold personal data.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

import polars as pl
from prefect import flow, get_run_logger, task
from prefect.cache_policies import NO_CACHE
from prefect.futures import wait
from prefect.states import Failed

from contracts import fields as F
from contracts.errors import DoisoatError
from matchers import LinkSettings
from matchers.link import prepare_residents
from pipelines import progress
from pipelines.ingest import SourceFile, parse_sector_arg
from pipelines.outputs import write_out_dir
from pipelines.stages import (
    FileResult, SectorResult, ingest_stage, match_stage, period_end, reconcile_stage,
    residency_outcomes, sector_records, validate_stage,
)
from pipelines.store import RunOutput, write_run

PII_TASK = dict(persist_result=False, cache_policy=NO_CACHE)


@dataclass
class SectorSummary:
    """Counts per sector (no personal data)."""

    sector: str
    files: int = 0
    rows_read: int = 0
    matched: int = 0
    review: int = 0
    unmatched: int = 0
    rejected: int = 0
    findings: int = 0


@dataclass
class RunSummary:
    """What a run did: counts per sector, files that failed, where the outputs are."""

    run_id: str
    period: str
    status: str
    db: Path
    out: Path
    sectors: list[SectorSummary] = field(default_factory=list)
    failed_files: list[tuple[str, str]] = field(default_factory=list)  # (path, reason)


@task(name="ingest", **PII_TASK)
def ingest_task(src: SourceFile) -> FileResult:
    result = ingest_stage(src)
    progress.advance(src.source, "ingest")
    return result


@task(name="validate", **PII_TASK)
def validate_task(result: FileResult, period: str) -> FileResult:
    checked = validate_stage(result, period_end(period))
    progress.advance(result.source.source, "validate")
    return checked


@task(name="match", **PII_TASK)
def match_task(sector: str, files: list[FileResult], residents: pl.DataFrame, settings: LinkSettings) -> tuple[pl.DataFrame, pl.DataFrame]:
    records = sector_records(files)
    matches = match_stage(records, residents, settings)
    get_run_logger().info("%s: %d rows matched against %d residents", sector, records.height, residents.height)
    progress.advance(sector, "match")
    return records, matches


@task(name="reconcile", **PII_TASK)
def reconcile_task(sector: str, files: list[FileResult], records: pl.DataFrame, matches: pl.DataFrame,
                   residents: pl.DataFrame) -> SectorResult:
    result = reconcile_stage(sector, files, records, matches, residents)
    progress.advance(sector, "reconcile")
    return result


@task(name="write", **PII_TASK)
def write_task(db: Path, out: Path, run: RunOutput) -> None:
    write_run(db, run)
    write_out_dir(out, run)
    progress.advance("run", "write")


def _summaries(files: list[FileResult], sectors: list[SectorResult]) -> list[SectorSummary]:
    by_sector: dict[str, SectorSummary] = {}
    for f in files:
        s = by_sector.setdefault(f.source.source, SectorSummary(f.source.source))
        s.files += 1
        s.rows_read += f.rows_read
    for result in sectors:
        s = by_sector.setdefault(result.sector, SectorSummary(result.sector))
        counts = dict(result.outcomes.group_by("outcome").len().iter_rows())
        s.matched, s.review = counts.get("matched", 0), counts.get("review", 0)
        s.unmatched, s.rejected = counts.get("unmatched", 0), counts.get("rejected", 0)
        s.findings = result.discrepancies.height
    order = [F.RESIDENCY, *F.SECTORS]
    return sorted(by_sector.values(), key=lambda s: order.index(s.sector) if s.sector in order else 99)


def _tables(files: list[FileResult], sectors: list[SectorResult]) -> dict[str, pl.DataFrame]:
    source_files = pl.DataFrame(
        [
            {
                "sector": f.source.source, "path": str(f.source.path), "sha256": f.sha256,
                "rows_read": f.rows_read, "rows_rejected": f.rows_rejected,
                "status": "failed" if f.error else "ok", "message": f.error,
                "encoding": f.ingested.encoding if f.ingested else None,
                "sheet": f.ingested.sheet if f.ingested else None,
                "header_row": f.ingested.header_row if f.ingested else None,
            }
            for f in files
        ],
        schema={"sector": pl.String, "path": pl.String, "sha256": pl.String, "rows_read": pl.Int64,
                "rows_rejected": pl.Int64, "status": pl.String, "message": pl.String, "encoding": pl.String,
                "sheet": pl.String, "header_row": pl.Int32},
    )
    rejected = [
        f.failures.with_columns(pl.lit(f.source.source).alias("sector"))
        for f in files if f.failures is not None and f.failures.height
    ]
    outcomes = [s.outcomes.with_columns(pl.lit(s.sector).alias("sector")) for s in sectors]
    findings = [s.discrepancies.with_columns(pl.lit(s.sector).alias("sector")) for s in sectors if s.discrepancies.height]
    return {
        "source_files": source_files,
        "rejected_rows": pl.concat(rejected, how="vertical_relaxed") if rejected else pl.DataFrame(),
        "record_outcomes": pl.concat(outcomes, how="vertical_relaxed") if outcomes else pl.DataFrame(),
        "discrepancies": pl.concat(findings, how="vertical_relaxed") if findings else pl.DataFrame(),
    }


@flow(name="reconcile", log_prints=False)
def reconcile(residency: str, sectors: list[str], period: str, db: str, out: str,
              match_method: str = "probabilistic"):
    """Reconcile every sector file of one period against the residency extract.

    ``sectors`` holds ``NAME=PATH`` strings (a sector may appear several times). Returns a
    RunSummary, or a Failed state whose message is the one-line reason the run could not go on.
    """
    try:
        return _reconcile(residency, sectors, period, db, out, match_method)
    except DoisoatError as err:
        return Failed(message=str(err))


def _reconcile(residency: str, sectors: list[str], period: str, db: str, out: str, match_method: str) -> RunSummary:
    started = datetime.now()
    period_end(period)  # fail fast on a malformed period
    sources = [SourceFile(F.RESIDENCY, Path(residency))] + [parse_sector_arg(s) for s in sectors]
    settings = LinkSettings(method=match_method)
    run_id = str(uuid.uuid4())
    logger = get_run_logger()

    ingested = [ingest_task.submit(src) for src in sources]
    checked_futures = [validate_task.submit(f, period) for f in ingested]
    wait(checked_futures)
    checked: list[FileResult] = [f.result() for f in checked_futures]
    residency_files = [f for f in checked if f.source.source == F.RESIDENCY]
    residents_file = residency_files[0]
    if residents_file.error or residents_file.valid is None:
        raise DoisoatError(residents_file.error or f"{residency}: the residency extract could not be read")
    residents = residents_file.valid
    prepared = prepare_residents(residents)  # blocking keys and name frequencies, once per run

    sector_names = list(dict.fromkeys(s.source for s in sources if s.source != F.RESIDENCY))
    results: list[SectorResult] = []
    pending = []
    for sector in sector_names:
        files = [f for f in checked if f.source.source == sector]
        matched = match_task.submit(sector, files, prepared, settings)
        pending.append((sector, files, matched))
    reconciled = [
        reconcile_task.submit(sector, files, matched.result()[0], matched.result()[1], residents)
        for sector, files, matched in pending
    ]
    results = [r.result() for r in reconciled]
    residency_result = SectorResult(F.RESIDENCY, residency_outcomes(residency_files, residents, results), pl.DataFrame())
    all_results = [residency_result, *results]

    failed = [(str(f.source.path), f.error) for f in checked if f.error]
    status = "partial" if failed else "succeeded"
    parameters = {"residency": residency, "sectors": sectors, "period": period, "match_method": match_method}
    run = RunOutput(run_id, period, started, datetime.now(), status, parameters, _tables(checked, all_results))
    write_task(Path(db), Path(out), run)
    summary = RunSummary(run_id, period, status, Path(db), Path(out), _summaries(checked, all_results), failed)
    logger.info("run %s finished: %s, %d files, %d failed", run_id, status, len(checked), len(failed))
    return summary

