"""Wall time per pipeline stage and peak memory, at one or more sizes; checks near-linear scaling.

    .venv/bin/python bench/speed.py --residents 100000 1000000 [--method ...] [--reconcile]
    .venv/bin/python bench/speed.py --residents 100000 1000000 --whole [--workers N] [--runs 3]

Each size runs in its own child process (so peak memory is that size's alone) on a commune
generated once into bench/out/data/ (generation is not timed). Stages, as the pipeline runs
them but without Prefect: ingest (each file), validate (each file), sector_records, preparing
the residents once (when the matcher offers ``prepare_residents``), match (``matchers.link``,
per sector) and, with ``--reconcile``, reconcile_stage (findings) per sector.

Peak memory is the process's resident-set high-water mark (VmHWM from /proc/self/status, which
counts polars' and DuckDB's native allocations; tracemalloc would not), reset before each stage
so each stage's own peak is shown, and the whole run's peak. Writes bench/out/speed_<method>.json.

``--whole`` measures the whole ``doisoat run`` instead (every output written, Prefect, DuckDB,
correction lists), per stage, with growth between the sizes: ``bench/whole_run.py``.
"""

from __future__ import annotations

import argparse
import importlib
import json
import subprocess
import sys
import time

import _common as C

from matchers import LinkSettings, link
from pipelines.stages import sector_settings
from sample_data.generate import SECTORS


def prepare_function():
    """matchers.link.prepare_residents if the matcher has it (the residents' side, reusable)."""
    return getattr(importlib.import_module("matchers.link"), "prepare_residents", None)


def child(residents: int, seed: int, method: str, reconcile: bool) -> dict:
    data = C.dataset(residents, seed)
    C.reset_peak_rss()
    base_rss = C.rss_mb()
    t_all = time.perf_counter()
    loaded = C.load(data, track_peaks=True)
    t_loaded = time.perf_counter()
    settings = LinkSettings(method=method)
    stages: dict[str, dict[str, float]] = {k: dict(v) for k, v in loaded.timings.items()}
    peaks = dict(loaded.peaks)

    C.reset_peak_rss()
    residents_frame = loaded.residents
    prepare = prepare_function()
    if prepare is not None and method != "deterministic":
        t = time.perf_counter()
        residents_frame = prepare(loaded.residents)
        stages["prepare_residents"] = {"residency": time.perf_counter() - t}
    stages["match"] = {}
    matches = {}
    for sector in SECTORS:
        t = time.perf_counter()
        matches[sector] = link(loaded.records[sector], residents_frame, sector_settings(settings, sector)).best
        stages["match"][sector] = time.perf_counter() - t
    peaks["match"] = C.peak_rss_mb()
    t_matched = time.perf_counter()

    if reconcile:
        from pipelines.stages import reconcile_stage
        C.reset_peak_rss()
        stages["reconcile"] = {}
        for sector in SECTORS:
            t = time.perf_counter()
            reconcile_stage(sector, [loaded.files[sector]], loaded.records[sector], matches[sector], loaded.residents)
            stages["reconcile"][sector] = time.perf_counter() - t
        peaks["reconcile"] = C.peak_rss_mb()
    t_end = time.perf_counter()

    outcome_counts = {s: dict(m.group_by("outcome").len().iter_rows()) for s, m in matches.items()}
    return {
        "residents": residents, "seed": seed, "method": method,
        "rows": {"residency": loaded.residents.height, **{s: loaded.records[s].height for s in SECTORS}},
        "stages": stages,
        "seconds": {
            "ingest": sum(stages["ingest"].values()),
            "validate": sum(stages["validate"].values()),
            "sector_records": sum(stages["sector_records"].values()),
            "prepare_residents": sum(stages.get("prepare_residents", {}).values()),
            "match": sum(stages["match"].values()),
            "match_incl_prepare": sum(stages["match"].values()) + sum(stages.get("prepare_residents", {}).values()),
            "reconcile": sum(stages.get("reconcile", {}).values()) if reconcile else None,
            "ingest_to_match": t_matched - t_all,
            "total": t_end - t_all,
        },
        "load_seconds": t_loaded - t_all,
        "peak_rss_mb": peaks, "rss_before_mb": base_rss, "outcomes": outcome_counts,
        "machine": C.machine(),
    }


def report(r: dict) -> str:
    s, p = r["seconds"], r["peak_rss_mb"]
    rows = [
        {"stage": "ingest (6 files)", "seconds": s["ingest"], "peak": p.get("ingest")},
        {"stage": "validate (6 files)", "seconds": s["validate"], "peak": p.get("validate")},
        {"stage": "sector_records", "seconds": s["sector_records"], "peak": None},
    ]
    if r["stages"].get("prepare_residents"):
        rows.append({"stage": "match: prepare residents (once)", "seconds": s["prepare_residents"], "peak": None})
    rows += [{"stage": f"match: {k}", "seconds": v, "peak": None} for k, v in r["stages"]["match"].items()]
    rows.append({"stage": "match, all sectors", "seconds": s["match_incl_prepare"], "peak": p.get("match")})
    if s.get("reconcile") is not None:
        rows.append({"stage": "reconcile, all sectors", "seconds": s["reconcile"], "peak": p.get("reconcile")})
    rows.append({"stage": "total (ingest → match" + (" → reconcile" if s.get("reconcile") is not None else "") + ")",
                 "seconds": s["total"], "peak": max(v for v in p.values() if v is not None)})
    n_rows = sum(v for k, v in r["rows"].items() if k != "residency")
    head = (f"## Speed — {r['residents']:,} residents, {n_rows:,} sector rows, method {r['method']!r}\n\n")
    return head + C.table(rows, [("stage", "stage", ""), ("seconds", "wall s", ".2f"), ("peak", "peak RSS MB", ".0f")])


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--residents", type=int, nargs="+", default=[1_000_000])
    ap.add_argument("--seed", type=int, default=C.DEFAULT_SEED)
    ap.add_argument("--method", default=C.default_method(),
                    help="matchers.LinkSettings method (default: LinkSettings().method = %(default)s)")
    ap.add_argument("--reconcile", action="store_true", help="also time reconcile_stage (findings)")
    ap.add_argument("--whole", action="store_true", help="the whole doisoat run (bench/whole_run.py)")
    ap.add_argument("--workers", type=int, default=None, help="with --whole: match on a local Dask cluster")
    ap.add_argument("--runs", type=int, default=1, help="with --whole: runs per size (the median is reported)")
    ap.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    a = ap.parse_args(argv)
    if a.whole:
        import whole_run

        whole_run.main(["--residents", *map(str, a.residents), "--seed", str(a.seed), "--runs", str(a.runs),
                        *(["--workers", str(a.workers)] if a.workers else [])])
        return
    if a.child:  # one size, result as JSON on stdout
        print(json.dumps(child(a.residents[0], a.seed, a.method, a.reconcile)))
        return
    results = []
    for n in a.residents:
        C.dataset(n, a.seed)  # generate outside the timed child
        cmd = [sys.executable, __file__, "--child", "--residents", str(n), "--seed", str(a.seed), "--method", a.method]
        if a.reconcile:
            cmd.append("--reconcile")
        proc = subprocess.run(cmd, check=True, capture_output=True, text=True)
        if proc.stderr.strip():
            print(proc.stderr.strip(), file=sys.stderr)
        r = json.loads(proc.stdout.strip().splitlines()[-1])
        results.append(r)
        print(report(r) + "\n", flush=True)
    scaling = []
    for small, big in zip(results, results[1:]):
        factor = big["residents"] / small["residents"]
        for key in ("match_incl_prepare", "ingest_to_match"):
            ratio = big["seconds"][key] / small["seconds"][key]
            scaling.append({"from": small["residents"], "to": big["residents"], "what": key,
                            "size_ratio": factor, "time_ratio": ratio,
                            "near_linear": ratio <= factor * 1.2})
    if scaling:
        print("Scaling (near-linear: time ratio ≤ 1.2 × size ratio):\n")
        print(C.table(scaling, [("from", "from", ""), ("to", "to", ""), ("what", "stage", ""),
                                ("size_ratio", "size ×", ".0f"), ("time_ratio", "time ×", ".2f"),
                                ("near_linear", "near-linear", "")]) + "\n")
    sizes = "_".join(f"r{n}" for n in a.residents)
    path = C.write_json(f"speed_{a.method}_{sizes}.json", {"runs": results, "scaling": scaling})
    print(f"→ {path}", file=sys.stderr)


if __name__ == "__main__":
    main()
