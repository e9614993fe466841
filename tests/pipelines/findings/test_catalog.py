"""The catalogue words every finding kind, including the soft contract rules' kinds."""

from __future__ import annotations

import datetime as dt

import polars as pl

from contracts import soft_findings
from pipelines.findings import CATALOG, RULE_TEXT, SEVERITIES, SHORT_VI, empty_findings, finish_findings
from pipelines.findings.catalog import GENERIC_PROBLEM

AS_OF = dt.date(2026, 11, 30)


def _rows(**values) -> pl.DataFrame:
    base = {"source_file": "ds.csv", "source_row": 2, "person_id": None, "birth_date": None,
            "birth_date_precision": None, "gender": None, "full_name": "Lê Văn An", "organisation": None}
    return pl.DataFrame([{**base, **values}]).cast({"source_row": pl.UInt32, "birth_date": pl.Date})


def test_every_catalog_kind_has_a_known_severity_and_a_short_label():
    assert {severity for severity, _, _ in CATALOG.values()} <= set(SEVERITIES)
    assert set(SHORT_VI) == set(CATALOG)


def test_soft_rule_findings_are_worded_from_the_catalogue_when_finished():
    rows = _rows(person_id="036089012345", birth_date=dt.date(1990, 1, 1), birth_date_precision="year",
                 organisation="Hội Phụ nữ", gender="M")
    soft = soft_findings("union_membership", rows, AS_OF).with_columns(pl.lit(None, pl.String).alias("residency_id"))
    assert soft.height >= 2  # the ID's gender digit, and a man in the Women's Union
    finished = finish_findings("union_membership", pl.concat([empty_findings(), soft], how="diagonal_relaxed"),
                               rows, pl.DataFrame(schema={"person_id": pl.String}))
    assert set(finished["kind"]) <= set(RULE_TEXT)
    assert finished["message_vi"].is_in([m for m, _ in RULE_TEXT.values()]).all()
    assert (finished["message_vi"] != GENERIC_PROBLEM).all()
    assert finished["action_vi"].is_in([a for _, a in RULE_TEXT.values()]).all()
