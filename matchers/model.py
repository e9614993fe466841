"""Fellegi–Sunter: u from random pairs, m by expectation maximisation, scores with explanations.

A pair's match weight is ``log2(prior odds) + Σ log2(m/u)`` over its comparison levels (a missing
level contributes 0). Name levels that say "the same name" use the name's term frequency among
residents as u ("Nguyễn Văn Hùng" agreeing is weaker evidence than a rare name agreeing).
EM runs over the distinct gamma patterns with their counts, so its cost does not grow with pairs.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import polars as pl

from matchers.comparison import GAMMA_MISSING, Comparison

PSEUDO_COUNT = 0.5
MIN_PROBABILITY = 1e-6
PRIOR_STRENGTH = 50.0  # the levels' m_start values count as this many matched pairs in EM


@dataclass(frozen=True)
class TermFrequency:
    """Term-frequency u for some levels of a comparison (Splink's adjustment).

    For a pair whose value has frequency ``tf`` (the ``column``), u of a level becomes
    ``u_level × tf / norm`` where ``norm = Σ tf²`` over all values (the chance that two random
    records share a value): on the exact level that is ``tf`` itself, and a level such as "same
    name, one side unaccented" keeps its own rarity while common names weigh less.
    """

    comparison: str
    levels: tuple[str, ...]
    column: str
    norm: float


@dataclass
class FellegiSunter:
    """Trained parameters: per comparison, level gamma → m and u; the prior match probability."""

    comparisons: tuple[Comparison, ...]
    m: dict[str, dict[int, float]]
    u: dict[str, dict[int, float]]
    prior: float
    term_frequencies: tuple[TermFrequency, ...] = ()
    name_frequencies: str | None = None  # version of the ``NameFrequencies`` it was trained with
    iterations: int = 0
    history: list[float] = field(default_factory=list)

    def parameters(self) -> dict:
        """The trained parameters as plain JSON values, what ``from_parameters`` reads back: per
        comparison its level labels, m and u by gamma; the prior; the term-frequency adjustments."""
        return {
            "comparisons": [
                {"name": c.name, "levels": {str(g): label for g, label in c.gammas.items()},
                 "m": {str(g): float(v) for g, v in sorted(self.m[c.name].items())},
                 "u": {str(g): float(v) for g, v in sorted(self.u[c.name].items())}}
                for c in self.comparisons],
            "prior": float(self.prior),
            "term_frequencies": [{"comparison": tf.comparison, "levels": list(tf.levels), "column": tf.column,
                                  "norm": float(tf.norm)} for tf in self.term_frequencies],
            "name_frequencies": self.name_frequencies,
        }

    @property
    def version(self) -> str:
        """A short fingerprint of the parameters: equal versions score every pair alike."""
        canonical = json.dumps(self.parameters(), sort_keys=True, separators=(",", ":"))
        return hashlib.sha256(canonical.encode()).hexdigest()[:16]

    @classmethod
    def from_parameters(cls, parameters: dict, comparisons: Sequence[Comparison]) -> FellegiSunter:
        """The model ``parameters()`` described, over ``comparisons``; ValueError when they are not
        the comparisons it was trained with (other names, levels or order)."""
        stored = [(c["name"], c["levels"]) for c in parameters["comparisons"]]
        given = [(c.name, {str(g): label for g, label in c.gammas.items()}) for c in comparisons]
        if stored != given:
            raise ValueError("the stored model was trained with other comparisons")
        by_name = {c["name"]: c for c in parameters["comparisons"]}
        return cls(
            tuple(comparisons),
            {name: {int(g): v for g, v in c["m"].items()} for name, c in by_name.items()},
            {name: {int(g): v for g, v in c["u"].items()} for name, c in by_name.items()},
            parameters["prior"],
            tuple(TermFrequency(tf["comparison"], tuple(tf["levels"]), tf["column"], tf["norm"])
                  for tf in parameters["term_frequencies"]),
            name_frequencies=parameters.get("name_frequencies"),
        )

    def level_weights(self) -> pl.DataFrame:
        """One row per comparison level: gamma, label, m, u and log2(m/u), for reports and notebooks."""
        rows = []
        for c in self.comparisons:
            for g, label in c.gammas.items():
                if g == GAMMA_MISSING:
                    continue
                m, u = self.m[c.name][g], self.u[c.name][g]
                rows.append({"comparison": c.name, "gamma": g, "level": label, "m": m, "u": u,
                             "weight": float(np.log2(m / u))})
        return pl.DataFrame(rows)


def default_m(comparisons: Sequence[Comparison]) -> dict[str, dict[int, float]]:
    """Starting m per level: each level's ``m_start`` (a level without one shares what the
    others leave, at least 0.02 in all), normalised to sum to 1 per comparison."""
    out: dict[str, dict[int, float]] = {}
    for c in comparisons:
        levels = [(g, level) for g, level in zip(c.gammas, c.levels, strict=True) if g != GAMMA_MISSING]
        given = sum(level.m_start or 0.0 for _, level in levels)
        unset = [g for g, level in levels if level.m_start is None]
        rest = max(1.0 - given, 0.02) / max(len(unset), 1)
        values = {g: level.m_start if level.m_start is not None else rest for g, level in levels}
        total = sum(values.values())
        out[c.name] = {g: v / total for g, v in values.items()}
    return out


def level_frequencies(gammas: pl.DataFrame, comparisons: Sequence[Comparison]) -> dict[str, dict[int, float]]:
    """Share of non-missing pairs in each level, per comparison (with a small pseudo-count)."""
    out: dict[str, dict[int, float]] = {}
    for c in comparisons:
        counts = dict(gammas.group_by(c.output_name).len().iter_rows())
        present = [g for g in c.gammas if g != GAMMA_MISSING]
        total = sum(counts.get(g, 0) for g in present) + PSEUDO_COUNT * len(present)
        out[c.name] = {g: (counts.get(g, 0) + PSEUDO_COUNT) / total for g in present}
    return out


def _patterns(gammas: pl.DataFrame, comparisons: Sequence[Comparison]) -> tuple[np.ndarray, np.ndarray]:
    cols = [c.output_name for c in comparisons]
    agg = gammas.group_by(cols).len("n").sort(cols)  # a fixed order: EM's sums come out bit for bit alike
    return agg.select(cols).to_numpy().astype(np.int16), agg["n"].to_numpy().astype(np.float64)


def _level_table(params: dict[str, dict[int, float]], comparisons: Sequence[Comparison]) -> list[dict[int, float]]:
    return [params[c.name] for c in comparisons]


def _pattern_likelihood(patterns: np.ndarray, table: list[dict[int, float]]) -> np.ndarray:
    """Π over comparisons of the level probability (1 for a missing level), per pattern."""
    out = np.ones(patterns.shape[0])
    for j, levels in enumerate(table):
        lookup = np.ones(max(levels, default=0) + 2)  # index gamma + 1; gamma -1 (missing) → 1.0
        for g, value in levels.items():
            lookup[g + 1] = value
        out *= lookup[patterns[:, j] + 1]
    return out


def train_em(gammas: pl.DataFrame, comparisons: Sequence[Comparison], u: dict[str, dict[int, float]],
             m_start: dict[str, dict[int, float]], prior_start: float, *, max_iterations: int = 50,
             tolerance: float = 1e-5, fixed_m: Sequence[str] = (),
             m_prior: dict[str, dict[int, float]] | None = None) -> FellegiSunter:
    """Estimate m and the prior by EM over candidate-pair gamma patterns, u held fixed.

    ``fixed_m`` names comparisons whose m is kept at ``m_start``. Each M-step adds ``m_prior``
    (default: ``default_m``) as ``PRIOR_STRENGTH`` pseudo-matches, so little data stays sensible.
    """
    comparisons = tuple(comparisons)
    m_prior = m_prior or default_m(comparisons)
    patterns, counts = _patterns(gammas, comparisons)
    m = {k: dict(v) for k, v in m_start.items()}
    prior = min(max(prior_start, 1e-6), 1 - 1e-6)
    u_lik = _pattern_likelihood(patterns, _level_table(u, comparisons))
    history: list[float] = []
    iteration = 0
    for iteration in range(1, max_iterations + 1):
        m_lik = _pattern_likelihood(patterns, _level_table(m, comparisons))
        p = prior * m_lik / (prior * m_lik + (1 - prior) * u_lik)
        weighted = p * counts
        new_prior = float(weighted.sum() / counts.sum())
        change = abs(new_prior - prior)
        for j, c in enumerate(comparisons):
            if c.name in fixed_m:
                continue
            present = patterns[:, j] != GAMMA_MISSING
            total = weighted[present].sum()
            levels = {}
            for g in m[c.name]:
                share = (weighted[patterns[:, j] == g].sum() + PRIOR_STRENGTH * m_prior[c.name][g]) / (total + PRIOR_STRENGTH)
                levels[g] = max(float(share), MIN_PROBABILITY)
                change = max(change, abs(levels[g] - m[c.name][g]))
            m[c.name] = levels
        prior = min(max(new_prior, 1e-9), 1 - 1e-9)
        history.append(prior)
        if change < tolerance:
            break
    return FellegiSunter(comparisons, m, u, prior, iterations=iteration, history=history)


def score(pairs: pl.DataFrame, model: FellegiSunter) -> pl.DataFrame:
    """Add ``bf_<comparison>`` (log2 Bayes factor, 0 when missing), ``match_weight`` and ``match_probability``."""
    prior_weight = float(np.log2(model.prior / (1 - model.prior)))
    contributions = []
    for c in model.comparisons:
        gamma = pl.col(c.output_name)
        m_expr = gamma.replace_strict(model.m[c.name], default=1.0, return_dtype=pl.Float64)
        u_expr = gamma.replace_strict(model.u[c.name], default=1.0, return_dtype=pl.Float64)
        for tf in model.term_frequencies:
            if tf.comparison != c.name or tf.column not in pairs.columns:
                continue
            tf_gammas = [g for g, label in c.gammas.items() if label in tf.levels]
            u_expr = pl.when(gamma.is_in(tf_gammas) & pl.col(tf.column).is_not_null()).then(
                pl.max_horizontal(u_expr * pl.col(tf.column) / max(tf.norm, MIN_PROBABILITY), pl.lit(MIN_PROBABILITY))
            ).otherwise(u_expr)
        contribution = pl.when(gamma == GAMMA_MISSING).then(0.0).otherwise((m_expr / u_expr).log(2))
        contributions.append(contribution.alias(f"bf_{c.name}"))
    scored = pairs.with_columns(contributions)
    weight = pl.lit(prior_weight) + pl.sum_horizontal([pl.col(f"bf_{c.name}") for c in model.comparisons])
    return scored.with_columns(weight.alias("match_weight")).with_columns(
        (1.0 / (1.0 + (-pl.col("match_weight") * np.log(2)).exp())).alias("match_probability")
    )
