"""The comparison library: one builder per field, and applying comparisons to pairs.

Usage::

    pairs = add_comparison_inputs(pairs)           # helper columns cmp_* (names, scores)
    pairs = compare(pairs, default_comparisons())  # gamma_name, gamma_birth_date, ...

A new level is one ``Level`` in its builder, declared with its properties (term frequency, tag,
a starting m). The starting m values are weak, generic guesses (most true pairs agree exactly,
a few percent carry each kind of slip); they count as ``model.PRIOR_STRENGTH`` pairs in EM, so
they matter only for short lists. They are not the sample generator's error rates.
"""

from __future__ import annotations

from collections.abc import Sequence

import polars as pl

from contracts.fields import BIRTH_DATE, OLD_ID, PERSON_ID
from matchers.comparison import Comparison, Level
from matchers.comparison_inputs import (
    GIVEN_JW_FLOOR,
    HELPER_PREFIX,
    MAX_DROPPED_POSITION,
    add_comparison_inputs,
    base_inputs,
    helper,
)


def _lr(field: str) -> tuple[pl.Expr, pl.Expr]:
    return pl.col(f"{field}_l"), pl.col(f"{field}_r")


def name_comparison(
    jw: tuple[float, float] = (0.95, 0.88), given_jw: float = 0.9
) -> Comparison:
    """Full names. Levels (strongest first):

    missing · exact (canonical, accented) · equal without diacritics, one side unaccented ·
    equal without diacritics, diacritics differ (An/Ân: evidence of two people) · equal once
    spaces are ignored ("NguyễnVăn Hùng", "Ng uyễn") · one middle name dropped or added · close
    spelling (Jaro-Winkler ≥ jw[0] on folded names, or equal once Telex or VNI leftovers are
    undone and a final y after a consonant is read as i: Lý/Lí, Mỹ/Mĩ) · one typo (one edit,
    the given name's first letter kept: "Khbuê"/"Khuê", "Ngi"/"Nhi") · one typo once spaces
    are ignored, the word count differing ("Pbạm BíchNgọc", "T rần Bá Minj") · surname and given name
    equal, middle names differ (two dropped, one changed) · the same words in another order ·
    Jaro-Winkler ≥ jw[1] · given name alone agrees · one edit between two real spellings, the
    given name's first letter kept (Bảo/Bải: weak, its weight learnt like every level's) · different.
    The Jaro-Winkler levels also need the folded given names to score ≥ given_jw, so twins
    ("Nguyễn Văn Hùng"/"Nguyễn Văn Dũng", JW 0.97) do not count as close.
    """
    high, low = jw
    if not 0 < low < high <= 1 or not GIVEN_JW_FLOOR <= given_jw <= 1:
        raise ValueError(
            f"name_comparison: need 0 < jw[1] < jw[0] <= 1 and {GIVEN_JW_FLOOR} <= given_jw <= 1"
        )
    folded_l, folded_r = helper("name_folded", "l"), helper("name_folded", "r")
    accented_l, accented_r = helper("name_accented", "l"), helper("name_accented", "r")
    same_folded = folded_l == folded_r
    dropped = pl.lit(False)
    for i in range(1, MAX_DROPPED_POSITION + 1):
        dropped = (
            dropped
            | (helper(f"name_drop{i}", "l") == folded_r)
            | (helper(f"name_drop{i}", "r") == folded_l)
        )
    given_close = helper("given_jw") >= given_jw
    surname_l, surname_r = helper("surname_folded", "l"), helper("surname_folded", "r")
    given_l, given_r = helper("given_folded", "l"), helper("given_folded", "r")
    # One typo: one edit on the folded name, one side not Vietnamese spelling ("Khbuê", "Ngi";
    # Lan/Lam, Phạm/Phan, Hùng/Dũng are other real names, not slips), the given name's first
    # letter kept.
    one_edit = (helper("name_osa") == 1) & (given_l.str.slice(0, 1) == given_r.str.slice(0, 1))
    words_differ = folded_l.str.count_matches(" ") != folded_r.str.count_matches(" ")
    typo = one_edit & (helper("name_misspelt", "l") | helper("name_misspelt", "r"))
    return Comparison(
        "name",
        (
            Level("missing", folded_l.is_null() | folded_r.is_null()),
            Level("exact", helper("name_canonical", "l") == helper("name_canonical", "r"), term_frequency="tf_name",
                  tag="name_exact", m_start=0.80),
            Level(
                "equal without diacritics, one side unaccented",
                same_folded & ~(accented_l & accented_r),
                term_frequency="tf_name", m_start=0.06,
            ),
            Level("equal without diacritics, diacritics differ", same_folded, term_frequency="tf_name", m_start=0.01),
            Level("equal once spaces are ignored (words run together or split)",
                  helper("name_compact_equal"), term_frequency="tf_name", m_start=0.01),
            Level("one middle name dropped or added", dropped, m_start=0.03),
            Level(
                f"close spelling (Jaro-Winkler ≥ {high}, Telex or VNI leftovers, i/y)",
                ((helper("name_jw") >= high) & given_close)
                | (helper("name_spelling_compact", "l") == helper("name_spelling_compact", "r")),
                tag="name_close", m_start=0.02,
            ),
            Level("one typo (one edit, the given name's first letter kept)", typo, tag="name_typo", m_start=0.01),
            Level("one typo once spaces are ignored (words run together or split, and a slip)",
                  (helper("name_compact_osa") == 1) & words_differ, m_start=0.005),
            Level("surname and given name equal, middle names differ",
                  (surname_l == surname_r) & (given_l == given_r), term_frequency="tf_given", tag="name_ends",
                  m_start=0.01),
            Level("the same words in another order", helper("name_sorted", "l") == helper("name_sorted", "r"),
                  m_start=0.005),
            Level(f"similar spelling (Jaro-Winkler ≥ {low})", (helper("name_jw") >= low) & given_close, m_start=0.01),
            Level("given name agrees", helper("given_folded", "l") == helper("given_folded", "r"),
                  term_frequency="tf_given", m_start=0.01),
            Level("one edit between real names (Bảo/Bải, Lan/Lam)", one_edit, m_start=0.005),
            Level("different", pl.lit(True)),
        ),
    )


def birth_date_comparison(jan1_unknown: bool = True) -> Comparison:
    """Birth dates, each read at its precision ("day", "month", "year"; null = "day"). Levels:

    missing · exact day · same at the coarser precision of the two (year-only vs full date,
    same year) · day and month swapped · same year and month · one digit different (ddmmyyyy)
    · year ±1, same day and month · different.
    With jan1_unknown, a full date on 1 January counts as year-only after "exact day" (the
    "01/01/1942" placeholder): 01/01/1942 vs 15/06/1942 is "same at the coarser precision".
    """
    d_l, d_r = _lr(BIRTH_DATE)
    y_l, y_r = helper("birth_year", "l"), helper("birth_year", "r")
    m_l, m_r = helper("birth_month", "l"), helper("birth_month", "r")
    dd_l, dd_r = helper("birth_day", "l"), helper("birth_day", "r")
    rank_l, rank_r = helper("birth_rank", "l"), helper("birth_rank", "r")
    exact = (d_l == d_r) & (rank_l == 0) & (rank_r == 0)
    if jan1_unknown:
        rank_l = pl.when((dd_l == 1) & (m_l == 1)).then(pl.lit(2, pl.Int8)).otherwise(rank_l)
        rank_r = pl.when((dd_r == 1) & (m_r == 1)).then(pl.lit(2, pl.Int8)).otherwise(rank_r)
    coarse = pl.max_horizontal(rank_l, rank_r)
    both_day = coarse == 0
    same_y, same_m, same_d = y_l == y_r, m_l == m_r, dd_l == dd_r
    digits_differ = pl.sum_horizontal(
        (dd_l // 10 != dd_r // 10).cast(pl.Int8),
        (dd_l % 10 != dd_r % 10).cast(pl.Int8),
        (m_l // 10 != m_r // 10).cast(pl.Int8),
        (m_l % 10 != m_r % 10).cast(pl.Int8),
        *((y_l // 10**k % 10 != y_r // 10**k % 10).cast(pl.Int8) for k in range(4)),
    )
    return Comparison(
        "birth_date",
        (
            Level("missing", d_l.is_null() | d_r.is_null()),
            Level("exact day", exact, m_start=0.85),
            Level(
                "same at the coarser precision",
                ((coarse == 2) & same_y) | ((coarse == 1) & same_y & same_m), m_start=0.05,
            ),
            Level("day and month swapped", both_day & same_y & (dd_l == m_r) & (m_l == dd_r), m_start=0.01),
            Level("same year and month", both_day & same_y & same_m, m_start=0.01),
            Level("one digit different", both_day & (digits_differ == 1), m_start=0.02),
            Level(
                "year ±1, same day and month",
                both_day & same_d & same_m & ((y_l - y_r).abs() == 1), m_start=0.01,
            ),
            # a true pair rarely has a date none of the levels above explains (EM learns ≈ 0.001)
            Level("different", pl.lit(True), m_start=0.01),
        ),
    )


def id_comparison() -> Comparison:
    """Personal ID (12 digits) and old CMND (9 or 12 digits). Levels:

    missing (no ID of a comparable kind on both sides: neutral) · personal ID equal · old ID
    equal (old_id vs old_id, or an ID in one field equal to the other side's other field) ·
    personal IDs one edit or one adjacent transposition apart · both present and different.
    """
    pid_l, pid_r = _lr(PERSON_ID)
    old_l, old_r = _lr(OLD_ID)
    cross = ((old_l, old_r), (old_l, pid_r), (pid_l, old_r))

    def comparable(a: pl.Expr, b: pl.Expr) -> pl.Expr:
        return (a.str.len_chars() == b.str.len_chars()).fill_null(False)

    any_comparable = comparable(pid_l, pid_r)
    old_equal = pl.lit(False)
    for a, b in cross:
        any_comparable = any_comparable | comparable(a, b)
        old_equal = old_equal | (a == b).fill_null(False)
    return Comparison(
        "id",
        (
            Level("missing", ~any_comparable),
            Level("personal ID equal", (pid_l == pid_r).fill_null(False), tag="id_equal", m_start=0.85),
            Level("old ID (CMND) equal", old_equal, tag="old_id_equal", m_start=0.05),
            Level("personal ID one edit or transposition apart (or one digit lost)", helper("person_id_osa") == 1, tag="id_one_edit",
                  m_start=0.03),
            Level("both present and different", pl.lit(True), m_start=0.07),
        ),
    )


def gender_comparison() -> Comparison:
    """Gender, a missing one filled from the ID's 4th digit, then from "Thị"/"Văn". Levels:

    missing · equal · different.
    """
    g_l, g_r = helper("gender", "l"), helper("gender", "r")
    return Comparison(
        "gender",
        (
            Level("missing", g_l.is_null() | g_r.is_null()),
            Level("equal", g_l == g_r, m_start=0.97),
            Level("different", pl.lit(True), m_start=0.03),
        ),
    )


def place_comparison(overlap: float = 1.0) -> Comparison:
    """Where the person lives: the 2025 communes (when both sides name one) and the addresses,
    folded and split into tokens (weak evidence: lists keep old addresses). Levels:

    missing · another commune (both sides name a 2025 commune, and they differ: an old split
    commune counts as any of the communes it became) · equal address · token overlap (shared
    tokens / tokens of the shorter ≥ overlap; 1.0 means one address's tokens all appear in the
    other: "thon 3" vs "thon 3, xa ...") · same commune · different.
    """
    if not 0 < overlap <= 1:
        raise ValueError("place_comparison: need 0 < overlap <= 1")
    a_l, a_r = helper("address_folded", "l"), helper("address_folded", "r")
    same = helper("same_commune")
    label = (
        "one address's tokens all in the other"
        if overlap == 1
        else f"token overlap ≥ {overlap:g}"
    )
    return Comparison(
        "place",
        (
            Level("missing", same.is_null() & (a_l.is_null() | a_r.is_null())),
            Level("another commune", same.not_(), tag="commune_other", m_start=0.01),
            Level("equal", a_l == a_r, m_start=0.5),
            Level(label, helper("address_overlap") >= overlap, m_start=0.2),
            Level("same commune", same, tag="commune_same", m_start=0.19),
            Level("different", pl.lit(True), m_start=0.1),
        ),
    )


def guardian_comparison() -> Comparison:
    """The mother or carer a row names (a vaccination book's "Họ tên mẹ/người chăm sóc", a birth
    register's mother), looked for in the candidate's household by spelling key (the pair column
    ``guardian_in_household``, made by ``matchers.link``). Levels:

    missing (the row names nobody, or the candidate has no household) · in the household · not.
    """
    g = pl.col("guardian_in_household")
    return Comparison(
        "guardian",
        (
            Level("missing", g.is_null()),
            Level("in the household", g, m_start=0.7),
            Level("not in the household", pl.lit(True), m_start=0.3),
        ),
    )


def default_comparisons() -> tuple[Comparison, ...]:
    """name, birth_date, id, gender, place, guardian with their default settings."""
    return (
        name_comparison(),
        birth_date_comparison(),
        id_comparison(),
        gender_comparison(),
        place_comparison(),
        guardian_comparison(),
    )


# Evaluate a comparison on the distinct values of the base columns it reads when there are (about:
# a HyperLogLog estimate over the rows' hashes) at most this share of the pairs' rows, the gammas
# then joined back; else on the rows themselves. The estimate only chooses the way, not the result.
DEDUPE_SHARE = 0.5


def compare(
    pairs: pl.DataFrame, comparisons: Sequence[Comparison] | None = None, *, dedupe: bool = True,
    names: dict[str, pl.DataFrame] | None = None,
) -> pl.DataFrame:
    """Add one Int8 ``gamma_<name>`` column per comparison (default: `default_comparisons`).

    Helper columns are computed first when absent (and then dropped again); pass a frame from
    `add_comparison_inputs` to keep them. When they are absent, each comparison is evaluated
    on the distinct values of the base columns it depends on (`base_inputs`) and its gamma
    joined back: a gamma is a function of its pair's row alone, so the result is the same.
    ``dedupe=False`` skips looking for repeated values (pairs known to rarely repeat them);
    ``names`` is passed on to `add_comparison_inputs` (per-name helpers computed beforehand).
    """
    comparisons = default_comparisons() if comparisons is None else tuple(comparisons)
    # A pair column a level reads (not a side's field, not a helper) that these pairs lack is
    # null: its comparison is missing (``guardian_in_household`` of pairs not made by ``link``).
    absent = sorted(r for r in _roots(comparisons) if r not in pairs.columns
                    and not r.startswith(HELPER_PREFIX) and not r.endswith(("_l", "_r")))
    if absent:
        given = pairs.columns
        return compare(pairs.with_columns(pl.lit(None, pl.Boolean).alias(r) for r in absent), comparisons,
                       dedupe=dedupe, names=names).select(*given, *(c.output_name for c in comparisons))
    if any(c.startswith(HELPER_PREFIX) for c in pairs.columns):
        return pairs.with_columns(c.gamma() for c in comparisons)
    groups: dict[tuple[str, ...], list[Comparison]] = {}
    for c in comparisons:
        inputs = base_inputs(_roots([c]))
        if inputs is None or not (keys := tuple(k for k in inputs if k in pairs.columns)):
            return _compare_rows(pairs, comparisons, names)
        groups.setdefault(keys, []).append(c)
    gammas: dict[str, pl.Series] = {}
    by_rows: list[Comparison] = []
    for keys, members in groups.items():
        inputs = pairs.select(keys).with_columns(pl.struct(keys).hash().alias("_row_hash")) if dedupe else None
        if inputs is None or inputs["_row_hash"].approx_n_unique() > DEDUPE_SHARE * pairs.height:
            by_rows += members
            continue
        gammas.update(_gammas_on_distinct(inputs, list(keys), members, names).to_dict())
    if by_rows:  # one pass for all the others, so that they share their helpers
        keys = sorted({k for c in by_rows for k in base_inputs(_roots([c])) if k in pairs.columns})
        gammas.update(add_comparison_inputs(pairs.select(keys), _roots(by_rows), names)
                      .select(c.gamma() for c in by_rows).to_dict())
    return pairs.with_columns(gammas[c.output_name] for c in comparisons)


def _gammas_on_distinct(inputs: pl.DataFrame, keys: list[str], comparisons: list[Comparison],
                        names: dict[str, pl.DataFrame] | None) -> pl.DataFrame:
    """The gammas of `comparisons` for each row of ``inputs`` (``keys`` and their ``_row_hash``),
    each computed once per distinct row. Rows are told apart by their hash (integers are quicker
    to match than strings); if two different rows share a hash, by their values instead."""
    gamma_names = [c.output_name for c in comparisons]
    distinct = inputs.unique(subset="_row_hash")
    scored = add_comparison_inputs(distinct, _roots(comparisons), names).select(
        "_row_hash", *(pl.col(k).alias(f"_distinct_{k}") for k in keys), *(c.gamma() for c in comparisons))
    joined = inputs.join(scored, on="_row_hash", how="left", maintain_order="left")
    if joined.select(pl.all_horizontal(pl.col(k).eq_missing(pl.col(f"_distinct_{k}")) for k in keys).all()).item():
        return joined.select(gamma_names)
    # a hash collision: match on the values themselves
    scored = add_comparison_inputs(inputs.drop("_row_hash").unique(), _roots(comparisons), names).select(
        *keys, *(c.gamma() for c in comparisons))
    return inputs.join(scored, on=keys, how="left", nulls_equal=True, maintain_order="left").select(gamma_names)


def _roots(comparisons: Sequence[Comparison]) -> set[str]:
    """The columns the levels of `comparisons` read."""
    return {r for c in comparisons for level in c.levels for r in level.condition.meta.root_names()}


def _compare_rows(pairs: pl.DataFrame, comparisons: tuple[Comparison, ...],
                  names: dict[str, pl.DataFrame] | None = None) -> pl.DataFrame:
    """`compare` row by row: helpers on `pairs` itself, the gammas added, the helpers dropped."""
    frame = add_comparison_inputs(pairs, names=names).with_columns(c.gamma() for c in comparisons)
    keep = set(pairs.columns) | {c.output_name for c in comparisons}
    return frame.select([c for c in frame.columns if c in keep])


def explain(pairs: pl.DataFrame, comparisons: Sequence[Comparison] | None = None) -> pl.DataFrame:
    """Add ``explain_<name>`` English texts ("name: exact") next to the gamma columns."""
    comparisons = default_comparisons() if comparisons is None else tuple(comparisons)
    return pairs.with_columns(c.explanation() for c in comparisons)
