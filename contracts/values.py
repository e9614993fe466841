"""Value parsers: String columns as an office typed them → typed values plus a problem text.

Every function takes a column name or a ``pl.Expr`` and returns a ``pl.Expr`` (vectorised, no
Python per value). Parsers return a Struct; unnest it or pick fields with ``.struct.field``:

    people.with_columns(parse_id("Số CCCD").alias("pid")).unnest("pid")

A problem is a short English reason for ``rejected_rows``; it never contains the value.
Empty or whitespace-only input is "missing": null value and null problem.

The parsers build their result in stages with ``struct.with_fields`` and ``pl.field``: eager
``DataFrame.select`` does no common-subexpression elimination in polars 2.1, and an expression
reusing its parts (year, month, …) blew up: the first parse_date took 8.7 s for 20,000 rows.
"""

from __future__ import annotations

import datetime as dt

import polars as pl

PROBLEM_SCIENTIFIC = "scientific notation: digits lost"
PROBLEM_WRONG_LENGTH = "wrong length"
PROBLEM_NOT_DIGITS = "not a number"
PROBLEM_IMPOSSIBLE_DATE = "impossible date"
PROBLEM_NOT_A_DATE = "not a date in any accepted format"
PROBLEM_UNKNOWN_GENDER = "unknown gender value"
PROBLEM_NOT_A_COMMUNE_CODE = "not a commune code (up to 5 digits)"

# Plausible calendar years; a date outside them is reported as impossible.
MIN_YEAR, MAX_YEAR = 1800, 2200
# Excel serials accepted as dates (80000 = 2119-01-10).
MAX_EXCEL_SERIAL = 80_000

_EPOCH_1899_12_30 = -25_569  # days from 1970-01-01 back to Excel's day 0 (for serial ≥ 61)

_GENDER_CODES: dict[str, str] = {
    "nam": "M", "m": "M", "male": "M", "1": "M", "trai": "M",
    "nu": "F", "f": "F", "female": "F", "0": "F", "gai": "F",
}

# One pass of the regex finds which accepted form the text has (named groups are null otherwise).
_DATE_RX = (
    r"^(?:"
    r"(?P<iso_y>[0-9]{4})[-/.](?P<iso_m>[0-9]{1,2})[-/.](?P<iso_d>[0-9]{1,2})"
    r"|(?P<dmy_d>[0-9]{1,2})[-/.](?P<dmy_m>[0-9]{1,2})[-/.](?P<dmy_y>[0-9]{4}|[0-9]{2})"
    r"|(?P<my_m>[0-9]{1,2})[-/.](?P<my_y>[0-9]{4})"
    r"|(?P<num>[0-9]{1,5})(?:\.0+)?"
    r")(?:[ T][0-9]{1,2}:[0-9]{2}(?::[0-9]{2}(?:\.[0-9]+)?)?)?$"
)


def _expr(col: str | pl.Expr) -> pl.Expr:
    return pl.col(col) if isinstance(col, str) else col


def _text(col: str | pl.Expr) -> pl.Expr:
    """Stripped text, null when empty."""
    return _expr(col).cast(pl.String).str.strip_chars().replace("", None)


def _spelt_out(text: pl.Expr) -> pl.Expr:
    """A date spelt out as in civil-status papers, as numbers: "ngày 5 tháng 3 năm 1985" →
    "5/3/1985", "tháng 3 năm 1985" → "3/1985", "năm 1985" → "1985"."""
    return (text.str.replace(r"(?i)^(?:ngày\s*)?([0-9]{1,2})\s*,?\s*tháng\s*([0-9]{1,2})\s*,?\s*năm\s*([0-9]{4})$", "$1/$2/$3")
            .str.replace(r"(?i)^tháng\s*([0-9]{1,2})\s*,?\s*năm\s*([0-9]{4})$", "$1/$2")
            .str.replace(r"(?i)^năm\s*([0-9]{4})$", "$1"))


def parse_id(col: str | pl.Expr) -> pl.Expr:
    """ID as typed → Struct{digits, kind: "person_id"|"old_id", repaired, problem}.

    "79089012345" → ("079089012345", "person_id", True, null); "1.23457E+11" → digits null,
    problem "scientific notation: digits lost". Spaces, dots, dashes and a trailing ".0" are
    dropped; 11 → 12 and 8 → 9 digits get back their leading zero, and 10 → 12 their two (IDs of
    provinces 001–009 stored as numbers), all marked repaired. An ID inside text is taken out of it:
    "Căn cước công dân số 064055130541" → "064055130541" (a 12-digit run, else a 9-digit one).
    Other problems: "wrong length", "not a number". Empty → all null, repaired False.
    """
    t, c, n = pl.field("_t"), pl.field("_c"), pl.field("_n")
    ok = pl.field("_digits_only") & ~pl.field("_sci")
    lost_two = ok & (n == 10) & ~c.str.starts_with("0")  # a number never starts with 0
    lost_zero = ok & ((n == 11) | (n == 8)) | lost_two
    digits = (
        pl.when(ok & ((n == 12) | (n == 9))).then(c)
        .when(lost_two).then(pl.concat_str(pl.lit("00"), c))
        .when(lost_zero).then(pl.concat_str(pl.lit("0"), c))
    )
    kind = (
        pl.when(ok & ((n == 12) | (n == 11)) | lost_two).then(pl.lit("person_id"))
        .when(ok & ((n == 9) | (n == 8))).then(pl.lit("old_id"))
    )
    problem = (
        pl.when(t.is_null() | (n == 0)).then(pl.lit(None, pl.String))
        .when(pl.field("_sci")).then(pl.lit(PROBLEM_SCIENTIFIC))
        .when(~pl.field("_digits_only")).then(pl.lit(PROBLEM_NOT_DIGITS))
        .when(pl.field("digits").is_null()).then(pl.lit(PROBLEM_WRONG_LENGTH))
    )
    return (
        pl.struct(_text(col).alias("_t"))
        .struct.with_fields(
            _sci=t.str.contains(r"^[+-]?[0-9]+(?:[.,][0-9]+)?[eE][+-]?[0-9]+$"),
            _c=t.str.replace(r"([0-9])\.0{1,2}$", "$1").str.replace_all(r"[\s.\-'’]", ""),
            _in_text=pl.coalesce(t.str.extract(r"(?:^|[^0-9])([0-9]{12})(?:[^0-9]|$)"),
                                 t.str.extract(r"(?:^|[^0-9])([0-9]{9})(?:[^0-9]|$)")),
        )
        .struct.with_fields(
            _c=pl.when(t.str.contains(r"\p{L}") & pl.field("_in_text").is_not_null() & ~pl.field("_sci"))
            .then(pl.field("_in_text")).otherwise(pl.field("_c")),
        )
        .struct.with_fields(_n=c.str.len_bytes(), _digits_only=c.str.contains(r"^[0-9]+$"))
        .struct.with_fields(
            digits=digits, kind=kind, repaired=lost_zero.fill_null(False)
        )
        .struct.with_fields(problem=problem)
        .struct.drop(["_t", "_sci", "_c", "_in_text", "_n", "_digits_only"])
    )


def _days_in_month(y: pl.Expr, m: pl.Expr) -> pl.Expr:
    leap = ((y % 4 == 0) & (y % 100 != 0)) | (y % 400 == 0)
    return (
        pl.when(m == 2).then(pl.when(leap).then(29).otherwise(28))
        .when(m.is_in([4, 6, 9, 11])).then(30)
        .otherwise(31)
    )


def _days_since_epoch(y: pl.Expr, m: pl.Expr, d: pl.Expr) -> pl.Expr:
    """Days from 1970-01-01 to a valid y-m-d (H. Hinnant's days_from_civil, y > 0)."""
    y = y - (m <= 2).cast(pl.Int32)
    era = y // 400
    yoe = y - era * 400
    doy = (153 * (m + pl.when(m > 2).then(-3).otherwise(9)) + 2) // 5 + d - 1
    doe = yoe * 365 + yoe // 4 - yoe // 100 + doy
    return era * 146_097 + doe - 719_468


def parse_date(col: str | pl.Expr, *, today: dt.date | None = None) -> pl.Expr:
    """Date as typed → Struct{date, precision: "day"|"month"|"year", problem, ambiguous}.

    "5/3/1990" → (1990-03-05, "day", null, ambiguous True); "03/1942" → (1942-03-01, "month");
    "1942" and "00/00/1942" → (1942-01-01, "year"); "43831" (Excel serial) → 2020-01-01;
    "31/02/1990" → problem "impossible date"; "ngày 5 tháng 3 năm 1990" as "5/3/1990". Two-digit years above today's go to the 1900s;
    a 4-digit number in 1800–2200 is a year, never a serial.
    Empty → null date, precision and problem, ambiguous False.
    """
    pivot = (today or dt.date.today()).year % 100
    f = pl.field
    g = f("_g")

    def part(name: str) -> pl.Expr:
        return g.struct.field(name).cast(pl.Int32)

    # Stage 1: the numbers of whichever form matched (null fields for the others).
    num_is_year = (g.struct.field("num").str.len_bytes() == 4) & part("num").is_between(
        MIN_YEAR, MAX_YEAR
    )
    short_year = part("dmy_y")
    dmy_y = (
        pl.when(g.struct.field("dmy_y").str.len_bytes() == 2)
        .then(pl.when(short_year > pivot).then(1900 + short_year).otherwise(2000 + short_year))
        .otherwise(short_year)
    )
    stage1 = {
        "_num": part("num"),
        "_num_is_year": num_is_year,
        "_y": pl.coalesce(part("iso_y"), dmy_y, part("my_y")),
        "_m": pl.coalesce(part("iso_m"), part("dmy_m"), part("my_m")),
        "_d": pl.coalesce(part("iso_d"), part("dmy_d")),
        "_ambiguous": (
            part("dmy_d").is_between(1, 12)
            & part("dmy_m").is_between(1, 12)
            & (part("dmy_d") != part("dmy_m"))
            & ~f("_spelt").fill_null(False)
        ).fill_null(False),
    }
    # Stage 2: a year alone is y-0-0, a month/year is y-m-0; other numbers are Excel serials.
    year_only = f("_num_is_year").fill_null(False)
    stage2 = {
        "_y": pl.when(year_only).then(f("_num")).otherwise(f("_y")),
        "_m": pl.when(year_only).then(0).otherwise(f("_m")),
        "_d": pl.when(year_only).then(0).when(f("_m").is_not_null()).then(
            f("_d").fill_null(0)
        ),
        "_serial": pl.when(~year_only & f("_num").is_between(1, MAX_EXCEL_SERIAL)).then(f("_num")),
    }
    y, m, d, serial = f("_y"), f("_m"), f("_d"), f("_serial")
    # Stage 3: calendar check, then days since 1970-01-01 from safe components.
    calendar_ok = (
        y.is_between(MIN_YEAR, MAX_YEAR)
        & m.is_between(0, 12)
        & ((d == 0) | ((m >= 1) & (d <= _days_in_month(y, m.clip(1, 12)))))
    ).fill_null(False)
    stage3 = {"_ok": calendar_ok, "_serial_ok": serial.is_not_null() & (serial != 60)}
    ok = f("_ok")
    ymd_days = _days_since_epoch(
        pl.when(ok).then(y).otherwise(2000),
        pl.when(ok).then(m.clip(1, 12)).otherwise(1),
        pl.when(ok).then(d.clip(1, 31)).otherwise(1),
    )
    # Excel 1900 system: 1 = 1900-01-01 … 59 = 1900-02-28, 60 = the fictitious 1900-02-29.
    serial_days = serial + _EPOCH_1899_12_30 + pl.when(serial >= 61).then(0).otherwise(1)
    stage4 = {
        "date": pl.when(ok).then(ymd_days).when(f("_serial_ok")).then(serial_days)
        .cast(pl.Int32).cast(pl.Date),
        "precision": pl.when(ok).then(
            pl.when(d >= 1).then(pl.lit("day")).when(m >= 1).then(pl.lit("month"))
            .otherwise(pl.lit("year"))
        ).when(f("_serial_ok")).then(pl.lit("day")),
        "problem": pl.when(f("_t").is_null() | ok | f("_serial_ok")).then(pl.lit(None, pl.String))
        .when(y.is_not_null() | (serial == 60)).then(pl.lit(PROBLEM_IMPOSSIBLE_DATE))
        .otherwise(pl.lit(PROBLEM_NOT_A_DATE)),
        "ambiguous": f("_ambiguous"),
    }
    return (
        pl.struct(_spelt_out(_text(col)).alias("_t"), _text(col).str.contains(r"(?i)tháng").alias("_spelt"))
        .struct.with_fields(_g=f("_t").str.extract_groups(_DATE_RX))
        .struct.with_fields(**stage1)
        .struct.with_fields(**stage2)
        .struct.with_fields(**stage3)
        .struct.with_fields(**stage4)
        .struct.drop(["_t", "_spelt", "_g", "_num", "_num_is_year", "_y", "_m", "_d", "_serial", "_ok",
                      "_serial_ok", "_ambiguous"])
    )


def parse_commune_code(col: str | pl.Expr) -> pl.Expr:
    """Commune code as typed → Struct{code, problem}: the 5-digit code of the administrative-unit
    list ("14209"; "1" or "1.0" from a number cell → "00001"); anything else → code null and a
    problem, so that a list's own text never becomes part of a file name."""
    t = pl.field("_t")
    digits = t.str.replace(r"\.0+$", "")
    ok = digits.str.contains(r"^[0-9]{1,5}$")
    return (
        pl.struct(_text(col).alias("_t"))
        .struct.with_fields(code=pl.when(ok).then(digits.str.zfill(5)).otherwise(pl.lit(None, pl.String)))
        .struct.with_fields(
            problem=pl.when(t.is_not_null() & pl.field("code").is_null())
            .then(pl.lit(PROBLEM_NOT_A_COMMUNE_CODE)).otherwise(pl.lit(None, pl.String)))
        .struct.drop(["_t"])
    )


def parse_gender(col: str | pl.Expr) -> pl.Expr:
    """Gender as typed → Struct{gender: "M"|"F", problem}: "Nam"/"NỮ"/"nu"/"Male"/"1"/"0" …

    Case, tone marks and Unicode form are ignored ("Nữ" → "F", "1" → "M"). Empty → both null;
    other text → problem "unknown gender value".
    """
    t = pl.field("_t")
    key = (
        t.str.normalize("NFD").str.replace_all(r"\p{M}", "").str.to_lowercase()
        .str.replace(r"\.0+$", "")
    )
    return (
        pl.struct(_text(col).alias("_t"))
        .struct.with_fields(
            gender=key.replace_strict(_GENDER_CODES, default=None, return_dtype=pl.String)
        )
        .struct.with_fields(
            problem=pl.when(t.is_not_null() & pl.field("gender").is_null())
            .then(pl.lit(PROBLEM_UNKNOWN_GENDER))
            .otherwise(pl.lit(None, pl.String))
        )
        .struct.drop(["_t"])
    )


def clean_name(col: str | pl.Expr) -> pl.Expr:
    """Name → NFC, "Ð"/"ð" (eth) → "Đ"/"đ", single spaces, stripped; empty → null. Case kept.

    "  Nguyễn Văn\tÐức " (NFD, a tab) → "Nguyễn Văn Đức". Zero-width characters are dropped.
    """
    return (
        _expr(col).cast(pl.String)
        .str.replace_all("[\u200b\u200c\u200d\u2060\ufeff]", "")
        .str.normalize("NFC")
        .str.replace_many({"\u00d0": "\u0110", "\u00f0": "\u0111"})
        # Whitespace and control characters → one space; = [\s\p{Cc}]+ → " ", twice as fast.
        .str.replace_all(r"[\s\p{Cc}]{2,}|[[\s\p{Cc}]&&[^ ]]", " ")
        .str.strip_chars(" ")
        .replace("", None)
    )


def _twelve_digits(col: str | pl.Expr) -> pl.Expr:
    e = _expr(col)
    return pl.when(e.str.contains(r"^[0-9]{12}$")).then(e)


def id_birth_year(col: str | pl.Expr) -> pl.Expr:
    """Birth year encoded in a 12-digit ID (d4 = century/gender, d5–6 = year) → Int32.

    "079089012345" → 1989; "001305012345" → 2005. Null unless exactly 12 digits.
    """
    s = _twelve_digits(col)
    century = s.str.slice(3, 1).cast(pl.Int32)
    return 1900 + (century // 2) * 100 + s.str.slice(4, 2).cast(pl.Int32)


def id_is_female(col: str | pl.Expr) -> pl.Expr:
    """Gender digit of a 12-digit ID is odd → True (female). "079189…" → True; null unless 12 digits."""
    return _twelve_digits(col).str.slice(3, 1).cast(pl.Int32) % 2 == 1


def id_province(col: str | pl.Expr) -> pl.Expr:
    """Province of birth registration of a 12-digit ID: first 3 digits ("079…" → "079"), else null."""
    return _twelve_digits(col).str.slice(0, 3)


def parse_amount(col: str | pl.Expr) -> pl.Expr:
    """Money as typed → Int64 đồng: "1.500.000", "1,500,000 đ", "1500000" → 1500000.

    Null when empty or not readable as a whole amount (compare with the input to tell them apart).
    """
    t = pl.field("_t")
    readable = t.str.contains(r"^(?:[0-9]{1,3}(?:[.,][0-9]{3})+|[0-9]+)$")
    return (
        pl.struct(
            _text(col).str.normalize("NFC").str.to_lowercase()
            .str.replace_all(r"\s+", "")
            .str.replace(r"(?:vnđ|vnd|đồng|dong|đ)$", "")
            .str.replace(r"^([0-9.,]+?)[.,]0{1,2}$", "$1")
            .alias("_t")
        )
        .struct.with_fields(
            amount=pl.when(readable).then(t.str.replace_all(r"[.,]", "")).cast(pl.Int64, strict=False)
        )
        .struct.field("amount")
    )


# ---------------------------------------------------------------------------------------------
# Two columns "Nam" | "Nữ": the value (a date, or a tick) is written in the person's column.

PROBLEM_BOTH_COLUMNS = "both the Nam and the Nữ column are filled"
# Cell texts that mean "not ticked" in a tick column (anything else non-empty is a tick).
NOT_TICKED = ("0", "-", "không", "khong", "k", "o")


def _filled(col: str | pl.Expr) -> pl.Expr:
    return _text(col).is_not_null()


def _ticked(col: str | pl.Expr) -> pl.Expr:
    return _filled(col) & ~_text(col).str.to_lowercase().is_in(NOT_TICKED)


def gender_from_ticks(male: str | pl.Expr, female: str | pl.Expr) -> pl.Expr:
    """Tick columns "Nam" | "Nữ" ("x", "✓", "1"…) → Struct{gender: "M"|"F", problem}.

    One tick → its gender; none → both null; both → gender null, problem "both the Nam and the
    Nữ column are filled".
    """
    m, f = _ticked(male), _ticked(female)
    return pl.struct(
        pl.when(m & ~f).then(pl.lit("M")).when(f & ~m).then(pl.lit("F")).otherwise(pl.lit(None, pl.String)).alias("gender"),
        pl.when(m & f).then(pl.lit(PROBLEM_BOTH_COLUMNS)).otherwise(pl.lit(None, pl.String)).alias("problem"),
    )


def date_from_gender_columns(male: str | pl.Expr, female: str | pl.Expr) -> pl.Expr:
    """Birth-date columns "Nam" | "Nữ" → Struct{text, gender: "M"|"F", problem}.

    The date text of whichever column is filled, and that column's gender; both filled → text
    and gender null, problem "both the Nam and the Nữ column are filled". Parse ``text`` with
    :func:`parse_date`.
    """
    m, f = _filled(male), _filled(female)
    return pl.struct(
        pl.when(m & ~f).then(_text(male)).when(f & ~m).then(_text(female)).alias("text"),
        pl.when(m & ~f).then(pl.lit("M")).when(f & ~m).then(pl.lit("F")).otherwise(pl.lit(None, pl.String)).alias("gender"),
        pl.when(m & f).then(pl.lit(PROBLEM_BOTH_COLUMNS)).otherwise(pl.lit(None, pl.String)).alias("problem"),
    )


def looks_like_ticks(values: pl.Series) -> bool:
    """True if a column's non-empty cells are all short marks ("x", "✓", "1"…), not dates."""
    texts = values.cast(pl.String).str.strip_chars().drop_nulls()
    texts = texts.filter(texts != "")
    return bool((texts.str.len_chars() <= 2).all())
