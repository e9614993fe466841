"""Incremental months: month 2 on the database of month 1 keeps the decisions of the rows nothing
changed for, and gives every row the outcome and resident a full run of month 2 gives (real
Prefect, real DuckDB; month 2 from ``sample_data.next_month``: rows removed and shifted, rows
corrected, rows added, residents born, dead and corrected)."""

from __future__ import annotations

import shutil
from pathlib import Path

import duckdb
import polars as pl
import pytest

from pipelines.flow import reconcile
from sample_data.next_month import next_month

pytestmark = pytest.mark.usefixtures("prefect_backend")
SECTORS = ("civil_status", "social_protection", "social_insurance")


def run(folder: Path, db: Path, period: str, **options):
    state = reconcile(residency=str(folder / "residency.csv"),
                      sectors=[f"{s}={folder / f'{s}.csv'}" for s in SECTORS], period=period, db=str(db),
                      out=str(db.parent / f"out-{db.stem}-{period}"), return_state=True, **options)
    assert state.is_completed(), state.message
    return state.result()


def table(db: Path, run_id: str, sql: str) -> pl.DataFrame:
    with duckdb.connect(str(db), read_only=True) as con:
        return con.sql(sql, params=[run_id]).pl()


OUTCOMES = """SELECT sector, regexp_replace(source_file, '^.*/', '') AS file, source_row, outcome, residency_id,
                     match_probability, match_method FROM record_outcomes WHERE run_id = ? ORDER BY ALL"""
EVIDENCE = """SELECT * EXCLUDE (run_id, source_file), regexp_replace(source_file, '^.*/', '') AS file
              FROM match_evidence WHERE run_id = ? ORDER BY ALL"""
FINDINGS = """SELECT sector, source_row, residency_id, field, kind, finding_id FROM discrepancies
              WHERE run_id = ? ORDER BY ALL"""


@pytest.fixture(scope="module")
def months(small_commune, tmp_path_factory):
    """(month 1 folder, month 2 folder, month 1's database, a copy of it, month 1's summary)."""
    base = tmp_path_factory.mktemp("incremental")
    month1 = base / "month1"
    month1.mkdir()
    for name in ("residency", *SECTORS, "ground_truth"):
        shutil.copy2(small_commune / f"{name}.csv", month1 / f"{name}.csv")
    next_month(month1, base / "month2", share=0.03, seed=4)
    db = base / "incremental.duckdb"
    first = run(month1, db, "2026-10")
    shutil.copy2(db, base / "full.duckdb")
    return month1, base / "month2", db, base / "full.duckdb", first


def test_month_two_gives_the_full_runs_outcomes_while_reusing_most_rows(months):
    _, month2, db, full_db, first = months
    incremental = run(month2, db, "2026-11")
    full = run(month2, full_db, "2026-11", full=True)
    assert set(incremental.models_kept) == set(SECTORS) and set(full.models_kept) == set(SECTORS)
    rows = sum(s.rows_read - s.rejected for s in incremental.sectors if s.sector in SECTORS)
    assert incremental.rows_reused + incremental.rows_scored == rows
    assert incremental.rows_reused > 0.6 * rows and 0 < incremental.rows_new <= incremental.rows_scored
    assert full.rows_reused == 0 and full.rows_scored == rows
    for sql in (OUTCOMES, EVIDENCE, FINDINGS):
        assert table(db, incremental.run_id, sql).equals(table(full_db, full.run_id, sql))


def test_a_month_with_nothing_changed_scores_nothing(months):
    _, month2, db, _, _ = months
    again = run(month2, db, "2026-12")
    assert again.rows_scored == 0 and again.rows_new == 0
