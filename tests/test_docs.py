"""The README documents every public table and column, and every CLI command."""

import re
from pathlib import Path

import pytest

from pipelines.cli import app
from pipelines.store import TABLES, table_columns

README = (Path(__file__).resolve().parent.parent / "README.md").read_text(encoding="utf-8")


def section(table: str) -> str:
    start = README.index(f"`{table}` —")
    following = [README.find(f"`{t}` —", start + 1) for t in TABLES if README.find(f"`{t}` —", start + 1) > 0]
    return README[start:min(following, default=len(README))]


@pytest.mark.parametrize("table", list(TABLES))
def test_every_table_and_column_is_documented(table):
    text = section(table)
    for column in table_columns(table):
        assert re.search(rf"`{column}`", text), f"README: {table}.{column} is not documented"


def test_every_command_is_documented():
    import typer.main

    commands = typer.main.get_command(app).commands
    for name in commands:
        assert f"doisoat {name}" in README, f"README: command {name} is not documented"
