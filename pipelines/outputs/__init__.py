"""Outputs: what a run leaves for people, made from the database so it can be made again.

- publish: ``prepare_run`` (findings' status from earlier runs and answers) and ``publish``
  (every file of a run: CSVs, correction lists, the report), ``latest_run``.
- correction_lists: one XLSX per sector (and commune) in Vietnamese, with the answer drop-down.
- responses: officers' answers read back from returned correction lists; fixed findings.
- report: the monthly HTML report (self-contained, with ``_svg`` charts).
"""

from pipelines.outputs.correction_lists import (
    KEY_HEADER,
    LIST_SHEET,
    META_SHEET,
    REASON_HEADER,
    RESPONSE_HEADER,
    RESPONSES,
    list_file_name,
    write_correction_lists,
)
from pipelines.outputs.publish import Published, latest_run, prepare_run, publish
from pipelines.outputs.report import report_file_name, write_report
from pipelines.outputs.responses import (
    ResponseSummary,
    read_response_file,
    record_responses,
)

__all__ = [
    "KEY_HEADER", "LIST_SHEET", "META_SHEET", "Published", "REASON_HEADER", "RESPONSES", "RESPONSE_HEADER",
    "ResponseSummary", "latest_run", "list_file_name", "prepare_run", "publish", "read_response_file",
    "record_responses", "report_file_name", "write_correction_lists", "write_report",
]
