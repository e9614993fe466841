"""Files laid out like the official forms (headers copied from the published forms), filled with
the residents of one small commune, and a run of the stages over one of them.

Each form is a list of sheet rows (None = empty cell) and the merged ranges of its header; the
residents are ``RESIDENTS``, written as the police's extract in the statutory wording (Mẫu CT01,
Thông tư 66/2023/TT-BCA).
"""

from __future__ import annotations

import re
import sys
from dataclasses import dataclass
from pathlib import Path

import polars as pl

from contracts import fields as F
from matchers import LinkSettings
from pipelines.ingest import SourceFile
from pipelines.ingest.layout import column_letter
from pipelines.stages import FileResult, StagesResult, run_stages

sys.path.insert(0, str(Path(__file__).parent / "ingest"))
from _office_files import write_xlsx  # noqa: E402

# (ID, name, birth date, gender, relation to head, household) — a commune of four households
RESIDENTS = [
    ("036060001201", "Trần Văn Hùng", "12/05/1960", "Nam", "Chủ hộ", "H1"),
    ("036162001202", "Nguyễn Thị Lan", "03/09/1962", "Nữ", "Vợ", "H1"),
    ("036088001203", "Trần Văn Minh", "21/01/1988", "Nam", "Con", "H1"),
    ("036190001204", "Phạm Thị Thu", "14/07/1990", "Nữ", "Con dâu", "H1"),
    ("036225001205", "Trần Bảo Ngọc", "02/03/2025", "Nữ", "Cháu", "H1"),
    ("036226001206", "Trần Minh Khôi", "01/03/2026", "Nam", "Cháu", "H1"),
    ("036045001207", "Lê Văn Thành", "05/11/1945", "Nam", "Chủ hộ", "H2"),
    ("036148001208", "Đỗ Thị Hoa", "17/02/1948", "Nữ", "Vợ", "H2"),
    ("036075001209", "Lê Quang Vinh", "30/06/1975", "Nam", "Con", "H2"),
    ("036195001210", "Hoàng Thị Mai", "09/10/1995", "Nữ", "Chủ hộ", "H3"),
    ("036093001211", "Vũ Đức Anh", "11/11/1993", "Nam", "Chồng", "H3"),
    ("036224001212", "Vũ Hà Linh", "25/12/2024", "Nữ", "Con", "H3"),
    ("036052001213", "Ngô Văn Sáu", "06/06/1952", "Nam", "Chủ hộ", "H4"),
    ("036155001214", "Bùi Thị Tám", "08/08/1955", "Nữ", "Vợ", "H4"),
    ("036080001215", "Ngô Thị Hằng", "19/04/1980", "Nữ", "Con", "H4"),
    ("036082001216", "Ngô Văn Đạt", "23/03/1982", "Nam", "Con", "H4"),
]
SURNAMES = ("Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Vũ", "Đặng", "Bùi", "Đỗ", "Hồ", "Ngô", "Dương", "Lý")
MIDDLES = {"Nam": ("Văn", "Đức", "Minh", "Quang", "Hữu", "Công"), "Nữ": ("Thị", "Ngọc", "Thu", "Thanh", "Hải")}
GIVEN = {"Nam": ("An", "Bình", "Cường", "Dũng", "Giang", "Hải", "Hưng", "Khang", "Long", "Nam", "Phúc", "Quân",
                 "Sơn", "Tài", "Tuấn", "Việt"),
         "Nữ": ("Anh", "Chi", "Dung", "Giang", "Hạnh", "Hương", "Lan", "Loan", "Mai", "Nga", "Nhung", "Phương",
                "Quỳnh", "Trang", "Vân", "Yến")}


def neighbours(n: int = 1500, seed: int = 6) -> list[tuple[str, str, str, str, str, str]]:
    """The rest of the commune: ``n`` residents with common names (namesakes of one another, none
    of the RESIDENTS' exact name and birth date), so that matching meets a realistic extract."""
    import random

    rng = random.Random(seed)
    taken = {(name, born) for _, name, born, *_ in RESIDENTS}
    people = []
    while len(people) < n:
        sex = rng.choice(("Nam", "Nữ"))
        name = f"{rng.choice(SURNAMES)} {rng.choice(MIDDLES[sex])} {rng.choice(GIVEN[sex])}"
        year = rng.randint(1935, 2025)
        born = f"{rng.randint(1, 28):02d}/{rng.randint(1, 12):02d}/{year}"
        if (name, born) in taken:
            continue
        taken.add((name, born))
        century = (0 if year < 2000 else 2) + (1 if sex == "Nữ" else 0)
        pid = f"036{century}{year % 100:02d}{100000 + len(people):06d}"
        people.append((pid, name, born, sex, "Chủ hộ", f"N{len(people)}"))
    return people


ID = {name: pid for pid, name, *_ in RESIDENTS}
BORN = {name: born for _, name, born, *_ in RESIDENTS}

TITLE = [["ỦY BAN NHÂN DÂN XÃ YÊN HÒA", None, None, None, "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM"],
         [None, None, None, None, "Độc lập - Tự do - Hạnh phúc"]]
SIGNATURES = [[], [None, "Người lập biểu", None, None, "Chủ tịch UBND xã"], [None, "(Ký, ghi rõ họ tên)"]]


_SPAN = re.compile(r"\{(?:r(\d+))?(?:c(\d+))?\}\s*$")


def form_grid(lines: list[str], first_row: int) -> tuple[list[list[str | None]], list[str]]:
    """Header rows written as in the forms' notes: cells split by " | ", "{r3}" merged down three
    rows, "{c5}" across five columns, "{r2c2}" both; cells a merge covers are written empty.
    Returns the rows and the merged ranges ("A5:A7"), the first line being sheet row ``first_row``."""
    rows, merges = [], []
    for r, line in enumerate(lines):
        row = []
        for c, cell in enumerate(line.split("|")):
            text = cell.strip()
            span = _SPAN.search(text)
            if span:
                text = text[: span.start()].strip()
                down, across = int(span.group(1) or 1), int(span.group(2) or 1)
                top = first_row + r
                merges.append(f"{column_letter(c)}{top}:{column_letter(c + across - 1)}{top + down - 1}")
            row.append(text.replace("\\n", "\n") or None)
        rows.append(row)
    return rows, merges


def residency_ct01(tmp_path: Path) -> Path:
    """The extract with the statutory headers of Mẫu CT01 and of the ID card."""
    rows = [*TITLE, [], ["DANH SÁCH NHÂN KHẨU THƯỜNG TRÚ"], [],
            ["TT", "Họ, chữ đệm và tên", "Ngày, tháng, năm sinh", "Giới tính", "Số định danh cá nhân",
             "Mối quan hệ với chủ hộ", "Mã hộ", "Nơi thường trú"]]
    villages = ("Thôn Đông", "Thôn Tây", "Thôn Nam", "Thôn Bắc", "Thôn Trung", "Xóm Chùa", "Xóm Bãi", "Xóm Đình")
    rows += [[i + 1, name, born, sex, pid, rel, hh, f"{villages[0 if i < len(RESIDENTS) else i % 8]}, xã Yên Hòa"]
             for i, (pid, name, born, sex, rel, hh) in enumerate(RESIDENTS + neighbours())]
    return write_xlsx(tmp_path / "nhan_khau_ct01.xlsx", {"Nhân khẩu": rows})


@dataclass(frozen=True)
class FormRun:
    """A form read and matched: its file result, its outcomes and findings in sheet-row order."""

    file: FileResult
    outcomes: pl.DataFrame
    findings: pl.DataFrame

    def resident_of(self, sheet_row: int) -> tuple[str, str | None]:
        row = self.outcomes.filter(pl.col("source_row") == sheet_row).row(0, named=True)
        return row["outcome"], row["residency_id"]


def run_form(tmp_path: Path, sector: str, name: str, rows: list[list], merges: list[str] = (),
             sheet: str = "Danh sách") -> FormRun:
    """Write ``rows`` as ``name`` (an XLSX with ``merges``), run the stages with the CT01 extract."""
    path = write_xlsx(tmp_path / name, {sheet: rows}, merges={sheet: list(merges)})
    done: StagesResult = run_stages([SourceFile(F.RESIDENCY, residency_ct01(tmp_path)), SourceFile(sector, path)],
                                    "2026-11", LinkSettings())
    (result,) = [r for r in done.results if r.sector == sector]
    (file,) = [f for f in done.files if f.source.source == sector]
    assert file.error is None, file.error
    return FormRun(file, result.outcomes.sort("source_row"), result.discrepancies)
