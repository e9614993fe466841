"""Row-level decisions: a row is one person at most, so its candidates compete for it."""

import polars as pl
import pytest

from contracts.fields import RECORD_KEY
from matchers.decide import decide
from matchers.link import decision_args

EXACT_NAME = 13  # a name level; only the "sole exact name" rule looks at it


def scored(*candidates):
    """One row (record 0) and its candidates as (resident ID, match weight in bits)."""
    return pl.DataFrame(
        {
            RECORD_KEY: [0] * len(candidates),
            "person_id_r": [pid for pid, _ in candidates],
            "match_weight": [w for _, w in candidates],
            "match_probability": [2**w / (1 + 2**w) for _, w in candidates],
            "gamma_id": [-1] * len(candidates),
            "gamma_name": [EXACT_NAME] * len(candidates),
            "gamma_birth_date": [6] * len(candidates),
        },
        schema_overrides={RECORD_KEY: pl.UInt32, "gamma_id": pl.Int8, "gamma_name": pl.Int8,
                          "gamma_birth_date": pl.Int8},
    )


def outcome(*candidates):
    records = pl.DataFrame({RECORD_KEY: [0], "id_orphan": [False]}, schema={RECORD_KEY: pl.UInt32, "id_orphan": pl.Boolean})
    best = decide(scored(*candidates), records, **decision_args())
    return best.select("outcome", "residency_id", "match_probability").row(0)


@pytest.mark.parametrize(("candidates", "expected_outcome", "expected_resident"), [
    ([("A", 8.0)], "matched", "A"),                          # one strong candidate: p = 256/257
    ([("A", 8.0), ("B", 8.0)], "review", "A"),               # two as strong: each about a half
    ([("A", 8.0), ("B", 4.6)], "review", "A"),               # a serious namesake: 256/(1+256+24) < 0.95
    ([("A", 8.0)] + [(f"W{i}", -2.5) for i in range(100)], "matched", "A"),  # weak pairs (p 0.15) of a common date do not add up
    ([("A", 0.5), ("B", 0.5)], "review", "A"),               # two middling candidates: review, not "not found"
    ([("A", -3.0)], "unmatched", None),
])
def test_candidates_compete_for_the_row(candidates, expected_outcome, expected_resident):
    got_outcome, got_resident, _ = outcome(*candidates)
    assert (got_outcome, got_resident) == (expected_outcome, expected_resident)


def test_row_probability_is_the_best_candidates_share():
    _, _, p = outcome(("A", 8.0), ("B", 8.0))
    assert p == pytest.approx(256 / (1 + 512))


def test_equal_candidates_are_taken_in_their_id_order_whatever_the_extracts_order():
    # a re-sorted extract (or a month with residents removed) must not change which one a tie shows
    assert outcome(("B", 8.0), ("A", 8.0)) == outcome(("A", 8.0), ("B", 8.0))
    assert outcome(("B", 8.0), ("A", 8.0))[:2] == ("review", "A")
