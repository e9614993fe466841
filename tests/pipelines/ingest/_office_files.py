"""Build office files byte by byte for the reader tests: legacy-encoded text, XLSX, and XLS.

``xls_bytes`` writes a real Excel 97–2003 workbook: BIFF8 records (BOF, CODEPAGE, FONT, XF,
BOUNDSHEET, DIMENSIONS, LABEL, NUMBER, MERGEDCELLS, EOF) in the "Workbook" stream of an OLE2
compound file, as Excel writes them (strings as LABEL records rather than a shared string table).
"""

from __future__ import annotations

import datetime as dt
import struct
from dataclasses import dataclass, field
from pathlib import Path

# ------------------------------------------------------------------------------ XLS (BIFF8)


@dataclass
class XlsCell:
    value: str | float | int | dt.date
    font: str = "Arial"


@dataclass
class XlsSheet:
    name: str
    rows: list[list[XlsCell | str | float | int | dt.date | None]]
    merges: list[tuple[int, int, int, int]] = field(default_factory=list)  # 0-based r0, r1, c0, c1
    hidden: bool = False


def _record(rtype: int, data: bytes) -> bytes:
    assert len(data) <= 8224
    return struct.pack("<HH", rtype, len(data)) + data


def _bof(kind: int) -> bytes:
    return _record(0x0809, struct.pack("<HHHHII", 0x0600, kind, 0x0DBB, 0x07CC, 0, 0x06))


def _short_unicode(text: str) -> bytes:
    return struct.pack("<BB", len(text), 1) + text.encode("utf-16-le")


def _excel_serial(day: dt.date) -> float:
    if isinstance(day, dt.datetime):
        return (day - dt.datetime(1899, 12, 30)).total_seconds() / 86400
    return float((day - dt.date(1899, 12, 30)).days)


def xls_bytes(sheets: list[XlsSheet]) -> bytes:
    """A .xls workbook holding ``sheets`` (text cells in their font, numbers, dates)."""
    cells = []
    for sheet in sheets:
        grid = []
        for row in sheet.rows:
            grid.append([c if isinstance(c, XlsCell) or c is None else XlsCell(c) for c in row])
        cells.append(grid)
    fonts = ["Arial"] * 4
    for grid in cells:
        for row in grid:
            for c in row:
                if c is not None and c.font not in fonts:
                    fonts.append(c.font)
    # XF 0 is the default style; then one cell XF per (font, number format) used.
    xf_keys: list[tuple[int, int]] = []

    def font_index(name: str) -> int:
        i = fonts.index(name)
        return i if i < 4 else i + 1  # Excel skips font index 4

    def xf_of(cell: XlsCell) -> int:
        fmt = 14 if isinstance(cell.value, dt.date) else 0
        key = (font_index(cell.font), fmt)
        if key not in xf_keys:
            xf_keys.append(key)
        return 1 + xf_keys.index(key)

    bodies = []
    for sheet, grid in zip(sheets, cells):
        out = []
        last_row = max(len(grid) - 1, 0)
        last_col = max((len(r) for r in grid), default=1) - 1
        out.append(_record(0x0200, struct.pack("<IIHHH", 0, last_row + 1, 0, last_col + 1, 0)))
        for r, row in enumerate(grid):
            for c, cell in enumerate(row):
                if cell is None:
                    continue
                xf = xf_of(cell)
                v = cell.value
                if isinstance(v, str):
                    data = struct.pack("<HHH", r, c, xf) + struct.pack("<HB", len(v), 1) + v.encode("utf-16-le")
                    out.append(_record(0x0204, data))
                else:
                    number = _excel_serial(v) if isinstance(v, dt.date) else float(v)
                    out.append(_record(0x0203, struct.pack("<HHHd", r, c, xf, number)))
        if sheet.merges:
            data = struct.pack("<H", len(sheet.merges)) + b"".join(
                struct.pack("<HHHH", r0, r1, c0, c1) for r0, r1, c0, c1 in sheet.merges)
            out.append(_record(0x00E5, data))
        bodies.append(b"".join(out))

    head = [_bof(0x0005), _record(0x0042, struct.pack("<H", 1200)), _record(0x0022, struct.pack("<H", 0))]
    for name in fonts:
        data = struct.pack("<HHHHHBBBB", 200, 0, 0x7FFF, 400, 0, 0, 0, 0, 0) + _short_unicode(name)
        head.append(_record(0x0031, data))
    xf_records = [(0, 0, 0xFFF5)] + [(fi, fmt, 0x0001) for fi, fmt in xf_keys]
    for fi, fmt, type_par in xf_records:
        head.append(_record(0x00E0, struct.pack("<HHHBBBBIiH", fi, fmt, type_par, 0x20, 0, 0, 0, 0, 0, 0x20C0)))
    boundsheet_sizes = [4 + 6 + 2 + 2 * len(s.name) for s in sheets]
    globals_len = sum(map(len, head)) + sum(boundsheet_sizes) + 4  # + EOF
    sheet_streams = [_bof(0x0010) + body + _record(0x000A, b"") for body in bodies]
    offset = globals_len
    for sheet, stream in zip(sheets, sheet_streams):
        head.append(_record(0x0085, struct.pack("<IBB", offset, 1 if sheet.hidden else 0, 0) + _short_unicode(sheet.name)))
        offset += len(stream)
    head.append(_record(0x000A, b""))
    workbook = b"".join(head) + b"".join(sheet_streams)
    assert len(b"".join(head)) == globals_len
    return ole2(workbook)


def ole2(stream: bytes, name: str = "Workbook") -> bytes:
    """An OLE2 compound file (v3, 512-byte sectors) holding one stream."""
    stream = stream + b"\x00" * (max(4096, -(-len(stream) // 512) * 512) - len(stream))
    n_stream = len(stream) // 512
    n_fat = 1
    while n_fat * 128 < n_fat + 1 + n_stream:
        n_fat += 1
    assert n_fat <= 109
    dir_sector = n_fat
    first = n_fat + 1
    fat = [-3] * n_fat + [-2] + [first + i + 1 for i in range(n_stream - 1)] + [-2]
    fat += [-1] * (n_fat * 128 - len(fat))
    header = (
        b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 16
        + struct.pack("<HHHHH", 0x3E, 3, 0xFFFE, 9, 6) + b"\x00" * 6
        + struct.pack("<IIIIIiIiI", 0, n_fat, dir_sector, 0, 4096, -2, 0, -2, 0)
        + struct.pack("<109i", *(list(range(n_fat)) + [-1] * (109 - n_fat)))
    )
    assert len(header) == 512

    def entry(entry_name: str, kind: int, child: int, start: int, size: int) -> bytes:
        raw = (entry_name + "\x00").encode("utf-16-le") if entry_name else b""
        return (raw.ljust(64, b"\x00") + struct.pack("<HBBiii", len(raw), kind, 1, -1, -1, child)
                + b"\x00" * 16 + struct.pack("<I", 0) + b"\x00" * 16 + struct.pack("<iII", start, size, 0))

    directory = (entry("Root Entry", 5, 1, -2, 0) + entry(name, 2, -1, first, len(stream))
                 + entry("", 0, -1, 0, 0) * 2)
    assert len(directory) == 512
    return header + struct.pack(f"<{len(fat)}i", *fat) + directory + stream


def write_xls(path: Path, sheets: list[XlsSheet]) -> Path:
    path.write_bytes(xls_bytes(sheets))
    return path


# ------------------------------------------------------------------------------ XLSX


def write_xlsx(path: Path, sheets: dict[str, list[list]], *, fonts: dict[tuple[str, int, int], str] | None = None,
               merges: dict[str, list[str]] | None = None, hidden: tuple[str, ...] = ()) -> Path:
    """An XLSX through openpyxl: ``sheets`` name → rows of values (None = empty cell);
    ``fonts`` (sheet, 1-based row, 1-based column) → font name; ``merges`` sheet → ["A1:D1", …]."""
    import openpyxl
    from openpyxl.styles import Font

    book = openpyxl.Workbook()
    book.remove(book.active)
    for name, rows in sheets.items():
        ws = book.create_sheet(name)
        for r, row in enumerate(rows, start=1):
            for c, value in enumerate(row, start=1):
                if value is not None:
                    ws.cell(r, c, value)
        for ref in (merges or {}).get(name, []):
            ws.merge_cells(ref)
        if name in hidden:
            ws.sheet_state = "hidden"
    for (name, r, c), font in (fonts or {}).items():
        book[name].cell(r, c).font = Font(name=font)
    book.save(path)
    return path
