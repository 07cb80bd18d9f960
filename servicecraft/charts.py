"""Charts drawn on the server (no JavaScript, no CDN), readable by screen readers.

Each function returns ``Markup``: bar charts as an HTML list with SVG bars, line charts as
an SVG with a <title> and <desc>; numbers are always given as text too.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from html import escape

from markupsafe import Markup

PALETTE = ("#1f5f8b", "#b5522b", "#1e7a46", "#9a6a00", "#6b3fa0", "#4a5568")

# Several charts share a page (the dashboard): each needs its own ids for aria-labelledby.
_ids = itertools.count(1)


def _no_data() -> str:
    try:
        from flask_babel import gettext

        return gettext("no data")
    except (ImportError, RuntimeError, KeyError):
        return "no data"


def _fmt(value: float | None) -> str:
    if value is None:
        return "—"
    return f"{value:.1f}".rstrip("0").rstrip(".") if isinstance(value, float) else str(value)


def bar_chart(
    items: Sequence[tuple[str, float | None]], *, title: str, max_value: float | None = None,
    unit: str = "", width: int | None = None, bar_height: int | None = None,
) -> Markup:
    """Horizontal bars, one per (label, value); None is shown as 'no data'.

    Labels and numbers are HTML text, so they keep their size in a narrow dashboard panel
    and on a phone; each bar is a tiny SVG stretched to its share of the row (the CSP
    forbids inline styles, and an SVG width needs none). ``width``/``bar_height`` are
    accepted for older callers and ignored.
    """
    top = max_value if max_value is not None else max([v for _l, v in items if v is not None] or [1]) or 1
    n = next(_ids)
    rows = []
    for label, value in items:
        if value is None:
            bar = f'<span class="bar-none">{escape(_no_data())}</span>'
            shown = ""
        else:
            share = max(0.0, min(1.0, value / top)) * 100
            bar = (f'<svg class="bar" viewBox="0 0 100 10" preserveAspectRatio="none" aria-hidden="true" focusable="false">'
                   f'<rect width="{share:.1f}" height="10" fill="{PALETTE[0]}"/></svg>')
            shown = escape(_fmt(value)) + escape(unit)
        rows.append(f'<li><span class="bar-label">{escape(str(label))}</span>'
                    f'<span class="bar-track">{bar}</span><span class="bar-value">{shown}</span></li>')
    return Markup(
        f'<figure class="chart bar-chart" aria-labelledby="chart{n}-t">'
        f'<figcaption id="chart{n}-t" class="visually-hidden">{escape(title)}</figcaption>'
        f'<ul>{"".join(rows)}</ul></figure>'
    )


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
