"""Prefect's temporary server, started early. With no ``PREFECT_API_URL`` configured, a flow run
first starts a local Prefect server in a subprocess (≈ 8 s on two cores). ``warm_up()`` starts it in
a background thread as soon as a command knows it will run a flow, so that it boots while the
command imports its modules and checks its inputs; ``ready()`` waits for it before the flow runs.
A configured server (``PREFECT_API_URL``, the test harness) is left alone.
"""

from __future__ import annotations

import contextlib
import threading

_starting: threading.Thread | None = None


def temporary() -> bool:
    """Whether flows in this process run on Prefect's temporary server (no API URL configured)."""
    from prefect.settings import get_current_settings

    settings = get_current_settings()
    return not settings.api.url and settings.server.ephemeral.enabled


def warm_up() -> None:
    """Start the temporary server in the background (once; nothing when a server is configured)."""
    global _starting
    if _starting is not None or not temporary():
        return
    from prefect.server.api.server import SubprocessASGIServer

    def start() -> None:
        with contextlib.suppress(Exception):  # the flow starts it again and reports any failure
            SubprocessASGIServer().start()

    _starting = threading.Thread(target=start, name="prefect-server-warm-up", daemon=True)
    _starting.start()


def ready() -> None:
    """Wait until a server started by ``warm_up`` answers (or gave up: the flow then starts it)."""
    if _starting is not None:
        _starting.join()


@contextlib.contextmanager
def run_settings():
    """Settings for flows of this command: on the temporary server no flow heartbeats (the server
    ends with the process; joining the heartbeat costs ≈ 1 s at the end of every flow run)."""
    if not temporary():
        yield
        return
    from prefect.settings import PREFECT_FLOWS_HEARTBEAT_FREQUENCY, temporary_settings

    with temporary_settings(updates={PREFECT_FLOWS_HEARTBEAT_FREQUENCY: None}):
        yield
