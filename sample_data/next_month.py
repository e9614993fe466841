"""The next month of a generated commune: the same CSV files, a few percent changed as a month changes them.

    python -m sample_data.next_month MONTH1_FOLDER MONTH2_FOLDER [--share 0.015] [--seed 2]

- The extract: ``share`` of the residents die or move away (their rows go, the rows below move
  up), as many are born or move in (new rows at the end, new personal IDs; half of them carry
  the name of someone already in the extract), and ``share`` / 2 of the rows are corrected
  (a tone mark, another village).
- Each sector list: ``share`` of its rows go (the rest move up), ``share`` / 2 are corrected (a
  typo in the name, a birth date one day off) and ``share`` of new rows are added at the end,
  people of the new extract (the newborns among them) written in the list's own layout with their
  own name, birth date, gender, ID and village (no carer named); a mover's rows were already there.
- ``ground_truth.csv`` follows the rows: a removed row leaves it, a moved row keeps its person,
  an added row names the resident it was written for.
Workbooks (``.xlsx``) are copied unchanged. Used by the incremental-run tests and
``bench/incremental.py``.
"""

from __future__ import annotations

import argparse
import shutil
from pathlib import Path

import polars as pl

ROW_NUMBER = "STT"
FIRST_DATA_ROW = 2  # the header is sheet row 1
TRUTH = "_true_person_id"


def _column(frame: pl.DataFrame, *, starts: tuple[str, ...] = (), has: tuple[str, ...] = (),
            lacks: tuple[str, ...] = ()) -> str | None:
    """The first header that starts with one of ``starts``, holds all of ``has`` and none of ``lacks``."""
    for name in frame.columns:
        low = name.lower()
        if (not starts or low.startswith(starts)) and all(h in low for h in has) and not any(x in low for x in lacks):
            return name
    return None


def _name_column(frame: pl.DataFrame) -> str:
    found = _column(frame, starts=("họ",), has=("tên",), lacks=("mẹ", "chăm sóc", "chủ hộ"))
    if found is None:
        raise ValueError("no name column")
    return found


def _id_columns(frame: pl.DataFrame) -> list[str]:
    return [c for c in frame.columns if any(k in c.lower() for k in ("định danh", "cccd", "cmnd"))]


def _date_column(frame: pl.DataFrame) -> str | None:
    return _column(frame, has=("sinh",), lacks=("nơi", "mẹ"))


def _unaccent_one_word(name: pl.Expr) -> pl.Expr:
    """The name with the tone marks of its last word dropped ("Nguyễn Văn Hùng" → "Nguyễn Văn Hung")."""
    words = name.str.split(" ")
    last = words.list.last()
    plain = last.str.normalize("NFD").str.replace_all(r"[\u0300-\u036f]", "").str.replace_all("đ", "d").str.replace_all("Đ", "D")
    return pl.concat_str(words.list.slice(0, words.list.len() - 1).list.join(" "), pl.lit(" "), plain).str.strip_chars()


def _day_later(date: pl.Expr) -> pl.Expr:
    """A dd/mm/yyyy date one day later; a year alone is left as it is."""
    parsed = date.str.to_date("%d/%m/%Y", strict=False)
    return pl.when(parsed.is_not_null()).then((parsed + pl.duration(days=1)).dt.strftime("%d/%m/%Y")).otherwise(date)


def _pick(height: int, share: float, seed: int) -> pl.Series:
    """Row positions, about ``share`` of ``height``, chosen with ``seed``."""
    n = min(height, max(1, round(height * share))) if height else 0
    return pl.Series(range(height)).sample(n, seed=seed).sort() if n else pl.Series([], dtype=pl.Int64)


def _renumber(frame: pl.DataFrame) -> pl.DataFrame:
    if ROW_NUMBER in frame.columns:
        frame = frame.with_columns(pl.int_range(1, frame.height + 1).cast(pl.String).alias(ROW_NUMBER))
    return frame


def _with_truth(frame: pl.DataFrame, truth: pl.DataFrame, sector: str, file: str) -> pl.DataFrame:
    mine = truth.filter((pl.col("sector") == sector) & (pl.col("source_file") == file)).select(
        (pl.col("source_row").cast(pl.Int64) - FIRST_DATA_ROW).alias("_i"), pl.col("true_person_id").alias(TRUTH))
    return frame.with_row_index("_i").with_columns(pl.col("_i").cast(pl.Int64)).join(
        mine, on="_i", how="left", maintain_order="left").drop("_i")


def next_extract(residents: pl.DataFrame, share: float, seed: int, movers: pl.DataFrame | None = None) -> pl.DataFrame:
    """The extract a month later (see the module's docstring); ``movers`` (name, birth date, ID):
    people some list already shows who now move into the commune."""
    name, pid = _name_column(residents), "Số định danh cá nhân"
    gone = _pick(residents.height, share, seed)
    kept = residents.with_row_index("_i").filter(~pl.col("_i").is_in(gone.cast(pl.UInt32).implode())).drop("_i")
    fixed = _pick(kept.height, share / 2, seed + 1).cast(pl.UInt32)
    place = "Thôn/Tổ dân phố"
    kept = kept.with_row_index("_i").with_columns(
        pl.when(pl.col("_i").is_in(fixed.implode()) & (pl.col("_i") % 2 == 0)).then(_unaccent_one_word(pl.col(name)))
        .otherwise(pl.col(name)).alias(name),
        *([pl.when(pl.col("_i").is_in(fixed.implode()) & (pl.col("_i") % 2 == 1)).then(pl.lit("Thôn 1"))
           .otherwise(pl.col(place)).alias(place)] if place in kept.columns else []),
    ).drop("_i")
    born = residents.sample(max(1, round(residents.height * share)), seed=seed + 2, with_replacement=True)
    namesakes = born.with_row_index("_i")
    born = namesakes.with_columns(
        pl.when(pl.col("_i") % 2 == 0).then(pl.lit("Khổng ") + pl.col(name).str.split(" ").list.slice(1).list.join(" "))
        .otherwise(pl.col(name)).alias(name),
        (pl.lit("0992") + (pl.col("_i") + seed * 1_000_000).cast(pl.String).str.zfill(8)).alias(pid),
        pl.lit("01/10/2026").alias("Ngày sinh"),
        *([pl.lit(None, pl.String).alias("Số CMND")] if "Số CMND" in residents.columns else []),
    ).drop("_i")
    if movers is not None and movers.height:
        moved = residents.sample(movers.height, seed=seed + 3, with_replacement=True).with_columns(
            movers["name"].alias(name), movers["birth_date"].alias("Ngày sinh"), movers["person_id"].alias(pid),
            *([pl.lit(None, pl.String).alias("Số CMND")] if "Số CMND" in residents.columns else []))
        born = pl.concat([born.head(max(born.height - movers.height, 0)), moved.select(born.columns)])
    return _renumber(pl.concat([kept, born.select(kept.columns)]))


def _movers(lists: dict[str, pl.DataFrame], n: int, seed: int) -> pl.DataFrame:
    """Up to ``n`` people the lists show who are in no extract row (no true resident), with a full
    birth date: ``name, birth_date, person_id`` (the row's ID, or a new one)."""
    found = []
    for rows in lists.values():
        date, ids = _date_column(rows), _id_columns(rows)
        if date is None:
            continue
        found.append(rows.filter(pl.col(TRUTH).is_null() & pl.col(date).str.contains(r"^\d\d/\d\d/\d{4}$")).select(
            pl.col(_name_column(rows)).alias("name"), pl.col(date).alias("birth_date"),
            (pl.coalesce(*[pl.col(c) for c in ids]) if ids else pl.lit(None, pl.String)).alias("person_id")))
    if not found:
        return pl.DataFrame(schema={"name": pl.String, "birth_date": pl.String, "person_id": pl.String})
    pool = pl.concat(found).unique("name", keep="first", maintain_order=True)
    pool = pool.sample(min(n, pool.height), seed=seed).with_row_index("_i")
    fresh = pl.lit("0993") + (pl.col("_i") + seed * 1_000_000).cast(pl.String).str.zfill(8)
    return pool.with_columns(pl.when(pl.col("person_id").str.contains(r"^\d{12}$")).then(pl.col("person_id"))
                             .otherwise(fresh).alias("person_id")).drop("_i")


def next_list(rows: pl.DataFrame, extract: pl.DataFrame, share: float, seed: int) -> pl.DataFrame:
    """A sector list a month later, written for people of ``extract`` (see the module's docstring)."""
    name, date, ids = _name_column(rows), _date_column(rows), _id_columns(rows)
    gone = _pick(rows.height, share, seed).cast(pl.UInt32)
    kept = rows.with_row_index("_i").filter(~pl.col("_i").is_in(gone.implode())).drop("_i")
    fixed = _pick(kept.height, share / 2, seed + 1).cast(pl.UInt32)
    kept = kept.with_row_index("_i").with_columns(
        pl.when(pl.col("_i").is_in(fixed.implode()) & (pl.col("_i") % 2 == 0)).then(_unaccent_one_word(pl.col(name)))
        .otherwise(pl.col(name)).alias(name),
        *([pl.when(pl.col("_i").is_in(fixed.implode()) & (pl.col("_i") % 2 == 1)).then(_day_later(pl.col(date)))
           .otherwise(pl.col(date)).alias(date)] if date else []),
    ).drop("_i")
    n = max(1, round(rows.height * share))
    people = pl.concat([extract.tail(max(1, n // 3)), extract.sample(n - max(1, n // 3), seed=seed + 2)]).head(n)
    template = rows.sample(people.height, seed=seed + 3, with_replacement=True)
    year_only = date is not None and ((rows[date].drop_nulls().str.len_chars() == 4).mean() or 0) > 0.5  # "Năm sinh"
    gender = _column(rows, starts=("giới",))
    place = _column(rows, has=("thôn",)) or _column(rows, has=("địa chỉ",)) or _column(rows, has=("cư trú",))
    carer = _column(rows, has=("mẹ",)) or _column(rows, has=("chăm sóc",))
    upper = gender is not None and bool(rows[gender].drop_nulls().str.contains("NỮ|NAM").any())
    added = template.with_columns(
        people[_name_column(people)].alias(name),
        *([(people["Giới tính"].str.to_uppercase() if upper else people["Giới tính"]).alias(gender)] if gender else []),
        # the person's own village in the list's way of writing an address; no carer named
        *([pl.col(place).str.replace(r"^[^,]*", people["Thôn/Tổ dân phố"].str.replace_all(r"\$", r"$$"))
           .alias(place)] if place and "Thôn/Tổ dân phố" in people.columns else []),
        *([pl.lit(None, pl.String).alias(carer)] if carer else []),
        *([(people["Ngày sinh"].str.slice(-4) if year_only else people["Ngày sinh"]).alias(date)] if date else []),
        *[people["Số định danh cá nhân"].alias(c) for c in ids],
        people["Số định danh cá nhân"].alias(TRUTH),
    )
    return _renumber(pl.concat([kept, added.select(kept.columns)]))


def next_month(folder: Path, out: Path, share: float = 0.015, seed: int = 2) -> None:
    """Write month 2 of the commune in ``folder`` to ``out`` (see the module's docstring)."""
    folder, out = Path(folder), Path(out)
    out.mkdir(parents=True, exist_ok=True)
    truth = pl.read_csv(folder / "ground_truth.csv", infer_schema=False)
    residents = pl.read_csv(folder / "residency.csv", infer_schema=False)
    lists = {path: _with_truth(pl.read_csv(path, infer_schema=False), truth, path.stem, path.name)
             for path in sorted(folder.glob("*.csv")) if path.name not in ("residency.csv", "ground_truth.csv")}
    movers = _movers(lists, max(1, round(residents.height * share / 2)), seed + 5)
    extract = next_extract(residents, share, seed, movers)
    extract.write_csv(out / "residency.csv")
    found = {(name, date): pid for name, date, pid in movers.iter_rows()}
    truths = []
    for path in sorted(folder.iterdir()):
        if path.name in ("residency.csv", "ground_truth.csv"):
            continue
        if path.suffix.lower() != ".csv":
            shutil.copy2(path, out / path.name)
            truths.append(truth.filter(pl.col("source_file") == path.name))
            continue
        sector = path.stem
        rows = lists[path]
        date = _date_column(rows)
        if found and date is not None:  # a mover's rows now name the resident they became
            moved = movers.rename({"name": _name_column(rows), "birth_date": date, "person_id": "_moved"})
            rows = rows.join(moved, on=[_name_column(rows), date], how="left", maintain_order="left").with_columns(
                pl.coalesce(TRUTH, "_moved").alias(TRUTH)).drop("_moved")
        month2 = next_list(rows, extract, share, seed + 10 * len(truths))
        month2.drop(TRUTH).write_csv(out / path.name)
        truths.append(month2.select(
            pl.lit(sector).alias("sector"), pl.lit(path.name).alias("source_file"),
            (pl.int_range(pl.len()) + FIRST_DATA_ROW).cast(pl.String).alias("source_row"),
            pl.col(TRUTH).alias("true_person_id"), pl.lit(None, pl.String).alias("errors")))
    pl.concat(truths, how="diagonal_relaxed").select(truth.columns).write_csv(out / "ground_truth.csv")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("month1", type=Path)
    parser.add_argument("month2", type=Path)
    parser.add_argument("--share", type=float, default=0.015)
    parser.add_argument("--seed", type=int, default=2)
    args = parser.parse_args()
    next_month(args.month1, args.month2, args.share, args.seed)


if __name__ == "__main__":
    main()
