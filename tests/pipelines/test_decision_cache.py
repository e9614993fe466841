"""The decision cache, one change at a time: which rows keep their decision and which are scored
again, and that every row then has the outcome of a full run with the same models (in process)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import polars as pl
import pytest

from contracts import fields as F
from matchers import LinkSettings
from pipelines.decision_cache import DecisionCache
from pipelines.ingest import SourceFile
from pipelines.kept_models import KeptModels
from pipelines.stages import run_stages

SECTORS = ("civil_status", "social_insurance")
PID = "Số định danh cá nhân"


def stages(folder: Path, first=None, use_cache: bool = True, decisions=None):
    """Run the stages on ``folder``; with ``first``, its models kept (and its cache, unless told not to)."""
    sources = [SourceFile(F.RESIDENCY, folder / "residency.csv"),
               *(SourceFile(s, folder / f"{s}.csv") for s in SECTORS)]
    kept = KeptModels(first.frequencies, dict(first.models)) if first is not None else None
    cache = DecisionCache.from_tables(*(first.cache[t] for t in ("match_cache", "match_cache_pairs",
                                                                   "cache_residents"))) \
        if first is not None and use_cache else None
    return run_stages(sources, "2026-11", LinkSettings(), decisions=decisions, kept=kept, cache=cache)


def outcomes(done) -> pl.DataFrame:
    return pl.concat([r.outcomes.with_columns(pl.lit(r.sector).alias("sector"),
                                              pl.col(F.SOURCE_FILE).str.replace(r"^.*/", ""))
                      for r in done.results]).sort("sector", F.SOURCE_FILE, F.SOURCE_ROW)


def month(tmp_path: Path, folder: Path, change: dict) -> Path:
    """The commune's CSV files in a new folder, each passed through ``change[name]`` when given."""
    out = tmp_path / "month2"
    out.mkdir()
    for name in ("residency", *SECTORS):
        frame = pl.read_csv(folder / f"{name}.csv", infer_schema=False)
        change.get(name, lambda f: f)(frame).write_csv(out / f"{name}.csv")
    return out


@pytest.fixture(scope="module")
def first(small_commune):
    return stages(small_commune)


def reused(done) -> dict[str, tuple[int, int]]:
    return dict(done.reuse)


def check_like_full(tmp_path, folder, first) -> tuple:
    """(incremental, full) on ``folder``: their outcomes must be equal, row for row."""
    incremental, full = stages(folder, first), stages(folder, first, use_cache=False)
    assert outcomes(incremental).equals(outcomes(full))
    assert incremental.evidence.drop("source_file").sort(pl.all()).equals(full.evidence.drop("source_file").sort(pl.all()))
    return incremental, full


def test_the_same_files_keep_every_decision(first, small_commune, tmp_path):
    again, _ = check_like_full(tmp_path, small_commune, first)
    rows = {s: first.matched[s][0].height for s in SECTORS}
    assert reused(again) == {s: (rows[s], 0) for s in SECTORS}


def test_rows_moved_up_by_a_deletion_keep_theirs(first, small_commune, tmp_path):
    folder = month(tmp_path, small_commune, {"social_insurance": lambda f: f.slice(1)})
    again, _ = check_like_full(tmp_path, folder, first)
    assert reused(again)["social_insurance"] == (first.matched["social_insurance"][0].height - 1, 0)


def test_an_edited_row_is_scored_again(first, small_commune, tmp_path):
    folder = month(tmp_path, small_commune, {"civil_status": lambda f: f.with_columns(
        pl.when(pl.int_range(pl.len()) == 3).then(pl.lit("Trần Thị Bích")).otherwise(pl.col("Họ và tên"))
        .alias("Họ và tên"))})
    again, _ = check_like_full(tmp_path, folder, first)
    assert reused(again)["civil_status"] == (first.matched["civil_status"][0].height - 1, 1)


def test_a_resident_who_died_is_no_ones_match_any_more(first, small_commune, tmp_path):
    records, matches = first.matched["social_insurance"]
    person = matches.filter(pl.col("outcome") == "matched")["residency_id"][0]
    folder = month(tmp_path, small_commune, {"residency": lambda f: f.filter(pl.col(PID) != person)})
    again, _ = check_like_full(tmp_path, folder, first)
    kept, new = reused(again)["social_insurance"]
    assert new == 0 and kept < records.height  # the rows that read that resident were scored again
    after = again.matched["social_insurance"][1]
    assert person not in after.filter(pl.col("outcome") != "unmatched")["residency_id"].to_list()


def test_a_resident_who_moved_in_is_found_by_the_row_that_waited_for_them(first, small_commune, tmp_path):
    records, matches = first.matched["social_insurance"]
    waiting = records.join(matches.filter(pl.col("outcome") == "unmatched"), on=F.RECORD_KEY).filter(
        pl.col(F.PERSON_ID).is_not_null() & pl.col(F.BIRTH_DATE).is_not_null()).row(0, named=True)

    def moved_in(extract: pl.DataFrame) -> pl.DataFrame:
        mover = extract.tail(1).with_columns(pl.lit(waiting[F.FULL_NAME]).alias("Họ và tên"),
                                             pl.lit(waiting[F.PERSON_ID]).alias(PID),
                                             pl.lit(waiting[F.BIRTH_DATE].strftime("%d/%m/%Y")).alias("Ngày sinh"))
        return pl.concat([extract, mover])

    folder = month(tmp_path, small_commune, {"residency": moved_in})
    again, _ = check_like_full(tmp_path, folder, first)
    assert reused(again)["social_insurance"][0] < records.height
    after = again.matched["social_insurance"][1]
    assert after.filter(pl.col(F.RECORD_KEY) == waiting[F.RECORD_KEY])["residency_id"].item() == waiting[F.PERSON_ID]


def test_a_row_an_analyst_decided_on_is_always_scored_again(first, small_commune):
    records, matches = first.matched["civil_status"]
    from pipelines.review import record_fingerprints

    row = matches.filter(pl.col("outcome") == "matched").row(0, named=True)
    fingerprint = record_fingerprints(records).filter(pl.col(F.RECORD_KEY) == row[F.RECORD_KEY])["record_fingerprint"]
    decisions = {"civil_status": pl.DataFrame({
        "record_fingerprint": fingerprint, "residency_id": [row["residency_id"]], "decision": ["rejected"],
        "decided_at": [dt.datetime(2026, 11, 5)]})}
    again = stages(small_commune, first, decisions=decisions)
    assert reused(again)["civil_status"] == (records.height - 1, 0)
    after = again.matched["civil_status"][1].filter(pl.col(F.RECORD_KEY) == row[F.RECORD_KEY])
    assert after["residency_id"].item() != row["residency_id"]
