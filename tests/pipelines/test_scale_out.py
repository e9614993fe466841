"""The three ways to run a flow give the same outcomes row for row: in this process, on a
temporary local Dask cluster (``--workers 2``) and on an existing scheduler with two worker
processes started here from the project's venv (``--dask-address``)."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import duckdb
import pytest

from contracts import DoisoatError
from contracts.fields import SECTORS
from pipelines.flow import reconcile
from pipelines.runners import check_runner_options, task_runner

pytestmark = pytest.mark.usefixtures("prefect_backend")

PIECE_ROWS = 150  # several pieces per sector on a 400-resident commune
OUTCOMES = ("SELECT sector, source_file, source_row, outcome, residency_id, round(match_probability, 9), "
            "match_method FROM record_outcomes ORDER BY ALL")
FINDINGS = "SELECT sector, source_file, source_row, kind, field, residency_id, finding_id FROM discrepancies ORDER BY ALL"
EVIDENCE = "SELECT source_file, source_row, residency_id, rank, outcome FROM match_evidence ORDER BY ALL"


def _run(folder: Path, tmp_path: Path, name: str, runner=None) -> dict[str, list]:
    flow = reconcile.with_options(task_runner=runner) if runner is not None else reconcile
    db = tmp_path / f"{name}.duckdb"
    sectors = [f"{s}={p}" for s in SECTORS for p in sorted(folder.glob(f"{s}.*"))]
    state = flow(residency=str(folder / "residency.csv"), sectors=sectors, period="2026-11", db=str(db),
                 out=str(tmp_path / f"out-{name}"), partition_rows=PIECE_ROWS, scratch=str(tmp_path / "scratch"),
                 return_state=True)
    assert state.is_completed(), state.message
    summary = state.result()
    assert summary.pieces > len(SECTORS) and summary.engine == ("Dask" if runner is not None else "this process")
    con = duckdb.connect(str(db), read_only=True)
    try:
        return {q: con.sql(q).fetchall() for q in (OUTCOMES, FINDINGS, EVIDENCE)}
    finally:
        con.close()


@pytest.fixture(scope="module")
def in_process(small_commune, tmp_path_factory):
    return _run(small_commune, tmp_path_factory.mktemp("one-process"), "one")


def test_a_temporary_local_cluster_gives_the_same_outcomes(small_commune, tmp_path, in_process):
    on_cluster = _run(small_commune, tmp_path, "local", task_runner(workers=2))
    assert len(on_cluster[OUTCOMES]) > 1000
    assert on_cluster == in_process
    assert not list((tmp_path / "scratch").iterdir())  # the pieces (personal data) are gone


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def dask_cluster(tmp_path):
    """A real ``dask scheduler`` and one ``dask worker`` command with two worker processes on
    127.0.0.1, from this venv, pointed at the test's Prefect server."""
    from distributed import Client
    from prefect.settings import PREFECT_API_URL

    bin_dir = Path(sys.executable).parent
    port = _free_port()
    address = f"tcp://127.0.0.1:{port}"
    env = {**os.environ, "PREFECT_API_URL": str(PREFECT_API_URL.value()), "DASK_LOGGING__DISTRIBUTED": "error"}
    logs = (tmp_path / "dask.log").open("w")
    procs = [subprocess.Popen([str(bin_dir / "dask"), "scheduler", "--host", "127.0.0.1", "--port", str(port),
                               "--no-dashboard"], env=env, stdout=logs, stderr=subprocess.STDOUT)]
    try:
        time.sleep(1)
        procs.append(subprocess.Popen([str(bin_dir / "dask"), "worker", address, "--nworkers", "2", "--nthreads", "1",
                                       "--no-dashboard"], env=env, stdout=logs, stderr=subprocess.STDOUT))
        with Client(address, timeout=60) as client:
            client.wait_for_workers(2, timeout=120)
        yield address
    finally:
        for proc in reversed(procs):
            proc.terminate()
        for proc in procs:
            try:
                proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                proc.kill()
        logs.close()


def _pieces_linked_here() -> bool:
    """On a worker: did this process link a piece (read the extract of a run's pieces)?"""
    partitions = sys.modules.get("pipelines.partitions")
    return partitions is not None and partitions._read_residents.cache_info().misses > 0


def test_an_existing_scheduler_with_two_workers_gives_the_same_outcomes(small_commune, tmp_path, in_process,
                                                                      dask_cluster):
    import cloudpickle
    from distributed import Client

    on_cluster = _run(small_commune, tmp_path, "external", task_runner(dask_address=dask_cluster))
    assert on_cluster == in_process
    cloudpickle.register_pickle_by_value(sys.modules[__name__])  # the workers cannot import this test
    with Client(dask_cluster, timeout=60) as client:
        worked = client.run(_pieces_linked_here)
    assert len(worked) == 2 and all(worked.values()), worked  # both worker processes linked pieces


@pytest.mark.parametrize(("workers", "address", "message"), [
    (2, "tcp://127.0.0.1:8786", "give --workers"),
    (0, None, "--workers must be between 1 and 256"),
    (None, "127.0.0.1:8786", "is not a Dask scheduler address"),
])
def test_runner_options_that_name_no_single_runner_are_refused(workers, address, message):
    with pytest.raises(DoisoatError, match=message):
        check_runner_options(workers, address)
    assert task_runner() is None
