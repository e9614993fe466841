"""Scheduling on a real Prefect server: `doisoat serve` registers the monthly deployment, the
server's scheduler plans it for 02:00 on the 5th in Hà Nội time, and a run triggered by hand
completes; a run with a missing sector file ends Failed, naming the file.

The test starts `prefect server start` (temporary PREFECT_HOME, free port) and `doisoat serve`
as subprocesses, as the README's Operations section does.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path
from zoneinfo import ZoneInfo

import duckdb
import pytest

from pipelines.ops.schedule import FLOW_NAME

BIN = Path(sys.executable).parent
WAIT_SERVER, WAIT_DEPLOYMENT, WAIT_RUN = 120, 90, 240


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _stop(proc: subprocess.Popen, sig=signal.SIGINT, timeout: float = 30) -> None:
    if proc.poll() is None:
        proc.send_signal(sig)
        try:
            proc.wait(timeout)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(10)


def _log_tail(path: Path) -> str:
    return path.read_text(errors="replace")[-3000:] if path.exists() else ""


@pytest.fixture(scope="module")
def prefect_server(tmp_path_factory):
    """`prefect server start --host 127.0.0.1 --port <free>` with its own PREFECT_HOME; yields the API URL."""
    home = tmp_path_factory.mktemp("prefect-server")
    port = _free_port()
    env = {**os.environ, "PREFECT_HOME": str(home), "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
           "PREFECT_SERVER_UI_ENABLED": "false", "PREFECT_LOGGING_LEVEL": "WARNING"}
    env.pop("PREFECT_API_URL", None)
    log = home / "server.log"
    with open(log, "wb") as out:
        proc = subprocess.Popen([str(BIN / "prefect"), "server", "start", "--host", "127.0.0.1", "--port", str(port),
                                 "--analytics-off", "--no-ui"], env=env, stdout=out, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}/api"
    deadline = time.monotonic() + WAIT_SERVER
    while True:
        try:
            with urllib.request.urlopen(f"{url}/health", timeout=2) as response:
                if response.status == 200:
                    break
        except OSError:
            pass
        if proc.poll() is not None or time.monotonic() > deadline:
            _stop(proc, signal.SIGTERM)
            pytest.fail(f"the Prefect server did not start:\n{_log_tail(log)}")
        time.sleep(0.5)
    yield url
    _stop(proc, signal.SIGTERM)


@pytest.fixture(scope="module")
def deployment_dir(tmp_path_factory) -> Path:
    """A configuration for one commune: November complete, October without its union list."""
    from sample_data.generate import generate_commune, write_commune

    base = tmp_path_factory.mktemp("deployment")
    data = write_commune(generate_commune(150, seed=21), base / "generated")
    for period, sectors in (("2026-11", ("vaccination", "union_membership")), ("2026-10", ("vaccination",))):
        folder = base / "lists" / period
        folder.mkdir(parents=True)
        (folder / "dan_cu.csv").write_bytes(data["residency"].read_bytes())
        for sector in sectors:
            (folder / f"{sector}_thon1{data[sector].suffix}").write_bytes(data[sector].read_bytes())
    (base / "doisoat.toml").write_text("""
name = "test-commune"
db = "data/doisoat.duckdb"
out = "out/{period}"
read_retry_delay = 0

[[communes]]
code = "14209"
name = "Xã Thử"
residency = "lists/{period}/dan_cu.csv"
[communes.sectors]
vaccination = "lists/{period}/vaccination_*.xlsx"
union_membership = "lists/{period}/union_membership_*.xlsx"
""", encoding="utf-8")
    return base


def _wait(what: str, fn, timeout: float, log: Path):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = fn()
        if value:
            return value
        time.sleep(1)
    pytest.fail(f"timed out waiting for {what}; serve output:\n{_log_tail(log)}")


def test_serve_registers_the_monthly_deployment_and_runs_it(prefect_server, deployment_dir, tmp_path):
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.filters import (
        DeploymentFilter,
        DeploymentFilterId,
        FlowRunFilter,
        FlowRunFilterState,
        FlowRunFilterStateType,
    )
    from prefect.client.schemas.objects import StateType
    from prefect.exceptions import ObjectNotFound
    from prefect.settings import PREFECT_API_URL, temporary_settings

    config = deployment_dir / "doisoat.toml"
    env = {**os.environ, "PREFECT_API_URL": prefect_server, "PREFECT_HOME": str(tmp_path / "client"),
           "PREFECT_LOGGING_LEVEL": "WARNING"}
    log = tmp_path / "serve.log"
    with open(log, "wb") as out:
        serving = subprocess.Popen([sys.executable, "-m", "pipelines.cli", "serve", "--config", str(config)],
                                   env=env, stdout=out, stderr=subprocess.STDOUT, cwd=tmp_path)
    try:
        with temporary_settings(updates={PREFECT_API_URL: prefect_server}), get_client(sync_client=True) as client:
            def deployment():
                try:
                    return client.read_deployment_by_name(f"{FLOW_NAME}/test-commune")
                except ObjectNotFound:
                    assert serving.poll() is None, f"doisoat serve exited:\n{_log_tail(log)}"
                    return None

            dep = _wait("the deployment", deployment, WAIT_DEPLOYMENT, log)
            assert dep.parameters == {"config": str(config)}  # a path, no personal data
            (schedule,) = dep.schedules
            assert schedule.active
            assert (schedule.schedule.cron, schedule.schedule.timezone) == ("0 2 5 * *", "Asia/Ho_Chi_Minh")

            # The server's scheduler plans runs for 02:00 on the 5th, Hà Nội time.
            by_deployment = DeploymentFilter(id=DeploymentFilterId(any_=[dep.id]))
            scheduled = FlowRunFilter(state=FlowRunFilterState(type=FlowRunFilterStateType(any_=[StateType.SCHEDULED])))
            planned = _wait("scheduled runs", lambda: client.read_flow_runs(
                deployment_filter=by_deployment, flow_run_filter=scheduled), WAIT_DEPLOYMENT, log)
            for run in planned:
                local = run.expected_start_time.astimezone(ZoneInfo("Asia/Ho_Chi_Minh"))
                assert (local.day, local.hour, local.minute) == (5, 2, 0), local

            # Trigger two runs by hand: November is complete, October lacks its union list.
            november = client.create_flow_run_from_deployment(dep.id, parameters={"period": "2026-11"})
            october = client.create_flow_run_from_deployment(dep.id, parameters={"period": "2026-10"})

            def finished(run_id):
                def check():
                    run = client.read_flow_run(run_id)
                    return run if run.state and run.state.is_final() else None
                return check

            done = _wait("the November run", finished(november.id), WAIT_RUN, log)
            assert done.state.type == StateType.COMPLETED, (done.state.message, _log_tail(log))
            assert done.parameters == {"config": str(config), "period": "2026-11"}
            failed = _wait("the October run", finished(october.id), WAIT_RUN, log)
            assert failed.state.type == StateType.FAILED
            assert "commune 14209 partial" in failed.state.message
            assert "union_membership_*.xlsx" in failed.state.message
    finally:
        _stop(serving)

    con = duckdb.connect(str(deployment_dir / "data" / "doisoat.duckdb"), read_only=True)
    try:
        rows = con.execute("SELECT period, commune, status FROM runs ORDER BY period").fetchall()
    finally:
        con.close()
    assert rows == [("2026-10", "14209", "partial"), ("2026-11", "14209", "succeeded")]
    report = deployment_dir / "out" / "2026-11" / "14209" / "bao_cao_doi_soat_2026-11.html"
    assert report.exists() and oct(report.stat().st_mode & 0o777) == "0o600"


def test_serve_without_a_server_says_what_to_do(deployment_dir, tmp_path):
    env = {**os.environ, "PREFECT_HOME": str(tmp_path)}
    env.pop("PREFECT_API_URL", None)
    result = subprocess.run([sys.executable, "-m", "pipelines.cli", "serve", "--config", str(deployment_dir / "doisoat.toml")],
                            capture_output=True, text=True, env=env, timeout=120)
    assert result.returncode == 1
    assert result.stderr.startswith("Error: PREFECT_API_URL is not set: scheduling needs a Prefect server")
