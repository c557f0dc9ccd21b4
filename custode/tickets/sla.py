"""A ticket's SLA clock: due times from the plan's targets, counted in its support hours, paused while the
ticket waits on the customer or stands resolved.

Everything here is computed from the ticket's event log and the plan as it is now; nothing is accumulated,
so changing a plan, a holiday calendar or a ticket's asset and computing again gives the right answer. What
does not depend on the present (``Figures``) is stored on the ticket when its clock or its terms change; the
state at an instant (warning at 75 %, breached) is read from it with that instant (``Figures.at``).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Iterable
from dataclasses import dataclass

from custode.lib.hours import Clock, Pause, clock

WARN_AT = 0.75  # share of a target after which the assignee is warned


class State:
    RUNNING, PAUSED, WARNING, BREACHED, MET = "running", "paused", "warning", "breached", "met"


@dataclass(frozen=True)
class Terms:
    """What a ticket's plan promises for its asset's kind; no clock when the plan promises nothing."""

    clock: Clock | None
    first_response: int | None  # seconds of support time
    resolution: int | None
    basis: str  # changes whenever any of the above would

    @property
    def promised(self) -> bool:
        return self.clock is not None


def terms_for(plan, asset_kind: str | None, timezone: str) -> Terms:
    """The promise of PLAN (may be None) for an asset of ASSET_KIND (None: no asset), in the provider's TIMEZONE."""
    if plan is None:
        return Terms(None, None, None, "none")

    def target(targets: dict) -> int | None:
        value = (targets or {}).get(asset_kind or "default", (targets or {}).get("default"))
        return int(value) if value else None

    first, resolution = target(plan.first_response), target(plan.resolution)
    basis = hashlib.sha1(json.dumps([plan.support_hours, plan.holidays, first, resolution, timezone]).encode())
    if first is None and resolution is None:
        return Terms(None, None, None, basis.hexdigest()[:16])
    return Terms(clock(plan.support_hours, timezone, plan.holidays), first, resolution, basis.hexdigest()[:16])


def pauses(events: Iterable[tuple[str, dt.datetime]]) -> list[Pause]:
    """(kind, at) of a ticket's events, in order, as the pauses of its clock; the last may be open."""
    out: list[Pause] = []
    began: dt.datetime | None = None
    for kind, at in events:
        if kind == "paused" and began is None:
            began = at
        elif kind == "resumed" and began is not None:
            out.append((began, at))
            began = None
    if began is not None:
        out.append((began, None))
    return out


@dataclass(frozen=True)
class _Times:
    """A clock's instants: due and warning times of each target, and when each was met."""

    first_response_due: dt.datetime | None
    resolution_due: dt.datetime | None
    first_response_warn: dt.datetime | None
    resolution_warn: dt.datetime | None
    first_response_at: dt.datetime | None
    resolved_at: dt.datetime | None

    def alarms(self) -> list[tuple[str, dt.datetime]]:
        """The warnings this clock has in store, in time order: 75 % of each target not yet met, then its breach
        (``first_response:warning``, ``first_response:breached``, ``resolution:...``)."""
        out = []
        for name, warn, due, done in (("first_response", self.first_response_warn, self.first_response_due,
                                       self.first_response_at),
                                      ("resolution", self.resolution_warn, self.resolution_due, self.resolved_at)):
            if done is None:
                out += [(f"{name}:warning", warn), (f"{name}:breached", due)]
        return sorted(((n, at) for n, at in out if at is not None), key=lambda a: a[1])

    @property
    def next_due(self) -> dt.datetime | None:
        """The earliest due time not yet met: what the queue sorts by (None while paused or all met)."""
        pending = [d for d, done in ((self.first_response_due, self.first_response_at),
                                     (self.resolution_due, self.resolved_at)) if d is not None and done is None]
        return min(pending, default=None)


@dataclass(frozen=True)
class Sla(_Times):
    """A ticket's clock at an instant, as the pages and the API show it."""

    paused_seconds: float
    state: str


@dataclass(frozen=True)
class Figures(_Times):
    """What a ticket's clock comes to apart from the present, as the ticket row stores it: its due times, its
    warning times (75 %), the pauses ended and the one still open, and its state but for the time (running,
    paused, met, or breached by a target met late). The state at any instant is read from them (``at``), so
    a stored clock turns to warning or breached on time without being written again."""

    paused_seconds: float  # of the pauses that ended
    paused_since: dt.datetime | None  # the pause still open
    state: str

    def at(self, now: dt.datetime) -> Sla:
        """The SLA at NOW: a running clock whose due time has passed is breached, one past 75 % is warned."""
        running = [(due, warn) for due, warn, done in ((self.first_response_due, self.first_response_warn,
                                                          self.first_response_at),
                                                         (self.resolution_due, self.resolution_warn, self.resolved_at))
                   if done is None]
        state = self.state
        if state in (State.RUNNING, State.PAUSED):
            if any(due is not None and due <= now for due, _ in running):
                state = State.BREACHED
            elif state == State.RUNNING and any(warn is not None and warn <= now for _, warn in running):
                state = State.WARNING
        open_for = (now - self.paused_since).total_seconds() if self.paused_since and self.paused_since < now else 0
        return Sla(self.first_response_due, self.resolution_due, self.first_response_warn, self.resolution_warn,
                   self.first_response_at, self.resolved_at, self.paused_seconds + open_for, state)


def figures(terms: Terms, *, opened_at: dt.datetime, first_response_at: dt.datetime | None,
            resolved_at: dt.datetime | None, paused: list[Pause]) -> Figures | None:
    """The clock of a ticket opened at OPENED_AT with these PAUSED spans, under TERMS; None when they promise
    nothing. The one place a ticket's due times are worked out: for storing them and for reading them live."""
    if not terms.promised:
        return None

    targets = [seconds * share for seconds in (terms.first_response, terms.resolution) if seconds
               for share in (1, WARN_AT)]
    times = iter(terms.clock.dues(opened_at, targets, paused))
    fr_due, fr_warn = (next(times), next(times)) if terms.first_response else (None, None)
    res_due, res_warn = (next(times), next(times)) if terms.resolution else (None, None)
    ended = sum((end - start).total_seconds() for start, end in paused if end is not None)
    since = paused[-1][0] if paused and paused[-1][1] is None else None
    clocks = [(terms.first_response, fr_due, first_response_at), (terms.resolution, res_due, resolved_at)]
    return Figures(fr_due, res_due, fr_warn, res_warn, first_response_at, resolved_at, ended, since,
                   _state(clocks, since is not None))


def compute(terms: Terms, *, opened_at: dt.datetime, first_response_at: dt.datetime | None,
            resolved_at: dt.datetime | None, paused: list[Pause], now: dt.datetime) -> Sla | None:
    """The SLA of a ticket at NOW; None when its plan promises nothing."""
    clock = figures(terms, opened_at=opened_at, first_response_at=first_response_at, resolved_at=resolved_at,
                    paused=paused)
    return None if clock is None else clock.at(now)


def _state(clocks: list, paused: bool) -> str:
    """The state but for the time: breached by a target met late, met, paused, or running."""
    if any(target and done is not None and due is not None and done > due for target, due, done in clocks):
        return State.BREACHED
    if not any(target and done is None for target, _, done in clocks):
        return State.MET
    return State.PAUSED if paused else State.RUNNING
