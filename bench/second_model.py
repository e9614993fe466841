"""A second, independent error model: sector lists built from a residency extract alone.

    .venv/bin/python bench/second_model.py --residency DIR/residency.csv --out DIR_B [--seed 11]

The project's generator (``sample_data``) makes the population and its own sector lists with its
own error model; the matcher must not be tuned to that one guess. This module reads only the
*clean* residency extract the generator wrote and builds five new sector lists from it, written
with a different idea of how office lists go wrong (designed from ../shared/DOMAIN.md and from
what real lists contain, not from ``sample_data/_errors.py``):

- several errors on one row: 0–3 errors per row, drawn per sector (social protection the worst);
- names: two words run together ("NguyễnVăn Hùng") or a syllable split, keyboard-adjacent typos
  (substitution, insertion, deletion on a QWERTY keyboard), OCR-like confusions (rn/m, ư/u,
  ơ/o, one tone lost), one or two middle names dropped, a middle name added, Telex or VNI
  leftovers on one syllable, no diacritics, all capitals, doubled spaces;
- dates: missing (far more often for the elderly), year only, one wrong digit, year ±1,
  day/month swapped, the 01/01 placeholder, a two-digit year, the date spelt out;
- gender wrong (the ID still right) or missing;
- IDs: missing (children most of all), another household member's ID, one wrong digit, two
  digits transposed, the old CMND instead, the leading zero lost, the last digit cut off,
  written with spaces or dots;
- non-residents: invented people (names recombined from the extract's parts), namesakes with
  another birth date, and a few with a resident's name *and* birth date but their own ID.

The output directory holds ``residency.csv`` (copied), the five sector CSVs with the sample's
headers, and ``ground_truth.csv`` (``sector, source_file, source_row, true_person_id, errors``),
so ``bench/quality.py --model second`` scores it exactly like the generator's data.
"""

from __future__ import annotations

import argparse
import datetime as dt
import shutil
import unicodedata
from pathlib import Path

import numpy as np
import polars as pl

REF = dt.date(2026, 10, 31)
ACUTE, GRAVE, HOOK, TILDE, DOT = "\u0301", "\u0300", "\u0309", "\u0303", "\u0323"
CIRC, BREVE, HORN = "\u0302", "\u0306", "\u031b"
TONES = {ACUTE: ("s", "1"), GRAVE: ("f", "2"), HOOK: ("r", "3"), TILDE: ("x", "4"), DOT: ("j", "5")}
KEYBOARD = ["qwertyuiop", "asdfghjkl", "zxcvbnm"]
OCR = [("m", "rn"), ("ư", "u"), ("ơ", "o"), ("ă", "a"), ("ê", "e"), ("â", "a"), ("đ", "d"), ("l", "I"),
       ("h", "b"), ("n", "u")]

# Errors per row: P(0, 1, 2, 3) per sector.
ERRORS_PER_ROW = {
    "civil_status": (0.66, 0.25, 0.07, 0.02),
    "vaccination": (0.45, 0.35, 0.15, 0.05),
    "social_protection": (0.38, 0.35, 0.19, 0.08),
    "social_insurance": (0.60, 0.28, 0.09, 0.03),
    "union_membership": (0.50, 0.32, 0.13, 0.05),
}
# The catalogue: code → (group, weight). At most one error per group on a row.
CATALOGUE: dict[str, tuple[str, float]] = {
    "b_fused_words": ("name_shape", 4), "b_split_syllable": ("name_shape", 1),
    "b_middle_drop1": ("name_shape", 3), "b_middle_drop2": ("name_shape", 1), "b_middle_add": ("name_shape", 1.5),
    "b_keyboard_typo": ("name_spelling", 4), "b_ocr": ("name_spelling", 2), "b_telex": ("name_spelling", 1.5),
    "b_vni": ("name_spelling", 0.7), "b_no_diacritics": ("name_case", 2.5), "b_upper": ("name_case", 2),
    "b_double_space": ("name_case", 1),
    "b_dob_missing": ("dob", 2), "b_dob_year_only": ("dob", 2.5), "b_dob_digit": ("dob", 2.5),
    "b_dob_year_pm1": ("dob", 2), "b_dob_swap": ("dob", 1.5), "b_dob_jan1": ("dob", 1),
    "b_dob_two_digit_year": ("dob", 1), "b_dob_spelt": ("dob", 0.7),
    "b_gender_wrong": ("gender", 1.5), "b_gender_missing": ("gender", 1),
    "b_id_missing": ("id", 5), "b_id_household": ("id", 1.5), "b_id_digit": ("id", 1.5),
    "b_id_transposed": ("id", 0.8), "b_id_cmnd": ("id", 1.5), "b_id_lost_zero": ("id", 2),
    "b_id_cut": ("id", 0.5), "b_id_formatted": ("id", 1),
}
NON_RESIDENTS = {"civil_status": 0.10, "vaccination": 0.05, "social_protection": 0.03,
                 "social_insurance": 0.08, "union_membership": 0.05}
OTHER_COMMUNES = ("xã Hải Quang, tỉnh Ninh Bình", "phường Dĩ An, tỉnh Bình Dương", "phường Trung Hòa, quận Cầu Giấy, Hà Nội",
                  "xã Yên Thọ, huyện Ý Yên, tỉnh Nam Định", "phường Bình Tân, TP. Hồ Chí Minh")
HEADERS = {
    "civil_status": ("STT", "Số đăng ký", "Loại việc", "Ngày đăng ký", "Họ và tên", "Ngày tháng năm sinh",
                     "Giới tính", "Số CCCD", "Nơi cư trú"),
    "vaccination": ("STT", "Họ tên trẻ", "Ngày sinh", "Giới tính", "Họ tên mẹ/người chăm sóc", "Số định danh",
                    "Tên vắc xin", "Mũi tiêm", "Ngày tiêm", "Thôn/ấp"),
    "social_protection": ("STT", "Họ và tên", "Năm sinh", "Giới tính", "Số CMND/CCCD", "Địa chỉ thường trú",
                          "Đối tượng", "Mức trợ cấp"),
    "social_insurance": ("STT", "Mã số BHXH", "Họ và tên", "Ngày sinh", "Giới tính", "Số định danh cá nhân",
                         "Địa chỉ"),
    "union_membership": ("STT", "Họ và tên", "Ngày sinh", "Giới tính", "Số CCCD", "Tổ chức", "Ngày vào",
                         "Chi hội"),
}


# ---- text corruptions (one value at a time: a bench tool, not the product) ---------------------
def _syllables(name: str) -> list[str]:
    return name.split()


def fuse(name: str, rng: np.random.Generator) -> str:
    words = _syllables(name)
    if len(words) < 2:
        return name
    i = int(rng.integers(0, len(words) - 1))
    return " ".join([*words[:i], words[i] + words[i + 1], *words[i + 2:]])


def split_syllable(name: str, rng: np.random.Generator) -> str:
    words = _syllables(name)
    i = int(rng.integers(0, len(words)))
    w = words[i]
    if len(w) < 3:
        return name
    k = int(rng.integers(1, len(w) - 1))
    words[i] = w[:k] + " " + w[k:]
    return " ".join(words)


def drop_middle(name: str, n: int, rng: np.random.Generator) -> str:
    words = _syllables(name)
    if len(words) < 2 + n:
        return name
    middle = list(range(1, len(words) - 1))
    gone = set(rng.choice(middle, size=n, replace=False).tolist())
    return " ".join(w for j, w in enumerate(words) if j not in gone)


def add_middle(name: str, female: bool, rng: np.random.Generator) -> str:
    words = _syllables(name)
    extra = str(rng.choice(["Thị", "Ngọc", "Thu"] if female else ["Văn", "Đức", "Hữu"]))
    if len(words) < 2 or extra in words:
        return name
    return " ".join([words[0], extra, *words[1:]])


def _neighbour(c: str, rng: np.random.Generator) -> str:
    for row_i, row in enumerate(KEYBOARD):
        j = row.find(c)
        if j >= 0:
            options = [row[k] for k in (j - 1, j + 1) if 0 <= k < len(row)]
            for other in (row_i - 1, row_i + 1):
                if 0 <= other < len(KEYBOARD) and j < len(KEYBOARD[other]):
                    options.append(KEYBOARD[other][j])
            return str(rng.choice(options))
    return c


def keyboard_typo(name: str, rng: np.random.Generator) -> str:
    """Substitute, insert or delete one plain letter, using a QWERTY neighbour."""
    spots = [i for i, c in enumerate(name) if c.lower() in "abcdefghijklmnopqrstuvwxyz" and i > 0
             and name[i - 1] != " "]
    if not spots:
        return name
    i = int(rng.choice(spots))
    c = name[i]
    n = _neighbour(c.lower(), rng)
    op = rng.integers(0, 3)
    if op == 0:
        return name[:i] + n + name[i + 1:]
    if op == 1:
        return name[:i] + n + name[i:]
    return name[:i] + name[i + 1:]


def ocr(name: str, rng: np.random.Generator) -> str:
    options = [(a, b) for a, b in OCR if a in name]
    if not options:
        return drop_one_tone(name, rng)
    a, b = options[int(rng.integers(0, len(options)))]
    i = name.find(a)
    return name[:i] + b + name[i + len(a):]


def drop_one_tone(name: str, rng: np.random.Generator) -> str:
    words = _syllables(name)
    toned = [j for j, w in enumerate(words) if any(t in unicodedata.normalize("NFD", w) for t in TONES)]
    if not toned:
        return name
    j = int(rng.choice(toned))
    words[j] = unicodedata.normalize("NFC", "".join(
        c for c in unicodedata.normalize("NFD", words[j]) if c not in TONES))
    return " ".join(words)


def _keyed(word: str, style: int) -> str:
    """One syllable as typed with Telex (style 0) or VNI (style 1) and the IME off."""
    out, tone = [], ""
    for ch in unicodedata.normalize("NFD", word):
        if ch in TONES:
            tone = TONES[ch][style]
        elif ch == CIRC:
            out.append(out[-1] if style == 0 else "6")
        elif ch == BREVE:
            out.append("w" if style == 0 else "8")
        elif ch == HORN:
            out.append("w" if style == 0 else "7")
        elif ch in "đĐ":
            out.append(("d" if ch == "đ" else "D") + ("d" if style == 0 else "9"))
        else:
            out.append(ch)
    return "".join(out) + tone


def keyed(name: str, style: int, rng: np.random.Generator) -> str:
    words = _syllables(name)
    marked = [j for j, w in enumerate(words) if unicodedata.normalize("NFD", w) != w or "đ" in w.lower()]
    if not marked:
        return name
    j = int(rng.choice(marked))
    words[j] = _keyed(words[j], style)
    return " ".join(words)


def strip_diacritics(name: str) -> str:
    text = "".join(c for c in unicodedata.normalize("NFD", name) if not unicodedata.combining(c))
    return text.replace("đ", "d").replace("Đ", "D")


def name_error(code: str, name: str, female: bool, rng: np.random.Generator) -> str:
    match code:
        case "b_fused_words":
            return fuse(name, rng)
        case "b_split_syllable":
            return split_syllable(name, rng)
        case "b_middle_drop1":
            return drop_middle(name, 1, rng)
        case "b_middle_drop2":
            return drop_middle(name, 2, rng)
        case "b_middle_add":
            return add_middle(name, female, rng)
        case "b_keyboard_typo":
            return keyboard_typo(name, rng)
        case "b_ocr":
            return ocr(name, rng)
        case "b_telex":
            return keyed(name, 0, rng)
        case "b_vni":
            return keyed(name, 1, rng)
        case "b_no_diacritics":
            return strip_diacritics(name)
        case "b_upper":
            return name.upper()
        case "b_double_space":
            return name.replace(" ", "  ", 1) + " "
    raise ValueError(code)


# ---- dates and IDs -----------------------------------------------------------------------------
def parse_date(text: str | None) -> tuple[dt.date | None, bool]:
    """(date, year_only) of the extract's "dd/mm/yyyy" or "yyyy"."""
    if not text:
        return None, False
    if len(text) == 4:
        return dt.date(int(text), 1, 1), True
    d, m, y = map(int, text.split("/"))
    return dt.date(y, m, d), False


def date_error(code: str, date: dt.date, rng: np.random.Generator) -> str | None:
    match code:
        case "b_dob_missing":
            return None
        case "b_dob_year_only":
            return str(date.year)
        case "b_dob_digit":
            text = list(date.strftime("%d%m%Y"))
            for _ in range(20):
                i = int(rng.integers(0, 8))
                new = text.copy()
                new[i] = str(int(rng.integers(0, 10)))
                s = "".join(new)
                try:
                    candidate = dt.date(int(s[4:]), int(s[2:4]), int(s[:2]))
                except ValueError:
                    continue
                if candidate != date and dt.date(1900, 1, 1) <= candidate <= REF:
                    return candidate.strftime("%d/%m/%Y")
            return date.strftime("%d/%m/%Y")
        case "b_dob_year_pm1":
            year = date.year + int(rng.choice([-1, 1]))
            day = min(date.day, 28) if date.month == 2 else date.day
            moved = dt.date(year, date.month, day)
            moved = moved if moved <= REF else dt.date(date.year - 1, date.month, day)
            return moved.strftime("%d/%m/%Y")
        case "b_dob_swap":
            if date.day <= 12 and date.day != date.month:
                return dt.date(date.year, date.day, date.month).strftime("%d/%m/%Y")
            return date.strftime("%d/%m/%Y")
        case "b_dob_jan1":
            return f"01/01/{date.year}"
        case "b_dob_two_digit_year":
            return date.strftime("%d/%m/%y")
        case "b_dob_spelt":
            return f"ngày {date.day} tháng {date.month} năm {date.year}"
    raise ValueError(code)


def id_error(code: str, pid: str, cmnd: str | None, household_ids: list[str], rng: np.random.Generator) -> str | None:
    match code:
        case "b_id_missing":
            return None
        case "b_id_household":
            others = [h for h in household_ids if h != pid]
            return str(rng.choice(others)) if others else pid
        case "b_id_digit":
            i = int(rng.integers(3, 12))
            d = str((int(pid[i]) + int(rng.integers(1, 10))) % 10)
            return pid[:i] + d + pid[i + 1:]
        case "b_id_transposed":
            for _ in range(10):
                i = int(rng.integers(3, 11))
                if pid[i] != pid[i + 1]:
                    return pid[:i] + pid[i + 1] + pid[i] + pid[i + 2:]
            return pid
        case "b_id_cmnd":
            return cmnd or pid
        case "b_id_lost_zero":
            return pid.lstrip("0") if pid.startswith("0") else pid
        case "b_id_cut":
            return pid[:-1]
        case "b_id_formatted":
            return f"{pid[:3]} {pid[3:6]} {pid[6:9]} {pid[9:]}" if rng.random() < 0.5 else f"{pid[:3]}.{pid[3:6]}.{pid[6:]}"
    raise ValueError(code)


# ---- building the lists --------------------------------------------------------------------------
def draw_errors(sector: str, n: int, elderly: np.ndarray, child: np.ndarray, rng: np.random.Generator) -> list[list[str]]:
    """Per row, the codes applied (each group at most once); the elderly lose dates, children IDs."""
    codes = list(CATALOGUE)
    groups = np.array([CATALOGUE[c][0] for c in codes])
    base = np.array([CATALOGUE[c][1] for c in codes], dtype=float)
    counts = rng.choice(4, size=n, p=ERRORS_PER_ROW[sector])
    out: list[list[str]] = []
    for k, old, young in zip(counts, elderly, child, strict=True):
        w = base.copy()
        if old:
            w[codes.index("b_dob_missing")] *= 4
            w[codes.index("b_dob_year_only")] *= 4
        if young:
            w[codes.index("b_id_missing")] *= 3
            w[codes.index("b_id_household")] *= 3
        chosen: list[str] = []
        used: set[str] = set()
        for _ in range(int(k)):
            free = np.array([g not in used for g in groups])
            p = w * free
            c = codes[int(rng.choice(len(codes), p=p / p.sum()))]
            chosen.append(c)
            used.add(CATALOGUE[c][0])
        out.append(chosen)
    return out


def _age(born: dt.date | None) -> float:
    return (REF - born).days / 365.25 if born else 40.0


def members(residents: pl.DataFrame, sector: str, rng: np.random.Generator) -> pl.DataFrame:
    """The residents a sector's list holds (one row per person, doses expanded later)."""
    age = residents["_age"].to_numpy()
    pick = rng.random(residents.height)
    keep = {
        "civil_status": ((age < 1) & (pick < 0.95)) | ((age >= 18) & (age < 40) & (pick < 0.03))
        | ((age >= 75) & (pick < 0.02)),
        "vaccination": (age < 6) & (pick < 0.92),
        "social_protection": ((age >= 75) & (pick < 0.85)) | ((age < 75) & (pick < 0.025)),
        "social_insurance": (age >= 18) & (age < 62) & (pick < 0.42),
        "union_membership": (age >= 16) & (age < 85) & (pick < 0.35),
    }[sector]
    return residents.filter(pl.Series(keep))


def invented(residents: pl.DataFrame, n: int, rng: np.random.Generator, sector: str) -> pl.DataFrame:
    """Non-residents: 70 % invented (parts of the extract's names recombined, a new date and ID),
    25 % namesakes with another birth date, 5 % a resident's name and birth date with their own ID."""
    if n == 0:
        return residents.head(0)
    pool = members(residents, sector, rng)
    pool = pool if pool.height else residents
    base = pool.sample(n, with_replacement=True, seed=int(rng.integers(1 << 30)))
    other = residents.sample(n, with_replacement=True, seed=int(rng.integers(1 << 30)))
    kind = rng.choice(3, size=n, p=[0.70, 0.25, 0.05])
    new_given = other["Họ và tên"].str.split(" ").list.last()
    names = pl.Series([
        n_ if k else " ".join(b.split()[:-1] + [g]) for b, g, k, n_ in
        zip(base["Họ và tên"], new_given, kind, base["Họ và tên"], strict=True)])
    shift = rng.integers(30, 3000, size=n) * rng.choice([-1, 1], size=n)
    dates = []
    for text, k, s in zip(base["Ngày sinh"], kind, shift, strict=True):
        d, year_only = parse_date(text)
        if k == 2 or d is None:
            dates.append(text)
        else:
            nd = min(d + dt.timedelta(days=int(s)), REF - dt.timedelta(days=30))
            dates.append(str(nd.year) if year_only else nd.strftime("%d/%m/%Y"))
    ids = [f"0{int(rng.integers(1, 96)):02d}{int(rng.integers(0, 4))}{int(rng.integers(0, 10**8)):08d}" for _ in range(n)]
    villages = [str(rng.choice(OTHER_COMMUNES)) if rng.random() < 0.5 else v
                for v in base["Thôn/Tổ dân phố"]]
    return base.with_columns(
        pl.Series("Họ và tên", names), pl.Series("Ngày sinh", dates, dtype=pl.String),
        pl.Series("Số định danh cá nhân", ids), pl.lit(None, pl.String).alias("Số CMND"),
        pl.Series("Thôn/Tổ dân phố", villages), pl.lit(None, pl.String).alias("_true"),
        pl.lit("01").alias("Mã hộ"),
    )


def typed_rows(people: pl.DataFrame, sector: str, households: dict[str, list[str]],
               rng: np.random.Generator) -> pl.DataFrame:
    """Name, date, gender, ID and address as the office typed them, with the codes applied."""
    ages = np.array([_age(parse_date(t)[0]) for t in people["Ngày sinh"]])
    errors = draw_errors(sector, people.height, ages >= 70, ages < 6, rng)
    names, dates, genders, ids = [], [], [], []
    for row, codes in zip(people.iter_rows(named=True), errors, strict=True):
        female = row["Giới tính"] == "Nữ"
        name, gender, pid = row["Họ và tên"], row["Giới tính"], row["Số định danh cá nhân"]
        date, _year_only = parse_date(row["Ngày sinh"])
        date_text = row["Ngày sinh"]
        for code in codes:
            group = CATALOGUE[code][0]
            if group.startswith("name"):
                name = name_error(code, name, female, rng)
            elif group == "dob" and date is not None:
                date_text = date_error(code, date, rng)
            elif group == "gender":
                gender = None if code == "b_gender_missing" else ("Nam" if female else "Nữ")
            elif group == "id":
                pid = id_error(code, pid, row["Số CMND"], households.get(row["Mã hộ"], []), rng)
        names.append(name)
        dates.append(date_text)
        genders.append(gender)
        ids.append(pid)
    return people.with_columns(
        pl.Series("_name", names, pl.String), pl.Series("_dob", dates, pl.String),
        pl.Series("_gender", genders, pl.String), pl.Series("_id", ids, pl.String),
        pl.Series("_errors", [";".join(c) for c in errors], pl.String),
    )


def _address(village: pl.Expr, commune: str, rng: np.random.Generator, n: int) -> pl.Expr:
    styles = pl.Series(rng.choice(3, size=n, p=[0.5, 0.3, 0.2]))
    return (pl.when(village.str.contains(",")).then(village)
            .when(pl.lit(styles) == 0).then(village)
            .when(pl.lit(styles) == 1).then(village + pl.lit(f", {commune}"))
            .otherwise(village + pl.lit(", xã Giao Long, huyện Giao Thủy, tỉnh Nam Định")))


VACCINES = (("Viêm gan B sơ sinh", 1), ("BCG", 1), ("DPT-VGB-Hib", 3), ("Bại liệt uống", 3), ("Sởi", 1),
            ("Sởi-Rubella", 1), ("Viêm não Nhật Bản", 3))


def sector_frame(sector: str, rows: pl.DataFrame, rng: np.random.Generator) -> pl.DataFrame:
    """The list in the sample's headers (vaccination: one row per dose)."""
    n = rows.height
    addr = _address(pl.col("Thôn/Tổ dân phố"), "xã Giao Hưng, tỉnh Ninh Bình", rng, n)
    if sector == "vaccination":
        doses = [(v, k) for v, total in VACCINES for k in range(1, total + 1)]
        per = rng.integers(2, 9, size=n)
        rows = rows.with_columns(pl.Series("_doses", per)).with_columns(
            pl.int_ranges(0, pl.col("_doses")).alias("_dose")).explode("_dose")
        dose = pl.col("_dose").cast(pl.Int64).mod(len(doses))
        return rows.select(
            pl.col("_name").alias("Họ tên trẻ"), pl.col("_dob").alias("Ngày sinh"), pl.col("_gender").alias("Giới tính"),
            pl.lit(None, pl.String).alias("Họ tên mẹ/người chăm sóc"), pl.col("_id").alias("Số định danh"),
            dose.map_elements(lambda i: doses[i][0], return_dtype=pl.String).alias("Tên vắc xin"),
            dose.map_elements(lambda i: f"Mũi {doses[i][1]}", return_dtype=pl.String).alias("Mũi tiêm"),
            pl.lit("15/06/2026").alias("Ngày tiêm"), pl.col("Thôn/Tổ dân phố").alias("Thôn/ấp"),
            "_true", "_errors")
    common = {"name": pl.col("_name"), "dob": pl.col("_dob"), "gender": pl.col("_gender"), "id": pl.col("_id")}
    layouts = {
        "civil_status": [pl.format("{}/2026", pl.int_range(1, pl.len() + 1)).alias("Số đăng ký"),
                         pl.lit("Khai sinh").alias("Loại việc"), pl.lit("10/10/2026").alias("Ngày đăng ký"),
                         common["name"].alias("Họ và tên"), common["dob"].alias("Ngày tháng năm sinh"),
                         common["gender"].alias("Giới tính"), common["id"].alias("Số CCCD"), addr.alias("Nơi cư trú")],
        "social_protection": [common["name"].alias("Họ và tên"), common["dob"].alias("Năm sinh"),
                              common["gender"].alias("Giới tính"), common["id"].alias("Số CMND/CCCD"),
                              addr.alias("Địa chỉ thường trú"), pl.lit("Người cao tuổi").alias("Đối tượng"),
                              pl.lit("500.000").alias("Mức trợ cấp")],
        "social_insurance": [pl.format("36{}", pl.int_range(10_000_000, 10_000_000 + pl.len())).alias("Mã số BHXH"),
                             common["name"].alias("Họ và tên"), common["dob"].alias("Ngày sinh"),
                             common["gender"].alias("Giới tính"), common["id"].alias("Số định danh cá nhân"),
                             addr.alias("Địa chỉ")],
        "union_membership": [common["name"].alias("Họ và tên"), common["dob"].alias("Ngày sinh"),
                             common["gender"].alias("Giới tính"), common["id"].alias("Số CCCD"),
                             pl.lit("Đoàn Thanh niên").alias("Tổ chức"), pl.lit("26/03/2015").alias("Ngày vào"),
                             pl.col("Thôn/Tổ dân phố").alias("Chi hội")],
    }
    return rows.select(*layouts[sector], "_true", "_errors")


def build(residency: Path, out: Path, seed: int) -> Path:
    """Write the five lists and ground_truth.csv for ``residency`` into ``out``; returns ``out``."""
    rng = np.random.default_rng(seed)
    residents = pl.read_csv(residency, infer_schema=False)
    residents = residents.with_columns(
        pl.Series("_age", [_age(parse_date(t)[0]) for t in residents["Ngày sinh"]]),
        pl.col("Số định danh cá nhân").alias("_true"))
    households = {k: v for k, v in residents.group_by("Mã hộ").agg("Số định danh cá nhân").iter_rows()}
    out.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(residency, out / "residency.csv")
    truth = []
    for sector in HEADERS:
        people = members(residents, sector, rng)
        strangers = invented(residents, int(round(people.height * NON_RESIDENTS[sector])), rng, sector)
        people = pl.concat([people, strangers.select(people.columns)]).sample(
            fraction=1.0, shuffle=True, seed=int(rng.integers(1 << 30)))
        frame = sector_frame(sector, typed_rows(people, sector, households, rng), rng)
        frame = frame.with_columns(pl.int_range(1, pl.len() + 1).alias("STT"))
        name = f"{sector}.csv"
        frame.select(HEADERS[sector]).write_csv(out / name)
        truth.append(frame.select(pl.lit(sector).alias("sector"), pl.lit(name).alias("source_file"),
                                  (pl.int_range(pl.len()) + 2).alias("source_row"),
                                  pl.col("_true").alias("true_person_id"), pl.col("_errors").alias("errors")))
    pl.concat(truth).with_columns(pl.col("errors").replace("", None)).write_csv(out / "ground_truth.csv")
    return out


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--residency", type=Path, required=True)
    ap.add_argument("--out", type=Path, required=True)
    ap.add_argument("--seed", type=int, default=11)
    a = ap.parse_args(argv)
    print(build(a.residency, a.out, a.seed))


if __name__ == "__main__":
    main()
