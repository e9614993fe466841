"""Findings on real files: every kind against the sample generator's ground truth, and the rules
one case at a time on a small hand-made commune."""

import math
import re
from pathlib import Path

import polars as pl
import pytest

from pipelines.evaluate import expected_findings, run_without_prefect, score_deceased, score_duplicates, with_deaths

SAMPLE = Path(__file__).resolve().parents[3] / "sample_data" / "commune"
README = Path(__file__).resolve().parents[3] / "README.md"
KEY = ["sector", "file_name", "source_row"]


@pytest.fixture(scope="module")
def sample():
    """The committed 3,000-resident commune, reconciled with the stage functions, and its truth."""
    result = run_without_prefect(SAMPLE)
    truth = with_deaths(pl.read_csv(SAMPLE / "ground_truth.csv", infer_schema=False), result.rows)
    return result, truth


def _found(result) -> pl.DataFrame:
    return result.findings.select(
        "sector", pl.col("source_file").str.replace(r"^.*[/\\]", "").alias("file_name"),
        pl.col("source_row").cast(pl.Int64), "field", "kind", "severity", "residency_id")


def _matched_to_truth(result, truth) -> pl.DataFrame:
    """Rows the matcher linked to their true resident: field findings are judged on these."""
    rows = pl.concat([
        r.select(pl.lit(s).alias("sector"), pl.col("source_file").str.replace(r"^.*[/\\]", "").alias("file_name"),
                 pl.col("source_row").cast(pl.Int64), "outcome", "residency_id")
        for s, r in result.rows.items()])
    t = truth.select("sector", pl.col("source_file").alias("file_name"), pl.col("source_row").cast(pl.Int64),
                     "true_person_id")
    return rows.join(t, on=KEY).filter((pl.col("outcome") == "matched") & (pl.col("residency_id") == pl.col("true_person_id")))


FIELD_KINDS = [
    ("full_name", "missing_diacritics"), ("full_name", "different"), ("full_name", "middle_name_missing"),
    ("full_name", "middle_name_extra"), ("birth_date", "missing"), ("birth_date", "less_precise"),
    ("birth_date", "day_month_swapped"), ("birth_date", "different"), ("gender", "missing"), ("gender", "different"),
    ("person_id", "missing"), ("person_id", "old_id_given"), ("person_id", "different"),
    ("person_id", "belongs_to_other_resident"), ("person_id", "lost_leading_zero"), ("person_id", "unreadable"),
]


def _readme_claims() -> dict[tuple[str, str], tuple[float, float]]:
    """(field, kind) → (precision, recall) as the README's findings table states them."""
    names = {"name": "full_name", "birth date": "birth_date", "gender": "gender", "ID": "person_id"}
    claims = {}
    for line in README.read_text(encoding="utf-8").splitlines():
        m = re.match(r"^\| (name|birth date|gender|ID) `(\w+)` \| [\d,]+ \| ([\d.]+) \| ([\d.]+) \|$", line)
        if m:
            claims[(names[m.group(1)], m.group(2))] = (float(m.group(3)), float(m.group(4)))
    return claims


def _floor(claimed: float, n: int) -> float:
    """The README's figure less the noise of a sample of n (two standard errors and one row)."""
    return claimed - 2 * math.sqrt(claimed * (1 - claimed) / n) - 1 / n


def test_the_readme_states_every_field_kind():
    assert set(_readme_claims()) == set(FIELD_KINDS)


@pytest.mark.parametrize(("field", "kind"), FIELD_KINDS)
def test_each_field_kind_is_as_good_as_the_readme_says(sample, field, kind):
    result, truth = sample
    precision, recall = _readme_claims()[(field, kind)]
    expected = expected_findings(truth, result.residents, result.rejected).filter(
        (pl.col("field") == field) & (pl.col("kind") == kind))
    found = _found(result).filter((pl.col("field") == field) & (pl.col("kind") == kind))
    assert expected.height >= 5, "the sample should carry this error"
    hits = found.join(expected, on=[*KEY, "field", "kind"], how="semi").height
    assert hits / found.height >= _floor(precision, found.height), f"precision {hits}/{found.height}, README {precision}"
    # Recall on the rows the matcher linked to the right resident (the README's counts every row,
    # the unmatched ones too, so this recall is at least as high).
    linked = expected.join(_matched_to_truth(result, truth), on=KEY, how="semi")
    got = linked.join(found, on=[*KEY, "field", "kind"], how="semi").height
    assert got / linked.height >= _floor(recall, linked.height), f"recall {got}/{linked.height}, README {recall}"


def test_people_not_in_the_extract_are_reported(sample):
    result, truth = sample
    expected = expected_findings(truth, result.residents, result.rejected).filter(pl.col("kind") == "not_in_residency")
    found = _found(result).filter(pl.col("kind") == "not_in_residency")
    hits = found.join(expected, on=KEY, how="semi").height
    assert hits / found.height >= 0.95
    # The others are review rows ("uncertain", with the candidate), never silent matches.
    review = _found(result).filter(pl.col("kind") == "uncertain_match")
    assert expected.join(pl.concat([found.select(KEY), review.select(KEY)]), on=KEY, how="semi").height / expected.height >= 0.9


def test_duplicates_within_a_list_and_double_payments(sample):
    result, truth = sample
    scores = score_duplicates(result.findings, truth)
    assert scores["precision"] >= 0.85 and scores["recall"] >= 0.85, scores
    found = _found(result).filter(pl.col("kind").str.starts_with("duplicate"))
    payments = found.filter(pl.col("kind") == "duplicate_payment")
    assert payments.height and set(payments["sector"]) == {"social_protection"} and set(payments["severity"]) == {"high"}
    assert "social_protection" not in found.filter(pl.col("kind") == "duplicate_in_list")["sector"].to_list()


def test_deaths_registered_for_people_still_listed_are_critical(sample):
    result, truth = sample
    scores = score_deceased(result.findings, truth, result.rows)
    assert scores["expected"].to_list() == scores["found"].to_list() == scores["tp"].to_list()
    assert all(n > 0 for n in scores["expected"])
    deceased = _found(result).filter(pl.col("kind").str.starts_with("deceased"))
    assert set(deceased["severity"]) == {"critical"}
    police = result.findings.filter(pl.col("kind") == "deceased_in_residency")
    assert set(police["sector"]) == {"residency"}
    assert police["source_file"].str.ends_with("residency.csv").all()  # lineage: the extract's row
    assert police["related_file"].str.ends_with("civil_status.csv").all()  # … and the death registration
    listed = deceased.filter(pl.col("kind") == "deceased_still_listed")
    assert set(listed["sector"]) <= {"social_protection", "social_insurance", "union_membership"}


def test_cosmetic_differences_are_not_findings(sample):
    """Tone placement (Hoà/Hòa), capitals, "Ð" and stray spaces, other date formats: nothing to fix."""
    result, truth = sample
    cosmetic = {"tone_style", "all_caps", "eth_d", "stray_spaces", "date_format"}
    rows = truth.filter(pl.col("errors").is_not_null()).with_columns(pl.col("errors").str.split(";").alias("codes")).filter(
        pl.col("codes").list.eval(pl.element().is_in(list(cosmetic))).list.all()
        & pl.col("codes").list.contains("tone_style"))
    rows = rows.select("sector", pl.col("source_file").alias("file_name"), pl.col("source_row").cast(pl.Int64)).join(
        _matched_to_truth(result, truth), on=KEY, how="semi")
    assert rows.height >= 20
    flagged = _found(result).filter(pl.col("field").is_in(["full_name", "birth_date", "gender"])).join(rows, on=KEY, how="semi")
    assert flagged.is_empty(), flagged


def test_findings_keep_lineage_and_a_stable_key(sample):
    result, _ = sample
    findings = result.findings
    assert findings["finding_id"].str.contains(r"^[0-9a-f]{16}$").all()
    # one finding_id per person and problem: rows sharing one are the same person's same problem
    same = findings.group_by("finding_id").agg(
        pl.struct("sector", "field", "kind", "sector_value", "residency_value").n_unique().alias("what"),
        pl.col("residency_id").n_unique().alias("who"), pl.len().alias("rows"))
    assert (same["what"] == 1).all() and (same["who"] == 1).all()
    assert same["rows"].max() > 1, "a child's doses with the same problem should share one finding"
    assert findings.select("source_file", "source_row", "message_vi", "action_vi", "severity").null_count().sum_horizontal().item() == 0
    for sector, rows in result.rows.items():
        own = findings.filter(pl.col("sector") == sector).join(
            rows.select("source_file", pl.col("source_row").cast(pl.UInt32)), on=["source_file", "source_row"], how="anti")
        assert own.is_empty(), f"{sector}: findings pointing at rows the sector does not have"
    again = run_without_prefect(SAMPLE).findings
    assert sorted(again["finding_id"]) == sorted(findings["finding_id"])


# ---- one case at a time, on a small commune written to CSV ------------------------------------

RESIDENTS = [  # (ID, name, birth date as in the extract, gender, old CMND)
    ("036190001201", "Nguyễn Thị Thủy", "05/03/1990", "Nữ", ""),
    ("036190001202", "Lê Thị Hòa", "06/04/1990", "Nữ", ""),
    ("036190001203", "Vũ Thị Thúy", "07/05/1990", "Nữ", ""),
    ("036085001204", "Trần Văn Hòa", "12/07/1985", "Nam", ""),
    ("036085001205", "Phạm Văn Tâm", "13/08/1985", "Nam", ""),
    ("036050001206", "Lê Văn Minh", "1950", "Nam", ""),
    ("036300001207", "Phạm Ngọc Hoa", "03/04/2000", "Nữ", ""),
    ("036300001208", "Bùi Ngọc Lan", "04/05/2000", "Nữ", ""),
    ("036060001209", "Đặng Văn Hải", "09/11/1960", "Nam", ""),
    ("036060001210", "Đỗ Văn Hùng", "10/11/1960", "Nam", ""),
    ("036065001211", "Hoàng Văn Nam", "11/10/1965", "Nam", "123456789"),
    ("036170001212", "Ngô Thị Mai", "12/09/1970", "Nữ", ""),
    ("036070001213", "Dương Văn Quang", "13/09/1970", "Nam", ""),
    ("036200001214", "Dương Minh Khôi", "14/01/2000", "Nam", ""),
    ("036175001215", "Lý Thị Hạnh", "15/02/1975", "Nữ", ""),
    ("036175001216", "Tạ Thị Yến", "16/02/1975", "Nữ", ""),
    ("036080001217", "Mai Văn Đức", "17/03/1980", "Nam", ""),
    ("036088001218", "Lê Khánh Mẫn", "18/04/1988", "Nam", ""),
    ("036189001219", "Đinh Thị Thu Hà", "19/05/1989", "Nữ", ""),
]

CASES = [  # (id, name as listed, birth date as listed, gender as listed, ID as listed, expected (field, kind) set)
    ("tone placement only", "Nguyễn Thị Thuỷ", "05/03/1990", "Nữ", "036190001201", set()),
    ("capitals with diacritics", "LÊ THỊ HÒA", "06/04/1990", "NỮ", "036190001202", set()),
    ("near-homonym", "Vũ Thị Thủy", "07/05/1990", "Nữ", "036190001203", {("full_name", "different")}),
    ("no diacritics", "TRAN VAN HOA", "12/07/1985", "Nam", "036085001204", {("full_name", "missing_diacritics")}),
    ("middle name dropped", "Phạm Tâm", "13/08/1985", "Nam", "036085001205", {("full_name", "middle_name_missing")}),
    ("list more precise than extract", "Lê Văn Minh", "14/02/1950", "Nam", "036050001206", set()),
    ("year only", "Phạm Ngọc Hoa", "2000", "Nữ", "036300001207", {("birth_date", "less_precise")}),
    ("01/01 placeholder", "Bùi Ngọc Lan", "01/01/2000", "Nữ", "036300001208", {("birth_date", "less_precise")}),
    ("birth year off", "Đặng Văn Hải", "09/11/1961", "Nam", "036060001209", {("birth_date", "different")}),
    ("day and month swapped", "Đỗ Văn Hùng", "11/10/1960", "Nam", "036060001210", {("birth_date", "day_month_swapped")}),
    ("old CMND", "Hoàng Văn Nam", "11/10/1965", "Nam", "123456789", {("person_id", "old_id_given")}),
    ("gender wrong", "Ngô Thị Mai", "12/09/1970", "Nam", "036170001212", {("gender", "different")}),
    ("ID missing", "Dương Văn Quang", "13/09/1970", "Nam", "", {("person_id", "missing")}),
    ("parent's ID", "Dương Minh Khôi", "14/01/2000", "Nam", "036070001213", {("person_id", "belongs_to_other_resident")}),
    ("lost leading zero", "Lý Thị Hạnh", "15/02/1975", "Nữ", "36175001215", {("person_id", "lost_leading_zero")}),
    # the deterministic matcher leaves a row whose ID belongs to nobody for review, with its candidate
    ("ID typo", "Tạ Thị Yến", "16/02/1975", "Nữ", "036175001261", {("record", "uncertain_match")}),
    ("not a resident", "Kiều Văn Khánh", "02/02/1972", "Nam", "036072009999", {("record", "not_in_residency")}),
    ("words run together", "LêKhánh Mẫn", "18/04/1988", "Nam", "036088001218", {("full_name", "words_run_together")}),
    ("run together, no diacritics", "DINH THITHU HA", "19/05/1989", "Nữ", "036189001219",
     {("full_name", "missing_diacritics")}),
]


@pytest.fixture(scope="module")
def small(tmp_path_factory):
    folder = tmp_path_factory.mktemp("cases")
    residents = pl.DataFrame(
        [(i + 1, pid, name, dob, sex, cmnd or None, "1420900001", "Chủ hộ", "Thôn 1", "14209")
         for i, (pid, name, dob, sex, cmnd) in enumerate(RESIDENTS)],
        schema=["STT", "Số định danh cá nhân", "Họ và tên", "Ngày sinh", "Giới tính", "Số CMND", "Mã hộ",
                "Quan hệ với chủ hộ", "Thôn/Tổ dân phố", "Mã xã"], orient="row")
    residents.write_csv(folder / "residency.csv")
    rows = [(i + 1, name, dob, sex, pid or None, "Thôn 1") for i, (_, name, dob, sex, pid, _) in enumerate(CASES)]
    rows.append((len(rows) + 1, "Mai Văn Đức", "17/03/1980", "Nam", "036080001217", "Thôn 1"))
    rows.append((len(rows) + 1, "MAI VĂN ĐỨC", "17/03/1980", "Nam", "036080001217", "Thôn 1"))  # typed twice
    pl.DataFrame(rows, schema=["STT", "Họ và tên", "Ngày sinh", "Giới tính", "Số định danh cá nhân", "Địa chỉ"],
                 orient="row").write_csv(folder / "social_insurance.csv")
    return run_without_prefect(folder, method="deterministic").findings


@pytest.mark.parametrize("case", CASES, ids=[c[0] for c in CASES])
def test_one_case(small, case):
    row = CASES.index(case) + 2  # CSV line of the row
    found = small.filter((pl.col("sector") == "social_insurance") & (pl.col("source_row") == row))
    kinds = set(found.select("field", "kind").iter_rows())
    assert kinds == case[5]


def test_suggested_values_come_from_the_population_database(small):
    rows = {}
    for r in small.filter(pl.col("sector") == "social_insurance").sort("source_row").iter_rows(named=True):
        rows.setdefault(r["kind"], r)  # the first row of each kind
    assert rows["missing_diacritics"]["suggested_value"] == "Trần Văn Hòa"
    assert rows["words_run_together"]["suggested_value"] == "Lê Khánh Mẫn"
    assert rows["words_run_together"]["severity"] == "low"
    assert rows["middle_name_missing"]["suggested_value"] == "Phạm Văn Tâm"
    assert rows["day_month_swapped"]["suggested_value"] == "10/11/1960"
    assert rows["old_id_given"]["suggested_value"] == "036065001211"
    assert rows["belongs_to_other_resident"]["suggested_value"] == "036200001214"
    assert rows["uncertain_match"]["suggested_value"] == "036175001216"
    assert rows["uncertain_match"]["residency_value"] == "Người gần giống nhất: Tạ Thị Yến – 16/02/1975 – 036175001216"
    assert rows["missing_diacritics"]["action_vi"].endswith("Trần Văn Hòa")
    assert rows["missing_diacritics"]["listed_name"] == "TRAN VAN HOA"


def test_a_person_typed_twice_is_one_duplicate_pointing_at_the_first_row(small):
    dup = small.filter(pl.col("kind") == "duplicate_in_list")
    assert dup.height == 1
    first = len(CASES) + 2
    assert dup["source_row"].item() == first + 1 and dup["related_row"].item() == first
    assert dup["suggested_value"].item().startswith(f"dòng {first} ")
