"""The report's charts, drawn by Custode as inline SVG: no browser, no plotting library, the same bytes for the
same figures (every number is written with fixed decimals)."""

from __future__ import annotations

import datetime as dt
from html import escape

WIDTH, HEIGHT = 620, 90
GAP = 2
COLOURS = {"ok": "#2e7d32", "below": "#c62828", "none": "#d0d0d0"}


def floor_of(values: list[float], target: float | None) -> float:
    """The bottom of the scale: 90 % when every day and the promise are above it (differences of a tenth of a
    percent stay visible), else 0."""
    lowest = min([*values, *([target] if target is not None else [])], default=100.0)
    return 90.0 if lowest >= 90.0 else 0.0


def daily_uptime(days: list[tuple[dt.date, float | None]], target: float | None, label: str = "") -> str:
    """A bar per day of DAYS (date, uptime percent or None when nothing was checked), red below TARGET, with the
    promise drawn as a dashed line."""
    floor = floor_of([v for _, v in days if v is not None], target)
    width = (WIDTH - GAP * len(days)) / max(len(days), 1)
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" width="{WIDTH}" height="{HEIGHT + 14}" '
             f'viewBox="0 0 {WIDTH} {HEIGHT + 14}" role="img" aria-label="{escape(label)}">']
    for n, (day, value) in enumerate(days):
        x = n * (width + GAP)
        parts.append(_bar(x, width, value, floor, target))
        if day.day == 1 or day.day % 5 == 0:
            parts.append(f'<text x="{x + width / 2:.2f}" y="{HEIGHT + 11}" font-size="8" '
                         f'text-anchor="middle" fill="#555">{day.day}</text>')
    if target is not None:
        y = _y(target, floor)
        parts.append(f'<line x1="0" x2="{WIDTH}" y1="{y:.2f}" y2="{y:.2f}" stroke="#333" stroke-width="0.8" '
                     f'stroke-dasharray="4 3"/>')
    parts.append("</svg>")
    return "".join(parts)


def _bar(x: float, width: float, value: float | None, floor: float, target: float | None) -> str:
    if value is None:
        return (f'<rect x="{x:.2f}" y="{HEIGHT - 2}" width="{width:.2f}" height="2" '
                f'fill="{COLOURS["none"]}"/>')
    y = _y(value, floor)
    colour = COLOURS["below"] if target is not None and value < target else COLOURS["ok"]
    return f'<rect x="{x:.2f}" y="{y:.2f}" width="{width:.2f}" height="{max(HEIGHT - y, 1):.2f}" fill="{colour}"/>'


def _y(value: float, floor: float) -> float:
    share = (max(value, floor) - floor) / (100.0 - floor)
    return HEIGHT - share * (HEIGHT - 4)
