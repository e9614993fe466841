"""Correction lists written from real findings and read back with openpyxl."""

import datetime as dt

import openpyxl
import polars as pl
import pytest

from contracts.fields import SECTORS
from pipelines.evaluate import run_without_prefect
from pipelines.findings import SECTOR_VI
from pipelines.outputs.correction_lists import (
    HEADERS,
    KEY_HEADER,
    META_SHEET,
    RESPONSE_HEADER,
    RESPONSES,
    list_file_name,
    write_correction_lists,
)

RUN_ID = "00000000-0000-0000-0000-000000000001"
MADE = dt.datetime(2026, 11, 23, 9, 30)
HEADER_ROW = 9  # sheet row of the column headers (below the title block)


@pytest.fixture(scope="module")
def findings(small_commune):
    return run_without_prefect(small_commune).findings.with_columns(pl.lit("new").alias("status"))


@pytest.fixture(scope="module")
def written(findings, tmp_path_factory):
    out = tmp_path_factory.mktemp("lists")
    return out, write_correction_lists(out, findings, RUN_ID, "2026-11", MADE)


def _rows(path):
    ws = openpyxl.load_workbook(path)["Danh sách"]
    header = [c.value for c in ws[HEADER_ROW]]
    body = [dict(zip(header, [c.value for c in row], strict=True))
            for row in ws.iter_rows(min_row=HEADER_ROW + 1) if row[len(header) - 1].value]
    return ws, header, body


def test_one_file_per_sector_holding_only_that_sectors_rows(findings, written):
    out, paths = written
    sectors = sorted(set(findings["sector"]) - {"residency"})
    assert sorted(p.name for p in paths) == sorted(list_file_name(s, "2026-11") for s in sectors)
    for sector in sectors:
        _, header, body = _rows(out / list_file_name(sector, "2026-11"))
        assert tuple(header) == HEADERS
        mine = findings.filter(pl.col("sector") == sector)
        assert len(body) == mine["finding_id"].n_unique()  # one line per person and problem
        assert {r[KEY_HEADER] for r in body} == set(mine["finding_id"])
        assert all(r["Tệp gốc"].startswith(sector) for r in body), "another sector's file in this list"
        others = findings.filter(pl.col("sector") != sector)["finding_id"]
        assert not {r[KEY_HEADER] for r in body} & set(others)
        assert all(r["Nội dung sai lệch"] and r["Đề nghị xử lý"] and r["Mức độ"] for r in body)
        assert [r["STT"] for r in body] == list(range(1, len(body) + 1))


def test_the_most_serious_come_first_and_rows_show_the_list_as_typed(findings, written):
    out, _ = written
    _, _, body = _rows(out / list_file_name("vaccination", "2026-11"))
    order = {"Đặc biệt nghiêm trọng": 0, "Cao": 1, "Trung bình": 2, "Thấp": 3}
    ranks = [order[r["Mức độ"]] for r in body]
    assert ranks == sorted(ranks)
    by_key = {r[KEY_HEADER]: r for r in body}
    mine = findings.filter(pl.col("sector") == "vaccination")
    rows_of = mine.sort("source_row").group_by("finding_id").agg(pl.col("source_row").cast(pl.String).str.join(", "))
    rows_of = dict(rows_of.iter_rows())
    for f in mine.unique("finding_id", keep="first").head(40).iter_rows(named=True):
        row = by_key[f["finding_id"]]
        assert str(row["Dòng trong tệp gốc"]) == rows_of[f["finding_id"]]
        assert row["Họ và tên (như trong danh sách)"] == f["listed_name"]
        assert row["Giá trị trong CSDLQG về dân cư"] == f["residency_value"]
    several = [r for r in body if isinstance(r["Dòng trong tệp gốc"], str)]
    assert several, "a child's doses with one problem should be one line naming every row"
    assert all(", " in r["Dòng trong tệp gốc"] for r in several)


def test_drop_down_filters_frozen_header_and_print_setup(written):
    out, _ = written
    ws, header, body = _rows(out / list_file_name("social_insurance", "2026-11"))
    col = openpyxl.utils.get_column_letter(header.index(RESPONSE_HEADER) + 1)
    validations = ws.data_validations.dataValidation
    assert len(validations) == 1
    dv = validations[0]
    assert dv.type == "list"
    assert dv.formula1.strip('"').split(",") == list(RESPONSES)
    assert str(dv.sqref) == f"{col}{HEADER_ROW + 1}:{col}{HEADER_ROW + len(body)}"
    assert ws.freeze_panes == f"A{HEADER_ROW + 1}"
    assert ws.auto_filter.ref == f"A{HEADER_ROW}:O{HEADER_ROW + len(body)}"
    assert ws.page_setup.orientation == "landscape" and int(ws.page_setup.paperSize) == 9  # A4
    assert ws.print_title_rows == f"${HEADER_ROW}:${HEADER_ROW}"
    assert ws.sheet_properties.pageSetUpPr.fitToPage


def test_title_block_names_commune_sector_period_and_date(written):
    out, _ = written
    wb = openpyxl.load_workbook(out / list_file_name("social_protection", "2026-11"))
    titles = " | ".join(str(c.value) for row in wb["Danh sách"].iter_rows(max_row=HEADER_ROW - 1) for c in row if c.value)
    assert "DANH SÁCH ĐỀ NGHỊ ĐIỀU CHỈNH, BỔ SUNG DỮ LIỆU" in titles
    assert "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM" in titles
    assert f"Lĩnh vực: {SECTOR_VI['social_protection']}" in titles and "tháng 11/2026" in titles
    assert "Xã Giao Hưng, tỉnh Ninh Bình (mã 14179)" in titles and "Ngày lập: 23/11/2026" in titles  # 14209 (Giao Long) merged in 2025
    meta = dict(wb[META_SHEET].iter_rows(values_only=True))
    assert wb[META_SHEET].sheet_state == "hidden"
    assert meta["run_id"] == RUN_ID and meta["sector"] == "social_protection" and meta["period"] == "2026-11"


def test_files_are_readable_by_their_owner_only(written):
    _, paths = written
    assert paths and all(oct(p.stat().st_mode & 0o777) == "0o600" for p in paths)


def test_a_run_over_several_communes_gets_one_file_per_commune(findings, tmp_path):
    two = findings.with_columns(
        pl.when(pl.col("source_row") % 2 == 0).then(pl.lit("14209")).otherwise(pl.lit("14210")).alias("commune_code"))
    paths = write_correction_lists(tmp_path, two, RUN_ID, "2026-11", MADE)
    sectors = set(findings["sector"]) - {"residency"}
    assert len(paths) == 2 * len(sectors)
    for sector in sectors:
        for commune in ("14209", "14210"):
            path = tmp_path / list_file_name(sector, "2026-11", commune)
            wb = openpyxl.load_workbook(path)
            assert dict(wb[META_SHEET].iter_rows(values_only=True))["commune_code"] == commune
            _, _, body = _rows(path)
            want = two.filter((pl.col("sector") == sector) & (pl.col("commune_code") == commune))
            assert {r[KEY_HEADER] for r in body} == set(want["finding_id"])


def test_the_police_list_holds_the_extract_records_to_update(tmp_path):
    police = pl.DataFrame({
        "sector": ["residency"], "source_file": ["/data/residency.csv"], "source_row": [17], "residency_id": ["036150001234"],
        "field": ["record"], "kind": ["deceased_in_residency"], "sector_value": ["Hộ tịch: Khai tử số 2/2026 ngày 19/03/2026"],
        "residency_value": ["Còn trong dữ liệu dân cư"], "suggested_value": ["Khai tử số 2/2026 ngày 19/03/2026"],
        "severity": ["critical"], "finding_id": ["0123456789abcdef"], "commune_code": ["14209"],
        "listed_name": ["Trần Văn A"], "listed_birth_date": ["1950"], "listed_id": ["036150001234"],
        "message_vi": ["Đã đăng ký khai tử nhưng vẫn còn trong CSDLQG về dân cư"], "action_vi": ["Cập nhật"], "status": ["new"],
    })
    [path] = write_correction_lists(tmp_path, police, RUN_ID, "2026-11", MADE)
    assert path.name == "danh_sach_cong_an_2026-11.xlsx"
    _, _, body = _rows(path)
    assert [(r["Tệp gốc"], r["Dòng trong tệp gốc"], r["Mức độ"]) for r in body] == [("residency.csv", 17, "Đặc biệt nghiêm trọng")]


def test_every_sector_has_a_vietnamese_name():
    assert set(SECTORS) <= set(SECTOR_VI)


def test_a_province_s_lists_built_side_by_side_are_the_same_files(findings, written, tmp_path, monkeypatch):
    import pipelines.outputs.correction_lists as lists

    monkeypatch.setattr(lists, "PARALLEL_ROWS", 0)  # as for a province: the lists built in threads
    parallel = write_correction_lists(tmp_path, findings, RUN_ID, "2026-11", MADE)
    _, serial = written
    assert len(serial) > 1
    assert [(p.name, p.read_bytes()) for p in parallel] == [(p.name, p.read_bytes()) for p in serial]


def test_rows_placed_in_no_commune_get_their_own_list_in_a_run_over_several(findings, tmp_path):
    three = findings.with_columns(
        pl.when(pl.col("source_row") % 3 == 0).then(pl.lit(None, pl.String))
        .when(pl.col("source_row") % 3 == 1).then(pl.lit("14209")).otherwise(pl.lit("14210")).alias("commune_code"))
    paths = write_correction_lists(tmp_path, three, RUN_ID, "2026-11", MADE)
    unplaced = [p for p in paths if "_khong_ro_" in p.name]
    assert unplaced and all(p.name.endswith("_khong_ro_2026-11.xlsx") for p in unplaced)
    for path in unplaced:
        sector = path.name.removeprefix("danh_sach_dieu_chinh_").removeprefix("danh_sach_cong_an").split("_khong_ro")[0]
        want = three.filter(pl.col("commune_code").is_null() & (pl.col("sector") == (sector or "residency")))
        assert {r[KEY_HEADER] for r in _rows(path)[2]} == set(want["finding_id"])


def test_lists_built_in_batches_are_the_lists_built_one_by_one(findings, tmp_path, monkeypatch):
    """A province's small commune lists are turned into XML several at a time; each file is the
    one ``build_workbook`` makes of that list alone."""
    import pipelines.outputs.correction_lists as lists

    communes = findings.with_columns(
        (pl.lit("1420") + (pl.col("source_row") % 7).cast(pl.String)).alias("commune_code"))
    monkeypatch.setattr(lists, "PARALLEL_ROWS", 0)  # and side by side in threads
    paths = write_correction_lists(tmp_path, communes, RUN_ID, "2026-11", MADE)
    assert len(paths) > 7
    for path in paths:
        meta_rows = dict(openpyxl.load_workbook(path)[META_SHEET].iter_rows(values_only=True))
        sector, commune = meta_rows["sector"], meta_rows["commune_code"]
        alone = communes.filter((pl.col("sector") == sector) & (pl.col("commune_code") == commune))
        assert path.read_bytes() == lists.build_workbook(alone, lists.ListMeta(RUN_ID, "2026-11", sector, commune, MADE))
