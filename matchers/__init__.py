"""Matching sector rows to residents: normalisation, comparisons and the ``link`` façade."""

from matchers.comparisons import (
    Comparison,
    Level,
    add_comparison_inputs,
    birth_date_comparison,
    compare,
    default_comparisons,
    explain,
    gender_comparison,
    id_comparison,
    name_comparison,
    place_comparison,
)
from matchers.link import LinkSettings, Linkage, link
from matchers.normalise import (
    canonical_name,
    folded,
    gender_from_name,
    given_name,
    has_diacritics,
    middle_names,
    name_tokens,
    surname,
    telex_folded,
)

__all__ = [
    "Comparison", "Level", "LinkSettings", "Linkage", "add_comparison_inputs", "birth_date_comparison",
    "canonical_name", "compare", "default_comparisons", "explain", "folded", "gender_comparison",
    "gender_from_name", "given_name", "has_diacritics", "id_comparison", "link", "middle_names",
    "name_comparison", "name_tokens", "place_comparison", "surname", "telex_folded",
]
