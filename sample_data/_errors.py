"""Apply office errors to sector entries and record which ones were applied.

An *entry* is one person as a sector list holds them, before typing: the frame carries the
clean values (``fam``/``mid``/``giv``, ``female``, ``birth`` + ``prec``, ``pid``, ``cmnd``,
``parent_pid``). :func:`apply_errors` adds the typed values ``name_out``, ``dob_out``,
``gender_out``, ``id_out``, the list of applied codes ``errors`` (";"-joined, in
:data:`ERROR_CODES` order) and ``case`` (0 as typed, 1 no diacritics, 2 all caps, 3 both).

Rates are per row; a rate marked *(eligible)* in :data:`BASE_RATES` applies only to rows where
the error can happen (a name with "Đ", a person with an old CMND, a child with a parent's ID).
Within the date group and the ID group at most one error is applied per row. A code is recorded
only when the text really changed.
"""

from __future__ import annotations

import numpy as np
import polars as pl

from sample_data import _text as T

ERROR_CODES: tuple[str, ...] = (
    "duplicate_row",
    # name
    "middle_dropped", "middle_added", "tone_style", "i_y", "hoi_nga", "typo", "telex_leftover",
    "no_diacritics", "all_caps", "eth_d", "stray_spaces",
    # date of birth
    "birth_year_off1", "birth_digit_typo", "day_month_swap", "year_only", "dob_missing",
    "dob_placeholder", "date_format",
    # gender
    "gender_wrong", "gender_missing",
    # ID
    "id_missing", "id_lost_zero", "id_typo", "id_transposed", "old_cmnd_given", "parent_id",
    "id_scientific",
    # sector-specific
    "insurance_lost_zero",
    # rows a contract should reject
    "invalid_empty_name", "invalid_date", "invalid_future_dob",
)

BASE_RATES: dict[str, float] = {
    "middle_dropped": 0.025, "middle_added": 0.010,
    "tone_style": 0.30,      # (eligible: old-style oa/oe/uy in the name)
    "i_y": 0.25,             # (eligible: Lý, Mỹ, Kỳ, Vy …)
    "hoi_nga": 0.02,         # (eligible: a hỏi or ngã tone in the name)
    "typo": 0.012, "telex_leftover": 0.004,
    "no_diacritics": 0.03,   # 70 % of these are also typed in capitals (+ all_caps)
    "all_caps": 0.035,
    "eth_d": 0.12,           # (eligible: "Đ" in the name)
    "stray_spaces": 0.02,
    "birth_year_off1": 0.007, "birth_digit_typo": 0.006,
    "day_month_swap": 0.008,  # (eligible: day <= 12 and day != month)
    "year_only": 0.012, "dob_missing": 0.006,
    "dob_placeholder": 0.008,  # (eligible: born before 1970)
    "date_format": 0.04,
    "gender_wrong": 0.005, "gender_missing": 0.006,
    "id_missing": 0.05, "id_lost_zero": 0.02, "id_typo": 0.008, "id_transposed": 0.004,
    "old_cmnd_given": 0.04,   # (eligible: has a 9-digit CMND)
    "parent_id": 0.0,         # (eligible: a child with a parent in view)
    "id_scientific": 0.002,
    "duplicate_row": 0.008,
    "invalid_empty_name": 0.0005, "invalid_date": 0.0008, "invalid_future_dob": 0.0005,
}


def _obj(s: pl.Series) -> np.ndarray:
    """A string column as a numpy object array (None for nulls)."""
    out = np.empty(s.len(), dtype=object)
    out[:] = s.to_list()
    return out


def _str(a: np.ndarray) -> pl.Series:
    return pl.Series(a.tolist(), dtype=pl.String)


def _changed(before: np.ndarray, after: np.ndarray) -> np.ndarray:
    return np.array([a != b for a, b in zip(before, after)], dtype=bool)


def _apply(arr: np.ndarray, mask: np.ndarray, fn, *rand: np.ndarray) -> np.ndarray:
    """arr[mask] = fn(x, *r) for the masked rows; returns the mask of rows that changed."""
    idx = np.flatnonzero(mask)
    if not idx.size:
        return mask
    old = arr[idx]
    new = np.array([fn(x, *(r[i] for r in rand)) for x, i in zip(old, idx)], dtype=object)
    arr[idx] = new
    out = np.zeros(arr.size, dtype=bool)
    out[idx] = _changed(old, new)
    return out


def _contains(arr: np.ndarray, pattern: str) -> np.ndarray:
    return _str(arr).str.contains(pattern).fill_null(False).to_numpy()


def apply_errors(df: pl.DataFrame, rates: dict[str, float], rng: np.random.Generator,
                 ref_days: int) -> pl.DataFrame:
    n = df.height
    r = {**BASE_RATES, **rates}
    flags: dict[str, np.ndarray] = {}
    U = lambda: rng.random(n)  # noqa: E731

    # ---------------- name ----------------
    inv_name = U() < r["invalid_empty_name"]
    mid = _obj(df["mid"])
    female = df["female"].to_numpy()
    has_mid = np.array([m is not None for m in mid], dtype=bool)
    two_mid = np.array([m is not None and " " in m for m in mid], dtype=bool)
    common = np.where(female, "Thị", "Văn")
    u = U()
    drop = has_mid & (u < r["middle_dropped"]) & ~inv_name
    add = ~drop & ~inv_name & (U() < r["middle_added"]) & (
        ~has_mid | (~two_mid & (mid != common)))
    for i in np.flatnonzero(drop):
        mid[i] = mid[i].split(" ", 1)[1] if " " in mid[i] else None
    for i in np.flatnonzero(add):
        mid[i] = common[i] if mid[i] is None else f"{common[i]} {mid[i]}"
    flags["middle_dropped"], flags["middle_added"] = drop, add
    name = _obj(df.select(pl.concat_str(["fam", pl.lit(_str(mid)), "giv"],
                                        separator=" ", ignore_nulls=True)).to_series())
    u_case = U()
    nd = ~inv_name & (u_case < r["no_diacritics"])
    caps = ~inv_name & ~nd & (u_case < r["no_diacritics"] + r["all_caps"])
    caps_nd = nd & (U() < 0.7)
    ok = ~inv_name & ~nd
    flags["tone_style"] = _apply(name, ok & _contains(name, T.OLD_TONE_PATTERN)
                                 & (U() < r["tone_style"]), T.to_new_tone_style)
    flags["i_y"] = _apply(name, ~inv_name & _contains(name, T.I_Y_PATTERN) & (U() < r["i_y"]),
                          T.i_y_swap)
    flags["hoi_nga"] = _apply(name, ok & _contains(name, T.HOI_NGA_PATTERN)
                              & (U() < r["hoi_nga"]), T.hoi_nga_swap, U())
    flags["typo"] = _apply(name, ~inv_name & (U() < r["typo"]), T.typo, U(), U(), U())
    flags["telex_leftover"] = _apply(name, ok & (U() < r["telex_leftover"]), T.telex_leftover, U())
    case = nd.astype(np.int8) + 2 * (caps | caps_nd).astype(np.int8)
    flags["no_diacritics"] = _apply(name, nd, T.strip_diacritics)
    flags["all_caps"] = _apply(name, caps | caps_nd, str.upper)
    flags["eth_d"] = _apply(name, ok & _contains(name, "Đ") & (U() < r["eth_d"]),
                            lambda s: s.replace("Đ", "\u00d0"))
    flags["stray_spaces"] = _apply(name, ~inv_name & (U() < r["stray_spaces"]), T.stray_spaces, U())
    name[inv_name] = ""
    flags["invalid_empty_name"] = inv_name

    # ---------------- gender ----------------
    u = U()
    g_wrong = u < r["gender_wrong"]
    g_miss = ~g_wrong & (u < r["gender_wrong"] + r["gender_missing"])
    shown_f = female ^ g_wrong
    gender = np.where(shown_f, "Nữ", "Nam").astype(object)
    gender[np.flatnonzero(nd & shown_f)] = "Nu"
    up = np.flatnonzero(case >= 2)
    gender[up] = [g.upper() for g in gender[up]]
    gender[g_miss] = ""
    flags["gender_wrong"], flags["gender_missing"] = g_wrong, g_miss

    # ---------------- date of birth ----------------
    dates = df.select(y=pl.col("birth").dt.year().cast(pl.Int64), m=pl.col("birth").dt.month()
                      .cast(pl.Int64), d=pl.col("birth").dt.day().cast(pl.Int64))
    y, m, d = (dates[c].to_numpy().copy() for c in ("y", "m", "d"))
    birth_days = df["birth"].cast(pl.Int64).to_numpy()
    year_prec = (df["prec"] == "year").to_numpy()
    ref_year = int(np.datetime64(int(ref_days), "D").astype("datetime64[Y]").astype(int) + 1970)
    taken = np.zeros(n, dtype=bool)

    def pick(code: str, elig: np.ndarray) -> np.ndarray:
        nonlocal taken
        mk = elig & ~taken & (U() < r[code])
        taken |= mk
        flags[code] = mk
        return mk

    day_prec = ~year_prec
    inv_date = pick("invalid_date", day_prec)
    inv_future = pick("invalid_future_dob", day_prec)
    missing = pick("dob_missing", np.ones(n, dtype=bool))
    yonly = pick("year_only", day_prec)
    placeholder = pick("dob_placeholder", day_prec & (y < 1970))
    swap = pick("day_month_swap", day_prec & (d <= 12) & (d != m))
    off1 = pick("birth_year_off1", day_prec)
    dtypo = pick("birth_digit_typo", day_prec)
    # the database holds a year only: lists show the year, or 01/01/yyyy
    yp_place = year_prec & ~missing & (U() < 0.3)
    flags["dob_placeholder"] = placeholder | yp_place

    sign = np.where(U() < 0.5, -1, 1)
    y2 = np.where(off1, y + sign, y)
    y2 = np.where(off1 & (y2 > ref_year), y - 1, y2)
    # digit typo: the year's last digit (at least 2 away, not the future) or the day's
    ty = U() < 0.5
    last = y % 10
    cand = (last + 2 + (U() * 7).astype(np.int64)) % 10
    y_typo = y - last + cand
    ty &= y_typo <= ref_year - 1
    y2 = np.where(dtypo & ty, y_typo, y2)
    d_units = (U() * 8).astype(np.int64) + 1  # 1..8
    d_new = np.where(d >= 20, 20 + d_units, np.where(d >= 10, 10 + d_units, d_units))
    d_new = np.where(d_new == d, np.where(d_new < 28, d_new + 1, d_new - 1), d_new)
    d2 = np.where(dtypo & ~ty, d_new, d)
    d2 = np.where((m == 2) & (d2 == 29) & (y2 % 4 != 0), 28, d2)
    d2 = np.where(off1 & (m == 2) & (d == 29), 28, d2)
    fy = ref_year + 1 + (U() * 5).astype(np.int64)

    def fmt(dd, mm, yy) -> pl.Series:
        return pl.select(pl.format("{}/{}/{}", pl.lit(pl.Series(dd)).cast(pl.String).str.zfill(2),
                                   pl.lit(pl.Series(mm)).cast(pl.String).str.zfill(2),
                                   pl.lit(pl.Series(yy)).cast(pl.String))).to_series()

    full = _obj(fmt(d2, m, y2))
    swapped = _obj(fmt(m, d, y))
    future = _obj(fmt(np.where((m == 2) & (d == 29), 28, d), m, fy))
    yy = y.astype(str).astype(object)
    dob = full.copy()
    dob[swap] = swapped[swap]
    dob[inv_future] = future[inv_future]
    dob[yonly | year_prec] = yy[yonly | year_prec]
    pz = np.where(U() < 0.6, "01/01/", "00/00/").astype(object)
    dob[placeholder | yp_place] = (pz + yy)[placeholder | yp_place]
    bad_kind = (U() * 4).astype(int)
    bad = np.array(["31/02/", "30/02/", "32/", "/13/"], dtype=object)[bad_kind]
    for i in np.flatnonzero(inv_date):
        k = bad_kind[i]
        dob[i] = (f"{bad[i]}{y[i]}" if k < 2 else
                  f"32/{m[i]:02d}/{y[i]}" if k == 2 else f"{d[i]:02d}/13/{y[i]}")
    dob[missing] = ""
    # formatting variants of a full date: dd-mm-yyyy or d/m/yy
    is_full = ~(missing | yonly | year_prec | placeholder | yp_place | inv_date)
    fmt_var = is_full & (U() < r["date_format"])
    short = U() < 0.5
    for i in np.flatnonzero(fmt_var):
        dd, mm, yyyy = dob[i].split("/")
        dob[i] = (f"{int(dd)}/{int(mm)}/{yyyy[2:]}" if short[i] else f"{dd}-{mm}-{yyyy}")
    flags["date_format"] = fmt_var
    flags["invalid_date"] = inv_date

    # ---------------- ID ----------------
    pid = _obj(df["pid"])
    parent = _obj(df["parent_pid"]) if "parent_pid" in df.columns else \
        np.full(n, None, dtype=object)
    cmnd = _obj(df["cmnd"])
    taken = np.zeros(n, dtype=bool)
    ids = pid.copy()
    miss = pick("id_missing", np.ones(n, dtype=bool))
    par = pick("parent_id", np.array([p is not None for p in parent], dtype=bool))
    old = pick("old_cmnd_given", np.array([c is not None for c in cmnd], dtype=bool))
    lost = pick("id_lost_zero", np.array([s is not None and s[0] == "0" for s in pid], dtype=bool))
    ityp = pick("id_typo", np.ones(n, dtype=bool))
    itra = pick("id_transposed", np.ones(n, dtype=bool))
    isci = pick("id_scientific", np.ones(n, dtype=bool))
    ids[par] = parent[par]
    ids[old] = cmnd[old]
    ids[lost] = [s.lstrip("0") for s in ids[lost]]  # Excel drops every leading zero
    flags["id_typo"] = _apply(ids, ityp, T.digit_typo, U(), U())
    flags["id_transposed"] = _apply(ids, itra, T.transpose_digits, U())
    ids[isci] = [T.scientific(s) for s in ids[isci]]
    ids[miss] = ""

    # ---------------- assemble ----------------
    flags["duplicate_row"] = df["_dup"].to_numpy() if "_dup" in df.columns else np.zeros(n, bool)
    for c in df.columns:  # sector-specific errors the builder applied itself
        if c.startswith("_extra_"):
            flags[c.removeprefix("_extra_")] = df[c].to_numpy()
    err_cols = [pl.when(pl.lit(pl.Series(flags[c]))).then(pl.lit(c)) for c in ERROR_CODES
                if c in flags and flags[c].any()]
    errors = (pl.select(pl.concat_str(err_cols, separator=";", ignore_nulls=True)
                        .fill_null("")).to_series()
              if err_cols else pl.Series([""] * n, dtype=pl.String))
    return df.with_columns(
        _str(name).alias("name_out"),
        _str(gender).alias("gender_out"),
        _str(dob).alias("dob_out"),
        _str(ids).alias("id_out"),
        pl.Series("case", case),
        errors.alias("errors"),
    )


def style_like(names: pl.Series, case: pl.Series) -> pl.Series:
    """Type a second name (a mother's) in the same style as the row (no diacritics / caps)."""
    stripped = names.str.replace_many(T.STRIP_TABLE)
    out = pl.select(
        pl.when(pl.lit(case) % 2 == 1).then(pl.lit(stripped)).otherwise(pl.lit(names)).alias("x")
    ).to_series()
    return pl.select(
        pl.when(pl.lit(case) >= 2).then(pl.lit(out).str.to_uppercase()).otherwise(pl.lit(out))
    ).to_series()
