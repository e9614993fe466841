"""The five sector lists, built from the population with numpy/polars, errors applied.

Each builder returns ``(frame, truth)``: ``frame`` has exactly the file's columns (text as
typed; ``STT`` as an integer) in file order, ``truth`` has ``row`` (0-based data row),
``true_person_id`` (null for non-residents) and ``errors``.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np
import polars as pl

from sample_data import _names as N
from sample_data._errors import apply_errors, style_like
from sample_data._people import (
    DAYS_PER_YEAR,
    Allocator,
    Names,
    Place,
    fmt_digits,
    full_name,
    make_nonresidents,
    person_ids,
    years_of,
)

HEADERS: dict[str, tuple[str, ...]] = {
    "residency": ("STT", "Số định danh cá nhân", "Họ và tên", "Ngày sinh", "Giới tính", "Số CMND",
                  "Mã hộ", "Quan hệ với chủ hộ", "Thôn/Tổ dân phố", "Mã xã"),
    "civil_status": ("STT", "Số đăng ký", "Loại việc", "Ngày đăng ký", "Họ và tên",
                     "Ngày tháng năm sinh", "Giới tính", "Số CCCD", "Nơi cư trú"),
    "vaccination": ("STT", "Họ tên trẻ", "Ngày sinh", "Giới tính", "Họ tên mẹ/người chăm sóc",
                    "Số định danh", "Tên vắc xin", "Mũi tiêm", "Ngày tiêm", "Thôn/ấp"),
    "social_protection": ("STT", "Họ và tên", "Năm sinh", "Giới tính", "Số CMND/CCCD",
                          "Địa chỉ thường trú", "Đối tượng", "Mức trợ cấp"),
    "social_insurance": ("STT", "Mã số BHXH", "Họ và tên", "Ngày sinh", "Giới tính",
                         "Số định danh cá nhân", "Địa chỉ"),
    "union_membership": ("STT", "Họ và tên", "Ngày sinh", "Giới tính", "Số CCCD", "Tổ chức",
                         "Ngày vào", "Chi hội"),
}

# Per-sector error rates (override _errors.BASE_RATES) and non-resident shares.
SECTOR_RATES: dict[str, dict[str, float]] = {
    "civil_status": {  # typed from the registration documents: fewer slips
        "middle_dropped": 0.01, "typo": 0.008, "no_diacritics": 0.01, "all_caps": 0.03,
        "id_missing": 0.04, "parent_id": 0.04, "old_cmnd_given": 0.08, "year_only": 0.004,
        "dob_placeholder": 0.02, "duplicate_row": 0.004,
    },
    "vaccination": {  # per child; the dose rows copy the child's text
        "id_missing": 0.15, "parent_id": 0.20, "id_lost_zero": 0.03, "id_scientific": 0.0,
        "year_only": 0.002, "dob_missing": 0.003, "old_cmnd_given": 0.0, "duplicate_row": 0.005,
        "gender_missing": 0.01,
    },
    "social_protection": {
        "year_only": 0.40, "dob_placeholder": 0.06, "dob_missing": 0.015, "all_caps": 0.05,
        "no_diacritics": 0.04, "id_missing": 0.07, "old_cmnd_given": 0.25, "middle_dropped": 0.03,
        "duplicate_row": 0.006,
    },
    "social_insurance": {
        "id_missing": 0.03, "id_lost_zero": 0.02, "id_typo": 0.006, "old_cmnd_given": 0.03,
        "id_scientific": 0.004, "year_only": 0.004, "insurance_lost_zero": 0.5,
        "duplicate_row": 0.006,
    },
    "union_membership": {
        "id_missing": 0.10, "old_cmnd_given": 0.06, "id_scientific": 0.0, "year_only": 0.03,
        "middle_dropped": 0.03, "duplicate_row": 0.01,
    },
}
NONRESIDENT_SHARE = {"vaccination": 0.075, "social_protection": 0.025,
                     "social_insurance": 0.08, "union_membership": 0.04}


@dataclass
class Ctx:
    pop: pl.DataFrame
    place: Place
    names: Names
    ids: Allocator
    cmnds: Allocator
    rng: np.random.Generator

    @property
    def ages(self) -> np.ndarray:
        return (self.place.ref_days - self.pop["birth"].cast(pl.Int64).to_numpy()) / DAYS_PER_YEAR


ENTRY_COLS = ("pid", "fam", "mid", "giv", "female", "birth", "prec", "cmnd", "village", "name")


def residents(ctx: Ctx, idx: np.ndarray, with_parent: bool = False) -> pl.DataFrame:
    idx = np.asarray(idx, dtype=np.int64)
    e = ctx.pop[idx].select(ENTRY_COLS).with_columns(
        pl.lit(True).alias("resident"), pl.Series("src", idx))
    if with_parent:
        mo = ctx.pop["mother"].to_numpy()[idx]
        fa = ctx.pop["father"].to_numpy()[idx]
        par = np.where(mo >= 0, mo, fa)
        has = par >= 0
        ppid = ctx.pop["pid"].gather(np.where(has, par, 0))
        pname = ctx.pop["name"].gather(np.where(has, par, 0))
        e = e.with_columns(
            pl.when(pl.lit(pl.Series(has))).then(pl.lit(ppid)).alias("parent_pid"),
            pl.when(pl.lit(pl.Series(has))).then(pl.lit(pname)).alias("parent_name"),
        )
    return e


def nonresidents(ctx: Ctx, template_idx: np.ndarray, with_parent: bool = False,
                 p_kinds: tuple[float, float, float] = (0.5, 0.25, 0.25)) -> pl.DataFrame:
    tmpl = ctx.pop[np.asarray(template_idx, dtype=np.int64)]
    e = make_nonresidents(tmpl, ctx.rng, ctx.place, ctx.names, ctx.ids, ctx.cmnds, p_kinds)
    e = e.select(ENTRY_COLS).with_columns(pl.lit(False).alias("resident"),
                                          pl.lit(-1, dtype=pl.Int64).alias("src"))
    if with_parent:  # a mother registered elsewhere too
        m = e.height
        mb = e["birth"].cast(pl.Int64).to_numpy() - np.round(
            (20 + 18 * ctx.rng.beta(2, 3, m)) * DAYS_PER_YEAR).astype(np.int64)
        fem = np.ones(m, dtype=bool)
        mpid = person_ids(ctx.rng, ctx.ids, mb, fem, ctx.place.province_code, 0.35)
        mothers = pl.DataFrame({
            "fam": ctx.names.surname(ctx.names.fix_compound(ctx.names.surname_idx(ctx.rng, m), fem)),
            "mid": ctx.names.middle_names(ctx.rng, fem, years_of(mb)),
            "giv": ctx.names.given_names(ctx.rng, fem),
        }).select(full_name())
        e = e.with_columns(mpid.alias("parent_pid"), mothers["name"].alias("parent_name"))
    return e


def add_duplicates(e: pl.DataFrame, rate: float, rng: np.random.Generator) -> pl.DataFrame:
    """Some people entered twice (each copy typed separately)."""
    e = e.with_columns(pl.lit(False).alias("_dup"), pl.Series("_k", np.arange(e.height)))
    pick = np.flatnonzero(rng.random(e.height) < rate)
    return pl.concat([e, e[pick].with_columns(pl.lit(True).alias("_dup"))])


def _choose(rng: np.random.Generator, pool: np.ndarray, k: int) -> np.ndarray:
    if pool.size == 0 or k <= 0:
        return np.empty(0, dtype=np.int64)
    return pool[rng.integers(0, pool.size, k)]


def _dates(days: np.ndarray | pl.Series) -> pl.Series:
    s = days if isinstance(days, pl.Series) else pl.Series(np.asarray(days).astype("datetime64[D]"))
    return s.dt.strftime("%d/%m/%Y")


def _address(village: pl.Series, place: Place, rng: np.random.Generator,
             p: tuple[float, float, float, float]) -> pl.Series:
    """Village only, village + (old) commune, old three-level or new two-level address."""
    kind = rng.choice(4, size=village.len(), p=np.array(p) / sum(p))
    xa = f"xã {place.old_commune}"
    k = pl.lit(pl.Series(kind))
    v = pl.lit(village)
    return pl.select(
        pl.when(v.str.contains(",")).then(v)
        .when(k == 0).then(v)
        .when(k == 1).then(pl.concat_str([v, pl.lit(f", {xa}")]))
        .when(k == 2).then(pl.concat_str(
            [v, pl.lit(f", {xa}, huyện {place.district}, tỉnh {place.old_province}")]))
        .otherwise(pl.concat_str([v, pl.lit(f", xã {place.bare_name}, tỉnh {place.new_province}")]))
    ).to_series()


def _truth(e: pl.DataFrame) -> pl.DataFrame:
    return e.select(
        pl.int_range(pl.len(), dtype=pl.Int64).alias("row"),
        pl.when(pl.col("resident")).then(pl.col("pid")).alias("true_person_id"),
        pl.col("errors"),
    )


def _finish(e: pl.DataFrame, cols: dict[str, pl.Expr],
            sector: str) -> tuple[pl.DataFrame, pl.DataFrame]:
    e = e.with_columns(pl.int_range(1, pl.len() + 1, dtype=pl.Int64).alias("STT"))
    frame = e.select(pl.col("STT"), *[expr.alias(k) for k, expr in cols.items()])
    frame = frame.with_columns(  # an empty cell reads back as null
        pl.when(pl.col(pl.String) != "").then(pl.col(pl.String)).name.keep())
    assert frame.columns == list(HEADERS[sector]), frame.columns
    return frame, _truth(e)


# ---- civil status ----------------------------------------------------------------------------
def civil_status(ctx: Ctx) -> tuple[pl.DataFrame, pl.DataFrame]:
    rng, pop, place = ctx.rng, ctx.pop, ctx.place
    ref = place.ref_days
    n = pop.height
    age = ctx.ages
    birth = pop["birth"].cast(pl.Int64).to_numpy()
    parts = []
    # births of the last 12 months, registered within ~2 months
    b_idx = np.flatnonzero((age < 1.0) & (rng.random(n) < 0.96))
    b_reg = birth[b_idx] + 1 + np.round(rng.gamma(1.5, 12.0, b_idx.size)).astype(np.int64)
    ok = b_reg <= ref
    b = residents(ctx, b_idx[ok], with_parent=True).with_columns(
        pl.lit("Khai sinh").alias("event"), pl.Series("reg", b_reg[ok]), pl.lit(0).alias("ev"))
    parts.append(b)
    # deaths registered for people still in the extract (the "sống" discrepancy)
    p_die = np.where(age >= 75, 0.015, np.where(age >= 65, 0.006, 0.0))
    d_idx = np.flatnonzero(rng.random(n) < p_die)
    parts.append(residents(ctx, d_idx).with_columns(
        pl.lit("Khai tử").alias("event"), pl.Series("reg", ref - rng.integers(0, 365, d_idx.size)),
        pl.lit(1).alias("ev")))
    # deaths of people already removed from the extract: not residents
    old = np.flatnonzero(age >= 55)
    w = np.exp((age[old] - 60) / 10.0)
    k = round(0.0055 * n)
    if old.size and k:
        t = old[rng.choice(old.size, size=k, p=w / w.sum())]
        parts.append(nonresidents(ctx, t, p_kinds=(0.55, 0.3, 0.15)).with_columns(
            pl.lit("Khai tử").alias("event"), pl.Series("reg", ref - rng.integers(0, 365, k)),
            pl.lit(1).alias("ev")))
    # marriages of young resident couples without older children
    role = pop["role"].to_numpy()
    sp = pop["spouse"].to_numpy()
    hh = pop["hh"].to_numpy()
    child_age = np.where(role == 2, age, -1.0)
    oldest = pl.DataFrame({"hh": hh, "a": child_age}).group_by("hh", maintain_order=True).agg(
        pl.col("a").max())
    oldest_child = np.full(int(hh.max()) + 1, -1.0)
    oldest_child[oldest["hh"].to_numpy()] = oldest["a"].to_numpy()
    heads = np.flatnonzero((role == 0) & (sp >= 0))
    spo = sp[heads]
    young = (np.maximum(age[heads], age[spo]) <= 35) & (np.minimum(age[heads], age[spo]) >= 18)
    fresh = oldest_child[hh[heads]] < 1.0
    pick = young & fresh & (rng.random(heads.size) < 0.5)
    husband = np.where(pop["female"].to_numpy()[heads], spo, heads)[pick]
    wife = np.where(pop["female"].to_numpy()[heads], heads, spo)[pick]
    m_reg = ref - rng.integers(0, 365, husband.size)
    m_no = np.arange(husband.size)
    # a resident son/daughter marrying someone registered elsewhere
    single = np.flatnonzero((role == 2) & (age >= 20) & (age <= 32))
    mix = single[rng.random(single.size) < 0.06]
    fem = pop["female"].to_numpy()
    partner_pool = {g: np.flatnonzero((fem == g) & (age >= 19) & (age <= 35))
                    for g in (True, False)}
    partner_t = np.zeros(mix.size, dtype=np.int64)
    for g in (True, False):  # a partner of the other gender, of marrying age
        want = np.flatnonzero(fem[mix] != g)
        partner_t[want] = _choose(rng, partner_pool[g], want.size)
    mix_reg = ref - rng.integers(0, 365, mix.size)
    mix_no = husband.size + np.arange(mix.size)
    ev = pl.lit("Kết hôn").alias("event")
    parts.append(residents(ctx, np.concatenate([husband, wife, mix])).with_columns(
        ev, pl.Series("reg", np.concatenate([m_reg, m_reg, mix_reg])),
        pl.Series("marriage", np.concatenate([m_no, m_no, mix_no])), pl.lit(2).alias("ev")))
    if mix.size:
        parts.append(nonresidents(ctx, partner_t, p_kinds=(0.7, 0.2, 0.1)).with_columns(
            ev, pl.Series("reg", mix_reg), pl.Series("marriage", mix_no), pl.lit(2).alias("ev")))
    e = pl.concat(parts, how="diagonal_relaxed")
    e = add_duplicates(e, SECTOR_RATES["civil_status"]["duplicate_row"], rng)
    e = apply_errors(e, SECTOR_RATES["civil_status"], rng, ref)
    # registration book order; numbers count per kind and year (a marriage has one number)
    e = e.sort(["reg", "ev", "marriage", "female", "_k", "_dup"], maintain_order=True)
    e = e.with_columns(
        pl.col("reg").cast(pl.Date).dt.year().alias("_y"),
        pl.coalesce(pl.format("m{}", "marriage"), pl.format("k{}", "_k")).alias("_event"),
    )
    first = e.with_row_index("_pos").group_by(["ev", "_y", "_event"], maintain_order=True).agg(
        pl.col("_pos").min())
    first = first.with_columns(
        pl.col("_pos").rank("ordinal").over(["ev", "_y"]).alias("_no")).drop("_pos")
    e = e.join(first, on=["ev", "_y", "_event"], how="left", maintain_order="left")
    e = e.with_columns(_address(e["village"], place, rng, (0.1, 0.55, 0.25, 0.1)).alias("_addr"))
    return _finish(e, {
        "Số đăng ký": pl.format("{}/{}", pl.col("_no"), pl.col("_y")),
        "Loại việc": pl.col("event"),
        "Ngày đăng ký": pl.col("reg").cast(pl.Date).dt.strftime("%d/%m/%Y"),
        "Họ và tên": pl.col("name_out"),
        "Ngày tháng năm sinh": pl.col("dob_out"),
        "Giới tính": pl.col("gender_out"),
        "Số CCCD": pl.col("id_out"),
        "Nơi cư trú": pl.col("_addr"),
    }, "civil_status")


# ---- vaccination -----------------------------------------------------------------------------
def vaccination(ctx: Ctx) -> tuple[pl.DataFrame, pl.DataFrame]:
    rng, place = ctx.rng, ctx.place
    ref = place.ref_days
    age = ctx.ages
    kids = np.flatnonzero((age < 7.0) & (rng.random(age.size) < 0.97))
    k_nr = round(NONRESIDENT_SHARE["vaccination"] * kids.size)
    e = pl.concat([
        residents(ctx, kids, with_parent=True),
        nonresidents(ctx, _choose(rng, kids, k_nr), with_parent=True),
    ], how="diagonal_relaxed")
    rates = SECTOR_RATES["vaccination"]
    e = apply_errors(e.with_columns(pl.Series("_k", np.arange(e.height))), rates, rng, ref)
    # doses: the routine schedule since 1 July two years ago, plus a measles-rubella
    # catch-up campaign for children aged 1-5 last March
    ref_year = place.ref_date.year
    start = (dt.date(ref_year - 2, 7, 1) - dt.date(1970, 1, 1)).days
    camp = (dt.date(ref_year - 1, 3, 15) - dt.date(1970, 1, 1)).days
    sched = N.VACCINE_SCHEDULE
    m, s = e.height, len(sched)
    bd = e["birth"].cast(pl.Int64).to_numpy()
    due = np.array([x[2] for x in sched])
    delay = np.round(rng.gamma(1.2, 8.0, (m, s))).astype(np.int64)
    when = bd[:, None] + due[None, :] + delay
    given = (when <= ref) & (when >= start) & (rng.random((m, s)) < 0.96)
    c_age = (camp - bd) / DAYS_PER_YEAR
    c_when = camp + rng.integers(-20, 40, m)
    c_given = (c_age >= 1) & (c_age < 6) & (rng.random(m) < 0.7) & (c_when <= ref)
    when = np.concatenate([when, c_when[:, None]], axis=1)
    given = np.concatenate([given, c_given[:, None]], axis=1)
    vnames = [x[0] for x in sched] + ["Sởi-Rubella (chiến dịch)"]
    vdose = [x[1] for x in sched] + ["Mũi bổ sung"]
    ci, vi = np.nonzero(given)
    dose = pl.DataFrame({"_c": ci, "_v": vi, "_when": when[ci, vi]})
    d = e[ci].with_columns(
        pl.Series("vaccine", vnames).gather(vi), pl.Series("dose", vdose).gather(vi),
        pl.Series("_when", dose["_when"]), pl.Series("_v", vi), pl.lit(False).alias("_dup"))
    dup = np.flatnonzero(rng.random(d.height) < rates["duplicate_row"])
    dd = d[dup].with_columns(
        pl.lit(True).alias("_dup"),
        pl.when(pl.col("errors") == "").then(pl.lit("duplicate_row"))
        .otherwise(pl.concat_str([pl.lit("duplicate_row;"), pl.col("errors")])).alias("errors"))
    d = pl.concat([d, dd]).sort(["village", "birth", "_k", "_when", "_v", "_dup"],
                                maintain_order=True)
    return _finish(d, {
        "Họ tên trẻ": pl.col("name_out"),
        "Ngày sinh": pl.col("dob_out"),
        "Giới tính": pl.col("gender_out"),
        "Họ tên mẹ/người chăm sóc": pl.lit(style_like(d["parent_name"].fill_null(""), d["case"])),
        "Số định danh": pl.col("id_out"),
        "Tên vắc xin": pl.col("vaccine"),
        "Mũi tiêm": pl.col("dose"),
        "Ngày tiêm": pl.col("_when").cast(pl.Date).dt.strftime("%d/%m/%Y"),
        "Thôn/ấp": pl.col("village"),
    }, "vaccination")


# ---- social protection -----------------------------------------------------------------------
def social_protection(ctx: Ctx) -> tuple[pl.DataFrame, pl.DataFrame]:
    rng, place = ctx.rng, ctx.place
    age = ctx.ages
    n = age.size
    u = rng.random((4, n))
    disabled = u[0] < 0.004 + 0.03 * np.clip(age / 90, 0, 1)
    severe = disabled & (u[1] < 0.3)
    orphan = ~disabled & (age < 16) & (u[2] < 0.002)
    old75 = ~disabled & (age >= 75) & (u[3] < 0.93)
    old70 = ~disabled & (age >= 70) & (age < 75) & (u[3] < 0.15)
    cat = np.select([severe, disabled, orphan, old75, old70], [3, 2, 4, 0, 1], -1)
    idx = np.flatnonzero(cat >= 0)
    k_nr = round(NONRESIDENT_SHARE["social_protection"] * idx.size)
    t = _choose(rng, idx, k_nr)
    e = pl.concat([residents(ctx, idx), nonresidents(ctx, t)], how="diagonal_relaxed")
    e = e.with_columns(pl.Series("cat", np.concatenate([cat[idx], cat[t]])))
    e = add_duplicates(e, SECTOR_RATES["social_protection"]["duplicate_row"], rng)
    e = apply_errors(e, SECTOR_RATES["social_protection"], rng, place.ref_days)
    cats = [N.SP_ELDERLY_75, N.SP_ELDERLY_70_POOR, N.SP_DISABLED, N.SP_DISABLED_SEVERE, N.SP_ORPHAN]
    plain = rng.random(e.height) < 0.2
    ci = e["cat"].to_numpy()
    amount = np.where(plain, np.array([c[2] for c in cats])[ci], np.array([c[1] for c in cats])[ci])
    e = e.with_columns(
        pl.Series("cat_label", [c[0] for c in cats]).gather(ci),
        pl.Series("amount", amount),
        _address(e["village"], place, rng, (0.25, 0.2, 0.4, 0.15)).alias("_addr"),
    ).sort(["village", "cat", "giv", "_k", "_dup"], maintain_order=True)
    return _finish(e, {
        "Họ và tên": pl.col("name_out"),
        "Năm sinh": pl.col("dob_out"),
        "Giới tính": pl.col("gender_out"),
        "Số CMND/CCCD": pl.col("id_out"),
        "Địa chỉ thường trú": pl.col("_addr"),
        "Đối tượng": pl.col("cat_label"),
        "Mức trợ cấp": pl.col("amount"),
    }, "social_protection")


# ---- social insurance ------------------------------------------------------------------------
def social_insurance(ctx: Ctx, bhxh: Allocator) -> tuple[pl.DataFrame, pl.DataFrame]:
    rng, place = ctx.rng, ctx.place
    age = ctx.ages
    fem = ctx.pop["female"].to_numpy()
    n = age.size
    u = rng.random(n)
    working = (age >= 18) & (age < np.where(fem, 60.5, 62.0)) & (u < 0.80)
    retired = (age >= np.where(fem, 60.5, 62.0)) & (age < 85) & (u < 0.20)
    idx = np.flatnonzero(working | retired)
    k_nr = round(NONRESIDENT_SHARE["social_insurance"] * idx.size)
    e = pl.concat([residents(ctx, idx), nonresidents(ctx, _choose(rng, idx, k_nr))],
                  how="diagonal_relaxed")
    m = e.height
    others = np.array([int(p[1:]) for p in N.PROVINCES if p[1:] != place.bhxh_prefix])
    prefix = np.where(rng.random(m) < 0.85, int(place.bhxh_prefix),
                      others[rng.integers(0, others.size, m)])
    e = e.with_columns(fmt_digits(bhxh.take(prefix, 8), 10).alias("bhxh"))
    e = add_duplicates(e, SECTOR_RATES["social_insurance"]["duplicate_row"], rng)
    rates = SECTOR_RATES["social_insurance"]
    zero = e["bhxh"].str.starts_with("0").to_numpy() & (
        rng.random(e.height) < rates["insurance_lost_zero"])
    e = apply_errors(e.with_columns(pl.Series("_extra_insurance_lost_zero", zero)), rates, rng,
                     place.ref_days)
    e = e.with_columns(
        pl.when(pl.col("_extra_insurance_lost_zero")).then(pl.col("bhxh").str.slice(1))
        .otherwise(pl.col("bhxh")).alias("bhxh_out"),
        _address(e["village"], place, rng, (0.1, 0.4, 0.3, 0.2)).alias("_addr"),
    ).sort(["bhxh", "_dup"], maintain_order=True)
    return _finish(e, {
        "Mã số BHXH": pl.col("bhxh_out"),
        "Họ và tên": pl.col("name_out"),
        "Ngày sinh": pl.col("dob_out"),
        "Giới tính": pl.col("gender_out"),
        "Số định danh cá nhân": pl.col("id_out"),
        "Địa chỉ": pl.col("_addr"),
    }, "social_insurance")


# ---- unions and associations -----------------------------------------------------------------
def union_membership(ctx: Ctx) -> tuple[pl.DataFrame, pl.DataFrame]:
    rng, place = ctx.rng, ctx.place
    ref = place.ref_days
    age = ctx.ages
    fem = ctx.pop["female"].to_numpy()
    n = age.size
    u = rng.random((5, n))
    member = [
        ((age >= 16) & (age <= 30) & (u[0] < 0.45)) | ((age > 30) & (age <= 35) & (u[0] < 0.12)),
        fem & (age >= 18) & (u[1] < 0.55),
        (age >= 18) & (age <= 75) & (u[2] < np.where(fem, 0.12, 0.30)),
        ~fem & (age >= 40) & (u[3] < np.where(age >= 60, 0.12, 0.06)),
        (age >= 60) & (u[4] < 0.72),
    ]
    min_join = np.array([16.0, 18.0, 20.0, 40.0, 60.0])
    org = np.concatenate([np.full(int(mk.sum()), i) for i, mk in enumerate(member)])
    idx = np.concatenate([np.flatnonzero(mk) for mk in member])
    k_nr = round(NONRESIDENT_SHARE["union_membership"] * idx.size)
    pick = rng.integers(0, idx.size, k_nr)
    e = pl.concat([residents(ctx, idx), nonresidents(ctx, idx[pick])], how="diagonal_relaxed")
    e = e.with_columns(pl.Series("org", np.concatenate([org, org[pick]])))
    e = add_duplicates(e, SECTOR_RATES["union_membership"]["duplicate_row"], rng)
    e = apply_errors(e, SECTOR_RATES["union_membership"], rng, ref)
    o = e["org"].to_numpy()
    bd = e["birth"].cast(pl.Int64).to_numpy()
    a = (ref - bd) / DAYS_PER_YEAR
    lo = min_join[o]
    hi = np.maximum(np.where(o == 0, np.minimum(a, 25.0), a), lo)
    join = bd + np.round((lo + rng.random(e.height) * (hi - lo)) * DAYS_PER_YEAR).astype(np.int64)
    floor = (dt.date(1995, 5, 1) - dt.date(1970, 1, 1)).days
    join = np.where(o == 4, np.maximum(join, floor), join)
    join = np.minimum(join, ref - rng.integers(0, 60, e.height))
    ours = np.array(ctx.pop["village"].unique(maintain_order=True).to_list(), dtype=object)
    vill = np.array(e["village"].to_list() + [""], dtype=object)[:-1]
    away = np.flatnonzero(np.array(["," in v for v in vill], dtype=bool))
    vill[away] = ours[rng.integers(0, ours.size, away.size)]
    branch = np.where(o == 0, "Chi đoàn ", "Chi hội ").astype(object) + vill
    e = e.with_columns(
        pl.Series("org_label", N.ORGANISATIONS).gather(o),
        pl.Series("branch", branch.astype(str)),
        pl.Series("join", join),
    ).sort(["org", "branch", "giv", "fam", "_k", "_dup"], maintain_order=True)
    return _finish(e, {
        "Họ và tên": pl.col("name_out"),
        "Ngày sinh": pl.col("dob_out"),
        "Giới tính": pl.col("gender_out"),
        "Số CCCD": pl.col("id_out"),
        "Tổ chức": pl.col("org_label"),
        "Ngày vào": pl.col("join").cast(pl.Date).dt.strftime("%d/%m/%Y"),
        "Chi hội": pl.col("branch"),
    }, "union_membership")
