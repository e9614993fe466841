"""Shared helpers of the bench scripts: datasets, the real pipeline stages, scoring, memory.

Not a test module and not part of the package: the scripts put ``bench/`` on ``sys.path``
simply by being run as ``python bench/<script>.py``.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import platform
import shutil
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import polars as pl

from contracts import fields as F
from contracts.fields import RECORD_KEY
from matchers import LinkSettings, folded
from pipelines.ingest import SourceFile
from pipelines.stages import FileResult, ingest_stage, sector_records, validate_stage
from sample_data.generate import REF_DATE, SECTORS

BENCH = Path(__file__).resolve().parent
OUT = BENCH / "out"
DATA = OUT / "data"
DEFAULT_SEED = 1
AS_OF = REF_DATE  # the generated data are dated 31/10/2026; validate as of that day
# Rows the generator makes invalid on purpose: a contract must reject them, so they are left
# out of the recall denominators (reported as "rejected" instead).
INVALID_CODES = ("invalid_empty_name", "invalid_date", "invalid_future_dob")


# ---- environment -------------------------------------------------------------------------------
def default_method() -> str:
    """The method the pipeline uses by default (``LinkSettings().method``)."""
    return LinkSettings().method


def peak_rss_mb() -> float:
    """Peak resident set size of this process (VmHWM, since start or the last reset), MB."""
    with open("/proc/self/status") as fh:
        for line in fh:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    import resource
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def rss_mb() -> float:
    with open("/proc/self/status") as fh:
        for line in fh:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return float("nan")


def reset_peak_rss() -> bool:
    """Reset VmHWM to the current RSS (Linux ≥ 4.0: write 5 to /proc/self/clear_refs)."""
    try:
        with open("/proc/self/clear_refs", "w") as fh:
            fh.write("5")
        return True
    except OSError:
        return False


def code_state() -> dict:
    """Which code was measured: git HEAD, whether matchers/ has uncommitted changes, and a hash of
    the matchers/*.py contents (the matcher changes often; numbers belong to one state)."""
    import hashlib
    root = BENCH.parent
    digest = hashlib.sha256()
    for path in sorted((root / "matchers").glob("*.py")):
        digest.update(path.name.encode() + b"\0" + path.read_bytes())
    def git(*args: str) -> str:
        try:
            return subprocess.run(["git", *args], cwd=root, capture_output=True, text=True, timeout=10).stdout.strip()
        except (OSError, subprocess.SubprocessError):
            return ""
    return {"git_head": git("rev-parse", "--short", "HEAD"),
            "matchers_dirty": bool(git("status", "--porcelain", "--", "matchers")),
            "matchers_sha256": digest.hexdigest()[:12]}


def machine() -> dict:
    return {
        "python": platform.python_version(), "cpus": os.cpu_count(), "polars": pl.__version__,
        "platform": platform.platform(), "date": dt.datetime.now().isoformat(timespec="seconds"),
        "load_average": os.getloadavg(), **code_state(),
    }


# ---- datasets ----------------------------------------------------------------------------------
def dataset(residents: int, seed: int = DEFAULT_SEED) -> Path:
    """Directory of a generated commune (CSV only), generated once into bench/out/data/.

    Generation runs in a child process so it never counts towards a bench's time or memory.
    """
    target = DATA / f"r{residents}_s{seed}"
    if (target / "ground_truth.csv").exists():
        return target
    tmp = DATA / f".tmp_r{residents}_s{seed}_{os.getpid()}"
    shutil.rmtree(tmp, ignore_errors=True)
    tmp.parent.mkdir(parents=True, exist_ok=True)
    print(f"generating {residents:,} residents (seed {seed}) → {target}", file=sys.stderr, flush=True)
    subprocess.run([sys.executable, "-m", "sample_data.generate", "--residents", str(residents),
                    "--seed", str(seed), "--out", str(tmp), "--csv-only"],
                   check=True, stdout=subprocess.DEVNULL)
    if target.exists():  # a concurrent run got there first
        shutil.rmtree(tmp)
    else:
        tmp.rename(target)
    return target


def dataset_second(residents: int, seed: int = DEFAULT_SEED) -> Path:
    """The same extract with sector lists from the second, independent error model
    (``bench/second_model.py``), built once into bench/out/data/."""
    import second_model

    source = dataset(residents, seed)
    target = DATA / f"r{residents}_s{seed}_second"
    if not (target / "ground_truth.csv").exists():
        print(f"building the second error model's lists → {target}", file=sys.stderr, flush=True)
        second_model.build(source / "residency.csv", target, seed + 10)
    return target


def read_truth(data_dir: Path) -> pl.DataFrame:
    """ground_truth.csv: sector, source_file (a file name), source_row, true_person_id, errors."""
    return pl.read_csv(data_dir / "ground_truth.csv", infer_schema=False).select(
        "sector", pl.col("source_file").alias("file_name"), pl.col("source_row").cast(pl.Int64),
        pl.col("true_person_id").replace("", None), pl.col("errors").replace("", None),
    )


# ---- the pipeline stages (no Prefect) ----------------------------------------------------------
@dataclass
class Loaded:
    """The residency extract and every sector after ingest and validation."""

    residents: pl.DataFrame
    files: dict[str, FileResult]              # source ("residency" or a sector) → validated file
    records: dict[str, pl.DataFrame]          # sector → sector_records(...) (with record_key)
    timings: dict[str, dict[str, float]] = field(default_factory=dict)  # stage → source → seconds
    peaks: dict[str, float] = field(default_factory=dict)               # stage → VmHWM MB


def load(data_dir: Path, sectors: tuple[str, ...] = SECTORS, *, track_peaks: bool = False) -> Loaded:
    """ingest_stage → validate_stage for the extract and each sector file, then sector_records."""
    sources = [F.RESIDENCY, *sectors]
    timings: dict[str, dict[str, float]] = {"ingest": {}, "validate": {}, "sector_records": {}}
    peaks: dict[str, float] = {}
    ingested: dict[str, FileResult] = {}
    if track_peaks:
        reset_peak_rss()
    for s in sources:
        t = time.perf_counter()
        ingested[s] = ingest_stage(SourceFile(s, data_dir / f"{s}.csv"))
        timings["ingest"][s] = time.perf_counter() - t
        if ingested[s].error:
            raise SystemExit(f"{s}: {ingested[s].error}")
    peaks["ingest"] = peak_rss_mb()
    if track_peaks:
        reset_peak_rss()
    files: dict[str, FileResult] = {}
    for s in sources:
        t = time.perf_counter()
        files[s] = validate_stage(ingested[s], AS_OF)
        timings["validate"][s] = time.perf_counter() - t
    del ingested
    peaks["validate"] = peak_rss_mb()
    records: dict[str, pl.DataFrame] = {}
    for s in sectors:
        t = time.perf_counter()
        records[s] = sector_records([files[s]])
        timings["sector_records"][s] = time.perf_counter() - t
    return Loaded(files[F.RESIDENCY].valid, files, records, timings, peaks)


def outcomes(sector: str, loaded_files: FileResult | None, records: pl.DataFrame, best: pl.DataFrame) -> pl.DataFrame:
    """One row per data row of the sector file: file_name, source_row, outcome, residency_id,
    match_probability, match_method (rejected rows included, as the pipeline records them)."""
    valid = records.select(RECORD_KEY, F.SOURCE_FILE, F.SOURCE_ROW).join(
        best.select(RECORD_KEY, "outcome", "residency_id", "match_probability", "match_method"),
        on=RECORD_KEY, how="left", maintain_order="left",
    ).with_columns(pl.col("outcome").fill_null("unmatched")).drop(RECORD_KEY)
    parts = [valid]
    if loaded_files is not None and loaded_files.failures is not None and loaded_files.failures.height:
        parts.append(loaded_files.failures.select(F.SOURCE_FILE, F.SOURCE_ROW).unique().with_columns(
            pl.lit("rejected").alias("outcome"), pl.lit(None, pl.String).alias("residency_id"),
            pl.lit(None, pl.Float64).alias("match_probability"), pl.lit(None, pl.String).alias("match_method"),
        ))
    return pl.concat(parts, how="vertical_relaxed").select(
        pl.lit(sector).alias("sector"),
        pl.col(F.SOURCE_FILE).str.replace(r"^.*[/\\]", "").alias("file_name"),
        pl.col(F.SOURCE_ROW).cast(pl.Int64),
        "outcome", "residency_id", "match_probability", "match_method",
    )


# ---- scoring -----------------------------------------------------------------------------------
def namesake_classes(records: dict[str, pl.DataFrame], residents: pl.DataFrame) -> pl.DataFrame:
    """Per valid sector row: sector, file_name, source_row, ``same_name`` (its folded name is a
    resident's folded name), ``same_name_dob`` (folded name and birth date both equal one
    resident's) and ``own_id`` (the row shows a 12-digit personal ID that belongs to no resident).
    Observable definitions: they do not depend on how the generator chose them."""
    res = residents.select(folded(F.FULL_NAME).alias("_name"), pl.col(F.BIRTH_DATE).alias("_dob"))
    known_ids = residents[F.PERSON_ID].drop_nulls().implode()
    names = res.select("_name").unique().with_columns(pl.lit(True).alias("same_name"))
    name_dob = res.unique().with_columns(pl.lit(True).alias("same_name_dob"))
    parts = []
    for sector, rec in records.items():
        if rec.is_empty():
            continue
        r = rec.select(
            pl.lit(sector).alias("sector"),
            pl.col(F.SOURCE_FILE).str.replace(r"^.*[/\\]", "").alias("file_name"),
            pl.col(F.SOURCE_ROW).cast(pl.Int64),
            folded(F.FULL_NAME).alias("_name"), pl.col(F.BIRTH_DATE).alias("_dob"),
            (pl.col(F.PERSON_ID).str.contains(r"^\d{12}$").fill_null(False)
             & ~pl.col(F.PERSON_ID).is_in(known_ids).fill_null(False)).alias("own_id")
            if F.PERSON_ID in rec.columns else pl.lit(False).alias("own_id"),
        )
        r = r.join(names, on="_name", how="left", maintain_order="left").join(
            name_dob, on=["_name", "_dob"], how="left", maintain_order="left")
        parts.append(r.select("sector", "file_name", "source_row",
                              pl.col("same_name").fill_null(False), pl.col("same_name_dob").fill_null(False),
                              "own_id"))
    return pl.concat(parts)


def evaluation_frame(outcome_rows: pl.DataFrame, truth: pl.DataFrame, classes: pl.DataFrame) -> pl.DataFrame:
    """Ground truth joined to outcomes (one row per ground-truth row) with scoring flags."""
    joined = truth.join(outcome_rows, on=["sector", "file_name", "source_row"], how="left",
                        maintain_order="left").join(
        classes, on=["sector", "file_name", "source_row"], how="left", maintain_order="left")
    resident = pl.col("true_person_id").is_not_null()
    invalid = pl.col("errors").fill_null("").str.contains("|".join(INVALID_CODES))
    matched = pl.col("outcome") == "matched"
    return joined.with_columns(
        pl.col("outcome").fill_null("missing"),
        resident.alias("is_resident"),
        (resident & ~invalid).alias("in_scope"),
        invalid.alias("is_invalid"),
        matched.alias("is_matched"),
        (matched & (pl.col("residency_id") == pl.col("true_person_id")).fill_null(False)).alias("is_correct"),
        ((pl.col("outcome") == "review") & (pl.col("residency_id") == pl.col("true_person_id")).fill_null(False))
        .alias("review_right"),
        pl.col("same_name").fill_null(False), pl.col("same_name_dob").fill_null(False),
        pl.col("own_id").fill_null(False),
    )


def _f1(p: float | None, r: float | None) -> float | None:
    if p is None or r is None or p + r == 0:
        return None
    return 2 * p * r / (p + r)


def _ratio(a: int, b: int) -> float | None:
    return a / b if b else None


def sector_metrics(ev: pl.DataFrame) -> list[dict]:
    """Per sector and overall ("ALL"): precision, recall, F1 and the counts behind them."""
    out = []
    for sector, part in [*((s, ev.filter(pl.col("sector") == s)) for s in SECTORS), ("ALL", ev)]:
        if part.is_empty():
            continue
        c = part.select(
            pl.len().alias("rows"),
            (pl.col("outcome") == "rejected").sum().alias("rejected"),
            pl.col("in_scope").sum().alias("residents"),
            (~pl.col("is_resident")).sum().alias("non_residents"),
            pl.col("is_matched").sum().alias("matched"),
            pl.col("is_correct").sum().alias("correct"),
            (pl.col("is_matched") & pl.col("is_resident") & ~pl.col("is_correct")).sum().alias("wrong_resident"),
            (pl.col("is_matched") & ~pl.col("is_resident")).sum().alias("non_resident_matched"),
            (pl.col("outcome") == "review").sum().alias("review"),
            (pl.col("in_scope") & (pl.col("outcome") == "review")).sum().alias("residents_review"),
            pl.col("review_right").sum().alias("review_right"),
            (pl.col("outcome") == "unmatched").sum().alias("unmatched"),
            (pl.col("is_correct") & pl.col("in_scope")).sum().alias("correct_in_scope"),
        ).row(0, named=True)
        p = _ratio(c["correct"], c["matched"])
        r = _ratio(c["correct_in_scope"], c["residents"])
        out.append({"sector": sector, **c, "precision": p, "recall": r, "f1": _f1(p, r)})
    return out


def namesake_metrics(ev: pl.DataFrame) -> list[dict]:
    """Non-resident rows by kind: how many were matched (should be ~0), sent to review, unmatched."""
    nonres = ev.filter(~pl.col("is_resident") & (pl.col("outcome") != "rejected"))
    kinds = [
        ("non-residents, all", pl.lit(True)),
        ("… sharing a resident's name", pl.col("same_name")),
        ("… sharing the name only (another birth date)", pl.col("same_name") & ~pl.col("same_name_dob")),
        ("… sharing name and birth date", pl.col("same_name_dob")),
        ("… … showing their own ID", pl.col("same_name_dob") & pl.col("own_id")),
        ("… … without an ID of their own", pl.col("same_name_dob") & ~pl.col("own_id")),
        ("… with a name no resident has", ~pl.col("same_name")),
    ]
    out = []
    for label, cond in kinds:
        for sector in ("ALL", *SECTORS):
            part = nonres.filter(cond) if sector == "ALL" else nonres.filter(cond & (pl.col("sector") == sector))
            n = part.height
            if n == 0:
                continue
            counts = dict(part.group_by("outcome").len().iter_rows())
            out.append({
                "kind": label, "sector": sector, "rows": n,
                "matched": _ratio(counts.get("matched", 0), n),
                "review": _ratio(counts.get("review", 0), n),
                "unmatched": _ratio(counts.get("unmatched", 0), n),
                "matched_rows": counts.get("matched", 0),
            })
    return out


def _recall_aggregates() -> list[pl.Expr]:
    """Per group of resident rows: rows, recall and where the rest went."""
    return [
        pl.len().alias("rows"),
        pl.col("is_correct").mean().alias("recall"),
        (pl.col("outcome") == "review").mean().alias("review"),
        pl.col("review_right").mean().alias("review_right"),
        (pl.col("is_matched") & ~pl.col("is_correct")).mean().alias("wrong"),
        (pl.col("outcome") == "unmatched").mean().alias("unmatched"),
        (pl.col("outcome") == "rejected").mean().alias("rejected"),
    ]


def error_count_metrics(ev: pl.DataFrame) -> list[dict]:
    """Recall by how many error codes a resident's row carries (0, 1, 2, 3+)."""
    rows = ev.filter(pl.col("in_scope")).with_columns(
        pl.col("errors").str.split(";").list.len().fill_null(0).clip(0, 3).alias("n"))
    agg = rows.group_by("n").agg(_recall_aggregates()).sort("n")
    return [{**x, "errors": "3+" if x["n"] == 3 else str(x["n"])} for x in agg.to_dicts()]


def error_type_metrics(ev: pl.DataFrame) -> list[dict]:
    """Recall per error code over rows of residents (a row with several codes counts for each)."""
    rows = ev.filter(pl.col("in_scope")).with_columns(
        pl.col("errors").fill_null("(clean)").str.split(";").alias("code")).explode("code")
    agg = rows.group_by("code").agg(_recall_aggregates()).sort("recall", "code")
    return agg.to_dicts()


def score(outcome_rows: pl.DataFrame, truth: pl.DataFrame, classes: pl.DataFrame) -> dict:
    ev = evaluation_frame(outcome_rows, truth, classes)
    return {"sectors": sector_metrics(ev), "non_residents": namesake_metrics(ev),
            "error_types": error_type_metrics(ev), "error_counts": error_count_metrics(ev)}


# ---- printing ----------------------------------------------------------------------------------
def fmt(v, spec: str = ".4f") -> str:
    if v is None:
        return "–"
    if isinstance(v, bool):
        return "yes" if v else "NO"
    if isinstance(v, float):
        return format(v, spec)
    if isinstance(v, int):
        return f"{v:,}"
    return str(v)


def table(rows: list[dict], columns: list[tuple[str, str, str]]) -> str:
    """Markdown table: columns are (key, header, format spec)."""
    head = "| " + " | ".join(h for _, h, _ in columns) + " |"
    sep = "| " + " | ".join("---" if i == 0 else "---:" for i in range(len(columns))) + " |"
    body = ["| " + " | ".join(fmt(r.get(k), spec) for k, _, spec in columns) + " |" for r in rows]
    return "\n".join([head, sep, *body])


def write_json(name: str, payload: dict) -> Path:
    OUT.mkdir(parents=True, exist_ok=True)
    path = OUT / name
    path.write_text(json.dumps(payload, indent=2, ensure_ascii=False, default=str))
    return path
