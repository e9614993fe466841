"""Vietnamese name normalisation: canonical and folded forms, tokens, Telex, gender, ID digits."""

from __future__ import annotations

import unicodedata

import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from matchers.normalise import (
    branch_place,
    canonical_name,
    fold_table,
    folded,
    gender_from_name,
    given_name,
    has_diacritics,
    id_birth_year,
    id_gender,
    middle_names,
    name_tokens,
    surname,
    telex_folded,
)


def one(expr: pl.Expr, value):
    """Apply an expression builder to a single value."""
    result = pl.DataFrame({"x": [value]}, schema={"x": pl.String}).select(expr).item()
    return result.to_list() if isinstance(result, pl.Series) else result


def many(builder, values: list[str | None]) -> list:
    frame = pl.DataFrame({"x": values}, schema={"x": pl.String})
    return frame.select(builder("x")).to_series().to_list()


# --- canonical_name ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("Trần Thị Thủy", "trần thị thủy"),
        ("Trần Thị Thuỷ", "trần thị thủy"),  # new tone style → old
        ("Nguyễn Thị Hoà", "nguyễn thị hòa"),
        ("Lê Văn Khoẻ", "lê văn khỏe"),
        ("Phạm Uý", "phạm úy"),
        ("Đỗ Thị Thoả", "đỗ thị thỏa"),
        ("Vũ Văn Tuỵ", "vũ văn tụy"),
        ("Hoàng Văn Toán", "hoàng văn toán"),  # final consonant: both styles agree
        ("Bùi Thị Thuyền", "bùi thị thuyền"),
        ("Ngô Văn Quý", "ngô văn quý"),  # qu-: the mark is on y in both styles
        ("Ngô Văn Qúy", "ngô văn quý"),  # a common misplacement, repaired
        ("Lê Thị Quỳnh", "lê thị quỳnh"),
        ("Hồ Văn Giá", "hồ văn giá"),
        ("Nguyễn Thị Hoài", "nguyễn thị hoài"),  # oai is not a final oa
        ("NGUYỄN VĂN HÙNG", "nguyễn văn hùng"),
        ("  Nguyễn   Văn\u00a0Hùng ", "nguyễn văn hùng"),  # stray and non-breaking spaces
        ("ÐẶNG VĂN ÐỨC", "đặng văn đức"),  # eth (U+00D0) typed for Đ
        (unicodedata.normalize("NFD", "Nguyễn Thị Hoà"), "nguyễn thị hòa"),
        ("Nguye\u0302\u0303n", "nguyễn"),  # Unikey "tổ hợp": â + combining tone
        ("Lý Thị Mỹ", "lý thị mỹ"),  # i/y is a spelling difference, kept
        ("", ""),
        (None, None),
    ],
)
def test_canonical_name(raw, expected):
    assert one(canonical_name("x"), raw) == expected


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("Nguyễn Văn Đạt", "nguyen van dat"),
        ("NGUYỄN THỊ ÁNH", "nguyen thi anh"),
        ("Ðỗ Thị Thuỷ", "do thi thuy"),
        ("Trương Thị Ưng", "truong thi ung"),
        ("Âu Dương Hải Yến", "au duong hai yen"),
        ("ＮＧＵＹＥＮ  ñ", "nguyen n"),  # outside the table: still ASCII
        (None, None),
    ],
)
def test_folded(raw, expected):
    assert one(folded("x"), raw) == expected


def test_fold_table_has_134_letters():
    table = fold_table()
    assert len(table) == 134
    assert all(len(v) == 1 and v.isascii() for v in table.values())
    assert table["đ"] == "d" and table["Đ"] == "D" and table["ự"] == "u"


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("NGUYEN THI LAN", False),
        ("Nguyen Thi Lan", False),
        ("Nguyễn Thị Lan", True),
        ("Nguyen Thi Ân", True),
        ("Dang Van Ðuc", True),  # the eth counts
        (unicodedata.normalize("NFD", "Hoà"), True),
        (None, None),
    ],
)
def test_has_diacritics(raw, expected):
    assert one(has_diacritics("x"), raw) == expected


# --- tokens -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "sur", "middle", "given_"),
    [
        ("nguyễn văn hùng", "nguyễn", ["văn"], "hùng"),
        ("lê hùng", "lê", [], "hùng"),
        ("hùng", "hùng", [], "hùng"),
        ("lê thị hồng nhung", "lê", ["thị", "hồng"], "nhung"),
        ("tôn nữ thị hà", "tôn nữ", ["thị"], "hà"),
        ("tôn nữ hà", "tôn nữ", [], "hà"),  # ≥ 3 tokens: compound
        ("tôn hà", "tôn", [], "hà"),
        ("ton nu thi ha", "ton nu", ["thi"], "ha"),  # folded form too
        ("âu dương hải yến", "âu dương", ["hải"], "yến"),
        ("nguyễn phúc bửu chánh", "nguyễn phúc", ["bửu"], "chánh"),
        ("rơ mah h hen", "rơ mah", ["h"], "hen"),
        ("ksor nay", "ksor", [], "nay"),
    ],
)
def test_name_parts(name, sur, middle, given_):
    assert one(surname("x"), name) == sur
    assert one(middle_names("x"), name) == middle
    assert one(given_name("x"), name) == given_
    assert one(name_tokens("x"), name) == name.split()


def test_name_parts_null():
    assert many(surname, [None]) == [None]
    assert many(given_name, [None]) == [None]
    assert many(middle_names, [None]) == [None]


# --- Telex -------------------------------------------------------------------------------

_TELEX_TONES = {"\u0300": "f", "\u0301": "s", "\u0309": "r", "\u0303": "x", "\u0323": "j"}


def telex_typed(word: str) -> str:
    """The keystrokes of a Telex typist whose input method was off: "Nguyễn" → "Nguyeenx"."""
    keys, tone = [], ""
    for c in word:
        if c in "đĐ":
            keys.append("dd")
            continue
        base, *marks = unicodedata.normalize("NFD", c)
        keys.append(base)
        for mark in marks:
            if mark in _TELEX_TONES:
                tone = _TELEX_TONES[mark]
            elif mark == "\u0302":  # circumflex: double the vowel
                keys.append(base)
            elif mark in "\u0306\u031b":  # breve, horn
                keys.append("w")
    return "".join(keys) + tone


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("Nguyeenx Vawn Hungf", "nguyen van hung"),
        ("Ddawngj Thij Thuyr", "dang thi thuy"),
        ("Truwowngf Thij Huwowng", "truong thi huong"),
        ("Traanf Quoocs Tuaans", "tran quoc tuan"),
        ("Nguyễn Vawn Hùng", "nguyen van hung"),  # one word left in Telex
        ("Phaamj Thij Nguyeetj", "pham thi nguyet"),
        # real folded words and other names stay as they are
        ("thuy oanh hoa", "thuy oanh hoa"),
        ("Nguyen Thi Xuan", "nguyen thi xuan"),
        ("Ksor H Nay", "ksor h nay"),
        ("Rơ Mah Thomas", "ro mah thomas"),
        ("Vi Thi Khuya Ngoan", "vi thi khuya ngoan"),
        ("Luu Uyen Nguyet", "luu uyen nguyet"),
        (None, None),
    ],
)
def test_telex_folded(raw, expected):
    assert one(telex_folded("x"), raw) == expected


TELEX_NAMES = [
    "Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Huỳnh", "Vũ", "Võ", "Đặng", "Bùi", "Đỗ", "Hồ",
    "Ngô", "Dương", "Lý", "Trương", "Thị", "Văn", "Đức", "Hữu", "Quốc", "Thúy", "Hùng", "Dũng",
    "Tuấn", "Thắng", "Cường", "Hưng", "Đạt", "Hương", "Hằng", "Thảo", "Huyền", "Thủy", "Yến",
    "Nguyệt", "Trường", "Người", "Ước", "Uyển", "Khuê", "Quỳnh", "Ngữ", "Mỵ", "Kỳ", "Ấn", "Ân",
    "Khuyên", "Xuyến", "Tường", "Lưu", "Thư", "Phượng",
]


@pytest.mark.parametrize("word", TELEX_NAMES)
def test_telex_undoes_typing(word):
    assert one(telex_folded("x"), telex_typed(word)) == one(folded("x"), word)


@pytest.mark.parametrize("word", TELEX_NAMES)
def test_telex_leaves_folded_names(word):
    plain = one(folded("x"), word)
    assert one(telex_folded("x"), plain) == plain


# --- gender and ID digits ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("Nguyễn Thị Lan", "F"),
        ("Nguyễn Văn Hùng", "M"),
        ("NGUYEN THI LAN", "F"),  # unaccented: thi is Thị
        ("NGUYEN VAN HUNG", "M"),
        ("Nguyễn Vân Anh", None),  # Vân, not Văn
        ("Nguyen Van Anh Thị", None),  # accented elsewhere: "van" is not Văn
        ("Lê Thị Hồng Nhung", "F"),
        ("Tôn Nữ Thị Hà", "F"),
        ("Văn Thị Lan", "F"),  # Văn as surname
        ("Trần Hùng", None),
        ("Nguyễn Đức Thị", None),  # given name, not middle
        (None, None),
    ],
)
def test_gender_from_name(name, expected):
    assert one(gender_from_name("x"), name) == expected


@pytest.mark.parametrize(
    ("pid", "gender", "year"),
    [
        ("001085012345", "M", 1985),
        ("001185012345", "F", 1985),
        ("038200012345", "M", 2000),
        ("038312012345", "F", 2012),
        ("079099000001", "M", 1999),
        ("79085012345", None, None),  # 11 digits: not a personal ID
        ("12345678901a", None, None),
        (None, None, None),
    ],
)
def test_id_digits(pid, gender, year):
    assert one(id_gender("x"), pid) == gender
    assert one(id_birth_year("x"), pid) == year


# --- properties --------------------------------------------------------------------------

VI_LETTERS = "aàáảãạăằắẳẵặâầấẩẫậeèéẻẽẹêềếểễệiìíỉĩịoòóỏõọôồốổỗộơờớởỡợuùúủũụưừứửữựyỳýỷỹỵđ"
ALPHABET = (
    VI_LETTERS + VI_LETTERS.upper() + "bcdghklmnpqrstvxBCDGHKLMNPQRSTVXfjwzÐð"
    + " \u00a0\t" + "\u0300\u0301\u0303\u0309\u0323" + "'-.ñüßＡ"
)
texts = st.lists(st.text(alphabet=ALPHABET, max_size=30), min_size=1, max_size=40)


@settings(max_examples=60, deadline=None)
@given(texts)
def test_folded_is_ascii_and_idempotent(values):
    once = many(folded, values)
    assert all(v.isascii() for v in once)
    assert many(folded, once) == once


@settings(max_examples=60, deadline=None)
@given(texts)
def test_canonical_is_idempotent(values):
    once = many(canonical_name, values)
    assert many(canonical_name, once) == once
    assert many(folded, once) == many(folded, values)


ONSETS = ["", "h", "kh", "th", "t", "x", "l", "ng", "nh", "ch", "tr", "s", "g", "h", "đ"]
TONE_MARKS = "\u0300\u0301\u0309\u0303\u0323"


def _marked(vowel: str, tone: str) -> str:
    return unicodedata.normalize("NFC", vowel + tone)


@settings(max_examples=80, deadline=None)
@given(
    st.lists(
        st.tuples(
            st.sampled_from(ONSETS),
            st.sampled_from(["oa", "oe", "uy"]),
            st.sampled_from(TONE_MARKS),
        ),
        min_size=1,
        max_size=4,
    )
)
def test_tone_styles_canonicalise_equal(syllables):
    old = " ".join(o + _marked(v[0], t) + v[1] for o, v, t in syllables)  # hòa, thủy
    new = " ".join(o + v[0] + _marked(v[1], t) for o, v, t in syllables)  # hoà, thuỷ
    result = many(canonical_name, [old, new, old.upper(), new.upper()])
    assert result == [old] * 4


@settings(max_examples=40, deadline=None)
@given(
    st.sampled_from(["h", "t", "th", "x", "kh"]),
    st.sampled_from(["oan", "oang", "oat", "uyen", "uyet", "oac"]),
    st.sampled_from(TONE_MARKS),
)
def test_final_consonant_keeps_the_mark(onset, rhyme, tone):
    # with a final consonant the mark sits on the second vowel in both styles: no rewrite
    word = onset + rhyme[0] + _marked(rhyme[1], tone) + rhyme[2:]
    if rhyme.startswith("uye"):
        word = onset + "uy" + _marked("ê", tone) + rhyme[3:]
    assert one(canonical_name("x"), word) == word


@pytest.mark.parametrize(("branch", "village"), [
    ("Chi hội Phụ nữ Thôn 3", "Thôn 3"),
    ("Chi đoàn Xóm Đông", "Xóm Đông"),
    ("chi hội CCB thôn 2", "thôn 2"),
    ("Tổ hội Nông dân: Ấp Bắc", "Ấp Bắc"),
    ("Phân hội Người cao tuổi Tổ dân phố 7", "Tổ dân phố 7"),
    ("Thôn 1753", "Thôn 1753"),  # already the village
    ("Chi hội", None),  # nothing named
    (None, None),
])
def test_branch_place_is_the_village_a_branch_is_named_after(branch, village):
    frame = pl.DataFrame({"b": [branch]}, schema={"b": pl.String})
    assert frame.select(branch_place("b")).item() == village
