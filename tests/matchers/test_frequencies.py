"""Name frequencies kept with a model: counted once, applied to a later month's extract unchanged."""

from __future__ import annotations

import polars as pl
import pytest
from _residents import canonical_residents

from matchers import NameFrequencies
from matchers.link import prepare_residents
from sample_data.generate import generate_commune


@pytest.fixture(scope="module")
def residents() -> pl.DataFrame:
    return canonical_residents(generate_commune(600, seed=5))


def test_counted_frequencies_give_the_extracts_own_term_frequencies(residents):
    prepared = prepare_residents(residents)
    frequencies = prepared.frequencies
    again = frequencies.apply(prepared.frame)
    for column in ("tf_name", "tf_given"):
        assert again[column].to_list() == prepared.frame[column].to_list()
    assert frequencies.residents == residents.height
    assert prepared.with_frequencies(frequencies) is prepared  # the same: nothing recomputed


def test_read_back_frequencies_keep_their_version_and_norms(residents):
    counted = prepare_residents(residents).frequencies
    back = NameFrequencies.from_table(counted.shares.sample(fraction=1.0, shuffle=True, seed=3), counted.residents,
                                      counted.version)
    assert back.version == counted.version and back.shares.equals(counted.shares)
    assert back.norms == pytest.approx(counted.norms, rel=1e-12)


def test_a_later_extract_scores_with_the_kept_shares_and_a_new_name_counts_once(residents):
    month1 = prepare_residents(residents)
    newborn = residents.head(1).with_columns(pl.lit("Khổng Minh Triết").alias("full_name"),
                                             pl.lit("001226000001").alias("person_id"))
    namesake = residents.slice(5, 1).with_columns(pl.lit("001226000002").alias("person_id"))  # a twin's name
    month2 = prepare_residents(pl.concat([residents.slice(10), newborn, namesake]))  # 10 gone, 2 born
    kept = month2.with_frequencies(month1.frequencies)
    assert kept.frequencies.version == month1.frequencies.version and kept.tf_norms == month1.tf_norms
    old = month1.frame.select("person_id", "tf_name", "tf_given")
    both = kept.frame.select("person_id", "tf_name", "tf_given").join(old, on="person_id", suffix="_1")
    assert both.height == residents.height - 10
    assert (both["tf_name"] == both["tf_name_1"]).all() and (both["tf_given"] == both["tf_given_1"]).all()
    twin = kept.frame.filter(pl.col("person_id") == "001226000002")["tf_name"].item()
    assert twin == month1.frame.filter(pl.col("person_id") == residents["person_id"][5])["tf_name"].item()
    new = kept.frame.filter(pl.col("person_id") == "001226000001")
    assert new["tf_name"].item() == pytest.approx(1 / residents.height)
    assert month1.frequencies.unseen_share(month2.frame) == pytest.approx(1 / month2.frame.height)
    # counted afresh the shares move (another extract size), which is what keeping them avoids
    assert month2.frequencies.version != month1.frequencies.version
