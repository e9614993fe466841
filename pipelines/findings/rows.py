"""Row findings of one sector: not found, uncertain, duplicates, an ID of another resident, an
unreadable ID. Each returns frames in the ``base.BASE`` column order."""

from __future__ import annotations

import polars as pl

from contracts import fields as F
from matchers import folded
from pipelines.findings.base import date_text, finding

DEATH_EVENT = "khai tu"  # folded "Khai tử"

# What makes two rows of a sector "the same entry" besides the person (a child has many doses,
# a member several organisations, a person several civil-status events).
DUPLICATE_KEYS: dict[str, tuple[str, ...]] = {
    "civil_status": ("event_type",),
    "vaccination": ("vaccine", "dose"),
    "union_membership": ("organisation",),
    "social_protection": (),
    "social_insurance": (),
}
PAYMENT_SECTORS = ("social_protection",)  # a duplicate there is a double payment


def is_death(frame: pl.DataFrame) -> pl.Expr:
    """True for civil-status rows registering a death ("Khai tử", any case or diacritics)."""
    if "event_type" not in frame.columns:
        return pl.lit(False)
    return folded(pl.col("event_type").cast(pl.String)).str.contains(DEATH_EVENT, literal=True).fill_null(False)


def describe_person(name: str | pl.Expr, dob: str | pl.Expr, precision: str | pl.Expr, pid: str | pl.Expr) -> pl.Expr:
    """"Nguyễn Văn A – 01/02/1990 – 036090001234" (parts that are null are left out)."""
    e = [pl.col(c) if isinstance(c, str) else c for c in (name, pid)]
    return pl.concat_str([e[0], date_text(dob, precision), e[1]], separator=" – ", ignore_nulls=True)


def candidate_findings(rows: pl.DataFrame, res: pl.DataFrame) -> list[pl.DataFrame]:
    """Unmatched rows: not found in the extract, with the closest candidate when the matcher gave one
    (``best_candidate_id``). Review rows: uncertain, with the candidate. A civil-status death of
    someone no longer in the extract is expected, not a finding."""
    cand = pl.col("best_candidate_id") if "best_candidate_id" in rows.columns else pl.lit(None, pl.String)
    cand = pl.coalesce(cand, pl.when(pl.col("_id_is_resident")).then(pl.col(F.PERSON_ID)))
    rows = rows.with_columns(
        pl.when(pl.col("outcome") == "review").then(pl.coalesce(pl.col("residency_id"), cand))
        .when(pl.col("outcome") == "unmatched").then(cand).alias("_cand"),
        is_death(rows).alias("_death"),
    ).join(
        res.select(pl.col("residency_id").alias("_cand"), "name_r", "dob_r", "prec_r"),
        on="_cand", how="left", maintain_order="left",
    ).with_columns(
        pl.when(pl.col("name_r").is_not_null()).then(
            pl.concat_str([pl.lit("Người gần giống nhất: "), describe_person("name_r", "dob_r", "prec_r", "_cand")])
        ).alias("_cand_text"),
    )
    listed = pl.col(F.FULL_NAME_RAW)
    unmatched = rows.with_columns(pl.lit(None, pl.String).alias("residency_id"))
    return [
        finding(unmatched, (pl.col("outcome") == "unmatched") & ~pl.col("_death"), "record", "not_in_residency",
                listed, pl.col("_cand_text"), pl.lit(None), "medium"),
        finding(rows, pl.col("outcome") == "review", "record", "uncertain_match",
                listed, pl.col("_cand_text"), pl.col("_cand"), "medium"),
    ]


def id_row_findings(rows: pl.DataFrame) -> list[pl.DataFrame]:
    """On matched rows, the row's ID belongs to another resident (suggest the matched resident's own
    ID); on any row, the ID cell is unreadable (scientific notation…). An unmatched row showing a
    resident's ID gets that resident as its closest candidate instead (see candidate_findings)."""
    other = (pl.col("outcome") == "matched") & pl.col("_id_is_resident") & (pl.col("residency_id") != pl.col(F.PERSON_ID))
    raw = pl.coalesce(pl.col("raw_person_id"), pl.col(F.PERSON_ID)) if "raw_person_id" in rows.columns else pl.col(F.PERSON_ID)
    suggested = pl.when(pl.col("outcome") == "matched").then(pl.col("residency_id"))
    found = [finding(rows, other, F.PERSON_ID, "belongs_to_other_resident", raw, pl.lit(None), suggested, "high")]
    if "problem_person_id" in rows.columns:
        found.append(finding(rows, pl.col("problem_person_id").is_not_null(), F.PERSON_ID, "unreadable",
                             raw, suggested, suggested, "medium"))
    return found


def _on_distinct(rows: pl.DataFrame, column: str, fn, where: pl.Expr | None = None) -> pl.Series:
    """``fn(pl.col(column))`` per row of ``rows``, computed once per distinct value (of the rows
    ``where`` holds: null on the others). A list's vaccine or dose names, or the few rows keyed by
    their name, are folded without folding a province's every row."""
    values = rows.filter(where) if where is not None else rows
    table = values.select(pl.col(column).unique().drop_nulls())
    table = table.with_columns(fn(pl.col(column)).alias("_out"))
    keys = rows.select(pl.col(column), (where if where is not None else pl.lit(True)).alias("_use"))
    return keys.join(table, on=column, how="left", maintain_order="left").select(
        pl.when(pl.col("_use")).then(pl.col("_out"))).to_series()


def duplicate_findings(rows: pl.DataFrame, sector: str | None) -> list[pl.DataFrame]:
    """Second and later rows of the same person (the matched resident, else the row's ID, else folded
    name + birth date) and the same entry (``DUPLICATE_KEYS``) across the sector's files. The suggested value
    names the first row; for an allowance list the kind is ``duplicate_payment`` (high)."""
    if rows.is_empty():
        return []
    extra = [c for c in DUPLICATE_KEYS.get(sector or "", ()) if c in rows.columns]
    by_text = (pl.col("outcome") != "matched") & pl.col(F.PERSON_ID).is_null()
    person = (
        pl.when(pl.col("outcome") == "matched").then(pl.concat_str([pl.lit("r:"), pl.col("residency_id")]))
        .when(pl.col(F.PERSON_ID).is_not_null()).then(pl.concat_str([pl.lit("i:"), pl.col(F.PERSON_ID)]))
        .otherwise(pl.concat_str([pl.lit("t:"), pl.col("_folded_name"), pl.lit("|"),
                                  pl.col(F.BIRTH_DATE).cast(pl.String).fill_null("")]))
    )
    keyed = rows.with_columns(
        _on_distinct(rows, F.FULL_NAME, folded, where=by_text).alias("_folded_name"),
        *[_on_distinct(rows, c, lambda e: folded(e.cast(pl.String))).fill_null("").alias(f"_k_{c}") for c in extra],
    ).with_columns(person.alias("_person")).drop("_folded_name").sort(F.SOURCE_FILE, F.SOURCE_ROW)
    group = ["_person", *[f"_k_{c}" for c in extra]]
    keyed = keyed.with_columns(
        pl.int_range(pl.len()).over(group).alias("_nth"),
        pl.col(F.SOURCE_FILE).first().over(group).alias("_first_file"),
        pl.col(F.SOURCE_ROW).first().over(group).alias("_first_row"),
        pl.when(pl.col("outcome") == "matched").then(pl.col("residency_id")).alias("residency_id"),
    )
    first_name = pl.col("_first_file").str.replace(r"^.*[/\\]", "")
    first = pl.concat_str([pl.lit("dòng "), pl.col("_first_row").cast(pl.String), pl.lit(" ("), first_name, pl.lit(")")])
    kind, severity = ("duplicate_payment", "high") if sector in PAYMENT_SECTORS else ("duplicate_in_list", "medium")
    dup = finding(keyed, pl.col("_nth") > 0, "record", kind, pl.col(F.FULL_NAME_RAW), pl.lit(None), first, severity)
    related = keyed.filter(pl.col("_nth") > 0).select(
        pl.col("_first_file").alias("related_file"), pl.col("_first_row").cast(pl.UInt32).alias("related_row"))
    return [pl.concat([dup, related], how="horizontal")]
