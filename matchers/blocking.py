"""Blocking: candidate (record, resident) pairs as a union of equality rules, built with joins.

Each rule names the key columns both sides must share. Before a rule's pairs are generated its
pair count is computed from the key counts on each side, and a rule that would produce more
pairs than allowed is refused with a message naming it (``BlockingError``).
"""

from __future__ import annotations

from dataclasses import dataclass

import polars as pl

from contracts import DoisoatError
from contracts import fields as F
from contracts.fields import RECORD_KEY
from matchers.normalise import given_name, spelling_key, surname

RESIDENT = "resident_key"


class BlockingError(DoisoatError):
    """A blocking rule would generate too many candidate pairs."""


@dataclass(frozen=True)
class BlockingRule:
    """Pairs whose ``keys`` are all equal (and non-null) on both sides."""

    name: str
    keys: tuple[str, ...]


DEFAULT_RULES: tuple[BlockingRule, ...] = (
    BlockingRule("personal ID", ("bk_person_id",)),
    BlockingRule("old ID (CMND)", ("bk_old_id",)),
    BlockingRule("ID last six digits (one typo)", ("bk_id_tail",)),
    BlockingRule("name + birth year", ("bk_compact", "bk_year")),
    BlockingRule("name + birth day and month", ("bk_compact", "bk_month_day")),
    BlockingRule("surname and given name + birth year, year-only dates", ("bk_surname_given", "bk_coarse_year")),
    BlockingRule("given name + birth date", ("bk_given", "bk_date")),
    BlockingRule("surname + given initial + birth date", ("bk_surname", "bk_given_initial", "bk_date")),
    BlockingRule("name, no birth date", ("bk_compact", "bk_no_date")),
    BlockingRule("birth date + name's first and last letters", ("bk_date", "bk_name_ends")),
)


# Keys read from the name alone, computed once per distinct name (names repeat a lot).
NAME_KEYS = ("bk_name", "bk_compact", "bk_given", "bk_surname", "bk_given_initial", "bk_surname_given",
             "bk_name_ends")


def _name_keys(names: pl.DataFrame) -> pl.DataFrame:
    """``full_name`` → the ``NAME_KEYS``, one row per row of ``names``."""
    frame = names.with_columns(spelling_key(F.FULL_NAME).alias("bk_name"))
    # The name with its spaces dropped: words run together or split still block together.
    frame = frame.with_columns(pl.col("bk_name").str.replace_all(" ", "").alias("bk_compact"))
    return frame.with_columns(
        given_name("bk_name").alias("bk_given"),
        surname("bk_name").alias("bk_surname"),
        given_name("bk_name").str.slice(0, 1).alias("bk_given_initial"),
        pl.concat_str(surname("bk_name"), given_name("bk_name"), separator=" ").alias("bk_surname_given"),
        # Two letters at each end of the spaceless name: a typo or a fused / dropped word inside
        # the name and a wrong given-name letter no other key survives still meet on the date.
        pl.concat_str(pl.col("bk_compact").str.slice(0, 2), pl.col("bk_compact").str.slice(-2, 2))
        .alias("bk_name_ends"),
    )


def blocking_keys(frame: pl.DataFrame) -> pl.DataFrame:
    """Add the ``bk_*`` key columns to a side: names by ``spelling_key`` (diacritic-free, Telex
    and VNI keys undone), also without spaces; date parts; ID parts. The name keys are computed
    once per distinct name and joined back."""
    names = _name_keys(frame.select(pl.col(F.FULL_NAME).unique()))
    frame = frame.join(names, on=F.FULL_NAME, how="left", nulls_equal=True, maintain_order="left")
    date = pl.col(F.BIRTH_DATE)
    precision = pl.col(F.BIRTH_DATE_PRECISION) if F.BIRTH_DATE_PRECISION in frame.columns else pl.lit("day")
    day_precise = date.is_not_null() & (precision.fill_null("day") == "day")
    pid = pl.col(F.PERSON_ID)
    frame = frame.with_columns(
        pid.alias("bk_person_id"),
        pl.col(F.OLD_ID).alias("bk_old_id"),
        pid.str.slice(6, 6).alias("bk_id_tail"),
        date.dt.year().alias("bk_year"),
        pl.when(day_precise).then(date.dt.month().cast(pl.Int32) * 100 + date.dt.day()).alias("bk_month_day"),
        pl.when(day_precise).then(date).alias("bk_date"),
        pl.when(date.is_null()).then(pl.lit(1, pl.Int8)).alias("bk_no_date"),
        # Only for rows dated to the year or month, or on 1 January (the usual stand-in for an
        # unknown day): a dropped middle name with an exact date is caught by "given name + birth
        # date", and the year alone makes huge blocks at scale.
        pl.when(date.is_not_null() & (~day_precise | ((date.dt.month() == 1) & (date.dt.day() == 1))))
        .then(date.dt.year()).alias("bk_coarse_year"),
    )
    order = ("bk_name", "bk_compact", "bk_person_id", "bk_old_id", "bk_id_tail", "bk_year", "bk_month_day",
             "bk_date", "bk_given", "bk_surname", "bk_given_initial", "bk_surname_given", "bk_no_date",
             "bk_coarse_year", "bk_name_ends")
    return frame.select(pl.exclude(order), *order)


def key_counts(frame: pl.DataFrame, rule: BlockingRule) -> pl.DataFrame:
    """Rows per key value of ``rule`` (nulls excluded): ``keys…, n``."""
    keys = list(rule.keys)
    return frame.drop_nulls(keys).group_by(keys).len("n")


def count_pairs(records: pl.DataFrame, residents: pl.DataFrame, rule: BlockingRule,
                resident_counts: pl.DataFrame | None = None) -> int:
    """Pairs ``rule`` would generate, from the key counts of each side (no pairs built).

    ``resident_counts`` (``key_counts(residents, rule)``) saves a pass over the residents.
    """
    keys = list(rule.keys)
    left = key_counts(records, rule).rename({"n": "n_l"})
    right = (resident_counts if resident_counts is not None else key_counts(residents, rule)).rename({"n": "n_r"})
    joined = left.join(right, on=keys, how="inner")
    return int(joined.select((pl.col("n_l").cast(pl.Int64) * pl.col("n_r")).sum()).item() or 0)


def candidate_pairs(records: pl.DataFrame, residents: pl.DataFrame,
                    rules: tuple[BlockingRule, ...] = DEFAULT_RULES, max_pairs_per_rule: int = 50_000_000,
                    resident_counts: dict[str, pl.DataFrame] | None = None) -> pl.DataFrame:
    """Distinct ``record_key, resident_key`` pairs over all rules, with ``rule`` = first rule that found it.

    Both frames need ``bk_*`` columns (``blocking_keys``), ``record_key`` resp. ``resident_key``.
    Raises BlockingError naming the rule when one would exceed ``max_pairs_per_rule``.
    ``resident_counts`` maps a rule name to its ``key_counts`` on the residents (computed if absent).
    """
    found: list[pl.DataFrame] = []
    for index, rule in enumerate(rules):
        n = count_pairs(records, residents, rule, (resident_counts or {}).get(rule.name))
        if n > max_pairs_per_rule:
            raise BlockingError(
                f"blocking rule '{rule.name}' would generate {n:,} pairs (limit {max_pairs_per_rule:,}); "
                "its blocks are too large: add a key or remove the rule"
            )
        if n == 0:
            continue
        keys = list(rule.keys)
        pairs = records.select(RECORD_KEY, *keys).drop_nulls(keys).join(
            residents.select(RESIDENT, *keys).drop_nulls(keys), on=keys, how="inner"
        ).select(RECORD_KEY, RESIDENT, pl.lit(index, pl.Int8).alias("rule"))
        found.append(pairs)
    if not found:
        return pl.DataFrame(schema={RECORD_KEY: pl.UInt32, RESIDENT: pl.UInt32, "rule": pl.Int8})
    return (
        pl.concat(found)
        .group_by(RECORD_KEY, RESIDENT)
        .agg(pl.col("rule").min())
        .sort(RECORD_KEY, RESIDENT)
    )
