"""Ingest: every input file → its rows in canonical fields, with lineage to file and sheet row.

- sources: ``SourceFile`` (which source, where, how to read it) and the options that set it:
  ``--sector NAME=PATH``, ``--encoding``, ``--sheet`` and the ``--mapping`` TOML file.
- formats: what a file is and its grids of text cells (CSV/TSV/TXT, XLSX, XLS), with
  ``encodings`` for TCVN3 / VNI / Windows-1258.
- layout: the header among title rows (two-row and merged headers, number rows), data rows,
  footers.
- canonical: mapped columns renamed to canonical fields and values parsed.
- file: ``ingest_file(src)``, the stage's one entry point, and the refusals of a file.
"""

from pipelines.ingest.canonical import source_fields
from pipelines.ingest.file import Ingested, ingest_file
from pipelines.ingest.formats import file_sha256, read_grid, read_grids
from pipelines.ingest.sources import (
    KNOWN_FIELDS,
    SourceFile,
    configure_sources,
    load_mapping,
    parse_path_options,
    parse_sector_arg,
    path_matches,
)

__all__ = [
    "Ingested", "KNOWN_FIELDS", "SourceFile", "configure_sources", "file_sha256", "ingest_file", "load_mapping",
    "parse_path_options", "parse_sector_arg", "path_matches", "read_grid", "read_grids", "source_fields",
]
