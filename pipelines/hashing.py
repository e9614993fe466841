"""Stable hashes of text keys (SHA-256 through DuckDB: the same across runs and library versions)."""

from __future__ import annotations

import duckdb
import polars as pl


def sha256_hex(keys: pl.Series, length: int = 64) -> pl.Series:
    """SHA-256 hex per key, its first ``length`` digits; computed in one DuckDB call."""
    con = duckdb.connect()
    try:
        con.register("_keys", keys.to_frame("k").with_row_index("i").to_arrow())
        return con.sql(f"SELECT substr(sha256(k), 1, {int(length)}) AS h FROM _keys ORDER BY i").pl()["h"]
    finally:
        con.close()
