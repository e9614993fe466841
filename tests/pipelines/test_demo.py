"""`doisoat demo` (what `make demo` runs) works on the committed sample and scores it."""

import os
import re
import subprocess
import sys

import duckdb


def test_demo_runs_on_the_sample_and_reports_precision_and_recall(tmp_path):
    env = {**os.environ}
    env.pop("PREFECT_API_URL", None)
    result = subprocess.run([sys.executable, "-m", "pipelines.cli", "demo", "--out", str(tmp_path / "demo")],
                            capture_output=True, text=True, env=env, timeout=600)
    assert result.returncode == 0, result.stderr
    scores = {m[1]: (float(m[2]), float(m[3])) for m in re.finditer(r"^(\w[\w ]*?)\s+([01]\.\d{4})\s+([01]\.\d{4})$",
                                                                    result.stdout, re.MULTILINE)}
    assert set(scores) == {"civil_status", "vaccination", "social_protection", "social_insurance",
                           "union_membership", "all sectors"}
    precision, recall = scores["all sectors"]
    assert precision >= 0.998 and recall >= 0.99
    con = duckdb.connect(str(tmp_path / "demo" / "doisoat.duckdb"), read_only=True)
    assert con.execute("SELECT status FROM runs").fetchall() == [("succeeded",)]
