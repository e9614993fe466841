"""Soft rules: findings that do not reject a row (ID consistency, sector dates, sector ages)."""

from __future__ import annotations

import datetime as dt

import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from contracts.rules import COLUMNS, soft_findings

AS_OF = dt.date(2026, 11, 30)


def records(*rows: dict) -> pl.DataFrame:
    base = {"source_file": "ds.csv", "person_id": None, "birth_date": None, "birth_date_precision": None,
            "gender": None}
    full = [{**base, "source_row": i + 2, **row} for i, row in enumerate(rows)]
    schema = {"source_file": pl.String, "source_row": pl.UInt32, "person_id": pl.String, "birth_date": pl.Date,
              "birth_date_precision": pl.String, "gender": pl.String}
    for row in full:
        for key, value in row.items():
            if key not in schema:
                schema[key] = pl.Date if isinstance(value, dt.date) else pl.String
    return pl.DataFrame(full, schema=schema)


def kinds(source: str, *rows: dict, as_of: dt.date = AS_OF) -> list[tuple]:
    found = soft_findings(source, records(*rows), as_of)
    assert tuple(found.columns) == COLUMNS
    assert found["residency_value"].is_null().all() and found["suggested_value"].is_null().all()
    return found.select("source_row", "field", "kind", "sector_value", "severity").rows()


def born(y, m=1, d=1, precision="day"):
    return {"birth_date": dt.date(y, m, d), "birth_date_precision": precision}


# ------------------------------------------------------------------------------ the personal ID


@pytest.mark.parametrize(("row", "expected"), [
    ({"person_id": "036089012345", **born(1989, 5, 4), "gender": "M"}, []),
    ({"person_id": "036189012345", **born(1989), "gender": "F"}, []),
    ({"person_id": "001305012345", **born(2005, precision="year"), "gender": "F"}, []),
    ({"person_id": "036089012345", **born(1990, 5, 4), "gender": "M"},
     [(2, "person_id", "id_inconsistent_birth_year", "036089012345", "medium")]),
    ({"person_id": "036189012345", **born(1989, 5, 4), "gender": "M"},
     [(2, "person_id", "id_inconsistent_gender", "036189012345", "medium")]),
    ({"person_id": "036289012345", **born(1989, 5, 4), "gender": "F"},   # 2089, male
     [(2, "person_id", "id_inconsistent_birth_year", "036289012345", "medium"),
      (2, "person_id", "id_inconsistent_gender", "036289012345", "medium")]),
    ({"person_id": "003089012345", **born(1989), "gender": "M"},       # 003 is no province
     [(2, "person_id", "id_unknown_province", "003089012345", "low")]),
    ({"person_id": None, **born(1989), "gender": "M"}, []),
    ({"person_id": "036089012345"}, []),                                # nothing to compare with
])
def test_id_against_the_row(row, expected):
    assert kinds("vaccination", row) == expected


@settings(max_examples=60, deadline=None)
@given(st.sampled_from(["001", "036", "079", "096"]), st.dates(dt.date(1900, 1, 1), dt.date(2026, 11, 30)),
       st.sampled_from(["M", "F"]), st.from_regex(r"[0-9]{6}", fullmatch=True),
       st.sampled_from(["day", "month", "year"]))
def test_an_id_built_from_the_row_is_always_consistent(province, day, gender, tail, precision):
    digit = (day.year - 1900) // 100 * 2 + (gender == "F")
    pid = f"{province}{digit}{day.year % 100:02d}{tail}"
    stored = {"day": day, "month": day.replace(day=1), "year": day.replace(month=1, day=1)}[precision]
    row = {"person_id": pid, "birth_date": stored, "birth_date_precision": precision, "gender": gender}
    assert kinds("civil_status", row) == []


# ------------------------------------------------------------------------------ sector dates


def test_sector_dates_unreadable_future_or_before_birth():
    rows = [
        {**born(2020, 3, 1), "vaccination_date": dt.date(2020, 4, 1), "raw_vaccination_date": "01/04/2020"},
        {**born(2020, 3, 1), "vaccination_date": None, "raw_vaccination_date": "mũi 2",
         "problem_vaccination_date": "not a date in any accepted format"},
        {**born(2020, 3, 1), "vaccination_date": dt.date(2027, 1, 5), "raw_vaccination_date": "05/01/2027"},
        {**born(2020, 3, 15), "vaccination_date": dt.date(2020, 3, 1), "raw_vaccination_date": "03/2020",
         "vaccination_date_precision": "month"},                       # March 2020: may be after the 15th
        {**born(2020, 3, 15), "vaccination_date": dt.date(2020, 2, 1), "raw_vaccination_date": "02/2020",
         "vaccination_date_precision": "month"},
    ]
    assert kinds("vaccination", *rows) == [
        (3, "vaccination_date", "unreadable", "mũi 2", "low"),
        (4, "vaccination_date", "in_future", "05/01/2027", "medium"),
        (6, "vaccination_date", "before_birth", "02/2020", "medium"),
    ]


# ------------------------------------------------------------------------------ sector ages


@pytest.mark.parametrize(("category", "birth", "as_of", "found"), [
    ("Người cao tuổi từ đủ 75 tuổi trở lên", born(1951, 11, 30), AS_OF, False),   # 75 on the last day
    ("Người cao tuổi từ đủ 75 tuổi trở lên", born(1951, 12, 1), AS_OF, True),     # 74
    ("Người cao tuổi từ đủ 75 tuổi trở lên", born(1951, precision="year"), AS_OF, False),  # may be 75
    ("Người cao tuổi từ đủ 75 tuổi trở lên", born(1952, precision="year"), AS_OF, True),
    ("Người cao tuổi từ 70 đến dưới 75 tuổi thuộc hộ nghèo", born(1955, 6, 1), AS_OF, False),  # 71, poor
    ("Người cao tuổi từ 70 đến dưới 75 tuổi thuộc hộ nghèo", born(1958, 6, 1), AS_OF, True),   # 68
    ("NGUOI CAO TUOI THUOC HO CAN NGHEO", born(1956, 1, 1), AS_OF, False),
    ("Trợ cấp hưu trí xã hội", born(1960, 1, 1), AS_OF, True),
    ("Người cao tuổi từ đủ 80 tuổi", born(1946, 6, 1), dt.date(2025, 5, 31), True),  # 78: before 07/2025, 80+
    ("Người khuyết tật nặng", born(1990, 1, 1), AS_OF, False),
    ("Trẻ em mồ côi cả cha và mẹ", born(2015, 1, 1), AS_OF, False),
])
def test_social_pension_age(category, birth, as_of, found):
    got = kinds("social_protection", {**birth, "allowance_category": category}, as_of=as_of)
    assert got == ([(2, "birth_date", "below_social_pension_age", got[0][3] if got else None, "medium")] if found else [])


@pytest.mark.parametrize(("organisation", "row", "expected"), [
    ("Đoàn TNCS Hồ Chí Minh", born(2000, 1, 1), []),
    ("Đoàn TNCS Hồ Chí Minh", born(2011, 6, 1), [("birth_date", "below_membership_age", "medium")]),   # 15
    ("Đoàn Thanh niên", born(1985, 1, 1), [("birth_date", "above_membership_age", "medium")]),          # 41
    ("Đoàn TNCS Hồ Chí Minh", born(1991, precision="year"), []),                                         # 35 or 34
    ("Hội Người cao tuổi", born(1968, 1, 1), []),                                                        # 58
    ("Hội Người cao tuổi", born(1980, 1, 1), [("birth_date", "below_membership_age", "medium")]),
    ("Hội Phụ nữ", {**born(1990, 1, 1), "gender": "F"}, []),
    ("Hội Liên hiệp Phụ nữ", {**born(1990, 1, 1), "gender": "M"}, [("gender", "not_eligible_gender", "medium")]),
    ("Hội Phụ nữ", {**born(2010, 1, 1), "gender": "F"}, [("birth_date", "below_membership_age", "medium")]),
    ("Hội Cựu chiến binh", born(2004, 1, 1), [("birth_date", "below_membership_age", "low")]),
    ("Hội Cựu chiến binh", born(1950, 1, 1), []),
    ("Hội Nông dân", born(2008, 1, 1), []),
])
def test_association_ages(organisation, row, expected):
    got = kinds("union_membership", {**row, "organisation": organisation})
    assert [(f, k, s) for _, f, k, _, s in got] == expected


def test_no_rows_no_findings():
    assert soft_findings("vaccination", records(), AS_OF).columns == list(COLUMNS)
