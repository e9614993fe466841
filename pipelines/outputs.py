"""Files a run leaves in its output folder: a summary and, per sector, that sector's findings only."""

from __future__ import annotations

import os
from pathlib import Path

import polars as pl

from pipelines.store import RunOutput

PRIVATE = 0o600  # outputs hold personal data: readable by their owner only


def _private(path: Path) -> Path:
    os.chmod(path, PRIVATE)
    return path


def write_out_dir(out: Path, run: RunOutput) -> list[Path]:
    """Write ``<sector>_discrepancies.csv`` per sector (UTF-8 with BOM, for Excel) and return the paths."""
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    written: list[Path] = []
    findings = run.tables.get("discrepancies", pl.DataFrame())
    if findings.is_empty():
        return written
    for sector in findings["sector"].unique(maintain_order=True).to_list():
        rows = findings.filter(pl.col("sector") == sector).drop("sector")
        path = out / f"{sector}_discrepancies.csv"
        rows.write_csv(path, include_bom=True)
        written.append(_private(path))
    return written
