"""Confirming a failure against what it depends on, before calling it DOWN.

When forty sites fail because their server died, the server is the news. So a monitor whose asset
depends on others (directly or not) does not go DOWN on its own retries alone: the monitors of what
it depends on are checked at once, not at their next turn, and its verdict waits for theirs. The
server's DOWN is therefore stored before its sites', whatever their offsets within their intervals,
and incidents see the root cause first. If what it depends on is fine, the monitor goes DOWN as
soon as that is known; it never waits longer than those monitors need to confirm a failure.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from custode.engine.runtime import MonitorRuntime
from custode.monitors.models import State

_SETTLED = (State.DOWN, State.PAUSED, State.MAINTENANCE)


class Upstream:
    def __init__(self, monitors: dict[int, MonitorRuntime], check_now: Callable[[MonitorRuntime], None]):
        self.monitors = monitors
        self.check_now = check_now
        self.of_asset: dict[int, tuple[int, ...]] = {}  # asset id -> monitors of what it depends on
        self.asked: dict[int, float] = {}  # upstream monitor id -> when a check was asked of it
        self.answered: dict[int, float] = {}  # upstream monitor id -> when its asked-for check was judged
        self.waiting: dict[int, float] = {}  # dependant monitor id -> since when its failure waits

    def holds(self, rt: MonitorRuntime) -> bool:
        """Whether RT's failure must wait for what it depends on (asking for their checks if need be)."""
        above = self.of_asset.get(rt.asset_id)
        if not above:
            return False
        now = time.monotonic()
        since = self.waiting.setdefault(rt.id, now)
        pending, longest = False, 0.0
        for monitor_id in above:
            up = self.monitors.get(monitor_id)
            if up is None or up.state in _SETTLED or self.answered.get(monitor_id, -1.0) >= since:
                continue
            longest = max(longest, up.confirmation_time())
            pending = True
            if up.failures == 0 and self.asked.get(monitor_id, -1.0) < since:
                self.asked[monitor_id] = now
                self.check_now(up)
        if pending and now - since <= longest:
            return True
        self.waiting.pop(rt.id, None)
        return False

    def judged(self, rt: MonitorRuntime, final: bool) -> None:
        """Note RT's verdict: an answer for those waiting on it, the end of its own wait when FINAL."""
        if final:
            if rt.id in self.asked:
                self.answered[rt.id] = time.monotonic()
                del self.asked[rt.id]
            if self.waiting:
                self.waiting.pop(rt.id, None)

