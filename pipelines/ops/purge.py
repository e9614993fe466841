"""Delete the personal data of old periods, keeping aggregate counts (storage limitation).

``purge(db, before)`` takes every run of a period before ``before`` (``YYYY-MM``) that has not
been purged yet and, in one transaction:
- stores its counts in ``run_counts``: rows per sector, commune and outcome; findings per sector,
  commune, kind and severity; rejected rows per sector and check;
- deletes its row-level tables (``record_outcomes``, ``discrepancies``, ``rejected_rows``,
  ``resolved_findings``, ``match_evidence``) and the officers' answers to its findings
  (``finding_responses``, whose reasons are free text);
- clears ``source_files.message`` (a refusal's text; databases written before doisoat stopped
  quoting cells in refusals may hold a name or an ID there);
- sets ``runs.purged_at``. ``runs`` and ``source_files`` (paths, hashes, counts, status) stay.
Review decisions stay: later runs still apply them (they hold a hash and a resident's ID).
The database file is then rewritten so that deleted values do not linger in free blocks.
It takes the run lock, so it never runs during a run.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import duckdb

from contracts import DoisoatError
from pipelines.period import period_end
from pipelines.runlock import exclusive_run
from pipelines.store import RESULT_TABLES, connect

COUNTS_SQL = {
    "outcome": """
        SELECT run_id, sector, commune_code, 'outcome', outcome, NULL, count(*)
        FROM record_outcomes WHERE run_id IN (SELECT run_id FROM _purge) GROUP BY ALL""",
    "finding": """
        SELECT run_id, sector, commune_code, 'finding', field || ':' || kind, severity, count(*)
        FROM discrepancies WHERE run_id IN (SELECT run_id FROM _purge) GROUP BY ALL""",
    "rejected": """
        SELECT run_id, sector, NULL, 'rejected', "check", NULL, count(DISTINCT (source_file, source_row))
        FROM rejected_rows WHERE run_id IN (SELECT run_id FROM _purge) GROUP BY ALL""",
}


@dataclass
class PurgeSummary:
    """What a purge did (counts only)."""

    runs: int = 0
    periods: list[str] | None = None
    rows_deleted: int = 0
    counts_kept: int = 0


def purge(db: Path, before: str, *, dry_run: bool = False) -> PurgeSummary:
    """Delete row-level personal data of every run whose period is before ``before`` (YYYY-MM)."""
    period_end(before)
    db = Path(db)
    if not db.exists():
        raise DoisoatError(f"{db.name}: database not found")
    summary = PurgeSummary(periods=[])
    with exclusive_run(db):
        con = connect(db)
        try:
            targets = con.execute("SELECT run_id, period FROM runs WHERE period < ? AND purged_at IS NULL ORDER BY period",
                                  [before]).fetchall()
            summary.runs = len(targets)
            summary.periods = sorted({p for _, p in targets})
            if not targets:
                return summary
            con.execute("CREATE TEMP TABLE _purge AS SELECT run_id FROM runs WHERE period < ? AND purged_at IS NULL",
                        [before])
            counted = {t: con.execute(f"SELECT count(*) FROM {t} WHERE run_id IN (SELECT run_id FROM _purge)").fetchall()[0][0]
                       for t in (*RESULT_TABLES, "finding_responses")}
            summary.rows_deleted = sum(counted.values())
            if dry_run:
                return summary
            con.begin()
            try:
                for sql in COUNTS_SQL.values():
                    summary.counts_kept += con.execute(f"INSERT INTO run_counts {sql}").fetchall()[0][0]
                for table in RESULT_TABLES:
                    con.execute(f"DELETE FROM {table} WHERE run_id IN (SELECT run_id FROM _purge)")
                con.execute("DELETE FROM finding_responses WHERE run_id IN (SELECT run_id FROM _purge)")
                con.execute("UPDATE source_files SET message = NULL WHERE run_id IN (SELECT run_id FROM _purge)")
                con.execute("UPDATE runs SET purged_at = ? WHERE run_id IN (SELECT run_id FROM _purge)",
                            [datetime.now()])
                con.commit()
            except duckdb.Error as err:
                con.rollback()
                raise DoisoatError(f"{db.name}: purge failed and was undone ({type(err).__name__})") from None
        finally:
            con.close()
        _rewrite(db)
    return summary


def _rewrite(db: Path) -> None:
    """Copy the database into a fresh file and swap it in: deleted rows leave no trace on disk."""
    fresh = db.with_name(db.name + ".purge-tmp")
    fresh.unlink(missing_ok=True)
    con = duckdb.connect()
    try:
        con.execute(f"ATTACH '{_sql_path(db)}' AS old (READ_ONLY)")
        con.execute(f"ATTACH '{_sql_path(fresh)}' AS new")
        con.execute("COPY FROM DATABASE old TO new")
        con.execute("DETACH old")
        con.execute("DETACH new")
    finally:
        con.close()
    os.chmod(fresh, 0o600)
    os.replace(fresh, db)


def _sql_path(path: Path) -> str:
    return str(path).replace("'", "''")
