"""The ``doisoat`` command line: parse arguments, run one flow, print a summary.

Exit codes: 0 done, 1 could not run or some input file failed (``Error:`` on stderr), 2 bad usage.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Annotated

import typer

# Quiet, local Prefect defaults; a user's own settings win.
os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
os.environ.setdefault("PREFECT_LOGGING_LEVEL", "WARNING")
os.environ.setdefault("PREFECT_SERVER_UI_ENABLED", "false")

app = typer.Typer(
    help="doisoat — reconcile sector citizen lists against the residency extract (Đề án 06).",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)

DEMO_DIR = Path("doisoat-demo")


@app.callback()
def _main() -> None:
    """doisoat — reconcile sector citizen lists against the residency extract (Đề án 06)."""


def _fail(message: str, code: int = 1) -> None:
    typer.echo(f"Error: {message}", err=True)
    raise typer.Exit(code)


def _run_flow(residency: Path, sectors: list[str], period: str, db: Path, out: Path, match_method: str,
              runner=None, **options):
    """Run the reconcile flow with a progress display on a terminal; return its summary or exit 1.

    The database's run lock is taken first, so a second run is refused before Prefect starts; then
    Prefect's temporary server (when no server is configured) boots while the flow's modules load
    and the input files are read ahead."""
    from pipelines import prefect_server, readahead
    from pipelines.runlock import exclusive_run

    with exclusive_run(db):
        prefect_server.warm_up()
        _read_ahead(residency, sectors, options)
        try:
            return _run_flow_locked(residency, sectors, period, db, out, match_method, runner, **options)
        finally:
            readahead.clear()


def _read_ahead(residency: Path, sectors: list[str], options: dict) -> None:
    """Start reading the inputs while Prefect's server boots (``pipelines.readahead``); a problem
    with the options is left for the flow to report."""
    from contracts import DoisoatError
    from pipelines import prefect_server, readahead
    from pipelines.ingest import SourceFile, configure_sources, parse_sector_arg

    if not prefect_server.started():
        return
    try:
        sources = configure_sources([SourceFile("residency", Path(residency)), *map(parse_sector_arg, sectors)],
                                    **{k: options.get(k) for k in ("encodings", "sheets", "mapping")})
    except DoisoatError:
        return
    readahead.start(sources)


def _run_flow_locked(residency: Path, sectors: list[str], period: str, db: Path, out: Path, match_method: str,
                     runner=None, **options):
    from pipelines import prefect_server, progress
    from pipelines.flow import reconcile

    _quiet_prefect_exit()
    if runner is not None:  # pieces on a Dask cluster (pipelines.runners)
        reconcile = reconcile.with_options(task_runner=runner)

    params = dict(residency=str(residency), sectors=sectors, period=period, db=str(db), out=str(out),
                  match_method=match_method, **{k: v for k, v in options.items() if v is not None})
    with prefect_server.run_settings():
        if sys.stderr.isatty():
            from rich.console import Console

            console = Console(stderr=True)
            with console.status("Starting the Prefect engine…") as status:
                progress.listen(lambda source, stage: status.update(f"{stage}: {source} done"))
                try:
                    state = reconcile(**params, return_state=True)
                finally:
                    progress.listen(None)
        else:
            state = reconcile(**params, return_state=True)
    if not state.is_completed():
        _fail(state.message or "the run failed")
    return state.result()


def _quiet_prefect_exit() -> None:
    """At exit Prefect flushes a run's last events to its server and, when some are still queued,
    says so on stderr ("EventsWorker - Still processing items"): not a problem, and it would break
    the one-line ``Error:`` of a failed run."""
    import logging

    logging.getLogger("EventsWorker").setLevel(logging.ERROR)


def _print_summary(summary) -> None:
    header = f"{'source':<18} {'files':>5} {'rows':>7} {'matched':>8} {'review':>7} {'unmatched':>9} {'rejected':>8} {'findings':>8}"
    typer.echo(f"Run {summary.run_id} · period {summary.period} · {summary.status}")
    typer.echo(header)
    typer.echo("-" * len(header))
    for s in summary.sectors:
        typer.echo(f"{s.sector:<18} {s.files:>5} {s.rows_read:>7} {s.matched:>8} {s.review:>7} "
                   f"{s.unmatched:>9} {s.rejected:>8} {s.findings:>8}")
    typer.echo("(residency: matched = found in at least one sector list; findings = for the commune police)")
    if summary.published is not None:
        for line in _published_lines(summary.published):
            typer.echo(line)
    for path, reason in summary.failed_files:
        typer.echo(f"FAILED {path}: {reason}")
    for path, reason in getattr(summary, "warnings", []):
        typer.echo(f"WARNING {path}: {reason}")
    seconds = getattr(summary, "seconds", {})
    if seconds:
        peaks = getattr(summary, "peaks_mb", {})
        stages = ", ".join(f"{stage} {took:.1f} s" + (f" ({peaks[stage] / 1024:.1f} GB)" if stage in peaks else "")
                           for stage, took in seconds.items())
        typer.echo(f"Stages:   {stages} · peak memory {summary.peak_memory_mb:,.0f} MB")
    if getattr(summary, "pieces", 0):
        names = {"train": "train", "part": "pieces", "finish": "finish"}
        steps = ", ".join(f"{names.get(k, k)} {v:.1f} s" for k, v in getattr(summary, "match_steps", {}).items())
        typer.echo(f"Matching: {summary.pieces} piece(s), linked in {summary.engine}" + (f" ({steps})" if steps else ""))
    kept, trained = getattr(summary, "models_kept", []), getattr(summary, "models_trained", [])
    if kept or trained:
        typer.echo(f"Models:   kept {len(kept)}" + (f" ({', '.join(kept)})" if kept else "")
                   + f", trained {len(trained)}" + (f" ({', '.join(trained)})" if trained else "")
                   + f"; name frequencies {'kept' if summary.frequencies_kept else 'counted'}")
    if kept or trained:
        typer.echo(f"Rows:     {summary.rows_reused} kept their decision, {summary.rows_scored} scored "
                   f"({summary.rows_new} new or changed since the last run)")
    typer.echo(f"Database: {summary.db}")
    typer.echo(f"Outputs:  {summary.out}")


def _published_lines(published) -> list[str]:
    """The end-of-run summary: finding counts by severity and status, files written (counts only)."""
    sev = published.by_severity
    status = published.by_status
    order = ("critical", "high", "medium", "low")
    others = sum(n for k, n in sev.items() if k not in order)
    severity = ", ".join(f"{k} {sev.get(k, 0)}" for k in order) + (f", other {others}" if others else "")
    return [
        f"Findings: {sum(sev.values())} ({severity})",
        f"Status:   new {status.get('new', 0)}, still open {status.get('open', 0)}, "
        f"reported fixed but still found {status.get('reopened', 0)}, declined {status.get('declined', 0)} (not sent again); "
        f"fixed since the previous period: {published.resolved}",
        f"Correction lists: {len(published.lists)} XLSX file(s); report: {published.report}",
    ]


@app.command()
def run(
    period: Annotated[str, typer.Option(help="Month reconciled, YYYY-MM (e.g. 2026-11).")],
    residency: Annotated[Path | None, typer.Option(help="Residency extract (CSV or XLSX).")] = None,
    sector: Annotated[list[str] | None, typer.Option(help="NAME=PATH; NAME is civil_status, vaccination, social_protection, social_insurance or union_membership. Repeat for several files.")] = None,
    db: Annotated[Path | None, typer.Option(help="DuckDB file to write (created if absent).")] = None,
    out: Annotated[Path | None, typer.Option(help="Folder for the per-sector output files.")] = None,
    match_method: Annotated[str, typer.Option(help="Matcher: probabilistic (Fellegi–Sunter) or deterministic (exact passes only).")] = "probabilistic",
    read_retries: Annotated[int, typer.Option(min=0, max=10, help="Times an unavailable file (missing, an I/O error, still being copied) is read again.")] = 2,
    read_retry_delay: Annotated[float, typer.Option(min=0, max=3600, help="Seconds between those reads.")] = 10.0,
    encoding: Annotated[list[str] | None, typer.Option(help="PATH=ENCODING for a text file whose encoding is not detected right: utf-8, utf-16, cp1258, tcvn3 or vni. PATH may be a file name or a glob. Repeatable.")] = None,
    sheet: Annotated[list[str] | None, typer.Option(help="PATH=SHEET: read only this sheet of a workbook. Repeatable.")] = None,
    mapping: Annotated[Path | None, typer.Option(help="TOML file of header mappings per file (see README, Inputs).")] = None,
    config: Annotated[Path | None, typer.Option(help="Deployment file (TOML, see README, Operations): runs each of its communes instead of --residency/--sector/--db/--out.")] = None,
    workers: Annotated[int | None, typer.Option(help="Match on a temporary local Dask cluster of N worker processes.")] = None,
    dask_address: Annotated[str | None, typer.Option(help="Match on an existing Dask cluster: its scheduler, tcp://HOST:PORT (see README, Scale-out).")] = None,
    scratch: Annotated[Path | None, typer.Option(help="Folder for the match pieces handed to Dask workers (Parquet; removed after the run). Every worker must read it. Default: the database's folder.")] = None,
    retrain: Annotated[bool, typer.Option("--retrain", help="Train every sector's model again instead of scoring with the ones the database kept (see README, Monthly runs); implies --full.")] = False,
    full: Annotated[bool, typer.Option("--full", help="Score every row again, even those nothing changed for since the last run (see README, Monthly runs).")] = False,
) -> None:
    """Reconcile one month of sector lists against the residency extract.

    Example: doisoat run --residency dan_cu.csv --sector vaccination=tiem_chung.xlsx
    --period 2026-11 --db doisoat.duckdb --out out/ [--encoding ho_tich.csv=tcvn3]
    or: doisoat run --config doisoat.toml --period 2026-11
    """
    from contracts import DoisoatError
    from pipelines.runners import check_runner_options

    try:
        check_runner_options(workers, dask_address)
    except DoisoatError as err:
        _fail(str(err), code=2)
    if config is not None:
        if residency or sector or db or out or encoding or sheet or mapping:
            _fail("--config replaces --residency, --sector, --db, --out, --encoding, --sheet and --mapping; "
                  "give one or the other", code=2)
        _run_config(config, period, workers=workers, dask_address=dask_address, scratch=scratch,
                    retrain=retrain or None, full=full or None)
        return
    missing = [name for name, value in (("--residency", residency), ("--sector", sector), ("--db", db), ("--out", out))
               if not value]
    if missing:
        _fail(f"Missing option '{missing[0]}' (or give --config FILE)", code=2)
    from pipelines.ingest import SourceFile, configure_sources, parse_sector_arg
    from pipelines.period import period_end

    options = {"encodings": encoding or None, "sheets": sheet or None, "mapping": str(mapping) if mapping else None}
    try:
        sources = [parse_sector_arg(value) for value in sector]
        period_end(period)
        configure_sources([SourceFile("residency", residency), *sources], **options)
    except DoisoatError as err:
        _fail(str(err), code=2)
    try:
        from pipelines.runners import task_runner

        summary = _run_flow(residency, sector, period, db, out, match_method, task_runner(workers, dask_address),
                            read_retries=read_retries, read_retry_delay=read_retry_delay,
                            scratch=str(scratch) if scratch else None, retrain=retrain or None, full=full or None, **options)
    except DoisoatError as err:
        _fail(str(err))
    _print_summary(summary)
    if summary.failed_files:
        _fail(f"{len(summary.failed_files)} input file(s) could not be read; the other sources completed")


@app.command()
def demo(
    out: Annotated[Path, typer.Option(help="Folder for the demo's database and outputs.")] = DEMO_DIR,
    period: Annotated[str, typer.Option(help="Month reconciled, YYYY-MM.")] = "2026-11",
) -> None:
    """Run the main job on the committed sample commune and score it against its ground truth.

    Example: doisoat demo
    """
    import polars as pl

    from contracts import DoisoatError
    from contracts import fields as F
    from pipelines.evaluate import evaluate, read_truth
    from pipelines.store import connect

    data = Path(__file__).resolve().parent.parent / "sample_data" / "commune"
    residency = data / "residency.csv"
    if not residency.exists():
        _fail(f"sample data not found in {data}")
    sectors = [f"{name}={path}" for name in F.SECTORS for path in sorted(data.glob(f"{name}.*"))]
    db = out / "doisoat.duckdb"
    try:
        summary = _run_flow(residency, sectors, period, db, out, "probabilistic")
    except DoisoatError as err:
        _fail(str(err))
    _print_summary(summary)
    con = connect(db)
    try:
        outcomes = con.sql("SELECT * FROM record_outcomes WHERE run_id = ?", params=[summary.run_id]).pl()
    finally:
        con.close()
    scores = evaluate(outcomes, read_truth(data / "ground_truth.csv"))
    totals = scores.select(pl.sum("matched"), pl.sum("correct"), pl.sum("residents_in_list"))
    typer.echo("\nAgainst the sample's ground truth:")
    typer.echo(f"{'sector':<18} {'precision':>9} {'recall':>7}")
    for row in scores.iter_rows(named=True):
        typer.echo(f"{row['sector']:<18} {row['precision'] or 0:>9.4f} {row['recall'] or 0:>7.4f}")
    matched, correct, residents_in = totals.row(0)
    typer.echo(f"{'all sectors':<18} {correct / max(matched, 1):>9.4f} {correct / max(residents_in, 1):>7.4f}")


@app.command()
def report(
    db: Annotated[Path, typer.Option(help="DuckDB file of finished runs.")],
    period: Annotated[str, typer.Option(help="Month, YYYY-MM; the latest finished run of it is used.")],
    out: Annotated[Path, typer.Option(help="Folder for the correction lists and the report.")],
) -> None:
    """Make a finished run's correction lists and monthly report again, without matching again.

    Example: doisoat report --db doisoat.duckdb --period 2026-11 --out out/
    """
    from contracts import DoisoatError
    from pipelines.outputs import latest_run, publish
    from pipelines.period import period_end

    try:
        period_end(period)
    except DoisoatError as err:
        _fail(str(err), code=2)
    if not db.exists():
        _fail(f"{db.name}: database not found")
    try:
        published = publish(db, latest_run(db, period), out)
    except DoisoatError as err:
        _fail(str(err))
    typer.echo(f"Run {published.run_id} · period {published.period}")
    for line in _published_lines(published):
        typer.echo(line)


@app.command()
def responses(
    files: Annotated[list[Path], typer.Argument(help="Returned correction lists (XLSX).")],
    db: Annotated[Path, typer.Option(help="DuckDB file the lists came from.")],
) -> None:
    """Record the answers officers wrote in returned correction lists ("Kết quả xử lý" column).

    The next run marks each finding fixed, still open or declined, and does not send a finding
    declined with a reason again unless its values change.
    Example: doisoat responses --db doisoat.duckdb danh_sach_dieu_chinh_vaccination_2026-11.xlsx
    """
    from contracts import DoisoatError
    from pipelines.outputs.responses import record_responses

    if not db.exists():
        _fail(f"{db.name}: database not found")
    try:
        summary = record_responses(db, files)
    except DoisoatError as err:
        _fail(str(err))
    by = summary.by_response
    typer.echo(
        f"Recorded {summary.recorded} answer(s) from {summary.files} file(s): fixed {by.get('fixed', 0)}, "
        f"declined {by.get('declined', 0)}, could not determine {by.get('unknown', 0)}; "
        f"already recorded {summary.already_recorded}, unknown finding keys {summary.unknown_keys}, "
        f"unreadable answers {summary.unreadable_answers}, declined without a reason {summary.declined_without_reason}"
    )


# --- issue 6: configuration runs, scheduling, review apps, purge -------------------------------


def _load_configs(paths: list[Path]):
    from contracts import DoisoatError
    from pipelines.ops.config import load_config

    try:
        return [load_config(p) for p in paths]
    except DoisoatError as err:
        _fail(str(err), code=2)


def _run_config(config: Path, period: str, **scale_out) -> None:
    """Run a deployment file's communes for one month, as the schedule does; print each summary."""
    from contracts import DoisoatError
    from pipelines.ops.schedule import monthly
    from pipelines.period import period_end

    (deployment,) = _load_configs([config])
    try:
        period_end(period)
    except DoisoatError as err:
        _fail(str(err), code=2)
    from pipelines import prefect_server
    from pipelines.runlock import exclusive_run

    _quiet_prefect_exit()
    try:
        with exclusive_run(Path(deployment.db)), prefect_server.run_settings():
            state = monthly(config=str(deployment.path), period=period, return_state=True,
                            **{k: str(v) if isinstance(v, Path) else v for k, v in scale_out.items() if v})
    except DoisoatError as err:
        _fail(str(err))
    result = state.result(raise_on_failure=False)
    if result is None or isinstance(result, BaseException):
        _fail(state.message or "the run failed")
    for commune in result.communes:
        typer.echo(f"== commune {commune.code} ({commune.name}): {commune.status}")
        if commune.summary is not None:
            _print_summary(commune.summary)
        else:
            typer.echo(f"FAILED: {commune.message}")
    if not result.ok:
        _fail(result.problems())


@app.command()
def serve(
    config: Annotated[list[Path], typer.Option(help="Deployment file (TOML). Repeat to serve several.")],
) -> None:
    """Register each configuration as a Prefect deployment on its monthly schedule and serve it.

    Needs a Prefect server: set PREFECT_API_URL (see README, Operations). Runs until Ctrl+C.
    Example: PREFECT_API_URL=http://127.0.0.1:4200/api doisoat serve --config doisoat.toml
    """
    from contracts import DoisoatError
    from pipelines.ops.schedule import FLOW_NAME, check_server, next_runs, serve_configs

    deployments = _load_configs(config)
    try:
        url = check_server()
    except DoisoatError as err:
        _fail(str(err))
    for d in deployments:
        when = next_runs(d)[0]
        typer.echo(f"Serving {FLOW_NAME}/{d.name}: cron '{d.schedule.cron}' ({d.schedule.timezone}), "
                   f"next run {when:%Y-%m-%d %H:%M %Z}{'' if d.schedule.active else ' (schedule paused)'}; "
                   f"Prefect API {url}; Ctrl+C to stop")
    try:
        serve_configs(deployments)
    except DoisoatError as err:
        _fail(str(err))


def _notebook(name: str, db: Path, host: str, port: int) -> None:
    """Run a marimo notebook of notebooks/ as an app on host:port until Ctrl+C."""
    import subprocess

    notebook = Path(__file__).resolve().parent.parent / "notebooks" / f"{name}.py"
    if not notebook.exists():
        _fail(f"{notebook.name}: notebook not found in {notebook.parent}")
    if not db.exists():
        _fail(f"{db.name}: database not found")
    typer.echo(f"{name} app on http://{host}:{port} (database {db}); Ctrl+C to stop")
    command = [sys.executable, "-m", "marimo", "run", str(notebook), "--host", host, "--port", str(port),
               "--headless", "--", "--db", str(db.resolve())]
    try:
        code = subprocess.call(command)
    except KeyboardInterrupt:
        code = 0
    if code:
        _fail(f"marimo exited with code {code}")


@app.command()
def review(
    db: Annotated[Path, typer.Option(help="DuckDB file of finished runs.")],
    port: Annotated[int, typer.Option(help="Port of the app.")] = 2718,
    host: Annotated[str, typer.Option(help="Address to listen on; keep 127.0.0.1 unless others must reach it.")] = "127.0.0.1",
) -> None:
    """Open the review app: accept or reject the uncertain matches of a run (next run applies them).

    Example: doisoat review --db doisoat.duckdb   (then open http://127.0.0.1:2718)
    """
    _notebook("review", db, host, port)


@app.command()
def mismatches(
    db: Annotated[Path, typer.Option(help="DuckDB file of finished runs.")],
    port: Annotated[int, typer.Option(help="Port of the app.")] = 2719,
    host: Annotated[str, typer.Option(help="Address to listen on; keep 127.0.0.1 unless others must reach it.")] = "127.0.0.1",
) -> None:
    """Open the mismatch report: findings by sector, commune and kind, with charts.

    Example: doisoat mismatches --db doisoat.duckdb   (then open http://127.0.0.1:2719)
    """
    _notebook("mismatches", db, host, port)


@app.command()
def purge(
    db: Annotated[Path, typer.Option(help="DuckDB file of finished runs.")],
    before: Annotated[str, typer.Option(help="Purge every period before this month, YYYY-MM.")],
    dry_run: Annotated[bool, typer.Option(help="Only count what would be deleted.")] = False,
) -> None:
    """Delete the personal data of periods before a month, keeping aggregate counts (run_counts).

    Example: doisoat purge --db doisoat.duckdb --before 2026-06
    """
    from contracts import DoisoatError
    from pipelines.ops.purge import purge as purge_db
    from pipelines.period import period_end

    try:
        period_end(before)
    except DoisoatError as err:
        _fail(str(err), code=2)
    if not db.exists():
        _fail(f"{db.name}: database not found")
    try:
        done = purge_db(db, before, dry_run=dry_run)
    except DoisoatError as err:
        _fail(str(err))
    verb = "Would purge" if dry_run else "Purged"
    typer.echo(f"{verb} {done.runs} run(s) of {len(done.periods)} period(s) before {before}: "
               f"{done.rows_deleted} row(s) of personal data; {done.counts_kept} aggregate count row(s) kept")


def main() -> None:
    """Console-script entry point."""
    app()


if __name__ == "__main__":
    main()
