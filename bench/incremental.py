"""Month 1, an incremental month 2 and a full month 2, end to end: time, memory, rows reused, and
whether the incremental month gives every row the outcome and resident of the full one.

    .venv/bin/python bench/incremental.py --residents 100000 1000000 [--share 0.015]

Month 1 is the generated commune (``bench/_common.dataset``), month 2 the same files a month later
(``sample_data.next_month``: ``share`` of the rows removed, a half of that corrected, ``share`` added;
residents dead, born, moved in and corrected), both built once into bench/out/data/ (not timed).
Each run is the real ``doisoat run`` in a child process (``bench/whole_run.run_command``):
1. month 1 in a fresh database (it trains the models and fills the decision cache);
2. month 2 on that database: incremental (kept models, cached decisions);
3. month 2 ``--full`` on a copy of month 1's database: the kept models, every row scored;
4. month 2 in a fresh database: what a new installation would decide (it trains on month 2);
5. month 3 (month 2 a month later) on the database of 2: how the database grows month to month.
Compared row by row (record_outcomes: outcome, resident, probability): 2 against 3 (must be
identical) and against 4 (the models differ a little: the number of rows whose outcome or
resident differs). Writes bench/out/incremental_r<sizes>.json.
"""

from __future__ import annotations

import argparse
import shutil
import tempfile
from pathlib import Path

import _common as C
import duckdb
import polars as pl
from whole_run import run_command

from sample_data.next_month import next_month

OUTCOMES = """SELECT sector, regexp_replace(source_file, '^.*/', '') AS file, source_row, outcome, residency_id,
                     match_probability FROM record_outcomes
              WHERE run_id = (SELECT run_id FROM runs WHERE period = ? AND status <> 'superseded')"""


def months(size: int, seed: int, share: float) -> tuple[Path, Path, Path]:
    """(month 1's folder, month 2's, month 3's), built once."""
    folders = [C.dataset(size, seed)]
    for month in (2, 3):
        folder = C.DATA / f"r{size}_s{seed}_month{month}_{share:g}"
        if not (folder / "ground_truth.csv").exists():
            tmp = folder.with_name(folder.name + ".tmp")
            shutil.rmtree(tmp, ignore_errors=True)
            next_month(folders[-1], tmp, share, seed + month)
            tmp.rename(folder)
        folders.append(folder)
    return tuple(folders)


def outcomes(db: Path, period: str) -> pl.DataFrame:
    with duckdb.connect(str(db), read_only=True) as con:
        return con.sql(OUTCOMES, params=[period]).pl()


def differing(a: pl.DataFrame, b: pl.DataFrame, columns: list[str]) -> int:
    """Rows of ``a`` with no row of ``b`` alike in ``columns`` (both have one row per sheet row)."""
    return a.select(columns).join(b.select(columns), on=columns, how="anti", nulls_equal=True).height


def measure(size: int, seed: int, share: float) -> dict:
    month1, month2, month3 = months(size, seed, share)
    work = Path(tempfile.mkdtemp(prefix="doisoat_incremental_"))
    try:
        db, full_db, fresh_db = work / "doisoat.duckdb", work / "full.duckdb", work / "fresh.duckdb"
        first = run_command(month1, db, work / "out1", "2026-10")
        shutil.copy2(db, full_db)
        incremental = run_command(month2, db, work / "out2", "2026-11")
        full = run_command(month2, full_db, work / "out2-full", "2026-11", ["--full"])
        fresh = run_command(month2, fresh_db, work / "out2-fresh", "2026-11")
        third = run_command(month3, db, work / "out3", "2026-12")
        mine, theirs, new = outcomes(db, "2026-11"), outcomes(full_db, "2026-11"), outcomes(fresh_db, "2026-11")
        keys = ["sector", "file", "source_row"]
        result = {
            "month1": first, "incremental": incremental, "full": full, "fresh": fresh, "month3": third,
            "rows": mine.height,
            "differ_from_full": differing(mine, theirs, [*keys, "outcome", "residency_id", "match_probability"]),
            "differ_from_fresh": differing(mine, new, [*keys, "outcome", "residency_id"]),
            "db_growth_mb": incremental["db_mb"] - first["db_mb"], "db_growth_3_mb": third["db_mb"] - incremental["db_mb"],
        }
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return result


def report(size: int, r: dict) -> str:
    runs = [("month 1 (fresh database)", r["month1"]), ("month 2, incremental", r["incremental"]),
            ("month 2, --full (kept models)", r["full"]), ("month 2, fresh database", r["fresh"]),
            ("month 3, incremental", r["month3"])]
    lines = [f"## {size:,} residents — {r['rows']:,} outcome rows in month 2", "",
             "| run | wall s | match s | peak GB | rows kept / scored / new | database MB |",
             "| --- | ---: | ---: | ---: | --- | ---: |"]
    for label, run in runs:
        counts = f"{run.get('rows_kept', 0):,} / {run.get('rows_scored', 0):,} / {run.get('rows_new', 0):,}"
        lines.append(f"| {label} | {run['wall_s']:.1f} | {run['stages_s'].get('match', float('nan')):.1f} | "
                     f"{run['peak_rss_mb'] / 1024:.1f} | {counts} | {run['db_mb']:,.0f} |")
    lines += ["", f"incremental month 2 = {r['incremental']['wall_s'] / r['month1']['wall_s']:.0%} of month 1's wall time; "
              f"rows differing from the full month 2 (outcome, resident, probability): {r['differ_from_full']:,}; "
              f"from a fresh database's month 2 (outcome, resident): {r['differ_from_fresh']:,} "
              f"({r['differ_from_fresh'] / max(r['rows'], 1):.3%}); database growth month 1→2 {r['db_growth_mb']:,.0f} MB, "
              f"2→3 {r['db_growth_3_mb']:,.0f} MB", ""]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--residents", type=int, nargs="+", default=[100_000, 1_000_000])
    parser.add_argument("--seed", type=int, default=C.DEFAULT_SEED)
    parser.add_argument("--share", type=float, default=0.015, help="share of rows removed and added in month 2")
    args = parser.parse_args(argv)
    results = {}
    for size in sorted(args.residents):
        results[size] = measure(size, args.seed, args.share)
        print(report(size, results[size]), flush=True)
    out = C.write_json(f"incremental_r{'_r'.join(map(str, sorted(results)))}.json",
                       {"machine": C.machine(), "share": args.share, "results": {str(k): v for k, v in results.items()}})
    print(f"→ {out}")


if __name__ == "__main__":
    main()
