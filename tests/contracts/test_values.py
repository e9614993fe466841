"""Value parsers over text as offices type it."""

from __future__ import annotations

import datetime as dt
import unicodedata

import polars as pl
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from contracts.values import (
    clean_name,
    id_birth_year,
    id_is_female,
    id_province,
    parse_amount,
    parse_date,
    parse_gender,
    parse_id,
)

TODAY = dt.date(2026, 11, 22)


def one(expr: pl.Expr, value: str | None):
    """Apply an expression to a one-row String column "x" and return the single result."""
    return pl.DataFrame({"x": [value]}, schema={"x": pl.String}).select(expr).item()


# ---------------------------------------------------------------- parse_id

@pytest.mark.parametrize(("raw", "digits", "kind", "repaired", "problem"), [
    ("079089012345", "079089012345", "person_id", False, None),
    ("79089012345", "079089012345", "person_id", True, None),       # Excel dropped the 0
    ("79089012345.0", "079089012345", "person_id", True, None),     # ... and wrote a float
    ("1090012345", "001090012345", "person_id", True, None),        # province 001: two zeros lost
    (" 079 089 012 345 ", "079089012345", "person_id", False, None),
    ("079.089.012.345", "079089012345", "person_id", False, None),
    ("079-089-012-345", "079089012345", "person_id", False, None),
    ("'001305012345", "001305012345", "person_id", False, None),    # Excel text prefix
    ("123456789", "123456789", "old_id", False, None),              # CMND
    ("23456789", "023456789", "old_id", True, None),                # CMND without its 0
    ("1.23457E+11", None, None, False, "scientific notation: digits lost"),
    ("7.9089E+10", None, None, False, "scientific notation: digits lost"),
    ("7,9089E+10", None, None, False, "scientific notation: digits lost"),
    ("0790890123", None, None, False, "wrong length"),
    ("0790890123456", None, None, False, "wrong length"),
    ("Chưa có", None, None, False, "not a number"),
    ("N/A", None, None, False, "not a number"),
    ("", None, None, False, None),
    ("   ", None, None, False, None),
    (None, None, None, False, None),
])
def test_parse_id(raw, digits, kind, repaired, problem):
    assert one(parse_id("x"), raw) == {
        "digits": digits, "kind": kind, "repaired": repaired, "problem": problem,
    }


def test_parse_id_struct_fields_in_order():
    dtype = pl.DataFrame({"x": ["1"]}).select(parse_id("x")).dtypes[0]
    assert [f.name for f in dtype.fields] == ["digits", "kind", "repaired", "problem"]


@given(st.from_regex(r"0[1-9][0-9]{10}", fullmatch=True))
def test_id_survives_excel_losing_the_zero(pid):
    assert one(parse_id("x"), str(int(pid))) == {
        "digits": pid, "kind": "person_id", "repaired": True, "problem": None,
    }


@given(st.from_regex(r"[0-9]{12}", fullmatch=True))
def test_twelve_digits_are_kept_as_is(pid):
    parsed = one(parse_id("x"), pid)
    assert (parsed["digits"], parsed["kind"], parsed["problem"]) == (pid, "person_id", None)


# ---------------------------------------------------------------- parse_date

D = dt.date


@pytest.mark.parametrize(("raw", "date", "precision", "problem", "ambiguous"), [
    ("15/08/1945", D(1945, 8, 15), "day", None, False),
    ("05/03/1990", D(1990, 3, 5), "day", None, True),      # 3 May if the office swapped them
    ("5/3/1990", D(1990, 3, 5), "day", None, True),
    ("07/07/1990", D(1990, 7, 7), "day", None, False),     # same either way
    ("1/2/90", D(1990, 2, 1), "day", None, True),
    ("1/2/26", D(2026, 2, 1), "day", None, True),          # two-digit year ≤ 26 → 2000s
    ("13/4/27", D(1927, 4, 13), "day", None, False),       # two-digit year > 26 → 1900s
    ("15-08-1945", D(1945, 8, 15), "day", None, False),
    ("15.08.1945", D(1945, 8, 15), "day", None, False),
    ("1990-03-05", D(1990, 3, 5), "day", None, False),     # ISO: not ambiguous
    ("2020-01-01 00:00:00", D(2020, 1, 1), "day", None, False),
    ("43831", D(2020, 1, 1), "day", None, False),          # Excel serial
    ("43831.0", D(2020, 1, 1), "day", None, False),
    ("1", D(1900, 1, 1), "day", None, False),
    ("59", D(1900, 2, 28), "day", None, False),
    ("61", D(1900, 3, 1), "day", None, False),
    ("60", None, None, "impossible date", False),          # Lotus's 29/02/1900
    ("1942", D(1942, 1, 1), "year", None, False),          # elderly: year only, never a serial
    ("2201", D(1906, 1, 9), "day", None, False),           # outside 1800-2200: a serial
    ("1942.0", D(1942, 1, 1), "year", None, False),
    ("03/1942", D(1942, 3, 1), "month", None, False),
    ("3/1942", D(1942, 3, 1), "month", None, False),
    ("00/00/1942", D(1942, 1, 1), "year", None, False),
    ("00/03/1942", D(1942, 3, 1), "month", None, False),
    ("01/01/1942", D(1942, 1, 1), "day", None, False),     # maybe a placeholder; kept as a day
    ("29/02/2000", D(2000, 2, 29), "day", None, False),
    ("29/02/1900", None, None, "impossible date", False),
    ("31/02/1990", None, None, "impossible date", False),
    ("31/04/1990", None, None, "impossible date", False),
    ("15/13/1990", None, None, "impossible date", False),
    ("12/25/1990", None, None, "impossible date", False),  # month/day order
    ("15/00/1990", None, None, "impossible date", False),
    ("00/00/0000", None, None, "impossible date", False),
    ("ngày 5 tháng 3", None, None, "not a date in any accepted format", False),
    ("Không rõ", None, None, "not a date in any accepted format", False),
    ("0", None, None, "not a date in any accepted format", False),
    ("80001", None, None, "not a date in any accepted format", False),
    ("", None, None, None, False),
    (" ", None, None, None, False),
    (None, None, None, None, False),
])
def test_parse_date(raw, date, precision, problem, ambiguous):
    assert one(parse_date("x", today=TODAY), raw) == {
        "date": date, "precision": precision, "problem": problem, "ambiguous": ambiguous,
    }


def test_parse_date_struct_dtypes():
    dtype = pl.DataFrame({"x": ["1/1/2000"]}).select(parse_date("x")).dtypes[0]
    assert {f.name: f.dtype for f in dtype.fields} == {
        "date": pl.Date, "precision": pl.String, "problem": pl.String, "ambiguous": pl.Boolean,
    }


def _excel_serial(d: dt.date) -> str:
    return str((d - dt.date(1899, 12, 30)).days)


DAY_FORMATS = [
    lambda d: f"{d.day:02d}/{d.month:02d}/{d.year}",
    lambda d: f"{d.day}/{d.month}/{d.year}",
    lambda d: f"{d.day:02d}-{d.month:02d}-{d.year}",
    lambda d: f"{d.day:02d}.{d.month:02d}.{d.year}",
    lambda d: d.isoformat(),
    lambda d: f"{d.isoformat()} 00:00:00",
    _excel_serial,
    lambda d: _excel_serial(d) + ".0",
]


@settings(max_examples=300)
@given(st.dates(dt.date(1900, 3, 1), dt.date(2100, 12, 31)), st.sampled_from(DAY_FORMATS))
def test_any_day_parses_back(day, fmt):
    # Serials 1800-2200 (1904-12 to 1906-01) read as years: "1942" is a year, never a serial.
    assume(fmt not in (DAY_FORMATS[-2], DAY_FORMATS[-1]) or day > dt.date(1906, 1, 9))
    parsed = one(parse_date("x", today=TODAY), fmt(day))
    assert (parsed["date"], parsed["precision"], parsed["problem"]) == (day, "day", None)


@given(st.dates(dt.date(1927, 1, 1), dt.date(2026, 12, 31)))
def test_two_digit_years_parse_back(day):
    parsed = one(parse_date("x", today=TODAY), f"{day.day}/{day.month}/{day.year % 100:02d}")
    assert (parsed["date"], parsed["precision"]) == (day, "day")


@given(st.integers(1800, 2200), st.integers(1, 12),
       st.sampled_from(["{m:02d}/{y}", "{m}/{y}", "00/{m:02d}/{y}"]))
def test_any_month_parses_back(year, month, fmt):
    parsed = one(parse_date("x"), fmt.format(m=month, y=year))
    assert (parsed["date"], parsed["precision"]) == (dt.date(year, month, 1), "month")


@given(st.integers(1800, 2200), st.sampled_from(["{y}", "00/00/{y}", "{y}.0"]))
def test_any_year_parses_back(year, fmt):
    parsed = one(parse_date("x"), fmt.format(y=year))
    assert (parsed["date"], parsed["precision"]) == (dt.date(year, 1, 1), "year")


def test_parse_date_is_vectorised_over_mixed_forms():
    raw = ["15/08/1945", "1942", None, "31/02/1990", "43831", "abc"]
    out = pl.DataFrame({"x": raw}).select(parse_date("x").alias("d")).unnest("d")
    assert out["precision"].to_list() == ["day", "year", None, None, "day", None]
    assert out["problem"].null_count() == 4


# ---------------------------------------------------------------- parse_gender

NU_NFD = unicodedata.normalize("NFD", "Nữ")


@pytest.mark.parametrize(("raw", "gender", "problem"), [
    ("Nam", "M", None), ("NAM", "M", None), ("nam", "M", None), (" Nam ", "M", None),
    ("Nữ", "F", None), ("NỮ", "F", None), ("nữ", "F", None), ("Nu", "F", None), ("nu", "F", None),
    (NU_NFD, "F", None),                          # decomposed tone marks
    ("Nu\u031b\u0303", "F", None),                # Unikey "tổ hợp"-like sequence
    ("M", "M", None), ("F", "F", None), ("Male", "M", None), ("Female", "F", None),
    ("1", "M", None), ("0", "F", None), ("1.0", "M", None),
    ("x", None, "unknown gender value"),          # the two-column "x" layout is the reader's job
    ("Khác", None, "unknown gender value"),
    ("", None, None), (None, None, None),
])
def test_parse_gender(raw, gender, problem):
    assert one(parse_gender("x"), raw) == {"gender": gender, "problem": problem}


# ---------------------------------------------------------------- clean_name

@pytest.mark.parametrize(("raw", "expected"), [
    ("Nguyễn Văn An", "Nguyễn Văn An"),
    ("  Nguyễn   Văn An ", "Nguyễn Văn An"),
    ("Nguyễn\u00a0Thị\tLan", "Nguyễn Thị Lan"),          # NBSP and tab
    ("Ðặng Văn Ðức", "Đặng Văn Đức"),                    # eth typed for Đ
    ("ðỗ thị hà", "đỗ thị hà"),                          # case is kept
    ("NGUYỄN VĂN AN", "NGUYỄN VĂN AN"),
    (unicodedata.normalize("NFD", "Trần Thị Thủy"), "Trần Thị Thủy"),
    ("Nguye\u0302\u0303n", "Nguyễn"),                    # â + combining tilde (Unikey tổ hợp)
    ("Lê\u200bVăn Tám", "LêVăn Tám"),                    # zero-width space dropped
    ("", None), ("   ", None), ("\t", None), (None, None),
])
def test_clean_name(raw, expected):
    assert one(clean_name("x"), raw) == expected


@given(st.text(alphabet=st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=30)
       | st.sampled_from(["  Ðỗ  Thị\u00a0Hà ", "Nguye\u0302\u0303n Văn"]))
def test_clean_name_is_idempotent_and_nfc(raw):
    once = one(clean_name("x"), raw)
    if once is None:
        return
    assert unicodedata.is_normalized("NFC", once)
    assert once == once.strip() and "  " not in once
    assert one(clean_name("x"), once) == once


# ---------------------------------------------------------------- ID structure

@pytest.mark.parametrize(("pid", "year", "female", "province"), [
    ("079089012345", 1989, False, "079"),   # TP.HCM, man born 1989
    ("001189012345", 1989, True, "001"),    # Hà Nội, woman born 1989
    ("038205012345", 2005, False, "038"),   # Thanh Hóa, boy born 2005
    ("040323012345", 2023, True, "040"),    # Nghệ An, girl born 2023
    ("001000000000", 1900, False, "001"),
    ("001999000000", 2399, True, "001"),     # century digits run on: 8/9 = 2300s
    ("07908901234", None, None, None),       # 11 digits: not an ID
    ("07908901234x", None, None, None),
    (None, None, None, None),
])
def test_id_structure(pid, year, female, province):
    assert one(id_birth_year("x"), pid) == year
    assert one(id_is_female("x"), pid) == female
    assert one(id_province("x"), pid) == province


# ---------------------------------------------------------------- parse_amount

@pytest.mark.parametrize(("raw", "expected"), [
    ("1.500.000", 1_500_000), ("1,500,000", 1_500_000), ("1500000", 1_500_000),
    ("1500000.0", 1_500_000), ("1.500.000 đ", 1_500_000), ("1.500.000 đồng", 1_500_000),
    ("2.000.000VNĐ", 2_000_000), ("1.500.000,00", 1_500_000), ("540.000", 540_000),
    ("1.5", None), ("một triệu", None), ("", None), (None, None),
])
def test_parse_amount(raw, expected):
    assert one(parse_amount("x"), raw) == expected


def test_parsers_take_expressions():
    frame = pl.DataFrame({"a": [" 79089012345 "]})
    got = frame.select(parse_id(pl.col("a").str.strip_chars()).struct.field("digits")).item()
    assert got == "079089012345"


# ---------------------------------------------------------------- "Nam" | "Nữ" column pairs

from contracts.values import (  # noqa: E402
    PROBLEM_BOTH_COLUMNS,
    date_from_gender_columns,
    gender_from_ticks,
    looks_like_ticks,
)


def pair(expr: pl.Expr, male: str | None, female: str | None):
    frame = pl.DataFrame({"m": [male], "f": [female]}, schema={"m": pl.String, "f": pl.String})
    return frame.select(expr).item()


@pytest.mark.parametrize(("male", "female", "gender", "problem"), [
    ("x", None, "M", None),
    (None, "X", "F", None),
    ("✓", " ", "M", None),
    ("1", "0", "M", None),
    ("", "v", "F", None),
    (None, None, None, None),
    ("-", "không", None, None),
    ("x", "x", None, PROBLEM_BOTH_COLUMNS),
])
def test_gender_from_ticks(male, female, gender, problem):
    assert pair(gender_from_ticks("m", "f"), male, female) == {"gender": gender, "problem": problem}


@pytest.mark.parametrize(("male", "female", "expected"), [
    ("04/05/1990", None, {"text": "04/05/1990", "gender": "M", "problem": None}),
    (None, " 1942 ", {"text": "1942", "gender": "F", "problem": None}),
    (None, None, {"text": None, "gender": None, "problem": None}),
    ("1942", "1942", {"text": None, "gender": None, "problem": PROBLEM_BOTH_COLUMNS}),
])
def test_date_from_gender_columns(male, female, expected):
    assert pair(date_from_gender_columns("m", "f"), male, female) == expected


@pytest.mark.parametrize(("values", "ticks"), [
    (["x", None, "X", ""], True),
    (["✓", "1"], True),
    ([None, None], True),
    (["04/05/1990", None], False),
    (["x", "1942"], False),
])
def test_looks_like_ticks(values, ticks):
    assert looks_like_ticks(pl.Series(values, dtype=pl.String)) is ticks


@settings(max_examples=40, deadline=None)
@given(st.dates(dt.date(1900, 3, 1), dt.date(2100, 12, 31)), st.booleans())
def test_a_date_in_either_column_parses_back_with_its_gender(day, female):
    text = day.strftime("%d/%m/%Y")
    frame = pl.DataFrame({"m": [None if female else text], "f": [text if female else None]},
                         schema={"m": pl.String, "f": pl.String})
    got = frame.select(date_from_gender_columns("m", "f").alias("p")).select(
        parse_date(pl.col("p").struct.field("text")).struct.field("date"), pl.col("p").struct.field("gender")).row(0)
    assert got == (day, "F" if female else "M")


@given(st.dates(dt.date(1927, 5, 19), dt.date(2119, 1, 1)))  # serials 10000-80000 (4 digits could be a year)
def test_excel_serials_parse_back(day):
    serial = (day - dt.date(1899, 12, 30)).days
    assert one(parse_date("x"), str(serial)) == {"date": day, "precision": "day", "problem": None, "ambiguous": False}


@given(st.from_regex(r"[1-9][0-9]{7}", fullmatch=True))
def test_a_cmnd_that_lost_its_zero_is_repaired(digits):
    assert one(parse_id("x"), digits) == {"digits": "0" + digits, "kind": "old_id", "repaired": True, "problem": None}


@pytest.mark.parametrize(("raw", "digits", "kind"), [
    ("Giấy tờ tùy thân: Căn cước công dân số 064055130541", "064055130541", "person_id"),
    ("CCCD số 064055130541, cấp ngày 01/02/2021 tại Cục CS QLHC về TTXH", "064055130541", "person_id"),
    ("CMND số 123456789 do CA Nam Định cấp", "123456789", "old_id"),
    ("Hộ chiếu C1234567", None, None),  # no ID of ours in it
])
def test_an_id_inside_text_is_taken_out(raw, digits, kind):
    got = pl.select(parse_id(pl.lit(raw))).item()
    assert (got["digits"], got["kind"]) == (digits, kind)
