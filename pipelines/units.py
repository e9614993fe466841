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


def to_new_units(codes: pl.Series) -> pl.DataFrame:
    """Per code (5 digits or null): ``commune_code`` (the new code; for an old commune split over
    several, the package's default), ``commune_candidates`` ("a;b" when split, else null) and
    ``commune_old`` (True when the code was an old one). Unknown codes are kept as they are."""
    frame = pl.DataFrame({"code": codes.cast(pl.String)}).with_row_index("_i")
    known_new = new_units().select(pl.col("code"), pl.lit(True).alias("_is_new"))
    mapping = old_to_new().group_by("old_code").agg(
        pl.col("new_code").sort_by(pl.col("is_default"), descending=True).first().alias("_default"),
        pl.col("new_code").sort().str.join(";").alias("_all"), pl.len().alias("_n"))
    out = (frame.join(known_new, on="code", how="left")
           .join(mapping, left_on="code", right_on="old_code", how="left").sort("_i"))
    old = pl.col("_is_new").is_null() & pl.col("_default").is_not_null()
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
