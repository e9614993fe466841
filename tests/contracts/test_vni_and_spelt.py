"""Values as offices type them: dates spelt out, VNI keys left in a name by an English keyboard."""

from __future__ import annotations

import datetime as dt

import polars as pl
import pytest

from contracts import parse_date


@pytest.mark.parametrize(("text", "date", "precision"), [
    ("ngày 5 tháng 3 năm 1985", dt.date(1985, 3, 5), "day"),
    ("Ngày 05 tháng 03 năm 1985", dt.date(1985, 3, 5), "day"),
    ("NGÀY 5, THÁNG 3, NĂM 1985", dt.date(1985, 3, 5), "day"),
    ("tháng 3 năm 1985", dt.date(1985, 3, 1), "month"),
    ("năm 1985", dt.date(1985, 1, 1), "year"),
])
def test_a_date_spelt_out_is_read_and_is_not_ambiguous(text, date, precision):
    got = pl.select(parse_date(pl.lit(text)).alias("d")).unnest("d").row(0, named=True)
    assert (got["date"], got["precision"], got["problem"], got["ambiguous"]) == (date, precision, None, False)


def test_a_spelt_date_that_does_not_exist_is_still_refused():
    got = pl.select(parse_date(pl.lit("ngày 31 tháng 2 năm 1985")).alias("d")).unnest("d").row(0, named=True)
    assert got["date"] is None and got["problem"] is not None
