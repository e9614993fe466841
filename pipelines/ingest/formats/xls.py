"""Old Excel 97–2003 workbooks (.xls, BIFF8) through xlrd, with cell fonts for legacy encodings.

``formatting_info=True`` gives each cell's font, so a ".VnTime" cell is decoded as TCVN3 and a
"VNI-Times" cell as VNI, exactly as in XLSX files. Merged ranges come with it.
"""

from __future__ import annotations

import io
from pathlib import Path

from contracts import InputFileError
from pipelines.ingest.encodings import decode_cell_by_font
from pipelines.ingest.formats.grid import Grid, SheetRows, cell_text, grid_of_sheet


def read_xls(path: Path, sheet: str | None = None) -> list[Grid]:
    """Every sheet with a value (or only ``sheet``) of an .xls file; InputFileError on bad input."""
    try:
        import xlrd
    except ModuleNotFoundError:
        raise InputFileError(
            f"{path.name}: reading .xls files needs the xlrd package, which is not installed; "
            "save the file as .xlsx"
        ) from None
    try:
        book = xlrd.open_workbook(str(path), formatting_info=True, on_demand=True, logfile=io.StringIO())
    except OSError:
        raise
    except Exception as err:  # xlrd raises XLRDError, CompDocError, struct.error, IndexError…
        raise InputFileError(
            f"{path.name}: the .xls workbook is damaged or incomplete ({type(err).__name__}); "
            "open it in Excel and save it again"
        ) from None
    try:
        names = book.sheet_names()
        if sheet is not None and sheet not in names:
            raise InputFileError(f"{path.name}: no sheet named {sheet!r}; sheets: {names}")
        out = []
        for name in [sheet] if sheet is not None else names:
            read = _sheet(book, book.sheet_by_name(name), xlrd)
            if read.records:
                out.append(grid_of_sheet(read))
        if not out:
            where = f"sheet {sheet!r}" if sheet is not None else "the workbook"
            raise InputFileError(f"{path.name}: {where} has no rows")
        return out
    except (InputFileError, OSError):
        raise
    except Exception as err:
        raise InputFileError(
            f"{path.name}: the .xls workbook is damaged ({type(err).__name__}); open it in Excel and save it again"
        ) from None
    finally:
        book.release_resources()


def _sheet(book, sh, xlrd) -> SheetRows:
    fonts = book.font_list
    xfs = book.xf_list
    records, rows = [], []
    for r in range(sh.nrows):
        values: list[str | None] = []
        for c, cell in enumerate(sh.row(r)):
            kind = cell.ctype
            if kind == xlrd.XL_CELL_TEXT:
                text = cell_text(cell.value)
                if text is not None:
                    xf = sh.cell_xf_index(r, c)
                    font = fonts[xfs[xf].font_index].name if 0 <= xf < len(xfs) else None
                    text = decode_cell_by_font(text, font)
            elif kind == xlrd.XL_CELL_DATE:
                try:
                    text = cell_text(xlrd.xldate.xldate_as_datetime(cell.value, book.datemode))
                except (ValueError, OverflowError, xlrd.xldate.XLDateError):
                    text = cell_text(cell.value)  # the serial, left for the date parser to judge
            elif kind == xlrd.XL_CELL_NUMBER:
                text = cell_text(float(cell.value))
            elif kind == xlrd.XL_CELL_BOOLEAN:
                text = cell_text(bool(cell.value))
            else:  # empty, blank, error
                text = None
            values.append(text)
        while values and values[-1] is None:
            values.pop()
        if values:
            records.append(values)
            rows.append(r + 1)
    merges = tuple((rlo + 1, rhi, clo, chi - 1) for rlo, rhi, clo, chi in sh.merged_cells)
    return SheetRows(sh.name, records, rows, merges, hidden=sh.visibility != 0)
