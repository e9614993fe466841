"""Mismatch report for analysts: the findings of a run by sector, commune and kind, with charts.

Run it with ``doisoat mismatches --db PATH`` (or ``marimo run notebooks/mismatches.py -- --db PATH``).
Read-only: every query opens the database briefly and closes it.
"""

import marimo

__generated_with = "0.25.2"
app = marimo.App(width="full", app_title="doisoat · mismatches")


@app.cell
def _():
    import os
    from pathlib import Path

    import altair as alt
    import marimo as mo
    import polars as pl

    from pipelines.store import open_db

    return Path, alt, mo, open_db, os, pl


@app.cell
def _(Path, mo, os):
    db_path = Path(mo.cli_args().get("db") or os.environ.get("DOISOAT_DB", "doisoat.duckdb"))
    return (db_path,)


@app.cell
def _(db_path, mo, open_db):
    mo.stop(not db_path.exists(), mo.callout(mo.md(f"Database `{db_path}` not found."), kind="danger"))

    def query(sql, params=None):
        """Run one read-only query through a short-lived connection."""
        con = open_db(db_path, read_only=True)
        try:
            return con.sql(sql, params=params or []).pl()
        finally:
            con.close()

    run_list = query("""SELECT run_id, period, commune, status, finished_at FROM runs
                        WHERE status <> 'superseded' AND purged_at IS NULL ORDER BY period DESC, finished_at DESC""")
    _labels = {f"{r['period']} · {r['commune'] or 'all'} · {r['status']} · {r['run_id'][:8]}": r["run_id"]
               for r in run_list.iter_rows(named=True)}
    run_picker = mo.ui.dropdown(_labels, value=next(iter(_labels), None), label="Run")
    mo.vstack([mo.md("# Mismatch report"), run_picker])
    return query, run_list, run_picker


@app.cell
def _(mo, pl, query, run_picker):
    mo.stop(run_picker.value is None, mo.callout(mo.md("No finished run in this database yet."), kind="warn"))
    findings = query("""SELECT sector, coalesce(commune_code, '') AS commune_code, field, kind, field || ': ' || kind AS finding,
                               severity, coalesce(status, 'new') AS status, source_file, source_row, residency_id,
                               sector_value, residency_value, suggested_value
                        FROM discrepancies WHERE run_id = ?""", [run_picker.value])
    outcomes = query("""SELECT sector, coalesce(commune_code, '') AS commune_code, outcome, count(*) AS n
                        FROM record_outcomes WHERE run_id = ? GROUP BY ALL""", [run_picker.value])
    findings = findings.with_columns(pl.col("source_row").cast(pl.Int64))
    return findings, outcomes


@app.cell
def _(findings, mo):
    def _options(col):
        return sorted(findings[col].unique().to_list())

    sector_filter = mo.ui.multiselect(_options("sector"), value=_options("sector"), label="Sector")
    commune_filter = mo.ui.multiselect(_options("commune_code"), value=_options("commune_code"), label="Commune")
    kind_filter = mo.ui.multiselect(_options("finding"), value=_options("finding"), label="Kind")
    severity_filter = mo.ui.multiselect(_options("severity"), value=_options("severity"), label="Severity")
    mo.hstack([sector_filter, commune_filter, kind_filter, severity_filter], justify="start", gap=2, wrap=True)
    return commune_filter, kind_filter, sector_filter, severity_filter


@app.cell
def _(commune_filter, findings, kind_filter, pl, sector_filter, severity_filter):
    selected = findings.filter(
        pl.col("sector").is_in(sector_filter.value) & pl.col("commune_code").is_in(commune_filter.value)
        & pl.col("finding").is_in(kind_filter.value) & pl.col("severity").is_in(severity_filter.value)
    )
    by_kind = selected.group_by("sector", "finding", "severity").len("findings").sort("findings", descending=True)
    by_commune = selected.group_by("commune_code", "sector").len("findings").sort("commune_code", "sector")
    return by_commune, by_kind, selected


@app.cell
def _(alt, by_commune, by_kind, mo, outcomes, selected):
    _severity = alt.Scale(domain=["critical", "high", "medium", "low"], range=["#b71c1c", "#e65100", "#f9a825", "#9e9e9e"])
    kind_chart = mo.ui.altair_chart(
        alt.Chart(by_kind).mark_bar().encode(
            y=alt.Y("finding:N", sort="-x", title=None), x=alt.X("sum(findings):Q", title="findings"),
            color=alt.Color("severity:N", scale=_severity), tooltip=["sector", "finding", "severity", "findings"],
        ).properties(title="Findings by kind", width=420, height=alt.Step(18)))
    commune_chart = mo.ui.altair_chart(
        alt.Chart(by_commune).mark_bar().encode(
            x=alt.X("commune_code:N", title="commune"), y=alt.Y("findings:Q"), color="sector:N",
            tooltip=["commune_code", "sector", "findings"],
        ).properties(title="Findings by commune and sector", width=320, height=260))
    outcome_chart = mo.ui.altair_chart(
        alt.Chart(outcomes).mark_bar().encode(
            y=alt.Y("sector:N", title=None), x=alt.X("n:Q", stack="normalize", title="share of rows"),
            color=alt.Color("outcome:N", scale=alt.Scale(domain=["matched", "review", "unmatched", "rejected"],
                                                          range=["#2e7d32", "#f9a825", "#9e9e9e", "#b71c1c"])),
            tooltip=["sector", "commune_code", "outcome", "n"],
        ).properties(title="Outcome of every row", width=320, height=alt.Step(22)))
    mo.vstack([
        mo.md(f"**{selected.height}** findings selected."),
        mo.hstack([kind_chart, mo.vstack([commune_chart, outcome_chart])], justify="start", gap=2, align="start"),
    ])
    return commune_chart, kind_chart, outcome_chart


@app.cell
def _(alt, mo, query):
    trend = query("""
        SELECT r.period, d.sector, count(*) AS findings FROM discrepancies d JOIN runs r USING (run_id)
        WHERE r.status <> 'superseded' GROUP BY ALL
        UNION ALL
        SELECT r.period, c.sector, sum(c.n)::BIGINT AS findings FROM run_counts c JOIN runs r USING (run_id)
        WHERE c.measure = 'finding' AND r.status <> 'superseded' GROUP BY ALL
        ORDER BY period""")
    trend_chart = mo.ui.altair_chart(
        alt.Chart(trend).mark_line(point=True).encode(
            x=alt.X("period:N"), y=alt.Y("sum(findings):Q", title="findings"), color="sector:N",
            tooltip=["period", "sector", "findings"],
        ).properties(title="Findings per month (purged months from their kept counts)", width=520, height=240))
    trend_chart
    return trend, trend_chart


@app.cell
def _(mo, selected):
    mo.vstack([mo.md("## Findings"), mo.ui.table(selected.drop("finding"), page_size=15, selection=None)])
    return


@app.cell
def _(mo, run_picker, selected):
    if mo.app_meta().mode == "script":  # `python notebooks/mismatches.py --db PATH` says what it read
        print(f"mismatches: run {run_picker.value}: {selected.height} findings")
    return


if __name__ == "__main__":
    app.run()
