"""Matching sector rows to residents: the face of ``matchers`` (pure functions over polars frames, no I/O).

- normalise: Vietnamese names as compared (``folded``, ``canonical_name``, ``given_name``…).
- comparison, comparison_library, comparison_inputs: ordered levels per field, built from
  ``Level`` and ``Comparison``; ``compare`` adds one ``gamma_<name>`` column per comparison.
- blocking, model, decide, deterministic: candidate pairs, Fellegi–Sunter training and scoring
  (``FellegiSunter``: its ``parameters()``, ``version`` and ``from_parameters`` keep it with a run),
  the decision per record, and the exact passes.
- link: ``link(records, residents, settings)``, the entry point; ``prepare_residents`` once per run;
  ``prepare_records``, ``train``, ``link_part`` and ``finish_parts``: the same in pieces (partitions);
  ``score_pairs``: given pairs scored as ``link_part`` scores them.
- frequencies: ``NameFrequencies``, the residents' name shares a model scores with (kept with it).
- review: ``decide_again`` after an analyst rejected a candidate.
"""

from matchers.blocking import BlockingError, BlockingRule
from matchers.comparison import GAMMA_ELSE, GAMMA_MISSING, Comparison, Level
from matchers.comparison_inputs import add_comparison_inputs
from matchers.comparison_library import (
    birth_date_comparison,
    compare,
    default_comparisons,
    explain,
    gender_comparison,
    guardian_comparison,
    id_comparison,
    name_comparison,
    place_comparison,
)
from matchers.decide import BEST_SCHEMA
from matchers.deterministic import RESULT_SCHEMA
from matchers.frequencies import NameFrequencies
from matchers.link import (
    Linkage,
    LinkSettings,
    PreparedResidents,
    finish_parts,
    link,
    link_part,
    prepare_records,
    prepare_residents,
    score_pairs,
    train,
)
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
from matchers.model import FellegiSunter
from matchers.review import decide_again

__all__ = [
    "BEST_SCHEMA", "BlockingError", "BlockingRule", "Comparison", "FellegiSunter", "GAMMA_ELSE", "GAMMA_MISSING",
    "Level", "LinkSettings", "Linkage", "NameFrequencies", "PreparedResidents", "RESULT_SCHEMA", "add_comparison_inputs",
    "birth_date_comparison", "canonical_name", "compare", "decide_again", "default_comparisons", "explain",
    "finish_parts", "folded", "gender_comparison", "gender_from_name", "given_name", "guardian_comparison",
    "has_diacritics", "id_comparison", "link", "link_part", "middle_names", "name_comparison", "name_tokens",
    "place_comparison", "prepare_records", "prepare_residents", "score_pairs", "surname", "telex_folded", "train",
]
