"""The one exception family of doisoat. Messages name file, row and column, never a value."""


class DoisoatError(Exception):
    """Base class: something that stops a run or a file, with a one-line reason."""


class InputFileError(DoisoatError):
    """A source file could not be read or mapped (empty, not a spreadsheet, unknown headers)."""


class SourceUnavailable(InputFileError):
    """A source file could not be read just now (missing, an I/O error, still being written);
    reading it again later may work, so a run retries it before giving up on it."""


class ConfigError(DoisoatError):
    """Bad command-line or configuration input."""
