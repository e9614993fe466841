"""Small inline SVG charts for the monthly report: horizontal bars, stacked bars, a legend.

Pure string building (no JavaScript, no external fonts); every text is XML-escaped. Colours come
from ``PALETTE``. Numbers are formatted the Vietnamese way by the caller.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from html import escape

PALETTE = {
    "critical": "#B3261E", "high": "#E8710A", "medium": "#F2C94C", "low": "#9AA0A6",
    "matched": "#1E8E3E", "review": "#F2C94C", "unmatched": "#E8710A", "rejected": "#B3261E",
    "bar": "#1A73E8", "previous": "#202124", "grid": "#E0E0E0", "text": "#202124", "muted": "#5F6368",
}
LABEL_W = 170
ROW_H = 26
BAR_H = 16


def _svg(width: int, height: int, body: str, title: str) -> str:
    return (f'<svg width="{width}" height="{height}" '
            f'viewBox="0 0 {width} {height}" role="img" aria-label="{escape(title)}" class="chart">'
            f"<title>{escape(title)}</title>{body}</svg>")


def _label(x: float, y: float, text: str, anchor: str = "end", cls: str = "lbl") -> str:
    return f'<text x="{x:.1f}" y="{y:.1f}" text-anchor="{anchor}" class="{cls}">{escape(text)}</text>'


def bar_chart(rows: Sequence[tuple[str, float, float | None]], *, title: str, fmt: Callable[[float], str],
              maximum: float | None = None, width: int = 640) -> str:
    """One bar per (label, value, previous value or None); the previous value is a dark tick."""
    plot_w = width - LABEL_W - 80
    top = max([v for _, v, _ in rows] + [p or 0 for _, _, p in rows] + [0])
    scale = (maximum or top or 1)
    height = ROW_H * len(rows) + 24
    parts = []
    for i in range(5):  # grid lines at 0, 25, 50, 75, 100 %
        x = LABEL_W + plot_w * i / 4
        parts.append(f'<line x1="{x:.1f}" y1="4" x2="{x:.1f}" y2="{height - 20}" stroke="{PALETTE["grid"]}"/>')
        parts.append(_label(x, height - 6, fmt(scale * i / 4), "middle", "axis"))
    for i, (label, value, previous) in enumerate(rows):
        y = 6 + i * ROW_H
        w = plot_w * (value / scale) if scale else 0
        parts.append(_label(LABEL_W - 8, y + BAR_H - 3, label))
        parts.append(f'<rect x="{LABEL_W}" y="{y}" width="{max(w, 0):.1f}" height="{BAR_H}" rx="2" fill="{PALETTE["bar"]}"/>')
        parts.append(_label(LABEL_W + w + 6, y + BAR_H - 3, fmt(value), "start", "val"))
        if previous is not None:
            px = LABEL_W + plot_w * (previous / scale)
            parts.append(f'<line x1="{px:.1f}" y1="{y - 3}" x2="{px:.1f}" y2="{y + BAR_H + 3}" '
                         f'stroke="{PALETTE["previous"]}" stroke-width="3"><title>{escape("Kỳ trước: " + fmt(previous))}</title></line>')
    return _svg(width, height, "".join(parts), title)


def stacked_chart(rows: Sequence[tuple[str, Sequence[float]]], series: Sequence[tuple[str, str]], *, title: str,
                  fmt: Callable[[float], str], percent: bool = False, width: int = 640, label_width: int = LABEL_W) -> str:
    """One stacked bar per (label, values); ``series`` gives (colour key, legend text) per value.
    With ``percent`` every bar is scaled to 100 %."""
    plot_w = width - label_width - 80
    top = max([sum(v) for _, v in rows] + [1])
    height = ROW_H * len(rows) + 8
    parts = []
    for i, (label, values) in enumerate(rows):
        y = 4 + i * ROW_H
        total = sum(values)
        scale = (total or 1) if percent else top
        x = label_width
        parts.append(_label(label_width - 8, y + BAR_H - 3, label))
        for (key, name), value in zip(series, values, strict=True):
            w = plot_w * value / scale if scale else 0
            if w > 0:
                parts.append(f'<rect x="{x:.1f}" y="{y}" width="{w:.1f}" height="{BAR_H}" fill="{PALETTE[key]}">'
                             f"<title>{escape(f'{name}: {fmt(value)}')}</title></rect>")
            x += w
        parts.append(_label(x + 6, y + BAR_H - 3, fmt(total), "start", "val"))
    return _svg(width, height, "".join(parts), title) + legend(series, indent=label_width)


def legend(series: Sequence[tuple[str, str]], indent: int = LABEL_W) -> str:
    """An HTML legend (colour swatch + text) for a chart's series, indented to the plot area."""
    items = "".join(f'<span class="key"><span class="swatch" style="background:{PALETTE[k]}"></span>{escape(t)}</span>'
                    for k, t in series)
    return f'<div class="legend" style="margin-left:{indent}px">{items}</div>'
