"""Name frequencies among residents: the term frequencies of the name levels, kept with the models.

``NameFrequencies.of(frame)`` counts the residents' name keys (``bk_name`` and ``bk_given``); a
later month can score with the same shares (``apply``), so that a birth or a death somewhere in
the extract does not move the weight of every pair, and decisions made with a kept model stay
valid. The values are held as 64-bit hashes of the keys, never as names. polars' hash is stable
within one polars version only, so the ``version`` names the polars version too.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

import polars as pl

TF_COLUMNS = {"tf_name": "bk_name", "tf_given": "bk_given"}  # the pairs' column → the residents' key it counts
HASH_SEED = 14
SHARES_SCHEMA = {"key": pl.String, "value_hash": pl.UInt64, "share": pl.Float64}


def _hash(key: str) -> pl.Expr:
    return pl.col(key).hash(HASH_SEED).alias("value_hash")


@dataclass(frozen=True)
class NameFrequencies:
    """Per name key (``TF_COLUMNS`` values) the share of residents holding each value (by hash),
    the extract's size (a value it never saw counts as one resident) and Σ share² per key."""

    shares: pl.DataFrame  # SHARES_SCHEMA
    residents: int
    norms: dict[str, float]
    version: str

    @classmethod
    def of(cls, frame: pl.DataFrame) -> NameFrequencies:
        """The frequencies of the residents in ``frame`` (with the ``bk_*`` name keys)."""
        n = max(frame.height, 1)
        parts, norms = [], {}
        for key in TF_COLUMNS.values():
            counts = frame.group_by(key).len().sort(key)  # a fixed order: the norm sums alike every time
            norms[key] = float(counts.select((pl.col("len") / n) ** 2).sum().item())
            parts.append(counts.select(pl.lit(key).alias("key"), _hash(key), (pl.col("len") / n).alias("share")))
        shares = pl.concat(parts).cast(SHARES_SCHEMA).sort("key", "value_hash")
        return cls(shares, n, norms, _version(shares, n))

    @classmethod
    def from_table(cls, shares: pl.DataFrame, residents: int, version: str) -> NameFrequencies:
        """Frequencies read back from the database (``shares`` in ``SHARES_SCHEMA``)."""
        shares = shares.select(list(SHARES_SCHEMA)).cast(SHARES_SCHEMA).sort("key", "value_hash")
        norms = {key: float(shares.filter(pl.col("key") == key)["share"].pow(2).sum())
                 for key in TF_COLUMNS.values()}
        return cls(shares, int(residents), norms, version)

    def apply(self, frame: pl.DataFrame) -> pl.DataFrame:
        """``frame`` with its ``tf_*`` columns taken from these frequencies (a value not among them:
        one resident's share)."""
        unseen = 1 / max(self.residents, 1)
        out = frame.drop(list(TF_COLUMNS), strict=False)
        for column, key in TF_COLUMNS.items():
            table = self.shares.filter(pl.col("key") == key).select("value_hash", pl.col("share").alias(column))
            out = out.with_columns(_hash(key)).join(table, on="value_hash", how="left", maintain_order="left").with_columns(
                pl.col(column).fill_null(unseen)).drop("value_hash")
        return out

    def unseen_share(self, frame: pl.DataFrame) -> float:
        """The share of ``frame``'s residents whose full name these frequencies never saw."""
        if frame.is_empty():
            return 0.0
        known = self.shares.filter(pl.col("key") == "bk_name").select("value_hash")
        hashes = frame.select(_hash("bk_name"))
        return float(hashes.join(known, on="value_hash", how="anti").height / frame.height)


def _version(shares: pl.DataFrame, residents: int) -> str:
    digest = hashlib.sha256(f"polars {pl.__version__}; residents {residents};".encode())
    for key, rows in shares.group_by("key").len().sort("key").iter_rows():
        digest.update(f"{key} {rows};".encode())
    digest.update(shares["value_hash"].to_numpy().tobytes())
    digest.update(shares["share"].to_numpy().tobytes())
    return digest.hexdigest()[:16]
