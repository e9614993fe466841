"""Readers under hostile input: random bytes and malformed workbooks end as a read file or a one-line
refusal, never a traceback and never a hang."""

from __future__ import annotations

import io
import signal
import zipfile
from contextlib import contextmanager
from pathlib import Path

import pytest
import xlsxwriter
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from contracts import InputFileError
from pipelines.ingest import SourceFile, ingest_file
from pipelines.ingest.encodings import encode_tcvn3

SECONDS = 20  # a file that takes longer is a hang


@contextmanager
def bounded(seconds: int = SECONDS):
    def stop(signum, frame):
        raise TimeoutError(f"reading took more than {seconds} s")

    old = signal.signal(signal.SIGALRM, stop)
    signal.alarm(seconds)
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, old)


def outcome(path: Path, source: str = "vaccination") -> str:
    """"read" or the refusal's text; anything else (a traceback, a hang) fails the test."""
    with bounded():
        try:
            ingest_file(SourceFile(source, path))
        except InputFileError as err:
            message = str(err)
            assert message.startswith(path.name + ":"), message
            assert "\n" not in message and "Traceback" not in message and len(message) < 600, message
            return message
    return "read"


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.binary(min_size=0, max_size=4096), suffix=st.sampled_from([".csv", ".txt", ".xlsx", ".xls", ".tsv"]))
def test_random_bytes_never_crash_a_reader(tmp_path, data, suffix):
    path = tmp_path / f"ngau_nhien{suffix}"
    path.write_bytes(data)
    outcome(path)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.binary(min_size=0, max_size=2048))
def test_random_bytes_behind_a_zip_or_ole2_signature_never_crash(tmp_path, data):
    for magic, suffix in ((b"PK\x03\x04", ".xlsx"), (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", ".xls")):
        path = tmp_path / f"gia{suffix}"
        path.write_bytes(magic + data)
        assert outcome(path) != "read"


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(rows=st.lists(st.lists(st.text(max_size=30), min_size=1, max_size=6), min_size=1, max_size=20))
def test_random_text_cells_under_a_header_are_read_or_refused(tmp_path, rows):
    path = tmp_path / "van_ban.csv"
    body = "\n".join(",".join('"' + c.replace('"', '""') + '"' for c in row) for row in rows)
    path.write_text("Họ và tên,Ngày sinh,Số CCCD\n" + body, encoding="utf-8", errors="surrogatepass")
    outcome(path)


def _xlsx(path: Path, rows: list[list[object]]) -> Path:
    wb = xlsxwriter.Workbook(str(path))
    ws = wb.add_worksheet("DS")
    for i, row in enumerate(rows):
        ws.write_row(i, 0, row)
    wb.close()
    return path


def test_a_truncated_workbook_is_refused(tmp_path):
    full = _xlsx(tmp_path / "du.xlsx", [["Họ và tên", "Ngày sinh"], *[[f"Lê Văn An {i}", "01/01/1990"] for i in range(500)]])
    data = full.read_bytes()
    for cut in (len(data) // 3, len(data) // 2, len(data) - 20):
        path = tmp_path / f"cut_{cut}.xlsx"
        path.write_bytes(data[:cut])
        assert "damaged" in outcome(path) or "not a readable" in outcome(path)


def test_a_zip_without_a_workbook_is_refused(tmp_path):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as z:
        z.writestr("ghi_chu.txt", "không phải bảng tính")
    path = tmp_path / "khong_phai.xlsx"
    path.write_bytes(buffer.getvalue())
    assert outcome(path) != "read"


def test_a_sheet_16384_columns_wide_is_read(tmp_path):
    wb = xlsxwriter.Workbook(str(tmp_path / "rong.xlsx"))
    ws = wb.add_worksheet("DS")
    ws.write_row(0, 0, ["Họ và tên", "Ngày sinh"])
    ws.write_row(1, 0, ["Lê Văn An", "01/01/1990"])
    ws.write(0, 16383, "XFD")
    ws.write(1, 16383, "x")
    wb.close()
    assert outcome(tmp_path / "rong.xlsx") == "read"


@pytest.mark.parametrize("suffix", [".csv", ".xlsx"])
def test_a_one_megabyte_cell_is_read_or_refused(tmp_path, suffix):
    big = "Lê " * 350_000
    rows = [["Họ và tên", "Ngày sinh", "Ghi chú"], ["Lê Văn An", "01/01/1990", big]]
    if suffix == ".csv":
        path = tmp_path / "to.csv"
        path.write_text("\n".join(",".join(r) for r in rows), encoding="utf-8")
    else:
        path = _xlsx(tmp_path / "to.xlsx", rows)
    outcome(path)


def test_mixed_encodings_in_one_column_are_read_or_refused(tmp_path):
    path = tmp_path / "tron.csv"
    lines = ["Họ và tên,Ngày sinh".encode(), "Lê Văn An,01/01/1990".encode(),
             encode_tcvn3("Nguyễn Thị Bình,02/02/1991"), "Trần Cường,03/03/1992".encode("cp1252", "replace")]
    path.write_bytes(b"\n".join(lines))
    result = outcome(path)  # one encoding per file: the UTF-8 lines or the others come out garbled
    assert result == "read" or result.startswith("tron.csv: ")


@pytest.mark.parametrize("where", ["header", "cell", "everywhere"])
def test_nul_bytes_are_refused_as_binary(tmp_path, where):
    header, cell = "Họ và tên,Ngày sinh", "Lê Văn An,01/01/1990"
    text = {"header": f"Họ và\x00 tên,Ngày sinh\n{cell}", "cell": f"{header}\nLê\x00 Văn An,01/01/1990",
            "everywhere": "\x00".join(f"{header}\n{cell}")}[where]
    path = tmp_path / "nul.csv"
    path.write_bytes(text.encode("utf-8"))
    assert outcome(path) == "nul.csv: not a spreadsheet: the file holds binary data, not text"
