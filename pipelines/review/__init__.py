"""Review: the evidence a run keeps for analysts, the decisions they take on it, and applying them.

- apply: ``match_with_reviews`` = ``matchers.link`` plus the analysts' decisions (accepted pairs
  matched, rejected ones never proposed again).
- evidence: the ``match_evidence`` rows (levels, weights, both sides) behind each decision.
- decisions: what the review app reads and writes, and ``load_decisions`` for a run.
A decision finds its row by the row's fingerprint (``pipelines.fingerprints``), so it follows the
row into later months.
"""

from pipelines.fingerprints import IDENTITY_FIELDS, record_fingerprints
from pipelines.review.apply import (
    DECISION_SCHEMA,
    apply_decisions,
    effective_decisions,
    match_with_reviews,
)
from pipelines.review.decisions import (
    DECISIONS,
    Case,
    decisions_log,
    load_decisions,
    record_decision,
    review_cases,
    runs,
)
from pipelines.review.evidence import COMPARISONS, EVIDENCE_COLUMNS, evidence

__all__ = [
    "COMPARISONS", "Case", "DECISIONS", "DECISION_SCHEMA", "EVIDENCE_COLUMNS", "IDENTITY_FIELDS",
    "apply_decisions", "decisions_log", "effective_decisions", "evidence", "load_decisions",
    "match_with_reviews", "record_decision", "record_fingerprints", "review_cases", "runs",
]
