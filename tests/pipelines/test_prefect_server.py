"""The early temporary Prefect server (``pipelines.prefect_server``): a flow runs on it, it is gone
when the process ends, and a server configured anywhere Prefect looks is left to Prefect."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from pipelines import prefect_server

ROOT = Path(__file__).resolve().parents[2]

SCRIPT = textwrap.dedent("""
    from pipelines import prefect_server
    prefect_server.warm_up()
    import os
    from prefect import flow
    from prefect.settings import get_current_settings

    @flow
    def hello() -> str:
        return get_current_settings().api.url

    with prefect_server.run_settings():
        print(os.environ["PREFECT_API_URL"], hello())
""")


def _environment(home: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("PREFECT_API")}
    return {**env, "PREFECT_HOME": str(home), "PYTHONPATH": str(ROOT)}


def test_a_flow_runs_on_the_early_server_which_ends_with_the_process(tmp_path):
    done = subprocess.run([sys.executable, "-c", SCRIPT], capture_output=True, text=True, cwd=tmp_path,
                          env=_environment(tmp_path / "prefect"), timeout=180)
    assert done.returncode == 0, done.stderr[-2000:]
    named, used = done.stdout.split()
    assert named == used and named.startswith("http://127.0.0.1:") and named.endswith("/api")
    port = int(named.removeprefix("http://127.0.0.1:").removesuffix("/api"))
    with socket.socket() as probe:  # nothing listens there any more
        assert probe.connect_ex(("127.0.0.1", port)) != 0


@pytest.mark.parametrize(("file", "text", "configured"), [
    ("prefect/profiles.toml", 'active = "work"\n[profiles.work]\nPREFECT_API_URL = "http://10.0.0.5:4200/api"\n', True),
    ("prefect.toml", '[api]\nurl = "http://10.0.0.5:4200/api"\n', True),
    (".env", "PREFECT_API_URL=http://10.0.0.5:4200/api\n", True),
    ("pyproject.toml", '[tool.prefect.api]\nurl = "http://10.0.0.5:4200/api"\n', True),
    ("pyproject.toml", '[project]\nname = "x"\ndependencies = ["prefect==3.8.8"]\n', False),
    ("prefect/profiles.toml", 'active = "local"\n[profiles.local]\nPREFECT_LOGGING_LEVEL = "INFO"\n', False),
])
def test_a_server_configured_in_a_settings_file_is_left_to_prefect(tmp_path, monkeypatch, file, text, configured):
    (tmp_path / file).parent.mkdir(parents=True, exist_ok=True)
    (tmp_path / file).write_text(text, encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("PREFECT_HOME", str(tmp_path / "prefect"))
    monkeypatch.delenv("PREFECT_PROFILES_PATH", raising=False)
    assert prefect_server._configured_elsewhere() is configured


def test_nothing_is_started_once_prefect_is_imported():
    import prefect  # noqa: F401 - as a test harness or an embedding program would have

    prefect_server.warm_up()
    assert prefect_server._server is None
