"""doisoat's matcher and an expert Splink 5 set-up on the same inputs, in the same run.

    .venv/bin/uv sync --group bench        # Splink is a benchmark-only dependency
    .venv/bin/python bench/vs_splink.py --residents 20000 100000 [--model sample|second] [--method ...] [--tools doisoat splink]

Per size: the commune is generated once (bench/out/data/), the real stages run once (ingest →
validate → sector_records) and the validated canonical frames are written to
bench/out/prepared/r<N>_s<seed>/. Then each tool runs in its own child process on exactly those
frames — so time and peak memory are per tool — and both are scored against the ground truth:

- doisoat: ``matchers.link(records, residents, LinkSettings(method=...))`` per sector (with
  ``prepare_residents`` once, when the matcher has it);
- Splink: bench/_splink_model.py (DuckDB backend; names pre-normalised with
  ``matchers.normalise``; the set-up is described there and in bench/README.md), per sector.

A child alone (what the README's paired whole-process timings run):

    .venv/bin/python bench/vs_splink.py --worker doisoat --prepared bench/out/prepared/r100000_s1
    .venv/bin/python bench/vs_splink.py --worker splink  --prepared bench/out/prepared/r100000_s1

Writes bench/out/vs_splink_<method>_r<N>.json.
"""

from __future__ import annotations

import time

T_START = time.perf_counter()  # before the heavy imports: a child's whole-process time

import argparse  # noqa: E402
import json  # noqa: E402
import subprocess  # noqa: E402
import sys  # noqa: E402
from pathlib import Path  # noqa: E402

import _common as C  # noqa: E402
import polars as pl  # noqa: E402

from contracts import fields as F  # noqa: E402
from sample_data.generate import SECTORS  # noqa: E402

TOOLS = ("doisoat", "splink")


# ---- children ----------------------------------------------------------------------------------
def _read_prepared(prepared: Path) -> tuple[pl.DataFrame, dict[str, pl.DataFrame]]:
    residents = pl.read_parquet(prepared / "residents.parquet")
    records = {s: pl.read_parquet(prepared / f"records_{s}.parquet") for s in SECTORS}
    return residents, records


def worker_doisoat(prepared: Path, method: str) -> tuple[pl.DataFrame, dict]:
    import importlib

    from matchers import LinkSettings, link
    from pipelines.stages import sector_settings

    residents, records = _read_prepared(prepared)
    load_peak = C.peak_rss_mb()
    C.reset_peak_rss()
    t0 = time.perf_counter()
    settings = LinkSettings(method=method)
    seconds: dict[str, float] = {}
    prepare = importlib.import_module("matchers.link").prepare_residents
    if method != "deterministic":
        t = time.perf_counter()
        residents = prepare(residents)
        seconds["prepare_residents"] = time.perf_counter() - t
    parts = []
    for s in SECTORS:
        t = time.perf_counter()
        best = link(records[s], residents, sector_settings(settings, s)).best
        seconds[s] = time.perf_counter() - t
        parts.append(best.select("record_key", "residency_id", "outcome", "match_probability", "match_method")
                     .with_columns(pl.lit(s).alias("sector")))
    link_seconds = time.perf_counter() - t0
    return pl.concat(parts, how="vertical_relaxed"), {"method": method, "link_seconds": link_seconds,
                                                      "seconds": seconds, "load_peak_rss_mb": load_peak,
                                                      "link_peak_rss_mb": C.peak_rss_mb()}


def worker_splink(prepared: Path, max_pairs_per_rule: int | None, threads: int | None,
                  u_max_pairs: float | None) -> tuple[pl.DataFrame, dict]:
    import _splink_model as M
    import splink

    max_pairs_per_rule = max_pairs_per_rule or M.MAX_PAIRS_PER_RULE
    u_max_pairs = u_max_pairs or M.U_MAX_PAIRS
    residents, records = _read_prepared(prepared)
    load_peak = C.peak_rss_mb()
    C.reset_peak_rss()
    t0 = time.perf_counter()
    t = time.perf_counter()
    res = M.features(residents, F.PERSON_ID, sector_side=False)
    seconds: dict[str, float] = {"features_residents": time.perf_counter() - t}
    detail: dict[str, dict] = {}
    parts = []
    models = prepared / "splink_models"
    for s in SECTORS:
        t = time.perf_counter()
        rec = M.features(records[s], "record_key", sector_side=True)
        t_feat = time.perf_counter() - t
        run = M.link_sector(rec, res, model_path=models / f"{s}.json",
                            max_pairs_per_rule=max_pairs_per_rule, threads=threads, u_max_pairs=u_max_pairs)
        seconds[s] = time.perf_counter() - t
        detail[s] = {"features": t_feat, **run.seconds, "predicted_pairs": run.predicted_pairs,
                     "prior": run.prior, "rules": run.rules}
        parts.append(run.best.with_columns(pl.lit(s).alias("sector")))
        print(f"splink {s}: {seconds[s]:.1f} s " + json.dumps({k: round(v, 2) for k, v in run.seconds.items()}),
              file=sys.stderr, flush=True)
    link_seconds = time.perf_counter() - t0
    stage_totals = {k: sum(d[k] for d in detail.values())
                    for k in ("features", "count_blocks", "register", "train_prior", "train_u", "train_em",
                              "predict", "best")}
    stage_totals["features"] += seconds["features_residents"]
    return pl.concat(parts, how="vertical_relaxed"), {
        "splink": splink.__version__, "link_seconds": link_seconds, "seconds": seconds,
        "stage_totals": stage_totals, "sectors": detail, "load_peak_rss_mb": load_peak,
        "link_peak_rss_mb": C.peak_rss_mb(),
        "settings": {"match_threshold": M.MATCH_THRESHOLD, "review_threshold": M.REVIEW_THRESHOLD,
                     "u_max_pairs": u_max_pairs, "em_max_pairs": M.EM_MAX_PAIRS,
                     "max_pairs_per_rule": max_pairs_per_rule, "em_rules": M.EM_RULES,
                     "prior_rules": M.PRIOR_RULES, "prior_recall": M.PRIOR_RECALL},
    }


def worker(tool: str, prepared: Path, result: Path | None, method: str, max_pairs_per_rule: int | None,
           threads: int | None, u_max_pairs: float | None = None) -> None:
    if tool == "doisoat":
        best, info = worker_doisoat(prepared, method)
    else:
        best, info = worker_splink(prepared, max_pairs_per_rule, threads, u_max_pairs)
    out = result or prepared / (f"best_doisoat_{method}.parquet" if tool == "doisoat" else "best_splink.parquet")
    best.write_parquet(out)
    info.update({"tool": tool, "method": method if tool == "doisoat" else None, "result": str(out),
                 "process_seconds": time.perf_counter() - T_START,
                 "process_peak_rss_mb": max(info["load_peak_rss_mb"], C.peak_rss_mb())})
    print(json.dumps(info, default=str))


# ---- parent ------------------------------------------------------------------------------------
def prepare(residents_n: int, seed: int, model: str = "sample") -> tuple[Path, C.Loaded, Path]:
    data = C.dataset(residents_n, seed) if model == "sample" else C.dataset_second(residents_n, seed)
    loaded = C.load(data)
    prepared = C.OUT / "prepared" / (f"r{residents_n}_s{seed}" + ("" if model == "sample" else f"_{model}"))
    prepared.mkdir(parents=True, exist_ok=True)
    loaded.residents.write_parquet(prepared / "residents.parquet")
    for s in SECTORS:
        loaded.records[s].write_parquet(prepared / f"records_{s}.parquet")
    return data, loaded, prepared


def run_child(tool: str, prepared: Path, method: str, max_pairs_per_rule: int | None, threads: int | None,
              u_max_pairs: float | None) -> dict:
    cmd = [sys.executable, __file__, "--worker", tool, "--prepared", str(prepared), "--method", method]
    if max_pairs_per_rule:
        cmd += ["--max-pairs-per-rule", str(max_pairs_per_rule)]
    if threads:
        cmd += ["--threads", str(threads)]
    if u_max_pairs:
        cmd += ["--u-max-pairs", str(u_max_pairs)]
    t = time.perf_counter()
    proc = subprocess.run(cmd, capture_output=True, text=True)
    wall = time.perf_counter() - t
    if proc.returncode != 0:
        sys.stderr.write(proc.stderr)
        raise SystemExit(f"{tool} child failed (exit {proc.returncode})")
    info = json.loads(proc.stdout.strip().splitlines()[-1])
    info["child_wall_seconds"] = wall
    return info


def score_tool(loaded: C.Loaded, best: pl.DataFrame, truth: pl.DataFrame, classes: pl.DataFrame) -> dict:
    rows = [C.outcomes(s, loaded.files[s], loaded.records[s],
                       best.filter(pl.col("sector") == s).drop("sector").cast({"record_key": pl.UInt32}))
            for s in SECTORS]
    return C.score(pl.concat(rows, how="vertical_relaxed"), truth, classes)


def report(r: dict) -> str:
    tools = list(r["tools"])
    out = [f"## doisoat vs Splink {r['tools'].get('splink', {}).get('splink', '')} — "
           f"{r['residents']:,} residents, error model {r.get('model', 'sample')!r}, {sum(r['sector_rows'].values()):,} sector rows", ""]
    by_sector = {t: {m["sector"]: m for m in r["scores"][t]["sectors"]} for t in tools}
    rows = []
    for s in [*SECTORS, "ALL"]:
        row = {"sector": s}
        for t in tools:
            m = by_sector[t].get(s, {})
            row.update({f"{t}_p": m.get("precision"), f"{t}_r": m.get("recall"), f"{t}_f1": m.get("f1"),
                        f"{t}_nr": m.get("non_resident_matched")})
        rows.append(row)
    cols = [("sector", "sector", "")]
    for t in tools:
        cols += [(f"{t}_p", f"{t} P", ".4f"), (f"{t}_r", f"{t} R", ".4f"), (f"{t}_f1", f"{t} F1", ".4f"),
                 (f"{t}_nr", f"{t} non-res. matched", "")]
    out += [C.table(rows, cols), ""]
    kinds = {}
    for t in tools:
        for k in r["scores"][t]["non_residents"]:
            if k["sector"] == "ALL":
                kinds.setdefault(k["kind"], {"kind": k["kind"], "rows": k["rows"]})[f"{t}_m"] = k["matched"]
                kinds[k["kind"]][f"{t}_v"] = k["review"]
    out += ["Non-resident rows matched / sent to review (share of rows):", "",
            C.table(list(kinds.values()), [("kind", "non-resident rows", ""), ("rows", "rows", ""),
                                           *[(f"{t}_{x}", f"{t} {'matched' if x == 'm' else 'review'}", ".3f")
                                             for t in tools for x in ("m", "v")]]), ""]
    perf = []
    for t in tools:
        i = r["tools"][t]
        perf.append({"tool": t, "link": i["link_seconds"], "process": i["process_seconds"],
                     "peak": i["process_peak_rss_mb"], "link_peak": i["link_peak_rss_mb"]})
    out += [C.table(perf, [("tool", "tool", ""), ("link", "link wall s (all sectors)", ".1f"),
                           ("process", "whole process s", ".1f"), ("peak", "peak RSS MB (process)", ".0f"),
                           ("link_peak", "peak RSS MB (linking)", ".0f")]), ""]
    if "splink" in r["tools"]:
        st = r["tools"]["splink"]["stage_totals"]
        out.append("Splink time by step (s): " + ", ".join(f"{k} {v:.1f}" for k, v in st.items()))
    if "splink" in r["tools"]:
        for t in tools:
            if t != "splink":
                ratio = r["tools"]["splink"]["link_seconds"] / r["tools"][t]["link_seconds"]
                out.append(f"Speed-up of {t} (Splink link wall time / {t}'s): {ratio:.1f}×")
    return "\n".join(out) + "\n"


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--residents", type=int, nargs="+", default=[20_000])
    ap.add_argument("--seed", type=int, default=C.DEFAULT_SEED)
    ap.add_argument("--method", nargs="+", default=[C.default_method()],
                    help="doisoat's matchers.LinkSettings method(s); several run doisoat once each "
                         "(default: LinkSettings().method = %(default)s)")
    ap.add_argument("--tools", nargs="+", choices=TOOLS, default=list(TOOLS))
    ap.add_argument("--model", choices=("sample", "second"), default="sample",
                    help="error model of the lists: the generator's own or bench/second_model.py")
    ap.add_argument("--max-pairs-per-rule", type=int, default=None,
                    help="Splink: tighten a prediction blocking rule above this many pairs per sector (default 2e7)")
    ap.add_argument("--threads", type=int, default=None, help="Splink: DuckDB threads (default: all cores)")
    ap.add_argument("--u-max-pairs", type=float, default=None,
                    help="Splink: max_pairs of estimate_u_using_random_sampling (default 1e7)")
    ap.add_argument("--worker", choices=TOOLS, help="run one tool on --prepared and print JSON")
    ap.add_argument("--prepared", type=Path, help="a bench/out/prepared/r<N>_s<seed> directory")
    ap.add_argument("--result", type=Path, help="worker: where to write the best-match parquet")
    a = ap.parse_args(argv)
    max_pairs = a.max_pairs_per_rule
    if a.worker:
        if a.prepared is None:
            ap.error("--worker needs --prepared")
        worker(a.worker, a.prepared, a.result, a.method[0], max_pairs, a.threads, a.u_max_pairs)
        return
    for n in a.residents:
        data, loaded, prepared = prepare(n, a.seed, a.model)
        tools = {}
        runs = [(f"doisoat:{m}", "doisoat", m) for m in a.method if "doisoat" in a.tools]
        runs += [("splink", "splink", a.method[0])] if "splink" in a.tools else []
        for key, tool, method in runs:
            print(f"[{n:,}] running {key} …", file=sys.stderr, flush=True)
            tools[key] = run_child(tool, prepared, method, max_pairs, a.threads, a.u_max_pairs)
        truth = C.read_truth(data)
        classes = C.namesake_classes(loaded.records, loaded.residents)
        scores = {t: score_tool(loaded, pl.read_parquet(tools[t]["result"]), truth, classes) for t in tools}
        r = {"residents": n, "seed": a.seed, "model": a.model, "methods": a.method, "prepared": str(prepared),
             "sector_rows": {s: loaded.records[s].height for s in SECTORS},
             "tools": tools, "scores": scores, "machine": C.machine()}
        print(report(r), flush=True)
        path = C.write_json(f"vs_splink_r{n}" + ("" if a.model == "sample" else f"_{a.model}") + ".json", r)
        print(f"→ {path}", file=sys.stderr)


if __name__ == "__main__":
    main()
