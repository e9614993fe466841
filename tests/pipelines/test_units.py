"""The 2025 administrative units: lists with old commune codes against an extract with new ones."""

from __future__ import annotations

import polars as pl
import pytest

from contracts import fields as F
from matchers import LinkSettings
from pipelines.ingest import SourceFile
from pipelines.stages import run_stages
from pipelines.units import (
    commune_label,
    communes_in_addresses,
    old_to_new,
    to_new_units,
)


def test_the_package_knows_every_new_commune_and_most_old_ones():
    table = old_to_new()
    assert table["old_code"].n_unique() > 10_000 and table["new_code"].n_unique() > 3_000
    assert table.group_by("old_code").agg(pl.col("is_default").sum()).filter(pl.col("is_default") != 1).is_empty()


@pytest.mark.parametrize(("code", "new", "candidates", "old"), [
    ("14209", "14179", None, True),             # Xã Giao Long (Nam Định) → Xã Giao Hưng (Ninh Bình)
    ("14179", "14179", None, False),            # already a new code
    ("00172", "00175", "00166;00175", True),    # Phường Yên Hòa (Cầu Giấy) split over two new wards
    ("99999", "99999", None, False),            # unknown: kept as it is
    (None, None, None, False),
])
def test_old_codes_become_new_ones(code, new, candidates, old):
    got = to_new_units(pl.Series([code], dtype=pl.String)).row(0)
    assert got == (new, candidates, old)


def test_a_commune_is_named_not_only_numbered():
    assert commune_label("14179") == "Xã Giao Hưng, tỉnh Ninh Bình (mã 14179)"
    assert commune_label("00175") == "Phường Yên Hòa, thành phố Hà Nội (mã 00175)"
    assert commune_label("99999") == "mã xã 99999" and commune_label(None) == "(chưa xác định)"


def test_a_split_commune_is_decided_by_the_matched_resident(tmp_path):
    residents = pl.DataFrame({
        "Số định danh cá nhân": ["001090000001", "001090000002", "001090000003"],
        "Họ và tên": ["Lê Văn An", "Trần Thị Bình", "Ngô Văn Cường"],
        "Ngày sinh": ["01/02/1990", "02/03/1990", "03/04/1990"],
        "Giới tính": ["Nam", "Nữ", "Nam"],
        "Mã xã": ["00175", "00166", "00175"],  # the extract: new wards
    })
    residents.write_csv(tmp_path / "residency.csv")
    pl.DataFrame({
        "Họ và tên": ["Lê Văn An", "Trần Thị Bình", "Đỗ Văn Khách"],
        "Ngày sinh": ["01/02/1990", "02/03/1990", "05/06/1991"],
        "Số CCCD": ["001090000001", "001090000002", ""],
        "Mã xã": ["00172", "00172", "00172"],  # the list: the old ward, split over 00166 and 00175
    }).write_csv(tmp_path / "social_insurance.csv")
    sources = [SourceFile(F.RESIDENCY, tmp_path / "residency.csv"),
               SourceFile("social_insurance", tmp_path / "social_insurance.csv")]
    done = run_stages(sources, "2026-11", LinkSettings(method="deterministic"))  # exact IDs decide here
    outcomes = next(r for r in done.results if r.sector == "social_insurance").outcomes.sort("source_row")
    assert outcomes["commune_code"].to_list() == ["00175", "00166", "00175"]  # the last: nobody, the default
    assert outcomes["commune_listed"].to_list() == ["00172"] * 3
    assert outcomes["outcome"].to_list()[:2] == ["matched", "matched"]
    findings = next(r for r in done.results if r.sector == "social_insurance").discrepancies
    assert set(findings["commune_code"]) <= {"00166", "00175"}
    assert set(findings["commune_listed"]) == {"00172"}


@pytest.mark.parametrize(("address", "code", "candidates", "text"), [
    # the old three levels (commune, district, province) → the 2025 commune it merged into
    ("Thôn 3, xã Giao Long, huyện Giao Thủy, tỉnh Nam Định", "14179", None,
     "xã Giao Long, huyện Giao Thủy, tỉnh Nam Định"),
    # the new two levels, capitals and abbreviations as offices write them
    ("Xóm 2, Xã Giao Hưng, Tỉnh Ninh Bình", "14179", None, "Xã Giao Hưng, Tỉnh Ninh Bình"),
    ("Số 5 - P. Trung Hòa - Q. Cầu Giấy - TP. Hà Nội", "00175", "00175;00367;00637",
     "P. Trung Hòa, Q. Cầu Giấy, TP. Hà Nội"),
    # an old ward split over two new ones keeps both candidates
    ("phường Yên Hòa, quận Cầu Giấy, Hà Nội", "00175", "00166;00175", "phường Yên Hòa, quận Cầu Giấy, Hà Nội"),
    # two levels in a province that no longer exists: the old commune
    ("xã Yên Thọ, tỉnh Nam Định", "13822", None, "xã Yên Thọ, tỉnh Nam Định"),
    # never a guess: no commune kind, a commune the statistics office does not know, a village only
    ("Giao Long, Giao Thủy, Nam Định", None, None, None),
    ("Thôn 1, xã Yên Hòa, huyện Ý Yên, tỉnh Nam Định", None, None, None),
    ("Thôn Đông", None, None, None),
    (None, None, None, None),
])
def test_an_address_names_its_2025_commune_only_when_the_list_knows_it_exactly(address, code, candidates, text):
    got = communes_in_addresses(pl.Series([address], dtype=pl.String)).row(0, named=True)
    assert (got["commune_code"], got["commune_candidates"], got["commune_text"]) == (code, candidates, text)


def test_a_list_with_old_addresses_gets_the_new_commune_and_keeps_its_text(tmp_path):
    residents = pl.DataFrame({
        "Số định danh cá nhân": ["036090000001", "036090000002"],
        "Họ và tên": ["Lê Văn An", "Trần Thị Bình"],
        "Ngày sinh": ["01/02/1990", "02/03/1990"],
        "Giới tính": ["Nam", "Nữ"],
        "Thôn/Tổ dân phố": ["Xóm 3", "Xóm 5"],
        "Mã xã": ["14179", "14179"],  # the extract: Xã Giao Hưng, tỉnh Ninh Bình
    })
    residents.write_csv(tmp_path / "residency.csv")
    pl.DataFrame({
        "Họ và tên": ["Lê Văn An", "Trần Thị Bình", "Đỗ Văn Khách"],
        "Ngày sinh": ["01/02/1990", "02/03/1990", "05/06/1991"],
        "Số CCCD": ["036090000001", "036090000002", ""],
        "Địa chỉ": ["Xóm 3, xã Giao Long, huyện Giao Thủy, tỉnh Nam Định", "Xóm 5",
                    "phường Dĩ An, tỉnh Bình Dương"],
    }).write_csv(tmp_path / "social_insurance.csv")
    sources = [SourceFile(F.RESIDENCY, tmp_path / "residency.csv"),
               SourceFile("social_insurance", tmp_path / "social_insurance.csv")]
    done = run_stages(sources, "2026-11", LinkSettings(method="deterministic"))
    outcomes = next(r for r in done.results if r.sector == "social_insurance").outcomes.sort("source_row")
    # the last lives in Dĩ An: the extract does not cover it, the row stays with the commune that sent it
    assert outcomes["commune_code"].to_list() == ["14179", "14179", "14179"]
    assert outcomes["commune_listed"].to_list() == [
        "xã Giao Long, huyện Giao Thủy, tỉnh Nam Định", None, "phường Dĩ An, tỉnh Bình Dương"]
