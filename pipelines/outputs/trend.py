"""The trend over the last periods, per sector: is the data getting "đúng, đủ, sạch, sống"?

``trend(con, run_id)`` takes, for each of the last ``PERIODS`` periods up to the run's (the latest
finished, not superseded, not purged run of each period, of the same commune), per sector: rows,
match rate, open findings (new, still open, reported fixed but still found), findings the officers
answered, findings fixed since the period before, and the average months a fixed finding took
(from the first period that listed it). Counts only.
"""

from __future__ import annotations

from html import escape

import duckdb
import polars as pl

PERIODS = 12

TREND_SQL = """
WITH me AS (SELECT period, coalesce(commune, '') AS commune FROM runs WHERE run_id = $run_id),
     chosen AS (
        SELECT r.period, arg_max(r.run_id, r.started_at) AS run_id
        FROM runs r, me
        WHERE r.period <= me.period AND coalesce(r.commune, '') = me.commune
          AND r.status <> 'superseded' AND r.purged_at IS NULL AND r.finished_at IS NOT NULL
        GROUP BY r.period ORDER BY r.period DESC LIMIT $periods),
     rows AS (
        SELECT o.run_id, o.sector, count(*) AS rows, count(*) FILTER (WHERE o.outcome = 'matched') AS matched
        FROM record_outcomes o JOIN chosen c USING (run_id) WHERE o.sector <> 'residency' GROUP BY ALL),
     found AS (
        SELECT d.run_id, d.sector,
               count(DISTINCT d.finding_id) FILTER (WHERE coalesce(d.status, 'new') IN ('new', 'open', 'reopened')) AS open,
               count(DISTINCT d.finding_id) FILTER (WHERE d.finding_id IN (SELECT finding_id FROM finding_responses))
                   AS answered
        FROM discrepancies d JOIN chosen c USING (run_id) GROUP BY ALL),
     first_seen AS (
        SELECT d.finding_id, min(r.period) AS period FROM discrepancies d JOIN runs r USING (run_id) GROUP BY ALL),
     fixed AS (
        SELECT f.run_id, f.sector, count(DISTINCT f.finding_id) AS fixed,
               avg((CAST(left(c.period, 4) AS INT) * 12 + CAST(right(c.period, 2) AS INT))
                   - (CAST(left(s.period, 4) AS INT) * 12 + CAST(right(s.period, 2) AS INT))) AS months_to_fix
        FROM resolved_findings f JOIN chosen c USING (run_id) LEFT JOIN first_seen s USING (finding_id) GROUP BY ALL)
SELECT c.period, x.sector, coalesce(x.rows, 0) AS rows, x.matched / nullif(x.rows, 0) AS match_rate,
       coalesce(found.open, 0) AS open, coalesce(found.answered, 0) AS answered, coalesce(fixed.fixed, 0) AS fixed,
       fixed.months_to_fix
FROM chosen c JOIN rows x USING (run_id)
LEFT JOIN found ON found.run_id = c.run_id AND found.sector = x.sector
LEFT JOIN fixed ON fixed.run_id = c.run_id AND fixed.sector = x.sector
ORDER BY x.sector, c.period
"""


def trend(con: duckdb.DuckDBPyConnection, run_id: str, periods: int = PERIODS) -> pl.DataFrame:
    """period, sector, rows, match_rate, open, answered, fixed, months_to_fix (see the module docstring)."""
    return con.sql(TREND_SQL, params={"run_id": run_id, "periods": periods}).pl()


def trend_table(rows: pl.DataFrame, sector_vi, num, pct) -> str:
    """The trend as an HTML table, one block of periods per sector, with data-* attributes."""
    if rows.is_empty() or rows["period"].n_unique() < 2:
        return '<p class="muted">Chưa đủ hai kỳ đối soát để xem xu hướng.</p>'
    head = ("Lĩnh vực", "Kỳ", "Số dòng", "Tỷ lệ khớp", "Chưa xử lý", "Đã trả lời", "Đã sửa", "Thời gian sửa (tháng)")
    cells = "".join(f'<th{" class=txt" if i < 2 else ""}>{escape(h)}</th>' for i, h in enumerate(head))
    body = []
    for r in rows.iter_rows(named=True):
        months = "–" if r["months_to_fix"] is None else f"{r['months_to_fix']:.1f}".replace(".", ",")
        body.append(
            f'<tr data-sector="{escape(r["sector"])}" data-period="{escape(r["period"])}" data-rows="{r["rows"]}" '
            f'data-open="{r["open"]}" data-answered="{r["answered"]}" data-fixed="{r["fixed"]}">'
            f'<th scope="row">{escape(sector_vi(r["sector"]))}</th><td class="txt">{escape(r["period"])}</td>'
            f'<td>{num(r["rows"])}</td><td>{pct(r["match_rate"])}</td><td>{num(r["open"])}</td>'
            f'<td>{num(r["answered"])}</td><td>{num(r["fixed"])}</td><td>{months}</td></tr>')
    return (f'<table class="data" data-table="trend"><thead><tr>{cells}</tr></thead><tbody>'
            + "".join(body) + "</tbody></table>")
