"""Kept models: a run scores with the name frequencies and each sector's model of its commune's
latest run, and trains again only when asked (``--retrain``) or when the data have drifted.

Drift is judged on what the run reads:
- the extract: its size differs by more than ``EXTRACT_SIZE_DRIFT`` from the extract the kept
  name frequencies were counted on, or more than ``UNSEEN_NAMES_DRIFT`` of its residents have a
  full name those never saw: the frequencies are counted again and every sector trains again
  (a model scores with the frequencies it was trained with);
- a sector's list: its size differs by more than ``LIST_SIZE_DRIFT`` from the list its model
  was trained on, or the training settings differ (``LinkSettings.training_key``), or the model
  was trained with other comparisons: that sector trains again.
A month of births, deaths and corrections (a few percent) keeps everything; a new district, a
list twice as long, or a new release of the comparisons does not.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass, field
from pathlib import Path

import polars as pl

from matchers import FellegiSunter, LinkSettings, NameFrequencies, PreparedResidents, default_comparisons
from pipelines.store import open_db

LOG = logging.getLogger(__name__)  # counts and versions only

EXTRACT_SIZE_DRIFT = 0.10
UNSEEN_NAMES_DRIFT = 0.05
LIST_SIZE_DRIFT = 0.10


@dataclass(frozen=True)
class SectorModel:
    """A sector's model as a run used it: trained in ``trained_run_id`` (None: in this run), on
    a list of ``trained_rows`` rows, with settings whose ``training_key`` is ``training``."""

    model: FellegiSunter
    trained_rows: int
    training: str
    trained_run_id: str | None = None

    @property
    def kept(self) -> bool:
        return self.trained_run_id is not None


@dataclass(frozen=True)
class KeptModels:
    """What an earlier run of the commune left to reuse (empty: train everything)."""

    frequencies: NameFrequencies | None = None
    models: dict[str, SectorModel] = field(default_factory=dict)
    retrain: bool = False  # asked to train again whatever the drift


def load_kept(db: Path, commune: str | None = None, retrain: bool = False) -> KeptModels:
    """Each sector's model from the latest run of ``commune`` in ``db`` that kept one, and the name
    frequencies they were trained with (models of other comparisons are left out)."""
    db = Path(db)
    if retrain or not db.exists():
        return KeptModels(retrain=retrain)
    con = open_db(db, read_only=True)
    try:
        tables = {row[0] for row in con.execute("SELECT table_name FROM information_schema.tables").fetchall()}
        if not {"models", "name_frequencies", "runs"} <= tables:
            return KeptModels()
        rows = con.execute("""
            SELECT m.sector, m.parameters, coalesce(m.trained_run_id, m.run_id), m.training, m.trained_rows,
                   m.name_frequencies
            FROM models m JOIN runs r USING (run_id)
            WHERE r.commune IS NOT DISTINCT FROM ? AND m.name_frequencies IS NOT NULL
            QUALIFY row_number() OVER (PARTITION BY m.sector ORDER BY r.finished_at DESC, r.started_at DESC) = 1
            ORDER BY r.finished_at DESC, r.started_at DESC, m.sector
        """, [commune]).fetchall()
        latest = rows[0][5] if rows else None  # the newest run's frequencies: its models score with them
        shares = con.sql("SELECT DISTINCT residents, key, value_hash, share FROM name_frequencies WHERE version = ?",
                         params=[latest]).pl()
    finally:
        con.close()
    if shares.is_empty():
        return KeptModels()
    comparisons = default_comparisons()
    models: dict[str, SectorModel] = {}
    for sector, parameters, trained_in, training, trained_rows, version in rows:
        if version != latest:
            continue  # an older sector's model, trained with other frequencies: trains again
        try:
            model = FellegiSunter.from_parameters(json.loads(parameters), comparisons)
        except (ValueError, KeyError):
            continue  # trained with other comparisons: trains again
        models[sector] = SectorModel(model, int(trained_rows or 0), training or "", trained_in)
    return KeptModels(NameFrequencies.from_table(shares, shares["residents"][0], latest), models)


def choose_frequencies(kept: KeptModels, prepared: PreparedResidents) -> tuple[PreparedResidents, bool]:
    """(the residents as this run scores them, whether the kept name frequencies are used): the
    kept ones unless asked to retrain or the extract drifted (see the module's rules)."""
    old = kept.frequencies
    if kept.retrain or old is None or prepared.frame.is_empty():
        return prepared, False
    grown = abs(prepared.frame.height - old.residents) / max(old.residents, 1)
    unseen = old.unseen_share(prepared.frame)
    if grown > EXTRACT_SIZE_DRIFT or unseen > UNSEEN_NAMES_DRIFT:
        LOG.info("extract drifted (size %+.1f %%, unseen names %.1f %%): models are trained again",
                 100 * (prepared.frame.height - old.residents) / max(old.residents, 1), 100 * unseen)
        return prepared, False
    return prepared.with_frequencies(old), True


def kept_model(kept: KeptModels, sector: str, rows: int, settings: LinkSettings,
               frequencies: NameFrequencies | None) -> SectorModel | None:
    """The sector's kept model when this run may score with it (see the module's rules), else None."""
    found = kept.models.get(sector)
    if kept.retrain or found is None or frequencies is None:
        return None
    if found.model.name_frequencies != frequencies.version or found.training != settings.training_key():
        return None
    if abs(rows - found.trained_rows) > LIST_SIZE_DRIFT * max(found.trained_rows, 1):
        LOG.info("%s: list size changed by more than %d %%: its model is trained again", sector,
                 int(100 * LIST_SIZE_DRIFT))
        return None
    return found


def models_rows(models: dict[str, SectorModel]) -> pl.DataFrame:
    """The ``models`` rows of a run: each sector's model version, parameters (JSON) and provenance."""
    return pl.DataFrame(
        [{"sector": sector, "model_version": m.model.version, "parameters": json.dumps(m.model.parameters()),
          "trained_run_id": m.trained_run_id, "training": m.training, "trained_rows": m.trained_rows,
          "name_frequencies": m.model.name_frequencies}
         for sector, m in models.items()],
        schema={"sector": pl.String, "model_version": pl.String, "parameters": pl.String,
                "trained_run_id": pl.String, "training": pl.String, "trained_rows": pl.Int64,
                "name_frequencies": pl.String})


def frequencies_rows(frequencies: NameFrequencies | None) -> pl.DataFrame:
    """The ``name_frequencies`` rows of frequencies counted in this run (none when kept)."""
    if frequencies is None:
        return pl.DataFrame()
    return frequencies.shares.select(pl.lit(frequencies.version).alias("version"),
                                     pl.lit(frequencies.residents, pl.Int64).alias("residents"), "key", "value_hash",
                                     "share")
