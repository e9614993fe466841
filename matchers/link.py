"""The matcher's public entry point shared by the pipeline and the notebooks.

``link(records, residents, settings)`` takes a sector frame with a unique ``record_key`` and the
valid residency extract (both in canonical fields) and returns, per record, the chosen resident
(or none), the outcome and how it was decided, plus the scored candidate pairs with each
comparison's contribution (``bf_*``) so an analyst can see why.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field, replace

import polars as pl

from contracts import fields as F
from contracts.fields import RECORD_KEY
from matchers.blocking import (
    DEFAULT_RULES,
    RESIDENT,
    BlockingRule,
    blocking_keys,
    candidate_pairs,
    key_counts,
)
from matchers.comparison import GAMMA_MISSING, Comparison
from matchers.comparison_inputs import name_features
from matchers.comparison_library import compare, default_comparisons, explain
from matchers.decide import BEST_SCHEMA, decide, demote_claimed
from matchers.frequencies import TF_COLUMNS, NameFrequencies
from matchers.deterministic import deterministic_passes
from matchers.model import (
    PRIOR_STRENGTH,
    FellegiSunter,
    TermFrequency,
    default_m,
    level_frequencies,
    score,
    train_em,
)
from matchers.normalise import branch_place, spelling_key

PAIR_FIELDS = (F.PERSON_ID, F.OLD_ID, F.FULL_NAME, F.BIRTH_DATE, F.BIRTH_DATE_PRECISION, F.GENDER, F.ADDRESS,
               F.COMMUNE_CODE, F.COMMUNE_CANDIDATES)
FIELD_TYPES = {F.BIRTH_DATE: pl.Date}
TF_KEYS = TF_COLUMNS  # term-frequency columns of the pairs (declared on the levels) → the residents' key
HOUSEHOLD, GUARDIAN = F.HOUSEHOLD_ID, F.GUARDIAN_NAME
GUARDIAN_IN_HOUSEHOLD = "guardian_in_household"  # read by ``comparison_library.guardian_comparison``
MAX_IN_EXTRACT_SHARE = 0.9  # at most this share of a list's rows is taken to be in the extract (the prior)


@dataclass(frozen=True)
class LinkSettings:
    """Matcher settings; thresholds are match probabilities (0–1), ``min_margin`` in bits."""

    method: str = "probabilistic"
    match_threshold: float = 0.95
    review_threshold: float = 0.5
    min_margin: float = 3.0
    rules: tuple[BlockingRule, ...] = DEFAULT_RULES
    max_pairs_per_rule: int = 50_000_000
    u_sample: int = 300_000
    train_sample: int = 50_000
    one_row_per_person: bool = False  # True for lists where a person appears once (not vaccination doses)
    em_iterations: int = 50
    seed: int = 6

    def training_key(self) -> str:
        """A fingerprint of what ``train`` reads of these settings: a model kept from a run whose
        settings have the same key was trained as this run would train it."""
        read = {"rules": [[rule.name, list(rule.keys)] for rule in self.rules], "u_sample": self.u_sample,
                "train_sample": self.train_sample, "em_iterations": self.em_iterations, "seed": self.seed}
        return hashlib.sha256(json.dumps(read, sort_keys=True).encode()).hexdigest()[:16]

    def __post_init__(self) -> None:
        if self.method not in ("probabilistic", "deterministic"):
            raise ValueError(f"unknown match method {self.method!r}")
        if not 0 < self.review_threshold <= self.match_threshold < 1:
            raise ValueError("need 0 < review_threshold <= match_threshold < 1")


@dataclass(frozen=True)
class Linkage:
    """``best``: one row per record (see decide.BEST_SCHEMA). ``pairs``: scored candidate pairs with
    ``gamma_*``, ``bf_*``, ``explain_*``, ``match_weight``, ``match_probability``. ``model``: the trained
    Fellegi–Sunter parameters (None for the deterministic method)."""

    best: pl.DataFrame
    pairs: pl.DataFrame = field(default_factory=pl.DataFrame)
    model: FellegiSunter | None = None


def _fields(frame: pl.DataFrame) -> list[pl.Expr]:
    """The ``PAIR_FIELDS`` of a side; a row without an address but with a union branch is placed
    by the village the branch is named after (``normalise.branch_place``)."""
    def field(f: str) -> pl.Expr:
        expr = pl.col(f) if f in frame.columns else pl.lit(None)
        if f == F.ADDRESS and F.BRANCH in frame.columns:
            expr = pl.coalesce(expr.cast(pl.String), branch_place(F.BRANCH))
        return expr.cast(FIELD_TYPES.get(f, pl.String)).alias(f)
    return [field(f) for f in PAIR_FIELDS]


@dataclass(frozen=True)
class PreparedResidents:
    """Residents with ``resident_key``, blocking keys and name frequencies, plus what every
    ``link`` call would otherwise recompute: key counts per blocking rule, Σ tf² norms and the
    per-name comparison helpers of the residents' names (``name_features`` of side "r");
    ``frequencies``: the name frequencies the ``tf_*`` columns come from."""

    frame: pl.DataFrame
    key_counts: dict[str, pl.DataFrame]
    tf_norms: dict[str, float]
    names: pl.DataFrame | None = None
    frequencies: NameFrequencies | None = None

    def with_frequencies(self, frequencies: NameFrequencies) -> PreparedResidents:
        """The same residents scored with other name frequencies (a kept model's)."""
        if self.frequencies is not None and frequencies.version == self.frequencies.version:
            return self
        return replace(self, frame=frequencies.apply(self.frame), tf_norms=dict(frequencies.norms),
                       frequencies=frequencies)


def prepare_residents(residents: pl.DataFrame | PreparedResidents,
                      rules: tuple[BlockingRule, ...] = DEFAULT_RULES) -> PreparedResidents:
    """Prepare the residency extract once; pass the result to several ``link`` calls (idempotent)."""
    if isinstance(residents, PreparedResidents):
        return residents
    household = pl.col(HOUSEHOLD) if HOUSEHOLD in residents.columns else pl.lit(None, pl.String)
    frame = blocking_keys(residents.select(*_fields(residents), household.cast(pl.String).alias(HOUSEHOLD))
                          .with_row_index(RESIDENT))
    # Keys that only some sector rows carry (no date; a year-only date) match every resident.
    frame = frame.with_columns(pl.col("bk_year").alias("bk_coarse_year"), pl.lit(1, pl.Int8).alias("bk_no_date"))
    n = max(frame.height, 1)
    frame = frame.with_columns((pl.len().over(key) / n).alias(column) for column, key in TF_KEYS.items())
    counts = {rule.name: key_counts(frame, rule) for rule in rules}
    frequencies = NameFrequencies.of(frame)
    return PreparedResidents(frame, counts, dict(frequencies.norms), name_features(frame[F.FULL_NAME], "r"),
                             frequencies)


def _prepare_records(records: pl.DataFrame, residents: pl.DataFrame) -> pl.DataFrame:
    guardian = pl.col(GUARDIAN) if GUARDIAN in records.columns else pl.lit(None, pl.String)
    frame = blocking_keys(records.select(pl.col(RECORD_KEY).cast(pl.UInt32), *_fields(records),
                                         spelling_key(guardian.cast(pl.String)).alias("bk_guardian")))
    known = residents.select(pl.col(F.PERSON_ID).alias("bk_person_id"), pl.col(RESIDENT).alias("id_owner"))
    frame = frame.join(known.drop_nulls("bk_person_id").unique("bk_person_id"), on="bk_person_id", how="left",
                       maintain_order="left")
    return frame.with_columns(
        (pl.col(F.PERSON_ID).is_not_null() & pl.col("id_owner").is_null()).alias("id_orphan")
    )


def _pairs_frame(index: pl.DataFrame, records: pl.DataFrame, residents: pl.DataFrame) -> pl.DataFrame:
    """Attach both sides' fields (``_l`` sector, ``_r`` residency) to ``record_key, resident_key``
    pairs, and ``guardian_in_household`` (see ``_guardian_in_household``)."""
    left = records.select(RECORD_KEY, "id_owner", *[pl.col(f).alias(f"{f}_l") for f in PAIR_FIELDS],
                          *(["bk_guardian"] if "bk_guardian" in records.columns else []))
    right = residents.select(RESIDENT, "tf_name", "tf_given", *[pl.col(f).alias(f"{f}_r") for f in PAIR_FIELDS],
                             *([HOUSEHOLD] if HOUSEHOLD in residents.columns else []))
    pairs = index.join(left, on=RECORD_KEY, how="left", maintain_order="left").join(
        right, on=RESIDENT, how="left", maintain_order="left"
    )
    return _guardian_in_household(pairs, residents)


def _guardian_in_household(pairs: pl.DataFrame, residents: pl.DataFrame) -> pl.DataFrame:
    """``guardian_in_household``: the mother or carer the row names (a vaccination book's "Họ tên
    mẹ") is, by spelling key, someone of the candidate's household; null when the row names
    nobody or the candidate has no household."""
    known = pl.col("bk_guardian").is_not_null() & pl.col(HOUSEHOLD).is_not_null()
    if "bk_guardian" not in pairs.columns or HOUSEHOLD not in pairs.columns or not pairs.select(known.any()).item():
        return pairs.with_columns(pl.lit(None, pl.Boolean).alias(GUARDIAN_IN_HOUSEHOLD)).drop(
            "bk_guardian", HOUSEHOLD, strict=False)
    asked = pairs.filter(known).select(HOUSEHOLD).unique()  # only the households some row names a carer in
    members = (residents.join(asked, on=HOUSEHOLD, how="semi")
               .select(pl.col(HOUSEHOLD), pl.col("bk_name").alias("bk_guardian")).drop_nulls().unique())
    found = pairs.join(members.with_columns(pl.lit(True).alias("_member")), on=[HOUSEHOLD, "bk_guardian"],
                       how="left", maintain_order="left")
    return found.with_columns(
        pl.when(known).then(pl.col("_member").fill_null(False)).alias(GUARDIAN_IN_HOUSEHOLD)
    ).drop("_member", "bk_guardian", HOUSEHOLD)


def _neutralise_foreign_ids(pairs: pl.DataFrame, comparisons: dict[str, Comparison]) -> pl.DataFrame:
    """An ID that belongs to another resident is no evidence for or against this pair.

    - The row's ID is this resident's but name and birth date both clearly disagree (a parent's ID
      on a child's row): not a match by that ID; ``id_disowned`` marks the pair.
    - The row's ID belongs to a different resident: the ID comparison becomes missing.
    """
    id_c, name_c, dob_c = comparisons["id"], comparisons["name"], comparisons["birth_date"]
    id_equal = id_c.gamma_of("id_equal")
    # The name "clearly disagrees" below every level that could be a slip of the same name.
    weakest_slip = name_c.gamma_of("name_ends")
    name_weak = pl.col(name_c.output_name).is_between(0, weakest_slip - 1)
    dob_else = pl.col(dob_c.output_name) == 0
    disowned = (pl.col(id_c.output_name) == id_equal) & name_weak & dob_else
    foreign = pl.col("id_owner").is_not_null() & (pl.col("id_owner") != pl.col(RESIDENT))
    return pairs.with_columns(disowned.alias("id_disowned")).with_columns(
        pl.when(pl.col("id_disowned") | foreign).then(pl.lit(GAMMA_MISSING, pl.Int8))
        .otherwise(pl.col(id_c.output_name)).alias(id_c.output_name)
    )


def _compare(index: pl.DataFrame, records: pl.DataFrame, residents: pl.DataFrame,
             comparisons: tuple[Comparison, ...], names: dict[str, pl.DataFrame] | None = None,
             dedupe: bool = True) -> pl.DataFrame:
    """Gammas of the ``index`` pairs; ``names``: per side, `name_features` of all its names."""
    pairs = compare(_pairs_frame(index, records, residents), comparisons, dedupe=dedupe,
                    names=names)  # cmp_* helpers dropped
    return _neutralise_foreign_ids(pairs, {c.name: c for c in comparisons})


def score_pairs(index: pl.DataFrame, rec: pl.DataFrame, prepared: PreparedResidents,
                model: FellegiSunter) -> pl.DataFrame:
    """The ``record_key, resident_key`` pairs of ``index`` (records of ``prepare_records``, residents of
    ``prepared``) compared and scored as ``link_part`` scores them (``gamma_*``, ``bf_*``, weights)."""
    return score(_compare(index, rec, prepared.frame, model.comparisons, _names(rec, prepared)), model)


def _random_pairs(records: pl.DataFrame, residents: pl.DataFrame, n: int, seed: int) -> pl.DataFrame:
    """``n`` random (record, resident) pairs, drawn from both sides in their ``content_order``."""
    n = min(n, records.height * residents.height)
    left = content_order(records, RECORD_KEY, seed).sample(n, with_replacement=True, seed=seed)
    right = content_order(residents, RESIDENT, seed + 1).sample(n, with_replacement=True, seed=seed + 1)
    return pl.concat([left, right], how="horizontal")


def content_order(frame: pl.DataFrame, key: str, seed: int) -> pl.DataFrame:
    """``key`` of every row, ordered by a hash of the row's matching fields (``PAIR_FIELDS``) alone:
    a sample drawn from it is the same whatever order the rows come in, so a re-sorted list or
    extract trains the same model. Rows with the same fields (interchangeable) keep their order."""
    fields = [f for f in PAIR_FIELDS if f in frame.columns]
    if not fields:
        return frame.select(key)
    return frame.select(key, pl.struct(fields).hash(seed).alias("_order")).sort("_order", maintain_order=True).select(key)


def _initial_m(confirmed: pl.DataFrame, comparisons: tuple[Comparison, ...]) -> dict[str, dict[int, float]]:
    """Expert m, moved towards the level shares of pairs confirmed by ID and name/birth date."""
    start = default_m(comparisons)
    if confirmed.height == 0:
        return start
    seen = level_frequencies(confirmed, comparisons)
    n = confirmed.height
    return {
        c.name: start[c.name] if c.name == "id" else {
            g: (n * seen[c.name][g] + PRIOR_STRENGTH * start[c.name][g]) / (n + PRIOR_STRENGTH) for g in start[c.name]
        }
        for c in comparisons
    }


def link(records: pl.DataFrame, residents: pl.DataFrame | PreparedResidents,
         settings: LinkSettings = LinkSettings()) -> Linkage:
    """Assign each record at most one resident: matched, review or unmatched, with its evidence.

    ``residents`` is the valid extract in canonical fields, or ``prepare_residents`` of it. The
    same as ``train`` once, ``link_part`` over any split of the prepared records, and
    ``finish_parts`` over the pieces (the pipeline's partitioned match).
    """
    if RECORD_KEY not in records.columns:
        raise ValueError(f"records need a unique {RECORD_KEY!r} column")
    if settings.method == "deterministic":
        if records.is_empty():
            return Linkage(pl.DataFrame(schema=BEST_SCHEMA))
        frame = residents.frame if isinstance(residents, PreparedResidents) else residents
        best = deterministic_passes(records, frame.select(_fields(frame)))
        return Linkage(best.with_columns(
            pl.col("residency_id").alias("best_candidate_id"),
            pl.col("match_probability").alias("best_candidate_probability"),
        ).cast(BEST_SCHEMA))
    prepared = prepare_residents(residents, settings.rules)
    rec = prepare_records(records, prepared)
    if rec.is_empty() or prepared.frame.is_empty():
        return Linkage(_nobody(rec))
    model = train(rec, prepared, settings)
    part = link_part(rec, prepared, model, settings)
    return Linkage(finish_parts([part.best], settings), part.pairs, model)


def _nobody(rec: pl.DataFrame) -> pl.DataFrame:
    """Every record unmatched (an empty list or an empty extract)."""
    return rec.select(RECORD_KEY).with_columns(pl.lit("unmatched").alias("outcome")).with_columns(
        [pl.lit(None).alias(c) for c in BEST_SCHEMA if c not in (RECORD_KEY, "outcome")]).select(
        list(BEST_SCHEMA)).cast(BEST_SCHEMA)


def prepare_records(records: pl.DataFrame, residents: PreparedResidents) -> pl.DataFrame:
    """A sector's records with blocking keys, ``id_owner`` (the resident whose personal ID the row
    shows) and ``id_orphan``: the input of ``train`` and ``link_part``."""
    return _prepare_records(records, residents.frame)


def _settled(id_pairs: pl.DataFrame, rec: pl.DataFrame, res: pl.DataFrame) -> pl.DataFrame:
    """``record_key`` of the records whose personal ID is a resident's with the name or the birth
    date agreeing: their candidates are settled, they skip the name-based blocking rules."""
    checked = id_pairs.join(rec.select(RECORD_KEY, "bk_name", F.BIRTH_DATE), on=RECORD_KEY).join(
        res.select(RESIDENT, pl.col("bk_name").alias("name_r"), pl.col(F.BIRTH_DATE).alias("dob_r")), on=RESIDENT)
    return checked.filter(
        (pl.col("bk_name") == pl.col("name_r")).fill_null(False) | (pl.col(F.BIRTH_DATE) == pl.col("dob_r")).fill_null(False)
    ).select(RECORD_KEY).unique()


def _names(rec: pl.DataFrame, prepared: PreparedResidents) -> dict[str, pl.DataFrame]:
    names = {"l": name_features(rec[F.FULL_NAME], "l"), "r": prepared.names}
    return {side: table for side, table in names.items() if table is not None}


def link_part(rec: pl.DataFrame, prepared: PreparedResidents, model: FellegiSunter,
              settings: LinkSettings) -> Linkage:
    """Block, compare, score and decide one piece of ``prepare_records`` against the whole extract.

    Every piece is blocked against every resident, so a split of the records loses no pair; only
    the list-wide rule of ``finish_parts`` is left for the whole list."""
    res, counts = prepared.frame, prepared.key_counts
    comparisons = model.comparisons
    # 1. A personal ID equal with the name or the birth date agreeing settles the candidates:
    #    such records skip the name-based blocking rules (most rows, at any scale).
    id_rule, *other_rules = settings.rules
    id_pairs = candidate_pairs(rec, res, (id_rule,), settings.max_pairs_per_rule, counts)
    settled = _settled(id_pairs, rec, res)
    # 2. Every other record is blocked on the remaining rules.
    open_records = rec.join(settled, on=RECORD_KEY, how="anti")
    other_pairs = candidate_pairs(open_records, res, tuple(other_rules), settings.max_pairs_per_rule, counts)
    index = pl.concat([id_pairs, other_pairs.with_columns(pl.col("rule") + 1)]).group_by(RECORD_KEY, RESIDENT).agg(
        pl.col("rule").min()).sort(RECORD_KEY, RESIDENT)
    pairs = _compare(index, rec, res, comparisons, _names(rec, prepared))
    scored = explain(score(pairs, model), comparisons)
    best = decide(scored, rec, **_decide_args(replace(settings, one_row_per_person=False), comparisons))
    return Linkage(best, scored, model)


def finish_parts(bests: list[pl.DataFrame], settings: LinkSettings) -> pl.DataFrame:
    """The decisions of a whole list from its pieces' ``link_part(...).best``: the list-wide rule
    of a list where a person appears once (``decide.demote_claimed``) applied across them."""
    best = pl.concat(bests, how="vertical") if bests else pl.DataFrame(schema=BEST_SCHEMA)
    best = best.sort(RECORD_KEY) if len(bests) > 1 else best
    return demote_claimed(best) if settings.one_row_per_person else best


def train(rec: pl.DataFrame, prepared: PreparedResidents, settings: LinkSettings) -> FellegiSunter:
    """Fellegi–Sunter parameters for one list (``prepare_records``), learnt once from a sample of it
    and shared by all its pieces: u from random pairs; m by EM in two sessions, as Splink does, so
    that a comparison's m is never learnt from pairs blocked on it; the prior; term frequencies."""
    comparisons = default_comparisons()
    res, counts = prepared.frame, prepared.key_counts
    id_rule, *rest = settings.rules
    other_rules = tuple(rest)
    # random pairs seldom share a name, a date or an ID: compared row by row
    random_pairs = _compare(_random_pairs(rec, res, settings.u_sample, settings.seed), rec, res, comparisons,
                            {"r": prepared.names} if prepared.names is not None else None, dedupe=False)
    u = level_frequencies(random_pairs, comparisons)
    id_c = next(c for c in comparisons if c.name == "id")
    for tag in ("id_equal", "old_id_equal"):
        g = id_c.gamma_of(tag)
        u["id"][g] = min(u["id"][g], 1 / max(res.height, 1))
    chosen = content_order(rec, RECORD_KEY, settings.seed).head(settings.train_sample)
    sample = chosen.join(rec, on=RECORD_KEY, how="left", maintain_order="left")
    names = _names(sample, prepared)
    # Session 1, pairs blocked on the personal ID: m of name, birth date, gender and place.
    id_index = candidate_pairs(sample, res, (id_rule,), settings.max_pairs_per_rule, counts)
    settled = _settled(id_index, sample, res)
    by_id = _compare(id_index, sample, res, comparisons, names)
    m = _initial_m(by_id.join(settled, on=RECORD_KEY, how="semi"), comparisons)
    if by_id.height:
        m = train_em(by_id, comparisons, u, m, 0.9, max_iterations=settings.em_iterations, fixed_m=("id",)).m
    # Session 2, pairs blocked on names and dates: m of the ID comparison.
    by_name = _compare(candidate_pairs(sample, res, other_rules, settings.max_pairs_per_rule, counts),
                       sample, res, comparisons, names)
    # The sample's pairs as ``link_part`` blocks them (settled records: their ID pairs only).
    pairs = pl.concat([by_id, by_name.join(settled, on=RECORD_KEY, how="anti")], how="vertical").unique(
        [RECORD_KEY, RESIDENT], keep="first")
    non_id = tuple(c.name for c in comparisons if c.name != "id")
    model = train_em(by_name if by_name.height else by_id, comparisons, u, m,
                     max(settled.height, 1) / max(pairs.height, 1), max_iterations=settings.em_iterations,
                     fixed_m=non_id)
    # Scoring uses u from random pairs, so its prior is the chance that a random (record, resident)
    # pair matches: the records confidently matched among the candidates / all possible pairs. A
    # row is one person at most, so that prior is set against the row being nobody in the extract:
    # odds ρ/N : (1 − ρ), ρ the share of rows in the extract (held ≤ 0.9, a cautious bound),
    # estimated on the sample.
    likely = score(pairs, model).filter(pl.col("match_probability") >= 0.5).select(RECORD_KEY).n_unique()
    share = min((likely + 1) / (sample.height + 2), MAX_IN_EXTRACT_SHARE)  # smoothed: a list of one row says little
    odds = share / res.height / (1 - share)
    model.prior = min(odds / (1 + odds), 0.5)
    model.term_frequencies = tuple(
        TermFrequency(c.name, c.term_frequency_levels(column), column, prepared.tf_norms[key])
        for c in comparisons for column, key in TF_KEYS.items() if c.term_frequency_levels(column)
    )
    model.name_frequencies = prepared.frequencies.version if prepared.frequencies is not None else None
    return model


def _decide_args(settings: LinkSettings, comparisons: tuple[Comparison, ...]) -> dict:
    id_c = next(c for c in comparisons if c.name == "id")
    return dict(
        match_threshold=settings.match_threshold, review_threshold=settings.review_threshold,
        min_margin=settings.min_margin, id_equal_gamma=id_c.gamma_of("id_equal"),
        id_typo_gamma=id_c.gamma_of("id_one_edit"), old_id_gamma=id_c.gamma_of("old_id_equal"),
        name_exact_gamma=next((c.gamma_of("name_exact") for c in comparisons if c.name == "name"), None),
        one_row_per_person=settings.one_row_per_person,
    )


def decision_args(settings: LinkSettings = LinkSettings()) -> dict:
    """Keyword arguments of ``matchers.decide.decide`` for ``settings`` and the default comparisons
    (to decide rows again after an analyst rejected one of their candidates)."""
    return _decide_args(settings, default_comparisons())
