"""Synthetic population: households, names, birth dates and ID numbers, all vectorised.

Dates are handled as int days since 1970-01-01 (numpy) and turned into ``pl.Date`` at the end.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import numpy as np
import polars as pl

from sample_data import _names as N

DAYS_PER_YEAR = 365.2425
_EPOCH = dt.date(1970, 1, 1)


def to_days(d: dt.date) -> int:
    return (d - _EPOCH).days


def years_of(days: np.ndarray) -> np.ndarray:
    return days.astype("datetime64[D]").astype("datetime64[Y]").astype(np.int64) + 1970


@dataclass(frozen=True)
class Place:
    """Where the commune is. Only ``commune_code``/``commune_name`` are meant to vary."""

    commune_code: str
    commune_name: str  # "Xã Giao Hưng", the 2025 unit the extract carries
    ref_date: dt.date
    province_code: str = "036"  # birth-registration prefix of most residents (old Nam Định)
    cmnd_prefix: str = "16"
    bhxh_prefix: str = "36"
    old_commune: str = "Giao Long"  # the pre-2025 commune most lists still write
    district: str = "Giao Thủy"
    old_province: str = "Nam Định"
    new_province: str = "Ninh Bình"

    @property
    def bare_name(self) -> str:
        for p in ("Xã ", "xã ", "Phường ", "phường ", "Thị trấn ", "thị trấn "):
            if self.commune_name.startswith(p):
                return self.commune_name[len(p):]
        return self.commune_name

    @property
    def ref_days(self) -> int:
        return to_days(self.ref_date)


# ---- unique numbers --------------------------------------------------------------------------
@dataclass
class Allocator:
    """Hands out unique numbers ``prefix * 10**k + random`` (k random digits)."""

    rng: np.random.Generator
    used: np.ndarray = field(default_factory=lambda: np.empty(0, np.int64))

    def take(self, prefix: np.ndarray, k: int) -> np.ndarray:
        prefix = np.asarray(prefix, dtype=np.int64)
        scale = np.int64(10**k)
        vals = prefix * scale + self.rng.integers(0, scale, prefix.size)
        for _ in range(200):
            bad = self._clashes(vals)
            if not bad.any():
                break
            vals[bad] = prefix[bad] * scale + self.rng.integers(0, scale, int(bad.sum()))
        else:  # pragma: no cover - only with absurdly crowded prefixes
            raise RuntimeError("could not allocate unique numbers")
        self.used = np.sort(np.concatenate([self.used, vals]))
        return vals

    def _clashes(self, vals: np.ndarray) -> np.ndarray:
        """Values already used, or repeated within ``vals`` (all but the first copy)."""
        order = np.argsort(vals, kind="stable")
        sv = vals[order]
        rep = np.zeros(vals.size, dtype=bool)
        rep[order[1:]] = sv[1:] == sv[:-1]
        if self.used.size:
            pos = np.minimum(np.searchsorted(self.used, vals), self.used.size - 1)
            rep |= self.used[pos] == vals
        return rep


def fmt_digits(vals: np.ndarray, width: int) -> pl.Series:
    return pl.Series(vals, dtype=pl.Int64).cast(pl.String).str.zfill(width)


# ---- names -----------------------------------------------------------------------------------
def _zipf(n: int, q: float = 5.0, s: float = 1.0) -> np.ndarray:
    w = 1.0 / (np.arange(1, n + 1) + q) ** s
    return w / w.sum()


class Names:
    def __init__(self) -> None:
        top = [s for s, _ in N.SURNAMES_TOP]
        top_w = np.array([w for _, w in N.SURNAMES_TOP])
        tail_w = _zipf(len(N.SURNAMES_TAIL), q=4.0) * (1.0 - top_w.sum())
        self.surnames = pl.Series(top + list(N.SURNAMES_TAIL))
        self.surname_p = np.concatenate([top_w, tail_w])
        self.surname_p /= self.surname_p.sum()
        self.ton_nu = len(top) + N.SURNAMES_TAIL.index("Tôn Nữ")
        self.ton_that = len(top) + N.SURNAMES_TAIL.index("Tôn Thất")
        self.given = {True: pl.Series(N.GIVEN_F), False: pl.Series(N.GIVEN_M)}
        self.given_p = {True: _zipf(len(N.GIVEN_F)), False: _zipf(len(N.GIVEN_M))}
        # middle vocabulary: index 0 = Thị/Văn, 1.. = others
        self.mid = {True: pl.Series(("Thị",) + N.MIDDLE_F_OTHER),
                    False: pl.Series(("Văn",) + N.MIDDLE_M_OTHER)}
        self.mid_other_p = {True: _zipf(len(N.MIDDLE_F_OTHER), q=2.0),
                            False: _zipf(len(N.MIDDLE_M_OTHER), q=2.0)}

    def surname_idx(self, rng: np.random.Generator, n: int) -> np.ndarray:
        return rng.choice(self.surnames.len(), size=n, p=self.surname_p)

    def fix_compound(self, idx: np.ndarray, female: np.ndarray) -> np.ndarray:
        """Tôn Nữ is the daughters' form of Tôn Thất."""
        idx = idx.copy()
        idx[(idx == self.ton_that) & female] = self.ton_nu
        idx[(idx == self.ton_nu) & ~female] = self.ton_that
        return idx

    def surname(self, idx: np.ndarray) -> pl.Series:
        return self.surnames.gather(idx)

    def _by_gender(self, female: np.ndarray, draw) -> pl.Series:
        out = pl.Series([None] * female.size, dtype=pl.String)
        for g in (True, False):
            pos = np.flatnonzero(female == g)
            if pos.size:
                out = out.scatter(pos, draw(g, pos.size))
        return out

    def given_names(self, rng: np.random.Generator, female: np.ndarray) -> pl.Series:
        def draw(g: bool, k: int) -> pl.Series:
            return self.given[g].gather(rng.choice(self.given[g].len(), size=k, p=self.given_p[g]))
        return self._by_gender(female, draw)

    def middle_names(self, rng: np.random.Generator, female: np.ndarray,
                     birth_year: np.ndarray) -> pl.Series:
        """Thị/Văn shares fall for younger people; 2.5 % have no middle name, 3-6 % have two."""
        n = female.size
        p_common = np.where(
            female,
            np.interp(birth_year, [1930, 1960, 1980, 2000, 2026], [0.88, 0.82, 0.65, 0.45, 0.30]),
            np.interp(birth_year, [1930, 1960, 1980, 2000, 2026], [0.85, 0.75, 0.55, 0.35, 0.18]),
        )
        u = rng.random((3, n))
        parts = []
        for g in (True, False):
            k = len(self.mid[g]) - 1
            other1 = 1 + rng.choice(k, size=n, p=self.mid_other_p[g])
            other2 = 1 + rng.choice(k, size=n, p=self.mid_other_p[g])
            first = np.where(u[0] < p_common, 0, other1)
            second = np.where(other2 == first, 1 + (other2 % k), other2)
            parts.append((first, second))
        first = np.where(female, parts[0][0], parts[1][0])
        second = np.where(female, parts[0][1], parts[1][1])
        s1 = pl.Series([None] * n, dtype=pl.String)
        s2 = pl.Series([None] * n, dtype=pl.String)
        for g in (True, False):
            pos = np.flatnonzero(female == g)
            s1 = s1.scatter(pos, self.mid[g].gather(first[pos]))
            s2 = s2.scatter(pos, self.mid[g].gather(second[pos]))
        has_two = u[1] < np.where(female, 0.06, 0.03)
        none = u[2] < 0.025
        return pl.select(
            pl.when(pl.lit(pl.Series(none)))
            .then(pl.lit(None, dtype=pl.String))
            .when(pl.lit(pl.Series(has_two)))
            .then(pl.concat_str([pl.lit(s1), pl.lit(s2)], separator=" "))
            .otherwise(pl.lit(s1))
            .alias("mid")
        ).to_series()


# ---- ID numbers ------------------------------------------------------------------------------
def province_codes(rng: np.random.Generator, n: int, home: str, p_home: float) -> np.ndarray:
    others = [p for p in N.PROVINCES if p != home]
    w = np.array([8.0 if p in N.NEAR_PROVINCES else 1.0 for p in others])
    pick = rng.choice(len(others), size=n, p=w / w.sum())
    other_codes = np.array([int(p) for p in others], dtype=np.int64)[pick]
    return np.where(rng.random(n) < p_home, int(home), other_codes)


def person_ids(rng: np.random.Generator, alloc: Allocator, birth_days: np.ndarray,
               female: np.ndarray, home: str, p_home: float) -> pl.Series:
    year = years_of(birth_days)
    prov = province_codes(rng, birth_days.size, home, p_home)
    d4 = (year - 1900) // 100 * 2 + female.astype(np.int64)
    prefix = prov * 1000 + d4 * 100 + year % 100
    return fmt_digits(alloc.take(prefix, 6), 12)


def cmnd_numbers(rng: np.random.Generator, alloc: Allocator, birth_days: np.ndarray,
                 place: Place) -> pl.Series:
    """9-digit old ID for ~50 % of people born before 1995 (aged 14+ by 2009)."""
    n = birth_days.size
    has = (years_of(birth_days) < 1995) & (rng.random(n) < 0.5)
    pos = np.flatnonzero(has)
    pre = np.where(rng.random(pos.size) < 0.8, int(place.cmnd_prefix),
                   rng.integers(1, 39, pos.size))
    vals = fmt_digits(alloc.take(pre, 7), 9)
    return pl.Series([None] * n, dtype=pl.String).scatter(pos, vals)


# ---- households ------------------------------------------------------------------------------
# types: 0 single elderly, 1 single adult, 2 elderly couple, 3 nuclear, 4 three generations,
# 5 single parent
_TYPE_P = np.array([0.07, 0.05, 0.10, 0.52, 0.18, 0.08])
SLOTS = 8  # head, spouse, child×4, head's father, head's mother
ROLE_LABEL = {0: "Chủ hộ", 2: "Con", 3: "Bố", 4: "Mẹ"}


def villages(n: int) -> list[str]:
    nv = max(6, round(n / 450))
    named = list(N.VILLAGES_NAMED[: min(len(N.VILLAGES_NAMED), max(3, nv // 4))])
    n_tdp = max(1, nv // 7)
    n_thon = nv - len(named) - n_tdp
    return [f"Thôn {i}" for i in range(1, n_thon + 1)] + named + [
        f"Tổ dân phố {i}" for i in range(1, n_tdp + 1)]


def build_population(n: int, rng: np.random.Generator, place: Place, names: Names,
                     ids: Allocator, cmnds: Allocator) -> pl.DataFrame:
    ref = place.ref_days
    H = int(n / 3.0) + 50
    typ = rng.choice(6, size=H, p=_TYPE_P)
    u = rng.random((12, H))
    beta = rng.beta

    age = np.select(
        [typ == 0, typ == 1, typ == 2, typ == 3, typ == 4],
        [60 + 38 * beta(1.2, 2.0, H), 20 + 39 * u[0], 60 + 34 * beta(1.2, 2.0, H),
         21 + 44 * beta(1.4, 2.3, H), 23 + 33 * beta(1.4, 2.0, H)],
        24 + 40 * beta(2.0, 2.0, H),
    )
    head_f = np.select(
        [typ == 0, typ == 1, typ == 5], [u[1] < 0.65, u[1] < 0.40, u[1] < 0.82], u[1] < 0.12)

    exists = np.zeros((H, SLOTS), dtype=bool)
    bday = np.zeros((H, SLOTS), dtype=np.int64)
    female = np.zeros((H, SLOTS), dtype=bool)
    sname = np.zeros((H, SLOTS), dtype=np.int64)

    def days_for_age(a: np.ndarray) -> np.ndarray:
        return ref - np.round(a * DAYS_PER_YEAR).astype(np.int64)

    exists[:, 0] = True
    bday[:, 0] = days_for_age(age)
    female[:, 0] = head_f
    # spouse: the husband is usually a few years older
    has_sp = np.isin(typ, [2, 3, 4]) & (u[2] < np.where(typ == 2, 1.0, 0.96))
    gap = rng.normal(3.5, 3.0, H)
    sp_age = np.clip(np.where(head_f, age + gap, age - gap), 18.0, 99.0)
    exists[:, 1] = has_sp
    bday[:, 1] = days_for_age(sp_age)
    female[:, 1] = ~head_f
    # children, born to the mother (or the father when there is none)
    mother_age = np.where(head_f, age, np.where(has_sp, sp_age, age - 3.0))
    kmax = np.select(
        [typ == 3, typ == 4, typ == 5],
        [rng.choice(5, size=H, p=[0.10, 0.24, 0.42, 0.18, 0.06]),
         1 + rng.choice(3, size=H, p=[0.35, 0.45, 0.20]),
         1 + rng.choice(3, size=H, p=[0.50, 0.35, 0.15])],
        0,
    )
    at_birth = 19.5 + 9.0 * beta(2.0, 3.5, H)
    mother_bday = days_for_age(mother_age)
    for k in range(4):
        if k:
            at_birth = at_birth + 1.2 + rng.gamma(2.0, 1.1, H)
        cb = mother_bday + np.round(at_birth * DAYS_PER_YEAR).astype(np.int64)
        cb = cb + rng.integers(-150, 150, H)
        if k:  # twins: same birth date as the previous child
            twin = (rng.random(H) < 0.012) & exists[:, 1 + k]
            cb = np.where(twin, bday[:, 1 + k], cb)
        cage = (ref - cb) / DAYS_PER_YEAR
        stays = (cage <= 27) | (rng.random(H) < 0.3)
        exists[:, 2 + k] = (k < kmax) & (cb <= ref) & (cage <= 42) & stays
        bday[:, 2 + k] = cb
        female[:, 2 + k] = rng.random(H) < 0.485
    # head's parents (three-generation households)
    fa_age = age + 26 + 8 * beta(2.0, 2.0, H)
    mo_age = fa_age - np.clip(rng.normal(3.5, 3.0, H), -2, 12)
    exists[:, 6] = (typ == 4) & (u[3] < 0.55) & (fa_age < 99)
    exists[:, 7] = (typ == 4) & (u[4] < 0.85) & (mo_age < 100)
    bday[:, 6] = days_for_age(fa_age)
    bday[:, 7] = days_for_age(mo_age)
    female[:, 7] = True

    # surnames: children take the father's
    s_head = names.surname_idx(rng, H)
    s_sp = names.surname_idx(rng, H)
    s_gm = names.surname_idx(rng, H)
    s_abs = names.surname_idx(rng, H)
    father_s = np.where(~head_f, s_head, np.where(has_sp, s_sp, np.where(u[5] < 0.7, s_abs, s_head)))
    sname[:, 0] = s_head
    sname[:, 1] = s_sp
    sname[:, 2:6] = father_s[:, None]
    sname[:, 6] = s_head
    sname[:, 7] = s_gm
    role = np.array([0, 1, 2, 2, 2, 2, 3, 4], dtype=np.int8)

    # villages; households ordered by village, then at random
    vill = villages(n)
    vw = rng.dirichlet(np.full(len(vill), 4.0))
    hv = rng.choice(len(vill), size=H, p=vw)
    order = np.lexsort((rng.random(H), hv))
    exists, bday, female, sname, hv, typ = (a[order] for a in (exists, bday, female, sname, hv, typ))

    # flatten, cut to exactly n people
    rowno = np.cumsum(exists.ravel()).reshape(H, SLOTS) - 1
    rowno[~exists] = -1
    total = int(exists.sum())
    if total < n:  # pragma: no cover - H is generous
        raise RuntimeError("population too small")
    flat = exists.ravel()
    hh = np.repeat(np.arange(H), SLOTS)[flat]
    keep = np.arange(total) < n
    hh = hh[keep]
    sel = lambda a: a.ravel()[flat][keep]  # noqa: E731
    p_bday, p_female, p_sname, p_role = sel(bday), sel(female), sel(sname), sel(np.tile(role, H))

    # mother / father row numbers for children; spouse rows
    def rows_of(slot_col: np.ndarray) -> np.ndarray:
        r = slot_col.copy()
        r[r >= n] = -1
        return r
    head_row, sp_row = rows_of(rowno[:, 0]), rows_of(rowno[:, 1])
    head_is_f = female[:, 0]
    mother_hh = np.where(head_is_f, head_row, sp_row)
    father_hh = np.where(head_is_f, sp_row, head_row)
    child = p_role == 2
    mother = np.full(n, -1, np.int64)
    father = np.full(n, -1, np.int64)
    mother[child] = mother_hh[hh[child]]
    father[child] = father_hh[hh[child]]
    spouse = np.full(n, -1, np.int64)
    spouse[p_role == 0] = sp_row[hh[p_role == 0]]
    spouse[p_role == 1] = head_row[hh[p_role == 1]]

    p_sname = names.fix_compound(p_sname, p_female)
    year = years_of(p_bday)
    prec_year = ((year < 1950) & (rng.random(n) < 0.10)) | (
        (year >= 1950) & (year < 1960) & (rng.random(n) < 0.03))
    pid = person_ids(rng, ids, p_bday, p_female, place.province_code, 0.85)
    cmnd = cmnd_numbers(rng, cmnds, p_bday, place)
    # relation label
    rel = np.array([ROLE_LABEL.get(int(r), "") for r in range(5)], dtype=object)[p_role]
    rel = np.where(p_role == 1, np.where(p_female, "Vợ", "Chồng"), rel)
    # compact household sequence numbers in order of appearance
    _, hh_seq = np.unique(hh, return_inverse=True)
    width = max(6, len(str(int(hh_seq.max()) + 1)))
    df = pl.DataFrame({
        "pid": pid,
        "fam": names.surname(p_sname),
        "mid": names.middle_names(rng, p_female, year),
        "giv": names.given_names(rng, p_female),
        "female": p_female,
        "birth": pl.Series(p_bday.astype("datetime64[D]")),
        "prec": np.where(prec_year, "year", "day"),
        "cmnd": cmnd,
        "hh": hh_seq,
        "hh_code": pl.Series(hh_seq + 1).cast(pl.String).str.zfill(width),
        "role": p_role,
        "rel": pl.Series(rel.astype(str)),
        "village": pl.Series(vill).gather(hv[hh]),
        "mother": mother,
        "father": father,
        "spouse": spouse,
        "hh_type": typ[hh].astype(np.int8),
    })
    return df.with_columns(
        pl.concat_str([pl.lit(place.commune_code), "hh_code"]).alias("hh_code"),
        full_name(),
    )


def full_name() -> pl.Expr:
    return pl.concat_str(["fam", "mid", "giv"], separator=" ", ignore_nulls=True).alias("name")


# ---- non-residents ---------------------------------------------------------------------------
NR_KINDS = ("random", "namesake", "namesake_dob")


def make_nonresidents(template: pl.DataFrame, rng: np.random.Generator, place: Place,
                      names: Names, ids: Allocator, cmnds: Allocator,
                      p_kinds: tuple[float, float, float] = (0.5, 0.25, 0.25),
                      p_home_province: float = 0.35) -> pl.DataFrame:
    """People registered elsewhere, modelled on ``template`` rows (one per non-resident).

    ``namesake_dob`` copies a resident's name, gender and birth date; ``namesake`` the name
    and gender with another birth date; ``random`` draws a fresh name. Every one gets a fresh,
    well-formed ID that belongs to nobody in the extract."""
    m = template.height
    kind = rng.choice(3, size=m, p=np.array(p_kinds) / sum(p_kinds))
    female = template["female"].to_numpy()
    tb = template["birth"].cast(pl.Int64).to_numpy()
    shift = rng.integers(1, 4, m) * np.where(rng.random(m) < 0.5, -1, 1) * 365 + rng.integers(
        -120, 120, m)
    jitter = rng.integers(-200, 200, m)
    bday = np.select([kind == 2, kind == 1], [tb, tb + shift], tb + jitter)
    bday = np.minimum(bday, place.ref_days - rng.integers(0, 30, m))
    year = years_of(bday)
    fam_idx = names.fix_compound(names.surname_idx(rng, m), female)
    fresh = pl.DataFrame({
        "fam": names.surname(fam_idx),
        "mid": names.middle_names(rng, female, year),
        "giv": names.given_names(rng, female),
    })
    is_random = pl.Series(kind == 0)
    cols = {c: pl.select(pl.when(pl.lit(is_random)).then(pl.lit(fresh[c]))
                         .otherwise(pl.lit(template[c]))).to_series()
            for c in ("fam", "mid", "giv")}
    here = rng.random(m) < 0.5
    vill = template["village"].to_numpy()
    others = np.array(N.OTHER_PLACES, dtype=object)[rng.integers(0, len(N.OTHER_PLACES), m)]
    return pl.DataFrame({
        "pid": person_ids(rng, ids, bday, female, place.province_code, p_home_province),
        "fam": cols["fam"], "mid": cols["mid"], "giv": cols["giv"],
        "female": female,
        "birth": pl.Series(bday.astype("datetime64[D]")),
        "prec": np.where(kind == 2, template["prec"].to_numpy(), "day"),
        "cmnd": cmnd_numbers(rng, cmnds, bday, place),
        "village": pl.Series(np.where(here, vill, others).astype(str)),
        "nr_kind": pl.Series(np.array(NR_KINDS)[kind]),
    }).with_columns(full_name())
