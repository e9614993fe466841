"""XLSX/XLSM workbooks: values through calamine (``xlsx_values``), or, when the workbook uses a legacy
font, cell by cell through openpyxl (read-only) with each cell's font and the merged ranges.

Cells in a legacy font (".VnTime", "VNI-Times") are decoded cell by cell from the font name.
"""

from __future__ import annotations

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
from pipelines.ingest.formats.xlsx_values import (
    merges_of,
    read_values,
    uses_legacy_fonts,
)


def _xlsx_merges(ws) -> tuple[Merge, ...]:
    """Merged ranges of a read-only openpyxl sheet, from its XML (read-only sheets do not keep them)."""
    try:
        with ws._get_source() as src:  # noqa: SLF001 - openpyxl keeps no merges in read-only mode
            xml = src.read()
    except Exception:  # pragma: no cover - merges are a help, never a requirement
        return ()
    return merges_of(xml)


def read_xlsx(path: Path, sheet: str | None) -> list[Grid]:
    """A grid per sheet with a value (only ``sheet`` if given); InputFileError on a bad workbook."""
    try:
        with zipfile.ZipFile(path) as book:
            grids = None if uses_legacy_fonts(book) else read_values(path, book, sheet)
            if grids:
                return grids  # else openpyxl reads it, or says what is wrong (no such sheet, no rows)
    except (zipfile.BadZipFile, KeyError, EOFError, ValueError, zipfile.LargeZipFile):
        pass  # openpyxl below says what is wrong
    return _read_cell_by_cell(path, sheet)


def _read_cell_by_cell(path: Path, sheet: str | None) -> list[Grid]:
    """openpyxl, every cell with its font: legacy-encoded text decoded (and the refusals of bad workbooks)."""
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
