"""Ingest on real files: layouts offices use, value parsing, sheets, mappings, and bad input."""

from __future__ import annotations

import datetime as dt
import importlib.util
from pathlib import Path

import duckdb
import polars as pl
import pytest
from _office_files import XlsCell, XlsSheet, write_xls, write_xlsx

from contracts import ConfigError, InputFileError, split_valid
from pipelines.ingest import SourceFile, configure_sources, ingest_file, load_mapping, path_matches
from pipelines.ingest.encodings import encode_cp1258, encode_tcvn3, to_tcvn3_text

AS_OF = dt.date(2026, 11, 30)
needs_xlrd = pytest.mark.skipif(importlib.util.find_spec("xlrd") is None, reason="xlrd is not installed")


ENCODE = {"utf-8": lambda t: t.encode("utf-8"), "cp1258": encode_cp1258, "tcvn3": encode_tcvn3}


def write_csv(path: Path, rows: list[list], encoding: str = "utf-8") -> Path:
    """Rows as a CSV file (CRLF; a field holding a comma in quotes), in ``encoding``."""
    def field(v):
        return "" if v is None else f'"{v}"' if "," in str(v) else str(v)
    path.write_bytes(ENCODE[encoding]("".join(",".join(map(field, r)) + "\r\n" for r in rows)))
    return path


def pick(records: pl.DataFrame, *cols: str) -> list[tuple]:
    return records.select(cols).rows()


# ------------------------------------------------------------------------------ layouts

TITLE = [["ỦY BAN NHÂN DÂN XÃ YÊN HÒA", None, None, "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM"],
         [None, None, None, "Độc lập - Tự do - Hạnh phúc"], [],
         ["DANH SÁCH ĐỐI TƯỢNG HƯỞNG TRỢ CẤP XÃ HỘI THÁNG 11/2026"], []]
FOOTER = [[], [None, "Người lập biểu", None, "CHỦ TỊCH"], [None, "(Ký, ghi rõ họ tên)", None, "(Ký, đóng dấu)"]]


def test_title_block_column_numbers_and_footer_as_csv(tmp_path):
    rows = TITLE + [
        ["STT", "Họ và tên", "Năm sinh", "Giới tính", "Số CMND/CCCD", "Đối tượng"],
        ["(1)", "(2)", "(3)", "(4)", "(5)", "(6)"],
        [1, "Phạm Thị An", "1951", "Nữ", "036151207359", "Người cao tuổi từ đủ 75 tuổi trở lên"],
        [2, "Trần Công Bình", "04/05/1950", "Nam", "36050919378", "Người cao tuổi từ đủ 75 tuổi trở lên"],
        [3, "Lê Văn Cường", "00/00/1948", "nam", "123456789", "Người khuyết tật nặng"],
        ["", "Tổng cộng: 3 người", "", "", "", ""],
    ] + FOOTER
    ing = ingest_file(SourceFile("social_protection", write_csv(tmp_path / "bao_tro.csv", rows)))
    assert ing.header_row == 6
    assert pick(ing.records, "source_row", "full_name", "birth_date", "birth_date_precision", "gender",
                "person_id", "old_id", "person_id_repaired") == [
        (8, "Phạm Thị An", dt.date(1951, 1, 1), "year", "F", "036151207359", None, False),
        (9, "Trần Công Bình", dt.date(1950, 5, 4), "day", "M", "036050919378", None, True),
        (10, "Lê Văn Cường", dt.date(1948, 1, 1), "year", "M", None, "123456789", False),
    ]
    assert ing.records["extra:STT"].to_list() == ["1", "2", "3"]  # unknown columns are kept


MERGED_HEADER = [
    ["STT", "Họ và tên", "Ngày tháng năm sinh", None, "Số định danh cá nhân", "Tổ chức"],
    [None, None, "Nam", "Nữ", None, None],
]
MEMBERS = [
    [1, "Nguyễn Văn Đức", "04/05/1990", None, "036090012345", "Hội Nông dân"],
    [2, "Trần Thị Thủy", None, "07/06/1985", "036185000111", "Hội Phụ nữ"],
    [3, "Lê Văn An", "1950", None, None, "Hội Người cao tuổi"],
]
EXPECTED_MEMBERS = [
    (8, "Nguyễn Văn Đức", dt.date(1990, 5, 4), "day", "M"),
    (9, "Trần Thị Thủy", dt.date(1985, 6, 7), "day", "F"),
    (10, "Lê Văn An", dt.date(1950, 1, 1), "year", "M"),
]


def test_two_merged_header_rows_with_nam_nu_birth_date_columns_xlsx(tmp_path):
    path = write_xlsx(tmp_path / "hoi_vien.xlsx", {"DS": TITLE[:3] + [[]] + MERGED_HEADER + MEMBERS},
                      merges={"DS": ["A5:A6", "B5:B6", "C5:D5", "E5:E6", "F5:F6", "A1:C1", "D1:F1"]})
    ing = ingest_file(SourceFile("union_membership", path))
    assert ing.header_row == 5
    assert ing.mapping["Ngày tháng năm sinh › Nam"] == "birth_date_male"
    assert pick(ing.records, "source_row", "full_name", "birth_date", "birth_date_precision", "gender") == [
        (r - 1, *rest) for r, *rest in EXPECTED_MEMBERS]


def test_the_same_layout_saved_as_csv_loses_merges_but_reads_the_same(tmp_path):
    rows = TITLE + MERGED_HEADER + MEMBERS
    ing = ingest_file(SourceFile("union_membership", write_csv(tmp_path / "hoi_vien.csv", rows)))
    assert ing.header_row == 6
    assert pick(ing.records, "source_row", "full_name", "birth_date", "birth_date_precision", "gender") == EXPECTED_MEMBERS


def test_group_title_above_and_field_names_below(tmp_path):
    rows = [[None, None, "Năm sinh", None, None],
            ["STT", "Họ tên", "Nam", "Nữ", "Địa chỉ"],
            [1, "Hà Văn Nam", "1945", None, "Thôn 1"],
            [2, "Hà Thị Nữ", None, "1948", "Thôn 2"]]
    ing = ingest_file(SourceFile("social_protection", write_csv(tmp_path / "ds.csv", rows)))
    assert pick(ing.records, "full_name", "birth_date", "gender", "address") == [
        ("Hà Văn Nam", dt.date(1945, 1, 1), "M", "Thôn 1"), ("Hà Thị Nữ", dt.date(1948, 1, 1), "F", "Thôn 2")]


@pytest.mark.parametrize("top", ["Giới tính", None])
def test_gender_tick_columns(tmp_path, top):
    rows = [["Họ và tên", "Ngày sinh", top, None], [None, None, "Nam", "Nữ"],
            ["Lê Văn An", "01/02/1990", "x", None],
            ["Lê Thị Bình", "03/04/1991", None, "X"],
            ["Lê Văn Cường", "05/06/1992", "✓", ""],
            ["Lê Ngọc Dung", "07/08/1993", None, None],
            ["Lê Minh Em", "09/10/1994", "x", "x"]]
    ing = ingest_file(SourceFile("vaccination", write_csv(tmp_path / "tiem.csv", rows)))
    assert pick(ing.records, "gender", "problem_gender") == [
        ("M", None), ("F", None), ("M", None), (None, None), (None, "both the Nam and the Nữ column are filled")]
    valid, failures = split_valid("vaccination", ing.records, AS_OF)
    assert valid.height == 4
    assert pick(failures, "source_row", "field", "check", "message") == [
        (7, "gender", "gender_both_columns", "both the Nam and the Nữ column are ticked")]


def test_a_date_in_both_nam_and_nu_columns_is_rejected_with_that_reason(tmp_path):
    rows = [["Họ và tên", "Ngày sinh", None], [None, "Nam", "Nữ"],
            ["Lê Văn An", "01/02/1990", None], ["Lê Văn Bình", "01/02/1990", "01/02/1990"]]
    ing = ingest_file(SourceFile("civil_status", write_csv(tmp_path / "ht.csv", rows)))
    valid, failures = split_valid("civil_status", ing.records, AS_OF)
    assert valid["full_name"].to_list() == ["Lê Văn An"]
    assert pick(failures, "source_row", "check", "value", "message") == [
        (4, "birth_date_both_columns", "Nam: 01/02/1990; Nữ: 01/02/1990",
         "a birth date is written in both the Nam and the Nữ column")]


def test_a_lone_nam_column_is_not_a_gender_pair(tmp_path):
    rows = [["Họ và tên", "Nam", "Ghi chú"], ["Lê Văn An", "x", "mới"]]
    ing = ingest_file(SourceFile("vaccination", write_csv(tmp_path / "t.csv", rows)))
    assert ing.records["extra:Nam"].to_list() == ["x"]
    assert ing.records["gender"].to_list() == [None]


def test_name_split_over_two_columns(tmp_path):
    rows = [["STT", "Họ và tên đệm", "Tên", "Ngày sinh"], [1, "Nguyễn Thị", "Lan", "02/03/1980"]]
    ing = ingest_file(SourceFile("social_insurance", write_csv(tmp_path / "bh.csv", rows)))
    assert ing.records["full_name"].to_list() == ["Nguyễn Thị Lan"]


# ------------------------------------------------------------------------------ values


def test_xlsx_numbers_dates_and_vntime_names(tmp_path):
    rows = [["Họ và tên", "Ngày sinh", "Số CCCD", "Ngày tiêm", "Giới tính"],
            [to_tcvn3_text("Nguyễn Văn Đức"), dt.datetime(1990, 5, 4), 36090012345, dt.datetime(2026, 3, 1), "Nam"],
            [to_tcvn3_text("ĐẶNG THỊ HỒNG"), 33000, 1090012345, "15/13/2026", "nữ"],
            ["Ð\u00f0 Văn  Hải", "5/3/90", "1.23457E+11", "", "NAM"]]
    fonts = {("S", 2, 1): ".VnTime", ("S", 3, 1): ".VnTimeH"}
    ing = ingest_file(SourceFile("vaccination", write_xlsx(tmp_path / "tiem.xlsx", {"S": rows}, fonts=fonts)))
    assert pick(ing.records, "full_name", "birth_date", "birth_date_precision", "person_id", "problem_person_id",
                "vaccination_date", "problem_vaccination_date", "raw_vaccination_date") == [
        ("Nguyễn Văn Đức", dt.date(1990, 5, 4), "day", "036090012345", None, dt.date(2026, 3, 1), None, "2026-03-01"),
        ("ĐẶNG THỊ HỒNG", dt.date(1990, 5, 7), "day", "001090012345", None, None, "impossible date", "15/13/2026"),
        ("Đđ Văn Hải", dt.date(1990, 3, 5), "day", None, "scientific notation: digits lost", None, None, None),
    ]
    assert ing.records["full_name_raw"].to_list()[2] == "Ð\u00f0 Văn  Hải"
    assert ing.records["person_id_repaired"].to_list() == [True, True, False]
    assert not {"birth_date_ambiguous", "repaired_id", "repaired_id_raw"} & set(ing.records.columns)


def test_tcvn3_csv_through_ingest(tmp_path):
    rows = [["Họ và tên", "Ngày sinh", "Giới tính", "Loại việc", "Ngày đăng ký"],
            ["Nguyễn Thị Hường", "02/09/1945", "Nữ", "Khai tử", "12/10/2026"],
            ["Đỗ Quang Vũ", "12/12/2025", "Nam", "Khai sinh", "tháng 1"]]
    ing = ingest_file(SourceFile("civil_status", write_csv(tmp_path / "ht.csv", rows, "tcvn3")))
    assert ing.encoding == "tcvn3"
    assert pick(ing.records, "full_name", "event_type", "event_date", "problem_event_date") == [
        ("Nguyễn Thị Hường", "Khai tử", dt.date(2026, 10, 12), None),
        ("Đỗ Quang Vũ", "Khai sinh", None, "not a date in any accepted format")]


# ------------------------------------------------------------------------------ sheets


def _members_sheet(org: str) -> list[list]:
    return [["Họ và tên", "Ngày sinh", "Tổ chức"], [f"Người {org} A", "01/01/1990", org], [f"Người {org} B", "1985", org]]


def test_every_sheet_with_the_header_is_read_and_named_in_the_lineage(tmp_path):
    path = write_xlsx(tmp_path / "doan_the.xlsx", {
        "Tổng hợp": [["Tổ chức", "Số hội viên"], ["Đoàn", 2], ["Phụ nữ", 2]],
        "Đoàn": _members_sheet("Đoàn TNCS Hồ Chí Minh"),
        "Phụ nữ": _members_sheet("Hội Phụ nữ"),
        "Cũ": _members_sheet("Hội cũ"),
    }, hidden=("Cũ",))
    ing = ingest_file(SourceFile("union_membership", path))
    assert ing.sheet == "Đoàn, Phụ nữ"
    assert pick(ing.records, "source_file", "source_row") == [
        (f"{path}#Đoàn", 2), (f"{path}#Đoàn", 3), (f"{path}#Phụ nữ", 2), (f"{path}#Phụ nữ", 3)]
    one = ingest_file(SourceFile("union_membership", path, sheet="Cũ"))
    assert one.sheet == "Cũ" and one.records["source_file"].unique().to_list() == [str(path)]


def test_no_sheet_with_the_header(tmp_path):
    path = write_xlsx(tmp_path / "sai.xlsx", {"A": [["Tổ chức", "Số"]], "B": [["Tên bệnh nhân", "Ngày tiêm"]]})
    with pytest.raises(InputFileError) as err:
        ingest_file(SourceFile("vaccination", path))
    assert str(err.value) == (
        "sai.xlsx, sheet 'B': no column for full_name; row 1 read as the header: 2 cells; "
        "recognised: 'Ngày tiêm' = vaccination_date; not recognised: column A; closest to full_name: column A; "
        "name the columns in a --mapping file "
        "(no other sheet has one either; sheets: ['A', 'B'])")


@needs_xlrd
def test_xls_with_merged_header_and_fonts(tmp_path):
    path = write_xls(tmp_path / "cu.xls", [XlsSheet("DS", [
        ["DANH SÁCH"], [],
        ["Họ và tên", "Ngày tháng năm sinh", None, "Số CCCD"],
        [None, "Nam", "Nữ", None],
        [XlsCell(to_tcvn3_text("Bùi Thị Ngọc"), ".VnTime"), None, dt.date(1979, 1, 31), 36179000001],
        [XlsCell(to_tcvn3_text("HỒ VĂN LỘC"), ".VnTimeH"), "31/01/1979", None, "036079000002"],
    ], merges=[(2, 3, 0, 0), (2, 2, 1, 2), (2, 3, 3, 3)])])
    ing = ingest_file(SourceFile("social_insurance", path))
    assert pick(ing.records, "source_row", "full_name", "birth_date", "gender", "person_id") == [
        (5, "Bùi Thị Ngọc", dt.date(1979, 1, 31), "F", "036179000001"),
        (6, "HỒ VĂN LỘC", dt.date(1979, 1, 31), "M", "036079000002")]


# ------------------------------------------------------------------------------ headers


def test_duplicate_headers_are_a_file_error(tmp_path):
    rows = [["STT", "Họ và tên", "Ngày sinh", "HỌ VÀ TÊN"], [1, "Lê An", "1990", "Lê Bình"]]
    with pytest.raises(InputFileError) as err:
        ingest_file(SourceFile("vaccination", write_csv(tmp_path / "trung.csv", rows)))
    assert str(err.value) == ("trung.csv: the header 'Họ và tên' appears in columns B and D; "
                              "rename or delete one so it is clear which column to read")


def test_duplicate_unmapped_headers_are_kept(tmp_path):
    rows = [["Họ và tên", "Ghi chú", "Ghi chú"], ["Lê An", "a", "b"]]
    ing = ingest_file(SourceFile("vaccination", write_csv(tmp_path / "gc.csv", rows)))
    assert pick(ing.records, "extra:Ghi chú", "extra:Ghi chú'") == [("a", "b")]


def test_missing_required_column_names_file_headers_and_candidates(tmp_path):
    rows = [["STT", "Tên người bệnh", "Ngày sinh"], [1, "Lê An", "1990"]]
    with pytest.raises(InputFileError) as err:
        ingest_file(SourceFile("residency", write_csv(tmp_path / "dc.csv", rows)))
    message = str(err.value)
    assert message.startswith(
        "dc.csv: no column for person_id, full_name; row 1 read as the header: 3 cells; "
        "recognised: 'Ngày sinh' = birth_date; not recognised: columns A, B; closest to person_id:")
    assert "closest to full_name: columns B" in message and "Tên người bệnh" not in message


@pytest.mark.parametrize("sector", ["residency", "vaccination"])
def test_a_file_without_a_header_is_described_never_quoted(tmp_path, sector):
    rows = [["040072173621", "232457673", "Trần Văn Hướng", "21/04/1972", "Nam", "Thôn 1"],
            ["038072173622", "232457674", "Lê Thị Hoa", "22/05/1973", "Nữ", "Thôn 2"]]
    with pytest.raises(InputFileError) as err:
        ingest_file(SourceFile(sector, write_csv(tmp_path / "khong_tieu_de.csv", rows)))
    message = str(err.value)
    assert "row 1 looks like data, not a header: 6 cells, 3 of them numbers" in message
    for cell in rows[0] + rows[1]:
        assert cell not in message


def test_mapping_file_overrides_headers_per_source(tmp_path):
    data = write_csv(tmp_path / "benh_nhan.csv", [["Tên người bệnh", "Ghi chú", "Họ và tên người nhà"],
                                                  ["Lê An", "Thôn 3", "Lê Bình"]])
    other = write_csv(tmp_path / "khac.csv", [["Họ và tên"], ["Hà Mai"]])
    mapping = tmp_path / "mapping.toml"
    mapping.write_text('[sources."benh_*.csv"]\n"Tên người bệnh" = "full_name"\n"GHI CHÚ" = "address"\n'
                       '"Họ và tên người nhà" = ""\n', encoding="utf-8")
    src, plain = configure_sources([SourceFile("vaccination", data), SourceFile("vaccination", other)], mapping=mapping)
    assert plain.header_overrides == {}
    ing = ingest_file(src)
    assert pick(ing.records, "full_name", "address", "extra:Họ và tên người nhà") == [("Lê An", "Thôn 3", "Lê Bình")]


def test_a_mapping_names_a_column_by_its_letter_or_by_group_and_header(tmp_path):
    # a payment list whose "Người nhận" (the one who collects) repeats "Họ tên"
    rows = [["STT", "Họ tên", "Ngày sinh", "Số tiền", "Người nhận", None],
            [None, None, None, None, "Họ tên", "Quan hệ"],
            [1, "Lê Văn An", "01/02/1940", "500.000", "Lê Thị Bình", "Con"]]
    path = write_csv(tmp_path / "chi_tra.csv", rows)
    by_group = tmp_path / "group.toml"
    by_group.write_text('[sources."chi_tra.csv"]\n"Người nhận/Họ tên" = "guardian_name"\n', encoding="utf-8")
    (src,) = configure_sources([SourceFile("social_protection", path)], mapping=by_group)
    assert pick(ingest_file(src).records, "full_name", "guardian_name") == [("Lê Văn An", "Lê Thị Bình")]
    # one header row naming "Họ tên" twice: refused as it comes, read once a column is named by letter
    flat = write_csv(tmp_path / "chi_tra_2.csv", [["STT", "Họ tên", "Ngày sinh", "Họ tên"],
                                                  [1, "Lê Văn An", "01/02/1940", "Lê Thị Bình"]])
    with pytest.raises(InputFileError, match="appears in columns B and D"):
        ingest_file(SourceFile("social_protection", flat))
    by_letter = tmp_path / "letter.toml"
    by_letter.write_text('[sources."chi_tra_2.csv"]\n"column D" = "guardian_name"\n', encoding="utf-8")
    (src,) = configure_sources([SourceFile("social_protection", flat)], mapping=by_letter)
    assert pick(ingest_file(src).records, "full_name", "guardian_name") == [("Lê Văn An", "Lê Thị Bình")]
    unmap = tmp_path / "unmap.toml"
    unmap.write_text('[sources."chi_tra_2.csv"]\n"cột D" = ""\n', encoding="utf-8")
    (src,) = configure_sources([SourceFile("social_protection", flat)], mapping=unmap)
    records = ingest_file(src).records
    assert records["full_name"].to_list() == ["Lê Văn An"] and records["guardian_name"].to_list() == [None]


# ------------------------------------------------------------------------------ options


def test_path_options_match_file_name_path_or_glob(tmp_path):
    f = tmp_path / "sub" / "ho_tich.csv"
    f.parent.mkdir()
    f.write_text("x", encoding="utf-8")
    assert path_matches("ho_tich.csv", f) and path_matches(str(f), f) and path_matches("*.csv", f)
    assert path_matches(str(tmp_path / "sub" / "*.csv"), f)
    assert not path_matches("ho_tich.xlsx", f) and not path_matches("", f)


def test_encoding_and_sheet_options(tmp_path):
    a, b = SourceFile("civil_status", tmp_path / "a.csv"), SourceFile("union_membership", tmp_path / "b.xlsx")
    got = configure_sources([a, b], encodings=["a.csv=tcvn3"], sheets=["b.xlsx=Đoàn viên"])
    assert (got[0].encoding, got[0].sheet, got[1].encoding, got[1].sheet) == ("tcvn3", None, None, "Đoàn viên")


@pytest.mark.parametrize(("kwargs", "message"), [
    ({"encodings": ["a.csv"]}, "--encoding 'a.csv': expected PATH=VALUE"),
    ({"encodings": ["a.csv=klingon"]}, "--encoding a.csv=klingon: unknown encoding; use utf-8, utf-16, cp1258, tcvn3 or vni"),
    ({"encodings": ["z.csv=vni"]}, "--encoding z.csv=vni: no input file matches 'z.csv'"),
    ({"sheets": ["z.xlsx=S"]}, "--sheet z.xlsx=S: no input file matches 'z.xlsx'"),
])
def test_bad_options_are_config_errors(tmp_path, kwargs, message):
    with pytest.raises(ConfigError) as err:
        configure_sources([SourceFile("civil_status", tmp_path / "a.csv")], **kwargs)
    assert str(err.value) == message


@pytest.mark.parametrize(("text", "message"), [
    ('[sources."a.csv"]\n"Họ tên" = "ho_ten"\n', "unknown field"),
    ('[sources."a.csv"]\n"Họ tên" = 3\n', "must be a field name in quotes"),
    ('[cot]\n"x" = "full_name"\n', "unknown section(s) ['cot']"),
    ('[sources."a.csv"\n', "not valid TOML"),
])
def test_bad_mapping_files(tmp_path, text, message):
    path = tmp_path / "m.toml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ConfigError) as err:
        load_mapping(path)
    assert str(err.value).startswith("--mapping m.toml: ") and message in str(err.value)
    with pytest.raises(ConfigError, match="--mapping none.toml: file not found"):
        load_mapping(tmp_path / "none.toml")


def test_cli_refuses_bad_reading_options_with_exit_2(tmp_path):
    import os
    import subprocess
    import sys

    data = write_csv(tmp_path / "ht.csv", [["Họ và tên"], ["Lê An"]])
    base = [sys.executable, "-m", "pipelines.cli", "run", "--residency", str(data), "--sector",
            f"civil_status={data}", "--period", "2026-11", "--db", str(tmp_path / "d.duckdb"), "--out", str(tmp_path)]
    result = subprocess.run([*base, "--encoding", "ht.csv=klingon"], capture_output=True, text=True,
                            env={**os.environ, "PREFECT_LOGGING_LEVEL": "WARNING"}, timeout=120)
    assert result.returncode == 2
    assert result.stderr.strip() == "Error: --encoding ht.csv=klingon: unknown encoding; use utf-8, utf-16, cp1258, tcvn3 or vni"


# ------------------------------------------------------------------------------ bad input, through the flow


@pytest.mark.usefixtures("prefect_backend")
def test_bad_files_fail_alone_with_one_line_each_and_the_rest_completes(small_commune, tmp_path):
    from pipelines.flow import reconcile

    empty = tmp_path / "trong.csv"
    empty.write_bytes(b"")
    not_sheet = tmp_path / "anh.xlsx"
    not_sheet.write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(200))
    good = write_xlsx(tmp_path / "good.xlsx", {"S": [["Họ và tên"], *[[f"Người {i}"] for i in range(300)]]})
    truncated = tmp_path / "hong.xlsx"
    truncated.write_bytes(good.read_bytes()[:2000])
    duplicated = write_csv(tmp_path / "trung.csv", [["Họ và tên", "Họ và tên"], ["Lê An", "Lê Bình"]])
    all_bad = write_csv(tmp_path / "sai_het.csv", [["Họ và tên", "Ngày sinh"], ["Lê An", "31/02/1990"],
                                                   ["Lê Bình", "30/02/1991"], ["Lê Cường", "2099"]])
    header_only = write_csv(tmp_path / "chi_tieu_de.csv", [["Họ và tên", "Ngày sinh"]])
    sp = small_commune / "social_protection.csv"
    man = pl.read_csv(small_commune / "residency.csv", infer_schema=False).filter(
        (pl.col("Giới tính") == "Nam") & pl.col("Ngày sinh").str.contains("/")).row(0, named=True)
    soft = write_csv(tmp_path / "phu_nu.csv", [["Họ và tên", "Ngày sinh", "Giới tính", "Số CCCD", "Tổ chức"],
                                              [man["Họ và tên"], man["Ngày sinh"], "Nam", man["Số định danh cá nhân"],
                                               "Hội Phụ nữ"]])
    sectors = [f"civil_status={empty}", f"vaccination={not_sheet}", f"social_insurance={truncated}",
               f"union_membership={duplicated}", f"civil_status={all_bad}", f"vaccination={header_only}",
               f"social_protection={sp}", f"union_membership={soft}"]
    db = tmp_path / "run.duckdb"
    state = reconcile(residency=str(small_commune / "residency.csv"), sectors=sectors, period="2026-11",
                      db=str(db), out=str(tmp_path / "out"), match_method="deterministic", return_state=True)
    assert state.is_completed(), state.message
    summary = state.result()
    assert summary.status == "partial"
    assert dict(summary.failed_files) == {
        str(empty): "trong.csv: the file is empty",
        str(not_sheet): "anh.xlsx: not a spreadsheet: the file is an image",
        str(truncated): "hong.xlsx: the workbook is damaged or incomplete; open it in Excel and save it again",
        str(duplicated): "trung.csv: the header 'Họ và tên' appears in columns A and B; "
                         "rename or delete one so it is clear which column to read",
    }
    assert dict(summary.warnings) == {
        str(all_bad): "sai_het.csv: all 3 rows rejected; most common reason: "
                      "the birth date is not a valid date in any accepted format (2 rows)",
        str(header_only): "chi_tieu_de.csv: no data rows below the header (row 1)",
    }
    con = duckdb.connect(str(db), read_only=True)
    files = {p: (status, message, rows) for p, status, message, rows in con.execute(
        "SELECT path, status, message, rows_read FROM source_files").fetchall()}
    for path, reason in [*summary.failed_files, *summary.warnings]:
        assert files[path][:2] == ("failed" if (path, reason) in summary.failed_files else "warning", reason)
        assert "\n" not in reason
    assert files[str(sp)] == ("ok", None, pl.read_csv(sp, infer_schema=False).height)
    # row conservation for every file that could be read
    per_file = con.execute("""
        SELECT f.path, f.rows_read, count(o.source_row) FROM source_files f
        LEFT JOIN record_outcomes o ON o.run_id = f.run_id AND o.source_file = f.path
        WHERE f.status <> 'failed' GROUP BY ALL""").fetchall()
    residents = pl.read_csv(small_commune / "residency.csv", infer_schema=False).height
    assert {p: (r, n) for p, r, n in per_file} == {
        str(small_commune / "residency.csv"): (residents, residents),
        str(sp): (files[str(sp)][2], files[str(sp)][2]), str(all_bad): (3, 3), str(header_only): (0, 0),
        str(soft): (1, 1)}
    outcomes = dict(con.execute("SELECT outcome, count(*) FROM record_outcomes WHERE source_file = ? GROUP BY 1",
                                [str(all_bad)]).fetchall())
    assert outcomes == {"rejected": 3}
    # a soft finding reaches discrepancies with the matched resident, and nothing is rejected for it
    assert con.execute("SELECT outcome, residency_id FROM record_outcomes WHERE source_file = ?",
                       [str(soft)]).fetchall() == [("matched", man["Số định danh cá nhân"])]
    assert con.execute(
        "SELECT field, residency_id, severity, message_vi FROM discrepancies WHERE source_file = ? AND kind = ?",
        [str(soft), "not_eligible_gender"]).fetchall() == [
        ("gender", man["Số định danh cá nhân"], "medium", "Nam giới trong danh sách hội viên Hội Phụ nữ")]



def test_group_titles_say_whose_columns_they_are(tmp_path):
    rows = [["Trẻ", None, "Mẹ", None], ["Họ và tên", "Ngày sinh", "Họ và tên", "Ngày sinh"],
            ["Lê Minh An", "01/02/2025", "Hà Thị Mai", "03/04/1995"]]
    ing = ingest_file(SourceFile("vaccination", write_csv(tmp_path / "tre.csv", rows)))
    assert pick(ing.records, "full_name", "birth_date", "guardian_name", "extra:Mẹ › Ngày sinh") == [
        ("Lê Minh An", dt.date(2025, 2, 1), "Hà Thị Mai", "03/04/1995")]
    assert ing.mapping == {"Trẻ › Họ và tên": "full_name", "Trẻ › Ngày sinh": "birth_date",
                           "Mẹ › Họ và tên": "guardian_name"}


def test_the_same_field_under_two_group_titles_that_say_nothing_is_refused(tmp_path):
    rows = [["Lần 1", None, "Lần 2", None, "Địa chỉ"], ["Họ và tên", "Ngày sinh", "Họ và tên", "Ngày sinh", None],
            ["Lê Minh An", "01/02/2025", "Hà Thị Mai", "03/04/1995", "Thôn 1"]]
    with pytest.raises(InputFileError) as err:
        ingest_file(SourceFile("vaccination", write_csv(tmp_path / "tre.csv", rows)))
    assert str(err.value) == (
        "tre.csv: the header 'Họ và tên' (full_name) stands under different group titles in columns A and C "
        'and none says it is another person\'s; name the column to read in a --mapping file (e.g. "column A" = "full_name")')
    assert "Lê" not in str(err.value) and "Lần" not in str(err.value)


def test_an_unexpected_error_becomes_a_file_error_without_the_value(tmp_path, monkeypatch):
    import pipelines.ingest.file as ingest

    def boom(frame):
        raise ValueError("036090012345 Lê Văn An")

    monkeypatch.setattr(ingest, "parse_values", boom)
    with pytest.raises(InputFileError) as err:
        ingest_file(SourceFile("vaccination", write_csv(tmp_path / "la.csv", [["Họ và tên"], ["Lê Văn An"]])))
    assert str(err.value) == "la.csv: could not be read (unexpected ValueError); please report this file's layout"


def test_section_subtotal_and_column_letter_rows_of_a_form_are_not_people(tmp_path):
    # laid out like BHXH's Mẫu D02-TS: a letter/number row under the header, sections and subtotals
    rows = [
        ["STT", "Họ và tên", "Mã số BHXH", "Ngày sinh", "Ghi chú"],
        ["A", "B", "1", "2", "3"],
        ["I.", "Tăng", None, None, None],
        ["I.1", "Lao động", None, None, None],
        [1, "Lê Văn An", "0123456789", "01/02/1990", None],
        [2, "Trần Thị Bình", "0123456790", "02/03/1991", None],
        [None, "Cộng tăng", None, None, "2"],
        ["II.", "Giảm", None, None, None],
        [3, "Ngô Văn Cường", "0123456791", "03/04/1992", None],
        [None, "Cộng giảm", None, None, "1"],
    ]
    ing = ingest_file(SourceFile("social_insurance", write_csv(tmp_path / "d02_ts.csv", rows)))
    assert pick(ing.records, "source_row", "full_name") == [(5, "Lê Văn An"), (6, "Trần Thị Bình"), (9, "Ngô Văn Cường")]
    assert ing.layout_rows == 6


@pytest.mark.parametrize("name", ["Tăng Văn Cộng", "Cồ Thị Tổng", "Ivan Lê", "An Văn Cộng", "VI VĂN LÂM", "TONG VAN AN",
                                  "CONG THI HOA", "Tống Văn An"])
def test_a_person_whose_name_looks_like_a_form_word_stays(tmp_path, name):
    rows = [["STT", "Họ và tên", "Ngày sinh"], [1, name, None], [2, "Cộng", None]]  # no ID, no date: by name alone
    ing = ingest_file(SourceFile("vaccination", write_csv(tmp_path / "ten.csv", rows)))
    assert ing.records["full_name"].to_list() == [name] and ing.layout_rows == 1


def test_a_header_naming_several_things_gives_its_field_the_first_part_of_the_cell(tmp_path):
    # a member roster's combined column: "Nam, Kinh, Không" is gender, ethnicity, religion
    rows = [["STT", "Họ và tên", "Ngày sinh", "Nam, nữ, dân tộc, tôn giáo"],
            [1, "Lê Văn An", "01/02/1960", "Nam, Kinh, Không"],
            [2, "Hà Thị Bình", "03/04/1962", "Nữ; Tày; Phật giáo"]]
    ing = ingest_file(SourceFile("union_membership", write_csv(tmp_path / "hoi_vien.csv", rows)))
    assert pick(ing.records, "gender", "extra:Nam, nữ, dân tộc, tôn giáo") == [
        ("M", "Nam, Kinh, Không"), ("F", "Nữ; Tày; Phật giáo")]
    assert ing.records["problem_gender"].to_list() == [None, None]


def test_a_mapping_may_name_a_grouped_column_by_its_header_alone(tmp_path):
    rows = [["Thông tin người hưởng", None, None], ["Họ tên bà", "Năm sinh", "Thôn"], ["Lê Thị An", "1940", "Thôn 1"]]
    path = write_csv(tmp_path / "ds.csv", rows)
    mapping = tmp_path / "m.toml"
    mapping.write_text('[sources."ds.csv"]\n"Họ tên bà" = "full_name"\n', encoding="utf-8")
    (src,) = configure_sources([SourceFile("social_protection", path)], mapping=mapping)
    assert pick(ingest_file(src).records, "full_name", "birth_date") == [("Lê Thị An", dt.date(1940, 1, 1))]
