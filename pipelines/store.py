"""DuckDB output: the public tables of DESIGN.md, created if absent, written one run per transaction."""

from __future__ import annotations

import json
import time
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

import duckdb
import polars as pl

from contracts import DoisoatError

TABLES: dict[str, str] = {
    "runs": """
        run_id VARCHAR PRIMARY KEY, period VARCHAR NOT NULL, started_at TIMESTAMP NOT NULL,
        finished_at TIMESTAMP, status VARCHAR NOT NULL, parameters JSON,
        commune VARCHAR, superseded_by VARCHAR, purged_at TIMESTAMP, outputs VARCHAR""",
    "source_files": """
        run_id VARCHAR NOT NULL, sector VARCHAR NOT NULL, path VARCHAR NOT NULL, sha256 VARCHAR,
        rows_read BIGINT, rows_rejected BIGINT, status VARCHAR NOT NULL, message VARCHAR,
        encoding VARCHAR, sheet VARCHAR, header_row INTEGER, layout_rows INTEGER""",
    "rejected_rows": """
        run_id VARCHAR NOT NULL, sector VARCHAR NOT NULL, source_file VARCHAR NOT NULL,
        source_row INTEGER NOT NULL, field VARCHAR, "check" VARCHAR, value VARCHAR, message VARCHAR""",
    "record_outcomes": """
        run_id VARCHAR NOT NULL, sector VARCHAR NOT NULL, source_file VARCHAR NOT NULL,
        source_row INTEGER NOT NULL, outcome VARCHAR NOT NULL, residency_id VARCHAR,
        match_probability DOUBLE, match_method VARCHAR, commune_code VARCHAR, commune_listed VARCHAR""",
    "discrepancies": """
        run_id VARCHAR NOT NULL, sector VARCHAR NOT NULL, source_file VARCHAR NOT NULL,
        source_row INTEGER NOT NULL, residency_id VARCHAR, field VARCHAR NOT NULL, kind VARCHAR NOT NULL,
        sector_value VARCHAR, residency_value VARCHAR, suggested_value VARCHAR, severity VARCHAR NOT NULL,
        finding_id VARCHAR, status VARCHAR, commune_code VARCHAR, related_file VARCHAR, related_row INTEGER,
        listed_name VARCHAR, listed_birth_date VARCHAR, listed_id VARCHAR, message_vi VARCHAR, action_vi VARCHAR,
        commune_listed VARCHAR""",
    "finding_responses": """
        finding_id VARCHAR NOT NULL, run_id VARCHAR, sector VARCHAR, source_file VARCHAR, source_row INTEGER,
        field VARCHAR, kind VARCHAR, response VARCHAR NOT NULL, response_text VARCHAR, reason VARCHAR,
        response_file VARCHAR, response_sha256 VARCHAR, recorded_at TIMESTAMP NOT NULL""",
    "resolved_findings": """
        run_id VARCHAR NOT NULL, finding_id VARCHAR NOT NULL, previous_run_id VARCHAR NOT NULL, sector VARCHAR NOT NULL,
        source_file VARCHAR, source_row INTEGER, field VARCHAR, kind VARCHAR, severity VARCHAR, response VARCHAR""",
    # issue 6: review evidence and decisions (pipelines.review_store), aggregates kept by purge
    "match_evidence": """
        run_id VARCHAR NOT NULL, sector VARCHAR NOT NULL, source_file VARCHAR NOT NULL, source_row INTEGER NOT NULL,
        record_fingerprint VARCHAR NOT NULL, residency_id VARCHAR NOT NULL, rank INTEGER, outcome VARCHAR NOT NULL,
        decision VARCHAR, match_weight DOUBLE, match_probability DOUBLE,
        name_level VARCHAR, name_weight DOUBLE, birth_date_level VARCHAR, birth_date_weight DOUBLE,
        id_level VARCHAR, id_weight DOUBLE, gender_level VARCHAR, gender_weight DOUBLE,
        place_level VARCHAR, place_weight DOUBLE, guardian_level VARCHAR, guardian_weight DOUBLE,
        full_name_l VARCHAR, full_name_r VARCHAR,
        birth_date_l VARCHAR, birth_date_r VARCHAR, person_id_l VARCHAR, person_id_r VARCHAR,
        old_id_l VARCHAR, old_id_r VARCHAR, gender_l VARCHAR, gender_r VARCHAR, address_l VARCHAR, address_r VARCHAR""",
    "review_decisions": """
        sector VARCHAR NOT NULL, record_fingerprint VARCHAR NOT NULL, residency_id VARCHAR NOT NULL,
        decision VARCHAR NOT NULL, decided_by VARCHAR NOT NULL, decided_at TIMESTAMP NOT NULL,
        run_id VARCHAR, source_file VARCHAR, source_row INTEGER, note VARCHAR""",
    # issue 14: each sector's trained model, kept with the run (``FellegiSunter.parameters``, JSON)
    # (``pipelines.kept_models``): reused by later runs of the same commune until retrained
    "models": """
        run_id VARCHAR NOT NULL, sector VARCHAR NOT NULL, model_version VARCHAR NOT NULL, parameters VARCHAR NOT NULL,
        trained_run_id VARCHAR, training VARCHAR, trained_rows BIGINT, name_frequencies VARCHAR""",
    # the residents' name shares a model scores with, by 64-bit hash of the name key (no names)
    "name_frequencies": """
        run_id VARCHAR NOT NULL, version VARCHAR NOT NULL, residents BIGINT NOT NULL, key VARCHAR NOT NULL,
        value_hash UBIGINT NOT NULL, share DOUBLE NOT NULL""",
    # the decision cache (``pipelines.decision_cache``): only the commune's latest run's, per sector
    "match_cache": """
        run_id VARCHAR NOT NULL, sector VARCHAR NOT NULL, cache_key VARCHAR NOT NULL, row_fp UBIGINT NOT NULL,
        residency_id VARCHAR, outcome VARCHAR NOT NULL, match_probability DOUBLE, match_method VARCHAR,
        best_candidate_id VARCHAR, best_candidate_probability DOUBLE, relevant UBIGINT[], floor_weight DOUBLE""",
    "match_cache_pairs": """
        run_id VARCHAR NOT NULL, sector VARCHAR NOT NULL, row_fp UBIGINT NOT NULL, person_id_r VARCHAR,
        person_id_l VARCHAR, match_weight DOUBLE, match_probability DOUBLE,
        gamma_name TINYINT, gamma_birth_date TINYINT, gamma_id TINYINT, gamma_gender TINYINT, gamma_place TINYINT,
        gamma_guardian TINYINT, bf_name DOUBLE, bf_birth_date DOUBLE, bf_id DOUBLE, bf_gender DOUBLE,
        bf_place DOUBLE, bf_guardian DOUBLE""",
    "cache_residents": """
        run_id VARCHAR NOT NULL, resident_fp UBIGINT NOT NULL, household VARCHAR, member_fp UBIGINT""",
    "run_counts": """
        run_id VARCHAR NOT NULL, sector VARCHAR NOT NULL, commune_code VARCHAR, measure VARCHAR NOT NULL,
        category VARCHAR, severity VARCHAR, n BIGINT NOT NULL""",
}

LOCK_WAIT_SECONDS = 10.0

# Tables whose rows are shared by the runs that use them: a run inserts those of a key not yet stored.
SHARED_BY = {"name_frequencies": "version"}

# A run's row-level results: replaced when its period is run again, deleted by purge.
RESULT_TABLES = ("record_outcomes", "discrepancies", "rejected_rows", "resolved_findings", "match_evidence",
                 "match_cache", "match_cache_pairs", "cache_residents")
# Tables that hold only the commune's latest run: a run's rows replace the older ones.
LATEST_ONLY = ("match_cache", "match_cache_pairs", "cache_residents")


@dataclass(frozen=True)
class ParquetFiles:
    """A table's rows in Parquet files (written as each part was finished, so that the run need
    not hold them until it writes)."""

    paths: tuple[str, ...]

    def is_empty(self) -> bool:
        return not self.paths


@dataclass
class RunOutput:
    """Everything one run writes: a row for ``runs`` and a frame (or its ``ParquetFiles``) per
    other table (without run_id)."""

    run_id: str
    period: str
    started_at: datetime
    finished_at: datetime
    status: str
    parameters: dict
    tables: dict[str, pl.DataFrame | ParquetFiles] = field(default_factory=dict)
    commune: str | None = None  # the configuration's commune code; a re-run replaces the same (period, commune)


def table_columns(table: str) -> list[str]:
    """Column names of a public table, in order."""
    cols = []
    for part in TABLES[table].split(","):
        name = part.split()[0].strip('"')
        if name and not name.isupper():
            cols.append(name)
    return cols


def first_row(con: duckdb.DuckDBPyConnection, sql: str, params: list | None = None) -> tuple | None:
    """The first row of a query, reading the result to its end (DuckDB 2 refuses the next query
    on a connection whose previous result was left unfinished)."""
    rows = con.execute(sql, params or []).fetchall()
    return rows[0] if rows else None


def connect(db_path: Path) -> duckdb.DuckDBPyConnection:
    """Open (creating if needed) the run database with every public table present."""
    db_path = Path(db_path)
    db_path.parent.mkdir(parents=True, exist_ok=True)
    # a notebook's short read may hold the file a moment
    con = _connect_waiting(db_path, str(db_path), False, LOCK_WAIT_SECONDS,
                           "the database is in use by another process (is another run going?)")
    for name, ddl in TABLES.items():
        con.execute(f"CREATE TABLE IF NOT EXISTS {name} ({ddl})")
        _add_missing_columns(con, name, ddl)
    return con


def _add_missing_columns(con: duckdb.DuckDBPyConnection, table: str, ddl: str) -> None:
    """Bring a table made by an older version up to date: add the columns it lacks (as NULL)."""
    have = {row[0] for row in con.execute(
        "SELECT column_name FROM information_schema.columns WHERE table_name = ?", [table]).fetchall()}
    for part in ddl.split(","):
        words = part.split()
        if words and words[0].strip('"') not in have:
            col_type = words[1] if len(words) > 1 else "VARCHAR"
            con.execute(f'ALTER TABLE {table} ADD COLUMN "{words[0].strip(chr(34))}" {col_type}')


def write_run(db_path: Path, run: RunOutput) -> None:
    """Insert one run into every table inside a single transaction (all or nothing)."""
    con = connect(db_path)
    try:
        con.begin()
        _supersede(con, run)
        con.execute(
            "INSERT INTO runs (run_id, period, started_at, finished_at, status, parameters, commune) "
            "VALUES (?, ?, ?, ?, ?, ?, ?)",
            [run.run_id, run.period, run.started_at, run.finished_at, run.status, json.dumps(run.parameters),
             run.commune],
        )
        _drop_older(con, run)
        for table, frame in run.tables.items():
            if not frame.is_empty():
                _insert(con, table, run.run_id, frame)
        con.commit()
    except Exception:
        con.rollback()
        raise
    finally:
        con.close()


def _insert(con: duckdb.DuckDBPyConnection, table: str, run_id: str, rows: pl.DataFrame | ParquetFiles) -> None:
    """Insert a run's rows of one table (a column the rows lack is NULL) through Arrow, without a
    copy; rows in Parquet files are read back first. DuckDB stores a frame of many small chunks
    less compactly (a province's match_evidence read in row groups of 262,144 rows: 50 % more
    space), hence ``Handoff.put``'s one row group per file."""
    if isinstance(rows, ParquetFiles):
        rows = pl.concat([pl.read_parquet(path) for path in rows.paths], how="diagonal_relaxed")
    cols = [c for c in table_columns(table) if c != "run_id"]
    quoted = ", ".join(f'"{c}"' for c in ["run_id", *cols])
    batch = rows.select(pl.lit(run_id).alias("run_id"),
                        *[pl.col(c) if c in rows.columns else pl.lit(None, pl.String).alias(c) for c in cols])
    con.register("_batch", batch.to_arrow(compat_level=pl.CompatLevel.newest()))  # string views: no copy
    once = (f" WHERE {SHARED_BY[table]} NOT IN (SELECT {SHARED_BY[table]} FROM {table})"
            if table in SHARED_BY else "")
    con.execute(f"INSERT INTO {table} ({quoted}) SELECT {quoted} FROM _batch{once}")
    con.unregister("_batch")


def _drop_older(con: duckdb.DuckDBPyConnection, run: RunOutput) -> None:
    """Inside the run's transaction, before its rows go in: the ``LATEST_ONLY`` rows of the
    commune's earlier runs, for each such table the run writes (their space is then reused)."""
    for table in LATEST_ONLY:
        if table in run.tables and not run.tables[table].is_empty():
            con.execute(f"DELETE FROM {table} WHERE run_id IN "
                        "(SELECT run_id FROM runs WHERE commune IS NOT DISTINCT FROM ?)", [run.commune])


def _supersede(con: duckdb.DuckDBPyConnection, run: RunOutput) -> None:
    """Inside the new run's transaction: earlier runs of the same period (and commune) keep their
    ``runs`` and ``source_files`` rows, marked ``superseded``; their row-level results go."""
    old = [row[0] for row in con.execute(
        "SELECT run_id FROM runs WHERE period = ? AND commune IS NOT DISTINCT FROM ? AND status <> 'superseded'",
        [run.period, run.commune]).fetchall()]
    if not old:
        return
    marks = ", ".join("?" for _ in old)
    for table in RESULT_TABLES:
        con.execute(f"DELETE FROM {table} WHERE run_id IN ({marks})", old)
    con.execute(f"UPDATE runs SET status = 'superseded', superseded_by = ? WHERE run_id IN ({marks})", [run.run_id, *old])


def open_db(db: Path, *, read_only: bool = False, wait: float = 10.0) -> duckdb.DuckDBPyConnection:
    """A connection to an existing run database, waiting up to ``wait`` seconds while another
    process (a run writing its results) holds it; DoisoatError if it stays busy or is absent."""
    db = Path(db)
    if not db.exists():
        raise DoisoatError(f"{db.name}: database not found")
    return _connect_waiting(db, db.name, read_only, wait,
                            "the database is busy (a run is writing); try again in a minute")


def _connect_waiting(db: Path, label: str, read_only: bool, wait: float, busy: str) -> duckdb.DuckDBPyConnection:
    """``duckdb.connect``, retried for ``wait`` seconds while another process holds the file's lock;
    DoisoatError ``"<label>: <busy>"`` when it stays locked, or naming the error type otherwise."""
    deadline = time.monotonic() + wait
    while True:
        try:
            return duckdb.connect(str(db), read_only=read_only)
        except duckdb.IOException as err:
            if "lock" not in str(err).lower():
                raise DoisoatError(f"{label}: cannot open the database ({type(err).__name__})") from None
            if time.monotonic() >= deadline:
                raise DoisoatError(f"{label}: {busy}") from None
            time.sleep(0.2)
