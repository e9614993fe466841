"""An expert Splink 5 set-up (DuckDB backend) for one sector list against the residency extract.

Benchmark-only: Splink is in the ``bench`` dependency group, never a runtime dependency.

Inputs are the validated canonical frames the pipeline produces; :func:`features` adds what a
careful Splink user would pre-compute for Vietnamese names, with doisoat's own normalisation
(``matchers.normalise``): canonical names (NFC, lower case, one tone placement, "ð"→"đ"),
folded names (no diacritics, đ→d), given name and surname of each, birth date as an ISO string
only when known to the day (a year-only date, or the "01/01/yyyy" placeholder on a sector row,
keeps just the year), birth year, IDs and gender.

Model (Fellegi–Sunter, ``link_only`` between the sector list and the residents):
- full name: exact (accented, canonical) / exact folded / Jaro-Winkler ≥ 0.95 / ≥ 0.88 on folded;
  term-frequency adjustments on the folded full name;
- given name: exact accented / exact folded / Jaro-Winkler ≥ 0.90 folded; TF on the folded given name;
- surname: exact accented / exact folded;
- birth date: exact / day and month swapped / Levenshtein ≤ 1 on the ISO string / same year where
  one side knows only the year / same year / year ± 1;
- personal ID: exact / Damerau-Levenshtein ≤ 1 (one typo or one transposition); old ID (CMND):
  exact; gender: exact. A null on either side is Splink's null level (no evidence).
- prior: ``estimate_probability_two_random_records_match`` from deterministic rules (ID; name and
  birth date), recall 0.9; u: ``estimate_u_using_random_sampling(max_pairs=1e7)``; m: EM in three
  sessions (blocked on personal ID; folded given name + birth date; folded name + birth year), so
  that each comparison is trained in a session that does not block on it.
- prediction blocking rules: personal ID; old ID; folded given name + birth year; folded full
  name; birth date + folded surname. A rule that would make more than ``max_pairs_per_rule``
  pairs for a sector (counted exactly beforehand, as Splink's blocking analysis would) is
  tightened the way an expert would: folded name → + birth year; given name + birth year →
  given name + birth date; birth date + surname → + gender.
- decision: predict with threshold 0.5; the best resident per record (highest probability) is a
  match when p ≥ 0.9, a review case when 0.5 ≤ p < 0.9; otherwise the record is unmatched.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass, field
from pathlib import Path

import duckdb
import polars as pl

from contracts import fields as F
from matchers import canonical_name, folded, given_name, surname

MATCH_THRESHOLD = 0.9
REVIEW_THRESHOLD = 0.5
U_MAX_PAIRS = 1e7
EM_MAX_PAIRS = 2e6
MAX_PAIRS_PER_RULE = 20_000_000
SEED = 1

FEATURES = ["unique_id", "name_canon", "name_folded", "given_canon", "given_folded", "surname_canon",
            "surname_folded", "dob", "birth_year", "person_id", "old_id", "gender"]

# (columns, tightened columns used when the rule would exceed MAX_PAIRS_PER_RULE)
PREDICTION_RULES: list[tuple[tuple[str, ...], tuple[str, ...] | None]] = [
    (("person_id",), None),
    (("old_id",), None),
    (("given_folded", "birth_year"), ("given_folded", "dob")),
    (("name_folded",), ("name_folded", "birth_year")),
    (("dob", "surname_folded"), ("dob", "surname_folded", "gender")),
]
EM_RULES = [("person_id",), ("given_folded", "dob"), ("name_folded", "birth_year")]
PRIOR_RULES = [("person_id",), ("name_canon", "dob")]
PRIOR_RECALL = 0.9


def features(frame: pl.DataFrame, uid: str | pl.Expr, *, sector_side: bool) -> pl.DataFrame:
    """The columns Splink compares, computed with doisoat's normalisation (polars, vectorised)."""
    uid_expr = pl.col(uid) if isinstance(uid, str) else uid
    precision = pl.col(F.BIRTH_DATE_PRECISION) if F.BIRTH_DATE_PRECISION in frame.columns else pl.lit("day")
    bd = pl.col(F.BIRTH_DATE)
    day_known = (precision == "day") & bd.is_not_null()
    if sector_side:  # "01/01/yyyy" on a sector list is a placeholder for an unknown day (DOMAIN.md)
        day_known = day_known & ~((bd.dt.month() == 1) & (bd.dt.day() == 1))
    cols = {c: (pl.col(c) if c in frame.columns else pl.lit(None, pl.String)) for c in (F.PERSON_ID, F.OLD_ID, F.GENDER)}
    out = frame.select(
        uid_expr.cast(pl.String).alias("unique_id"),
        canonical_name(F.FULL_NAME).alias("name_canon"),
        pl.when(day_known).then(bd.dt.strftime("%Y-%m-%d")).alias("dob"),
        bd.dt.year().cast(pl.Int32).alias("birth_year"),
        cols[F.PERSON_ID].alias("person_id"), cols[F.OLD_ID].alias("old_id"), cols[F.GENDER].alias("gender"),
    ).with_columns(
        pl.when(pl.col("name_canon") != "").then(pl.col("name_canon")).alias("name_canon"),
    ).with_columns(
        folded("name_canon", is_canonical=True).alias("name_folded"),
        given_name("name_canon").alias("given_canon"),
        surname("name_canon").alias("surname_canon"),
    ).with_columns(
        folded("given_canon", is_canonical=True).alias("given_folded"),
        folded("surname_canon", is_canonical=True).alias("surname_folded"),
    )
    return out.select(FEATURES)


def comparisons() -> list:
    import splink.comparison_level_library as cll
    import splink.comparison_library as cl

    def exact_tf(col: str, tf_col: str):
        return cll.ExactMatchLevel(col).configure(tf_adjustment_column=tf_col, tf_adjustment_weight=1.0)

    full_name = cl.CustomComparison(output_column_name="full_name", comparison_levels=[
        cll.NullLevel("name_folded"),
        exact_tf("name_canon", "name_folded"),
        cll.ExactMatchLevel("name_folded", term_frequency_adjustments=True),
        cll.JaroWinklerLevel("name_folded", 0.95),
        cll.JaroWinklerLevel("name_folded", 0.88),
        cll.ElseLevel(),
    ])
    given = cl.CustomComparison(output_column_name="given_name", comparison_levels=[
        cll.NullLevel("given_folded"),
        exact_tf("given_canon", "given_folded"),
        cll.ExactMatchLevel("given_folded", term_frequency_adjustments=True),
        cll.JaroWinklerLevel("given_folded", 0.9),
        cll.ElseLevel(),
    ])
    family = cl.CustomComparison(output_column_name="surname", comparison_levels=[
        cll.NullLevel("surname_folded"),
        cll.ExactMatchLevel("surname_canon"),
        cll.ExactMatchLevel("surname_folded"),
        cll.ElseLevel(),
    ])
    birth = cl.CustomComparison(output_column_name="birth_date", comparison_levels=[
        cll.NullLevel("birth_year"),
        cll.ExactMatchLevel("dob"),
        cll.CustomLevel(
            "dob_l IS NOT NULL AND dob_r IS NOT NULL AND "
            "substr(dob_l, 1, 5) || substr(dob_l, 9, 2) || '-' || substr(dob_l, 6, 2) = dob_r",
            label_for_charts="day and month swapped"),
        cll.LevenshteinLevel("dob", 1),
        cll.CustomLevel("(dob_l IS NULL OR dob_r IS NULL) AND birth_year_l = birth_year_r",
                        label_for_charts="same year, one side knows only the year"),
        cll.ExactMatchLevel("birth_year"),
        cll.AbsoluteDifferenceLevel("birth_year", 1),
        cll.ElseLevel(),
    ])
    pid = cl.CustomComparison(output_column_name="person_id", comparison_levels=[
        cll.NullLevel("person_id"),
        cll.ExactMatchLevel("person_id"),
        cll.DamerauLevenshteinLevel("person_id", 1),
        cll.ElseLevel(),
    ])
    return [full_name, given, family, birth, pid, cl.ExactMatch("old_id"), cl.ExactMatch("gender")]


def count_pairs(records: pl.DataFrame, residents: pl.DataFrame, cols: tuple[str, ...]) -> int:
    """Exact number of pairs an equi-join blocking rule makes (nulls never block together)."""
    a = records.drop_nulls(list(cols)).group_by(list(cols)).len()
    b = residents.drop_nulls(list(cols)).group_by(list(cols)).len()
    return int(a.join(b, on=list(cols)).select((pl.col("len").cast(pl.Int64) * pl.col("len_right")).sum()).item() or 0)


def choose_rules(records: pl.DataFrame, residents: pl.DataFrame, max_pairs: int) -> list[dict]:
    chosen = []
    for cols, tighter in PREDICTION_RULES:
        n = count_pairs(records, residents, cols)
        if n > max_pairs and tighter is not None:
            chosen.append({"rule": tighter, "pairs": count_pairs(records, residents, tighter),
                           "replaces": cols, "replaced_pairs": n})
        else:
            chosen.append({"rule": cols, "pairs": n})
    return chosen


@dataclass
class SplinkRun:
    best: pl.DataFrame                      # record_key, residency_id, outcome, match_probability
    seconds: dict[str, float] = field(default_factory=dict)
    rules: list[dict] = field(default_factory=list)
    predicted_pairs: int = 0
    prior: float | None = None


def link_sector(rec: pl.DataFrame, res: pl.DataFrame, *, model_path: Path | None = None,
                max_pairs_per_rule: int = MAX_PAIRS_PER_RULE, threads: int | None = None,
                u_max_pairs: float = U_MAX_PAIRS) -> SplinkRun:
    """Train and run Splink for one sector: ``rec``/``res`` are :func:`features` frames."""
    from splink import DuckDBAPI, Linker, SettingsCreator, block_on

    seconds: dict[str, float] = {}
    t = time.perf_counter()
    rules = choose_rules(rec, res, max_pairs_per_rule)
    seconds["count_blocks"] = time.perf_counter() - t

    con = duckdb.connect()
    if threads:
        con.execute(f"SET threads = {int(threads)}")
    try:
        db_api = DuckDBAPI(connection=con)
        t = time.perf_counter()
        rec_sdf = db_api.register(rec.to_arrow(), dataset_display_name="records")
        res_sdf = db_api.register(res.to_arrow(), dataset_display_name="residents")
        settings = SettingsCreator(
            link_type="link_only",
            unique_id_column_name="unique_id",
            comparisons=comparisons(),
            blocking_rules_to_generate_predictions=[block_on(*r["rule"]) for r in rules],
            retain_matching_columns=False,
            retain_intermediate_calculation_columns=False,
        )
        linker = Linker([rec_sdf, res_sdf], settings, log_level=logging.WARNING)
        seconds["register"] = time.perf_counter() - t

        t = time.perf_counter()
        linker.training.estimate_probability_two_random_records_match(
            [block_on(*r) for r in PRIOR_RULES], recall=PRIOR_RECALL)
        seconds["train_prior"] = time.perf_counter() - t
        t = time.perf_counter()
        linker.training.estimate_u_using_random_sampling(max_pairs=u_max_pairs, seed=SEED)
        seconds["train_u"] = time.perf_counter() - t
        t = time.perf_counter()
        for r in EM_RULES:
            linker.training.estimate_parameters_using_expectation_maximisation(block_on(*r), max_pairs=EM_MAX_PAIRS)
        seconds["train_em"] = time.perf_counter() - t
        prior = linker._settings_obj._probability_two_random_records_match

        t = time.perf_counter()
        pred = linker.inference.predict(threshold_match_probability=REVIEW_THRESHOLD, warning_mode="never")
        seconds["predict"] = time.perf_counter() - t

        t = time.perf_counter()
        n_pairs = pred.query_sql("SELECT count(*) AS n FROM {this}").as_record_list()[0]["n"]
        best_sdf = pred.query_sql(
            """
            WITH p AS (
                SELECT CASE WHEN source_dataset_l = 'records' THEN unique_id_l ELSE unique_id_r END AS rec,
                       CASE WHEN source_dataset_l = 'records' THEN unique_id_r ELSE unique_id_l END AS res,
                       match_probability
                FROM {this}
            )
            SELECT rec, res, match_probability FROM (
                SELECT *, row_number() OVER (PARTITION BY rec ORDER BY match_probability DESC, res) AS rn FROM p
            ) WHERE rn = 1
            """
        )
        best_pairs = pl.from_arrow(best_sdf.as_pyarrow_table())
        seconds["best"] = time.perf_counter() - t
        if model_path is not None:  # evidence for the README; not timed
            model_path.parent.mkdir(parents=True, exist_ok=True)
            linker.misc.save_model_to_json(str(model_path), overwrite=True)
    finally:
        con.close()

    best = rec.select(pl.col("unique_id").alias("rec")).join(
        best_pairs, on="rec", how="left", maintain_order="left"
    ).select(
        pl.col("rec").cast(pl.UInt32).alias("record_key"),
        pl.col("res").alias("residency_id"),
        pl.when(pl.col("match_probability") >= MATCH_THRESHOLD).then(pl.lit("matched"))
        .when(pl.col("match_probability") >= REVIEW_THRESHOLD).then(pl.lit("review"))
        .otherwise(pl.lit("unmatched")).alias("outcome"),
        pl.col("match_probability").cast(pl.Float64),
        pl.lit("splink").alias("match_method"),
    )
    return SplinkRun(best, seconds, rules, int(n_pairs), prior)
