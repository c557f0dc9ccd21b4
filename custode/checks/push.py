"""Heartbeats: the monitored machine calls /ping/<uuid>; silence longer than interval + grace is DOWN.

Nothing is called here, so this is not an active check: the engine evaluates what the web
process recorded (the last ping's time and kind) with ``evaluate``.
"""

from __future__ import annotations

import datetime as dt

from custode.checks.result import Result
from custode.lib import durations


def evaluate(*, last_ping_at: dt.datetime | None, last_kind: str, interval: int, grace: int,
             now: dt.datetime) -> Result | None:
    """UP, DOWN, or None while the monitor has never been pinged (its state stays unknown)."""
    if last_ping_at is None:
        return None
    if last_kind == "fail":
        return Result.down("the job reported a failure (/fail)")
    silence = (now - last_ping_at).total_seconds()
    if silence > interval + grace:
        return Result.down(
            f"no ping for {durations.format(int(silence))}; expected every {durations.format(interval)} "
            f"+ {durations.format(grace)} grace"
        )
    return Result.up(None, last_ping_at=last_ping_at.isoformat())
