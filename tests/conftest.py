"""Shared fixtures: a quiet, isolated Prefect backend and small generated communes."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import pytest

# Isolate Prefect from the user's ~/.prefect and keep it quiet (STACK.md §3g). Must run before
# prefect is imported anywhere.
os.environ.setdefault("PREFECT_HOME", tempfile.mkdtemp(prefix="doisoat-prefect-"))
os.environ.pop("PREFECT_API_URL", None)
os.environ["PREFECT_SERVER_ANALYTICS_ENABLED"] = "false"
os.environ["PREFECT_LOGGING_LEVEL"] = "WARNING"
os.environ["PREFECT_SERVER_UI_ENABLED"] = "false"
os.environ.setdefault("PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS", "120")

REPO = Path(__file__).resolve().parent.parent
SAMPLE = REPO / "sample_data" / "commune"


@pytest.fixture(scope="session")
def prefect_backend():
    """A real Prefect server (temporary SQLite) for the session, heartbeats off."""
    from prefect.settings import PREFECT_FLOWS_HEARTBEAT_FREQUENCY, temporary_settings
    from prefect.testing.utilities import prefect_test_harness

    with prefect_test_harness(server_startup_timeout=120), \
            temporary_settings(updates={PREFECT_FLOWS_HEARTBEAT_FREQUENCY: None}):
        yield


@pytest.fixture(scope="session")
def small_commune(tmp_path_factory) -> Path:
    """A freshly generated commune of 400 residents (CSV and XLSX files, with ground truth)."""
    from sample_data.generate import generate_commune, write_commune

    out = tmp_path_factory.mktemp("commune")
    write_commune(generate_commune(400, seed=11), out)
    return out
