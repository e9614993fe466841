"""Kept models: a later run of the same commune scores with the models and name frequencies the
database kept, and trains again when asked or when the data drifted (real Prefect, real DuckDB)."""

from __future__ import annotations

import json
from pathlib import Path

import duckdb
import polars as pl
import pytest

from pipelines.flow import reconcile

pytestmark = pytest.mark.usefixtures("prefect_backend")
SECTORS = ("civil_status", "social_protection", "social_insurance")


def run(folder: Path, db: Path, period: str, commune: str | None = None, **options):
    state = reconcile(residency=str(folder / "residency.csv"),
                      sectors=[f"{s}={folder / f'{s}.csv'}" for s in SECTORS], period=period, db=str(db),
                      out=str(db.parent / f"out-{period}"), commune=commune, return_state=True, **options)
    assert state.is_completed(), state.message
    return state.result()


def outcomes(db: Path, run_id: str) -> pl.DataFrame:
    with duckdb.connect(str(db), read_only=True) as con:
        return con.sql("""SELECT sector, regexp_replace(source_file, '^.*/', '') AS file, source_row, outcome,
                                 residency_id, match_probability FROM record_outcomes WHERE run_id = ?
                          ORDER BY ALL""", params=[run_id]).pl()


def models(db: Path, run_id: str) -> dict[str, tuple]:
    with duckdb.connect(str(db), read_only=True) as con:
        rows = con.execute("SELECT sector, model_version, trained_run_id FROM models WHERE run_id = ?",
                           [run_id]).fetchall()
    return {sector: (version, trained) for sector, version, trained in rows}


def copy_of(folder: Path, into: Path, change: dict[str, callable] | None = None) -> Path:
    """The commune's CSV files in ``into``, each passed through ``change[name]`` when given."""
    into.mkdir()
    for name in ("residency", *SECTORS):
        frame = pl.read_csv(folder / f"{name}.csv", infer_schema=False)
        (change or {}).get(name, lambda f: f)(frame).write_csv(into / f"{name}.csv")
    return into


@pytest.fixture(scope="module")
def first(small_commune, tmp_path_factory):
    """Month 1 in a fresh database: (files, database, summary)."""
    folder = copy_of(small_commune, tmp_path_factory.mktemp("kept") / "month1")
    db = folder.parent / "run.duckdb"
    return folder, db, run(folder, db, "2026-10")


def test_month_two_scores_with_the_kept_models_and_decides_as_month_one(first, tmp_path):
    folder, db, month1 = first
    assert set(month1.models_trained) == set(SECTORS) and not month1.models_kept
    month2 = run(folder, db, "2026-11")
    assert set(month2.models_kept) == set(SECTORS) and not month2.models_trained and month2.frequencies_kept
    assert outcomes(db, month2.run_id).equals(outcomes(db, month1.run_id))
    trained = models(db, month1.run_id)
    assert {s: (v, month1.run_id) for s, (v, _) in trained.items()} == models(db, month2.run_id)
    with duckdb.connect(str(db), read_only=True) as con:  # the frequencies are stored once, not per run
        assert con.execute("SELECT count(DISTINCT run_id) FROM name_frequencies").fetchone() == (1,)
        assert con.execute("SELECT count(*) FROM name_frequencies WHERE value_hash IS NULL").fetchone() == (0,)


def test_retrain_trains_every_model_again(first):
    folder, db, month1 = first
    again = run(folder, db, "2026-12", retrain=True)
    assert set(again.models_trained) == set(SECTORS) and not again.frequencies_kept
    # the same files train the same models (training depends on the rows' content only)
    assert {s: v for s, (v, _) in models(db, again.run_id).items()} == {
        s: v for s, (v, _) in models(db, month1.run_id).items()}
    assert all(trained is None for _, trained in models(db, again.run_id).values())


def test_a_list_that_changed_by_a_fifth_trains_its_own_model_again(first, tmp_path):
    folder, db, _ = first
    shorter = copy_of(folder, tmp_path / "month2", {"social_insurance": lambda f: f.head(int(f.height * 0.8))})
    month2 = run(shorter, db, "2027-01")
    assert month2.models_trained == ["social_insurance"]
    assert set(month2.models_kept) == {"civil_status", "social_protection"} and month2.frequencies_kept


def test_an_extract_that_changed_by_a_fifth_counts_its_names_again_and_trains_everything(first, tmp_path):
    folder, db, _ = first
    fewer = copy_of(folder, tmp_path / "month2", {"residency": lambda f: f.head(int(f.height * 0.8))})
    month2 = run(fewer, db, "2027-02")
    assert set(month2.models_trained) == set(SECTORS) and not month2.frequencies_kept


def test_another_communes_models_are_not_used(first, tmp_path):
    folder, db, _ = first
    other = run(folder, db, "2026-11", commune="25975")
    assert set(other.models_trained) == set(SECTORS)
    assert set(run(folder, db, "2026-12", commune="25975").models_kept) == set(SECTORS)


def test_a_model_trained_with_other_comparisons_is_trained_again(small_commune, tmp_path):
    folder = copy_of(small_commune, tmp_path / "files")
    db = tmp_path / "run.duckdb"
    run(folder, db, "2026-10")
    with duckdb.connect(str(db)) as con:  # as if the name comparison of an older release had other levels
        parameters = json.loads(con.execute("SELECT parameters FROM models WHERE sector = 'civil_status'").fetchone()[0])
        name = next(c for c in parameters["comparisons"] if c["name"] == "name")
        name["levels"] = {g: label + " (old)" for g, label in name["levels"].items()}
        con.execute("UPDATE models SET parameters = ? WHERE sector = 'civil_status'", [json.dumps(parameters)])
    month2 = run(folder, db, "2026-11")
    assert month2.models_trained == ["civil_status"] and len(month2.models_kept) == 2
