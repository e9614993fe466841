"""The response round trip: a run, officers answer in the returned XLSX, `doisoat responses`, a
second run that knows what was fixed, is still open or was declined, although the office saved
the list under a new name and in another order (answers follow the person, not the row)."""

import os
import shutil
import subprocess
import sys

import duckdb
import openpyxl
import polars as pl
import pytest

from contracts.fields import SECTORS
from pipelines.flow import reconcile
from pipelines.outputs.correction_lists import KEY_HEADER, REASON_HEADER, RESPONSE_HEADER, list_file_name
from pipelines.outputs.responses import read_response_file

pytestmark = pytest.mark.usefixtures("prefect_backend")
SECTOR = "social_insurance"


def _run(folder, db, out, period):
    sectors = [f"{name}={p}" for name in SECTORS for p in sorted(folder.glob(f"{name}*.*"))]
    state = reconcile(residency=str(folder / "residency.csv"), sectors=sectors, period=period, db=str(db), out=str(out),
                      return_state=True)
    assert state.is_completed(), state.message
    return state.result()


def _answer(path, answers: dict[str, tuple[str, str | None]]) -> None:
    """Fill "Kết quả xử lý" (and the reason) for the rows with these keys, as an officer would."""
    wb = openpyxl.load_workbook(path)
    ws = wb["Danh sách"]
    header_row = next(r for r in ws.iter_rows(max_row=30) if any(c.value == KEY_HEADER for c in r))
    cols = {c.value: c.column for c in header_row}
    for row in ws.iter_rows(min_row=header_row[0].row + 1):
        key = row[cols[KEY_HEADER] - 1].value
        if key in answers:
            text, reason = answers[key]
            ws.cell(row[0].row, cols[RESPONSE_HEADER], text)
            ws.cell(row[0].row, cols[REASON_HEADER], reason)
    wb.save(path)


def _findings(db, run_id) -> pl.DataFrame:
    con = duckdb.connect(str(db), read_only=True)
    try:
        return con.sql("SELECT * FROM discrepancies WHERE run_id = ?", params=[run_id]).pl()
    finally:
        con.close()


@pytest.fixture(scope="module")
def round_trip(small_commune, tmp_path_factory):
    base = tmp_path_factory.mktemp("round_trip")
    folder = base / "commune"
    shutil.copytree(small_commune, folder)
    db = base / "doisoat.duckdb"
    first = _run(folder, db, base / "out1", "2026-10")
    found = _findings(db, first.run_id).filter(pl.col("sector") == SECTOR).sort("source_row")

    def pick(kind, n=0):
        return found.filter(pl.col("kind") == kind).row(n, named=True)

    chosen = {
        "fixed_claimed": pick("missing_diacritics", 0),   # answered "fixed" but not fixed
        "fixed_really": pick("missing_diacritics", 1),    # the source file is corrected
        "declined": pick("less_precise", 0),              # declined with a reason, data unchanged
        "declined_changed": pick("less_precise", 1),      # declined with a reason, then the row changes
        "unknown": pick("different", 0),                  # "could not determine"
        "no_reason": pick("missing", 0),                  # declined without a reason
    }
    sheet = base / "out1" / list_file_name(SECTOR, "2026-10")
    _answer(sheet, {
        chosen["fixed_claimed"]["finding_id"]: ("Đã sửa", None),
        chosen["declined"]["finding_id"]: ("Không sửa – ghi lý do", "Giấy khai sinh chỉ ghi năm sinh"),
        chosen["declined_changed"]["finding_id"]: ("Không sửa – ghi lý do", "Chờ xác minh"),
        chosen["unknown"]["finding_id"]: ("Không xác định được", None),
        chosen["no_reason"]["finding_id"]: ("Không sửa – ghi lý do", None),
    })
    env = {**os.environ}
    responses = subprocess.run([sys.executable, "-m", "pipelines.cli", "responses", "--db", str(db), str(sheet)],
                               capture_output=True, text=True, env=env, timeout=120)
    again = subprocess.run([sys.executable, "-m", "pipelines.cli", "responses", "--db", str(db), str(sheet)],
                           capture_output=True, text=True, env=env, timeout=120)
    # The officer corrects one row in the source file; another declined row changes its value.
    path = folder / f"{SECTOR}.csv"
    rows = pl.read_csv(path, infer_schema=False)
    fix = chosen["fixed_really"]
    changed = chosen["declined_changed"]
    rows = rows.with_row_index("_i").with_columns(
        pl.when(pl.col("_i") == fix["source_row"] - 2).then(pl.lit(fix["suggested_value"])).otherwise(pl.col("Họ và tên"))
        .alias("Họ và tên"),
        pl.when(pl.col("_i") == changed["source_row"] - 2).then(pl.lit("01/01/") + pl.col("Ngày sinh").str.slice(-4))
        .otherwise(pl.col("Ngày sinh")).alias("Ngày sinh"),
    ).drop("_i")
    # … and saves the month's list under a new name, sorted another way (every row moves).
    path.unlink()
    rows.reverse().write_csv(folder / f"{SECTOR}_T11.csv")
    second = _run(folder, db, base / "out2", "2026-11")
    return dict(db=db, first=first, second=second, chosen=chosen, responses=responses, again=again,
                out2=base / "out2", sheet=sheet)


def test_responses_are_recorded_once(round_trip):
    result, again = round_trip["responses"], round_trip["again"]
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().startswith("Recorded 5 answer(s) from 1 file(s): fixed 1, declined 3, could not determine 1")
    assert "declined without a reason 1" in result.stdout
    assert again.returncode == 0 and again.stdout.startswith("Recorded 0 answer(s)") and "already recorded 5" in again.stdout
    con = duckdb.connect(str(round_trip["db"]), read_only=True)
    rows = con.sql("SELECT finding_id, response, reason, run_id, sector FROM finding_responses").pl()
    assert rows.height == 5
    assert set(rows["run_id"]) == {round_trip["first"].run_id} and set(rows["sector"]) == {SECTOR}


def test_the_next_run_knows_what_is_fixed_open_or_declined(round_trip):
    chosen, db = round_trip["chosen"], round_trip["db"]
    now = _findings(db, round_trip["second"].run_id)
    status = dict(now.select("finding_id", "status").iter_rows())
    assert status[chosen["fixed_claimed"]["finding_id"]] == "reopened"
    assert status[chosen["declined"]["finding_id"]] == "declined"
    assert status[chosen["unknown"]["finding_id"]] == "open"
    assert status[chosen["no_reason"]["finding_id"]] == "open"  # "not fixed" needs a reason
    assert chosen["fixed_really"]["finding_id"] not in status
    assert chosen["declined_changed"]["finding_id"] not in status
    # the changed row is found again, under a new key, and sent again
    again = now.filter((pl.col("residency_id") == chosen["declined_changed"]["residency_id"])
                       & (pl.col("sector") == SECTOR) & (pl.col("kind") == "less_precise"))
    assert again.height == 1 and again["status"].item() == "new"
    # the same findings, now on other rows of a file with another name
    moved = now.filter(pl.col("finding_id") == chosen["fixed_claimed"]["finding_id"])
    assert moved["source_file"].str.ends_with(f"{SECTOR}_T11.csv").all()
    assert moved["source_row"].to_list() != [chosen["fixed_claimed"]["source_row"]]
    # everything else carried over from the first run is still open
    carried = now.filter(pl.col("sector") == SECTOR).join(
        _findings(db, round_trip["first"].run_id).select("finding_id"), on="finding_id", how="semi")
    assert set(carried["status"]) == {"open", "reopened", "declined"}
    con = duckdb.connect(str(db), read_only=True)
    resolved = con.sql("SELECT * FROM resolved_findings WHERE run_id = ?", params=[round_trip["second"].run_id]).pl()
    assert chosen["fixed_really"]["finding_id"] in resolved["finding_id"].to_list()
    assert set(resolved["previous_run_id"]) == {round_trip["first"].run_id}
    assert round_trip["second"].published.resolved == resolved.height >= 1


def test_a_declined_finding_is_not_sent_again(round_trip):
    chosen = round_trip["chosen"]
    answers, _ = read_response_file(round_trip["out2"] / list_file_name(SECTOR, "2026-11"))
    assert answers.is_empty()  # a fresh list: nothing answered yet
    wb = openpyxl.load_workbook(round_trip["out2"] / list_file_name(SECTOR, "2026-11"))
    cells = {str(c.value) for row in wb["Danh sách"].iter_rows() for c in row if c.value}
    assert chosen["declined"]["finding_id"] not in cells
    assert chosen["fixed_claimed"]["finding_id"] in cells and "Đã báo sửa nhưng vẫn còn sai" in cells
    assert chosen["unknown"]["finding_id"] in cells


def test_answers_outside_the_drop_down_are_counted_not_guessed(round_trip, tmp_path):
    copy = tmp_path / "answered.xlsx"
    shutil.copy(round_trip["sheet"], copy)
    key = round_trip["chosen"]["unknown"]["finding_id"]
    _answer(copy, {key: ("ok rồi", None)})
    answers, unreadable = read_response_file(copy)
    assert key not in answers["finding_id"].to_list()
    assert unreadable == 1
    assert set(answers["response"]) == {"fixed", "declined"}  # the other answers are still read


def test_a_file_that_is_not_a_correction_list_is_refused(tmp_path):
    from contracts import InputFileError

    path = tmp_path / "khac.xlsx"
    wb = openpyxl.Workbook()
    wb.active.title = "Danh sách"
    wb.active["A1"] = "Họ và tên"
    wb.save(path)
    with pytest.raises(InputFileError, match=r"^khac\.xlsx: no \"Mã đối soát\""):
        read_response_file(path)


def test_a_renamed_sheet_is_still_read(round_trip, tmp_path):
    copy = tmp_path / "renamed.xlsx"
    wb = openpyxl.load_workbook(round_trip["sheet"])
    wb["Danh sách"].title = "Sheet1"
    wb.save(copy)
    answers, _ = read_response_file(copy)
    original, _ = read_response_file(round_trip["sheet"])
    assert answers.sort("finding_id").equals(original.sort("finding_id")) and answers.height == 5


def test_the_report_trend_counts_answers_and_the_months_a_fix_took(round_trip):
    from pipelines.outputs.trend import trend

    con = duckdb.connect(str(round_trip["db"]), read_only=True)
    try:
        rows = trend(con, round_trip["second"].run_id).filter(pl.col("sector") == SECTOR)
    finally:
        con.close()
    october, november = rows.sort("period").iter_rows(named=True)
    assert (october["period"], november["period"]) == ("2026-10", "2026-11")
    assert october["answered"] == 5 and october["fixed"] == 0
    assert november["fixed"] >= 1 and november["months_to_fix"] == 1.0
    html = (round_trip["out2"] / "bao_cao_doi_soat_2026-11.html").read_text(encoding="utf-8")
    assert f'data-sector="{SECTOR}" data-period="2026-11"' in html
