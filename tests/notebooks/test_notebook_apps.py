"""The analysts' marimo notebooks run headless against a real run database."""

from __future__ import annotations

import importlib.util
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest

from contracts.fields import SECTORS
from pipelines.flow import reconcile

pytestmark = pytest.mark.usefixtures("prefect_backend")
NOTEBOOKS = Path(__file__).resolve().parents[2] / "notebooks"


def _load(name: str):
    spec = importlib.util.spec_from_file_location(f"notebook_{name}", NOTEBOOKS / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.app


@pytest.fixture(scope="module")
def run_db(small_commune, tmp_path_factory):
    base = tmp_path_factory.mktemp("notebooks")
    sectors = [f"{name}={p}" for name in SECTORS for p in sorted(small_commune.glob(f"{name}.*"))]
    state = reconcile(residency=str(small_commune / "residency.csv"), sectors=sectors, period="2026-11",
                      db=str(base / "doisoat.duckdb"), out=str(base / "out"), return_state=True)
    assert state.is_completed(), state.message
    return base / "doisoat.duckdb", state.result().run_id


def test_the_review_app_shows_a_review_pair_with_its_evidence(run_db, monkeypatch):
    db, run_id = run_db
    monkeypatch.setenv("DOISOAT_DB", str(db))
    _, defs = _load("review").run()
    assert defs["run_picker"].value == run_id
    cases, case = defs["cases"], defs["case"]
    con = duckdb.connect(str(db), read_only=True)
    review_rows = con.execute("SELECT count(*) FROM record_outcomes WHERE run_id = ? AND outcome = 'review'",
                              [run_id]).fetchall()[0][0]
    con.close()
    assert cases.height == review_rows > 0  # one proposed pair per review row, none decided yet
    page = defs["side_by_side"].text + defs["evidence_view"].text
    assert case["full_name_l"] in page and case["full_name_r"] in page
    assert case["name_level"] in page and "weight (bits)" in page
    assert [b.__class__.__name__ for b in (defs["accept"], defs["reject"], defs["skip"])] == ["button"] * 3


def test_the_mismatch_report_filters_and_charts_a_run(run_db, monkeypatch):
    db, run_id = run_db
    monkeypatch.setenv("DOISOAT_DB", str(db))
    _, defs = _load("mismatches").run()
    con = duckdb.connect(str(db), read_only=True)
    findings = con.execute("SELECT count(*) FROM discrepancies WHERE run_id = ?", [run_id]).fetchall()[0][0]
    con.close()
    assert defs["selected"].height == findings > 0  # every filter starts with everything selected
    assert defs["by_kind"]["findings"].sum() == findings
    assert set(defs["sector_filter"].value) <= {"residency", *SECTORS}
    for chart in ("kind_chart", "commune_chart", "outcome_chart", "trend_chart"):
        assert defs[chart].__class__.__name__ == "altair_chart"


@pytest.mark.parametrize(("name", "line"), [
    ("review", "review: run {run_id}: {pairs} candidate pairs"),
    ("mismatches", "mismatches: run {run_id}: {findings} findings"),
])
def test_the_notebooks_run_as_scripts_to_their_last_cell(run_db, name, line):
    db, run_id = run_db
    con = duckdb.connect(str(db), read_only=True)
    findings = con.execute("SELECT count(*) FROM discrepancies WHERE run_id = ?", [run_id]).fetchone()[0]
    pairs = con.execute("SELECT count(*) FROM match_evidence WHERE run_id = ? AND outcome = 'review'",
                        [run_id]).fetchone()[0]
    con.close()
    result = subprocess.run([sys.executable, str(NOTEBOOKS / f"{name}.py"), "--db", str(db)],
                            capture_output=True, text=True, timeout=180)
    assert result.returncode == 0, result.stderr[-2000:]
    assert line.format(run_id=run_id, pairs=pairs, findings=findings) in result.stdout.splitlines(), result.stdout
    assert findings > 0 and pairs > 0
