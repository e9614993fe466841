"""Comparison levels: the types every comparison is built from.

Gamma convention (Splink's): each comparison writes an Int8 column ``gamma_<name>``:
``-1`` = missing (a side lacks the field; neutral, no evidence either way), ``0`` = the last,
"else" level (no agreement of any listed kind), and ``1 … k`` for the listed levels, the
strongest highest. Levels are tested strongest first; a pair takes the first level whose
condition is true.

A level declares what the model needs to know about it: ``term_frequency`` names the pairs
column whose value frequency adjusts u (Splink's term-frequency adjustment), ``tag`` is a
stable name the matcher uses to find a level ("id_equal"), never its English label, and
``m_start`` is a weak starting value of m (the share of true matches in the level) that EM
moves away from as the data allow (Splink's ``m_probability`` on a comparison level).
"""

from __future__ import annotations

from dataclasses import dataclass

import polars as pl

GAMMA_MISSING = -1
GAMMA_ELSE = 0


@dataclass(frozen=True)
class Level:
    """One comparison level: an English label (shown to analysts), a Boolean condition, and its
    properties: the term-frequency column that adjusts its u, a tag naming its meaning and a
    starting m (None: share what the comparison's other levels leave)."""

    label: str
    condition: pl.Expr
    term_frequency: str | None = None
    tag: str | None = None
    m_start: float | None = None


@dataclass(frozen=True)
class Comparison:
    """Ordered levels: "missing" first, then strongest to weakest, an always-true level last.

    Gamma: missing → -1, last level → 0, the others k … 1 in order (see module docstring).
    """

    name: str
    levels: tuple[Level, ...]

    def __post_init__(self) -> None:
        if not self.name.isidentifier():
            raise ValueError(f"comparison name must be an identifier, got {self.name!r}")
        if len(self.levels) < 3:
            raise ValueError(f"comparison {self.name}: needs missing, ≥ 1 level and else")
        if self.levels[0].label != "missing":
            raise ValueError(f"comparison {self.name}: the first level must be 'missing'")
        if not self.levels[-1].condition.meta.eq(pl.lit(True)):
            raise ValueError(f"comparison {self.name}: the last level must be pl.lit(True)")
        labels = [level.label for level in self.levels]
        if len(set(labels)) != len(labels):
            raise ValueError(f"comparison {self.name}: level labels must be unique")

    @property
    def output_name(self) -> str:
        """Name of the gamma column: ``gamma_<name>``."""
        return f"gamma_{self.name}"

    @property
    def gammas(self) -> dict[int, str]:
        """Gamma value → level label, strongest first: {-1: "missing", k: ..., 0: else}."""
        top = len(self.levels) - 2
        values = [GAMMA_MISSING, *range(top, 0, -1), GAMMA_ELSE]
        return {g: level.label for g, level in zip(values, self.levels, strict=True)}

    def gamma(self) -> pl.Expr:
        """Int8 expression of the level each pair falls in, named ``gamma_<name>``."""
        chain = None
        for g, level in zip(self.gammas, self.levels[:-1], strict=False):
            value = pl.lit(g, pl.Int8)
            chain = (
                pl.when(level.condition).then(value)
                if chain is None
                else chain.when(level.condition).then(value)
            )
        assert chain is not None
        return chain.otherwise(pl.lit(GAMMA_ELSE, pl.Int8)).alias(self.output_name)

    def explanation(self) -> pl.Expr:
        """English text of the level a pair fell in, e.g. "name: exact", from its gamma column."""
        mapping = {g: f"{self.name}: {label}" for g, label in self.gammas.items()}
        return (
            pl.col(self.output_name)
            .replace_strict(mapping, return_dtype=pl.String)
            .alias(f"explain_{self.name}")
        )

    def gamma_of(self, tag: str) -> int:
        """Gamma of the level tagged ``tag``; KeyError when no level has it."""
        values = list(self.gammas)
        for g, level in zip(values, self.levels, strict=True):
            if level.tag == tag:
                return g
        raise KeyError(f"comparison {self.name}: no level tagged {tag!r}")

    def term_frequency_levels(self, column: str) -> tuple[str, ...]:
        """Labels of the levels whose u is adjusted by the frequencies in ``column``."""
        return tuple(level.label for level in self.levels if level.term_frequency == column)
