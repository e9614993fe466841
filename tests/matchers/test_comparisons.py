"""Comparison levels over pairs frames, pinned on the traps of Vietnamese records."""

from __future__ import annotations

import datetime as dt

import polars as pl
import pytest

from matchers import (
    GAMMA_ELSE,
    GAMMA_MISSING,
    Comparison,
    Level,
    add_comparison_inputs,
    birth_date_comparison,
    compare,
    default_comparisons,
    explain,
    gender_comparison,
    id_comparison,
    name_comparison,
    place_comparison,
)
from matchers.comparison_inputs import HELPER_PREFIX

SCHEMA = {
    "full_name": pl.String,
    "birth_date": pl.Date,
    "birth_date_precision": pl.String,
    "gender": pl.String,
    "person_id": pl.String,
    "old_id": pl.String,
    "address": pl.String,
    "commune_code": pl.String,
    "commune_candidates": pl.String,
}
PAIR_SCHEMA = {f"{k}_{s}": v for s in ("l", "r") for k, v in SCHEMA.items()}


def pairs_frame(rows: list[tuple[dict, dict]]) -> pl.DataFrame:
    """A pairs frame from (sector fields, residency fields) tuples; absent fields are null."""
    records = [
        {**{f"{k}_l": v for k, v in left.items()}, **{f"{k}_r": v for k, v in right.items()}}
        for left, right in rows
    ]
    return pl.DataFrame(records, schema=PAIR_SCHEMA)


def level_of(comparison: Comparison, left: dict, right: dict) -> str:
    out = compare(pairs_frame([(left, right)]), [comparison])
    return comparison.gammas[out[comparison.output_name].item()]


def d(text: str) -> dt.date:
    day, month, year = map(int, text.split("/"))
    return dt.date(year, month, day)


# --- name --------------------------------------------------------------------------------

NAME = name_comparison()
CLOSE = "close spelling (Jaro-Winkler ≥ 0.95, Telex or VNI leftovers, i/y)"
TYPO = "one typo (one edit, the given name's first letter kept)"
FUSED_TYPO = "one typo once spaces are ignored (words run together or split, and a slip)"
NAME_CASES = [
    ("Trần Văn Nam", "Trần Văn Nam", "exact"),
    ("NGUYỄN VĂN HÙNG", "Nguyễn Văn Hùng", "exact"),  # case
    ("Trần Thị Thuỷ", "Trần Thị Thủy", "exact"),  # tone placement
    ("Nguyễn Thị Hoà", "Nguyễn Thị Hòa", "exact"),
    ("ÐẶNG  Văn Ðức", "Đặng Văn Đức", "exact"),  # eth, stray space
    ("NGUYEN THI AN", "Nguyễn Thị Ân", "equal without diacritics, one side unaccented"),
    ("Nguyen Van Hung", "Nguyễn Văn Hùng", "equal without diacritics, one side unaccented"),
    ("Nguyễn Thị Ân", "Nguyễn Thị An", "equal without diacritics, diacritics differ"),
    ("Trần Thị Thủy", "Trần Thị Thúy", "equal without diacritics, diacritics differ"),
    ("Phạm Thị Hương", "Phạm Thị Hường", "equal without diacritics, diacritics differ"),
    ("NguyễnVăn Hùng", "Nguyễn Văn Hùng", "equal once spaces are ignored (words run together or split)"),
    ("Hà ThịThắm", "Hà Thị Thắm", "equal once spaces are ignored (words run together or split)"),
    ("Ng uyễn Văn Hùng", "Nguyễn Văn Hùng", "equal once spaces are ignored (words run together or split)"),
    ("Lê Văn Hùng", "Lê Hùng", "one middle name dropped or added"),
    ("Lê Hồng Nhung", "Lê Thị Hồng Nhung", "one middle name dropped or added"),
    ("Tôn Nữ Thị Hà", "Tôn Nữ Hà", "one middle name dropped or added"),
    ("LE VAN HUNG", "Lê Hùng", "one middle name dropped or added"),
    ("Nguyeenx Vawn Hungf", "Nguyễn Văn Hùng", CLOSE),
    ("Nguyễn Văn Hùg", "Nguyễn Văn Hùng", CLOSE),  # a letter lost
    ("Lý Thị Mai", "Lí Thị Mai", CLOSE),  # i/y
    ("Nguyễn Thị Mỹ", "Nguyễn Thị Mĩ", CLOSE),
    ("Nguye6n Va8n Hu2ng", "Nguyễn Văn Hùng", CLOSE),  # VNI keys with the keyboard in English mode
    ("Trần Thị Khbuê", "Trần Thị Khuê", CLOSE),  # a keyboard slip, close enough by Jaro-Winkler
    ("Lê Thị Ngi", "Lê Thị Nhi", TYPO),  # given names too short for Jaro-Winkler; "ngi" is no Vietnamese spelling
    ("Lê Thị Nga", "Lê Thị Nha", "one edit between real names (Bảo/Bải, Lan/Lam)"),  # both real names: a weak level of its own
    ("Nguyễn Văn Tuấn Anh", "Nguyễn Anh", "surname and given name equal, middle names differ"),  # two dropped
    ("Trần Văn Bình", "Trần Đức Bình", "surname and given name equal, middle names differ"),
    ("Hùng Nguyễn Văn", "Nguyễn Văn Hùng", "the same words in another order"),
    ("Nguyễn Thành Trung", "Nguyễn Thanh Trung", "equal without diacritics, diacritics differ"),
    ("Phạm Minh Tuấn", "Phan Minh Tuấn", "similar spelling (Jaro-Winkler ≥ 0.88)"),
    ("Hoàng Văn Nam", "Huỳnh Văn Nam", "given name agrees"),  # never merged automatically
    ("Nguyễn Văn Hùng", "Trần Đức Hùng", "given name agrees"),
    ("Nguyễn Văn Hùng", "Nguyễn Văn Dũng", "different"),  # twins: JW 0.97, given differs
    ("Nguyễn Thị Lan", "Nguyễn Thị Lam", "one edit between real names (Bảo/Bải, Lan/Lam)"),  # twins, or a slip: weak
    ("Phan Văn Bảo", "Phan Văn Bải", "one edit between real names (Bảo/Bải, Lan/Lam)"),
    ("Nguyễn Văn Lan", "Nguyễn Văn Nan", "different"),  # the given name's first letter changed
    ("Tran Van Ming", "Trần Văn Minh", "one typo (one edit, the given name's first letter kept)"),  # "ing" is no rhyme
    ("Đỗ Thị Târn", "Đỗ Thị Tâm", "close spelling (Jaro-Winkler ≥ 0.95, Telex or VNI leftovers, i/y)"),  # OCR rn → m
    ("Lê Văn Hùng", "Phạm Thị Lan", "different"),
    ("Nguyeenx Thùy S en", "Nguyễn Thùy Sen", CLOSE),  # Telex and a split
    ("Pbạm BíchNgọc", "Phạm Bích Ngọc", FUSED_TYPO),  # OCR h → b and two words run together
    ("T rần Bá Minj", "Trần Bá Minh", FUSED_TYPO),  # a split word and a keyboard slip
    ("ĐặugTâm", "Đặng Tâm", FUSED_TYPO),
    ("Nguyễn VănLam", "Nguyễn Văn Lan", FUSED_TYPO),
    ("Vũ Thị Ln", "Vũ Thị Lan", TYPO),  # the shorter name on either side (lengths are unsigned)  # words run together: the edit is a slip, not twins
]


@pytest.mark.parametrize(("left", "right", "expected"), NAME_CASES)
def test_name_levels(left, right, expected):
    assert level_of(NAME, {"full_name": left}, {"full_name": right}) == expected


@pytest.mark.parametrize(("left", "right"), [(None, "Lê Hùng"), ("Lê Hùng", None), ("  ", "Lê")])
def test_name_missing(left, right):
    assert level_of(NAME, {"full_name": left}, {"full_name": right}) == "missing"


def test_name_levels_are_symmetric():
    frame = pairs_frame([({"full_name": r}, {"full_name": l}) for l, r, _ in NAME_CASES])
    gammas = compare(frame, [NAME])["gamma_name"].to_list()
    assert [NAME.gammas[g] for g in gammas] == [e for _, _, e in NAME_CASES]


def test_name_ordering_puts_diacritic_conflict_below_unaccented():
    g = {label: value for value, label in NAME.gammas.items()}
    assert g["exact"] > g["equal without diacritics, one side unaccented"]
    assert g["equal without diacritics, one side unaccented"] > g[
        "equal without diacritics, diacritics differ"
    ]
    assert g["given name agrees"] > g["different"] == GAMMA_ELSE


def test_twins_differ_on_name_not_on_date():
    twin = {"birth_date": d("12/05/2003"), "birth_date_precision": "day", "address": "Thôn 3"}
    frame = pairs_frame(
        [({**twin, "full_name": "Nguyễn Văn Hùng"}, {**twin, "full_name": "Nguyễn Văn Dũng"})]
    )
    out = compare(frame, [NAME, birth_date_comparison()])
    assert out["gamma_name"].item() == GAMMA_ELSE
    assert birth_date_comparison().gammas[out["gamma_birth_date"].item()] == "exact day"


# --- birth date --------------------------------------------------------------------------

DATE = birth_date_comparison()
DATE_CASES = [
    # (left date, left precision, right date, right precision, level)
    ("04/03/1990", "day", "04/03/1990", "day", "exact day"),
    ("01/01/1942", "day", "01/01/1942", "day", "exact day"),
    ("01/01/1942", "year", "15/06/1942", "day", "same at the coarser precision"),
    ("01/06/1942", "month", "15/06/1942", "day", "same at the coarser precision"),
    ("01/01/1942", "day", "15/06/1942", "day", "same at the coarser precision"),  # placeholder
    ("01/01/1942", "year", "01/01/1942", "year", "same at the coarser precision"),
    ("01/01/1942", "year", "15/06/1943", "day", "different"),
    ("01/05/1942", "month", "15/06/1942", "day", "different"),
    ("03/04/1990", "day", "04/03/1990", "day", "day and month swapped"),
    ("12/05/1990", "day", "28/05/1990", "day", "same year and month"),
    ("12/05/1990", "day", "13/05/1991", "day", "different"),
    ("12/05/1990", "day", "12/08/1990", "day", "one digit different"),
    ("12/05/1990", "day", "12/05/1980", "day", "one digit different"),
    ("12/05/1989", "day", "12/05/1990", "day", "year ±1, same day and month"),
    ("20/10/1975", "day", "02/11/1957", "day", "different"),  # namesake
    ("20/10/1975", None, "20/10/1975", "day", "exact day"),  # null precision = day
]


@pytest.mark.parametrize(("left", "lp", "right", "rp", "expected"), DATE_CASES)
def test_birth_date_levels(left, lp, right, rp, expected):
    assert (
        level_of(
            DATE,
            {"birth_date": d(left), "birth_date_precision": lp},
            {"birth_date": d(right), "birth_date_precision": rp},
        )
        == expected
    )


def test_birth_date_missing_and_jan1_option():
    assert level_of(DATE, {}, {"birth_date": d("01/02/2000")}) == "missing"
    strict = birth_date_comparison(jan1_unknown=False)
    left, right = {"birth_date": d("01/01/1942")}, {"birth_date": d("15/06/1942")}
    assert level_of(strict, left, right) == "different"


def test_namesakes_with_different_birth_dates():
    namesake = {"full_name": "Nguyễn Thị Lan", "address": "Thôn 2"}
    frame = pairs_frame(
        [
            (
                {**namesake, "birth_date": d("20/10/1975")},
                {**namesake, "birth_date": d("07/02/1988")},
            )
        ]
    )
    out = compare(frame, [NAME, DATE])
    assert NAME.gammas[out["gamma_name"].item()] == "exact"
    assert out["gamma_birth_date"].item() == GAMMA_ELSE


# --- IDs ---------------------------------------------------------------------------------

ID = id_comparison()
ID_CASES = [
    ({"person_id": "001090012345"}, {"person_id": "001090012345"}, "personal ID equal"),
    ({"old_id": "012345678"}, {"old_id": "012345678", "person_id": "001090012345"},
     "old ID (CMND) equal"),
    ({"old_id": "001090012345"}, {"person_id": "001090012345"}, "old ID (CMND) equal"),
    ({"person_id": "001090012345"}, {"person_id": "001090012346"},
     "personal ID one edit or transposition apart (or one digit lost)"),  # one digit typo
    ({"person_id": "001090012354"}, {"person_id": "001090012345"},
     "personal ID one edit or transposition apart (or one digit lost)"),  # adjacent transposition
    # the last digit lost, the 11 digits re-padded with 0 by the contract ("036085001234" → "03608500123")
    ({"person_id": "003608500123"}, {"person_id": "036085001234"}, "personal ID one edit or transposition apart (or one digit lost)"),
    ({"person_id": "036085001234"}, {"person_id": "003608500123"}, "personal ID one edit or transposition apart (or one digit lost)"),
    # a middle digit lost
    ({"person_id": "003685001234"}, {"person_id": "036085001234"}, "personal ID one edit or transposition apart (or one digit lost)"),
    # two digits apart after the shift: different
    ({"person_id": "003608500199"}, {"person_id": "036085001234"}, "both present and different"),
    ({"person_id": "001090013254"}, {"person_id": "001090012345"},
     "both present and different"),
    # a parent's ID on the child's row, against the child's own record
    ({"person_id": "036078001234"}, {"person_id": "036212004567"},
     "both present and different"),
    ({"person_id": "001090012345", "old_id": "012345678"},
     {"person_id": "001090099999", "old_id": "012345678"}, "old ID (CMND) equal"),
    ({}, {"person_id": "001090012345"}, "missing"),
    ({"person_id": "001090012345"}, {}, "missing"),
    ({"old_id": "012345678"}, {"person_id": "001090012345"}, "missing"),  # 9 vs 12 digits
    ({}, {}, "missing"),
]


@pytest.mark.parametrize(("left", "right", "expected"), ID_CASES)
def test_id_levels(left, right, expected):
    assert level_of(ID, left, right) == expected


def test_parent_id_on_child_row_is_a_finding_not_a_match():
    child_row = {"full_name": "Nguyễn Văn An", "birth_date": d("03/02/2012"),
                 "person_id": "036078001234"}
    parent = {"full_name": "Nguyễn Văn Bình", "birth_date": d("11/09/1978"),
              "person_id": "036078001234"}
    child = {"full_name": "Nguyễn Văn An", "birth_date": d("03/02/2012"),
             "person_id": "036212004567"}
    out = compare(pairs_frame([(child_row, parent), (child_row, child)]), [NAME, DATE, ID])
    labels = [
        (NAME.gammas[n], DATE.gammas[b], ID.gammas[i])
        for n, b, i in out.select("gamma_name", "gamma_birth_date", "gamma_id").iter_rows()
    ]
    assert labels == [
        ("different", "different", "personal ID equal"),
        ("exact", "exact day", "both present and different"),
    ]


# --- gender ------------------------------------------------------------------------------

GENDER = gender_comparison()


@pytest.mark.parametrize(
    ("left", "right", "expected"),
    [
        ({"gender": "F"}, {"gender": "F"}, "equal"),
        ({"gender": "M"}, {"gender": "F"}, "different"),
        ({"person_id": "001190012345"}, {"gender": "F"}, "equal"),  # 4th digit 1: female
        ({"person_id": "001090012345"}, {"gender": "F"}, "different"),
        ({"old_id": "001190012345"}, {"gender": "F"}, "equal"),  # 12-digit CMND
        ({"full_name": "Nguyễn Thị Lan"}, {"gender": "F"}, "equal"),
        ({"full_name": "NGUYEN VAN HUNG"}, {"gender": "F"}, "different"),
        ({"gender": "M", "full_name": "Nguyễn Thị Lan"}, {"gender": "F"}, "different"),  # stated
        ({"full_name": "Nguyễn Hồng Lan"}, {"gender": "F"}, "missing"),
        ({}, {"gender": "F"}, "missing"),
    ],
)
def test_gender_levels(left, right, expected):
    assert level_of(GENDER, left, right) == expected


# --- place -------------------------------------------------------------------------------

PLACE = place_comparison()


@pytest.mark.parametrize(
    ("left", "right", "expected"),
    [
        ("Thôn 3, xã Yên Phong", "thon 3 xa yen phong", "equal"),
        ("Thôn 3", "Thôn 3, xã Yên Phong, huyện Ý Yên", "one address's tokens all in the other"),
        ("Thôn 3, xã Yên Phong", "Thôn 4, xã Yên Phong", "different"),
        ("Xóm Đông", "Thôn Đoài", "different"),
        (None, "Thôn 3", "missing"),
        (" , ", "Thôn 3", "missing"),
    ],
)
def test_place_levels(left, right, expected):
    assert level_of(PLACE, {"address": left}, {"address": right}) == expected


@pytest.mark.parametrize(
    ("left", "right", "expected"),
    [
        # the 2025 units decide before the text: a namesake village in another commune is not a match
        ({"address": "Thôn 3", "commune_code": "25942"}, {"address": "Thôn 3", "commune_code": "14179"},
         "another commune"),
        ({"address": "Thôn 3", "commune_code": "14179"}, {"address": "Thôn 3", "commune_code": "14179"}, "equal"),
        ({"address": "Xóm 2", "commune_code": "14179"}, {"address": "Thôn 5", "commune_code": "14179"},
         "same commune"),
        ({"commune_code": "14179"}, {"commune_code": "14179"}, "same commune"),
        # an old ward split over two new ones is in either of them
        ({"commune_code": "00175", "commune_candidates": "00166;00175"}, {"commune_code": "00166"}, "same commune"),
        ({"commune_code": "00175", "commune_candidates": "00166;00175"}, {"commune_code": "00367"},
         "another commune"),
        ({"commune_code": "14179"}, {"address": "Thôn 3"}, "missing"),
    ],
)
def test_place_compares_the_2025_communes(left, right, expected):
    assert level_of(PLACE, left, right) == expected


def test_place_overlap_threshold():
    loose = place_comparison(overlap=0.75)
    left, right = {"address": "Thôn 3, xã Yên Phong"}, {"address": "Thôn 4, xã Yên Phong"}
    assert level_of(loose, left, right) == "token overlap ≥ 0.75"


# --- frame-level behaviour ----------------------------------------------------------------


def test_gamma_convention_and_labels():
    for comparison in default_comparisons():
        gammas = comparison.gammas
        assert list(gammas)[0] == GAMMA_MISSING and list(gammas)[-1] == GAMMA_ELSE
        assert list(gammas)[1:] == list(range(len(gammas) - 2, -1, -1))
        assert gammas[GAMMA_MISSING] == "missing"


def test_comparison_checks_its_levels():
    with pytest.raises(ValueError, match="first level"):
        Comparison("x", (Level("exact", pl.lit(True)), Level("a", pl.lit(True)),
                         Level("else", pl.lit(True))))
    with pytest.raises(ValueError, match="last level"):
        Comparison("x", (Level("missing", pl.lit(False)), Level("a", pl.lit(True)),
                         Level("else", pl.col("y") > 1)))
    with pytest.raises(ValueError):
        name_comparison(jw=(0.8, 0.9))


def test_compare_adds_int8_gammas_and_keeps_input_columns():
    frame = pairs_frame(
        [
            ({"full_name": "Lê Văn Hùng", "person_id": "001090012345"},
             {"full_name": "Lê Hùng", "person_id": "001090012345"}),
        ]
    )
    out = compare(frame)
    assert out.columns == frame.columns + [c.output_name for c in default_comparisons()]
    assert all(out[c.output_name].dtype == pl.Int8 for c in default_comparisons())
    with_inputs = compare(add_comparison_inputs(frame))
    assert any(c.startswith(HELPER_PREFIX) for c in with_inputs.columns)
    assert with_inputs.select(out.columns).equals(out)


def test_explain_texts():
    frame = pairs_frame([({"full_name": "NGUYEN THI AN"}, {"full_name": "Nguyễn Thị Ân"})])
    out = explain(compare(frame))
    assert out["explain_name"].item() == "name: equal without diacritics, one side unaccented"
    assert out["explain_birth_date"].item() == "birth_date: missing"


def test_missing_base_columns_and_empty_frames():
    names_only = pl.DataFrame({"full_name_l": ["Lê Hùng"], "full_name_r": ["Lê Hùng"]})
    out = compare(names_only)
    assert out.columns == ["full_name_l", "full_name_r"] + [
        c.output_name for c in default_comparisons()
    ]
    exact = {label: g for g, label in NAME.gammas.items()}["exact"]
    assert out.row(0) == ("Lê Hùng", "Lê Hùng", exact, -1, -1, -1, -1, -1)  # all but the name missing
    assert compare(pairs_frame([])).height == 0


def test_batch_equals_row_by_row():
    """Distinct-value lookups and cpdist batches must not mix rows up."""
    rows = [({"full_name": l}, {"full_name": r}) for l, r, _ in NAME_CASES] + [
        (
            {"birth_date": d(a), "birth_date_precision": ap, "person_id": "001090012345"},
            {"birth_date": d(b), "birth_date_precision": bp, "person_id": "001090012354"},
        )
        for a, ap, b, bp, _ in DATE_CASES
    ] + [(left, right) for left, right, _ in ID_CASES]
    batch = compare(pairs_frame(rows)).select(pl.col("^gamma_.*$"))
    single = pl.concat([compare(pairs_frame([row])).select(pl.col("^gamma_.*$")) for row in rows])
    assert batch.equals(single)


def test_every_helper_says_what_it_is_computed_from():
    """compare() evaluates a comparison on the distinct values of the base columns its helpers
    are computed from: every helper must be known to base_inputs."""
    from matchers.comparison_inputs import base_inputs

    helpers = [c for c in add_comparison_inputs(pairs_frame([])).columns if c.startswith(HELPER_PREFIX)]
    assert all(base_inputs([h]) for h in helpers), [h for h in helpers if not base_inputs([h])]
    assert base_inputs(["cmp_given_jw", "cmp_gender_l"]) == sorted(
        ["full_name_l", "full_name_r", "gender_l", "person_id_l", "old_id_l"])
    assert base_inputs(["cmp_unknown"]) is None


def test_deduplicated_compare_equals_row_by_row():
    """Repeated values scored once and joined back give each row the gammas it gets alone."""
    rows = [({"full_name": l}, {"full_name": r}) for l, r, _ in NAME_CASES] + [
        (left, right) for left, right, _ in ID_CASES
    ]
    frame = pairs_frame(rows * 3 + [(rows[0][1], rows[0][0])]).with_row_index("pair")
    deduped = compare(frame)
    assert deduped.columns == frame.columns + [c.output_name for c in default_comparisons()]
    assert deduped.equals(compare(frame, dedupe=False))
    helpers = add_comparison_inputs(frame)
    assert deduped.equals(compare(helpers).select(deduped.columns))


def test_rows_sharing_a_hash_still_get_their_own_gammas():
    """Distinct rows are matched back by hash; a collision falls back to the values."""
    from matchers.comparison_library import _gammas_on_distinct

    rows = [({"full_name": l}, {"full_name": r}) for l, r, _ in NAME_CASES]
    frame = pairs_frame(rows * 2).select("full_name_l", "full_name_r")
    expected = compare(frame, [NAME], dedupe=False).select(NAME.output_name)
    collided = frame.with_columns(pl.lit(0, pl.UInt64).alias("_row_hash"))  # every row one hash
    assert _gammas_on_distinct(collided, ["full_name_l", "full_name_r"], [NAME], None).equals(expected)


def test_large_given_name_lists_fall_back_to_cpdist(monkeypatch):
    import matchers.comparison_inputs as comparisons

    frame = pairs_frame([({"full_name": l}, {"full_name": r}) for l, r, _ in NAME_CASES])
    expected = compare(frame, [NAME])
    monkeypatch.setattr(comparisons, "MAX_GIVEN_MATRIX", 0)
    assert compare(frame, [NAME]).equals(expected)


def test_add_comparison_inputs_twice_is_harmless():
    frame = pairs_frame([({"full_name": "Lê Hùng"}, {"full_name": "Lê Văn Hùng"})])
    once = add_comparison_inputs(frame)
    assert add_comparison_inputs(once).equals(once)


def test_starting_m_is_declared_on_the_levels():
    from matchers.model import default_m

    c = Comparison("x", (Level("missing", pl.lit(False)), Level("a", pl.col("a"), m_start=0.7),
                         Level("b", pl.col("b")), Level("else", pl.lit(True), m_start=0.1)))
    assert default_m([c]) == {"x": pytest.approx({2: 0.7, 1: 0.2, 0: 0.1})}
    for comparison in default_comparisons():  # every default level but at most one says its m
        assert sum(level.m_start is None for level in comparison.levels[1:]) <= 1, comparison.name


@pytest.mark.parametrize(("in_household", "expected"), [
    (True, "in the household"),  # "Hà Thị Vân" on the vaccination row lives with the candidate
    (False, "not in the household"),
    (None, "missing"),  # the row names no mother or carer, or the candidate has no household
])
def test_guardian_levels(in_household, expected):
    from matchers import guardian_comparison

    guardian = guardian_comparison()
    frame = pl.DataFrame({"guardian_in_household": [in_household]}, schema={"guardian_in_household": pl.Boolean})
    out = compare(frame, [guardian])
    assert guardian.gammas[out[guardian.output_name].item()] == expected


def test_the_id_distance_prefilter_never_hides_a_one_edit_pair():
    """``_person_id_distance`` skips pairs whose ends both differ; on 20,000 random ID pairs (one
    substitution, transposition, deletion, re-padding, or unrelated) it flags exactly the pairs a
    plain OSA distance (with the leading-zero reading) puts one edit apart."""
    import random

    from rapidfuzz.distance import OSA

    from matchers.comparison_inputs import _person_id_distance

    rng = random.Random(7)
    left, right = [], []
    for _ in range(20_000):
        a = "0" + "".join(rng.choice("0123456789") for _ in range(rng.choice([11, 11, 10, 8]) ))
        b, k = list(a), rng.random()
        if k < 0.2:
            b[rng.randrange(len(b))] = rng.choice("0123456789")
        elif k < 0.4:
            i = rng.randrange(len(b) - 1)
            b[i], b[i + 1] = b[i + 1], b[i]
        elif k < 0.55:
            del b[rng.randrange(len(b))]
        elif k < 0.65:
            b = ["0", *b[:-1]]
        elif k < 0.7:
            b = b[1:]
        else:
            b = list("0" + "".join(rng.choice("0123456789") for _ in range(len(b) - 1)))
        left.append(a)
        right.append("".join(b))

    def one_edit(a: str, b: str) -> bool:
        if a == b:
            return False
        d = OSA.distance(a, b)
        return d == 1 or any(x.startswith("0") and OSA.distance(x[1:], y) == 1 for x, y in ((a, b), (b, a)))

    got = (_person_id_distance(pl.Series(left), pl.Series(right)) == 1).fill_null(False).to_list()
    assert got == [one_edit(a, b) for a, b in zip(left, right, strict=True)]
    assert 5_000 < sum(got) < 15_000  # the cases are really mixed
