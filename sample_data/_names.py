"""Reference lists for the sample-data generator: names, places, vaccines, organisations.

All strings are NFC and use the *old* tone placement (Hòa, Thủy), as the population database
holds them; the generator's ``tone_style`` error switches a row to the new style (Hoà, Thuỷ).
Lists are ordered by popularity: the generator gives them Zipf-like weights by rank.
"""

from __future__ import annotations

# Surname shares from DOMAIN.md (Hoàng/Huỳnh and Vũ/Võ split north-heavy: commune in the north).
SURNAMES_TOP: tuple[tuple[str, float], ...] = (
    ("Nguyễn", 0.380), ("Trần", 0.110), ("Lê", 0.095), ("Phạm", 0.071),
    ("Hoàng", 0.031), ("Huỳnh", 0.020), ("Phan", 0.045), ("Vũ", 0.024), ("Võ", 0.015),
    ("Đặng", 0.021), ("Bùi", 0.020), ("Đỗ", 0.014), ("Hồ", 0.013), ("Ngô", 0.013),
    ("Dương", 0.010), ("Lý", 0.005),
)
# The tail shares the rest (≈ 11 %) with Zipf weights by rank; compound and ethnic names last.
SURNAMES_TAIL: tuple[str, ...] = (
    "Trương", "Đinh", "Lâm", "Mai", "Đoàn", "Trịnh", "Lưu", "Đào", "Cao", "Hà", "Tô", "Lương",
    "Tạ", "Vương", "Đàm", "Quách", "Triệu", "Chu", "Phùng", "Kiều", "Thái", "Lại", "Khúc",
    "Nghiêm", "Mạc", "Từ", "Tăng", "Khổng", "Hứa", "Lục", "Nông", "La", "Văn", "Doãn",
    "Thân", "Giáp", "Tống", "Hoàng Phủ", "Tôn Nữ", "Tôn Thất", "Âu Dương", "Nguyễn Phúc",
    "Ksor", "Rơ Mah", "Siu", "Nay", "Kpă", "Rah Lan",
)

# Middle names. Thị / Văn shares fall with the birth year (see _people.middle_names).
MIDDLE_F_OTHER: tuple[str, ...] = (
    "Ngọc", "Thu", "Thanh", "Kim", "Thúy", "Mai", "Hồng", "Bích", "Phương", "Minh", "Diệu",
    "Khánh", "Bảo", "Hải", "Quỳnh", "Thùy", "Hoài", "Lan", "Như", "Tuyết",
)
MIDDLE_M_OTHER: tuple[str, ...] = (
    "Đức", "Hữu", "Minh", "Quang", "Công", "Đình", "Xuân", "Quốc", "Thanh", "Ngọc", "Trọng",
    "Tiến", "Duy", "Mạnh", "Hoàng", "Gia", "Bá", "Anh", "Việt", "Thế", "Huy", "Khánh",
)

GIVEN_M: tuple[str, ...] = (
    "Hùng", "Dũng", "Tuấn", "Minh", "Nam", "Hải", "Sơn", "Thắng", "Long", "Cường", "Hưng",
    "Tùng", "Đức", "Thành", "Quang", "Trung", "Hiếu", "Huy", "Hoàng", "Phong", "Anh", "Việt",
    "Kiên", "Thanh", "Bình", "Tú", "Tâm", "Hòa", "An", "Khánh", "Đạt", "Toàn", "Quân", "Vinh",
    "Lâm", "Phúc", "Hiệp", "Thái", "Tiến", "Trọng", "Duy", "Khoa", "Mạnh", "Bảo", "Chiến",
    "Thịnh", "Lợi", "Hậu", "Tài", "Lộc", "Nghĩa", "Phương", "Công", "Đông", "Giang", "Hào",
    "Thuận", "Trường", "Vũ", "Xuân", "Bằng", "Chính", "Cảnh", "Dương", "Định", "Hiển", "Khải",
    "Khang", "Khôi", "Kiệt", "Lực", "Nhân", "Nhật", "Phát", "Phú", "Quý", "Quyết", "Sang",
    "Tân", "Thông", "Trí", "Tuyên", "Vương", "Đại", "Đăng", "Điệp", "Ân", "Tầm", "Bách",
    "Biên", "Chung", "Cương", "Dân", "Doanh", "Du", "Đoàn", "Được", "Gia", "Hân", "Hiền",
    "Hoan", "Hợp", "Hưởng", "Kha", "Khiêm", "Khương", "Kỳ", "Lãm", "Lập", "Liêm", "Linh",
    "Lương", "Lý", "Mậu", "Năng", "Nhất", "Ninh", "Phi", "Quảng", "Quế", "Sáng", "Sỹ", "Tạo",
    "Thạch", "Thao", "Thiện", "Thọ", "Thức", "Thụy", "Tình", "Toản", "Tráng", "Triều", "Trực",
    "Tuệ", "Tường", "Uy", "Vạn", "Vĩ", "Vỹ", "Vượng", "Bắc", "Chương", "Cử", "Dự", "Đảm",
    "Đoan", "Giáp", "Hách", "Hãn", "Hạo", "Khiết", "Luân", "Lĩnh", "Mỹ", "Ngạn", "Nguyên",
    "Nhiên", "Quỳnh", "Sĩ", "Tấn", "Thể", "Tĩnh", "Tuân", "Ước", "Vĩnh", "Yên", "Ấn",
)
GIVEN_F: tuple[str, ...] = (
    "Lan", "Hương", "Hoa", "Hằng", "Linh", "Trang", "Thảo", "Hà", "Nga", "Mai", "Ngọc", "Hạnh",
    "Huyền", "Thủy", "Phương", "Dung", "Anh", "Yến", "Loan", "Hiền", "Thu", "Nhung", "Vân",
    "Hồng", "Oanh", "Liên", "Tuyết", "Xuân", "Ly", "Giang", "Quỳnh", "Thúy", "Thùy", "Vy",
    "Trâm", "Nhi", "Chi", "My", "Hòa", "Duyên", "Tâm", "Ánh", "Hải", "Bích", "Cúc", "Diệp",
    "Đào", "Hậu", "Hoài", "Huệ", "Hường", "Khánh", "Kiều", "Liễu", "Lý", "Mỹ", "Ngân",
    "Nguyệt", "Nhàn", "Quyên", "Thắm", "Thanh", "Thơ", "Thư", "Thương", "Tiên", "Trà",
    "Trinh", "Uyên", "Vi", "An", "Ân", "Bình", "Châu", "Diệu", "Dương", "Điệp", "Hạ", "Hân",
    "Hiên", "Khuê", "Mận", "Ngà", "Nương", "Phượng", "Quế", "Sen", "Tầm", "Thơm", "Thường",
    "Hợi", "Lài", "Lụa", "Mơ", "Na", "Nụ", "Nhạn", "Nhài", "Tươi", "Thoa", "Xoan", "Gấm",
    "Điểm", "Hoan", "Khuyên", "Kim", "Lệ", "Lựu", "Mến", "Miên", "Ngát", "Nhị", "Như",
    "Ngoan", "Phụng", "Sương", "Thêu", "Thìn", "Thục", "Thuận", "Thuần", "Thuyên", "Tình",
    "Trúc", "Tú", "Tư", "Uyển", "Xuyến", "Yên", "Hảo", "Diễm", "Lam", "Lành", "Luyến", "Mây",
    "Mùi", "Ngần", "Nhâm", "Ninh", "Sinh", "Thẩm", "Thiều", "Đoan", "Hiếu", "Huyên", "Loan Anh",
    "Mỵ", "Ngữ", "Phấn", "Quyến", "Thủy Tiên", "Tuyền", "Vĩnh", "Xuyên", "Yểu", "Ấn", "Bảo",
)

# Villages: named hamlets first, then numbered ones as the commune grows.
VILLAGES_NAMED: tuple[str, ...] = (
    "Xóm Đông", "Xóm Tây", "Thôn Thượng", "Thôn Hạ", "Thôn Trung", "Xóm Chợ", "Thôn Đoài",
    "Xóm Bắc",
)

# Province codes of birth registration (3-digit, "0" + old GSO code) other than the home one.
PROVINCES: tuple[str, ...] = (
    "001", "002", "004", "006", "008", "010", "011", "012", "014", "015", "017", "019", "020",
    "022", "024", "025", "026", "027", "030", "031", "033", "034", "035", "036", "037", "038",
    "040", "042", "044", "045", "046", "048", "049", "051", "052", "054", "056", "058", "060",
    "062", "064", "066", "067", "068", "070", "072", "074", "075", "077", "079", "080", "082",
    "083", "084", "086", "087", "089", "091", "092", "093", "094", "095", "096",
)
# Provinces people in a Red-River-delta commune most often come from (weights ×8).
NEAR_PROVINCES: tuple[str, ...] = ("001", "034", "035", "037", "038", "030", "031", "033")

# Addresses of non-residents (neighbouring communes, the cities where people go to work).
OTHER_PLACES: tuple[str, ...] = (
    "xã Yên Bằng, huyện Ý Yên, tỉnh Nam Định", "xã Yên Tiến, huyện Ý Yên, tỉnh Nam Định",
    "xã Yên Lợi, huyện Ý Yên, tỉnh Nam Định", "thị trấn Lâm, huyện Ý Yên, tỉnh Nam Định",
    "xã Yên Khang, tỉnh Ninh Bình", "phường Nam Định, tỉnh Ninh Bình",
    "xã Gia Hòa, huyện Gia Viễn, tỉnh Ninh Bình", "phường Trung Hòa, quận Cầu Giấy, Hà Nội",
    "phường Thanh Xuân, Hà Nội", "xã Thanh Liêm, tỉnh Hà Nam",
    "phường Dĩ An, tỉnh Bình Dương", "phường Bình Tân, TP. Hồ Chí Minh",
)

# Expanded programme on immunisation (TCMR) schedule: (vaccine, dose, due age in days).
VACCINE_SCHEDULE: tuple[tuple[str, str, int], ...] = (
    ("Viêm gan B sơ sinh", "Mũi 1", 0),
    ("BCG", "Mũi 1", 7),
    ("DPT-VGB-Hib", "Mũi 1", 61),
    ("OPV", "Lần 1", 61),
    ("DPT-VGB-Hib", "Mũi 2", 91),
    ("OPV", "Lần 2", 91),
    ("DPT-VGB-Hib", "Mũi 3", 122),
    ("OPV", "Lần 3", 122),
    ("IPV", "Mũi 1", 152),
    ("Sởi", "Mũi 1", 274),
    ("IPV", "Mũi 2", 274),
    ("Viêm não Nhật Bản", "Mũi 1", 365),
    ("Viêm não Nhật Bản", "Mũi 2", 380),
    ("Sởi-Rubella", "Mũi 1", 548),
    ("DPT", "Mũi 4", 548),
    ("Viêm não Nhật Bản", "Mũi 3", 730),
)

ORGANISATIONS: tuple[str, ...] = (
    "Đoàn TNCS Hồ Chí Minh", "Hội Phụ nữ", "Hội Nông dân", "Hội Cựu chiến binh",
    "Hội Người cao tuổi",
)

# Social-protection categories: (label, amount as officers type it, alternative typing).
SP_ELDERLY_75 = ("Người cao tuổi từ đủ 75 tuổi trở lên", "500.000", "500000")
SP_ELDERLY_70_POOR = ("Người cao tuổi từ 70 đến dưới 75 tuổi thuộc hộ nghèo", "500.000", "500000")
SP_DISABLED = ("Người khuyết tật nặng", "750.000", "750000")
SP_DISABLED_SEVERE = ("Người khuyết tật đặc biệt nặng", "1.000.000", "1000000")
SP_ORPHAN = ("Trẻ em mồ côi cả cha và mẹ", "1.250.000", "1250000")
