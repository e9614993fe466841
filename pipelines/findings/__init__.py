"""Findings: for each sector row, what an officer must correct, worded in Vietnamese.

- catalog: every finding kind (severity, Vietnamese problem and action), sector labels.
- base: the finding columns and the helpers every detector builds on.
- matched: differences between a matched row and its resident (name, birth date, gender, ID).
- rows: row findings of one list (not found, uncertain, duplicates, another resident's ID).
- cross_sector: findings that need every sector (deaths, extract less precise than the lists).
- reconcile: runs the detectors of a sector and finishes the findings (row as listed, commune,
  wording, stable ``finding_id``).
"""

from pipelines.findings.catalog import (
    CATALOG,
    FIELD_VI,
    RULE_TEXT,
    SECTOR_VI,
    SEVERITIES,
    SEVERITY_VI,
    SHORT_VI,
    severity_rank,
)
from pipelines.findings.reconcile import (
    COLUMNS,
    FINISHED_COLUMNS,
    commune_codes,
    cross_sector_findings,
    discrepancies,
    empty_findings,
    finding_key,
    finish_findings,
    sector_rows,
)

__all__ = [
    "CATALOG", "COLUMNS", "FIELD_VI", "FINISHED_COLUMNS", "RULE_TEXT", "SECTOR_VI", "SEVERITIES", "SEVERITY_VI",
    "SHORT_VI", "commune_codes", "cross_sector_findings", "discrepancies", "empty_findings", "finding_key",
    "finish_findings", "sector_rows", "severity_rank",
]
