"""What a file is, and which format reader reads it: ``read_grids(path)`` → one grid per sheet.

What a file is comes from its bytes, not its name: a ZIP is read as XLSX, an OLE2 compound file
as XLS, anything else as text (".xls" files that are really tab-separated text are common).
A new input format is one module beside this one and one branch in ``read_grids``.
"""

from __future__ import annotations

import errno
import hashlib
from pathlib import Path

from contracts import InputFileError, SourceUnavailable
from pipelines.ingest.formats.grid import Grid
from pipelines.ingest.formats.text import read_text
from pipelines.ingest.formats.xlsx import read_xlsx

TEXT_SUFFIXES = (".csv", ".tsv", ".txt")
EXCEL_SUFFIXES = (".xlsx", ".xlsm", ".xls")

ZIP_MAGIC = b"PK\x03\x04"
OLE2_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
# An encrypted (password-protected) XLSX is an OLE2 file holding this stream.
_ENCRYPTED_STREAM = "EncryptedPackage".encode("utf-16-le")


def file_sha256(path: Path) -> str | None:
    """SHA-256 of a file's bytes (hex), read in 1 MiB chunks; None when it cannot be read."""
    try:
        digest = hashlib.sha256()
        with open(path, "rb") as fh:
            for chunk in iter(lambda: fh.read(1 << 20), b""):
                digest.update(chunk)
        return digest.hexdigest()
    except OSError:
        return None


def read_grid(path: Path, *, encoding: str | None = None, sheet: str | None = None) -> Grid:
    """The first sheet (or the named one) of ``path``; InputFileError with a one-line reason."""
    return read_grids(path, encoding=encoding, sheet=sheet)[0]


def read_grids(path: Path, *, encoding: str | None = None, sheet: str | None = None) -> list[Grid]:
    """Every sheet of a workbook that holds a value (only ``sheet`` if given); a text file gives one.

    Raises InputFileError naming the file and what is wrong: empty, not a spreadsheet, damaged or
    truncated workbook, password-protected, no sheet of that name, no rows; SourceUnavailable
    when reading again later may work: missing (a share not mounted yet), an I/O error, or a
    file that changed while it was read (still being copied).
    """
    path = Path(path)
    try:
        before = _signature(path)
        if before is None:
            raise SourceUnavailable(f"{path.name}: file not found")
        grids = _read(path, encoding, sheet)
        if _signature(path) != before:
            raise SourceUnavailable(f"{path.name}: the file changed while it was read (is it still being copied?)")
        return grids
    except OSError as err:
        reason = errno.errorcode.get(err.errno, type(err).__name__) if err.errno else type(err).__name__
        raise SourceUnavailable(f"{path.name}: could not be read ({reason})") from None


def _signature(path: Path) -> tuple[int, int] | None:
    """(size, modification time) of a file, None when there is none."""
    try:
        st = path.stat()
    except FileNotFoundError:
        return None
    return st.st_size, st.st_mtime_ns


def _read(path: Path, encoding: str | None, sheet: str | None) -> list[Grid]:
    if path.is_dir():
        raise InputFileError(f"{path.name}: is a folder, not a file")
    if path.stat().st_size == 0:
        raise InputFileError(f"{path.name}: the file is empty")
    suffix = path.suffix.lower()
    if suffix not in TEXT_SUFFIXES + EXCEL_SUFFIXES:
        raise InputFileError(
            f"{path.name}: unsupported file type {suffix or '(none)'}; "
            f"expected one of {', '.join(TEXT_SUFFIXES + EXCEL_SUFFIXES)}"
        )
    with open(path, "rb") as fh:
        head = fh.read(8)
    if head.startswith(ZIP_MAGIC):
        return read_xlsx(path, sheet)
    if head.startswith(OLE2_MAGIC):
        data = path.read_bytes()
        if _ENCRYPTED_STREAM in data:
            raise InputFileError(f"{path.name}: the workbook is password-protected; save a copy without a password")
        from pipelines.ingest.formats.xls import read_xls  # needs xlrd

        return read_xls(path, sheet)
    return [read_text(path, encoding)]
