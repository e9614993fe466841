"""Review app: the uncertain (review-band) matches of a run, with their evidence; accept, reject or skip.

Run it with ``doisoat review --db PATH`` (or ``marimo run notebooks/review.py -- --db PATH``).
Decisions go to ``review_decisions``; the next run applies them. Every read and write opens the
database briefly, so the app never blocks a run that is writing.
"""

import marimo

__generated_with = "0.25.2"
app = marimo.App(width="full", app_title="doisoat · review")


@app.cell
def _():
    import getpass
    import html
    import os
    from pathlib import Path

    import marimo as mo
    import polars as pl

    from pipelines.review import COMPARISONS, Case, decisions_log, record_decision, review_cases, runs

    return COMPARISONS, Case, Path, decisions_log, getpass, html, mo, os, pl, record_decision, review_cases, runs


@app.cell
def _(Path, mo, os):
    db_path = Path(mo.cli_args().get("db") or os.environ.get("DOISOAT_DB", "doisoat.duckdb"))
    return (db_path,)


@app.cell
def _(db_path, mo, runs):
    mo.stop(not db_path.exists(), mo.callout(mo.md(f"Database `{db_path}` not found."), kind="danger"))
    run_list = runs(db_path)
    _labels = {
        f"{r['period']} · {r['commune'] or 'all'} · {r['status']} · {r['review']} to review · {r['run_id'][:8]}": r["run_id"]
        for r in run_list.iter_rows(named=True)
    }
    run_picker = mo.ui.dropdown(_labels, value=next(iter(_labels), None), label="Run")
    mo.vstack([mo.md("# Review uncertain matches"), run_picker])
    return run_list, run_picker


@app.cell
def _(mo):
    get_version, set_version = mo.state(0)  # bumped after each decision: reload the cases
    get_index, set_index = mo.state(0)  # the case shown one at a time
    return get_index, get_version, set_index, set_version


@app.cell
def _(db_path, get_version, mo, review_cases, run_picker):
    mo.stop(run_picker.value is None, mo.callout(mo.md("No finished run in this database yet."), kind="warn"))
    get_version()
    all_cases = review_cases(db_path, run_picker.value)
    return (all_cases,)


@app.cell
def _(all_cases, mo):
    _sectors = sorted(all_cases["sector"].unique().to_list())
    sector_filter = mo.ui.multiselect(_sectors, value=_sectors, label="Sectors")
    status_filter = mo.ui.radio(["undecided", "decided", "all"], value="undecided", label="Show", inline=True)
    probability_filter = mo.ui.range_slider(0, 1, 0.05, value=[0, 1], label="Match probability", show_value=True)
    mo.hstack([sector_filter, status_filter, probability_filter], justify="start", gap=2)
    return probability_filter, sector_filter, status_filter


@app.cell
def _(all_cases, pl, probability_filter, sector_filter, status_filter):
    _low, _high = probability_filter.value
    _proposed = all_cases.filter(pl.col("proposed").fill_null(False))
    _status = {"undecided": pl.col("current_decision").is_null(),
               "decided": pl.col("current_decision").is_not_null(), "all": pl.lit(True)}[status_filter.value]
    cases = _proposed.filter(
        pl.col("sector").is_in(sector_filter.value)
        & pl.col("match_probability").fill_null(0).is_between(_low, _high)
        & _status
    )
    return (cases,)


@app.cell
def _(cases, mo, set_index):
    def _jump(rows):
        rows = rows.to_dicts() if hasattr(rows, "to_dicts") else list(rows or [])
        keys = [(r["sector"], r["source_file"], r["source_row"]) for r in rows]
        if keys:
            index = [i for i, row in enumerate(cases.iter_rows(named=True))
                     if (row["sector"], row["source_file"], row["source_row"]) == keys[0]]
            set_index(index[0] if index else 0)

    table = mo.ui.table(
        cases.select("sector", "commune_code", "source_file", "source_row", "full_name_l", "birth_date_l",
                     "full_name_r", "birth_date_r", "match_probability", "current_decision", "decided_by"),
        selection="single", page_size=10, label="Review pairs (select one to open it below)", on_change=_jump,
    )
    return (table,)


@app.cell
def _(cases, get_index, mo):
    mo.stop(cases.is_empty(), mo.callout(mo.md("Nothing to review with these filters."), kind="success"))
    index = min(get_index(), cases.height - 1)
    case = cases.row(index, named=True)
    return case, index


@app.cell
def _(COMPARISONS, all_cases, case, html, mo, pl):
    def _cell(value):
        return html.escape("" if value is None else str(value))

    _fields = [("Full name", "full_name"), ("Birth date", "birth_date"), ("Personal ID", "person_id"),
               ("Old ID (CMND)", "old_id"), ("Gender", "gender"), ("Address", "address")]
    _rows = "".join(
        f"<tr><th>{label}</th><td>{_cell(case[f'{f}_l'])}</td><td>{_cell(case[f'{f}_r'])}</td></tr>"
        for label, f in _fields)
    _style = "<style>table.pair td, table.pair th, table.evidence td, table.evidence th {padding: 2px 10px; " \
             "text-align: left; border-bottom: 1px solid #ddd}</style>"
    side_by_side = mo.Html(
        _style + "<table class='pair'><thead><tr><th></th><th>Sector list</th><th>Residency extract</th></tr></thead>"
        f"<tbody>{_rows}</tbody></table>")

    def _num(weight):
        return "" if weight is None else f"{weight:+.2f}"

    def _bar(weight):
        if weight is None:
            return ""
        width = min(abs(weight) * 6, 120)
        colour = "#2e7d32" if weight >= 0 else "#c62828"
        return f"<span style='display:inline-block;width:{width:.0f}px;height:10px;background:{colour}'></span>"

    _evidence = "".join(
        f"<tr><th>{name.replace('_', ' ')}</th><td>{_cell(case[f'{name}_level'])}</td>"
        f"<td style='text-align:right'>{_num(case[f'{name}_weight'])}</td>"
        f"<td>{_bar(case[f'{name}_weight'])}</td></tr>"
        for name in COMPARISONS)
    _weights = [case[f"{name}_weight"] for name in COMPARISONS]
    if case["match_weight"] is not None and None not in _weights:
        _prior = case["match_weight"] - sum(_weights)
        _evidence += (f"<tr><th>prior</th><td>before any comparison (a random pair)</td>"
                      f"<td style='text-align:right'>{_num(_prior)}</td><td></td></tr>")
    evidence_view = mo.Html(
        "<table class='evidence'><thead><tr><th>comparison</th><th>level</th><th>weight (bits)</th><th></th></tr></thead>"
        f"<tbody>{_evidence}</tbody></table>")
    _others = all_cases.filter(
        (pl.col("sector") == case["sector"]) & (pl.col("source_file") == case["source_file"])
        & (pl.col("source_row") == case["source_row"]) & ~pl.col("proposed").fill_null(False))
    runners_up = _others.select("rank", "full_name_r", "birth_date_r", "person_id_r", "match_weight", "match_probability")
    return evidence_view, runners_up, side_by_side


@app.cell
def _(getpass, mo):
    reviewer = mo.ui.text(value=getpass.getuser(), label="Reviewer", placeholder="your name")
    return (reviewer,)


@app.cell
def _(Case, case, cases, db_path, index, mo, record_decision, reviewer, run_picker, set_index, set_version):
    def _decide(decision):
        def click(count):
            record_decision(db_path, Case(run_picker.value, case["sector"], case["source_file"], case["source_row"],
                                          case["residency_id"]), decision, reviewer.value)
            set_version(lambda v: v + 1)
            return (count or 0) + 1
        return click

    accept = mo.ui.button(label="Accept", kind="success", on_click=_decide("accepted"), tooltip="Same person: match them")
    reject = mo.ui.button(label="Reject", kind="danger", on_click=_decide("rejected"), tooltip="Different people: never propose again")
    skip = mo.ui.button(label="Skip", on_click=lambda _: set_index((index + 1) % max(cases.height, 1)))
    previous = mo.ui.button(label="Previous", on_click=lambda _: set_index(max(index - 1, 0)))
    return accept, previous, reject, skip


@app.cell
def _(accept, case, cases, evidence_view, index, mo, previous, reject, reviewer, runners_up, side_by_side, skip):
    _decided = (f"Current decision: **{case['current_decision']}** by {case['decided_by']} at {case['decided_at']} "
                "(applies from the next run)." if case["current_decision"] else "Not decided yet.")
    _head = mo.md(
        f"### Pair {index + 1} of {cases.height}\n"
        f"`{case['sector']}` · commune {case['commune_code'] or '–'} · `{case['source_file']}` row {case['source_row']} · "
        f"match probability **{(case['match_probability'] or 0):.3f}**, weight {(case['match_weight'] or 0):+.1f} bits\n\n"
        f"{_decided}")
    mo.vstack([
        _head,
        mo.hstack([side_by_side, evidence_view], justify="start", gap=3, align="start"),
        mo.md("Other candidates of this row:") if runners_up.height else mo.md(""),
        runners_up if runners_up.height else mo.md(""),
        mo.hstack([reviewer, accept, reject, skip, previous], justify="start", gap=1),
    ])
    return


@app.cell
def _(mo, table):
    mo.vstack([mo.md("## All review pairs of the run"), table])
    return


@app.cell
def _(db_path, decisions_log, get_version, mo, run_list):
    get_version()
    mo.stop(run_list is None)
    mo.vstack([mo.md("## Decisions taken (newest first)"), decisions_log(db_path, 50)])
    return


@app.cell
def _(all_cases, mo, run_picker):
    if mo.app_meta().mode == "script":  # `python notebooks/review.py --db PATH` says what it read
        print(f"review: run {run_picker.value}: {all_cases.height} candidate pairs")
    return


if __name__ == "__main__":
    app.run()
