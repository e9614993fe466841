"""End to end in a browser: `doisoat review` serves the review app, headless Chromium accepts a
pair, and the next month's run honours the decision.

Uses Debian's `chromium` (installed by .ci/run) through Playwright; nothing is downloaded.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import polars as pl
import pytest

from contracts.fields import SECTORS
from pipelines.flow import reconcile
from pipelines.review import review_cases
from pipelines.store import open_db

pytestmark = pytest.mark.usefixtures("prefect_backend")
REVIEWER = "analyst-e2e"


def _chromium() -> str:
    path = shutil.which("chromium") or shutil.which("chromium-browser")
    if path:
        return path
    if os.environ.get("CI"):
        pytest.fail("Debian's chromium is not installed (.ci/run installs it: apt-get install chromium)")
    pytest.skip("chromium is not installed (apt-get install chromium)")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _run(folder: Path, db: Path, out: Path, period: str) -> str:
    sectors = [f"{name}={p}" for name in SECTORS for p in sorted(folder.glob(f"{name}.*"))]
    state = reconcile(residency=str(folder / "residency.csv"), sectors=sectors, period=period, db=str(db),
                      out=str(out), return_state=True)
    assert state.is_completed(), state.message
    return state.result().run_id


def _decisions(db: Path) -> pl.DataFrame:
    con = open_db(db, read_only=True)
    try:
        return con.sql("SELECT * FROM review_decisions").pl()
    finally:
        con.close()


def test_accept_a_pair_in_the_browser_and_the_next_run_honours_it(small_commune, tmp_path):
    from playwright.sync_api import sync_playwright

    chromium = _chromium()
    db = tmp_path / "doisoat.duckdb"
    first = _run(small_commune, db, tmp_path / "out1", "2026-10")
    pending = review_cases(db, first).filter(pl.col("proposed") & pl.col("current_decision").is_null())
    assert pending.height >= 2
    shown = pending.row(0, named=True)  # the app opens on the first undecided pair

    port = _free_port()
    log = tmp_path / "review-app.log"
    with open(log, "wb") as out:
        app = subprocess.Popen([sys.executable, "-m", "pipelines.cli", "review", "--db", str(db), "--port", str(port)],
                               stdout=out, stderr=subprocess.STDOUT, start_new_session=True)
    try:
        deadline = time.monotonic() + 90
        while True:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/health", timeout=2):
                    break
            except OSError:
                if app.poll() is not None or time.monotonic() > deadline:
                    pytest.fail(f"the review app did not start:\n{log.read_text(errors='replace')[-3000:]}")
                time.sleep(0.5)

        with sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path=chromium, headless=True, args=["--no-sandbox", "--disable-dev-shm-usage"])
            try:
                page = browser.new_page(viewport={"width": 1400, "height": 1000})
                page.goto(f"http://127.0.0.1:{port}/")
                page.get_by_role("heading", name=f"Pair 1 of {pending.height}").wait_for(timeout=90_000)
                assert f"row {shown['source_row']}" in page.content()
                assert shown["full_name_l"] in page.content()  # side by side with the evidence
                assert "weight (bits)" in page.content()

                reviewer = page.get_by_label("Reviewer")
                reviewer.fill(REVIEWER)
                reviewer.press("Tab")
                page.wait_for_timeout(500)  # the text input sends its value after a short debounce
                page.get_by_role("button", name="Accept").click()

                deadline = time.monotonic() + 60
                while _decisions(db).is_empty():
                    assert time.monotonic() < deadline, "no decision reached the database"
                    time.sleep(0.5)
                # the list reloads: that pair is decided, the next one is shown
                page.get_by_role("heading", name=f"Pair 1 of {pending.height - 1}").wait_for(timeout=60_000)
            finally:
                browser.close()
    finally:
        os.killpg(app.pid, signal.SIGTERM)
        try:
            app.wait(20)
        except subprocess.TimeoutExpired:
            os.killpg(app.pid, signal.SIGKILL)
            app.wait(10)

    decision = _decisions(db).row(0, named=True)
    assert (decision["decision"], decision["decided_by"]) == ("accepted", REVIEWER)
    assert (decision["sector"], decision["source_file"], decision["source_row"], decision["residency_id"]) == (
        shown["sector"], shown["source_file"], shown["source_row"], shown["residency_id"])
    assert decision["decided_at"] is not None

    second = _run(small_commune, db, tmp_path / "out2", "2026-11")
    con = open_db(db, read_only=True)
    try:
        outcome = con.execute("""SELECT outcome, residency_id, match_method FROM record_outcomes
                                 WHERE run_id = ? AND sector = ? AND source_file = ? AND source_row = ?""",
                              [second, shown["sector"], shown["source_file"], shown["source_row"]]).fetchall()
    finally:
        con.close()
    assert outcome == [("matched", shown["residency_id"], "review")]
