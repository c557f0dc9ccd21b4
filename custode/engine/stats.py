"""The engine's one-line JSON report every 10 s: checks done, rate, scheduling lag, work in flight."""

from __future__ import annotations

import json
import time
from collections import deque
from collections.abc import Callable


class Stats:
    def __init__(self, emit: Callable[[str], None]):
        self._emit = emit
        self.checks = 0
        self._since = time.monotonic()
        self._checks_then = 0
        self.lags: deque[float] = deque(maxlen=20000)

    def started(self, lag: float) -> None:
        self.lags.append(lag)

    def checked(self) -> None:
        self.checks += 1

    def percentile(self, p: float) -> float:
        if not self.lags:
            return 0.0
        ordered = sorted(self.lags)
        return ordered[min(len(ordered) - 1, int(p * len(ordered)))]

    def emit(self, **gauges: int) -> dict:
        now = time.monotonic()
        rate = (self.checks - self._checks_then) / max(now - self._since, 1e-9)
        self._since, self._checks_then = now, self.checks
        line = {"event": "engine.stats", "checks": self.checks, "checks_per_s": round(rate, 1),
                "lag_p50_ms": round(self.percentile(0.5) * 1000, 1),
                "lag_p99_ms": round(self.percentile(0.99) * 1000, 1), **gauges}
        self._emit(json.dumps(line))
        return line
