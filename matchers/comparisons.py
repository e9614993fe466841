"""Comparison levels over a pairs frame (sector side ``*_l``, residency side ``*_r``).

Gamma convention (Splink's): each comparison writes an Int8 column ``gamma_<name>``:
``-1`` = missing (a side lacks the field; neutral, no evidence either way), ``0`` = the last,
"else" level (no agreement of any listed kind), and ``1 … k`` for the listed levels, the
strongest highest. Levels are tested strongest first; a pair takes the first level whose
condition is true.

Usage::

    pairs = add_comparison_inputs(pairs)           # helper columns cmp_* (names, scores)
    pairs = compare(pairs, default_comparisons())  # gamma_name, gamma_birth_date, ...

Base columns read (a missing one counts as all-null): ``full_name``, ``birth_date`` (pl.Date),
``birth_date_precision``, ``gender``, ``person_id``, ``old_id``, ``address``, each with
``_l`` and ``_r``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import polars as pl
import polars.selectors as cs
from rapidfuzz import process
from rapidfuzz.distance import OSA, JaroWinkler

from contracts.fields import (
    ADDRESS,
    BIRTH_DATE,
    BIRTH_DATE_PRECISION,
    FULL_NAME,
    GENDER,
    OLD_ID,
    PERSON_ID,
)
from matchers.normalise import (
    canonical_name,
    folded,
    gender_from_name,
    given_name,
    has_diacritics,
    id_gender,
    name_tokens,
    telex_folded,
)

__all__ = [
    "GAMMA_ELSE",
    "GAMMA_MISSING",
    "HELPER_PREFIX",
    "Comparison",
    "Level",
    "add_comparison_inputs",
    "birth_date_comparison",
    "compare",
    "default_comparisons",
    "explain",
    "gender_comparison",
    "id_comparison",
    "name_comparison",
    "place_comparison",
]

GAMMA_MISSING = -1
GAMMA_ELSE = 0
HELPER_PREFIX = "cmp_"
SIDES = ("l", "r")
MAX_DROPPED_POSITION = 4  # middle names removable at token positions 1..4
# Full-name Jaro-Winkler is only computed where the given names score at least this much (the
# name comparison's Jaro-Winkler levels require given_jw ≥ this floor anyway).
GIVEN_JW_FLOOR = 0.8
MAX_GIVEN_MATRIX = 4_000_000  # distinct given names left × right scored by one cdist

_BASE_DTYPES: dict[str, pl.DataType] = {
    FULL_NAME: pl.String(),
    BIRTH_DATE: pl.Date(),
    BIRTH_DATE_PRECISION: pl.String(),
    GENDER: pl.String(),
    PERSON_ID: pl.String(),
    OLD_ID: pl.String(),
    ADDRESS: pl.String(),
}


@dataclass(frozen=True)
class Level:
    """One comparison level: an English label (shown to analysts) and a Boolean condition."""

    label: str
    condition: pl.Expr


@dataclass(frozen=True)
class Comparison:
    """Ordered levels: "missing" first, then strongest to weakest, an always-true level last.

    Gamma: missing → -1, last level → 0, the others k … 1 in order (see module docstring).
    """

    name: str
    levels: tuple[Level, ...]

    def __post_init__(self) -> None:
        if not self.name.isidentifier():
            raise ValueError(f"comparison name must be an identifier, got {self.name!r}")
        if len(self.levels) < 3:
            raise ValueError(f"comparison {self.name}: needs missing, ≥ 1 level and else")
        if self.levels[0].label != "missing":
            raise ValueError(f"comparison {self.name}: the first level must be 'missing'")
        if not self.levels[-1].condition.meta.eq(pl.lit(True)):
            raise ValueError(f"comparison {self.name}: the last level must be pl.lit(True)")
        labels = [level.label for level in self.levels]
        if len(set(labels)) != len(labels):
            raise ValueError(f"comparison {self.name}: level labels must be unique")

    @property
    def output_name(self) -> str:
        """Name of the gamma column: ``gamma_<name>``."""
        return f"gamma_{self.name}"

    @property
    def gammas(self) -> dict[int, str]:
        """Gamma value → level label, strongest first: {-1: "missing", k: ..., 0: else}."""
        top = len(self.levels) - 2
        values = [GAMMA_MISSING, *range(top, 0, -1), GAMMA_ELSE]
        return {g: level.label for g, level in zip(values, self.levels, strict=True)}

    def gamma(self) -> pl.Expr:
        """Int8 expression of the level each pair falls in, named ``gamma_<name>``."""
        chain = None
        for g, level in zip(self.gammas, self.levels[:-1], strict=False):
            value = pl.lit(g, pl.Int8)
            chain = (
                pl.when(level.condition).then(value)
                if chain is None
                else chain.when(level.condition).then(value)
            )
        assert chain is not None
        return chain.otherwise(pl.lit(GAMMA_ELSE, pl.Int8)).alias(self.output_name)

    def explanation(self) -> pl.Expr:
        """English text of the level a pair fell in, e.g. "name: exact", from its gamma column."""
        mapping = {g: f"{self.name}: {label}" for g, label in self.gammas.items()}
        return (
            pl.col(self.output_name)
            .replace_strict(mapping, return_dtype=pl.String)
            .alias(f"explain_{self.name}")
        )


def _h(name: str, side: str | None = None) -> pl.Expr:
    return pl.col(f"{HELPER_PREFIX}{name}" + (f"_{side}" if side else ""))


def _lr(field: str) -> tuple[pl.Expr, pl.Expr]:
    return pl.col(f"{field}_l"), pl.col(f"{field}_r")


# --- comparisons -------------------------------------------------------------------------


def name_comparison(
    jw: tuple[float, float] = (0.95, 0.88), given_jw: float = 0.9
) -> Comparison:
    """Full names. Levels (strongest first):

    missing · exact (canonical, accented) · equal without diacritics, one side unaccented ·
    equal without diacritics, diacritics differ (An/Ân: evidence of two people) · one middle
    name dropped or added · close spelling (Jaro-Winkler ≥ jw[0] on folded names, or equal once
    Telex leftovers are undone and a final y after a consonant is read as i: Lý/Lí, Mỹ/Mĩ) ·
    Jaro-Winkler ≥ jw[1] · given name alone agrees · different.
    The Jaro-Winkler levels also need the folded given names to score ≥ given_jw, so twins
    ("Nguyễn Văn Hùng"/"Nguyễn Văn Dũng", JW 0.97) do not count as close.
    """
    high, low = jw
    if not 0 < low < high <= 1 or not GIVEN_JW_FLOOR <= given_jw <= 1:
        raise ValueError(
            f"name_comparison: need 0 < jw[1] < jw[0] <= 1 and {GIVEN_JW_FLOOR} <= given_jw <= 1"
        )
    folded_l, folded_r = _h("name_folded", "l"), _h("name_folded", "r")
    accented_l, accented_r = _h("name_accented", "l"), _h("name_accented", "r")
    same_folded = folded_l == folded_r
    dropped = pl.lit(False)
    for i in range(1, MAX_DROPPED_POSITION + 1):
        dropped = (
            dropped
            | (_h(f"name_drop{i}", "l") == folded_r)
            | (_h(f"name_drop{i}", "r") == folded_l)
        )
    given_close = _h("given_jw") >= given_jw
    return Comparison(
        "name",
        (
            Level("missing", folded_l.is_null() | folded_r.is_null()),
            Level("exact", _h("name_canonical", "l") == _h("name_canonical", "r")),
            Level(
                "equal without diacritics, one side unaccented",
                same_folded & ~(accented_l & accented_r),
            ),
            Level("equal without diacritics, diacritics differ", same_folded),
            Level("one middle name dropped or added", dropped),
            Level(
                f"close spelling (Jaro-Winkler ≥ {high}, Telex leftovers or i/y)",
                ((_h("name_jw") >= high) & given_close)
                | (_h("name_spelling", "l") == _h("name_spelling", "r")),
            ),
            Level(f"similar spelling (Jaro-Winkler ≥ {low})", (_h("name_jw") >= low) & given_close),
            Level("given name agrees", _h("given_folded", "l") == _h("given_folded", "r")),
            Level("different", pl.lit(True)),
        ),
    )


_PRECISION_RANK = {"day": 0, "month": 1, "year": 2}


def birth_date_comparison(jan1_unknown: bool = True) -> Comparison:
    """Birth dates, each read at its precision ("day", "month", "year"; null = "day"). Levels:

    missing · exact day · same at the coarser precision of the two (year-only vs full date,
    same year) · day and month swapped · same year and month · one digit different (ddmmyyyy)
    · year ±1, same day and month · different.
    With jan1_unknown, a full date on 1 January counts as year-only after "exact day" (the
    "01/01/1942" placeholder): 01/01/1942 vs 15/06/1942 is "same at the coarser precision".
    """
    d_l, d_r = _lr(BIRTH_DATE)
    y_l, y_r = _h("birth_year", "l"), _h("birth_year", "r")
    m_l, m_r = _h("birth_month", "l"), _h("birth_month", "r")
    dd_l, dd_r = _h("birth_day", "l"), _h("birth_day", "r")
    rank_l, rank_r = _h("birth_rank", "l"), _h("birth_rank", "r")
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
            Level("exact day", exact),
            Level(
                "same at the coarser precision",
                ((coarse == 2) & same_y) | ((coarse == 1) & same_y & same_m),
            ),
            Level("day and month swapped", both_day & same_y & (dd_l == m_r) & (m_l == dd_r)),
            Level("same year and month", both_day & same_y & same_m),
            Level("one digit different", both_day & (digits_differ == 1)),
            Level(
                "year ±1, same day and month",
                both_day & same_d & same_m & ((y_l - y_r).abs() == 1),
            ),
            Level("different", pl.lit(True)),
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
            Level("personal ID equal", (pid_l == pid_r).fill_null(False)),
            Level("old ID (CMND) equal", old_equal),
            Level("personal ID one edit or transposition apart", _h("person_id_osa") == 1),
            Level("both present and different", pl.lit(True)),
        ),
    )


def gender_comparison() -> Comparison:
    """Gender, a missing one filled from the ID's 4th digit, then from "Thị"/"Văn". Levels:

    missing · equal · different.
    """
    g_l, g_r = _h("gender", "l"), _h("gender", "r")
    return Comparison(
        "gender",
        (
            Level("missing", g_l.is_null() | g_r.is_null()),
            Level("equal", g_l == g_r),
            Level("different", pl.lit(True)),
        ),
    )


def place_comparison(overlap: float = 1.0) -> Comparison:
    """Addresses, folded and split into tokens (weak evidence: lists keep old addresses). Levels:

    missing · equal · token overlap (shared tokens / tokens of the shorter ≥ overlap; 1.0 means
    one address's tokens all appear in the other: "thon 3" vs "thon 3, xa ...") · different.
    """
    if not 0 < overlap <= 1:
        raise ValueError("place_comparison: need 0 < overlap <= 1")
    a_l, a_r = _h("address_folded", "l"), _h("address_folded", "r")
    label = (
        "one address's tokens all in the other"
        if overlap == 1
        else f"token overlap ≥ {overlap:g}"
    )
    return Comparison(
        "place",
        (
            Level("missing", a_l.is_null() | a_r.is_null()),
            Level("equal", a_l == a_r),
            Level(label, _h("address_overlap") >= overlap),
            Level("different", pl.lit(True)),
        ),
    )


def default_comparisons() -> tuple[Comparison, ...]:
    """name, birth_date, id, gender, place with their default settings."""
    return (
        name_comparison(),
        birth_date_comparison(),
        id_comparison(),
        gender_comparison(),
        place_comparison(),
    )


# --- inputs ------------------------------------------------------------------------------


def _out(helper: str, side: str) -> str:
    return f"{HELPER_PREFIX}{helper}_{side}"


def _name_features(pairs: pl.DataFrame, side: str) -> pl.DataFrame:
    """Per distinct name of one side: canonical and folded forms, accents, a spelling key
    (Telex undone, final y after a consonant → i), given name (and its code in this side's
    sorted given-name list), middle-dropped forms, gender from "Thị"/"Văn"."""
    key = f"{FULL_NAME}_{side}"
    canonical = canonical_name(key)
    names = (
        pairs.select(pl.col(key).unique())
        .drop_nulls()
        .with_columns(pl.when(canonical != "").then(canonical).alias(_out("name_canonical", side)))
        .with_columns(folded(_out("name_canonical", side), is_canonical=True).alias("_folded"))
    )
    names = names.select(
        key,
        _out("name_canonical", side),
        pl.col("_folded").alias(_out("name_folded", side)),
        has_diacritics(_out("name_canonical", side)).alias(_out("name_accented", side)),
        telex_folded("_folded", is_folded=True)
        .str.replace_all(r"\b([bcdfghjklmnprstvxz]+)y\b", "${1}i")
        .alias(_out("name_spelling", side)),
        given_name("_folded").alias(_out("given_folded", side)),
        # token i removed when it is a middle token (else the name unchanged, which can only
        # equal the other side's name when the folded names are equal: an earlier level)
        *(
            pl.col("_folded")
            .str.replace(rf"^((?:\S+ ){{{i}}})\S+ (\S.*)$", "${1}${2}")
            .alias(_out(f"name_drop{i}", side))
            for i in range(1, MAX_DROPPED_POSITION + 1)
        ),
        gender_from_name(_out("name_canonical", side), is_canonical=True).alias(
            _out("name_gender", side)
        ),
    )
    given = _out("given_folded", side)
    return names.with_columns(
        pl.col(given).rank("dense").cast(pl.Int32).sub(1).alias(f"_given_code_{side}")
    )


def _address_features(pairs: pl.DataFrame, side: str) -> pl.DataFrame:
    """Per distinct address of one side: folded text without punctuation, and its token set."""
    key = f"{ADDRESS}_{side}"
    text = folded(pl.col(key).str.replace_all(r"[[:punct:]]", " "))
    return (
        pairs.select(pl.col(key).unique())
        .drop_nulls()
        .with_columns(text.alias("_text"))
        .select(
            key,
            pl.when(pl.col("_text") != "").then("_text").alias(_out("address_folded", side)),
            name_tokens("_text").list.unique().alias(f"_address_tokens_{side}"),
        )
    )


def _cpdist(a: pl.Series, b: pl.Series, scorer, dtype: pl.DataType, where=None) -> pl.Series:
    """rapidfuzz ``process.cpdist`` of two string columns on the rows where both are present
    (and `where` holds); null elsewhere."""
    keep = a.is_not_null() & b.is_not_null()
    if where is not None:
        keep = keep & where.fill_null(False)
    rows = keep.arg_true()
    out = pl.repeat(None, a.len(), dtype=dtype, eager=True)
    if rows.len() == 0:
        return out
    scores = process.cpdist(
        a.gather(rows).to_list(), b.gather(rows).to_list(), scorer=scorer, workers=-1
    )
    return out.scatter(rows, pl.Series(scores).cast(dtype))


def _given_jw(pairs: pl.DataFrame, names: dict[str, pl.DataFrame]) -> pl.Series:
    """Jaro-Winkler of the folded given names: one cdist over the two sides' distinct given
    names and a lookup by code per pair (cpdist per pair when that matrix would be large)."""
    vocab = {
        side: names[side]
        .select(f"_given_code_{side}", _out("given_folded", side))
        .unique()
        .drop_nulls()
        .sort(f"_given_code_{side}")[_out("given_folded", side)]
        .to_list()
        for side in SIDES
    }
    jw = JaroWinkler.normalized_similarity
    if len(vocab["l"]) * len(vocab["r"]) > MAX_GIVEN_MATRIX:
        given_l, given_r = pairs[_out("given_folded", "l")], pairs[_out("given_folded", "r")]
        return _cpdist(given_l, given_r, jw, pl.Float32())
    code_l, code_r = pairs["_given_code_l"], pairs["_given_code_r"]
    if not vocab["l"] or not vocab["r"]:
        return pl.repeat(None, pairs.height, dtype=pl.Float32, eager=True)
    matrix = process.cdist(vocab["l"], vocab["r"], scorer=jw, dtype=np.float32, workers=-1)
    scores = pl.Series(matrix[code_l.fill_null(0).to_numpy(), code_r.fill_null(0).to_numpy()])
    return pl.select(
        pl.when(code_l.is_not_null() & code_r.is_not_null()).then(scores)
    ).to_series()


def add_comparison_inputs(pairs: pl.DataFrame) -> pl.DataFrame:
    """Add the ``cmp_*`` helper columns the comparisons read (replacing any already there);
    base columns absent from `pairs` are added as null.

    Name and address forms are computed once per distinct value of each side and joined back;
    Jaro-Winkler scores (folded given names via one cdist over the distinct given names; folded
    full names via cpdist where the given names score ≥ GIVEN_JW_FLOOR, else null) and the OSA
    distance of differing personal IDs come from rapidfuzz.
    """
    pairs = pairs.drop(cs.starts_with(HELPER_PREFIX))
    missing = {
        f"{field}_{side}": dtype
        for field, dtype in _BASE_DTYPES.items()
        for side in SIDES
        if f"{field}_{side}" not in pairs.columns
    }
    if missing:
        pairs = pairs.with_columns(pl.lit(None, dtype).alias(c) for c, dtype in missing.items())
    names = {side: _name_features(pairs, side) for side in SIDES}
    for side in SIDES:
        pairs = pairs.join(
            names[side], on=f"{FULL_NAME}_{side}", how="left", maintain_order="left"
        ).join(
            _address_features(pairs, side), on=f"{ADDRESS}_{side}", how="left",
            maintain_order="left",
        )

    tokens_l, tokens_r = pl.col("_address_tokens_l"), pl.col("_address_tokens_r")
    shorter = pl.min_horizontal(tokens_l.list.len(), tokens_r.list.len())
    shared = tokens_l.list.set_intersection(tokens_r).list.len()
    per_side = []
    for side in SIDES:
        date = pl.col(f"{BIRTH_DATE}_{side}")
        per_side += [
            pl.coalesce(
                pl.col(f"{GENDER}_{side}"),
                id_gender(f"{PERSON_ID}_{side}"),
                id_gender(f"{OLD_ID}_{side}"),
                pl.col(_out("name_gender", side)),
            ).alias(_out("gender", side)),
            date.dt.year().cast(pl.Int16).alias(_out("birth_year", side)),
            date.dt.month().cast(pl.Int8).alias(_out("birth_month", side)),
            date.dt.day().cast(pl.Int8).alias(_out("birth_day", side)),
            pl.col(f"{BIRTH_DATE_PRECISION}_{side}")
            .replace_strict(_PRECISION_RANK, default=0, return_dtype=pl.Int8)
            .fill_null(0)
            .alias(_out("birth_rank", side)),
        ]
    pairs = pairs.with_columns(
        pl.when(shorter > 0)
        .then(shared / shorter)
        .cast(pl.Float32)
        .alias(f"{HELPER_PREFIX}address_overlap"),
        _given_jw(pairs, names).alias(f"{HELPER_PREFIX}given_jw"),
        *per_side,
    )

    folded_l, folded_r = pairs[_out("name_folded", "l")], pairs[_out("name_folded", "r")]
    pid_l, pid_r = pairs[f"{PERSON_ID}_l"], pairs[f"{PERSON_ID}_r"]
    return pairs.with_columns(
        _cpdist(pid_l, pid_r, OSA.distance, pl.Int32(), where=pid_l != pid_r).alias(
            f"{HELPER_PREFIX}person_id_osa"
        ),
        _cpdist(
            folded_l,
            folded_r,
            JaroWinkler.normalized_similarity,
            pl.Float32(),
            where=(pairs[f"{HELPER_PREFIX}given_jw"] >= GIVEN_JW_FLOOR) & (folded_l != folded_r),
        ).alias(f"{HELPER_PREFIX}name_jw"),
    ).drop("_address_tokens_l", "_address_tokens_r", "_given_code_l", "_given_code_r")


def compare(
    pairs: pl.DataFrame, comparisons: Sequence[Comparison] | None = None
) -> pl.DataFrame:
    """Add one Int8 ``gamma_<name>`` column per comparison (default: `default_comparisons`).

    Helper columns are computed first when absent (and then dropped again); pass a frame from
    `add_comparison_inputs` to keep them.
    """
    comparisons = default_comparisons() if comparisons is None else tuple(comparisons)
    added = not any(c.startswith(HELPER_PREFIX) for c in pairs.columns)
    frame = add_comparison_inputs(pairs) if added else pairs
    frame = frame.with_columns(c.gamma() for c in comparisons)
    if added:
        keep = set(pairs.columns) | {c.output_name for c in comparisons}
        frame = frame.select([c for c in frame.columns if c in keep])
    return frame


def explain(pairs: pl.DataFrame, comparisons: Sequence[Comparison] | None = None) -> pl.DataFrame:
    """Add ``explain_<name>`` English texts ("name: exact") next to the gamma columns."""
    comparisons = default_comparisons() if comparisons is None else tuple(comparisons)
    return pairs.with_columns(c.explanation() for c in comparisons)
