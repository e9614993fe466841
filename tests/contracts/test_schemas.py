"""Contracts reject rows with readable reasons and let valid rows through, in order."""

import datetime as dt

import polars as pl
import pytest

from contracts.schemas import CHECK_MESSAGES, split_valid

AS_OF = dt.date(2026, 11, 30)


def frame(**overrides):
    base = {
        "source_file": "vaccination.csv", "source_row": 2, "person_id": "001215034567", "old_id": None,
        "full_name": "Lê Minh Ân", "full_name_raw": "Lê Minh Ân", "birth_date": dt.date(2015, 5, 5),
        "gender": "M", "problem_person_id": None, "problem_birth_date": None, "problem_gender": None,
        "raw_person_id": "001215034567", "raw_old_id": None, "raw_birth_date": "05/05/2015", "raw_gender": "Nam",
    }
    rows = []
    for i, change in enumerate(overrides.get("rows", [{}])):
        rows.append({**base, "source_row": i + 2, **change})
    schema = {k: pl.String for k in base} | {"source_row": pl.UInt32, "birth_date": pl.Date}
    return pl.DataFrame(rows, schema=schema)


@pytest.mark.parametrize(("change", "field", "check"), [
    ({"full_name": None, "full_name_raw": None}, "full_name", "name_required"),
    ({"full_name": "A"}, "full_name", "name_length"),
    ({"full_name": "Nguyễn Văn 2"}, "full_name", "name_letters"),
    ({"person_id": "12345"}, "person_id", "person_id_format"),
    ({"problem_person_id": "wrong length", "person_id": None, "raw_person_id": "12345"}, "person_id", "person_id_readable"),
    ({"birth_date": dt.date(2027, 1, 1)}, "birth_date", "birth_date_not_future"),
    ({"birth_date": dt.date(1890, 1, 1)}, "birth_date", "birth_date_plausible"),
    ({"birth_date": None, "problem_birth_date": "impossible date", "raw_birth_date": "31/02/1990"}, "birth_date", "birth_date_readable"),
    ({"gender": None, "problem_gender": "unknown gender value", "raw_gender": "?"}, "gender", "gender_domain"),
])
def test_one_bad_row_is_rejected_with_its_reason(change, field, check):
    records = frame(rows=[{}, change, {}])
    valid, failures = split_valid("vaccination", records, AS_OF)
    assert valid["source_row"].to_list() == [2, 4]
    assert failures.select("source_file", "source_row", "field", "check").rows() == [("vaccination.csv", 3, field, check)]
    assert failures["message"].item() == CHECK_MESSAGES[check][1]


def test_value_column_holds_the_text_as_written():
    records = frame(rows=[{"birth_date": None, "problem_birth_date": "impossible date", "raw_birth_date": "31/02/1990"}])
    _, failures = split_valid("vaccination", records, AS_OF)
    assert failures["value"].to_list() == ["31/02/1990"]


def test_unreadable_scientific_id_is_kept_as_a_finding_not_rejected():
    records = frame(rows=[{"person_id": None, "problem_person_id": "scientific notation: digits lost"}])
    valid, failures = split_valid("vaccination", records, AS_OF)
    assert valid.height == 1 and failures.is_empty()


def test_residency_needs_unique_id_and_birth_date():
    records = frame(rows=[{}, {}, {"birth_date": None}, {"person_id": None}])
    valid, failures = split_valid("residency", records, AS_OF)
    assert valid.is_empty()
    checks = set(failures.select("source_row", "check").iter_rows())
    assert {(2, "person_id_unique"), (3, "person_id_unique"), (4, "birth_date_required"), (5, "person_id_required")} <= checks


def test_several_problems_on_one_row_are_all_listed():
    records = frame(rows=[{"full_name": "A", "birth_date": dt.date(2030, 1, 1)}])
    valid, failures = split_valid("vaccination", records, AS_OF)
    assert valid.is_empty()
    assert sorted(failures["check"].to_list()) == ["birth_date_not_future", "name_length"]


@pytest.mark.parametrize(("change", "check"), [
    ({"birth_date": None, "problem_birth_date": "both the Nam and the Nữ column are filled",
      "raw_birth_date": "Nam: 1990; Nữ: 1990"}, "birth_date_both_columns"),
    ({"gender": None, "problem_gender": "both the Nam and the Nữ column are filled", "raw_gender": None},
     "gender_both_columns"),
])
def test_a_value_in_both_nam_and_nu_columns_is_rejected_with_its_own_reason(change, check):
    valid, failures = split_valid("union_membership", frame(rows=[change]), AS_OF)
    assert valid.is_empty()
    assert failures["check"].to_list() == [check]
    assert failures["message"].item() == CHECK_MESSAGES[check][1]


@pytest.mark.parametrize(("name", "kept"), [
    ("Nguye6n Va8n Hu2ng", True),   # VNI keys typed with the keyboard in English mode: read through
    ("Tra62n Thi5 Lan", True),
    ("Nguyễn Văn 2", False),        # a number on its own is no name
    ("Lê Thị Lan #2", False),
])
def test_vni_keys_left_in_a_name_are_no_reason_to_reject_it(name, kept):
    valid, failures = split_valid("vaccination", frame(rows=[{"full_name": name}]), AS_OF)
    assert (valid.height == 1) is kept and (failures.height == 0) is kept
