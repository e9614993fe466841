"""Correction lists of a province: a finished run's findings spread over N communes, every list written.

    .venv/bin/python bench/lists.py --db RUN.duckdb [--communes 151] [--runs 3]

Our sample is one commune, so a run writes one list per sector; a province sends one list per
commune and sector (the independent benchmark's 1,000,000 residents: 755 lists). This takes the
``discrepancies`` of the latest run in ``--db`` (for instance the database ``bench/whole_run.py``
or ``doisoat run`` left), gives each finding one of the first N communes of the 2025 units (by a
hash of its ``finding_id``: a person's rows stay together) and times
``write_correction_lists`` into a temporary folder: wall time per run (median, min, max), lists
written and their size. Writes bench/out/lists_c<N>.json.
"""

from __future__ import annotations

import argparse
import json
import shutil
import statistics
import tempfile
import time
from pathlib import Path

import duckdb
import polars as pl

from pipelines.outputs.correction_lists import write_correction_lists
from pipelines.units import new_units

OUT = Path(__file__).resolve().parent / "out"


def province_findings(db: Path, communes: int) -> pl.DataFrame:
    """The latest run's findings, each placed in one of ``communes`` communes."""
    con = duckdb.connect(str(db), read_only=True)
    try:
        run_id = con.execute("SELECT run_id FROM runs ORDER BY started_at DESC LIMIT 1").fetchall()[0][0]
        findings = con.sql("SELECT * FROM discrepancies WHERE run_id = ?", params=[run_id]).pl()
    finally:
        con.close()
    codes = dict(enumerate(new_units()["code"].head(communes).to_list()))
    return findings.with_columns(
        pl.col("finding_id").hash(7).mod(communes).cast(pl.Int64).replace_strict(codes).alias("commune_code"))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", type=Path, required=True)
    parser.add_argument("--communes", type=int, default=151)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    findings = province_findings(args.db, args.communes)
    walls, lists, size = [], 0, 0
    for _ in range(args.runs):
        out = Path(tempfile.mkdtemp(prefix="doisoat_lists_"))
        started = time.perf_counter()
        paths = write_correction_lists(out, findings, "bench", "2026-10")
        walls.append(time.perf_counter() - started)
        lists, size = len(paths), sum(p.stat().st_size for p in paths)
        shutil.rmtree(out, ignore_errors=True)
    result = {"communes": args.communes, "findings": findings.height, "lists": lists, "mb": size / 1e6,
              "wall_median_s": statistics.median(walls), "wall_min_s": min(walls), "wall_max_s": max(walls)}
    print(f"{findings.height:,} findings over {args.communes} communes: {lists} lists, {size / 1e6:,.0f} MB, "
          f"{result['wall_median_s']:.1f} s (median of {args.runs}, {min(walls):.1f}–{max(walls):.1f} s)")
    OUT.mkdir(exist_ok=True)
    path = OUT / f"lists_c{args.communes}.json"
    path.write_text(json.dumps(result, indent=2))
    print(f"→ {path}")


if __name__ == "__main__":
    main()
