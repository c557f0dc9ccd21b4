"""A day of an agent's numbers as a small inline SVG, drawn by Custode: no chart library, no script.

The window is fixed (the ``WINDOW`` before ``end``), so sparklines side by side share their time axis and an
agent silent for the night shows an empty night, not a line stretched across it. Two samples further apart
than ``gap`` are not joined: a line over a silence would claim numbers nobody measured. A run of one sample
is drawn as a dot, since a polyline of one point is invisible.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

WINDOW = dt.timedelta(hours=24)
WIDTH, HEIGHT, PAD = 288, 40, 2  # one pixel per 5 minutes; PAD keeps a 0 or a peak off the edge

Point = tuple[float, float]


@dataclass(frozen=True)
class Sparkline:
    runs: tuple[tuple[Point, ...], ...]  # each unbroken stretch of samples, as (x, y) in the box
    limit_y: float | None = None  # where the threshold is, when it is within the box
    width: int = WIDTH
    height: int = HEIGHT


def sparkline(points: Iterable[tuple[dt.datetime, float | None]], *, end: dt.datetime, gap: dt.timedelta,
              top: float, limit: float | None = None, window: dt.timedelta = WINDOW, width: int = WIDTH,
              height: int = HEIGHT) -> Sparkline:
    """POINTS (time, value) of the WINDOW up to END, placed in a WIDTH x HEIGHT box whose top is the value TOP.

    A value of None, or two points more than GAP apart, break the line; points outside the window are left out;
    values over TOP are drawn at the top. LIMIT, the threshold, becomes a level line when it is under TOP."""
    start, runs, run, last = end - window, [], [], None
    for at, value in sorted((p for p in points if start <= p[0] <= end), key=lambda p: p[0]):
        if value is None or (last is not None and at - last > gap):
            runs.append(run)
            run = []
        if value is not None:
            x = (at - start) / window * width
            run.append((round(x, 1), _y(value, top, height)))
        last = at
    runs.append(run)
    shown = limit is not None and 0 <= limit <= top
    return Sparkline(tuple(tuple(r) for r in runs if r), _y(limit, top, height) if shown else None, width, height)


def _y(value: float, top: float, height: int) -> float:
    share = min(max(value / top, 0.0), 1.0) if top > 0 else 0.0
    return round(height - PAD - share * (height - 2 * PAD), 1)


def svg(line: Sparkline, *, label: str) -> SafeString:
    """LINE as an ``<svg>`` element named LABEL for screen readers; its colours come from the page's CSS."""
    parts = [f'<svg class="sparkline" viewBox="0 0 {line.width} {line.height}" width="{line.width}" '
             f'height="{line.height}" role="img" aria-label="{escape(label)}"><title>{escape(label)}</title>']
    if line.limit_y is not None:
        parts.append(f'<line class="limit" x1="0" x2="{line.width}" y1="{line.limit_y}" y2="{line.limit_y}"/>')
    for run in line.runs:
        if len(run) == 1:
            parts.append(f'<circle cx="{run[0][0]}" cy="{run[0][1]}" r="1.5"/>')
        else:
            parts.append(f'<polyline points="{" ".join(f"{x},{y}" for x, y in run)}"/>')
    parts.append("</svg>")
    return mark_safe("".join(parts))
