"""A run scored against a ground truth (the sample generator's ``ground_truth.csv``).

- ``evaluate(outcomes, truth)``: precision and recall of the matches, per sector.
- ``expected_findings`` / ``score_findings``: the finding each row should get from the errors the
  generator applied, against what reconcile found (rows a contract rejects are left out;
  duplicates are scored per person and entry). ``score_duplicates``, ``score_deceased`` likewise.
- ``run_without_prefect(folder)``: the stages (``stages.run_stages``) over a commune folder, in
  this process, for tests and ``bench/findings.py``.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import polars as pl

from contracts import fields as F
from matchers import LinkSettings
from pipelines.findings import sector_rows
from pipelines.ingest import SourceFile
from pipelines.stages import run_stages


def evaluate(outcomes: pl.DataFrame, truth: pl.DataFrame) -> pl.DataFrame:
    """Per sector: precision (matched rows linked to the right resident) and recall (rows of residents
    linked to them). ``outcomes`` is record_outcomes; ``truth`` has sector, source_file (a file name),
    source_row, true_person_id (empty for non-residents)."""
    joined = outcomes.with_columns(
        pl.col("source_file").str.replace(r"^.*[/\\]", "").alias("file_name"),
        pl.col("source_row").cast(pl.Int64),
    ).join(
        truth.select(
            "sector", pl.col("source_file").alias("file_name"), pl.col("source_row").cast(pl.Int64),
            pl.col("true_person_id").cast(pl.String).replace("", None),
        ),
        on=["sector", "file_name", "source_row"], how="inner",
    )
    matched = pl.col("outcome") == "matched"
    correct = matched & (pl.col("residency_id") == pl.col("true_person_id")).fill_null(False)
    return joined.group_by("sector", maintain_order=True).agg(
        pl.len().alias("rows"),
        matched.sum().alias("matched"),
        correct.sum().alias("correct"),
        pl.col("true_person_id").is_not_null().sum().alias("residents_in_list"),
    ).with_columns(
        (pl.col("correct") / pl.col("matched")).alias("precision"),
        (pl.col("correct") / pl.col("residents_in_list")).alias("recall"),
    ).sort("sector")


def read_truth(path: Path) -> pl.DataFrame:
    """The generator's ground_truth.csv."""
    return pl.read_csv(path, infer_schema=False)


SPELLING = ("i_y", "typo", "telex_leftover")


def _has(code: str) -> pl.Expr:
    return pl.col("errors").fill_null("").str.split(";").list.contains(code)


def expected_findings(truth: pl.DataFrame, residents: pl.DataFrame, rejected: pl.DataFrame | None = None) -> pl.DataFrame:
    """``sector, file_name, source_row, field, kind`` each truth row should produce, plus police
    findings (sector ``residency``) keyed by ``residency_id`` in ``source_row`` = null."""
    prec = residents.select(pl.col(F.PERSON_ID).alias("true_person_id"), pl.col(F.BIRTH_DATE_PRECISION).alias("_prec_r"))
    t = truth.with_columns(pl.col("source_row").cast(pl.Int64), pl.col("true_person_id").cast(pl.String).replace("", None)) \
        .join(prec, on="true_person_id", how="left")
    if rejected is not None and rejected.height:
        t = t.join(rejected, on=["sector", "source_file", "source_row"], how="anti")
    resident = pl.col("true_person_id").is_not_null()
    spelling = pl.any_horizontal(*[_has(c) for c in SPELLING]) | (_has("hoi_nga") & ~_has("no_diacritics"))
    day_r = pl.col("_prec_r") == "day"
    rules: list[tuple[pl.Expr, str, str]] = [
        (resident & _has("middle_dropped") & ~spelling, "full_name", "middle_name_missing"),
        (resident & _has("middle_added") & ~spelling, "full_name", "middle_name_extra"),
        (resident & spelling, "full_name", "different"),
        (resident & _has("no_diacritics") & ~spelling & ~_has("middle_dropped") & ~_has("middle_added"),
         "full_name", "missing_diacritics"),
        (resident & _has("dob_missing"), "birth_date", "missing"),
        (resident & (_has("year_only") | _has("dob_placeholder")) & day_r, "birth_date", "less_precise"),
        (resident & _has("day_month_swap") & day_r, "birth_date", "day_month_swapped"),
        (resident & (_has("birth_year_off1") | (_has("birth_digit_typo") & day_r)), "birth_date", "different"),
        (resident & _has("gender_wrong"), "gender", "different"),
        (resident & _has("gender_missing"), "gender", "missing"),
        (resident & _has("id_missing"), "person_id", "missing"),
        (resident & _has("old_cmnd_given"), "person_id", "old_id_given"),
        (resident & (_has("id_typo") | _has("id_transposed")), "person_id", "different"),
        (resident & _has("parent_id"), "person_id", "belongs_to_other_resident"),
        (resident & _has("id_lost_zero"), "person_id", "lost_leading_zero"),
        (_has("id_scientific"), "person_id", "unreadable"),
        (~resident & ~((pl.col("sector") == "civil_status") & pl.col("_death")), "record", "not_in_residency"),
    ]
    t = t.with_columns(pl.col("_death").fill_null(False) if "_death" in t.columns else pl.lit(False).alias("_death"))
    parts = [t.filter(cond).select("sector", pl.col("source_file").alias("file_name"), "source_row",
                                   pl.lit(field).alias("field"), pl.lit(kind).alias("kind"))
             for cond, field, kind in rules]
    return pl.concat(parts).unique()


def score_findings(found: pl.DataFrame, expected: pl.DataFrame) -> pl.DataFrame:
    """Per (field, kind): expected, found, true positives, precision, recall."""
    key = ["sector", "file_name", "source_row", "field", "kind"]
    got = found.select(
        "sector", pl.col("source_file").str.replace(r"^.*[/\\]", "").alias("file_name"),
        pl.col("source_row").cast(pl.Int64), "field", "kind").unique()
    tp = got.join(expected, on=key, how="semi").group_by("field", "kind").len("tp")
    n_found = got.group_by("field", "kind").len("found")
    n_exp = expected.group_by("field", "kind").len("expected")
    return (
        n_exp.join(n_found, on=["field", "kind"], how="full", coalesce=True)
        .join(tp, on=["field", "kind"], how="left")
        .with_columns(pl.col("expected", "found", "tp").fill_null(0))
        .with_columns((pl.col("tp") / pl.col("found")).alias("precision"),
                      (pl.col("tp") / pl.col("expected")).alias("recall"))
        .sort("field", "kind")
    )


def score_duplicates(found: pl.DataFrame, truth: pl.DataFrame) -> dict[str, float]:
    """A flagged row is right when it or the row it repeats is a generator copy (``duplicate_row``);
    a copy is found when it is flagged or is the row a flagged row repeats."""
    t = truth.select("sector", "source_file", pl.col("source_row").cast(pl.Int64), _has("duplicate_row").alias("_dup"))
    flagged = found.filter(pl.col("kind").is_in(["duplicate_in_list", "duplicate_payment"])).select(
        "sector", pl.col("source_file").str.replace(r"^.*[/\\]", ""), pl.col("source_row").cast(pl.Int64),
        pl.col("related_row").cast(pl.Int64),
    )
    key = ["sector", "source_file", "source_row"]
    flagged = flagged.join(t, on=key, how="left").join(
        t.rename({"source_row": "related_row", "_dup": "_rel_dup"}), on=["sector", "source_file", "related_row"], how="left")
    tp = flagged.filter(pl.col("_dup").fill_null(False) | pl.col("_rel_dup").fill_null(False)).height
    hits = pl.concat([flagged.select(*key), flagged.select("sector", "source_file", pl.col("related_row").alias("source_row"))])
    dups = t.filter(pl.col("_dup"))
    hit = dups.join(hits.unique(), on=key, how="semi").height
    return {"expected": dups.height, "found": flagged.height,
            "precision": round(tp / flagged.height, 3) if flagged.height else float("nan"),
            "recall": round(hit / dups.height, 3) if dups.height else float("nan")}


def score_deceased(found: pl.DataFrame, truth: pl.DataFrame, records: dict[str, pl.DataFrame]) -> pl.DataFrame:
    """Police (``deceased_in_residency``, by resident) and list (``deceased_still_listed``, by row)."""
    cs = records.get("civil_status", pl.DataFrame())
    t = truth.with_columns(pl.col("source_row").cast(pl.Int64), pl.col("true_person_id").cast(pl.String))
    if cs.is_empty():
        return pl.DataFrame()
    deaths = cs.filter(pl.col("event_type").str.to_lowercase().str.contains("khai tử")).select(
        pl.col(F.SOURCE_FILE).str.replace(r"^.*[/\\]", "").alias("source_file"), pl.col(F.SOURCE_ROW).cast(pl.Int64),
    ).with_columns(pl.lit("civil_status").alias("sector")).join(t, on=["sector", "source_file", "source_row"])
    dead = deaths["true_person_id"].drop_nulls().unique()
    police = found.filter(pl.col("kind") == "deceased_in_residency")["residency_id"].unique()
    listed_truth = t.filter(pl.col("sector").is_in(["social_protection", "social_insurance", "union_membership"])
                            & pl.col("true_person_id").is_in(dead.implode()))
    listed = found.filter(pl.col("kind") == "deceased_still_listed").select(
        "sector", pl.col("source_file").str.replace(r"^.*[/\\]", ""), pl.col("source_row").cast(pl.Int64))
    tp_l = listed.join(listed_truth, on=["sector", "source_file", "source_row"], how="semi").height
    tp_p = police.is_in(dead.implode()).sum()
    return pl.DataFrame({
        "kind": ["deceased_in_residency", "deceased_still_listed"],
        "expected": [dead.len(), listed_truth.height], "found": [police.len(), listed.height], "tp": [tp_p, tp_l],
    }).with_columns((pl.col("tp") / pl.col("found")).alias("precision"), (pl.col("tp") / pl.col("expected")).alias("recall"))


@dataclass
class Reconciled:
    """What ``run_without_prefect`` produced: finished findings (with ``sector``), each sector's
    rows with their outcome, the residents, and the lineage of rejected rows (file name)."""

    findings: pl.DataFrame
    rows: dict[str, pl.DataFrame]
    residents: pl.DataFrame
    rejected: pl.DataFrame | None


def run_without_prefect(folder: Path, period: str = "2026-11", method: str | None = None) -> Reconciled:
    """Every stage over a commune folder (``residency.*`` and ``<sector>.*`` files), in this
    process: no Prefect, no DuckDB, no analysts' decisions."""
    sources = [SourceFile(F.RESIDENCY, next(iter(sorted(folder.glob("residency.*")))))]
    sources += [SourceFile(sector, p) for sector in F.SECTORS for p in sorted(folder.glob(f"{sector}.*"))]
    settings = LinkSettings() if method is None else LinkSettings(method=method)
    done = run_stages(sources, period, settings)
    rows = {sector: sector_rows(records, matches) for sector, (records, matches) in done.matched.items()}
    findings = pl.concat([r.discrepancies.with_columns(pl.lit(r.sector).alias("sector")) for r in done.results])
    rejected = [f.failures.select(pl.lit(f.source.source).alias("sector"), F.SOURCE_FILE, F.SOURCE_ROW)
                for f in done.files if f.source.source != F.RESIDENCY and f.failures is not None and f.failures.height]
    rej = (pl.concat(rejected).select("sector", pl.col(F.SOURCE_FILE).str.replace(r"^.*[/\\]", "").alias("source_file"),
                                      pl.col(F.SOURCE_ROW).cast(pl.Int64).alias("source_row")).unique()
           if rejected else None)
    return Reconciled(findings, rows, done.residents, rej)


def with_deaths(truth: pl.DataFrame, rows: dict[str, pl.DataFrame]) -> pl.DataFrame:
    """The truth with ``_death`` (the civil-status row registers a death), which the rules need."""
    cs = rows.get("civil_status")
    if cs is None or cs.is_empty() or "event_type" not in cs.columns:
        return truth
    deaths = cs.filter(pl.col("event_type").str.to_lowercase().str.contains("khai tử")).select(
        pl.lit("civil_status").alias("sector"),
        pl.col(F.SOURCE_FILE).str.replace(r"^.*[/\\]", "").alias("source_file"),
        pl.col(F.SOURCE_ROW).cast(pl.String).alias("source_row"), pl.lit(True).alias("_death"))
    return truth.with_columns(pl.col("source_row").cast(pl.String)).join(
        deaths, on=["sector", "source_file", "source_row"], how="left")
