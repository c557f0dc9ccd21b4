"""A ticket's SLA clock: due times from the plan's targets, counted in its support hours, paused while the
ticket waits on the customer or stands resolved.

Everything here is computed from the ticket's event log and the plan as it is now; nothing is accumulated,
so changing a plan, a holiday calendar or a ticket's asset and computing again gives the right answer.
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
class Sla:
    first_response_due: dt.datetime | None
    resolution_due: dt.datetime | None
    first_response_warn: dt.datetime | None
    resolution_warn: dt.datetime | None
    first_response_at: dt.datetime | None
    resolved_at: dt.datetime | None
    paused_seconds: float
    state: str

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


def compute(terms: Terms, *, opened_at: dt.datetime, first_response_at: dt.datetime | None,
            resolved_at: dt.datetime | None, paused: list[Pause], now: dt.datetime) -> Sla | None:
    """The SLA of a ticket at NOW; None when its plan promises nothing."""
    if not terms.promised:
        return None

    def due(share: float, seconds: int | None) -> dt.datetime | None:
        return terms.clock.due(opened_at, seconds * share, paused) if seconds else None

    fr_due, res_due = due(1, terms.first_response), due(1, terms.resolution)
    fr_warn, res_warn = due(WARN_AT, terms.first_response), due(WARN_AT, terms.resolution)
    paused_seconds = sum(((end or now) - start).total_seconds() for start, end in paused if start < now)
    clocks = [(terms.first_response, fr_due, fr_warn, first_response_at),
              (terms.resolution, res_due, res_warn, resolved_at)]
    return Sla(fr_due, res_due, fr_warn, res_warn, first_response_at, resolved_at, paused_seconds,
               _state(clocks, paused, now))


def _state(clocks: list, paused: list[Pause], now: dt.datetime) -> str:
    running = [(due, warn) for target, due, warn, done in clocks if target and done is None]
    late = any(target and done is not None and due is not None and done > due for target, due, warn, done in clocks)
    if late or any(due is not None and due <= now for due, _ in running):
        return State.BREACHED
    if not running:
        return State.MET
    if paused and paused[-1][1] is None:
        return State.PAUSED
    if any(warn is not None and warn <= now for _, warn in running):
        return State.WARNING
    return State.RUNNING
