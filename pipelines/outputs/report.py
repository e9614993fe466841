"""The monthly report: one self-contained HTML file in Vietnamese, built from a finished run's tables.

``report_data(con, run_id)`` reads the counts (record_outcomes, discrepancies, resolved_findings;
the latest run of an earlier period for the change since then); ``render_report(data)`` makes
the HTML (inline CSS and SVG, no script, font, image or link to fetch); ``write_report`` writes
it. The report holds counts only: no name, ID or row of any person. Table rows carry ``data-*``
attributes with the raw numbers so tests (and scripts) can check them against the database.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from html import escape
from pathlib import Path

import duckdb
import polars as pl

from contracts import fields as F
from pipelines.findings import SECTOR_VI
from pipelines.findings.catalog import CATALOG, SEVERITIES, SEVERITY_VI, SHORT_VI
from pipelines.outputs._svg import bar_chart, legend, stacked_chart
from pipelines.outputs.trend import PERIODS, trend, trend_table
from pipelines.privacy import write_private
from pipelines.store import first_row
from pipelines.units import commune_label

OUTCOMES = ("matched", "review", "unmatched", "rejected")
OUTCOME_VI = {"matched": "Khớp", "review": "Cần xem xét", "unmatched": "Không tìm thấy", "rejected": "Bị loại (sai định dạng)"}
STATUS_COLUMNS = ("new", "open", "reopened", "declined", "fixed")
STATUS_VI = {"new": "Mới", "open": "Chưa xử lý", "reopened": "Báo sửa nhưng còn sai", "declined": "Không sửa (có lý do)",
             "fixed": "Đã hết sai lệch"}


@dataclass
class ReportData:
    """Everything the report shows (counts only)."""

    run: dict
    previous: dict | None
    sectors: pl.DataFrame  # sector, rows, matched, review, unmatched, rejected, match_rate, findings, <severity>…, prev_*
    residency: dict  # residents, found_in_lists, police findings
    kinds: pl.DataFrame  # sector, field, kind, severity, n
    communes: pl.DataFrame  # commune_code, rows, matched, match_rate, findings, critical
    statuses: pl.DataFrame  # sector, new, open, reopened, declined, fixed
    generated_at: dt.datetime
    trend: pl.DataFrame | None = None  # period, sector, rows, match_rate, open, answered, fixed, months_to_fix


def report_file_name(period: str) -> str:
    return f"bao_cao_doi_soat_{period}.html"


def _num(n: float | int | None) -> str:
    """Vietnamese thousands separator: 12345 → "12.345"."""
    return "–" if n is None else f"{int(n):,}".replace(",", ".")


def _pct(x: float | None, digits: int = 1) -> str:
    return "–" if x is None else f"{x * 100:.{digits}f}".replace(".", ",") + " %"


def _signed(n: float | None, pct: bool = False) -> str:
    if n is None:
        return "–"
    text = _pct(abs(n)).replace(" %", " điểm %") if pct else _num(abs(n))
    return ("+" if n > 0 else "−" if n < 0 else "±") + text


def _outcome_counts(con: duckdb.DuckDBPyConnection, run_id: str) -> pl.DataFrame:
    return con.sql("""
        SELECT sector, count(*) AS rows,
               count(*) FILTER (WHERE outcome = 'matched') AS matched,
               count(*) FILTER (WHERE outcome = 'review') AS review,
               count(*) FILTER (WHERE outcome = 'unmatched') AS unmatched,
               count(*) FILTER (WHERE outcome = 'rejected') AS rejected
        FROM record_outcomes WHERE run_id = ? AND sector <> 'residency' GROUP BY sector""", params=[run_id]).pl()


def _finding_counts(con: duckdb.DuckDBPyConnection, run_id: str) -> pl.DataFrame:
    sev = ", ".join(f"count(*) FILTER (WHERE severity = '{s}') AS {s}" for s in SEVERITIES)
    return con.sql(f"SELECT sector, count(*) AS findings, {sev} FROM discrepancies WHERE run_id = ? GROUP BY sector",
                   params=[run_id]).pl()


def report_data(con: duckdb.DuckDBPyConnection, run_id: str) -> ReportData:
    """Read a finished run's counts (and the previous period's) from the database."""
    row = first_row(con, "SELECT run_id, period, started_at, finished_at, status FROM runs WHERE run_id = ?", [run_id])
    if row is None:
        raise KeyError(run_id)
    run = dict(zip(("run_id", "period", "started_at", "finished_at", "status"), row, strict=True))
    prev_row = first_row(
        con, """SELECT run_id, period FROM runs WHERE period < ? AND status <> 'superseded' AND purged_at IS NULL
                ORDER BY period DESC, started_at DESC LIMIT 1""", [run["period"]])
    previous = dict(zip(("run_id", "period"), prev_row, strict=True)) if prev_row else None

    order = {s: i for i, s in enumerate(F.SECTORS)}
    outcomes, findings = _outcome_counts(con, run_id), _finding_counts(con, run_id)
    sectors = outcomes.join(findings, on="sector", how="left").with_columns(
        pl.col("findings", *SEVERITIES).fill_null(0),
        (pl.col("matched") / pl.col("rows")).alias("match_rate"),
    )
    if previous:
        prev = _outcome_counts(con, previous["run_id"]).join(_finding_counts(con, previous["run_id"]), on="sector", how="left")
        prev = prev.select("sector", pl.col("rows").alias("prev_rows"), (pl.col("matched") / pl.col("rows")).alias("prev_match_rate"),
                           pl.col("findings").fill_null(0).alias("prev_findings"))
        sectors = sectors.join(prev, on="sector", how="left")
    else:
        sectors = sectors.with_columns(pl.lit(None, pl.Int64).alias("prev_rows"), pl.lit(None, pl.Float64).alias("prev_match_rate"),
                                       pl.lit(None, pl.Int64).alias("prev_findings"))
    sectors = sectors.sort(pl.col("sector").replace_strict(order, default=99, return_dtype=pl.Int32))

    res = first_row(con, """
        SELECT count(*), count(*) FILTER (WHERE outcome = 'matched') FROM record_outcomes
        WHERE run_id = ? AND sector = 'residency'""", [run_id])
    police = findings.filter(pl.col("sector") == F.RESIDENCY)
    residency = {"residents": res[0], "found_in_lists": res[1],
                 "findings": police["findings"].sum() if police.height else 0,
                 "critical": police["critical"].sum() if police.height else 0}

    kinds = con.sql("""
        SELECT sector, field, kind, severity, count(*) AS n, min(message_vi) AS message_vi
        FROM discrepancies WHERE run_id = ?
        GROUP BY sector, field, kind, severity ORDER BY n DESC, sector, field, kind""", params=[run_id]).pl()
    communes = con.sql("""
        WITH o AS (SELECT coalesce(commune_code, '') AS commune_code, count(*) AS rows,
                          count(*) FILTER (WHERE outcome = 'matched') AS matched
                   FROM record_outcomes WHERE run_id = ? AND sector <> 'residency' GROUP BY 1),
             d AS (SELECT coalesce(commune_code, '') AS commune_code, count(*) AS findings,
                          count(*) FILTER (WHERE severity = 'critical') AS critical
                   FROM discrepancies WHERE run_id = ? GROUP BY 1)
        SELECT commune_code, coalesce(rows, 0) AS rows, coalesce(matched, 0) AS matched,
               coalesce(findings, 0) AS findings, coalesce(critical, 0) AS critical
        FROM o FULL JOIN d USING (commune_code) ORDER BY commune_code""", params=[run_id, run_id]).pl().with_columns(
        (pl.col("matched") / pl.col("rows")).alias("match_rate"))
    status_sql = ", ".join(f"count(*) FILTER (WHERE coalesce(status, 'new') = '{s}') AS {s}" for s in STATUS_COLUMNS[:-1])
    statuses = con.sql(f"SELECT sector, {status_sql} FROM discrepancies WHERE run_id = ? GROUP BY sector", params=[run_id]).pl()
    fixed = con.sql("SELECT sector, count(*) AS fixed FROM resolved_findings WHERE run_id = ? GROUP BY sector",
                    params=[run_id]).pl()
    statuses = statuses.join(fixed, on="sector", how="full", coalesce=True).with_columns(
        pl.col(*STATUS_COLUMNS).fill_null(0).cast(pl.Int64)).sort(
        pl.col("sector").replace_strict({**order, F.RESIDENCY: 98}, default=99, return_dtype=pl.Int32))
    return ReportData(run, previous, sectors, residency, kinds, communes, statuses, dt.datetime.now().replace(microsecond=0),
                      trend(con, run_id))


def _period_vi(period: str) -> str:
    return f"tháng {period[5:7]}/{period[:4]}"


def _kind_vi(field: str, kind: str, message: str | None = None, short: bool = False) -> str:
    """The kind in Vietnamese: the catalog's wording (``short`` for charts), else the finding's own."""
    if short and (field, kind) in SHORT_VI:
        return SHORT_VI[(field, kind)]
    entry = CATALOG.get((field, kind))
    text = entry[1] if entry else (message or f"{field}: {kind}")
    return text if not short or len(text) <= 42 else text[:41].rstrip() + "…"


def _sector_vi(sector: str) -> str:
    return SECTOR_VI.get(sector, sector)


def _cards(data: ReportData) -> str:
    s = data.sectors
    rows, matched = int(s["rows"].sum()), int(s["matched"].sum())
    findings = int(s["findings"].sum()) + int(data.residency["findings"])
    critical = int(s["critical"].sum()) + int(data.residency["critical"])
    fixed = int(data.statuses["fixed"].sum()) if data.statuses.height else 0
    cards = [
        ("Dòng dữ liệu các ngành", _num(rows), f"{s.height} lĩnh vực", "rows", rows),
        ("Tỷ lệ khớp với CSDL dân cư", _pct(matched / rows if rows else None), f"{_num(matched)} dòng khớp", "match", matched),
        ("Nội dung cần điều chỉnh", _num(findings), "kể cả danh sách của Công an xã", "findings", findings),
        ("Đặc biệt nghiêm trọng", _num(critical), "người đã khai tử còn trong danh sách", "critical", critical),
        ("Đã hết sai lệch so với kỳ trước", _num(fixed), "theo kết quả đối soát lại", "fixed", fixed),
    ]
    return '<div class="cards">' + "".join(
        f'<div class="card {cls}" data-{cls}="{raw}"><div class="card-label">{escape(label)}</div>'
        f'<div class="card-value">{value}</div><div class="card-note">{escape(note)}</div></div>'
        for label, value, note, cls, raw in cards) + "</div>"


def _sector_table(data: ReportData) -> str:
    head = ("Lĩnh vực", "Số dòng", "Khớp", "Cần xem xét", "Không tìm thấy", "Bị loại", "Tỷ lệ khớp", "So với kỳ trước",
            "Nội dung cần điều chỉnh", *[SEVERITY_VI[s] for s in SEVERITIES])
    body = []
    for r in data.sectors.iter_rows(named=True):
        delta = None if r["prev_match_rate"] is None else r["match_rate"] - r["prev_match_rate"]
        attrs = " ".join(f'data-{k.replace("_", "-")}="{r[k]}"' for k in ("rows", "matched", "review", "unmatched", "rejected", "findings", *SEVERITIES))
        cells = [_num(r[k]) for k in ("rows", "matched", "review", "unmatched", "rejected")]
        body.append(
            f'<tr data-sector="{escape(r["sector"])}" {attrs}><th scope="row">{escape(_sector_vi(r["sector"]))}</th>'
            + "".join(f"<td>{c}</td>" for c in cells)
            + f'<td>{_pct(r["match_rate"])}</td><td class="{_trend_class(delta)}">{_signed(delta, pct=True)}</td>'
            + f'<td>{_num(r["findings"])}</td>' + "".join(f'<td class="sev-{s}">{_num(r[s])}</td>' for s in SEVERITIES) + "</tr>")
    res = data.residency
    body.append(
        f'<tr class="police" data-sector="residency" data-rows="{res["residents"]}" data-findings="{res["findings"]}">'
        f'<th scope="row">{escape(_sector_vi(F.RESIDENCY))}</th><td>{_num(res["residents"])}</td>'
        f'<td colspan="6" class="muted">{_num(res["found_in_lists"])} người có trong ít nhất một danh sách ngành</td>'
        f'<td>{_num(res["findings"])}</td><td class="sev-critical">{_num(res["critical"])}</td><td colspan="3"></td></tr>')
    return _table(head, body, "sectors")


def _trend_class(delta: float | None) -> str:
    return "" if delta is None or abs(delta) < 1e-9 else ("up" if delta > 0 else "down")


def _table(head: tuple[str, ...], body: list[str], name: str, text_cols: tuple[int, ...] = (0,)) -> str:
    cells = "".join(f'<th{" class=txt" if i in text_cols else ""}>{escape(h)}</th>' for i, h in enumerate(head))
    return (f'<table class="data" data-table="{name}"><thead><tr>' + cells
            + "</tr></thead><tbody>" + "".join(body) + "</tbody></table>")


def _kind_table(data: ReportData, severities: tuple[str, ...], name: str) -> str:
    kinds = data.kinds.filter(pl.col("severity").is_in(severities))
    if kinds.is_empty():
        return '<p class="muted">Không có nội dung ở mức này.</p>'
    body = [
        f'<tr data-sector="{escape(r["sector"])}" data-kind="{escape(r["kind"])}" data-field="{escape(r["field"])}" '
        f'data-severity="{escape(r["severity"])}" data-n="{r["n"]}"><td>{escape(_sector_vi(r["sector"]))}</td>'
        f'<td class="txt">{escape(_kind_vi(r["field"], r["kind"], r["message_vi"]))}</td><td class="sev-{escape(r["severity"])}">'
        f'{escape(SEVERITY_VI.get(r["severity"], r["severity"]))}</td><td>{_num(r["n"])}</td></tr>'
        for r in kinds.sort("severity", "n", descending=[False, True]).iter_rows(named=True)
    ]
    return _table(("Lĩnh vực", "Nội dung", "Mức độ", "Số lượng"), body, name, text_cols=(0, 1))


def _commune_table(data: ReportData) -> str:
    body = [
        f'<tr data-commune="{escape(r["commune_code"])}" data-rows="{r["rows"]}" data-matched="{r["matched"]}" '
        f'data-findings="{r["findings"]}" data-critical="{r["critical"]}"><th scope="row">{escape(commune_label(r["commune_code"]))}</th>'
        f'<td>{_num(r["rows"])}</td><td>{_num(r["matched"])}</td><td>{_pct(r["match_rate"])}</td>'
        f'<td>{_num(r["findings"])}</td><td class="sev-critical">{_num(r["critical"])}</td></tr>'
        for r in data.communes.iter_rows(named=True)
    ]
    return _table(("Xã", "Số dòng", "Khớp", "Tỷ lệ khớp", "Nội dung cần điều chỉnh", "Đặc biệt nghiêm trọng"), body, "communes")


def _status_table(data: ReportData) -> str:
    body = [
        f'<tr data-sector="{escape(r["sector"])}" ' + " ".join(f'data-{s}="{r[s]}"' for s in STATUS_COLUMNS)
        + f'><th scope="row">{escape(_sector_vi(r["sector"]))}</th>' + "".join(f"<td>{_num(r[s])}</td>" for s in STATUS_COLUMNS) + "</tr>"
        for r in data.statuses.iter_rows(named=True)
    ]
    return _table(("Lĩnh vực", *[STATUS_VI[s] for s in STATUS_COLUMNS]), body, "statuses")


def _change_table(data: ReportData) -> str:
    if data.previous is None:
        return '<p class="muted">Chưa có kỳ đối soát trước để so sánh.</p>'
    body = []
    for r in data.sectors.iter_rows(named=True):
        d_rows = None if r["prev_rows"] is None else r["rows"] - r["prev_rows"]
        d_find = None if r["prev_findings"] is None else r["findings"] - r["prev_findings"]
        d_rate = None if r["prev_match_rate"] is None else r["match_rate"] - r["prev_match_rate"]
        body.append(
            f'<tr data-sector="{escape(r["sector"])}" data-prev-rows="{r["prev_rows"]}" data-prev-findings="{r["prev_findings"]}">'
            f'<th scope="row">{escape(_sector_vi(r["sector"]))}</th><td>{_num(r["prev_rows"])} → {_num(r["rows"])}</td>'
            f'<td class="{_trend_class(d_rows)}">{_signed(d_rows)}</td><td>{_pct(r["prev_match_rate"])} → {_pct(r["match_rate"])}</td>'
            f'<td class="{_trend_class(d_rate)}">{_signed(d_rate, pct=True)}</td>'
            f'<td>{_num(r["prev_findings"])} → {_num(r["findings"])}</td>'
            f'<td class="{_trend_class(None if d_find is None else -d_find)}">{_signed(d_find)}</td></tr>')
    return _table(("Lĩnh vực", "Số dòng", "Thay đổi", "Tỷ lệ khớp", "Thay đổi", "Nội dung cần điều chỉnh", "Thay đổi"),
                  body, "changes")


def _charts(data: ReportData) -> tuple[str, str, str]:
    s = data.sectors
    rate = bar_chart(
        [(_sector_vi(r["sector"]), r["match_rate"] or 0.0, r["prev_match_rate"]) for r in s.iter_rows(named=True)],
        title="Tỷ lệ khớp theo lĩnh vực", fmt=lambda v: _pct(v, 0), maximum=1.0)
    outcome = stacked_chart(
        [(_sector_vi(r["sector"]), [r[o] for o in OUTCOMES]) for r in s.iter_rows(named=True)],
        [(o, OUTCOME_VI[o]) for o in OUTCOMES], title="Kết quả đối chiếu theo lĩnh vực", fmt=_num, percent=True)
    sev_rows = [(_sector_vi(r["sector"]), [r[x] for x in SEVERITIES]) for r in s.iter_rows(named=True)]
    if data.residency["findings"]:
        police = data.kinds.filter(pl.col("sector") == F.RESIDENCY).group_by("severity").agg(pl.col("n").sum())
        counts = dict(police.iter_rows())
        sev_rows.append((_sector_vi(F.RESIDENCY).split(" –")[0], [counts.get(x, 0) for x in SEVERITIES]))
    severity = stacked_chart(sev_rows, [(x, SEVERITY_VI[x]) for x in SEVERITIES],
                             title="Nội dung cần điều chỉnh theo mức độ", fmt=_num)
    return rate + legend([("bar", "Kỳ này"), ("previous", "Kỳ trước")]), outcome, severity


def _kind_chart(data: ReportData) -> str:
    kinds = (data.kinds.group_by("field", "kind", "severity").agg(pl.col("n").sum(), pl.col("message_vi").first())
             .sort("n", "kind", descending=[True, False]).head(14))
    if kinds.is_empty():
        return '<p class="muted">Không có nội dung cần điều chỉnh.</p>'
    rows = [(_kind_vi(r["field"], r["kind"], r["message_vi"], short=True), [r["n"] if r["severity"] == s else 0 for s in SEVERITIES])
            for r in kinds.iter_rows(named=True)]
    return stacked_chart(rows, [(x, SEVERITY_VI[x]) for x in SEVERITIES], title="Các loại sai lệch thường gặp",
                         fmt=_num, width=900, label_width=300)


CSS = """
:root{--ink:#202124;--muted:#5f6368;--line:#dadce0;--bg:#f8f9fa;--accent:#1a73e8}
*{box-sizing:border-box}
body{margin:0;font-family:"Segoe UI",Roboto,"Noto Sans","Helvetica Neue",Arial,sans-serif;color:var(--ink);background:var(--bg);font-size:15px;line-height:1.45}
main{max-width:1180px;margin:0 auto;padding:28px 32px 48px;background:#fff;min-height:100vh}
header.top{display:flex;justify-content:space-between;gap:24px;border-bottom:2px solid var(--ink);padding-bottom:12px}
header.top .org{font-weight:600;text-transform:uppercase;font-size:13px}
header.top .nation{text-align:center;font-weight:600;font-size:13px}
header.top .nation span{display:block;font-weight:600;text-decoration:underline}
h1{font-size:24px;margin:22px 0 4px;text-align:center;letter-spacing:.3px}
p.sub{text-align:center;color:var(--muted);margin:0 0 20px}
h2{font-size:18px;margin:34px 0 10px;padding-bottom:4px;border-bottom:1px solid var(--line)}
.cards{display:grid;grid-template-columns:repeat(5,1fr);gap:12px;margin:18px 0}
.card{border:1px solid var(--line);border-radius:8px;padding:12px 14px;background:#fff}
.card-label{font-size:13px;color:var(--muted)}
.card-value{font-size:28px;font-weight:700;margin-top:2px}
.card-note{font-size:12px;color:var(--muted)}
.card.critical .card-value{color:#b3261e}.card.fixed .card-value{color:#1e8e3e}
.grid2{display:grid;grid-template-columns:1fr 1fr;gap:24px}
figure{margin:0}figcaption{font-weight:600;margin-bottom:6px}
svg.chart{max-width:100%;height:auto;font-family:inherit}
svg .lbl{font-size:12px;fill:#202124}svg .val{font-size:12px;fill:#202124;font-weight:600}svg .axis{font-size:11px;fill:#5f6368}
.legend{display:flex;flex-wrap:wrap;gap:14px;font-size:12px;color:var(--muted);margin:4px 0 0}
.legend .swatch{display:inline-block;width:11px;height:11px;border-radius:2px;margin-right:5px;vertical-align:-1px}
table.data{border-collapse:collapse;width:100%;font-size:13.5px;margin-top:6px}
table.data th,table.data td{border-bottom:1px solid var(--line);padding:6px 8px;text-align:right;white-space:nowrap}
table.data th:first-child,table.data td:first-child,table.data .txt{text-align:left}
table.data thead th{background:#f1f3f4;font-weight:600;white-space:normal;vertical-align:bottom}
table.data tbody th{font-weight:600}
td.sev-critical{color:#b3261e;font-weight:700}td.sev-high{color:#c45500;font-weight:600}
td.up{color:#1e8e3e}td.down{color:#b3261e}.muted{color:var(--muted)}
tr.police th,tr.police td{background:#fff8f6}
.note{font-size:13px;color:var(--muted);margin-top:28px;border-top:1px solid var(--line);padding-top:10px}
@media print{body{background:#fff}main{padding:0;max-width:none}h2{break-after:avoid}table,figure{break-inside:avoid}}
"""


def render_report(data: ReportData) -> str:
    """The report as one HTML document (UTF-8, inline CSS and SVG)."""
    run, period = data.run, data.run["period"]
    rate, outcome, severity = _charts(data)
    prev = (f"so với {_period_vi(data.previous['period'])}" if data.previous else "chưa có kỳ trước để so sánh")
    communes = data.communes["commune_code"].to_list()
    commune_text = ", ".join(commune_label(c) for c in communes) or "–"
    return f"""<!DOCTYPE html>
<html lang="vi"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>Báo cáo kết quả đối soát dữ liệu {escape(_period_vi(period))}</title><style>{CSS}</style></head>
<body><main data-run-id="{escape(run['run_id'])}" data-period="{escape(period)}">
<header class="top"><div class="org">Tổ công tác Đề án 06<br>{escape(commune_text)}</div>
<div class="nation">Cộng hòa xã hội chủ nghĩa Việt Nam<span>Độc lập - Tự do - Hạnh phúc</span></div></header>
<h1>BÁO CÁO KẾT QUẢ ĐỐI SOÁT DỮ LIỆU {escape(_period_vi(period).upper())}</h1>
<p class="sub">Đối chiếu danh sách các ngành với dữ liệu dân cư (CSDLQG về dân cư) · {escape(prev)} ·
lập ngày {data.generated_at:%d/%m/%Y}</p>
{_cards(data)}
<h2>1. Kết quả theo lĩnh vực</h2>
{_sector_table(data)}
<div class="grid2" style="margin-top:18px"><figure><figcaption>Tỷ lệ khớp với dữ liệu dân cư</figcaption>{rate}</figure>
<figure><figcaption>Kết quả đối chiếu (tỷ lệ các dòng)</figcaption>{outcome}</figure></div>
<h2>2. Nội dung cần điều chỉnh</h2>
<figure><figcaption>Theo lĩnh vực và mức độ</figcaption>{severity}</figure>
<figure style="margin-top:18px"><figcaption>Các loại sai lệch thường gặp</figcaption>{_kind_chart(data)}</figure>
<h2>3. Nội dung nghiêm trọng nhất</h2>
<p class="muted">Chỉ nêu số lượng; danh sách chi tiết đã gửi riêng cho từng lĩnh vực và Công an xã.</p>
{_kind_table(data, ("critical", "high"), "severe")}
<h2>4. Theo xã</h2>
{_commune_table(data)}
<h2>5. Thay đổi so với kỳ trước</h2>
{_change_table(data)}
<h2>6. Tình hình xử lý của các lĩnh vực</h2>
{_status_table(data)}
<h2>7. Xu hướng {PERIODS} kỳ gần nhất</h2>
{trend_table(data.trend if data.trend is not None else pl.DataFrame(), _sector_vi, _num, _pct)}
<p class="note">Tỷ lệ khớp = số dòng xác định được đúng người trong dữ liệu dân cư / tổng số dòng của lĩnh vực
(kể cả dòng bị loại do sai định dạng). "Đã hết sai lệch": nội dung có ở lần đối soát trước nhưng lần này không còn.
Báo cáo chỉ chứa số liệu tổng hợp, không chứa thông tin cá nhân. Mã lần chạy: {escape(run['run_id'])};
trạng thái: {escape(run['status'])}.</p>
</main></body></html>
"""


def write_report(con: duckdb.DuckDBPyConnection, run_id: str, out: Path) -> Path:
    """Write ``bao_cao_doi_soat_<period>.html`` for a run into ``out``; return its path."""
    data = report_data(con, run_id)
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    return write_private(out / report_file_name(data.run["period"]), render_report(data).encode("utf-8"))
