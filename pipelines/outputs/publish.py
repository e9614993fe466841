"""Files a run leaves in its output folder, made from the database so they can be made again.

``publish(db, run_id, out)`` writes, for a finished run:
- ``<sector>_discrepancies.csv`` per sector (UTF-8 with BOM, for Excel): that sector's findings;
- the correction lists (``pipelines.correction_lists``): one XLSX per sector (and commune) and
  the commune police's list, without the findings an officer declined with a reason;
- the monthly report ``bao_cao_doi_soat_<period>.html`` (``pipelines.report``).
Every file is readable by its owner only. ``prepare_run`` gives a new run's findings their
status from earlier runs and answers before the run is written.
"""

from __future__ import annotations

import io
import os
import shutil
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

import polars as pl

from contracts import DoisoatError
from contracts import fields as F
from pipelines.outputs.correction_lists import write_correction_lists
from pipelines.outputs.report import write_report
from pipelines.outputs.responses import annotate
from pipelines.privacy import private_files, write_private
from pipelines.store import RunOutput, connect, first_row


@dataclass
class Published:
    """What ``publish`` wrote and the counts a run's end-of-run summary prints (no personal data)."""

    run_id: str
    period: str
    csvs: list[Path] = field(default_factory=list)
    lists: list[Path] = field(default_factory=list)
    report: Path | None = None
    by_severity: dict[str, int] = field(default_factory=dict)
    by_status: dict[str, int] = field(default_factory=dict)
    resolved: int = 0

    def placed_in(self, folder: Path) -> Published:
        """The same files, under ``folder`` (where they were moved)."""
        def moved(path: Path | None) -> Path | None:
            return None if path is None else folder / path.name
        return Published(self.run_id, self.period, [moved(p) for p in self.csvs], [moved(p) for p in self.lists],
                         moved(self.report), self.by_severity, self.by_status, self.resolved)


# A cell starting with one of these is a formula when a spreadsheet opens the CSV (OWASP, CSV injection).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def neutralised(frame: pl.DataFrame) -> pl.DataFrame:
    """Every text cell that a spreadsheet would read as a formula, prefixed with an apostrophe."""
    pattern = "^[" + "".join("\\" + c if c in "-+" else c for c in FORMULA_STARTS) + "]"
    return frame.with_columns(
        pl.when(pl.col(c).str.contains(pattern)).then(pl.lit("'") + pl.col(c)).otherwise(pl.col(c)).alias(c)
        for c, dtype in frame.schema.items() if dtype == pl.String
    )


def csv_bytes(frame: pl.DataFrame) -> bytes:
    """UTF-8 CSV with a BOM (Excel reads it as UTF-8), formula-like text neutralised."""
    buffer = io.BytesIO()
    neutralised(frame).write_csv(buffer, include_bom=True)
    return buffer.getvalue()


def _write_csvs(out: Path, findings: pl.DataFrame) -> list[Path]:
    written: list[Path] = []
    if findings.is_empty():
        return written
    for sector in findings["sector"].unique(maintain_order=True).to_list():
        if sector not in F.SECTORS:
            continue  # the police's findings go to their XLSX list only
        rows = findings.filter(pl.col("sector") == sector).drop("sector", "run_id", strict=False)
        written.append(write_private(out / f"{sector}_discrepancies.csv", csv_bytes(rows)))
    return written


def prepare_run(db: Path, run: RunOutput) -> RunOutput:
    """Give the run's findings their ``status`` (new, open, reopened, declined) from earlier runs
    and answers, and add ``resolved_findings`` (the previous period's findings now gone)."""
    findings = run.tables.get("discrepancies", pl.DataFrame())
    if findings.height and "finding_id" not in findings.columns:
        return run
    con = connect(db)
    try:
        status, resolved = annotate(con, run.run_id, run.period, findings, run.tables.get("source_files", pl.DataFrame(
            schema={"sector": pl.String, "path": pl.String})))
    finally:
        con.close()
    run.tables["discrepancies"] = status
    run.tables["resolved_findings"] = resolved
    return run


def latest_run(db: Path, period: str) -> str:
    """The run_id of the latest finished run of ``period``; DoisoatError when there is none."""
    con = connect(db)
    try:
        row = first_row(con, """SELECT run_id FROM runs WHERE period = ? AND finished_at IS NOT NULL
                             AND status <> 'superseded' AND purged_at IS NULL
                             ORDER BY started_at DESC LIMIT 1""", [period])
    finally:
        con.close()
    if row is None:
        raise DoisoatError(f"{Path(db).name}: no finished run for period {period}")
    return row[0]


def publish(db: Path, run_id: str, out: Path) -> Published:
    """Write a finished run's CSVs, correction lists and report into ``out`` (made 0700 if new).

    The files are made in a hidden folder inside ``out`` and moved into place at the end, so a
    failure while making them leaves none under the final names; ``runs.outputs`` then says
    ``written``, or ``failed`` (it stays empty when the process died on the way)."""
    out = Path(out)
    with private_files():  # parents made here are 0700 too
        out.mkdir(mode=0o700, parents=True, exist_ok=True)
        staging = Path(tempfile.mkdtemp(prefix=".doisoat-writing-", dir=out))
    con = connect(db)
    try:
        try:
            result = _publish(con, db, run_id, staging)
            for path in sorted(staging.iterdir()):
                os.replace(path, out / path.name)
        except BaseException:
            con.execute("UPDATE runs SET outputs = 'failed' WHERE run_id = ?", [run_id])
            raise
        con.execute("UPDATE runs SET outputs = 'written' WHERE run_id = ?", [run_id])
    finally:
        con.close()
        shutil.rmtree(staging, ignore_errors=True)
    return result.placed_in(out)


def _publish(con, db: Path, run_id: str, out: Path) -> Published:
    """Every output file of a finished run, made in ``out``."""
    period = first_row(con, "SELECT period FROM runs WHERE run_id = ?", [run_id])
    if period is None:
        raise DoisoatError(f"{Path(db).name}: no run {run_id}")
    result = Published(run_id, period[0])
    findings = con.sql("SELECT * FROM discrepancies WHERE run_id = ?", params=[run_id]).pl()
    result.csvs = _write_csvs(out, findings)
    to_send = findings.filter(pl.col("status").fill_null("new") != "declined")
    result.lists = write_correction_lists(out, to_send, run_id, result.period)
    result.report = write_report(con, run_id, out)
    result.by_severity = dict(findings.group_by("severity").len().iter_rows()) if findings.height else {}
    result.by_status = dict(findings.group_by(pl.col("status").fill_null("new")).len().iter_rows()) if findings.height else {}
    result.resolved = first_row(con, "SELECT count(*) FROM resolved_findings WHERE run_id = ?", [run_id])[0]
    return result
