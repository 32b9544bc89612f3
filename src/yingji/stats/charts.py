"""Charts for the dashboard as inline SVG, drawn here rather than by a JS library or a CDN.

Only digits and ASCII go into ``<text>`` elements (the labels users read, in Chinese or
English, stay in the page's HTML), so the chart renders the same with any font installed
and can never show missing-glyph boxes. Every bar carries a ``<title>`` for its tooltip.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from html import escape
from typing import Any

WIDTH, HEIGHT = 720, 260
LEFT, RIGHT, TOP, BOTTOM = 48, 12, 14, 30
COLOURS = {"found": "#1565c0", "rectified": "#2e7d32"}


def nice_max(value: int, ticks: int = 4) -> int:
    """A round axis maximum at or above ``value`` that splits into ``ticks`` whole steps
    of 1, 2, 2.5 or 5 times a power of ten (36 → 40, 1000 → 1000)."""
    need = max(value, 1) / ticks
    power = 10 ** math.floor(math.log10(need))
    for factor in (1, 2, 2.5, 5, 10):
        step = factor * power
        if step >= need and step == int(step):
            return int(step) * ticks
    return 10 * power * ticks


def trend_svg(months: Sequence[dict[str, Any]], titles: dict[str, str]) -> str:
    """Grouped bars, found beside rectified, one group per month; ``titles`` names the two
    series for the tooltips (in the page's language)."""
    top = nice_max(max([m["found"] for m in months] + [m["rectified"] for m in months] + [0]))
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
    slot = plot_w / max(len(months), 1)
    bar = slot * 0.36
    parts = [
        f'<svg class="chart" viewBox="0 0 {WIDTH} {HEIGHT}" role="img" '
        f'xmlns="http://www.w3.org/2000/svg" data-testid="trend-chart">'
    ]
    for i in range(5):
        value = top * i // 4
        y = TOP + plot_h - plot_h * i / 4
        parts.append(
            f'<line x1="{LEFT}" x2="{WIDTH - RIGHT}" y1="{y:.1f}" y2="{y:.1f}" class="grid"/>'
            f'<text x="{LEFT - 6}" y="{y + 4:.1f}" text-anchor="end">{value:,}</text>'
        )
    for i, month in enumerate(months):
        x0 = LEFT + slot * i + slot * 0.14
        for j, key in enumerate(("found", "rectified")):
            h = plot_h * month[key] / top
            x, y = x0 + j * bar, TOP + plot_h - h
            tip = escape(f"{month['month']} {titles[key]} {month[key]:,}")
            parts.append(
                f'<rect x="{x:.1f}" y="{y:.1f}" width="{bar:.1f}" height="{h:.1f}" '
                f'fill="{COLOURS[key]}"><title>{tip}</title></rect>'
            )
        label = escape(str(month["month"])[2:])  # "26-03": ASCII only
        parts.append(
            f'<text x="{LEFT + slot * (i + 0.5):.1f}" y="{HEIGHT - 10}" '
            f'text-anchor="middle">{label}</text>'
        )
    parts.append("</svg>")
    return "".join(parts)
