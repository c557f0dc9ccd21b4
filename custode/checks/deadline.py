"""Time limits for checks: one timer per event loop instead of one per check.

``asyncio.timeout`` arms a loop timer for every check and disarms it afterwards; at thousands of
checks a second that is a tenth of the engine's CPU. ``within(seconds)`` behaves the same (the
block's task is cancelled at the deadline and the block raises ``TimeoutError``), but a deadline
only joins a bucket of a per-loop wheel that one timer sweeps every ``RESOLUTION`` seconds, so a
block that finishes in time costs an append, and one that overruns stops at most that much late.

    async with within(spec.timeout):
        response = await exchange()
"""

from __future__ import annotations

import asyncio
import weakref
from types import TracebackType

RESOLUTION = 0.05

_wheels: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, _Wheel] = weakref.WeakKeyDictionary()


class _Wheel:
    """Deadlines of one loop, in buckets of RESOLUTION seconds, swept by one repeating timer."""

    __slots__ = ("loop", "buckets", "swept", "armed")

    def __init__(self, loop: asyncio.AbstractEventLoop) -> None:
        self.loop = loop
        self.buckets: dict[int, list[within]] = {}
        self.swept = int(loop.time() / RESOLUTION)
        self.armed = False

    def add(self, when: float, block: within) -> None:
        slot = max(int(when / RESOLUTION) + 1, self.swept + 1)
        bucket = self.buckets.get(slot)
        if bucket is None:
            self.buckets[slot] = [block]
        else:
            bucket.append(block)
        if not self.armed:
            self.armed = True
            self.loop.call_later(RESOLUTION, self.sweep)

    def sweep(self) -> None:
        now = int(self.loop.time() / RESOLUTION)
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
            self.loop.call_later(RESOLUTION, self.sweep)
        else:
            self.armed = False


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
