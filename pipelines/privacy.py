"""Personal data stays where it belongs: private files, and no ID numbers in Prefect's logs.

- ``private_files()``: files created inside the block are readable by their owner only (umask 077);
  ``make_private(paths)`` tightens files that already exist (a database made by an older version).
- ``install_redaction()``: a safety net on Prefect's run loggers (which also ship to the server):
  any run of 9–12 digits in a message or a traceback becomes ``<ID>``. The code itself logs counts,
  file names and row numbers only, and its exceptions name a file, a row and a column, never a value.
- ``hide_values``: a stage's unexpected exception (a library error may quote the values it choked
  on) is replaced by one naming only its type and the line where it happened.
"""

from __future__ import annotations

import functools
import logging
import os
import re
import traceback
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from contracts import DoisoatError

OUR_PACKAGES = ("pipelines", "matchers", "contracts")
PRIVATE_UMASK = 0o077
PRIVATE_FILE = 0o600  # outputs hold personal data: readable and writable by their owner only
RUN_LOGGERS = ("prefect.flow_runs", "prefect.task_runs")


@contextmanager
def private_files() -> Iterator[None]:
    """Create files readable by their owner only (umask 077) for the block."""
    old = os.umask(PRIVATE_UMASK)
    try:
        yield
    finally:
        os.umask(old)


def make_private(*paths: Path) -> None:
    """chmod 600 the files that exist."""
    for path in paths:
        try:
            if Path(path).is_file():
                os.chmod(path, PRIVATE_FILE)
        except OSError:
            pass


def write_private(path: Path, data: bytes) -> Path:
    """Write bytes to ``path``, readable and writable by the owner only, from the first byte."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, PRIVATE_FILE)
    try:
        os.fchmod(fd, PRIVATE_FILE)
        with os.fdopen(fd, "wb", closefd=False) as fh:
            fh.write(data)
    finally:
        os.close(fd)
    return path


class RedactIds(logging.Filter):
    """Replace runs of 9–12 digits (personal IDs, CMND) by ``<ID>``, tracebacks included."""

    RX = re.compile(r"(?<!\d)\d{9,12}(?!\d)")

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        if record.exc_info:
            message += "\n" + "".join(traceback.format_exception(*record.exc_info))
            record.exc_info = record.exc_text = None
        record.msg, record.args = self.RX.sub("<ID>", message), ()
        return True


def install_redaction() -> None:
    """Add the ``RedactIds`` filter to Prefect's run loggers (once)."""
    for name in RUN_LOGGERS:
        logger = logging.getLogger(name)
        if not any(isinstance(f, RedactIds) for f in logger.filters):
            logger.addFilter(RedactIds())


class HiddenError(DoisoatError):
    """An unexpected error inside a stage, re-raised without its text (which may quote data values)."""


def _where(tb) -> str:
    """``file.py:line`` of the innermost frame in our own packages (no values)."""
    where = "?"
    while tb is not None:
        name = tb.tb_frame.f_code.co_filename
        if any(f"{os.sep}{pkg}{os.sep}" in name for pkg in OUR_PACKAGES):
            where = f"{Path(name).name}:{tb.tb_lineno}"
        tb = tb.tb_next
    return where


def hide_values(fn: Callable) -> Callable:
    """Let DoisoatError (one-line, value-free messages) and OSError (a path; retried) through;
    turn any other exception into a HiddenError naming its type and where it happened, because
    its text may quote personal data and Prefect stores task state messages and tracebacks.
    Set DOISOAT_SHOW_ERRORS=1 to see the original error when debugging on test data."""

    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        try:
            return fn(*args, **kwargs)
        except (DoisoatError, OSError):
            raise
        except Exception as err:
            if os.environ.get("DOISOAT_SHOW_ERRORS") == "1":
                raise
            raise HiddenError(f"{fn.__name__}: unexpected {type(err).__name__} at {_where(err.__traceback__)} "
                              "(its text is not shown: it may hold personal data)") from None

    return wrapper
