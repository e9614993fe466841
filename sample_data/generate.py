"""Synthetic commune: a residency extract, five sector lists with office errors, ground truth.

    python -m sample_data.generate --residents 3000 --seed 6 --out sample_data/commune

API: :func:`generate_commune` builds the frames (numpy/polars, ~1 M residents in well under a
minute), :func:`write_commune` writes them (CSV, plus XLSX for the sectors in
``xlsx_sectors``) with ``ground_truth.csv``. Output is deterministic for a seed.
See ``sample_data/README.md`` for the data, the error types and their rates.
"""

from __future__ import annotations

import argparse
import datetime as dt
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import polars as pl

from sample_data import _sectors as S
from sample_data._errors import ERROR_CODES
from sample_data._people import Allocator, Names, Place, build_population

SECTORS: tuple[str, ...] = (
    "civil_status", "vaccination", "social_protection", "social_insurance", "union_membership",
)
HEADERS = S.HEADERS
ERROR_TYPES = ERROR_CODES
DEFAULT_XLSX: tuple[str, ...] = ("vaccination", "union_membership")
REF_DATE = dt.date(2026, 10, 31)  # "today" for the generated data (the extract's date)
# A real commune: the extract carries its 2025 unit (Xã Giao Hưng, tỉnh Ninh Bình, 14179); many
# lists still write the old one it absorbed (Xã Giao Long, huyện Giao Thủy, tỉnh Nam Định, 14209).
DEFAULT_COMMUNE_CODE = "14179"
DEFAULT_COMMUNE_NAME = "Xã Giao Hưng"

# ID-like columns: written as text cells in XLSX, except values that lost their leading zero
_NUMBER_LIKE = {"Số định danh", "Số CCCD", "Số CMND/CCCD", "Số định danh cá nhân", "Mã số BHXH"}


@dataclass
class Commune:
    """Everything one generation produced. Sector frames hold the text as typed (empty cells
    are null, ``STT`` is an integer). ``truth`` has ``sector``, ``row`` (0-based data row of the
    sector frame), ``true_person_id`` (null for people not in the extract) and ``errors``."""

    commune_code: str
    commune_name: str
    seed: int
    ref_date: dt.date
    residents: pl.DataFrame
    civil_status: pl.DataFrame
    vaccination: pl.DataFrame
    social_protection: pl.DataFrame
    social_insurance: pl.DataFrame
    union_membership: pl.DataFrame
    truth: pl.DataFrame

    @property
    def sectors(self) -> dict[str, pl.DataFrame]:
        return {s: getattr(self, s) for s in SECTORS}

    def ground_truth(self, xlsx_sectors: tuple[str, ...] = DEFAULT_XLSX) -> pl.DataFrame:
        """``sector, source_file, source_row, true_person_id, errors`` as written to disk."""
        parts = []
        for s in SECTORS:
            xlsx = s in xlsx_sectors
            first = _layout(self, s)["first_data_row"] if xlsx else 2
            parts.append(self.truth.filter(pl.col("sector") == s).select(
                "sector",
                pl.lit(f"{s}.{'xlsx' if xlsx else 'csv'}").alias("source_file"),
                (pl.col("row") + first).alias("source_row"),
                "true_person_id",
                pl.when(pl.col("errors") != "").then(pl.col("errors")).alias("errors")))
        return pl.concat(parts)


def generate_commune(n_residents: int, seed: int, commune_code: str = DEFAULT_COMMUNE_CODE,
                     commune_name: str = DEFAULT_COMMUNE_NAME,
                     ref_date: dt.date = REF_DATE) -> Commune:
    if n_residents < 50:
        raise ValueError("n_residents must be at least 50")
    place = Place(commune_code=commune_code, commune_name=commune_name, ref_date=ref_date)
    ss = np.random.SeedSequence(seed)
    r_pop, r_ids, r_cs, r_va, r_sp, r_si, r_un = (np.random.default_rng(s) for s in ss.spawn(7))
    names = Names()
    ids, cmnds, bhxh = Allocator(r_ids), Allocator(r_ids), Allocator(r_ids)
    pop = build_population(n_residents, r_pop, place, names, ids, cmnds)

    def ctx(rng: np.random.Generator) -> S.Ctx:
        return S.Ctx(pop=pop, place=place, names=names, ids=ids, cmnds=cmnds, rng=rng)

    built = {
        "civil_status": S.civil_status(ctx(r_cs)),
        "vaccination": S.vaccination(ctx(r_va)),
        "social_protection": S.social_protection(ctx(r_sp)),
        "social_insurance": S.social_insurance(ctx(r_si), bhxh),
        "union_membership": S.union_membership(ctx(r_un)),
    }
    truth = pl.concat([t.select(pl.lit(s).alias("sector"), pl.all()) for s, (_, t) in built.items()])
    return Commune(
        commune_code=commune_code, commune_name=commune_name, seed=seed, ref_date=ref_date,
        residents=_residency(pop, place), truth=truth,
        **{s: f for s, (f, _) in built.items()},
    )


def _residency(pop: pl.DataFrame, place: Place) -> pl.DataFrame:
    return pop.select(
        pl.int_range(1, pl.len() + 1, dtype=pl.Int64).alias("STT"),
        pl.col("pid").alias("Số định danh cá nhân"),
        pl.col("name").alias("Họ và tên"),
        pl.when(pl.col("prec") == "year").then(pl.col("birth").dt.year().cast(pl.String))
        .otherwise(pl.col("birth").dt.strftime("%d/%m/%Y")).alias("Ngày sinh"),
        pl.when(pl.col("female")).then(pl.lit("Nữ")).otherwise(pl.lit("Nam")).alias("Giới tính"),
        pl.col("cmnd").alias("Số CMND"),
        pl.col("hh_code").alias("Mã hộ"),
        pl.col("rel").alias("Quan hệ với chủ hộ"),
        pl.col("village").alias("Thôn/Tổ dân phố"),
        pl.lit(place.commune_code).alias("Mã xã"),
    )


# ---- writing ---------------------------------------------------------------------------------
def _layout(c: Commune, sector: str) -> dict:
    """Title block (list of rows of (column, text, merge-to-column)) above the header row."""
    bare = c.commune_name.split(" ", 1)[1] if " " in c.commune_name else c.commune_name
    last = len(HEADERS[sector]) - 1
    if sector == "vaccination":
        title = [
            [(0, f"TRẠM Y TẾ XÃ {bare.upper()}", 3), (5, "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", last)],
            [(5, "Độc lập - Tự do - Hạnh phúc", last)],
            [(0, f"DANH SÁCH TIÊM CHỦNG TRẺ EM DƯỚI 7 TUỔI NĂM {c.ref_date.year - 2}-{c.ref_date.year}",
              last)],
            [],
        ]
        footer = [[], [(1, "Người lập biểu", 2), (7, "TRƯỞNG TRẠM", last)],
                  [(1, "(Ký, ghi rõ họ tên)", 2), (7, "(Ký, đóng dấu)", last)]]
    elif sector == "union_membership":
        title = [
            [(0, "DANH SÁCH ĐOÀN VIÊN, HỘI VIÊN CÁC TỔ CHỨC CHÍNH TRỊ - XÃ HỘI", last)],
            [(0, f"{c.commune_name} (cập nhật đến ngày {c.ref_date:%d/%m/%Y})", last)],
        ]
        footer = []
    else:
        title = [[(0, f"DANH SÁCH {sector.replace('_', ' ').upper()} - {c.commune_name.upper()}",
                   last)], []]
        footer = []
    return {"title": title, "footer": footer, "header_row": len(title) + 1,
            "first_data_row": len(title) + 2}


def _write_xlsx(c: Commune, sector: str, path: Path) -> None:
    import xlsxwriter

    frame = c.sectors[sector]
    errs = c.truth.filter(pl.col("sector") == sector)["errors"].to_list()
    lay = _layout(c, sector)
    created = dt.datetime.combine(c.ref_date, dt.time(8, 0))
    with xlsxwriter.Workbook(str(path), {"constant_memory": True}) as wb:
        wb.set_properties({"created": created, "author": c.commune_name})
        ws = wb.add_worksheet("Sheet1")
        bold_c = wb.add_format({"bold": True, "align": "center"})
        head = wb.add_format({"bold": True, "align": "center", "valign": "vcenter",
                              "text_wrap": True, "border": 1})
        cell = wb.add_format({"border": 1})
        text = wb.add_format({"border": 1, "num_format": "@"})
        widths = {"STT": 5, "Chi hội": 22, "Tổ chức": 24, "Tên vắc xin": 20}
        for j, col in enumerate(frame.columns):
            ws.set_column(j, j, widths.get(col, 26 if "Họ" in col else 14))
        for i, row in enumerate(lay["title"]):
            for (c0, txt, c1) in row:
                if c1 > c0:
                    ws.merge_range(i, c0, i, c1, txt, bold_c)
                else:
                    ws.write_string(i, c0, txt, bold_c)
        h = lay["header_row"] - 1
        for j, col in enumerate(frame.columns):
            ws.write_string(h, j, col, head)
        numeric_err = {"Mã số BHXH": "insurance_lost_zero"}
        cols = frame.columns
        for i, values in enumerate(frame.iter_rows()):
            r = h + 1 + i
            e = errs[i]
            for j, v in enumerate(values):
                if v is None:
                    ws.write_blank(r, j, None, cell)
                elif cols[j] == "STT":
                    ws.write_number(r, j, v, cell)
                elif cols[j] in _NUMBER_LIKE:
                    code = numeric_err.get(cols[j], "id_lost_zero")
                    if code in e.split(";") and v.isdigit():
                        ws.write_number(r, j, int(v), cell)  # a number cell: the zero is gone
                    else:
                        ws.write_string(r, j, v, text)
                else:
                    ws.write_string(r, j, v, cell)
        r = h + 1 + frame.height
        for k, row in enumerate(lay["footer"]):
            for (c0, txt, c1) in row:
                ws.merge_range(r + k, c0, r + k, c1, txt, bold_c)


def write_commune(commune: Commune, out_dir: Path,
                  xlsx_sectors: tuple[str, ...] = DEFAULT_XLSX) -> dict[str, Path]:
    """Write residency.csv, one file per sector, ground_truth.csv. Returns name -> path."""
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    paths: dict[str, Path] = {}
    paths["residency"] = out_dir / "residency.csv"
    commune.residents.write_csv(paths["residency"])
    for s in SECTORS:
        if s in xlsx_sectors:
            paths[s] = out_dir / f"{s}.xlsx"
            _write_xlsx(commune, s, paths[s])
        else:
            paths[s] = out_dir / f"{s}.csv"
            commune.sectors[s].write_csv(paths[s])
        for stale in (out_dir / f"{s}.csv", out_dir / f"{s}.xlsx"):
            if stale != paths[s] and stale.exists():
                stale.unlink()
    paths["ground_truth"] = out_dir / "ground_truth.csv"
    commune.ground_truth(xlsx_sectors).write_csv(paths["ground_truth"])
    return paths


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(prog="python -m sample_data.generate",
                                 description=__doc__.split("\n")[0])
    ap.add_argument("--residents", type=int, default=3000)
    ap.add_argument("--seed", type=int, default=6)
    ap.add_argument("--out", type=Path, default=Path("sample_data/commune"))
    ap.add_argument("--commune-code", default=DEFAULT_COMMUNE_CODE)
    ap.add_argument("--commune-name", default=DEFAULT_COMMUNE_NAME)
    ap.add_argument("--csv-only", action="store_true",
                    help="write every sector as CSV (for large sizes)")
    a = ap.parse_args(argv)
    c = generate_commune(a.residents, a.seed, a.commune_code, a.commune_name)
    paths = write_commune(c, a.out, () if a.csv_only else DEFAULT_XLSX)
    rows = {s: f.height for s, f in c.sectors.items()}
    print(f"{c.residents.height} residents, {sum(rows.values())} sector rows {rows} -> {a.out}")
    for p in paths.values():
        print(f"  {p}")


if __name__ == "__main__":
    main()
