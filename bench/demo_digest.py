"""A digest of a `doisoat demo` output folder, to show that a change left the outputs as they were.

    .venv/bin/doisoat demo --out /tmp/a && python bench/demo_digest.py /tmp/a /tmp/a.digest
    (change the code)
    .venv/bin/doisoat demo --out /tmp/b && python bench/demo_digest.py /tmp/b /tmp/b.digest
    diff -r /tmp/a.digest /tmp/b.digest

Every DuckDB table (run ids, times, hashes and parameters dropped; floats rounded to 9 decimals,
because EM sums in parallel differ in the last bit from run to run) and every output file's
content (XLSX as cell values) become text files.
"""
import re
import sys
from pathlib import Path

import duckdb
import polars as pl

out = Path(sys.argv[1]); dest = Path(sys.argv[2]); dest.mkdir(parents=True, exist_ok=True)
con = duckdb.connect(str(out / "doisoat.duckdb"), read_only=True)
VOL = re.compile(r"(run_id|started_at|finished_at|decided_at|recorded_at|created_at|_at$|superseded_by|parameters|sha256)")
for (t,) in con.sql("select table_name from information_schema.tables order by 1").fetchall():
    df = con.sql(f'select * from "{t}"').pl()
    df = df.select([c for c in df.columns if not VOL.search(c)])
    df = df.with_columns(pl.col(pl.Float64, pl.Float32).round(9))
    df = df.sort(df.columns, nulls_last=True) if df.width else df
    df.write_csv(dest / f"table_{t}.csv")
for p in sorted(out.rglob("*")):
    if p.is_dir() or p.suffix == ".duckdb" or p.name.endswith(".wal") or p.name.endswith(".lock"): continue
    rel = str(p.relative_to(out)).replace("/", "__")
    rel = re.sub(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}", "RUN", rel)
    if p.suffix == ".xlsx":
        import openpyxl
        wb = openpyxl.load_workbook(p, data_only=True)
        lines = []
        for ws in wb.worksheets:
            for row in ws.iter_rows(values_only=True):
                lines.append("\t".join("" if v is None else str(v) for v in row))
        text = "\n".join(lines)
    else:
        text = p.read_text(errors="replace")
    text = re.sub(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}", "RUN", text)
    text = re.sub(r"\d{4}-\d{2}-\d{2}[ T]\d{2}:\d{2}(:\d{2}(\.\d+)?)?", "TIME", text)
    text = re.sub(r"\d{2}/\d{2}/\d{4} \d{2}:\d{2}", "TIME", text)
    (dest / (rel + ".txt")).write_text(text)
print("snapshot", dest, len(list(dest.iterdir())))
