"""A trained model's parameters: written as plain JSON and read back, they score every pair alike."""

from __future__ import annotations

import json

import numpy as np
import polars as pl
import pytest

from matchers import default_comparisons, link
from matchers.link import prepare_residents
from matchers.model import FellegiSunter, _patterns, score
from _residents import canonical_residents

from sample_data.generate import generate_commune

KEY = "record_key"


@pytest.fixture(scope="module")
def residents() -> pl.DataFrame:
    return canonical_residents(generate_commune(800, seed=11))


def listed(residents: pl.DataFrame) -> pl.DataFrame:
    """300 residents listed again: names lower-cased, no personal ID."""
    return residents.sample(300, seed=2).with_columns(
        pl.col("full_name").str.to_lowercase(), pl.lit(None, pl.String).alias("person_id")).with_row_index(KEY)


@pytest.fixture(scope="module")
def trained(residents):
    """A model trained on ``listed`` rows, and the pairs it scored."""
    linkage = link(listed(residents), prepare_residents(residents))
    return linkage.model, linkage.pairs


def test_parameters_read_back_give_the_same_scores(trained):
    model, pairs = trained
    stored = json.loads(json.dumps(model.parameters()))  # as a database column holds them
    again = FellegiSunter.from_parameters(stored, default_comparisons())
    assert again.version == model.version
    gammas = pairs.select(KEY, "person_id_r", pl.col("^gamma_.*$"), pl.col("^tf_.*$"))
    assert score(gammas, again)["match_weight"].equals(score(gammas, model)["match_weight"])
    assert again.term_frequencies == model.term_frequencies and again.prior == model.prior


def test_the_version_changes_with_any_parameter(trained):
    model, _ = trained
    stored = model.parameters()
    stored["comparisons"][0]["m"][next(iter(stored["comparisons"][0]["m"]))] *= 1.001
    assert FellegiSunter.from_parameters(stored, default_comparisons()).version != model.version
    assert len(model.version) == 16


def test_a_model_of_other_comparisons_is_refused(trained):
    stored = trained[0].parameters()
    stored["comparisons"][0]["levels"]["1"] = "a level that is no longer there"
    with pytest.raises(ValueError, match="other comparisons"):
        FellegiSunter.from_parameters(stored, default_comparisons())


def test_a_re_sorted_list_and_extract_train_the_same_model(residents):
    """The training sample and the random pairs are drawn by the rows' content, not their places."""
    records = listed(residents)
    first = link(records, prepare_residents(residents))
    again = link(records.sample(fraction=1.0, shuffle=True, seed=5),
                 prepare_residents(residents.sample(fraction=1.0, shuffle=True, seed=6)))
    for name in first.model.m:
        for gamma in first.model.m[name]:
            assert again.model.m[name][gamma] == pytest.approx(first.model.m[name][gamma], rel=1e-9), (name, gamma)
            assert again.model.u[name][gamma] == pytest.approx(first.model.u[name][gamma], rel=1e-9), (name, gamma)
    assert again.model.prior == pytest.approx(first.model.prior, rel=1e-9)
    assert again.model.version == first.model.version  # EM's sums in a fixed order: bit for bit
    columns = [KEY, "outcome", "residency_id"]
    assert again.best.select(columns).sort(KEY).equals(first.best.select(columns).sort(KEY))


def test_em_reads_the_gamma_patterns_in_one_order():
    """polars' group_by gives its groups in any order on large frames; EM's sums must not see it."""
    comparisons = default_comparisons()
    rng = np.random.default_rng(1)
    gammas = pl.DataFrame({c.output_name: rng.integers(-1, 3, 2_000_000).astype(np.int8) for c in comparisons})
    first, *others = [_patterns(gammas, comparisons) for _ in range(4)]
    for patterns, counts in others:
        assert np.array_equal(patterns, first[0]) and np.array_equal(counts, first[1])
