"""Reader speed: CSV with Unix and Windows line ends, XLSX through calamine and through openpyxl.

    python bench/readers.py --rows 100000

Writes the files into a temporary folder, reads each (best of three), and checks that the two
XLSX paths give the same grid.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

import xlsxwriter

from pipelines.ingest import read_grids
from pipelines.ingest.formats.xlsx import _read_cell_by_cell

HEADER = ["STT", "Họ và tên", "Ngày sinh", "Số CCCD", "Địa chỉ", "Vắc xin", "Mũi", "Ngày tiêm"]


def _row(i: int) -> list:
    return [i, f"Nguyễn Văn An {i}", "01/02/1990", f"036090{i:06d}", "Thôn 1, xã Yên Hòa", "BCG", 1, "01/03/2026"]


def _best(fn, runs: int = 3) -> float:
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        fn()
        times.append(time.perf_counter() - started)
    return min(times)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rows", type=int, default=100_000)
    n = ap.parse_args().rows
    folder = Path(tempfile.mkdtemp(prefix="doisoat-readers-"))
    lines = [",".join(HEADER)] + [",".join(map(str, _row(i))).replace("Thôn 1, xã Yên Hòa", '"Thôn 1, xã Yên Hòa"')
                                  for i in range(1, n + 1)]
    (folder / "lf.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")
    (folder / "crlf.csv").write_text("\r\n".join(lines) + "\r\n", encoding="utf-8")
    book = xlsxwriter.Workbook(str(folder / "list.xlsx"), {"constant_memory": True})
    sheet = book.add_worksheet("DS")
    sheet.write_row(0, 0, HEADER)
    for i in range(1, n + 1):
        sheet.write_row(i, 0, _row(i))
    book.close()
    xlsx = folder / "list.xlsx"
    assert read_grids(xlsx)[0].cells.equals(_read_cell_by_cell(xlsx, None)[0].cells)
    print(f"{n:,} rows × {len(HEADER)} columns (best of 3)")
    print(f"CSV, LF line ends       {_best(lambda: read_grids(folder / 'lf.csv')):7.2f} s")
    print(f"CSV, CRLF line ends     {_best(lambda: read_grids(folder / 'crlf.csv')):7.2f} s")
    print(f"XLSX, calamine values   {_best(lambda: read_grids(xlsx)):7.2f} s")
    print(f"XLSX, openpyxl cells    {_best(lambda: _read_cell_by_cell(xlsx, None), runs=1):7.2f} s  (legacy fonts)")


if __name__ == "__main__":
    main()
