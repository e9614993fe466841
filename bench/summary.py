"""Markdown summary of the bench results in bench/out/*.json (for the README).

    .venv/bin/python bench/summary.py [--errors 12]

Reads what quality.py, speed.py and vs_splink.py wrote; runs nothing.
"""

from __future__ import annotations

import argparse
import json

import _common as C


def _load(pattern: str) -> list[dict]:
    return [json.loads(p.read_text()) | {"_file": p.name} for p in sorted(C.OUT.glob(pattern))]


def quality_section(n_errors: int) -> list[str]:
    runs = sorted(_load("quality_*_r*.json"), key=lambda r: (r["method"], r["residents"]))
    if not runs:
        return []
    out = ["### Quality (bench/quality.py)", ""]
    rows = []
    for r in runs:
        for m in r["sectors"]:
            rows.append({"run": f"{r['method']}, {r['residents']:,}", **m})
    out += [C.table(rows, [("run", "method, residents", ""), ("sector", "sector", ""), ("rows", "rows", ""),
                           ("precision", "precision", ".4f"), ("recall", "recall", ".4f"), ("f1", "F1", ".4f"),
                           ("review", "review", ""), ("non_resident_matched", "non-res. matched", "")]), ""]
    rows = []
    for r in runs:
        for k in r["non_residents"]:
            if k["sector"] == "ALL":
                rows.append({"run": f"{r['method']}, {r['residents']:,}", **k})
    out += ["Non-resident rows (share matched / review / unmatched):", "",
            C.table(rows, [("run", "method, residents", ""), ("kind", "non-resident rows", ""), ("rows", "rows", ""),
                           ("matched", "matched", ".3f"), ("review", "review", ".3f"),
                           ("unmatched", "unmatched", ".3f")]), ""]
    worst = {}
    for r in runs:
        for e in r["error_types"]:
            worst.setdefault(e["code"], {"code": e["code"]})[f"{r['method']}_{r['residents']}"] = e["recall"]
    keys = [f"{r['method']}_{r['residents']}" for r in runs]
    ranked = sorted(worst.values(), key=lambda d: min(d.get(k, 1.0) for k in keys))[:n_errors]
    out += [f"Recall per error type (the {n_errors} hardest):", "",
            C.table(ranked, [("code", "error code", ""),
                             *[(k, k.replace("_", ", "), ".4f") for k in keys]]), ""]
    return out


def speed_section() -> list[str]:
    files = _load("speed_*.json")
    if not files:
        return []
    out = ["### Speed (bench/speed.py)", ""]
    rows = []
    for f in files:
        for r in f["runs"]:
            s, p = r["seconds"], r["peak_rss_mb"]
            rows.append({"method": r["method"], "residents": r["residents"],
                         "sector_rows": sum(v for k, v in r["rows"].items() if k != "residency"),
                         "ingest": s["ingest"], "validate": s["validate"], "match": s["match_incl_prepare"],
                         "reconcile": s.get("reconcile"), "total": s["total"],
                         "match_peak": p.get("match"), "peak": max(v for v in p.values() if v is not None)})
    rows.sort(key=lambda d: (d["method"], d["residents"]))
    out += [C.table(rows, [("method", "method", ""), ("residents", "residents", ""), ("sector_rows", "sector rows", ""),
                           ("ingest", "ingest s", ".1f"), ("validate", "validate s", ".1f"),
                           ("match", "match s (5 sectors)", ".1f"), ("reconcile", "reconcile s", ".1f"),
                           ("total", "total s", ".1f"), ("match_peak", "peak RSS MB during match", ".0f"),
                           ("peak", "peak RSS MB", ".0f")]), ""]
    sc = [{**x, "method": f["runs"][0]["method"]} for f in files for x in f.get("scaling", [])]
    if sc:
        out += [C.table(sc, [("method", "method", ""), ("what", "stage", ""), ("from", "from", ""), ("to", "to", ""),
                             ("time_ratio", "time ×", ".2f"), ("near_linear", "≤ 1.2 × size ratio", "")]), ""]
    return out


def splink_section() -> list[str]:
    runs = sorted(_load("vs_splink_r*.json"), key=lambda r: r["residents"])
    if not runs:
        return []
    out = ["### doisoat vs Splink 5 (bench/vs_splink.py)", ""]
    rows = []
    for r in runs:
        for t, sc in r["scores"].items():
            m = next(x for x in sc["sectors"] if x["sector"] == "ALL")
            nr = {k["kind"]: k for k in sc["non_residents"] if k["sector"] == "ALL"}
            info = r["tools"][t]
            rows.append({
                "residents": r["residents"], "tool": t, "precision": m["precision"], "recall": m["recall"],
                "f1": m["f1"], "min_f1": min(x["f1"] for x in sc["sectors"] if x["sector"] != "ALL"),
                "nr_name": nr.get("… sharing the name only (another birth date)", {}).get("matched"),
                "nr_dob_id": nr.get("… … showing their own ID", {}).get("matched"),
                "link": info["link_seconds"], "peak": info["process_peak_rss_mb"],
            })
    out += [C.table(rows, [("residents", "residents", ""), ("tool", "tool", ""), ("precision", "P (all)", ".4f"),
                           ("recall", "R (all)", ".4f"), ("f1", "F1 (all)", ".4f"), ("min_f1", "lowest sector F1", ".4f"),
                           ("nr_name", "namesakes matched", ".3f"),
                           ("nr_dob_id", "name+DOB, own ID: matched", ".3f"),
                           ("link", "link wall s", ".1f"), ("peak", "peak RSS MB", ".0f")]), ""]
    return out


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--errors", type=int, default=12)
    a = ap.parse_args(argv)
    print("\n".join(quality_section(a.errors) + speed_section() + splink_section()))


if __name__ == "__main__":
    main()
