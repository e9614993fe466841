"""Rows built column-wise (``pipelines.outputs.sheet_xml``) are byte for byte what xlsxwriter writes
cell by cell, and the spliced workbook opens in openpyxl and calamine with every value in place."""

from __future__ import annotations

import io
import zipfile

import fastexcel
import openpyxl
import polars as pl
import pytest
import xlsxwriter

from pipelines.outputs.sheet_xml import Cell, rows_xml, splice_rows

TEXTS = ["Nguyễn Thị Hồng", "A & B <c> \"q\"", " leading space", "trailing\t", "bell\x07here", "literal _x0041_ code",
         "odd \ufffe char", "two\nlines", "", None, "=SUM(A1)", "Đoàn Thanh niên – chi đoàn thôn 5"]
DIGITS = ["20", "007", "12, 57, 103", "", None, "0", "3", "x1", "", "45", "9", "10"]
HEIGHTS = [17.0, 32.0, 47.0, 15.0, 62.0, 17.0, 32.5, 20.0, 17.0, 17.0, 92.0, 33.0]
FIRST = 3  # 0-based sheet row of the first data row


@pytest.fixture
def frame() -> pl.DataFrame:
    return pl.DataFrame({"text": TEXTS, "digits": DIGITS, "height": HEIGHTS,
                         "severity": ["high", "low", "critical", "low", "high", "low", "low", "low", "high", "low",
                                      "critical", "low"]}).with_row_index("_line", offset=1)


def _workbook(write_rows) -> tuple[bytes, dict[str, int]]:
    """A two-sheet workbook with a title row, the data rows written by ``write_rows`` and a footer."""
    buffer = io.BytesIO()
    wb = xlsxwriter.Workbook(buffer, {"constant_memory": True, "strings_to_numbers": False,
                                      "strings_to_formulas": False})
    ws = wb.add_worksheet("Danh sách")
    fmt = {name: wb.add_format(props) for name, props in
           {"plain": {"border": 1}, "center": {"align": "center"}, "red": {"bg_color": "#F4B6B6"},
            "answer": {"bg_color": "#EEF7E8", "locked": False}, "text": {"num_format": "@"}}.items()}
    styles = {name: f._get_xf_index() for name, f in fmt.items()}  # numbered up front, as the lists do
    for col, header in enumerate(("STT", "Họ và tên", "Dòng", "Kết quả xử lý")):  # the sheet spans A:D already
        ws.write_string(0, col, header, fmt["center"])
    write_rows(ws, fmt)
    footer = FIRST + len(TEXTS) + 1
    ws.write_string(footer, 1, "NGƯỜI LẬP BIỂU", fmt["center"])
    wb.add_worksheet("_meta").write_string(0, 0, "format")
    wb.close()
    return buffer.getvalue(), styles


def _cell_by_cell(frame: pl.DataFrame):
    def write(ws, fmt):
        for i, row in enumerate(frame.iter_rows(named=True)):
            r = FIRST + i
            ws.set_row(r, row["height"])
            ws.write_number(r, 0, row["_line"], fmt["center"])
            text, digits = row["text"] or "", row["digits"] or ""
            ws.write_string(r, 1, text, fmt["red"] if row["severity"] == "critical" else fmt["text"]) if text \
                else ws.write_blank(r, 1, None, fmt["plain"])
            if digits.isdigit():
                ws.write_number(r, 2, int(digits), fmt["center"])
            elif digits:
                ws.write_string(r, 2, digits, fmt["center"])
            ws.write_blank(r, 3, None, fmt["answer"])
    return write


def _column_wise(frame: pl.DataFrame, styles: dict[str, int], book: bytes) -> bytes:
    red = pl.when(pl.col("severity") == "critical").then(styles["red"]).otherwise(styles["text"])
    cells = [Cell("number", pl.col("_line").cast(pl.String), styles["center"]),
             Cell("string", pl.col("text"), red, styles["plain"]),
             Cell("digits", pl.col("digits"), styles["center"]),
             Cell("blank", None, styles["answer"])]
    return splice_rows(book, 1, FIRST + len(TEXTS) + 1, rows_xml(frame, FIRST, cells, pl.col("height")))


def _sheet(book: bytes, n: int = 1) -> bytes:
    with zipfile.ZipFile(io.BytesIO(book)) as z:
        return z.read(f"xl/worksheets/sheet{n}.xml")


def test_rows_are_what_xlsxwriter_writes_cell_by_cell(frame):
    expected, _ = _workbook(_cell_by_cell(frame))
    skeleton, styles = _workbook(lambda ws, fmt: None)
    spliced = _column_wise(frame, styles, skeleton)
    assert _sheet(spliced) == _sheet(expected)
    assert _sheet(spliced, 2) == _sheet(expected, 2)
    with zipfile.ZipFile(io.BytesIO(expected)) as a, zipfile.ZipFile(io.BytesIO(spliced)) as b:
        assert [i.filename for i in a.infolist()] == [i.filename for i in b.infolist()]
        assert all(a.read(n) == b.read(n) for n in a.namelist() if n != "xl/worksheets/sheet1.xml")


def test_rows_come_in_chunks_without_changing_a_byte(frame, monkeypatch):
    skeleton, styles = _workbook(lambda ws, fmt: None)
    whole = _column_wise(frame, styles, skeleton)
    monkeypatch.setattr("pipelines.outputs.sheet_xml.CHUNK_ROWS", 5)
    assert _sheet(_column_wise(frame, styles, skeleton)) == _sheet(whole)


def test_the_spliced_workbook_reads_back_in_openpyxl_and_calamine(frame):
    skeleton, styles = _workbook(lambda ws, fmt: None)
    book = _column_wise(frame, styles, skeleton)
    ws = openpyxl.load_workbook(io.BytesIO(book))["Danh sách"]
    got = [[c.value for c in row] for row in ws.iter_rows(min_row=FIRST + 1, max_row=FIRST + len(TEXTS), max_col=3)]
    plain = [i for i, t in enumerate(TEXTS) if not (t and any(c in t for c in "\x07_\ufffe"))]  # no _xHHHH_ escape
    assert [got[i][1] for i in plain] == [TEXTS[i] or None for i in plain]
    assert [row[2] for row in got] == [int(d) if d and d.isdigit() else (d or None) for d in DIGITS]
    assert ws.row_dimensions[FIRST + 2].height == 32.25  # 32 pt rounded to whole pixels, as xlsxwriter does
    assert ws.cell(FIRST + 1, 4).protection.locked is False
    sheet = fastexcel.read_excel(book).load_sheet("Danh sách", header_row=None).to_polars()
    assert sheet.height >= FIRST + len(TEXTS)
    assert "A & B <c> \"q\"" in sheet.to_series(1).to_list()


def test_a_sheet_without_the_row_to_insert_before_is_refused(frame):
    skeleton, styles = _workbook(lambda ws, fmt: None)
    with pytest.raises(ValueError, match="no row 99"):
        splice_rows(skeleton, 1, 98, iter([b"<row/>"]))


@pytest.mark.parametrize(("index", "letters"), [(0, "A"), (14, "O"), (25, "Z"), (26, "AA"), (701, "ZZ"), (702, "AAA")])
def test_cell_references_use_excel_column_letters(index, letters):
    from pipelines.ingest.layout import column_letter

    assert column_letter(index) == letters
