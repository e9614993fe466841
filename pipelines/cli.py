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


def _run_flow(residency: Path, sectors: list[str], period: str, db: Path, out: Path, match_method: str):
    """Run the reconcile flow with a progress display on a terminal; return its summary or exit 1."""
    from pipelines import progress
    from pipelines.flow import reconcile

    params = dict(residency=str(residency), sectors=sectors, period=period, db=str(db), out=str(out),
                  match_method=match_method)
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


def _print_summary(summary) -> None:
    header = f"{'source':<18} {'files':>5} {'rows':>7} {'matched':>8} {'review':>7} {'unmatched':>9} {'rejected':>8} {'findings':>8}"
    typer.echo(f"Run {summary.run_id} · period {summary.period} · {summary.status}")
    typer.echo(header)
    typer.echo("-" * len(header))
    for s in summary.sectors:
        typer.echo(f"{s.sector:<18} {s.files:>5} {s.rows_read:>7} {s.matched:>8} {s.review:>7} "
                   f"{s.unmatched:>9} {s.rejected:>8} {s.findings:>8}")
    typer.echo("(residency: matched = found in at least one sector list)")
    for path, reason in summary.failed_files:
        typer.echo(f"FAILED {path}: {reason}")
    typer.echo(f"Database: {summary.db}")
    typer.echo(f"Outputs:  {summary.out}")


@app.command()
def run(
    residency: Annotated[Path, typer.Option(help="Residency extract (CSV or XLSX).")],
    sector: Annotated[list[str], typer.Option(help="NAME=PATH; NAME is civil_status, vaccination, social_protection, social_insurance or union_membership. Repeat for several files.")],
    period: Annotated[str, typer.Option(help="Month reconciled, YYYY-MM (e.g. 2026-11).")],
    db: Annotated[Path, typer.Option(help="DuckDB file to write (created if absent).")],
    out: Annotated[Path, typer.Option(help="Folder for the per-sector output files.")],
    match_method: Annotated[str, typer.Option(help="Matcher: probabilistic (Fellegi–Sunter) or deterministic (exact passes only).")] = "probabilistic",
) -> None:
    """Reconcile one month of sector lists against the residency extract.

    Example: doisoat run --residency dan_cu.csv --sector vaccination=tiem_chung.xlsx
    --period 2026-11 --db doisoat.duckdb --out out/
    """
    from contracts.errors import DoisoatError
    from pipelines.ingest import parse_sector_arg
    from pipelines.stages import period_end

    try:
        for value in sector:
            parse_sector_arg(value)
        period_end(period)
    except DoisoatError as err:
        _fail(str(err), code=2)
    try:
        summary = _run_flow(residency, sector, period, db, out, match_method)
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

    from contracts import fields as F
    from contracts.errors import DoisoatError
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


def main() -> None:
    """Console-script entry point."""
    app()


if __name__ == "__main__":
    main()
