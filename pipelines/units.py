"""The 2025 administrative units: old commune codes → the new ones, and a commune's name.

Since 1 July 2025 there are 34 provinces, no districts and 3,321 communes. The residency extract
carries the new units; many lists still carry an old commune code. The old → new table comes
from the maintained ``vietnamadminunits`` package (the statistics office's data, July 2025,
bundled and read offline): an old commune merged into a new one maps to it; an old commune split
over several keeps every candidate (the package marks one as the default), and the row's matched
resident decides among them. A code that is a new code is kept as it is (new codes often reuse
the code of one of the merged communes). ID prefixes keep the old 63-province codes (an ID keeps
its birth-registration prefix for life): they are not touched here.
"""

from __future__ import annotations

import json
import sqlite3
from functools import lru_cache
from importlib import resources

import polars as pl

UNIT_SCHEMA = {"old_code": pl.String, "new_code": pl.String, "is_default": pl.Boolean}


def _data(name: str):
    return resources.files("vietnamadminunits") / "data" / name


@lru_cache(maxsize=1)
def new_units() -> pl.DataFrame:
    """code, name ("Xã Giao Hưng, tỉnh Ninh Bình"), ward_key, province_key of the 3,321 new communes."""
    with resources.as_file(_data("dataset.db")) as path:
        con = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
        try:
            rows = con.execute("SELECT wardCode, ward, province, wardKey, provinceKey FROM admin_units").fetchall()
        finally:
            con.close()
    frame = pl.DataFrame(rows, schema=["code", "ward", "province", "ward_key", "province_key"], orient="row")
    province = pl.col("province").str.slice(0, 1).str.to_lowercase() + pl.col("province").str.slice(1)
    return frame.select("code", pl.concat_str("ward", pl.lit(", "), province).alias("name"), "ward_key", "province_key")


@lru_cache(maxsize=1)
def old_to_new() -> pl.DataFrame:
    """old_code, new_code, is_default: every old commune (10,040) with its new commune(s)."""
    with resources.as_file(_data("dataset.db")) as path:
        con = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
        try:
            legacy = con.execute("SELECT provinceKey || '_' || districtKey || '_' || wardKey, wardCode "
                                 "FROM admin_units_legacy").fetchall()
        finally:
            con.close()
    converter = json.loads(_data("converter_2025.json").read_text(encoding="utf-8"))
    new = new_units()
    new_code = {(p, w): c for c, p, w in new.select("code", "province_key", "ward_key").iter_rows()}
    pairs: list[tuple[str, str, bool]] = []
    for province, wards in converter["DICT_PROVINCE_WARD_NO_DIVIDED"].items():
        for ward, olds in wards.items():
            code = new_code.get((province, ward))
            pairs += [(old, code, True) for old in olds if code]
    for province, olds in converter["DICT_PROVINCE_WARD_DIVIDED"].items():
        for old, targets in olds.items():
            pairs += [(old, new_code[(province, t["newWardKey"])], bool(t["isDefaultNewWard"]))
                      for t in targets if (province, t["newWardKey"]) in new_code]
    keys = pl.DataFrame(legacy, schema=["old_key", "old_code"], orient="row")
    table = pl.DataFrame(pairs, schema=["old_key", "new_code", "is_default"], orient="row")
    return (keys.join(table, on="old_key", how="inner").select(*UNIT_SCHEMA).unique()
            .sort("old_code", "is_default", "new_code", descending=[False, True, False]))


def to_new_units(codes: pl.Series, known_old: pl.Series | None = None) -> pl.DataFrame:
    """Per code (5 digits or null): ``commune_code`` (the new code; for an old commune split over
    several, the package's default), ``commune_candidates`` ("a;b" when split, else null) and
    ``commune_old`` (True when the code was an old one). Unknown codes are kept as they are.
    A code that is both an old and a new code is taken as new, unless ``known_old`` says otherwise."""
    frame = pl.DataFrame({"code": codes.cast(pl.String),
                          "_known_old": known_old if known_old is not None else pl.repeat(False, codes.len(), eager=True)})
    frame = frame.with_row_index("_i")
    known_new = new_units().select(pl.col("code"), pl.lit(True).alias("_is_new"))
    mapping = old_to_new().group_by("old_code").agg(
        pl.col("new_code").sort_by(pl.col("is_default"), descending=True).first().alias("_default"),
        pl.col("new_code").sort().str.join(";").alias("_all"), pl.len().alias("_n"))
    out = (frame.join(known_new, on="code", how="left")
           .join(mapping, left_on="code", right_on="old_code", how="left").sort("_i"))
    old = (pl.col("_is_new").is_null() | pl.col("_known_old")) & pl.col("_default").is_not_null()
    return out.select(
        pl.when(old).then(pl.col("_default")).otherwise(pl.col("code")).alias("commune_code"),
        pl.when(old & (pl.col("_n") > 1)).then(pl.col("_all")).alias("commune_candidates"),
        old.fill_null(False).alias("commune_old"),
    )


def commune_label(code: str | None) -> str:
    """How a list or the report names a commune: "Xã Giao Hưng, tỉnh Ninh Bình (mã 14179)", or
    "mã xã 12345" for a code the 2025 list does not know, "(chưa xác định)" for none."""
    if not code:
        return "(chưa xác định)"
    name = _names().get(code)
    return f"{name} (mã {code})" if name else f"mã xã {code}"


@lru_cache(maxsize=1)
def _names() -> dict[str, str]:
    return dict(new_units().select("code", "name").iter_rows())


# ---- communes named in address text ----------------------------------------------------------
_WARD_TYPES = {"xa": "xa", "x": "xa", "phuong": "phuong", "p": "phuong", "thi tran": "thitran", "tt": "thitran",
               "dac khu": "dackhu"}
_PART = r"^\s*(xa|x|phuong|p|thi tran|tt|dac khu)\.?\s+(.+?)\s*$"
_ADDRESS_SCHEMA = {"commune_code": pl.String, "commune_candidates": pl.String, "commune_old": pl.Boolean,
                   "commune_text": pl.String}


def _key(expr: pl.Expr) -> pl.Expr:
    return expr.str.replace_all(r"[^a-z0-9]", "")


@lru_cache(maxsize=1)
def _address_tables() -> tuple[pl.DataFrame, pl.DataFrame]:
    """(new: province_kw, ward_key, code) and (legacy: province_kw, district_kw, ward_key, old_code),
    keyword lists exploded, keys that name two units dropped (never guess)."""
    with resources.as_file(_data("dataset.db")) as path:
        con = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
        try:
            new = con.execute("SELECT provinceKeywords, wardKey, wardCode FROM admin_units").fetchall()
            old = con.execute("SELECT provinceKeywords, districtKeywords, districtShortKey, wardKey, wardCode "
                              "FROM admin_units_legacy").fetchall()
        finally:
            con.close()

    def keywords(text: str | None, *extra: str | None) -> list[str]:
        return sorted({*(json.loads(text) if text else []), *(e for e in extra if e)})

    new_rows = [(p, w, c) for kw, w, c in new for p in keywords(kw)]
    old_rows = [(p, d, w, c) for kw, dkw, dshort, w, c in old for p in keywords(kw) for d in keywords(dkw, dshort)]
    new_t = pl.DataFrame(new_rows, schema=["province_kw", "ward_key", "code"], orient="row").unique()
    old_t = pl.DataFrame(old_rows, schema=["province_kw", "district_kw", "ward_key", "code"], orient="row").unique()
    new_t = new_t.filter(pl.len().over("province_kw", "ward_key") == 1)
    old_t = old_t.filter(pl.len().over("province_kw", "district_kw", "ward_key") == 1)
    return new_t, old_t


def communes_in_addresses(addresses: pl.Series) -> pl.DataFrame:
    """Per address: the 2025 commune it names, in the shape of :func:`to_new_units` plus
    ``commune_text`` (the commune, district and province as written).

    Only an address that names its commune with its kind ("xã", "phường", "thị trấn", "P.", …)
    followed by the province ("…, xã Giao Hưng, tỉnh Ninh Bình"), or by the old district and
    province ("…, xã Giao Long, huyện Giao Thủy, tỉnh Nam Định"), and that the statistics office's
    list knows exactly, gives a commune; anything else (a village only, a name the list does not
    have, a name two units share) gives null: never a guess."""
    from matchers import folded  # the one folding of Vietnamese text

    frame = pl.DataFrame({"address": addresses.cast(pl.String)}).with_row_index("_i")
    distinct = frame.select(pl.col("address").unique()).drop_nulls()
    parts = (distinct.with_columns(folded(pl.col("address")).str.replace_all(r"\s+-\s+", ",")
                                   .str.split(",").alias("_parts"))
             .with_columns(pl.col("_parts").list.eval(pl.element().str.contains(_PART)).alias("_is_ward")))
    ward_at = pl.col("_is_ward").list.eval(pl.element().arg_true()).list.last()
    after = pl.col("_parts").list.len() - ward_at - 1
    parts = parts.with_columns(ward_at.alias("_w"), after.alias("_after")).filter(
        pl.col("_w").is_not_null() & pl.col("_after").is_between(1, 2))
    ward = pl.col("_parts").list.get(pl.col("_w"))
    province = pl.col("_parts").list.last()
    district = pl.when(pl.col("_after") == 2).then(pl.col("_parts").list.get(pl.col("_w") + 1))
    ward_type = ward.str.extract(_PART, 1).replace_strict(_WARD_TYPES, default=None)
    province_key = _key(province.str.replace(r"^\s*(tinh|thanh pho|tp|t)\.?\s+", ""))
    district_key = _key(district.str.replace(r"^\s*(huyen|quan|thi xa|thanh pho|tp|h|q|tx)\.?\s+", ""))
    parts = parts.with_columns(
        (ward_type + _key(ward.str.extract(_PART, 2))).alias("ward_key"),
        province_key.alias("province_kw"), district_key.alias("district_kw"),
        pl.col("address").str.replace_all(r"\s+-\s+", ",").str.split(",").list.slice(pl.col("_w"))
        .list.eval(pl.element().str.strip_chars()).list.join(", ").alias("commune_text"),
    )
    new_t, old_t = _address_tables()
    old_hits = parts.filter(pl.col("district_kw").is_not_null()).join(
        old_t, on=["province_kw", "district_kw", "ward_key"], how="inner")
    two_level = parts.filter(pl.col("district_kw").is_null())
    new_hits = two_level.join(new_t, on=["province_kw", "ward_key"], how="inner")
    # A two-level address in a province that no longer exists ("xã A, tỉnh Nam Định"): the old commune.
    old_two = (two_level.join(new_hits.select("address"), on="address", how="anti")
               .join(old_t.drop("district_kw").unique().filter(pl.len().over("province_kw", "ward_key") == 1),
                     on=["province_kw", "ward_key"], how="inner"))
    codes = pl.concat([h.select("address", "code", "commune_text", pl.lit(old).alias("_old"))
                       for h, old in ((old_hits, True), (new_hits, False), (old_two, True))])
    out = frame.join(codes, on="address", how="left", maintain_order="left").sort("_i")
    return to_new_units(out["code"], out["_old"].fill_null(False)).with_columns(out["commune_text"])
