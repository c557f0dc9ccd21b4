"""The engine's one-line JSON report every 10 s: checks done, rate, scheduling lag, work in flight.

Lag percentiles are those of the checks started since the previous line (the last 20,000 of them at
most), so a line says how late checks started in its own 10 s, not while the engine caught up after
loading a minute before.
"""

from __future__ import annotations

import itertools
import json
import time
from collections import deque
from collections.abc import Callable


class Stats:
    def __init__(self, emit: Callable[[str], None]):
        self._emit = emit
        self.checks = 0
        self.starts = 0
        self._since = time.monotonic()
        self._checks_then = self._starts_then = 0
        self.lags: deque[float] = deque(maxlen=20000)

    def started(self, lag: float) -> None:
        self.lags.append(lag)
        self.starts += 1

    def checked(self) -> None:
        self.checks += 1

    def recent_lags(self) -> list[float]:
        """The lags of the checks started since the last line, in order."""
        count = min(self.starts - self._starts_then, len(self.lags))
        return sorted(itertools.islice(self.lags, len(self.lags) - count, None))

    def emit(self, **gauges: int) -> dict:
        now = time.monotonic()
        rate = (self.checks - self._checks_then) / max(now - self._since, 1e-9)
        lags = self.recent_lags()
        self._since, self._checks_then, self._starts_then = now, self.checks, self.starts
        line = {"event": "engine.stats", "checks": self.checks, "checks_per_s": round(rate, 1),
                "lag_p50_ms": round(_percentile(lags, 0.5) * 1000, 1),
                "lag_p99_ms": round(_percentile(lags, 0.99) * 1000, 1), **gauges}
        self._emit(json.dumps(line))
        return line


def _percentile(ordered: list[float], p: float) -> float:
    return ordered[min(len(ordered) - 1, int(p * len(ordered)))] if ordered else 0.0
