"""The deterministic passes on hand-made Vietnamese rows, including the traps."""

import datetime as dt

import polars as pl
import pytest

from matchers import LinkSettings, link
from contracts.fields import RECORD_KEY as KEY

RESIDENTS = pl.DataFrame(
    {
        "person_id": ["001090012345", "001190023456", "001215034567", "001215034568", "079080099999"],
        "old_id": ["012345678", None, None, None, "023456789"],
        "full_name": ["Nguyễn Văn Hùng", "Trần Thị Thủy", "Lê Minh An", "Lê Minh Ân", "Phạm Văn Đức"],
        "birth_date": [dt.date(1990, 3, 4), dt.date(1990, 7, 1), dt.date(2015, 5, 5), dt.date(2015, 5, 5), dt.date(1980, 1, 2)],
    }
)


def records(*rows):
    cols = ["person_id", "old_id", "full_name", "birth_date", "birth_date_precision"]
    frame = pl.DataFrame([dict(zip(cols, r)) for r in rows],
                         schema={"person_id": pl.String, "old_id": pl.String, "full_name": pl.String,
                                 "birth_date": pl.Date, "birth_date_precision": pl.String})
    return frame.with_row_index(KEY)


def decide(*rows):
    return link(records(*rows), RESIDENTS, LinkSettings(method="deterministic")).best.sort(KEY).select("outcome", "residency_id", "match_method").rows()


@pytest.mark.parametrize(("row", "expected"), [
    # ID equal and the name agrees (no diacritics typed) → matched by ID.
    (("001090012345", None, "NGUYEN VAN HUNG", None, None), ("matched", "001090012345", "person_id")),
    # ID equal and birth date agrees although the name is misspelt.
    (("001190023456", None, "Trần Thị Thúy", dt.date(1990, 7, 1), "day"), ("matched", "001190023456", "person_id")),
    # A parent's ID on a child's row: name and birth date disagree → not matched by that ID,
    # but matched on name + birth date.
    (("001090012345", None, "Phạm Văn Đức", dt.date(1980, 1, 2), "day"), ("matched", "079080099999", "name_birth_date")),
    # Old CMND with the name agreeing.
    ((None, "023456789", "Phạm Văn Đức", None, None), ("matched", "079080099999", "old_id")),
    # Twins-like namesakes once diacritics are gone (An/Ân, same day) → review, never a silent match.
    ((None, None, "LE MINH AN", dt.date(2015, 5, 5), "day"), ("review", "001215034567", "name_birth_date")),
    # Year-only birth date with the name agreeing → review.
    ((None, None, "Nguyễn Văn Hùng", dt.date(1990, 1, 1), "year"), ("review", "001090012345", "name_birth_year")),
    # Namesake with another birth date and no ID → unmatched.
    ((None, None, "Nguyễn Văn Hùng", dt.date(1991, 3, 4), "day"), ("unmatched", None, None)),
])
def test_passes(row, expected):
    assert decide(row) == [expected]


def test_every_record_gets_exactly_one_outcome():
    rows = [("001090012345", None, "Nguyễn Văn Hùng", None, None)] * 3 + [(None, None, "Ai Đó", None, None)]
    best = link(records(*rows), RESIDENTS, LinkSettings(method="deterministic")).best
    assert best[KEY].to_list() == [0, 1, 2, 3]
    assert best["outcome"].to_list() == ["matched"] * 3 + ["unmatched"]
