"""Precision and recall of the findings, per kind, against the sample generator's ground truth.

    python bench/findings.py --residents 20000 --seed 1

The generator records, per sector row, the error codes it applied (``errors``) and the true
resident (``true_person_id``); ``pipelines.evaluate`` turns those into the finding each row
should get and scores what the stages found.
"""

from __future__ import annotations

import argparse
import datetime as dt
import tempfile
import time
from pathlib import Path

import polars as pl

from contracts import fields as F
from pipelines.evaluate import (
    expected_findings,
    run_without_prefect,
    score_deceased,
    score_duplicates,
    score_findings,
    with_deaths,
)
from sample_data.generate import generate_commune, write_commune


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(prog="python bench/findings.py", description=__doc__.splitlines()[0])
    ap.add_argument("--residents", type=int, default=20_000)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--folder", type=Path, help="an existing commune folder (else one is generated)")
    ap.add_argument("--method", default=None, help="match method (default: the matcher's default)")
    a = ap.parse_args(argv)
    folder = a.folder
    if folder is None:
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
