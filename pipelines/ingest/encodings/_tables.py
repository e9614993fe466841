"""Tables built once at import from the 134 letters: cp1252, TCVN3, VNI and Windows-1258 maps.

Private to ``pipelines.ingest.encodings``: the decoders, encoders and detectors read them.
"""

from __future__ import annotations

import re
import unicodedata

from pipelines.ingest.encodings._letters import LETTERS

ENCODINGS = ("utf-8-sig", "utf-8", "utf-16", "cp1258", "tcvn3", "vni")

SAMPLE_BYTES = 256 * 1024
REPLACEMENT = "\ufffd"

# ---------------------------------------------------------------------------------------------
# Tables built once at import
# ---------------------------------------------------------------------------------------------


def cp1252_char(b: int) -> str:
    """Byte as cp1252 text; the five undefined bytes become the Latin-1 control character."""
    try:
        return bytes([b]).decode("cp1252")
    except UnicodeDecodeError:
        return chr(b)


def cp1258_char(b: int) -> str | None:
    try:
        return bytes([b]).decode("cp1258")
    except UnicodeDecodeError:
        return None


CP1252 = "".join(cp1252_char(b) for b in range(256))
#: every character that cp1252 can encode (the repertoire of legacy-font text seen as cp1252)
CP1252_REPERTOIRE = frozenset(CP1252) - {chr(b) for b in (0x81, 0x8D, 0x8F, 0x90, 0x9D)}

VIETNAMESE_LETTERS: tuple[str, ...] = tuple(row[0] for row in LETTERS)
VIET_SET = frozenset(VIETNAMESE_LETTERS)
ASCII_AND_LATIN1_VIETNAMESE = frozenset(map(chr, range(128))) | {c for c in VIET_SET if c < "\u0100"}

# --- TCVN3 -----------------------------------------------------------------------------------
TCVN3_BYTE: dict[str, int] = {ch: b for ch, b, _v, _c in LETTERS}
# decoding: a byte means its lowercase letter, except the seven capitals with their own code
TCVN3_LETTER_OF_BYTE: dict[int, str] = {}
for _ch, _b in TCVN3_BYTE.items():
    if _ch.islower() or _b not in {b for c, b in TCVN3_BYTE.items() if c.islower()}:
        TCVN3_LETTER_OF_BYTE[_b] = _ch
TCVN3_DECODING = "".join(TCVN3_LETTER_OF_BYTE.get(b, CP1252[b]) for b in range(256))
# scoring variant: a high byte TCVN3 does not use cannot occur in TCVN3 text
TCVN3_DECODING_STRICT = "".join(
    TCVN3_LETTER_OF_BYTE.get(b, CP1252[b] if b < 0x80 or b == 0xA0 else REPLACEMENT)
    for b in range(256)
)
# cp1252-sense text (XLSX cell in a .Vn font) -> Unicode
TCVN3_TEXT_MAP = {ord(chr(b)): ch for b, ch in TCVN3_LETTER_OF_BYTE.items()}
TCVN3_TEXT_MAP_STRICT = {
    **{c: REPLACEMENT for c in range(0xA1, 0x100)},
    **TCVN3_TEXT_MAP,
}
# Unicode -> cp1252-sense text
TCVN3_USED_CHARS = frozenset(chr(b) for b in TCVN3_LETTER_OF_BYTE)
TCVN3_ENCODE_MAP = {ord(ch): chr(b) for ch, b in TCVN3_BYTE.items()}
TCVN3_OTHER_OK = frozenset(c for c in CP1252_REPERTOIRE if c not in TCVN3_USED_CHARS)

# --- VNI-Windows -----------------------------------------------------------------------------
VNI_SINGLE: dict[str, str] = {}  # cp1252 char -> letter (đ ơ ư ỉ ĩ ị ỵ í ì and capitals)
VNI_PAIRS: dict[str, str] = {}  # base (after singles) + cp1252 mark char -> letter
VNI_MARKS: set[str] = set()
for _ch, _t, _v, _c in LETTERS:
    _text = _v.decode("cp1252")
    if len(_text) == 1:
        VNI_SINGLE[_text] = _ch
for _ch, _t, _v, _c in LETTERS:
    _text = _v.decode("cp1252")
    if len(_text) == 2:
        _base = VNI_SINGLE.get(_text[0], _text[0])
        _mark = _text[1]
        VNI_MARKS.update((_mark, _mark.lower(), _mark.upper()))
        # Case-tolerant: the base letter decides the case (VNI writes AÙ, but a hand-edited
        # or partly case-converted cell may hold Aù / aÙ).
        for _b in (_base.lower(), _base.upper()):
            for _m in (_mark.lower(), _mark.upper()):
                VNI_PAIRS[_b + _m] = _ch.lower() if _b.islower() else _ch.upper()
VNI_BASES = "".join(sorted({k[0] for k in VNI_PAIRS}))
VNI_MARK_CHARS = "".join(sorted(VNI_MARKS))
VNI_PAIR_RE = re.compile(f"[{re.escape(VNI_BASES)}]?[{re.escape(VNI_MARK_CHARS)}]")
# Fast path for bytes: when every mark byte follows a base it combines with, decode with a 1:1
# table (singles -> letters, marks -> combining tone / placeholder for two-mark bytes), expand
# the placeholders and let NFC compose. Checked with per-byte class flags, see vni_all_paired.
VNI_COMBINING: dict[str, str] = {}  # mark char -> combining sequence
VNI_BASES_OF_MARK: dict[str, set[str]] = {}
for _pair, _letter in VNI_PAIRS.items():
    _b, _m = _pair
    VNI_BASES_OF_MARK.setdefault(_m, set()).add(_b)
    _comb = unicodedata.normalize("NFD", _letter)[len(unicodedata.normalize("NFD", _b)) :]
    if VNI_COMBINING.setdefault(_m, _comb) != _comb or unicodedata.normalize("NFC", _b + _comb) != _letter:
        raise RuntimeError(f"inconsistent VNI table at {_pair!r}")  # pragma: no cover
VNI_BYTE_OF = {v: k for k, v in VNI_SINGLE.items()}  # ơ -> "ô" (its VNI byte as cp1252)
VNI_CLASS_BIT: dict[frozenset[str], int] = {}
mark_flag = bytearray(256)
base_flag = bytearray(256)
for _m, _bs in VNI_BASES_OF_MARK.items():
    _bit = VNI_CLASS_BIT.setdefault(frozenset(_bs), 1 << len(VNI_CLASS_BIT))
    mark_flag[_m.encode("cp1252")[0]] = _bit
    for _b in _bs:
        base_flag[VNI_BYTE_OF.get(_b, _b).encode("cp1252")[0]] |= _bit
VNI_MARK_FLAG = bytes(mark_flag)
VNI_BASE_FLAG = bytes(base_flag)
VNI_PLACEHOLDERS: dict[str, str] = {}  # private-use char -> two combining marks
fast = list(CP1252)
for _m, _comb in sorted(VNI_COMBINING.items()):
    if len(_comb) == 1:
        fast[ord(_m)] = _comb
    else:
        _ph = chr(0xE000 + len(VNI_PLACEHOLDERS))
        VNI_PLACEHOLDERS[_ph] = _comb
        fast[ord(_m)] = _ph
for _k, _v in VNI_SINGLE.items():
    fast[ord(_k)] = _v
VNI_FAST_DECODING = "".join(fast)


VNI_SINGLE_MAP = {ord(k): v for k, v in VNI_SINGLE.items()}
VNI_USED_CHARS = frozenset(VNI_SINGLE) | VNI_MARKS
VNI_SINGLE_MAP_STRICT = {
    **{c: REPLACEMENT for c in range(0xA1, 0x100) if chr(c) not in VNI_USED_CHARS},
    **VNI_SINGLE_MAP,
}
VNI_ENCODE_MAP = {ord(ch): v.decode("cp1252") for ch, _t, v, _c in LETTERS}
VNI_OTHER_OK = frozenset(c for c in CP1252_REPERTOIRE if c not in VNI_USED_CHARS)

# --- Windows-1258 ----------------------------------------------------------------------------
CP1258_DECODING = "".join(cp1258_char(b) or chr(b) for b in range(256))
CP1258_DECODING_STRICT = "".join(cp1258_char(b) or REPLACEMENT for b in range(256))
# Unicode -> cp1258-sense text (base letter + combining tone where cp1258 lacks the letter)
CP1258_ENCODE_MAP = {ord(ch): c.decode("cp1258") for ch, _t, _v, c in LETTERS}

