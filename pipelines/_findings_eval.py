"""Precision and recall of the findings, per kind, against the sample generator's ground truth.

    python -m pipelines._findings_eval --residents 20000 --seed 1

The generator records, per sector row, the error codes it applied (``errors``) and the true
resident (``true_person_id``). ``expected_findings`` turns those codes into the finding each row
should get; ``score_findings`` compares with what reconcile found. Rows a contract rejects are
left out. Duplicates are scored per person and entry (the generator marks the copy; reconcile
flags the later row of the two).
"""

from __future__ import annotations

import argparse
import datetime as dt
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import polars as pl

from contracts import fields as F

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
    """Ingest, validate, match, reconcile and cross-check a commune folder with the stage functions
    (no Prefect, no DuckDB): the residency extract ``residency.*`` and sector files ``<sector>.*``."""
    from matchers import LinkSettings
    from pipelines.ingest import SourceFile
    from pipelines.reconcile import cross_sector_findings, finish_findings, sector_rows
    from pipelines.stages import ingest_stage, match_stage, period_end, reconcile_stage, sector_records, validate_stage

    as_of = period_end(period)
    res_path = next(iter(sorted(folder.glob("residency.*"))))
    residents = validate_stage(ingest_stage(SourceFile(F.RESIDENCY, res_path)), as_of).valid
    settings = LinkSettings() if method is None else LinkSettings(method=method)
    records, rows, per_sector, rejected = {}, {}, {}, []
    for sector in F.SECTORS:
        paths = sorted(folder.glob(f"{sector}.*"))
        if not paths:
            continue
        files = [validate_stage(ingest_stage(SourceFile(sector, p)), as_of) for p in paths]
        for f in files:
            if f.failures is not None and f.failures.height:
                rejected.append(f.failures.select(pl.lit(sector).alias("sector"), F.SOURCE_FILE, F.SOURCE_ROW))
        recs = sector_records(files)
        matches = match_stage(sector, recs, residents, settings)
        records[sector], rows[sector] = recs, sector_rows(recs, matches)
        per_sector[sector] = reconcile_stage(sector, files, recs, matches, residents).discrepancies
    for sector, extra in cross_sector_findings(rows, residents).items():
        per_sector[sector] = pl.concat([per_sector.get(sector, extra.head(0)), extra], how="diagonal_relaxed")
    findings = pl.concat([
        finish_findings(s, f, residents if s == F.RESIDENCY else records[s], residents).with_columns(pl.lit(s).alias("sector"))
        for s, f in per_sector.items()
    ])
    rej = (pl.concat(rejected).select("sector", pl.col(F.SOURCE_FILE).str.replace(r"^.*[/\\]", "").alias("source_file"),
                                      pl.col(F.SOURCE_ROW).cast(pl.Int64).alias("source_row")).unique()
           if rejected else None)
    return Reconciled(findings, rows, residents, rej)


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


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(prog="python -m pipelines._findings_eval", description=__doc__.splitlines()[0])
    ap.add_argument("--residents", type=int, default=20_000)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--folder", type=Path, help="an existing commune folder (else one is generated)")
    ap.add_argument("--method", default=None, help="match method (default: the matcher's default)")
    a = ap.parse_args(argv)
    folder = a.folder
    if folder is None:
        from sample_data.generate import generate_commune, write_commune
        folder = Path(tempfile.mkdtemp(prefix="doisoat-eval-"))
        write_commune(generate_commune(a.residents, seed=a.seed), folder, xlsx_sectors=())
    started = time.perf_counter()
    result = run_without_prefect(folder, method=a.method)
    took = time.perf_counter() - started
    truth = with_deaths(pl.read_csv(folder / "ground_truth.csv", infer_schema=False), result.rows)
    findings = result.findings
    scores = score_findings(findings.filter(pl.col("sector") != F.RESIDENCY),
                            expected_findings(truth, result.residents, result.rejected))
    with pl.Config(tbl_rows=60, tbl_hide_dataframe_shape=True, tbl_hide_column_data_types=True, float_precision=3):
        print(f"{folder}: {sum(r.height for r in result.rows.values())} sector rows, {findings.height} findings, "
              f"stages {took:.1f} s ({dt.date.today()})")
        print(scores)
        print("duplicates:", score_duplicates(findings, truth))
        print(score_deceased(findings, truth, result.rows))


if __name__ == "__main__":
    main()
