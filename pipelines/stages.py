"""The pipeline stages as plain functions over frames, and ``run_stages``, their one order.

ingest, validate (per file) → match (per sector: train, then per piece, then finish; see
``pipelines.partitions``), reconcile (per sector) → cross-sector (once). A file that
cannot be read becomes a ``FileResult`` with an ``error`` and no rows; it never stops the other
files. ``run_stages(sources, period, settings, run=...)`` runs them in order: ``run`` runs one
stage over its calls (``run_in_process`` here; ``pipelines.flow`` submits each call as a
Prefect task), so the flow and the evaluation share the same stage order.
"""

from __future__ import annotations

import datetime as dt
import gc
import logging
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace

import polars as pl

from contracts import (
    CHECK_MESSAGES,
    DoisoatError,
    SourceUnavailable,
    soft_findings,
    split_valid,
)
from contracts import fields as F
from matchers import (
    RESULT_SCHEMA,
    FellegiSunter,
    LinkSettings,
    NameFrequencies,
    PreparedResidents,
    link,
    prepare_residents,
)
from pipelines.decision_cache import DecisionCache, residents_rows, with_resident_fingerprints
from pipelines.findings import COLUMNS as FINDING_COLUMNS
from pipelines.findings import (
    commune_codes,
    cross_sector_findings,
    discrepancies,
    empty_findings,
    finish_findings,
    sector_rows,
)
from pipelines.ingest import Ingested, SourceFile, file_sha256, ingest_file
from pipelines.kept_models import KeptModels, SectorModel, choose_frequencies, kept_model
from pipelines.memory import peak_mb, reset_peak
from pipelines.partitions import (
    PARTITION_ROWS,
    FrameRef,
    Handoff,
    SectorPlan,
    finish_sector,
    link_piece,
    plan_sector,
)
from pipelines.period import period_end
from pipelines.review import match_with_reviews
from pipelines.store import ParquetFiles

LOG = logging.getLogger(__name__)  # file names and counts only
LINEAGE = [F.SOURCE_FILE, F.SOURCE_ROW]
OUTCOME_COLUMNS = [*LINEAGE, "outcome", "residency_id", "match_probability", "match_method"]


@dataclass(frozen=True)
class FileResult:
    """One input file after ingest (and validation, once run)."""

    source: SourceFile
    sha256: str | None
    ingested: Ingested | None = None
    error: str | None = None
    valid: pl.DataFrame | None = None
    failures: pl.DataFrame | None = None
    findings: pl.DataFrame | None = None  # soft contract findings (contracts.rules), valid rows only
    warning: str | None = None  # read, but nothing usable: every row rejected, or no data rows
    counted: int | None = None  # rows_read, kept when the raw records were let go (``without_raw_records``)

    @property
    def rows_read(self) -> int:
        """Sheet rows read as records (a register row unpivoted into dose rows counts once)."""
        if self.counted is not None:
            return self.counted
        if self.ingested is None:
            return 0
        return self.ingested.records.select(pl.struct(LINEAGE).n_unique()).item() if self.ingested.records.height else 0

    @property
    def rows_rejected(self) -> int:
        return 0 if self.failures is None else self.failures.select(LINEAGE).unique().height


def without_raw_records(result: FileResult) -> FileResult:
    """A validated file without its raw records (the valid rows and the failures stay): once
    validated, nothing reads them again, and at scale they are a second copy of every row."""
    if result.ingested is None or result.valid is None:
        return result
    return replace(result, counted=result.rows_read,
                   ingested=replace(result.ingested, records=result.ingested.records.clear()))


@dataclass(frozen=True)
class SectorResult:
    """A sector's valid records with their outcomes and findings."""

    sector: str
    outcomes: pl.DataFrame  # lineage + outcome, residency_id, match_probability, match_method
    discrepancies: pl.DataFrame


def ingest_stage(src: SourceFile, retries: int = 0, retry_delay: float = 0.0) -> FileResult:
    """Read one file; an unusable file gives a FileResult with a one-line ``error``. A file that is
    unavailable (missing, an I/O error, still being written: a share mounted late) is read again
    ``retries`` times, ``retry_delay`` seconds apart, before it fails alone."""
    for attempt in range(retries + 1):
        try:
            ingested = ingest_file(src)
        except SourceUnavailable as err:
            if attempt == retries:
                return unavailable(src, err, attempt + 1)
            LOG.warning("%s: unavailable; reading it again in %g s (retry %d of %d)",
                        src.path.name, retry_delay, attempt + 1, retries)
            time.sleep(retry_delay)
            continue
        except DoisoatError as err:
            return FileResult(src, file_sha256(src.path), error=str(err))
        return FileResult(src, file_sha256(src.path), ingested=ingested)
    raise AssertionError("unreachable")  # pragma: no cover


def unavailable(src: SourceFile, error: BaseException | None, attempts: int = 1) -> FileResult:
    """The FileResult of a source that could not be read in ``attempts`` tries (no values in it)."""
    if isinstance(error, DoisoatError):
        reason = str(error)
    else:
        reason = f"{src.path.name}: could not be read ({type(error).__name__ if error else 'unknown error'})"
    tries = f", even after {attempts - 1} retr{'y' if attempts == 2 else 'ies'}" if attempts > 1 else ""
    return FileResult(src, file_sha256(src.path), error=reason + tries)


def validate_stage(result: FileResult, as_of: dt.date) -> FileResult:
    """Apply the source's contract: valid rows go on, failures are kept with their reasons."""
    if result.ingested is None:
        return result
    valid, failures = split_valid(result.source.source, result.ingested.records, as_of)
    findings = soft_findings(result.source.source, valid, as_of)
    return replace(result, valid=valid, failures=failures, findings=findings,
                   warning=_nothing_usable(result, valid, failures))


def _nothing_usable(result: FileResult, valid: pl.DataFrame, failures: pl.DataFrame) -> str | None:
    """One line when a readable file yields no valid row: no data rows, or every row rejected."""
    ingested = result.ingested
    name = result.source.path.name
    if ingested is None or valid.height:
        return None
    if ingested.records.is_empty():
        return f"{name}: no data rows below the header (row {ingested.header_row})"
    top = failures.group_by("check").agg(pl.struct(F.SOURCE_FILE, F.SOURCE_ROW).n_unique().alias("rows")).sort(
        ["rows", "check"], descending=[True, False]).row(0)
    reason = CHECK_MESSAGES.get(top[0], (None, top[0]))[1]
    return f"{name}: all {ingested.records.height} rows rejected; most common reason: {reason} ({top[1]} rows)"


def sector_records(files: list[FileResult]) -> pl.DataFrame:
    """The valid rows of a sector's files, stacked, each with a unique ``record_key``."""
    frames = [f.valid.select(pl.exclude(r"^extra:.*$")) for f in files if f.valid is not None and f.valid.height]
    if not frames:
        return pl.DataFrame(schema={F.RECORD_KEY: pl.UInt32, F.SOURCE_FILE: pl.String, F.SOURCE_ROW: pl.UInt32})
    return pl.concat(frames, how="diagonal_relaxed").with_row_index(F.RECORD_KEY)


def sector_settings(settings: LinkSettings, sector: str) -> LinkSettings:
    """The matcher settings for one sector's list (one row per person, or several)."""
    return replace(settings, one_row_per_person=sector in F.ONE_ROW_PER_PERSON)


def match_stage(sector: str, records: pl.DataFrame, residents, settings: LinkSettings) -> pl.DataFrame:
    """Per valid record of one sector: record_key, residency_id, outcome, match_probability,
    match_method (with the sector's own settings, see ``sector_settings``)."""
    if records.is_empty():
        return pl.DataFrame(schema=RESULT_SCHEMA)
    return link(records, residents, sector_settings(settings, sector)).best


def plan_sector_stage(sector: str, files: list[FileResult], residents: PreparedResidents, settings: LinkSettings,
                      decisions: pl.DataFrame | None, handoff: Handoff, partition_rows: int = PARTITION_ROWS,
                      model: FellegiSunter | None = None, cache: DecisionCache | None = None) -> SectorPlan:
    """A sector's valid records, its model (trained once, or the kept ``model``), the rows that
    keep a cached decision and the pieces of the others (``partitions.plan_sector``)."""
    return plan_sector(sector, sector_records(files), residents, sector_settings(settings, sector), decisions,
                       handoff, partition_rows, model, cache)


def _valid_rows(files: list[FileResult]) -> int:
    """The rows ``sector_records`` will stack (without stacking them)."""
    return sum(f.valid.height for f in files if f.valid is not None)


SPILLED = ("match_evidence", "match_cache", "match_cache_pairs")  # a sector's rows only written at the end


def finish_sector_stage(plan: SectorPlan, linked: list, residents: pl.DataFrame, decisions: pl.DataFrame | None,
                        spill: Handoff | None = None) -> tuple[pl.DataFrame, pl.DataFrame, dict[str, FrameRef]]:
    """(records, matches, per table of ``SPILLED`` its rows with ``sector``) of a sector
    (``partitions.finish_sector``); those rows are handed over through ``spill`` (Parquet files
    when it has a folder: they are only written to the database at the end, and need not be
    held until then)."""
    done = finish_sector(plan, linked, residents, decisions)
    frames = dict(zip(SPILLED, (done.evidence, done.cache, done.cache_pairs)))
    spill = spill or Handoff()
    return done.records, done.matches, {
        table: spill.put(f"{plan.sector}-{table}", frame.with_columns(pl.lit(plan.sector).alias("sector")))
        for table, frame in frames.items() if frame.height}


def reconcile_stage(sector: str, files: list[FileResult], records: pl.DataFrame,
                    matches: pl.DataFrame, residents: pl.DataFrame) -> SectorResult:
    """Outcomes for every data row of the sector's files (rejected rows included) and findings."""
    valid_outcomes = (
        records.select(F.RECORD_KEY, *LINEAGE).join(matches, on=F.RECORD_KEY, how="left", maintain_order="left")
        .drop(F.RECORD_KEY).unique(LINEAGE, keep="first", maintain_order=True)  # one per sheet row (dose rows)
        if records.height else pl.DataFrame(schema={F.SOURCE_FILE: pl.String, F.SOURCE_ROW: pl.UInt32,
                                                    **{k: v for k, v in RESULT_SCHEMA.items() if k != F.RECORD_KEY}})
    )
    rejected = [
        f.failures.select(LINEAGE).unique(maintain_order=True) for f in files if f.failures is not None and f.failures.height
    ]
    rejected_outcomes = [
        r.with_columns(
            pl.lit("rejected").alias("outcome"), pl.lit(None, dtype=pl.String).alias("residency_id"),
            pl.lit(None, dtype=pl.Float64).alias("match_probability"), pl.lit(None, dtype=pl.String).alias("match_method"),
        ) for r in rejected
    ]
    outcomes = pl.concat(
        [o.select(OUTCOME_COLUMNS).cast({F.SOURCE_ROW: pl.UInt32}) for o in [valid_outcomes, *rejected_outcomes]],
        how="vertical_relaxed",
    )
    findings = discrepancies(records, matches, residents, sector) if records.height else None
    findings = _with_soft_findings(findings, files, valid_outcomes)
    return SectorResult(sector, outcomes.sort(LINEAGE), findings if findings is not None else pl.DataFrame())


def _with_soft_findings(findings: pl.DataFrame | None, files: list[FileResult],
                        outcomes: pl.DataFrame) -> pl.DataFrame | None:
    """Append the files' soft contract findings (``findings.COLUMNS``; worded when finished), with
    the resident of matched rows as ``residency_id``."""
    soft = [f.findings for f in files if f.findings is not None and f.findings.height]
    if not soft:
        return findings
    resident = outcomes.filter(pl.col("outcome") == "matched").select(
        pl.col(F.SOURCE_FILE), pl.col(F.SOURCE_ROW).cast(pl.UInt32), "residency_id")
    extra = pl.concat(soft, how="vertical_relaxed").join(
        resident, on=LINEAGE, how="left", maintain_order="left").select(*FINDING_COLUMNS)
    if findings is None or not findings.width:
        return extra
    return pl.concat([findings, extra], how="diagonal_relaxed").sort(LINEAGE, maintain_order=True)


def residency_outcomes(files: list[FileResult], residents: pl.DataFrame, sectors: list[SectorResult]) -> pl.DataFrame:
    """One outcome per residency row: matched if any sector row matched it, else unmatched; or rejected."""
    used = pl.concat(
        [s.outcomes.filter(pl.col("outcome") == "matched").select("residency_id") for s in sectors] or
        [pl.DataFrame(schema={"residency_id": pl.String})]
    ).unique()
    found = residents.select(*LINEAGE, pl.col(F.PERSON_ID).alias("residency_id")).join(
        used.with_columns(pl.lit(True).alias("_used")), on="residency_id", how="left", maintain_order="left"
    ).select(
        *LINEAGE,
        pl.when(pl.col("_used")).then(pl.lit("matched")).otherwise(pl.lit("unmatched")).alias("outcome"),
        "residency_id",
        pl.lit(None, dtype=pl.Float64).alias("match_probability"),
        pl.lit("reference").alias("match_method"),
    )
    sector = SectorResult(F.RESIDENCY, found, pl.DataFrame())
    rejected = reconcile_stage(F.RESIDENCY, files, pl.DataFrame(), pl.DataFrame(schema=RESULT_SCHEMA), residents).outcomes
    return pl.concat(
        [sector.outcomes.select(OUTCOME_COLUMNS), rejected.filter(pl.col("outcome") == "rejected").select(OUTCOME_COLUMNS)],
        how="vertical_relaxed",
    ).sort(LINEAGE)


def cross_sector_stage(results: list[SectorResult], matched: dict[str, tuple[pl.DataFrame, pl.DataFrame]],
                       residents: pl.DataFrame, residency_outcome: pl.DataFrame) -> list[SectorResult]:
    """After every sector's reconcile: add the findings that need all sectors (deaths, extract
    records less precise than the lists), finish every finding for the correction lists, and give
    each outcome its ``commune_code``. ``matched`` maps a sector to its (records, matches).
    Returns the residency's result (the police's findings) followed by the sectors'."""
    empty = (pl.DataFrame(schema={F.RECORD_KEY: pl.UInt32}), pl.DataFrame(schema=RESULT_SCHEMA))
    rows = {s: sector_rows(*matched.get(s, empty)) for s in matched}
    extra = cross_sector_findings(rows, residents)
    finished = []
    for result in results:
        records = matched.get(result.sector, empty)[0]
        found = [f for f in (result.discrepancies, extra.get(result.sector)) if f is not None and f.height]
        findings = pl.concat(found, how="diagonal_relaxed") if found else empty_findings()
        finished.append(replace(
            result,
            outcomes=commune_codes(result.outcomes, records, residents),
            discrepancies=finish_findings(result.sector, findings, records, residents),
        ))
    police = finish_findings(F.RESIDENCY, extra.get(F.RESIDENCY, empty_findings()), residents, residents)
    residency = SectorResult(F.RESIDENCY, commune_codes(residency_outcome, residents, residents), police)
    return [residency, *finished]


# --- the stage order ----------------------------------------------------------------------

StageRunner = Callable[[str, Callable, Sequence[tuple]], list]
"""``run(stage_name, stage_function, calls)`` → one result per call, in order. A name may have a
step after a dot (``match.train``, ``match.part``, ``match.finish``): timed under the stage."""


def run_in_process(stage: str, fn: Callable, calls: Sequence[tuple]) -> list:
    """Run a stage's calls one after the other in this process (evaluation, benchmarks)."""
    return [fn(*call) for call in calls]


@dataclass(frozen=True)
class StagesResult:
    """Everything the stages produced for one run (personal data: never a Prefect result)."""

    files: list[FileResult]  # every input, read and validated, in the order given
    residents: pl.DataFrame
    results: list[SectorResult]  # the residency's (the police's findings) first, then each sector's
    matched: dict[str, tuple[pl.DataFrame, pl.DataFrame]] = field(default_factory=dict)  # sector → (records, matches)
    evidence: pl.DataFrame | ParquetFiles = field(default_factory=pl.DataFrame)  # match_evidence rows with ``sector``
    seconds: dict[str, float] = field(default_factory=dict)  # wall time per stage
    peaks: dict[str, float] = field(default_factory=dict)  # peak resident memory per stage, MB
    pieces: int = 0  # match pieces linked (``pipelines.partitions``), all sectors
    steps: dict[str, float] = field(default_factory=dict)  # wall time of a stage's steps ("match.train" …)
    models: dict[str, SectorModel] = field(default_factory=dict)  # sector → the model it was scored with
    cache: dict[str, pl.DataFrame | ParquetFiles] = field(default_factory=dict)  # decision cache tables
    reuse: dict[str, tuple[int, int]] = field(default_factory=dict)  # sector → (rows reused, rows not in the cache)
    frequencies: NameFrequencies | None = None  # the residents' name frequencies the models score with
    frequencies_kept: bool = False  # those of an earlier run (``pipelines.kept_models``)


def run_stages(sources: list[SourceFile], period: str, settings: LinkSettings,
               decisions: dict[str, pl.DataFrame] | None = None, run: StageRunner = run_in_process,
               read_retries: int = 0, read_retry_delay: float = 0.0, handoff: Handoff | None = None,
               partition_rows: int = PARTITION_ROWS, spill: Handoff | None = None,
               kept: KeptModels | None = None, cache: DecisionCache | None = None) -> StagesResult:
    """Ingest, validate, match, reconcile and cross-check every source of one period.

    ``sources`` holds one residency extract and any number of sector files. Raises DoisoatError
    when the residency extract cannot be used; any other file that fails ends as a FileResult
    with an error. ``decisions`` maps a sector to its analysts' review decisions; an unavailable
    source is read again ``read_retries`` times (see ``ingest_stage``). Each sector's list is
    matched in pieces of at most ``partition_rows`` rows (``pipelines.partitions``), handed to
    their tasks through ``handoff`` (default: in memory). Each sector's ``match_evidence`` rows go
    through ``spill`` as soon as it is matched: with a folder, ``evidence`` is their
    ``ParquetFiles`` (remove the folder only once they are written). ``kept``: an earlier run's
    models and name frequencies, reused unless the data drifted (``pipelines.kept_models``);
    ``cache``: its decisions, kept by the rows nothing changed for (``pipelines.decision_cache``).
    """
    as_of = period_end(period)
    seconds: dict[str, float] = {}
    peaks: dict[str, float] = {}
    steps: dict[str, float] = {}
    run = _timed(run, seconds, peaks, steps)
    read = run("ingest", ingest_stage, [(src, read_retries, read_retry_delay) for src in sources])
    checked: list[FileResult] = run("validate", validate_stage, [(f, as_of) for f in read])
    del read  # the raw records, unless ``checked`` still holds them
    residency_files = [f for f in checked if f.source.source == F.RESIDENCY]
    if not residency_files:
        raise DoisoatError("no residency extract among the inputs")
    extract = residency_files[0]
    if extract.error or extract.valid is None:
        raise DoisoatError(extract.error or f"{extract.source.path}: the residency extract could not be read")
    residents = extract.valid
    prepared = prepare_residents(residents)  # blocking keys and name frequencies, once per run
    kept = kept or KeptModels()
    prepared, frequencies_kept = choose_frequencies(kept, prepared)
    prepared = with_resident_fingerprints(prepared)

    sectors = list(dict.fromkeys(s.source for s in sources if s.source != F.RESIDENCY))
    files_of = {sector: [f for f in checked if f.source.source == sector] for sector in sectors}
    decisions = decisions or {}
    handoff = handoff or Handoff()
    reused = {sector: found for sector in sectors if (found := kept_model(
        kept, sector, _valid_rows(files_of[sector]), sector_settings(settings, sector), prepared.frequencies))}
    plans: list[SectorPlan] = run("match.train", plan_sector_stage, [
        (sector, files_of[sector], prepared, settings, decisions.get(sector), handoff, partition_rows,
         reused[sector].model if sector in reused else None, cache)
        for sector in sectors])
    on_files = handoff.put_residents(prepared)
    n_pieces = sum(len(plan.parts) for plan in plans)
    linked = iter(run("match.part", link_piece,
                      [(part, on_files, plan.model, plan.settings, handoff) for plan in plans for part in plan.parts]))
    matched = run("match.finish", finish_sector_stage,
                  [(plan, [next(linked) for _ in plan.parts], residents, decisions.get(plan.sector), spill)
                   for plan in plans])
    models = {plan.sector: reused.get(plan.sector) or SectorModel(plan.model, plan.records.height,
                                                                  plan.settings.training_key())
              for plan in plans if plan.model is not None}
    frequencies = prepared.frequencies
    reuse = {plan.sector: (plan.reuse.reused, plan.reuse.new_rows) for plan in plans if plan.reuse is not None}
    residents_seen = residents_rows(prepared)
    del plans, linked, prepared, on_files  # the pieces and the blocking keys: not needed any more
    reconciled = run("reconcile", reconcile_stage,
                     [(sector, files_of[sector], records, matches, residents)
                      for sector, (records, matches, _) in zip(sectors, matched)])
    by_sector = {sector: (records, matches) for sector, (records, matches, _) in zip(sectors, matched)}
    outcomes = residency_outcomes(residency_files, residents, reconciled)
    finished = run("cross-sector", cross_sector_stage, [(reconciled, by_sector, residents, outcomes)])[0]
    spilled = {table: _spilled([refs[table] for _, _, refs in matched if table in refs]) for table in SPILLED}
    tables = {"match_cache": spilled["match_cache"], "match_cache_pairs": spilled["match_cache_pairs"],
              "cache_residents": residents_seen}
    return StagesResult(checked, residents, finished, by_sector, spilled["match_evidence"], seconds, peaks,
                        n_pieces, steps, models, tables, reuse, frequencies, frequencies_kept)


def _spilled(refs: list[FrameRef]) -> pl.DataFrame | ParquetFiles:
    """The sectors' rows of one spilled table: their files, or the frames stacked."""
    if any(isinstance(ref, str) for ref in refs):
        return ParquetFiles(tuple(ref for ref in refs if isinstance(ref, str)))
    found = [ev for ev in refs if ev.height]
    return pl.concat(found, how="vertical_relaxed") if found else pl.DataFrame()


def _timed(run: StageRunner, seconds: dict[str, float], peaks: dict[str, float],
           steps: dict[str, float] | None = None) -> StageRunner:
    """``run`` that adds each stage's wall time to ``seconds`` and its peak memory (MB) to ``peaks``
    (a step such as "match.train" counts in its stage, "match"), and each step's time to ``steps``."""
    def timed(stage: str, fn: Callable, calls: Sequence[tuple]) -> list:
        before = peak_mb()
        separate = reset_peak()
        started = time.perf_counter()
        label = stage.split(".")[0]
        try:
            return run(stage, fn, calls)
        finally:
            gc.collect()  # frames held in reference cycles (task states) go now, not some stages later
            took = time.perf_counter() - started
            seconds[label] = seconds.get(label, 0.0) + took
            if steps is not None and label != stage:
                steps[stage] = steps.get(stage, 0.0) + took
            peaks[label] = max(peaks.get(label, 0.0), peak_mb() if separate else max(before, peak_mb()))
    return timed
