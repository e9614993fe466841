"""The monthly report: self-contained HTML whose numbers are the database's, and `doisoat report`
making lists and report again from a finished run."""

import os
import re
import subprocess
import sys
from html.parser import HTMLParser

import duckdb
import openpyxl
import polars as pl
import pytest

from contracts.fields import SECTORS
from pipelines.flow import reconcile
from pipelines.outputs.report import report_file_name

pytestmark = pytest.mark.usefixtures("prefect_backend")


class Rows(HTMLParser):
    """Collects the data-* attributes of every element, by the table they are in."""

    def __init__(self):
        super().__init__()
        self.table = None
        self.rows: dict[str, list[dict]] = {}
        self.tags: list[str] = []
        self.cards: dict[str, str] = {}

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        self.tags.append(tag)
        if tag == "table":
            self.table = a.get("data-table")
        elif tag == "tr" and self.table and "data-sector" in a or tag == "tr" and "data-commune" in a:
            self.rows.setdefault(self.table, []).append({k[5:]: v for k, v in a.items() if k.startswith("data-")})
        elif tag == "div" and "card" in (a.get("class") or "").split():
            self.cards.update({k[5:]: v for k, v in a.items() if k.startswith("data-")})


@pytest.fixture(scope="module")
def runs(small_commune, tmp_path_factory):
    base = tmp_path_factory.mktemp("report")
    db = base / "doisoat.duckdb"
    sectors = [f"{name}={p}" for name in SECTORS for p in sorted(small_commune.glob(f"{name}.*"))]
    done = []
    for period, subset in (("2026-10", sectors[:3]), ("2026-11", sectors)):
        state = reconcile(residency=str(small_commune / "residency.csv"), sectors=subset, period=period, db=str(db),
                          out=str(base / period), return_state=True)
        assert state.is_completed(), state.message
        done.append(state.result())
    html = (base / "2026-11" / report_file_name("2026-11")).read_text(encoding="utf-8")
    parser = Rows()
    parser.feed(html)
    return dict(db=db, base=base, previous=done[0], current=done[1], html=html, parsed=parser)


def _sql(db, query, params=()):
    con = duckdb.connect(str(db), read_only=True)
    try:
        return con.sql(query, params=list(params)).pl()
    finally:
        con.close()


def test_the_report_opens_offline(runs):
    html = runs["html"]
    assert html.startswith("<!DOCTYPE html>") and '<html lang="vi">' in html and '<meta charset="utf-8">' in html
    for pattern in (r"https?:", r"//[a-z]", r"\bsrc\s*=", r"\bhref\s*=", r"url\(", r"@import", r"@font-face"):
        assert not re.search(pattern, html, re.IGNORECASE), pattern
    assert not {"script", "link", "img", "iframe", "object", "embed"} & set(runs["parsed"].tags)
    assert html.count("<svg") >= 4


def test_sector_numbers_are_the_databases(runs):
    run_id = runs["current"].run_id
    outcomes = _sql(runs["db"], """
        SELECT sector, count(*) AS rows, count(*) FILTER (WHERE outcome = 'matched') AS matched,
               count(*) FILTER (WHERE outcome = 'review') AS review, count(*) FILTER (WHERE outcome = 'unmatched') AS unmatched,
               count(*) FILTER (WHERE outcome = 'rejected') AS rejected
        FROM record_outcomes WHERE run_id = ? GROUP BY sector""", [run_id])
    findings = _sql(runs["db"], """
        SELECT sector, count(*) AS findings, count(*) FILTER (WHERE severity = 'critical') AS critical,
               count(*) FILTER (WHERE severity = 'high') AS high FROM discrepancies WHERE run_id = ? GROUP BY sector""", [run_id])
    want = {r["sector"]: r for r in outcomes.join(findings, on="sector", how="left").fill_null(0).iter_rows(named=True)}
    shown = {r["sector"]: r for r in runs["parsed"].rows["sectors"]}
    assert set(shown) == set(want)
    for sector, row in shown.items():
        assert int(row["rows"]) == want[sector]["rows"]
        assert int(row["findings"]) == want[sector]["findings"]
        if sector != "residency":
            for key in ("matched", "review", "unmatched", "rejected", "critical", "high"):
                assert int(row[key]) == want[sector][key], (sector, key)
    cards = runs["parsed"].cards
    sector_rows = outcomes.filter(pl.col("sector") != "residency")
    assert int(cards["rows"]) == sector_rows["rows"].sum() and int(cards["match"]) == sector_rows["matched"].sum()
    assert int(cards["findings"]) == findings["findings"].sum()
    matched, rows = sector_rows["matched"].sum(), sector_rows["rows"].sum()
    assert f"{matched / rows * 100:.1f}".replace(".", ",") + " %" in runs["html"]


def test_severe_kinds_communes_and_statuses_are_the_databases(runs):
    run_id = runs["current"].run_id
    severe = _sql(runs["db"], """SELECT sector, field, kind, severity, count(*) AS n FROM discrepancies
                                 WHERE run_id = ? AND severity IN ('critical', 'high') GROUP BY ALL""", [run_id])
    shown = {(r["sector"], r["field"], r["kind"], r["severity"]): int(r["n"]) for r in runs["parsed"].rows["severe"]}
    assert shown == {(r["sector"], r["field"], r["kind"], r["severity"]): r["n"] for r in severe.iter_rows(named=True)}
    [commune] = runs["parsed"].rows["communes"]
    assert commune["commune"] == "14179"  # the extract's 14209 (Xã Giao Long) is Xã Giao Hưng since 2025
    assert "Xã Giao Hưng, tỉnh Ninh Bình" in runs["html"]
    total = _sql(runs["db"], "SELECT count(*) AS n FROM record_outcomes WHERE run_id = ? AND sector <> 'residency'", [run_id])
    assert int(commune["rows"]) == total["n"].item()
    statuses = {r["sector"]: r for r in runs["parsed"].rows["statuses"]}
    db_status = _sql(runs["db"], "SELECT sector, status, count(*) AS n FROM discrepancies WHERE run_id = ? GROUP BY ALL", [run_id])
    for r in db_status.iter_rows(named=True):
        assert int(statuses[r["sector"]][r["status"]]) == r["n"]


def test_the_change_since_the_previous_period(runs):
    changes = {r["sector"]: r for r in runs["parsed"].rows["changes"]}
    previous = _sql(runs["db"], "SELECT sector, count(*) AS n FROM record_outcomes WHERE run_id = ? GROUP BY sector",
                    [runs["previous"].run_id])
    before = dict(previous.iter_rows())
    for sector, row in changes.items():
        if sector in before:
            assert int(row["prev-rows"]) == before[sector]
        else:
            assert row["prev-rows"] == "None"  # not reconciled in the previous period
    assert "so với tháng 10/2026" in runs["html"]


def test_the_report_holds_no_personal_data(runs):
    listed = _sql(runs["db"], "SELECT listed_name, listed_id, residency_id FROM discrepancies WHERE run_id = ?",
                  [runs["current"].run_id])
    text = re.sub(r"<[^>]+>", " ", runs["html"])
    text = text.replace(runs["current"].run_id, "RUN-ID")  # its hex may hold 9 digits in a row ("…fb610352066f")
    assert runs["current"].run_id in runs["html"]
    assert not re.search(r"\d{9,}", text)  # no ID-like numbers
    names = [n for n in listed["listed_name"].drop_nulls().unique().to_list() if len(n) > 8]
    assert names and not [n for n in names if n in runs["html"]]


def test_report_command_makes_lists_and_report_again_without_matching(runs, tmp_path):
    env = {**os.environ}
    env.pop("PREFECT_API_URL", None)
    out = tmp_path / "again"
    result = subprocess.run([sys.executable, "-m", "pipelines.cli", "report", "--db", str(runs["db"]), "--period", "2026-11",
                             "--out", str(out)], capture_output=True, text=True, env=env, timeout=120)
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines()[0] == f"Run {runs['current'].run_id} · period 2026-11"
    assert (out / report_file_name("2026-11")).exists()
    assert "Starting temporary server" not in result.stdout + result.stderr  # no Prefect run, no matching
    sent = _sql(runs["db"], "SELECT sector, finding_id FROM discrepancies WHERE run_id = ? AND status <> 'declined'",
                [runs["current"].run_id])
    lists = sorted(out.glob("danh_sach_*.xlsx"))
    assert lists, "report wrote no correction list"
    for path in lists:
        keys = {c.value for row in openpyxl.load_workbook(path)["Danh sách"].iter_rows() for c in row}
        meta = dict(openpyxl.load_workbook(path)["_doisoat"].iter_rows(values_only=True))
        want = set(sent.filter(pl.col("sector") == meta["sector"])["finding_id"])
        assert want and want <= keys, path.name
    assert sorted(p.name for p in out.glob("*.xlsx")) == sorted(p.name for p in (runs["base"] / "2026-11").glob("*.xlsx"))


@pytest.mark.parametrize(("period", "code", "message"), [
    ("2026-13", 2, "Error: period '2026-13' is not a month in YYYY-MM form"),
    ("2025-01", 1, "Error: doisoat.duckdb: no finished run for period 2025-01"),
])
def test_report_command_errors(runs, tmp_path, period, code, message):
    result = subprocess.run([sys.executable, "-m", "pipelines.cli", "report", "--db", str(runs["db"]), "--period", period,
                             "--out", str(tmp_path)], capture_output=True, text=True, timeout=120)
    assert result.returncode == code
    assert result.stderr.strip() == message


def test_the_trend_follows_each_sector_over_the_periods(runs):
    trend = runs["parsed"].rows["trend"]
    periods = {(r["sector"], r["period"]) for r in trend}
    assert {p for _, p in periods} == {"2026-10", "2026-11"}
    for run, period in ((runs["previous"], "2026-10"), (runs["current"], "2026-11")):
        outcomes = _sql(runs["db"], """SELECT sector, count(*) AS rows FROM record_outcomes
                                       WHERE run_id = ? AND sector <> 'residency' GROUP BY sector""", [run.run_id])
        open_ = _sql(runs["db"], """SELECT sector, count(DISTINCT finding_id) AS open FROM discrepancies
                                    WHERE run_id = ? AND coalesce(status, 'new') IN ('new', 'open', 'reopened')
                                    GROUP BY sector""", [run.run_id])
        want = {r["sector"]: r["rows"] for r in outcomes.iter_rows(named=True)}
        got = {r["sector"]: int(r["rows"]) for r in trend if r["period"] == period}
        assert got == want
        opened = {r["sector"]: r["open"] for r in open_.iter_rows(named=True)}
        assert {r["sector"]: int(r["open"]) for r in trend if r["period"] == period} == {
            s: opened.get(s, 0) for s in want}
    # the sectors of October are followed into November, the new ones start there
    october = {s for s, p in periods if p == "2026-10"}
    assert len(october) == 3 and october < {s for s, p in periods if p == "2026-11"}
