"""Soft rules: checks that do not reject a row but are reported as findings for reconciliation.

``soft_findings(source, records, as_of)`` takes the valid canonical records of one source and
returns one row per finding with ``source_file, source_row, field, kind, sector_value,
residency_value, suggested_value, severity`` (the last three values null: the extract is not
known here). Rules:

- the personal ID against the row: century/gender digit and year of birth vs the birth date and
  gender (``id_inconsistent_birth_year``, ``id_inconsistent_gender``, medium); a province prefix
  that is no known code (``id_unknown_province``, low). DOMAIN.md: these are consistency
  signals, never reasons to reject.
- sector dates (event, vaccination, allowance start, join date): unreadable (low), after the
  period (``in_future``) or before the birth date (``before_birth``), medium.
- sector age rules as of the period: social pension below its legal age; Đoàn TNCS Hồ Chí Minh
  outside 16–35; Hội Người cao tuổi under 55; Hội Phụ nữ men or under 18; Hội Cựu chiến binh
  under 25 (low: suspicious, not impossible).

Ages respect the birth date's precision: a year-only date is only "too young" when even 1 January
of that year is too young. The officer's wording of each kind is in ``pipelines.findings.catalog``.
"""

from __future__ import annotations

import datetime as dt

import polars as pl

from contracts import fields as F
from contracts.values import id_birth_year, id_is_female, id_province

COLUMNS = (F.SOURCE_FILE, F.SOURCE_ROW, "field", "kind", "sector_value", "residency_value",
           "suggested_value", "severity")

# 3-digit prefixes of personal IDs: "0" + the GSO code of the province of birth registration
# (DOMAIN.md). Births registered abroad have other codes; those rows get a low finding.
PROVINCE_CODES = frozenset(
    "001 002 004 006 008 010 011 012 014 015 017 019 020 022 024 025 026 027 030 031 033 034 035 "
    "036 037 038 040 042 044 045 046 048 049 051 052 054 056 058 060 062 064 066 067 068 070 072 "
    "074 075 077 079 080 082 083 084 086 087 089 091 092 093 094 095 096".split()
)

# Social pension / elderly allowance: minimum age, general and for poor or near-poor households.
# From 01/07/2025 (Luật BHXH 2024, trợ cấp hưu trí xã hội): 75, or 70 in poor households.
# Before (Nghị định 20/2021): 80, or 60 for elderly people of poor households.
PENSION_REFORM = dt.date(2025, 7, 1)
PENSION_AGE = {"new": (75, 70), "old": (80, 60)}
# Associations: (pattern on the folded organisation name, minimum age, maximum age, severity of "too young").
DOAN_AGES = (16, 35)
NCT_MIN_AGE = 55
PHU_NU_MIN_AGE = 18
CCB_MIN_AGE = 25

def empty_findings() -> pl.DataFrame:
    return pl.DataFrame(schema={
        F.SOURCE_FILE: pl.String, F.SOURCE_ROW: pl.UInt32, "field": pl.String, "kind": pl.String,
        "sector_value": pl.String, "residency_value": pl.String, "suggested_value": pl.String,
        "severity": pl.String,
    })


def _fold(col: str) -> pl.Expr:
    """Lower case, no tone marks, đ→d, single spaces."""
    return (pl.col(col).cast(pl.String).str.normalize("NFD").str.replace_all(r"\p{M}", "")
            .str.to_lowercase().str.replace_all("đ", "d", literal=True).str.replace_all(r"\s+", " ")
            .str.strip_chars())


def _date_text(col: str, precision: str | None) -> pl.Expr:
    day = pl.col(col).dt.strftime("%d/%m/%Y")
    if precision is None:
        return day
    p = pl.col(precision)
    return (pl.when(p == "year").then(pl.col(col).dt.strftime("%Y"))
            .when(p == "month").then(pl.col(col).dt.strftime("%m/%Y")).otherwise(day))


def _latest(col: str, precision: str | None) -> pl.Expr:
    """The last day a date of that precision may mean (31/12 for a year, month end for a month)."""
    d = pl.col(col)
    if precision is None:
        return d
    p = pl.col(precision)
    return (pl.when(p == "year").then(pl.date(d.dt.year(), 12, 31))
            .when(p == "month").then(d.dt.month_end()).otherwise(d))


def _age(birth: pl.Expr, as_of: dt.date) -> pl.Expr:
    """Whole years from ``birth`` to ``as_of``."""
    later_in_year = (birth.dt.month().cast(pl.Int32) * 100 + birth.dt.day().cast(pl.Int32)) > (
        as_of.month * 100 + as_of.day)
    return as_of.year - birth.dt.year().cast(pl.Int32) - later_in_year.cast(pl.Int32)


def _finding(frame: pl.DataFrame, when: pl.Expr, field: str, kind: str, value: pl.Expr,
             severity: str) -> pl.DataFrame:
    return frame.filter(when.fill_null(False)).select(
        pl.col(F.SOURCE_FILE).cast(pl.String), pl.col(F.SOURCE_ROW).cast(pl.UInt32),
        pl.lit(field).alias("field"), pl.lit(kind).alias("kind"),
        value.cast(pl.String).alias("sector_value"),
        pl.lit(None, pl.String).alias("residency_value"), pl.lit(None, pl.String).alias("suggested_value"),
        pl.lit(severity).alias("severity"),
    )


def soft_findings(source: str, records: pl.DataFrame, as_of: dt.date) -> pl.DataFrame:
    """Findings of the soft rules for ``records`` of ``source`` (see the module docstring)."""
    if records.is_empty():
        return empty_findings()
    frame = records.with_columns(
        [pl.lit(None, pl.String).alias(c) for c in (F.PERSON_ID, F.GENDER, F.BIRTH_DATE_PRECISION)
         if c not in records.columns]
    )
    if F.BIRTH_DATE not in frame.columns:
        frame = frame.with_columns(pl.lit(None, pl.Date).alias(F.BIRTH_DATE))
    precision = F.BIRTH_DATE_PRECISION
    frame = frame.with_columns(
        _age(pl.col(F.BIRTH_DATE), as_of).alias("_age_max"),
        _age(_latest(F.BIRTH_DATE, precision), as_of).alias("_age_min"),
        _latest(F.BIRTH_DATE, precision).alias("_born_latest"),
        id_birth_year(F.PERSON_ID).alias("_id_year"),
        id_is_female(F.PERSON_ID).alias("_id_female"),
        id_province(F.PERSON_ID).alias("_id_province"),
    )
    pid = pl.col(F.PERSON_ID)
    found = [
        _finding(frame, pl.col("_id_year") != pl.col(F.BIRTH_DATE).dt.year().cast(pl.Int32),
                 F.PERSON_ID, "id_inconsistent_birth_year", pid, "medium"),
        _finding(frame, pl.col(F.GENDER).is_in(list(F.GENDERS)) & (pl.col("_id_female") != (pl.col(F.GENDER) == "F")),
                 F.PERSON_ID, "id_inconsistent_gender", pid, "medium"),
        _finding(frame, pl.col("_id_province").is_not_null() & ~pl.col("_id_province").is_in(sorted(PROVINCE_CODES)),
                 F.PERSON_ID, "id_unknown_province", pid, "low"),
    ]
    if "problem_commune_code" in frame.columns:
        found.append(_finding(frame, pl.col("problem_commune_code").is_not_null(), F.COMMUNE_CODE,
                              "not_a_commune_code", pl.col("raw_commune_code"), "low"))
    found += _sector_date_findings(frame, as_of)
    found += _age_findings(source, frame, as_of)
    found = [f for f in found if f.height]
    if not found:
        return empty_findings()
    return pl.concat(found, how="vertical").sort(F.SOURCE_FILE, F.SOURCE_ROW, "field", maintain_order=True)


def _sector_date_findings(frame: pl.DataFrame, as_of: dt.date) -> list[pl.DataFrame]:
    out = []
    for f in F.SECTOR_DATE_FIELDS:
        if f not in frame.columns or frame.schema[f] != pl.Date:
            continue
        prec = f"{f}_precision" if f"{f}_precision" in frame.columns else None
        raw = pl.col(f"raw_{f}") if f"raw_{f}" in frame.columns else pl.col(f).cast(pl.String)
        problem = pl.col(f"problem_{f}") if f"problem_{f}" in frame.columns else pl.lit(None, pl.String)
        text = _date_text(f, prec)
        out += [
            _finding(frame, problem.is_not_null(), f, "unreadable", raw, "low"),
            _finding(frame, pl.col(f) > as_of, f, "in_future", text, "medium"),
            _finding(frame, _latest(f, prec) < pl.col(F.BIRTH_DATE), f, "before_birth", text, "medium"),
        ]
    return out


def _age_findings(source: str, frame: pl.DataFrame, as_of: dt.date) -> list[pl.DataFrame]:
    """Sector age rules (social pension, association membership)."""
    born = _date_text(F.BIRTH_DATE, F.BIRTH_DATE_PRECISION)
    too_young = pl.col("_age_max")  # the oldest the person can be
    too_old = pl.col("_age_min")  # the youngest the person can be
    if source == "social_protection" and "allowance_category" in frame.columns:
        cat = _fold("allowance_category")
        elderly = cat.str.contains(r"cao tuoi|huu tri xa hoi|\bnct\b")
        poor = cat.str.contains("ngheo")
        general, for_poor = PENSION_AGE["new" if as_of >= PENSION_REFORM else "old"]
        limit = pl.when(poor).then(for_poor).otherwise(general)
        return [_finding(frame, elderly & (too_young < limit), F.BIRTH_DATE, "below_social_pension_age", born, "medium")]
    if source == "union_membership" and "organisation" in frame.columns:
        org = _fold("organisation")
        doan = org.str.contains(r"^(chi )?doan( tncs| thanh nien|$)|tncs")
        nct = org.str.contains("nguoi cao tuoi")
        phu_nu = org.str.contains("phu nu")
        ccb = org.str.contains("cuu chien binh")
        return [
            _finding(frame, doan & (too_young < DOAN_AGES[0]), F.BIRTH_DATE, "below_membership_age", born, "medium"),
            _finding(frame, doan & (too_old > DOAN_AGES[1]), F.BIRTH_DATE, "above_membership_age", born, "medium"),
            _finding(frame, nct & (too_young < NCT_MIN_AGE), F.BIRTH_DATE, "below_membership_age", born, "medium"),
            _finding(frame, phu_nu & (too_young < PHU_NU_MIN_AGE), F.BIRTH_DATE, "below_membership_age", born, "medium"),
            _finding(frame, phu_nu & (pl.col(F.GENDER) == "M"), F.GENDER, "not_eligible_gender", pl.lit("Nam"), "medium"),
            _finding(frame, ccb & (too_young < CCB_MIN_AGE), F.BIRTH_DATE, "below_membership_age", born, "low"),
        ]
    return []
