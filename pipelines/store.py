"""DuckDB output: the public tables of DESIGN.md, created if absent, written one run per transaction."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

import duckdb
import polars as pl

from contracts.errors import DoisoatError

TABLES: dict[str, str] = {
    "runs": """
        run_id VARCHAR PRIMARY KEY, period VARCHAR NOT NULL, started_at TIMESTAMP NOT NULL,
        finished_at TIMESTAMP, status VARCHAR NOT NULL, parameters JSON""",
    "source_files": """
        run_id VARCHAR NOT NULL, sector VARCHAR NOT NULL, path VARCHAR NOT NULL, sha256 VARCHAR,
        rows_read BIGINT, rows_rejected BIGINT, status VARCHAR NOT NULL, message VARCHAR,
        encoding VARCHAR, sheet VARCHAR, header_row INTEGER""",
    "rejected_rows": """
        run_id VARCHAR NOT NULL, sector VARCHAR NOT NULL, source_file VARCHAR NOT NULL,
        source_row INTEGER NOT NULL, field VARCHAR, "check" VARCHAR, value VARCHAR, message VARCHAR""",
    "record_outcomes": """
        run_id VARCHAR NOT NULL, sector VARCHAR NOT NULL, source_file VARCHAR NOT NULL,
        source_row INTEGER NOT NULL, outcome VARCHAR NOT NULL, residency_id VARCHAR,
        match_probability DOUBLE, match_method VARCHAR""",
    "discrepancies": """
        run_id VARCHAR NOT NULL, sector VARCHAR NOT NULL, source_file VARCHAR NOT NULL,
        source_row INTEGER NOT NULL, residency_id VARCHAR, field VARCHAR NOT NULL, kind VARCHAR NOT NULL,
        sector_value VARCHAR, residency_value VARCHAR, suggested_value VARCHAR, severity VARCHAR NOT NULL""",
}


@dataclass
class RunOutput:
    """Everything one run writes: a row for ``runs`` and a frame per other table (without run_id)."""

    run_id: str
    period: str
    started_at: datetime
    finished_at: datetime
    status: str
    parameters: dict
    tables: dict[str, pl.DataFrame] = field(default_factory=dict)


def table_columns(table: str) -> list[str]:
    """Column names of a public table, in order."""
    cols = []
    for part in TABLES[table].split(","):
        name = part.split()[0].strip('"')
        if name and not name.isupper():
            cols.append(name)
    return cols


def connect(db_path: Path) -> duckdb.DuckDBPyConnection:
    """Open (creating if needed) the run database with every public table present."""
    db_path = Path(db_path)
    db_path.parent.mkdir(parents=True, exist_ok=True)
    try:
        con = duckdb.connect(str(db_path))
    except duckdb.IOException as err:
        if "lock" in str(err).lower():
            raise DoisoatError(f"{db_path}: the database is in use by another process (is another run going?)") from None
        raise DoisoatError(f"{db_path}: cannot open the database ({type(err).__name__})") from None
    for name, ddl in TABLES.items():
        con.execute(f"CREATE TABLE IF NOT EXISTS {name} ({ddl})")
    return con


def write_run(db_path: Path, run: RunOutput) -> None:
    """Insert one run into every table inside a single transaction (all or nothing)."""
    con = connect(db_path)
    try:
        con.begin()
        con.execute(
            "INSERT INTO runs VALUES (?, ?, ?, ?, ?, ?)",
            [run.run_id, run.period, run.started_at, run.finished_at, run.status, json.dumps(run.parameters)],
        )
        for table, frame in run.tables.items():
            if frame.is_empty():
                continue
            cols = [c for c in table_columns(table) if c != "run_id"]
            batch = frame.select(pl.lit(run.run_id).alias("run_id"), *[pl.col(c) for c in cols])
            con.register("_batch", batch.to_arrow())
            quoted = ", ".join(f'"{c}"' for c in ["run_id", *cols])
            con.execute(f"INSERT INTO {table} ({quoted}) SELECT {quoted} FROM _batch")
            con.unregister("_batch")
        con.commit()
    except Exception:
        con.rollback()
        raise
    finally:
        con.close()
