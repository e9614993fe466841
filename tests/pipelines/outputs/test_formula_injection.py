"""List values that a spreadsheet would run as formulas come out as text, in CSVs and in XLSX lists."""

from __future__ import annotations

import csv
import io
import shutil

import openpyxl
import polars as pl
import pytest

from pipelines.evaluate import run_without_prefect
from pipelines.outputs.correction_lists import write_correction_lists
from pipelines.outputs.publish import FORMULA_STARTS, csv_bytes, neutralised

# Values as they may arrive in a list; the contract rejects some (they never reach an output), the others
# must reach the officer as text.
HOSTILE = ['=HYPERLINK("http://evil.example/x","Lê Văn An")', "-Lê Văn An", "+Trần Văn Bình", "=Ngô Văn Cường",
           "@Đỗ Thị Dung", "-2+3"]


@pytest.mark.parametrize(("value", "expected"), [
    ('=HYPERLINK("http://x")', '\'=HYPERLINK("http://x")'), ("+1+1", "'+1+1"), ("-2", "'-2"), ("@SUM(A1)", "'@SUM(A1)"),
    ("\tx", "'\tx"), ("\rx", "'\rx"), ("Lê Văn An", "Lê Văn An"), ("a=b", "a=b"), (None, None),
])
def test_neutralised_prefixes_formula_starts_only(value, expected):
    frame = pl.DataFrame({"text": [value], "number": [-1]}, schema={"text": pl.String, "number": pl.Int64})
    out = neutralised(frame)
    assert out["text"].to_list() == [expected]
    assert out["number"].to_list() == [-1]


@pytest.fixture(scope="module")
def hostile_findings(small_commune, tmp_path_factory):
    folder = tmp_path_factory.mktemp("hostile")
    for path in small_commune.iterdir():
        if path.name.startswith(("residency", "social_protection")):
            shutil.copy(path, folder / path.name)
    with open(folder / "social_protection.csv", "a", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh)
        for i, value in enumerate(HOSTILE):
            writer.writerow([900 + i, value, "1950", "Nam", "", "Thôn 1", "Người cao tuổi", "500.000"])
    findings = run_without_prefect(folder).findings
    assert findings.filter(pl.col("listed_name").is_in(HOSTILE)).height, "a hostile row should reach the list"
    return findings.with_columns(pl.lit("new").alias("status"))


def test_discrepancy_csv_holds_no_live_formula(hostile_findings):
    rows = hostile_findings.filter(pl.col("sector") == "social_protection").drop("sector")
    text = csv_bytes(rows).decode("utf-8-sig")
    cells = [cell for record in csv.reader(io.StringIO(text, newline="")) for cell in record]
    assert cells, "the CSV is empty"
    assert not [c for c in cells if c.startswith(FORMULA_STARTS)]
    assert "'-Lê Văn An" in cells


def test_xlsx_list_stores_hostile_text_as_strings(hostile_findings, tmp_path):
    paths = write_correction_lists(tmp_path, hostile_findings, "00000000-0000-0000-0000-000000000009", "2026-11")
    book = openpyxl.load_workbook(next(p for p in paths if "social_protection" in p.name or "bao_tro" in p.name))
    cells = [c for ws in book.worksheets for row in ws.iter_rows() for c in row if c.value is not None]
    hostile = [c for c in cells if isinstance(c.value, str) and c.value.lstrip("\t\r").startswith(("=", "+", "-", "@"))]
    assert hostile, "the hostile names should be on the list"
    assert all(c.data_type == "s" for c in hostile)
    assert not [c for c in cells if c.data_type == "f"]
