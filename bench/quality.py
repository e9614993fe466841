"""Match quality against the generator's ground truth, per sector and per error type.

    .venv/bin/python bench/quality.py --residents 20000 100000 [--model sample second] [--method deterministic]

For each size and error model: generate the commune once (bench/out/data/, CSV only; ``second``
keeps the extract and rebuilds the lists with ``bench/second_model.py``), run the real stages
(ingest → validate → sector_records → matchers.link) without Prefect, and score every row of
every sector file against ground_truth.csv:

- precision = rows matched to their true resident / rows matched (non-residents included);
- recall = rows matched to their true resident / rows of people in the extract (rows the
  generator made invalid on purpose, ``invalid_*``, are left out: a contract rejects them);
- non-residents: the share matched (must be ~0), sent to review, left unmatched — all of them,
  those sharing a resident's (folded) name, and those sharing name *and* birth date;
- recall per error code (``errors`` in ground_truth.csv).

Prints Markdown tables and writes bench/out/quality_<method>_r<N>.json.
"""

from __future__ import annotations

import argparse
import sys
import time

import _common as C
import polars as pl

from matchers import LinkSettings, link
from pipelines.stages import sector_settings
from sample_data.generate import SECTORS

SECTOR_COLUMNS = [
    ("sector", "sector", ""), ("rows", "rows", ""), ("residents", "in extract", ""),
    ("non_residents", "not in extract", ""), ("rejected", "rejected", ""), ("matched", "matched", ""),
    ("review", "review", ""), ("unmatched", "unmatched", ""), ("wrong_resident", "wrong resident", ""),
    ("non_resident_matched", "non-res. matched", ""), ("precision", "precision", ".4f"),
    ("recall", "recall", ".4f"), ("f1", "F1", ".4f"),
]
NONRES_COLUMNS = [
    ("kind", "non-resident rows", ""), ("rows", "rows", ""), ("matched", "matched", ".3f"),
    ("review", "review", ".3f"), ("unmatched", "unmatched", ".3f"),
]
ERROR_COLUMNS = [
    ("code", "error code", ""), ("rows", "rows", ""), ("recall", "recall", ".4f"),
    ("review", "review", ".3f"), ("review_right", "review (right person)", ".3f"),
    ("wrong", "wrong match", ".4f"), ("unmatched", "unmatched", ".3f"), ("rejected", "rejected", ".3f"),
]

COUNT_COLUMNS = [("errors", "errors on the row", ""), *ERROR_COLUMNS[1:]]


def run(residents: int, seed: int, method: str, model: str = "sample") -> dict:
    data = C.dataset(residents, seed) if model == "sample" else C.dataset_second(residents, seed)
    t0 = time.perf_counter()
    loaded = C.load(data)
    t_load = time.perf_counter() - t0
    settings = LinkSettings(method=method)
    rows, match_seconds = [], {}
    for sector in SECTORS:
        t = time.perf_counter()
        best = link(loaded.records[sector], loaded.residents, sector_settings(settings, sector)).best
        match_seconds[sector] = time.perf_counter() - t
        rows.append(C.outcomes(sector, loaded.files[sector], loaded.records[sector], best))
    outcome_rows = pl.concat(rows, how="vertical_relaxed")
    truth = C.read_truth(data)
    classes = C.namesake_classes(loaded.records, loaded.residents)
    result = C.score(outcome_rows, truth, classes)
    return {
        "residents": residents, "seed": seed, "method": method, "model": model, "data": str(data),
        "sector_rows": {s: loaded.records[s].height for s in SECTORS},
        "seconds": {"ingest_validate": t_load, "match": match_seconds, "match_total": sum(match_seconds.values())},
        "peak_rss_mb": C.peak_rss_mb(), "machine": C.machine(), **result,
    }


def report(r: dict) -> str:
    out = [f"## Quality — {r['residents']:,} residents, seed {r['seed']}, error model {r['model']!r}, "
           f"method {r['method']!r}", ""]
    out += [review_line(r), ""]
    out += [C.table(r["sectors"], SECTOR_COLUMNS), ""]
    allrows = [x for x in r["non_residents"] if x["sector"] == "ALL"]
    out += ["Non-resident rows (namesakes: same folded name; with birth date: also the same date):", "",
            C.table(allrows, NONRES_COLUMNS), ""]
    per = [x for x in r["non_residents"] if x["sector"] != "ALL"
           and x["kind"] in ("… sharing a resident's name", "… sharing name and birth date")]
    if per:
        out += ["Namesake non-residents matched, per sector:", "",
                C.table([{**x, "kind": f"{x['sector']}: {x['kind'][2:]}"} for x in per], NONRES_COLUMNS), ""]
    out += ["Recall by the number of errors on a row (rows of people in the extract):", "",
            C.table(r["error_counts"], COUNT_COLUMNS), ""]
    out += ["Recall per error type (rows of people in the extract):", "",
            C.table(r["error_types"], ERROR_COLUMNS), ""]
    s = r["seconds"]
    out += [f"ingest+validate {s['ingest_validate']:.1f} s, match {s['match_total']:.1f} s, "
            f"peak RSS {r['peak_rss_mb']:.0f} MB", ""]
    return "\n".join(out)


def review_line(r: dict) -> str:
    """The review band: rows sent to review per 1,000 sector rows, and the share whose first
    candidate is the true resident."""
    total = next(x for x in r["sectors"] if x["sector"] == "ALL")
    per_k = 1000 * total["review"] / max(total["rows"], 1)
    share = (f", {total['review_right'] / total['review']:.1%} of them with the true resident as candidate"
             if total["review"] else "")
    return f"Review band: {total['review']:,} rows, {per_k:.1f} per 1,000 sector rows{share}."


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--residents", type=int, nargs="+", default=[20_000, 100_000])
    ap.add_argument("--seed", type=int, default=C.DEFAULT_SEED)
    ap.add_argument("--model", nargs="+", choices=("sample", "second"), default=["sample", "second"],
                    help="error model(s): the generator's own, the independent second one (default: both)")
    ap.add_argument("--method", default=C.default_method(),
                    help="matchers.LinkSettings method (default: LinkSettings().method = %(default)s)")
    a = ap.parse_args(argv)
    for n in a.residents:
        for model in a.model:
            r = run(n, a.seed, a.method, model)
            print(report(r), flush=True)
            suffix = "" if model == "sample" else f"_{model}"
            path = C.write_json(f"quality_{a.method}_r{n}{suffix}.json", r)
        print(f"→ {path}\n", file=sys.stderr)


if __name__ == "__main__":
    main()
