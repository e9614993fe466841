"""Personal data stays out of logs, Prefect parameters, state messages and exception texts, and
the files a run writes are readable by their owner only.

The runs cover the usual paths and the failure paths: a sector file that cannot be mapped, a sector
file and a residency extract without a header row (their first row is a person's), a source that
is never there (a share that is not mounted: retried, then that file fails alone), an empty
residency extract, and an unexpected library error whose text quotes a name and an ID.
Everything Prefect stored for these runs (through its API, and the bytes of its database file),
everything logged in this process, what the command prints for a header-less extract, and every
DuckDB table kept after a purge are scanned for every name and ID number of the input files.
"""

from __future__ import annotations

import logging
import os
import shutil
import subprocess
import sys
from pathlib import Path

import duckdb

import pytest

from contracts.fields import (
    FULL_NAME,
    FULL_NAME_RAW,
    OLD_ID,
    PERSON_ID,
    RESIDENCY,
    SECTORS,
)
from pipelines import partitions as partitions_module
from pipelines.flow import reconcile
from pipelines.ingest import SourceFile, ingest_file
from pipelines.ops import purge

pytestmark = pytest.mark.usefixtures("prefect_backend")


def _personal_data(folder: Path) -> tuple[set[str], set[str]]:
    """Every full name (as listed and normalised) and every ID number in the input files."""
    names, ids = set(), set()
    for source in (RESIDENCY, *SECTORS):
        for path in sorted(folder.glob(f"{source}.*")):
            records = ingest_file(SourceFile(source, path)).records
            for col in (FULL_NAME, FULL_NAME_RAW):
                if col in records.columns:
                    names |= {n for n in records[col].drop_nulls().to_list() if len(n) >= 5}
            for col in (PERSON_ID, OLD_ID):
                if col in records.columns:
                    ids |= set(records[col].drop_nulls().to_list())
    return names, ids


def _server_texts(flow_run_ids: list) -> list[str]:
    """Logs, parameters and every state message Prefect's server holds for these runs and their tasks."""
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.filters import (
        FlowRunFilter,
        FlowRunFilterId,
        FlowRunFilterParentFlowRunId,
        LogFilter,
        LogFilterFlowRunId,
    )

    texts = []
    with get_client(sync_client=True) as client:
        runs = list(flow_run_ids)
        children = client.read_flow_runs(flow_run_filter=FlowRunFilter(
            parent_flow_run_id=FlowRunFilterParentFlowRunId(any_=runs)))
        runs += [c.id for c in children]
        offset = 0
        while True:
            page = client.read_logs(log_filter=LogFilter(flow_run_id=LogFilterFlowRunId(any_=runs)), limit=200,
                                    offset=offset)
            texts += [log.message for log in page]
            offset += len(page)
            if len(page) < 200:
                break
        for run_id in runs:
            run = client.read_flow_run(run_id)
            texts.append(repr(run.parameters))
            texts += [s.message or "" for s in client.read_flow_run_states(run_id)]
            for task_run in client.read_task_runs(flow_run_filter=FlowRunFilter(id=FlowRunFilterId(any_=[run_id]))):
                texts += [task_run.name, repr(task_run.task_inputs)]
                texts += [s.message or "" for s in client.read_task_run_states(task_run.id)]
    return texts


def _leaks(texts: list[str], names: set[str], ids: set[str]) -> list[str]:
    blob = "\n".join(texts)
    return [v for v in ids if v in blob] + [n for n in names if n in blob]


@pytest.fixture(scope="module")
def runs(small_commune, tmp_path_factory):
    """Four runs over the same data, each down a different path; returns (folder, states, log texts)."""
    base = tmp_path_factory.mktemp("pii")
    folder = base / "commune"
    shutil.copytree(small_commune, folder)
    sectors = [f"{name}={p}" for name in SECTORS for p in sorted(folder.glob(f"{name}.*"))]
    unmappable = base / "khong_ro.csv"
    unmappable.write_text("Cột A,Cột B\n036099340903,Vũ Văn Mậu\n", encoding="utf-8")
    names, ids = _personal_data(folder)
    # the residency extract without its header row: the first "header" is a person's row
    residency_lines = (folder / "residency.csv").read_text(encoding="utf-8-sig").splitlines(keepends=True)
    headerless = base / "dan_cu_khong_tieu_de.csv"
    headerless.write_text("".join(residency_lines[1:]), encoding="utf-8")
    headerless_sector = base / "ho_tich_khong_tieu_de.csv"
    headerless_sector.write_text("".join(residency_lines[1:40]), encoding="utf-8")
    never_mounted = base / "o_mang_chua_gan" / "bao_tro.csv"  # a share that is not mounted
    a_name, an_id = sorted(names)[0], sorted(ids)[0]

    def run(out: str, **changes):
        params = dict(residency=str(folder / "residency.csv"), sectors=sectors, period="2026-11",
                      db=str(base / "doisoat.duckdb"), out=str(base / out), read_retry_delay=0)
        params.update(changes)
        return reconcile(**params, return_state=True)

    handler = _Collect()  # everything logged in this process, Prefect's loggers made verbose
    loggers = [logging.getLogger(n) for n in ("", "prefect", "prefect.flow_runs", "prefect.task_runs")]
    old_levels = [lg.level for lg in loggers]
    for lg in loggers:
        lg.setLevel(logging.DEBUG)
        lg.addHandler(handler)
    mp = pytest.MonkeyPatch()
    try:
        states = {"partial": run("out", sectors=[*sectors, f"civil_status={unmappable}",
                                                 f"civil_status={headerless_sector}"])}
        states["io_error"] = run("out_io", sectors=[*sectors, f"social_protection={never_mounted}"])
        states["headerless_extract"] = run("out_headerless", residency=str(headerless))

        empty = base / "dan_cu_rong.csv"
        empty.write_text("", encoding="utf-8")
        states["no_residency"] = run("out_none", residency=str(empty))

        def library_error(records, residents, model, settings):
            raise ValueError(f"could not compare {a_name!r} with {an_id}")  # what a library error may look like

        mp.setattr(partitions_module, "link_part", library_error)  # in a match piece
        states["unexpected"] = run("out_unexpected", full=True)  # every row scored, none from the cache
    finally:
        mp.undo()
        for lg, level in zip(loggers, old_levels):
            lg.removeHandler(handler)
            lg.setLevel(level)
    return base, folder, states, handler.texts, names, ids


class _Collect(logging.Handler):
    def __init__(self):
        super().__init__(logging.DEBUG)
        self.texts: list[str] = []

    def emit(self, record):
        self.texts.append(self.format(record))


def test_the_runs_went_down_the_intended_paths(runs):
    base, folder, states, *_ = runs
    partial = states["partial"]
    assert partial.is_completed() and partial.name == "Partial"
    assert partial.message == "2 input file(s) could not be read: khong_ro.csv, ho_tich_khong_tieu_de.csv"
    reasons = dict(partial.result().failed_files)
    assert "row 1 looks like data, not a header" in reasons[str(base / "ho_tich_khong_tieu_de.csv")]
    io_error = states["io_error"]
    assert io_error.name == "Partial"
    (path, reason), = io_error.result().failed_files
    assert Path(path).name == "bao_tro.csv"
    assert reason == "bao_tro.csv: file not found, even after 2 retries"
    headerless = states["headerless_extract"]
    assert headerless.is_failed()
    assert headerless.message.startswith("dan_cu_khong_tieu_de.csv: no column for ")
    assert "looks like data, not a header" in headerless.message
    assert states["no_residency"].is_failed() and states["no_residency"].message == "dan_cu_rong.csv: the file is empty"
    unexpected = states["unexpected"]
    assert unexpected.is_failed()
    assert unexpected.message.startswith("piece_task: unexpected ValueError at ")
    assert "it may hold personal data" in unexpected.message


def test_no_name_or_id_reaches_logs_parameters_or_state_messages(runs):
    base, folder, states, local_logs, names, ids = runs
    assert len(names) > 300 and len(ids) > 300
    server = _server_texts([s.state_details.flow_run_id for s in states.values()])
    assert any("rows matched" in t for t in server), server[:20]
    assert any("rows matched" in t for t in local_logs), local_logs[:20]
    exceptions = [s.message or "" for s in states.values()]
    exceptions += [repr(s.result(raise_on_failure=False)) for s in states.values() if s.is_failed()]
    assert _leaks(server, names, ids) == []
    assert _leaks(local_logs, names, ids) == []
    assert _leaks(exceptions, names, ids) == []


def _prefect_database_bytes() -> bytes:
    """The raw bytes of the Prefect server's SQLite database (and its WAL) for this session."""
    from prefect.settings import get_current_settings

    url = str(get_current_settings().server.database.connection_url.get_secret_value())
    path = Path(url.split(":///", 1)[1])
    return b"".join(p.read_bytes() for p in (path, path.with_name(path.name + "-wal")) if p.exists())


def test_no_name_or_id_in_prefects_database_file(runs):
    *_, names, ids = runs
    blob = _prefect_database_bytes()
    assert len(blob) > 100_000, "the Prefect database was not found"
    leaked = [v for v in ids if v.encode() in blob] + [n for n in names if n.encode("utf-8") in blob]
    assert leaked == []


def test_the_command_prints_no_name_or_id_for_a_headerless_extract(runs, tmp_path):
    base, folder, _states, _logs, names, ids = runs
    env = {**os.environ, "PREFECT_LOGGING_LEVEL": "INFO"}
    env.pop("PREFECT_API_URL", None)
    result = subprocess.run(
        [sys.executable, "-m", "pipelines.cli", "run", "--residency", str(base / "dan_cu_khong_tieu_de.csv"),
         "--sector", f"civil_status={base / 'ho_tich_khong_tieu_de.csv'}",
         "--sector", f"vaccination={sorted(folder.glob('vaccination.*'))[0]}",
         "--period", "2026-11", "--db", str(tmp_path / "d.duckdb"), "--out", str(tmp_path / "out")],
        capture_output=True, text=True, env=env, timeout=300)
    assert result.returncode == 1
    errors = [line for line in result.stderr.splitlines() if line.startswith("Error: ")]
    assert len(errors) == 1 and errors[0].startswith("Error: dan_cu_khong_tieu_de.csv: no column for "), result.stderr
    assert "rows matched" not in result.stderr + result.stdout  # the extract stopped the run before matching
    assert _leaks([result.stdout, result.stderr], names, ids) == []


def test_no_name_or_id_is_kept_after_a_purge(runs):
    base, *_, names, ids = runs
    db = base / "doisoat.duckdb"
    summary = purge(db, "2026-12")
    assert summary.runs >= 2
    con = duckdb.connect(str(db), read_only=True)
    try:
        tables = [t for (t,) in con.execute("SELECT table_name FROM information_schema.tables").fetchall()]
        texts = [repr(con.execute(f'SELECT * FROM "{t}"').fetchall()) for t in tables]
    finally:
        con.close()
    assert "source_files" in tables and "runs" in tables
    assert _leaks(texts, names, ids) == []


def test_files_a_run_writes_are_readable_by_their_owner_only(runs):
    base, *_ = runs
    outputs = [p for folder in base.glob("out*") for p in folder.rglob("*") if p.is_file()]
    assert len(outputs) > 5, "the runs wrote no output file"
    for path in [*outputs, base / "doisoat.duckdb", base / "doisoat.duckdb.lock"]:
        assert oct(path.stat().st_mode & 0o777) == "0o600", path
    for folder in {p.parent for p in outputs}:
        assert oct(folder.stat().st_mode & 0o777) == "0o700", folder
