"""Legacy text seen through cp1252 → Unicode: TCVN3 (ABC, ".VnTime") and VNI-Windows decoders.

An XLSX cell in a legacy font holds the legacy bytes seen through cp1252 ("NguyÔn V¨n §øc"):
``decode_cell_by_font`` decodes it by its font name; ``detect_legacy_text`` tells which legacy
encoding a Unicode text column holds. Pure functions, no file I/O.

Known losses: TCVN3 has no codes for capital toned letters (Ễ, Á, Ố…): decoding gives the
lowercase letter unless ``upper=True`` (".Vn…H" all-caps fonts); capitals Ă Â Ê Ô Ơ Ư Đ do have
codes. TCVN3 ư is 0xAD, the cp1252 soft hyphen: a tool that strips soft hyphens has lost it.
"""

from __future__ import annotations

import codecs
import re
import unicodedata
from collections.abc import Callable

from pipelines.ingest.encodings._tables import (
    ASCII_AND_LATIN1_VIETNAMESE,
    CP1252,
    CP1252_REPERTOIRE,
    REPLACEMENT,
    TCVN3_TEXT_MAP,
    TCVN3_TEXT_MAP_STRICT,
    VNI_BASE_FLAG,
    VNI_FAST_DECODING,
    VNI_MARK_FLAG,
    VNI_PAIR_RE,
    VNI_PAIRS,
    VNI_PLACEHOLDERS,
    VNI_SINGLE_MAP,
    VNI_SINGLE_MAP_STRICT,
)
from pipelines.ingest.encodings.syllables import score

# ---------------------------------------------------------------------------------------------
# Legacy decoders
# ---------------------------------------------------------------------------------------------


def charmap(data: bytes, table: str) -> str:
    return codecs.charmap_decode(data, "strict", table)[0]


def _vni_pairs(text: str, lone_mark: Callable[[str], str]) -> str:
    def repl(match: re.Match[str]) -> str:
        s = match.group()
        letter = VNI_PAIRS.get(s)
        if letter is not None:
            return letter
        return s[:-1] + lone_mark(s[-1])

    return VNI_PAIR_RE.sub(repl, text)


def _keep(mark: str) -> str:
    return mark


def _drop(mark: str) -> str:
    return REPLACEMENT


def vni_text(text: str, *, strict: bool = False) -> str:
    """VNI seen through cp1252 -> Unicode (not yet NFC). Greedy: base + mark pairs first."""
    text = text.translate(VNI_SINGLE_MAP_STRICT if strict else VNI_SINGLE_MAP)
    return _vni_pairs(text, _drop if strict else _keep)


def vni_all_paired(data: bytes) -> bool:
    """True if every VNI mark byte in ``data`` directly follows a base letter it combines with."""
    need = data.translate(VNI_MARK_FLAG)
    if not need or need[0]:
        return not need
    have = data.translate(VNI_BASE_FLAG)
    a = int.from_bytes(have[:-1], "big")
    b = int.from_bytes(need[1:], "big")
    return a & b == b  # bytewise: each mark's class bit is set in the previous byte's flags


def decode_vni_bytes(data: bytes) -> str:
    """VNI bytes -> Unicode (not yet NFC)."""
    if vni_all_paired(data):
        text = charmap(data, VNI_FAST_DECODING)
        for ph, comb in VNI_PLACEHOLDERS.items():
            if ph in text:
                text = text.replace(ph, comb)
        return text
    return vni_text(charmap(data, CP1252))


def decode_tcvn3(text: str, upper: bool = False) -> str:
    """Decode TCVN3 (ABC) text seen through cp1252 ("NguyÔn V¨n §øc" → "Nguyễn Văn Đức").

    ``upper=True`` for the all-caps ".Vn...H" fonts: TCVN3 has no codes for capital toned
    letters, those fonts draw the lowercase codes as capitals, so the result is upper-cased.
    Without it a capital toned letter comes back lowercase ("NGUYÔN" → "NGUYễN").
    """
    out = unicodedata.normalize("NFC", unicodedata.normalize("NFC", text).translate(TCVN3_TEXT_MAP))
    return out.upper() if upper else out


def decode_vni(text: str) -> str:
    """Decode VNI-Windows text seen through cp1252 ("Nguyeãn Vaên Ñöùc" → "Nguyễn Văn Đức").

    Greedy: a base letter + mark character is read as one letter first; remaining single
    characters (ñ đ, ô ơ, ö ư, æ ỉ, ó ĩ, ò ị, î ỵ, ...) next; a mark with no base stays as is.
    """
    text = unicodedata.normalize("NFC", text)
    if set(text) <= CP1252_REPERTOIRE:  # the usual case: go through the fast bytes path
        return unicodedata.normalize("NFC", decode_vni_bytes(text.encode("cp1252")))
    return unicodedata.normalize("NFC", vni_text(text))


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
    if not set(nfc) <= CP1252_REPERTOIRE:
        return nfc
    decoded = decode_tcvn3(nfc, upper=upper) if kind == "tcvn3" else decode_vni(nfc)
    if not set(nfc) <= ASCII_AND_LATIN1_VIETNAMESE:
        return decoded  # holds ¨ § µ Þ ...: cannot be Unicode Vietnamese
    if score(nfc)[0] > score(_legacy_text_strict(nfc, kind))[0]:
        return nfc
    return decoded


def _legacy_text_strict(text: str, kind: str) -> str:
    if kind == "tcvn3":
        return unicodedata.normalize("NFC", text.translate(TCVN3_TEXT_MAP_STRICT))
    return unicodedata.normalize("NFC", vni_text(text, strict=True))


def detect_legacy_text(text: str) -> str:
    """Guess whether Unicode ``text`` is real Unicode or TCVN3/VNI seen through cp1252.

    Returns "unicode", "tcvn3" or "vni" (ties → "unicode"). For text such as a UTF-8 CSV
    exported from a sheet in a ".VnTime" font, or an XLSX cell whose font is unknown.
    """
    nfc = unicodedata.normalize("NFC", text)
    if nfc.isascii() or not set(nfc) <= CP1252_REPERTOIRE:
        return "unicode"
    best, best_key = "unicode", score(nfc)
    for kind in ("tcvn3", "vni"):
        key = score(_legacy_text_strict(nfc, kind))
        if key > best_key:
            best, best_key = kind, key
    return best


