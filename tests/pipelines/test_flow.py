"""The reconcile flow on real files with the real Prefect engine and a real DuckDB file."""

import json
import logging
import shutil
from pathlib import Path

import duckdb
import polars as pl
import pytest

from contracts.fields import SECTORS
from matchers import default_comparisons
from matchers.model import FellegiSunter
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


def test_each_sectors_model_is_kept_with_the_run(small_commune, tmp_path):
    state, db = run_flow(small_commune, tmp_path, sector_args(small_commune))
    con = duckdb.connect(str(db), read_only=True)
    runs = con.sql("SELECT run_id FROM runs").fetchall()
    kept = con.sql("SELECT run_id, sector, model_version, parameters FROM models ORDER BY sector").fetchall()
    assert {sector for _, sector, _, _ in kept} == set(SECTORS) and {run for run, *_ in kept} == {runs[0][0]}
    for _, _, version, parameters in kept:  # each version is its parameters' own, read back
        assert FellegiSunter.from_parameters(json.loads(parameters), default_comparisons()).version == version
    assert len({version for _, _, version, _ in kept}) == len(SECTORS)  # trained on each list


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


class _MountOnRetry(logging.Handler):
    """Copies a file into a folder that was missing (a share mounted late) when the run announces a retry."""

    def __init__(self, source: Path, late: Path):
        super().__init__(logging.INFO)
        self.source, self.late, self.retries = source, late, 0

    def emit(self, record):
        if "reading it again" in record.getMessage():
            self.retries += 1
            if not self.late.exists():
                self.late.parent.mkdir()
                shutil.copy(self.source, self.late)


def test_a_source_on_a_share_mounted_late_is_read_on_a_retry(small_commune, tmp_path):
    late = tmp_path / "share" / "social_protection.csv"  # the share is not mounted when the run starts
    handler = _MountOnRetry(small_commune / "social_protection.csv", late)
    logger = logging.getLogger("pipelines.stages")
    level = logger.level
    logger.setLevel(logging.INFO)
    logger.addHandler(handler)
    try:
        db = tmp_path / "run.duckdb"
        state = reconcile(residency=str(small_commune / "residency.csv"), sectors=[f"social_protection={late}"],
                          period="2026-11", db=str(db), out=str(tmp_path / "out"), read_retry_delay=1,
                          return_state=True)
    finally:
        logger.removeHandler(handler)
        logger.setLevel(level)
    assert handler.retries == 1, "the first read should fail and be retried once"
    assert state.is_completed() and state.result().status == "succeeded", state.message
    con = duckdb.connect(str(db), read_only=True)
    rows = con.execute("SELECT rows_read, status FROM source_files WHERE sector = 'social_protection'").fetchall()
    assert rows[0][0] > 10 and rows[0][1] == "ok"


def test_a_file_still_being_copied_is_unavailable_then_reads(small_commune, tmp_path):
    import threading

    from contracts import SourceUnavailable
    from pipelines.ingest import read_grids

    growing = tmp_path / "dang_chep.csv"
    shutil.copy(small_commune / "social_protection.csv", growing)
    copying = threading.Event()
    copying.set()

    def copy_goes_on():  # another program is still writing the file
        with open(growing, "a", encoding="utf-8") as fh:
            while copying.is_set():
                fh.write("99,Lê Văn An,1950,Nam,,Thôn 1,,\n")
                fh.flush()

    writer = threading.Thread(target=copy_goes_on)
    writer.start()
    try:
        with pytest.raises(SourceUnavailable, match=r"^dang_chep.csv: the file changed while it was read"):
            for _ in range(20):  # the size must move during one read; it does at once in practice
                read_grids(growing)
    finally:
        copying.clear()
        writer.join()
    assert read_grids(growing)[0].cells.height > 10  # once the copy is done it reads


def test_a_failure_while_writing_the_outputs_is_recorded_on_the_run(small_commune, tmp_path):
    out = tmp_path / "out"
    (out / "bao_cao_doi_soat_2026-11.html").mkdir(parents=True)  # the report cannot be put in place
    db = tmp_path / "run.duckdb"
    state = reconcile(residency=str(small_commune / "residency.csv"),
                      sectors=[f"social_protection={small_commune / 'social_protection.csv'}"],
                      period="2026-11", db=str(db), out=str(out), return_state=True)
    assert state.is_failed()
    con = duckdb.connect(str(db), read_only=True)
    assert con.execute("SELECT status, outputs FROM runs").fetchall() == [("succeeded", "failed")]
    assert not [p for p in out.iterdir() if p.name.startswith(".doisoat-writing-")]
    state = reconcile(residency=str(small_commune / "residency.csv"),
                      sectors=[f"social_protection={small_commune / 'social_protection.csv'}"],
                      period="2026-11", db=str(tmp_path / "ok.duckdb"), out=str(tmp_path / "ok"), return_state=True)
    ok = duckdb.connect(str(tmp_path / "ok.duckdb"), read_only=True)
    assert ok.execute("SELECT outputs FROM runs").fetchall() == [("written",)]
    assert (tmp_path / "ok" / "bao_cao_doi_soat_2026-11.html").is_file()
