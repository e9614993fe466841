"""Column headers as offices write them → canonical field names (contracts/fields.py).

Headers are compared through ``header_key`` (lower case, no tone marks, only a-z0-9), so
"HỌ VÀ TÊN ", "Họ và tên" and "Ho va ten" are one synonym. Plain Python: a file has few headers.
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter
from collections.abc import Mapping, Sequence
from functools import lru_cache

from rapidfuzz import fuzz
from unidecode import unidecode

# Canonical field → synonyms as offices write them, best first (order breaks ties between two
# headers of one file). Besides contracts/fields.py this introduces four extra fields:
# row_number ("STT"), guardian_name (mother or carer in vaccination lists), family_middle_name
# and given_name (a name split over two columns; the reader joins them into full_name) and
# branch (the village branch of an association, "Chi hội").
HEADER_SYNONYMS: dict[str, tuple[str, ...]] = {
    "row_number": ("STT", "TT", "Số TT", "Số thứ tự"),
    # person_id: a column that may hold a 12-digit ID or a 9-digit CMND; the reader routes
    # 9-digit values to old_id.
    "person_id": (
        "Số định danh cá nhân", "Số định danh", "Mã định danh cá nhân", "Mã định danh",
        "Mã số định danh cá nhân", "Mã số định danh", "Số ĐDCN", "ĐDCN", "Định danh cá nhân",
        "Số CCCD", "CCCD", "Số căn cước công dân", "Căn cước công dân", "Số căn cước",
        "Số thẻ căn cước", "Số CMND/CCCD", "CMND/CCCD", "Số CCCD/CMND", "CCCD/CMND",
        "Số CMND/CCCD/ĐDCN", "Số CMND/CC", "Số CMT/CCCD", "Số ĐDCN/CCCD", "Số CCCD/ĐDCN",
        "Số CC/CCCD", "Số chứng minh nhân dân/căn cước công dân",
        "Giấy tờ tùy thân", "Số giấy tờ tùy thân", "Giấy tờ tuỳ thân", "Số giấy tờ tuỳ thân",
        "Giấy tờ tùy thân (số, ngày cấp, nơi cấp)",
    ),
    "old_id": (
        "Số CMND", "CMND", "Số chứng minh nhân dân", "Chứng minh nhân dân", "Số CMT", "CMT",
        "Số chứng minh thư", "Số CMND cũ", "CMND cũ", "Số CMND 9 số",
    ),
    "full_name": (
        "Họ và tên", "Họ tên", "Họ và tên công dân", "Họ tên công dân", "Tên công dân",
        "Họ tên trẻ", "Họ và tên trẻ", "Họ tên trẻ em", "Tên trẻ", "Họ tên người được tiêm",
        "Họ và tên người được tiêm", "Họ tên đối tượng", "Họ và tên đối tượng",
        "Họ tên người hưởng", "Họ và tên người hưởng", "Họ tên người tham gia",
        "Họ và tên người tham gia", "Họ tên hội viên", "Họ và tên hội viên", "Họ tên đoàn viên",
        "Họ và tên đoàn viên", "Họ tên người lao động", "Họ và tên người lao động",
        "Họ tên nhân khẩu", "Họ và tên nhân khẩu", "Họ và tên khai sinh", "Họ tên khai sinh",
        "Họ và tên người chết", "Họ tên người chết", "Tên người chết",
        # the statutory wording (Mẫu CT01, Thông tư 66/2023/TT-BCA; the ID card; civil-status books)
        "Họ, chữ đệm và tên", "Họ, chữ đệm, tên", "Họ chữ đệm và tên", "Họ, chữ đệm và tên khai sinh",
        "Họ, chữ đệm, tên khai sinh", "Họ, chữ đệm và tên người được tiêm",
    ),
    "family_middle_name": ("Họ và tên đệm", "Họ và đệm", "Họ đệm", "Họ, tên đệm", "Họ và chữ đệm"),
    "given_name": ("Tên", "Tên gọi"),
    "guardian_name": (
        "Họ tên mẹ/người chăm sóc", "Họ và tên mẹ/người chăm sóc", "Họ tên mẹ", "Họ và tên mẹ",
        "Tên mẹ", "Mẹ/người chăm sóc", "Họ tên người chăm sóc", "Họ và tên người chăm sóc",
        "Người chăm sóc", "Họ tên cha/mẹ", "Họ tên bố/mẹ", "Họ tên cha mẹ", "Họ tên bố mẹ",
        "Họ tên người giám hộ", "Họ và tên người giám hộ", "Người giám hộ",
        "Họ tên cha/mẹ/người giám hộ", "Họ tên mẹ hoặc cha", "Họ và tên mẹ hoặc cha",
        # a "Mẹ" (then "Cha") group over the register's name column (Thông tư 04/2020/TT-BTP)
        "Mẹ Họ, chữ đệm, tên", "Mẹ Họ, chữ đệm và tên", "Mẹ Họ và tên", "Mẹ Họ tên",
        "Cha Họ, chữ đệm, tên", "Cha Họ, chữ đệm và tên", "Cha Họ và tên", "Cha Họ tên",
    ),
    "birth_date": (
        "Ngày sinh", "Ngày tháng năm sinh", "Ngày, tháng, năm sinh", "Ngày/tháng/năm sinh",
        "Ngày tháng năm sinh (dd/mm/yyyy)", "Năm sinh", "Sinh ngày", "NTNS", "Ngày sinh trẻ",
        "Ngày sinh của trẻ", "Ngày, tháng, năm sinh của trẻ",
    ),
    "gender": ("Giới tính", "Giới", "Nam/Nữ", "Nam, Nữ", "Phái", "GT", "Giới tính (Nam/Nữ)"),
    "address": (
        "Địa chỉ thường trú", "Nơi thường trú", "Địa chỉ", "Nơi cư trú", "Địa chỉ cư trú",
        "Nơi cư trú hiện nay", "Nơi ở hiện tại", "Nơi ở hiện nay", "Chỗ ở hiện tại", "Nơi ở",
        "Địa chỉ liên hệ", "Địa chỉ tạm trú", "Nơi tạm trú", "Thôn/Tổ dân phố", "Thôn, tổ dân phố",
        "Thôn/TDP", "Thôn/ấp", "Thôn/xóm", "Thôn/bản", "Thôn/khu phố", "Ấp/khu phố",
        "Tổ dân phố", "Khu phố", "Thôn", "Ấp", "Xóm", "Bản", "Tổ", "Khu",
    ),
    "commune_code": (
        "Mã xã", "Mã xã/phường", "Mã xã, phường", "Mã phường/xã", "Mã phường", "Mã xã phường",
        "Mã đơn vị hành chính", "Mã ĐVHC", "Mã ĐVHC cấp xã",
    ),
    # residency
    "household_id": (
        "Mã hộ", "Mã hộ gia đình", "Mã số hộ", "Mã HGĐ", "Số hộ khẩu", "Số sổ hộ khẩu",
        "Số hồ sơ hộ khẩu", "Số hồ sơ cư trú",
    ),
    "relation_to_head": (
        "Quan hệ với chủ hộ", "Quan hệ chủ hộ", "Quan hệ với CH", "QH với chủ hộ", "QHCH",
        "Quan hệ", "Mối quan hệ với chủ hộ", "Mối quan hệ",
    ),
    # civil_status
    "registration_number": (
        "Số đăng ký", "Số đăng kí", "Số ĐK", "Số hiệu đăng ký", "Số giấy", "Số quyết định",
    ),
    "event_type": (
        "Loại việc", "Loại việc hộ tịch", "Việc hộ tịch", "Loại sự kiện", "Sự kiện hộ tịch",
        "Loại đăng ký", "Loại đăng kí", "Loại",
    ),
    "event_date": (
        "Ngày đăng ký", "Ngày đăng kí", "Ngày ĐK", "Ngày đăng ký hộ tịch", "Ngày cấp giấy",
    ),
    # vaccination
    "vaccine": (
        "Tên vắc xin", "Tên vắc-xin", "Tên vaccine", "Tên vacxin", "Vắc xin", "Vắc-xin",
        "Vaccine", "Vacxin", "Loại vắc xin", "Loại vaccine",
    ),
    "dose": ("Mũi tiêm", "Mũi tiêm thứ", "Mũi thứ", "Mũi số", "Mũi", "Lần tiêm", "Liều", "Liều thứ"),
    "vaccination_date": ("Ngày tiêm", "Ngày tiêm chủng", "Ngày tiêm mũi", "Thời gian tiêm"),
    # social_protection
    "allowance_category": (
        "Đối tượng", "Loại đối tượng", "Diện đối tượng", "Nhóm đối tượng", "Đối tượng hưởng",
        "Diện hưởng", "Diện",
    ),
    "allowance_amount": (
        "Mức trợ cấp", "Mức trợ cấp hàng tháng", "Mức hưởng", "Mức hưởng hàng tháng",
        "Số tiền", "Số tiền hưởng", "Số tiền trợ cấp", "Mức trợ cấp (đồng)",
    ),
    "allowance_start": (
        "Ngày hưởng", "Thời điểm hưởng", "Hưởng từ ngày", "Hưởng từ tháng", "Ngày bắt đầu hưởng",
        "Thời gian bắt đầu hưởng", "Thời gian hưởng", "Từ tháng",
    ),
    # social_insurance
    "insurance_number": (
        "Mã số BHXH", "Mã BHXH", "Số BHXH", "Số sổ BHXH", "Mã số bảo hiểm xã hội",
        "Số sổ bảo hiểm xã hội", "Mã số sổ BHXH",
    ),
    "health_card_number": (
        "Mã thẻ BHYT", "Số thẻ BHYT", "Mã số thẻ BHYT", "Thẻ BHYT", "Mã thẻ bảo hiểm y tế",
        "Số thẻ bảo hiểm y tế",
    ),
    # union_membership
    "organisation": (
        "Tổ chức", "Tên tổ chức", "Tổ chức hội", "Đoàn thể", "Tổ chức đoàn thể", "Tên hội",
        "Hội/Đoàn thể",
    ),
    "join_date": (
        "Ngày vào", "Ngày vào hội", "Ngày vào Đoàn", "Ngày kết nạp", "Ngày gia nhập",
        "Ngày tham gia",
    ),
    "branch": ("Chi hội", "Chi đoàn", "Chi hội/Chi đoàn", "Tổ hội", "Phân hội"),
}

# Headers that name the field only when nothing better does: a list of households whose one name
# column is the head's ("Tên chủ hộ (cá nhân)"). Ranked after every synonym above (quality 3).
FALLBACK_SYNONYMS: dict[str, tuple[str, ...]] = {
    "full_name": ("Tên chủ hộ", "Họ tên chủ hộ", "Họ và tên chủ hộ", "Tên chủ hộ (cá nhân)"),
}

# A header that starts with a synonym and goes on with one of these words names someone else
# ("Họ tên mẹ", "Ngày sinh của cha", "Họ tên chủ hộ") or a split/gendered column ("Họ và tên
# đệm", "Ngày tháng năm sinh Nam"): never map it by prefix.
_OTHER_PERSON_WORDS = frozenset({
    "me", "cha", "bo", "vo", "chong", "ong", "ba", "chu", "giam", "cham", "than", "khai", "yeu",
    "dai", "dem", "nam", "nu", "cap", "cu", "dang",  # "… của người đi đăng ký": the declarant
})

_PARENTHESES = re.compile(r"\([^)]*\)|\[[^\]]*\]|\*")
_NON_KEY = re.compile(r"[^a-z0-9]+")


def header_key(text: str) -> str:
    """Header → comparison key: lower case, no tone marks, only a-z0-9.

    "Họ và tên" → "hovaten"; "Số CMND/CCCD" → "socmndcccd"; "HỌ VÀ TÊN " → "hovaten".
    """
    return _NON_KEY.sub("", unidecode(text).lower())


def _words(text: str) -> tuple[str, ...]:
    return tuple(w for w in _NON_KEY.split(unidecode(text).lower()) if w)


def _synonym_index() -> tuple[dict[str, tuple[str, int]], list[tuple[tuple[str, ...], str, int]]]:
    exact: dict[str, tuple[str, int]] = {}
    prefixes: list[tuple[tuple[str, ...], str, int]] = []
    for field, synonyms in HEADER_SYNONYMS.items():
        for rank, synonym in enumerate((field, *synonyms)):
            exact.setdefault(header_key(synonym), (field, rank))
            words = _words(synonym)
            if len(words) >= 2:  # one-word synonyms ("Tên", "Thôn") match only exactly
                prefixes.append((words, field, rank))
    prefixes.sort(key=lambda p: -len(p[0]))  # longest synonym first
    return exact, prefixes


_EXACT, _PREFIXES = _synonym_index()
_FALLBACK = {header_key(synonym): (field, rank) for field, synonyms in FALLBACK_SYNONYMS.items()
             for rank, synonym in enumerate(synonyms)}

# Two columns "Nam" | "Nữ" (often under a merged "Ngày tháng năm sinh" or "Giới tính" header):
# the birth date is written, or a tick made, in the column of the person's gender. A plain
# "Nam" | "Nữ" pair (no header above) is mapped to the gender_* pair; the reader looks at the
# values to tell dates from ticks.
GENDERED_FIELDS: tuple[str, ...] = ("birth_date_male", "birth_date_female", "gender_male", "gender_female")
_GENDER_WORDS = {"nam": "male", "nữ": "female", "nu": "female"}
_WORD = re.compile(r"\w+")


def gendered_column(header: str) -> str | None:
    """The GENDERED_FIELDS entry a header names, else None.

    "Ngày tháng năm sinh Nam" → "birth_date_male"; "Năm sinh - Nữ" → "birth_date_female";
    "Giới tính Nam" → "gender_male"; "Nữ" → "gender_female"; "Năm" (year), "Nam/Nữ" → None.
    """
    words = _WORD.findall(unicodedata.normalize("NFC", header).lower())
    if not words or words[-1] not in _GENDER_WORDS:
        return None
    side = _GENDER_WORDS[words[-1]]
    if not words[:-1]:
        return f"gender_{side}"
    owner = _EXACT.get(header_key(" ".join(words[:-1])))
    if owner and owner[0] == "birth_date":
        return f"birth_date_{side}"
    if owner and owner[0] == "gender":
        return f"gender_{side}"
    return None


# A header under group titles is written "group › leaf" ("Mẹ › Họ, chữ đệm, tên", "Ngày sinh › Nam").
GROUP_SEPARATOR = " › "

# Group titles that say whose (or which) columns stand under them. The person of the list is the
# one the form is about; a group naming the mother, father or carer gives ``guardian_name``; a group
# naming someone else (who collects the payment, who declared the death, the head of household) or
# the amounts before an adjustment gives no field: its columns are kept as ``extra:``. Phrases are
# compared on lower-case words with their diacritics ("bố" is the father, "bổ sung" is not).
GROUP_ROLES: dict[str, tuple[str, ...]] = {
    "guardian": ("mẹ", "cha", "bố", "người giám hộ", "người chăm sóc", "người đỡ đầu"),
    "other": (
        "người nhận", "người nhận thay", "người nhận hộ", "người được ủy quyền", "người được uỷ quyền",
        "người ủy quyền", "người đi khai", "người đi khai tử", "người đi khai sinh", "người đi đăng ký",
        "người khai", "người yêu cầu", "người đề nghị", "người làm chứng", "người báo tử", "người kê khai",
        "chủ hộ", "vợ", "chồng", "người thân", "người liên hệ", "người đại diện",
    ),
    "before": ("đang hưởng", "hiện hưởng", "mức cũ", "trước điều chỉnh", "trước khi điều chỉnh", "cũ"),
}
_ROLE_WORD = re.compile(r"\w+")


def group_role(title: str) -> str | None:
    """"guardian", "other", "before" (see GROUP_ROLES) for a group title, else None (the list's person).

    "Mẹ" → "guardian"; "Thông tin người nhận thay" → "other"; "Đang hưởng" → "before"; "Trẻ" → None.
    """
    words = _ROLE_WORD.findall(unicodedata.normalize("NFC", _PARENTHESES.sub(" ", title)).lower())
    for role, phrases in GROUP_ROLES.items():
        for phrase in phrases:
            p = phrase.split()
            if any(words[k:k + len(p)] == p for k in range(len(words) - len(p) + 1)):
                return role
    return None


def split_group(header: str) -> tuple[tuple[str, ...], str]:
    """("Mẹ",), "Họ, chữ đệm, tên" for "Mẹ › Họ, chữ đệm, tên"; (), header for a header without groups."""
    *groups, leaf = [part.strip() for part in header.split(GROUP_SEPARATOR.strip())]
    return tuple(groups), leaf


def header_candidate(header: str) -> tuple[str, int] | None:
    """(field, quality) a header would map to before ties are broken; quality 0 exact, 1 without
    notes, 2 prefix. None for a header that names no field."""
    found = _candidate(header)
    return None if found is None else found[:2]


@lru_cache(maxsize=4096)
def _candidate(header: str) -> tuple[str, int, int] | None:
    """(field, quality, rank) for one header; quality 0 exact, 1 without notes, 2 prefix. A cell over
    several lines ("HỌ VÀ TÊN" / "Họ và tên khai sinh") is also tried line by line, best line first.
    A header under group titles is read through its groups (``_grouped_candidate``)."""
    if GROUP_SEPARATOR.strip() in header:
        return _grouped_candidate(*split_group(header))
    lines = [line for line in header.splitlines() if line.strip()]
    if len(lines) > 1:
        found = [c for c in (_candidate_line(header), *map(_candidate_line, lines)) if c]
        return min(found, key=lambda c: (c[1], c[2])) if found else None
    return _candidate_line(header)


def _grouped_candidate(groups: tuple[str, ...], leaf: str) -> tuple[str, int, int] | None:
    """A column under group titles: a group naming someone else than the list's person, or the
    amounts before an adjustment, gives nothing (a guardian group gives ``guardian_name`` for the
    name); otherwise the group and the header read together ("Ngày sinh Nam" → birth_date_male,
    "Giới tính Nữ"), else the header alone under a group about the list's person."""
    roles = {group_role(g) for g in groups} - {None}
    if names_vaccine(leaf):
        return None  # a register's column per vaccine ("Ngày tiêm chủng › BCG"): read as dose rows
    alone = _candidate(leaf) if leaf else None
    if "other" in roles or "before" in roles:
        return None
    if "guardian" in roles:
        return ("guardian_name", *alone[1:]) if alone and alone[0] in ("full_name", "guardian_name") else None
    together = _candidate_line(f"{groups[-1]} {leaf}") if groups and leaf else None
    if together and together[1] == 0:
        return together
    return alone or together


def _candidate_line(header: str) -> tuple[str, int, int] | None:
    gendered = gendered_column(header)
    if gendered:
        return gendered, 0, 0
    key = header_key(header)
    if key in _EXACT:
        field, rank = _EXACT[key]
        return field, 0, rank
    bare = _PARENTHESES.sub(" ", header)
    if header_key(bare) in _EXACT:
        field, rank = _EXACT[header_key(bare)]
        return field, 1, rank
    words = _words(bare)
    for synonym_words, field, rank in _PREFIXES:
        n = len(synonym_words)
        if len(words) > n and words[:n] == synonym_words:
            if _OTHER_PERSON_WORDS.isdisjoint(words[n:]):
                return field, 2, rank
            break  # the longest synonym names someone or something else
    if header_key(bare) in _FALLBACK:
        field, rank = _FALLBACK[header_key(bare)]
        return field, 3, rank
    return None


# Vaccine names as registers head their columns: codes (compared as whole words, a dose number may
# follow: "OPV1", "DPT4") and Vietnamese names (compared with their diacritics: "cúm", not "cụm").
VACCINE_CODES = ("bcg", "vgb", "hbv", "dpt", "dtp", "dtap", "hib", "opv", "bopv", "ipv", "mr", "mmr", "uv", "td",
                 "je", "vnnb", "rota", "hpv", "covid")
VACCINE_NAMES = ("viêm gan b", "bại liệt", "sởi", "rubella", "viêm não nhật bản", "uốn ván", "bạch hầu", "ho gà",
                 "phế cầu", "thủy đậu", "thuỷ đậu", "quai bị", "cúm", "5 trong 1", "6 trong 1", "quinvaxem",
                 "pentaxim", "hexaxim", "infanrix", "combe five")
_CODE = re.compile(r"^(" + "|".join(VACCINE_CODES) + r")([0-9]{0,2})$")
_DOSE = re.compile(r"^(?:mũi|mui|lần|lan|liều|lieu|m|l)?\s*(?:thứ\s*)?([0-9]{1,2})$")
_TRAILING_DOSE = re.compile(r"^(.*?\D)\s*([0-9]{1,2})$")
_COMBINED = re.compile(r"[56] trong 1$")
_WHEN = re.compile(r"^ngày(?: tiêm(?: chủng)?)?$|giờ")  # "Ngày", "≤ 24 giờ", "Sau 24 giờ": when it was given


def names_vaccine(text: str) -> bool:
    """True for a column title naming a vaccine: "BCG", "DPT-VGB-Hib", "OPV1", "Sởi", "Viêm não Nhật Bản"."""
    lower = unicodedata.normalize("NFC", text).lower()
    words = re.findall(r"\w+", lower)
    if any(_CODE.match(w) for w in words):
        return True
    joined = " ".join(words)
    return any(re.search(rf"(?:^| ){re.escape(name)}(?: |$)", joined) for name in VACCINE_NAMES)


def vaccine_and_dose(header: str) -> tuple[str, str | None] | None:
    """(vaccine, dose) a register's column holds, or None: "DPT-VGB-Hib › 2" → ("DPT-VGB-Hib", "2");
    "Sởi › Mũi 1" → ("Sởi", "1"); "BCG › Ngày" and "Viêm gan B sơ sinh › ≤ 24 giờ" → (vaccine, None);
    "OPV1" → ("OPV", "1"); "BCG › Sẹo" (the scar), "Số mũi UV mẹ đã tiêm" (a count), "Ngày tiêm" → None."""
    groups, leaf = split_group(header)
    lower = unicodedata.normalize("NFC", leaf).strip().lower()
    if lower.startswith("số ") or lower == "số":
        return None
    named = [g for g in groups if names_vaccine(g)]
    dose = _DOSE.match(lower)
    if dose:
        return (named[-1], str(int(dose.group(1)))) if named else None
    if not names_vaccine(leaf):
        return (named[-1], None) if named and _WHEN.search(lower) else None
    text = leaf.strip()
    if not _COMBINED.search(text.lower()):
        trailing = _TRAILING_DOSE.match(text)
        if trailing:
            return trailing.group(1).strip(" -–"), str(int(trailing.group(2)))
    return text, None


# A civil-status book holds one kind of event, named in its title ("SỔ ĐĂNG KÝ KHAI TỬ"), not in a
# column: folded title words → the event type as the justice officer writes it.
REGISTER_EVENTS: dict[str, str] = {"khaitu": "Khai tử", "khaisinh": "Khai sinh", "kethon": "Kết hôn",
                                   "nhanchamecon": "Nhận cha, mẹ, con", "giamho": "Giám hộ"}


def register_event(title: str) -> str | None:
    """The event type a register's title names ("SỔ ĐĂNG KÝ KHAI TỬ" → "Khai tử"), else None."""
    key = header_key(title)
    if "sodangky" not in key and "sodangki" not in key:
        return None
    return next((event for word, event in REGISTER_EVENTS.items() if word in key), None)


_PART_SEPARATOR = re.compile(r"[,;]")


def shares_its_cell(header: str) -> bool:
    """True for a header that names its field first and other things after a comma, so that each
    cell holds several values ("Nam, nữ, dân tộc, tôn giáo" → "Nam, Kinh, Không"; "Họ và tên,
    ngày sinh"): the reader takes the cell's first part. False for "Ngày, tháng, năm sinh"."""
    if GROUP_SEPARATOR.strip() in header:
        header = split_group(header)[1]
    found = _candidate_line(header)
    if found is None or found[1] != 2:
        return False
    field, _, rank = found
    synonym = (field, *HEADER_SYNONYMS.get(field, ()))[rank]
    bare = _PARENTHESES.sub(" ", header)
    return len(_PART_SEPARATOR.split(bare)) > len(_PART_SEPARATOR.split(synonym))


def map_headers(
    headers: Sequence[str],
    fields: Sequence[str],
    overrides: Mapping[str, str] | None = None,
) -> dict[str, str]:
    """Original header → canonical field, for the fields asked for; unmapped headers are absent.

    Exact key first, then without notes in brackets, then a conservative prefix match
    ("Họ và tên người được tiêm" → full_name, never "Họ tên mẹ"). Each field takes at most one
    header (best match, then leftmost). ``overrides`` (header → field, headers compared through
    header_key; a column under a group may be named by its header alone when no other column is so
    headed) win over everything; an override to "" keeps that header unmapped.
    """
    by_key = {header_key(h): f for h, f in (overrides or {}).items()}
    leaves = Counter(header_key(split_group(h)[1]) for h in headers) if by_key else Counter()
    mapping: dict[str, str] = {}
    overridden: set[str] = set()
    for header in headers:
        field = by_key.get(header_key(header))
        leaf = header_key(split_group(header)[1])
        if field is None and leaf != header_key(header) and leaves[leaf] == 1:
            field = by_key.get(leaf)  # "Họ tên" names "Thông tin người hưởng › Họ tên" when only one is so headed
        if field is None:
            continue
        overridden.add(header)
        if field and field not in mapping.values():
            mapping[header] = field
    taken = set(mapping.values())
    wanted = set(fields) - taken
    ranked: list[tuple[int, int, int, str, str]] = []
    for position, header in enumerate(headers):
        if header in overridden:
            continue
        found = _candidate(header)
        if found and found[0] in wanted:
            field, quality, rank = found
            ranked.append((quality, rank, position, header, field))
    for _quality, _rank, _position, header, field in sorted(ranked):
        if field not in taken and header not in mapping:
            mapping[header] = field
            taken.add(field)
    return {h: mapping[h] for h in headers if h in mapping}


def closest_headers(field: str, headers: Sequence[str], n: int = 3) -> list[str]:
    """The ``n`` headers most like the field's synonyms (best first), for "no column" messages.

    closest_headers("full_name", ["STT", "Ho ten tre", "Ngay sinh"]) → ["Ho ten tre", …].
    """
    keys = [header_key(s) for s in (field, *HEADER_SYNONYMS.get(field, ()))]

    def score(header: str) -> float:
        k = header_key(header)
        return max((max(fuzz.ratio(k, s), fuzz.partial_ratio(k, s) * 0.9) for s in keys), default=0.0)

    scored = [(score(h), -i, h) for i, h in enumerate(headers) if header_key(h)]
    scored.sort(reverse=True)
    return [h for s, _, h in scored[:n] if s > 0]
