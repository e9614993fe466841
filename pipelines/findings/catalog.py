"""Every finding kind: severity, the Vietnamese wording officers read, and the sector labels.

A kind is identified by ``(field, kind)``. ``CATALOG`` gives its default severity, the problem
("Nội dung sai lệch") and the action ("Đề nghị xử lý"); the action is followed by the suggested
value when there is one. The soft contract rules (``contracts.rules``) set their own severity;
``RULE_TEXT`` words them by kind, whatever the field. Anything else gets a generic wording.
A new finding kind is a detector plus one row here.
"""

from __future__ import annotations

import polars as pl

from contracts import fields as F

SEVERITIES: tuple[str, ...] = ("critical", "high", "medium", "low")  # most serious first
SEVERITY_RANK = {s: i for i, s in enumerate(SEVERITIES)}
SEVERITY_VI = {"critical": "Đặc biệt nghiêm trọng", "high": "Cao", "medium": "Trung bình", "low": "Thấp"}

# A sector's name as officers read it (a new sector is its contract plus one label here).
SECTOR_VI = {
    "civil_status": "Hộ tịch",
    "vaccination": "Tiêm chủng",
    "social_protection": "Bảo trợ xã hội",
    "social_insurance": "Bảo hiểm xã hội",
    "union_membership": "Đoàn thể, hội",
    F.RESIDENCY: "Công an xã – CSDLQG về dân cư",
}

FIELD_VI = {
    "full_name": "Họ tên", "birth_date": "Ngày sinh", "gender": "Giới tính", "person_id": "Số định danh",
    "record": "Cả dòng",
}

# (field, kind): (severity, problem, action). The action ends with ": " when the suggested value follows.
CATALOG: dict[tuple[str, str], tuple[str, str, str]] = {
    ("full_name", "missing_diacritics"): (
        "low", "Họ tên viết không dấu", "Ghi lại họ tên có dấu đúng như CSDLQG về dân cư: "),
    ("full_name", "different"): (
        "medium", "Họ tên viết khác CSDLQG về dân cư", "Kiểm tra giấy tờ và sửa họ tên thành: "),
    ("full_name", "words_run_together"): (
        "low", "Họ tên viết liền hoặc tách sai khoảng trắng giữa các chữ", "Sửa khoảng trắng, ghi họ tên: "),
    ("full_name", "middle_name_missing"): (
        "medium", "Họ tên thiếu tên đệm", "Bổ sung tên đệm, ghi đầy đủ họ tên: "),
    ("full_name", "middle_name_extra"): (
        "medium", "Họ tên thừa tên đệm", "Bỏ tên đệm thừa, ghi họ tên: "),
    ("birth_date", "missing"): ("medium", "Thiếu ngày sinh", "Bổ sung ngày sinh: "),
    ("birth_date", "less_precise"): (
        "low", "Ngày sinh chưa đầy đủ (chỉ có năm hoặc ghi 01/01)", "Ghi đầy đủ ngày, tháng, năm sinh: "),
    ("birth_date", "day_month_swapped"): (
        "medium", "Ngày sinh bị đảo ngày và tháng", "Sửa ngày sinh (ngày/tháng/năm) thành: "),
    ("birth_date", "different"): (
        "high", "Ngày sinh khác CSDLQG về dân cư", "Kiểm tra giấy tờ và sửa ngày sinh thành: "),
    ("gender", "missing"): ("low", "Thiếu giới tính", "Bổ sung giới tính: "),
    ("gender", "different"): ("medium", "Giới tính khác CSDLQG về dân cư", "Kiểm tra và sửa giới tính thành: "),
    ("person_id", "missing"): ("medium", "Thiếu số định danh cá nhân", "Bổ sung số định danh cá nhân: "),
    ("person_id", "old_id_given"): (
        "medium", "Ghi số CMND cũ thay cho số định danh cá nhân", "Cập nhật số định danh cá nhân 12 số: "),
    ("person_id", "different"): (
        "high", "Số định danh cá nhân khác CSDLQG về dân cư", "Kiểm tra thẻ CCCD và sửa số định danh thành: "),
    ("person_id", "belongs_to_other_resident"): (
        "high", "Số định danh ghi trên dòng là của người khác (thường là của cha, mẹ)",
        "Thay bằng số định danh của chính người này: "),
    ("person_id", "unreadable"): (
        "medium", "Số định danh bị hỏng (Excel đổi sang dạng số mũ, mất chữ số)",
        "Định dạng ô là văn bản (Text) và nhập lại đủ 12 số: "),
    ("person_id", "lost_leading_zero"): (
        "low", "Số định danh mất số 0 ở đầu (ô Excel dạng số)",
        "Định dạng ô là văn bản (Text) và nhập đủ 12 số: "),
    ("record", "not_in_residency"): (
        "medium", "Không tìm thấy người này trong dữ liệu dân cư của xã",
        "Xác minh nơi cư trú và số định danh; nếu không cư trú tại xã, ghi rõ lý do"),
    ("record", "uncertain_match"): (
        "medium", "Chưa xác định chắc chắn được người này trong CSDLQG về dân cư",
        "Đối chiếu giấy tờ; nếu đúng người, bổ sung số định danh: "),
    ("record", "duplicate_in_list"): (
        "medium", "Trùng lặp: cùng một người được ghi nhiều lần trong danh sách",
        "Xóa dòng trùng, giữ lại dòng: "),
    ("record", "duplicate_payment"): (
        "high", "Trùng lặp trong danh sách chi trả: nguy cơ chi trả hai lần",
        "Rà soát việc chi trả và xóa dòng trùng, giữ lại dòng: "),
    ("record", "deceased_still_listed"): (
        "critical", "Người đã được đăng ký khai tử nhưng vẫn còn trong danh sách",
        "Đưa ra khỏi danh sách, dừng chi trả/sinh hoạt từ sau ngày mất. Căn cứ: "),
    ("record", "deceased_in_residency"): (
        "critical", "Đã đăng ký khai tử nhưng vẫn còn trong CSDLQG về dân cư",
        "Cập nhật thông tin người đã chết, xóa đăng ký thường trú. Căn cứ: "),
    ("birth_date", "residency_less_precise"): (
        "low", "CSDLQG về dân cư chỉ có năm sinh; danh sách ngành ghi đủ ngày sinh",
        "Xác minh giấy tờ và cập nhật ngày sinh đầy đủ: "),
}

# Short labels for charts and summaries (the report).
SHORT_VI: dict[tuple[str, str], str] = {
    ("full_name", "missing_diacritics"): "Họ tên không dấu",
    ("full_name", "different"): "Họ tên viết khác",
    ("full_name", "words_run_together"): "Họ tên sai khoảng trắng",
    ("full_name", "middle_name_missing"): "Họ tên thiếu tên đệm",
    ("full_name", "middle_name_extra"): "Họ tên thừa tên đệm",
    ("birth_date", "missing"): "Thiếu ngày sinh",
    ("birth_date", "less_precise"): "Ngày sinh chưa đầy đủ",
    ("birth_date", "day_month_swapped"): "Ngày sinh đảo ngày/tháng",
    ("birth_date", "different"): "Ngày sinh khác",
    ("gender", "missing"): "Thiếu giới tính",
    ("gender", "different"): "Giới tính khác",
    ("person_id", "missing"): "Thiếu số định danh",
    ("person_id", "old_id_given"): "Ghi số CMND cũ",
    ("person_id", "different"): "Số định danh khác",
    ("person_id", "belongs_to_other_resident"): "Số định danh của người khác",
    ("person_id", "unreadable"): "Số định danh bị hỏng",
    ("person_id", "lost_leading_zero"): "Số định danh mất số 0 đầu",
    ("record", "not_in_residency"): "Không có trong dữ liệu dân cư",
    ("record", "uncertain_match"): "Chưa xác định chắc chắn",
    ("record", "duplicate_in_list"): "Trùng lặp trong danh sách",
    ("record", "duplicate_payment"): "Trùng lặp chi trả",
    ("record", "deceased_still_listed"): "Đã khai tử, còn trong danh sách",
    ("record", "deceased_in_residency"): "Đã khai tử, còn trong CSDL dân cư",
    ("birth_date", "residency_less_precise"): "CSDL dân cư thiếu ngày sinh",
}

# A finding of the first kind on a row makes the listed ones on the same row redundant (the
# suggested value already fixes them): e.g. a parent's ID on a child's row is also "inconsistent
# with the birth year" — one finding, the more specific, is enough.
_ID_SOFT = (("person_id", "id_inconsistent_birth_year"), ("person_id", "id_inconsistent_gender"))
SUPERSEDES: dict[tuple[str, str], tuple[tuple[str, str], ...]] = {
    ("person_id", "belongs_to_other_resident"): _ID_SOFT,
    ("person_id", "different"): _ID_SOFT,
    ("person_id", "unreadable"): _ID_SOFT,
    ("birth_date", "different"): (("person_id", "id_inconsistent_birth_year"),),
    ("gender", "different"): (("person_id", "id_inconsistent_gender"),),
}

# Soft contract rules (contracts.rules), by kind: (problem, action).
RULE_TEXT: dict[str, tuple[str, str]] = {
    "id_inconsistent_birth_year": (
        "Năm sinh trong số định danh (chữ số thứ 4–6) khác năm sinh ghi trên dòng",
        "Kiểm tra số định danh và ngày sinh theo thẻ CCCD"),
    "id_inconsistent_gender": (
        "Giới tính trong số định danh (chữ số thứ 4) khác giới tính ghi trên dòng",
        "Kiểm tra số định danh và giới tính theo thẻ CCCD"),
    "id_unknown_province": (
        "Ba chữ số đầu của số định danh không phải mã tỉnh nơi đăng ký khai sinh",
        "Kiểm tra số định danh theo thẻ CCCD"),
    "unreadable": ("Ngày ghi trên dòng không đọc được", "Ghi lại ngày theo dạng ngày/tháng/năm"),
    "not_a_commune_code": (
        "Mã xã không đúng (mã đơn vị hành chính cấp xã gồm 5 chữ số)",
        "Ghi lại mã xã theo danh mục đơn vị hành chính"),
    "in_future": ("Ngày ghi trên dòng sau kỳ đối soát", "Kiểm tra và sửa ngày"),
    "before_birth": ("Ngày ghi trên dòng trước ngày sinh", "Kiểm tra ngày sinh và ngày này"),
    "below_social_pension_age": (
        "Chưa đủ tuổi hưởng trợ cấp người cao tuổi/hưu trí xã hội theo ngày sinh trên dòng",
        "Kiểm tra ngày sinh và điều kiện hưởng"),
    "below_membership_age": (
        "Chưa đủ tuổi kết nạp theo điều lệ của tổ chức", "Kiểm tra ngày sinh và tên tổ chức"),
    "above_membership_age": (
        "Quá tuổi đoàn viên (trên 35 tuổi)", "Kiểm tra ngày sinh; nếu đúng, làm thủ tục trưởng thành Đoàn"),
    "not_eligible_gender": (
        "Nam giới trong danh sách hội viên Hội Phụ nữ", "Kiểm tra giới tính và tên tổ chức"),
}

GENERIC_PROBLEM = "Dữ liệu cần kiểm tra"
GENERIC_ACTION = "Kiểm tra và sửa theo giấy tờ"


def catalog_frame() -> pl.DataFrame:
    """The catalog as a frame: field, kind, default_severity, problem_vi, action_vi_prefix."""
    rows = [(f, k, sev, problem, action) for (f, k), (sev, problem, action) in CATALOG.items()]
    return pl.DataFrame(rows, schema=["field", "kind", "default_severity", "problem_vi", "action_prefix"], orient="row")


def rule_text_frame() -> pl.DataFrame:
    """The soft rules' wording as a frame: kind, rule_problem_vi, rule_action_vi."""
    rows = [(k, m, a) for k, (m, a) in RULE_TEXT.items()]
    return pl.DataFrame(rows, schema=["kind", "rule_problem_vi", "rule_action_vi"], orient="row")


def severity_rank(col: str | pl.Expr = "severity") -> pl.Expr:
    """0 for critical … 3 for low, 9 for anything else (sorts most serious first)."""
    e = pl.col(col) if isinstance(col, str) else col
    return e.replace_strict(SEVERITY_RANK, default=9, return_dtype=pl.Int8)
