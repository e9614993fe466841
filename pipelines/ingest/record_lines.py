"""Records written over several sheet lines → one row each.

Rosters such as a party or association member register give each member several lines: the
number ("STT") and the name on the first, then more on the lines below, and each header cell names
its lines one under the other ("Họ và tên khai sinh / Họ và tên đang dùng", "Ngày sinh / Nam, nữ,
dân tộc, tôn giáo"). ``join_record_lines`` turns the k-th line of a cell into a column of its own
headed by the k-th line of the header cell; a column whose header has one line gets the record's
lines joined by a space (an address written over two lines).
"""

from __future__ import annotations

from collections.abc import Callable

import polars as pl

from contracts import map_headers
from pipelines.ingest.formats import SHEET_ROW
from pipelines.ingest.layout import Header

MAX_LINES = 6  # more lines than this under one number is not a multi-line record


def header_lines(text: str | None) -> list[str]:
    """The lines of a header cell ("Ngày sinh\\nNam, nữ" → ["Ngày sinh", "Nam, nữ"])."""
    return [line.strip() for line in (text or "").splitlines() if line.strip()] or ([text] if text else [])


def join_record_lines(rows: pl.DataFrame, header: Header,
                      remap: Callable[[list[str | None]], Header]) -> tuple[pl.DataFrame, Header]:
    """(rows, header) with each multi-line record on one row, or both unchanged when the list is not
    written that way: it needs a numbering column, a header cell over several lines, and lines without
    a number under at least half of the numbered ones. ``remap`` maps the new column texts (lines of the header cells)."""
    numbering = map_headers([t for t in header.texts if t], ["row_number"])
    number = next((f"c{j}" for j, t in enumerate(header.texts) if t and t in numbering), None)
    lines = [header_lines(t) for t in header.texts]
    if number is None or number not in rows.columns or not any(len(ls) > 1 for ls in lines) or rows.height < 2:
        return rows, header
    starts = pl.col(number).str.strip_chars().replace("", None).is_not_null()
    marked = rows.with_columns(starts.cum_sum().alias("_record"))
    marked = marked.with_columns(pl.int_range(pl.len()).over("_record").alias("_line"))
    per_record = marked.filter(pl.col("_record") > 0).group_by("_record").len()
    if per_record.is_empty() or per_record["len"].max() > MAX_LINES or marked.filter(pl.col("_record") == 0).height \
            or (per_record["len"] > 1).mean() < 0.5:  # a few rows without a number are people of their own
        return rows, header
    values, texts = [], []
    for j, header_text in enumerate(header.texts):
        column = f"c{j}"
        if column not in rows.columns:
            continue
        if len(lines[j]) > 1:
            for k, line in enumerate(lines[j]):
                values.append(pl.col(column).filter(pl.col("_line") == k).first().alias(f"c{len(texts)}"))
                texts.append(line)
        else:
            values.append(pl.col(column).str.strip_chars().replace("", None).drop_nulls().str.join(" ")
                          .replace("", None).alias(f"c{len(texts)}"))
            texts.append(header_text)
    joined = marked.group_by("_record", maintain_order=True).agg(
        *values, pl.col(SHEET_ROW).first()).drop("_record")
    return joined, remap(texts)
