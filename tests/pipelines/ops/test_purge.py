"""`doisoat purge`: old periods lose their personal data, keep their aggregate counts and history."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest

from contracts import DoisoatError
from contracts.fields import SECTORS
from pipelines.flow import reconcile
from pipelines.ops.purge import purge
from pipelines.review import Case, record_decision
from pipelines.runlock import RunLocked, run_lock
from pipelines.store import RESULT_TABLES

pytestmark = pytest.mark.usefixtures("prefect_backend")


def _run(folder: Path, db: Path, out: Path, period: str) -> str:
    sectors = [f"{name}={p}" for name in SECTORS for p in sorted(folder.glob(f"{name}.*"))]
    state = reconcile(residency=str(folder / "residency.csv"), sectors=sectors, period=period, db=str(db),
                      out=str(out), match_method="deterministic", return_state=True)
    assert state.is_completed(), state.message
    return state.result().run_id


def _query(db: Path, sql: str, params=None):
    con = duckdb.connect(str(db), read_only=True)
    try:
        return con.execute(sql, params or []).fetchall()
    finally:
        con.close()


def _ids(folder: Path) -> set[str]:
    text = "".join(p.read_text(encoding="utf-8", errors="ignore") for p in folder.glob("*.csv"))
    return set(re.findall(r"(?<!\d)\d{12}(?!\d)", text))


@pytest.fixture(scope="module")
def history(small_commune, tmp_path_factory):
    """September and October on one commune, November on another; a review decision in October."""
    from sample_data.generate import generate_commune, write_commune

    base = tmp_path_factory.mktemp("purge")
    recent = write_commune(generate_commune(150, seed=99), base / "recent")["residency"].parent
    db = base / "doisoat.duckdb"
    runs = {p: _run(small_commune, db, base / p, p) for p in ("2026-09", "2026-10")}
    runs["2026-11"] = _run(recent, db, base / "2026-11", "2026-11")
    sector, source_file, source_row, resident = _query(
        db, "SELECT sector, source_file, source_row, residency_id FROM match_evidence WHERE run_id = ? LIMIT 1",
        [runs["2026-10"]])[0]
    record_decision(db, Case(runs["2026-10"], sector, source_file, source_row, resident), "rejected", "analyst")
    outcomes = dict(((r, s, o), n) for r, s, o, n in _query(db, "SELECT run_id, sector, outcome, count(*) FROM record_outcomes GROUP BY ALL"))
    findings = dict(((r, s), n) for r, s, n in _query(db, "SELECT run_id, sector, count(*) FROM discrepancies GROUP BY ALL"))
    return base, db, runs, outcomes, findings, small_commune, recent


def test_dry_run_counts_and_deletes_nothing(history):
    _, db, runs, outcomes, *_ = history
    done = purge(db, "2026-11", dry_run=True)
    assert (done.runs, done.periods) == (2, ["2026-09", "2026-10"]) and done.rows_deleted > 0
    assert _query(db, "SELECT count(*) FROM record_outcomes")[0][0] == sum(outcomes.values())


def test_purge_is_refused_during_a_run(history):
    _, db, *_ = history
    with run_lock(db), pytest.raises(RunLocked):
        purge(db, "2026-11")


def test_purge_deletes_old_personal_data_and_keeps_counts(history):
    base, db, runs, outcomes, findings, old_data, recent_data = history
    env = {**os.environ}
    result = subprocess.run([sys.executable, "-m", "pipelines.cli", "purge", "--db", str(db), "--before", "2026-11"],
                            capture_output=True, text=True, env=env, timeout=120)
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("Purged 2 run(s) of 2 period(s) before 2026-11:")
    old = [runs["2026-09"], runs["2026-10"]]

    # row-level tables hold nothing of the old runs; the recent run is untouched
    for table in RESULT_TABLES:
        assert _query(db, f"SELECT count(*) FROM {table} WHERE run_id IN (?, ?)", old)[0][0] == 0, table
    recent = {k: n for k, n in outcomes.items() if k[0] == runs["2026-11"]}
    assert dict(((r, s, o), n) for r, s, o, n in _query(
        db, "SELECT run_id, sector, outcome, count(*) FROM record_outcomes GROUP BY ALL")) == recent

    # history and aggregate counts stay
    assert {r for (r,) in _query(db, "SELECT run_id FROM runs WHERE purged_at IS NOT NULL")} == set(old)
    assert _query(db, "SELECT count(*) FROM source_files WHERE run_id IN (?, ?)", old)[0][0] > 0
    kept = dict(((r, s, o), n) for r, s, o, n in _query(
        db, "SELECT run_id, sector, category, sum(n) FROM run_counts WHERE measure = 'outcome' GROUP BY ALL"))
    assert kept == {k: n for k, n in outcomes.items() if k[0] in old}
    kept_findings = dict(((r, s), n) for r, s, n in _query(
        db, "SELECT run_id, sector, sum(n) FROM run_counts WHERE measure = 'finding' GROUP BY ALL"))
    assert kept_findings == {k: n for k, n in findings.items() if k[0] in old}
    assert _query(db, "SELECT count(*) FROM review_decisions")[0][0] == 1  # later runs still apply it

    # no ID that only the old periods held is left anywhere in the file's bytes
    raw = db.read_bytes()
    decided = {r for (r,) in _query(db, "SELECT residency_id FROM review_decisions")}
    gone = _ids(old_data) - _ids(recent_data) - decided
    assert gone and not [i for i in gone if i.encode() in raw]
    assert oct(db.stat().st_mode & 0o777) == "0o600"

    again = purge(db, "2026-11")
    assert again.runs == 0


def test_bad_usage(tmp_path):
    with pytest.raises(DoisoatError, match="period '2026/11' is not a month"):
        purge(tmp_path / "d.duckdb", "2026/11")
    with pytest.raises(DoisoatError, match=r"^d.duckdb: database not found$"):
        purge(tmp_path / "d.duckdb", "2026-11")
