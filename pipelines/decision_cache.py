"""The decision cache: a sector row keeps the commune's last decision on it when nothing that
decision read has changed, and is neither blocked nor scored again.

A row's decision (``matchers.link_part``) reads its own matching fields, the residents it is
blocked with (their fields, name frequencies and household) and the model. Per sector and row
fingerprint the cache keeps the decision before the list-wide rule, the pairs kept for the
evidence, and the fingerprints of the row's *relevant* candidates: its three best, every one with
a pair probability of at least ``decide.COMPETITOR_FLOOR``, every one with exactly its name (when
the row has no birth date) and the owner of its personal ID: the only candidates the decision and
the evidence read. A later run decides a row again unless all of these hold:
- its fingerprint is in the cache under the same key (model version, decision settings, scheme);
- each relevant candidate is still in the extract with the same fingerprint;
- no carer the row names joined or left a relevant candidate's household;
- no resident new to the extract (born, moved in, corrected) who shares a blocking key with it
  would, scored against it, be a relevant candidate;
- no analyst has decided on it (such rows keep every pair and are always scored).
Such a row would meet the same relevant candidates, scored alike (the same model with the same
kept name frequencies), and be decided alike: the candidates that left are ones it did not read.
"""

from __future__ import annotations

import hashlib
import json
import logging
from dataclasses import dataclass, field
from pathlib import Path

import polars as pl

from contracts import fields as F
from matchers import BEST_SCHEMA, FellegiSunter, LinkSettings, PreparedResidents, score_pairs
from matchers.blocking import RESIDENT, candidate_pairs
from matchers.decide import COMPETITOR_FLOOR
from matchers.link import HOUSEHOLD, PAIR_FIELDS
from pipelines.store import open_db

LOG = logging.getLogger(__name__)  # counts only
SCHEME = 2  # raise when what a decision reads changes in a way the model version does not show
HASH_SEED = 20
ROW_FP, RESIDENT_FP, MEMBER_FP = "row_fp", "resident_fp", "member_fp"
RELEVANT_RANK = 3  # pipelines.partitions.EVIDENCE_CANDIDATES: the evidence shows the best three
BEST_COLUMNS = [c for c in BEST_SCHEMA if c != F.RECORD_KEY]
PAIR_COLUMNS = ["person_id_r", f"{F.PERSON_ID}_l", "match_weight", "match_probability"]


def cache_key(model: FellegiSunter, settings: LinkSettings) -> str:
    """What a cached decision is valid for: the model's version and the settings ``decide`` reads."""
    read = {"scheme": SCHEME, "model": model.version, "match": settings.match_threshold,
            "review": settings.review_threshold, "margin": settings.min_margin,
            "one_row_per_person": settings.one_row_per_person,
            "rules": [[rule.name, list(rule.keys)] for rule in settings.rules]}
    return hashlib.sha256(json.dumps(read, sort_keys=True).encode()).hexdigest()[:16]


def with_resident_fingerprints(prepared: PreparedResidents) -> PreparedResidents:
    """The prepared extract with ``resident_fp``, a hash of what a pair reads of a resident (the
    matching fields, the name frequencies, the household), and ``member_fp``, a hash of its
    household and its name: the guardian comparison looks a row's carer up among the members of a
    candidate's household, so a birth or a death there matters only to rows naming that person."""
    frame = prepared.frame
    if RESIDENT_FP in frame.columns:
        return prepared
    fields = [c for c in (*PAIR_FIELDS, "tf_name", "tf_given", HOUSEHOLD) if c in frame.columns]
    household = pl.col(HOUSEHOLD) if HOUSEHOLD in frame.columns else pl.lit(None, pl.String)
    return PreparedResidents(frame.with_columns(
        pl.struct(fields).hash(HASH_SEED).alias(RESIDENT_FP),
        pl.when(household.is_not_null()).then(_member(household, pl.col("bk_name"))).alias(MEMBER_FP),
    ), prepared.key_counts, prepared.tf_norms, prepared.names, prepared.frequencies)


def _member(household: pl.Expr, name: pl.Expr) -> pl.Expr:
    return pl.struct(household.cast(pl.String).alias("h"), name.alias("n")).hash(HASH_SEED)


def row_fingerprints(rec: pl.DataFrame) -> pl.Series:
    """``row_fp`` per row of ``prepare_records``: a hash of the row's matching fields."""
    fields = [c for c in (*PAIR_FIELDS, "bk_guardian") if c in rec.columns]
    return rec.select(pl.struct(fields).hash(HASH_SEED).alias(ROW_FP)).to_series()


def _relevant(pairs: pl.DataFrame, name_exact: int | None, floor: pl.Expr) -> pl.Expr:
    """Whether a scored pair is one its row's decision or evidence reads (``floor``: the weight a
    candidate must reach to be among the row's best three)."""
    keep = ((pl.col("match_weight") >= floor) | (pl.col("match_probability") >= COMPETITOR_FLOOR)
            | (pl.col("person_id_r") == pl.col(f"{F.PERSON_ID}_l")).fill_null(False))
    if name_exact is not None and "gamma_name" in pairs.columns:
        # the "sole exact name" rule of ``decide`` counts them, for a row without a birth date only
        # (residents always have one, so only then is a pair's birth date level missing)
        undated = pl.col(f"{F.BIRTH_DATE}_l").is_null() if f"{F.BIRTH_DATE}_l" in pairs.columns else pl.lit(True)
        keep = keep | ((pl.col("gamma_name") == name_exact) & undated)
    return keep


def relevant_candidates(pairs: pl.DataFrame, residents: pl.DataFrame, name_exact: int | None) -> pl.DataFrame:
    """``record_key, relevant, floor_weight``: per record of the scored ``pairs``, the sorted
    fingerprints of the candidates its decision and evidence read (see the module's docstring)
    and the weight of its third best (null with fewer: any newcomer would be among the best)."""
    if pairs.is_empty():
        return _no_relevant()
    third = pl.col("match_weight").sort(descending=True).slice(RELEVANT_RANK - 1, 1).first()
    ranked = pairs.with_columns(third.over(F.RECORD_KEY).alias("floor_weight"))
    chosen = ranked.filter(_relevant(pairs, name_exact, pl.col("floor_weight").fill_null(float("-inf")))).select(
        F.RECORD_KEY, RESIDENT, "floor_weight").join(residents.select(RESIDENT, RESIDENT_FP), on=RESIDENT, how="left")
    return chosen.group_by(F.RECORD_KEY).agg(pl.col(RESIDENT_FP).unique().sort().alias("relevant"),
                                             pl.col("floor_weight").first())


@dataclass(frozen=True)
class SectorCache:
    """One sector's cached decisions: ``rows`` (row_fp, the decision columns, relevant) and
    ``pairs`` (row_fp, the kept pair columns), valid under ``key``."""

    key: str
    rows: pl.DataFrame
    pairs: pl.DataFrame


@dataclass(frozen=True)
class DecisionCache:
    """What the commune's last run left: the fingerprints of its extract and each sector's cache
    (none: every row is scored)."""

    residents: pl.DataFrame | None = None  # resident_fp, household, member_fp of the extract it read
    sectors: dict[str, SectorCache] = field(default_factory=dict)
    stored: tuple[str, str] | None = None  # (database, run_id) whose sectors ``sector`` reads when asked

    def sector(self, sector: str) -> SectorCache | None:
        """One sector's cached decisions: read from the database only when its list is planned, so
        that a run holds one sector's cache at a time, not all of them from its start."""
        if sector in self.sectors or self.stored is None:
            return self.sectors.get(sector)
        db, run_id = self.stored
        con = open_db(Path(db), read_only=True)
        try:
            rows = con.sql("SELECT * EXCLUDE (run_id, sector) FROM match_cache WHERE run_id = ? AND sector = ?",
                           params=[run_id, sector]).pl()
            pairs = con.sql("SELECT * EXCLUDE (run_id, sector) FROM match_cache_pairs WHERE run_id = ? AND sector = ?",
                            params=[run_id, sector]).pl()
        finally:
            con.close()
        if rows.is_empty():
            return None
        return SectorCache(rows["cache_key"][0], rows.drop("cache_key"), pairs)

    @classmethod
    def from_tables(cls, rows: pl.DataFrame, pairs: pl.DataFrame, residents: pl.DataFrame) -> DecisionCache:
        """The cache a run wrote: its ``match_cache`` and ``match_cache_pairs`` rows (with
        ``sector``) and its ``cache_residents`` rows."""
        if residents.is_empty():
            return cls()
        pairs_of = ({sector: part.drop("sector") for (sector,), part in pairs.partition_by("sector", as_dict=True).items()}
                    if pairs.height else {})
        sectors = {sector: SectorCache(part["cache_key"][0], part.drop("sector", "cache_key"),
                                       pairs_of.get(sector, pl.DataFrame(schema={ROW_FP: pl.UInt64})))
                   for (sector,), part in rows.partition_by("sector", as_dict=True).items()} if rows.height else {}
        return cls(residents.select(RESIDENT_FP, pl.col("household").alias(HOUSEHOLD), MEMBER_FP), sectors)


CACHE_TABLES = ("match_cache", "match_cache_pairs", "cache_residents")


def load_cache(db: Path, commune: str | None = None) -> DecisionCache:
    """The decision cache the commune's last run wrote in ``db`` (empty when there is none): its
    residents now, each sector's rows when ``DecisionCache.sector`` asks for them."""
    db = Path(db)
    if not db.exists():
        return DecisionCache()
    con = open_db(db, read_only=True)
    try:
        tables = {row[0] for row in con.execute("SELECT table_name FROM information_schema.tables").fetchall()}
        if not {*CACHE_TABLES, "runs"} <= tables:
            return DecisionCache()
        latest = con.execute("""
            SELECT run_id FROM runs WHERE commune IS NOT DISTINCT FROM ?
              AND run_id IN (SELECT run_id FROM cache_residents)
            ORDER BY finished_at DESC, started_at DESC LIMIT 1""", [commune]).fetchall()
        if not latest:
            return DecisionCache()
        run_id = latest[0][0]
        residents = con.sql("SELECT resident_fp, household, member_fp FROM cache_residents WHERE run_id = ?",
                            params=[run_id]).pl()
    finally:
        con.close()
    return DecisionCache(residents.select(RESIDENT_FP, pl.col("household").alias(HOUSEHOLD), MEMBER_FP),
                         stored=(str(db), run_id))


@dataclass(frozen=True)
class Reuse:
    """A sector's rows split by the cache: ``fingerprints`` (record_key, row_fp) of every row;
    the cached ``best`` decisions, kept ``pairs`` and ``relevant`` candidates of the rows that keep
    theirs; ``rescore``: the ``prepare_records`` rows to link; ``new_rows``: rows not in the cache."""

    key: str
    fingerprints: pl.DataFrame
    best: pl.DataFrame
    pairs: pl.DataFrame
    relevant: pl.DataFrame
    rescore: pl.DataFrame
    new_rows: int
    always: pl.Series  # record keys always linked (analysts decided on them), never cached

    @property
    def reused(self) -> int:
        return self.best.height


def split_rows(rec: pl.DataFrame, model: FellegiSunter, settings: LinkSettings, cached: SectorCache | None,
               before: pl.DataFrame | None, prepared: PreparedResidents, always: pl.Series) -> Reuse:
    """Which of ``rec`` (``prepare_records``, ordered by record_key) keep their cached decision and
    which are linked again (``always``: record keys that are always linked, analysts decided on them).
    A resident new to the extract who shares a blocking key with a cached row is scored against it
    (``matchers.score_pairs``): the row is linked again only when that candidate would be one its
    decision or evidence reads (among its best three, p ≥ 0.2, its exact name, its ID's owner)."""
    key = cache_key(model, settings)
    fingerprints = rec.select(F.RECORD_KEY).with_columns(row_fingerprints(rec))
    empty = Reuse(key, fingerprints, pl.DataFrame(schema=BEST_SCHEMA), pl.DataFrame(), _no_relevant(), rec,
                  rec.height, always)
    if cached is None or cached.key != key or before is None or rec.is_empty():
        return empty
    now = prepared.frame.select(RESIDENT, RESIDENT_FP)
    gone = cached.rows.select(ROW_FP, "relevant").explode("relevant").drop_nulls("relevant").join(
        now.select(pl.col(RESIDENT_FP).alias("relevant")), on="relevant", how="anti").select(ROW_FP).unique()
    if "bk_guardian" in rec.columns and rec["bk_guardian"].null_count() < rec.height:
        gone = pl.concat([gone, _carers_household_changed(rec, fingerprints, cached, before, prepared)])
    valid = cached.rows.join(gone, on=ROW_FP, how="anti")
    known = fingerprints.join(cached.rows.select(ROW_FP), on=ROW_FP, how="semi")
    candidates = known.join(valid.select(ROW_FP), on=ROW_FP, how="semi").filter(
        ~pl.col(F.RECORD_KEY).is_in(always.implode()))
    arrived = prepared.frame.filter(~pl.col(RESIDENT_FP).is_in(before[RESIDENT_FP].implode()))
    before_blocking = candidates.height
    if arrived.height and candidates.height:
        open_rows = rec.join(candidates.select(F.RECORD_KEY), on=F.RECORD_KEY, how="semi")
        near = candidate_pairs(open_rows, arrived, settings.rules, settings.max_pairs_per_rule)
        if near.height:
            name = next((c for c in model.comparisons if c.name == "name"), None)
            scored = score_pairs(near.select(F.RECORD_KEY, RESIDENT), open_rows, prepared, model).join(
                candidates.join(valid.select(ROW_FP, "floor_weight"), on=ROW_FP, how="left").select(
                    F.RECORD_KEY, "floor_weight"), on=F.RECORD_KEY, how="left")
            matters = scored.filter(_relevant(scored, name.gamma_of("name_exact") if name else None,
                                              pl.col("floor_weight").fill_null(float("-inf"))))
            candidates = candidates.join(matters.select(F.RECORD_KEY).unique(), on=F.RECORD_KEY, how="anti")
    LOG.info("cache: %d rows known, %d read a resident who changed or left, %d meet a new resident; "
             "%d residents new or changed", known.height, known.height - known.join(valid.select(ROW_FP), on=ROW_FP,
                                                                                   how="semi").height,
             before_blocking - candidates.height if arrived.height else 0, arrived.height)
    reuse = candidates.sort(F.RECORD_KEY)
    best = reuse.join(valid.select(ROW_FP, *BEST_COLUMNS), on=ROW_FP, how="left").select(
        F.RECORD_KEY, *BEST_COLUMNS).cast(BEST_SCHEMA)
    relevant = reuse.join(valid.select(ROW_FP, "relevant", "floor_weight"), on=ROW_FP, how="left").select(
        F.RECORD_KEY, "relevant", "floor_weight")
    owners = rec.select(F.RECORD_KEY, "id_owner")
    pairs = reuse.join(cached.pairs, on=ROW_FP, how="inner").drop(ROW_FP).join(
        owners, on=F.RECORD_KEY, how="left").sort(F.RECORD_KEY, maintain_order=True)
    return Reuse(key, fingerprints, best, pairs, relevant, rec.join(reuse.select(F.RECORD_KEY), on=F.RECORD_KEY,
                                                                     how="anti"),
                 rec.height - known.height, always)


def _carers_household_changed(rec: pl.DataFrame, fingerprints: pl.DataFrame, cached: SectorCache,
                              before: pl.DataFrame, prepared: PreparedResidents) -> pl.DataFrame:
    """``row_fp`` of the cached rows naming a carer who joined or left the household of one of
    their relevant candidates (the guardian comparison looks for the carer there)."""
    now = prepared.frame.select(MEMBER_FP).drop_nulls().unique()
    was = before.select(MEMBER_FP).drop_nulls().unique()
    changed = pl.concat([now.join(was, on=MEMBER_FP, how="anti"), was.join(now, on=MEMBER_FP, how="anti")])
    if changed.is_empty():
        return pl.DataFrame(schema={ROW_FP: pl.UInt64})
    carers = fingerprints.with_columns(rec["bk_guardian"]).drop_nulls("bk_guardian").select(
        ROW_FP, "bk_guardian").unique(ROW_FP)
    households = before.drop_nulls(HOUSEHOLD).select(pl.col(RESIDENT_FP).alias("relevant"), HOUSEHOLD).unique("relevant")
    looked_up = cached.rows.join(carers, on=ROW_FP, how="inner").select(ROW_FP, "bk_guardian", "relevant").explode(
        "relevant").join(households, on="relevant", how="inner")
    return looked_up.with_columns(_member(pl.col(HOUSEHOLD), pl.col("bk_guardian")).alias(MEMBER_FP)).join(
        changed, on=MEMBER_FP, how="semi").select(ROW_FP).unique()


def _no_relevant() -> pl.DataFrame:
    return pl.DataFrame(schema={F.RECORD_KEY: pl.UInt32, "relevant": pl.List(pl.UInt64), "floor_weight": pl.Float64})


def cache_rows(reuse: Reuse, raw_best: pl.DataFrame, relevant: pl.DataFrame,
               pairs: pl.DataFrame) -> tuple[pl.DataFrame, pl.DataFrame]:
    """(``match_cache`` rows, ``match_cache_pairs`` rows) of a sector: one per distinct row
    fingerprint, from the decisions before the list-wide rule (rows ``always`` linked left out)."""
    first = reuse.fingerprints.filter(~pl.col(F.RECORD_KEY).is_in(reuse.always.implode())).unique(
        ROW_FP, keep="first", maintain_order=True)
    rows = first.join(raw_best.select(F.RECORD_KEY, *BEST_COLUMNS), on=F.RECORD_KEY, how="inner").join(
        relevant, on=F.RECORD_KEY, how="left").with_columns(
        pl.col("relevant").fill_null(pl.lit([], pl.List(pl.UInt64))), pl.lit(reuse.key).alias("cache_key"))
    kept = pairs.join(first, on=F.RECORD_KEY, how="inner") if pairs.height else pl.DataFrame()
    columns = [ROW_FP, *PAIR_COLUMNS, *(c for c in kept.columns if c.startswith(("gamma_", "bf_")))]
    return rows.drop(F.RECORD_KEY), kept.select(columns) if kept.height else pl.DataFrame()


def residents_rows(prepared: PreparedResidents) -> pl.DataFrame:
    """The ``cache_residents`` rows: the fingerprint of every resident this run's decisions read."""
    household = pl.col(HOUSEHOLD) if HOUSEHOLD in prepared.frame.columns else pl.lit(None, pl.String)
    return prepared.frame.select(RESIDENT_FP, household.cast(pl.String).alias("household"), MEMBER_FP)
