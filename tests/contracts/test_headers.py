"""Header synonyms and mapping, on the headers of our sample files and common variants."""

from __future__ import annotations

import unicodedata

import pytest
from hypothesis import given
from hypothesis import strategies as st

from contracts import fields as F
from contracts.headers import HEADER_SYNONYMS, closest_headers, header_key, map_headers

EXTRA_FIELDS = ("row_number", "guardian_name", "family_middle_name", "given_name", "branch")
ALL_FIELDS = (
    *F.PERSON_FIELDS, *(f for fs in F.SECTOR_FIELDS.values() for f in fs), *EXTRA_FIELDS,
)


def source_fields(source: str) -> tuple[str, ...]:
    return ("row_number", *F.PERSON_FIELDS, *F.SECTOR_FIELDS[source], "guardian_name", "branch")


@pytest.mark.parametrize(("text", "key"), [
    ("Họ và tên", "hovaten"),
    ("HỌ VÀ TÊN ", "hovaten"),
    ("Số CMND/CCCD", "socmndcccd"),
    ("Số ĐDCN", "soddcn"),
    ("Ngày tháng năm sinh (dd/mm/yyyy)", "ngaythangnamsinhddmmyyyy"),
    ("Thôn/Tổ dân phố", "thontodanpho"),
    (unicodedata.normalize("NFD", "Quan hệ với chủ hộ"), "quanhevoichuho"),
    ("Ðối tượng", "doituong"),      # eth for Đ
    ("STT", "stt"),
    ("(1)", "1"),
])
def test_header_key(text, key):
    assert header_key(text) == key


@given(st.text(max_size=40))
def test_header_key_is_idempotent_and_plain(text):
    key = header_key(text)
    assert header_key(key) == key
    assert all(c in "abcdefghijklmnopqrstuvwxyz0123456789" for c in key)


def test_every_canonical_field_has_synonyms():
    for field in (*F.PERSON_FIELDS, *(f for fs in F.SECTOR_FIELDS.values() for f in fs)):
        assert HEADER_SYNONYMS.get(field), field


def test_no_synonym_names_two_fields():
    owner: dict[str, str] = {}
    for field, synonyms in HEADER_SYNONYMS.items():
        for synonym in synonyms:
            assert owner.setdefault(header_key(synonym), field) == field, synonym


SAMPLE_HEADERS = {
    "residency": {
        "Số định danh cá nhân": "person_id", "Họ và tên": "full_name", "Ngày sinh": "birth_date",
        "Giới tính": "gender", "Số CMND": "old_id", "Mã hộ": "household_id",
        "Quan hệ với chủ hộ": "relation_to_head", "Thôn/Tổ dân phố": "address",
        "Mã xã": "commune_code",
    },
    "civil_status": {
        "Số đăng ký": "registration_number", "Loại việc": "event_type",
        "Ngày đăng ký": "event_date", "Họ và tên": "full_name",
        "Ngày tháng năm sinh": "birth_date", "Giới tính": "gender", "Số CCCD": "person_id",
        "Nơi cư trú": "address",
    },
    "vaccination": {
        "Họ tên trẻ": "full_name", "Ngày sinh": "birth_date", "Giới tính": "gender",
        "Họ tên mẹ/người chăm sóc": "guardian_name", "Số định danh": "person_id",
        "Tên vắc xin": "vaccine", "Mũi tiêm": "dose", "Ngày tiêm": "vaccination_date",
        "Thôn/ấp": "address",
    },
    "social_protection": {
        "Họ và tên": "full_name", "Năm sinh": "birth_date", "Giới tính": "gender",
        "Số CMND/CCCD": "person_id", "Địa chỉ thường trú": "address",
        "Đối tượng": "allowance_category", "Mức trợ cấp": "allowance_amount",
    },
    "social_insurance": {
        "Mã số BHXH": "insurance_number", "Họ và tên": "full_name", "Ngày sinh": "birth_date",
        "Giới tính": "gender", "Số định danh cá nhân": "person_id", "Địa chỉ": "address",
    },
    "union_membership": {
        "Họ và tên": "full_name", "Ngày sinh": "birth_date", "Giới tính": "gender",
        "Số CCCD": "person_id", "Tổ chức": "organisation", "Ngày vào": "join_date",
        "Chi hội": "branch",
    },
}


@pytest.mark.parametrize("source", list(SAMPLE_HEADERS))
def test_sample_file_headers_map_completely(source):
    expected = {"STT": "row_number", **SAMPLE_HEADERS[source]}
    assert map_headers(list(expected), source_fields(source)) == expected


@pytest.mark.parametrize(("header", "field"), [
    ("Họ tên", "full_name"), ("HỌ VÀ TÊN", "full_name"), ("Ho ten", "full_name"),
    ("Họ và tên người được tiêm", "full_name"), ("Họ và tên (viết in hoa)", "full_name"),
    ("Họ tên trẻ em", "full_name"),
    ("Ngày tháng năm sinh", "birth_date"), ("Năm sinh", "birth_date"),
    ("Ngày tháng năm sinh (dd/mm/yyyy)", "birth_date"), ("Ngày, tháng, năm sinh", "birth_date"),
    ("Ngày sinh (ngày/tháng/năm)", "birth_date"),
    ("Số CCCD", "person_id"), ("Số CMND/CCCD", "person_id"), ("CCCD", "person_id"),
    ("Số định danh cá nhân", "person_id"), ("Số ĐDCN", "person_id"),
    ("Số CMND/CCCD của người hưởng", "person_id"),
    ("Số CMND", "old_id"), ("CMND", "old_id"), ("Số CMND (9 số)", "old_id"),
    ("Mã số BHXH", "insurance_number"), ("Mã thẻ BHYT", "health_card_number"),
    ("Nơi thường trú", "address"), ("Địa chỉ thường trú", "address"),
    ("Thôn/Tổ dân phố", "address"),
    ("Quan hệ với chủ hộ", "relation_to_head"),
    ("Giới tính", "gender"), ("Nam/Nữ", "gender"), ("GIỚI TÍNH", "gender"),
    ("Số TT", "row_number"), ("TT", "row_number"),
    ("Mức trợ cấp (đồng)", "allowance_amount"),
])
def test_common_variants(header, field):
    assert map_headers([header], ALL_FIELDS) == {header: field}


@pytest.mark.parametrize("header", [
    "Họ tên mẹ",                  # the mother, not the child
    "Họ và tên cha",
    "Họ và tên người yêu cầu",    # who asked for the civil-status record
    "Họ và tên đệm",              # half a split name
    "Ngày sinh của mẹ",
    "Ngày tháng năm sinh Nam",    # two date columns by gender: the reader's job
    "Số CCCD ngày cấp",
    "Tên",                        # given name only
    "Ghi chú",
    "(1)",
])
def test_not_full_name_or_person_fields(header):
    assert map_headers([header], F.PERSON_FIELDS) == {}


def test_the_head_of_household_names_the_row_only_in_a_list_of_households():
    # a resident's row with its head's name beside it: the resident's own name column wins
    assert map_headers(["Họ tên chủ hộ", "Họ và tên", "Ngày sinh"], F.PERSON_FIELDS) == {
        "Họ và tên": "full_name", "Ngày sinh": "birth_date"}
    assert map_headers(["Họ và tên người tham gia", "Họ tên chủ hộ"], F.PERSON_FIELDS) == {
        "Họ và tên người tham gia": "full_name"}
    # a list of households (one name column, the head's): that is the row's person
    assert map_headers(["STT", "Tên chủ hộ (cá nhân)", "Số định danh cá nhân"], F.PERSON_FIELDS) == {
        "Tên chủ hộ (cá nhân)": "full_name", "Số định danh cá nhân": "person_id"}


def test_mother_column_goes_to_guardian_even_with_a_note():
    headers = ["Họ tên trẻ", "Họ tên mẹ (người chăm sóc)"]
    assert map_headers(headers, ("full_name", "guardian_name")) == {
        "Họ tên trẻ": "full_name", "Họ tên mẹ (người chăm sóc)": "guardian_name",
    }


def test_split_name_columns():
    headers = ["STT", "Họ và tên đệm", "Tên", "Ngày sinh"]
    assert map_headers(headers, ALL_FIELDS) == {
        "STT": "row_number", "Họ và tên đệm": "family_middle_name", "Tên": "given_name",
        "Ngày sinh": "birth_date",
    }


def test_only_requested_fields():
    headers = ["Họ và tên", "Mã số BHXH", "Tên vắc xin"]
    assert map_headers(headers, ("full_name", "vaccine")) == {
        "Họ và tên": "full_name", "Tên vắc xin": "vaccine",
    }


def test_each_field_from_one_header_best_first():
    headers = ["Số CCCD", "Số định danh cá nhân", "Thôn/Tổ dân phố", "Địa chỉ thường trú"]
    assert map_headers(headers, F.PERSON_FIELDS) == {
        "Số định danh cá nhân": "person_id", "Địa chỉ thường trú": "address",
    }
    # Equal synonyms: the leftmost wins.
    assert map_headers(["Họ và tên", "HỌ VÀ TÊN"], F.PERSON_FIELDS) == {"Họ và tên": "full_name"}
    # An exact header beats a prefix match.
    assert map_headers(["Họ và tên người hưởng trợ cấp", "Họ tên"], F.PERSON_FIELDS) == {
        "Họ tên": "full_name",
    }


def test_overrides_win():
    headers = ["Họ và tên", "Tên người bệnh", "Ghi chú"]
    got = map_headers(headers, F.PERSON_FIELDS, overrides={"Tên người bệnh": "full_name"})
    assert got == {"Tên người bệnh": "full_name"}
    got = map_headers(headers, F.PERSON_FIELDS, overrides={"GHI CHÚ ": "address", "Họ và tên": ""})
    assert got == {"Ghi chú": "address"}


def test_closest_headers():
    found = ["STT", "Tên trẻ em được tiêm", "Ngày sinh", "Tên vắc xin", "Mũi"]
    assert closest_headers("full_name", found)[0] == "Tên trẻ em được tiêm"
    assert closest_headers("birth_date", found, n=1) == ["Ngày sinh"]
    assert len(closest_headers("full_name", found, n=2)) == 2
    assert closest_headers("full_name", []) == []


# ---------------------------------------------------------------- "Nam" | "Nữ" column pairs

from contracts.headers import GENDERED_FIELDS, gendered_column  # noqa: E402


@pytest.mark.parametrize(("header", "field"), [
    ("Ngày tháng năm sinh Nam", "birth_date_male"),
    ("Ngày tháng năm sinh Nữ", "birth_date_female"),
    ("NGÀY SINH - NỮ", "birth_date_female"),
    ("Năm sinh Nam", "birth_date_male"),
    ("Năm sinh (Nữ)", "birth_date_female"),
    ("Giới tính Nam", "gender_male"),
    ("Giới tính: Nữ", "gender_female"),
    ("Nam", "gender_male"),
    ("Nữ", "gender_female"),
    ("NU", "gender_female"),
    ("Năm", None),                 # the year, not the gender
    ("Nam/Nữ", None),              # one gender column
    ("Giới tính (Nam/Nữ)", None),
    ("Hà Nam", None),
    ("Họ và tên Nam", None),
])
def test_gendered_column(header, field):
    assert gendered_column(header) == field


def test_gendered_columns_map_only_when_asked_for():
    headers = ["Họ và tên", "Ngày sinh Nam", "Ngày sinh Nữ"]
    assert map_headers(headers, (*F.PERSON_FIELDS, *GENDERED_FIELDS)) == {
        "Họ và tên": "full_name", "Ngày sinh Nam": "birth_date_male", "Ngày sinh Nữ": "birth_date_female"}
    assert map_headers(headers, F.PERSON_FIELDS) == {"Họ và tên": "full_name"}


@pytest.mark.parametrize(("header", "field"), [
    ("Họ, chữ đệm và tên", "full_name"),                 # Mẫu CT01 (Thông tư 66/2023/TT-BCA), the ID card
    ("Họ, chữ đệm, tên", "full_name"),                   # civil-status books (Thông tư 04/2020/TT-BTP)
    ("HỌ, CHỮ ĐỆM VÀ TÊN", "full_name"),
    ("HỌ VÀ TÊN\nHọ và tên khai sinh", "full_name"),      # a two-line header cell
    ("Mối quan hệ với chủ hộ", "relation_to_head"),
    ("Số định danh cá nhân\n(hoặc số CMND)", "person_id"),
])
def test_statutory_and_two_line_headers(header, field):
    assert map_headers([header], [field, "guardian_name", "relation_to_head"]) == {header: field}


def test_a_two_line_cell_naming_someone_else_is_not_the_persons_name():
    assert map_headers(["Họ và tên mẹ\nhoặc người chăm sóc"], ["full_name", "guardian_name"]) == {
        "Họ và tên mẹ\nhoặc người chăm sóc": "guardian_name"}


def test_the_declarants_id_is_not_the_persons():
    headers = ["Họ, chữ đệm, tên", "Giấy tờ tùy thân", "Giấy tờ tùy thân của người đi đăng ký"]
    assert map_headers(headers, ["full_name", "person_id"]) == {
        "Họ, chữ đệm, tên": "full_name", "Giấy tờ tùy thân": "person_id"}
