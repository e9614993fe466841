"""XLSX/XLSM workbooks through openpyxl (read-only): cell values, cell fonts and merged ranges.

Cells in a legacy font (".VnTime", "VNI-Times") are decoded cell by cell from the font name.
"""

from __future__ import annotations

import re
import zipfile
from pathlib import Path

from contracts import InputFileError
from pipelines.ingest.encodings import decode_cell_by_font
from pipelines.ingest.formats.grid import (
    Grid,
    Merge,
    SheetRows,
    cell_text,
    grid_of_sheet,
)

_MERGE_RX = re.compile(rb'<(?:\w+:)?mergeCell\s+ref="([A-Z]+)([0-9]+)(?::([A-Z]+)([0-9]+))?"')


def _column_index(letters: bytes) -> int:
    n = 0
    for ch in letters:
        n = n * 26 + (ch - 64)
    return n - 1


def _xlsx_merges(ws) -> tuple[Merge, ...]:
    """Merged ranges of a read-only openpyxl sheet, from its XML (read-only sheets do not keep them)."""
    try:
        with ws._get_source() as src:  # noqa: SLF001 - openpyxl keeps no merges in read-only mode
            xml = src.read()
    except Exception:  # pragma: no cover - merges are a help, never a requirement
        return ()
    if xml.rfind(b"mergeCell") < 0:
        return ()
    merges = []
    for c0, r0, c1, r1 in _MERGE_RX.findall(xml, max(0, xml.rfind(b"sheetData>"))):
        merges.append((int(r0), int(r1 or r0), _column_index(c0), _column_index(c1 or c0)))
    return tuple(merges)


def read_xlsx(path: Path, sheet: str | None) -> list[Grid]:
    """A grid per sheet with a value (only ``sheet`` if given); InputFileError on a bad workbook."""
    import openpyxl  # imported here: 0.3 s, only needed for spreadsheets

    damaged = f"{path.name}: the workbook is damaged or incomplete; open it in Excel and save it again"
    try:
        book = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except zipfile.BadZipFile:
        raise InputFileError(damaged) from None
    except OSError:
        raise  # the file system's, not the workbook's: reading again may work
    except (KeyError, ValueError, TypeError, EOFError) as err:
        raise InputFileError(f"{path.name}: not a readable XLSX workbook ({type(err).__name__})") from None
    except Exception as err:  # openpyxl raises assorted errors on malformed XML
        raise InputFileError(f"{path.name}: not a readable XLSX workbook ({type(err).__name__})") from None
    try:
        if sheet is not None and sheet not in book.sheetnames:
            raise InputFileError(f"{path.name}: no sheet named {sheet!r}; sheets: {book.sheetnames}")
        sheets = [book[sheet]] if sheet is not None else list(book.worksheets)
        grids = []
        for ws in sheets:
            read = _xlsx_sheet(ws)
            if read.records:
                grids.append(grid_of_sheet(read))
        if not grids:
            where = f"sheet {sheet!r}" if sheet is not None else "the workbook"
            raise InputFileError(f"{path.name}: {where} has no rows")
        return grids
    except (zipfile.BadZipFile, EOFError, zipfile.LargeZipFile):
        raise InputFileError(damaged) from None
    except (InputFileError, OSError):
        raise
    except Exception as err:  # a damaged part inside a valid ZIP (bad XML, missing part)
        raise InputFileError(f"{path.name}: the workbook is damaged ({type(err).__name__}); open it in Excel and save it again") from None
    finally:
        book.close()


def _xlsx_sheet(ws) -> SheetRows:
    """Text of every non-empty row of a read-only sheet, legacy-font cells decoded."""
    if hasattr(ws, "reset_dimensions"):
        ws.reset_dimensions()  # some writers store a wrong <dimension>: read what is there
    records, rows = [], []
    for row_number, row in enumerate(ws.iter_rows(), start=1):
        values = []
        for cell in row:
            value = getattr(cell, "value", None)
            text = cell_text(value)
            if text is not None and isinstance(value, str):
                font = getattr(getattr(cell, "font", None), "name", None)
                text = decode_cell_by_font(text, font)
            values.append(text)
        while values and values[-1] is None:  # formatted empty cells up to column XFD
            values.pop()
        if values:
            records.append(values)
            rows.append(row_number)
    hidden = getattr(ws, "sheet_state", "visible") != "visible"
    return SheetRows(ws.title, records, rows, _xlsx_merges(ws) if records else (), hidden)
