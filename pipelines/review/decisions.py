"""Analysts' decisions in the database: what the review app reads and writes, and what a run loads.

Each call uses a short-lived connection (``store.open_db``), so the app never holds the database
while a run writes.
"""

from __future__ import annotations

import getpass
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import duckdb
import polars as pl

from contracts import DoisoatError
from pipelines.store import open_db

DECISIONS = ("accepted", "rejected", "withdrawn")


def _has_table(con: duckdb.DuckDBPyConnection, table: str) -> bool:
    return bool(con.execute("SELECT count(*) FROM information_schema.tables WHERE table_name = ?", [table]).fetchall()[0][0])


def load_decisions(db: Path) -> dict[str, pl.DataFrame]:
    """Per sector, every decision taken (``record_fingerprint, residency_id, decision, decided_at``)."""
    db = Path(db)
    if not db.exists():
        return {}
    con = open_db(db, read_only=True)
    try:
        if not _has_table(con, "review_decisions"):
            return {}
        frame = con.sql("""SELECT sector, record_fingerprint, residency_id, decision, decided_at
                           FROM review_decisions""").pl()
    finally:
        con.close()
    return {sector: part.drop("sector") for (sector,), part in frame.partition_by("sector", as_dict=True).items()}


@dataclass(frozen=True)
class Case:
    """The pair a decision is about (no personal data beyond the key)."""

    run_id: str
    sector: str
    source_file: str
    source_row: int
    residency_id: str


def record_decision(db: Path, case: Case, decision: str, decided_by: str | None = None,
                    note: str | None = None) -> datetime:
    """Store an analyst's decision on a pair (the next run applies it); returns when it was taken."""
    if decision not in DECISIONS:
        raise DoisoatError(f"decision must be one of {', '.join(DECISIONS)}")
    who = (decided_by or "").strip() or getpass.getuser()
    when = datetime.now().replace(microsecond=0)
    con = open_db(db)
    try:
        row = con.execute("""SELECT record_fingerprint FROM match_evidence
                             WHERE run_id = ? AND sector = ? AND source_file = ? AND source_row = ? AND residency_id = ?
                             LIMIT 1""",
                          [case.run_id, case.sector, case.source_file, case.source_row, case.residency_id]).fetchall()
        if not row:
            raise DoisoatError(f"run {case.run_id}: no such pair in match_evidence "
                               f"({case.sector}, {Path(case.source_file).name}, row {case.source_row})")
        con.execute("""INSERT INTO review_decisions (sector, record_fingerprint, residency_id, decision, decided_by,
                                                     decided_at, run_id, source_file, source_row, note)
                       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)""",
                    [case.sector, row[0][0], case.residency_id, decision, who, when, case.run_id, case.source_file,
                     case.source_row, note])
    finally:
        con.close()
    return when


def runs(db: Path) -> pl.DataFrame:
    """Finished runs, newest first, with their review counts (for a run picker)."""
    con = open_db(db, read_only=True)
    try:
        return con.sql("""
            SELECT r.run_id, r.period, r.commune, r.status, r.finished_at,
                   (SELECT count(*) FROM record_outcomes o WHERE o.run_id = r.run_id AND o.outcome = 'review') AS review
            FROM runs r WHERE r.status <> 'superseded' AND r.purged_at IS NULL
            ORDER BY r.finished_at DESC""").pl()
    finally:
        con.close()


def review_cases(db: Path, run_id: str) -> pl.DataFrame:
    """A run's review-band candidates (every rank) with the latest decision on each pair."""
    con = open_db(db, read_only=True)
    try:
        return con.sql("""
            WITH latest AS (
                SELECT sector, record_fingerprint, residency_id,
                       arg_max(decision, decided_at) AS decision, arg_max(decided_by, decided_at) AS decided_by,
                       max(decided_at) AS decided_at
                FROM review_decisions GROUP BY ALL)
            SELECT e.*, o.commune_code, e.residency_id = o.residency_id AS proposed, l.decision AS current_decision, l.decided_by, l.decided_at
            FROM match_evidence e
            JOIN record_outcomes o ON o.run_id = e.run_id AND o.sector = e.sector
                                  AND o.source_file = e.source_file AND o.source_row = e.source_row
            LEFT JOIN latest l ON l.sector = e.sector AND l.record_fingerprint = e.record_fingerprint
                              AND l.residency_id = e.residency_id
            WHERE e.run_id = ? AND e.outcome = 'review'
            ORDER BY e.sector, e.source_file, e.source_row, e.rank""", params=[run_id]).pl()
    finally:
        con.close()


def decisions_log(db: Path, limit: int = 200) -> pl.DataFrame:
    """The latest decisions, newest first: who decided what and when."""
    con = open_db(db, read_only=True)
    try:
        return con.sql("""SELECT decided_at, decided_by, decision, sector, source_file, source_row, residency_id, note
                          FROM review_decisions ORDER BY decided_at DESC LIMIT ?""", params=[limit]).pl()
    finally:
        con.close()
