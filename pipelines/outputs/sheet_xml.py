"""Worksheet rows as SpreadsheetML built column-wise, and spliced into a workbook xlsxwriter wrote
without them: a province's correction list costs a few polars passes over its lines instead of one
Python call per cell.

The XML is exactly what xlsxwriter writes for the same cells in constant-memory mode (inline
strings, its escapes of ``& < >`` and of control characters, its row heights rounded to pixels);
``tests/pipelines/outputs/test_sheet_xml.py`` checks that byte for byte against xlsxwriter itself.
"""

from __future__ import annotations

import io
import zipfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

import polars as pl

from pipelines.ingest.layout import column_letter

CHUNK_ROWS = 20_000  # rows turned into XML at a time: the XML of a whole province is never held at once
SHEET_PATH = "xl/worksheets/sheet{}.xml"
_CONTROL = [chr(c) for c in (*range(0x00, 0x09), *range(0x0B, 0x20), 0xFFFE, 0xFFFF)]  # xlsxwriter's escapes
_DEFAULT_ROW_PX = 20  # xlsxwriter's default row height (15 pt), written without "ht"


@dataclass(frozen=True)
class Cell:
    """One column of a row: what it shows and in which style (an xlsxwriter ``xf`` index).

    ``kind`` is "number" (``value`` holds digits), "string", "digits" (a number when ``value`` is
    all digits, else a string) or "blank" (``value`` ignored). An empty or null value is written as
    a blank cell in ``blank_style`` when that is given, else not at all."""

    kind: str
    value: pl.Expr | None
    style: pl.Expr | int
    blank_style: int | None = None


_GUARD = r"_x[0-9a-fA-F]{4}_"  # text Excel would read as an escape: xlsxwriter guards it
_ODD = r"[\x00-\x08\x0b-\x1f\x{FFFE}\x{FFFF}]"  # characters xlsxwriter writes as _xHHHH_
_ENTITIES = "[&<>]"


def escaped(value: pl.Expr, needs: frozenset[str] = frozenset({_GUARD, _ODD, _ENTITIES})) -> pl.Expr:
    """Text as xlsxwriter writes it inside ``<t>``: a literal ``_xHHHH_`` guarded, control characters
    as ``_xHHHH_``, then ``& < >`` as entities. ``needs`` names the passes the text can need (see
    ``_needs``): a province's names rarely hold a control character, and each pass costs a scan."""
    if _GUARD in needs:
        value = value.str.replace_all(f"({_GUARD})", "_x005F$1")
    if _ODD in needs:
        for char in _CONTROL:
            value = value.str.replace_all(char, f"_x{ord(char):04X}_", literal=True)
    if _ENTITIES in needs:
        value = value.str.replace_all("&", "&amp;", literal=True).str.replace_all("<", "&lt;", literal=True) \
            .str.replace_all(">", "&gt;", literal=True)
    return value


def _needs(frame: pl.DataFrame, cells: list[Cell]) -> list[frozenset[str]]:
    """Per cell, which escaping passes some of its texts in ``frame`` need (one query for all)."""
    passes = (_GUARD, _ODD, _ENTITIES)
    probes = [cell.value.str.contains(p).any().alias(f"{j}:{k}")
              for j, cell in enumerate(cells) if cell.kind != "blank" for k, p in enumerate(passes)]
    found = frame.select(probes).row(0, named=True) if probes else {}
    return [frozenset(p for k, p in enumerate(passes) if found.get(f"{j}:{k}")) for j in range(len(cells))]


def _style(style: pl.Expr | int) -> pl.Expr:
    return style.cast(pl.String) if isinstance(style, pl.Expr) else pl.lit(str(style))


def _cell_xml(cell: Cell, ref: pl.Expr, needs: frozenset[str]) -> pl.Expr:
    """The ``<c>`` element of one column (an empty string when nothing is written)."""
    head = pl.concat_str(pl.lit('<c r="'), ref, pl.lit('" s="'), _style(cell.style))
    if cell.kind == "blank":
        return pl.concat_str(head, pl.lit('"/>'))
    number = pl.concat_str(head, pl.lit('"><v>'), cell.value.str.strip_chars_start("0").replace("", "0"),
                           pl.lit("</v></c>"))
    preserve = pl.when(cell.value.str.contains(r"^\s|\s$")).then(pl.lit(' xml:space="preserve"')).otherwise(pl.lit(""))
    string = pl.concat_str(head, pl.lit('" t="inlineStr"><is><t'), preserve, pl.lit(">"), escaped(cell.value, needs),
                           pl.lit("</t></is></c>"))
    if cell.kind == "number":
        body = number
    elif cell.kind == "digits":
        body = pl.when(cell.value.str.contains(r"^[0-9]+$")).then(number).otherwise(string)
    else:
        body = string
    empty = cell.value.is_null() | (cell.value == "")
    blank = (pl.concat_str(pl.lit('<c r="'), ref, pl.lit(f'" s="{cell.blank_style}"/>'))
             if cell.blank_style is not None else pl.lit(""))
    return pl.when(empty).then(blank).otherwise(body)


def row_strings(frame: pl.DataFrame, cells: list[Cell], heights_pt: pl.Expr, row_number: pl.Expr) -> pl.Series:
    """One ``<row>`` element per row of ``frame`` (a String series): sheet row ``row_number``
    (1-based, an expression over ``frame``), one cell per entry of ``cells`` from column A on."""
    number = row_number.cast(pl.String)
    pixels = (heights_pt * 4.0 / 3.0 + 0.5).floor().cast(pl.Int64)
    points = pl.when(pixels % 4 == 0).then((pixels * 3 // 4).cast(pl.String)) \
        .otherwise((pixels * 0.75).cast(pl.String))
    height = pl.when(pixels == _DEFAULT_ROW_PX).then(pl.lit("")) \
        .otherwise(pl.concat_str(pl.lit(' ht="'), points, pl.lit('" customHeight="1"')))
    needs = _needs(frame, cells)
    pieces = [pl.lit('<row r="'), number, pl.lit('"'), height, pl.lit(">")]
    pieces += [_cell_xml(cell, pl.concat_str(pl.lit(column_letter(j)), number), needs[j]) for j, cell in enumerate(cells)]
    pieces.append(pl.lit("</row>"))
    return frame.select(pl.concat_str(pieces).alias("xml")).to_series()


def rows_xml(frame: pl.DataFrame, first_row: int, cells: list[Cell], heights_pt: pl.Expr) -> Iterator[bytes]:
    """``<row>`` elements for ``frame``'s rows from 0-based sheet row ``first_row`` on, one cell per
    entry of ``cells`` (column A onwards), in chunks of UTF-8 bytes."""
    for start in range(0, frame.height, CHUNK_ROWS):
        part = frame.slice(start, CHUNK_ROWS)
        xml = row_strings(part, cells, heights_pt, pl.int_range(pl.len()) + (first_row + start + 1))
        yield xml.str.join("").item().encode("utf-8")


def splice_rows(book: bytes, sheet: int, before_row: int, rows: Iterable[bytes], compresslevel: int = 3) -> bytes:
    """``book`` (XLSX bytes) with ``rows`` inserted into worksheet ``sheet`` (1-based) just before its
    row ``before_row`` (0-based; the sheet must have it: rows after the insertion keep their order).
    The sheet's ``<dimension>`` is kept, so its rows before and after must already span the columns."""
    name = SHEET_PATH.format(sheet)
    marker = f'<row r="{before_row + 1}"'.encode()
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(book)) as source, \
            zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, compresslevel=compresslevel) as target:
        for info in source.infolist():
            data = source.read(info)
            member = zipfile.ZipInfo(info.filename, info.date_time)
            member.compress_type = zipfile.ZIP_DEFLATED
            member.external_attr = info.external_attr
            member._compresslevel = compresslevel  # how ZipFile.open(member, "w") learns the level
            if info.filename != name:
                target.writestr(member, data, compresslevel=compresslevel)
                continue
            at = data.find(marker)
            if at < 0:
                raise ValueError(f"worksheet {sheet} has no row {before_row + 1} to insert before")
            with target.open(member, "w", force_zip64=True) as stream:
                stream.write(data[:at])
                for chunk in rows:
                    stream.write(chunk)
                stream.write(data[at:])
    return out.getvalue()
