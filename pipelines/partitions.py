"""Partitioned matching: a sector's records in pieces of bounded size, each linked as its own task.

A sector's list is prepared and its model trained once (``matchers.train`` on a sample); its
records are then cut into contiguous pieces of at most ``PARTITION_ROWS`` rows, and each piece
is blocked, compared, scored and decided against the *whole* extract (``matchers.link_part``),
so no candidate pair is lost to the split; the list-wide rule of ``matchers.finish_parts`` runs
on the joined pieces. The outcomes are those of ``matchers.link`` on the whole list (tested).

Pieces travel through a ``Handoff``: in one process the frames stay in memory; when the tasks
run on other processes or machines (a Dask cluster) every frame is a Parquet file in a scratch
folder that all of them can read, removed when the run ends (it holds personal data).
"""

from __future__ import annotations

import functools
import shutil
import time
import uuid
from dataclasses import dataclass, field, replace
from pathlib import Path

import polars as pl

from contracts import fields as F
from matchers import (
    FellegiSunter,
    Linkage,
    LinkSettings,
    PreparedResidents,
    finish_parts,
    link_part,
    prepare_records,
    train,
)
from pipelines.decision_cache import (
    RESIDENT_FP,
    DecisionCache,
    Reuse,
    cache_rows,
    relevant_candidates,
    split_rows,
)
from pipelines.fingerprints import record_fingerprints
from pipelines.review.apply import DECISION_SCHEMA, effective_decisions, link_with_reviews, match_with_reviews

PARTITION_ROWS = 100_000  # records per piece: bounds the candidate pairs a task holds
KEEP_ALL = "_keep_all_pairs"  # a record whose every candidate pair is kept (analysts decided on it)
EVIDENCE_CANDIDATES = 3  # pairs kept per decided record for match_evidence (pipelines.review.evidence)

SCRATCH_PREFIX = "doisoat-parts-"  # a run's scratch folder (personal data), removed when it ends
STALE_AFTER = 24 * 3600  # a scratch folder this old was left by a run that was killed

FrameRef = pl.DataFrame | str  # a frame in memory, or the path of its Parquet file


@dataclass(frozen=True)
class ResidentsRef:
    """``PreparedResidents`` as Parquet files, for pieces linked in other processes."""

    frame: str
    key_counts: dict[str, str]
    tf_norms: dict[str, float]
    names: str | None


@dataclass(frozen=True)
class Handoff:
    """Where the frames of partition tasks live: in memory (``folder`` None) or as Parquet files."""

    folder: Path | None = None

    @classmethod
    def in_folder(cls, parent: Path) -> Handoff:
        """A fresh scratch folder below ``parent`` (created; remove it with ``clean``). Folders a
        killed run left there more than ``STALE_AFTER`` seconds ago are removed first."""
        parent = Path(parent)
        cutoff = time.time() - STALE_AFTER
        for old in parent.glob(f"{SCRATCH_PREFIX}*"):
            if old.is_dir() and old.stat().st_mtime < cutoff:
                shutil.rmtree(old, ignore_errors=True)
        folder = parent / f"{SCRATCH_PREFIX}{uuid.uuid4().hex[:12]}"
        folder.mkdir(mode=0o700, parents=True)  # personal data: this user's only
        return cls(folder)

    def __enter__(self) -> Handoff:
        return self

    def __exit__(self, *_exc) -> None:
        self.clean()

    def put(self, name: str, frame: pl.DataFrame) -> FrameRef:
        if self.folder is None:
            return frame
        path = self.folder / f"{name}-{uuid.uuid4().hex[:8]}.parquet"
        # one row group: read back as one chunk (see ``store._insert``)
        frame.write_parquet(path, compression="lz4", statistics=False, row_group_size=max(frame.height, 1))
        return str(path)

    def put_residents(self, prepared: PreparedResidents) -> ResidentsRef | PreparedResidents:
        """The prepared extract as its pieces' tasks get it: itself in memory, else Parquet files."""
        if self.folder is None:
            return prepared
        return ResidentsRef(
            self.put("residents", prepared.frame),
            {rule: self.put("key-counts", counts) for rule, counts in prepared.key_counts.items()},
            dict(prepared.tf_norms),
            None if prepared.names is None else self.put("resident-names", prepared.names),
        )

    def clean(self) -> None:
        """Remove the scratch folder and everything in it."""
        if self.folder is not None:
            shutil.rmtree(self.folder, ignore_errors=True)


def get(ref: FrameRef) -> pl.DataFrame:
    """The frame behind a ``FrameRef``."""
    return ref if isinstance(ref, pl.DataFrame) else pl.read_parquet(ref)


def get_residents(ref: ResidentsRef | PreparedResidents) -> PreparedResidents:
    """The ``PreparedResidents`` behind a ``ResidentsRef`` (read once per process when on files)."""
    if isinstance(ref, PreparedResidents):
        return ref
    return _read_residents(ref.frame, tuple(sorted(ref.key_counts.items())), tuple(sorted(ref.tf_norms.items())),
                           ref.names)


@functools.lru_cache(maxsize=1)
def _read_residents(frame: str, counts: tuple, norms: tuple, names: str | None) -> PreparedResidents:
    return PreparedResidents(pl.read_parquet(frame), {k: pl.read_parquet(v) for k, v in counts}, dict(norms),
                             None if names is None else pl.read_parquet(names))


def pieces(rec: pl.DataFrame, rows: int = PARTITION_ROWS) -> list[pl.DataFrame]:
    """``rec`` (ordered by ``record_key``) cut into contiguous pieces of at most ``rows`` rows."""
    rows = max(int(rows), 1)
    return [rec.slice(start, rows) for start in range(0, max(rec.height, 1), rows)] if rec.height else []


def kept_pairs(best: pl.DataFrame, pairs: pl.DataFrame, keep_all: pl.DataFrame) -> pl.DataFrame:
    """The scored pairs an analyst's view and the review step can still need: for each record
    matched or in review, its ``EVIDENCE_CANDIDATES`` best pairs and its chosen one; for the records in
    ``keep_all`` (``record_key``: analysts decided on them), every pair. The rest is dropped."""
    if pairs.is_empty():
        return pairs
    chosen = best.filter(pl.col("outcome") != "unmatched").select(  # the list-wide rule only demotes
        F.RECORD_KEY, pl.col("best_candidate_id").alias("_chosen")).drop_nulls("_chosen")
    ranked = pairs.join(chosen, on=F.RECORD_KEY, how="left", maintain_order="left").with_columns(
        pl.col("match_weight").rank("ordinal", descending=True).over(F.RECORD_KEY).alias("_rank"))
    keep = ((pl.col("_chosen").is_not_null() & ((pl.col("_rank") <= EVIDENCE_CANDIDATES)
                                                | (pl.col("person_id_r") == pl.col("_chosen"))))
            | pl.col(F.RECORD_KEY).is_in(keep_all[F.RECORD_KEY].implode()))
    return ranked.filter(keep).select(_kept_columns(pairs))


def _kept_columns(pairs: pl.DataFrame) -> list[str]:
    """The pair columns the review step and ``match_evidence`` read: the two keys, each comparison's
    level and weight, the pair's weight and probability, and what a new decision among the
    candidates left needs (the row's ID, its owner). Both sides' fields and the level labels are
    not kept: the evidence takes the fields from the records and the extract and labels the levels
    of the pairs it shows (``matchers.explain``)."""
    wanted = {F.RECORD_KEY, "person_id_r", f"{F.PERSON_ID}_l", "id_owner", "match_weight", "match_probability"}
    return [c for c in pairs.columns if c in wanted or c.startswith(("gamma_", "bf_"))]


# --- the partitioned match stage ------------------------------------------------------------

@dataclass(frozen=True)
class SectorPlan:
    """A sector's list ready for its pieces: its records, its settings, the model trained once on
    it and the pieces (``FrameRef`` of ``prepare_records`` rows); ``done`` holds (matches,
    evidence) when no piece is needed (an empty list, an empty extract, exact passes only)."""

    sector: str
    records: pl.DataFrame
    settings: LinkSettings
    model: FellegiSunter | None = None
    parts: tuple[FrameRef, ...] = ()
    done: tuple[pl.DataFrame, pl.DataFrame] | None = None
    reuse: Reuse | None = None  # the rows that keep their cached decision (``pipelines.decision_cache``)


def plan_sector(sector: str, records: pl.DataFrame, prepared: PreparedResidents, settings: LinkSettings,
                decisions: pl.DataFrame | None, handoff: Handoff, rows: int = PARTITION_ROWS,
                model: FellegiSunter | None = None, cache: DecisionCache | None = None) -> SectorPlan:
    """Prepare a sector's records, train its model (unless a kept ``model`` is given), set aside
    the rows that keep their decision from ``cache`` and cut the others into pieces (``settings``
    already the sector's own, see ``stages.sector_settings``)."""
    if records.is_empty() or settings.method == "deterministic" or prepared.frame.is_empty():
        return SectorPlan(sector, records, settings, done=match_with_reviews(records, prepared, settings, decisions))
    rec = prepare_records(records, prepared)
    model = model or train(rec, prepared, settings)
    decided = _decided_keys(records, decisions)
    cache = cache or DecisionCache()
    reuse = split_rows(rec, model, settings, cache.sector(sector), cache.residents, prepared, decided)
    rest = reuse.rescore.with_columns(pl.col(F.RECORD_KEY).is_in(decided.implode()).alias(KEEP_ALL))
    parts = tuple(handoff.put(f"{sector}-part", piece) for piece in pieces(rest, rows))
    return SectorPlan(sector, records, settings, model, parts, reuse=replace(reuse, rescore=rest.clear()))


def _decided_keys(records: pl.DataFrame, decisions: pl.DataFrame | None) -> pl.Series:
    """``record_key`` of the records an analyst has decided on (their pairs are all kept)."""
    if decisions is None or decisions.is_empty():
        return pl.Series(F.RECORD_KEY, [], pl.UInt32)
    keyed = effective_decisions(decisions).join(record_fingerprints(records), on="record_fingerprint", how="inner")
    return keyed[F.RECORD_KEY].unique()


def link_piece(part: FrameRef, residents: ResidentsRef | PreparedResidents, model: FellegiSunter,
               settings: LinkSettings, handoff: Handoff) -> tuple[FrameRef, FrameRef, FrameRef]:
    """(decisions, kept pairs, relevant candidates) of one piece, linked against the whole extract
    (``matchers.link_part``; the relevant candidates are what ``pipelines.decision_cache`` keeps)."""
    rec = get(part)
    prepared = get_residents(residents)
    linkage = link_part(rec.drop(KEEP_ALL), prepared, model, settings)
    keep_all = rec.filter(pl.col(KEEP_ALL)).select(F.RECORD_KEY)
    name = next((c for c in model.comparisons if c.name == "name"), None)
    relevant = (relevant_candidates(linkage.pairs, prepared.frame, name.gamma_of("name_exact") if name else None)
                if RESIDENT_FP in prepared.frame.columns else pl.DataFrame())
    return (handoff.put("best", linkage.best), handoff.put("pairs", kept_pairs(linkage.best, linkage.pairs, keep_all)),
            handoff.put("relevant", relevant))


@dataclass(frozen=True)
class SectorMatch:
    """A sector matched: its records, matches (analysts' decisions applied), match_evidence rows,
    and the ``match_cache`` / ``match_cache_pairs`` rows for the next run."""

    records: pl.DataFrame
    matches: pl.DataFrame
    evidence: pl.DataFrame
    cache: pl.DataFrame = field(default_factory=pl.DataFrame)
    cache_pairs: pl.DataFrame = field(default_factory=pl.DataFrame)


def finish_sector(plan: SectorPlan, linked: list[tuple[FrameRef, FrameRef, FrameRef]], residents: pl.DataFrame,
                  decisions: pl.DataFrame | None) -> SectorMatch:
    """A sector's ``SectorMatch`` from its cached rows and its pieces' ``link_piece`` results, in
    the pieces' order."""
    if plan.done is not None:
        return SectorMatch(plan.records, *plan.done)
    reuse = plan.reuse
    raw = [reuse.best, *(get(b) for b, _, _ in linked)] if reuse is not None else [get(b) for b, _, _ in linked]
    best = finish_parts(raw, plan.settings)
    found = [frame for frame in ([reuse.pairs] if reuse is not None else []) + [get(p) for _, p, _ in linked]
             if frame.height]
    pairs = pl.concat(found, how="diagonal_relaxed") if found else pl.DataFrame()
    matches, evidence = link_with_reviews(Linkage(best, pairs, plan.model), plan.records, residents, plan.settings,
                                          decisions if decisions is not None else pl.DataFrame(schema=DECISION_SCHEMA))
    if reuse is None:
        return SectorMatch(plan.records, matches, evidence)
    relevant = [frame for frame in [reuse.relevant, *(get(r) for _, _, r in linked)] if frame.height]
    cache, cache_pairs = cache_rows(reuse, pl.concat(raw, how="vertical"),
                                    pl.concat(relevant) if relevant else reuse.relevant, pairs)
    return SectorMatch(plan.records, matches, evidence, cache, cache_pairs)
