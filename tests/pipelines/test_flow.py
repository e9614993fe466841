"""The reconcile flow on real files with the real Prefect engine and a real DuckDB file."""

from pathlib import Path

import duckdb
import polars as pl
import pytest

from contracts.fields import SECTORS
from pipelines.flow import reconcile

pytestmark = pytest.mark.usefixtures("prefect_backend")


def sector_args(folder: Path) -> list[str]:
    return [f"{name}={path}" for name in SECTORS for path in sorted(folder.glob(f"{name}.*"))]


def run_flow(folder: Path, tmp_path: Path, sectors: list[str], residency: Path | None = None):
    db = tmp_path / "run.duckdb"
    state = reconcile(residency=str(residency or folder / "residency.csv"), sectors=sectors, period="2026-11",
                      db=str(db), out=str(tmp_path / "out"), return_state=True)
    return state, db


def test_every_data_row_of_every_file_has_exactly_one_outcome(small_commune, tmp_path):
    state, db = run_flow(small_commune, tmp_path, sector_args(small_commune))
    assert state.is_completed(), state.message
    summary = state.result()
    assert summary.status == "succeeded"
    con = duckdb.connect(str(db), read_only=True)
    outcomes = con.sql("SELECT sector, source_file, source_row FROM record_outcomes").pl()
    # one row per (file, row): no duplicates …
    assert outcomes.select("source_file", "source_row").is_unique().all()
    # … and exactly the data rows the generator wrote (ground truth has one row per sector data row).
    truth = pl.read_csv(small_commune / "ground_truth.csv", infer_schema=False)
    got = outcomes.filter(pl.col("sector") != "residency").select(
        "sector", pl.col("source_file").str.replace(r"^.*/", ""), pl.col("source_row").cast(pl.Int64))
    want = truth.select("sector", "source_file", pl.col("source_row").cast(pl.Int64))
    assert got.sort(got.columns).equals(want.sort(want.columns))
    residency_rows = pl.read_csv(small_commune / "residency.csv", infer_schema=False).height
    assert outcomes.filter(pl.col("sector") == "residency").height == residency_rows
    # rows read = sum of outcomes, per file, as source_files says.
    per_file = con.sql("""
        SELECT f.path, f.rows_read, count(o.source_row) AS outcomes
        FROM source_files f LEFT JOIN record_outcomes o ON o.run_id = f.run_id AND o.source_file = f.path
        GROUP BY ALL""").fetchall()
    assert len(per_file) == 1 + len(sector_args(small_commune))
    assert all(rows_read == n for _, rows_read, n in per_file)


def test_a_file_with_unknown_headers_fails_alone(small_commune, tmp_path):
    bad = tmp_path / "khong_ro.csv"
    bad.write_text("Cột A,Cột B,Cột C\n1,2,3\n4,5,6\n", encoding="utf-8")
    sectors = [f"civil_status={bad}", f"social_protection={small_commune / 'social_protection.csv'}"]
    state, db = run_flow(small_commune, tmp_path, sectors)
    assert state.is_completed(), state.message
    summary = state.result()
    assert summary.status == "partial"
    assert [p for p, _ in summary.failed_files] == [str(bad)]
    reason = summary.failed_files[0][1]
    assert reason.startswith("khong_ro.csv: no column for full_name; row 1 read as the header: 3 cells; "
                             "recognised: none; not recognised: columns A, B, C")
    con = duckdb.connect(str(db), read_only=True)
    assert con.execute("SELECT status, message FROM source_files WHERE path = ?", [str(bad)]).fetchone() == ("failed", reason)
    assert con.execute("SELECT status FROM runs").fetchone() == ("partial",)
    done = con.execute("SELECT count(*) FROM record_outcomes WHERE sector = 'social_protection'").fetchone()[0]
    assert done == pl.read_csv(small_commune / "social_protection.csv", infer_schema=False).height


def test_an_unreadable_residency_extract_fails_the_run_with_one_line(small_commune, tmp_path):
    empty = tmp_path / "dan_cu.csv"
    empty.write_bytes(b"")
    state, db = run_flow(small_commune, tmp_path, sector_args(small_commune), residency=empty)
    assert state.is_failed()
    assert state.message == "dan_cu.csv: the file is empty"
