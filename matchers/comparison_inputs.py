"""The helper columns (``cmp_*``) that comparison levels read, computed once per pairs frame.

Base columns read (a missing one counts as all-null): ``full_name``, ``birth_date`` (pl.Date),
``birth_date_precision``, ``gender``, ``person_id``, ``old_id``, ``address``, ``commune_code``
(the 2025 unit) and ``commune_candidates`` (the units an old split commune became), each with
``_l`` and ``_r``. Names and addresses are normalised once per distinct value of a side;
similarity scores come from rapidfuzz's batch functions.
"""

from __future__ import annotations

from collections.abc import Collection

import numpy as np
import polars as pl
import polars.selectors as cs
from rapidfuzz import process
from rapidfuzz.distance import OSA, JaroWinkler

from contracts.fields import (
    ADDRESS,
    BIRTH_DATE,
    BIRTH_DATE_PRECISION,
    COMMUNE_CANDIDATES,
    COMMUNE_CODE,
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
    has_non_syllable,
    id_gender,
    name_tokens,
    spelling_key,
)

HELPER_PREFIX = "cmp_"
SIDES = ("l", "r")
MAX_DROPPED_POSITION = 4  # middle names removable at token positions 1..4
# Full-name Jaro-Winkler is only computed where the given names score at least this much (the
# name comparison's Jaro-Winkler levels require given_jw ≥ this floor anyway).
GIVEN_JW_FLOOR = 0.8
MAX_GIVEN_MATRIX = 4_000_000  # distinct given names left × right scored by one cdist
PRECISION_RANK = {"day": 0, "month": 1, "year": 2}


_BASE_DTYPES: dict[str, pl.DataType] = {
    FULL_NAME: pl.String(),
    BIRTH_DATE: pl.Date(),
    BIRTH_DATE_PRECISION: pl.String(),
    GENDER: pl.String(),
    PERSON_ID: pl.String(),
    OLD_ID: pl.String(),
    ADDRESS: pl.String(),
    COMMUNE_CODE: pl.String(),
    COMMUNE_CANDIDATES: pl.String(),
}



# What each helper column is computed from: helper (without the ``cmp_`` prefix) → base fields,
# read on the helper's own side for a per-side helper (``<name>_l`` / ``<name>_r``) and on both
# sides for a pair helper. A helper's value depends on these base columns of its row alone.
_NAME_SIDE_HELPERS = (
    "name_canonical", "name_folded", "name_accented", "name_spelling", "name_spelling_compact",
    "surname_folded", "name_misspelt", "name_sorted", "given_folded", "name_gender",
    *(f"name_drop{i}" for i in range(1, MAX_DROPPED_POSITION + 1)),
)
SIDE_HELPER_INPUTS: dict[str, tuple[str, ...]] = {
    **{h: (FULL_NAME,) for h in _NAME_SIDE_HELPERS},
    "address_folded": (ADDRESS,),
    "gender": (GENDER, PERSON_ID, OLD_ID, FULL_NAME),
    "birth_year": (BIRTH_DATE,),
    "birth_month": (BIRTH_DATE,),
    "birth_day": (BIRTH_DATE,),
    "birth_rank": (BIRTH_DATE_PRECISION,),
}
PAIR_HELPER_INPUTS: dict[str, tuple[str, ...]] = {
    **{h: (FULL_NAME,) for h in ("given_jw", "name_jw", "name_compact_equal", "name_compact_osa", "name_osa")},
    "address_overlap": (ADDRESS,),
    "same_commune": (COMMUNE_CODE, COMMUNE_CANDIDATES),
    "person_id_osa": (PERSON_ID,),
}


def base_inputs(columns: list[str]) -> list[str] | None:
    """The base columns (``<field>_l`` / ``<field>_r``, sorted) that expressions reading
    ``columns`` depend on, through the helpers; None when a ``cmp_*`` column is not a known helper."""
    out: set[str] = set()
    for column in columns:
        if not column.startswith(HELPER_PREFIX):
            out.add(column)
            continue
        name = column[len(HELPER_PREFIX):]
        if name in PAIR_HELPER_INPUTS:
            out.update(f"{f}_{side}" for f in PAIR_HELPER_INPUTS[name] for side in SIDES)
        elif name[-2:] in ("_l", "_r") and name[:-2] in SIDE_HELPER_INPUTS:
            out.update(f"{f}{name[-2:]}" for f in SIDE_HELPER_INPUTS[name[:-2]])
        else:
            return None
    return sorted(out)


def helper(name: str, side: str | None = None) -> pl.Expr:
    """The helper column ``cmp_<name>`` (``cmp_<name>_<side>`` for a side)."""
    return pl.col(f"{HELPER_PREFIX}{name}" + (f"_{side}" if side else ""))


def _out(helper: str, side: str) -> str:
    return f"{HELPER_PREFIX}{helper}_{side}"


def _name_features(pairs: pl.DataFrame, side: str) -> pl.DataFrame:
    """Per distinct name of one side: canonical and folded forms, accents, a spelling key
    (Telex undone, VNI tone and mark digits dropped, final y after a consonant → i), its
    words sorted, surname and given name (and the given name's code in this side's sorted
    given-name list), middle-dropped forms, gender from "Thị"/"Văn"."""
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
        spelling_key("_folded", is_folded=True).alias(_out("name_spelling", side)),
        spelling_key("_folded", is_folded=True).str.replace_all(" ", "").alias(_out("name_spelling_compact", side)),
        pl.col("_folded").str.split(" ").list.first().alias(_out("surname_folded", side)),
        has_non_syllable("_folded").alias(_out("name_misspelt", side)),
        pl.col("_folded").str.split(" ").list.sort().list.join(" ").alias(_out("name_sorted", side)),
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


def _name_gender(pairs: pl.DataFrame, side: str) -> pl.DataFrame:
    """Per distinct name of one side: only the gender from "Thị"/"Văn" (as `_name_features`)."""
    key = f"{FULL_NAME}_{side}"
    canonical = canonical_name(key)
    return (
        pairs.select(pl.col(key).unique())
        .drop_nulls()
        .with_columns(pl.when(canonical != "").then(canonical).alias("_canonical"))
        .select(key, gender_from_name("_canonical", is_canonical=True).alias(_out("name_gender", side)))
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


def _lengths_within_one(a: pl.Series, b: pl.Series) -> pl.Series:
    """Lengths (characters) differ by at most one; signed, as len_chars is unsigned."""
    return (a.str.len_chars().cast(pl.Int32) - b.str.len_chars().cast(pl.Int32)).abs() <= 1


def _may_be_one_edit(a: pl.Series, b: pl.Series) -> pl.Series:
    """False only where two digit strings cannot be one edit or transposition apart: both of at
    least 9 characters and neither their first four nor their last four equal (an edit touches at
    most two neighbouring places, so one of those ends is untouched and aligned). Spares the
    distance of pairs of unrelated IDs (most pairs, and all random ones)."""
    return pl.DataFrame({"a": a, "b": b}).select(
        (pl.min_horizontal(pl.col("a").str.len_chars(), pl.col("b").str.len_chars()) < 9)
        | (pl.col("a").str.head(4) == pl.col("b").str.head(4))
        | (pl.col("a").str.tail(4) == pl.col("b").str.tail(4))
    ).to_series().fill_null(True)


def _person_id_distance(pid_l: pl.Series, pid_r: pl.Series) -> pl.Series:
    """OSA distance of two personal IDs, where an ID that starts with 0 is also read without it:
    an 11-digit ID that lost a digit other than its leading zero was re-padded with 0 by the
    contract ("0" + ID[:-1]), and the digits as typed are then one deletion from the other ID."""
    differ = pid_l != pid_r
    plain = _cpdist(pid_l, pid_r, OSA.distance, pl.Int32(), where=differ & _may_be_one_edit(pid_l, pid_r))
    unpadded = [
        _cpdist(a.str.slice(1), b, OSA.distance, pl.Int32(),
                where=differ & a.str.starts_with("0") & (plain != 1).fill_null(True) & _may_be_one_edit(a.str.slice(1), b))
        for a, b in ((pid_l, pid_r), (pid_r, pid_l))
    ]
    return pl.DataFrame([plain.alias("plain"), *(u.alias(f"unpadded_{i}") for i, u in enumerate(unpadded))]).select(
        pl.min_horizontal(pl.all())
    ).to_series()


def _given_jw(pairs: pl.DataFrame) -> pl.Series:
    """Jaro-Winkler of the folded given names: one cdist over the distinct given names the two
    sides' rows hold and a lookup by code per pair (cpdist per pair when that matrix would be
    large). The ``_given_code_<side>`` columns number the given names (any numbering)."""
    vocab, position = {}, {}
    for side in SIDES:
        code = f"_given_code_{side}"
        present = pairs.select(code, _out("given_folded", side)).unique().drop_nulls().sort(code)
        vocab[side] = present[_out("given_folded", side)].to_list()
        lookup = np.zeros((present[code].max() or 0) + 1, dtype=np.int64)
        lookup[present[code].to_numpy()] = np.arange(present.height)
        position[side] = lookup
    jw = JaroWinkler.normalized_similarity
    if len(vocab["l"]) * len(vocab["r"]) > MAX_GIVEN_MATRIX:
        given_l, given_r = pairs[_out("given_folded", "l")], pairs[_out("given_folded", "r")]
        return _cpdist(given_l, given_r, jw, pl.Float32())
    code_l, code_r = pairs["_given_code_l"], pairs["_given_code_r"]
    if not vocab["l"] or not vocab["r"]:
        return pl.repeat(None, pairs.height, dtype=pl.Float32, eager=True)
    matrix = process.cdist(vocab["l"], vocab["r"], scorer=jw, dtype=np.float32, workers=-1)
    rows = position["l"][code_l.fill_null(0).to_numpy()]
    cols = position["r"][code_r.fill_null(0).to_numpy()]
    scores = pl.Series(matrix[rows, cols])
    return pl.select(
        pl.when(code_l.is_not_null() & code_r.is_not_null()).then(scores)
    ).to_series()


def name_features(names: pl.Series, side: str) -> pl.DataFrame:
    """The per-name helpers of one side (``full_name_<side>`` → ``cmp_name_*_<side>`` …) for the
    distinct values of ``names``: pass them to `add_comparison_inputs` (``names=``) for pairs
    whose names on that side are among them, instead of computing them again."""
    return _name_features(names.alias(f"{FULL_NAME}_{side}").to_frame(), side)


def add_comparison_inputs(pairs: pl.DataFrame, helpers: Collection[str] | None = None,
                          names: dict[str, pl.DataFrame] | None = None) -> pl.DataFrame:
    """Add the ``cmp_*`` helper columns the comparisons read (replacing any already there);
    base columns absent from `pairs` are added as null.

    ``helpers`` (``cmp_*`` names) limits the work to those helpers and what they are computed
    from (a few others may come along); None computes them all.

    Name and address forms are computed once per distinct value of each side and joined back;
    Jaro-Winkler scores (folded given names via one cdist over the distinct given names; folded
    full names via cpdist where the given names score ≥ GIVEN_JW_FLOOR, else null) and the OSA
    distance of differing personal IDs come from rapidfuzz.
    """
    def wanted(*wanted_helpers: str) -> bool:
        return helpers is None or any(f"{HELPER_PREFIX}{h}" in helpers for h in wanted_helpers)

    pairs = pairs.drop(cs.starts_with(HELPER_PREFIX))
    missing = {
        f"{field}_{side}": dtype
        for field, dtype in _BASE_DTYPES.items()
        for side in SIDES
        if f"{field}_{side}" not in pairs.columns
    }
    if missing:
        pairs = pairs.with_columns(pl.lit(None, dtype).alias(c) for c, dtype in missing.items())
    name_pair_helpers = ("given_jw", "name_jw", "name_compact_equal", "name_compact_osa", "name_osa")
    need_names = wanted(*name_pair_helpers, *(f"{h}_{side}" for h in _NAME_SIDE_HELPERS for side in SIDES))
    need_gender = wanted("gender_l", "gender_r")
    need_address = wanted("address_overlap", "address_folded_l", "address_folded_r")
    for side in SIDES:
        if need_names or need_gender:
            if names is not None and side in names:
                table = names[side] if need_names else names[side].select(
                    f"{FULL_NAME}_{side}", _out("name_gender", side))
            else:
                table = _name_features(pairs, side) if need_names else _name_gender(pairs, side)
            pairs = pairs.join(table, on=f"{FULL_NAME}_{side}", how="left", maintain_order="left")
        if need_address:
            pairs = pairs.join(_address_features(pairs, side), on=f"{ADDRESS}_{side}", how="left",
                               maintain_order="left")
    added = [
        *([_address_overlap().alias(f"{HELPER_PREFIX}address_overlap")] if need_address else []),
        *([_same_commune().alias(f"{HELPER_PREFIX}same_commune")] if wanted("same_commune") else []),
        *([_given_jw(pairs).alias(f"{HELPER_PREFIX}given_jw")] if need_names else []),
        *(e for side in SIDES for e in _side_helpers(side) if wanted(e.meta.output_name()[len(HELPER_PREFIX):])),
    ]
    pairs = pairs.with_columns(added)
    if wanted("person_id_osa"):
        pid_l, pid_r = pairs[f"{PERSON_ID}_l"], pairs[f"{PERSON_ID}_r"]
        pairs = pairs.with_columns(_person_id_distance(pid_l, pid_r).alias(f"{HELPER_PREFIX}person_id_osa"))
    if need_names:
        pairs = _name_pair_helpers(pairs)
    return pairs.drop("_address_tokens_l", "_address_tokens_r", "_given_code_l", "_given_code_r", strict=False)


def _address_overlap() -> pl.Expr:
    """Shared address tokens / tokens of the shorter address (null when one has none)."""
    tokens_l, tokens_r = pl.col("_address_tokens_l"), pl.col("_address_tokens_r")
    shorter = pl.min_horizontal(tokens_l.list.len(), tokens_r.list.len())
    shared = tokens_l.list.set_intersection(tokens_r).list.len()
    return pl.when(shorter > 0).then(shared / shorter).cast(pl.Float32)


def _same_commune() -> pl.Expr:
    """Both sides name a 2025 commune: equal, or the right one among the left's candidates."""
    unit_l, unit_r = pl.col(f"{COMMUNE_CODE}_l"), pl.col(f"{COMMUNE_CODE}_r")
    among = pl.col(f"{COMMUNE_CANDIDATES}_l").str.split(";").list.contains(unit_r).fill_null(False)
    return pl.when(unit_l.is_not_null() & unit_r.is_not_null()).then((unit_l == unit_r) | among)


def _side_helpers(side: str) -> list[pl.Expr]:
    """Gender (given, else from an ID, else from the name) and birth-date parts of one side."""
    date = pl.col(f"{BIRTH_DATE}_{side}")
    return [
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
        .replace_strict(PRECISION_RANK, default=0, return_dtype=pl.Int8)
        .fill_null(0)
        .alias(_out("birth_rank", side)),
    ]


def _name_pair_helpers(pairs: pl.DataFrame) -> pl.DataFrame:
    """Name scores of each pair (the name features and ``cmp_given_jw`` already joined)."""
    folded_l, folded_r = pairs[_out("name_folded", "l")], pairs[_out("name_folded", "r")]
    # the spelling keys without spaces: fused or split words and a slip in the same name
    compact_l, compact_r = pairs[_out("name_spelling_compact", "l")], pairs[_out("name_spelling_compact", "r")]
    return pairs.with_columns(
        _cpdist(
            folded_l,
            folded_r,
            JaroWinkler.normalized_similarity,
            pl.Float32(),
            where=(pairs[f"{HELPER_PREFIX}given_jw"] >= GIVEN_JW_FLOOR) & (folded_l != folded_r),
        ).alias(f"{HELPER_PREFIX}name_jw"),
    ).with_columns(
        (pl.col(_out("name_folded", "l")).str.replace_all(" ", "")
         == pl.col(_out("name_folded", "r")).str.replace_all(" ", ""))
        .alias(f"{HELPER_PREFIX}name_compact_equal"),
        _cpdist(
            compact_l, compact_r, OSA.distance, pl.Int32(),
            where=(compact_l != compact_r) & _lengths_within_one(compact_l, compact_r),
        ).alias(f"{HELPER_PREFIX}name_compact_osa"),
        _cpdist(
            folded_l, folded_r, OSA.distance, pl.Int32(),
            where=(folded_l != folded_r) & _lengths_within_one(folded_l, folded_r),
        ).alias(f"{HELPER_PREFIX}name_osa"),
    )
