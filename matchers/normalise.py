"""Vietnamese name normalisation as polars expression builders.

Every builder takes a column name or a ``pl.Expr`` and returns a ``pl.Expr``; nulls stay null.
Forms used by the matcher:

- canonical: NFC, lower case, diacritics kept, single spaces, "ð" → "đ", old-style tone
  placement ("hoà" → "hòa", "thuỷ" → "thủy").
- folded: canonical without diacritics, "đ" → "d", always ASCII
  ("nguyễn văn đạt" → "nguyen van dat").
"""

from __future__ import annotations

import polars as pl

from contracts import id_birth_year, id_is_female

__all__ = [
    "COMPOUND_SURNAMES",
    "canonical_name",
    "folded",
    "fold_table",
    "gender_from_name",
    "given_name",
    "has_diacritics",
    "id_birth_year",
    "id_gender",
    "middle_names",
    "name_tokens",
    "surname",
    "telex_folded",
]

# The 67 lower-case Vietnamese letters that carry a diacritic (NFC), and their ASCII base.
_VI_LOWER = "àáảãạăằắẳẵặâầấẩẫậèéẻẽẹêềếểễệìíỉĩịòóỏõọôồốổỗộơờớởỡợùúủũụưừứửữựỳýỷỹỵđ"
_VI_BASE = "aaaaaaaaaaaaaaaaaeeeeeeeeeeeiiiiiooooooooooooooooouuuuuuuuuuuyyyyyd"
assert len(_VI_LOWER) == len(_VI_BASE) == 67

_FOLD_TABLE: dict[str, str] = {
    **dict(zip(_VI_LOWER, _VI_BASE, strict=True)),
    **dict(zip(_VI_LOWER.upper(), _VI_BASE.upper(), strict=True)),
}

# Tone placement: syllable-final oa, oe, uy. New style marks the second vowel, old style the
# first; we rewrite new → old (the population database uses old style). A syllable is final when
# a space follows (a sentinel space is appended). After "q" the "u" belongs to the consonant, so
# "quý" is the same in both styles; "qúy" is a common misspelling of it and is repaired.
_TONES = {"a": "àáảãạ", "e": "èéẻẽẹ", "y": "ỳýỷỹỵ", "o": "òóỏõọ", "u": "ùúủũụ"}


def _tone_placement() -> dict[str, str]:
    table = {
        first + _TONES[second][i] + " ": _TONES[first][i] + second + " "  # "oà " → "òa "
        for first, second in (("o", "a"), ("o", "e"), ("u", "y"))
        for i in range(5)
    }
    for i in range(5):
        table["qu" + _TONES["y"][i] + " "] = "qu" + _TONES["y"][i] + " "  # "quý" stays
        table["q" + _TONES["u"][i] + "y "] = "qu" + _TONES["y"][i] + " "  # "qúy" → "quý"
    return table


_TONE_PLACEMENT = _tone_placement()

# Two-word surnames, recognised only when the name has at least three tokens. Given in
# canonical form; the folded forms are added below.
COMPOUND_SURNAMES: tuple[str, ...] = (
    "tôn nữ",
    "tôn thất",
    "âu dương",
    "nguyễn phúc",
    "hoàng phủ",
    "tư mã",
    "gia cát",
    "rơ mah",
    "rơ châm",
    "rơ ô",
    "rơ lan",
    "rah lan",
)


def _folded_literal(text: str) -> str:
    return "".join(_FOLD_TABLE.get(c, c) for c in text)


_COMPOUND_KEYS: tuple[str, ...] = tuple(
    sorted(set(COMPOUND_SURNAMES) | {_folded_literal(s) for s in COMPOUND_SURNAMES})
)

# Telex leftovers, judged on folded ASCII tokens. A syllable shape: onset, vowel group (the
# folded vowel groups of Vietnamese; "aa", "ee", "oo" are not among them), final consonant.
_ONSET = r"(ngh|ng|nh|ch|gh|gi|kh|ph|qu|th|tr|[bcdghklmnprstvx])?"
_VOWELS = (
    "(uye|uya|uyu|uoi|uou|oai|oay|oao|oeo|ieu|yeu|uay|uai|"
    "ai|ao|au|ay|eo|eu|ia|iu|oa|oe|oi|ua|ue|ui|uo|uu|uy|ie|ye|a|e|i|o|u|y)"
)
_FINAL = r"(ch|nh|ng|[cmnpt])?"
_SYLLABLE = rf"^{_ONSET}{_VOWELS}{_FINAL}$"
# The same with one tone key (s f r x j; z = no tone) after the vowels or after the final.
_TELEX_TONED = rf"^{_ONSET}{_VOWELS}(?:[sfrxjz]{_FINAL}|{_FINAL}[sfrxjz]?)$"
# Cheap pre-filter: a name with none of these has no Telex leftover to undo.
_TELEX_HINT = r"dd|aa|ee|oo|w|[fjz]|[aeiouy][a-z]*[sfrx]"
_TELEX_MARKS = {"dd": "d", "aa": "a", "ee": "e", "oo": "o", "aw": "a", "ow": "o", "uw": "u"}

_MARKED = "[" + _VI_LOWER + _VI_LOWER.upper() + r"ðÐ\p{M}]"

# Token regexes on canonical or folded names (single spaces). Unmatched groups are empty, so
# "${1}${2}" picks whichever branch matched.
_COMPOUND_RX = "|".join(_COMPOUND_KEYS)
_SURNAME_RX = rf"^(?:({_COMPOUND_RX}) \S.*|(\S+).*)$"
_MIDDLE_RX = rf"^(?:(?:{_COMPOUND_RX}) (.+) \S+|(?:{_COMPOUND_RX}) \S+|\S+ (.+) \S+|.*)$"
_PLAIN = "[^\\s" + _VI_LOWER + _VI_LOWER.upper() + r"ðÐ\p{M}]"  # no space, no diacritic
_GENDER_RX = (
    r"^(?:\S+ (?:\S+ )*?(thị|văn) (?:\S+ )*\S+"
    rf"|{_PLAIN}+ (?:{_PLAIN}+ )*?(thi|van) (?:{_PLAIN}+ )*{_PLAIN}+)$"
)
_GENDER_WORDS = {"\u0001thị": "F", "\u0001văn": "M", "\u0001thi": "F", "\u0001van": "M"}


def _expr(col: str | pl.Expr) -> pl.Expr:
    return pl.col(col) if isinstance(col, str) else col


def fold_table() -> dict[str, str]:
    """The 134-letter table (Vietnamese letter with diacritic → ASCII letter) used by `folded`."""
    return dict(_FOLD_TABLE)


def canonical_name(col: str | pl.Expr) -> pl.Expr:
    """NFC, lower case, single spaces, "ð"→"đ", old-style tone placement; keeps diacritics.

    "  TRẦN Thị  Thuỷ" → "trần thị thủy"; "Hoàng" and "Quý" are unchanged ("Qúy", a common
    misplacement, becomes "quý"). Null → null.
    """
    spaced = (
        _expr(col)
        .str.normalize("NFC")
        .str.to_lowercase()
        .str.replace_all("ð", "đ", literal=True)
        .str.replace_all(r"\s+", " ")
        .str.strip_chars(" ")
    )
    return (
        (spaced + pl.lit(" "))
        .str.replace_many(_TONE_PLACEMENT, leftmost=True)
        .str.strip_suffix(" ")
    )


def _ascii_fallback(names: pl.Series) -> pl.Series:
    """Make the rare values still holding non-ASCII after the table (mojibake, fullwidth
    letters, "ñ") ASCII: NFKD, drop marks, drop what is left, re-collapse spaces. Whole-column
    operations on the few affected rows only."""
    rows = names.str.contains(r"[^\x00-\x7F]").fill_null(False).arg_true()
    if rows.len() == 0:
        return names
    fixed = (
        names.gather(rows)
        .str.normalize("NFKD")
        .str.replace_all(r"\p{M}", "")
        .str.to_lowercase()
        .str.replace_all(r"[^\x00-\x7F]", "")
        .str.replace_all(r"\s+", " ")
        .str.strip_chars(" ")
    )
    return names.clone().scatter(rows, fixed)


def folded(col: str | pl.Expr, *, is_canonical: bool = False) -> pl.Expr:
    """Canonical name without diacritics, đ→d, ASCII: "Nguyễn Văn Đạt" → "nguyen van dat".

    Pass is_canonical=True when col already holds `canonical_name` output (skips that step).
    """
    canonical = _expr(col) if is_canonical else canonical_name(col)
    return canonical.str.replace_many(_FOLD_TABLE).map_batches(
        _ascii_fallback, return_dtype=pl.String, is_elementwise=True
    )


def has_diacritics(col: str | pl.Expr) -> pl.Expr:
    """True when the text carries a Vietnamese diacritic (or đ/ð): "NGUYEN THI LAN" → False."""
    return _expr(col).str.contains(_MARKED)


def name_tokens(col: str | pl.Expr) -> pl.Expr:
    """List of the whitespace-separated tokens of a canonical or folded name."""
    return _expr(col).str.extract_all(r"\S+")


def surname(col: str | pl.Expr) -> pl.Expr:
    """Family name of a canonical or folded name: first token, or a compound one ("tôn nữ")
    when the name has ≥ 3 tokens. "" for an empty name, null for null."""
    return _expr(col).str.replace(_SURNAME_RX, "${1}${2}")


def middle_names(col: str | pl.Expr) -> pl.Expr:
    """List of the tokens of a canonical or folded name between surname and given name."""
    return name_tokens(_expr(col).str.replace(_MIDDLE_RX, "${1}${2}"))


def given_name(col: str | pl.Expr) -> pl.Expr:
    """Last token of a canonical or folded name: "nguyễn văn hùng" → "hùng"."""
    return _expr(col).str.extract(r"(\S+)\s*$", 1)


def gender_from_name(col: str | pl.Expr, *, is_canonical: bool = False) -> pl.Expr:
    """"F" when a middle name is "thị", "M" when it is "văn" (the first one found), else null.

    Unaccented names ("NGUYEN THI LAN") use "thi"/"van", but only when the whole name carries
    no diacritic (in an accented name "van" is Vân, a different name). Pass is_canonical=True
    when col already holds `canonical_name` output.
    """
    return (
        (_expr(col) if is_canonical else canonical_name(col))
        .str.replace(_GENDER_RX, "\u0001${1}${2}")
        .replace_strict(_GENDER_WORDS, default=None, return_dtype=pl.String)
    )


def _telex_token(token: pl.Expr) -> pl.Expr:
    """Folded form of one Telex-typed ASCII token; other tokens unchanged."""
    marks = token.str.replace_many(_TELEX_MARKS, leftmost=True)
    # A lone "w" after a consonant (or first) is ư; after a vowel it only modified that vowel.
    marks = marks.str.replace_all(r"(^|[^aeiouy])w", "${1}u").str.replace_all("w", "")
    converted = marks.str.replace(_TELEX_TONED, "${1}${2}${3}${4}")
    use = (
        ~token.str.contains(_SYLLABLE)
        & marks.str.contains(_TELEX_TONED)
        & (converted != token)
    )
    return pl.when(use).then(converted).otherwise(token)


def _undo_telex(names: pl.Series) -> pl.Series:
    """`telex_folded` on a Series of folded names: only names with a Telex hint are processed."""
    rows = names.str.contains(_TELEX_HINT).fill_null(False).arg_true()
    if rows.len() == 0:
        return names
    fixed = (
        names.gather(rows)
        .to_frame("name")
        .select(name_tokens("name").list.eval(_telex_token(pl.element())).list.join(" "))
        .to_series()
    )
    return names.clone().scatter(rows, fixed)


# Spelling rules a syllable shape alone does not know: "ngh"/"gh" before i, e (ê), "k" before
# i, e, y and "c" elsewhere, "q" only as "qu"; after i the finals are "nh"/"ch" ("Minh", not
# "Ming"), after o and u never ("Ming", "Tunh" are slips).
_MISSPELT = r"^(?:ng[ie]|g[e]|c[iey]|k[^iey]|q[^u])|(?:ing|ic|[ou]nh|[ou]ch)$"


def has_non_syllable(col: str | pl.Expr) -> pl.Expr:
    """True when a token of a folded name is not a Vietnamese syllable ("khbue", "ngi", "hungf"):
    a slip of the keyboard rather than another real name. Null for null."""
    tokens = name_tokens(_expr(col))
    return tokens.list.eval(~pl.element().str.contains(_SYLLABLE) | pl.element().str.contains(_MISSPELT)).list.any()


def telex_folded(col: str | pl.Expr, *, is_folded: bool = False) -> pl.Expr:
    """Folded name with Telex leftovers undone: "Nguyeenx Vawn Hungf" → "nguyen van hung".

    A token is rewritten only when it is not a Vietnamese syllable shape as it stands and
    becomes one once doubled vowels (aa ee oo), w-marks (aw ow uw w), dd and one tone key
    (s f r x j z, after the vowels or after the final) are undone. So "thuy", "oanh", "luu"
    and "ksor" stay as they are (but a loanword like "xoong" becomes "xong").
    Pass is_folded=True when col already holds `folded` output.
    """
    names = _expr(col) if is_folded else folded(col)
    return names.map_batches(_undo_telex, return_dtype=pl.String, is_elementwise=True)


# Letter pairs OCR reads for one letter that never occur inside a Vietnamese syllable.
_OCR_PAIRS = {"rn": "m", "cl": "d"}


def spelling_key(col: str | pl.Expr, *, is_folded: bool = False) -> pl.Expr:
    """Folded name as it is spelt, not as it was typed: VNI tone and mark digits dropped
    ("nguye6n4" → "nguyen"), Telex leftovers undone, final y after a consonant → i
    ("My", "Thuy" stay; "Vy" → "vi"), and the letter pairs a scan misreads that no Vietnamese
    word holds ("rn" → m, "cl" → d: "Târn" → "tam"). What blocking keys and the close-spelling
    level compare."""
    names = _expr(col) if is_folded else folded(col)
    typed = names.str.replace_all(r"(\p{L})[1-9]{1,2}", "$1").str.replace_many(_OCR_PAIRS)
    return telex_folded(typed, is_folded=True).str.replace_all(r"\b([bcdfghjklmnprstvxz]+)y\b", "${1}i")


def id_gender(col: str | pl.Expr) -> pl.Expr:
    """Gender from a 12-digit personal ID (4th digit odd → "F", even → "M"); else null."""
    return id_is_female(_expr(col)).replace_strict({True: "F", False: "M"}, default=None, return_dtype=pl.String)


_BRANCH_PREFIX = (
    r"(?i)^\s*(?:chi|tổ|phân)\s+(?:hội|đoàn)"
    r"(?:\s+(?:phụ\s+nữ|nông\s+dân|cựu\s+chiến\s+binh|người\s+cao\s+tuổi|thanh\s+niên|ccb|nct|pn|nd))?"
    r"\s*[:\-–]?\s*"
)


def branch_place(expr: pl.Expr | str) -> pl.Expr:
    """The village a union branch is named after: "Chi hội Phụ nữ Thôn 3" → "Thôn 3", "Chi đoàn
    Xóm Đông" → "Xóm Đông"; a name without such a prefix is kept; nothing left gives null."""
    expr = pl.col(expr) if isinstance(expr, str) else expr
    return expr.str.replace(_BRANCH_PREFIX, "").str.strip_chars().replace("", None)
