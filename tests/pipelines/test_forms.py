"""Lists laid out like the official forms, read and matched as they come (no --mapping).

Each test builds one form from its published headers (``_forms``), fills it with residents of
one commune and checks that the people are read, matched to the right resident, and that no
title, section, subtotal or number row of the form becomes a record or a finding.
"""

from __future__ import annotations

import csv

import polars as pl
import pytest
from _forms import BORN, ID, RESIDENTS, SIGNATURES, TITLE, form_grid, residency_ct01, run_form

from contracts import InputFileError
from contracts import fields as F
from matchers import LinkSettings
from pipelines.ingest import SourceFile, ingest_file
from pipelines.stages import run_stages


def matched(run, rows_and_names: dict[int, str]) -> None:
    """Each sheet row is matched to the resident of that name."""
    for sheet_row, name in rows_and_names.items():
        assert run.resident_of(sheet_row) == ("matched", ID[name]), (sheet_row, name)


def no_findings_on(run, sheet_rows) -> None:
    assert not run.findings.filter(pl.col("source_row").is_in(list(sheet_rows))).height


def test_ct01_the_residency_extract_in_the_police_wording_is_read(tmp_path):
    # Mẫu CT01 (Thông tư 66/2023/TT-BCA): "Họ, chữ đệm và tên", "Ngày, tháng, năm sinh",
    # "Số định danh cá nhân", "Mối quan hệ với chủ hộ"
    ing = ingest_file(SourceFile(F.RESIDENCY, residency_ct01(tmp_path)))
    assert ing.mapping["Họ, chữ đệm và tên"] == "full_name"
    assert ing.mapping["Mối quan hệ với chủ hộ"] == "relation_to_head"
    assert ing.records.height == len(RESIDENTS) + 1500
    assert ing.records["person_id"].head(len(RESIDENTS)).to_list() == [r[0] for r in RESIDENTS]


# Mẫu D02-LT (Quyết định 1040/QĐ-BHXH, 18/8/2020; instructions amended by 948/QĐ-BHXH, 2023)
D02_LT = [
    "STT{r3} | Họ và tên{r3} | Mã số BHXH{r3} | Ngày tháng năm sinh{r3} | Giới tính{r3} | Số CCCD/ CMND/ Hộ chiếu{r3} "
    "| Cấp bậc, chức vụ, chức danh nghề, nơi làm việc{r3} | Vị trí việc làm{c4} | | | | Tiền lương{c6} | | | | | "
    "| Ngành/nghề nặng nhọc, độc hại{c2} | | Loại và hiệu lực hợp đồng lao động{c5} | | | | "
    "| Thời điểm đơn vị bắt đầu đóng BHXH{r3} | Thời điểm đơn vị kết thúc đóng BHXH{r3} | Ghi chú{r3}",
    " | | | | | | | Nhà quản lý{r2} | Chuyên môn kỹ thuật bậc cao{r2} | Chuyên môn kỹ thuật bậc trung{r2} "
    "| Khác{r2} | Hệ số/ Mức lương{r2} | Phụ cấp{c5} | | | | | Ngày bắt đầu{r2} | Ngày kết thúc{r2} "
    "| Ngày bắt đầu HĐLĐ Không xác định thời hạn{r2} | Hiệu lực HĐLĐ Xác định thời hạn{c2} | "
    "| Hiệu lực HĐLĐ Khác (Dưới 1 tháng, thử việc){c2} | | | |",
    " | | | | | | | | | | | | Chức vụ | Thâm niên VK (%) | Thâm niên nghề (%) | Phụ cấp lương "
    "| Các khoản bổ sung | | | | Ngày bắt đầu | Ngày kết thúc | Ngày bắt đầu | Ngày kết thúc | | |",
    " | ".join(f"({k})" for k in range(1, 28)),
]


def test_d02_lt_bhxh_three_header_rows_and_column_numbers(tmp_path):
    workers = ["Trần Văn Minh", "Phạm Thị Thu", "Lê Quang Vinh", "Vũ Đức Anh", "Ngô Thị Hằng"]
    title = [["TÊN ĐƠN VỊ SỬ DỤNG LAO ĐỘNG: Công ty TNHH Yên Hòa", None, None, None, None, None, None, None,
              "Mẫu D02-LT"], ["Mã đơn vị: TA0001A; Mã số thuế: 0600000001"], [],
             ["BÁO CÁO TÌNH HÌNH SỬ DỤNG LAO ĐỘNG VÀ DANH SÁCH THAM GIA BHXH, BHYT, BHTN"], []]
    header, merges = form_grid(D02_LT, first_row=6)
    people = [[k + 1, name, f"01{k}2345678", BORN[name], "Nam" if "Thị" not in name else "Nữ", ID[name],
               "Công nhân", None, None, None, "x", "5.310.000", None, None, None, None, None, None, None,
               "01/01/2020", None, None, None, None, "01/2020", None, None] for k, name in enumerate(workers)]
    rows = [*title, *header, *people, [None, "Tổng", *[None] * 25],
            [], [None, None, None, None, None, None, None, None, "ĐẠI DIỆN ĐƠN VỊ SỬ DỤNG LAO ĐỘNG"],
            [None, None, None, None, None, None, None, None, "(Ký, ghi rõ họ tên, đóng dấu)"]]
    run = run_form(tmp_path, "social_insurance", "d02_lt.xlsx", rows, merges)
    ing = run.file.ingested
    assert (ing.header_row, run.file.rows_read) == (6, 5)
    assert ing.mapping["Số CCCD/ CMND/ Hộ chiếu"] == "person_id"
    assert "extra:Tiền lương › Phụ cấp › Thâm niên VK (%)" in ing.records.columns
    matched(run, {10 + k: name for k, name in enumerate(workers)})
    no_findings_on(run, range(6, 10))


# Mẫu D02-TS (Quyết định 595/QĐ-BHXH, 14/4/2017): name and BHXH number only, sections and subtotals
D02_TS = [
    "STT{r3} | Họ và tên{r3} | Mã số BHXH{r3} | Cấp bậc, chức vụ, chức danh nghề, nơi làm việc{r3} | Tiền lương{c6} "
    "| | | | | | Từ tháng, năm{r3} | Đến tháng, năm{r3} | Ghi chú{r3}",
    " | | | | Hệ số/Mức lương{r2} | Phụ cấp{c5} | | | | | | |",
    " | | | | | Chức vụ | Thâm niên VK (%) | Thâm niên nghề (%) | Phụ cấp lương | Các khoản bổ sung | | |",
    "A | B | C | 1 | 2 | 3 | 4 | 5 | 6 | 7 | 8 | 9 | 10",
]


def test_d02_ts_bhxh_name_only_with_sections_and_subtotals(tmp_path):
    title = [["Tên đơn vị: Công ty TNHH Yên Hòa", None, None, None, None, None, None, None, None, "Mẫu: D02-TS"],
             ["Mã đơn vị: TA0001A"], ["DANH SÁCH LAO ĐỘNG THAM GIA BHXH, BHYT, BHTN, BHTNLĐ, BNN"],
             ["Số: 12 tháng 11 năm 2026"]]
    header, merges = form_grid(D02_TS, first_row=5)

    def person(k, name, start=None, end=None):
        return [k, name, f"01234567{k:02d}", "Công nhân", "4.960.000", None, None, None, None, None, start, end, None]

    def section(number, label):
        return [number, label, *[None] * 11]

    body = [section("I", "Tăng"), section("I.1", "Lao động"), person(1, "Vũ Đức Anh", "11/2026"),
            person(2, "Ngô Văn Đạt", "11/2026"), section("I.2", "Tiền lương"), section(None, "Cộng tăng"),
            section("II", "Giảm"), section("II.1", "Lao động"), person(3, "Phạm Thị Thu", None, "11/2026"),
            section("II.2", "Tiền lương"), section("III", "Khác"), section(None, "Cộng giảm")]
    rows = [*title, *header, *body, [], ["Tổng số Sổ BHXH đề nghị cấp: 0"], ["Tổng số thẻ BHYT đề nghị cấp: 0"],
            [None, "Người lập biểu", None, None, None, None, None, None, None, "Đơn vị"],
            [None, "(Ký, ghi rõ họ tên)", None, None, None, None, None, None, None, "(Ký, ghi rõ họ tên, đóng dấu)"]]
    run = run_form(tmp_path, "social_insurance", "d02_ts.xlsx", rows, merges)
    assert run.file.ingested.header_row == 5
    # the letter row, seven section titles, two subtotals and the four lines of the footer
    assert run.file.ingested.layout_rows == 14
    assert run.file.rows_read == 3
    for sheet_row, name in {11: "Vũ Đức Anh", 12: "Ngô Văn Đạt", 17: "Phạm Thị Thu"}.items():
        assert run.resident_of(sheet_row) == ("review", ID[name])  # a unique exact name, nothing more
    assert "not_in_residency" not in run.findings["kind"].to_list()
    assert set(run.findings["source_row"]) <= {11, 12, 17}


# A2.1/YTCS, Sổ tiêm chủng cơ bản cho trẻ em: one row per child, the birth date in the column of
# the child's sex, the date of each dose under its vaccine
A2_1 = [
    "TT{r3} | Họ và tên{r3} | Ngày tháng năm sinh{c2} | | Họ tên mẹ hoặc cha{r3} | Địa chỉ gia đình{r3} "
    "| Miễn dịch cơ bản{c12} | | | | | | | | | | | | Tiêm nhắc lại, bổ sung{c2} | | Số mũi UV mẹ đã tiêm{r3} | Ghi chú{r3}",
    " | | Nam{r2} | Nữ{r2} | | | BCG{c2} | | Viêm gan B sơ sinh{c2} | | DPT-VGB-Hib{c3} | | | Bại liệt{c3} | | "
    "| Sởi{r2} | TCĐĐ{r2} | DPT4{r2} | Sởi 2{r2} | |",
    " | | | | | | Ngày | Sẹo | ≤ 24 giờ | > 24 giờ | 1 | 2 | 3 | 1 | 2 | 3 | | | | | |",
    " | ".join(str(k) for k in range(1, 23)),
]


def test_a2_1_ytcs_the_vaccination_book_becomes_dose_rows(tmp_path):
    header, merges = form_grid(A2_1, first_row=3)
    blank = [None] * 16
    khoi = ["01/03/2026", "x", "01/03/2026", None, "03/05/2026", "07/06/2026", None, "03/05/2026", "07/06/2026",
            None, None, None, None, None, "2", None]
    ngoc = ["10/03/2025", "x", "02/03/2025", None, "05/05/2025", "06/06/2025", "07/07/2025", "05/05/2025",
            "06/06/2025", "07/07/2025", "02/12/2025", "02/12/2025", None, None, "3", None]
    rows = [["A2.1/YTCS"], ["SỔ TIÊM CHỦNG CƠ BẢN CHO TRẺ EM"], *header,
            [1, "Trần Minh Khôi", "01/03/2026", None, "Phạm Thị Thu", "Thôn Đông", *khoi],
            [2, "Trần Bảo Ngọc", None, "02/03/2025", "Phạm Thị Thu", "Thôn Đông", *ngoc],
            [3, "Vũ Hà Linh", None, "25/12/2024", "Hoàng Thị Mai", "Thôn Đông", *blank[:-1], "chuyển đi"]]
    run = run_form(tmp_path, "vaccination", "a2_1_ytcs.xlsx", rows, merges)
    records = run.file.ingested.records
    first = records.filter(pl.col("source_row") == 7)
    assert first.select("vaccine", "dose", pl.col("vaccination_date").cast(pl.String)).rows() == [
        ("BCG", None, "2026-03-01"), ("Viêm gan B sơ sinh", None, "2026-03-01"), ("DPT-VGB-Hib", "1", "2026-05-03"),
        ("DPT-VGB-Hib", "2", "2026-06-07"), ("Bại liệt", "1", "2026-05-03"), ("Bại liệt", "2", "2026-06-07")]
    assert records.filter(pl.col("source_row") == 8).height == 9  # TCĐĐ (fully immunised) is no dose
    assert records.filter(pl.col("source_row") == 9)["vaccine"].to_list() == [None]  # no dose yet: one row
    assert records.select("source_row", "gender", pl.col("birth_date").cast(pl.String)).unique(
        maintain_order=True).rows() == [(7, "M", "2026-03-01"), (8, "F", "2025-03-02"), (9, "F", "2024-12-25")]
    assert set(records["guardian_name"]) == {"Phạm Thị Thu", "Hoàng Thị Mai"}
    assert "extra:Số mũi UV mẹ đã tiêm" in records.columns and "extra:Miễn dịch cơ bản › BCG › Sẹo" in records.columns
    assert run.file.rows_read == 3 and run.outcomes.height == 3
    matched(run, {7: "Trần Minh Khôi", 8: "Trần Bảo Ngọc", 9: "Vũ Hà Linh"})


def test_bhxh_e_filing_export_of_d02_lt(tmp_path):
    # the BHXH e-filing template (FileMau-D02LT, sheet "DuLieu", data from row 5): real Excel dates,
    # a flag for year-only birth dates, IDs stored as numbers (the leading 0 lost)
    import datetime as dt

    top = ["STT", "Họ tên", "Mã số BHXH", "Tên loại hồ sơ", "LoạiHoSo", "Phương án", "Phương án ID",
           "Chỉ có năm sinh", "Ngày sinh", "Giới tính", "Số CCCD", "Chức vụ", "Phòng ban", "Nơi làm việc",
           "Tiền lương", "Phụ cấp lương"]
    workers = ["Trần Văn Minh", "Phạm Thị Thu", "Lê Quang Vinh"]
    rows = [["DANH SÁCH LAO ĐỘNG THAM GIA BHXH, BHYT, BHTN, BHTNLĐ, BNN (Mẫu D02-LT)"], [], [], top]
    for k, name in enumerate(workers):
        d, m, y = map(int, BORN[name].split("/"))
        rows.append([k + 1, name, f"01{k}2345678", "Tăng lao động", "TM", "TM-Tăng mới", 1, 0, dt.datetime(y, m, d),
                     "Nữ" if "Thị" in name else "Nam", int(ID[name]), "Công nhân", "Sản xuất", "Xưởng 1",
                     5310000, 0])
    run = run_form(tmp_path, "social_insurance", "d02lt_ke_khai.xlsx", rows, sheet="DuLieu")
    assert run.file.ingested.records["person_id"].to_list() == [ID[n] for n in workers]
    matched(run, {5 + k: name for k, name in enumerate(workers)})


def test_tt04_the_birth_register_reads_the_child_and_takes_the_mother_as_guardian(tmp_path):
    # Sổ đăng ký khai sinh (Thông tư 04/2020/TT-BTP): the child's columns, then "Mẹ" and "Cha" groups
    # that repeat "Họ, chữ đệm, tên", "Năm sinh", "Nơi cư trú"
    top = ["STT", "Số đăng ký", "Ngày, tháng, năm đăng ký", "Họ, chữ đệm, tên", "Ngày, tháng, năm sinh",
           "Giới tính", "Mẹ", None, None, "Cha", None, None]
    bottom = [None] * 6 + ["Họ, chữ đệm, tên", "Năm sinh", "Nơi cư trú"] * 2
    rows = [["SỔ ĐĂNG KÝ KHAI SINH"], top, bottom,
            [1, "12", "05/03/2026", "Trần Minh Khôi", "01/03/2026", "Nam", "Phạm Thị Thu", "1990", "Thôn Đông",
             "Trần Văn Minh", "1988", "Thôn Đông"]]
    path = tmp_path / "so_khai_sinh.csv"
    with open(path, "w", encoding="utf-8", newline="") as fh:
        csv.writer(fh).writerows([[("" if v is None else v) for v in r] for r in rows])
    record = ingest_file(SourceFile("civil_status", path)).records.row(0, named=True)
    assert record["full_name"] == "Trần Minh Khôi"
    assert record["birth_date"].isoformat() == "2026-03-01"
    assert record["guardian_name"] == "Phạm Thị Thu"  # the mother's, not the father's
    assert record["event_type"] == "Khai sinh"  # from the book's title
    assert record["extra:Cha › Họ, chữ đệm, tên"] == "Trần Văn Minh"


def test_tt04_the_death_register_reads_the_deceased_not_the_declarant(tmp_path):
    # Sổ đăng ký khai tử (Thông tư 04/2020/TT-BTP) as a software export flattens it: the part about the
    # deceased, then the declarant's ("Người đi đăng ký khai tử"), both with "Họ, chữ đệm, tên"
    header, merges = form_grid([
        "STT{r2} | Số đăng ký{r2} | Ngày, tháng, năm đăng ký{r2} | Phần ghi về người được khai tử{c7} | | | | | | "
        "| Người đi đăng ký khai tử{c3} | | | Ghi chú{r2}",
        " | | | Họ, chữ đệm, tên | Ngày, tháng, năm sinh | Giới tính | Giấy tờ tùy thân | Đã chết vào lúc | Nơi chết "
        "| Nguyên nhân chết | Họ, chữ đệm, tên | Giấy tờ tùy thân | Quan hệ với người chết |"], first_row=6)
    rows = [*TITLE, ["SỔ ĐĂNG KÝ KHAI TỬ"], ["Quyển số: 01/2026"], [], *header,
            [1, "21", "10/11/2026", "Lê Văn Thành", "05/11/1945", "Nam",
             f"Căn cước công dân số {ID['Lê Văn Thành']}", "08/11/2026", "Tại nhà", "Bệnh già", "Lê Quang Vinh",
             f"Căn cước công dân số {ID['Lê Quang Vinh']}", "Con", None]]
    run = run_form(tmp_path, "civil_status", "so_khai_tu.xlsx", rows, merges)
    record = run.file.ingested.records.row(0, named=True)
    assert (record["full_name"], record["person_id"], record["event_type"]) == (
        "Lê Văn Thành", ID["Lê Văn Thành"], "Khai tử")
    assert record["extra:Người đi đăng ký khai tử › Họ, chữ đệm, tên"] == "Lê Quang Vinh"
    matched(run, {8: "Lê Văn Thành"})


def test_nd20_the_payment_list_reads_the_beneficiary_not_who_collects(tmp_path):
    # Danh sách chi trả trợ cấp xã hội hằng tháng (Nghị định 20/2021/NĐ-CP; laid out by the province):
    # the birth year in the column of the person's sex, a "Người nhận" group for whoever collects
    header, merges = form_grid([
        "STT{r2} | Họ và tên{r2} | Năm sinh{c2} | | Địa chỉ (thôn/xóm){r2} | Đối tượng{r2} | Hệ số{r2} "
        "| Mức trợ cấp (đồng){r2} | Số tháng{r2} | Thành tiền (đồng){r2} | Người nhận{c3} | | | Ghi chú{r2}",
        " | | Nam | Nữ | | | | | | | Họ và tên (người nhận thay) | Số CCCD | Ký nhận |",
        "A | B | 1 | 2 | 3 | 4 | 5 | 6 | 7 | 8 | 9 | 10 | 11 | 12"], first_row=6)
    rows = [*TITLE, [], ["DANH SÁCH CHI TRẢ TRỢ CẤP XÃ HỘI HẰNG THÁNG"], ["Tháng 11 năm 2026"], *header,
            [1, "Lê Văn Thành", "1945", None, "Thôn Đông", "Người cao tuổi", "1,0", "500.000", "1", "500.000",
             "Lê Quang Vinh", ID["Lê Quang Vinh"], None, None],
            [2, "Đỗ Thị Hoa", None, "1948", "Thôn Đông", "Người cao tuổi", "1,0", "500.000", "1", "500.000",
             None, None, None, None],
            [3, "Ngô Văn Sáu", "1952", None, "Thôn Đông", "Người khuyết tật nặng", "1,5", "750.000", "1", "750.000",
             "Ngô Thị Hằng", ID["Ngô Thị Hằng"], None, None],
            [None, "Tổng cộng", None, None, None, None, None, None, None, "1.750.000", None, None, None, None],
            ["Số tiền bằng chữ: Một triệu bảy trăm năm mươi nghìn đồng"], *SIGNATURES]
    run = run_form(tmp_path, "social_protection", "chi_tra.xlsx", rows, merges)
    records = run.file.ingested.records
    assert records["full_name"].to_list() == ["Lê Văn Thành", "Đỗ Thị Hoa", "Ngô Văn Sáu"]
    assert records["gender"].to_list() == ["M", "F", "M"]
    assert records["person_id"].to_list() == [None, None, None]  # the receiver's ID is not the beneficiary's
    assert records["extra:Người nhận › Họ và tên (người nhận thay)"].to_list() == ["Lê Quang Vinh", None, "Ngô Thị Hằng"]
    matched(run, {9: "Lê Văn Thành", 10: "Đỗ Thị Hoa", 11: "Ngô Văn Sáu"})
    no_findings_on(run, range(6, 9))
    no_findings_on(run, range(12, 20))


def test_nd20_the_adjustment_list_takes_the_amount_after_the_adjustment(tmp_path):
    # Danh sách điều chỉnh mức trợ cấp (Nghị định 20/2021/NĐ-CP): "Hệ số", "Số tiền" under
    # "Đang hưởng" and under "Điều chỉnh sang"
    header, merges = form_grid([
        "STT{r2} | Họ và tên{r2} | Ngày, tháng, năm sinh{r2} | Địa chỉ{r2} | Đối tượng{r2} | Đang hưởng{c2} | "
        "| Điều chỉnh sang{c2} | | Thời điểm điều chỉnh{r2} | Ghi chú{r2}",
        " | | | | | Hệ số | Số tiền | Hệ số | Số tiền | |",
        " | ".join(f"({k})" for k in range(1, 12))], first_row=5)
    rows = [*TITLE, ["DANH SÁCH ĐIỀU CHỈNH MỨC TRỢ CẤP XÃ HỘI"], [], *header,
            [1, "Lê Văn Thành", "05/11/1945", "Thôn Đông", "Người cao tuổi", "1,0", "500.000", "1,5", "750.000",
             "12/2026", None],
            [2, "Bùi Thị Tám", "08/08/1955", "Thôn Đông", "Người khuyết tật", "1,0", "500.000", "2,0", "1.000.000",
             "12/2026", None]]
    run = run_form(tmp_path, "social_protection", "dieu_chinh.xlsx", rows, merges)
    records = run.file.ingested.records
    assert records["allowance_amount"].to_list() == ["750.000", "1.000.000"]
    assert records["extra:Đang hưởng › Số tiền"].to_list() == ["500.000", "500.000"]
    matched(run, {8: "Lê Văn Thành", 9: "Bùi Thị Tám"})


def test_a_member_roster_with_several_lines_per_member(tmp_path):
    # a member register (Mẫu 7-HSĐV style): each member over lines, each header cell naming its lines,
    # "Nam, nữ, dân tộc, tôn giáo" a combined column
    top = ["Số TT", "Họ và tên khai sinh\nHọ và tên đang dùng", "Ngày, tháng, năm sinh\nNam, nữ, dân tộc, tôn giáo",
           "Quê quán\nNơi cư trú", "Ngày vào hội\nChi hội"]
    members = [("Trần Văn Hùng", "Nam, Kinh, Không"), ("Lê Văn Thành", "Nam, Kinh, Không"),
               ("Bùi Thị Tám", "Nữ, Kinh, Phật giáo")]
    rows = [["HỘI CỰU CHIẾN BINH XÃ YÊN HÒA"], ["DANH SÁCH HỘI VIÊN"], top, ["1", "2", "3", "4", "5"]]
    for k, (name, more) in enumerate(members):
        rows += [[k + 1, name, BORN[name], "Yên Hòa, Nam Định", "03/02/1990"],
                 [None, name if k != 1 else None, more, "Thôn Đông", "Chi hội Đông"]]
    run = run_form(tmp_path, "union_membership", "hoi_vien.xlsx", rows)
    records = run.file.ingested.records
    assert records.select("source_row", "full_name", "gender", "address").rows() == [
        (5, "Trần Văn Hùng", "M", "Thôn Đông"), (7, "Lê Văn Thành", "M", "Thôn Đông"),
        (9, "Bùi Thị Tám", "F", "Thôn Đông")]
    matched(run, {5: "Trần Văn Hùng", 7: "Lê Văn Thành", 9: "Bùi Thị Tám"})


def test_a_name_only_form_is_reviewed_with_the_one_resident_of_that_name(tmp_path):
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


def test_a_form_that_cannot_be_read_is_refused_naming_its_structure_not_its_cells(tmp_path):
    # a marriage register: two people per row, under "Chồng" and "Vợ", neither the one the list is about
    header, _ = form_grid([
        "STT | Số đăng ký | Chồng | | | Vợ | |",
        " | | Họ, chữ đệm, tên | Ngày, tháng, năm sinh | Giấy tờ tùy thân | Họ, chữ đệm, tên | Ngày, tháng, năm sinh "
        "| Giấy tờ tùy thân"], first_row=2)
    rows = [["SỔ ĐĂNG KÝ KẾT HÔN"], *header,
            [1, "3", "Vũ Đức Anh", "11/11/1993", ID["Vũ Đức Anh"], "Hoàng Thị Mai", "09/10/1995", ID["Hoàng Thị Mai"]]]
    path = tmp_path / "ket_hon.csv"
    with open(path, "w", encoding="utf-8", newline="") as fh:
        csv.writer(fh).writerows([[("" if v is None else v) for v in r] for r in rows])
    with pytest.raises(InputFileError) as err:
        ingest_file(SourceFile("civil_status", path))
    message = str(err.value)
    assert message.startswith("ket_hon.csv: the header 'Họ, chữ đệm, tên' appears in columns C and F")
    assert "group titles in row 2" in message  # the structure it did not understand
    for value in ("Vũ", "Hoàng", "Chồng", "Vợ", ID["Vũ Đức Anh"], "1993"):
        assert value not in message
