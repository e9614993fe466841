"""Lists laid out like the official forms, read and matched as they come."""

from __future__ import annotations

import polars as pl

from contracts import fields as F
from matchers import LinkSettings
from pipelines.ingest import SourceFile
from pipelines.stages import run_stages


def test_a_name_only_form_is_reviewed_with_the_one_resident_of_that_name(tmp_path):
    # laid out like BHXH's Mẫu D02-TS: name and BHXH number only, no personal ID, no birth date
    given = ["An", "Bình", "Cường", "Dung", "Em", "Giang", "Hà", "Khánh", "Lan", "Minh", "Nam", "Oanh"]
    people = [(f"0360900000{i:02d}", f"Lê Văn {g}", f"0{i + 1}/02/1990") for i, g in enumerate(given)]
    people.append(("036090000099", "Lê Văn An", "09/09/1991"))  # a namesake of the first
    pl.DataFrame({"Số định danh cá nhân": [p[0] for p in people], "Họ và tên": [p[1] for p in people],
                  "Ngày sinh": [p[2] for p in people]}).write_csv(tmp_path / "residency.csv")
    pl.DataFrame({"Họ và tên": ["Lê Văn Bình", "Lê Văn Khánh", "Lê Văn An"],
                  "Mã số BHXH": ["0123456789", "0123456790", "0123456791"]}).write_csv(tmp_path / "bhxh.csv")
    done = run_stages([SourceFile(F.RESIDENCY, tmp_path / "residency.csv"),
                       SourceFile("social_insurance", tmp_path / "bhxh.csv")], "2026-11", LinkSettings())
    outcomes = next(r for r in done.results if r.sector == "social_insurance").outcomes.sort("source_row")
    assert outcomes["outcome"].to_list()[:2] == ["review", "review"]
    assert outcomes["residency_id"].to_list()[:2] == ["036090000001", "036090000007"]
    assert outcomes["outcome"].to_list()[2] != "matched"  # two residents of that name: no guess
    findings = next(r for r in done.results if r.sector == "social_insurance").discrepancies
    assert "not_in_residency" not in findings.filter(pl.col("source_row") < 4)["kind"].to_list()


def test_the_birth_register_reads_the_child_and_takes_the_mother_as_guardian(tmp_path):
    # Sổ đăng ký khai sinh (Thông tư 04/2020/TT-BTP): the child's columns, then "Mẹ" and "Cha" groups
    # that repeat "Họ, chữ đệm, tên", "Năm sinh", "Nơi cư trú"
    import csv

    from pipelines.ingest import ingest_file

    top = ["STT", "Số đăng ký", "Ngày đăng ký", "Họ, chữ đệm, tên", "Ngày, tháng, năm sinh", "Giới tính",
           "Mẹ", None, None, "Cha", None, None]
    bottom = [None, None, None, None, None, None, "Họ, chữ đệm, tên", "Năm sinh", "Nơi cư trú",
              "Họ, chữ đệm, tên", "Năm sinh", "Nơi cư trú"]
    rows = [top, bottom,
            [1, "12", "05/03/2026", "Lê Minh An", "01/03/2026", "Nam", "Trần Thị Bình", "1995", "Thôn 1",
             "Lê Văn Cường", "1993", "Thôn 1"]]
    path = tmp_path / "so_khai_sinh.csv"
    with open(path, "w", encoding="utf-8", newline="") as fh:
        csv.writer(fh).writerows([[("" if v is None else v) for v in r] for r in rows])
    ing = ingest_file(SourceFile("civil_status", path))
    record = ing.records.row(0, named=True)
    assert record["full_name"] == "Lê Minh An"
    assert record["birth_date"].isoformat() == "2026-03-01"
    assert record["guardian_name"] == "Trần Thị Bình"  # the mother's, not the father's
