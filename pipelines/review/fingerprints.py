"""Fingerprints of sector rows: a stable SHA-256 of a row's identity fields (name, birth date and
precision, gender, IDs), so a review decision follows the row into later months even when its
file or row number changes. A corrected row is a new row: the matcher decides again.
"""

from __future__ import annotations

import polars as pl

from contracts import fields as F
from pipelines.hashing import sha256_hex

IDENTITY_FIELDS = (F.FULL_NAME, F.BIRTH_DATE, F.BIRTH_DATE_PRECISION, F.GENDER, F.PERSON_ID, F.OLD_ID)


def column_or_null(frame: pl.DataFrame, name: str, dtype: pl.DataType = pl.String) -> pl.Expr:
    return (pl.col(name) if name in frame.columns else pl.lit(None)).cast(dtype).alias(name)


def record_fingerprints(records: pl.DataFrame) -> pl.DataFrame:
    """``record_key, record_fingerprint`` per row of a sector frame (canonical fields)."""
    if records.is_empty():
        return pl.DataFrame(schema={F.RECORD_KEY: pl.UInt32, "record_fingerprint": pl.String})
    key = pl.concat_str(
        [column_or_null(records, f).fill_null("") for f in IDENTITY_FIELDS], separator="\x1f",
    )
    keys = records.select(key.alias("k"))["k"]
    return records.select(pl.col(F.RECORD_KEY).cast(pl.UInt32)).with_columns(sha256_hex(keys).alias("record_fingerprint"))
