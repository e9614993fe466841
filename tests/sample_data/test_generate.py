"""Tests of the synthetic commune generator (sample_data/generate.py)."""

from __future__ import annotations

import csv
from pathlib import Path

import openpyxl
import polars as pl
import pytest

from sample_data import _text as T
from sample_data.generate import (
    DEFAULT_XLSX,
    ERROR_TYPES,
    HEADERS,
    SECTORS,
    generate_commune,
    write_commune,
)

COMMITTED = Path(__file__).resolve().parents[2] / "sample_data" / "commune"
ID_COL = {"civil_status": "Số CCCD", "vaccination": "Số định danh",
          "social_protection": "Số CMND/CCCD", "social_insurance": "Số định danh cá nhân",
          "union_membership": "Số CCCD"}
NAME_COL = {s: "Họ và tên" for s in SECTORS} | {"vaccination": "Họ tên trẻ"}


@pytest.fixture(scope="module")
def sample():
    """The committed configuration (3000 residents, seed 6), generated afresh."""
    return generate_commune(3000, 6)


@pytest.fixture(scope="module")
def written(sample, tmp_path_factory):
    out = tmp_path_factory.mktemp("commune")
    return write_commune(sample, out)


def _rows_with(truth: pl.DataFrame, frame: pl.DataFrame, code: str | None) -> pl.DataFrame:
    both = pl.concat([truth, frame], how="horizontal")
    if code is None:
        return both.filter(pl.col("errors") == "")
    return both.filter(pl.col("errors").str.split(";").list.contains(code))


def test_deterministic_for_a_seed():
    a, b = generate_commune(600, 11), generate_commune(600, 11)
    assert a.residents.equals(b.residents)
    assert a.truth.equals(b.truth)
    for s in SECTORS:
        assert a.sectors[s].equals(b.sectors[s]), s
    c = generate_commune(600, 12)
    assert not a.residents.equals(c.residents)


def test_exact_size_and_headers(sample, written):
    assert sample.residents.height == 3000
    for name, path in written.items():
        if path.suffix == ".csv":
            with path.open(encoding="utf-8", newline="") as f:
                header = next(csv.reader(f))
        else:
            continue
        expected = ("sector,source_file,source_row,true_person_id,errors".split(",")
                    if name == "ground_truth" else list(HEADERS[name]))
        assert header == expected, name
    assert written["residency"].read_text(encoding="utf-8").splitlines()[0] == (
        "STT,Số định danh cá nhân,Họ và tên,Ngày sinh,Giới tính,Số CMND,Mã hộ,"
        "Quan hệ với chủ hộ,Thôn/Tổ dân phố,Mã xã")


def test_id_structure(sample):
    r = sample.residents
    ids = r["Số định danh cá nhân"]
    assert ids.str.contains(r"^\d{12}$").all()
    assert ids.n_unique() == r.height
    year = r["Ngày sinh"].str.slice(-4).cast(pl.Int64)
    d4 = ids.str.slice(3, 1).cast(pl.Int64)
    assert (1900 + (d4 // 2) * 100 + ids.str.slice(4, 2).cast(pl.Int64) == year).all()
    assert ((d4 % 2 == 1) == (r["Giới tính"] == "Nữ")).all()
    assert r["Ngày sinh"].str.contains(r"^(\d{2}/\d{2}/\d{4}|\d{4})$").all()
    assert (r["Ngày sinh"].str.len_chars() == 4).sum() > 0  # a few year-only elderly
    cmnd = r["Số CMND"].drop_nulls()
    assert cmnd.str.contains(r"^\d{9}$").all() and cmnd.n_unique() == cmnd.len()
    born_early = r.filter(year < 1995)
    share = born_early["Số CMND"].is_not_null().mean()
    assert 0.4 < share < 0.6
    assert r["Mã xã"].unique().to_list() == [sample.commune_code]


def test_every_row_has_one_truth_row(sample, written):
    gt = pl.read_csv(written["ground_truth"], infer_schema=False)
    assert gt.height == sum(f.height for f in sample.sectors.values())
    assert gt.select("source_file", "source_row").is_unique().all()
    assert set(gt["errors"].drop_nulls().str.split(";").explode().unique()) <= set(ERROR_TYPES)
    for s in SECTORS:
        path = written[s]
        g = gt.filter(pl.col("sector") == s)
        assert (g["source_file"] == path.name).all()
        rows = g["source_row"].cast(pl.Int64)
        if path.suffix == ".csv":
            data = pl.read_csv(path, infer_schema=False)
            assert data.height == g.height
            assert rows.to_list() == list(range(2, data.height + 2))
            assert data["STT"].cast(pl.Int64).to_list() == list(range(1, data.height + 1))
        else:
            ws = openpyxl.load_workbook(path, read_only=True).active
            cells = {i: row for i, row in enumerate(ws.iter_rows(values_only=True), start=1)}
            first = int(rows.min())
            assert list(cells[first - 1][: len(HEADERS[s])]) == list(HEADERS[s])
            for k, r in enumerate(rows.to_list()):
                assert cells[r][0] == k + 1  # STT of the k-th data row
            assert rows.to_list() == list(range(first, first + g.height))
            assert cells.get(rows.max() + 1, (None,))[0] is None  # no data row after the last


def test_xlsx_ids_are_text_except_lost_zeros(sample, written):
    for s in DEFAULT_XLSX:
        gt = sample.ground_truth().filter(pl.col("sector") == s)
        ws = openpyxl.load_workbook(written[s], read_only=True).active
        col = HEADERS[s].index(ID_COL[s])
        cells = list(ws.iter_rows(min_row=int(gt["source_row"].min()),
                                  max_row=int(gt["source_row"].max()), values_only=True))
        lost = gt["errors"].fill_null("").str.split(";").list.contains("id_lost_zero").to_list()
        for row, is_lost, tid in zip(cells, lost, gt["true_person_id"]):
            v = row[col]
            if is_lost:
                assert isinstance(v, int) and len(str(v)) in (10, 11)
                assert tid is None or v == int(tid)
            else:
                assert v is None or isinstance(v, str)
        assert any(lost)


def test_clean_rows_agree_with_the_extract(sample):
    res = sample.residents.select(
        pl.col("Số định danh cá nhân").alias("true_person_id"),
        pl.col("Họ và tên").alias("db_name"), pl.col("Ngày sinh").alias("db_dob"),
        pl.col("Giới tính").alias("db_gender"))
    dob = {"civil_status": "Ngày tháng năm sinh", "social_protection": "Năm sinh"}
    for s, f in sample.sectors.items():
        t = sample.truth.filter(pl.col("sector") == s)
        clean = _rows_with(t, f, None).filter(pl.col("true_person_id").is_not_null())
        j = clean.join(res, on="true_person_id", how="left", maintain_order="left")
        assert j["db_name"].is_not_null().all()
        assert (j[NAME_COL[s]] == j["db_name"]).all(), s
        assert (j[ID_COL[s]] == j["true_person_id"]).all(), s
        assert (j[dob.get(s, "Ngày sinh")] == j["db_dob"]).all(), s
        assert (j["Giới tính"] == j["db_gender"]).all(), s


def test_error_rows_show_their_error(sample):
    ids = set(sample.residents["Số định danh cá nhân"].to_list())
    checks = {
        "id_lost_zero": lambda v: v is not None and len(v) in (10, 11) and v.isdigit(),
        "old_cmnd_given": lambda v: v is not None and len(v) == 9,
        "id_missing": lambda v: v is None,
        "id_scientific": lambda v: v is not None and "E+" in v,
        "parent_id": lambda v: v is not None and len(v) == 12,
    }
    seen = set()
    for s, f in sample.sectors.items():
        t = sample.truth.filter(pl.col("sector") == s)
        for code, ok in checks.items():
            rows = _rows_with(t, f, code)
            seen |= {code} if rows.height else set()
            for v, tid in zip(rows[ID_COL[s]], rows["true_person_id"]):
                assert ok(v), (s, code, v)
                if code == "parent_id":
                    assert v != tid
                    assert (v in ids) == (tid is not None)  # a resident child: a resident parent
        nd = _rows_with(t, f, "no_diacritics")[NAME_COL[s]]
        assert (nd == nd.str.replace_many(T.STRIP_TABLE)).all()
    assert seen == set(checks)


def test_every_error_type_occurs(sample):
    codes = set(sample.truth.filter(pl.col("errors") != "")["errors"].str.split(";").explode())
    assert codes == set(ERROR_TYPES)
    clean = (sample.truth["errors"] == "").mean()
    assert 0.5 < clean < 0.75


def test_surname_share(sample):
    fam = sample.residents["Họ và tên"].str.split(" ").list.first()
    share = (fam == "Nguyễn").mean()
    assert abs(share - 0.38) < 0.05
    assert 0.85 < fam.is_in(["Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Huỳnh", "Phan", "Vũ",
                             "Võ", "Đặng", "Bùi", "Đỗ", "Hồ", "Ngô", "Dương", "Lý"]).mean() < 0.95
    # namesakes exist
    assert sample.residents["Họ và tên"].value_counts()["count"].max() >= 5


def test_nonresidents(sample):
    t = sample.truth
    nr = t["true_person_id"].is_null().mean()
    assert 0.04 < nr < 0.09
    ids = set(sample.residents["Số định danh cá nhân"].to_list())
    res = sample.residents.select(pl.col("Họ và tên").alias("n"), pl.col("Ngày sinh").alias("d"))
    twins = 0
    for s, f in sample.sectors.items():
        rows = pl.concat([t.filter(pl.col("sector") == s), f], how="horizontal").filter(
            pl.col("true_person_id").is_null() & (pl.col("errors") == ""))
        for v in rows[ID_COL[s]]:
            assert v is not None and len(v) == 12 and v not in ids
        dob = {"civil_status": "Ngày tháng năm sinh", "social_protection": "Năm sinh"}.get(
            s, "Ngày sinh")
        twins += rows.join(res, left_on=[NAME_COL[s], dob], right_on=["n", "d"]).height
    assert twins > 10  # same name and birth date as a resident, but their own ID


def test_death_of_a_resident_still_in_the_extract(sample):
    cs = pl.concat([sample.truth.filter(pl.col("sector") == "civil_status"),
                    sample.civil_status], how="horizontal")
    assert set(cs["Loại việc"]) == {"Khai sinh", "Khai tử", "Kết hôn"}
    dead = cs.filter((pl.col("Loại việc") == "Khai tử") & pl.col("true_person_id").is_not_null())
    assert dead.height > 0


def test_text_transforms():
    assert T.telex_word("Nguyễn") == "Nguyeenx"
    assert T.to_new_tone_style("Lê Thị Hòa Thủy") == "Lê Thị Hoà Thuỷ"
    assert T.to_new_tone_style("Hoàng Quý") == "Hoàng Quý"
    assert T.i_y_swap("Lý Thị Mỹ") == "Lí Thị Mỹ"
    assert T.hoi_nga_swap("Trần Văn Dũng", 0.0) == "Trần Văn Dủng"
    assert T.scientific("036123456789") == "3.61235E+10"
    assert T.strip_diacritics("Đặng Thị Thủy") == "Dang Thi Thuy"


def test_committed_sample_matches_a_fresh_generation(written):
    assert COMMITTED.is_dir(), "run: python -m sample_data.generate --residents 3000 --seed 6"
    for path in written.values():
        committed = COMMITTED / path.name
        assert committed.exists(), path.name
        if path.suffix == ".csv":
            assert committed.read_bytes() == path.read_bytes(), path.name
        else:
            a = list(openpyxl.load_workbook(path, read_only=True).active.iter_rows(values_only=True))
            b = list(openpyxl.load_workbook(committed, read_only=True).active.iter_rows(
                values_only=True))
            assert a == b, path.name
