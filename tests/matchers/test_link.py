"""The probabilistic matcher: traps with real Vietnamese rows, training on a generated commune,
and blocking that refuses to explode."""

import datetime as dt

import polars as pl
import pytest

from matchers import LinkSettings, link
from matchers.blocking import DEFAULT_RULES, BlockingError, BlockingRule, blocking_keys, count_pairs
from matchers.link import prepare_residents
from _residents import canonical_residents

from sample_data.generate import generate_commune

KEY = "record_key"


@pytest.fixture(scope="module")
def commune():
    """A generated commune: its residents and its union list, as canonical frames."""
    c = generate_commune(2000, seed=3)
    return c


@pytest.fixture(scope="module")
def residents(commune):
    return canonical_residents(commune)


def row(**fields):
    base = {"person_id": None, "old_id": None, "full_name": None, "birth_date": None,
            "birth_date_precision": "day", "gender": None, "address": None}
    return {**base, **fields}


def run_link(residents, *rows, settings=LinkSettings()):
    schema = {"person_id": pl.String, "old_id": pl.String, "full_name": pl.String, "birth_date": pl.Date,
              "birth_date_precision": pl.String, "gender": pl.String, "address": pl.String}
    records = pl.DataFrame([row(**r) for r in rows], schema=schema).with_row_index(KEY)
    return link(records, residents, settings)


def resident(residents, i):
    return residents.row(i, named=True)


def test_clean_row_with_id_is_matched(residents):
    r = resident(residents, 10)
    best = run_link(residents, dict(r)).best
    assert best.select("outcome", "residency_id", "match_method").row(0) == ("matched", r["person_id"], "person_id")


def test_parents_id_on_childs_row_matches_the_child_not_the_parent(residents):
    """A child's row carrying the mother's ID: the ID is disowned and the child found by name and date."""
    by_household = residents.with_columns(pl.col("birth_date").dt.year().alias("y"))
    kids = by_household.filter(pl.col("y") >= 2020)
    kid = kids.row(0, named=True)
    parent = residents.filter((pl.col("birth_date").dt.year() < 2000) & (pl.col("person_id") != kid["person_id"])).row(0, named=True)
    linkage = run_link(residents, {**kid, "person_id": parent["person_id"]})
    best = linkage.best.row(0, named=True)
    assert best["outcome"] == "matched" and best["residency_id"] == kid["person_id"]
    parent_pair = linkage.pairs.filter(pl.col("person_id_r") == parent["person_id"])
    assert parent_pair["id_disowned"].to_list() == [True]


def test_non_resident_with_own_id_and_a_residents_name_and_date_is_not_matched(residents):
    r = resident(residents, 20)
    own_id = "079" + r["person_id"][3:]  # well formed, belongs to nobody in the extract
    assert own_id not in residents["person_id"].to_list()
    best = run_link(residents, {**r, "person_id": own_id}).best.row(0, named=True)
    assert best["outcome"] in ("review", "unmatched")


def test_id_one_typo_away_still_matches(residents):
    r = resident(residents, 30)
    pid = r["person_id"]
    typo = pid[:-1] + str((int(pid[-1]) + 1) % 10)
    assert typo not in residents["person_id"].to_list()
    best = run_link(residents, {**r, "person_id": typo}).best.row(0, named=True)
    assert (best["outcome"], best["residency_id"]) == ("matched", pid)


def test_namesake_with_another_birth_date_and_no_id_is_not_matched(residents):
    r = resident(residents, 40)
    best = run_link(residents, {**r, "person_id": None, "birth_date": r["birth_date"].replace(year=r["birth_date"].year - 7)}).best
    assert best["outcome"].item() == "unmatched"


def test_twins_same_birth_date_are_told_apart_by_given_name():
    twins = pl.DataFrame({
        "person_id": ["036225000001", "036225000002", "036090000003"],
        "old_id": [None, None, None],
        "full_name": ["Nguyễn Văn Hùng", "Nguyễn Văn Dũng", "Trần Thị Lan"],
        "birth_date": [dt.date(2025, 3, 1), dt.date(2025, 3, 1), dt.date(1990, 1, 5)],
        "birth_date_precision": ["day"] * 3, "gender": ["M", "M", "F"], "address": ["Thôn 1"] * 3,
    })
    best = run_link(twins, row(full_name="Nguyễn Văn Dũng", birth_date=dt.date(2025, 3, 1), gender="M")).best
    assert best["residency_id"].item() == "036225000002"
    pairs = run_link(twins, row(full_name="Nguyễn Văn Dũng", birth_date=dt.date(2025, 3, 1))).pairs
    hung = pairs.filter(pl.col("person_id_r") == "036225000001")
    assert hung["explain_name"].to_list() in ([], ["name: different"])  # not even a candidate, or "different"


def test_an_and_an_with_diacritics_differing_weigh_less_than_an_unaccented_row(residents):
    """"Lê Minh Ân" vs "Lê Minh An" (both accented, differ) is weaker evidence than "LE MINH AN"."""
    base = pl.DataFrame({
        "person_id": ["036215034567"], "old_id": [None], "full_name": ["Lê Minh Ân"],
        "birth_date": [dt.date(2015, 5, 5)], "birth_date_precision": ["day"], "gender": ["M"], "address": ["Thôn 2"],
    })
    extract = pl.concat([residents, base])
    accented = run_link(extract, row(full_name="Lê Minh An", birth_date=dt.date(2015, 5, 5))).pairs
    plain = run_link(extract, row(full_name="LE MINH AN", birth_date=dt.date(2015, 5, 5))).pairs
    pick = pl.col("person_id_r") == "036215034567"
    assert accented.filter(pick)["explain_name"].item() == "name: equal without diacritics, diacritics differ"
    assert plain.filter(pick)["explain_name"].item() == "name: equal without diacritics, one side unaccented"
    assert accented.filter(pick)["bf_name"].item() < plain.filter(pick)["bf_name"].item()


def test_training_on_a_generated_commune(commune, residents):
    """EM learns sensible weights, and the union list is matched with high precision and recall."""
    sector = commune.sectors["union_membership"]
    truth = commune.truth.filter(pl.col("sector") == "union_membership")
    records = sector.select(
        pl.col("Số CCCD").cast(pl.String).str.replace_all(r"\D", "").str.zfill(12)
        .replace("000000000000", None).alias("person_id"),
        pl.lit(None, pl.String).alias("old_id"),
        pl.col("Họ và tên").alias("full_name"),
        pl.col("Ngày sinh").str.to_date("%d/%m/%Y", strict=False).alias("birth_date"),
        pl.lit("day").alias("birth_date_precision"),
        pl.col("Giới tính").replace_strict({"Nam": "M", "Nữ": "F"}, default=None).alias("gender"),
        pl.lit(None, pl.String).alias("address"),
    ).with_row_index(KEY)
    linkage = link(records, prepare_residents(residents))
    weights = linkage.model.level_weights()
    w = dict(zip(weights["level"] + "/" + weights["comparison"], weights["weight"]))
    assert w["exact/name"] > 5 and w["different/name"] < -3
    assert w["exact day/birth_date"] > 8 and w["different/birth_date"] < -3
    assert w["personal ID equal/id"] > 8 and w["both present and different/id"] < 0
    assert 0 < linkage.model.prior < 0.01  # a random-pair prior, not a blocked-pair one
    got = linkage.best.with_columns(truth["true_person_id"].alias("truth"))
    matched = got.filter(pl.col("outcome") == "matched")
    precision = (matched["residency_id"] == matched["truth"]).mean()
    recall = (got["residency_id"] == got["truth"]).fill_null(False).sum() / got["truth"].is_not_null().sum()
    assert precision >= 0.995 and recall >= 0.97


def test_every_record_gets_one_outcome_and_explanations_are_stored(residents):
    rows = [dict(resident(residents, i)) for i in range(5)] + [row(full_name="Ai Đó Không Có", birth_date=dt.date(1950, 1, 1))]
    linkage = run_link(residents, *rows)
    assert linkage.best[KEY].to_list() == list(range(6))
    assert linkage.best["outcome"].to_list()[-1] == "unmatched"
    explained = linkage.pairs.filter(pl.col(KEY) == 0).sort("match_weight", descending=True).row(0, named=True)
    assert explained["explain_name"] == "name: exact" and explained["bf_name"] > 0


def test_a_rule_that_would_explode_is_refused_by_name(residents):
    records = blocking_keys(residents.with_row_index(KEY))
    res = prepare_residents(residents).frame
    coarse = BlockingRule("birth year only", ("bk_year",))
    n = count_pairs(records, res, coarse)
    assert n > 10_000
    with pytest.raises(BlockingError, match="blocking rule 'birth year only' would generate"):
        link(records.select(KEY, "person_id", "old_id", "full_name", "birth_date", "birth_date_precision", "gender", "address"),
             residents, LinkSettings(rules=(*DEFAULT_RULES, coarse), max_pairs_per_rule=10_000))


def test_words_run_together_still_find_the_resident_without_an_id(residents):
    """"Nguyễn VănHùng": no ID, the given name fused with the middle one. Blocking on the name
    without spaces finds the pair; the name comparison reads it as the same name."""
    r = residents.filter(pl.col("full_name").str.count_matches(" ") >= 2).row(0, named=True)
    words = r["full_name"].split(" ")
    fused = " ".join(words[:-2]) + " " + words[-2] + words[-1]
    best = run_link(residents, {**r, "person_id": None, "old_id": None, "full_name": fused}).best.row(0, named=True)
    assert (best["outcome"], best["residency_id"]) == ("matched", r["person_id"])


def test_a_union_branch_tells_two_namesakes_in_different_villages_apart(residents):
    """Two residents "Lò Thị Mỷ" born in 1980, one in Thôn 2, one in Thôn 5; a women's union row
    with the year only, no ID and no address, from "Chi hội Phụ nữ Thôn 5": the branch names
    the village she lives in, so the Thôn 5 resident is her candidate; without it the two tie."""
    twins = pl.DataFrame([
        {**row(person_id="036180000991", full_name="Lò Thị Mỷ", birth_date=dt.date(1980, 3, 9), gender="F",
               address="Thôn 2")},
        {**row(person_id="036180000992", full_name="Lò Thị Mỷ", birth_date=dt.date(1980, 11, 21), gender="F",
               address="Thôn 5")},
    ], schema=residents.schema)
    extract = pl.concat([residents, twins])
    schema = {"full_name": pl.String, "birth_date": pl.Date, "birth_date_precision": pl.String, "gender": pl.String,
              "branch": pl.String}

    def best(branch):
        records = pl.DataFrame([{"full_name": "Lò Thị Mỷ", "birth_date": dt.date(1980, 1, 1),
                                 "birth_date_precision": "year", "gender": "F", "branch": branch}],
                               schema=schema).with_row_index(KEY)
        return link(records, extract, LinkSettings(one_row_per_person=True)).best.row(0, named=True)

    placed, unplaced = best("Chi hội Phụ nữ Thôn 5"), best(None)
    assert placed["best_candidate_id"] == "036180000992"
    assert placed["outcome"] in ("matched", "review")
    assert placed["best_candidate_probability"] > 0.8 > 0.6 > unplaced["best_candidate_probability"]


def test_the_mother_named_on_a_vaccination_row_is_looked_for_in_the_childs_household(residents):
    """"Lò Minh Khôi", born 03/05/2021, lives with his mother "Hà Thị Vân". A vaccination row with
    his name and birth date, no ID, naming her is matched to him, the mother counting for him; the
    same row naming a mother nobody in his household is called ("Đặng Thị Lụa": perhaps another
    child of the same name, registered elsewhere) has the mother counting against him."""
    family = pl.DataFrame([
        {**row(person_id="036321000771", full_name="Lò Minh Khôi", birth_date=dt.date(2021, 5, 3), gender="M",
               address="Thôn 4"), "household_id": "H-0771"},
        {**row(person_id="036195000772", full_name="Hà Thị Vân", birth_date=dt.date(1995, 8, 14), gender="F",
               address="Thôn 4"), "household_id": "H-0771"},
    ], schema={**residents.schema, "household_id": pl.String})
    extract = pl.concat([residents.with_columns(pl.lit(None, pl.String).alias("household_id")), family])
    schema = {"full_name": pl.String, "birth_date": pl.Date, "birth_date_precision": pl.String, "gender": pl.String,
              "guardian_name": pl.String}
    records = pl.DataFrame([
        {"full_name": "Lò Minh Khôi", "birth_date": dt.date(2021, 5, 3), "birth_date_precision": "day",
         "gender": "M", "guardian_name": mother} for mother in ("HÀ THỊ VÂN", "Đặng Thị Lụa")
    ], schema=schema).with_row_index(KEY)
    linkage = link(records, extract)
    best = linkage.best.sort(KEY)
    levels = linkage.pairs.filter(pl.col("person_id_r") == "036321000771").sort(KEY)["explain_guardian"].to_list()
    assert levels == ["guardian: in the household", "guardian: not in the household"]
    named = best.row(0, named=True)
    assert (named["outcome"], named["residency_id"]) == ("matched", "036321000771")
    weights = linkage.pairs.filter(pl.col("person_id_r") == "036321000771").sort(KEY)
    assert weights["bf_guardian"][0] > 0 > weights["bf_guardian"][1]  # for him, then against
