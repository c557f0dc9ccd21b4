"""Heartbeats: the monitored machine calls /ping/<uuid>; silence longer than interval + grace is DOWN.

Nothing is called here, so this is not an active check: the engine evaluates what the web
process recorded (the last ping's time and kind, ``custode.results.pings``) with ``evaluate``.

The kinds: ``success``; ``fail``, or ``fail:<code>`` for ``/ping/<uuid>/<exit code>`` with a nonzero code;
``start``, a job that began and has ``grace`` to report how it ended. ``/log`` pings are kept but never reach
here: they say nothing of the job's health.
"""

from __future__ import annotations

import datetime as dt

from custode.checks.result import Result
from custode.lib import durations


def evaluate(*, last_ping_at: dt.datetime | None, last_kind: str, interval: int, grace: int,
             now: dt.datetime, created_at: dt.datetime | None = None) -> Result | None:
    """UP, DOWN, or None when there is nothing new to say (the monitor keeps its state).

    Never pinged: nothing until ``interval`` + ``grace`` have passed since the monitor was created, DOWN then.
    Started: nothing while the job runs within ``grace`` (the verdict of its last run stands), DOWN after.
    """
    expected = f"expected every {durations.format(interval)} + {durations.format(grace)} grace"
    if last_ping_at is None:
        waited = (now - created_at).total_seconds() if created_at is not None else 0
        if waited > interval + grace:
            return Result.down(f"never pinged since it was created {durations.approx(waited)} ago; {expected}")
        return None
    silence = (now - last_ping_at).total_seconds()
    if last_kind == "start":
        if silence > grace:
            return Result.down(
                f"started {durations.approx(silence)} ago, never finished (grace {durations.format(grace)})")
        return None
    if last_kind.startswith("fail"):
        code = last_kind.partition(":")[2]
        return Result.down(f"the job exited with code {code}" if code else "the job reported a failure (/fail)")
    if silence > interval + grace:
        return Result.down(f"no ping for {durations.approx(silence)}; {expected}")
    return Result.up(None, last_ping_at=last_ping_at.isoformat())
