"""Safe re-runs: the same period again replaces its results and keeps the history; a run killed
while writing leaves the previous results intact; a second run on the same database stops at once."""

from __future__ import annotations

import fcntl
import os
import signal
import subprocess
import sys
import textwrap
import time
from dataclasses import replace
from datetime import datetime
from pathlib import Path

import duckdb
import polars as pl
import pytest

from contracts.fields import SECTORS
from pipelines.flow import reconcile
from pipelines.runlock import RunLocked, lock_path, run_lock
from pipelines.store import RunOutput, write_run

pytestmark = pytest.mark.usefixtures("prefect_backend")
PERIOD = "2026-11"


def _params(folder: Path, db: Path, out: Path) -> dict:
    sectors = [f"{name}={p}" for name in SECTORS for p in sorted(folder.glob(f"{name}.*"))]
    return dict(residency=str(folder / "residency.csv"), sectors=sectors, period=PERIOD, db=str(db), out=str(out))


def _query(db: Path, sql: str, params=None):
    con = duckdb.connect(str(db), read_only=True)
    try:
        return con.execute(sql, params or []).fetchall()
    finally:
        con.close()


def _snapshot(db: Path) -> dict:
    """What an analyst sees of the live results: per run, per table, row counts."""
    return {t: _query(db, f"SELECT run_id, count(*) FROM {t} GROUP BY run_id ORDER BY run_id")
            for t in ("record_outcomes", "discrepancies", "match_evidence", "source_files")}


@pytest.fixture(scope="module")
def first_run(small_commune, tmp_path_factory):
    base = tmp_path_factory.mktemp("reruns")
    db = base / "doisoat.duckdb"
    state = reconcile(**_params(small_commune, db, base / "out"), return_state=True)
    assert state.is_completed(), state.message
    return base, db, state.result()


def test_the_same_period_again_replaces_its_results_and_keeps_the_history(small_commune, first_run):
    base, db, first = first_run
    before = _query(db, "SELECT sector, outcome, count(*) FROM record_outcomes GROUP BY ALL ORDER BY ALL")
    state = reconcile(**_params(small_commune, db, base / "out"), return_state=True)
    assert state.is_completed(), state.message
    second = state.result()
    runs = dict(_query(db, "SELECT run_id, status FROM runs"))
    assert runs[first.run_id] == "superseded" and runs[second.run_id] == "succeeded"
    assert _query(db, "SELECT superseded_by FROM runs WHERE run_id = ?", [first.run_id]) == [(second.run_id,)]
    for table in ("record_outcomes", "discrepancies", "match_evidence", "rejected_rows"):
        assert _query(db, f"SELECT DISTINCT run_id FROM {table}") in ([(second.run_id,)], []), table
    # the history of what was read stays; the results are the same data again
    assert {r for (r,) in _query(db, "SELECT DISTINCT run_id FROM source_files")} == {first.run_id, second.run_id}
    assert _query(db, "SELECT sector, outcome, count(*) FROM record_outcomes GROUP BY ALL ORDER BY ALL") == before


def test_a_run_only_replaces_the_same_commune(tmp_path):
    db = tmp_path / "d.duckdb"
    outcomes = pl.DataFrame({"sector": ["vaccination"], "source_file": ["a.csv"], "source_row": [2], "outcome": ["matched"],
                             "residency_id": ["001090012345"], "match_probability": [1.0], "match_method": ["person_id"]})
    base = RunOutput("a1", PERIOD, datetime(2026, 12, 5), datetime(2026, 12, 5), "succeeded", {}, {"record_outcomes": outcomes},
                     commune="A")
    write_run(db, base)
    write_run(db, replace(base, run_id="b1", commune="B", tables={"record_outcomes": outcomes}))
    write_run(db, replace(base, run_id="a2", tables={"record_outcomes": outcomes}))
    write_run(db, replace(base, run_id="a3", period="2026-12", tables={"record_outcomes": outcomes}))
    assert _query(db, "SELECT run_id, status, superseded_by FROM runs ORDER BY run_id") == [
        ("a1", "superseded", "a2"), ("a2", "succeeded", None), ("a3", "succeeded", None), ("b1", "succeeded", None)]
    assert _query(db, "SELECT run_id FROM record_outcomes ORDER BY run_id") == [("a2",), ("a3",), ("b1",)]


def test_the_run_lock_is_exclusive_and_released(tmp_path):
    db = tmp_path / "d.duckdb"
    with run_lock(db):
        with pytest.raises(RunLocked, match=r"^d.duckdb: another doisoat run is using this database \(pid \d+, started "):
            with run_lock(db):
                pass
    with run_lock(db):  # free again
        pass


STALLING_RUN = textwrap.dedent("""
    # A real run whose final write stops just before COMMIT, so the test can kill it there.
    import json, sys, time
    import pipelines.store as store

    real_connect = store.connect

    class Stalling:
        def __init__(self, con):
            self._con = con
        def __getattr__(self, name):
            return getattr(self._con, name)
        def commit(self):
            print("WRITING", flush=True)   # every row inserted, superseded rows deleted; not committed
            time.sleep(600)

    store.connect = lambda path: Stalling(real_connect(path))
    from pipelines.flow import reconcile
    reconcile(**json.loads(sys.argv[1]), return_state=True)
""")


def test_a_killed_run_leaves_the_previous_results_and_a_concurrent_run_stops_at_once(small_commune, first_run):
    import json

    from prefect.settings import PREFECT_API_URL

    base, db, _ = first_run
    live = _query(db, "SELECT run_id FROM runs WHERE status = 'succeeded'")
    before = _snapshot(db)
    env = {**os.environ, "PREFECT_API_URL": PREFECT_API_URL.value()}  # the test session's Prefect server
    proc = subprocess.Popen([sys.executable, "-c", STALLING_RUN, json.dumps(_params(small_commune, db, base / "out2"))],
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, env=env, text=True)
    try:
        deadline = time.monotonic() + 240
        seen = []
        for line in proc.stdout:
            seen.append(line)
            if line.strip() == "WRITING" or time.monotonic() > deadline:
                break
        assert seen and seen[-1].strip() == "WRITING", "".join(seen[-30:])

        # While it holds the database, a second run stops at once with a clear message.
        started = time.monotonic()
        state = reconcile(**_params(small_commune, db, base / "out3"), return_state=True)
        assert state.is_failed()
        assert state.message.startswith("doisoat.duckdb: another doisoat run is using this database (pid ")
        assert state.message.endswith("wait for it to finish, then run again")
        assert time.monotonic() - started < 15

        proc.send_signal(signal.SIGKILL)  # the crash: inside the write transaction
        proc.wait(30)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait(30)

    assert _query(db, "SELECT run_id FROM runs WHERE status = 'succeeded'") == live
    assert _snapshot(db) == before
    fd = os.open(lock_path(db), os.O_RDWR)  # the lock died with the process
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    finally:
        os.close(fd)
    state = reconcile(**_params(small_commune, db, base / "out4"), return_state=True)  # and the next run works
    assert state.is_completed(), state.message
    assert _query(db, "SELECT count(*) FROM runs WHERE status = 'succeeded'") == [(1,)]
