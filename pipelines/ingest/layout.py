"""Where the list is in a sheet: the header row (or two merged header rows), the data rows, the footer.

Offices put a title block above the header ("CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", "DANH SÁCH …"),
split a header over two merged rows ("Ngày tháng năm sinh" over "Nam" | "Nữ", "Họ và tên"
merged down over both), number the columns "(1) (2) (3)…" under it and sign below the list.
This works on the first rows of a grid (a few dozen Python rows at most); the records stay a
polars frame.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import polars as pl

from contracts import GROUP_SEPARATOR, header_key, map_headers
from contracts import fields as F
from pipelines.ingest.formats import SHEET_ROW, Merge

HEADER_SEARCH_ROWS = 30
HEADER_DEPTH = 4  # header rows read together at most (group titles, sub-groups, labels)
COLUMN_NUMBERS = re.compile(r"^[\(\[]?\s*[0-9]{1,2}\s*[\)\]]?$")
# A cell that is a value, not a header: a number, a date, an ID.
_VALUE_LIKE = re.compile(r"^[0-9][0-9\s./\-:,]*$")
# Words of a list's footer (signatures, totals), compared on header_key-folded text.
FOOTER_WORDS = ("nguoilap", "thutruong", "truongtram", "truongthon", "truongban", "xacnhan", "kyten",
                "kyghiro", "tongcong", "tongso", "giamdoc", "chutich")
NAME_PARTS = ("family_middle_name", "given_name")  # a name split over "Họ và tên đệm" | "Tên"
DATE_PAIR = ("birth_date_male", "birth_date_female")
TICK_PAIR = ("gender_male", "gender_female")


@dataclass(frozen=True)
class Header:
    """The header of a grid: its row positions in the grid, one text per column, the mapping."""

    first: int  # position in grid.cells of the first header row
    last: int  # position of the last header row (data follow it)
    texts: tuple[str | None, ...]  # per column c0, c1, …
    mapping: dict[str, str]  # header text → canonical field
    score: int

    @property
    def fields(self) -> set[str]:
        """Fields the header provides, a gender pair counting as the fields it yields."""
        return provided_fields(self.mapping.values())


def provided_fields(mapped: Sequence[str] | set[str] | object) -> set[str]:
    found = set(mapped)  # type: ignore[arg-type]
    if set(NAME_PARTS) <= found:
        found.add(F.FULL_NAME)
    if set(DATE_PAIR) <= found:
        found |= {F.BIRTH_DATE, F.GENDER}
    if set(TICK_PAIR) <= found:
        found.add(F.GENDER)
    return found


def missing_fields(required: Sequence[str], header: Header) -> list[str]:
    """Required fields without a column."""
    found = header.fields
    return [f for f in required if f not in found]


def number_cells(header: Header) -> int:
    """How many cells of a header row are numbers, dates or IDs (a header has none)."""
    return sum(1 for t in header.texts if t and _VALUE_LIKE.match(t.strip()))


def describe_header(header: Header, sheet_row: int) -> str:
    """The row taken as a header, told without quoting a cell it does not recognise (it may be a
    name or an ID): "row 1 looks like data: 10 cells, 3 of them numbers", or which headers it
    recognised and the letters of the columns it did not."""
    cells = [(j, t.strip()) for j, t in enumerate(header.texts) if t and t.strip()]
    numbers = number_cells(header)
    if numbers:
        return (f"row {sheet_row} looks like data, not a header: {len(cells)} cells, {numbers} of them numbers "
                "(is the header row missing?)")
    known = [f"{t!r} = {header.mapping[t]}" for _, t in cells if t in header.mapping]
    unknown = [column_letter(j) for j, t in cells if t not in header.mapping]
    told = f"row {sheet_row} read as the header: {len(cells)} cells; recognised: {', '.join(known) or 'none'}"
    if unknown:
        told += f"; not recognised: column{'s' if len(unknown) > 1 else ''} {', '.join(unknown)}"
    return told


def column_letter(j: int) -> str:
    """0 → "A", 25 → "Z", 26 → "AA"."""
    out = ""
    j += 1
    while j:
        j, r = divmod(j - 1, 26)
        out = chr(65 + r) + out
    return out


def _texts(row: Sequence[object]) -> list[str | None]:
    return [None if v is None else str(v).strip() or None for v in row]


def find_header(cells: pl.DataFrame, merges: Sequence[Merge], wanted: Sequence[str],
                required: Sequence[str], overrides: Mapping[str, str] | None = None) -> Header | None:
    """The header among the first rows: the row (or up to HEADER_DEPTH rows read together) whose
    cells map to the most canonical fields, with a bonus when every required field is there, then
    extended down over the sub-header rows below it (``_extended``). None for an empty grid.

    Rows are read together only when each lower one labels the columns of a group title above
    ("Ngày sinh" over "Nam" | "Nữ", from merged cells or, without merge information, from empty
    cells beside the title) or columns left empty above, holds no value (number, date, "(1)"), and
    the combination maps strictly more fields than fewer rows.
    """
    n = min(HEADER_SEARCH_ROWS, cells.height)
    rows = [_texts(cells.row(i)[:-1]) for i in range(n)]
    sheet_rows = cells[SHEET_ROW].head(n).to_list()
    best: Header | None = None
    best_key: tuple[int, int] = (-1, -1)
    for i, row in enumerate(rows):
        filled = sum(1 for t in row if t)
        if not filled:
            continue
        here = header_of(i, i, row, wanted, required, overrides)
        candidates = [here]
        for last in range(i + 1, min(i + HEADER_DEPTH, n)):
            if sheet_rows[last] != sheet_rows[last - 1] + 1:
                break
            deeper = _levels(i, rows[i:last + 1], sheet_rows[i:last + 1], merges, wanted, required, overrides)
            if deeper is None:
                break
            if deeper.score > here.score:
                here = deeper
                candidates.append(here)
        for header in candidates:
            if (header.score, filled) > best_key:
                best, best_key = header, (header.score, filled)
    if best is None:
        return None
    return _extended(best, rows, sheet_rows, merges, wanted, required, overrides)


def _extended(header: Header, rows, sheet_rows, merges, wanted, required, overrides) -> Header:
    """The header with the sub-header rows right below it (up to HEADER_DEPTH rows in all): a row
    whose every label stands under a group title spanning several columns or under a column with
    no title, and which holds no value but dose numbers under a group ("DPT-VGB-Hib" over "1 2 3").
    Such a row may add no field (it names salary parts, vaccine doses…) but is no record either; it
    is not taken when it would lose a field of the person."""
    while header.last + 1 < len(rows) and header.last - header.first + 1 < HEADER_DEPTH:
        below = header.last + 1
        if sheet_rows[below] != sheet_rows[header.last] + 1:
            break
        levels = rows[header.first:below + 1]
        deeper = _levels(header.first, levels, sheet_rows[header.first:below + 1], merges, wanted, required,
                         overrides, strict=True)
        if deeper is None or not _person_fields(header) <= deeper.fields:
            break
        header = deeper
    return header


def _person_fields(header: Header) -> set[str]:
    return header.fields & {*F.PERSON_FIELDS, "guardian_name"}


def _levels(first: int, levels: list[list[str | None]], level_rows: list[int], merges: Sequence[Merge],
            wanted, required, overrides, strict: bool = False) -> Header | None:
    """Header rows ``levels`` read as one header (each column's text its titles top to bottom joined
    by GROUP_SEPARATOR, "Mẹ › Họ, chữ đệm, tên"), or None when the lowest row does not read as a
    sub-header of the rows above: it must hold labels under a group title or under untitled
    columns (``strict``: every label so), and values only as dose numbers under a group."""
    width = max(len(r) for r in levels)
    grid = [list(r) + [None] * (width - len(r)) for r in levels]
    spread = [list(r) for r in grid]
    spans = [[False] * width for _ in grid]  # a title spread over several columns at that level
    for r in range(len(grid) - 1):
        here = [m for m in merges if m[0] == level_rows[r]]
        for _r0, r1, c0, c1 in here:
            if c1 > c0:
                for j in range(c0, min(c1, width - 1) + 1):
                    spread[r][j] = grid[r][c0]
                    spans[r][j] = True
        if not here:  # no merge information (CSV, or merges lost): a group is a title + empty cells
            below = [any(grid[k][j] for k in range(r + 1, len(grid))) for j in range(width)]
            for j in range(1, width):
                if spread[r][j] is None and below[j] and spread[r][j - 1] and below[j - 1]:
                    spread[r][j] = spread[r][j - 1]
                    spans[r][j] = spans[r][j - 1] = True
    lowest = grid[-1]
    labels = [j for j, t in enumerate(lowest) if t]
    if not labels:
        return None
    grouped = [j for j in labels if any(spans[r][j] for r in range(len(grid) - 1))]
    untitled = [j for j in labels if not any(spread[r][j] for r in range(len(grid) - 1))]
    for j in labels:
        text = lowest[j]
        if (_VALUE_LIKE.match(text) or COLUMN_NUMBERS.match(text)) and not (
                j in grouped and re.fullmatch(r"[0-9]{1,2}", text)):
            return None
    if not grouped and not untitled:
        return None
    if strict and len(grouped) + len(untitled) < len(labels):
        return None
    texts: list[str | None] = []
    for j in range(width):
        path: list[str] = []
        for r in range(len(grid)):
            t = spread[r][j]
            if t and not (path and header_key(path[-1]) == header_key(t)):
                path.append(t)
        texts.append(GROUP_SEPARATOR.join(path) or None)
    texts, mapping = _mapped(texts, wanted, overrides)
    return Header(first, first + len(grid) - 1, tuple(texts), mapping, _score(mapping, required))


def _score(mapping: dict[str, str], required: Sequence[str]) -> int:
    found = provided_fields(mapping.values())
    return len(found) + (10 if all(f in found for f in required) else 0)


def header_of(first: int, last: int, texts: list[str | None], wanted, required, overrides) -> Header:
    """A header of these column texts, mapped (``overrides`` applied) and scored."""
    texts, mapping = _mapped(texts, wanted, overrides)
    return Header(first, last, tuple(texts), mapping, _score(mapping, required))


_COLUMN_KEY = re.compile(r"^\s*(?:column|cột|cot)\s+([A-Za-z]{1,3})\s*$", re.IGNORECASE)


def _mapped(texts: list[str | None], wanted, overrides) -> tuple[list[str | None], dict[str, str]]:
    """Header texts and their mapping, ``overrides`` applied; an override named ``"column K"``
    maps that column whatever its header says (the header is then "<text> (column K)")."""
    by_letter = {m.group(1).upper(): field for key, field in (overrides or {}).items()
                 if (m := _COLUMN_KEY.match(key))}
    texts = list(texts)
    for j, text in enumerate(texts):
        letter = column_letter(j)
        if letter in by_letter:
            texts[j] = f"{text} (column {letter})" if text else f"column {letter}"
    by_text = {k: v for k, v in (overrides or {}).items() if not _COLUMN_KEY.match(k)}
    mapping = map_headers([t for t in texts if t], wanted, by_text or None)
    for j, text in enumerate(texts):
        field = by_letter.get(column_letter(j))
        if field is None or text is None:
            continue
        mapping = {h: f for h, f in mapping.items() if f != field and h != text}
        if field:
            mapping[text] = field
    return texts, mapping


def data_rows(cells: pl.DataFrame, header: Header) -> pl.DataFrame:
    """Rows below the header that hold any value, minus a "(1) (2) (3)" column-number row."""
    below = cells.slice(header.last + 1)
    value_cols = [c for c in below.columns if c != SHEET_ROW]
    if not value_cols:
        return below.head(0)
    stripped = [pl.col(c).str.strip_chars() for c in value_cols]
    non_empty = pl.any_horizontal([s.is_not_null() & (s != "") for s in stripped])
    below = below.filter(non_empty)
    if below.height:
        first = [v for v in below.row(0)[:-1] if v is not None and str(v).strip()]
        if len(first) >= 2 and all(COLUMN_NUMBERS.match(str(v).strip()) for v in first):
            below = below.slice(1)
    return below


# A column-number or column-letter row ("(1) (2) (3)", "A B C 1 2 3"), wherever it stands.
_NUMBER_OR_LETTER = re.compile(r"^[\(\[]?\s*(?:[0-9]{1,2}|[A-Za-z]{1,2})\s*[\)\]]?$")
# A section or subtotal line in the name column: "I. Tăng", "I.1 Lao động", "II. Giảm", "A. Người có
# công", "Cộng tăng", "Tổng cộng", "Cộng I". The section number needs its dot ("VI VĂN LÂM", a name in
# capitals, is no section) and the words their diacritics ("TONG VAN AN" is Tống Văn An typed plain).
_SECTION = r"^\s*(?:[IVXLC]{1,6}(?:\.[0-9]{1,2})*[.)]|[IVXLC]{1,6}\.[0-9]{1,2}|[A-Z][.)])(?:\s+\S|$)"
_SUBTOTAL = r"(?i)^\s*(?:cộng|tổng cộng|tổng số|tổng)(?:\s|:|$)"


def layout_rows(rows: pl.DataFrame, header: Header) -> pl.Expr | None:
    """True for the rows below a header that are part of the form, not people: column-number and
    letter rows, section titles and subtotals (a name cell like "I. Tăng" or "Cộng tăng", or a
    section number "I.1" in the STT column, on a row with no ID and no birth date). None when the
    header maps no name column."""
    columns = {field: f"c{j}" for j, t in enumerate(header.texts) if t and (field := header.mapping.get(t))}
    name = columns.get(F.FULL_NAME) or columns.get("given_name")
    values = [c for c in rows.columns if c != SHEET_ROW]
    if name is None or name not in rows.columns or not values:
        return None
    numbered = pl.all_horizontal(
        [pl.col(c).is_null() | pl.col(c).str.strip_chars().str.contains(_NUMBER_OR_LETTER.pattern) for c in values])
    person = [columns[f] for f in (F.PERSON_ID, F.OLD_ID, F.BIRTH_DATE, *DATE_PAIR) if f in columns and columns[f] in rows.columns]
    unidentified = pl.all_horizontal([pl.col(c).is_null() for c in person]) if person else pl.lit(True)
    titled = pl.col(name).str.contains(_SECTION) | pl.col(name).str.contains(_SUBTOTAL)
    numbering = map_headers([t for t in header.texts if t], ["row_number"])
    number = next((f"c{j}" for j, t in enumerate(header.texts) if t and t in numbering), None)
    if number and number in rows.columns:  # "I.", "I.1", "II", "A." in the STT column: a section
        titled = titled | pl.col(number).str.strip_chars().str.contains(r"^(?:[IVXLC]{1,6}(?:\.[0-9]{1,2})*|[A-Z])\.?$")
    return numbered | (titled.fill_null(False) & unidentified)


def drop_footer(rows: pl.DataFrame, mapped_columns: Sequence[str]) -> pl.DataFrame:
    """Trim a footer: the trailing rows that carry a signature/total word ("Người lập biểu",
    "Tổng cộng", "(Ký, ghi rõ họ tên)") or fill fewer than two mapped columns, when that block
    sits below an empty row or holds such a word."""
    mapped = [c for c in mapped_columns if c in rows.columns]
    if rows.is_empty() or not mapped:
        return rows
    filled = rows.select(pl.sum_horizontal([pl.col(c).is_not_null() for c in mapped])).to_series().to_list()
    sheet_rows = rows[SHEET_ROW].to_list()
    texts = [header_key(" ".join(str(v) for v in r[:-1] if v is not None)) for r in rows.tail(10).rows()]
    worded = [False] * (rows.height - len(texts)) + [any(w in t for w in FOOTER_WORDS) for t in texts]
    cut = rows.height
    while cut > 0 and rows.height - cut < 10 and (worded[cut - 1] or filled[cut - 1] < 2):
        cut -= 1
    if cut == rows.height:
        return rows
    gap = cut > 0 and sheet_rows[cut] - sheet_rows[cut - 1] > 1
    return rows.head(cut) if gap or any(worded[cut:]) else rows
