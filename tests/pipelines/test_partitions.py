"""Partitioned matching gives the outcomes of one whole-list ``link``: pieces of any size, in
memory or as Parquet files, with analysts' decisions on rows of several pieces."""

from __future__ import annotations

import datetime as dt

import polars as pl
import pytest

from contracts import fields as F
from matchers import LinkSettings
from pipelines.ingest import SourceFile
from pipelines.partitions import Handoff, pieces
from pipelines.review import record_fingerprints
from pipelines.stages import run_stages
from pipelines.store import ParquetFiles

SECTORS = ("vaccination", "union_membership", "social_insurance")


def _sources(folder) -> list[SourceFile]:
    return [SourceFile(F.RESIDENCY, folder / "residency.csv"),
            *(SourceFile(s, next(iter(sorted(folder.glob(f"{s}.*"))))) for s in SECTORS)]


def _outcomes(done) -> pl.DataFrame:
    return pl.concat([r.outcomes.with_columns(pl.lit(r.sector).alias("sector")) for r in done.results]).sort(
        "sector", F.SOURCE_FILE, F.SOURCE_ROW)


def _evidence(done) -> pl.DataFrame:
    return done.evidence.sort("sector", "source_file", "source_row", "residency_id")


@pytest.fixture(scope="module")
def whole(small_commune):
    return run_stages(_sources(small_commune), "2026-11", LinkSettings(), partition_rows=10**9)


def test_pieces_are_contiguous_and_bounded():
    rec = pl.DataFrame({F.RECORD_KEY: pl.arange(0, 10, eager=True).cast(pl.UInt32)})
    cut = pieces(rec, 4)
    assert [p.height for p in cut] == [4, 4, 2]
    assert pl.concat(cut).equals(rec)
    assert pieces(rec.head(0), 4) == []


@pytest.mark.parametrize("on_files", [False, True], ids=["in memory", "as Parquet files"])
def test_small_pieces_give_the_whole_list_outcomes(small_commune, whole, tmp_path, on_files):
    handoff = Handoff.in_folder(tmp_path) if on_files else Handoff()
    split = run_stages(_sources(small_commune), "2026-11", LinkSettings(), handoff=handoff, partition_rows=37)
    assert bool(list(tmp_path.glob("doisoat-parts-*/*.parquet"))) == on_files  # pieces, results, residents
    handoff.clean()
    assert not list(tmp_path.glob("doisoat-parts-*"))
    a, b = _outcomes(whole), _outcomes(split)
    assert a.height == b.height > 0
    assert a.drop("match_probability").equals(b.drop("match_probability"))
    assert (a["match_probability"].fill_null(-1) - b["match_probability"].fill_null(-1)).abs().max() < 1e-9
    assert set(a["outcome"]) >= {"matched", "unmatched"}
    ev_a, ev_b = _evidence(whole), _evidence(split)
    assert ev_a.select(pl.exclude(r"^.*(weight|probability)$")).equals(ev_b.select(pl.exclude(r"^.*(weight|probability)$")))
    for sector_whole, sector_split in zip(whole.results, split.results):
        assert sector_whole.discrepancies.height == sector_split.discrepancies.height


def test_decisions_apply_across_pieces(small_commune, whole):
    """A rejected best candidate and an accepted other candidate, on rows of different pieces."""
    records, matches = whole.matched["vaccination"]
    prints = record_fingerprints(records).join(matches, on=F.RECORD_KEY)
    matched = prints.filter(pl.col("outcome") == "matched").sort(F.RECORD_KEY)
    first, last = matched.row(0, named=True), matched.row(-1, named=True)
    other = whole.residents.filter(pl.col(F.PERSON_ID) != first["residency_id"])[F.PERSON_ID][0]
    decisions = pl.DataFrame({
        "record_fingerprint": [last["record_fingerprint"], first["record_fingerprint"]],
        "residency_id": [last["residency_id"], other], "decision": ["rejected", "accepted"],
        "decided_at": [dt.datetime(2026, 12, 1)] * 2})
    runs = [run_stages(_sources(small_commune), "2026-11", LinkSettings(), {"vaccination": decisions},
                       partition_rows=rows) for rows in (10**9, 50)]
    outcomes = [_outcomes(done).drop("match_probability") for done in runs]
    assert outcomes[0].equals(outcomes[1])
    rows = [dict(zip(o[F.SOURCE_ROW], o["residency_id"])) for o in
            (r.results[[x.sector for x in r.results].index("vaccination")].outcomes for r in runs)]
    key_first = records.filter(pl.col(F.RECORD_KEY) == first[F.RECORD_KEY])[F.SOURCE_ROW][0]
    key_last = records.filter(pl.col(F.RECORD_KEY) == last[F.RECORD_KEY])[F.SOURCE_ROW][0]
    assert rows[1][key_first] == other  # accepted
    assert rows[1][key_last] != last["residency_id"]  # rejected, never proposed again


def test_a_scratch_folder_left_by_a_killed_run_is_removed_by_the_next(tmp_path):
    import os
    import time

    left = Handoff.in_folder(tmp_path)
    left.put("piece", pl.DataFrame({"a": [1]}))
    recent = Handoff.in_folder(tmp_path)  # another run's, still young: kept
    day_ago = time.time() - 25 * 3600
    os.utime(left.folder, (day_ago, day_ago))
    current = Handoff.in_folder(tmp_path)
    assert not left.folder.exists() and recent.folder.exists() and current.folder.exists()


def test_evidence_handed_over_as_files_is_the_evidence_in_memory(small_commune, whole, tmp_path):
    with Handoff.in_folder(tmp_path) as spill:
        done = run_stages(_sources(small_commune), "2026-11", LinkSettings(), partition_rows=10**9, spill=spill)
        assert isinstance(done.evidence, ParquetFiles) and len(done.evidence.paths) == len(SECTORS)
        assert (spill.folder.stat().st_mode & 0o777) == 0o700  # personal data: this user's only
        on_files = pl.read_parquet(list(done.evidence.paths))
    assert not list(tmp_path.glob("doisoat-parts-*"))  # removed once left
    on_files, in_memory = on_files.sort("sector", "source_file", "source_row", "residency_id"), _evidence(whole)
    floats = r"^.*(weight|probability)$"  # two trainings: equal to the last bits only
    assert on_files.select(pl.exclude(floats)).equals(in_memory.select(pl.exclude(floats))) and on_files.height
    for column in on_files.select(floats).columns:
        assert (on_files[column].fill_null(0) - in_memory[column].fill_null(0)).abs().max() < 1e-9


def test_a_frame_handed_over_as_a_file_comes_back_in_one_chunk(tmp_path):
    """Many chunks (Parquet row groups) made DuckDB store a province's evidence 50 % larger."""
    frame = pl.DataFrame({"k": pl.arange(0, 300_000, eager=True), "v": ["xã Giao Long"] * 300_000})
    with Handoff.in_folder(tmp_path) as handoff:
        back = pl.read_parquet(handoff.put("big", frame))
    assert back.equals(frame) and back.n_chunks() == 1
