"""Durations as written in Custode's config: 30s, 5m, 2h, 1d, 2w (and 500ms where fractions make sense)."""

from __future__ import annotations

import re

UNITS = {"ms": 0.001, "s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800}
_PATTERN = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(ms|s|m|h|d|w)\s*$")


def parse(text: str) -> float:
    """Seconds in TEXT; ValueError when it is not a non-negative number with a unit."""
    match = _PATTERN.match(text) if isinstance(text, str) else None
    if not match:
        raise ValueError(text)
    return float(match.group(1)) * UNITS[match.group(2)]


def format(seconds: float) -> str:
    """The shortest exact spelling: 60 -> '1m', 5400 -> '90m', 0.5 -> '500ms'."""
    if seconds and seconds < 1 or seconds != int(seconds):
        return f"{round(seconds * 1000)}ms"
    whole = int(seconds)
    for unit in ("w", "d", "h", "m"):
        size = int(UNITS[unit])
        if whole and whole % size == 0:
            return f"{whole // size}{unit}"
    return f"{whole}s"


def approx(seconds: float) -> str:
    """An elapsed time to read, not to parse back: the nearest whole of the largest unit that fits twice:
    42 -> '42s', 425 -> '7m', 7200 -> '2h', 3 * 86400 + 5 -> '3d'."""
    whole = max(0, round(seconds))
    for unit in ("d", "h", "m"):
        size = int(UNITS[unit])
        if whole >= 2 * size:
            return f"{round(whole / size)}{unit}"
    return f"{whole}s"
