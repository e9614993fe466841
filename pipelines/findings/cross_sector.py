"""Cross-sector findings, once every sector is matched.

- A death registered in civil status for a resident still in the extract: a finding for the
  commune police (sector ``residency``, lineage = the extract's row, related = the civil-status
  row), and one for each row of an allowance, insurance or membership list that still holds that
  person. Both ``critical``.
- The extract holds only a birth year where a sector list holds a full date for the same person:
  a low finding for the police to verify and complete the record.
"""

from __future__ import annotations

import polars as pl

from contracts import fields as F
from pipelines.findings.base import date_text, finding, resident_columns
from pipelines.findings.rows import is_death

# Lists a deceased person must leave (DOMAIN.md: allowance and membership lists; social insurance
# too, since a pension or a card must stop).
DECEASED_CHECK_SECTORS: tuple[str, ...] = ("social_protection", "social_insurance", "union_membership")


def _text(frame: pl.DataFrame, col: str) -> pl.Expr:
    if col not in frame.columns:
        return pl.lit(None, pl.String)
    dtype = frame.schema[col]
    return pl.col(col).dt.strftime("%d/%m/%Y") if dtype == pl.Date else pl.col(col).cast(pl.String)


def _deaths(civil: pl.DataFrame) -> pl.DataFrame:
    """Matched death registrations: residency_id, the registration text and the row's lineage."""
    if civil.is_empty() or "outcome" not in civil.columns:
        return pl.DataFrame(schema={"residency_id": pl.String, "_death_text": pl.String,
                                    "related_file": pl.String, "related_row": pl.UInt32})
    reg = pl.concat_str([
        pl.lit("Khai tử"),
        pl.concat_str([pl.lit(" số "), _text(civil, "registration_number")]).fill_null(""),
        pl.concat_str([pl.lit(" ngày "), _text(civil, "event_date")]).fill_null(""),
    ])
    return civil.filter((pl.col("outcome") == "matched") & is_death(civil)).select(
        "residency_id", reg.alias("_death_text"),
        pl.col(F.SOURCE_FILE).alias("related_file"), pl.col(F.SOURCE_ROW).cast(pl.UInt32).alias("related_row"),
    ).unique("residency_id", keep="first", maintain_order=True)


def deceased_findings(rows: dict[str, pl.DataFrame], residents: pl.DataFrame) -> dict[str, pl.DataFrame]:
    """``rows``: per sector, its records joined to their outcomes (``outcome``, ``residency_id``).
    Returns findings per sector, ``residency`` holding the police's."""
    deaths = _deaths(rows.get("civil_status", pl.DataFrame()))
    out: dict[str, list[pl.DataFrame]] = {}
    if deaths.is_empty():
        return {}
    res = resident_columns(residents)
    in_extract = res.join(deaths, on="residency_id", how="inner", maintain_order="left").select(
        pl.col("file_r").alias(F.SOURCE_FILE), pl.col("row_r").alias(F.SOURCE_ROW), "residency_id",
        "name_r", "_death_text", "related_file", "related_row",
    )
    police = finding(in_extract, pl.lit(True), "record", "deceased_in_residency",
                     pl.concat_str([pl.lit("Hộ tịch: "), pl.col("_death_text")]),
                     pl.lit("Còn trong dữ liệu dân cư"), pl.col("_death_text"), "critical")
    out[F.RESIDENCY] = [pl.concat([police, in_extract.select("related_file", "related_row")], how="horizontal")]
    for sector in DECEASED_CHECK_SECTORS:
        frame = rows.get(sector)
        if frame is None or frame.is_empty():
            continue
        listed = frame.filter(pl.col("outcome") == "matched").join(deaths, on="residency_id", how="inner", maintain_order="left")
        if listed.is_empty():
            continue
        found = finding(listed, pl.lit(True), "record", "deceased_still_listed", pl.lit("Còn trong danh sách"),
                        pl.concat_str([pl.lit("Hộ tịch: "), pl.col("_death_text")]), pl.col("_death_text"), "critical")
        out.setdefault(sector, []).append(pl.concat([found, listed.select("related_file", "related_row")], how="horizontal"))
    return {s: pl.concat(frames, how="vertical_relaxed") for s, frames in out.items()}


def residency_precision_findings(rows: dict[str, pl.DataFrame], residents: pl.DataFrame) -> pl.DataFrame | None:
    """Residents with a birth year only where matched sector rows give a full date of that year
    (01/01 placeholders ignored): the most frequent such date is suggested, with its first row."""
    res = resident_columns(residents).filter(pl.col("prec_r") == "year")
    if res.is_empty():
        return None
    dated = [
        frame.filter(
            (pl.col("outcome") == "matched") & (pl.col(F.BIRTH_DATE_PRECISION) == "day")
            & ~((pl.col(F.BIRTH_DATE).dt.day() == 1) & (pl.col(F.BIRTH_DATE).dt.month() == 1))
        ).select("residency_id", F.BIRTH_DATE, F.SOURCE_FILE, pl.col(F.SOURCE_ROW).cast(pl.UInt32))
        for frame in rows.values() if not frame.is_empty() and F.BIRTH_DATE_PRECISION in frame.columns
    ]
    if not dated:
        return None
    fuller = pl.concat(dated).join(res, on="residency_id", how="inner").filter(
        pl.col(F.BIRTH_DATE).dt.year() == pl.col("dob_r").dt.year())
    if fuller.is_empty():
        return None
    best = fuller.group_by("residency_id", F.BIRTH_DATE).agg(
        pl.len().alias("_n"), pl.col(F.SOURCE_FILE).first().alias("related_file"),
        pl.col(F.SOURCE_ROW).first().alias("related_row"),
        pl.col("file_r").first(), pl.col("row_r").first(), pl.col("prec_r").first(), pl.col("dob_r").first(),
    ).sort("residency_id", "_n", F.BIRTH_DATE, descending=[False, True, False]).unique(
        "residency_id", keep="first", maintain_order=True
    ).with_columns(pl.col("file_r").alias(F.SOURCE_FILE), pl.col("row_r").alias(F.SOURCE_ROW))
    found = finding(best, pl.lit(True), F.BIRTH_DATE, "residency_less_precise", date_text(F.BIRTH_DATE),
                    date_text("dob_r", "prec_r"), date_text(F.BIRTH_DATE), "low")
    return pl.concat([found, best.select("related_file", "related_row")], how="horizontal")
