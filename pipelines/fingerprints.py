"""Stable fingerprints: SHA-256 of text keys (through DuckDB: the same across runs and library
versions), and of a row's identity fields (name, birth date and precision, gender, IDs), so that
a review decision or an officer's answer follows the person into later months even when the
file is renamed or re-sorted. A corrected row is a new row.
"""

from __future__ import annotations

import duckdb
import polars as pl

from contracts import fields as F

IDENTITY_FIELDS = (F.FULL_NAME, F.BIRTH_DATE, F.BIRTH_DATE_PRECISION, F.GENDER, F.PERSON_ID, F.OLD_ID)


def sha256_hex(keys: pl.Series, length: int = 64) -> pl.Series:
    """SHA-256 hex per key, its first ``length`` digits; computed in one DuckDB call."""
    con = duckdb.connect()
    try:
        con.register("_keys", keys.to_frame("k").with_row_index("i").to_arrow())
        return con.sql(f"SELECT substr(sha256(k), 1, {int(length)}) AS h FROM _keys ORDER BY i").pl()["h"]
    finally:
        con.close()


def column_or_null(frame: pl.DataFrame, name: str, dtype: pl.DataType = pl.String) -> pl.Expr:
    """``frame``'s column ``name`` as ``dtype``, or a null column of that name when it has none."""
    return (pl.col(name) if name in frame.columns else pl.lit(None)).cast(dtype).alias(name)


def identity_fingerprints(frame: pl.DataFrame) -> pl.Series:
    """One fingerprint per row of a frame in canonical fields (its identity fields only)."""
    key = pl.concat_str([column_or_null(frame, f).fill_null("") for f in IDENTITY_FIELDS], separator="\x1f")
    return sha256_hex(frame.select(key.alias("k"))["k"])


def record_fingerprints(records: pl.DataFrame) -> pl.DataFrame:
    """``record_key, record_fingerprint`` per row of a sector frame (canonical fields)."""
    if records.is_empty():
        return pl.DataFrame(schema={F.RECORD_KEY: pl.UInt32, "record_fingerprint": pl.String})
    return records.select(pl.col(F.RECORD_KEY).cast(pl.UInt32)).with_columns(
        identity_fingerprints(records).alias("record_fingerprint"))
