"""Reading real files built byte by byte: text in every encoding, XLSX and XLS with legacy fonts."""

from __future__ import annotations

import codecs
import datetime as dt
import importlib.util
import sys
import unicodedata
from pathlib import Path

import polars as pl
import pytest
from _office_files import XlsCell, XlsSheet, ole2, write_xls, write_xlsx
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from contracts import InputFileError
from pipelines.ingest.encodings import encode_cp1258, encode_tcvn3, encode_vni, to_tcvn3_text, to_vni_text
from pipelines.ingest.formats import read_grid, read_grids

HAVE_XLRD = importlib.util.find_spec("xlrd") is not None
needs_xlrd = pytest.mark.skipif(not HAVE_XLRD, reason="xlrd is not installed (.xls support)")

ROWS = [
    ["STT", "Họ và tên", "Ngày sinh", "Giới tính", "Số CCCD", "Địa chỉ"],
    ["1", "Nguyễn Văn Đức", "04/05/1990", "Nam", "036090012345", "Thôn Đông, xã Yên Hòa"],
    ["2", "Trần Thị Thủy", "1942", "Nữ", "", "Xóm Ngọc Hưởng"],
    ["3", "Phạm Ngọc Ánh", "12/11/2001", "nữ", "036301000111", "Tổ dân phố Nguyễn Trãi"],
    ["4", "Dương Quốc Việt", "03/1942", "NAM", "", "Ấp Phước Lộc"],
]


def csv_text(rows, sep=","):
    """Rows as Excel writes them: CRLF, fields holding the separator or a quote in quotes."""
    def field(v):
        return '"' + v.replace('"', '""') + '"' if sep in v or '"' in v or "\n" in v else v
    return "".join(sep.join(field(v) for v in r) + "\r\n" for r in rows)


ENCODERS = {
    "utf-8": lambda t: t.encode("utf-8"),
    "utf-8-sig": lambda t: codecs.BOM_UTF8 + t.encode("utf-8"),
    "utf-16": lambda t: t.encode("utf-16"),  # Excel "Unicode text": BOM + UTF-16-LE
    "cp1258": encode_cp1258,
    "tcvn3": encode_tcvn3,
    "vni": encode_vni,
}


def tcvn3_loss(text: str) -> str:
    """What TCVN3 bytes can say: a capital toned letter has no code, its lowercase one is written."""
    tones = "\u0300\u0301\u0303\u0309\u0323"
    return "".join(c.lower() if c.isupper() and any(m in unicodedata.normalize("NFD", c) for m in tones) else c
                   for c in text)


def cells(grid) -> list[list[str | None]]:
    return [list(r[:-1]) for r in grid.cells.rows()]


def as_read(rows):
    return [[v or None for v in r] for r in rows]


@pytest.mark.parametrize("encoding", list(ENCODERS))
def test_a_list_in_each_encoding_reads_as_the_same_unicode(tmp_path, encoding):
    sep = "\t" if encoding == "utf-16" else ","
    path = tmp_path / ("list.txt" if encoding == "utf-16" else "list.csv")
    path.write_bytes(ENCODERS[encoding](csv_text(ROWS, sep)))
    grid = read_grid(path)
    assert grid.encoding == encoding
    expected = [[tcvn3_loss(v) for v in r] for r in ROWS] if encoding == "tcvn3" else ROWS
    assert cells(grid) == as_read(expected)
    assert grid.cells["sheet_row"].to_list() == [1, 2, 3, 4, 5]
    assert all(unicodedata.is_normalized("NFC", v) for r in cells(grid) for v in r if v)


def test_the_encoding_can_be_given_per_file(tmp_path):
    path = tmp_path / "list.csv"
    path.write_bytes(encode_vni(csv_text(ROWS[:2])))
    assert read_grid(path, encoding="vni").encoding == "vni"
    assert cells(read_grid(path, encoding="VNI-Windows"))[1][1] == "Nguyễn Văn Đức"
    wrong = cells(read_grid(path, encoding="tcvn3"))[1][1]
    assert wrong != "Nguyễn Văn Đức"  # the override is obeyed, even when wrong
    with pytest.raises(InputFileError, match=r"^list.csv: cannot decode the file as utf-8"):
        read_grid(path, encoding="utf-8")


def test_tcvn3_capitals_come_back_lowercase_without_an_all_caps_font(tmp_path):
    path = tmp_path / "caps.csv"
    path.write_bytes(encode_tcvn3("Họ và tên\r\nNGUYỄN VĂN ĐỨC\r\nLê Thị Hà\r\n"))
    got = [r[0] for r in cells(read_grid(path))]
    assert got == ["Họ và tên", "NGUYễN VĂN ĐứC", "Lê Thị Hà"]  # the bytes cannot say more


@pytest.mark.parametrize("sep", [",", ";", "\t", "|"])
def test_delimiters_are_sniffed(tmp_path, sep):
    path = tmp_path / "list.csv"
    path.write_text(csv_text(ROWS, sep), encoding="utf-8")
    assert cells(read_grid(path)) == as_read(ROWS)


def test_sheet_rows_count_physical_lines_with_quoted_line_breaks(tmp_path):
    path = tmp_path / "list.csv"
    path.write_text('Họ và tên,Địa chỉ\n"Lê Văn An","Thôn 1\nxã Yên Hòa"\nHà Thị Mai,Thôn 2\n', encoding="utf-8")
    grid = read_grid(path)
    assert grid.cells["sheet_row"].to_list() == [1, 2, 4]
    assert cells(grid)[1] == ["Lê Văn An", "Thôn 1\nxã Yên Hòa"]


viet_words = st.sampled_from(
    "Nguyễn Trần Lê Phạm Hoàng Huỳnh Vũ Võ Đặng Bùi Đỗ Hồ Ngô Dương Lý Thị Văn Đức Ngọc Thu Thanh Hữu "
    "Minh Quang Công Đình Xuân Quốc Thủy Thúy Hương Hường Tâm Tầm Ánh Ân Việt Yến Nghĩa Tuyết Ưng Ẩn "
    "thôn xóm ấp phường xã tổ khu Yên Hòa Phước Lộc".split())
cell_text = st.lists(viet_words, min_size=1, max_size=4).map(" ".join)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(st.lists(cell_text, min_size=3, max_size=3), min_size=1, max_size=6),
       st.sampled_from(["utf-8", "utf-16", "cp1258", "vni", "tcvn3"]))
def test_any_list_survives_writing_in_an_encoding_and_reading_back(tmp_path, rows, encoding):
    rows = [["Họ và tên", "Địa chỉ", "Ghi chú"], *rows]
    path = tmp_path / "round_trip.csv"
    path.write_bytes(ENCODERS[encoding](csv_text(rows, "\t" if encoding == "utf-16" else ",")))
    got = cells(read_grid(path, encoding=encoding))
    assert got == ([[tcvn3_loss(v) for v in r] for r in rows] if encoding == "tcvn3" else rows)


# ---------------------------------------------------------------------------------- XLSX


def test_xlsx_cells_in_legacy_fonts_are_decoded_cell_by_cell(tmp_path):
    rows = [
        ["Họ và tên", "Ghi chú", "Số CCCD", "Ngày sinh"],
        [to_tcvn3_text("Nguyễn Văn Đức"), "Đã cấp thẻ", 36090012345, dt.datetime(1990, 5, 4)],
        [to_tcvn3_text("TRẦN THỊ THỦY"), to_vni_text("Chuyển đến"), "001305012345", "04/05/1990"],
        [to_vni_text("Phạm Ngọc Ánh"), to_tcvn3_text("Hộ nghèo"), 123456789012.0, 43831],
    ]
    fonts = {("DS", 2, 1): ".VnTime", ("DS", 3, 1): ".VnTimeH", ("DS", 3, 2): "VNI-Times",
             ("DS", 4, 1): "VNI-Helve", ("DS", 4, 2): ".VnArial"}
    grid = read_grid(write_xlsx(tmp_path / "fonts.xlsx", {"DS": rows}, fonts=fonts))
    assert cells(grid) == [
        ["Họ và tên", "Ghi chú", "Số CCCD", "Ngày sinh"],
        ["Nguyễn Văn Đức", "Đã cấp thẻ", "36090012345", "1990-05-04"],  # Unicode cell in Calibri kept
        ["TRẦN THỊ THỦY", "Chuyển đến", "001305012345", "04/05/1990"],  # .VnTimeH: capitals restored
        ["Phạm Ngọc Ánh", "Hộ nghèo", "123456789012", "43831"],
    ]
    assert grid.sheet == "DS" and grid.encoding is None


def test_xlsx_sheets_merges_and_hidden_state(tmp_path):
    path = write_xlsx(
        tmp_path / "book.xlsx",
        {"Bìa": [["DANH SÁCH"]], "Đoàn viên": [["Họ và tên", "Ngày sinh", None], [None, "Nam", "Nữ"]],
         "Cũ": [["x"]], "Trống": []},
        merges={"Đoàn viên": ["A1:A2", "B1:C1"]}, hidden=("Cũ",),
    )
    grids = read_grids(path)
    assert [(g.sheet, g.hidden) for g in grids] == [("Bìa", False), ("Đoàn viên", False), ("Cũ", True)]
    assert set(grids[1].merges) == {(1, 2, 0, 0), (1, 1, 1, 2)}
    assert [g.sheet for g in read_grids(path, sheet="Cũ")] == ["Cũ"]
    with pytest.raises(InputFileError, match=r"^book.xlsx: no sheet named 'Khác'; sheets: \['Bìa', 'Đoàn viên', 'Cũ', 'Trống'\]$"):
        read_grids(path, sheet="Khác")
    with pytest.raises(InputFileError, match=r"^book.xlsx: sheet 'Trống' has no rows$"):
        read_grids(path, sheet="Trống")


# ---------------------------------------------------------------------------------- XLS


@needs_xlrd
def test_xls_from_2009_with_vntime_fonts(tmp_path):
    path = write_xls(tmp_path / "ho_tich.xls", [
        XlsSheet("Sheet1", [
            ["DANH SÁCH KHAI SINH"],
            [],
            ["Họ và tên", "Ngày sinh", None, "Số CCCD"],
            [None, "Nam", "Nữ", None],
            [XlsCell(to_tcvn3_text("Nguyễn Văn Đức"), ".VnTime"), dt.date(1990, 5, 4), None, 36090012345],
            [XlsCell(to_tcvn3_text("LÊ THỊ HÀ"), ".VnTimeH"), None, "05/06/1991", "036191000001"],
            [XlsCell(to_vni_text("Trần Thị Thủy"), "VNI-Times"), None, dt.datetime(1985, 6, 7, 0, 0), 1090012345],
        ], merges=[(2, 3, 0, 0), (2, 2, 1, 2)]),
        XlsSheet("Ẩn", [["x"]], hidden=True),
    ])
    grids = read_grids(path)
    assert [(g.sheet, g.hidden) for g in grids] == [("Sheet1", False), ("Ẩn", True)]
    sheet = grids[0]
    assert sheet.cells["sheet_row"].to_list() == [1, 3, 4, 5, 6, 7]
    assert cells(sheet)[3:] == [
        ["Nguyễn Văn Đức", "1990-05-04", None, "36090012345"],
        ["LÊ THỊ HÀ", None, "05/06/1991", "036191000001"],
        ["Trần Thị Thủy", None, "1985-06-07", "1090012345"],
    ]
    assert set(sheet.merges) == {(3, 4, 0, 0), (3, 3, 1, 2)}


def test_xls_without_xlrd_says_what_to_do(tmp_path, monkeypatch):
    path = write_xls(tmp_path / "cu.xls", [XlsSheet("S", [["Họ và tên"], ["Lê Văn An"]])])
    monkeypatch.setitem(sys.modules, "xlrd", None)
    with pytest.raises(InputFileError, match=r"^cu.xls: reading .xls files needs the xlrd package.*save the file as .xlsx$"):
        read_grids(path)


def test_an_xls_that_is_really_tab_separated_text_is_read_as_text(tmp_path):
    path = tmp_path / "xuat_tu_phan_mem.xls"
    path.write_bytes(csv_text(ROWS, "\t").encode("utf-16"))
    assert cells(read_grid(path)) == as_read(ROWS)


# ---------------------------------------------------------------------------------- bad input


def _truncated_xlsx(tmp_path: Path) -> Path:
    good = write_xlsx(tmp_path / "good.xlsx", {"S": [["Họ và tên"], *[[f"Người {i}"] for i in range(200)]]})
    data = good.read_bytes()
    bad = tmp_path / "cut.xlsx"
    bad.write_bytes(data[: len(data) // 2])
    return bad


@pytest.mark.parametrize(("name", "content", "message"), [
    ("empty.csv", b"", "empty.csv: the file is empty"),
    ("blank.csv", b"  \r\n\r\n", "blank.csv: the file has no rows"),
    ("scan.csv", b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj", "scan.csv: not a spreadsheet: the file is a PDF document"),
    ("anh.xlsx", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "anh.xlsx: not a spreadsheet: the file is an image"),
    ("web.xls", b"<html><body><table><tr><td>H\xe1\xbb\x8d</td></tr></table>",
     "web.xls: not a spreadsheet: the file is an HTML or XML page (open it in Excel and save it as .xlsx)"),
    ("blob.csv", bytes(range(256)) * 4, "blob.csv: not a spreadsheet: the file holds binary data, not text"),
    ("list.pdf", b"%PDF", "list.pdf: unsupported file type .pdf; expected one of .csv, .tsv, .txt, .xlsx, .xlsm, .xls"),
    ("locked.xlsx", ole2(b"\x00" * 64, name="EncryptedPackage"),
     "locked.xlsx: the workbook is password-protected; save a copy without a password"),
])
def test_bad_input_gets_one_line(tmp_path, name, content, message):
    path = tmp_path / name
    path.write_bytes(content)
    with pytest.raises(InputFileError) as err:
        read_grids(path)
    assert str(err.value) == message


def test_a_truncated_xlsx_is_named_damaged(tmp_path):
    with pytest.raises(InputFileError) as err:
        read_grids(_truncated_xlsx(tmp_path))
    assert str(err.value) == "cut.xlsx: the workbook is damaged or incomplete; open it in Excel and save it again"


@needs_xlrd
def test_a_truncated_xls_is_named_damaged(tmp_path):
    good = write_xls(tmp_path / "good.xls", [XlsSheet("S", [["Họ và tên"], *[[f"Người {i}"] for i in range(300)]])])
    bad = tmp_path / "cut.xls"
    bad.write_bytes(good.read_bytes()[:3000])
    with pytest.raises(InputFileError, match=r"^cut.xls: the .xls workbook is damaged"):
        read_grids(bad)


def test_missing_file_and_folder(tmp_path):
    with pytest.raises(InputFileError, match=r"^none.csv: file not found$"):
        read_grids(tmp_path / "none.csv")
    (tmp_path / "dir.csv").mkdir()
    with pytest.raises(InputFileError, match=r"^dir.csv: is a folder, not a file$"):
        read_grids(tmp_path / "dir.csv")


def test_reader_messages_never_hold_cell_values(tmp_path):
    path = tmp_path / "list.csv"
    path.write_bytes(encode_tcvn3("Họ và tên,Số CCCD\r\nNguyễn Văn Đức,036090012345\r\n"))
    with pytest.raises(InputFileError) as err:
        read_grid(path, encoding="utf-8")
    assert "036090012345" not in str(err.value) and "Nguy" not in str(err.value)


def test_grid_columns_are_text(tmp_path):
    path = write_xlsx(tmp_path / "n.xlsx", {"S": [["Họ và tên", "Số"], ["Lê An", 12], ["Hà Mai", 1.5]]})
    grid = read_grid(path)
    assert grid.cells.schema == pl.Schema({"c0": pl.String, "c1": pl.String, "sheet_row": pl.UInt32})
    assert cells(grid)[1:] == [["Lê An", "12"], ["Hà Mai", "1.5"]]


def test_a_csv_saved_from_a_vntime_sheet_is_decoded_column_by_column(tmp_path):
    rows = [["STT", "Họ và tên", "Địa chỉ", "Ghi chú"],
            ["1", to_tcvn3_text("Nguyễn Văn Đức"), to_vni_text("Thôn Đông, xã Yên Hòa"), "Đã cấp thẻ"],
            ["2", to_tcvn3_text("Trần Thị Thủy"), to_vni_text("Xóm Ngọc Hưởng"), "Mới chuyển đến"]]
    path = tmp_path / "luu_tu_vntime.csv"
    path.write_bytes(csv_text(rows).encode("utf-8"))
    grid = read_grid(path)
    assert grid.encoding == "utf-8+tcvn3+vni"
    assert cells(grid)[1:] == [["1", "Nguyễn Văn Đức", "Thôn Đông, xã Yên Hòa", "Đã cấp thẻ"],
                               ["2", "Trần Thị Thủy", "Xóm Ngọc Hưởng", "Mới chuyển đến"]]
    assert read_grid(path, encoding="utf-8").encoding == "utf-8"  # a given encoding is taken as is


def test_windows_line_ends_read_like_unix_ones(tmp_path):
    rows = ["STT,Họ và tên,Ngày sinh", "1,Lê Văn An,01/02/1990", "2,\"Trần, Thị Bình\",1991", "3,Ngô Cường,"]
    crlf, lf = tmp_path / "windows.csv", tmp_path / "unix.csv"
    crlf.write_bytes(("\r\n".join(rows) + "\r\n").encode("utf-8"))
    lf.write_bytes(("\n".join(rows) + "\n").encode("utf-8"))
    assert read_grid(crlf).cells.equals(read_grid(lf).cells)
    assert not any(v.endswith("\r") for v in read_grid(crlf).cells.drop("sheet_row").to_series(2).drop_nulls())


def test_windows_line_ends_with_a_cell_over_two_lines_keep_true_line_numbers(tmp_path):
    path = tmp_path / "nhieu_dong.csv"
    path.write_bytes("STT,Họ và tên,Ghi chú\r\n1,Lê An,\"dòng một\r\ndòng hai\"\r\n2,Ngô Bình,x\r\n".encode("utf-8"))
    cells = read_grid(path).cells
    assert cells["sheet_row"].to_list() == [1, 2, 4]
    assert cells["c2"].to_list()[1] == "dòng một\r\ndòng hai"


def _awkward_workbook(path, legacy_font=False):
    import datetime as dt

    import xlsxwriter

    wb = xlsxwriter.Workbook(str(path))
    ws = wb.add_worksheet("Danh sách")
    date, stamp = wb.add_format({"num_format": "dd/mm/yyyy"}), wb.add_format({"num_format": "dd/mm/yyyy hh:mm"})
    font = wb.add_format({"font_name": ".VnTime"}) if legacy_font else None
    ws.write(2, 2, "DANH SÁCH THEO DÕI")  # two empty rows, then a title from column C
    ws.merge_range(4, 1, 4, 3, "Thông tin người được tiêm")
    ws.write_row(5, 1, ["Họ và tên", "Ngày sinh", "Số CCCD", "Tiền", "Đã tiêm", "Ghi chú"])
    ws.write(6, 1, "Lê Văn An", font)
    ws.write_datetime(6, 2, dt.datetime(1979, 1, 31), date)
    ws.write_number(6, 3, 36179000001)
    ws.write_number(6, 4, 1.5)
    ws.write_boolean(6, 5, True)
    ws.write(6, 6, "   ")
    ws.write(7, 1, "Trần Thị Bình")
    ws.write_datetime(7, 2, dt.datetime(1980, 2, 1, 10, 30), stamp)
    ws.write_string(7, 3, "036180000002")
    ws.write(9, 1, "Ngô Cường")  # an empty row above
    hidden = wb.add_worksheet("Cũ")
    hidden.write_row(0, 0, ["Họ và tên", "Ngày sinh"])
    hidden.write_row(1, 0, ["Lê Văn Cũ", "01/01/1950"])
    hidden.hide()
    wb.add_worksheet("Trống")
    wb.close()
    return path


@pytest.mark.parametrize("legacy_font", [False, True])
def test_xlsx_values_read_fast_are_the_cells_openpyxl_reads(tmp_path, legacy_font):
    import zipfile

    from pipelines.ingest.formats.xlsx import _read_cell_by_cell
    from pipelines.ingest.formats.xlsx_values import read_values, uses_legacy_fonts

    path = _awkward_workbook(tmp_path / "kho.xlsx", legacy_font)
    with zipfile.ZipFile(path) as book:
        assert uses_legacy_fonts(book) is legacy_font
        fast = read_values(path, book, None)
    slow = _read_cell_by_cell(path, None)
    assert [g.sheet for g in fast] == [g.sheet for g in slow] == ["Danh sách", "Cũ"]
    for f, s in zip(fast, slow):
        assert f.cells.equals(s.cells), (f.cells, s.cells)
        assert (f.merges, f.hidden) == (s.merges, s.hidden)
    first = fast[0].cells
    assert first["sheet_row"].to_list() == [3, 5, 6, 7, 8, 10]
    assert first.row(4) == (None, "Trần Thị Bình", "1980-02-01 10:30:00", "036180000002", None, None, None, 8)
    assert first.row(3)[1:6] == ("Lê Văn An", "1979-01-31", "36179000001", "1.5", "1")
    assert [g.sheet for g in read_grids(path)] == ["Danh sách", "Cũ"]
