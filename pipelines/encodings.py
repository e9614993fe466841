"""Vietnamese text encodings: detect and decode legacy TCVN3 / VNI / Windows-1258 data.

Pure functions, no file I/O. The letter tables live in ``pipelines._legacy_tables`` (generated
from the project's shared ``legacy-encodings.tsv``; nothing here reads that file).

Two situations occur in office files:

* **Bytes** of a text file (CSV/TSV/TXT): :func:`detect_encoding` / :func:`decode_bytes`.
* **Unicode cells of an XLSX** whose font is a legacy font (".VnTime", "VNI-Times", ...): the
  cell holds the legacy bytes seen through cp1252, e.g. ``"NguyÔn V¨n §øc"``;
  :func:`decode_cell_by_font`, :func:`decode_tcvn3`, :func:`decode_vni`.

Detection of a legacy encoding decodes a sample under each candidate and scores the words that
hold a non-ASCII character: +1 for a well-formed Vietnamese syllable (onset/nucleus/coda shapes
and spelling rules, at most one tone, stop codas only with sắc/nặng, no tone on a final glide, no
capital after a small letter), +2 if it is also a frequent syllable in person lists (names,
headers, addresses), -1 otherwise. The best total wins; ties go TCVN3 > VNI > Windows-1258.

Known losses:

* TCVN3 has no codes for capital toned letters (Ễ, Á, Ố, ...): :func:`encode_tcvn3` writes the
  lowercase code, and decoding gives the lowercase letter unless ``upper=True`` (".Vn...H"
  all-caps fonts). Capitals Ă Â Ê Ô Ơ Ư Đ do have codes and survive.
* TCVN3 ư is 0xAD, the cp1252 soft hyphen: a tool that strips soft hyphens has already lost it.
"""

from __future__ import annotations

import codecs
import csv
import io
import re
import unicodedata
from collections import Counter
from collections.abc import Callable, Iterable

from pipelines._legacy_tables import LETTERS

__all__ = [
    "ENCODINGS",
    "decode_bytes",
    "decode_cell_by_font",
    "decode_tcvn3",
    "decode_vni",
    "detect_encoding",
    "detect_legacy_text",
    "encode_cp1258",
    "encode_tcvn3",
    "encode_vni",
    "normalize_encoding_name",
    "sniff_delimiter",
    "to_tcvn3_text",
    "to_vni_text",
]

#: Canonical names returned by :func:`detect_encoding`.
ENCODINGS = ("utf-8-sig", "utf-8", "utf-16", "cp1258", "tcvn3", "vni")

SAMPLE_BYTES = 256 * 1024
_REPLACEMENT = "\ufffd"

# ---------------------------------------------------------------------------------------------
# Tables built once at import
# ---------------------------------------------------------------------------------------------


def _cp1252_char(b: int) -> str:
    """Byte as cp1252 text; the five undefined bytes become the Latin-1 control character."""
    try:
        return bytes([b]).decode("cp1252")
    except UnicodeDecodeError:
        return chr(b)


def _cp1258_char(b: int) -> str | None:
    try:
        return bytes([b]).decode("cp1258")
    except UnicodeDecodeError:
        return None


_CP1252 = "".join(_cp1252_char(b) for b in range(256))
#: every character that cp1252 can encode (the repertoire of legacy-font text seen as cp1252)
_CP1252_REPERTOIRE = frozenset(_CP1252) - {chr(b) for b in (0x81, 0x8D, 0x8F, 0x90, 0x9D)}

VIETNAMESE_LETTERS: tuple[str, ...] = tuple(row[0] for row in LETTERS)
_VIET_SET = frozenset(VIETNAMESE_LETTERS)
_ASCII_AND_LATIN1_VIETNAMESE = frozenset(map(chr, range(128))) | {c for c in _VIET_SET if c < "\u0100"}

# --- TCVN3 -----------------------------------------------------------------------------------
_TCVN3_BYTE: dict[str, int] = {ch: b for ch, b, _v, _c in LETTERS}
# decoding: a byte means its lowercase letter, except the seven capitals with their own code
_TCVN3_LETTER_OF_BYTE: dict[int, str] = {}
for _ch, _b in _TCVN3_BYTE.items():
    if _ch.islower() or _b not in {b for c, b in _TCVN3_BYTE.items() if c.islower()}:
        _TCVN3_LETTER_OF_BYTE[_b] = _ch
_TCVN3_DECODING = "".join(_TCVN3_LETTER_OF_BYTE.get(b, _CP1252[b]) for b in range(256))
# scoring variant: a high byte TCVN3 does not use cannot occur in TCVN3 text
_TCVN3_DECODING_STRICT = "".join(
    _TCVN3_LETTER_OF_BYTE.get(b, _CP1252[b] if b < 0x80 or b == 0xA0 else _REPLACEMENT)
    for b in range(256)
)
# cp1252-sense text (XLSX cell in a .Vn font) -> Unicode
_TCVN3_TEXT_MAP = {ord(chr(b)): ch for b, ch in _TCVN3_LETTER_OF_BYTE.items()}
_TCVN3_TEXT_MAP_STRICT = {
    **{c: _REPLACEMENT for c in range(0xA1, 0x100)},
    **_TCVN3_TEXT_MAP,
}
# Unicode -> cp1252-sense text
_TCVN3_USED_CHARS = frozenset(chr(b) for b in _TCVN3_LETTER_OF_BYTE)
_TCVN3_ENCODE_MAP = {ord(ch): chr(b) for ch, b in _TCVN3_BYTE.items()}
_TCVN3_OTHER_OK = frozenset(c for c in _CP1252_REPERTOIRE if c not in _TCVN3_USED_CHARS)

# --- VNI-Windows -----------------------------------------------------------------------------
_VNI_SINGLE: dict[str, str] = {}  # cp1252 char -> letter (đ ơ ư ỉ ĩ ị ỵ í ì and capitals)
_VNI_PAIRS: dict[str, str] = {}  # base (after singles) + cp1252 mark char -> letter
_VNI_MARKS: set[str] = set()
for _ch, _t, _v, _c in LETTERS:
    _text = _v.decode("cp1252")
    if len(_text) == 1:
        _VNI_SINGLE[_text] = _ch
for _ch, _t, _v, _c in LETTERS:
    _text = _v.decode("cp1252")
    if len(_text) == 2:
        _base = _VNI_SINGLE.get(_text[0], _text[0])
        _mark = _text[1]
        _VNI_MARKS.update((_mark, _mark.lower(), _mark.upper()))
        # Case-tolerant: the base letter decides the case (VNI writes AÙ, but a hand-edited
        # or partly case-converted cell may hold Aù / aÙ).
        for _b in (_base.lower(), _base.upper()):
            for _m in (_mark.lower(), _mark.upper()):
                _VNI_PAIRS[_b + _m] = _ch.lower() if _b.islower() else _ch.upper()
_VNI_BASES = "".join(sorted({k[0] for k in _VNI_PAIRS}))
_VNI_MARK_CHARS = "".join(sorted(_VNI_MARKS))
_VNI_PAIR_RE = re.compile(f"[{re.escape(_VNI_BASES)}]?[{re.escape(_VNI_MARK_CHARS)}]")
# Fast path for bytes: when every mark byte follows a base it combines with, decode with a 1:1
# table (singles -> letters, marks -> combining tone / placeholder for two-mark bytes), expand
# the placeholders and let NFC compose. Checked with per-byte class flags, see _vni_all_paired.
_VNI_COMBINING: dict[str, str] = {}  # mark char -> combining sequence
_VNI_BASES_OF_MARK: dict[str, set[str]] = {}
for _pair, _letter in _VNI_PAIRS.items():
    _b, _m = _pair
    _VNI_BASES_OF_MARK.setdefault(_m, set()).add(_b)
    _comb = unicodedata.normalize("NFD", _letter)[len(unicodedata.normalize("NFD", _b)) :]
    if _VNI_COMBINING.setdefault(_m, _comb) != _comb or unicodedata.normalize("NFC", _b + _comb) != _letter:
        raise RuntimeError(f"inconsistent VNI table at {_pair!r}")  # pragma: no cover
_VNI_BYTE_OF = {v: k for k, v in _VNI_SINGLE.items()}  # ơ -> "ô" (its VNI byte as cp1252)
_VNI_CLASS_BIT: dict[frozenset[str], int] = {}
_mark_flag = bytearray(256)
_base_flag = bytearray(256)
for _m, _bs in _VNI_BASES_OF_MARK.items():
    _bit = _VNI_CLASS_BIT.setdefault(frozenset(_bs), 1 << len(_VNI_CLASS_BIT))
    _mark_flag[_m.encode("cp1252")[0]] = _bit
    for _b in _bs:
        _base_flag[_VNI_BYTE_OF.get(_b, _b).encode("cp1252")[0]] |= _bit
_VNI_MARK_FLAG = bytes(_mark_flag)
_VNI_BASE_FLAG = bytes(_base_flag)
_VNI_PLACEHOLDERS: dict[str, str] = {}  # private-use char -> two combining marks
_fast = list(_CP1252)
for _m, _comb in sorted(_VNI_COMBINING.items()):
    if len(_comb) == 1:
        _fast[ord(_m)] = _comb
    else:
        _ph = chr(0xE000 + len(_VNI_PLACEHOLDERS))
        _VNI_PLACEHOLDERS[_ph] = _comb
        _fast[ord(_m)] = _ph
for _k, _v in _VNI_SINGLE.items():
    _fast[ord(_k)] = _v
_VNI_FAST_DECODING = "".join(_fast)


def _vni_all_paired(data: bytes) -> bool:
    """True if every VNI mark byte in ``data`` directly follows a base letter it combines with."""
    need = data.translate(_VNI_MARK_FLAG)
    if not need or need[0]:
        return not need
    have = data.translate(_VNI_BASE_FLAG)
    a = int.from_bytes(have[:-1], "big")
    b = int.from_bytes(need[1:], "big")
    return a & b == b  # bytewise: each mark's class bit is set in the previous byte's flags


def _decode_vni_bytes(data: bytes) -> str:
    """VNI bytes -> Unicode (not yet NFC)."""
    if _vni_all_paired(data):
        text = _charmap(data, _VNI_FAST_DECODING)
        for ph, comb in _VNI_PLACEHOLDERS.items():
            if ph in text:
                text = text.replace(ph, comb)
        return text
    return _vni_text(_charmap(data, _CP1252))


_VNI_SINGLE_MAP = {ord(k): v for k, v in _VNI_SINGLE.items()}
_VNI_USED_CHARS = frozenset(_VNI_SINGLE) | _VNI_MARKS
_VNI_SINGLE_MAP_STRICT = {
    **{c: _REPLACEMENT for c in range(0xA1, 0x100) if chr(c) not in _VNI_USED_CHARS},
    **_VNI_SINGLE_MAP,
}
_VNI_ENCODE_MAP = {ord(ch): v.decode("cp1252") for ch, _t, v, _c in LETTERS}
_VNI_OTHER_OK = frozenset(c for c in _CP1252_REPERTOIRE if c not in _VNI_USED_CHARS)

# --- Windows-1258 ----------------------------------------------------------------------------
_CP1258_DECODING = "".join(_cp1258_char(b) or chr(b) for b in range(256))
_CP1258_DECODING_STRICT = "".join(_cp1258_char(b) or _REPLACEMENT for b in range(256))
# Unicode -> cp1258-sense text (base letter + combining tone where cp1258 lacks the letter)
_CP1258_ENCODE_MAP = {ord(ch): c.decode("cp1258") for ch, _t, _v, c in LETTERS}

# --- Vietnamese syllable shape (for scoring) -------------------------------------------------
# a "word": ASCII letters and any non-ASCII character except spaces and general punctuation
_TOKEN_RE = re.compile(r"[^\s\x00-\x40\x5b-\x60\x7b-\x7f\u2000-\u206f]+")
_NON_ASCII_BYTES_RE = re.compile(rb"[\x80-\xff]")
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
_SYLLABLE_CHARS = frozenset("abcdeghiklmnopqrstuvxy") | {c for c in _VIET_SET if c.islower()}
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


def _is_syllable(word: str) -> bool:
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


def _score(text: str) -> tuple[int, int]:
    """(points, valid words) over the words of ``text`` that hold a non-ASCII character:
    +2 a frequent syllable, +1 another well-formed syllable, -1 anything else."""
    counts = Counter(tok for tok in _TOKEN_RE.findall(text) if not tok.isascii())
    points = good = 0
    for token, n in counts.most_common(_MAX_DISTINCT_WORDS):
        if _is_syllable(token):
            good += n
            points += 2 * n if token.lower() in _COMMON_SYLLABLES else n
        else:
            points -= n
    return points, good


# ---------------------------------------------------------------------------------------------
# Legacy decoders
# ---------------------------------------------------------------------------------------------


def _charmap(data: bytes, table: str) -> str:
    return codecs.charmap_decode(data, "strict", table)[0]


def _vni_pairs(text: str, lone_mark: Callable[[str], str]) -> str:
    def repl(match: re.Match[str]) -> str:
        s = match.group()
        letter = _VNI_PAIRS.get(s)
        if letter is not None:
            return letter
        return s[:-1] + lone_mark(s[-1])

    return _VNI_PAIR_RE.sub(repl, text)


def _keep(mark: str) -> str:
    return mark


def _drop(mark: str) -> str:
    return _REPLACEMENT


def _vni_text(text: str, *, strict: bool = False) -> str:
    """VNI seen through cp1252 -> Unicode (not yet NFC). Greedy: base + mark pairs first."""
    text = text.translate(_VNI_SINGLE_MAP_STRICT if strict else _VNI_SINGLE_MAP)
    return _vni_pairs(text, _drop if strict else _keep)


def decode_tcvn3(text: str, upper: bool = False) -> str:
    """Decode TCVN3 (ABC) text seen through cp1252 ("NguyÔn V¨n §øc" → "Nguyễn Văn Đức").

    ``upper=True`` for the all-caps ".Vn...H" fonts: TCVN3 has no codes for capital toned
    letters, those fonts draw the lowercase codes as capitals, so the result is upper-cased.
    Without it a capital toned letter comes back lowercase ("NGUYÔN" → "NGUYễN").
    """
    out = unicodedata.normalize("NFC", unicodedata.normalize("NFC", text).translate(_TCVN3_TEXT_MAP))
    return out.upper() if upper else out


def decode_vni(text: str) -> str:
    """Decode VNI-Windows text seen through cp1252 ("Nguyeãn Vaên Ñöùc" → "Nguyễn Văn Đức").

    Greedy: a base letter + mark character is read as one letter first; remaining single
    characters (ñ đ, ô ơ, ö ư, æ ỉ, ó ĩ, ò ị, î ỵ, ...) next; a mark with no base stays as is.
    """
    text = unicodedata.normalize("NFC", text)
    if set(text) <= _CP1252_REPERTOIRE:  # the usual case: go through the fast bytes path
        return unicodedata.normalize("NFC", _decode_vni_bytes(text.encode("cp1252")))
    return unicodedata.normalize("NFC", _vni_text(text))


def _font_kind(font_name: str | None) -> tuple[str | None, bool]:
    if not font_name:
        return None, False
    name = font_name.strip()
    low = name.lower()
    if low.startswith(".vn"):
        return "tcvn3", name.endswith("H")
    if low.startswith(("vni-", "vni ", "vni_")):
        return "vni", False
    return None, False


def decode_cell_by_font(text: str, font_name: str | None) -> str:
    """Decode an XLSX cell string according to its font; result in NFC.

    ".Vn*" fonts → TCVN3 (names ending in "H", e.g. ".VnTimeH", ".VnArialH" → upper case);
    "VNI-*" fonts → VNI; any other font → the text unchanged (NFC).

    Guards against cells that already hold Unicode despite the legacy font (text pasted into
    an old sheet): text with a character outside the cp1252 repertoire (ễ, ă, đ, ơ, ư, ạ, ...)
    is returned unchanged, and so is text whose words read as better Vietnamese than the decoded
    ones. (Unicode text made only of à á â ã è é ê ì í ò ó ô õ ù ú ý and ASCII, e.g. "Lê Hà",
    cannot be told apart and is decoded as the font says.)
    """
    kind, upper = _font_kind(font_name)
    nfc = unicodedata.normalize("NFC", text)
    if kind is None or nfc.isascii() and not upper:
        return nfc
    if not set(nfc) <= _CP1252_REPERTOIRE:
        return nfc
    decoded = decode_tcvn3(nfc, upper=upper) if kind == "tcvn3" else decode_vni(nfc)
    if not set(nfc) <= _ASCII_AND_LATIN1_VIETNAMESE:
        return decoded  # holds ¨ § µ Þ ...: cannot be Unicode Vietnamese
    if _score(nfc)[0] > _score(_legacy_text_strict(nfc, kind))[0]:
        return nfc
    return decoded


def _legacy_text_strict(text: str, kind: str) -> str:
    if kind == "tcvn3":
        return unicodedata.normalize("NFC", text.translate(_TCVN3_TEXT_MAP_STRICT))
    return unicodedata.normalize("NFC", _vni_text(text, strict=True))


def detect_legacy_text(text: str) -> str:
    """Guess whether Unicode ``text`` is real Unicode or TCVN3/VNI seen through cp1252.

    Returns "unicode", "tcvn3" or "vni" (ties → "unicode"). For text such as a UTF-8 CSV
    exported from a sheet in a ".VnTime" font, or an XLSX cell whose font is unknown.
    """
    nfc = unicodedata.normalize("NFC", text)
    if nfc.isascii() or not set(nfc) <= _CP1252_REPERTOIRE:
        return "unicode"
    best, best_key = "unicode", _score(nfc)
    for kind in ("tcvn3", "vni"):
        key = _score(_legacy_text_strict(nfc, kind))
        if key > best_key:
            best, best_key = kind, key
    return best


# ---------------------------------------------------------------------------------------------
# Encoders (tests and sample data)
# ---------------------------------------------------------------------------------------------


def _check_repertoire(text: str, ok: Callable[[str], bool], encoding: str, errors: str) -> str:
    bad = [i for i, c in enumerate(text) if not ok(c)]
    if not bad:
        return text
    if errors == "strict":
        i = bad[0]
        raise UnicodeEncodeError(encoding, text, i, i + 1, "character has no code in " + encoding)
    if errors not in {"replace", "ignore"}:
        raise LookupError(f"unsupported error handler {errors!r}; use strict, replace or ignore")
    sub = "?" if errors == "replace" else ""
    bad_set = set(bad)
    return "".join(sub if i in bad_set else c for i, c in enumerate(text))


def to_tcvn3_text(text: str, errors: str = "strict") -> str:
    """Unicode → the cp1252-sense string an XLSX cell in a ".VnTime" font holds.

    Capital toned letters get their lowercase code (TCVN3 has none): "NGUYỄN" → "NGUYÔN",
    which decodes to "NGUYễN" (or "NGUYỄN" with ``upper=True``). Characters that TCVN3 cannot
    represent raise UnicodeEncodeError (``errors="replace"`` writes "?", "ignore" drops them).
    """
    text = unicodedata.normalize("NFC", text)
    text = _check_repertoire(
        text, lambda c: c in _VIET_SET or c in _TCVN3_OTHER_OK, "tcvn3", errors
    )
    return text.translate(_TCVN3_ENCODE_MAP)


def to_vni_text(text: str, errors: str = "strict") -> str:
    """Unicode → the cp1252-sense string an XLSX cell in a "VNI-Times" font holds."""
    text = unicodedata.normalize("NFC", text)
    text = _check_repertoire(text, lambda c: c in _VIET_SET or c in _VNI_OTHER_OK, "vni", errors)
    return text.translate(_VNI_ENCODE_MAP)


def encode_tcvn3(text: str, errors: str = "strict") -> bytes:
    """Unicode → TCVN3 bytes (capital toned letters lose their case, see :func:`to_tcvn3_text`)."""
    return to_tcvn3_text(text, errors).encode("cp1252")


def encode_vni(text: str, errors: str = "strict") -> bytes:
    """Unicode → VNI-Windows bytes."""
    return to_vni_text(text, errors).encode("cp1252")


def encode_cp1258(text: str, errors: str = "strict") -> bytes:
    """Unicode → Windows-1258 bytes, as Vietnamese Windows software wrote them.

    Python's ``cp1258`` codec cannot encode precomposed letters the code page lacks ("ễ", "ạ",
    "Ý"); these are written as base letter + combining tone byte ("ê" EA + ngã DE).
    """
    text = unicodedata.normalize("NFC", text).translate(_CP1258_ENCODE_MAP)
    return text.encode("cp1258", errors)


# ---------------------------------------------------------------------------------------------
# Bytes: detection and decoding
# ---------------------------------------------------------------------------------------------

_LEGACY_ALIASES = {
    "tcvn3": "tcvn3", "tcvn": "tcvn3", "tcvn-3": "tcvn3", "tcvn5712": "tcvn3",
    "tcvn-5712": "tcvn3", "tcvn5712-3": "tcvn3", "vn3": "tcvn3", "abc": "tcvn3", ".vntime": "tcvn3",
    "vni": "vni", "vni-windows": "vni", "vni-win": "vni", "vniwin": "vni", "vni-times": "vni",
    "utf-16": "utf-16", "utf16": "utf-16", "unicode": "utf-16", "ucs-2": "utf-16",
    "utf-16le": "utf-16-le", "utf-16-le": "utf-16-le", "utf16le": "utf-16-le",
    "utf-16be": "utf-16-be", "utf-16-be": "utf-16-be", "utf16be": "utf-16-be",
}
_PY_CANONICAL = {"utf-8": "utf-8", "utf-8-sig": "utf-8-sig", "cp1258": "cp1258",
                 "utf-16": "utf-16", "utf-16-le": "utf-16-le", "utf-16-be": "utf-16-be"}


def normalize_encoding_name(encoding: str) -> str:
    """Canonical name for an encoding name or alias; raises LookupError if unknown.

    Returns one of :data:`ENCODINGS` (also "utf-16-le"/"utf-16-be" when asked for explicitly),
    or the Python codec name for any other codec Python knows ("latin-1", "cp1252", ...).
    """
    key = re.sub(r"[\s_]+", "-", encoding.strip().lower())
    if key in _LEGACY_ALIASES:
        return _LEGACY_ALIASES[key]
    name = codecs.lookup(key).name  # LookupError for unknown names
    return _PY_CANONICAL.get(name, name)


def _utf16_order(sample: bytes) -> str | None:
    """"le"/"be" if BOM-less ``sample`` looks like UTF-16 (NULs in one byte position only)."""
    n = len(sample) - len(sample) % 2
    if n < 4:
        return None
    half = n // 2
    even = sample[0:n:2].count(0)
    odd = sample[1:n:2].count(0)
    hi, lo = max(even, odd), min(even, odd)
    if hi >= 0.3 * half and lo <= 0.05 * half:
        return "le" if odd > even else "be"
    return None


def _legacy_candidates(sample: bytes) -> dict[str, str]:
    cp = _charmap(sample, _CP1252)
    return {
        "tcvn3": unicodedata.normalize("NFC", _charmap(sample, _TCVN3_DECODING_STRICT)),
        "vni": unicodedata.normalize("NFC", _vni_text(cp, strict=True)),
        "cp1258": unicodedata.normalize("NFC", _charmap(sample, _CP1258_DECODING_STRICT)),
    }


_LEGACY_ORDER = ("tcvn3", "vni", "cp1258")  # tie-break: the most common in offices first


def _detect_legacy(sample: bytes) -> str:
    decoded = _legacy_candidates(sample)
    scores = {enc: _score(decoded[enc]) for enc in _LEGACY_ORDER}
    return max(_LEGACY_ORDER, key=lambda enc: (scores[enc], -_LEGACY_ORDER.index(enc)))


def _sample(data: bytes) -> tuple[bytes, bool]:
    """The part of ``data`` to look at, and whether it reaches the end of ``data``."""
    if len(data) <= SAMPLE_BYTES:
        return data, True
    first = _NON_ASCII_BYTES_RE.search(data)
    start = 0 if first is None or first.start() < SAMPLE_BYTES else first.start()
    start = data.rfind(b"\n", 0, start) + 1 if start else 0
    window = data[start : start + SAMPLE_BYTES]
    return window, start + SAMPLE_BYTES >= len(data)


def _valid_utf8(sample: bytes, final: bool) -> bool:
    try:
        codecs.getincrementaldecoder("utf-8")().decode(sample, final=final)
    except UnicodeDecodeError:
        return False
    return True


def detect_encoding(data: bytes) -> str:
    """Guess the encoding of a text file's bytes; returns one of :data:`ENCODINGS`.

    BOM → "utf-8-sig" / "utf-16"; NUL bytes in every other position → "utf-16"; valid UTF-8
    (including pure ASCII and empty input) → "utf-8"; otherwise the legacy encoding (TCVN3,
    VNI, Windows-1258) under which the most words decode to well-formed Vietnamese syllables.
    Looks at ~256 KB: the start, or, if the start is pure ASCII, from the first non-ASCII line.
    """
    if data.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16"
    if _utf16_order(data[:SAMPLE_BYTES]) is not None:
        return "utf-16"
    sample, reaches_end = _sample(data)
    if sample.isascii():
        return "utf-8"
    if _valid_utf8(sample, final=reaches_end):
        return "utf-8"
    return _detect_legacy(sample)


def _decode_utf16(data: bytes, errors: str, order: str | None = None) -> str:
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return data.decode("utf-16", errors)
    order = order or _utf16_order(data[:SAMPLE_BYTES]) or "le"
    return data.decode(f"utf-16-{order}", errors)


def decode_bytes(data: bytes, encoding: str | None = None) -> tuple[str, str]:
    """Decode a text file's bytes; returns (text in NFC, encoding used).

    ``encoding`` overrides detection; it accepts the names of :data:`ENCODINGS` and aliases
    ("utf8", "windows-1258", "abc"/"tcvn" for TCVN3, "vni-windows", "unicode" for UTF-16, any
    Python codec name). An overriding UTF codec decodes strictly (UnicodeDecodeError on bad
    bytes); a detected one replaces bad bytes with U+FFFD. A UTF-8 BOM is always removed (the
    encoding used is then reported as "utf-8-sig"). The legacy decoders never fail.
    """
    if encoding is None:
        name = detect_encoding(data)
        errors = "replace"
    else:
        name = normalize_encoding_name(encoding)
        errors = "strict"
    if name in {"utf-8", "utf-8-sig"}:
        if data.startswith(codecs.BOM_UTF8):
            name = "utf-8-sig"
        text = data.decode(name, errors)
    elif name in {"utf-16", "utf-16-le", "utf-16-be"}:
        order = name[-2:] if name != "utf-16" else None
        text = _decode_utf16(data, errors, order)
        name = "utf-16"
    elif name == "tcvn3":
        text = _charmap(data, _TCVN3_DECODING)
    elif name == "vni":
        text = _decode_vni_bytes(data)
    elif name == "cp1258":
        text = _charmap(data, _CP1258_DECODING)
    else:
        text = data.decode(name, errors)
    return unicodedata.normalize("NFC", text), name


# ---------------------------------------------------------------------------------------------
# Delimiter
# ---------------------------------------------------------------------------------------------

DELIMITERS = (",", ";", "\t", "|")


def _field_counts(lines: Iterable[str], delimiter: str, limit: int) -> list[int]:
    reader = csv.reader(lines, delimiter=delimiter, quotechar='"', strict=False)
    counts: list[int] = []
    try:
        for record in reader:
            if not any(field.strip() for field in record):
                continue
            counts.append(len(record))
            if len(counts) >= limit:
                break
    except csv.Error:
        pass
    return counts


def sniff_delimiter(text: str, max_lines: int = 20) -> str:
    """Pick the delimiter among ",", ";", tab, "|" that splits the first ~20 non-empty records
    into a consistent number (> 1) of columns; quoted fields are ignored. Default ",".

    Score: how many records have the most common column count, then that column count.
    """
    head = text[: 64 * 1024]
    if len(text) > len(head) and "\n" in head:
        head = head[: head.rfind("\n") + 1]
    if head.startswith("\ufeff"):
        head = head[1:]
    best, best_key = ",", (0, 0)
    for delimiter in DELIMITERS:
        counts = _field_counts(io.StringIO(head, newline=""), delimiter, max_lines)
        multi = [c for c in counts if c > 1]
        if not multi:
            continue
        mode, n = Counter(multi).most_common(1)[0]
        key = (n, mode)
        if key > best_key:
            best, best_key = delimiter, key
    return best
