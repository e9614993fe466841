"""Wide registers → one row per entry: a vaccination book with a column per vaccine and dose.

The childhood vaccination book (Sổ tiêm chủng cơ bản, A2.1/YTCS) keeps one row per child and the
date of each dose in its own column, under vaccine titles: "BCG" | "Viêm gan B sơ sinh" |
"DPT-VGB-Hib" over "1" "2" "3" | "Bại liệt" … . Read as it comes, such a row is a child with no
vaccine. ``dose_rows`` unpivots those columns into the list's own fields — ``vaccine``, ``dose``
and ``vaccination_date`` — one row per dose given, each keeping the child's sheet row as its
lineage; a child with no dose written keeps one row without a vaccine.
"""

from __future__ import annotations

import polars as pl

from contracts import vaccine_and_dose

EXTRA = "extra:"
def dose_rows(frame: pl.DataFrame, lineage: list[str]) -> pl.DataFrame:
    """A wide vaccination register as dose rows; any other frame unchanged.

    A frame is a wide register when it has no ``vaccine`` values of its own and at least two
    ``extra:`` columns whose titles name a vaccine. Each filled cell of those columns becomes a row
    (``vaccine``, ``dose``, ``vaccination_date`` = the cell), in the order of the sheet; the
    register's columns leave the frame.
    """
    columns = {c: vd for c in frame.columns if c.startswith(EXTRA) and (vd := vaccine_and_dose(c[len(EXTRA):]))}
    if len(columns) < 2 or ("vaccine" in frame.columns and frame["vaccine"].null_count() < frame.height):
        return frame
    order = list(columns)
    keep = [c for c in frame.columns if c not in columns and c not in ("vaccine", "dose", "vaccination_date")]
    indexed = frame.with_row_index("_row")
    doses = pl.DataFrame({"_column": order, "vaccine": [columns[c][0] for c in order],
                          "dose": [columns[c][1] for c in order], "_order": list(range(len(order)))},
                         schema={"_column": pl.String, "vaccine": pl.String, "dose": pl.String, "_order": pl.Int64})
    long = (
        indexed.select("_row", *order)
        .unpivot(on=order, index="_row", variable_name="_column", value_name="vaccination_date")
        .filter(pl.col("vaccination_date").str.strip_chars().replace("", None).is_not_null())
        .join(doses, on="_column", how="left")
    )
    given = indexed.select("_row", *keep).join(long, on="_row", how="left")  # a child with no dose: one row
    return given.sort("_row", "_order", nulls_last=True).select(
        *keep, "vaccine", "dose", pl.col("vaccination_date").str.strip_chars()
    ).select([*lineage, *[c for c in [*keep, "vaccine", "dose", "vaccination_date"] if c not in lineage]])
