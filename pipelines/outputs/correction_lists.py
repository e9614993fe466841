"""Correction lists: one XLSX per sector (and per commune), in Vietnamese, for officers to act on.

Each workbook has a title block like an official list (commune, sector, period, date made), one
row per finding (most serious first) with what to do, and a "Kết quả xử lý" column with a
drop-down the officer fills in before sending the file back (``pipelines.responses`` reads it).
The finding key column ("Mã đối soát") ties each answer to its finding. A hidden sheet holds the
run's metadata. Printable: A4 landscape, one page wide, header repeated on every page.

Files hold personal data: they are created readable by their owner only (0600).
"""

from __future__ import annotations

import datetime as dt
import functools
import io
import re
from dataclasses import dataclass
from pathlib import Path

import polars as pl
import xlsxwriter

from contracts import fields as F
from pipelines.findings import SECTOR_VI, SEVERITY_VI, severity_rank
from pipelines.outputs.sheet_xml import CHUNK_ROWS, Cell, row_strings, rows_xml, splice_rows
from pipelines.privacy import write_private
from pipelines.units import commune_label

STATUS_VI = {
    "new": "Mới phát hiện",
    "open": "Chưa xử lý (từ kỳ trước)",
    "reopened": "Đã báo sửa nhưng vẫn còn sai",
    "declined": "Không sửa (đã có lý do)",
}
RESPONSES = ("Đã sửa", "Không sửa – ghi lý do", "Không xác định được")
KEY_HEADER = "Mã đối soát"
RESPONSE_HEADER = "Kết quả xử lý"
REASON_HEADER = "Lý do (nếu không sửa)"
META_SHEET = "_doisoat"
NO_COMMUNE = "khong_ro"  # file-name part of the list of rows placed in no commune, in a run over several
LIST_SHEET = "Danh sách"

# (header, source column or None for computed, width in characters)
COLUMNS: tuple[tuple[str, str | None, float], ...] = (
    ("STT", None, 5),
    ("Tệp gốc", "file_name", 16),
    ("Dòng trong tệp gốc", "rows_vi", 10),
    ("Họ và tên (như trong danh sách)", "listed_name", 22),
    ("Ngày sinh", "listed_birth_date", 11),
    ("Số định danh / CCCD", "listed_id", 14),
    ("Nội dung sai lệch", "message_vi", 28),
    ("Giá trị trong danh sách", "sector_value", 18),
    ("Giá trị trong CSDLQG về dân cư", "residency_value", 22),
    ("Đề nghị xử lý", "action_vi", 34),
    ("Mức độ", "severity_vi", 11),
    ("Tình trạng", "status_vi", 13),
    (RESPONSE_HEADER, None, 16),
    (REASON_HEADER, None, 20),
    (KEY_HEADER, "finding_id", 17),
)
HEADERS = tuple(h for h, _, _ in COLUMNS)
SEVERITY_FILL = {"critical": "#F4B6B6", "high": "#F9D7A8", "medium": "#FFF2B3"}


@dataclass(frozen=True)
class ListMeta:
    """What the title block and the hidden metadata sheet say."""

    run_id: str
    period: str  # YYYY-MM
    sector: str
    commune_code: str | None
    generated_at: dt.datetime


def list_file_name(sector: str, period: str, commune_code: str | None = None) -> str:
    """``danh_sach_dieu_chinh_<sector>[_<commune>]_<period>.xlsx``; the police's is ``danh_sach_cong_an…``."""
    stem = "danh_sach_cong_an" if sector == F.RESIDENCY else f"danh_sach_dieu_chinh_{sector}"
    if commune_code is not None and commune_code != NO_COMMUNE and not re.fullmatch(r"[0-9]{5}", commune_code):
        raise ValueError("a commune code in a file name must be 5 digits")  # parsed codes always are
    if sector not in (F.RESIDENCY, *F.SECTORS) or not re.fullmatch(r"[0-9]{4}-[0-9]{2}", period):
        raise ValueError("unknown sector or period in a file name")
    return f"{stem}{'_' + commune_code if commune_code else ''}_{period}.xlsx"


def _rows(findings: pl.DataFrame, lists: tuple[str, ...] = ()) -> pl.DataFrame:
    """The list's lines in display order, with the computed display columns: one line per finding
    (a person's problem), naming every row of the original files it concerns ("12, 57, 103"), and
    ``_line``, its number. ``lists``: columns that tell several lists apart (``sector``,
    ``commune_code``): the lines of each, in turn, as if each were made alone."""
    k = list(lists)
    shown = findings.with_columns(
        pl.col(F.SOURCE_FILE).str.replace(r"^.*[/\\]", "").alias("file_name"),
        pl.col("severity").replace_strict(SEVERITY_VI, default=pl.col("severity"), return_dtype=pl.String).alias("severity_vi"),
        pl.col("status").fill_null("new").replace_strict(STATUS_VI, default="", return_dtype=pl.String).alias("status_vi")
        if "status" in findings.columns else pl.lit(STATUS_VI["new"]).alias("status_vi"),
    ).sort("file_name", F.SOURCE_ROW, maintain_order=True)
    per_file = shown.group_by(*k, "finding_id", "file_name", maintain_order=True).agg(
        pl.col(F.SOURCE_ROW).cast(pl.String).str.join(", ").alias("_rows"))
    files = per_file.group_by(*k, "finding_id", maintain_order=True).agg(
        pl.col("file_name").str.join(", ").alias("file_names"),
        pl.when(pl.len() > 1).then(pl.concat_str("file_name", pl.lit(": "), "_rows"))
        .otherwise(pl.col("_rows")).str.join("; ").alias("rows_vi"))
    lines = shown.group_by(*k, "finding_id", maintain_order=True).agg(pl.all().first(), pl.len().alias("source_rows"))
    ordered = (lines.join(files, on=[*k, "finding_id"], how="left", maintain_order="left", nulls_equal=True)
               .with_columns(pl.col("file_names").alias("file_name")).drop("file_names")
               .sort(*k, severity_rank("severity"), "file_name", F.SOURCE_ROW, "field", maintain_order=True))
    line = pl.int_range(1, pl.len() + 1, dtype=pl.UInt32)
    return ordered.with_columns((line.over(k) if k else line).alias("_line"))


HEADER_ROW = 8  # 0-based sheet row of the column headers; the lines start below it


def build_workbook(findings: pl.DataFrame, meta: ListMeta) -> bytes:
    """The correction list of one sector (and commune) as XLSX bytes."""
    rows = _rows(findings)
    book, footer = _frame_workbook(meta, rows.height)
    if rows.is_empty():
        return book
    return splice_rows(book, 1, footer, rows_xml(rows, HEADER_ROW + 1, _line_cells(_styles()), _row_heights()))


@functools.lru_cache(maxsize=1)
def _styles() -> dict[str, int]:
    """The ``xf`` index of each of ``_formats`` (the same in every list: made in the same order)."""
    wb = xlsxwriter.Workbook(io.BytesIO(), {"in_memory": True})
    return {name: f._get_xf_index() for name, f in _formats(wb).items()}


def _frame_workbook(meta: ListMeta, lines: int) -> tuple[bytes, int]:
    """(XLSX bytes of a list of ``lines`` lines without them, 0-based row of its footer): the title
    block, headers, footer, drop-down, filter, page set-up and the hidden metadata sheet."""
    buffer = io.BytesIO()
    # xlsxwriter writes the title block, footer, drop-down and page set-up in memory (no temporary
    # files: a province has hundreds of lists); the lines, however many, are spliced in afterwards
    # in chunks (``sheet_xml``), so a province's list needs no more memory than a village's
    wb = xlsxwriter.Workbook(buffer, {"in_memory": True, "strings_to_numbers": False,
                                      "strings_to_formulas": False})
    wb.set_properties({"title": "Danh sách đề nghị điều chỉnh dữ liệu", "author": "doisoat",
                       "created": meta.generated_at})
    ws = wb.add_worksheet(LIST_SHEET)
    fmt = _formats(wb)
    # every format numbered up front: the lines' cells are written outside xlsxwriter, by style index
    if {name: f._get_xf_index() for name, f in fmt.items()} != _styles():
        raise AssertionError("correction list formats numbered differently")  # pragma: no cover
    last_col = len(COLUMNS) - 1
    period_vi = f"{meta.period[5:7]}/{meta.period[:4]}"
    commune = commune_label(meta.commune_code)
    ws.merge_range(0, 0, 0, 4, "BAN CHỈ ĐẠO ĐỀ ÁN 06 CẤP XÃ", fmt["title_left"])
    ws.merge_range(0, 8, 0, last_col, "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", fmt["title_center"])
    ws.merge_range(1, 0, 1, 4, commune, fmt["title_left_plain"])
    ws.merge_range(1, 8, 1, last_col, "Độc lập - Tự do - Hạnh phúc", fmt["motto"])
    ws.merge_range(3, 0, 3, last_col, "DANH SÁCH ĐỀ NGHỊ ĐIỀU CHỈNH, BỔ SUNG DỮ LIỆU", fmt["heading"])
    ws.merge_range(4, 0, 4, last_col, f"Lĩnh vực: {SECTOR_VI.get(meta.sector, meta.sector)} – Kỳ đối soát: tháng {period_vi}",
                   fmt["subheading"])
    ws.merge_range(5, 0, 5, last_col,
                   f"Đối chiếu với dữ liệu dân cư (CSDLQG về dân cư) – Ngày lập: {meta.generated_at:%d/%m/%Y} – "
                   f"Số nội dung cần xử lý: {lines}", fmt["subheading"])
    ws.merge_range(6, 0, 6, last_col,
                   f'Hướng dẫn: xử lý từng dòng, chọn kết quả ở cột "{RESPONSE_HEADER}"; nếu không sửa, ghi lý do. '
                   f'Không sửa cột "{KEY_HEADER}". Gửi lại tệp này cho tổ công tác.', fmt["note"])
    header_row = HEADER_ROW
    for j, (header, _, width) in enumerate(COLUMNS):
        ws.write_string(header_row, j, header, fmt["header"])
        ws.set_column(j, j, width)
    ws.set_row(header_row, 45)
    first = header_row + 1
    last = first + max(lines, 1) - 1
    if lines:
        response_col = HEADERS.index(RESPONSE_HEADER)
        ws.data_validation(first, response_col, last, response_col, {
            "validate": "list", "source": list(RESPONSES),
            "input_title": "Kết quả xử lý", "input_message": "Chọn một giá trị trong danh sách.",
            "error_title": "Giá trị không hợp lệ", "error_message": "Chọn: " + "; ".join(RESPONSES),
        })
    else:
        ws.merge_range(first, 0, first, last_col, "Không có nội dung cần điều chỉnh trong kỳ này.", fmt["note"])
    ws.autofilter(header_row, 0, last, last_col)
    ws.freeze_panes(first, 0)
    footer = last + 2
    ws.merge_range(footer, 1, footer, 4, "NGƯỜI LẬP BIỂU", fmt["title_center"])
    ws.merge_range(footer, 9, footer, last_col, "CÁN BỘ PHỤ TRÁCH LĨNH VỰC", fmt["title_center"])
    ws.merge_range(footer + 1, 1, footer + 1, 4, "(Ký, ghi rõ họ tên)", fmt["motto_plain"])
    ws.merge_range(footer + 1, 9, footer + 1, last_col, "(Ký, ghi rõ họ tên)", fmt["motto_plain"])
    _page_setup(ws, header_row)
    _meta_sheet(wb, meta, lines)
    wb.close()
    return buffer.getvalue(), footer


def _line_cells(styles: dict[str, int]) -> list[Cell]:
    """The cells of one list line, column by column: the running number, the row numbers in the
    original file (a number when there is one), the finding's texts, the severity in its colour, the
    two answer cells left blank for the officer, and the finding key."""
    severity = pl.col("severity").replace_strict(
        {s: styles[f"cell_{s}"] for s in SEVERITY_FILL}, default=styles["cell"], return_dtype=pl.Int64)
    cells = [Cell("number", pl.col("_line").cast(pl.String), styles["cell_center"])]
    for j, (header, column, _) in enumerate(COLUMNS[1:], start=1):
        value = pl.col(column).cast(pl.String) if column else None
        if header in (RESPONSE_HEADER, REASON_HEADER):
            cells.append(Cell("blank", None, styles["answer"]))
        elif j == 2:
            cells.append(Cell("digits", value, styles["cell_center"], styles["cell"]))
        elif header == "Mức độ":
            cells.append(Cell("string", value, severity, styles["cell"]))
        elif header == KEY_HEADER:
            cells.append(Cell("string", value, styles["key"], styles["cell"]))
        else:
            cells.append(Cell("string", value, styles["text"] if j in (1, 4, 5) else styles["cell"], styles["cell"]))
    return cells


def _row_heights() -> pl.Expr:
    """Points per data row so wrapped text shows whole (spreadsheet programs do not always
    re-measure rows on opening): 15 pt per line of the column that needs most lines."""
    lines = [
        (pl.col(c).cast(pl.String).fill_null("").str.len_chars() / max(width * 1.3 - 1, 1)).ceil().clip(1)
        for _, c, width in COLUMNS if c is not None and c != "finding_id"
    ]
    return pl.max_horizontal(lines) * 15 + 2


def _formats(wb: xlsxwriter.Workbook) -> dict:
    base = {"font_name": "Times New Roman", "font_size": 11}
    cell = {**base, "border": 1, "valign": "top", "text_wrap": True}
    fmt = {
        "title_left": wb.add_format({**base, "bold": True, "align": "center"}),
        "title_left_plain": wb.add_format({**base, "align": "center"}),
        "title_center": wb.add_format({**base, "bold": True, "align": "center"}),
        "motto": wb.add_format({**base, "bold": True, "underline": True, "align": "center"}),
        "motto_plain": wb.add_format({**base, "italic": True, "align": "center"}),
        "heading": wb.add_format({**base, "bold": True, "font_size": 14, "align": "center"}),
        "subheading": wb.add_format({**base, "italic": True, "align": "center"}),
        "note": wb.add_format({**base, "italic": True, "font_size": 10, "text_wrap": True, "valign": "top"}),
        "header": wb.add_format({**cell, "bold": True, "align": "center", "valign": "vcenter", "bg_color": "#DDEBF7"}),
        "cell": wb.add_format(cell),
        "text": wb.add_format({**cell, "num_format": "@"}),
        "cell_center": wb.add_format({**cell, "align": "center"}),
        "answer": wb.add_format({**cell, "bg_color": "#EEF7E8", "locked": False}),
        "key": wb.add_format({**cell, "font_color": "#7F7F7F", "font_size": 9, "num_format": "@"}),
    }
    for severity, color in SEVERITY_FILL.items():
        fmt[f"cell_{severity}"] = wb.add_format({**cell, "bg_color": color, "bold": severity == "critical"})
    return fmt


def _page_setup(ws, header_row: int) -> None:
    ws.set_landscape()
    ws.set_paper(9)  # A4
    ws.fit_to_pages(1, 0)  # one page wide, as many tall as needed
    ws.repeat_rows(header_row)
    ws.set_margins(left=0.4, right=0.4, top=0.5, bottom=0.6)
    ws.set_footer("&CTrang &P/&N")


def _meta_sheet(wb: xlsxwriter.Workbook, meta: ListMeta, rows: int) -> None:
    ws = wb.add_worksheet(META_SHEET)
    items = [("format", "doisoat-correction-list/1"), ("run_id", meta.run_id), ("period", meta.period),
             ("sector", meta.sector), ("commune_code", meta.commune_code or ""),
             ("generated_at", meta.generated_at.isoformat(timespec="seconds")), ("rows", str(rows))]
    for i, (key, value) in enumerate(items):
        ws.write_string(i, 0, key)
        ws.write_string(i, 1, value)
    ws.hide()


def write_correction_lists(out: Path, findings: pl.DataFrame, run_id: str, period: str,
                           generated_at: dt.datetime | None = None) -> list[Path]:
    """One workbook per sector (per commune when the findings cover several), plus the police's
    list (sector ``residency``). ``findings`` are a run's discrepancies to send (with ``sector``).
    Sectors without findings get no file. Returns the paths written."""
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    generated_at = generated_at or dt.datetime.now().replace(microsecond=0)
    if findings.is_empty():
        return []
    communes = findings["commune_code"].unique().to_list() if "commune_code" in findings.columns else [None]
    several = len(communes) > 1
    keys = ("sector", "commune_code") if several else ("sector",)
    lines = _rows(findings, keys)
    jobs = []
    for key, group in lines.group_by(list(keys), maintain_order=True):
        sector = key[0]
        commune = key[1] if several else (communes[0] if communes else None)
        meta = ListMeta(run_id, period, sector, commune, generated_at)
        path = out / list_file_name(sector, period, (commune or NO_COMMUNE) if several else None)
        jobs.append((path, group, meta))
    del lines
    return sorted(write_private(path, book) for path, book in _build_all(jobs))


PARALLEL_ROWS = 200_000  # above this many lines in all, the workbooks are built side by side


def _build_all(jobs: list[tuple[Path, pl.DataFrame, ListMeta]]):
    """(path, XLSX bytes) of each list from its lines (``_rows``). A big list's lines become XML in
    chunks (``sheet_xml.rows_xml``); small ones, a province's hundreds of commune lists, in batches
    of several lists at once, so that a list costs little more than its frame. Above
    ``PARALLEL_ROWS`` lines in all the workbooks are finished side by side in threads (polars and
    zlib let go of the GIL)."""
    import concurrent.futures
    import os

    cells, heights = _line_cells(_styles()), _row_heights()
    workers = min(len(jobs), os.cpu_count() or 1)
    parallel = workers > 1 and sum(j[1].height for j in jobs) >= PARALLEL_ROWS

    def finish(job: tuple[Path, pl.DataFrame, ListMeta], xml) -> tuple[Path, bytes]:
        path, rows, meta = job
        book, footer = _frame_workbook(meta, rows.height)
        return path, (splice_rows(book, 1, footer, xml) if rows.height else book)

    def batches():
        """The biggest lists alone, then the small ones grouped up to ``CHUNK_ROWS`` lines."""
        batch, size = [], 0
        for job in sorted(jobs, key=lambda j: -j[1].height):
            if job[1].height > CHUNK_ROWS:
                yield [job]
                continue
            if batch and size + job[1].height > CHUNK_ROWS:
                yield batch
                batch, size = [], 0
            batch.append(job)
            size += job[1].height
        if batch:
            yield batch

    def build(batch) -> list[tuple[Path, bytes]]:
        if batch[0][1].height > CHUNK_ROWS:  # a big list: its XML in chunks, never whole
            return [finish(batch[0], rows_xml(batch[0][1], HEADER_ROW + 1, cells, heights))]
        frame = pl.concat([rows.with_columns(pl.lit(k, pl.UInt32).alias("_list")) for k, (_, rows, _) in enumerate(batch)],
                          how="vertical_relaxed")
        xml = row_strings(frame, cells, heights, pl.col("_line") + (HEADER_ROW + 1))
        joined = frame.select("_list").with_columns(xml).group_by("_list", maintain_order=True).agg(
            pl.col("xml").str.join(""))
        texts = dict(zip(joined["_list"].to_list(), joined["xml"].to_list(), strict=True))
        return [finish(job, [texts[k].encode("utf-8")] if k in texts else []) for k, job in enumerate(batch)]

    if not parallel:
        return [book for batch in batches() for book in build(batch)]
    with concurrent.futures.ThreadPoolExecutor(workers, thread_name_prefix="correction-list") as pool:
        return [book for done in pool.map(build, batches()) for book in done]
