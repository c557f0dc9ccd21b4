"""Time limits for checks: one timer per event loop instead of one per check.

``asyncio.timeout`` arms a loop timer for every check and disarms it afterwards; at thousands of
checks a second that is a tenth of the engine's CPU. ``within(seconds)`` behaves the same (the
block's task is cancelled at the deadline and the block raises ``TimeoutError``), but a deadline
only joins a bucket of ``RESOLUTION`` seconds in a per-loop wheel, which one timer, set for its earliest
bucket, sweeps: a block that finishes in time costs an append, and one that overruns stops at most that
much late.

The sweeps fall on a grid of the loop's clock (``next_tick``): a timer of anyone else's on the same grid (the
engine's scheduler, its periodic jobs) fires in the same wake-up of the loop instead of one of its own. An idle
process pays for every wake-up (a few tens of microseconds of cold caches and scheduling), so at light load the
number of wake-ups, not the work in them, was most of what the engine did between checks.

Each process's grid is offset from the clock's by a part of ``SPAN`` of its own (``offset_for``): the monotonic
clock is the machine's, so engines on one machine would otherwise wake at the same instants and open their
bursts of connections together, each burst then costing more a check (two engines sharing 1,667 checks a second
on two cores: the second added 0.81x the first one's capacity on one grid, 0.92x on offset grids).

    async with within(spec.timeout):
        response = await exchange()
"""

from __future__ import annotations

import asyncio
import math
import os
import weakref
from types import TracebackType

RESOLUTION = 0.05
SPAN = 4 * RESOLUTION  # the longest tick of the engine's scheduler: offsets spread over it


def offset_for(pid: int) -> float:
    """Where the grid of process PID starts within SPAN. Steps of a golden fraction of RESOLUTION: processes started
    one after another (neighbouring pids) fall far apart on grids of 50, 100 and 200 ms alike."""
    return (pid * 0.6180339887 * RESOLUTION) % SPAN


OFFSET = offset_for(os.getpid())


def next_tick(now: float, step: float = RESOLUTION) -> float:
    """The first point after NOW of this process's grid of STEP seconds on the loop's clock (offset by ``OFFSET``).
    Timers set on it by several parts of a process fire together, in one wake-up of the loop."""
    # 12.35 / 0.05 is 246.99999999999997: on the grid
    return (math.floor((now - OFFSET) / step + 1e-6) + 1) * step + OFFSET


def _slot(when: float) -> int:
    """The slot of this process's grid (``next_tick``) that WHEN falls in."""
    return int((when - OFFSET) / RESOLUTION)


_wheels: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, _Wheel] = weakref.WeakKeyDictionary()


class _Wheel:
    """Deadlines of one loop, in buckets of RESOLUTION seconds, swept by one timer set for the earliest bucket
    (a process that checks rarely is not woken every RESOLUTION for nothing)."""

    __slots__ = ("loop", "buckets", "swept", "armed", "timer")

    def __init__(self, loop: asyncio.AbstractEventLoop) -> None:
        self.loop = loop
        self.buckets: dict[int, list[within]] = {}
        self.swept = _slot(loop.time())
        self.armed = 0  # the bucket the timer is set for
        self.timer: asyncio.TimerHandle | None = None

    def add(self, when: float, block: within) -> None:
        slot = max(_slot(when) + 1, self.swept + 1)
        bucket = self.buckets.get(slot)
        if bucket is None:
            self.buckets[slot] = [block]
        else:
            bucket.append(block)
        if self.timer is None or slot < self.armed:
            self._arm(slot)

    def _arm(self, slot: int) -> None:
        if self.timer is not None:
            self.timer.cancel()
        self.armed, self.timer = slot, self.loop.call_at(slot * RESOLUTION + OFFSET, self.sweep)

    def sweep(self) -> None:
        self.timer = None
        now = _slot(self.loop.time() + 1e-6 * RESOLUTION)  # on the grid, as in ``next_tick``
        buckets = self.buckets
        if now - self.swept > len(buckets):  # a long pause: visit the buckets there are, not every slot
            due = sorted(slot for slot in buckets if slot <= now)
        else:
            due = [slot for slot in range(self.swept + 1, now + 1) if slot in buckets]
        self.swept = now
        for slot in due:
            for block in buckets.pop(slot):
                block.expire()
        if buckets:
            self._arm(max(min(buckets), now + 1))


_last: _Wheel | None = None  # the wheel of the loop used last: nearly always the one asked for


def _wheel(loop: asyncio.AbstractEventLoop) -> _Wheel:
    global _last
    if _last is not None and _last.loop is loop:
        return _last
    wheel = _wheels.get(loop)
    if wheel is None:
        wheel = _wheels[loop] = _Wheel(loop)
    _last = wheel
    return wheel


class within:
    """``async with within(seconds):`` like ``asyncio.timeout(seconds)``, at RESOLUTION precision."""

    __slots__ = ("seconds", "task", "cancelling", "state")

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds
        self.state = "new"

    async def __aenter__(self) -> within:
        loop = asyncio.get_running_loop()
        task = asyncio.current_task()
        if task is None:
            raise RuntimeError("within() must be used inside a task")
        self.task, self.cancelling, self.state = task, task.cancelling(), "running"
        _wheel(loop).add(loop.time() + self.seconds, self)
        return self

    async def __aexit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                        tb: TracebackType | None) -> None:
        expired, self.state = self.state == "expired", "done"
        task, self.task = self.task, None  # the wheel keeps this block till its deadline: not the task
        if expired and task.uncancel() <= self.cancelling and exc_type is asyncio.CancelledError:
            raise TimeoutError from exc

    @property
    def expired(self) -> bool:
        return self.state == "expired"

    def expire(self) -> None:
        if self.state == "running":
            self.state = "expired"
            self.task.cancel()
