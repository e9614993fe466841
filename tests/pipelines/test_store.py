"""The DuckDB store: public tables exist, a run is written whole or not at all."""

from dataclasses import replace
from datetime import datetime

import duckdb
import polars as pl
import pytest

from pipelines.store import TABLES, ParquetFiles, RunOutput, connect, table_columns, write_run


def run(run_id="r1", outcomes=None):
    outcomes = outcomes if outcomes is not None else pl.DataFrame({
        "sector": ["vaccination"], "source_file": ["a.csv"], "source_row": [2], "outcome": ["matched"],
        "residency_id": ["001090012345"], "match_probability": [1.0], "match_method": ["person_id"],
    })
    return RunOutput(run_id, "2026-11", datetime(2026, 11, 1), datetime(2026, 11, 1, 0, 1), "succeeded",
                     {"period": "2026-11"}, {"record_outcomes": outcomes})


def test_tables_and_columns_follow_the_contract(tmp_path):
    con = connect(tmp_path / "d.duckdb")
    for table in TABLES:
        cols = [r[0] for r in con.execute(f"DESCRIBE {table}").fetchall()]
        assert cols == table_columns(table)
    assert table_columns("record_outcomes") == [
        "run_id", "sector", "source_file", "source_row", "outcome", "residency_id", "match_probability", "match_method",
        "commune_code", "commune_listed"]
    con.close()


def test_write_run_appends_rows_with_run_id(tmp_path):
    db = tmp_path / "d.duckdb"
    write_run(db, run("r1"))
    write_run(db, replace(run("r2"), period="2026-12"))  # the same period again replaces it (test_reruns.py)
    con = duckdb.connect(str(db))
    assert con.execute("SELECT run_id, source_row FROM record_outcomes ORDER BY run_id").fetchall() == [("r1", 2), ("r2", 2)]
    assert con.execute("SELECT count(*) FROM runs").fetchone() == (2,)


def test_rows_in_parquet_files_are_written_as_the_same_rows_in_a_frame(tmp_path):
    frame = pl.DataFrame({
        "sector": ["vaccination", "vaccination", "social_insurance"], "source_file": ["a.csv", "a.csv", "b.xlsx"],
        "source_row": [2, 3, 7], "outcome": ["matched", "review", "unmatched"],
        "residency_id": ["001090012345", "001090012346", None], "match_probability": [1.0, 0.7, None]})
    paths = []
    for sector, part in frame.partition_by("sector", as_dict=True).items():
        paths.append(str(tmp_path / f"{sector[0]}.parquet"))
        part.drop("match_probability" if sector[0] == "social_insurance" else []).write_parquet(paths[-1])
    write_run(tmp_path / "frame.duckdb", run("r1", frame))
    write_run(tmp_path / "files.duckdb", run("r1", ParquetFiles(tuple(paths))))  # one file lacks a column
    query = "SELECT * FROM record_outcomes ORDER BY source_file, source_row"
    frame_rows = duckdb.connect(str(tmp_path / "frame.duckdb")).execute(query).fetchall()
    assert frame_rows == duckdb.connect(str(tmp_path / "files.duckdb")).execute(query).fetchall()
    assert [r[5] for r in frame_rows] == ["001090012345", "001090012346", None]


def test_a_failing_write_leaves_nothing_behind(tmp_path):
    db = tmp_path / "d.duckdb"
    bad = pl.DataFrame({"sector": ["x"], "source_file": ["a.csv"], "source_row": [None], "outcome": ["matched"],
                        "residency_id": [None], "match_probability": [None], "match_method": [None]},
                       schema_overrides={"source_row": pl.Int64, "residency_id": pl.String,
                                         "match_probability": pl.Float64, "match_method": pl.String})
    with pytest.raises(duckdb.Error):
        write_run(db, run("r1", bad))  # source_row NOT NULL fails after `runs` was inserted
    con = duckdb.connect(str(db))
    assert con.execute("SELECT count(*) FROM runs").fetchone() == (0,)
