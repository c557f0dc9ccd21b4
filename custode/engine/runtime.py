"""The engine's view of one monitor and the rule that turns check results into states.

``judge`` is pure: given what the monitor was and what a check found, it says what the monitor
is now and whether to retry first. A failure is retried ``retries`` times at a short interval
before the monitor is DOWN, so a target that fails once and recovers never produces a DOWN.
"""

from __future__ import annotations

import zlib
from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel

from custode.checks.result import Result, Status
from custode.monitors.models import State
from custode.monitors.timing import confirmation_time, retry_delay

PUSH_PERIOD = 10.0


@dataclass(slots=True, eq=False)
class MonitorRuntime:
    id: int
    key: str
    type: str
    interval: int
    retries: int
    timeout: float
    spec: Any
    asset_id: int
    state: str
    version: int
    impact: str = "outage"
    failures: int = 0
    due: float = 0.0
    generation: int = 0
    in_maintenance: bool = False
    running: bool = False
    last_ping_at: Any = None
    last_ping_kind: str = ""
    created_at: Any = None  # a push monitor never pinged is DOWN interval + grace after this
    facts: Any = None  # a backup job's or an agent's monitor: what they reported (their ``verdict.Facts``), None until read
    check: Any = None
    prepared: Any = None  # what ``check`` is given: the spec, or what its module's ``prepare`` made of it at load
    failing_since: Any = None  # the time of the first failed check of the failures going on, None while none
    last_status: str = ""  # the last result's, and the slot of time whose up result was kept (``Engine._keep``)
    raw_slot: int = -1
    several: bool = False  # checked from more than one location: ``state`` is this location's (``quorum``)
    paused: bool = False  # loaded but never scheduled: nothing may check it (``Engine._install``)

    def offset(self) -> float:
        """A stable place within the interval, so monitors spread evenly instead of firing together."""
        return (zlib.crc32(self.key.encode()) / 0xFFFFFFFF) * self.interval

    def period(self) -> float:
        """Seconds between runs: the interval, but push monitors are judged at least every 10 s."""
        return min(self.interval, PUSH_PERIOD) if self.type == "push" else self.interval

    def retry_delay(self) -> float:
        return retry_delay(self.interval)

    def confirmation_time(self) -> float:
        return confirmation_time(interval=self.interval, retries=self.retries, timeout=self.timeout)


class SharedParts:
    """One copy of the parts that many monitors' specs repeat.

    Specs are immutable, and most of them hold equal sub-values: the default expectations, empty
    headers, the same set of fields given. Sharing those halves the memory a loaded spec takes,
    which is what lets 100,000 monitors fit in about 2 KiB each.
    """

    def __init__(self) -> None:
        self.parts: dict[tuple, Any] = {}

    def share(self, spec: Any) -> Any:
        values = spec.__dict__
        for name, value in values.items():
            if isinstance(value, (BaseModel, dict, list)):
                values[name] = self.parts.setdefault((name, type(value), _identity(value)), value)
        given = spec.__pydantic_fields_set__
        object.__setattr__(spec, "__pydantic_fields_set__", self.parts.setdefault(("fields", frozenset(given)), given))
        return spec

    def same(self, value: Any) -> Any:
        """One object for equal small values that recur across monitors (a type name, a state, a timeout)."""
        return self.parts.setdefault((type(value), value), value)


def _identity(value: Any) -> str:
    """What tells VALUE from unequal ones of its type: its repr, but a model given no field is its defaults
    (most are: a repr of a model costs microseconds, 100,000 times at start)."""
    if isinstance(value, BaseModel) and not value.__pydantic_fields_set__:
        return "defaults"
    return repr(value)


@dataclass(slots=True, frozen=True)
class Verdict:
    state: str  # the monitor's state after this result
    retry: bool  # check again soon before believing a failure


def judge(rt: MonitorRuntime, result: Result) -> Verdict:
    if rt.in_maintenance:
        return Verdict(State.MAINTENANCE, False)
    if result.status is Status.UP:
        return Verdict(State.UP, False)
    if result.status is Status.DEGRADED:
        return Verdict(State.DEGRADED, False)
    if result.status is Status.ERROR:
        return Verdict(State.ERROR, False)
    if rt.state == State.DOWN:
        return Verdict(State.DOWN, False)
    if rt.failures < rt.retries:
        return Verdict(unconfirmed(rt), True)
    return Verdict(State.DOWN, False)


def unconfirmed(rt: MonitorRuntime) -> str:
    """The state RT shows while a failure is confirmed: the one it had, unless that one said nothing of the
    target (a maintenance window that has ended): then nothing is known until the failure is."""
    return State.UNKNOWN if rt.state == State.MAINTENANCE else rt.state
