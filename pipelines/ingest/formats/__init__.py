"""Input formats: any office file → grids of text cells with their sheet rows (no headers, no fields).

- read: what a file is (by its bytes), refusals of what is not a spreadsheet, dispatch.
- grid: the ``Grid`` every reader returns, and cell values as an officer reads them.
- text: CSV/TSV/TXT in any encoding, delimiter sniffed; legacy-font columns decoded.
- xlsx, xls: workbooks, cell by cell with their fonts (legacy encodings) and merged ranges.
"""

from pipelines.ingest.formats.grid import SHEET_ROW, Grid, Merge, cell_text
from pipelines.ingest.formats.read import (
    EXCEL_SUFFIXES,
    TEXT_SUFFIXES,
    file_sha256,
    read_grid,
    read_grids,
)
from pipelines.ingest.formats.text import sniff_delimiter

__all__ = [
    "EXCEL_SUFFIXES", "Grid", "Merge", "SHEET_ROW", "TEXT_SUFFIXES", "cell_text", "file_sha256", "read_grid",
    "read_grids", "sniff_delimiter",
]
