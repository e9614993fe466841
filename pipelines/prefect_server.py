"""Prefect's temporary server, started early. With no Prefect server configured, a flow run first
starts a local server in a subprocess and waits for it (≈ 5–8 s on two cores), after this process
has imported Prefect (≈ 2–4 s more). ``warm_up()`` starts that same server (the command Prefect's
``SubprocessASGIServer`` runs) as soon as a command knows it will run a flow, before Prefect is
imported, and names it in ``PREFECT_API_URL`` for this process and the ones it starts (Dask
workers), so that both boot side by side; ``run_settings()`` waits for it before the flow.

Nothing changes when a server is configured anywhere Prefect looks for one (the environment, a
profile, ``prefect.toml``, ``.env``, ``pyproject.toml``) or when Prefect is already imported
(a test harness): the flow then runs as it always did.
"""

from __future__ import annotations

import atexit
import contextlib
import importlib.util
import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

_server: subprocess.Popen | None = None
_url: str | None = None
STARTUP_TIMEOUT_S = 60.0  # a cold machine can take long; after this the flow starts its own as usual


def _configured_elsewhere() -> bool:
    """Whether a Prefect server may be configured outside the environment (any settings file
    Prefect reads that mentions an API URL or a Prefect section): then Prefect decides, as always."""
    home = Path(os.environ.get("PREFECT_HOME", "~/.prefect")).expanduser()
    files = [Path(os.environ.get("PREFECT_PROFILES_PATH", home / "profiles.toml")).expanduser(),
             Path("prefect.toml"), Path(".env"), Path("pyproject.toml")]
    for path in files:
        with contextlib.suppress(OSError, UnicodeDecodeError):
            text = path.read_text(encoding="utf-8").lower()
            if "api_url" in text or "[api]" in text or "tool.prefect" in text:
                return True
    return False


def warm_up() -> None:
    """Start a temporary Prefect server in the background and name it in ``PREFECT_API_URL`` (once;
    not when a server may be configured or Prefect is already imported)."""
    global _server, _url
    if (_server is not None or "prefect" in sys.modules or os.environ.get("PREFECT_API_URL")
            or os.environ.get("PREFECT_SERVER_ALLOW_EPHEMERAL_MODE", "").lower() in ("0", "false")
            or _configured_elsewhere()):
        return
    spec = importlib.util.find_spec("prefect")
    if spec is None or not spec.submodule_search_locations:
        return
    with socket.socket() as probe:  # a free port on the loopback interface
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    env = {**os.environ, "PREFECT_UI_ENABLED": "0", "PREFECT__SERVER_EPHEMERAL": "1", "PREFECT__SERVER_FINAL": "1"}
    _server = subprocess.Popen(
        [sys.executable, "-m", "uvicorn", "--app-dir", str(Path(spec.submodule_search_locations[0]).parent),
         "--factory", "prefect.server.api.server:create_app", "--host", "127.0.0.1", "--port", str(port),
         "--log-level", "error", "--lifespan", "on"], env=env, stdin=subprocess.DEVNULL)
    _url = f"http://127.0.0.1:{port}/api"
    os.environ["PREFECT_API_URL"] = _url
    atexit.register(stop)


def started() -> bool:
    """Whether this process started the early server (so the flow will wait for it)."""
    return _server is not None


def stop() -> None:
    """Stop the early server (at the end of the process)."""
    global _server, _url
    if _server is not None:
        _server.terminate()
        try:
            _server.wait(timeout=5)
        except subprocess.TimeoutExpired:
            _server.kill()
            _server.wait()
    _server = _url = None


def _answering() -> bool:
    """Whether the early server is up: its health endpoint answers before the timeout."""
    deadline = time.monotonic() + STARTUP_TIMEOUT_S
    while time.monotonic() < deadline and _server is not None and _server.poll() is None:
        with contextlib.suppress(OSError):
            with urllib.request.urlopen(f"{_url}/health", timeout=2) as response:
                if response.status == 200:
                    return True
        time.sleep(0.05)
    return False


@contextlib.contextmanager
def run_settings():
    """Settings for the flows of this command. With the early server: wait until it answers (a flow
    cannot run without it: one that never comes up is an error naming the timeout), and no flow
    heartbeats (the server ends with the process; joining a heartbeat costs ≈ 1 s per flow run).
    Otherwise Prefect's own settings, untouched."""
    if _server is None:
        yield
        return
    if not _answering():
        from contracts import DoisoatError

        raise DoisoatError(f"Prefect's temporary server did not start within {STARTUP_TIMEOUT_S:.0f} s; "
                           "start one (prefect server start) and set PREFECT_API_URL, or try again")
    from prefect.settings import PREFECT_FLOWS_HEARTBEAT_FREQUENCY, temporary_settings

    with temporary_settings(updates={PREFECT_FLOWS_HEARTBEAT_FREQUENCY: None}):
        yield
