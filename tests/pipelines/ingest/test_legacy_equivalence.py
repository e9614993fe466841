"""The same list read from a clean UTF-8 CSV and from each legacy form gives the same outcomes.

Through the real flow (Prefect, DuckDB): the generated commune's social-protection list is written
as UTF-8 CSV, Windows-1258 CSV, TCVN3 CSV, VNI CSV, UTF-16 tab-separated text (Excel's "Unicode
text"), an XLSX in ".VnTime" fonts with a title block and numeric IDs, and (with xlrd) an XLS of
2003 in the same fonts; every data row must end with the same outcome and resident.
"""

from __future__ import annotations

import codecs
import csv
import importlib.util
import io
from pathlib import Path

import duckdb
import polars as pl
import pytest
from _office_files import XlsCell, XlsSheet, write_xls, write_xlsx

from pipelines.flow import reconcile
from pipelines.ingest import SourceFile, ingest_file
from pipelines.ingest.encodings import encode_cp1258, encode_tcvn3, encode_vni, to_tcvn3_text

TITLE = [["UBND XÃ YÊN HÒA"], ["DANH SÁCH ĐỐI TƯỢNG BẢO TRỢ XÃ HỘI"], []]  # 3 rows above the header
ID_HEADER = "Số CMND/CCCD"


def _text(rows: list[list[str]], delimiter: str = ",") -> str:
    out = io.StringIO()
    csv.writer(out, delimiter=delimiter, lineterminator="\r\n").writerows(rows)
    return out.getvalue()


def _font_cells(rows: list[list[str]], id_col: int) -> list[list]:
    """Rows as a 2009 sheet holds them: text in TCVN3 as (text, ".VnTime") (".VnTimeH" for
    capitals), IDs as numbers (the leading 0 gone)."""
    cells = []
    for r, row in enumerate(rows):
        out = []
        for c, value in enumerate(row):
            if value == "":
                out.append(None)
            elif r > 0 and c == id_col and value.isdigit() and len(value) == 12:
                out.append(int(value))
            elif value.isascii():
                out.append(value)
            else:
                font = ".VnTimeH" if value.isupper() else ".VnTime"
                out.append((to_tcvn3_text(value), font))
        cells.append(out)
    return cells


def write_forms(source: Path, folder: Path) -> dict[str, tuple[Path, int]]:
    """Each form of the list → (path, rows above the header)."""
    rows = list(csv.reader(io.StringIO(source.read_text(encoding="utf-8"))))
    id_col = rows[0].index(ID_HEADER)
    text = _text(rows)
    forms: dict[str, tuple[Path, int]] = {}

    def put(name: str, data: bytes) -> None:
        (folder / name).write_bytes(data)
        forms[name.split(".")[0]] = (folder / name, 0)

    put("utf8.csv", text.encode("utf-8"))
    put("cp1258.csv", encode_cp1258(text))
    put("tcvn3.csv", encode_tcvn3(text))
    put("vni.csv", encode_vni(text))
    put("utf16.txt", codecs.BOM_UTF16_LE + _text(rows, "\t").encode("utf-16-le"))
    cells = _font_cells(rows, id_col)
    grid = TITLE + [[v[0] if isinstance(v, tuple) else v for v in row] for row in cells]
    fonts = {("DS", r + 1 + len(TITLE), c + 1): v[1] for r, row in enumerate(cells)
             for c, v in enumerate(row) if isinstance(v, tuple)}
    forms["vntime_xlsx"] = (write_xlsx(folder / "vntime.xlsx", {"DS": grid}, fonts=fonts), len(TITLE))
    if importlib.util.find_spec("xlrd") is not None:
        xls_rows = TITLE + [[XlsCell(v[0], v[1]) if isinstance(v, tuple) else v for v in row] for row in cells]
        forms["vntime_xls"] = (write_xls(folder / "vntime.xls", [XlsSheet("DS", xls_rows)]), len(TITLE))
    return forms


def outcomes(db: Path, offset: int) -> pl.DataFrame:
    con = duckdb.connect(str(db), read_only=True)
    try:
        frame = con.sql("SELECT source_row, outcome, residency_id FROM record_outcomes "
                        "WHERE sector = 'social_protection' ORDER BY source_row").pl()
    finally:
        con.close()
    return frame.with_columns(pl.col("source_row") - offset)


@pytest.mark.usefixtures("prefect_backend")
def test_every_legacy_form_gives_the_same_record_outcomes(small_commune, tmp_path):
    forms = write_forms(small_commune / "social_protection.csv", tmp_path)
    results = {}
    for name, (path, offset) in forms.items():
        db = tmp_path / f"{name}.duckdb"
        options = {"encodings": ["vni.csv=VNI-Windows"]} if name == "vni" else {}  # as --encoding would
        state = reconcile(residency=str(small_commune / "residency.csv"), sectors=[f"social_protection={path}"],
                          period="2026-11", db=str(db), out=str(tmp_path / f"out_{name}"), return_state=True, **options)
        assert state.is_completed(), state.message
        summary = state.result()
        assert summary.status == "succeeded" and not summary.warnings, (name, summary.failed_files, summary.warnings)
        results[name] = outcomes(db, offset)
        con = duckdb.connect(str(db), read_only=True)
        encoding = con.execute("SELECT encoding FROM source_files WHERE sector = 'social_protection'").fetchone()[0]
        con.close()
        assert encoding == {"utf8": "utf-8", "utf16": "utf-16", "vni": "vni"}.get(name, None if "_" in name else name)
    clean = results.pop("utf8")
    rows = pl.read_csv(small_commune / "social_protection.csv", infer_schema=False).height
    assert clean.height == rows and clean["outcome"].is_in(["matched", "review"]).mean() > 0.8
    for name, got in results.items():
        assert got.equals(clean), name


def test_every_legacy_form_reads_the_same_names_dates_and_ids(small_commune, tmp_path):
    """Outcomes could hide a misread name behind a matching ID: compare the parsed fields too."""
    forms = write_forms(small_commune / "social_protection.csv", tmp_path)
    fields = ["full_name", "birth_date", "birth_date_precision", "gender", "person_id", "old_id",
              "address", "allowance_category"]

    def read(name: str) -> pl.DataFrame:
        path, offset = forms[name]
        records = ingest_file(SourceFile("social_protection", path)).records
        return records.select(pl.col("source_row") - offset, *fields)

    clean = read("utf8")
    for name in forms:
        got = read(name)
        if "tcvn3" in name or "vntime" in name:  # TCVN3 has no capital toned letters (.VnTime cells)
            lower = [pl.col(c).str.to_lowercase() for c in ("full_name", "address", "allowance_category")]
            assert got.with_columns(lower).equals(clean.with_columns(lower)), name
        else:
            assert got.equals(clean), name
