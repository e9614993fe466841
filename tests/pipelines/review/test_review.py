"""Analyst review: evidence is stored, decisions are recorded with who and when, and the next
run applies them (accepted pairs become matches, rejected pairs are never proposed again)."""

from __future__ import annotations

import datetime as dt
import subprocess
import sys
import time
from pathlib import Path

import duckdb
import polars as pl
import pytest

from contracts import DoisoatError
from contracts.fields import SECTORS
from matchers import Linkage, LinkSettings
from pipelines.flow import reconcile
from pipelines.review import COMPARISONS, Case, apply_decisions, decisions_log, record_decision, review_cases
from pipelines.store import open_db

pytestmark = pytest.mark.usefixtures("prefect_backend")


def _run(folder: Path, db: Path, out: Path, period: str = "2026-11"):
    sectors = [f"{name}={p}" for name in SECTORS for p in sorted(folder.glob(f"{name}.*"))]
    state = reconcile(residency=str(folder / "residency.csv"), sectors=sectors, period=period, db=str(db),
                      out=str(out), return_state=True)
    assert state.is_completed(), state.message
    return state.result()


def _rows(db: Path, sql: str, params=None) -> pl.DataFrame:
    con = duckdb.connect(str(db), read_only=True)
    try:
        return con.sql(sql, params=params or []).pl()
    finally:
        con.close()


@pytest.fixture(scope="module")
def round_trip(small_commune, tmp_path_factory):
    base = tmp_path_factory.mktemp("review")
    db = base / "doisoat.duckdb"
    first = _run(small_commune, db, base / "out1", "2026-10")
    cases = review_cases(db, first.run_id).filter(pl.col("proposed"))
    assert cases.height >= 2, "the sample commune should give at least two review pairs"
    accepted, rejected = cases.row(0, named=True), cases.row(1, named=True)
    for row, decision, who in ((accepted, "accepted", "analyst-a"), (rejected, "rejected", "analyst-b")):
        record_decision(db, Case(first.run_id, row["sector"], row["source_file"], row["source_row"], row["residency_id"]),
                        decision, who)
    second = _run(small_commune, db, base / "out2", "2026-11")
    return db, first, second, accepted, rejected


def test_review_and_matched_pairs_keep_their_evidence(round_trip):
    db, first, *_ = round_trip
    evidence = _rows(db, "SELECT * FROM match_evidence WHERE run_id = ?", [first.run_id])
    outcomes = _rows(db, "SELECT * FROM record_outcomes WHERE run_id = ? AND outcome IN ('matched', 'review') AND sector <> 'residency'",
                     [first.run_id])
    chosen = evidence.join(outcomes.select("sector", "source_file", "source_row", "residency_id", "outcome"),
                           on=["sector", "source_file", "source_row", "residency_id", "outcome"], how="semi")
    assert chosen.height == outcomes.height  # every matched or review row has its chosen pair's evidence
    review = evidence.filter(pl.col("outcome") == "review")
    assert review["rank"].max() <= 3
    scored = review.filter(pl.col("match_weight").is_not_null())
    assert scored.height and all(scored[f"{c}_level"].null_count() == 0 for c in COMPARISONS)
    # the weights add up: prior + Σ contributions = match weight, the same for every pair of a sector
    prior = scored.with_columns((pl.col("match_weight") - pl.sum_horizontal(
        [pl.col(f"{c}_weight") for c in COMPARISONS])).alias("prior")).group_by("sector").agg(
        (pl.col("prior").max() - pl.col("prior").min()).alias("spread"))
    assert prior["spread"].max() < 1e-6
    assert scored["full_name_l"].null_count() == 0 and scored["full_name_r"].null_count() == 0


def test_an_accepted_pair_becomes_a_match_in_the_next_run(round_trip):
    db, _, second, accepted, _ = round_trip
    row = _rows(db, """SELECT outcome, residency_id, match_method FROM record_outcomes
                       WHERE run_id = ? AND sector = ? AND source_file = ? AND source_row = ?""",
                [second.run_id, accepted["sector"], accepted["source_file"], accepted["source_row"]]).row(0)
    assert row == ("matched", accepted["residency_id"], "review")
    applied = _rows(db, """SELECT decision FROM match_evidence WHERE run_id = ? AND source_file = ? AND source_row = ?
                           AND residency_id = ?""",
                    [second.run_id, accepted["source_file"], accepted["source_row"], accepted["residency_id"]])
    assert applied["decision"].to_list() == ["accepted"]


def test_a_rejected_pair_is_never_proposed_again(round_trip):
    db, _, second, _, rejected = round_trip
    key = [second.run_id, rejected["sector"], rejected["source_file"], rejected["source_row"]]
    outcome = _rows(db, """SELECT outcome, residency_id FROM record_outcomes
                           WHERE run_id = ? AND sector = ? AND source_file = ? AND source_row = ?""", key).row(0)
    assert outcome[1] != rejected["residency_id"]
    shown = _rows(db, """SELECT residency_id FROM match_evidence
                         WHERE run_id = ? AND sector = ? AND source_file = ? AND source_row = ?""", key)
    assert rejected["residency_id"] not in shown["residency_id"].to_list()


def test_decisions_say_who_decided_and_when(round_trip):
    db, first, *_ = round_trip
    log = decisions_log(db)
    assert sorted(log["decided_by"].to_list()) == ["analyst-a", "analyst-b"]
    assert log["decided_at"].null_count() == 0 and set(log["decision"]) == {"accepted", "rejected"}
    assert set(log["sector"]) <= set(SECTORS)


def test_a_decision_on_an_unknown_pair_is_refused(round_trip):
    db, first, *_ = round_trip
    with pytest.raises(DoisoatError, match="no such pair in match_evidence"):
        record_decision(db, Case(first.run_id, "vaccination", "none.csv", 2, "001090012345"), "accepted", "x")
    with pytest.raises(DoisoatError, match="decision must be one of"):
        record_decision(db, Case(first.run_id, "vaccination", "none.csv", 2, "001090012345"), "maybe", "x")


def _linkage():
    """One record, two candidates: X clearly best (matched), Y weaker."""
    pairs = pl.DataFrame({
        "record_key": [0, 0], "resident_key": [0, 1], "person_id_r": ["079000000001", "079000000002"],
        "person_id_l": [None, None], "id_owner": [None, None], "gamma_id": [-1, -1],
        "match_weight": [12.0, 2.0], "match_probability": [0.9998, 0.8],
    }, schema_overrides={"record_key": pl.UInt32, "resident_key": pl.UInt32, "person_id_l": pl.String,
                         "id_owner": pl.UInt32, "gamma_id": pl.Int8})
    best = pl.DataFrame({"record_key": [0], "residency_id": ["079000000001"], "outcome": ["matched"],
                         "match_probability": [0.9998], "match_method": ["probabilistic"],
                         "best_candidate_id": ["079000000001"], "best_candidate_probability": [0.9998]},
                        schema_overrides={"record_key": pl.UInt32})
    records = pl.DataFrame({"record_key": [0], "full_name": ["Nguyễn Văn An"], "birth_date": [None],
                            "person_id": [None]}, schema_overrides={"record_key": pl.UInt32, "birth_date": pl.Date,
                                                                   "person_id": pl.String})
    residents = pl.DataFrame({"person_id": ["079000000001", "079000000002"]})
    return Linkage(best, pairs), records, residents


def _decision(records: pl.DataFrame, resident: str, decision: str) -> pl.DataFrame:
    from pipelines.review import record_fingerprints

    fp = record_fingerprints(records)["record_fingerprint"][0]
    return pl.DataFrame({"record_fingerprint": [fp], "residency_id": [resident], "decision": [decision],
                         "decided_at": [dt.datetime(2026, 12, 1)]})


def test_rejecting_the_best_candidate_decides_the_row_again():
    linkage, records, residents = _linkage()
    best, applied = apply_decisions(linkage, records, LinkSettings(), _decision(records, "079000000001", "rejected"), residents)
    assert best.select("residency_id", "outcome").row(0) == ("079000000002", "review")  # 0.8: review band
    assert applied.select("residency_id", "decision").row(0) == ("079000000001", "rejected")


def test_rejecting_a_deterministic_proposal_leaves_the_row_unmatched():
    linkage, records, residents = _linkage()
    linkage = Linkage(linkage.best.with_columns(pl.lit("review").alias("outcome")))  # no scored pairs
    best, _ = apply_decisions(linkage, records, LinkSettings(method="deterministic"),
                              _decision(records, "079000000001", "rejected"), residents)
    assert best.select("residency_id", "outcome", "match_method").row(0) == (None, "unmatched", None)


def test_a_withdrawn_decision_no_longer_applies():
    linkage, records, residents = _linkage()
    decisions = pl.concat([_decision(records, "079000000001", "rejected"),
                           _decision(records, "079000000001", "withdrawn").with_columns(
                               pl.col("decided_at") + pl.duration(hours=1))])
    best, applied = apply_decisions(linkage, records, LinkSettings(), decisions, residents)
    assert best.select("residency_id", "outcome").row(0) == ("079000000001", "matched") and applied.is_empty()


def test_the_app_waits_while_a_run_writes(tmp_path):
    db = tmp_path / "d.duckdb"
    duckdb.connect(str(db)).close()
    holder = subprocess.Popen([sys.executable, "-c", (
        "import duckdb, sys, time; c = duckdb.connect(sys.argv[1]); print('held', flush=True); time.sleep(2); c.close()"),
        str(db)], stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "held"
        with pytest.raises(DoisoatError, match=r"^d.duckdb: the database is busy \(a run is writing\)"):
            open_db(db, read_only=True, wait=0.3)
        started = time.monotonic()
        open_db(db, read_only=True, wait=20).close()  # gets in once the writer lets go
        assert time.monotonic() - started < 15
    finally:
        holder.wait(20)
