"""The doisoat command end to end: a real process, a real Prefect run, a real DuckDB file."""

import os
import re
import subprocess
import sys
import time
from pathlib import Path

import duckdb
import pytest

from contracts.fields import SECTORS

DOISOAT = [sys.executable, "-m", "pipelines.cli"]


def cli(*args, cwd=None, timeout=300):
    env = {**os.environ, "PREFECT_LOGGING_LEVEL": "WARNING"}
    env.pop("PREFECT_API_URL", None)  # the command starts its own temporary server
    return subprocess.run([*DOISOAT, *args], capture_output=True, text=True, cwd=cwd, env=env, timeout=timeout)


@pytest.mark.parametrize("command", [[], ["run"], ["demo"]])
def test_help(command):
    result = cli(*command, "--help")
    assert result.returncode == 0
    assert "Usage:" in result.stdout


@pytest.mark.parametrize(("args", "message"), [
    (["--sector", "tiem_chung=x.csv", "--period", "2026-11"], "Error: --sector 'tiem_chung': unknown sector; choose one of civil_status, vaccination, social_protection, social_insurance, union_membership"),
    (["--sector", "vaccination", "--period", "2026-11"], "Error: --sector 'vaccination': expected NAME=PATH"),
    (["--sector", "vaccination=x.csv", "--period", "11/2026"], "Error: period '11/2026' is not a month in YYYY-MM form"),
    (["--sector", "vaccination=x.csv", "--period", "2026-11", "--workers", "2", "--dask-address", "tcp://127.0.0.1:8786"],
     "Error: give --workers (a temporary local cluster) or --dask-address (an existing one), not both"),
    (["--sector", "vaccination=x.csv", "--period", "2026-11", "--dask-address", "127.0.0.1:8786"],
     "Error: --dask-address '127.0.0.1:8786' is not a Dask scheduler address (tcp://HOST:PORT)"),
])
def test_bad_usage_exits_2_with_one_line(tmp_path, args, message):
    result = cli("run", "--residency", "r.csv", "--db", str(tmp_path / "d.duckdb"), "--out", str(tmp_path), *args)
    assert result.returncode == 2
    assert result.stderr.strip() == message


def test_run_end_to_end(small_commune, tmp_path):
    sectors = [a for name in SECTORS for p in sorted(small_commune.glob(f"{name}.*")) for a in ("--sector", f"{name}={p}")]
    db, out = tmp_path / "new" / "db" / "d.duckdb", tmp_path / "new" / "out"  # folders doisoat creates
    result = cli("run", "--residency", str(small_commune / "residency.csv"), *sectors,
                 "--period", "2026-11", "--db", str(db), "--out", str(out))
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0].endswith("succeeded")
    for name in SECTORS:
        assert any(line.startswith(name) for line in lines), name
    assert f"Database: {db}" in lines
    stages = next(line for line in lines if line.startswith("Stages:"))
    for stage in ("ingest", "validate", "match", "reconcile", "cross-sector", "write"):
        assert re.search(rf"\b{stage} \d+\.\d s \(\d+\.\d GB\)", stages), stages  # time and the stage's peak
    assert re.search(r"· peak memory [\d,]+ MB$", stages), stages
    matching = next(line for line in lines if line.startswith("Matching:"))
    assert re.fullmatch(r"Matching: 5 piece\(s\), linked in this process \(train (\d+\.\d) s, pieces (\d+\.\d) s, "
                        r"finish (\d+\.\d) s\)", matching), matching  # one piece per sector at this size
    steps = sum(float(t) for t in re.findall(r"(\d+\.\d) s", matching))
    assert abs(steps - float(re.search(r"\bmatch (\d+\.\d) s", stages).group(1))) < 0.25  # the steps make the stage
    peaks = [float(gb) for gb in re.findall(r"\((\d+\.\d) GB\)", stages)]
    overall = float(re.search(r"peak memory ([\d,]+) MB", stages).group(1).replace(",", "")) / 1024
    assert abs(max(peaks) - overall) < 0.06  # the run's peak is its biggest stage's
    con = duckdb.connect(str(db), read_only=True)
    counts = dict(con.execute("SELECT sector, count(*) FROM record_outcomes GROUP BY sector").fetchall())
    assert set(counts) == {"residency", *SECTORS}
    # the printed per-sector row count equals what the database holds
    for line in lines:
        parts = line.split()
        if parts and parts[0] in counts:
            assert int(parts[2]) == counts[parts[0]]
    # every folder doisoat created is its owner's only, and so is every file in them
    for folder in (tmp_path / "new", db.parent, out):
        assert oct(folder.stat().st_mode & 0o777) == "0o700", folder
    written = [p for p in (tmp_path / "new").rglob("*") if p.is_file()]
    assert len(written) > 5
    assert all(oct(p.stat().st_mode & 0o777) == "0o600" for p in written), written
    # every sector's findings file holds that sector's rows only
    csvs = sorted(out.glob("*_discrepancies.csv"))
    assert len(csvs) == len(SECTORS)
    for path in csvs:
        sector = path.name.removesuffix("_discrepancies.csv")
        assert sector in SECTORS
        assert oct(path.stat().st_mode & 0o777) == "0o600"
        import polars as pl
        files = pl.read_csv(path, infer_schema=False)["source_file"].unique().to_list()
        assert all(Path(f).name.startswith(sector) for f in files)


def test_a_second_run_on_a_locked_database_is_refused_at_once(small_commune, tmp_path):
    from pipelines.runlock import run_lock

    db = tmp_path / "d.duckdb"
    with run_lock(db):
        started = time.monotonic()
        result = cli("run", "--residency", str(small_commune / "residency.csv"),
                     "--sector", f"vaccination={small_commune / 'vaccination.xlsx'}",
                     "--period", "2026-11", "--db", str(db), "--out", str(tmp_path / "out"))
        took = time.monotonic() - started
    assert result.returncode == 1
    assert result.stderr.startswith("Error: d.duckdb: another doisoat run is using this database (pid ")
    assert len(result.stderr.strip().splitlines()) == 1
    assert took < 2.0, f"refused after {took:.1f} s"
    assert not (tmp_path / "out").exists()


def test_run_with_a_missing_residency_file_exits_1(tmp_path):
    result = cli("run", "--residency", str(tmp_path / "none.csv"), "--sector", f"vaccination={tmp_path / 'v.csv'}",
                 "--period", "2026-11", "--db", str(tmp_path / "d.duckdb"), "--out", str(tmp_path / "out"),
                 "--read-retries", "0")
    assert result.returncode == 1
    assert result.stderr.strip() == "Error: none.csv: file not found"
    assert "Traceback" not in result.stdout + result.stderr
