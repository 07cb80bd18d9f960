"""Charts drawn on the server as SVG (no JavaScript, no CDN), readable by screen readers.

Each function returns a ``Markup`` SVG string with a <title> and <desc>; numbers are also
given as text so a chart never holds information a table elsewhere lacks.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from html import escape

from markupsafe import Markup

# Several charts share a page (the dashboard): each needs its own ids for aria-labelledby.
_ids = itertools.count(1)


def _no_data() -> str:
    try:
        from flask_babel import gettext

        return gettext("no data")
    except (ImportError, RuntimeError, KeyError):
        return "no data"


def _short(label: str, limit: int) -> str:
    return label if len(label) <= limit else label[: limit - 1].rstrip() + "…"

PALETTE = ("#1f5f8b", "#b5522b", "#1e7a46", "#9a6a00", "#6b3fa0", "#4a5568")


def _fmt(value: float | None) -> str:
    if value is None:
        return "—"
    return f"{value:.1f}".rstrip("0").rstrip(".") if isinstance(value, float) else str(value)


def bar_chart(
    items: Sequence[tuple[str, float | None]], *, title: str, max_value: float | None = None,
    unit: str = "", width: int = 560, bar_height: int = 18,
) -> Markup:
    """Horizontal bars, one per (label, value), each label on its own line above its bar
    (long names in any script are never clipped); None is drawn as 'no data'."""
    label_h, gap = 17, 8
    row = label_h + bar_height + gap
    height = max(1, len(items)) * row + 4
    top = max_value if max_value is not None else max([v for _l, v in items if v is not None] or [1]) or 1
    plot_w = width - 70
    n = next(_ids)
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" viewBox="0 0 {width} {height}" role="img" '
        f'aria-labelledby="chart{n}-t chart{n}-d">',
        f'<title id="chart{n}-t">{escape(title)}</title>',
        f'<desc id="chart{n}-d">' + escape("; ".join(f"{label}: {_fmt(v)}{unit}" for label, v in items)) + "</desc>",
    ]
    for i, (label, value) in enumerate(items):
        y = 2 + i * row
        parts.append(f'<text x="0" y="{y + 13}" font-size="13">{escape(_short(str(label), 70))}</text>')
        bar_y = y + label_h
        if value is None:
            parts.append(f'<text x="0" y="{bar_y + bar_height * 0.75:.1f}" font-size="12" fill="#5b6576">{escape(_no_data())}</text>')
            continue
        w = max(0.0, min(1.0, value / top)) * plot_w
        parts.append(f'<rect x="0" y="{bar_y}" width="{w:.1f}" height="{bar_height}" rx="3" fill="{PALETTE[0]}"/>')
        parts.append(f'<text x="{w + 6:.1f}" y="{bar_y + bar_height * 0.75:.1f}" font-size="12">{escape(_fmt(value))}{escape(unit)}</text>')
    parts.append("</svg>")
    return Markup("".join(parts))


def line_chart(
    labels: Sequence[str], series: Sequence[tuple[str, Sequence[float | None]]], *, title: str,
    min_value: float = 0, max_value: float = 100, width: int = 560, height: int = 220, unit: str = "",
) -> Markup:
    """Lines over shared x labels (e.g. six periods); gaps where a value is None."""
    left, right, top, bottom = 40, 16, 12, 34
    plot_w, plot_h = width - left - right, height - top - bottom
    span = (max_value - min_value) or 1
    step = plot_w / max(1, len(labels) - 1)

    def point(i, v):
        return left + i * step, top + plot_h - (v - min_value) / span * plot_h

    chart_id = next(_ids)
    desc = "; ".join(f"{name}: " + ", ".join(f"{lab} {_fmt(v)}{unit}" for lab, v in zip(labels, values)) for name, values in series)
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" viewBox="0 0 {width} {height}" role="img" aria-labelledby="chart{chart_id}-t chart{chart_id}-d">',
        f'<title id="chart{chart_id}-t">{escape(title)}</title><desc id="chart{chart_id}-d">{escape(desc)}</desc>',
    ]
    for frac in (0, 0.5, 1):
        y = top + plot_h - frac * plot_h
        parts.append(f'<line x1="{left}" x2="{width - right}" y1="{y:.1f}" y2="{y:.1f}" stroke="#d8dde5"/>')
        parts.append(f'<text x="{left - 6}" y="{y + 4:.1f}" text-anchor="end" font-size="11">{_fmt(min_value + frac * span)}</text>')
    for i, lab in enumerate(labels):
        parts.append(f'<text x="{left + i * step:.1f}" y="{height - 12}" text-anchor="middle" font-size="11">{escape(lab)}</text>')
    for n, (name, values) in enumerate(series):
        colour = PALETTE[n % len(PALETTE)]
        segment: list[str] = []
        for i, v in enumerate(values):
            if v is None:
                if len(segment) > 1:
                    parts.append(f'<polyline fill="none" stroke="{colour}" stroke-width="2" points="{" ".join(segment)}"/>')
                segment = []
                continue
            x, y = point(i, v)
            segment.append(f"{x:.1f},{y:.1f}")
            parts.append(f'<circle cx="{x:.1f}" cy="{y:.1f}" r="3" fill="{colour}"><title>{escape(name)} {escape(labels[i])}: {_fmt(v)}{escape(unit)}</title></circle>')
        if len(segment) > 1:
            parts.append(f'<polyline fill="none" stroke="{colour}" stroke-width="2" points="{" ".join(segment)}"/>')
    parts.append("</svg>")
    return Markup("".join(parts))
