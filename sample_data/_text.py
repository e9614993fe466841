"""String transforms that imitate how sector offices mistype names and numbers.

Every function takes the string and pre-drawn uniform random numbers (so the caller draws them
with numpy in one vectorised call and the result stays deterministic for a seed).
"""

from __future__ import annotations

import re
import unicodedata

_VI_LOWER = "àáảãạăằắẳẵặâầấẩẫậèéẻẽẹêềếểễệìíỉĩịòóỏõọôồốổỗộơờớởỡợùúủũụưừứửữựỳýỷỹỵđ"
_VI = _VI_LOWER + _VI_LOWER.upper()


def _ascii(c: str) -> str:
    if c in "đĐ":
        return "d" if c == "đ" else "D"
    return "".join(x for x in unicodedata.normalize("NFD", c) if not unicodedata.combining(x))


STRIP_TABLE: dict[str, str] = {c: _ascii(c) for c in _VI}
_STRIP_TRANS = str.maketrans(STRIP_TABLE)


def strip_diacritics(s: str) -> str:
    return s.translate(_STRIP_TRANS)


# ---- tone marks ---------------------------------------------------------------------------
_TONES = {"\u0300": "f", "\u0301": "s", "\u0309": "r", "\u0303": "x", "\u0323": "j"}
_SHAPES = {"\u0302": None, "\u0306": "w", "\u031b": "w"}  # circumflex doubles the vowel


def _split_tone(c: str) -> tuple[str, str]:
    """'ễ' -> ('ê', '\u0303'); letters without a tone -> (c, '')."""
    d = unicodedata.normalize("NFD", c)
    tone = "".join(x for x in d if x in _TONES)
    rest = "".join(x for x in d if x not in _TONES)
    return unicodedata.normalize("NFC", rest), tone


def _with_tone(c: str, tone: str) -> str:
    return unicodedata.normalize("NFC", c + tone)


# Old style marks the first vowel of a syllable-final oa/oe/uy; new style marks the second.
_OLD_STYLE_RX = re.compile(r"([òóỏõọ][ae]|[ÒÓỎÕỌ][AEae]|[ùúủũụ]y|[ÙÚỦŨỤ][Yy])\b")


def has_old_tone(s: str) -> bool:
    return _OLD_STYLE_RX.search(s) is not None


def to_new_tone_style(s: str) -> str:
    def repl(m: re.Match[str]) -> str:
        first, second = m.group(0)[0], m.group(0)[1]
        base, tone = _split_tone(first)
        return base + _with_tone(second, tone)

    return _OLD_STYLE_RX.sub(repl, s)


OLD_TONE_PATTERN = _OLD_STYLE_RX.pattern  # for polars str.contains (same regex dialect)

# i/y: a syllable-final y right after a consonant (Lý/Lí, Mỹ/Mĩ, Kỳ/Kì, Vy/Vi).
_Y_TO_I = {"y": "i", "ý": "í", "ỳ": "ì", "ỷ": "ỉ", "ỹ": "ĩ", "ỵ": "ị",
           "Y": "I", "Ý": "Í", "Ỳ": "Ì", "Ỷ": "Ỉ", "Ỹ": "Ĩ", "Ỵ": "Ị"}
I_Y_PATTERN = r"(?i)\b(th|[lmkhtvs])[yýỳỷỹỵ]\b"
_I_Y_RX = re.compile(r"\b(Th|th|TH|[LMKHTVSlmkhtvs])([yýỳỷỹỵYÝỲỶỸỴ])\b")


def i_y_swap(s: str) -> str:
    return _I_Y_RX.sub(lambda m: m.group(1) + _Y_TO_I[m.group(2)], s, count=1)


# hỏi/ngã merge (southern speakers): Dũng -> Dủng, and the other way.
_NGA = "ãẵẫẽễĩõỗỡũữỹ"
_HOI = "ảẳẩẻểỉỏổởủửỷ"
_NGA_ALL = _NGA + _NGA.upper()
_HOI_ALL = _HOI + _HOI.upper()
_NGA_TO_HOI = str.maketrans(_NGA_ALL, _HOI_ALL)
_HOI_TO_NGA = str.maketrans(_HOI_ALL, _NGA_ALL)
HOI_NGA_PATTERN = "[" + _NGA_ALL + _HOI_ALL + "]"


def hoi_nga_swap(s: str, u: float) -> str:
    """Swap the tone of one word: ngã -> hỏi when the name has a ngã, else hỏi -> ngã."""
    words = s.split(" ")
    nga = [i for i, w in enumerate(words) if any(c in _NGA_ALL for c in w)]
    if nga:
        i = nga[int(u * len(nga))]
        words[i] = words[i].translate(_NGA_TO_HOI)
    else:
        hoi = [i for i, w in enumerate(words) if any(c in _HOI_ALL for c in w)]
        if not hoi:
            return s
        i = hoi[int(u * len(hoi))]
        words[i] = words[i].translate(_HOI_TO_NGA)
    return " ".join(words)


# ---- telex ----------------------------------------------------------------------------------
def telex_word(w: str) -> str:
    """'Nguyễn' -> 'Nguyeenx': the keystrokes of a Telex typist whose IME was off."""
    out: list[str] = []
    tone_key = ""
    for c in w:
        if c == "đ":
            out.append("dd")
            continue
        if c == "Đ":
            out.append("DD" if w.isupper() else "Dd")
            continue
        d = unicodedata.normalize("NFD", c)
        base = d[0]
        marks = d[1:]
        keys = base
        for m in marks:
            if m in _TONES:
                tone_key = _TONES[m]
            elif m == "\u0302":
                keys += base
            elif m in _SHAPES:
                keys += "w"
        out.append(keys)
    word = "".join(out) + tone_key
    return word.upper() if w.isupper() and len(w) > 1 else word


def telex_leftover(s: str, u: float) -> str:
    words = s.split(" ")
    marked = [i for i, w in enumerate(words) if strip_diacritics(w) != w]
    if not marked:
        return s
    i = marked[int(u * len(marked))]
    words[i] = telex_word(words[i])
    return " ".join(words)


# ---- typing slips --------------------------------------------------------------------------
_NEIGHBOURS = {
    "a": "sq", "b": "vn", "c": "xv", "d": "sf", "e": "wr", "g": "fh", "h": "gj", "i": "uo",
    "k": "jl", "l": "k", "m": "n", "n": "bm", "o": "ip", "p": "o", "q": "w", "r": "et",
    "s": "ad", "t": "ry", "u": "yi", "v": "cb", "x": "zc", "y": "tu",
}


def typo(s: str, u1: float, u2: float, u3: float) -> str:
    """One slip in one word (the given name 60 % of the time): substitution, deletion,
    doubling or swapping two neighbouring letters."""
    words = s.split(" ")
    if len(words) > 1 and u1 < 0.6:
        i = len(words) - 1
    else:
        i = min(int(u1 * len(words)), len(words) - 1)
    w = words[i]
    if len(w) < 2:
        return s
    p = min(int(u2 * len(w)), len(w) - 1)
    op = int(u3 * 4)
    if op == 0:  # substitute by a neighbouring key (keeps case, drops the diacritic)
        base = strip_diacritics(w[p]).lower()
        opts = _NEIGHBOURS.get(base, "e")
        c = opts[int(u3 * 97) % len(opts)]
        c = c.upper() if w[p].isupper() else c
        w = w[:p] + c + w[p + 1:]
    elif op == 1:
        w = w[:p] + w[p + 1:] if p > 0 else w[:1] + w[2:]
    elif op == 2:
        p = max(p, 1)
        w = w[:p] + w[p] + w[p:] if p < len(w) else w + w[-1]
    else:
        p = max(0, min(p, len(w) - 2))
        if w[p] == w[p + 1]:
            w = w[:p] + w[p + 1:]
        else:
            w = w[:p] + w[p + 1] + w[p] + w[p + 2:]
    words[i] = w
    return " ".join(words)


def stray_spaces(s: str, u: float) -> str:
    if u < 0.55 and " " in s:
        k = s.count(" ")
        j = int((u / 0.55) * k)
        parts = s.split(" ")
        return " ".join(parts[: j + 1]) + "  " + " ".join(parts[j + 1:])
    if u < 0.8:
        return s + " "
    return " " + s


# ---- numbers --------------------------------------------------------------------------------
def digit_typo(s: str, u1: float, u2: float, lo: int = 3) -> str:
    """Change one digit at a position >= lo to a different digit."""
    p = lo + min(int(u1 * (len(s) - lo)), len(s) - lo - 1)
    d = (int(s[p]) + 1 + int(u2 * 9)) % 10
    return s[:p] + str(d) + s[p + 1:]


def transpose_digits(s: str, u: float, lo: int = 3) -> str:
    """Swap two neighbouring, different digits (first candidate at or after a random start)."""
    n = len(s) - 1 - lo
    start = lo + min(int(u * n), n - 1)
    for k in range(n):
        p = lo + (start - lo + k) % n
        if s[p] != s[p + 1]:
            return s[:p] + s[p + 1] + s[p] + s[p + 2:]
    return s


def scientific(s: str) -> str:
    """How Excel's General format shows a long number: '036123456789' -> '3.61235E+10'."""
    mant, exp = f"{int(s):.5E}".split("E")
    mant = mant.rstrip("0").rstrip(".")
    return f"{mant}E+{int(exp):02d}"
