"""The whole ``doisoat run`` end to end, every output written: wall time, stage times, peak memory.

    .venv/bin/python bench/whole_run.py --residents 100000 1000000 [--runs 1] [--workers N]

Each size runs the real command (``python -m pipelines.cli run``: Prefect flow, DuckDB, correction
lists, report) in a child process on a commune generated once into bench/out/data/ (not timed),
with a fresh database and output folder. Wall time is measured around the child; the stage times
and the process's peak memory are the ones the run summary prints ("Stages: ingest 4.5 s, …
· peak memory 2,168 MB"); "startup" is wall minus the stages (interpreter, imports, Prefect's
temporary server, reading ahead). Growth from the smallest to each larger size is reported against the size
ratio. The inputs are read while Prefect's server boots (``pipelines.readahead``): what was
read by then counts in "startup", not in "ingest". ``--workers N`` runs the match pieces on a temporary local Dask cluster of N processes
(its start is in the match stage). Writes bench/out/whole_run_r<sizes>[_wN].json.
"""

from __future__ import annotations

import argparse
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import _common as C
import polars as pl

from sample_data.generate import SECTORS

STAGES = re.compile(r"^Stages:\s+(?P<stages>.*) · peak memory (?P<peak>[0-9,.]+) MB", re.MULTILINE)
MATCH_STEPS = re.compile(r"^Matching: .*\((?P<steps>train .*)\)$", re.MULTILINE)
ROWS = re.compile(r"^Rows:\s+(?P<kept>\d+) kept their decision, (?P<scored>\d+) scored \((?P<new>\d+) new", re.MULTILINE)


def run_once(data: Path, workers: int | None = None) -> dict:
    """One ``doisoat run`` over a generated commune into a fresh database; its wall time, stage
    times and peak memory."""
    work = Path(tempfile.mkdtemp(prefix="doisoat_whole_"))
    try:
        return run_command(data, work / "doisoat.duckdb", work / "out", "2026-10",
                           ["--workers", str(workers)] if workers else [])
    finally:
        shutil.rmtree(work, ignore_errors=True)


def run_command(data: Path, db: Path, out: Path, period: str, extra: list[str] | None = None) -> dict:
    """One ``doisoat run`` over the commune in ``data`` into ``db`` (kept); what ``run_once`` reports,
    and the summary's ``Rows:`` counts (kept, scored, new) when it prints them."""
    command = [sys.executable, "-m", "pipelines.cli", "run", "--residency", str(data / "residency.csv"),
               *[arg for s in SECTORS for arg in ("--sector", f"{s}={data / f'{s}.csv'}")],
               "--period", period, "--db", str(db), "--out", str(out), *(extra or [])]
    started = time.perf_counter()
    done = subprocess.run(command, capture_output=True, text=True)
    wall = time.perf_counter() - started
    if done.returncode != 0:
        raise SystemExit(f"doisoat run failed ({done.returncode}):\n{done.stderr[-2000:]}")
    found = STAGES.search(done.stdout)
    if not found:
        raise SystemExit("no 'Stages:' line in the run summary")
    parts = [re.match(r"(.+?) ([0-9.]+) s(?: \(([0-9.]+) GB\))?$", part.strip()).groups()
             for part in found["stages"].split(", ")]
    stages = {name: float(took) for name, took, _ in parts}
    peaks = {name: float(gb) for name, _, gb in parts if gb}
    found_steps = MATCH_STEPS.search(done.stdout)
    steps = {name: float(took) for name, took in re.findall(r"(\w+) ([0-9.]+) s", found_steps["steps"])} \
        if found_steps else {}
    outputs = sum(1 for _ in out.rglob("*") if _.is_file())
    db_mb = db.stat().st_size / 1e6
    rows = ROWS.search(done.stdout)
    return {"wall_s": wall, "stages_s": stages, "match_steps_s": steps, "stage_peaks_gb": peaks, "startup_s": wall - sum(stages.values()),
            "peak_rss_mb": float(found["peak"].replace(",", "")), "output_files": outputs, "db_mb": db_mb,
            **({"rows_kept": int(rows["kept"]), "rows_scored": int(rows["scored"]), "rows_new": int(rows["new"])}
               if rows else {})}


def median_run(runs: list[dict]) -> dict:
    """The run of median wall time, with min and max wall beside it."""
    ordered = sorted(runs, key=lambda r: r["wall_s"])
    chosen = dict(ordered[len(ordered) // 2])
    chosen.update(wall_min_s=ordered[0]["wall_s"], wall_max_s=ordered[-1]["wall_s"], runs=len(runs))
    return chosen


def table(size: int, rows: int, run: dict) -> str:
    lines = [f"## doisoat run — {size:,} residents, {rows:,} sector rows "
             f"(median of {run['runs']}, wall {run['wall_min_s']:.1f}–{run['wall_max_s']:.1f} s)", "",
             "| stage | wall s | peak memory GB |", "| --- | ---: | ---: |"]
    lines += [f"| {name} | {took:.1f} | {run['stage_peaks_gb'].get(name, float('nan')):.1f} |"
              for name, took in run["stages_s"].items()]
    lines += [f"| · match {name} | {took:.1f} | |" for name, took in run.get("match_steps_s", {}).items()]
    lines += [f"| startup (interpreter, imports, Prefect; inputs read ahead meanwhile) | {run['startup_s']:.1f} | |",
              f"| **whole run** | **{run['wall_s']:.1f}** | |", "",
              f"peak memory {run['peak_rss_mb']:,.0f} MB · {run['output_files']} output files · "
              f"database {run['db_mb']:,.0f} MB", ""]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--residents", type=int, nargs="+", default=[100_000, 1_000_000])
    parser.add_argument("--seed", type=int, default=C.DEFAULT_SEED)
    parser.add_argument("--runs", type=int, default=1, help="runs per size (the median is reported)")
    parser.add_argument("--workers", type=int, default=None, help="match on a local Dask cluster of N processes")
    args = parser.parse_args(argv)
    results = {}
    for size in sorted(args.residents):
        data = C.dataset(size, args.seed)
        rows = sum(pl.scan_csv(data / f"{s}.csv", infer_schema=False).select(pl.len()).collect().item()
                   for s in SECTORS)
        run = median_run([run_once(data, args.workers) for _ in range(args.runs)])
        run["sector_rows"] = rows
        results[size] = run
        print(table(size, rows, run), flush=True)
    sizes = sorted(results)
    if len(sizes) > 1:
        print("| from | to | size × | time × | memory × |\n| ---: | ---: | ---: | ---: | ---: |")
        for size in sizes[1:]:
            a, b = results[sizes[0]], results[size]
            print(f"| {sizes[0]:,} | {size:,} | {size / sizes[0]:.0f} | {b['wall_s'] / a['wall_s']:.2f} | "
                  f"{b['peak_rss_mb'] / a['peak_rss_mb']:.2f} |")
    suffix = f"_w{args.workers}" if args.workers else ""
    out = C.write_json(f"whole_run_r{'_r'.join(map(str, sizes))}{suffix}.json",
                       {"machine": C.machine(), "results": {str(k): v for k, v in results.items()}})
    print(f"→ {out}")


if __name__ == "__main__":
    main()
