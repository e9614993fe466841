"""Shared by the matcher tests: a generated commune's residents as the canonical frame the matcher reads."""

import polars as pl


def canonical_residents(c) -> pl.DataFrame:
    return c.residents.select(
        pl.col("Số định danh cá nhân").alias("person_id"),
        pl.col("Số CMND").cast(pl.String).alias("old_id"),
        pl.col("Họ và tên").alias("full_name"),
        pl.col("Ngày sinh").str.to_date("%d/%m/%Y", strict=False).alias("birth_date"),
        pl.lit("day").alias("birth_date_precision"),
        pl.col("Giới tính").replace_strict({"Nam": "M", "Nữ": "F"}, default=None).alias("gender"),
        pl.col("Thôn/Tổ dân phố").alias("address"),
    ).filter(pl.col("birth_date").is_not_null())
