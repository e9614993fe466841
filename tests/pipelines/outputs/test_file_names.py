"""A list's own values never reach a file name: commune codes are checked where they are read."""

from __future__ import annotations

import csv
import re
import shutil

import polars as pl
import pytest

from pipelines.evaluate import run_without_prefect
from pipelines.outputs.correction_lists import list_file_name, write_correction_lists

EVIL = ["x/../../evil", "../../../tmp/pwned", "14209/..", "Xã Yên Hòa"]


@pytest.fixture(scope="module")
def findings(small_commune, tmp_path_factory):
    folder = tmp_path_factory.mktemp("communes")
    shutil.copy(small_commune / "residency.csv", folder / "residency.csv")
    residents = pl.read_csv(folder / "residency.csv", infer_schema=False).head(len(EVIL) + 2)
    with open(folder / "vaccination.csv", "w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(["Họ và tên", "Ngày sinh", "Số định danh cá nhân", "Mã xã", "Tên vắc xin"])
        codes = [*EVIL, "14209", "14209.0"]
        for person, code in zip(residents.iter_rows(named=True), codes):
            writer.writerow([person["Họ và tên"], person["Ngày sinh"], person["Số định danh cá nhân"], code, "BCG"])
    return run_without_prefect(folder).findings.with_columns(pl.lit("new").alias("status"))


def test_a_value_that_is_no_commune_code_is_a_finding(findings):
    bad = findings.filter(pl.col("kind") == "not_a_commune_code")
    assert sorted(bad["sector_value"].to_list()) == sorted(EVIL)
    assert bad["message_vi"].str.starts_with("Mã xã không đúng").all()
    assert set(findings.filter(pl.col("sector") == "vaccination")["commune_code"].drop_nulls()) == {"14179"}  # 14209 since 2025


def test_correction_lists_stay_in_their_folder_with_safe_names(findings, tmp_path):
    out = tmp_path / "out"
    out.mkdir()
    paths = write_correction_lists(out, findings, "00000000-0000-0000-0000-000000000007", "2026-11")
    assert paths
    for path in paths:
        assert path.parent == out
        assert re.fullmatch(r"danh_sach_(dieu_chinh_[a-z_]+|cong_an)(_[0-9]{5})?_2026-11\.xlsx", path.name), path.name
    assert sorted(p.name for p in tmp_path.rglob("*") if p.is_file()) == sorted(p.name for p in paths)


@pytest.mark.parametrize("code", ["x/../../evil", "1420", "", "14209 "])
def test_a_file_name_refuses_anything_but_a_five_digit_code(code):
    with pytest.raises(ValueError):
        list_file_name("vaccination", "2026-11", code)
