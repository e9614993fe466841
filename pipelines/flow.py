"""The ``reconcile`` Prefect flow: one task per stage, sectors processed independently.

Parameters are paths, names and the period only (no personal data). Task results stay in
memory (``persist_result=False``) because they hold personal data.
"""

from __future__ import annotations

import datetime as dt
import gc
import os
import time
import uuid
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

import polars as pl
from prefect import flow, get_run_logger, task
from prefect.cache_policies import NO_CACHE
from prefect.futures import as_completed, wait
from prefect.states import Completed, Failed

from contracts import DoisoatError
from contracts import fields as F
from matchers import FellegiSunter, LinkSettings, PreparedResidents
from pipelines import progress, readahead
from pipelines.decision_cache import DecisionCache, load_cache
from pipelines.ingest import SourceFile, configure_sources, parse_sector_arg
from pipelines.kept_models import frequencies_rows, load_kept, models_rows
from pipelines.memory import peak_mb, reset_peak
from pipelines.outputs import Published, prepare_run, publish
from pipelines.partitions import (
    PARTITION_ROWS,
    FrameRef,
    Handoff,
    ResidentsRef,
    SectorPlan,
    link_piece,
)
from pipelines.period import period_end
from pipelines.privacy import hide_values
from pipelines.review import load_decisions
from pipelines.runlock import exclusive_run
from pipelines.runners import distributed
from pipelines.stages import (
    FileResult,
    SectorResult,
    cross_sector_stage,
    finish_sector_stage,
    ingest_stage,
    plan_sector_stage,
    reconcile_stage,
    run_stages,
    unavailable,
    validate_stage,
    without_raw_records,
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
    published: Published | None = None  # files written and finding counts by severity/status
    warnings: list[tuple[str, str]] = field(default_factory=list)  # (path, reason): read, nothing usable
    seconds: dict[str, float] = field(default_factory=dict)  # wall time per stage, write included
    peaks_mb: dict[str, float] = field(default_factory=dict)  # peak resident memory per stage, write included
    peak_memory_mb: float = 0.0  # the process's peak resident memory during the run
    pieces: int = 0  # match pieces linked, all sectors (``pipelines.partitions``)
    engine: str = "this process"  # where the pieces ran: "this process" or "Dask"
    match_steps: dict[str, float] = field(default_factory=dict)  # wall time of train, pieces, finish
    models_kept: list[str] = field(default_factory=list)  # sectors scored with an earlier run's model
    models_trained: list[str] = field(default_factory=list)  # sectors whose model was trained in this run
    frequencies_kept: bool = False  # the residents' name frequencies of an earlier run
    rows_reused: int = 0  # sector rows that kept their cached decision (``pipelines.decision_cache``)
    rows_scored: int = 0  # sector rows blocked and scored in this run
    rows_new: int = 0  # of those, rows the cache did not hold (new or corrected since the last run)


def _failure(state) -> BaseException | None:
    """The exception a failed task state holds, or None."""
    try:
        error = state.result(raise_on_failure=False)
    except Exception:  # noqa: BLE001 - a state without a readable result
        return None
    return error if isinstance(error, BaseException) else None


@task(name="ingest", **PII_TASK)
@hide_values
def ingest_task(src: SourceFile, retries: int = 0, retry_delay: float = 0.0) -> FileResult:
    """Read one source (or take it as read ahead while Prefect started, ``pipelines.readahead``);
    an unavailable one is read again in the task (``stages.ingest_stage``)."""
    result = readahead.take(src) or ingest_stage(src, retries, retry_delay)
    progress.advance(src.source, "ingest")
    return result


@task(name="validate", **PII_TASK)
@hide_values
def validate_task(result: FileResult, as_of: dt.date) -> FileResult:
    checked = without_raw_records(validate_stage(result, as_of))
    progress.advance(result.source.source, "validate")
    return checked


@task(name="match-train", **PII_TASK)
@hide_values
def train_task(sector: str, files: list[FileResult], residents: PreparedResidents, settings: LinkSettings,
               decisions: pl.DataFrame | None, handoff: Handoff, partition_rows: int,
               model: FellegiSunter | None = None, cache: DecisionCache | None = None) -> SectorPlan:
    """A sector's records, its model (trained once, or kept), the rows that keep a cached decision
    and the pieces of the others (``partitions.plan_sector``)."""
    plan = plan_sector_stage(sector, files, residents, settings, decisions, handoff, partition_rows, model, cache)
    get_run_logger().info("%s: %d rows in %d piece(s)", sector, plan.records.height, len(plan.parts))
    return plan


@task(name="match-piece", **PII_TASK)
@hide_values
def piece_task(part: FrameRef, residents: ResidentsRef | PreparedResidents, model: FellegiSunter,
               settings: LinkSettings, handoff: Handoff) -> tuple[FrameRef, FrameRef, FrameRef]:
    """One piece of a sector linked against the whole extract; on a Dask worker when one is used."""
    return link_piece(part, residents, model, settings, handoff)


@task(name="match", **PII_TASK)
@hide_values
def match_task(plan: SectorPlan, linked: list[tuple[FrameRef, FrameRef, FrameRef]], residents: pl.DataFrame,
               decisions: pl.DataFrame | None = None,
               spill: Handoff | None = None) -> tuple[pl.DataFrame, pl.DataFrame, dict[str, FrameRef]]:
    """(records, matches with the analysts' review decisions applied, the match_evidence and
    decision cache rows or their Parquet files, ``stages.finish_sector_stage``)."""
    matched = finish_sector_stage(plan, linked, residents, decisions, spill)
    get_run_logger().info("%s: %d rows matched", plan.sector, matched[0].height)
    progress.advance(plan.sector, "match")
    return matched


@task(name="reconcile", **PII_TASK)
@hide_values
def reconcile_task(sector: str, files: list[FileResult], records: pl.DataFrame, matches: pl.DataFrame,
                   residents: pl.DataFrame) -> SectorResult:
    result = reconcile_stage(sector, files, records, matches, residents)
    progress.advance(sector, "reconcile")
    return result


@task(name="cross-sector", **PII_TASK)
@hide_values
def cross_sector_task(results: list[SectorResult], matched: dict[str, tuple[pl.DataFrame, pl.DataFrame]],
                      residents: pl.DataFrame, residency_outcome: pl.DataFrame) -> list[SectorResult]:
    finished = cross_sector_stage(results, matched, residents, residency_outcome)
    progress.advance("run", "cross-sector")
    return finished


def _on_prefect(distributed: bool = False):
    """A ``stages.StageRunner`` that submits every call of a stage as a Prefect task and waits for them;
    a read that failed unexpectedly is recorded as that file's failure (the others go on).

    ``distributed`` (a Dask task runner): only the match pieces go to the cluster, every other
    stage runs here, in the flow's process (its frames never travel). Match steps run here at
    most ``_in_flight`` at a time."""
    tasks = {"ingest": ingest_task, "validate": validate_task, "match.train": train_task, "match.part": piece_task,
             "match.finish": match_task, "reconcile": reconcile_task, "cross-sector": cross_sector_task}

    def run(stage: str, fn, calls) -> list:
        if distributed and stage != "match.part":
            return [_inline(tasks[stage], call, stage) for call in calls]
        futures = _submit(tasks[stage], calls, _in_flight(stage, distributed))
        if stage == "ingest":
            return [f.result() if f.state.is_completed() else unavailable(call[0], _failure(f.state))
                    for f, call in zip(futures, calls)]
        return [f.result() for f in futures]

    return run


def _in_flight(stage: str, distributed: bool) -> int | None:
    """How many calls of a stage may run here at once (None: all): a sector's evidence (match.finish)
    and its findings (reconcile) are built one sector at a time (each is columnar work over both
    cores, and side by side their transient frames add up: 1.3 GB more at 1,000,000 residents); a
    piece holds candidate pairs, one per core."""
    if stage in ("match.finish", "reconcile"):
        return 1
    if stage.startswith("match.") and not (distributed and stage == "match.part"):
        return os.cpu_count() or 1
    return None


def _inline(task_fn, call: tuple, stage: str):
    """Run one task in the flow's process (still a task run in Prefect); an ingest that failed
    unexpectedly becomes that file's failure."""
    state = task_fn(*call, return_state=True)
    if stage == "ingest" and not state.is_completed():
        return unavailable(call[0], _failure(state))
    return state.result()


def _submit(task_fn, calls, limit: int | None) -> list:
    """Submit ``calls``, at most ``limit`` unfinished at a time (None: all at once); wait for all."""
    futures: list = []
    pending: list = []
    for call in calls:
        if limit is not None and len(pending) >= limit:
            first = next(as_completed(pending))
            pending = [f for f in pending if f is not first and not f.state.is_final()]
        futures.append(task_fn.submit(*call))
        pending.append(futures[-1])
    wait(futures)
    return futures


@task(name="write", **PII_TASK)
@hide_values
def write_task(db: Path, out: Path, run: RunOutput) -> Published:
    """Write the run to the database, then its files from what the database holds (the run's own
    frames are let go once written: the lists and the report need none of them)."""
    write_run(db, prepare_run(db, run))
    run.tables.clear()
    published = publish(db, run.run_id, out)
    progress.advance("run", "write")
    return published


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
                "status": "failed" if f.error else "warning" if f.warning else "ok",
                "message": f.error or f.warning,
                "encoding": f.ingested.encoding if f.ingested else None,
                "sheet": f.ingested.sheet if f.ingested else None,
                "header_row": f.ingested.header_row if f.ingested else None,
                "layout_rows": f.ingested.layout_rows if f.ingested else None,
            }
            for f in files
        ],
        schema={"sector": pl.String, "path": pl.String, "sha256": pl.String, "rows_read": pl.Int64,
                "rows_rejected": pl.Int64, "status": pl.String, "message": pl.String, "encoding": pl.String,
                "sheet": pl.String, "header_row": pl.Int32, "layout_rows": pl.Int32},
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
              match_method: str = "probabilistic", encodings: list[str] | None = None,
              sheets: list[str] | None = None, mapping: str | None = None, commune: str | None = None,
              thresholds: dict[str, float] | None = None, read_retries: int = 2, read_retry_delay: float = 10.0,
              scratch: str | None = None, partition_rows: int = PARTITION_ROWS, retrain: bool = False,
              full: bool = False):
    """Reconcile every sector file of one period against the residency extract.

    ``sectors`` holds ``NAME=PATH`` strings (a sector may appear several times); ``encodings``
    and ``sheets`` hold ``PATH=VALUE`` strings and ``mapping`` a header-mapping TOML file (see
    ``pipelines.mapping_config``). ``commune`` is a configuration's commune code: a run replaces
    the earlier results of the same period and commune. ``thresholds`` holds ``match``, ``review``,
    ``min_margin``; a source failing with an I/O error is read again ``read_retries`` times.
    Each sector is matched in pieces of at most ``partition_rows`` rows; on a Dask task runner
    (``pipelines.runners``) the pieces run on its workers and travel as Parquet files in a
    temporary folder below ``scratch`` (default: the database's folder; it must be readable by
    every worker), removed when the run ends. Each sector scores with the model the commune's
    latest run kept, unless ``retrain`` or the data drifted (``pipelines.kept_models``); a row that
    nothing changed for since that run keeps its decision unless ``full`` (``pipelines.decision_cache``).
    Returns a RunSummary (in a state named "Partial" when some input file failed), or a Failed
    state whose message is the one-line reason the run could not go on. Only one run at a time
    may use a database: a second one fails at once.
    """
    try:
        with exclusive_run(Path(db)):
            summary = _reconcile(residency, sectors, period, db, out, match_method,
                                 options={"encodings": encodings, "sheets": sheets, "mapping": mapping},
                                 run_options={"commune": commune, "thresholds": thresholds or {},
                                              "retries": (read_retries, read_retry_delay), "scratch": scratch,
                                              "partition_rows": partition_rows, "retrain": retrain,
                                              "full": full})
    except DoisoatError as err:
        return Failed(message=str(err))
    if summary.failed_files:
        names = ", ".join(Path(p).name for p, _ in summary.failed_files)
        return Completed(name="Partial", data=summary,
                         message=f"{len(summary.failed_files)} input file(s) could not be read: {names}")
    return summary


@hide_values
def _reconcile(residency: str, sectors: list[str], period: str, db: str, out: str, match_method: str,
               options: dict | None = None, run_options: dict | None = None) -> RunSummary:
    started = datetime.now()
    period_end(period)  # fail fast on a malformed period
    sources = [SourceFile(F.RESIDENCY, Path(residency))] + [parse_sector_arg(s) for s in sectors]
    sources = configure_sources(sources, **(options or {}))
    run_options = run_options or {}
    limits = run_options.get("thresholds") or {}
    settings = LinkSettings(method=match_method, **{k: v for k, v in {
        "match_threshold": limits.get("match"), "review_threshold": limits.get("review"),
        "min_margin": limits.get("min_margin")}.items() if v is not None})
    decisions = load_decisions(Path(db))  # analysts' review decisions, applied after linking
    kept = load_kept(Path(db), run_options.get("commune"), bool(run_options.get("retrain")))
    full = bool(run_options.get("full") or run_options.get("retrain"))
    cache = DecisionCache() if full else load_cache(Path(db), run_options.get("commune"))
    run_id = str(uuid.uuid4())
    logger = get_run_logger()
    retries, delay = run_options.get("retries", (2, 10.0))
    dask = distributed()
    scratch = Path(run_options.get("scratch") or Path(db).resolve().parent)
    with Handoff.in_folder(scratch) as spill:  # match_evidence, until it is written
        with Handoff.in_folder(scratch) if dask else Handoff() as handoff:
            stages = run_stages(sources, period, settings, decisions, run=_on_prefect(dask), read_retries=retries,
                                read_retry_delay=delay, handoff=handoff,
                                partition_rows=run_options.get("partition_rows") or PARTITION_ROWS, spill=spill,
                                kept=kept, cache=cache)
        del cache
        checked, all_results = stages.files, stages.results
        failed = [(str(f.source.path), f.error) for f in checked if f.error]
        status = "partial" if failed else "succeeded"
        parameters = {"residency": residency, "sectors": sectors, "period": period, "match_method": match_method}
        parameters.update({k: v for k, v in (options or {}).items() if v})
        parameters.update({k: v for k, v in run_options.items() if k in ("commune", "thresholds") and v})
        if dask:
            parameters["engine"] = "dask"
        tables = _tables(checked, all_results)
        tables["match_evidence"] = stages.evidence
        tables["models"] = models_rows(stages.models)
        tables["name_frequencies"] = frequencies_rows(None if stages.frequencies_kept else stages.frequencies)
        tables.update(stages.cache)
        run = RunOutput(run_id, period, started, datetime.now(), status, parameters, tables,
                        commune=run_options.get("commune"))
        summary = RunSummary(run_id, period, status, Path(db), Path(out), _summaries(checked, all_results), failed)
        summary.warnings = [(str(f.source.path), f.warning) for f in checked if f.warning]
        files, seconds, peaks = len(checked), dict(stages.seconds), dict(stages.peaks)
        summary.pieces, summary.engine = stages.pieces, "Dask" if dask else "this process"
        summary.match_steps = {k.split(".", 1)[1]: v for k, v in stages.steps.items() if k.startswith("match.")}
        summary.models_kept = [s for s, m in stages.models.items() if m.kept]
        summary.models_trained = [s for s, m in stages.models.items() if not m.kept]
        summary.frequencies_kept = stages.frequencies_kept
        summary.rows_reused = sum(reused for reused, _ in stages.reuse.values())
        summary.rows_new = sum(new for _, new in stages.reuse.values())
        summary.rows_scored = sum(records.height for records, _ in stages.matched.values()) - summary.rows_reused
        # Only the tables are written: the rows, matches and residents behind them can go first.
        del stages, checked, all_results, tables
        gc.collect()  # and what only reference cycles still held
        writing = time.perf_counter()
        separate = reset_peak()
        summary.published = write_task(Path(db), Path(out), run)
        seconds["write"], peaks["write"] = time.perf_counter() - writing, peak_mb()
        summary.seconds, summary.peaks_mb = seconds, peaks
        summary.peak_memory_mb = max(peaks.values()) if separate else peak_mb()
    logger.info("run %s finished: %s, %d files, %d failed", run_id, status, files, len(failed))
    return summary
