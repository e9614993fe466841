"""How Vietnamese a text reads: syllable shapes and frequent syllables, scored per word.

``score(text)`` gives +1 for a well-formed Vietnamese syllable (onset/nucleus/coda shapes and
spelling rules, at most one tone, stop codas only with sắc/nặng, no tone on a final glide, no
capital after a small letter), +2 if it is also frequent in person lists, -1 otherwise, over the
words holding a non-ASCII character. Detection picks the decoding that scores best.
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter

from pipelines.ingest.encodings._tables import VIET_SET, VIETNAMESE_LETTERS

# --- Vietnamese syllable shape (for scoring) -------------------------------------------------
# a "word": ASCII letters and any non-ASCII character except spaces and general punctuation
_TOKEN_RE = re.compile(r"[^\s\x00-\x40\x5b-\x60\x7b-\x7f\u2000-\u206f]+")
_TONE_OF_MARK = {"\u0301": "sac", "\u0300": "huyen", "\u0309": "hoi", "\u0303": "nga", "\u0323": "nang"}
_STRIP_TONE: dict[int, str] = {}
_TONE_OF_LETTER: dict[str, str] = {}
for _ch in VIETNAMESE_LETTERS:
    if not _ch.islower():
        continue
    _nfd = unicodedata.normalize("NFD", _ch)
    _tones = [m for m in _nfd if m in _TONE_OF_MARK]
    if _tones:
        _STRIP_TONE[ord(_ch)] = unicodedata.normalize(
            "NFC", "".join(m for m in _nfd if m not in _TONE_OF_MARK)
        )
        _TONE_OF_LETTER[_ch] = _TONE_OF_MARK[_tones[0]]
_SYLLABLE_CHARS = frozenset("abcdeghiklmnopqrstuvxy") | {c for c in VIET_SET if c.islower()}
_TONED_LOWER = frozenset(_TONE_OF_LETTER)
_INITIALS = (
    "ngh", "ng", "nh", "ch", "gh", "gi", "kh", "ph", "qu", "th", "tr",
    "b", "c", "d", "đ", "g", "h", "k", "l", "m", "n", "p", "r", "s", "t", "v", "x", "",
)
# vowel nuclei, glide included (oa = medial o + a); value: which finals may follow
_ANY, _CONS, _NONE = "any", "cons", "none"
_NUCLEI = {
    "a": _ANY, "ă": _CONS, "â": _ANY, "e": _ANY, "ê": _ANY, "i": _ANY, "o": _ANY, "ô": _ANY,
    "ơ": _ANY, "u": _ANY, "ư": _ANY, "y": _ANY,
    "oa": _ANY, "oă": _CONS, "oe": _ANY, "uâ": _ANY, "uê": _ANY, "uy": _ANY, "uơ": _ANY,
    "ia": _NONE, "ua": _NONE, "ưa": _NONE, "uya": _NONE,
    "iê": "req", "yê": "req", "uô": "req", "ươ": "req", "uyê": "req", "oo": "oo",
}
_STOP_FINALS = frozenset({"c", "ch", "p", "t", "k"})
_CONSONANT_FINALS = _STOP_FINALS | {"m", "n", "ng", "nh"}
_GLIDE_AFTER = {  # glide final -> nuclei it may follow
    "i": frozenset({"a", "o", "ô", "ơ", "u", "ư", "uô", "ươ", "oa"}),
    "y": frozenset({"a", "â", "u", "oa", "uâ"}),
    "o": frozenset({"a", "e", "oa", "oe"}),
    "u": frozenset({"a", "â", "ê", "i", "ư", "iê", "yê", "ươ", "uy"}),
}
_CH_NH_AFTER = frozenset({"a", "ê", "i", "oa", "uê", "uy", "y"})
_FRONT = ("e", "ê", "i", "y")


def _rhyme_ok(initial: str, nucleus: str, final: str) -> bool:
    kind = _NUCLEI[nucleus]
    if final in _GLIDE_AFTER:
        if nucleus not in _GLIDE_AFTER[final] or kind in (_CONS, _NONE, "oo"):
            return False
    elif final:
        if kind == _NONE or kind == "oo" and final not in ("ng", "c"):
            return False
        if final in ("ch", "nh") and nucleus not in _CH_NH_AFTER:
            return False
        if nucleus == "y" and initial != "qu" or nucleus in ("i", "ê") and final in ("ng", "c"):
            return False  # ý, kỳ, quỳnh; inh/ich, ênh/êch
        if final == "k" and nucleus != "ă":
            return False  # only Đắk, Lắk (Central Highlands names)
    elif kind in (_CONS, "req", "oo") or nucleus == "â":
        return False
    # spelling of the onset: k/gh/ngh before e ê i y, c/g/ng elsewhere; no medial after qu
    front = nucleus.startswith(_FRONT)
    if initial in ("gh", "ngh") and not front:  # k: also Kạn, Đắk Lắk, Kon Tum
        return False
    if initial in ("c", "ng") and front or initial == "g" and nucleus.startswith(("e", "ê")):
        return False
    if initial == "qu" and nucleus[0] in "ou" or initial == "gi" and nucleus[0] in "iy":
        return False
    return True


# abbreviations with Đ in headers and references: ĐDCN, QĐ, HGĐ, ĐVHC, vnđ
_ABBREVIATION_RE = re.compile("[bcdđghklmnpqrstvxfjwz]{1,6}|[BCDĐGHKLMNPQRSTVXFJWZ]{1,6}")


def is_syllable(word: str) -> bool:
    """True if ``word`` (NFC) looks like a well-formed Vietnamese syllable.

    Onset + nucleus + coda shapes and spelling rules, at most one tone mark, stop codas (c ch p
    t) only with sắc/nặng, no tone on a final glide, and no capital after an untoned small
    letter (TCVN3 gives small toned letters inside capitals: "NGUYễN" is fine). Consonant-only
    abbreviations (ĐDCN, QĐ) count as well-formed.
    """
    lower = word.lower()
    if len(word) > 7 or not set(lower) <= _SYLLABLE_CHARS:
        return False
    if _ABBREVIATION_RE.fullmatch(word):
        return True
    prev_lower_plain = False
    for c in word:
        if c.isupper() and prev_lower_plain:
            return False
        prev_lower_plain = c.islower() and c not in _TONED_LOWER
    word = lower
    toned = [i for i, c in enumerate(word) if c in _TONED_LOWER]
    if len(toned) > 1:
        return False
    tone = _TONE_OF_LETTER[word[toned[0]]] if toned else None
    plain = word.translate(_STRIP_TONE)
    for initial in _INITIALS:
        if not plain.startswith(initial):
            continue
        rest = plain[len(initial) :]
        for nucleus in _NUCLEI:
            if not rest.startswith(nucleus):
                continue
            final = rest[len(nucleus) :]
            if final and final not in _CONSONANT_FINALS and final not in _GLIDE_AFTER:
                continue
            if not _rhyme_ok(initial, nucleus, final):
                continue
            if final in _STOP_FINALS and tone not in ("sac", "nang"):
                continue
            if toned and final in _GLIDE_AFTER and toned[0] >= len(plain) - 1:
                continue  # tone on the final glide
            return True
    return False


# Frequent syllables in person lists (names, headers, addresses, numbers): a decoding that
# yields them is more likely right than one yielding rare but well-formed syllables.
_COMMON_SYLLABLES = frozenset(
    """
    nguyễn trần lê phạm hoàng huỳnh phan vũ võ đặng bùi đỗ hồ ngô dương lý trương đinh lâm
    mai tạ kiều lương thái quách triệu hà đoàn cao châu tô tôn nữ thất âu phúc lưu lục đào
    văn thị ngọc thu thanh kim thúy thủy mai hồng bích đức hữu minh quang công đình xuân quốc
    trọng tiến duy thế bảo gia khánh như phương diệu thảo thùy thúy hải hạnh hiếu hoa hùng
    hương hường lan linh long nam nga nhung quân quỳnh sơn tâm thắng trang tuấn việt yến lộc
    khoa nghĩa tuyết oanh huệ cúc hằng thư tú vy uyên an anh ánh bình cường dũng giang hiền
    hòa hoà hậu hiệp hiển hưng huy huyền khải khang khôi kiên lợi loan lực mạnh my mỹ nhân
    nhật ninh phong phú phước quyên quý sang sáng tài tân thành thiện thịnh thông thuận thủy
    tiên toàn trâm trí trinh trung trường tùng tuyền vân vinh vĩnh xuyến yên hạ lệ diễm liên
    đông tây bắc trọng kỳ dung hoàn hòa lành chi hân bảo châu đạt điệp giàu nhàn phượng tươi
    họ và tên tên ngày tháng năm sinh giới tính nữ số định danh cá nhân căn cước công dân
    chứng minh thư địa chỉ thường trú tạm nơi ở hiện quê quán dân tộc kinh tôn giáo không
    quan hệ với chủ hộ ghi chú con vợ chồng cháu bố mẹ ông bà anh chị em đẻ nuôi dâu rể
    thôn xóm ấp bản xã phường thị trấn huyện quận tỉnh thành phố tổ dân khu đường ngõ ngách
    hẻm nhà khóm đội làng việt nam hà nội đà nẵng cần thơ hải phòng
    bảo hiểm xã hội y tế mã thẻ hưu trí trợ cấp người cao tuổi hội đoàn viên cựu chiến binh
    phụ nữ thanh niên nghèo cận hộ khẩu mới cũ đã chết mất chuyển đi đến sai đúng đủ sạch sống
    danh sách cộng hòa hoà chủ nghĩa độc lập tự do hạnh phúc ủy ban nhân dân
    một hai ba bốn năm sáu bảy tám chín mười mươi trăm nghìn triệu lẻ linh
    của các những được trong cho có là đã này đó từ theo về tại đang sẽ cùng hoặc
    """.split()
)


_MAX_DISTINCT_WORDS = 4000  # bounds the time spent on garbage; real files repeat their words


def score(text: str) -> tuple[int, int]:
    """(points, valid words) over the words of ``text`` that hold a non-ASCII character:
    +2 a frequent syllable, +1 another well-formed syllable, -1 anything else."""
    counts = Counter(tok for tok in _TOKEN_RE.findall(text) if not tok.isascii())
    points = good = 0
    for token, n in counts.most_common(_MAX_DISTINCT_WORDS):
        if is_syllable(token):
            good += n
            points += 2 * n if token.lower() in _COMMON_SYLLABLES else n
        else:
            points -= n
    return points, good


